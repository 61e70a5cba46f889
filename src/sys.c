/*
 * sys.c: luaforce.core.sys, the few process-level facts Lua needs:
 * whether an interrupt arrived, and which build this is.
 */
#include <lauxlib.h>
#include <unistd.h>

#include "core.h"

/* interrupted() -> boolean; clear_interrupt() */
static int host_interrupted(lua_State *L) {
    lua_pushboolean(L, lf_interrupted != 0);
    return 1;
}

static int host_clear_interrupt(lua_State *L) {
    (void)L;
    lf_interrupted = 0;
    return 0;
}

/* isatty(fd) -> boolean: output formats and progress bars depend on it. */
static int host_isatty(lua_State *L) {
    lua_Integer fd = luaL_checkinteger(L, 1);
    lua_pushboolean(L, isatty((int)fd));
    return 1;
}

int luaopen_luaforce_core_sys(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"interrupted", host_interrupted},
        {"clear_interrupt", host_clear_interrupt},
        {"isatty", host_isatty},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
#ifdef __SANITIZE_ADDRESS__
    lua_pushboolean(L, 1);
#else
    lua_pushboolean(L, 0);
#endif
    lua_setfield(L, -2, "sanitized");
    return 1;
}
