/*
 * main.c: the luaforce program.
 *
 * C does the least it can: open the Lua state and hand argv to the command
 * line in lua/luaforce/cli/main.lua, which parses options, runs the command
 * and returns the exit code. The one exception is --dev (lua_dir_from). Errors that escape it (a bug in luaforce itself)
 * are printed here with their traceback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "host.h"

#define EXIT_SCRIPT_ERROR 5

/* --dev anywhere before "--" (and before "run", whose later arguments are
 * the script's): load the Lua modules from the source tree.
 *
 * The one option read outside lua/luaforce/cli/args.lua, on purpose: it
 * chooses where every Lua module comes from, the argument parser included,
 * so it must be known before the Lua state loads any of them; parsing argv
 * in Lua first would always run the binary's own copy of the parser, the
 * very thing --dev is for bypassing. This scan only looks for the flag: the
 * parser still sees all of argv, knows --dev as a global option (so its
 * help lists it) and reports every mistake. */
static const char *lua_dir_from(int argc, char **argv) {
    const char *env = getenv("LUAFORCE_LUA_PATH");
    if (env && *env) return env;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--dev") == 0) {
            static const char dir[] = LUAFORCE_SOURCE_DIR "/lua";
            struct stat st;
            if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return dir;
            fprintf(stderr, "luaforce: --dev: the source tree %s is gone; "
                            "set LUAFORCE_LUA_PATH to a lua/ folder\n", dir);
            exit(2);
        }
        /* options after "run SCRIPT" belong to the script */
        if (strcmp(argv[i], "run") == 0) break;
    }
    return NULL;
}

/* Calls require("luaforce.cli.main").main(argv) and returns its exit code. */
static int pmain(lua_State *L) {
    int argc = (int)lua_tointeger(L, 1);
    char **argv = (char **)lua_touserdata(L, 2);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "luaforce.cli.main");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "main");
    lua_createtable(L, argc, 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_call(L, 1, 1);
    return 1;
}

int main(int argc, char **argv) {
    lua_State *L = lf_host_open(lua_dir_from(argc, argv));
    if (L == NULL) {
        fprintf(stderr, "luaforce: cannot create a Lua state: out of memory\n");
        return EXIT_SCRIPT_ERROR;
    }
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int code;
    if (lf_host_pcall(L, 2, 1) != LUA_OK) {
        const char *msg = luaL_tolstring(L, -1, NULL);
        fprintf(stderr, "luaforce: internal error: %s\n", msg);
        code = EXIT_SCRIPT_ERROR;
    } else {
        code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
    }
    fflush(stdout);
    lua_close(L);
    return code;
}
