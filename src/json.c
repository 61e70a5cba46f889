/*
 * json.c: the module luaforce.core.json, the C mechanism under luaforce.json
 * (lua/luaforce/json.lua holds the public face and documents the behaviour).
 *
 *   null        the one JSON null sentinel (a full userdata; tostring gives
 *               "null"); the same value however often the module is loaded
 *   array_mt    {__jsontype = "array"}, shared by every decoded array
 *   object_mt   {__jsontype = "object"}, for json.object (no key order)
 *   raw_decode(text) -> value | nil, reason, offset, line, column
 *   raw_encode(value, pretty, sort_keys) -> text | nil, message
 *   raw_render_rows(rows, first, last, plan [, where [, before, after]])
 *               -> text | nil, message: records written straight from rows
 *               by a plan of literal pieces and fields (the emulator's
 *               query pages; see json_render.c)
 *
 * The decoder is in json_decode.c, the encoder in json_encode.c, the row
 * renderer in json_render.c, and the pure C parts (UTF-8, escaping,
 * numbers) in json_text.c.
 */
#include <lauxlib.h>
#include <string.h>

#include "core.h"
#include "json_internal.h"

static int null_tostring(lua_State *L) {
    lua_pushliteral(L, "null");
    return 1;
}

/* Pushes registry[name], creating it with make() the first time. */
static void push_unique(lua_State *L, const char *name, void (*make)(lua_State *L)) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, name) != LUA_TNIL) return;
    lua_pop(L, 1);
    make(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, name);
}

static void make_null(lua_State *L) {
    lua_newuserdatauv(L, 0, 0);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, null_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "luaforce.json.null");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
}

static void make_array_mt(lua_State *L) {
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__jsontype");
}

static void make_object_mt(lua_State *L) {
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "object");
    lua_setfield(L, -2, "__jsontype");
}

/* The longest strings this Lua interns (LUAI_MAXSHORTLEN, 40 in a stock
 * build, not in the public API): equal strings up to this length are one
 * object, which the decoder's shape table relies on. */
static lua_Integer short_string_len(lua_State *L) {
    char a[64], b[64];
    memset(a, 'k', sizeof a);
    memset(b, 'k', sizeof b);
    for (lua_Integer n = 40; n > 0; n--) {
        const char *x = lua_pushlstring(L, a, (size_t)n);
        const char *y = lua_pushlstring(L, b, (size_t)n);
        lua_pop(L, 2);
        if (x == y) return n;
    }
    return 0;
}

/* Pushes the upvalues listed in json_internal.h; bufcache is the stack index
 * of the encoders' buffer cache, 0 for none (the decoder). */
static void push_upvalues(lua_State *L, lua_Integer shortlen, int bufcache) {
    push_unique(L, "luaforce.json.null", make_null);
    push_unique(L, "luaforce.json.array", make_array_mt);
    lua_pushliteral(L, "__jsontype");
    lua_pushliteral(L, "__jsonkeys");
    lua_pushliteral(L, "object");
    lua_pushliteral(L, "array");
    lua_pushinteger(L, shortlen);
    if (bufcache) lua_pushvalue(L, bufcache);
    else lua_pushnil(L);
}

int luaopen_luaforce_core_json(lua_State *L) {
    lf_json_decode_init(L);
    lf_json_encode_init(L);
    lua_Integer shortlen = short_string_len(L);
    lf_json_push_bufcache(L);
    int bufcache = lua_gettop(L);

    lua_createtable(L, 0, 6);
    push_unique(L, "luaforce.json.null", make_null);
    lua_setfield(L, -2, "null");
    push_unique(L, "luaforce.json.array", make_array_mt);
    lua_setfield(L, -2, "array_mt");
    push_unique(L, "luaforce.json.object", make_object_mt);
    lua_setfield(L, -2, "object_mt");
    push_upvalues(L, shortlen, 0);
    lua_pushcclosure(L, lf_json_raw_decode, LF_JSON_NUPVALUES);
    lua_setfield(L, -2, "raw_decode");
    push_upvalues(L, shortlen, bufcache);
    lua_pushcclosure(L, lf_json_raw_encode, LF_JSON_NUPVALUES);
    lua_setfield(L, -2, "raw_encode");
    push_upvalues(L, shortlen, bufcache);
    lua_pushcclosure(L, lf_json_raw_render_rows, LF_JSON_NUPVALUES);
    lua_setfield(L, -2, "raw_render_rows");
    return 1;
}
