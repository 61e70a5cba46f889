/*
 * decimal_text.h: the text side of luaforce.decimal, with no Lua and no GMP:
 * recognising number syntax and writing a coefficient and exponent the way
 * Java's BigDecimal does. decimal.c joins these to the limbs; the split keeps
 * the fiddly character work testable on its own (tests/c/test_decimal.c).
 */
#ifndef LUAFORCE_DECIMAL_TEXT_H
#define LUAFORCE_DECIMAL_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* Largest |exponent| a decimal may carry (value = coefficient x 10^exponent).
 * Java's BigDecimal allows an int32 scale; a round limit a little under it
 * leaves room for exponent arithmetic in int64 without overflow checks. */
#define LF_DEC_EXP_MAX 999999999

/* Syntax accepted by lf_dectext_parse. */
enum {
    LF_DECTEXT_LENIENT = 0, /* [+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)? */
    LF_DECTEXT_JSON = 1,    /* -? (0 | [1-9] D*) (. D+)? ([eE] [+-]? D+)? */
};

/* Outcome of lf_dectext_parse. */
enum {
    LF_DECTEXT_OK = 0,
    LF_DECTEXT_SYNTAX = 1, /* not number syntax */
    LF_DECTEXT_RANGE = 2,  /* number syntax, but the exponent is beyond LF_DEC_EXP_MAX */
};

/* A parsed number, pointing into the text it came from. The significant
 * digits are the integer digits followed by the fraction digits, leading
 * zeros skipped; `digits` counts them (0 when the value is zero). */
typedef struct lf_dectext {
    int negative;        /* a '-' was written (also for "-0") */
    const char *ipart;   /* integer digits (may be empty) */
    size_t ilen;
    const char *fpart;   /* fraction digits (may be empty) */
    size_t flen;
    size_t digits;       /* significant digits, leading zeros dropped */
    int32_t exponent;    /* value = DIGITS x 10^exponent, |exponent| <= LF_DEC_EXP_MAX */
} lf_dectext;

/* Parses text[0..len) as a whole (no whitespace, no hex, no nan or inf).
 * Returns LF_DECTEXT_OK and fills *out, or an error code. */
int lf_dectext_parse(const char *text, size_t len, int syntax, lf_dectext *out);

/* Writes the significant digits of a parsed number as values 0..9 (the form
 * mpn_set_str wants) to dst, which has room for t->digits bytes. */
void lf_dectext_digit_values(const lf_dectext *t, unsigned char *dst);

/* Formats sign, coefficient digits (ASCII, no leading zero; "0" for zero)
 * and exponent. Scientific form follows BigDecimal.toString(): plain when
 * exponent <= 0 and the adjusted exponent (exponent + n - 1) >= -6, else
 * "d.dddE+x". With plain set, never scientific (BigDecimal.toPlainString(),
 * except that a zero with a positive exponent prints "0").
 * Returns the length; writes to dst (no NUL) when dst is not NULL, so a
 * first call with NULL sizes the buffer. */
size_t lf_dectext_format(char *dst, int negative, const char *digits, size_t n,
                         int32_t exponent, int plain);

#endif
