/*
 * json_decode.c: JSON text to Lua values with yajl's callbacks.
 *
 * Values are built on the Lua stack: an open array or object sits on the
 * stack with, for an object, the pending key above it; each finished value
 * is stored into its parent with lua_rawseti / lua_rawset. A C frame per
 * nesting level counts array elements and records where the object's keys
 * start in the key stack.
 *
 * Objects remember their key order in a metatable {__jsontype = "object",
 * __jsonkeys = {...}}, and objects with the same key sequence share one
 * metatable (a "shape"): a query page has thousands of records with the
 * same keys, so a decode makes a handful of shapes instead of a key list per
 * record. Shapes are found in a hash table keyed by the key strings'
 * addresses: Lua interns short strings, so equal short keys are the same
 * string object while it lives, and every key we hash is alive (anchored in
 * the object being built, or in a shape's key list). Long strings are not
 * interned; they are hashed and compared by content.
 *
 * With null_as_nil (json.decode's option, which the Salesforce client uses
 * for records), a member whose value is null is not stored: the field reads
 * as nil, and the shape records it, in its place among the keys and in the
 * set `__jsonnulls`, so that json.encode writes it back as null and in
 * order. Null members are part of the shape's identity. Their key strings
 * are anchored in a table of the parse while the shape is made.
 *
 * Memory: the yajl handle and every malloc'd array hang off a userdata with
 * __gc, so a Lua error (out of memory) raised in a callback, which unwinds
 * through yajl's frames, leaks nothing; yajl keeps no malloc'd memory in its
 * own stack frames. Errors we detect ourselves (depth, bad UTF-8, surrogates,
 * numbers out of range) cancel the parse from the callback and are reported
 * after yajl_parse returns.
 */
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "decimal.h"
#include "json_internal.h"
#include "json_text.h"

/* Shapes interned per decode; objects with further new key sequences get a
 * metatable of their own, which bounds the hash table on hostile input. */
#define MAX_SHAPES 4096

/* A key of an open object or of a shape: a Lua string's bytes, kept alive
 * elsewhere, and whether its value was a null left out (null_as_nil). */
typedef struct dkey {
    const char *p;
    size_t len;
    int null;
} dkey;

typedef struct frame {
    lua_Integer n;      /* array: elements so far */
    size_t kstart;      /* object: its first key in the key stack */
    int is_map;
    int hint_map;       /* size of the last object / array that closed at */
    int hint_arr;       /* this depth: the next one is probably alike */
} frame;

typedef struct shape {
    uint64_t hash;
    size_t nkeys;
    size_t kofs;        /* keys in the pool */
    int mt;             /* index in the shapes table; 0 marks a free slot */
} shape;

typedef struct parser {
    yajl_handle h;
    lua_State *L;
    const char *text;
    size_t len;
    size_t shortlen;    /* strings up to this length are interned */
    int depth;
    frame *frames;      /* frames[1..depth] */
    int fcap;
    dkey *keys;         /* keys of the open objects */
    size_t ktop, kcap;
    shape *slots;       /* open addressing, power-of-2 size */
    size_t nslots, nshapes;
    dkey *pool;         /* key sequences of the shapes */
    size_t ptop, pcap;
    int shapes_idx;     /* stack index of the shapes table */
    int null_as_nil;    /* null members left out, recorded in the shape */
    int anchors_idx;    /* stack index of the table anchoring their keys */
    lua_Integer nanchors; /* long keys in its array part */
    int key_recorded;   /* the last map key went into keys[] */
    size_t value_end;   /* just past the top-level value, once it is whole */
    int value_done;
    /* an error found in a callback */
    const char *err;
    size_t err_off;
} parser;

static void parser_release(parser *p) {
    if (p->h) yajl_free(p->h);
    p->h = NULL;
    free(p->frames);
    free(p->keys);
    free(p->slots);
    free(p->pool);
    p->frames = NULL;
    p->keys = p->pool = NULL;
    p->slots = NULL;
}

static int parser_gc(lua_State *L) {
    parser_release(luaL_checkudata(L, 1, LF_JSON_PARSER_MT));
    return 0;
}

