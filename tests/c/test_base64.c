/*
 * test_base64.c: base64.c, the RFC 4648 test vectors (section 10), every
 * byte value, and text that is not base64 under each padding rule. The Lua
 * face is tested in tests/lua/core/base64_spec.lua.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"

static const char *const vectors[][2] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

/* Decodes `text`; returns the error message (NULL when decoded) and
 * leaves the bytes in out[0..*n). */
static const char *decode(const char *text, lf_base64_padding padding, unsigned char *out, size_t *n,
                          size_t *errpos) {
    assert_true(lf_base64_decoded_max(strlen(text)) <= 256);
    return lf_base64_decode(text, strlen(text), padding, out, n, errpos);
}

static void test_rfc4648_vectors(void **state) {
    (void)state;
    for (size_t k = 0; k < sizeof vectors / sizeof vectors[0]; k++) {
        const char *plain = vectors[k][0], *text = vectors[k][1];
        char enc[64];
        size_t n = lf_base64_encoded_size(strlen(plain));
        assert_int_equal(n, strlen(text));
        lf_base64_encode((const unsigned char *)plain, strlen(plain), enc);
        assert_memory_equal(enc, text, n);
        for (int p = 0; p < 2; p++) {
            unsigned char out[256];
            size_t len, errpos;
            assert_null(decode(text, p ? LF_BASE64_PADDING_OPTIONAL : LF_BASE64_PADDING_REQUIRED, out, &len, &errpos));
            assert_int_equal(len, strlen(plain));
            assert_memory_equal(out, plain, len);
        }
    }
}

static void test_every_byte(void **state) {
    (void)state;
    unsigned char in[256], out[264]; /* lf_base64_decoded_max(344) is 260 */
    char text[344];
    for (int i = 0; i < 256; i++) in[i] = (unsigned char)(255 - i);
    for (size_t n = 0; n <= 256; n += 1 + n / 8) {
        size_t size = lf_base64_encoded_size(n), len, errpos;
        assert_true(size <= sizeof text);
        lf_base64_encode(in, n, text);
        assert_null(lf_base64_decode(text, size, LF_BASE64_PADDING_REQUIRED, out, &len, &errpos));
        assert_int_equal(len, n);
        assert_memory_equal(out, in, n);
    }
}

static void test_padding_optional(void **state) {
    (void)state;
    static const char *const rows[][2] = {
        {"Zg", "f"}, {"Zm8", "fo"}, {"Zg=", "f"}, {"Zg=====", "f"}, {"=", ""}, {"====", ""},
        {"Zh==", "f"}, /* bits after the last byte are ignored */
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        unsigned char out[256];
        size_t len, errpos;
        const char *why = decode(rows[k][0], LF_BASE64_PADDING_OPTIONAL, out, &len, &errpos);
        if (why) fail_msg("'%s' refused: %s", rows[k][0], why);
        assert_int_equal(len, strlen(rows[k][1]));
        assert_memory_equal(out, rows[k][1], len);
    }
}

typedef struct {
    const char *text;
    lf_base64_padding padding;
    const char *why;
    size_t errpos; /* the offending character; (size_t)-1: the whole text */
} bad_row;

static const bad_row bad_rows[] = {
    {"Zg", LF_BASE64_PADDING_REQUIRED, "the length is not a multiple of 4", (size_t)-1},
    {"Zg=", LF_BASE64_PADDING_REQUIRED, "the length is not a multiple of 4", (size_t)-1},
    {"Z===", LF_BASE64_PADDING_REQUIRED, "more than two '=' at the end", (size_t)-1},
    {"====", LF_BASE64_PADDING_REQUIRED, "more than two '=' at the end", (size_t)-1},
    {"Zg======", LF_BASE64_PADDING_REQUIRED, "more than two '=' at the end", (size_t)-1},
    {"Zm9v!A==", LF_BASE64_PADDING_REQUIRED, "a character outside the base64 alphabet", 4},
    {"Zm 9", LF_BASE64_PADDING_REQUIRED, "a character outside the base64 alphabet", 2},
    {"Zg==Zg==", LF_BASE64_PADDING_REQUIRED, "a character outside the base64 alphabet", 2},
    {"ab-_", LF_BASE64_PADDING_REQUIRED, "a character outside the base64 alphabet", 2},
    {"Zm9v\n", LF_BASE64_PADDING_OPTIONAL, "a character outside the base64 alphabet", 4},
    {"Z", LF_BASE64_PADDING_OPTIONAL, "one character too many at the end", (size_t)-1},
    {"Zm9vY===", LF_BASE64_PADDING_OPTIONAL, "one character too many at the end", (size_t)-1},
    {"Zg=a", LF_BASE64_PADDING_OPTIONAL, "a character outside the base64 alphabet", 2},
    {"\xc3\xa9", LF_BASE64_PADDING_OPTIONAL, "a character outside the base64 alphabet", 0},
};

static void test_not_base64(void **state) {
    (void)state;
    for (size_t k = 0; k < sizeof bad_rows / sizeof bad_rows[0]; k++) {
        const bad_row *r = &bad_rows[k];
        unsigned char out[256];
        size_t len = 99, errpos;
        const char *why = decode(r->text, r->padding, out, &len, &errpos);
        if (!why) fail_msg("'%s' accepted", r->text);
        assert_string_equal(why, r->why);
        assert_int_equal(len, 0);
        assert_int_equal(errpos, r->errpos == (size_t)-1 ? strlen(r->text) : r->errpos);
    }
}

static void test_sizes(void **state) {
    (void)state;
    assert_int_equal(lf_base64_encoded_size(0), 0);
    assert_int_equal(lf_base64_encoded_size(1), 4);
    assert_int_equal(lf_base64_encoded_size(3), 4);
    assert_int_equal(lf_base64_encoded_size(4), 8);
    assert_int_equal(lf_base64_encoded_size(SIZE_MAX), 0); /* does not fit */
    assert_int_equal(lf_base64_decoded_max(8), 8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_padding_optional),
        cmocka_unit_test(test_not_base64),
        cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
