/*
 * test_decimal.c: the text layer of luaforce.decimal (decimal_text.c) and the
 * C API json.c uses (lf_decimal_push, lf_decimal_pushtext), and the
 * arithmetic core (decimal_arith.c, decimal_trans.c) on a malloc arena.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "core.h"
#include "decimal.h"
#include "decimal_arith.h"
#include "decimal_text.h"

/* ---- lf_dectext_parse ------------------------------------------------ */

typedef struct {
    const char *text;
    int syntax;
    int negative;
    const char *digits; /* significant digits, "" for zero */
    int32_t exponent;
} parse_row;

static const parse_row parse_ok[] = {
    {"0", LF_DECTEXT_JSON, 0, "", 0},
    {"-0", LF_DECTEXT_JSON, 1, "", 0},
    {"0.000", LF_DECTEXT_JSON, 0, "", -3},
    {"1.50", LF_DECTEXT_JSON, 0, "150", -2},
    {"-0.0012", LF_DECTEXT_JSON, 1, "12", -4},
    {"123e-2", LF_DECTEXT_JSON, 0, "123", -2},
    {"1E+400", LF_DECTEXT_JSON, 0, "1", 400},
    {"1.5E-9", LF_DECTEXT_JSON, 0, "15", -10},
    {"10.0e3", LF_DECTEXT_JSON, 0, "100", 2},
    {"1e999999999", LF_DECTEXT_JSON, 0, "1", 999999999},
    {"0.1e-999999998", LF_DECTEXT_JSON, 0, "1", -999999999},
    {"1.25E+1000000000", LF_DECTEXT_JSON, 0, "125", 999999998},
    {"1e0000000000000000000000005", LF_DECTEXT_JSON, 0, "1", 5},
    {"+7", LF_DECTEXT_LENIENT, 0, "7", 0},
    {".5", LF_DECTEXT_LENIENT, 0, "5", -1},
    {"5.", LF_DECTEXT_LENIENT, 0, "5", 0},
    {"-.25e1", LF_DECTEXT_LENIENT, 1, "25", -1},
    {"007.10", LF_DECTEXT_LENIENT, 0, "710", -2},
    {"000.000", LF_DECTEXT_LENIENT, 0, "", -3},
};

static void test_parse_accepts(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof parse_ok / sizeof parse_ok[0]; i++) {
        const parse_row *r = &parse_ok[i];
        lf_dectext t;
        int rc = lf_dectext_parse(r->text, strlen(r->text), r->syntax, &t);
        if (rc != LF_DECTEXT_OK) fail_msg("%s: rc %d", r->text, rc);
        assert_int_equal(r->negative, t.negative);
        assert_int_equal(r->exponent, t.exponent);
        assert_int_equal(strlen(r->digits), t.digits);
        unsigned char values[64];
        lf_dectext_digit_values(&t, values);
        for (size_t k = 0; k < t.digits; k++)
            if (values[k] != (unsigned char)(r->digits[k] - '0'))
                fail_msg("%s: digit %zu is %d", r->text, k, values[k]);
    }
}

typedef struct {
    const char *text;
    int syntax;
    int rc;
} reject_row;

