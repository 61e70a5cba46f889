/*
 * json_text.c: the pure C pieces of luaforce.json (see json_text.h).
 *
 * The scanners work on 8 bytes at a time where that is easy (runs of plain
 * ASCII are the bulk of Salesforce payloads) and fall back to one byte at a
 * time around anything that needs a decision.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "numfmt.h"

/* ---- output buffer ------------------------------------------------------- */

void lf_jbuf_free(lf_jbuf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int lf_jbuf_grow(lf_jbuf *b, size_t n) {
    size_t need = b->len + n;
    if (need < b->len) return 0; /* overflow */
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) return 0;
    b->data = p;
    b->cap = cap;
    return 1;
}

/* ---- UTF-8 --------------------------------------------------------------- */

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static inline uint64_t load8(const char *s) {
    uint64_t v;
    memcpy(&v, s, 8);
    return v;
}

/* Length of the well-formed UTF-8 sequence starting at s (which begins with
 * a byte >= 0x80), or 0 when it is not one. n is the bytes available. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c >= 0xC2 && c <= 0xDF) {
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[2] & 0xC0) != 0x80) return 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;      /* overlong below U+0800 */
        else if (c == 0xED) hi = 0x9F; /* U+D800..DFFF are surrogates */
        return s[1] >= lo && s[1] <= hi ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;      /* overlong below U+10000 */
        else if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
        return s[1] >= lo && s[1] <= hi ? 4 : 0;
    }
    return 0; /* continuation byte, C0/C1 (overlong), F5..FF */
}

size_t lf_utf8_check(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8 && (load8(s + i) & HIGHS) == 0) {
            i += 8;
            continue;
        }
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0) return i;
        i += n;
    }
    return LF_JSON_OK;
}

/* ---- strings --------------------------------------------------------------- */

/* For each ASCII byte: 0 copy as is; 'u' write \u00XX; another character:
 * write a backslash and that character. */
static const unsigned char escape_kind[128] = {
    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0B] = 'u', [0x0E] = 'u',
    [0x0F] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
    [0x19] = 'u', [0x1A] = 'u', [0x1B] = 'u', [0x1C] = 'u', [0x1D] = 'u',
    [0x1E] = 'u', [0x1F] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* Nonzero when one of the 8 bytes in v is a control character, '"', '\'
 * or >= 0x80 (the classic "has a byte less than n / equal to c" tricks). */
static inline uint64_t needs_care(uint64_t v) {
    uint64_t ctl = (v - ONES * 0x20) & ~v;
    uint64_t q = v ^ (ONES * '"');
    uint64_t bs = v ^ (ONES * '\\');
    q = (q - ONES) & ~q;
    bs = (bs - ONES) & ~bs;
    return (ctl | q | bs | v) & HIGHS;
}

size_t lf_json_escape(lf_jbuf *b, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    if (!lf_jbuf_reserve(b, len + 2)) return LF_JSON_NOMEM;
    b->data[b->len++] = '"';
    size_t i = 0, run = 0; /* s[run..i) is waiting to be copied */
    while (i < len) {
        if (len - i >= 8 && !needs_care(load8(s + i))) {
            i += 8;
            continue;
        }
        unsigned char k = u[i] < 0x80 ? escape_kind[u[i]] : 1;
        if (k == 0) {
            i++;
            continue;
        }
        if (k == 1) { /* a UTF-8 lead byte, or a stray one */
            size_t n = utf8_seq(u + i, len - i);
            if (n == 0) return i;
            i += n;
            continue;
        }
        /* flush the run, then make room for the escape and the rest */
        memcpy(b->data + b->len, s + run, i - run);
        b->len += i - run;
        if (!lf_jbuf_reserve(b, 6 + (len - i) + 1)) return LF_JSON_NOMEM;
        char *o = b->data + b->len;
        *o++ = '\\';
        if (k == 'u') {
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[u[i] >> 4];
            *o++ = hex[u[i] & 15];
        } else {
            *o++ = (char)k;
        }
        b->len = (size_t)(o - b->data);
        run = ++i;
    }
    memcpy(b->data + b->len, s + run, len - run);
    b->len += len - run;
    b->data[b->len++] = '"';
    return LF_JSON_OK;
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

size_t lf_json_check_surrogates(const char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        const char *bs = memchr(s + i, '\\', len - i);
        if (!bs) break;
        i = (size_t)(bs - s);
        if (i + 1 >= len) break;
        if (s[i + 1] != 'u') {
            i += 2;
            continue;
        }
        unsigned cp, lo;
        if (i + 6 > len || !hex4(s + i + 2, &cp)) return i;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return i; /* low without a high */
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 12 > len || s[i + 6] != '\\' || s[i + 7] != 'u' || !hex4(s + i + 8, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return i;
            i += 12;
        } else {
            i += 6;
        }
    }
    return LF_JSON_OK;
}

