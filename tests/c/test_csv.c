/*
 * test_csv.c: luaforce.core.csv (csv.c on libcsv) driven through its Lua
 * API from C: quoting, doubled quotes, line breaks and delimiters inside
 * quotes, every delimiter, LF / CRLF / CR endings and their counts, empty
 * lines as records, a last record without a line break, the BOM, errors
 * with their lines (after multi-line fields too), max_field, every split
 * point of a few inputs against the whole, errors that stick, misuse, and
 * memory errors at every allocation (no leak, no crash: the sanitizer
 * build's LeakSanitizer checks). The Lua face is in
 * tests/lua/core/csv_spec.lua; tests/fuzz/fuzz_csv.c holds a model.
 *
 * Records are compared as text: ['a','b']['c'], a field's quote, backslash
 * and control bytes escaped (\', \\, \r, \n, \t, \xHH); an error follows
 * as " !line N: what (N)", N the line the reader returned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "core.h"

#define S(lit) lit, sizeof(lit) - 1

typedef struct {
    char text[8192]; /* the records, then the error */
    size_t n;
    int failed;
    char err[160];
    long long err_line;
    long long records, line, lf, crlf, cr;
} result;

/* 0: read_csv keeps no text (for fields larger than the text) */
static int keep_text = 1;

static void add(result *res, const char *s, size_t n) {
    if (!keep_text) return;
    assert_true(res->n + n < sizeof res->text);
    memcpy(res->text + res->n, s, n);
    res->n += n;
    res->text[res->n] = '\0';
}

static void add_field(result *res, const char *s, size_t n) {
    add(res, "'", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '\'' || c == '\\') snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\r') strcpy(esc, "\\r");
        else if (c == '\n') strcpy(esc, "\\n");
        else if (c == '\t') strcpy(esc, "\\t");
        else if (c < 0x20 || c >= 0x7f) snprintf(esc, sizeof esc, "\\x%02x", c);
        else snprintf(esc, sizeof esc, "%c", c);
        add(res, esc, strlen(esc));
    }
    add(res, "'", 1);
}

static lua_State *new_state(void) {
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    luaL_openlibs(L);
    luaL_requiref(L, "luaforce.core.csv", luaopen_luaforce_core_csv, 0);
    lua_setglobal(L, "csv");
    return L;
}

/* Pushes csv.reader(<opts>), opts Lua text for the table ("" for none). */
static void new_reader(lua_State *L, const char *opts) {
    char src[256];
    snprintf(src, sizeof src, "return csv.reader(%s)", opts);
    if (luaL_dostring(L, src) != LUA_OK) fail_msg("%s: %s", src, lua_tostring(L, -1));
}

