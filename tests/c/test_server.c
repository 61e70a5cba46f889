/*
 * test_server.c: the pure C parts of luaforce.core.server (server.h): gzip
 * both ways, the loopback test for peer addresses, the JSON error body, the
 * check of a reply's header lines and the log line's sanitizing. The HTTP
 * side is tested from Lua (tests/lua/core/server_spec.lua).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "server.h"

/* `printf hello | gzip -n` and `printf 'world\n' | gzip -n` */
static const unsigned char gz_hello[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb,
                                         0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x86, 0xa6, 0x10, 0x36, 0x05,
                                         0x00, 0x00, 0x00};
static const unsigned char gz_world[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x2b,
                                         0xcf, 0x2f, 0xca, 0x49, 0xe1, 0x02, 0x00, 0xa8, 0x61, 0x38, 0xdd,
                                         0x06, 0x00, 0x00, 0x00};

/* ---- gzip round trips --------------------------------------------------- */

static void round_trip(const unsigned char *data, size_t n) {
    unsigned char *z = NULL, *back = NULL;
    size_t zn = 0, bn = 0;
    assert_int_equal(LF_GZIP_OK, lf_gzip(data, n, &z, &zn));
    assert_true(zn >= 18); /* gzip header and trailer at least */
    assert_int_equal(0x1f, z[0]);
    assert_int_equal(0x8b, z[1]);
    assert_int_equal(LF_GZIP_OK, lf_gunzip(z, zn, n, &back, &bn)); /* the limit is exactly n */
    assert_int_equal(n, bn);
    assert_non_null(back);
    if (n) assert_memory_equal(data, back, n);
    free(z);
    free(back);
}

static void test_round_trips(void **state) {
    (void)state;
    round_trip((const unsigned char *)"", 0);
    round_trip((const unsigned char *)"x", 1);
    round_trip((const unsigned char *)"a\0b\xff\r\n", 6);
    /* a large, poorly compressible body: the output buffers must grow */
    size_t n = 3 * 1024 * 1024;
    unsigned char *big = malloc(n);
    assert_non_null(big);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (unsigned char)(x >> 16);
    }
    round_trip(big, n);
    /* and a very compressible one: the output is far larger than the input */
    memset(big, 'a', n);
    round_trip(big, n);
    free(big);
}

static void test_gzip_compresses(void **state) {
    (void)state;
    size_t n = 100000;
    char *text = malloc(n);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++) text[i] = "luaforce "[i % 9];
    unsigned char *z;
    size_t zn;
    assert_int_equal(LF_GZIP_OK, lf_gzip(text, n, &z, &zn));
    assert_true(zn < n / 50);
    free(z);
    free(text);
}

/* ---- gunzip: what the gzip command makes, and what it must refuse ----------- */

typedef struct {
    const char *name;
    const unsigned char *in;
    size_t n;
    size_t limit;
    int result;
    const char *out; /* when LF_GZIP_OK */
} gunzip_row;

static unsigned char two_members[sizeof gz_hello + sizeof gz_world];
static unsigned char bad_crc[sizeof gz_hello];
static unsigned char bad_magic[sizeof gz_hello];