/* ---- numbers --------------------------------------------------------------- */

/* 10^0 .. 10^22 are exact doubles. */
static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline int is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* Integer text (digits only, with a sign flag) to int64, when it fits. */
static int integer_value(const char *d, size_t n, int neg, int64_t *out) {
    while (n > 1 && *d == '0') d++, n--;
    if (n > 19) return 0;
    if (n == 19) {
        const char *lim = neg ? "9223372036854775808" : "9223372036854775807";
        if (memcmp(d, lim, 19) > 0) return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (uint64_t)(d[i] - '0');
    /* negate in unsigned arithmetic: -2^63 has no positive int64 */
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 1;
}

int lf_json_classify_number(const char *s, size_t len, int64_t *ival, double *dval) {
    const char *p = s, *end = s + len;
    int neg = p < end && *p == '-';
    p += neg;
    const char *ib = p;
    while (p < end && is_digit(*p)) p++;
    size_t ilen = (size_t)(p - ib);
    if (ilen == 0) return LF_JNUM_SYNTAX;
    const char *fb = p;
    size_t flen = 0;
    int real = 0;
    if (p < end && *p == '.') {
        fb = ++p;
        while (p < end && is_digit(*p)) p++;
        flen = (size_t)(p - fb);
        if (flen == 0) return LF_JNUM_SYNTAX;
        real = 1;
    }
    long long exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == end || !is_digit(*p)) return LF_JNUM_SYNTAX;
        for (; p < end && is_digit(*p); p++)
            if (exp < 1000000000) exp = exp * 10 + (*p - '0'); /* saturates */
        if (eneg) exp = -exp;
        real = 1;
    }
    if (p != end) return LF_JNUM_SYNTAX;
    if (!real) return integer_value(ib, ilen, neg, ival) ? LF_JNUM_INTEGER : LF_JNUM_DECIMAL;

    /* The digits D = int part ++ fraction; value = D * 10^(exp - flen).
     * Find the significant digits (no leading or trailing zeros). */
    size_t total = ilen + flen, first = 0, last;
#define DIGIT(k) ((k) < ilen ? ib[k] : fb[(k) - ilen])
    while (first < total && DIGIT(first) == '0') first++;
    if (first == total) { /* zero, keep its sign */
        *dval = neg ? -0.0 : 0.0;
        return LF_JNUM_FLOAT;
    }
    last = total - 1;
    while (DIGIT(last) == '0') last--;
    size_t nsig = last - first + 1;
    if (nsig > 17) return LF_JNUM_DECIMAL; /* no double has 18 digits */
    char digits[20];
    uint64_t m = 0;
    for (size_t k = first; k <= last; k++) {
        digits[k - first] = DIGIT(k);
        m = m * 10 + (uint64_t)(DIGIT(k) - '0');
    }
    digits[nsig] = '\0';