static long long integer_of(lua_State *L, int r, const char *method) {
    lua_getfield(L, r, method);
    lua_pushvalue(L, r);
    lua_call(L, 1, 1);
    assert_true(lua_isinteger(L, -1));
    long long v = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

/* r:feed(chunk) or r:finish() (chunk NULL); returns 0 after an error. */
static int call(lua_State *L, int r, const char *chunk, size_t n, result *res) {
    lua_getfield(L, r, chunk ? "feed" : "finish");
    lua_pushvalue(L, r);
    if (chunk) lua_pushlstring(L, chunk, n);
    lua_call(L, chunk ? 2 : 1, 3);
    if (lua_isnil(L, -3)) {
        assert_true(lua_type(L, -2) == LUA_TSTRING && lua_isinteger(L, -1));
        res->failed = 1;
        snprintf(res->err, sizeof res->err, "%s", lua_tostring(L, -2));
        res->err_line = lua_tointeger(L, -1);
        lua_pop(L, 3);
        return 0;
    }
    assert_true(lua_istable(L, -3));
    lua_pop(L, 2);
    lua_Integer rows = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= rows; i++) {
        assert_int_equal(lua_rawgeti(L, -1, i), LUA_TTABLE);
        add(res, "[", 1);
        lua_Integer nf = (lua_Integer)lua_rawlen(L, -1);
        assert_true(nf >= 1);
        for (lua_Integer j = 1; j <= nf; j++) {
            size_t len;
            assert_int_equal(lua_rawgeti(L, -1, j), LUA_TSTRING);
            const char *s = lua_tolstring(L, -1, &len);
            if (j > 1) add(res, ",", 1);
            add_field(res, s, len);
            lua_pop(L, 1);
        }
        add(res, "]", 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 1;
}

/* Reads in[0..n): in chunks of `chunk` bytes (0: whole), or, with split
 * > 0, as in[0..split) and the rest; then finishes. */
static void read_csv(const char *opts, const char *in, size_t n, size_t chunk, size_t split, result *res) {
    memset(res, 0, sizeof *res);
    lua_State *L = new_state();
    new_reader(L, opts);
    int r = lua_gettop(L);
    size_t pos = 0;
    int ok = 1;
    while (ok && pos < n) {
        size_t len = split ? (pos == 0 ? split : n - pos) : chunk ? chunk : n;
        if (len > n - pos) len = n - pos;
        ok = call(L, r, in + pos, len, res);
        pos += len;
    }
    if (ok) ok = call(L, r, NULL, 0, res);
    if (!ok) {
        char e[200];
        snprintf(e, sizeof e, " !%s (%lld)", res->err, res->err_line);
        add(res, e, strlen(e));
    }
    res->records = integer_of(L, r, "records");
    res->line = integer_of(L, r, "line");
    lua_getfield(L, r, "line_endings");
    lua_pushvalue(L, r);
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "LF");
    lua_getfield(L, -2, "CRLF");
    lua_getfield(L, -3, "CR");
    res->lf = lua_tointeger(L, -3);
    res->crlf = lua_tointeger(L, -2);
    res->cr = lua_tointeger(L, -1);
    lua_close(L);
}

typedef struct {
    const char *opts;
    const char *in;
    size_t len;
    const char *want;
} row;

static void check_rows(const row *rows, size_t count) {
    for (size_t i = 0; i < count; i++) {
        result res;
        read_csv(rows[i].opts, rows[i].in, rows[i].len, 0, 0, &res);
        if (strcmp(res.text, rows[i].want) != 0)
            fail_msg("row %zu (%s): got %s, want %s", i, rows[i].opts, res.text, rows[i].want);
    }
}

static void test_quoting(void **state) {
    (void)state;
    static const row rows[] = {
        {"", S("a,b,c\n"), "['a','b','c']"},
        {"", S("\"a,b\",c\n"), "['a,b','c']"},
        {"", S("\"say \"\"hi\"\"\"\n"), "['say \"hi\"']"},
        {"", S("\"\"\n"), "['']"},
        {"", S("\"\"\"\"\n"), "['\"']"},
        {"", S("\"\"\"\"\"\",x\n"), "['\"\"','x']"},
        {"", S("\"a\r\nb\",\"c\rd\",\"e\nf\"\n"), "['a\\r\\nb','c\\rd','e\\nf']"},
        {"", S("\"a,\nb\",\"\"\"\n\"\"\"\n"), "['a,\\nb','\"\\n\"']"},
        {"", S(" a , b \n"), "[' a ',' b ']"},
        {"", S("\ta\t,\" b \"\n"), "['\\ta\\t',' b ']"},
        {"", S("a,,\n"), "['a','','']"},
        {"", S(",\n"), "['','']"},
        {"", S("a,\"\"\n"), "['a','']"},
        {"", S("a\0b,\"\0\"\n"), "['a\\x00b','\\x00']"},
        {"", S("\xff\xfe,caf\xc3\xa9\n"), "['\\xff\\xfe','caf\\xc3\\xa9']"},
        {"", S("'single',x\n"), "['\\'single\\'','x']"},
    };
    check_rows(rows, sizeof rows / sizeof rows[0]);
}

static void test_every_delimiter(void **state) {
    (void)state;
    static const char *const delims[][2] = {
        {",", "{delimiter=','}"}, {"\t", "{delimiter='\\t'}"}, {"|", "{delimiter='|'}"},
        {";", "{delimiter=';'}"}, {"^", "{delimiter='^'}"},   {"`", "{delimiter='`'}"},
    };
    for (size_t i = 0; i < 6; i++) {
        char d = delims[i][0][0], in[64], want[128], esc[8];
        snprintf(in, sizeof in, "a%c\"b%cc\"%c\n%cy\n", d, d, d, d);
        if (d == '\t') strcpy(esc, "\\t");
        else snprintf(esc, sizeof esc, "%c", d);
        snprintf(want, sizeof want, "['a','b%sc','']['','y']", esc);
        result res;
        read_csv(delims[i][1], in, strlen(in), 0, 0, &res);
        if (strcmp(res.text, want) != 0) fail_msg("delimiter %s: got %s, want %s", esc, res.text, want);
        /* the other delimiters are data */
        size_t n = 0;
        for (size_t k = 0; k < 6; k++) {
            if (k == i) continue;
            in[n++] = 'a';
            in[n++] = delims[k][0][0];
        }
        in[n++] = d;
        in[n++] = 'z';
        read_csv(delims[i][1], in, n, 0, 0, &res);
        result w = {0};
        add(&w, "[", 1);
        add_field(&w, in, n - 2);
        add(&w, ",", 1);
        add_field(&w, "z", 1);
        add(&w, "]", 1);
        assert_string_equal(res.text, w.text);
    }
}

static void test_line_endings(void **state) {
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *want;
        long long lf, crlf, cr, line;
    } rows[] = {
        {S("a\nb\r\nc\rd"), "['a']['b']['c']['d']", 1, 1, 1, 4},
        {S("a\r\n\r\n"), "['a']['']", 0, 2, 0, 3},
        {S("a\r"), "['a']", 0, 0, 1, 2},
        {S("a\r\r\n"), "['a']['']", 0, 1, 1, 3},
        {S("a\n\r"), "['a']['']", 1, 0, 1, 3},
        {S("a\r\n\n\r"), "['a']['']['']", 1, 1, 1, 4},
        {S("\"x\r\ny\"\r\n\"\r\"\n"), "['x\\r\\ny']['\\r']", 1, 1, 0, 5},
        {S("\"a\"\r\n\"b\"\r"), "['a']['b']", 0, 1, 1, 3},
        {S("a,\r\nb,\r"), "['a','']['b','']", 0, 1, 1, 3},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        for (size_t chunk = 0; chunk <= 2; chunk++) {
            result res;
            read_csv("", rows[i].in, rows[i].len, chunk, 0, &res);
            if (strcmp(res.text, rows[i].want) != 0) fail_msg("row %zu: got %s, want %s", i, res.text, rows[i].want);
            if (res.lf != rows[i].lf || res.crlf != rows[i].crlf || res.cr != rows[i].cr || res.line != rows[i].line)
                fail_msg("row %zu chunk %zu: LF %lld CRLF %lld CR %lld line %lld", i, chunk, res.lf, res.crlf, res.cr,
                         res.line);
        }
    }
}