void lf_json_decode_init(lua_State *L) {
    if (luaL_newmetatable(L, LF_JSON_PARSER_MT)) {
        lua_pushcfunction(L, parser_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, parser_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
}

static const char nomem[] = "not enough memory";

/* Records an error to report once yajl_parse has returned; the return value
 * is what a callback returns to cancel the parse. */
static int fail(parser *p, const char *msg, size_t off) {
    p->err = msg;
    p->err_off = off;
    return 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need) n *= 2;
    void *q = realloc(*arr, n * elem);
    if (!q) return 0;
    *arr = q;
    *cap = n;
    return 1;
}

/* Stores the value on top of the stack into the open container, or leaves
 * it as the result when nothing is open. */
static int add_value(parser *p) {
    if (p->depth == 0) {
        p->value_done = 1;
        p->value_end = yajl_get_bytes_consumed(p->h);
        return 1;
    }
    frame *f = &p->frames[p->depth];
    if (f->is_map) lua_rawset(p->L, -3);
    else lua_rawseti(p->L, -2, ++f->n);
    return 1;
}

static inline int in_text(const parser *p, const unsigned char *s, size_t len) {
    uintptr_t a = (uintptr_t)s, t = (uintptr_t)p->text;
    return a >= t && a + len <= t + p->len;
}

/* Validates a string yajl hands over: strict UTF-8 (yajl's own check lets
 * overlongs, encoded surrogates and code points above U+10FFFF through, so
 * we switch it off and check here) and paired surrogate escapes. A string
 * without escapes points into the input; one with escapes was decoded into
 * yajl's buffer, and then the raw token is found from the parse position
 * (just past its closing quote). */
static int check_string(parser *p, const unsigned char *s, size_t len) {
    size_t bad;
    if (in_text(p, s, len)) {
        bad = lf_utf8_check((const char *)s, len);
        if (bad != LF_JSON_OK)
            return fail(p, "invalid UTF-8 in string", (size_t)((const char *)s - p->text) + bad);
        return 1;
    }
    size_t end = yajl_get_bytes_consumed(p->h); /* just past the closing '"' */
    if (end < 2 || end > p->len || p->text[end - 1] != '"') return 1;
    size_t q = lf_json_token_start(p->text, end);
    const char *raw = p->text + q + 1;
    size_t rlen = end - 1 - (q + 1);
    bad = lf_utf8_check(raw, rlen);
    if (bad != LF_JSON_OK) return fail(p, "invalid UTF-8 in string", q + 1 + bad);
    bad = lf_json_check_surrogates(raw, rlen);
    if (bad != LF_JSON_OK) return fail(p, "unpaired UTF-16 surrogate in \\u escape", q + 1 + bad);
    return 1;
}

static int cb_null(void *ctx) {
    parser *p = ctx;
    lua_State *L = p->L;
    if (p->null_as_nil && p->depth > 0 && p->frames[p->depth].is_map) {
        /* stack: object, key. The key string is anchored, the member left
         * out (or removed: with a repeated key the last one counts). Long
         * keys recorded were anchored then (cb_map_key). */
        size_t klen;
        const char *k = lua_tolstring(L, -1, &klen);
        if (klen <= p->shortlen) {
            lua_pushvalue(L, -1);
            lua_pushboolean(L, 1);
            lua_rawset(L, p->anchors_idx);
        } else if (!p->key_recorded) {
            /* a long key repeated after a value ({"LONG":1,"LONG":null}):
             * not recorded for the value, but the member is null now and
             * the shape must say so */
            if (!grow((void **)&p->keys, &p->kcap, p->ktop + 1, sizeof *p->keys))
                return fail(p, nomem, yajl_get_bytes_consumed(p->h));
            lua_pushvalue(L, -1);
            lua_rawseti(L, p->anchors_idx, ++p->nanchors);
            p->keys[p->ktop++] = (dkey){.p = k, .len = klen, .null = 1};
        }
        lua_pushnil(L);
        lua_rawset(L, -3);
        if (p->key_recorded) p->keys[p->ktop - 1].null = 1;
        return 1;
    }
    lua_pushvalue(L, LF_JSON_UV_NULL);
    return add_value(p);
}

static int cb_boolean(void *ctx, int v) {
    parser *p = ctx;
    lua_pushboolean(p->L, v);
    return add_value(p);
}

static int cb_number(void *ctx, const char *s, size_t len) {
    parser *p = ctx;
    int64_t i;
    double d;
    switch (lf_json_classify_number(s, len, &i, &d)) {
    case LF_JNUM_INTEGER:
        lua_pushinteger(p->L, (lua_Integer)i);
        break;
    case LF_JNUM_FLOAT:
        lua_pushnumber(p->L, (lua_Number)d);
        break;
    case LF_JNUM_DECIMAL:
        if (lf_decimal_push(p->L, s, len)) break;
        goto out_of_range; /* exponent beyond what luaforce.decimal holds */
    default:
    out_of_range: {
        size_t end = yajl_get_bytes_consumed(p->h);
        size_t off = in_text(p, (const unsigned char *)s, len) ? (size_t)(s - p->text)
                     : end >= len                              ? end - len
                                                               : 0;
        return fail(p, "number out of range", off);
    }
    }
    return add_value(p);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len) {
    parser *p = ctx;
    if (!check_string(p, s, len)) return 0;
    lua_pushlstring(p->L, (const char *)s, len);
    return add_value(p);
}

/* Opens a container: a frame, the Lua stack room it needs, the table. */
static int open_container(parser *p, int is_map) {
    if (p->depth >= LF_JSON_MAXDEPTH) {
        size_t at = yajl_get_bytes_consumed(p->h);
        return fail(p, "nesting deeper than 1000 levels", at ? at - 1 : 0);
    }
    if (!lua_checkstack(p->L, 12)) return fail(p, "out of Lua stack", yajl_get_bytes_consumed(p->h));
    if (p->depth + 1 >= p->fcap) {
        int n = p->fcap ? p->fcap * 2 : 32;
        frame *f = realloc(p->frames, (size_t)n * sizeof *f);
        if (!f) return fail(p, nomem, yajl_get_bytes_consumed(p->h));
        memset(f + p->fcap, 0, (size_t)(n - p->fcap) * sizeof *f);
        p->frames = f;
        p->fcap = n;
    }
    frame *f = &p->frames[++p->depth];
    f->is_map = is_map;
    f->n = 0;
    f->kstart = p->ktop;
    if (is_map) lua_createtable(p->L, 0, f->hint_map);
    else lua_createtable(p->L, f->hint_arr, 0);
    return 1;
}

static int cb_start_map(void *ctx) {
    return open_container(ctx, 1);
}

static int cb_start_array(void *ctx) {
    return open_container(ctx, 0);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len) {
    parser *p = ctx;
    lua_State *L = p->L;
    if (!check_string(p, s, len)) return 0;
    const char *k = lua_pushlstring(L, (const char *)s, len);
    /* A repeated long key would leave our pointer to a string the table
     * does not keep (it keeps the first one): record each long key once.
     * Repeated short keys are one string and are handled with the shape. */
    p->key_recorded = 0;
    if (len > p->shortlen) {
        lua_pushvalue(L, -1);
        int dup = lua_rawget(L, -3) != LUA_TNIL;
        lua_pop(L, 1);
        if (dup) return 1;
    }
    if (!grow((void **)&p->keys, &p->kcap, p->ktop + 1, sizeof *p->keys))
        return fail(p, nomem, yajl_get_bytes_consumed(p->h));
    p->keys[p->ktop] = (dkey){.p = k, .len = len, .null = 0};
    p->ktop++;
    p->key_recorded = 1;
    if (len > p->shortlen && p->null_as_nil) {
        /* a null member later may take this key out of the object, which
         * then no longer holds the string: anchor it (in the array part:
         * as a set key an equal string anchored before would be kept
         * instead of this one) */
        lua_pushvalue(L, -1);
        lua_rawseti(L, p->anchors_idx, ++p->nanchors);
    }
    return 1;
}

static uint64_t key_hash(const parser *p, const dkey *k, size_t n) {
    uint64_t h = UINT64_C(0x9E3779B97F4A7C15) ^ n;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        if (k[i].len <= p->shortlen) {
            v = (uint64_t)(uintptr_t)k[i].p;
        } else { /* FNV-1a over the bytes of a long key */
            v = UINT64_C(0xcbf29ce484222325);
            for (size_t j = 0; j < k[i].len; j++) v = (v ^ (unsigned char)k[i].p[j]) * UINT64_C(0x100000001b3);
        }
        h = (h ^ v ^ (uint64_t)k[i].null) * UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 32;
    }
    return h;
}

