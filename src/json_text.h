/*
 * json_text.h: the pure C pieces of luaforce.json, with no Lua in them, so
 * that cmocka can test them directly: a growable output buffer, strict UTF-8
 * validation, string escaping, number classification for the decoder and
 * number formatting for the encoder.
 */
#ifndef LUAFORCE_JSON_TEXT_H
#define LUAFORCE_JSON_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* Returned by the scanners when the text is fine. */
#define LF_JSON_OK ((size_t)-1)

/* ---- output buffer ------------------------------------------------------- */

/* A growable byte buffer. The encoder keeps one inside a Lua userdata whose
 * __gc calls lf_jbuf_free, so a Lua error raised mid-encode leaks nothing. */
typedef struct lf_jbuf {
    char *data;
    size_t len, cap;
} lf_jbuf;

void lf_jbuf_free(lf_jbuf *b);
/* Makes room for n more bytes. Returns 0 when memory is exhausted. */
int lf_jbuf_grow(lf_jbuf *b, size_t n);

static inline int lf_jbuf_reserve(lf_jbuf *b, size_t n) {
    return b->cap - b->len >= n ? 1 : lf_jbuf_grow(b, n);
}

/* ---- UTF-8 --------------------------------------------------------------- */

/* Checks that s[0..len) is well-formed UTF-8 (Unicode table 3-7: no
 * overlong forms, no encoded surrogates, nothing above U+10FFFF, no truncated
 * sequence). Returns LF_JSON_OK, or the 0-based offset of the first byte of
 * the first bad sequence. */
size_t lf_utf8_check(const char *s, size_t len);

/* ---- strings --------------------------------------------------------------- */

/* Appends s as a JSON string literal (quotes included) to b: '"', '\' and
 * control characters escaped (\b \f \n \r \t, others \u00XX), '/' and
 * non-ASCII UTF-8 copied as they are. Returns LF_JSON_OK; or the 0-based
 * offset of invalid UTF-8 in s (b's length is then unspecified); or
 * (size_t)-2 when memory is exhausted. */
#define LF_JSON_NOMEM ((size_t)-2)
size_t lf_json_escape(lf_jbuf *b, const char *s, size_t len);

/* Checks the \u escapes of a raw JSON string body (the text between the
 * quotes, already accepted by yajl's lexer) for surrogates that do not form a
 * pair: yajl 2.1.0 turns a lone high surrogate into '?' and writes a lone low
 * one as invalid UTF-8. Returns LF_JSON_OK or the 0-based offset of the
 * backslash of the offending escape. */
size_t lf_json_check_surrogates(const char *s, size_t len);

/* ---- numbers --------------------------------------------------------------- */

/* What the decoder makes of JSON number text. */
enum {
    LF_JNUM_INTEGER, /* fits lua_Integer: *ival */
    LF_JNUM_FLOAT,   /* a double that writes back to the same value: *dval */
    LF_JNUM_DECIMAL, /* neither: keep the exact digits (luaforce.decimal) */
    LF_JNUM_SYNTAX   /* not JSON number syntax (yajl has checked, so a bug) */
};

/* Classifies the JSON number text s[0..len): integers (no fraction, no
 * exponent) in the int64 range are LF_JNUM_INTEGER; other numbers are
 * LF_JNUM_FLOAT when the shortest round-trip form of the nearest double has
 * the same value as the text (same significant digits, same magnitude), and
 * LF_JNUM_DECIMAL otherwise (beyond int64, too many digits, overflow,
 * underflow). "-0" is the integer 0. */
int lf_json_classify_number(const char *s, size_t len, int64_t *ival, double *dval);

/* Writes integer v in decimal to buf (at least 21 bytes); returns length. */
size_t lf_json_format_integer(int64_t v, char *buf);

/* Writes finite x exactly as lf_format_double does (numfmt.h), with a fast
 * path for doubles that have at most 15 significant digits and lie in
 * [1e-7, 1e15), the usual case for money and measures. buf holds at least
 * LF_DOUBLE_BUFSIZE bytes. */
size_t lf_json_format_double(double x, char *buf);

/* Where the JSON token that ends at s[end) (before any whitespace) starts:
 * yajl reports the position after the token it rejects, and the offset of
 * the token itself is what a reader wants. A string token is found back to
 * its opening quote; "01" counts as the tokens "0" and "1", as yajl lexes it. */
size_t lf_json_token_start(const char *s, size_t end);

/* Line and column (1-based, column counted in bytes) of 0-based offset off
 * in s. */
void lf_json_position(const char *s, size_t len, size_t off, size_t *line, size_t *column);

#endif