static void test_empty_lines(void **state) {
    (void)state;
    static const row rows[] = {
        {"", S(""), ""},
        {"", S("\n"), "['']"},
        {"", S("\n\n"), "['']['']"},
        {"", S("a\n"), "['a']"},
        {"", S("a\n\n"), "['a']['']"},
        {"", S("a\n\nb"), "['a']['']['b']"},
        {"", S("\r\n\r\na"), "['']['']['a']"},
        {"", S("\r\r"), "['']['']"},
        {"", S("a,b\n\nc,d\n"), "['a','b']['']['c','d']"},
    };
    check_rows(rows, sizeof rows / sizeof rows[0]);
}

static void test_last_record(void **state) {
    (void)state;
    static const row rows[] = {
        {"", S("a,b"), "['a','b']"},
        {"", S("a,\"b\""), "['a','b']"},
        {"", S("a,"), "['a','']"},
        {"", S("x\n\"a\"\"\""), "['x']['a\"']"},
        {"", S("\"\""), "['']"},
    };
    check_rows(rows, sizeof rows / sizeof rows[0]);
    /* the record waits for finish */
    lua_State *L = new_state();
    new_reader(L, "");
    int r = lua_gettop(L);
    result res = {0};
    assert_true(call(L, r, S("a,b\nc,d"), &res));
    assert_string_equal(res.text, "['a','b']");
    assert_int_equal(integer_of(L, r, "records"), 1);
    assert_true(call(L, r, NULL, 0, &res));
    assert_string_equal(res.text, "['a','b']['c','d']");
    assert_int_equal(integer_of(L, r, "records"), 2);
    /* finish again: nothing more */
    assert_true(call(L, r, NULL, 0, &res));
    assert_string_equal(res.text, "['a','b']['c','d']");
    lua_close(L);
}

