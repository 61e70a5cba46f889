/*
 * core.h: the C mechanism of luaforce, as Lua C modules.
 *
 * Each src/<name>.c provides luaopen_luaforce_core_<name>, loaded as the Lua
 * module "luaforce.core.<name>". luaopen_luaforce_core registers all of them in
 * package.preload, so the same code serves the luaforce program and a stock
 * lua5.4 loading luaforce/core.so.
 */
#ifndef LUAFORCE_CORE_H
#define LUAFORCE_CORE_H

#include <signal.h>

#include <lua.h>

int luaopen_luaforce_core(lua_State *L);
int luaopen_luaforce_core_json(lua_State *L);
int luaopen_luaforce_core_decimal(lua_State *L);
int luaopen_luaforce_core_sys(lua_State *L);
int luaopen_luaforce_core_server(lua_State *L);
int luaopen_luaforce_core_http(lua_State *L);
int luaopen_luaforce_core_regex(lua_State *L);
int luaopen_luaforce_core_tz(lua_State *L);
int luaopen_luaforce_core_calendar(lua_State *L);
int luaopen_luaforce_core_base64(lua_State *L);
int luaopen_luaforce_core_xml(lua_State *L);
int luaopen_luaforce_core_csv(lua_State *L);

/* Set by the program's SIGINT handler; C code that blocks (network waits)
 * polls it so that Ctrl-C is prompt. Always 0 in a stock lua5.4. A signal
 * handler may only store to a volatile sig_atomic_t (C11 7.14.1.1). */
extern volatile sig_atomic_t lf_interrupted;

/* Called by the program's SIGINT handler after setting lf_interrupted, so
 * that a network wait wakes at once (luaforce.core.http sets it to a
 * function that calls curl_multi_wakeup, which is safe there). NULL until
 * then. */
extern void (*volatile lf_interrupt_wakeup)(void);

/* Called on every Lua state luaforce creates besides the caller's own (the
 * server's handler state), after luaL_openlibs: the program sets it at
 * start-up to install its embedded modules there too. NULL in a stock
 * lua5.4, where package.path finds the modules. */
extern void (*lf_new_state_setup)(lua_State *L);

/* The message handler for every lua_pcall luaforce makes into Lua code it
 * does not own (a script, a callback: on_chunk, a completion function, the
 * decimal failure function): a string error gets a traceback of the stack
 * where it was raised; an error object (a table, as luaforce raises) passes
 * through untouched, its traceback kept in the registry field
 * "luaforce.traceback" for --verbose. Here rather than in the host, because
 * the same C code runs in a stock lua5.4 (core.so) where there is no host. */
int lf_msghandler(lua_State *L);

#endif
