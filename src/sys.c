/*
 * sys.c: luaforce.core.sys, the few process-level facts Lua needs:
 * whether an interrupt arrived, the clocks, the terminal, and which build
 * this is. Its file functions (stat, mkdirs, atomic writes) are sys_file.c's.
 */
#include <lauxlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "sys_file.h"

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

/* terminal_width([fd = 1]) -> columns | nil: tables fit the terminal, the
 * progress bar stays on one line. nil when fd is not a terminal. */
static int sys_terminal_width(lua_State *L) {
    lua_Integer fd = luaL_optinteger(L, 1, 1);
    struct winsize ws;
    if (ioctl((int)fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)ws.ws_col);
    return 1;
}

int luaopen_luaforce_core_sys(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"interrupted", host_interrupted},
        {"clear_interrupt", host_clear_interrupt},
        {"isatty", host_isatty},
        {"now_ms", sys_now_ms},
        {"monotonic_ms", sys_monotonic_ms},
        {"terminal_width", sys_terminal_width},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lf_sys_file_register(L);
#ifdef __SANITIZE_ADDRESS__
    lua_pushboolean(L, 1);
#else
    lua_pushboolean(L, 0);
#endif
    lua_setfield(L, -2, "sanitized");
    return 1;
}
