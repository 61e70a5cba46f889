/*
 * tz.h: the TZif reader of luaforce.core.tz for other C code: the fuzz
 * target (tests/fuzz/fuzz_tz.c) feeds it bytes without a file.
 */
#ifndef LUAFORCE_TZ_H
#define LUAFORCE_TZ_H
#include <lua.h>
#include <stddef.h>

/* Pushes the zone the TZif bytes raw[0..n) describe, with the methods of a
 * zone from tz.load (luaopen_luaforce_core_tz must have run in L), and
 * returns NULL; or pushes nothing and returns why not. */
const char *lf_tz_push_tzif(lua_State *L, const unsigned char *raw, size_t n);

#endif