static void test_bom(void **state) {
    (void)state;
    static const row rows[] = {
        {"", S("\xef\xbb\xbf" "a,b\n"), "['a','b']"},
        {"{bom=true}", S("\xef\xbb\xbf\"a\"\n"), "['a']"},
        {"{bom=false}", S("\xef\xbb\xbf" "a,b\n"), "['\\xef\\xbb\\xbfa','b']"},
        {"", S("\xef\xbb\xbf"), ""},
        {"", S("\xef\xbb\xbf\xef\xbb\xbf"), "['\\xef\\xbb\\xbf']"},
        {"", S("\xef\xbb"), "['\\xef\\xbb']"},
        {"", S("\xef\xbbx,y\n"), "['\\xef\\xbbx','y']"},
        {"", S("a\n\xef\xbb\xbf" "b\n"), "['a']['\\xef\\xbb\\xbfb']"},
        {"", S("\xef\xbb\xbf\n"), "['']"},
        {"{bom=false}", S("\xef\xbb\xbf\"a\"\n"), " !line 1: a quote inside an unquoted field (1)"},
    };
    check_rows(rows, sizeof rows / sizeof rows[0]);
}

static void test_errors(void **state) {
    (void)state;
    static const row rows[] = {
        {"", S("a,b\"c\n"), " !line 1: a quote inside an unquoted field (1)"},
        {"", S("x\ny\r\nab\""), " !line 3: a quote inside an unquoted field (3)"},
        {"", S("a\" \n"), " !line 1: a quote inside an unquoted field (1)"},
        {"", S(" \"a\"\n"), " !line 1: a quote inside an unquoted field (1)"},
        {"", S("\"a\"b"), " !line 1: text after a closing quote (1)"},
        {"", S("\"a\" ,b"), " !line 1: text after a closing quote (1)"},
        {"", S("x\n\"a\nb\r\nc\"d\n"), " !line 4: text after a closing quote (4)"},
        {"", S("x\r\n\"a\rb\"\"\"\r\"c\"x"), " !line 4: text after a closing quote (4)"},
        {"", S("a\n\"b\nc\n"), "['a'] !line 2: a quoted field not closed by the end of the input (2)"},
        {"", S("\""), " !line 1: a quoted field not closed by the end of the input (1)"},
        {"", S("\"a\"\""), " !line 1: a quoted field not closed by the end of the input (1)"},
        {"", S("a\r\nb,\"c\r\n\r\n"), "['a'] !line 2: a quoted field not closed by the end of the input (2)"},
        {"", S("a,b\nc,\"d\"\"e\nf\"g"), " !line 3: text after a closing quote (3)"},
    };
    check_rows(rows, sizeof rows / sizeof rows[0]);
    /* records before the fault, when they came in an earlier chunk */
    result res;
    read_csv("", S("a\nb\n\"c\"x"), 4, 0, &res);
    assert_string_equal(res.text, "['a']['b'] !line 3: text after a closing quote (3)");
    assert_int_equal(res.records, 2);
}

