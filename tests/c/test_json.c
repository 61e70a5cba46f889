/*
 * test_json.c: the pure C parts of luaforce.json (json_text.c), the number
 * formatting it relies on (numfmt.c), and one binding-level property that is
 * hard to reach from Lua: a memory error at any allocation during decode or
 * encode leaves no leak (run under the sanitizer build, LeakSanitizer
 * checks) and no crash.
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
#include "json_text.h"
#include "numfmt.h"

/* ---- UTF-8 ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *text;
    size_t len;
    size_t bad; /* LF_JSON_OK or the offset of the bad sequence */
} utf8_row;

#define S(lit) lit, sizeof(lit) - 1

static const utf8_row utf8_rows[] = {
    {"empty", S(""), LF_JSON_OK},
    {"ascii", S("hello, world"), LF_JSON_OK},
    {"two-byte", S("caf\xc3\xa9"), LF_JSON_OK},
    {"three-byte", S("\xe2\x82\xac 5"), LF_JSON_OK},
    {"four-byte emoji", S("\xf0\x9f\x98\x80"), LF_JSON_OK},
    {"U+10FFFF", S("\xf4\x8f\xbf\xbf"), LF_JSON_OK},
    {"U+FFFF", S("\xef\xbf\xbf"), LF_JSON_OK},
    {"U+D7FF before surrogates", S("\xed\x9f\xbf"), LF_JSON_OK},
    {"NUL byte", S("a\0b"), LF_JSON_OK},
    {"overlong NUL C0 80", S("ab\xc0\x80"), 2},
    {"overlong C1", S("\xc1\xbf"), 0},
    {"overlong three-byte", S("x\xe0\x80\xaf"), 1},
    {"overlong four-byte", S("\xf0\x80\x80\xaf"), 0},
    {"surrogate D800", S("ok \xed\xa0\x80"), 3},
    {"surrogate DFFF", S("\xed\xbf\xbf"), 0},
    {"above U+10FFFF", S("\xf4\x90\x80\x80"), 0},
    {"F5 lead", S("\xf5\x80\x80\x80"), 0},
    {"FF byte", S("a\xff"), 1},
    {"stray continuation", S("abc\x80"), 3},
    {"truncated at end", S("ab\xe2\x82"), 2},
    {"truncated before ascii", S("\xe2\x82z"), 0},
    {"truncated four-byte", S("\xf0\x9f\x98"), 0},
    {"bad after a long ascii run", S("0123456789abcdefghij\xc3("), 20},
    {"good after a long ascii run", S("0123456789abcdefghij\xc3\xa9 and more text"), LF_JSON_OK},
};

static void test_utf8_check(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof utf8_rows / sizeof *utf8_rows; i++) {
        const utf8_row *r = &utf8_rows[i];
        size_t got = lf_utf8_check(r->text, r->len);
        if (got != r->bad) fail_msg("%s: got %zu, want %zu", r->name, got, r->bad);
    }
}

/* ---- escaping ----------------------------------------------------------------- */

typedef struct {
    const char *in;
    size_t len;
    const char *out; /* NULL: invalid UTF-8 at offset bad */
    size_t bad;
} escape_row;