static int same_keys(const parser *p, const dkey *a, const dkey *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (a[i].null != b[i].null) return 0;
        if (a[i].p == b[i].p) continue;
        if (a[i].len != b[i].len || a[i].len <= p->shortlen || memcmp(a[i].p, b[i].p, a[i].len) != 0)
            return 0;
    }
    return 1;
}

/* Pushes a new shape metatable for keys k[0..n) (the object is at -1 on
 * entry, at -2 on return) and fills out[i] with the addresses of the key
 * strings it keeps. A repeated key is listed once, where it first appears.
 * Null members left out are listed too, and make the set __jsonnulls. */
static void new_shape(parser *p, const dkey *k, size_t n, dkey *out) {
    lua_State *L = p->L;
    /* the object has n distinct keys unless a short key was repeated or a
     * null member was left out */
    size_t count = 0, nulls = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        count++;
    }
    for (size_t i = 0; i < n; i++) nulls += k[i].null;
    if (nulls) {
        /* the set of keys whose member is null (absent from the object) */
        lua_createtable(L, 0, (int)nulls);
        for (size_t i = 0; i < n; i++) {
            if (!k[i].null) continue;
            lua_pushlstring(L, k[i].p, k[i].len);
            lua_pushvalue(L, -1);
            int held = lua_rawget(L, -4) != LUA_TNIL; /* repeated, a value last */
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            if (held || lua_rawget(L, -3) != LUA_TNIL) { /* or a null twice */
                lua_pop(L, 2);
                nulls--;
                continue;
            }
            lua_pop(L, 1);
            lua_pushboolean(L, 1);
            lua_rawset(L, -3);
        }
        count += nulls; /* distinct null keys; a key repeated: the slow path below */
        /* every null member was given a value again later ({"b":null,"b":2}):
         * no set after all, and the stack must be as it was */
        if (nulls == 0) lua_pop(L, 1);
    }
    lua_createtable(L, 0, 3); /* obj [nulls] mt */
    if (nulls) {
        lua_pushliteral(L, "__jsonnulls");
        lua_pushvalue(L, -3);
        lua_rawset(L, -3);
        lua_remove(L, -2); /* obj mt */
    }
    lua_pushvalue(L, LF_JSON_UV_TYPEKEY);
    lua_pushvalue(L, LF_JSON_UV_OBJECT);
    lua_rawset(L, -3);
    lua_pushvalue(L, LF_JSON_UV_KEYSKEY);
    lua_createtable(L, (int)count, 0); /* obj mt "__jsonkeys" list */
    if (count != n) lua_createtable(L, 0, (int)count); /* ... seen */
    lua_Integer j = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = lua_pushlstring(L, k[i].p, k[i].len);
        if (out) out[i] = (dkey){.p = s, .len = k[i].len, .null = k[i].null};
        if (count != n) {
            /* seen[key] = where it was first: a repeated long key is a new
             * string that is not kept, so the pool takes the first one's */
            lua_pushvalue(L, -1);
            if (lua_rawget(L, -3) != LUA_TNIL) {
                if (out) out[i].p = out[lua_tointeger(L, -1) - 1].p;
                lua_pop(L, 2);
                continue;
            }
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushinteger(L, (lua_Integer)i + 1);
            lua_rawset(L, -4);
            lua_rawseti(L, -3, ++j);
        } else {
            lua_rawseti(L, -2, ++j);
        }
    }
    if (count != n) lua_pop(L, 1);
    lua_rawset(L, -3); /* mt.__jsonkeys = list */
}

