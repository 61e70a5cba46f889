/*
 * csv.c: luaforce.core.csv, a streaming CSV reader on libcsv (Debian's
 * libcsv-dev) for the Bulk API 2.0 client and the local org: CSV uploads
 * of up to 100 MB fed in chunks, and result files.
 *
 * Lua API:
 *   reader{ delimiter = ",", max_field = 131072, bom = true } -> Reader
 *       every option may be left out. delimiter: one of , TAB | ; ^ `
 *       (Salesforce's COMMA TAB PIPE SEMICOLON CARET BACKQUOTE);
 *       max_field: the largest field in bytes, 1 to 2^30; bom: strip a
 *       UTF-8 byte order mark at the very start. Anything else raises.
 *   r:feed(chunk) -> rows | nil, message, line
 *       rows: the records this chunk completed (maybe none), each an
 *       array of field strings
 *   r:finish() -> rows | nil, message, line
 *       the end of the input: the last record when the input did not end
 *       with a line break; again after that, {}. Feeding after it raises.
 *   r:records()      records returned so far
 *   r:line()         the physical line (1-based) the reader has reached
 *   r:line_endings() {LF = n, CRLF = n, CR = n}: how records ended so far
 *   r:close()        (also __close, __gc) lets go of the buffer
 *
 * The rules are RFC 4180's as Salesforce reads them, strictly. A field may
 * be quoted with `"`; inside, `""` is a quote and line breaks and
 * delimiters are data. A quote inside an unquoted field, or anything but a
 * delimiter or a line break after a closing quote, is an error; so is a
 * quoted field still open at the end. Spaces are data (libcsv would trim
 * them: our space function says no byte is a space). A record ends at LF,
 * CRLF or CR; an empty line is a record of one empty field, but a line
 * break at the very end makes no further record. Bytes pass through as
 * they are (callers check UTF-8).
 *
 * Errors in the data are results, "line N: what" and N, the physical line
 * (line breaks in quoted fields count; CRLF is one): for a stray quote or
 * text after a closing quote, the line of that byte; for a field over
 * max_field and a quoted field never closed, the line where the field
 * begins. Once a reader has failed it gives the same error for ever. The
 * records completed by the failing chunk before the fault are not
 * returned. Misuse (a bad option, feeding after finish, a closed reader)
 * raises.
 *
 * Chunks may split the input anywhere, inside a CRLF or a BOM included:
 * the records and the error are those of the whole input. What this file
 * adds to libcsv for that:
 *   - CRLF. libcsv (with CSV_REPALL_NL) ends the record at the CR and then
 *     reports the LF as a row of no fields. A row of no fields is always a
 *     line break right after another one (any other byte starts a field),
 *     so an LF row right after a CR is the second half of a CRLF; any
 *     other row of no fields is an empty line. A CR's record is counted
 *     as CR or CRLF once the next byte (or the end) shows which.
 *   - Lines. Each chunk is scanned for CR and LF (a CR followed by LF is
 *     one break, whichever chunk the LF is in).
 *   - max_field. libcsv grows its field buffer without limit, so a chunk
 *     is handed to it in slices no longer than the room left in the
 *     current field: after each slice the field so far is measured, and
 *     a field that outgrows the limit fails before libcsv reads another
 *     byte of it. The buffer never exceeds max_field plus one block.
 *   - The BOM's three bytes are matched across chunks; a partial match
 *     that fails is handed to libcsv as data.
 *
 * Speed: each record's table is built directly in libcsv's callbacks (a
 * string per field pushed into the record, the record into the chunk's
 * rows), sized like the record before it; no allocation per field besides
 * the Lua string. A record cut by the end of a chunk waits in the reader's
 * user value until the next chunk completes it: that record is all the
 * reader holds between calls.
 *
 * Memory errors: libcsv keeps its state in locals while it parses, so a
 * Lua memory error raised in a callback (it unwinds through libcsv's
 * frames, which hold no allocation) leaves the parser behind; the reader
 * notices at its next call and raises again. libcsv's own allocation
 * failure raises too. The buffer belongs to the userdata (__gc).
 */