static const escape_row escape_rows[] = {
    {S(""), "\"\"", 0},
    {S("plain text, long enough for the 8-byte path"), "\"plain text, long enough for the 8-byte path\"", 0},
    {S("a\"b"), "\"a\\\"b\"", 0},
    {S("back\\slash"), "\"back\\\\slash\"", 0},
    {S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"", 0},
    {S("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"", 0},
    {S("nul\0byte"), "\"nul\\u0000byte\"", 0},
    {S("a/b </script>"), "\"a/b </script>\"", 0},
    {S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", 0},
    {S("line one\nline two with \"quotes\" and more text\n"),
     "\"line one\\nline two with \\\"quotes\\\" and more text\\n\"", 0},
    {S("ok\xc0\x80"), NULL, 2},
    {S("0123456789\xed\xa0\x80"), NULL, 10},
    {S("\"\xf4\x90\x80\x80"), NULL, 1},
};

static void test_escape(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof escape_rows / sizeof *escape_rows; i++) {
        const escape_row *r = &escape_rows[i];
        lf_jbuf b = {0};
        size_t got = lf_json_escape(&b, r->in, r->len);
        if (r->out) {
            if (got != LF_JSON_OK) fail_msg("row %zu: error at %zu", i, got);
            if (b.len != strlen(r->out) || memcmp(b.data, r->out, b.len) != 0)
                fail_msg("row %zu: got [%.*s], want [%s]", i, (int)b.len, b.data, r->out);
        } else if (got != r->bad) {
            fail_msg("row %zu: got %zu, want offset %zu", i, got, r->bad);
        }
        lf_jbuf_free(&b);
    }
}

/* Appending to a buffer that already holds text keeps that text, across
 * the buffer's growth. */
static void test_escape_appends(void **state) {
    (void)state;
    lf_jbuf b = {0};
    assert_true(lf_jbuf_reserve(&b, 1));
    b.data[b.len++] = '[';
    char big[5000];
    memset(big, '\n', sizeof big); /* each byte becomes two */
    assert_int_equal(lf_json_escape(&b, big, sizeof big), LF_JSON_OK);
    assert_int_equal(b.len, 1 + 2 + 2 * sizeof big);
    assert_int_equal(b.data[0], '[');
    assert_int_equal(b.data[1], '"');
    assert_memory_equal(b.data + 2, "\\n\\n", 4);
    assert_int_equal(b.data[b.len - 1], '"');
    lf_jbuf_free(&b);
    assert_null(b.data);
}

static void test_surrogates(void **state) {
    (void)state;
    static const struct {
        const char *raw;
        size_t bad;
    } rows[] = {
        {"plain", LF_JSON_OK},
        {"\\ud83d\\ude00", LF_JSON_OK},
        {"x\\uD83D\\uDE00y", LF_JSON_OK},
        {"\\u00e9 \\n \\\\u", LF_JSON_OK},
        {"\\\\ud800", LF_JSON_OK}, /* an escaped backslash, then text */
        {"\\ud800", 0},
        {"ab\\udc00", 2},
        {"\\ud800\\u0041", 0},
        {"\\ud800x\\udc00", 0},
        {"ok \\ud83d\\ude00 \\udbff", 16},
        {"\\ud800\\ud800", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        size_t got = lf_json_check_surrogates(rows[i].raw, strlen(rows[i].raw));
        if (got != rows[i].bad) fail_msg("%s: got %zu, want %zu", rows[i].raw, got, rows[i].bad);
    }
}

/* ---- numbers ---------------------------------------------------------------- */

typedef struct {
    const char *text;
    int kind;
    int64_t i;
    double d;
} number_row;

static const number_row number_rows[] = {
    {"0", LF_JNUM_INTEGER, 0, 0},
    {"-0", LF_JNUM_INTEGER, 0, 0},
    {"42", LF_JNUM_INTEGER, 42, 0},
    {"999999999999999999", LF_JNUM_INTEGER, INT64_C(999999999999999999), 0},
    {"9223372036854775807", LF_JNUM_INTEGER, INT64_MAX, 0},
    {"-9223372036854775808", LF_JNUM_INTEGER, INT64_MIN, 0},
    {"9223372036854775808", LF_JNUM_DECIMAL, 0, 0},
    {"-9223372036854775809", LF_JNUM_DECIMAL, 0, 0},
    {"123456789012345678901234567890", LF_JNUM_DECIMAL, 0, 0},
    {"0.1", LF_JNUM_FLOAT, 0, 0.1},
    {"-0.0", LF_JNUM_FLOAT, 0, -0.0},
    {"300.0", LF_JNUM_FLOAT, 0, 300.0},
    {"1E2", LF_JNUM_FLOAT, 0, 100.0},
    {"1e-7", LF_JNUM_FLOAT, 0, 1e-7},
    {"1e21", LF_JNUM_FLOAT, 0, 1e21},
    {"1234567890123.45", LF_JNUM_FLOAT, 0, 1234567890123.45},
    {"0.000000000000000000000000000001", LF_JNUM_FLOAT, 0, 1e-30},
    {"12345.6700000000000000000", LF_JNUM_FLOAT, 0, 12345.67},
    {"0.30000000000000004", LF_JNUM_FLOAT, 0, 0.30000000000000004},   /* 17 digits, shortest */
    {"0.30000000000000005", LF_JNUM_DECIMAL, 0, 0},                   /* 17 digits, not */
    {"0.3000000000000000444", LF_JNUM_DECIMAL, 0, 0},                 /* 19 digits */
    {"1.7976931348623157e308", LF_JNUM_FLOAT, 0, 1.7976931348623157e308},
    {"1.7976931348623159e308", LF_JNUM_DECIMAL, 0, 0},                /* overflows */
    {"1e400", LF_JNUM_DECIMAL, 0, 0},
    {"5e-324", LF_JNUM_FLOAT, 0, 5e-324},
    {"1e-400", LF_JNUM_DECIMAL, 0, 0},                                /* underflows */
    {"2e-324", LF_JNUM_DECIMAL, 0, 0},                                /* rounds to 0 */
    {"4.9e-324", LF_JNUM_DECIMAL, 0, 0},                              /* reads as 5e-324 */
    {"1e999999999999999999", LF_JNUM_DECIMAL, 0, 0},
    {"", LF_JNUM_SYNTAX, 0, 0},
    {"-", LF_JNUM_SYNTAX, 0, 0},
    {"1.", LF_JNUM_SYNTAX, 0, 0},
    {"1e", LF_JNUM_SYNTAX, 0, 0},
    {"1x", LF_JNUM_SYNTAX, 0, 0},
};

static void test_classify_number(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof number_rows / sizeof *number_rows; i++) {
        const number_row *r = &number_rows[i];
        int64_t iv = -1;
        double dv = -1;
        int kind = lf_json_classify_number(r->text, strlen(r->text), &iv, &dv);
        if (kind != r->kind) fail_msg("%s: kind %d, want %d", r->text, kind, r->kind);
        if (kind == LF_JNUM_INTEGER && iv != r->i) fail_msg("%s: got %lld", r->text, (long long)iv);
        if (kind == LF_JNUM_FLOAT && (memcmp(&dv, &r->d, sizeof dv) != 0))
            fail_msg("%s: got %.17g, want %.17g", r->text, dv, r->d);
    }
}

static void test_format_integer(void **state) {
    (void)state;
    static const struct {
        int64_t v;
        const char *text;
    } rows[] = {{0, "0"}, {7, "7"}, {-7, "-7"}, {1000, "1000"}, {INT64_MAX, "9223372036854775807"},
                {INT64_MIN, "-9223372036854775808"}};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char buf[24];
        size_t n = lf_json_format_integer(rows[i].v, buf);
        buf[n] = '\0';
        assert_string_equal(buf, rows[i].text);
    }
}

typedef struct {
    double x;
    const char *text;
} double_row;

static const double_row double_rows[] = {
    {0.1, "0.1"},
    {1e-7, "0.0000001"},
    {1e-8, "1e-8"},
    {1.5e-8, "1.5e-8"},
    {1e21, "1e+21"},
    {1e20, "100000000000000000000.0"},
    {300.0, "300.0"},
    {-0.0, "-0.0"},
    {0.0, "0.0"},
    {5e-324, "5e-324"},
    {1.7976931348623157e308, "1.7976931348623157e+308"},
    {123456789012345680000.0, "123456789012345680000.0"},
    {1234567890123.45, "1234567890123.45"},
    {-12345.67, "-12345.67"},
    {0.30000000000000004, "0.30000000000000004"},
    {1e15, "1000000000000000.0"},
    {999999999999999.9, "999999999999999.9"},
    {2.5, "2.5"},
    {0.000123, "0.000123"},
    {9007199254740993.0, "9007199254740992.0"},
};

/* lf_format_double (numfmt.c) and our fast path produce the same text. */
static void test_format_double(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof double_rows / sizeof *double_rows; i++) {
        char a[LF_DOUBLE_BUFSIZE], b[LF_DOUBLE_BUFSIZE];
        size_t na = lf_format_double(double_rows[i].x, a);
        size_t nb = lf_json_format_double(double_rows[i].x, b);
        if (strcmp(a, double_rows[i].text) != 0) fail_msg("lf_format_double: %s, want %s", a, double_rows[i].text);
        if (strcmp(b, double_rows[i].text) != 0) fail_msg("lf_json_format_double: %s, want %s", b, double_rows[i].text);
        assert_int_equal(na, strlen(a));
        assert_int_equal(nb, strlen(b));
    }
}

