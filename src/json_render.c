/*
 * json_render.c: query records written as JSON text straight from the
 * emulator's store rows, with no Lua table built per record. A query page
 * is then as cheap to serve as the encoder's work alone (the emulator's
 * query pages; soql_exec.lua makes the shapes, query_api.lua the page).
 *
 *   raw_render_rows(rows, first, last, shape, by_id, types [, where
 *                   [, before, after]]) -> text | nil, message
 *
 * The text is the records of rows[first..last] joined by ',' (no brackets)
 * between the text `before` and `after` (so that a whole page body is made
 * without another copy of it),
 * byte for byte what json.encode writes for the record tables soql_exec
 * builds from those rows: {"attributes":{"type":T,"url":U},"Key":value,...}
 * in the shape's order. A shape (a Lua table, made once per query):
 *
 *   { head = '{"attributes":{"type":"Account","url":',   JSON text
 *     url  = "/services/data/v62.0/sobjects/Account/",    raw; url .. row.Id
 *     { text = ',"Name":', key = "Name", field = "Name" },             a value
 *     { text = ',"Owner":', key = "Owner", ref = "OwnerId", shape = {...} } }
 *
 * A parent's shape has no head or url: the parent row is by_id[row[ref]]
 * (nil reference or no such row: null) and its head and url come from
 * types[the first 3 bytes of the reference] = {head =, url =}, so that a
 * polymorphic reference gets the type of the record it points at.
 *
 * Values are written by the encoder (json_encode.c), so strings, numbers,
 * decimals and json.null come out as json.encode writes them; nil is null.
 * A value JSON cannot hold gives nil and the encoder's message, its path
 * counted from the first record ("... at [3].Account.AnnualRevenue"), under
 * `where` when given ("records[3]..."), as json.encode of the page says it.
 * A malformed shape, a row that is not a table or has no Id, or a key prefix
 * types does not know are mistakes of the caller and raise.
 *
 * No Lua code runs while rendering (raw access only), so the strings the
 * compiled shape points at, anchored by the arguments, stay put.
 */
#include <lauxlib.h>
#include <limits.h>
#include <string.h>

#include "json_internal.h"

/* Parent shapes nested deeper than this are refused (SOQL allows 5 hops;
 * a shape that contains itself would never end). */
#define MAX_LEVELS 32
/* Key prefixes remembered per call: a page meets few parent types. */
#define TYPE_CACHE 16
/* A record's url is built here when it fits (it always does in practice). */
#define URL_BUF 512

typedef struct rshape rshape;

typedef struct rcol {
    const char *text, *key; /* ,"Key": and the key itself (error paths) */
    size_t tlen, klen;
    int field;              /* stack index of the field (or reference) name */
    const rshape *parent;   /* the parent's shape; NULL for a value */
} rcol;

struct rshape {
    const char *head, *url; /* NULL in a parent's shape */
    size_t hlen, ulen;
    lua_Integer ncols;
    rcol *cols;
};

typedef struct rtype {
    char prefix[3];
    const char *head, *url;
    size_t hlen, ulen;
} rtype;

typedef struct render {
    lua_State *L;
    lf_json_encoder *e;
    int by_id, types, id_key; /* stack indexes */
    rtype cache[TYPE_CACHE];
    rtype spare; /* a prefix looked up when the cache is full */
    int ncache;
} render;

/* ---- the shape, compiled once per call ------------------------------------ */

static const char *shape_string(lua_State *L, int t, const char *name, size_t *len, const char *where) {
    lua_pushstring(L, name);
    if (lua_rawget(L, t) != LUA_TSTRING)
        luaL_error(L, "raw_render_rows: %s: '%s' is not a string", where, name);
    const char *s = lua_tolstring(L, -1, len);
    lua_pop(L, 1); /* still anchored by t */
    return s;
}

/* Compiles the shape table at sidx into C arrays held by userdata left on
 * the stack, with every field name pushed once (rawget then needs no new
 * string per row). Everything stays on the stack until the call ends. */