#include <csv.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

#define READER_MT "luaforce.csv.Reader"

#define DEFAULT_MAX_FIELD 131072
#define MAX_MAX_FIELD ((lua_Integer)1 << 30)
#define MAX_BLOCK 16384 /* libcsv grows its field buffer by this much */

static const unsigned char BOM[3] = {0xEF, 0xBB, 0xBF};

typedef struct reader {
    struct csv_parser p;
    size_t max_field;
    int closing_state; /* libcsv's state after a quote in a quoted field */
    /* the byte order mark at the start */
    int bom_pending;   /* still deciding: the input so far is a prefix of it */
    int bom_matched;   /* its bytes seen so far */
    /* while a call runs */
    lua_State *L;
    int rows_idx, rec_idx; /* stack slots: the call's rows, the open record */
    lua_Integer nrows;     /* in the rows table */
    lua_Integer nfields;   /* in the open record */
    int hint_fields;       /* fields of the last record: the next is alike */
    int hint_rows;         /* rows of the last chunk */
    int busy;              /* inside libcsv; still set on entry: unwound */
    /* counters */
    lua_Integer records;   /* returned to the caller */
    lua_Integer line;      /* physical line reached, 1-based */
    int last_cr;           /* the last byte read was a CR */
    int cr_pending;        /* a record ended at a CR; CR or CRLF unknown yet */
    lua_Integer lf, crlf, cr;
    /* how it ended */
    int finished, closed, broken;
    int failed;
    lua_Integer err_line;
    char err[96];
} reader;

/* Our space function: no byte is a space (libcsv's default trims spaces
 * and tabs around unquoted fields and after closing quotes). */
static int no_space(unsigned char c) {
    (void)c;
    return 0;
}

/* Line breaks in s[0..n): each CR, and each LF not right after a CR;
 * *last_cr carries whether the byte before s was a CR, and is left
 * saying whether s ends with one. */
static lua_Integer count_breaks(const unsigned char *s, size_t n, int *last_cr) {
    if (n == 0) return 0;
    const unsigned char *end = s + n, *q;
    lua_Integer k = 0;
    for (const unsigned char *p = s; (q = memchr(p, '\n', (size_t)(end - p))) != NULL; p = q + 1)
        k += !(q == s ? *last_cr : q[-1] == '\r');
    for (const unsigned char *p = s; (q = memchr(p, '\r', (size_t)(end - p))) != NULL; p = q + 1) k++;
    *last_cr = end[-1] == '\r';
    return k;
}

/* ---- libcsv's callbacks ------------------------------------------------------ */

/* A CR's record learns it was not the first half of a CRLF. */
static void settle_cr(reader *r) {
    if (r->cr_pending) {
        r->cr++;
        r->cr_pending = 0;
    }
}

static void on_field(void *s, size_t len, void *ud) {
    reader *r = ud;
    lua_State *L = r->L;
    settle_cr(r);
    if (r->nfields == 0) {
        lua_createtable(L, r->hint_fields, 0);
        lua_replace(L, r->rec_idx);
    }
    lua_pushlstring(L, s, len);
    lua_rawseti(L, r->rec_idx, ++r->nfields);
}

/* c: the byte that ended the row (CSV_CR, CSV_LF) or -1 (csv_fini). */
static void on_row(int c, void *ud) {
    reader *r = ud;
    lua_State *L = r->L;
    if (r->nfields == 0) {
        /* a line break right after another one */
        if (c == CSV_LF && r->cr_pending) {
            r->cr_pending = 0;
            r->crlf++;
            return;
        }
        settle_cr(r);
        lua_createtable(L, 1, 0);
        lua_pushliteral(L, "");
        lua_rawseti(L, -2, 1);
        lua_replace(L, r->rec_idx);
        r->nfields = 1;
    }
    if (c == CSV_CR) r->cr_pending = 1;
    else if (c == CSV_LF) r->lf++;
    lua_pushvalue(L, r->rec_idx);
    lua_rawseti(L, r->rows_idx, ++r->nrows);
    r->hint_fields = r->nfields < 64 ? (int)r->nfields : 64;
    r->nfields = 0;
}

