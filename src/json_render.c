/*
 * json_render.c: records written as JSON text straight from rows (Lua
 * tables), with no Lua table built per record: a page of many records is
 * then as cheap to make as the encoder's work alone. The local org uses it
 * for its query pages (lua/luaforce/emulator/soql_exec/render.lua makes the
 * plans); nothing here knows what the records are.
 *
 *   raw_render_rows(rows, first, last, plan [, where [, before, after]])
 *       -> text | nil, message
 *
 * The text is the records of rows[first..last] joined by ',' (no brackets)
 * between the text `before` and `after` (so that a whole page body is made
 * without another copy of it). A plan (a Lua table, made once per query):
 *
 *   { shape    = { lead = LEAD, COLUMN, COLUMN, ... },  the rows' records
 *     parents  = { [reference value] = row },           parent rows
 *     leads    = { [key] = LEAD },       a parent record's lead, by the
 *     lead_key = n }                     first n bytes of its reference
 *
 * A record is its lead, its columns and '}': the lead opens the JSON object
 * ('{' and whatever members come before the columns). A LEAD is a list of
 * pieces, each either literal JSON text (a string, written as it is) or
 *
 *   { prefix = "text", field = "Name", path = { "k1", "k2" } }
 *
 * the JSON string of prefix .. row[field] (a string, or a number as Lua's
 * `..` writes it); `path` names that string in error messages, outermost
 * key first. A COLUMN is
 *
 *   { text = ',"Key":', key = "Key", field = "Name" }      row[field]
 *   { text = ',"Key":', key = "Key", ref = "OwnerId", shape = { COLUMN, ... } }
 *
 * the second a parent: the record of parents[row[ref]] (null when the
 * reference is nil or names no row), whose lead is leads[the first lead_key
 * bytes of the reference] (so the lead can follow what the reference points
 * at) and whose columns are `shape`'s. `text` is written before the value,
 * `key` names it in error messages. Limits: a lead has at most 8 pieces, a
 * path at most 4 keys, lead_key is 1 to 16.
 *
 * Values are written by the encoder (json_encode.c), so strings, numbers,
 * decimals and json.null come out as json.encode writes them; nil is null.
 * A value JSON cannot hold gives nil and the encoder's message, its path
 * counted from the first record ("... at [3].Account.AnnualRevenue"), under
 * `where` when given ("records[3]..."), as json.encode of the page says it.
 * A malformed plan, a row that is not a table or lacks a lead's field, or a
 * key `leads` does not know are mistakes of the caller and raise.
 *
 * No Lua code runs while rendering (raw access only), so the strings the
 * compiled plan points at, anchored by the arguments, stay put.
 */
#include <lauxlib.h>
#include <limits.h>
#include <string.h>

#include "json_internal.h"

/* Parent shapes nested deeper than this are refused (a shape that contains
 * itself would never end). */
#define MAX_LEVELS 32
/* Leads remembered per call, by key: a page meets few kinds of parent. */
#define LEAD_CACHE 16
/* The longest lead key, and the most pieces and path keys of a lead. */
#define MAX_LEAD_KEY 16
#define MAX_PIECES 8
#define MAX_PATH 4
/* A string piece is built here when it fits (it always does in practice). */
#define PIECE_BUF 512

typedef struct rshape rshape;

typedef struct rcol {
    const char *text, *key; /* ,"Key": and the key itself (error paths) */
    size_t tlen, klen;
    int field;              /* stack index of the field (or reference) name */
    const rshape *parent;   /* the parent's shape; NULL for a value */
} rcol;

struct rshape {
    lua_Integer ncols;
    rcol *cols;
};

/* One piece of a lead: literal text (field == 0), or the JSON string of
 * text .. row[field name], the name being at stack index `field` (the top
 * lead's) or anchor[field] (a parent lead's, compiled while rendering). */
typedef struct rpiece {
    const char *text;
    size_t len;
    int field;
    int anchored;
    int npath;
    const char *path[MAX_PATH];
    size_t plen[MAX_PATH];
} rpiece;

typedef struct rlead {
    int npieces;
    rpiece pieces[MAX_PIECES];
} rlead;

typedef struct rcached {
    char key[MAX_LEAD_KEY];
    rlead lead;
} rcached;

