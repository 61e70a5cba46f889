/*
 * json_encode.c: Lua values to JSON text.
 *
 * The text grows in a malloc'd buffer owned by a userdata with __gc, so a
 * Lua error raised mid-encode (out of memory while pushing a decimal's
 * text) leaks nothing. Unencodable values are not raised: each level returns
 * -1 with the reason in the encoder, adding its key or index to the path on
 * the way out, and raw_encode returns nil and "reason at path".
 *
 * How a table is written:
 *   - metatable with __jsontype = "array" (json.array, decoded arrays): an
 *     array; its keys must be exactly 1..n;
 *   - __jsontype = "object" (json.object, decoded objects): an object with
 *     string keys, in the order of __jsonkeys for the keys it lists that are
 *     present, then the other keys sorted bytewise (all sorted when
 *     sort_keys is set or there is no __jsonkeys); a key of the set
 *     __jsonnulls that the table does not hold is written as null (a member
 *     json.decode's null_as_nil left out);
 *   - no mark: keys exactly 1..n make an array, string keys only an object
 *     with sorted keys, no keys "{}"; anything else is refused, naming the key.
 * No Lua code runs while encoding (raw access only, no metamethods), so the
 * table cannot change under us and the key pointers we keep stay valid.
 *
 * json_render.c writes query records through the same value encoding (the
 * lf_json_encoder_* functions at the end, declared in json_internal.h).
 */
#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "json_internal.h"
#include "json_text.h"
#include "numfmt.h"

#define PATH_MAX_LEN 120
/* A page of records has a few shapes in turn (record, its attributes, a
 * related record...), each checked once per encode. */
#define VALID_CACHE 16
/* The output buffer is kept between calls up to this size. */
#define KEEP_BUFFER (8u << 20)

typedef struct lf_json_encoder {
    lf_jbuf b;
    lua_State *L;
    int pretty, sort_keys, depth;
    const void *null, *array_mt;
    lf_jkey *sk;              /* scratch stack of keys to sort */
    size_t sktop, skcap;
    struct {                  /* __jsonkeys lists found valid lately */
        const void *list;
        lua_Integer n;
    } valid[VALID_CACHE];
    unsigned valid_next;
    int nomem;
    char err[256];
    char path[PATH_MAX_LEN + 8]; /* filled from the end as the error unwinds */
    size_t pstart;
    int ptrunc;
} encoder;

enum { KIND_PLAIN, KIND_ARRAY, KIND_OBJECT };

static int encoder_gc(lua_State *L) {
    encoder *e = luaL_checkudata(L, 1, LF_JSON_ENCODER_MT);
    lf_jbuf_free(&e->b);
    free(e->sk);
    e->sk = NULL;
    e->skcap = e->sktop = 0;
    return 0;
}

