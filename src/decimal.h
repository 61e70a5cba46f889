/*
 * decimal.h: luaforce.decimal values as seen from other C files (json.c, and
 * the FEEL arithmetic later). The value type itself lives in decimal.c.
 */
#ifndef LUAFORCE_DECIMAL_H
#define LUAFORCE_DECIMAL_H
#include <lua.h>
#include <stddef.h>

#define LF_DECIMAL_MT "luaforce.decimal"

/* Pushes a decimal parsed from text in JSON number syntax (an optional '-',
 * digits, an optional fraction, an optional exponent), keeping every digit.
 * Returns 1 with the value pushed, or 0 with nothing pushed when the text is
 * not such a number or its exponent is out of range. */
int lf_decimal_push(lua_State *L, const char *text, size_t len);

/* If the value at idx is a decimal, pushes its exact text (valid JSON number
 * syntax) as a Lua string and returns a pointer to it (length in *len);
 * otherwise pushes nothing and returns NULL. */
const char *lf_decimal_pushtext(lua_State *L, int idx, size_t *len);

#endif
