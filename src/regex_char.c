/*
 * regex_char.c: the translator's characters (see regex_text.c): the output
 * buffer, strict UTF-8 decoding, the escapes that stand for one character
 * (\t, \x{..}, \uhhhh and surrogate pairs, \0ooo, \cX), and a character or
 * a class range written for PCRE2, folded as Java's CASE_INSENSITIVE does
 * (US-ASCII letters only, unless UNICODE_CASE).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regex_internal.h"
#include "regex_text.h"

void lf_rx_put(rbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void lf_rx_puts(rbuf *b, const char *s) { lf_rx_put(b, s, strlen(s)); }

void lf_rx_putbuf(rbuf *b, const rbuf *src) {
    if (src->oom) b->oom = 1;
    else lf_rx_put(b, src->p ? src->p : "", src->n);
}

static void put_hex(rbuf *b, uint32_t cp) {
    char tmp[16];
    int k = snprintf(tmp, sizeof tmp, "\\x{%X}", (unsigned)cp);
    lf_rx_put(b, tmp, (size_t)k);
}

int lf_rx_fail(tr *t, size_t at, const char *fmt, ...) {
    if (!t->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->err, t->errlen, fmt, ap);
        va_end(ap);
        t->erroff = at;
        t->failed = 1;
    }
    return -1;
}

/* Decodes one UTF-8 character at t->i (strict: no overlongs, surrogates or
 * values past U+10FFFF) and advances past it. */