void lf_json_encode_init(lua_State *L) {
    if (luaL_newmetatable(L, LF_JSON_ENCODER_MT)) {
        lua_pushcfunction(L, encoder_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, encoder_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
}

/* ---- errors ---------------------------------------------------------------- */

static int fail(encoder *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int oom(encoder *e) {
    e->nomem = 1;
    return fail(e, "not enough memory");
}

static void path_prepend(encoder *e, const char *s, size_t n) {
    if (e->ptrunc) return;
    if (n > e->pstart) {
        e->ptrunc = 1;
        return;
    }
    e->pstart -= n;
    memcpy(e->path + e->pstart, s, n);
}

static void path_index(encoder *e, lua_Integer i) {
    char t[32];
    int n = snprintf(t, sizeof t, "[%lld]", (long long)i);
    path_prepend(e, t, (size_t)n);
}

/* .name for identifiers, ["other text"] otherwise (shortened, and with
 * bytes that would garble the message replaced by '?'). */
static void path_key(encoder *e, const char *k, size_t len) {
    char t[64];
    size_t n = 0;
    int ident = len > 0 && len <= 48 && !(k[0] >= '0' && k[0] <= '9');
    for (size_t i = 0; ident && i < len; i++) {
        char c = k[i];
        ident = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (ident) {
        t[n++] = '.';
        memcpy(t + n, k, len);
        n += len;
    } else {
        int utf8 = lf_utf8_check(k, len) == LF_JSON_OK;
        t[n++] = '[';
        t[n++] = '"';
        for (size_t i = 0; i < len && n < 50; i++) {
            unsigned char c = (unsigned char)k[i];
            t[n++] = (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) ? '?' : (char)c;
        }
        if (len > 0 && n >= 50) t[n++] = '.', t[n++] = '.', t[n++] = '.';
        t[n++] = '"';
        t[n++] = ']';
    }
    path_prepend(e, t, n);
}

static const char *key_text(lua_State *L, int idx, char *buf, size_t size) {
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) snprintf(buf, size, "%lld", (long long)lua_tointeger(L, idx));
        else snprintf(buf, size, "%.17g", (double)lua_tonumber(L, idx));
        return buf;
    case LUA_TBOOLEAN:
        return lua_toboolean(L, idx) ? "true" : "false";
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        snprintf(buf, size, "\"%.*s%s\"", n > 40 ? 40 : (int)n, s, n > 40 ? "..." : "");
        return buf;
    }
    default:
        snprintf(buf, size, "of type %s", luaL_typename(L, idx));
        return buf;
    }
}

/* ---- output ---------------------------------------------------------------- */

static inline int put(encoder *e, const char *s, size_t n) {
    if (!lf_jbuf_reserve(&e->b, n)) return oom(e);
    memcpy(e->b.data + e->b.len, s, n);
    e->b.len += n;
    return 0;
}

static inline int put_char(encoder *e, char c) {
    if (!lf_jbuf_reserve(&e->b, 1)) return oom(e);
    e->b.data[e->b.len++] = c;
    return 0;
}

static int newline(encoder *e, int level) {
    size_t n = 1 + 2 * (size_t)level;
    if (!lf_jbuf_reserve(&e->b, n)) return oom(e);
    e->b.data[e->b.len] = '\n';
    memset(e->b.data + e->b.len + 1, ' ', n - 1);
    e->b.len += n;
    return 0;
}

static int put_string(encoder *e, const char *s, size_t n, const char *what) {
    size_t r = lf_json_escape(&e->b, s, n);
    if (r == LF_JSON_OK) return 0;
    if (r == LF_JSON_NOMEM) return oom(e);
    return fail(e, "invalid UTF-8 in %s at byte %zu", what, r + 1);
}

static int enc_value(encoder *e, int idx);

/* ---- arrays ---------------------------------------------------------------- */

/* Emits t[1..n] of the table at idx. */
static int enc_items(encoder *e, int idx, lua_Integer n) {
    lua_State *L = e->L;
    if (n == 0) return put(e, "[]", 2);
    if (put_char(e, '[')) return -1;
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1 && put_char(e, ',')) return -1;
        if (e->pretty && newline(e, e->depth)) return -1;
        lua_rawgeti(L, idx, i);
        if (enc_value(e, lua_gettop(L))) {
            path_index(e, i);
            return -1;
        }
        lua_pop(L, 1);
    }
    if (e->pretty && newline(e, e->depth - 1)) return -1;
    return put_char(e, ']');
}

/* Reports the first missing index of a table with count integer keys, the
 * largest being max. */
static int hole(encoder *e, int idx, lua_Integer max) {
    lua_Integer i = 1;
    while (i < max && lua_rawgeti(e->L, idx, i) != LUA_TNIL) {
        lua_pop(e->L, 1);
        i++;
    }
    return fail(e, "sparse array: key %lld is set but key %lld is not (use json.null for JSON null)",
                (long long)max, (long long)i);
}

/* A table marked as an array: its keys must be 1..n. */
static int enc_array(encoder *e, int idx) {
    lua_State *L = e->L;
    lua_Integer count = 0, max = 0;
    char kt[64];
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        lua_Integer k;
        if (!lua_isinteger(L, -1) || (k = lua_tointeger(L, -1)) < 1)
            return fail(e, "array has key %s (arrays have keys 1..n)", key_text(L, -1, kt, sizeof kt));
        if (k > max) max = k;
        count++;
    }
    if (count != max) return hole(e, idx, max);
    return enc_items(e, idx, max);
}