/* ---- parsing ----------------------------------------------------------------- */

/* Records the reader's one error; returns -1. */
static int fail(reader *r, lua_Integer line, const char *what) {
    r->failed = 1;
    r->err_line = line;
    snprintf(r->err, sizeof r->err, "line %lld: %s", (long long)line, what);
    return -1;
}

/* The line where the field in libcsv's buffer begins: the line reached,
 * less the line breaks inside the field (only a quoted one has any, and
 * its buffer holds every break since the opening quote). */
static lua_Integer field_start_line(reader *r) {
    int cr = 0;
    return r->line - count_breaks(r->p.entry_buf, r->p.entry_pos, &cr);
}

static int memory_error(lua_State *L, reader *r) {
    r->broken = 1;
    return luaL_error(L, "csv reader: not enough memory");
}

/* Hands s[0..n) to libcsv; 0, or -1 after fail(). */
static int parse(reader *r, const unsigned char *s, size_t n) {
    size_t pos = 0;
    while (pos < n) {
        /* the field so far holds at most entry_pos bytes; room for one
         * more than the limit, so that a field over it shows */
        size_t e = r->p.entry_pos;
        size_t room = e <= r->max_field ? r->max_field + 1 - e : 1;
        size_t k = n - pos < room ? n - pos : room;
        r->busy = 1;
        size_t got = csv_parse(&r->p, s + pos, k, on_field, on_row, r);
        r->busy = 0;
        if (got < k) {
            if (csv_error(&r->p) != CSV_EPARSE) return memory_error(r->L, r);
            r->line += count_breaks(s + pos, got, &r->last_cr);
            /* libcsv stops at the offending byte: a quote in an unquoted
             * field, or a byte after a closing quote */
            return fail(r, r->line, r->p.quoted ? "text after a closing quote" : "a quote inside an unquoted field");
        }
        r->line += count_breaks(s + pos, k, &r->last_cr);
        pos += k;
        /* in the closing state the buffer ends with the quote, which is
         * data only if another one follows */
        size_t len = r->p.entry_pos - (r->p.pstate == r->closing_state);
        if (len > r->max_field) {
            char what[64];
            snprintf(what, sizeof what, "a field longer than %zu bytes", r->max_field);
            return fail(r, field_start_line(r), what);
        }
    }
    return 0;
}

/* ---- the reader -------------------------------------------------------------- */

static reader *check_reader(lua_State *L) {
    reader *r = luaL_checkudata(L, 1, READER_MT);
    if (r->closed) luaL_error(L, "attempt to use a closed csv reader");
    if (r->broken || r->busy) {
        r->broken = 1;
        luaL_error(L, "csv reader: not enough memory (an earlier call failed)");
    }
    return r;
}

/* nil, message, line. The reader reads no more: it lets go of the buffer
 * and the open record at once. */
static int push_error(lua_State *L, reader *r) {
    csv_free(&r->p);
    lua_pushnil(L);
    lua_setiuservalue(L, 1, 1);
    lua_pushnil(L);
    lua_pushstring(L, r->err);
    lua_pushinteger(L, r->err_line);
    return 3;
}

/* Stack: 1 reader, 2 chunk or nothing; pushes 3 the rows and 4 the open
 * record (or nil) and points the callbacks at them. */