static void test_gunzip_rows(void **state) {
    (void)state;
    memcpy(two_members, gz_hello, sizeof gz_hello);
    memcpy(two_members + sizeof gz_hello, gz_world, sizeof gz_world);
    memcpy(bad_crc, gz_hello, sizeof gz_hello);
    bad_crc[sizeof gz_hello - 8] ^= 0x01; /* first CRC-32 byte of the trailer */
    memcpy(bad_magic, gz_hello, sizeof gz_hello);
    bad_magic[0] = 0x1e;
    const gunzip_row rows[] = {
        {"gzip -n output", gz_hello, sizeof gz_hello, 100, LF_GZIP_OK, "hello"},
        {"limit exactly the size", gz_hello, sizeof gz_hello, 5, LF_GZIP_OK, "hello"},
        {"limit one short", gz_hello, sizeof gz_hello, 4, LF_GZIP_TOO_LARGE, NULL},
        {"limit zero", gz_hello, sizeof gz_hello, 0, LF_GZIP_TOO_LARGE, NULL},
        {"two members", two_members, sizeof two_members, 100, LF_GZIP_OK, "helloworld\n"},
        {"truncated trailer", gz_hello, sizeof gz_hello - 3, 100, LF_GZIP_BAD, NULL},
        {"truncated data", gz_hello, 14, 100, LF_GZIP_BAD, NULL},
        {"header only", gz_hello, 10, 100, LF_GZIP_BAD, NULL},
        {"bad CRC", bad_crc, sizeof bad_crc, 100, LF_GZIP_BAD, NULL},
        {"bad magic", bad_magic, sizeof bad_magic, 100, LF_GZIP_BAD, NULL},
        {"plain text", (const unsigned char *)"not gzip at all", 15, 100, LF_GZIP_BAD, NULL},
        {"empty", (const unsigned char *)"", 0, 100, LF_GZIP_BAD, NULL},
        {"trailing garbage", two_members, sizeof gz_hello + 3, 100, LF_GZIP_BAD, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const gunzip_row *r = &rows[i];
        unsigned char *out = NULL;
        size_t n = 0;
        int got = lf_gunzip(r->in, r->n, r->limit, &out, &n);
        if (got != r->result) fail_msg("%s: expected %d, got %d", r->name, r->result, got);
        if (r->out) {
            assert_int_equal(strlen(r->out), n);
            assert_memory_equal(r->out, out, n);
            free(out);
        }
    }
}

/* A small input that inflates enormously stops at the limit, not at the end. */
static void test_gunzip_bomb(void **state) {
    (void)state;
    size_t n = 64 * 1024 * 1024;
    unsigned char *zeros = calloc(1, n), *z, *out = NULL;
    size_t zn, on;
    assert_non_null(zeros);
    assert_int_equal(LF_GZIP_OK, lf_gzip(zeros, n, &z, &zn));
    free(zeros);
    assert_true(zn < 100 * 1024);
    assert_int_equal(LF_GZIP_TOO_LARGE, lf_gunzip(z, zn, 1024 * 1024, &out, &on));
    assert_null(out);
    assert_int_equal(LF_GZIP_OK, lf_gunzip(z, zn, SIZE_MAX, &out, &on)); /* no limit */
    assert_int_equal(n, on);
    free(out);
    free(z);
}

/* ---- loopback ----------------------------------------------------------- */

static int loopback4(const char *text) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    assert_int_equal(1, inet_pton(AF_INET, text, &a.sin_addr));
    return lf_addr_is_loopback((struct sockaddr *)&a);
}

static int loopback6(const char *text) {
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    assert_int_equal(1, inet_pton(AF_INET6, text, &a.sin6_addr));
    return lf_addr_is_loopback((struct sockaddr *)&a);
}

static void test_loopback(void **state) {
    (void)state;
    assert_true(loopback4("127.0.0.1"));
    assert_true(loopback4("127.255.3.4"));
    assert_false(loopback4("128.0.0.1"));
    assert_false(loopback4("10.0.0.1"));
    assert_false(loopback4("0.0.0.0"));
    assert_true(loopback6("::1"));
    assert_true(loopback6("::ffff:127.0.0.1"));
    assert_false(loopback6("::ffff:192.168.1.1"));
    assert_false(loopback6("::2"));
    assert_false(loopback6("fe80::1"));
    assert_false(lf_addr_is_loopback(NULL));
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_false(lf_addr_is_loopback(&other));
}

/* ---- the error body ------------------------------------------------------- */