/* Gives the object on top of the stack the shape of keys k[0..n). */
static int set_shape(parser *p, const dkey *k, size_t n) {
    lua_State *L = p->L;
    uint64_t h = key_hash(p, k, n);
    if (p->nslots) {
        size_t mask = p->nslots - 1;
        for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
            shape *s = &p->slots[i];
            if (!s->mt) break;
            if (s->hash == h && s->nkeys == n && same_keys(p, k, p->pool + s->kofs, n)) {
                lua_rawgeti(L, p->shapes_idx, s->mt);
                lua_setmetatable(L, -2);
                return 1;
            }
        }
    }
    if (p->nshapes >= MAX_SHAPES) {
        new_shape(p, k, n, NULL);
        lua_setmetatable(L, -2);
        return 1;
    }
    /* keep the load factor at most 1/2 */
    if ((p->nshapes + 1) * 2 > p->nslots) {
        size_t ns = p->nslots ? p->nslots * 2 : 16;
        shape *t = calloc(ns, sizeof *t);
        if (!t) return 0;
        for (size_t i = 0; i < p->nslots; i++) {
            if (!p->slots[i].mt) continue;
            size_t j = (size_t)p->slots[i].hash & (ns - 1);
            while (t[j].mt) j = (j + 1) & (ns - 1);
            t[j] = p->slots[i];
        }
        free(p->slots);
        p->slots = t;
        p->nslots = ns;
    }
    /* room for one key even when n is 0: the pool is never NULL once a
     * shape is interned (NULL + 0 is undefined behaviour in C) */
    if (!grow((void **)&p->pool, &p->pcap, p->ptop + n + 1, sizeof *p->pool)) return 0;
    size_t kofs = p->ptop;
    p->ptop += n;
    new_shape(p, k, n, p->pool + kofs);
    int mt = (int)++p->nshapes;
    lua_pushvalue(L, -1);
    lua_rawseti(L, p->shapes_idx, mt);
    lua_setmetatable(L, -2);
    size_t i = (size_t)h & (p->nslots - 1);
    while (p->slots[i].mt) i = (i + 1) & (p->nslots - 1);
    p->slots[i] = (shape){.hash = h, .nkeys = n, .kofs = kofs, .mt = mt};
    return 1;
}

