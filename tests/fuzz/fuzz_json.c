/*
 * fuzz_json.c: luaforce.core.json's decoder (json_decode.c on yajl) and, on
 * what it accepts, the encoder (json_encode.c).
 *
 * Every input must decode to a value or to an error with a reason and a
 * position inside the text; never raise. A value must then round-trip:
 * encode -> decode -> encode gives the same text, pretty-printed text
 * decodes to the same value, and decoding with null_as_nil (null members
 * left out, recorded in the shape) encodes to the same text as without.
 */
#include <string.h>

#include "core.h"
#include "fuzz.h"

static lua_State *L;

/* decode(text, null_as_nil) at the top of the stack -> value or nil; on
 * failure checks the error's shape and leaves nil. */
static int decode(lua_State *S, int text, int null_as_nil) {
    size_t len;
    lua_tolstring(S, text, &len);
    lua_getglobal(S, "raw_decode");
    lua_pushvalue(S, text);
    lua_pushboolean(S, null_as_nil);
    lua_call(S, 2, 5);
    int ok = !lua_isnil(S, -5);
    if (!ok) {
        FUZZ_CHECK(lua_type(S, -4) == LUA_TSTRING, "no reason");
        lua_Integer off = lua_tointeger(S, -3), line = lua_tointeger(S, -2), col = lua_tointeger(S, -1);
        FUZZ_CHECK(off >= 1 && (size_t)off <= len + 1, "offset %lld outside 1..%zu", (long long)off, len + 1);
        FUZZ_CHECK(line >= 1 && col >= 1 && col <= off, "line %lld column %lld", (long long)line, (long long)col);
    }
    lua_pop(S, 4);
    return ok;
}

/* encode(value at idx, pretty) -> pushes the text, which must exist. */
static const char *encode(lua_State *S, int idx, int pretty, size_t *len) {
    lua_getglobal(S, "raw_encode");
    lua_pushvalue(S, idx);
    lua_pushboolean(S, pretty);
    lua_call(S, 2, 2);
    FUZZ_CHECK(lua_type(S, -2) == LUA_TSTRING, "a decoded value does not encode: %s", lua_tostring(S, -1));
    lua_pop(S, 1);
    return lua_tolstring(S, -1, len);
}

static int check(lua_State *S) {
    if (!decode(S, 1, 0)) {
        FUZZ_CHECK(!decode(S, 1, 1), "decodes only with null_as_nil");
        return 0;
    }
    int value = lua_gettop(S);
    size_t n1, n2, n3, n4;
    const char *e1 = encode(S, value, 0, &n1);
    int text1 = lua_gettop(S);
    FUZZ_CHECK(decode(S, text1, 0), "the encoder's text does not decode: %.300s", e1);
    const char *e2 = encode(S, lua_gettop(S), 0, &n2);
    FUZZ_CHECK(n1 == n2 && memcmp(e1, e2, n1) == 0, "round trip changed %.300s into %.300s", e1, e2);

    encode(S, value, 1, &n3);
    FUZZ_CHECK(decode(S, lua_gettop(S), 0), "the pretty text does not decode");
    const char *e3 = encode(S, lua_gettop(S), 0, &n3);
    FUZZ_CHECK(n1 == n3 && memcmp(e1, e3, n1) == 0, "pretty round trip changed %.300s into %.300s", e1, e3);

    FUZZ_CHECK(decode(S, 1, 1), "decodes only without null_as_nil");
    const char *e4 = encode(S, lua_gettop(S), 0, &n4);
    FUZZ_CHECK(n1 == n4 && memcmp(e1, e4, n1) == 0, "null_as_nil encodes %.300s, not %.300s", e4, e1);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    L = fuzz_new_state();
    luaL_requiref(L, "luaforce.core.json", luaopen_luaforce_core_json, 0);
    lua_getfield(L, -1, "raw_decode");
    lua_setglobal(L, "raw_decode");
    lua_getfield(L, -1, "raw_encode");
    lua_setglobal(L, "raw_encode");
    lua_pop(L, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_pcall(L, check, data, size);
    return 0;
}