/* ---- objects --------------------------------------------------------------- */

static int push_key(encoder *e, const char *k, size_t len) {
    lf_jkey *s = e->sk;
    if (e->sktop == e->skcap) {
        size_t n = e->skcap ? e->skcap * 2 : 64;
        s = realloc(e->sk, n * sizeof *s);
        if (!s) return oom(e);
        e->sk = s;
        e->skcap = n;
    }
    s[e->sktop].p = k;
    s[e->sktop].len = len;
    e->sktop++;
    return 0;
}

static int key_cmp(const void *a, const void *b) {
    const lf_jkey *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Emits one "key": value; the value is at the top of the stack. */
static int enc_member(encoder *e, int first, const char *k, size_t klen) {
    if (!first && put_char(e, ',')) return -1;
    if (e->pretty && newline(e, e->depth)) return -1;
    if (put_string(e, k, klen, "key")) {
        if (!e->nomem) path_key(e, k, klen);
        return -1;
    }
    if (e->pretty ? put(e, ": ", 2) : put_char(e, ':')) return -1;
    if (enc_value(e, lua_gettop(e->L))) {
        path_key(e, k, klen);
        return -1;
    }
    return 0;
}

/* Sorts the keys sk[base..sktop) and emits them with their values, after
 * `done` members already written. */
static int enc_sorted(encoder *e, int idx, size_t base, int done) {
    lua_State *L = e->L;
    size_t top = e->sktop;
    if (top - base > 1) qsort(e->sk + base, top - base, sizeof *e->sk, key_cmp);
    for (size_t i = base; i < top; i++) {
        /* e->sk may move while the value is encoded: copy the key first */
        lf_jkey k = e->sk[i];
        lua_pushlstring(L, k.p, k.len);
        if (lua_rawget(L, idx) == LUA_TNIL) { /* a null member (__jsonnulls) */
            lua_pop(L, 1);
            lua_pushvalue(L, LF_JSON_UV_NULL);
        }
        if (enc_member(e, done++ == 0, k.p, k.len)) return -1;
        lua_pop(L, 1);
    }
    e->sktop = base;
    return done;
}

/* Collects the keys of the table at idx into sk, refusing non-string keys. */
static int collect_keys(encoder *e, int idx) {
    lua_State *L = e->L;
    char kt[64];
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            return fail(e, "object has key %s (object keys must be strings)", key_text(L, -1, kt, sizeof kt));
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        if (push_key(e, s, n)) return -1;
    }
    return 0;
}

static int close_object(encoder *e, int members) {
    if (members == 0) return put_char(e, '}');
    if (e->pretty && newline(e, e->depth - 1)) return -1;
    return put_char(e, '}');
}

/* Adds to sk the keys of the null set at nidx that the table at idx does
 * not hold: members json.decode left out, written as null. */
static int collect_nulls(encoder *e, int idx, int nidx) {
    lua_State *L = e->L;
    lua_pushnil(L);
    while (lua_next(L, nidx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) continue;
        lua_pushvalue(L, -1);
        if (lua_rawget(L, idx) == LUA_TNIL) {
            size_t n;
            const char *s = lua_tolstring(L, -2, &n);
            if (push_key(e, s, n)) return -1;
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* An object with keys in bytewise order (nidx: its null set, or 0). */
static int enc_object_sorted(encoder *e, int idx, int nidx) {
    size_t base = e->sktop;
    if (collect_keys(e, idx)) return -1;
    if (nidx && collect_nulls(e, idx, nidx)) return -1;
    if (put_char(e, '{')) return -1;
    int n = enc_sorted(e, idx, base, 0);
    return n < 0 ? -1 : close_object(e, n);
}

/* Checks a __jsonkeys list once per encode: strings, each once. */
static int check_keylist(encoder *e, int kidx, lua_Integer *count) {
    lua_State *L = e->L;
    const void *list = lua_topointer(L, kidx);
    for (unsigned i = 0; i < VALID_CACHE; i++) {
        if (e->valid[i].list == list) {
            *count = e->valid[i].n;
            return 0;
        }
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, kidx);
    lua_createtable(L, 0, (int)(n < 1000000 ? n : 0));
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, kidx, i) != LUA_TSTRING)
            return fail(e, "__jsonkeys[%lld] is not a string", (long long)i);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, -3) != LUA_TNIL) {
            char kt[64];
            return fail(e, "__jsonkeys lists key %s twice", key_text(L, -2, kt, sizeof kt));
        }
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
    }
    lua_pop(L, 1);
    e->valid[e->valid_next].list = list;
    e->valid[e->valid_next].n = *count = n;
    e->valid_next = (e->valid_next + 1) % VALID_CACHE;
    return 0;
}