static void test_error_body(void **state) {
    (void)state;
    const struct {
        const char *code, *message, *body;
    } rows[] = {
        {"UNKNOWN_EXCEPTION", "boom", "[{\"errorCode\":\"UNKNOWN_EXCEPTION\",\"message\":\"boom\"}]"},
        {"BAD_REQUEST", "a \"quoted\" \\ word\nnext\ttab",
         "[{\"errorCode\":\"BAD_REQUEST\",\"message\":\"a \\\"quoted\\\" \\\\ word\\nnext\\ttab\"}]"},
        {"X", "caf\xc3\xa9", "[{\"errorCode\":\"X\",\"message\":\"caf\xc3\xa9\"}]"},
        {"X", "bad \xff byte \xc3", "[{\"errorCode\":\"X\",\"message\":\"bad ? byte ?\"}]"},
        {"X", "", "[{\"errorCode\":\"X\",\"message\":\"\"}]"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t len = 0;
        char *body = lf_error_body(rows[i].code, rows[i].message, &len);
        assert_non_null(body);
        assert_string_equal(rows[i].body, body);
        assert_int_equal(strlen(rows[i].body), len);
        free(body);
    }
}

/* ---- reply header lines -------------------------------------------------- */

static void test_valid_header(void **state) {
    (void)state;
    static const struct {
        const char *name, *value;
        size_t vlen; /* 0: strlen(value) */
        int ok;
    } rows[] = {
        {"Content-Type", "application/json", 0, 1},
        {"X-Odd!#$%&'*+-.^_`|~9", "v", 0, 1}, /* every token character */
        {"Empty-Value", "", 0, 1},
        {"Sforce-Limit-Info", "api-usage=1/15000; other=\"quoted\"", 0, 1},
        {"", "v", 0, 0},                      /* no name */
        {"Bad Name", "v", 0, 0},              /* a space */
        {"Bad:Name", "v", 0, 0},              /* a separator */
        {"Bad(Name)", "v", 0, 0},
        {"Caf\xc3\xa9", "v", 0, 0},           /* not ASCII */
        {"X-Split", "a\r\nInjected: 1", 0, 0}, /* a line break in the value */
        {"X-Split", "a\nb", 0, 0},
        {"X-Nul", "a\0b", 3, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t vlen = rows[i].vlen ? rows[i].vlen : strlen(rows[i].value);
        int got = lf_valid_header(rows[i].name, strlen(rows[i].name), rows[i].value, vlen);
        if (got != rows[i].ok) fail_msg("row %zu (%s): got %d", i, rows[i].name, got);
    }
    /* a NUL inside the name's length */
    assert_int_equal(0, lf_valid_header("A\0B", 3, "v", 1));
}

/* ---- the log line ------------------------------------------------------------ */

static void test_log_append(void **state) {
    (void)state;
    char buf[16];
    size_t len = 0;
    buf[0] = '\0';
    lf_log_append(buf, sizeof buf, &len, "GET ", 4);
    lf_log_append(buf, sizeof buf, &len, "/a\r\nb\x7f", 6);
    assert_string_equal("GET /a??b?", buf);
    assert_int_equal(10, len);
    /* cut at the capacity, still terminated */
    lf_log_append(buf, sizeof buf, &len, "0123456789", 10);
    assert_int_equal(15, len);
    assert_string_equal("GET /a??b?01234", buf);
    lf_log_append(buf, sizeof buf, &len, "more", 4);
    assert_int_equal(15, len);
    /* bytes from 0x80 up (UTF-8) pass unchanged */
    len = 0;
    lf_log_append(buf, sizeof buf, &len, "caf\xc3\xa9", 5);
    assert_string_equal("caf\xc3\xa9", buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),  cmocka_unit_test(test_gzip_compresses),
        cmocka_unit_test(test_gunzip_rows),  cmocka_unit_test(test_gunzip_bomb),
        cmocka_unit_test(test_loopback),     cmocka_unit_test(test_error_body),
        cmocka_unit_test(test_valid_header), cmocka_unit_test(test_log_append),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