typedef struct render {
    lua_State *L;
    lf_json_encoder *e;
    int parents, leads, anchor; /* stack indexes */
    size_t lead_key;
    rlead top;
    rcached cache[LEAD_CACHE];
    rcached spare; /* a key looked up when the cache is full */
    int ncache;
} render;

/* Anchor slots of parent leads' field names: MAX_PIECES for each cache
 * entry, then the spare's. */
#define ANCHOR_SLOTS ((LEAD_CACHE + 1) * MAX_PIECES)

/* ---- the plan, compiled once per call ------------------------------------- */

static const char *plan_string(lua_State *L, int t, const char *name, size_t *len, const char *where) {
    lua_pushstring(L, name);
    if (lua_rawget(L, t) != LUA_TSTRING)
        luaL_error(L, "raw_render_rows: %s: '%s' is not a string", where, name);
    const char *s = lua_tolstring(L, -1, len);
    lua_pop(L, 1); /* still anchored by t */
    return s;
}

/* The stack index where the top lead keeps the field name at `idx`, or 0:
 * parent leads mostly read the field the top lead reads (an id), and a name
 * on the stack is read faster than one in the anchor table. */
static int on_stack(render *r, int idx) {
    for (int i = 0; i < r->top.npieces; i++) {
        const rpiece *t = &r->top.pieces[i];
        if (t->field && !t->anchored && lua_rawequal(r->L, idx, t->field)) return t->field;
    }
    return 0;
}

/* Compiles the lead at stack index `li` into `out`. Its field names are
 * pushed and left on the stack when `base` < 0 (the top lead, compiled
 * before rendering: a row's field is then read as fast as a column's), else
 * kept in anchor slots base+1 .. base+MAX_PIECES, and the stack is left as
 * it was (a parent's lead, compiled while rendering). */
static void compile_lead(render *r, int li, rlead *out, int base) {
    lua_State *L = r->L;
    lua_Integer n = (lua_Integer)lua_rawlen(L, li);
    if (n > MAX_PIECES) luaL_error(L, "raw_render_rows: a lead has more than %d pieces", MAX_PIECES);
    out->npieces = (int)n;
    for (int i = 0; i < (int)n; i++) {
        rpiece *p = &out->pieces[i];
        memset(p, 0, sizeof *p);
        luaL_checkstack(L, 5, "raw_render_rows: lead");
        int ty = lua_rawgeti(L, li, i + 1);
        if (ty == LUA_TSTRING) {
            p->text = lua_tolstring(L, -1, &p->len); /* anchored by the lead */
            lua_pop(L, 1);
            continue;
        }
        if (ty != LUA_TTABLE) luaL_error(L, "raw_render_rows: lead piece %d is neither text nor a table", i + 1);
        int pt = lua_gettop(L);
        p->text = plan_string(L, pt, "prefix", &p->len, "lead piece");
        lua_pushliteral(L, "field");
        if (lua_rawget(L, pt) != LUA_TSTRING) luaL_error(L, "raw_render_rows: lead piece: 'field' is not a string");
        if (base < 0) {
            lua_insert(L, pt); /* below the piece, which is popped below */
            p->field = pt;
            pt++;
        } else {
            p->field = on_stack(r, lua_gettop(L));
            if (p->field) {
                lua_pop(L, 1);
            } else {
                p->field = base + i + 1;
                p->anchored = 1;
                lua_rawseti(L, r->anchor, p->field);
            }
        }
        lua_pushliteral(L, "path");
        if (lua_rawget(L, pt) == LUA_TTABLE) {
            int pp = lua_gettop(L);
            lua_Integer np = (lua_Integer)lua_rawlen(L, pp);
            if (np > MAX_PATH) luaL_error(L, "raw_render_rows: a lead path has more than %d keys", MAX_PATH);
            p->npath = (int)np;
            for (int k = 0; k < (int)np; k++) {
                if (lua_rawgeti(L, pp, k + 1) != LUA_TSTRING) luaL_error(L, "raw_render_rows: a lead path key is not a string");
                p->path[k] = lua_tolstring(L, -1, &p->plen[k]); /* anchored by the path */
                lua_pop(L, 1);
            }
        }
        lua_settop(L, pt - 1);
    }
}

/* Compiles the column list of the shape table at sidx into C arrays held
 * by userdata left on the stack, with every field name pushed once (rawget
 * then needs no new string per row). Everything stays on the stack until
 * the call ends. */
