/*
 * fuzz.h: what the libFuzzer targets of tests/fuzz share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerInitialize (once per process: the
 * Lua state and the modules) and LLVMFuzzerTestOneInput (one input). Built
 * with -DLUAFORCE_FUZZ=ON (clang), libFuzzer drives them; in every other
 * build replay.c does, over the seed corpus tests/fuzz/<name>/, as a ctest
 * test, so each seed is a regression test under gcc and the sanitizers too.
 *
 * A finding is a crash, a sanitizer report, or a FUZZ_CHECK that fails: it
 * prints what was expected and aborts, which libFuzzer reports as a crash
 * with the input saved.
 */
#ifndef LUAFORCE_FUZZ_H
#define LUAFORCE_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#define FUZZ_CHECK(cond, ...)                                                                \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz: %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A new Lua state with the standard libraries. */
static inline lua_State *fuzz_new_state(void) {
    lua_State *L = luaL_newstate();
    FUZZ_CHECK(L != NULL, "no Lua state");
    luaL_openlibs(L);
    return L;
}

/* Checks written in Lua: loads the chunk src, calls it with the nargs
 * values on top of the stack (popped) and keeps the function it returns as
 * the global "check", which fuzz_check_input calls with each input. */
static inline void fuzz_set_checker(lua_State *L, const char *src, size_t len, const char *name, int nargs) {
    FUZZ_CHECK(luaL_loadbuffer(L, src, len, name) == LUA_OK, "%s", lua_tostring(L, -1));
    lua_insert(L, -nargs - 1);
    FUZZ_CHECK(lua_pcall(L, nargs, 1, 0) == LUA_OK, "%s", lua_tostring(L, -1));
    lua_setglobal(L, "check");
}

/* lua_pcall'd through fuzz_pcall: check(input). */
static inline int fuzz_check_input(lua_State *L) {
    lua_getglobal(L, "check");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 0);
    return 0;
}

/* Runs fn(L) with the input as a string argument under lua_pcall; a Lua
 * error is a finding (the targets call only functions that return their
 * failures, so a raise means a bug), printed with its message. The stack is
 * left as it was, and the garbage collected: libFuzzer runs LeakSanitizer
 * after an input whose mallocs and frees do not balance, and garbage left
 * for later would make that every input (a hundred times slower). */
static inline void fuzz_pcall(lua_State *L, lua_CFunction fn, const uint8_t *data, size_t size) {
    int top = lua_gettop(L);
    lua_pushcfunction(L, fn);
    lua_pushlstring(L, (const char *)data, size);
    int rc = lua_pcall(L, 1, 0, 0);
    FUZZ_CHECK(rc == LUA_OK, "Lua error: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(not a string)");
    lua_settop(L, top);
    lua_gc(L, LUA_GCCOLLECT);
}

#endif