static void test_max_field(void **state) {
    (void)state;
    static const row rows[] = {
        {"{max_field=3}", S("abc,de\n"), "['abc','de']"},
        {"{max_field=3}", S("abcd\n"), " !line 1: a field longer than 3 bytes (1)"},
        {"{max_field=3}", S("x,abcd"), " !line 1: a field longer than 3 bytes (1)"},
        {"{max_field=3}", S("\"abc\"\n"), "['abc']"},
        {"{max_field=3}", S("\"abc\""), "['abc']"},
        {"{max_field=3}", S("\"abc\"\"\"\n"), " !line 1: a field longer than 3 bytes (1)"},
        {"{max_field=3}", S("\"a\"\"b\"\n"), "['a\"b']"},
        {"{max_field=3}", S("\"a\"\"bc\"\n"), " !line 1: a field longer than 3 bytes (1)"},
        {"{max_field=3}", S("x\n\"a\nbc\"\n"), " !line 2: a field longer than 3 bytes (2)"},
        {"{max_field=3}", S("x\n\"\r\n\r\n\"\n"), " !line 2: a field longer than 3 bytes (2)"},
        {"{max_field=1}", S("a,b\n\"c\",\"\"\"\"\n"), "['a','b']['c','\"']"},
        {"{max_field=1}", S("\"\"\"\"\"\""), " !line 1: a field longer than 1 bytes (1)"},
    };
    check_rows(rows, sizeof rows / sizeof rows[0]);
    /* the default: 131072 bytes */
    size_t n = 131072 + 2;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[131072] = '\n';
    big[131073] = 'y';
    result res;
    keep_text = 0;
    read_csv("", big, n, 65536, 0, &res);
    assert_false(res.failed);
    assert_int_equal(res.records, 2);
    memset(big, 'x', n);
    read_csv("", big, n, 65536, 0, &res);
    assert_true(res.failed);
    assert_string_equal(res.err, "line 1: a field longer than 131072 bytes");
    big[0] = '"';
    read_csv("", big, n, 4096, 0, &res);
    assert_string_equal(res.err, "line 1: a field longer than 131072 bytes");
    keep_text = 1;
    free(big);
}

/* Every split point of each input gives what the whole gives; so does one
 * byte at a time. With an error, the records of earlier chunks may come
 * out: they must be a beginning of the records one byte at a time gives. */
static void test_every_split(void **state) {
    (void)state;
    static const struct {
        const char *opts;
        const char *in;
        size_t len;
    } inputs[] = {
        {"", S("\xef\xbb\xbfId,Name\r\n1,\"a\r\nb\"\r\n2,\"x\"\"y\"\r\n\r\n3,z")},
        {"", S("a\rb\r\nc\n\r\n\r\r\"q\r\"\r")},
        {"{delimiter=';'}", S("a;\"b;c\"\n;;\n\"\"\"\";x")},
        {"", S("\xef\xbbz,\"\"\n")},
        {"", S("x\n\"a\nb\r\nc\"d\n")},
        {"", S("a,b\n\"c\nd")},
        {"{max_field=4}", S("ab,\"cd\"\"e\"\n\"abcd\"\"\"\n")},
        {"{bom=false}", S("\xef\xbb\xbf" "a\r\n")},
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        result whole, bytes;
        read_csv(inputs[i].opts, inputs[i].in, inputs[i].len, 0, 0, &whole);
        read_csv(inputs[i].opts, inputs[i].in, inputs[i].len, 1, 0, &bytes);
        assert_int_equal(whole.failed, bytes.failed);
        if (!whole.failed) {
            assert_string_equal(whole.text, bytes.text);
        } else {
            assert_string_equal(whole.err, bytes.err);
            assert_int_equal(whole.err_line, bytes.err_line);
        }
        for (size_t k = 1; k < inputs[i].len; k++) {
            result split;
            read_csv(inputs[i].opts, inputs[i].in, inputs[i].len, 0, k, &split);
            if (split.failed != whole.failed || (!whole.failed && strcmp(split.text, whole.text) != 0))
                fail_msg("input %zu split at %zu: got %s, want %s", i, k, split.text, whole.text);
            if (whole.failed) {
                assert_string_equal(split.err, whole.err);
                assert_int_equal(split.err_line, whole.err_line);
                /* the records before the error text: a beginning of bytes' */
                size_t nrec = strstr(split.text, " !") - split.text;
                assert_memory_equal(split.text, bytes.text, nrec);
            } else {
                assert_int_equal(split.lf, whole.lf);
                assert_int_equal(split.crlf, whole.crlf);
                assert_int_equal(split.cr, whole.cr);
                assert_int_equal(split.line, whole.line);
                assert_int_equal(split.records, whole.records);
            }
        }
    }
}

