/*
 * fuzz_csv.c: luaforce.core.csv's reader (csv.c on libcsv), fed the way
 * the Bulk API client feeds it: in chunks.
 *
 * The first byte of an input chooses the options: bits 0-2 the delimiter
 * (, TAB | ; ^ ` for 0-5, a comma for 6 and 7), bit 3 set turns BOM
 * stripping off, bits 4-7 (m) a small max_field of 2m - 1 bytes, or the
 * default when 0. The rest is the CSV text.
 *
 * The text is read four times: whole, split in two at a position derived
 * from the data, one byte per chunk, and in chunks of 1 to 5 bytes chosen
 * by the data. Each must:
 *   - give the records and the error (message and line) of a model reader
 *     written here from the rules in csv.c's header, byte by byte; one
 *     byte per chunk gives every record before the fault too, the others
 *     a prefix of them (a failing chunk's own records are not returned);
 *   - without an error, count the lines and the line endings the model
 *     counts; r:records() is always the number of records returned;
 *   - after an error, give the same error to feed and finish again;
 *   - report an error line within the text's lines.
 * Records read without an error are written out again (every field
 * quoted, quotes doubled, LF after each record) and must read back the
 * same, with as many LF endings as records.
 */
#include <string.h>

#include "core.h"
#include "fuzz.h"

static lua_State *L;

static const char DELIMS[] = ",\t|;^`";
static const unsigned char BOM[3] = {0xEF, 0xBB, 0xBF};