int lf_rx_decode(tr *t, uint32_t *cp) {
    const unsigned char *s = (const unsigned char *)t->s + t->i;
    size_t left = t->n - t->i;
    uint32_t c = s[0], min;
    int extra;
    if (c < 0x80) { *cp = c; t->i++; return 0; }
    if (c >= 0xC2 && c <= 0xDF) { extra = 1; c &= 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { extra = 2; c &= 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { extra = 3; c &= 0x07; min = 0x10000; }
    else return lf_rx_fail(t, t->i, "invalid UTF-8 in pattern");
    if (left < (size_t)extra + 1) return lf_rx_fail(t, t->i, "invalid UTF-8 in pattern");
    for (int k = 1; k <= extra; k++) {
        if ((s[k] & 0xC0) != 0x80) return lf_rx_fail(t, t->i, "invalid UTF-8 in pattern");
        c = (c << 6) | (s[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return lf_rx_fail(t, t->i, "invalid UTF-8 in pattern");
    *cp = c;
    t->i += (size_t)extra + 1;
    return 0;
}

/* Under (?x), Java skips ASCII white space and "#" comments (to the end of
 * the line) between tokens, inside classes too. */
void lf_rx_skip_ws(tr *t) {
    if (!(t->flags & LF_RX_COMMENTS)) return;
    while (!at_end(t)) {
        int c = cur(t);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') {
            t->i++;
        } else if (c == '#') {
            while (!at_end(t) && cur(t) != '\n' && cur(t) != '\r') t->i++;
        } else {
            break;
        }
    }
}

static int is_ascii_letter(uint32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* One character as a PCRE2 atom: ASCII letters and digits as themselves,
 * everything else as \x{..} so no character can turn into syntax. */
static void put_char(rbuf *b, uint32_t cp) {
    if (cp < 0x80 && isalnum((int)cp)) {
        char c = (char)cp;
        lf_rx_put(b, &c, 1);
    } else {
        put_hex(b, cp);
    }
}

/* A literal character outside a class, folded as the current flags say. */
void lf_rx_put_literal(tr *t, rbuf *b, uint32_t cp) {
    if ((t->flags & LF_RX_CASELESS) && (t->flags & LF_RX_UNICODE_CASE) &&
        (cp >= 0x80 || is_ascii_letter(cp))) {
        lf_rx_puts(b, "(?i:");
        put_char(b, cp);
        lf_rx_puts(b, ")");
    } else if ((t->flags & LF_RX_CASELESS) && is_ascii_letter(cp)) {
        char tmp[5] = {'[', (char)(cp | 0x20), (char)(cp & ~0x20u), ']', 0};
        lf_rx_puts(b, tmp);
    } else {
        put_char(b, cp);
    }
}

/* A class range lo-hi (inclusive); under ASCII-only folding the parts that
 * overlap a-z or A-Z bring their other case along. */
void lf_rx_put_range(tr *t, rbuf *b, uint32_t lo, uint32_t hi) {
    put_hex(b, lo);
    if (hi != lo) {
        lf_rx_puts(b, "-");
        put_hex(b, hi);
    }
    if (!(t->flags & LF_RX_CASELESS) || (t->flags & LF_RX_UNICODE_CASE)) return;
    static const uint32_t bands[2][2] = {{'a', 'z'}, {'A', 'Z'}};
    for (int k = 0; k < 2; k++) {
        uint32_t a = lo > bands[k][0] ? lo : bands[k][0];
        uint32_t z = hi < bands[k][1] ? hi : bands[k][1];
        if (a > z) continue;
        uint32_t d = k == 0 ? (uint32_t)-32 : 32; /* to the other case */
        put_hex(b, a + d);
        if (z != a) {
            lf_rx_puts(b, "-");
            put_hex(b, z + d);
        }
    }
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads exactly `k` hex digits at t->i. */
static int read_hex(tr *t, int k, uint32_t *v) {
    uint32_t x = 0;
    for (int j = 0; j < k; j++) {
        int h = hexval(ahead(t, (size_t)j));
        if (h < 0) return lf_rx_fail(t, t->i, "illegal hexadecimal escape sequence");
        x = x * 16 + (uint32_t)h;
    }
    t->i += (size_t)k;
    *v = x;
    return 0;
}

/* Escapes that stand for one character. Called with t->i just past the
 * backslash; returns 1 with *cp set, 0 when the escape is something else
 * (t->i unchanged), -1 on error. */
int lf_rx_escape_char(tr *t, uint32_t *cp) {
    size_t at = t->i - 1;
    int c = cur(t);
    switch (c) {
    case 't': t->i++; *cp = '\t'; return 1;
    case 'n': t->i++; *cp = '\n'; return 1;
    case 'r': t->i++; *cp = '\r'; return 1;
    case 'f': t->i++; *cp = '\f'; return 1;
    case 'a': t->i++; *cp = 7; return 1;
    case 'e': t->i++; *cp = 27; return 1;
    case 'c':
        if (t->i + 1 >= t->n) return lf_rx_fail(t, at, "illegal control escape sequence");
        *cp = (uint32_t)(unsigned char)t->s[t->i + 1] ^ 64;
        t->i += 2;
        return 1;
    case '0': { /* \0n, \0nn, \0mnn (m <= 3): octal, at least one digit */
        t->i++;
        int d0 = cur(t);
        if (d0 < '0' || d0 > '7') return lf_rx_fail(t, at, "illegal octal escape sequence");
        uint32_t v = 0;
        int maxd = d0 <= '3' ? 3 : 2;
        for (int k = 0; k < maxd && cur(t) >= '0' && cur(t) <= '7'; k++) {
            v = v * 8 + (uint32_t)(cur(t) - '0');
            t->i++;
        }
        *cp = v;
        return 1;
    }
    case 'x': {
        t->i++;
        uint32_t v = 0;
        if (cur(t) == '{') {
            t->i++;
            int digits = 0;
            while (hexval(cur(t)) >= 0) {
                v = v * 16 + (uint32_t)hexval(cur(t));
                if (v > 0x10FFFF) return lf_rx_fail(t, at, "hexadecimal code point is too big");
                t->i++;
                digits++;
            }
            if (digits == 0 || cur(t) != '}') return lf_rx_fail(t, at, "unclosed hexadecimal escape sequence");
            t->i++;
        } else if (read_hex(t, 2, &v) < 0) {
            return -1;
        }
        if (v >= 0xD800 && v <= 0xDFFF) return lf_rx_fail(t, at, "surrogate code points cannot occur in UTF-8 text");
        *cp = v;
        return 1;
    }
    case 'u': { /* \uhhhh, two of them for a surrogate pair */
        t->i++;
        uint32_t v = 0;
        if (read_hex(t, 4, &v) < 0) return -1;
        if (v >= 0xD800 && v <= 0xDBFF && cur(t) == '\\' && ahead(t, 1) == 'u') {
            size_t save = t->i;
            uint32_t lo = 0;
            t->i += 2;
            if (read_hex(t, 4, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                *cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                return 1;
            }
            if (t->failed) return -1;
            t->i = save;
        }
        if (v >= 0xD800 && v <= 0xDFFF) return lf_rx_fail(t, at, "surrogate code points cannot occur in UTF-8 text");
        *cp = v;
        return 1;
    }
    default:
        if (c < 0) return lf_rx_fail(t, at, "unexpected end of pattern after \\");
        if (c < 0x80 && isalnum(c)) return 0;
        /* a backslash before anything else quotes it */
        if (lf_rx_decode(t, cp) < 0) return -1;
        return 1;
    }
}