/* An object with a recorded key order (list at kidx): the listed keys that
 * are present or in the null set at nidx (0: none), in order, then any
 * others sorted. */
static int enc_object_ordered(encoder *e, int idx, int kidx, int nidx) {
    lua_State *L = e->L;
    lua_Integer nk = 0, total = 0;
    char kt[64];
    if (check_keylist(e, kidx, &nk)) return -1;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            return fail(e, "object has key %s (object keys must be strings)", key_text(L, -1, kt, sizeof kt));
        total++;
    }
    if (put_char(e, '{')) return -1;
    int done = 0;               /* members written */
    lua_Integer held = 0;       /* of them, held by the table */
    for (lua_Integer i = 1; i <= nk; i++) {
        lua_rawgeti(L, kidx, i);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, idx) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            if (!nidx || lua_rawget(L, nidx) == LUA_TNIL) {
                lua_pop(L, 2);
                continue;
            }
            lua_pop(L, 1);
            lua_pushvalue(L, LF_JSON_UV_NULL); /* a null member left out */
        } else {
            held++;
        }
        size_t klen;
        const char *k = lua_tolstring(L, -2, &klen);
        if (enc_member(e, done++ == 0, k, klen)) return -1;
        lua_pop(L, 2);
    }
    if (held < total) { /* keys added after decoding: sorted, at the end */
        int set = lua_gettop(L) + 1;
        lua_createtable(L, 0, (int)nk);
        for (lua_Integer i = 1; i <= nk; i++) {
            lua_rawgeti(L, kidx, i);
            lua_pushboolean(L, 1);
            lua_rawset(L, set);
        }
        size_t base = e->sktop;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            if (lua_rawget(L, set) == LUA_TNIL) {
                size_t n;
                const char *s = lua_tolstring(L, -2, &n);
                if (push_key(e, s, n)) return -1;
            }
            lua_pop(L, 1);
        }
        done = enc_sorted(e, idx, base, done);
        if (done < 0) return -1;
        lua_settop(L, set - 1);
    }
    return close_object(e, done);
}

/* ---- tables ---------------------------------------------------------------- */

/* A table without a mark: an array when its keys are 1..n, an object when
 * they are all strings, "{}" when it has none. */
static int enc_plain(encoder *e, int idx) {
    lua_State *L = e->L;
    lua_Integer nint = 0, max = 0;
    size_t base = e->sktop;
    char kt[64], kt2[64];
    lua_Integer an_int = 0;     /* an integer key and a string key seen, */
    lf_jkey a_str = {NULL, 0};  /* to name both when a table mixes them */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            if (nint) {
                snprintf(kt2, sizeof kt2, "%lld", (long long)an_int);
                return fail(e, "table mixes string key %s and integer key %s (not an array, not an object)",
                            key_text(L, -1, kt, sizeof kt), kt2);
            }
            if (!a_str.p) a_str.p = s, a_str.len = n;
            if (push_key(e, s, n)) return -1;
        } else if (lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            if (a_str.p) {
                lua_pushlstring(L, a_str.p, a_str.len);
                key_text(L, -1, kt2, sizeof kt2);
                return fail(e, "table mixes string key %s and integer key %lld (not an array, not an object)", kt2,
                            (long long)k);
            }
            if (k < 1) return fail(e, "table has integer key %lld (arrays start at 1)", (long long)k);
            if (k > max) max = k;
            if (!nint) an_int = k;
            nint++;
        } else {
            return fail(e, "table has key %s (only string and integer keys can be encoded)",
                        key_text(L, -1, kt, sizeof kt));
        }
    }
    if (nint) {
        if (nint != max) return hole(e, idx, max);
        return enc_items(e, idx, max);
    }
    if (put_char(e, '{')) return -1;
    int n = enc_sorted(e, idx, base, 0);
    return n < 0 ? -1 : close_object(e, n);
}