static const rshape *compile(lua_State *L, int sidx, int level) {
    if (level >= MAX_LEVELS) luaL_error(L, "raw_render_rows: parent shapes nested deeper than %d", MAX_LEVELS);
    luaL_checkstack(L, 4, "raw_render_rows: shape");
    rshape *sh = lua_newuserdatauv(L, sizeof *sh, 0);
    memset(sh, 0, sizeof *sh);
    if (level == 0) {
        sh->head = shape_string(L, sidx, "head", &sh->hlen, "shape");
        sh->url = shape_string(L, sidx, "url", &sh->ulen, "shape");
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, sidx);
    if ((unsigned long long)n > INT_MAX / sizeof(rcol)) luaL_error(L, "raw_render_rows: too many columns");
    sh->ncols = n;
    sh->cols = lua_newuserdatauv(L, n ? (size_t)n * sizeof(rcol) : 1, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        rcol *c = &sh->cols[i - 1];
        luaL_checkstack(L, 6, "raw_render_rows: shape");
        if (lua_rawgeti(L, sidx, i) != LUA_TTABLE) luaL_error(L, "raw_render_rows: column %I is not a table", i);
        int ct = lua_gettop(L);
        c->text = shape_string(L, ct, "text", &c->tlen, "column");
        c->key = shape_string(L, ct, "key", &c->klen, "column");
        lua_pushliteral(L, "field");
        if (lua_rawget(L, ct) == LUA_TSTRING) {
            c->field = lua_gettop(L);
            c->parent = NULL;
            continue;
        }
        lua_pop(L, 1);
        lua_pushliteral(L, "ref");
        if (lua_rawget(L, ct) != LUA_TSTRING)
            luaL_error(L, "raw_render_rows: column '%s' has neither 'field' nor 'ref'", c->key);
        c->field = lua_gettop(L);
        lua_pushliteral(L, "shape");
        if (lua_rawget(L, ct) != LUA_TTABLE) luaL_error(L, "raw_render_rows: column '%s' has no 'shape'", c->key);
        c->parent = compile(L, lua_gettop(L), level + 1);
    }
    return sh;
}

/* ---- rendering ------------------------------------------------------------ */

static inline int put(render *r, const char *s, size_t n) {
    return lf_json_encoder_put(r->e, s, n);
}

/* The url member's value, url .. id, as one JSON string (so that an error
 * names the byte as it would in the concatenated string). */
static int put_url(render *r, const char *url, size_t ulen, const char *id, size_t idlen) {
    char buf[URL_BUF];
    if (idlen <= sizeof buf && ulen <= sizeof buf - idlen) {
        memcpy(buf, url, ulen);
        memcpy(buf + ulen, id, idlen);
        return lf_json_encoder_string(r->e, buf, ulen + idlen);
    }
    lua_State *L = r->L;
    lua_pushlstring(L, url, ulen);
    lua_pushlstring(L, id, idlen);
    lua_concat(L, 2);
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    int rc = lf_json_encoder_string(r->e, s, n);
    lua_pop(L, 1);
    return rc;
}

/* The head and url of the object an id's key prefix names. */
static const rtype *type_of(render *r, const char *id, size_t len) {
    lua_State *L = r->L;
    if (len < 3) luaL_error(L, "raw_render_rows: reference '%s' is not an id", id);
    for (int i = 0; i < r->ncache; i++)
        if (memcmp(r->cache[i].prefix, id, 3) == 0) return &r->cache[i];
    rtype *t = r->ncache < TYPE_CACHE ? &r->cache[r->ncache] : &r->spare;
    lua_pushlstring(L, id, 3);
    if (lua_rawget(L, r->types) != LUA_TTABLE)
        luaL_error(L, "raw_render_rows: no type for key prefix '%s'", lua_pushlstring(L, id, 3));
    int tt = lua_gettop(L);
    t->head = shape_string(L, tt, "head", &t->hlen, "types entry");
    t->url = shape_string(L, tt, "url", &t->ulen, "types entry");
    memcpy(t->prefix, id, 3);
    lua_pop(L, 1); /* the entry stays anchored in types */
    if (t != &r->spare) r->ncache++;
    return t;
}

static int render_record(render *r, const rshape *sh, int row, const char *head, size_t hlen, const char *url,
                         size_t ulen, int level);

