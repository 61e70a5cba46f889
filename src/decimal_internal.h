/*
 * decimal_internal.h: what the two files of luaforce.core.decimal share (not
 * a public interface; other C files use decimal.h): the value's layout and
 * the functions decimal.c offers decimal_ops.c, and the function lists
 * decimal_ops.c offers decimal.c to register.
 *
 *   decimal.c      the value type: construction, text, comparison,
 *                  conversions, the metatable, luaopen
 *   decimal_ops.c  arithmetic as Lua functions and operators
 */
#ifndef LUAFORCE_DECIMAL_INTERNAL_H
#define LUAFORCE_DECIMAL_INTERNAL_H
#include <gmp.h>
#include <lauxlib.h>
#include <stddef.h>
#include <stdint.h>

/* A value: (-1)^negative x coefficient x 10^exponent (decimal.c's header
 * lists the invariants every constructor keeps). */
typedef struct lf_dec {
    int32_t exponent;
    int32_t negative;  /* 0 or 1, never 1 for zero */
    size_t digits;     /* decimal digits of the coefficient, 1 for zero */
    mp_size_t n;       /* limbs in use, 0 for zero */
    mp_limb_t limbs[]; /* the coefficient, least significant limb first */
} lf_dec;

#define DEC_SIZE(n) (offsetof(lf_dec, limbs) + (size_t)(n) * sizeof(mp_limb_t))

/* Pushes a new decimal with room for n limbs; the caller fills it in. */
lf_dec *lf_dec_push_new(lua_State *L, mp_size_t n);
/* The decimal at idx, or NULL. */
lf_dec *lf_dec_test(lua_State *L, int idx);
/* Parses text (LF_DECTEXT_* syntax) and pushes the decimal; returns an
 * LF_DECTEXT_* code and pushes nothing unless it is LF_DECTEXT_OK. */
int lf_dec_push_text(lua_State *L, const char *text, size_t len, int syntax);
/* Pushes the decimal of a finite float, as decimal(x) makes it. */
void lf_dec_push_double(lua_State *L, double x);
/* d as a Lua integer: 1 and *out set when d is integral and in range. */
int lf_dec_to_integer(lua_State *L, const lf_dec *d, lua_Integer *out);
/* The type of the value at idx as Lua's own errors name it. */
const char *lf_dec_type_name(lua_State *L, int idx);

/* decimal_ops.c: module functions, methods and metamethods. */
extern const luaL_Reg lf_dec_ops_fns[];
extern const luaL_Reg lf_dec_ops_methods[];
extern const luaL_Reg lf_dec_ops_meta[];

#endif