static int enc_table(encoder *e, int idx) {
    lua_State *L = e->L;
    if (e->depth >= LF_JSON_MAXDEPTH)
        return fail(e, "nesting deeper than %d levels (does a table contain itself?)", LF_JSON_MAXDEPTH);
    if (!lua_checkstack(L, 10)) return fail(e, "out of Lua stack");
    int top = lua_gettop(L), kind = KIND_PLAIN, kidx = 0, nidx = 0;
    if (lua_getmetatable(L, idx)) {
        if (lua_topointer(L, -1) == e->array_mt) {
            kind = KIND_ARRAY;
        } else {
            lua_pushvalue(L, LF_JSON_UV_TYPEKEY);
            lua_rawget(L, -2);
            if (lua_rawequal(L, -1, LF_JSON_UV_ARRAY)) {
                kind = KIND_ARRAY;
            } else if (lua_rawequal(L, -1, LF_JSON_UV_OBJECT)) {
                kind = KIND_OBJECT;
                int mt = lua_gettop(L) - 1;
                lua_pushliteral(L, "__jsonnulls");
                if (lua_rawget(L, mt) == LUA_TTABLE) nidx = lua_gettop(L);
                lua_pushvalue(L, LF_JSON_UV_KEYSKEY);
                if (!e->sort_keys && lua_rawget(L, mt) == LUA_TTABLE) kidx = lua_gettop(L);
            }
        }
    }
    e->depth++;
    int rc;
    if (kind == KIND_ARRAY) rc = enc_array(e, idx);
    else if (kind == KIND_OBJECT) rc = kidx ? enc_object_ordered(e, idx, kidx, nidx) : enc_object_sorted(e, idx, nidx);
    else rc = enc_plain(e, idx);
    e->depth--;
    lua_settop(L, top);
    return rc < 0 ? -1 : 0;
}

/* ---- values ---------------------------------------------------------------- */

static int enc_value(encoder *e, int idx) {
    lua_State *L = e->L;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return put_string(e, s, n, "string");
    }
    case LUA_TNUMBER: {
        if (!lf_jbuf_reserve(&e->b, LF_DOUBLE_BUFSIZE)) return oom(e);
        char *o = e->b.data + e->b.len;
        if (lua_isinteger(L, idx)) {
            e->b.len += lf_json_format_integer((int64_t)lua_tointeger(L, idx), o);
            return 0;
        }
        double x = (double)lua_tonumber(L, idx);
        if (!isfinite(x))
            return fail(e, "cannot encode %s (JSON has no NaN or infinity)", isnan(x) ? "NaN" : x > 0 ? "inf" : "-inf");
        e->b.len += lf_json_format_double(x, o);
        return 0;
    }
    case LUA_TBOOLEAN:
        return lua_toboolean(L, idx) ? put(e, "true", 4) : put(e, "false", 5);
    case LUA_TTABLE:
        return enc_table(e, idx);
    case LUA_TUSERDATA: {
        if (lua_touserdata(L, idx) == e->null) return put(e, "null", 4);
        size_t n;
        const char *t = lf_decimal_pushtext(L, idx, &n);
        if (t) {
            int rc = put(e, t, n);
            lua_pop(L, 1);
            return rc;
        }
        const char *name = "userdata";
        if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) name = lua_tostring(L, -1);
        return fail(e, "cannot encode a %s value", name);
    }
    case LUA_TNIL:
        return fail(e, "cannot encode nil (use json.null for JSON null)");
    default:
        return fail(e, "cannot encode a %s value", luaL_typename(L, idx));
    }
}