static void test_error_sticks(void **state) {
    (void)state;
    lua_State *L = new_state();
    new_reader(L, "");
    int r = lua_gettop(L);
    result res = {0};
    assert_true(call(L, r, S("a\nb\"\n"), &res) == 0);
    assert_string_equal(res.err, "line 2: a quote inside an unquoted field");
    assert_int_equal(res.err_line, 2);
    assert_int_equal(integer_of(L, r, "records"), 0);
    for (int k = 0; k < 3; k++) {
        result again = {0};
        assert_int_equal(call(L, r, k == 2 ? NULL : "c\n", 2, &again), 0);
        assert_string_equal(again.err, res.err);
        assert_int_equal(again.err_line, 2);
        assert_string_equal(again.text, "");
    }
    assert_int_equal(integer_of(L, r, "records"), 0);
    lua_close(L);
}

/* Lua code that must raise an error containing `want`. */
static void raises(const char *code, const char *want) {
    lua_State *L = new_state();
    int rc = luaL_dostring(L, code);
    if (rc == LUA_OK) fail_msg("%s: no error", code);
    const char *msg = lua_tostring(L, -1);
    if (!msg || !strstr(msg, want)) fail_msg("%s: '%s' has no '%s'", code, msg ? msg : "?", want);
    lua_close(L);
}

static void test_misuse(void **state) {
    (void)state;
    static const char delim_msg[] = "delimiter must be one of , TAB | ; ^ `";
    raises("csv.reader{delimiter = 'x'}", delim_msg);
    raises("csv.reader{delimiter = ',,'}", delim_msg);
    raises("csv.reader{delimiter = ''}", delim_msg);
    raises("csv.reader{delimiter = '\"'}", delim_msg);
    raises("csv.reader{delimiter = '\\n'}", delim_msg);
    raises("csv.reader{delimiter = '\\0'}", delim_msg);
    raises("csv.reader{delimiter = 44}", delim_msg);
    raises("csv.reader{delimiter = 'COMMA'}", delim_msg);
    raises("csv.reader{max_field = 0}", "max_field must be a whole number from 1 to 1073741824");
    raises("csv.reader{max_field = -1}", "max_field must be");
    raises("csv.reader{max_field = 1.5}", "max_field must be");
    raises("csv.reader{max_field = '10'}", "max_field must be");
    raises("csv.reader{max_field = (1 << 30) + 1}", "max_field must be");
    raises("csv.reader{bom = 'yes'}", "bom must be a boolean");
    raises("csv.reader{delim = ','}", "unknown option 'delim'");
    raises("csv.reader('x')", "table expected, got string");
    raises("local r = csv.reader() r:finish() r:feed('a')", "feed after finish");
    raises("local r = csv.reader() r:close() r:feed('a')", "closed csv reader");
    raises("local r = csv.reader() r:close() r:finish()", "closed csv reader");
    raises("local r = csv.reader() r:feed({})", "string expected, got table");
    raises("csv.reader().feed(io.stdout, 'a')", "luaforce.csv.Reader expected");
    /* fine: every option, a closed reader closed again, <close> */
    lua_State *L = new_state();
    const char *ok = "local r = csv.reader{delimiter = '\\t', max_field = 1 << 30, bom = false}\n"
                     "do local s <close> = csv.reader() s:feed('a') end\n"
                     "r:close() r:close()\n"
                     "assert(r:records() == 0 and r:line() == 1)\n"
                     "assert(tostring(r):find('closed', 1, true))\n";
    if (luaL_dostring(L, ok) != LUA_OK) fail_msg("%s", lua_tostring(L, -1));
    lua_close(L);
}

/* ---- memory errors ----------------------------------------------------------- */

typedef struct {
    size_t allocs, limit; /* fail every allocation after `limit` */
} budget;

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    budget *b = ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (nsize > osize || ptr == NULL) {
        if (b->allocs >= b->limit) return NULL;
        b->allocs++;
    }
    return realloc(ptr, nsize);
}