static const rshape *compile_shape(lua_State *L, int sidx, int level) {
    if (level >= MAX_LEVELS) luaL_error(L, "raw_render_rows: parent shapes nested deeper than %d", MAX_LEVELS);
    luaL_checkstack(L, 4, "raw_render_rows: shape");
    rshape *sh = lua_newuserdatauv(L, sizeof *sh, 0);
    memset(sh, 0, sizeof *sh);
    lua_Integer n = (lua_Integer)lua_rawlen(L, sidx);
    if ((unsigned long long)n > INT_MAX / sizeof(rcol)) luaL_error(L, "raw_render_rows: too many columns");
    sh->ncols = n;
    sh->cols = lua_newuserdatauv(L, n ? (size_t)n * sizeof(rcol) : 1, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        rcol *c = &sh->cols[i - 1];
        luaL_checkstack(L, 6, "raw_render_rows: shape");
        if (lua_rawgeti(L, sidx, i) != LUA_TTABLE) luaL_error(L, "raw_render_rows: column %I is not a table", i);
        int ct = lua_gettop(L);
        c->text = plan_string(L, ct, "text", &c->tlen, "column");
        c->key = plan_string(L, ct, "key", &c->klen, "column");
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
        c->parent = compile_shape(L, lua_gettop(L), level + 1);
    }
    return sh;
}

/* plan[name], which must be a table, pushed. */
static int plan_table(lua_State *L, int plan, const char *name) {
    lua_pushstring(L, name);
    if (lua_rawget(L, plan) != LUA_TTABLE) luaL_error(L, "raw_render_rows: plan: '%s' is not a table", name);
    return lua_gettop(L);
}

/* ---- rendering ------------------------------------------------------------ */

static inline int put(render *r, const char *s, size_t n) {
    return lf_json_encoder_put(r->e, s, n);
}

/* A string piece: text .. row[field] as one JSON string (so that an error
 * names the byte as it would in the concatenated string). */
static inline int put_piece(render *r, const rpiece *p, int row) {
    lua_State *L = r->L;
    if (p->anchored) lua_rawgeti(L, r->anchor, p->field);
    else lua_pushvalue(L, p->field);
    int ty = lua_rawget(L, row);
    if (ty != LUA_TSTRING && ty != LUA_TNUMBER) {
        if (p->anchored) lua_rawgeti(L, r->anchor, p->field);
        else lua_pushvalue(L, p->field);
        luaL_error(L, "raw_render_rows: a row has no %s", lua_tostring(L, -1));
    }
    size_t vlen;
    const char *v = lua_tolstring(L, -1, &vlen); /* a number: as `..` writes it */
    char buf[PIECE_BUF];
    int rc;
    if (vlen <= sizeof buf && p->len <= sizeof buf - vlen) {
        memcpy(buf, p->text, p->len);
        memcpy(buf + p->len, v, vlen);
        rc = lf_json_encoder_string(r->e, buf, p->len + vlen);
    } else {
        lua_pushlstring(L, p->text, p->len);
        lua_insert(L, -2);
        lua_concat(L, 2);
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        rc = lf_json_encoder_string(r->e, s, n);
    }
    lua_pop(L, 1);
    if (rc)
        for (int k = p->npath - 1; k >= 0; k--) lf_json_encoder_path_key(r->e, p->path[k], p->plen[k]);
    return rc;
}

static int put_lead(render *r, const rlead *lead, int row) {
    for (int i = 0; i < lead->npieces; i++) {
        const rpiece *p = &lead->pieces[i];
        int rc = p->field ? put_piece(r, p, row) : put(r, p->text, p->len);
        if (rc) return rc;
    }
    return 0;
}

/* Keys are a few bytes: a loop beats a call to memcmp. */
static inline int same_key(const char *a, const char *b, size_t k) {
    for (size_t j = 0; j < k; j++)
        if (a[j] != b[j]) return 0;
    return 1;
}

/* The lead of a parent whose reference is `id`: leads[the first lead_key
 * bytes of id], compiled once per call while the cache has room. */