static const reject_row parse_bad[] = {
    {"", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"-", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {".", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"+.", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"1e", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"1e+", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"1.2.3", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {" 1", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"1 ", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"abc", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"nan", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"inf", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"0x1", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"--1", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"1e1.5", LF_DECTEXT_LENIENT, LF_DECTEXT_SYNTAX},
    {"+1", LF_DECTEXT_JSON, LF_DECTEXT_SYNTAX},
    {".5", LF_DECTEXT_JSON, LF_DECTEXT_SYNTAX},
    {"5.", LF_DECTEXT_JSON, LF_DECTEXT_SYNTAX},
    {"01", LF_DECTEXT_JSON, LF_DECTEXT_SYNTAX},
    {"-01.5", LF_DECTEXT_JSON, LF_DECTEXT_SYNTAX},
    {"1e1000000000", LF_DECTEXT_LENIENT, LF_DECTEXT_RANGE},
    {"1e-1000000000", LF_DECTEXT_JSON, LF_DECTEXT_RANGE},
    {"0.1e-999999999", LF_DECTEXT_JSON, LF_DECTEXT_RANGE},
    {"0e99999999999999999999999999", LF_DECTEXT_JSON, LF_DECTEXT_RANGE},
    {"1e-99999999999999999999999999", LF_DECTEXT_JSON, LF_DECTEXT_RANGE},
};

static void test_parse_rejects(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof parse_bad / sizeof parse_bad[0]; i++) {
        lf_dectext t;
        int rc = lf_dectext_parse(parse_bad[i].text, strlen(parse_bad[i].text), parse_bad[i].syntax, &t);
        if (rc != parse_bad[i].rc) fail_msg("%s: rc %d, want %d", parse_bad[i].text, rc, parse_bad[i].rc);
    }
}

/* The length, not a NUL, ends the text: "1" followed by junk in the same
 * buffer parses as 1, and an embedded NUL is a syntax error. */
static void test_parse_uses_length(void **state) {
    (void)state;
    lf_dectext t;
    assert_int_equal(LF_DECTEXT_OK, lf_dectext_parse("12x", 2, LF_DECTEXT_JSON, &t));
    assert_int_equal(2, t.digits);
    assert_int_equal(LF_DECTEXT_SYNTAX, lf_dectext_parse("1\0" "2", 3, LF_DECTEXT_LENIENT, &t));
}

/* ---- lf_dectext_format ----------------------------------------------- */

typedef struct {
    int negative;
    const char *digits;
    int32_t exponent;
    int plain;
    const char *want;
} format_row;

/* Expected texts are what Java's BigDecimal.toString()/toPlainString() give. */
static const format_row format_rows[] = {
    {0, "123", 0, 0, "123"},
    {1, "123", 0, 0, "-123"},
    {0, "123", -2, 0, "1.23"},
    {0, "123", -3, 0, "0.123"},
    {0, "123", -5, 0, "0.00123"},
    {0, "1", -6, 0, "0.000001"},
    {0, "1", -7, 0, "1E-7"},
    {0, "12", -7, 0, "0.0000012"},
    {0, "12", -8, 0, "1.2E-7"},
    {1, "15", -10, 0, "-1.5E-9"},
    {0, "123", 3, 0, "1.23E+5"},
    {0, "1", 400, 0, "1E+400"},
    {0, "1", 1, 0, "1E+1"},
    {0, "0", 0, 0, "0"},
    {0, "0", -3, 0, "0.000"},
    {0, "0", 3, 0, "0E+3"},
    {0, "0", -7, 0, "0E-7"},
    {0, "125", 999999998, 0, "1.25E+1000000000"},
    {0, "1", -999999999, 0, "1E-999999999"},
    {0, "123", 3, 1, "123000"},
    {0, "1", 5, 1, "100000"},
    {0, "12", -8, 1, "0.00000012"},
    {1, "15", -10, 1, "-0.0000000015"},
    {0, "0", 3, 1, "0"},
    {0, "0", -3, 1, "0.000"},
    {0, "150", -2, 1, "1.50"},
};

static void test_format(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof format_rows / sizeof format_rows[0]; i++) {
        const format_row *r = &format_rows[i];
        size_t n = strlen(r->digits);
        size_t size = lf_dectext_format(NULL, r->negative, r->digits, n, r->exponent, r->plain);
        char buf[128];
        assert_true(size < sizeof buf);
        memset(buf, '#', sizeof buf);
        size_t len = lf_dectext_format(buf, r->negative, r->digits, n, r->exponent, r->plain);
        assert_int_equal(size, len);
        assert_int_equal('#', buf[len]); /* wrote no more than it said */
        buf[len] = '\0';
        assert_string_equal(r->want, buf);
    }
}