/* The buffer kept between calls lives in a userdata (an upvalue of
 * raw_encode) holding an lf_jbuf. A call takes it, leaving the cache empty,
 * and puts it back when done: a call made meanwhile (from a finalizer run by
 * the collector) finds no buffer and makes its own, and a call ended by a
 * Lua error frees what it took with its encoder's __gc. */
static int cache_gc(lua_State *L) {
    lf_jbuf_free(luaL_checkudata(L, 1, LF_JSON_BUFCACHE_MT));
    return 0;
}

void lf_json_push_bufcache(lua_State *L) {
    lf_jbuf *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    if (luaL_newmetatable(L, LF_JSON_BUFCACHE_MT)) {
        lua_pushcfunction(L, cache_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
}

static void finish(lua_State *L, encoder *e) {
    lf_jbuf *cache = luaL_testudata(L, LF_JSON_UV_BUFCACHE, LF_JSON_BUFCACHE_MT);
    free(e->sk);
    e->sk = NULL;
    if (cache && !cache->data && e->b.cap <= KEEP_BUFFER) {
        *cache = e->b;
        cache->len = 0;
        memset(&e->b, 0, sizeof e->b);
    } else {
        lf_jbuf_free(&e->b);
    }
}

/* ---- the face other files use (json_internal.h) ---------------------------- */

lf_json_encoder *lf_json_encoder_new(lua_State *L, int pretty, int sort_keys) {
    encoder *e = lua_newuserdatauv(L, sizeof *e, 0);
    memset(e, 0, sizeof *e);
    luaL_setmetatable(L, LF_JSON_ENCODER_MT);
    e->L = L;
    e->pretty = pretty;
    e->sort_keys = sort_keys;
    e->null = lua_touserdata(L, LF_JSON_UV_NULL);
    e->array_mt = lua_topointer(L, LF_JSON_UV_ARRAYMT);
    e->pstart = PATH_MAX_LEN;
    lf_jbuf *cache = luaL_testudata(L, LF_JSON_UV_BUFCACHE, LF_JSON_BUFCACHE_MT);
    if (cache && cache->data) {
        e->b = *cache;
        memset(cache, 0, sizeof *cache);
    }
    if (!lf_jbuf_reserve(&e->b, 256)) luaL_error(L, "not enough memory");
    return e;
}

int lf_json_encode_value(lf_json_encoder *e, int idx) {
    return enc_value(e, idx);
}

int lf_json_encoder_put(lf_json_encoder *e, const char *s, size_t n) {
    return put(e, s, n);
}

int lf_json_encoder_string(lf_json_encoder *e, const char *s, size_t n) {
    return put_string(e, s, n, "string");
}

void lf_json_encoder_path_key(lf_json_encoder *e, const char *k, size_t len) {
    if (!e->nomem) path_key(e, k, len);
}

void lf_json_encoder_path_index(lf_json_encoder *e, lua_Integer i) {
    if (!e->nomem) path_index(e, i);
}

int lf_json_encoder_result(lua_State *L, lf_json_encoder *e, int rc) {
    if (rc == 0) {
        lua_pushlstring(L, e->b.data, e->b.len);
        finish(L, e);
        return 1;
    }
    finish(L, e);
    if (e->nomem) return luaL_error(L, "not enough memory");
    const char *path = e->path + e->pstart;
    size_t plen = PATH_MAX_LEN - e->pstart;
    if (plen && *path == '.') path++, plen--;
    if (plen || e->ptrunc)
        lua_pushfstring(L, "%s at %s%s", e->err, e->ptrunc ? "..." : "", lua_pushlstring(L, path, plen));
    else
        lua_pushstring(L, e->err);
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

int lf_json_raw_encode(lua_State *L) {
    int pretty = lua_toboolean(L, 2), sort_keys = lua_toboolean(L, 3);
    lua_settop(L, 1);
    encoder *e = lf_json_encoder_new(L, pretty, sort_keys);
    return lf_json_encoder_result(L, e, enc_value(e, 1));
}