/* The parent that the reference at idx points at, or null. */
static int render_parent(render *r, const rshape *sh, int idx, int level) {
    lua_State *L = r->L;
    lua_pushvalue(L, idx);
    if (lua_rawget(L, r->by_id) != LUA_TTABLE) {
        lua_pop(L, 1);
        return put(r, "null", 4);
    }
    size_t len;
    const char *id = lua_tolstring(L, idx, &len); /* a key of by_id: a string */
    if (!id) luaL_error(L, "raw_render_rows: by_id has a key that is not a string");
    const rtype *t = type_of(r, id, len);
    int rc = render_record(r, sh, lua_gettop(L), t->head, t->hlen, t->url, t->ulen, level + 1);
    lua_pop(L, 1);
    return rc;
}

/* One record: attributes, then each column in order. */
static int render_record(render *r, const rshape *sh, int row, const char *head, size_t hlen, const char *url,
                         size_t ulen, int level) {
    lua_State *L = r->L;
    if (!lua_checkstack(L, 4)) luaL_error(L, "raw_render_rows: out of Lua stack");
    if (put(r, head, hlen)) return -1;
    lua_pushvalue(L, r->id_key);
    int ty = lua_rawget(L, row);
    if (ty != LUA_TSTRING && ty != LUA_TNUMBER) luaL_error(L, "raw_render_rows: a row has no Id");
    size_t idlen;
    const char *id = lua_tolstring(L, -1, &idlen); /* a number: as `..` writes it */
    int rc = put_url(r, url, ulen, id, idlen);
    lua_pop(L, 1);
    if (rc) {
        lf_json_encoder_path_key(r->e, "url", 3);
        lf_json_encoder_path_key(r->e, "attributes", 10);
        return -1;
    }
    if (put(r, "}", 1)) return -1;
    for (lua_Integer i = 0; i < sh->ncols; i++) {
        const rcol *c = &sh->cols[i];
        if (put(r, c->text, c->tlen)) return -1;
        int top = lua_gettop(L);
        lua_pushvalue(L, c->field);
        if (lua_rawget(L, row) == LUA_TNIL) rc = put(r, "null", 4);
        else if (c->parent) rc = render_parent(r, c->parent, top + 1, level);
        else rc = lf_json_encode_value(r->e, top + 1);
        lua_settop(L, top);
        if (rc) {
            lf_json_encoder_path_key(r->e, c->key, c->klen);
            return -1;
        }
    }
    return put(r, "}", 1);
}

int lf_json_raw_render_rows(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer first = luaL_checkinteger(L, 2), last = luaL_checkinteger(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    luaL_checktype(L, 5, LUA_TTABLE);
    luaL_checktype(L, 6, LUA_TTABLE);
    size_t wlen = 0, blen = 0, alen = 0;
    const char *where = luaL_optlstring(L, 7, NULL, &wlen);
    const char *before = luaL_optlstring(L, 8, "", &blen);
    const char *after = luaL_optlstring(L, 9, "", &alen);
    luaL_argcheck(L, first >= 1, 2, "rows start at 1");
    luaL_argcheck(L, last <= (lua_Integer)lua_rawlen(L, 1), 3, "beyond the last row");
    lua_settop(L, 9);
    render r;
    memset(&r, 0, sizeof r);
    r.L = L;
    r.by_id = 5;
    r.types = 6;
    lua_pushliteral(L, "Id");
    r.id_key = lua_gettop(L);
    const rshape *sh = compile(L, 4, 0);
    r.e = lf_json_encoder_new(L, 0, 0);
    int rc = put(&r, before, blen);
    for (lua_Integer i = first; i <= last && rc == 0; i++) {
        if (i > first && put(&r, ",", 1)) {
            rc = -1;
            break;
        }
        if (lua_rawgeti(L, 1, i) != LUA_TTABLE) luaL_error(L, "raw_render_rows: rows[%I] is not a table", i);
        int top = lua_gettop(L);
        rc = render_record(&r, sh, top, sh->head, sh->hlen, sh->url, sh->ulen, 0);
        lua_settop(L, top - 1);
        if (rc) {
            lf_json_encoder_path_index(r.e, i - first + 1);
            if (where) lf_json_encoder_path_key(r.e, where, wlen);
            break;
        }
    }
    if (rc == 0) rc = put(&r, after, alen);
    return lf_json_encoder_result(L, r.e, rc);
}