/* Every formatted text parses back (as JSON) to the same digits and exponent. */
static void test_format_parses_back(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof format_rows / sizeof format_rows[0]; i++) {
        const format_row *r = &format_rows[i];
        if (r->plain) continue;
        char buf[128];
        size_t len = lf_dectext_format(buf, r->negative, r->digits, strlen(r->digits), r->exponent, 0);
        lf_dectext t;
        assert_int_equal(LF_DECTEXT_OK, lf_dectext_parse(buf, len, LF_DECTEXT_JSON, &t));
        assert_int_equal(r->exponent, t.exponent);
        assert_int_equal(strcmp(r->digits, "0") == 0 ? 0 : strlen(r->digits), t.digits);
    }
}

/* ---- the C API -------------------------------------------------------- */

static int setup_lua(void **state) {
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    *state = L;
    return 0;
}

static int teardown_lua(void **state) {
    lua_close(*state);
    return 0;
}

/* Pushes text as a decimal, reads its text back, and leaves the stack as
 * it found it. */
static void expect_roundtrip(lua_State *L, const char *text, const char *want) {
    int top = lua_gettop(L);
    if (!lf_decimal_push(L, text, strlen(text))) fail_msg("lf_decimal_push refused %s", text);
    assert_int_equal(top + 1, lua_gettop(L));
    size_t len;
    const char *out = lf_decimal_pushtext(L, -1, &len);
    assert_non_null(out);
    assert_int_equal(top + 2, lua_gettop(L));
    assert_int_equal(strlen(want), len);
    assert_memory_equal(want, out, len);
    lua_settop(L, top);
}

/* json.c may make decimals before anything has loaded luaforce.core.decimal:
 * the first push must create the metatable. */
static void test_push_before_module(void **state) {
    lua_State *L = *state;
    assert_true(lf_decimal_push(L, "1.50", 4));
    assert_int_equal(LUA_TSTRING, luaL_getmetafield(L, -1, "__name"));
    assert_string_equal(LF_DECIMAL_MT, lua_tostring(L, -1));
    assert_non_null(luaL_testudata(L, -2, LF_DECIMAL_MT));
    lua_settop(L, 0);
}

static void test_push_roundtrips(void **state) {
    lua_State *L = *state;
    expect_roundtrip(L, "123456789012345678901234567890", "123456789012345678901234567890");
    expect_roundtrip(L, "-9223372036854775809", "-9223372036854775809");
    expect_roundtrip(L, "18446744073709551616", "18446744073709551616"); /* 2^64: two limbs */
    expect_roundtrip(L, "0.1000000000000000055511151231257827", "0.1000000000000000055511151231257827");
    expect_roundtrip(L, "1.50", "1.50");
    expect_roundtrip(L, "1E+400", "1E+400");
    expect_roundtrip(L, "1e400", "1E+400");
    expect_roundtrip(L, "1.5e-9", "1.5E-9");
    expect_roundtrip(L, "-0", "0");
    expect_roundtrip(L, "-0.000", "0.000");
    expect_roundtrip(L, "100e-2", "1.00");
}

static void test_push_big(void **state) {
    lua_State *L = *state;
    char text[2003];
    for (int i = 0; i < 2000; i++) text[i] = (char)('0' + (i * 7 + 3) % 10);
    text[0] = '9';
    text[2000] = '\0';
    expect_roundtrip(L, text, text);
    text[1000] = '.';
    expect_roundtrip(L, text, text);
}

/* JSON syntax only, and nothing pushed on refusal. */
static void test_push_rejects(void **state) {
    lua_State *L = *state;
    static const char *const bad[] = {"", "+1", ".5", "5.", "01", "1e", "abc", " 1", "1e1000000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (lf_decimal_push(L, bad[i], strlen(bad[i]))) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(0, lua_gettop(L));
    }
}

static void test_pushtext_ignores_others(void **state) {
    lua_State *L = *state;
    size_t len = 99;
    lua_pushliteral(L, "1.5");
    lua_pushnumber(L, 1.5);
    lua_newuserdatauv(L, 16, 0);
    for (int idx = 1; idx <= 3; idx++) assert_null(lf_decimal_pushtext(L, idx, &len));
    assert_int_equal(3, lua_gettop(L));
    lua_settop(L, 0);
}