#undef DIGIT
    /* value = m * 10^e10 = 0.digits * 10^point */
    long long e10 = exp - (long long)flen + (long long)(total - 1 - last);
    long long point = e10 + (long long)nsig;

    double x;
    if (nsig <= 15 && point >= -306 && point <= 308) {
        /* Any decimal of at most 15 digits inside the normal range is the
         * shortest form of its nearest double. With 10^|e10| exact and m
         * below 2^53, one correctly rounded operation gives that double. */
        if (e10 >= 0 && e10 <= 22) x = (double)m * pow10_exact[e10];
        else if (e10 < 0 && e10 >= -22) x = (double)m / pow10_exact[-e10];
        else {
            char text[48];
            memcpy(text, digits, nsig);
            snprintf(text + nsig, sizeof text - nsig, "e%lld", e10);
            x = strtod(text, NULL);
        }
        *dval = neg ? -x : x;
        return LF_JNUM_FLOAT;
    }
    if (point < -400 || point > 400) return LF_JNUM_DECIMAL;
    char text[48];
    memcpy(text, digits, nsig);
    snprintf(text + nsig, sizeof text - nsig, "e%lld", e10);
    x = strtod(text, NULL);
    if (x == 0 || !isfinite(x)) return LF_JNUM_DECIMAL; /* underflow, overflow */
    char back[20];
    int bpoint;
    lf_double_digits(x, back, &bpoint);
    if (bpoint != point || strcmp(back, digits) != 0) return LF_JNUM_DECIMAL;
    *dval = neg ? -x : x;
    return LF_JNUM_FLOAT;
}

size_t lf_json_format_integer(int64_t v, char *buf) {
    char tmp[24];
    char *t = tmp + sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--t = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--t = '-';
    size_t n = (size_t)(tmp + sizeof tmp - t);
    memcpy(buf, t, n);
    return n;
}

size_t lf_json_format_double(double x, char *buf) {
    double ax = fabs(x);
    if (ax >= 1e-7 && ax < 1e15) {
        /* Find the fewest fraction digits k with m = round(ax * 10^k) and
         * m / 10^k == ax. With m below 10^15 the decimal grid is coarser
         * than the doubles, so m is the one 15-digit decimal that reads
         * back as ax, which is what printf's %.14e yields in
         * lf_double_digits: the output is identical. */
        for (int k = 0; k <= 22; k++) {
            double v = ax * pow10_exact[k];
            if (v >= 1e15) break;
            double m = (double)(uint64_t)(v + 0.5);
            if (m / pow10_exact[k] != ax) continue;
            char d[24];
            size_t n = lf_json_format_integer((int64_t)m, d);
            char *o = buf;
            if (signbit(x)) *o++ = '-';
            if (k == 0) {
                memcpy(o, d, n);
                o += n;
                *o++ = '.';
                *o++ = '0';
            } else if (n > (size_t)k) {
                memcpy(o, d, n - (size_t)k);
                o += n - (size_t)k;
                *o++ = '.';
                memcpy(o, d + n - (size_t)k, (size_t)k);
                o += k;
            } else {
                *o++ = '0';
                *o++ = '.';
                for (size_t z = n; z < (size_t)k; z++) *o++ = '0';
                memcpy(o, d, n);
                o += n;
            }
            *o = '\0';
            return (size_t)(o - buf);
        }
    }
    return lf_format_double(x, buf);
}

static int is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_numchar(char c) {
    return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

static int is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t lf_json_token_start(const char *s, size_t end) {
    while (end > 0 && is_ws(s[end - 1])) end--;
    if (end == 0) return 0;
    size_t q = end - 1;
    char c = s[q];
    if (c == '"') {
        /* the opening quote is the first '"' going back that is not
         * escaped, i.e. preceded by an even number of backslashes */
        while (q > 0) {
            q--;
            if (s[q] != '"') continue;
            size_t nb = 0;
            while (q > nb && s[q - nb - 1] == '\\') nb++;
            if (nb % 2 == 0) return q;
        }
        return 0;
    }
    if (is_digit(c)) {
        while (q > 0 && is_numchar(s[q - 1])) q--;
        /* a leading zero ends a number: "01" is "0" then "1" */
        size_t z = q + (s[q] == '-');
        if (z + 1 < end && s[z] == '0' && is_digit(s[z + 1])) {
            z++;
            while (z + 1 < end && s[z] == '0' && is_digit(s[z + 1])) z++;
            return z;
        }
        return q;
    }
    if (is_letter(c)) {
        while (q > 0 && is_letter(s[q - 1])) q--;
        return q;
    }
    return q;
}

void lf_json_position(const char *s, size_t len, size_t off, size_t *line, size_t *column) {
    if (off > len) off = len;
    size_t ln = 1, start = 0;
    for (const char *p = s, *e = s + off; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) {
        ln++;
        start = (size_t)(p - s) + 1;
    }
    *line = ln;
    *column = off - start + 1;
}