static const rlead *lead_of(render *r, const char *id, size_t len) {
    lua_State *L = r->L;
    size_t k = r->lead_key;
    if (len < k) luaL_error(L, "raw_render_rows: reference '%s' is shorter than lead_key", id);
    for (int i = 0; i < r->ncache; i++)
        if (same_key(r->cache[i].key, id, k)) return &r->cache[i].lead;
    int slot = r->ncache < LEAD_CACHE ? r->ncache : LEAD_CACHE;
    rcached *c = slot < LEAD_CACHE ? &r->cache[slot] : &r->spare;
    lua_pushlstring(L, id, k);
    if (lua_rawget(L, r->leads) != LUA_TTABLE)
        luaL_error(L, "raw_render_rows: no lead for key '%s'", lua_pushlstring(L, id, k));
    compile_lead(r, lua_gettop(L), &c->lead, slot * MAX_PIECES);
    lua_pop(L, 1); /* the lead stays anchored in leads */
    memcpy(c->key, id, k);
    if (c != &r->spare) r->ncache++;
    return &c->lead;
}

static int render_record(render *r, const rshape *sh, int row, const rlead *lead, int level);

/* The parent that the reference at idx points at, or null. */
static int render_parent(render *r, const rshape *sh, int idx, int level) {
    lua_State *L = r->L;
    lua_pushvalue(L, idx);
    if (lua_rawget(L, r->parents) != LUA_TTABLE) {
        lua_pop(L, 1);
        return put(r, "null", 4);
    }
    size_t len;
    const char *id = lua_tolstring(L, idx, &len); /* a key of parents: a string */
    if (!id) luaL_error(L, "raw_render_rows: parents has a key that is not a string");
    const rlead *lead = lead_of(r, id, len);
    int rc = render_record(r, sh, lua_gettop(L), lead, level + 1);
    lua_pop(L, 1);
    return rc;
}

/* One record: the lead, each column in order, '}'. */
static int render_record(render *r, const rshape *sh, int row, const rlead *lead, int level) {
    lua_State *L = r->L;
    if (!lua_checkstack(L, 4)) luaL_error(L, "raw_render_rows: out of Lua stack");
    if (put_lead(r, lead, row)) return -1;
    for (lua_Integer i = 0; i < sh->ncols; i++) {
        const rcol *c = &sh->cols[i];
        if (put(r, c->text, c->tlen)) return -1;
        int top = lua_gettop(L);
        lua_pushvalue(L, c->field);
        int rc;
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
    size_t wlen = 0, blen = 0, alen = 0;
    const char *where = luaL_optlstring(L, 5, NULL, &wlen);
    const char *before = luaL_optlstring(L, 6, "", &blen);
    const char *after = luaL_optlstring(L, 7, "", &alen);
    luaL_argcheck(L, first >= 1, 2, "rows start at 1");
    luaL_argcheck(L, last <= (lua_Integer)lua_rawlen(L, 1), 3, "beyond the last row");
    lua_settop(L, 7);
    render r;
    memset(&r, 0, sizeof r);
    r.L = L;
    int shape = plan_table(L, 4, "shape");
    r.parents = plan_table(L, 4, "parents");
    r.leads = plan_table(L, 4, "leads");
    lua_pushliteral(L, "lead_key");
    lua_rawget(L, 4);
    lua_Integer key = lua_tointeger(L, -1);
    if (!lua_isinteger(L, -1) || key < 1 || key > MAX_LEAD_KEY)
        luaL_error(L, "raw_render_rows: plan: 'lead_key' is not an integer from 1 to %d", MAX_LEAD_KEY);
    r.lead_key = (size_t)key;
    lua_pop(L, 1);
    lua_createtable(L, ANCHOR_SLOTS, 0);
    r.anchor = lua_gettop(L);
    lua_pushliteral(L, "lead");
    if (lua_rawget(L, shape) != LUA_TTABLE) luaL_error(L, "raw_render_rows: shape: 'lead' is not a table");
    compile_lead(&r, lua_gettop(L), &r.top, -1);
    const rshape *sh = compile_shape(L, shape, 0);
    r.e = lf_json_encoder_new(L, 0, 0);
    int rc = put(&r, before, blen);
    for (lua_Integer i = first; i <= last && rc == 0; i++) {
        if (i > first && put(&r, ",", 1)) {
            rc = -1;
            break;
        }
        if (lua_rawgeti(L, 1, i) != LUA_TTABLE) luaL_error(L, "raw_render_rows: rows[%I] is not a table", i);
        int top = lua_gettop(L);
        rc = render_record(&r, sh, top, &r.top, 0);
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