/* Decimals made in Lua read out through the C API, and vice versa. */
static void test_api_meets_lua(void **state) {
    lua_State *L = *state;
    luaL_requiref(L, "luaforce.core", luaopen_luaforce_core, 0);
    lua_settop(L, 0);
    const char *chunk =
        "local D = require 'luaforce.core.decimal'\n"
        "local a = D.raw_new(0.1)\n"
        "local b = D.raw_new(-12345678901234567890)\n"   /* a float in Lua: -1.2345678901234567e19 */
        "local c = D.raw_new('2.50')\n"
        "return a, b, c, function(x) return tostring(x), x:scale(), x == c end";
    assert_int_equal(LUA_OK, luaL_loadstring(L, chunk));
    assert_int_equal(LUA_OK, lua_pcall(L, 0, 4, 0));
    size_t len;
    assert_string_equal("0.1", lf_decimal_pushtext(L, 1, &len));
    assert_string_equal("-12345678901234567000.0", lf_decimal_pushtext(L, 2, &len));
    assert_string_equal("2.50", lf_decimal_pushtext(L, 3, &len));
    lua_settop(L, 4);

    assert_true(lf_decimal_push(L, "25e-1", 5));
    assert_int_equal(LUA_OK, lua_pcall(L, 1, 3, 0));
    assert_string_equal("2.5", lua_tostring(L, -3));
    assert_int_equal(1, lua_tointeger(L, -2));
    assert_true(lua_toboolean(L, -1));
    lua_settop(L, 0);
}

/* ---- arithmetic core ------------------------------------------------- */

/* A malloc arena whose blocks are freed at the end of each test. */
typedef struct blocks {
    void *p[4096];
    size_t n;
} blocks;

static void *test_grow(void *ud, size_t size) {
    blocks *b = ud;
    assert_true(b->n < sizeof b->p / sizeof b->p[0]);
    void *p = malloc(size);
    assert_non_null(p);
    b->p[b->n++] = p;
    return p;
}

static void free_all(blocks *b) {
    while (b->n) free(b->p[--b->n]);
}

/* text -> lf_num in the arena */
static lf_num num(lf_arena *A, const char *text) {
    lf_dectext t;
    assert_int_equal(LF_DECTEXT_OK, lf_dectext_parse(text, strlen(text), LF_DECTEXT_LENIENT, &t));
    lf_num x;
    x.exponent = t.exponent;
    x.negative = t.negative && t.digits;
    x.digits = t.digits ? t.digits : 1;
    x.limbs = lf_arena_alloc(A, (t.digits / 19 + 2) * sizeof(mp_limb_t) + t.digits + 1);
    x.n = 0;
    if (t.digits) {
        unsigned char *v = (unsigned char *)(x.limbs + t.digits / 19 + 2);
        lf_dectext_digit_values(&t, v);
        x.n = mpn_set_str(x.limbs, v, t.digits, 10);
        while (x.n && x.limbs[x.n - 1] == 0) x.n--;
    }
    return x;
}

/* lf_num -> text (BigDecimal.toString) in a static buffer */
static const char *text(lf_arena *A, const lf_num *x) {
    static char out[4096];
    char digits[2048];
    size_t n = 1;
    digits[0] = '0';
    if (x->n) {
        mp_limb_t *tmp = lf_arena_alloc(A, (size_t)x->n * sizeof(mp_limb_t));
        unsigned char *s = lf_arena_alloc(A, (size_t)x->n * 20 + 1);
        memcpy(tmp, x->limbs, (size_t)x->n * sizeof(mp_limb_t));
        size_t k = mpn_get_str(s, 10, tmp, x->n), i = 0;
        while (i + 1 < k && s[i] == 0) i++;
        for (n = 0; i < k; i++) digits[n++] = (char)('0' + s[i]);
    }
    assert_int_equal(n, x->digits);
    size_t len = lf_dectext_format(out, x->negative, digits, n, (int32_t)x->exponent, 0);
    out[len] = 0;
    return out;
}