static uint64_t rng_state = 88172645463325252u;
static uint64_t next_rand(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The fast path matches lf_format_double on many values: decimal-looking
 * ones (money, measures), which take the fast path, and random bit
 * patterns, which mostly do not. Every output also reads back exactly. */
static void test_format_double_agrees(void **state) {
    (void)state;
    static const double scale[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
    for (int i = 0; i < 200000; i++) {
        double x;
        if (i % 2) {
            x = (double)(next_rand() % 100000000000000u) / scale[next_rand() % 11];
        } else {
            uint64_t bits = next_rand();
            memcpy(&x, &bits, sizeof x);
            if (x != x || x - x != 0) continue; /* NaN, inf */
        }
        if (i % 3 == 0) x = -x;
        char a[LF_DOUBLE_BUFSIZE], b[LF_DOUBLE_BUFSIZE];
        lf_format_double(x, a);
        lf_json_format_double(x, b);
        if (strcmp(a, b) != 0) fail_msg("%.17g: numfmt %s, fast %s", x, a, b);
        double back = strtod(b, NULL);
        if (memcmp(&back, &x, sizeof x) != 0) fail_msg("%s does not read back as %.17g", b, x);
    }
}

/* ---- positions ---------------------------------------------------------------- */

static void test_token_start(void **state) {
    (void)state;
    static const struct {
        const char *text;
        size_t end, start;
    } rows[] = {
        {"[1,]", 4, 3},          {"{\"a\" 12}", 7, 5},       {"{\"a\" \"bb\"}", 9, 5},
        {"[1 true]", 7, 3},      {"[01]", 3, 2},             {"[-01]", 4, 3},
        {"01", 2, 1},            {"1 2  ", 5, 2},            {"[\"a\\\"\" 1]", 6, 1},
        {"[\"a\\\\\"", 6, 1},    {"  ", 2, 0},               {"[1e-5 x]", 5, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        size_t got = lf_json_token_start(rows[i].text, rows[i].end);
        if (got != rows[i].start) fail_msg("%s (end %zu): got %zu, want %zu", rows[i].text, rows[i].end, got, rows[i].start);
    }
}

static void test_position(void **state) {
    (void)state;
    const char *t = "{\n  \"a\": x\n}";
    size_t line, col;
    lf_json_position(t, strlen(t), 0, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
    lf_json_position(t, strlen(t), 9, &line, &col); /* the x */
    assert_int_equal(line, 2);
    assert_int_equal(col, 8);
    lf_json_position(t, strlen(t), strlen(t), &line, &col); /* past the end */
    assert_int_equal(line, 3);
    assert_int_equal(col, 2);
}

/* ---- trailing text -------------------------------------------------------------- */

typedef struct {
    const char *text;
    size_t len;
    lua_Integer offset; /* 1-based offset of the trailing garbage; 0: decodes */
} trailing_row;

/* A whole value followed by a token the text ends inside: yajl_parse waits
 * for the rest of the token and yajl_complete_parse accepts the text, so
 * the decoder itself must refuse what follows the value. */
static const trailing_row trailing_rows[] = {
    {"{\"a\":1}\"xyz", 11, 8},
    {"[1,2]\"\xff", 7, 6},
    {"9\"223", 5, 2},
    {"true\"", 5, 5},
    {"null \"\\u12", 10, 6},
    {"{} \r\n\t\"", 7, 7},
    {"[1] x", 5, 5},
    {"{\"a\":1} \r\n\t", 11, 0},
    {"12", 2, 0},
    {"\"a\"  ", 5, 0},
};

static void test_trailing_text(void **state) {
    (void)state;
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "luaforce.core.json", luaopen_luaforce_core_json, 0);
    for (size_t i = 0; i < sizeof trailing_rows / sizeof *trailing_rows; i++) {
        const trailing_row *r = &trailing_rows[i];
        lua_getfield(L, -1, "raw_decode");
        lua_pushlstring(L, r->text, r->len);
        lua_call(L, 1, 5);
        if (r->offset == 0) {
            if (lua_isnil(L, -5)) fail_msg("row %zu: %s", i, lua_tostring(L, -4));
        } else {
            if (!lua_isnil(L, -5)) fail_msg("row %zu decoded", i);
            assert_string_equal("trailing garbage", lua_tostring(L, -4));
            assert_int_equal(r->offset, lua_tointeger(L, -3));
        }
        lua_pop(L, 5);
    }
    lua_close(L);
}

/* ---- memory errors -------------------------------------------------------------- */

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

static const char doc[] =
    "{\"totalSize\":2,\"done\":true,\"records\":[{\"attributes\":{\"type\":\"Account\"},"
    "\"Name\":\"Acme O'Brien caf\xc3\xa9\",\"Amount\":12345.67,\"Big\":123456789012345678901234567890,"
    "\"A_very_long_key_name_that_is_not_interned_by_lua__\":[1,2,null,\"x\\ny\"]},"
    "{\"attributes\":{\"type\":\"Account\"},\"Name\":\"B\",\"Amount\":1.5,\"Big\":1,"
    "\"A_very_long_key_name_that_is_not_interned_by_lua__\":[]}]}";

/* decode then encode inside the state; leaves "ok" or the error message */
static int roundtrip(lua_State *L) {
    luaL_requiref(L, "luaforce.core.json", luaopen_luaforce_core_json, 0);
    lua_getfield(L, -1, "raw_decode");
    lua_pushlstring(L, doc, sizeof doc - 1);
    lua_call(L, 1, 1);
    luaL_checktype(L, -1, LUA_TTABLE);
    lua_getfield(L, -2, "raw_encode");
    lua_insert(L, -2);
    lua_pushboolean(L, 1);
    lua_call(L, 2, 1);
    luaL_checktype(L, -1, LUA_TSTRING);
    return 1;
}

/* Fails the N-th allocation for every N until the round trip succeeds:
 * each failure must surface as a Lua memory error, and closing the state
 * must release everything (LeakSanitizer checks in the sanitizer build). */
static void test_memory_errors(void **state) {
    (void)state;
    int succeeded = 0, failed = 0;
    for (size_t limit = 0; limit < 5000 && !succeeded; limit++) {
        budget b = {0, (size_t)-1};
        lua_State *L = lua_newstate(limited_alloc, &b);
        assert_non_null(L);
        luaL_openlibs(L);
        b.limit = b.allocs + limit;
        lua_pushcfunction(L, roundtrip);
        int rc = lua_pcall(L, 0, 1, 0);
        if (rc == LUA_OK) {
            succeeded = 1;
        } else {
            /* our own checks raise "not enough memory" as a plain error */
            const char *msg = lua_tostring(L, -1);
            if (rc != LUA_ERRMEM && !(msg && strstr(msg, "not enough memory")))
                fail_msg("limit %zu: error %d: %s", limit, rc, msg ? msg : "?");
            failed++;
        }
        lua_close(L);
    }
    assert_true(succeeded);
    assert_true(failed > 20); /* the loop did reach into decode and encode */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_check),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_escape_appends),
        cmocka_unit_test(test_surrogates),
        cmocka_unit_test(test_classify_number),
        cmocka_unit_test(test_format_integer),
        cmocka_unit_test(test_format_double),
        cmocka_unit_test(test_format_double_agrees),
        cmocka_unit_test(test_token_start),
        cmocka_unit_test(test_position),
        cmocka_unit_test(test_trailing_text),
        cmocka_unit_test(test_memory_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
