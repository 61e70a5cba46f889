/*
 * sys.c: luaforce.core.sys, the few process-level facts Lua needs:
 * whether an interrupt arrived, and which build this is.
 */
#include <lauxlib.h>
#include <time.h>
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

/* now_ms() -> wall-clock epoch milliseconds; monotonic_ms() -> a clock for
 * measuring durations that never jumps. os.time() has only seconds. */
static int sys_now_ms(lua_State *L) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    return 1;
}

static int sys_monotonic_ms(lua_State *L) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec * 1000.0 + (lua_Number)ts.tv_nsec / 1e6);
    return 1;
}

int luaopen_luaforce_core_sys(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"interrupted", host_interrupted},
        {"clear_interrupt", host_clear_interrupt},
        {"isatty", host_isatty},
        {"now_ms", sys_now_ms},
        {"monotonic_ms", sys_monotonic_ms},
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