typedef struct arith_row {
    char op;          /* + - * / q(idiv) m(mod) ^ r(round_to) s(set_scale) v(sqrt) l(ln) e(exp) */
    const char *a, *b; /* b: the second operand, or an integer argument */
    size_t prec;
    int mode;
    int status;
    const char *want;
} arith_row;

static const arith_row arith_rows[] = {
    {'+', "0.1", "0.2", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK, "0.3"},
    {'+', "1.50", "1", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK, "2.50"},
    {'-', "1.00", "1", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK, "0.00"},
    {'+', "1E+40", "1", 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "1.000000000000000000000000000000000E+40"},
    {'-', "1E+40", "1", 34, LF_ROUND_FLOOR, LF_NUM_OK, "9.999999999999999999999999999999999E+39"},
    {'+', "1E+30", "1", 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "1000000000000000000000000000001"},
    {'+', "0.000", "1", 2, LF_ROUND_HALF_EVEN, LF_NUM_OK, "1.0"},
    {'*', "1.5", "2.0", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK, "3.00"},
    {'*', "18446744073709551615", "18446744073709551615", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK,
     "340282366920938463426481119284349108225"},
    {'*', "18446744073709551615", "18446744073709551615", 5, LF_ROUND_HALF_EVEN, LF_NUM_OK, "3.4028E+38"},
    {'/', "1", "3", 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "0.3333333333333333333333333333333333"},
    {'/', "2", "3", 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "0.6666666666666666666666666666666667"},
    {'/', "10", "4", 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "2.5"},
    {'/', "2E+3", "4", 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "5E+2"},
    {'/', "1", "1024", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK, "0.0009765625"},
    {'/', "1", "3", 0, LF_ROUND_HALF_EVEN, LF_NUM_INEXACT, NULL},
    {'/', "1", "0.00", 34, LF_ROUND_HALF_EVEN, LF_NUM_DIVZERO, NULL},
    {'q', "-7", "2", 0, 0, LF_NUM_OK, "-4"},
    {'q', "1E+20", "7", 0, 0, LF_NUM_OK, "14285714285714285714"},
    {'m', "-7", "3", 0, 0, LF_NUM_OK, "2"},
    {'m', "7", "-3", 0, 0, LF_NUM_OK, "-2"},
    {'m', "-10.5", "3", 0, 0, LF_NUM_OK, "1.5"},
    {'m', "1", "0", 0, 0, LF_NUM_DIVZERO, NULL},
    {'^', "2", "-2", 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "0.25"},
    {'^', "2", "200", 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "1.606938044258990275541962092341163E+60"},
    {'^', "0", "-1", 34, LF_ROUND_HALF_EVEN, LF_NUM_DIVZERO, NULL},
    {'r', "9.99", "2", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK, "10"},
    {'r', "-2.5", "1", 0, LF_ROUND_HALF_UP, LF_NUM_OK, "-3"},
    {'s', "2.5", "0", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK, "2"},
    {'s', "1.005", "2", 0, LF_ROUND_HALF_UP, LF_NUM_OK, "1.01"},
    {'s', "-1.56", "1", 0, LF_ROUND_FLOOR, LF_NUM_OK, "-1.6"},
    {'s', "1.5", "3", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK, "1.500"},
    {'s', "1.5", "0", 0, LF_ROUND_UNNECESSARY, LF_NUM_INEXACT, NULL},
    {'s', "12345678901234567890123456789.5", "0", 0, LF_ROUND_HALF_EVEN, LF_NUM_OK,
     "12345678901234567890123456790"},
    {'v', "2", NULL, 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "1.414213562373095048801688724209698"},
    {'v', "4.00", NULL, 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "2.0"},
    {'v', "-1", NULL, 34, LF_ROUND_HALF_EVEN, LF_NUM_DOMAIN, NULL},
    {'l', "2", NULL, 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "0.6931471805599453094172321214581766"},
    {'l', "0", NULL, 34, LF_ROUND_HALF_EVEN, LF_NUM_DOMAIN, NULL},
    {'e', "1", NULL, 34, LF_ROUND_HALF_EVEN, LF_NUM_OK, "2.718281828459045235360287471352662"},
    {'e', "-1E-50", NULL, 34, LF_ROUND_DOWN, LF_NUM_OK, "0.9999999999999999999999999999999999"},
};

