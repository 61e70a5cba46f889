/*
 * host.c: the program's side of embedding Lua.
 *
 * - The Lua modules under lua/ are compiled into the binary (embedded_lua.c)
 *   and offered through package.preload, with chunk names such as
 *   "@lua/luaforce/json.lua" so tracebacks name the file in the source tree.
 *   LUAFORCE_LUA_PATH (or --dev) loads them from disk instead.
 * - Every entry from C into Lua goes through lf_host_pcall: the common
 *   message handler (lf_msghandler, core.c) adds a traceback to string errors
 *   and keeps error objects (tables) as they are, so the CLI can read their
 *   exit code.
 * - Ctrl-C: the signal handler only sets a flag and a count hook (Lua 5.4
 *   allows lua_sethook from a signal handler); the hook raises the interrupt
 *   error at the next instruction. Nothing jumps out of the handler.
 * - Other Lua states luaforce creates (the emulator server's handler state)
 *   get the same modules through the lf_new_state_setup hook set here.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "core.h"
#include "embedded.h"
#include "host.h"
#include "repl.h"

static lua_State *volatile signal_state = NULL;
/* The coroutine running right now (NULL: the main thread). Lua hooks are per
 * thread, so Ctrl-C must also reach a coroutine that loops without yielding;
 * coroutine.resume and coroutine.wrap are replaced to keep this up to date. */
static lua_State *volatile running_thread = NULL;

/* The interrupt error object, shared with lua/luaforce/errors.lua through
 * the registry field "luaforce.interrupt". */
static void push_interrupt_error(lua_State *L) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, "luaforce.interrupt") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushliteral(L, "interrupted");
    }
}

static void interrupt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    push_interrupt_error(L);
    lua_error(L);
}

static void on_stop_signal(int sig) {
    int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
    lf_interrupted = 1;
    signal(sig, SIG_DFL); /* a second Ctrl-C ends the process */
    if (signal_state) lua_sethook(signal_state, interrupt_hook, mask, 1);
    if (running_thread) lua_sethook(running_thread, interrupt_hook, mask, 1);
    if (lf_interrupt_wakeup) lf_interrupt_wakeup(); /* a network wait ends now */
}

/* Resumes co with narg arguments from L's stack, noting it as the running
 * thread for the signal handler. Returns the number of results moved to L, or
 * -1 with the error on L's stack (the contract of the standard library's). */
static int resume_thread(lua_State *L, lua_State *co, int narg) {
    int nres;
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    lua_State *prev = running_thread;
    running_thread = co;
    if (lf_interrupted && signal_state) /* Ctrl-C came while switching */
        lua_sethook(co, interrupt_hook, LUA_MASKCOUNT, 1);
    int status = lua_resume(co, L, narg, &nres);
    running_thread = prev;
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

/* coroutine.resume(co, ...) */
static int co_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    int r = resume_thread(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

/* the function returned by coroutine.wrap: errors propagate, with the
 * position prepended to string messages, after closing the coroutine */
static int co_wrapped(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = resume_thread(L, co, lua_gettop(L));
    if (r >= 0) return r;
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) {
        status = lua_resetthread(co);
        lua_xmove(co, L, 1);
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int co_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, co_wrapped, 1);
    return 1;
}

static void install_coroutine_tracking(lua_State *L) {
    lua_getglobal(L, "coroutine");
    lua_pushcfunction(L, co_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, co_wrap);
    lua_setfield(L, -2, "wrap");
    lua_pop(L, 1);
}

/* The signals that stop a run the way Ctrl-C does: the Lua code unwinds,
 * so temporary files are removed and outcomes reported, instead of the
 * process dying where it stands. A SIGHUP the process was started with
 * ignored (nohup) stays ignored. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP_SIGNALS (sizeof stop_signals / sizeof stop_signals[0])

static void catch_stop_signals(struct sigaction *saved) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART; /* as signal() has it: reads resume, the hook stops the run */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_STOP_SIGNALS; i++) {
        sigaction(stop_signals[i], NULL, &saved[i]);
        if (stop_signals[i] == SIGHUP && saved[i].sa_handler == SIG_IGN) continue;
        sigaction(stop_signals[i], &sa, NULL);
    }
}

static void restore_stop_signals(const struct sigaction *saved) {
    for (size_t i = 0; i < N_STOP_SIGNALS; i++) sigaction(stop_signals[i], &saved[i], NULL);
}

int lf_host_pcall(lua_State *L, int narg, int nres) {
    int base = lua_gettop(L) - narg;
    struct sigaction saved[N_STOP_SIGNALS];
    lua_pushcfunction(L, lf_msghandler);
    lua_insert(L, base);
    signal_state = L;
    lf_interrupted = 0;
    catch_stop_signals(saved);
    int status = lua_pcall(L, narg, nres, base);
    restore_stop_signals(saved);
    signal_state = NULL;
    lua_remove(L, base);
    return status;
}

/* package.preload["luaforce.x"] for an embedded module: upvalue 1 is the
 * index into lf_embedded_modules. Loads and runs the chunk like the standard
 * Lua searcher would (module name and ":preload:" as arguments). */
static int load_embedded(lua_State *L) {
    const lf_embedded *m = &lf_embedded_modules[lua_tointeger(L, lua_upvalueindex(1))];
    if (luaL_loadbufferx(L, m->source, m->size, m->chunk, "t") != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, m->module);
    lua_pushliteral(L, ":preload:");
    lua_call(L, 2, 1);
    return 1;
}

static void install_modules(lua_State *L, const char *lua_dir) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    if (lua_dir == NULL) {
        for (lua_Integer i = 0; lf_embedded_modules[i].module; i++) {
            lua_pushinteger(L, i);
            lua_pushcclosure(L, load_embedded, 1);
            lua_setfield(L, -2, lf_embedded_modules[i].module);
        }
    } else {
        /* development: lua_dir/?.lua first, so edits need no rebuild */
        lua_getglobal(L, "package");
        lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", lua_dir, lua_dir);
        lua_getfield(L, -2, "path");
        lua_concat(L, 2);
        lua_setfield(L, -2, "path");
        lua_pop(L, 1);
    }
    lua_pushcfunction(L, luaopen_luaforce_core);
    lua_setfield(L, -2, "luaforce.core");
    lua_pop(L, 1);
    /* register the C submodules now, so require "luaforce.core.json" works
     * whether or not "luaforce.core" was required first */
    luaL_requiref(L, "luaforce.core", luaopen_luaforce_core, 0);
    lua_pop(L, 1);
}

/* The modules' folder chosen at start-up (NULL: the embedded modules), kept
 * so that other states luaforce creates (the server's) get the same ones. */
static const char *host_lua_dir = NULL;

static void setup_new_state(lua_State *L) {
    install_modules(L, host_lua_dir);
}

lua_State *lf_host_open(const char *lua_dir) {
    host_lua_dir = lua_dir;
    lf_new_state_setup = setup_new_state;
    lua_State *L = luaL_newstate();
    if (L == NULL) return NULL;
    luaL_openlibs(L);
    install_coroutine_tracking(L);
    install_modules(L, lua_dir);
    /* the REPL's line editor (libedit) exists in the program only */
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_luaforce_core_repl);
    lua_setfield(L, -2, "luaforce.core.repl");
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushliteral(L, "INTERRUPTED");
    lua_setfield(L, -2, "code");
    lua_pushliteral(L, "interrupted");
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, 130);
    lua_setfield(L, -2, "exit");
    lua_setfield(L, LUA_REGISTRYINDEX, "luaforce.interrupt");
    return L;
}
