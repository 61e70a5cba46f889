/*
 * decimal_text.c: number syntax in, BigDecimal-style text out.
 *
 * Nothing here allocates: parsing records where the digits are in the
 * caller's text, and formatting is sized by a first call with dst == NULL.
 * That keeps the Lua side free to put big buffers in memory the collector
 * owns (a Lua error can then never leak them).
 */
#include <stdio.h>
#include <string.h>

#include "decimal_text.h"

static int is_digit(char c) {
    return c >= '0' && c <= '9';
}

int lf_dectext_parse(const char *text, size_t len, int syntax, lf_dectext *out) {
    const char *p = text, *end = text + len;
    int json = syntax == LF_DECTEXT_JSON;

    memset(out, 0, sizeof *out);
    if (p < end && (*p == '-' || (*p == '+' && !json))) out->negative = *p++ == '-';
    out->ipart = p;
    while (p < end && is_digit(*p)) p++;
    out->ilen = (size_t)(p - out->ipart);
    out->fpart = p;
    if (p < end && *p == '.') {
        out->fpart = ++p;
        while (p < end && is_digit(*p)) p++;
        out->flen = (size_t)(p - out->fpart);
        if (json && out->flen == 0) return LF_DECTEXT_SYNTAX; /* "5." */
    }
    if (out->ilen == 0 && out->flen == 0) return LF_DECTEXT_SYNTAX; /* "", "-", "." */
    if (json && (out->ilen == 0 || (out->ilen > 1 && out->ipart[0] == '0')))
        return LF_DECTEXT_SYNTAX; /* ".5", "01" */

    /* The exponent saturates well above any limit, so that "1e99999999999999999999"
     * is a range error and not a wrapped-around small number. */
    int64_t exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == end || !is_digit(*p)) return LF_DECTEXT_SYNTAX;
        for (; p < end && is_digit(*p); p++)
            if (exp < INT64_C(100000000000000000)) exp = exp * 10 + (*p - '0');
        if (eneg) exp = -exp;
    }
    if (p != end) return LF_DECTEXT_SYNTAX;

    /* exp is below 10^18 and flen is the length of text in memory: no overflow. */
    exp -= (int64_t)out->flen;
    if (exp > LF_DEC_EXP_MAX || exp < -LF_DEC_EXP_MAX) return LF_DECTEXT_RANGE;
    out->exponent = (int32_t)exp;

    size_t lead = 0;
    while (lead < out->ilen && out->ipart[lead] == '0') lead++;
    if (lead == out->ilen) {
        size_t flead = 0;
        while (flead < out->flen && out->fpart[flead] == '0') flead++;
        out->digits = out->flen - flead;
    } else {
        out->digits = out->ilen - lead + out->flen;
    }
    return LF_DECTEXT_OK;
}

void lf_dectext_digit_values(const lf_dectext *t, unsigned char *dst) {
    /* The significant digits are the last t->digits of ipart ++ fpart. */
    size_t skip = t->ilen + t->flen - t->digits;
    for (size_t i = skip; i < t->ilen; i++) *dst++ = (unsigned char)(t->ipart[i] - '0');
    for (size_t i = skip > t->ilen ? skip - t->ilen : 0; i < t->flen; i++)
        *dst++ = (unsigned char)(t->fpart[i] - '0');
}

/* Appends helpers that only count when dst is NULL. */
static size_t put(char *dst, size_t at, const char *src, size_t n) {
    if (dst) memcpy(dst + at, src, n);
    return at + n;
}

static size_t put_zeros(char *dst, size_t at, size_t n) {
    if (dst) memset(dst + at, '0', n);
    return at + n;
}

size_t lf_dectext_format(char *dst, int negative, const char *digits, size_t n,
                         int32_t exponent, int plain) {
    int zero = n == 1 && digits[0] == '0';
    int64_t adjusted = (int64_t)exponent + (int64_t)n - 1;
    size_t at = 0;

    if (negative) at = put(dst, at, "-", 1);
    if (plain || (exponent <= 0 && adjusted >= -6)) {
        if (exponent >= 0) {
            at = put(dst, at, digits, n);
            if (!zero) at = put_zeros(dst, at, (size_t)exponent);
        } else {
            size_t frac = (size_t)-(int64_t)exponent;
            if (n > frac) {
                at = put(dst, at, digits, n - frac);
                at = put(dst, at, ".", 1);
                at = put(dst, at, digits + (n - frac), frac);
            } else {
                at = put(dst, at, "0.", 2);
                at = put_zeros(dst, at, frac - n);
                at = put(dst, at, digits, n);
            }
        }
        return at;
    }

    char ebuf[32];
    int elen = snprintf(ebuf, sizeof ebuf, "E%+lld", (long long)adjusted);
    at = put(dst, at, digits, 1);
    if (n > 1) {
        at = put(dst, at, ".", 1);
        at = put(dst, at, digits + 1, n - 1);
    }
    return put(dst, at, ebuf, (size_t)elen);
}