static void test_arith_rows(void **state) {
    (void)state;
    blocks b = {.n = 0};
    for (size_t i = 0; i < sizeof arith_rows / sizeof arith_rows[0]; i++) {
        const arith_row *r = &arith_rows[i];
        mp_limb_t buf[64];
        lf_arena A;
        lf_arena_init(&A, buf, sizeof buf, test_grow, &b);
        lf_num a = num(&A, r->a), y, out;
        long arg = r->b ? strtol(r->b, NULL, 10) : 0;
        int rc;
        switch (r->op) {
        case '+': y = num(&A, r->b); rc = lf_num_add(&A, &a, &y, 0, r->prec, r->mode, &out); break;
        case '-': y = num(&A, r->b); rc = lf_num_add(&A, &a, &y, 1, r->prec, r->mode, &out); break;
        case '*': y = num(&A, r->b); rc = lf_num_mul(&A, &a, &y, r->prec, r->mode, &out); break;
        case '/': y = num(&A, r->b); rc = lf_num_div(&A, &a, &y, r->prec, r->mode, &out); break;
        case 'q': y = num(&A, r->b); rc = lf_num_idiv(&A, &a, &y, &out); break;
        case 'm': y = num(&A, r->b); rc = lf_num_mod(&A, &a, &y, &out); break;
        case '^': rc = lf_num_pow(&A, &a, arg, r->prec, r->mode, &out); break;
        case 'r': out = a; rc = lf_num_round(&A, &out, (size_t)arg, r->mode); break;
        case 's': out = a; rc = lf_num_set_scale(&A, &out, arg, r->mode); break;
        case 'v': rc = lf_num_sqrt(&A, &a, r->prec, r->mode, &out); break;
        case 'l': rc = lf_num_ln(&A, &a, r->prec, r->mode, &out); break;
        default: rc = lf_num_exp(&A, &a, r->prec, r->mode, &out); break;
        }
        if (rc != r->status) fail_msg("row %zu (%c %s %s): status %d, want %d", i, r->op, r->a, r->b, rc, r->status);
        if (r->want && strcmp(r->want, text(&A, &out)) != 0)
            fail_msg("row %zu (%c %s %s): %s, want %s", i, r->op, r->a, r->b, text(&A, &out), r->want);
        free_all(&b);
    }
}

/* Digit counts at the limb boundaries, where the fast paths change. */
static void test_count_digits(void **state) {
    (void)state;
    blocks b = {.n = 0};
    lf_arena A;
    lf_arena_init(&A, NULL, 0, test_grow, &b);
    static const char *const texts[] = {"9", "10", "9999999999999999999", "10000000000000000000",
                                        "18446744073709551615", "18446744073709551616",
                                        "99999999999999999999999999999999999999",
                                        "100000000000000000000000000000000000000",
                                        "340282366920938463463374607431768211455",
                                        "340282366920938463463374607431768211456"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        lf_num x = num(&A, texts[i]);
        assert_int_equal(strlen(texts[i]), lf_num_count_digits(&A, x.limbs, x.n));
    }
    free_all(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_uses_length),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_parses_back),
        cmocka_unit_test(test_arith_rows),
        cmocka_unit_test(test_count_digits),
        cmocka_unit_test_setup_teardown(test_push_before_module, setup_lua, teardown_lua),
        cmocka_unit_test_setup_teardown(test_push_roundtrips, setup_lua, teardown_lua),
        cmocka_unit_test_setup_teardown(test_push_big, setup_lua, teardown_lua),
        cmocka_unit_test_setup_teardown(test_push_rejects, setup_lua, teardown_lua),
        cmocka_unit_test_setup_teardown(test_pushtext_ignores_others, setup_lua, teardown_lua),
        cmocka_unit_test_setup_teardown(test_api_meets_lua, setup_lua, teardown_lua),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