/* ---- a growing byte buffer ------------------------------------------------- */

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const void *s, size_t n) {
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        char *more = realloc(b->p, cap);
        FUZZ_CHECK(more != NULL, "out of memory");
        b->p = more;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* Records as bytes: each field 'F', its length, its bytes; 'R' ends a record. */
static void sb_field(sbuf *b, const void *s, size_t n) {
    sb_add(b, "F", 1);
    sb_add(b, &n, sizeof n);
    sb_add(b, s, n);
}

/* ---- what a reading gave ----------------------------------------------------- */

typedef struct {
    sbuf records;
    long long nrecords;
    int failed;
    char err[128];
    long long err_line;
    long long lf, crlf, cr, line;
} outcome;

typedef struct {
    unsigned char delim;
    long long max_field; /* 0: the default */
    int bom;
} options;

#define DEFAULT_MAX_FIELD 131072

/* ---- the model ---------------------------------------------------------------- */

static void model_fail(outcome *o, long long line, const char *what) {
    o->failed = 1;
    o->err_line = line;
    snprintf(o->err, sizeof o->err, "line %lld: %s", line, what);
}

static void model_record(outcome *o, sbuf *cur, int c) {
    sb_add(&o->records, cur->p, cur->n);
    sb_add(&o->records, "R", 1);
    cur->n = 0;
    o->nrecords++;
    if (c == '\n') o->lf++;
    else if (c == '\r') o->cr++;
}

/* The rules, one byte at a time, on the whole text. */
static void model(const uint8_t *d, size_t n, const options *opt, outcome *o) {
    size_t max = opt->max_field ? (size_t)opt->max_field : DEFAULT_MAX_FIELD;
    enum { ROW, FIELD, UNQUOTED, QUOTED, CLOSING } st = ROW;
    sbuf cur = {0}, field = {0};
    long long line = 1, fline = 1;
    int prev_cr = 0;
    size_t i = opt->bom && n >= 3 && memcmp(d, BOM, 3) == 0 ? 3 : 0;
    char toolong[64];
    snprintf(toolong, sizeof toolong, "a field longer than %zu bytes", max);
    for (; i < n && !o->failed; i++) {
        unsigned char c = d[i];
        int brk = c == '\r' || c == '\n';
        switch (st) {
        case ROW:
        case FIELD:
            if (c == '"') {
                st = QUOTED;
                fline = line;
                field.n = 0;
            } else if (c == opt->delim) {
                sb_field(&cur, "", 0);
                st = FIELD;
            } else if (brk) {
                if (st == ROW && c == '\n' && prev_cr) {
                    o->cr--;
                    o->crlf++;
                } else {
                    sb_field(&cur, "", 0);
                    model_record(o, &cur, c);
                }
                st = ROW;
            } else {
                st = UNQUOTED;
                fline = line;
                field.n = 0;
                sb_add(&field, &c, 1);
                if (field.n > max) model_fail(o, fline, toolong);
            }
            break;
        case UNQUOTED:
            if (c == opt->delim || brk) {
                sb_field(&cur, field.p, field.n);
                if (brk) model_record(o, &cur, c);
                st = brk ? ROW : FIELD;
            } else if (c == '"') {
                model_fail(o, line, "a quote inside an unquoted field");
            } else {
                sb_add(&field, &c, 1);
                if (field.n > max) model_fail(o, fline, toolong);
            }
            break;
        case QUOTED:
            if (c == '"') {
                st = CLOSING;
            } else {
                sb_add(&field, &c, 1);
                if (field.n > max) model_fail(o, fline, toolong);
            }
            break;
        case CLOSING:
            if (c == '"') {
                sb_add(&field, &c, 1);
                if (field.n > max) model_fail(o, fline, toolong);
                st = QUOTED;
            } else if (c == opt->delim || brk) {
                sb_field(&cur, field.p, field.n);
                if (brk) model_record(o, &cur, c);
                st = brk ? ROW : FIELD;
            } else {
                model_fail(o, line, "text after a closing quote");
            }
            break;
        }
        line += c == '\r' || (c == '\n' && !prev_cr);
        prev_cr = c == '\r';
    }
    if (!o->failed) {
        switch (st) {
        case ROW:
            break;
        case FIELD:
            sb_field(&cur, "", 0);
            model_record(o, &cur, -1);
            break;
        case UNQUOTED:
        case CLOSING:
            sb_field(&cur, field.p, field.n);
            model_record(o, &cur, -1);
            break;
        case QUOTED:
            model_fail(o, fline, "a quoted field not closed by the end of the input");
            break;
        }
        o->line = line;
    }
    free(cur.p);
    free(field.p);
}

/* ---- the reader ------------------------------------------------------------- */

/* Pushes csv.reader(opt). */
static void new_reader(const options *opt, int bom) {
    lua_getfield(L, LUA_REGISTRYINDEX, "fuzz.csv.reader");
    lua_createtable(L, 0, 3);
    lua_pushlstring(L, (const char *)&opt->delim, 1);
    lua_setfield(L, -2, "delimiter");
    if (opt->max_field) {
        lua_pushinteger(L, opt->max_field);
        lua_setfield(L, -2, "max_field");
    }
    lua_pushboolean(L, bom);
    lua_setfield(L, -2, "bom");
    lua_call(L, 1, 1);
}

static long long call_integer(int r, const char *method) {
    lua_getfield(L, r, method);
    lua_pushvalue(L, r);
    lua_call(L, 1, 1);
    FUZZ_CHECK(lua_isinteger(L, -1), "%s is not an integer", method);
    long long v = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

/* r:feed(chunk) or r:finish(); appends the records or records the error.
 * Returns 0 after an error. */
static int call(int r, const char *method, const uint8_t *chunk, size_t n, outcome *o) {
    lua_getfield(L, r, method);
    lua_pushvalue(L, r);
    if (chunk) lua_pushlstring(L, (const char *)chunk, n);
    lua_call(L, chunk ? 2 : 1, 3);
    if (lua_isnil(L, -3)) {
        FUZZ_CHECK(lua_type(L, -2) == LUA_TSTRING && lua_isinteger(L, -1), "%s: an error without a message and line",
                   method);
        o->failed = 1;
        snprintf(o->err, sizeof o->err, "%s", lua_tostring(L, -2));
        o->err_line = lua_tointeger(L, -1);
        lua_pop(L, 3);
        return 0;
    }
    FUZZ_CHECK(lua_istable(L, -3) && lua_isnil(L, -2), "%s: not rows", method);
    lua_pop(L, 2);
    lua_Integer nrows = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= nrows; i++) {
        FUZZ_CHECK(lua_rawgeti(L, -1, i) == LUA_TTABLE, "row %lld is not a table", (long long)i);
        lua_Integer nf = (lua_Integer)lua_rawlen(L, -1);
        FUZZ_CHECK(nf >= 1, "a record without fields");
        for (lua_Integer j = 1; j <= nf; j++) {
            FUZZ_CHECK(lua_rawgeti(L, -1, j) == LUA_TSTRING, "a field is not a string");
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            sb_field(&o->records, s, len);
            lua_pop(L, 1);
        }
        sb_add(&o->records, "R", 1);
        o->nrecords++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 1;
}

/* Reads d[0..n) in chunks of sizes[0], sizes[1], ... (cycled; 0: the
 * rest), then finishes. */
static void read_chunked(const uint8_t *d, size_t n, const options *opt, int bom, const size_t *sizes,
                         size_t nsizes, outcome *o) {
    new_reader(opt, bom);
    int r = lua_gettop(L);
    size_t pos = 0, k = 0;
    int ok = 1;
    while (ok && pos < n) {
        size_t want = sizes[k++ % nsizes];
        size_t len = want == 0 || want > n - pos ? n - pos : want;
        ok = call(r, "feed", d + pos, len, o);
        pos += len;
    }
    if (ok) ok = call(r, "finish", NULL, 0, o);
    FUZZ_CHECK(call_integer(r, "records") == o->nrecords, "records() is %lld, %lld were returned",
               call_integer(r, "records"), o->nrecords);
    o->line = call_integer(r, "line");
    if (!ok) {
        /* the error sticks */
        outcome again = {0};
        call(r, "feed", (const uint8_t *)"x", 1, &again);
        FUZZ_CHECK(again.failed && strcmp(again.err, o->err) == 0 && again.err_line == o->err_line,
                   "feed after the error gave another answer");
        again.failed = 0;
        call(r, "finish", NULL, 0, &again);
        FUZZ_CHECK(again.failed && strcmp(again.err, o->err) == 0 && again.err_line == o->err_line,
                   "finish after the error gave another answer");
        free(again.records.p);
    } else {
        lua_getfield(L, r, "line_endings");
        lua_pushvalue(L, r);
        lua_call(L, 1, 1);
        lua_getfield(L, -1, "LF");
        lua_getfield(L, -2, "CRLF");
        lua_getfield(L, -3, "CR");
        o->lf = lua_tointeger(L, -3);
        o->crlf = lua_tointeger(L, -2);
        o->cr = lua_tointeger(L, -1);
        lua_pop(L, 4);
    }
    lua_getfield(L, r, "close");
    lua_pushvalue(L, r);
    lua_call(L, 1, 0);
    lua_settop(L, r - 1);
}

static int is_prefix(const sbuf *a, const sbuf *b) {
    return a->n <= b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

static void compare(const char *how, const outcome *want, const outcome *got, int all_records) {
    FUZZ_CHECK(want->failed == got->failed, "%s: %s where the model has %s", how,
               got->failed ? got->err : "no error", want->failed ? want->err : "no error");
    if (want->failed) {
        FUZZ_CHECK(strcmp(want->err, got->err) == 0 && want->err_line == got->err_line,
                   "%s: '%s' (%lld) where the model has '%s' (%lld)", how, got->err, got->err_line, want->err,
                   want->err_line);
    }
    if (!want->failed || all_records) {
        FUZZ_CHECK(want->records.n == got->records.n && is_prefix(&got->records, &want->records),
                   "%s: %lld records unlike the model's %lld", how, got->nrecords, want->nrecords);
    } else {
        FUZZ_CHECK(is_prefix(&got->records, &want->records), "%s: records that the model does not have", how);
    }
    if (!want->failed) {
        FUZZ_CHECK(want->lf == got->lf && want->crlf == got->crlf && want->cr == got->cr,
                   "%s: endings LF %lld CRLF %lld CR %lld, the model's LF %lld CRLF %lld CR %lld", how, got->lf,
                   got->crlf, got->cr, want->lf, want->crlf, want->cr);
        FUZZ_CHECK(want->line == got->line, "%s: line %lld, the model's %lld", how, got->line, want->line);
    }
}

/* The records written out again: every field quoted, LF after each. */
static void reencode(const sbuf *records, unsigned char delim, sbuf *out) {
    size_t i = 0;
    int first = 1;
    while (i < records->n) {
        char tag = records->p[i++];
        if (tag == 'R') {
            sb_add(out, "\n", 1);
            first = 1;
            continue;
        }
        size_t len;
        memcpy(&len, records->p + i, sizeof len);
        i += sizeof len;
        if (!first) sb_add(out, &delim, 1);
        first = 0;
        sb_add(out, "\"", 1);
        for (size_t j = 0; j < len; j++) {
            if (records->p[i + j] == '"') sb_add(out, "\"", 1);
            sb_add(out, records->p + i + j, 1);
        }
        sb_add(out, "\"", 1);
        i += len;
    }
}

static void free_outcome(outcome *o) {
    free(o->records.p);
}

static int check(lua_State *S) {
    (void)S;
    size_t size;
    const uint8_t *data = (const uint8_t *)lua_tolstring(L, 1, &size);
    if (size == 0) return 0;
    options opt;
    opt.delim = (unsigned char)((data[0] & 7) < 6 ? DELIMS[data[0] & 7] : ',');
    opt.bom = !(data[0] & 8);
    opt.max_field = (data[0] >> 4) ? (data[0] >> 4) * 2 - 1 : 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;

    outcome want = {0};
    model(d, n, &opt, &want);
    long long lines = 1;
    for (size_t i = 0; i < n; i++) lines += d[i] == '\r' || (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'));

    size_t whole[1] = {0};
    unsigned long h = n;
    for (size_t i = 0; i < n; i++) h = h * 31 + d[i];
    size_t split[2] = {(size_t)(h % (n + 1)), 0};
    if (split[0] == 0) split[0] = n; /* 0 would mean "the rest" */
    size_t bytes[1] = {1};
    size_t varied[64];
    size_t nvaried = n < 64 ? (n ? n : 1) : 64;
    for (size_t i = 0; i < nvaried; i++) varied[i] = 1 + (n ? d[i] % 5 : 0);

    struct {
        const char *how;
        const size_t *sizes;
        size_t nsizes;
        int all;
    } plans[] = {
        {"whole", whole, 1, 0},
        {"split", split, 2, 0},
        {"byte by byte", bytes, 1, 1},
        {"varied chunks", varied, nvaried, 0},
    };
    for (size_t k = 0; k < sizeof plans / sizeof plans[0]; k++) {
        outcome got = {0};
        read_chunked(d, n, &opt, opt.bom, plans[k].sizes, plans[k].nsizes, &got);
        compare(plans[k].how, &want, &got, plans[k].all);
        if (got.failed)
            FUZZ_CHECK(got.err_line >= 1 && got.err_line <= lines, "error line %lld outside 1..%lld", got.err_line,
                       lines);
        free_outcome(&got);
    }

    if (!want.failed) {
        sbuf text = {0};
        reencode(&want.records, opt.delim, &text);
        outcome back = {0};
        read_chunked((const uint8_t *)text.p, text.n, &opt, 0, whole, 1, &back);
        FUZZ_CHECK(!back.failed, "the records written out do not read back: %s", back.err);
        FUZZ_CHECK(back.records.n == want.records.n && is_prefix(&back.records, &want.records),
                   "the records written out read back as %lld other records", back.nrecords);
        FUZZ_CHECK(back.lf == want.nrecords && back.crlf == 0 && back.cr == 0, "written out: %lld LF endings for %lld records",
                   back.lf, want.nrecords);
        free_outcome(&back);
        free(text.p);
    }
    free_outcome(&want);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    L = fuzz_new_state();
    luaL_requiref(L, "luaforce.core.csv", luaopen_luaforce_core_csv, 0);
    lua_getfield(L, -1, "reader");
    lua_setfield(L, LUA_REGISTRYINDEX, "fuzz.csv.reader");
    lua_pop(L, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_pcall(L, check, data, size);
    return 0;
}
