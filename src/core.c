/*
 * core.c: luaopen_luaforce_core, the entry point of luaforce/core.so.
 *
 * It registers every C submodule in package.preload (so that
 * require "luaforce.core.json" works after require "luaforce.core") and returns
 * a small table describing the build. The program calls the same function at
 * start-up, so both ways of loading luaforce see one set of modules.
 *
 * It also holds what the C modules share with the host: the interrupt flag
 * and hooks, and lf_msghandler, the one message handler of every protected
 * call into Lua code.
 */
#include <lauxlib.h>
#include <csv.h>
#include <curl/curl.h>
#include <expat.h>
#include <gmp.h>
#include <microhttpd.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <yajl/yajl_version.h>
#include <string.h>
#include <zlib.h>

#include "core.h"

volatile sig_atomic_t lf_interrupted = 0;
void (*lf_new_state_setup)(lua_State *L) = NULL;
void (*volatile lf_interrupt_wakeup)(void) = NULL;

/* Message handler (core.h). Error objects keep their identity so callers
 * can read their fields (the CLI reads `exit`); anything else that is not a
 * string becomes one, as lua.c's msghandler does. */
int lf_msghandler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        luaL_traceback(L, L, NULL, 1);
        lua_setfield(L, LUA_REGISTRYINDEX, "luaforce.traceback");
        if (lua_type(L, 1) == LUA_TTABLE) return 1;
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static const luaL_Reg submodules[] = {
    {"luaforce.core.json", luaopen_luaforce_core_json},
    {"luaforce.core.decimal", luaopen_luaforce_core_decimal},
    {"luaforce.core.sys", luaopen_luaforce_core_sys},
    {"luaforce.core.server", luaopen_luaforce_core_server},
    {"luaforce.core.http", luaopen_luaforce_core_http},
    {"luaforce.core.regex", luaopen_luaforce_core_regex},
    {"luaforce.core.tz", luaopen_luaforce_core_tz},
    {"luaforce.core.calendar", luaopen_luaforce_core_calendar},
    {"luaforce.core.base64", luaopen_luaforce_core_base64},
    {"luaforce.core.xml", luaopen_luaforce_core_xml},
    {"luaforce.core.csv", luaopen_luaforce_core_csv},
    {NULL, NULL},
};

int luaopen_luaforce_core(lua_State *L) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (const luaL_Reg *m = submodules; m->name; m++) {
        lua_pushcfunction(L, m->func);
        lua_setfield(L, -2, m->name);
    }
    lua_pop(L, 1);

    lua_newtable(L);
    lua_pushliteral(L, LUAFORCE_VERSION);
    lua_setfield(L, -2, "version");
    lua_newtable(L); /* versions of the libraries we were built with / run on */
    lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
    lua_setfield(L, -2, "libcurl");
    lua_pushstring(L, gmp_version);
    lua_setfield(L, -2, "gmp");
    lua_pushfstring(L, "%d.%d.%d", YAJL_MAJOR, YAJL_MINOR, YAJL_MICRO);
    lua_setfield(L, -2, "yajl");
    lua_pushstring(L, MHD_get_version());
    lua_setfield(L, -2, "libmicrohttpd");
    lua_pushstring(L, zlibVersion());
    lua_setfield(L, -2, "zlib");
    {
        char v[64] = "";
        if (pcre2_config(PCRE2_CONFIG_VERSION, v) > 0) v[strcspn(v, " ")] = '\0';
        lua_pushstring(L, v);
        lua_setfield(L, -2, "pcre2");
    }
    {
        XML_Expat_Version v = XML_ExpatVersionInfo();
        lua_pushfstring(L, "%d.%d.%d", v.major, v.minor, v.micro);
        lua_setfield(L, -2, "expat");
    }
    lua_pushfstring(L, "%d.%d.%d", CSV_MAJOR, CSV_MINOR, CSV_RELEASE); /* libcsv has no run-time version */
    lua_setfield(L, -2, "libcsv");
    lua_pushliteral(L, LUA_RELEASE);
    lua_setfield(L, -2, "lua");
    lua_setfield(L, -2, "libraries");
    return 1;
}