static void call_begin(lua_State *L, reader *r) {
    lua_settop(L, 2);
    luaL_checkstack(L, 8, NULL);
    lua_createtable(L, r->hint_rows, 0);
    lua_getiuservalue(L, 1, 1);
    r->L = L;
    r->rows_idx = 3;
    r->rec_idx = 4;
    r->nrows = 0;
}

/* Keeps the open record for the next call; returns the rows. */
static int call_end(lua_State *L, reader *r) {
    if (r->nfields > 0) lua_pushvalue(L, 4);
    else lua_pushnil(L);
    lua_setiuservalue(L, 1, 1);
    r->records += r->nrows;
    r->hint_rows = r->nrows < 65536 ? (int)r->nrows : 65536;
    lua_settop(L, 3);
    return 1;
}

/* r:feed(chunk) -> rows | nil, message, line */
static int reader_feed(lua_State *L) {
    reader *r = check_reader(L);
    size_t n;
    const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 2, &n);
    if (r->failed) return push_error(L, r);
    if (r->finished) return luaL_error(L, "csv reader: feed after finish");
    call_begin(L, r);
    if (r->bom_pending) {
        while (n > 0 && r->bom_matched < 3 && *s == BOM[r->bom_matched]) {
            s++;
            n--;
            r->bom_matched++;
        }
        if (r->bom_matched == 3) {
            r->bom_pending = 0;
        } else if (n > 0) {
            /* not a BOM after all: what matched is data */
            r->bom_pending = 0;
            if (parse(r, BOM, (size_t)r->bom_matched) < 0) return push_error(L, r);
        }
    }
    if (parse(r, s, n) < 0) return push_error(L, r);
    return call_end(L, r);
}

/* r:finish() -> rows | nil, message, line */
static int reader_finish(lua_State *L) {
    reader *r = check_reader(L);
    if (r->failed) return push_error(L, r);
    if (r->finished) {
        lua_newtable(L);
        return 1;
    }
    call_begin(L, r);
    if (r->bom_pending) {
        r->bom_pending = 0;
        if (parse(r, BOM, (size_t)r->bom_matched) < 0) return push_error(L, r);
    }
    r->busy = 1;
    int rc = csv_fini(&r->p, on_field, on_row, r);
    r->busy = 0;
    if (rc != 0) {
        /* CSV_STRICT_FINI: a quoted field still open */
        fail(r, field_start_line(r), "a quoted field not closed by the end of the input");
        return push_error(L, r);
    }
    settle_cr(r);
    r->finished = 1;
    csv_free(&r->p);
    return call_end(L, r);
}

static int reader_records(lua_State *L) {
    lua_pushinteger(L, ((reader *)luaL_checkudata(L, 1, READER_MT))->records);
    return 1;
}

static int reader_line(lua_State *L) {
    lua_pushinteger(L, ((reader *)luaL_checkudata(L, 1, READER_MT))->line);
    return 1;
}

static int reader_line_endings(lua_State *L) {
    reader *r = luaL_checkudata(L, 1, READER_MT);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, r->lf);
    lua_setfield(L, -2, "LF");
    lua_pushinteger(L, r->crlf);
    lua_setfield(L, -2, "CRLF");
    lua_pushinteger(L, r->cr);
    lua_setfield(L, -2, "CR");
    return 1;
}

/* close, __close and __gc: idempotent */
static int reader_close(lua_State *L) {
    reader *r = luaL_checkudata(L, 1, READER_MT);
    csv_free(&r->p);
    r->closed = 1;
    lua_pushnil(L);
    lua_setiuservalue(L, 1, 1);
    return 0;
}

static int reader_gc(lua_State *L) {
    csv_free(&((reader *)luaL_checkudata(L, 1, READER_MT))->p);
    return 0;
}

static int reader_tostring(lua_State *L) {
    reader *r = luaL_checkudata(L, 1, READER_MT);
    lua_pushfstring(L, "%s (%p)%s", READER_MT, (void *)r, r->closed ? " closed" : "");
    return 1;
}