static const char mem_doc[] =
    "Id,Name,Description\r\n001,Acme,\"multi\r\nline, with \"\"quotes\"\"\"\r\n\r\n002,\"B\",x\r\n003,C";

/* Feeds mem_doc in chunks of 7 bytes, then finishes; the reader is the
 * global "reader", for feed_again. */
static int feed_all(lua_State *L) {
    luaL_requiref(L, "luaforce.core.csv", luaopen_luaforce_core_csv, 0);
    lua_getfield(L, -1, "reader");
    lua_call(L, 0, 1);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "reader");
    int r = lua_gettop(L);
    lua_Integer total = 0;
    for (size_t pos = 0; pos < sizeof mem_doc - 1; pos += 7) {
        size_t n = sizeof mem_doc - 1 - pos < 7 ? sizeof mem_doc - 1 - pos : 7;
        lua_getfield(L, r, "feed");
        lua_pushvalue(L, r);
        lua_pushlstring(L, mem_doc + pos, n);
        lua_call(L, 2, 1);
        luaL_checktype(L, -1, LUA_TTABLE);
        total += (lua_Integer)lua_rawlen(L, -1);
        lua_pop(L, 1);
    }
    lua_getfield(L, r, "finish");
    lua_pushvalue(L, r);
    lua_call(L, 1, 1);
    luaL_checktype(L, -1, LUA_TTABLE);
    total += (lua_Integer)lua_rawlen(L, -1);
    if (total != 5) return luaL_error(L, "%I records, not 5", total);
    return 0;
}

/* After a memory error, with memory again: a reader cut off inside libcsv
 * raises; one that was not carries on. Either way no crash. */
static int feed_again(lua_State *L) {
    lua_getglobal(L, "reader");
    if (lua_isnil(L, -1)) return 0;
    lua_getfield(L, -1, "feed");
    lua_insert(L, -2);
    lua_pushliteral(L, "x\n");
    lua_call(L, 2, 1);
    return 0;
}

/* Fails the N-th allocation for every N until the reading succeeds: each
 * failure must surface as a Lua memory error, and closing the state must
 * release everything (LeakSanitizer checks in the sanitizer build). */
static void test_memory_errors(void **state) {
    (void)state;
    int succeeded = 0, failed = 0, broken = 0;
    for (size_t limit = 0; limit < 5000 && !succeeded; limit++) {
        budget b = {0, (size_t)-1};
        lua_State *L = lua_newstate(limited_alloc, &b);
        assert_non_null(L);
        luaL_openlibs(L);
        b.limit = b.allocs + limit;
        lua_pushcfunction(L, feed_all);
        int rc = lua_pcall(L, 0, 0, 0);
        if (rc == LUA_OK) {
            succeeded = 1;
        } else {
            const char *msg = lua_tostring(L, -1);
            if (rc != LUA_ERRMEM && !(msg && strstr(msg, "not enough memory")))
                fail_msg("limit %zu: error %d: %s", limit, rc, msg ? msg : "?");
            failed++;
            /* with memory again: a reader cut off inside a feed raises */
            lua_pop(L, 1);
            b.limit = (size_t)-1;
            lua_pushcfunction(L, feed_again);
            rc = lua_pcall(L, 0, 0, 0);
            if (rc != LUA_OK) {
                msg = lua_tostring(L, -1);
                if (!msg || !strstr(msg, "not enough memory")) fail_msg("limit %zu: then %s", limit, msg ? msg : "?");
                if (strstr(msg, "an earlier call failed")) broken++;
            }
        }
        lua_close(L);
    }
    assert_true(succeeded);
    assert_true(failed > 20);
    assert_true(broken > 5); /* some failed inside libcsv's callbacks */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),     cmocka_unit_test(test_every_delimiter), cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_empty_lines), cmocka_unit_test(test_last_record),     cmocka_unit_test(test_bom),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_max_field),       cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_error_sticks), cmocka_unit_test(test_misuse),         cmocka_unit_test(test_memory_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