static int cb_end_map(void *ctx) {
    parser *p = ctx;
    frame *f = &p->frames[p->depth];
    size_t n = p->ktop - f->kstart;
    /* keys is NULL until an object has had a key */
    if (!set_shape(p, p->keys ? p->keys + f->kstart : NULL, n))
        return fail(p, nomem, yajl_get_bytes_consumed(p->h));
    p->ktop = f->kstart;
    f->hint_map = n < 1024 ? (int)n : 1024;
    p->depth--;
    return add_value(p);
}

static int cb_end_array(void *ctx) {
    parser *p = ctx;
    frame *f = &p->frames[p->depth];
    lua_pushvalue(p->L, LF_JSON_UV_ARRAYMT);
    lua_setmetatable(p->L, -2);
    f->hint_arr = f->n < 4096 ? (int)f->n : 4096;
    p->depth--;
    return add_value(p);
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

/* Pushes nil, reason, offset, line, column (offset 1-based, like string
 * positions in Lua). */
static int push_error(lua_State *L, parser *p, const char *reason, size_t off) {
    size_t line, col;
    lf_json_position(p->text, p->len, off, &line, &col);
    lua_pushnil(L);
    lua_pushstring(L, reason);
    lua_pushinteger(L, (lua_Integer)off + 1);
    lua_pushinteger(L, (lua_Integer)line);
    lua_pushinteger(L, (lua_Integer)col);
    return 5;
}

/* Reports an error found by yajl. Its message reads "parse error: trailing
 * garbage\n"; we keep the reason. Its position (yajl_get_bytes_consumed)
 * is, for a parse error, just past the token it rejected; for a lexical
 * error, at the offending byte, or just past it for "invalid char"; for
 * errors found by yajl_complete_parse it counts in the " " that function
 * feeds, so those are placed at the end of the text. */
static int yajl_failure(lua_State *L, parser *p, int at_end) {
    static const char lex[] = "lexical error: ", parse[] = "parse error: ";
    char reason[160];
    unsigned char *msg = yajl_get_error(p->h, 0, (const unsigned char *)p->text, p->len);
    snprintf(reason, sizeof reason, "%s", msg ? (const char *)msg : "invalid JSON");
    if (msg) yajl_free_error(p->h, msg);
    size_t consumed = yajl_get_bytes_consumed(p->h);
    parser_release(p);

    int lexical = strncmp(reason, lex, sizeof lex - 1) == 0;
    char *r = reason;
    if (lexical) r += sizeof lex - 1;
    else if (strncmp(reason, parse, sizeof parse - 1) == 0) r += sizeof parse - 1;
    size_t n = strlen(r);
    while (n > 0 && (r[n - 1] == '\n' || r[n - 1] == '.' || r[n - 1] == ' ')) r[--n] = '\0';

    size_t off;
    if (consumed > p->len) consumed = p->len;
    if (at_end) off = strcmp(r, "premature EOF") == 0 ? p->len : lf_json_token_start(p->text, p->len);
    else if (!lexical) off = lf_json_token_start(p->text, consumed);
    else if (strcmp(r, "invalid char in json text") == 0 && consumed > 0) off = consumed - 1;
    else off = consumed;
    return push_error(L, p, r, off);
}

/* The offset of the first byte that is not whitespace after a top-level
 * value that yajl_parse completed, or the text's length. yajl reports a
 * token after the value as trailing garbage, but a token the text ends
 * inside (an unterminated string: `{"a":1}"xyz`, `9"223`) it keeps waiting
 * for, and yajl_complete_parse then accepts the text, dropping the tail. A
 * value completed by yajl_complete_parse (a number at the very end) has
 * nothing after it. */
static size_t trailing_garbage(const parser *p) {
    size_t i = p->value_end;
    while (i < p->len && (p->text[i] == ' ' || p->text[i] == '\t' || p->text[i] == '\n' || p->text[i] == '\r'))
        i++;
    return i;
}

int lf_json_raw_decode(lua_State *L) {
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    int null_as_nil = lua_toboolean(L, 2);
    lua_settop(L, 1);
    parser *p = lua_newuserdatauv(L, sizeof *p, 0); /* 2 */
    memset(p, 0, sizeof *p);
    luaL_setmetatable(L, LF_JSON_PARSER_MT);
    lua_newtable(L); /* 3: the shapes' metatables */
    lua_newtable(L); /* 4: anchors of null members' keys */
    p->L = L;
    p->text = text;
    p->len = len;
    p->shapes_idx = 3;
    p->anchors_idx = 4;
    p->null_as_nil = null_as_nil;
    p->shortlen = (size_t)lua_tointeger(L, LF_JSON_UV_SHORTLEN);
    p->h = yajl_alloc(&callbacks, NULL, p);
    if (!p->h) return luaL_error(L, "not enough memory");
    yajl_config(p->h, yajl_dont_validate_strings, 1); /* we check, strictly */

    yajl_status st = yajl_parse(p->h, (const unsigned char *)text, len);
    int at_end = 0;
    if (st == yajl_status_ok && p->value_done) {
        size_t tail = trailing_garbage(p);
        if (tail < len) {
            parser_release(p);
            return push_error(L, p, "trailing garbage", tail);
        }
    }
    if (st == yajl_status_ok) {
        at_end = 1;
        st = yajl_complete_parse(p->h);
    }
    if (st == yajl_status_ok) {
        parser_release(p);
        lua_settop(L, 5);
        return 1;
    }
    if (st == yajl_status_client_canceled && p->err) {
        parser_release(p);
        if (p->err == nomem) return luaL_error(L, "%s", nomem);
        return push_error(L, p, p->err, p->err_off);
    }
    return yajl_failure(L, p, at_end);
}