/* ---- reader{...} --------------------------------------------------------------- */

static int bad_option(lua_State *L, const char *message) {
    return luaL_argerror(L, 1, message);
}

/* Reads the options table at index 1 (or none). */
static void read_options(lua_State *L, unsigned char *delim, lua_Integer *max_field, int *bom) {
    if (lua_isnoneornil(L, 1)) return;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        if (strcmp(key, "delimiter") == 0) {
            size_t len = 0;
            const char *d = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
            if (!d || len != 1 || !memchr(",\t|;^`", d[0], 6))
                bad_option(L, "delimiter must be one of , TAB | ; ^ ` (COMMA TAB PIPE SEMICOLON CARET BACKQUOTE)");
            *delim = (unsigned char)d[0];
        } else if (strcmp(key, "max_field") == 0) {
            int isint = 0;
            lua_Integer v = lua_tointegerx(L, -1, &isint);
            if (lua_type(L, -1) != LUA_TNUMBER || !isint || v < 1 || v > MAX_MAX_FIELD)
                bad_option(L, lua_pushfstring(L, "max_field must be a whole number from 1 to %I", MAX_MAX_FIELD));
            *max_field = v;
        } else if (strcmp(key, "bom") == 0) {
            if (!lua_isboolean(L, -1)) bad_option(L, "bom must be a boolean");
            *bom = lua_toboolean(L, -1);
        } else {
            lua_pushvalue(L, -2);
            bad_option(L, lua_pushfstring(L, "unknown option '%s' (delimiter, max_field, bom)", luaL_tolstring(L, -1, NULL)));
        }
        lua_pop(L, 1);
    }
}

/* libcsv's number for its state after a quote inside a quoted field: its
 * state numbers are its own, so it is asked (two quotes: an empty quoted
 * field, maybe closed). */
static int closing_state(lua_State *L) {
    struct csv_parser probe;
    if (csv_init(&probe, CSV_STRICT) != 0) luaL_error(L, "csv reader: not enough memory");
    size_t got = csv_parse(&probe, "\"\"", 2, NULL, NULL, NULL);
    int state = probe.pstate;
    csv_free(&probe);
    if (got != 2) luaL_error(L, "csv reader: not enough memory");
    return state;
}

/* reader([options]) -> Reader */
static int csv_reader(lua_State *L) {
    unsigned char delim = ',';
    lua_Integer max_field = DEFAULT_MAX_FIELD;
    int bom = 1;
    read_options(L, &delim, &max_field, &bom);
    int closing = closing_state(L);
    reader *r = lua_newuserdatauv(L, sizeof *r, 1);
    memset(r, 0, sizeof *r);
    luaL_setmetatable(L, READER_MT);
    csv_init(&r->p, CSV_STRICT | CSV_REPALL_NL | CSV_STRICT_FINI); /* fails only for NULL */
    csv_set_delim(&r->p, delim);
    csv_set_quote(&r->p, CSV_QUOTE);
    csv_set_space_func(&r->p, no_space);
    csv_set_blk_size(&r->p, (size_t)max_field + 2 < MAX_BLOCK ? (size_t)max_field + 2 : MAX_BLOCK);
    r->max_field = (size_t)max_field;
    r->closing_state = closing;
    r->bom_pending = bom;
    r->line = 1;
    r->hint_fields = 4;
    return 1;
}

int luaopen_luaforce_core_csv(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"feed", reader_feed},       {"finish", reader_finish},
        {"records", reader_records}, {"line", reader_line},
        {"line_endings", reader_line_endings}, {"close", reader_close},
        {NULL, NULL},
    };
    static const luaL_Reg fns[] = {
        {"reader", csv_reader},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, READER_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, reader_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, reader_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, reader_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    lua_pushinteger(L, DEFAULT_MAX_FIELD);
    lua_setfield(L, -2, "MAX_FIELD");
    return 1;
}
