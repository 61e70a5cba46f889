/*
 * regex_text.c: java.util.regex syntax rewritten for PCRE2, and Java's
 * replacement strings. See regex_text.h.
 *
 * Why a translator rather than PCRE2 as it comes: the two dialects agree on
 * most of the surface but differ in ways a user would notice, and FEEL
 * (Camunda) runs on Java's:
 *  - CASE_INSENSITIVE folds US-ASCII letters only; PCRE2's caseless mode in
 *    UTF mode folds all of Unicode (and matches "k" with the Kelvin sign).
 *    So the translator does the folding itself: a letter under (?i) becomes
 *    [aA], a class range gains its other-case range, and PCRE2 never sees
 *    its own caseless flag (except under Java's (?iu), where Unicode
 *    folding is what Java does too).
 *  - "." excludes Java's five line terminators (\n \r \u0085 \u2028 \u2029),
 *    and under (?x) Java also ignores white space inside classes; both need
 *    the flag state at each point, so the translator tracks inline flags
 *    through groups and writes "." and comments out explicitly.
 *  - \1..\9 are back references and longer numbers only while that many
 *    groups exist (PCRE2 reads \11 as octal otherwise); \uhhhh and \0ooo
 *    escapes; \p{Alpha}, \p{javaLowerCase}, \p{IsLatin} property names;
 *    nested classes and intersections [a-z&&[^aeiou]], which PCRE2 lacks and
 *    get rewritten with lookaheads.
 *  - Java rejects what PCRE2 would read as something else: "(*VERB)",
 *    "(?|", "(?R)", "\K", "\g", a "{" that is not a repetition. The
 *    translator rejects them too, so a pattern means one thing or nothing.
 * Caveats (documented in lua/luaforce/regex.lua): Unicode blocks (\p{InX})
 * and \b{g} are unsupported; (?U) only at the start of the pattern; under
 * (?d) only "." changes (PCRE2's ^ and $ keep every line terminator).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex_text.h"

#define MAX_NEST 200   /* groups and classes nested this deep are refused */

/* A growing output buffer; `oom` latches the first allocation failure so
 * callers check once at the end. */
typedef struct rbuf {
    char *p;
    size_t n, cap;
    int oom;
} rbuf;

static void put(rbuf *b, const char *s, size_t n) {
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

static void puts_(rbuf *b, const char *s) { put(b, s, strlen(s)); }

static void putbuf(rbuf *b, const rbuf *src) {
    if (src->oom) b->oom = 1;
    else put(b, src->p ? src->p : "", src->n);
}

static void put_hex(rbuf *b, uint32_t cp) {
    char tmp[16];
    int k = snprintf(tmp, sizeof tmp, "\\x{%X}", (unsigned)cp);
    put(b, tmp, (size_t)k);
}

/* The translator's state. `flags` is the flag set in force at the current
 * point; `stack` holds the enclosing groups' sets, restored at ")". */
typedef struct tr {
    const char *s;
    size_t n, i;
    unsigned flags;
    unsigned stack[MAX_NEST];
    int depth;
    int groups; /* capturing groups opened so far */
    int class_depth;
    int ucp;
    int failed;
    char *err;
    size_t errlen, erroff;
} tr;

static int fail(tr *t, size_t at, const char *fmt, ...) {
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
static int decode(tr *t, uint32_t *cp) {
    const unsigned char *s = (const unsigned char *)t->s + t->i;
    size_t left = t->n - t->i;
    uint32_t c = s[0], min;
    int extra;
    if (c < 0x80) { *cp = c; t->i++; return 0; }
    if (c >= 0xC2 && c <= 0xDF) { extra = 1; c &= 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { extra = 2; c &= 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { extra = 3; c &= 0x07; min = 0x10000; }
    else return fail(t, t->i, "invalid UTF-8 in pattern");
    if (left < (size_t)extra + 1) return fail(t, t->i, "invalid UTF-8 in pattern");
    for (int k = 1; k <= extra; k++) {
        if ((s[k] & 0xC0) != 0x80) return fail(t, t->i, "invalid UTF-8 in pattern");
        c = (c << 6) | (s[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return fail(t, t->i, "invalid UTF-8 in pattern");
    *cp = c;
    t->i += (size_t)extra + 1;
    return 0;
}

static int at_end(const tr *t) { return t->i >= t->n; }
static int cur(const tr *t) { return t->i < t->n ? (unsigned char)t->s[t->i] : -1; }
static int ahead(const tr *t, size_t k) {
    return t->i + k < t->n ? (unsigned char)t->s[t->i + k] : -1;
}

/* Under (?x), Java skips ASCII white space and "#" comments (to the end of
 * the line) between tokens, inside classes too. */
static void skip_ws(tr *t) {
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
        put(b, &c, 1);
    } else {
        put_hex(b, cp);
    }
}

/* A literal character outside a class, folded as the current flags say. */
static void put_literal(tr *t, rbuf *b, uint32_t cp) {
    if ((t->flags & LF_RX_CASELESS) && (t->flags & LF_RX_UNICODE_CASE) &&
        (cp >= 0x80 || is_ascii_letter(cp))) {
        puts_(b, "(?i:");
        put_char(b, cp);
        puts_(b, ")");
    } else if ((t->flags & LF_RX_CASELESS) && is_ascii_letter(cp)) {
        char tmp[5] = {'[', (char)(cp | 0x20), (char)(cp & ~0x20u), ']', 0};
        puts_(b, tmp);
    } else {
        put_char(b, cp);
    }
}

/* A class range lo-hi (inclusive); under ASCII-only folding the parts that
 * overlap a-z or A-Z bring their other case along. */
static void put_range(tr *t, rbuf *b, uint32_t lo, uint32_t hi) {
    put_hex(b, lo);
    if (hi != lo) {
        puts_(b, "-");
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
            puts_(b, "-");
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
        if (h < 0) return fail(t, t->i, "illegal hexadecimal escape sequence");
        x = x * 16 + (uint32_t)h;
    }
    t->i += (size_t)k;
    *v = x;
    return 0;
}

/* Escapes that stand for one character. Called with t->i just past the
 * backslash; returns 1 with *cp set, 0 when the escape is something else
 * (t->i unchanged), -1 on error. */
static int escape_char(tr *t, uint32_t *cp) {
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
        if (t->i + 1 >= t->n) return fail(t, at, "illegal control escape sequence");
        *cp = (uint32_t)(unsigned char)t->s[t->i + 1] ^ 64;
        t->i += 2;
        return 1;
    case '0': { /* \0n, \0nn, \0mnn (m <= 3): octal, at least one digit */
        t->i++;
        int d0 = cur(t);
        if (d0 < '0' || d0 > '7') return fail(t, at, "illegal octal escape sequence");
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
                if (v > 0x10FFFF) return fail(t, at, "hexadecimal code point is too big");
                t->i++;
                digits++;
            }
            if (digits == 0 || cur(t) != '}') return fail(t, at, "unclosed hexadecimal escape sequence");
            t->i++;
        } else if (read_hex(t, 2, &v) < 0) {
            return -1;
        }
        if (v >= 0xD800 && v <= 0xDFFF) return fail(t, at, "surrogate code points cannot occur in UTF-8 text");
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
        if (v >= 0xD800 && v <= 0xDFFF) return fail(t, at, "surrogate code points cannot occur in UTF-8 text");
        *cp = v;
        return 1;
    }
    default:
        if (c < 0) return fail(t, at, "unexpected end of pattern after \\");
        if (c < 0x80 && isalnum(c)) return 0;
        /* a backslash before anything else quotes it */
        if (decode(t, cp) < 0) return -1;
        return 1;
    }
}

/* Unicode property names Java accepts, as PCRE2 class content. `neg` is
 * the negated form when one fits inside a class; NULL means the negation
 * needs a class of its own ([^...]). */
typedef struct prop {
    const char *java, *frag, *neg;
} prop;

static const prop posix_props[] = { /* US-ASCII, or Unicode under (?U) */
    {"Lower", "[:lower:]", "[:^lower:]"},   {"Upper", "[:upper:]", "[:^upper:]"},
    {"ASCII", "[:ascii:]", "[:^ascii:]"},   {"Alpha", "[:alpha:]", "[:^alpha:]"},
    {"Digit", "[:digit:]", "[:^digit:]"},   {"Alnum", "[:alnum:]", "[:^alnum:]"},
    {"Punct", "[:punct:]", "[:^punct:]"},   {"Graph", "[:graph:]", "[:^graph:]"},
    {"Print", "[:print:]", "[:^print:]"},   {"Blank", "[:blank:]", "[:^blank:]"},
    {"Cntrl", "[:cntrl:]", "[:^cntrl:]"},   {"XDigit", "[:xdigit:]", "[:^xdigit:]"},
    {"Space", "[:space:]", "[:^space:]"},   {NULL, NULL, NULL},
};

static const prop java_props[] = { /* java.lang.Character predicates */
    {"javaLowerCase", "\\p{Lowercase}", "\\P{Lowercase}"},
    {"javaUpperCase", "\\p{Uppercase}", "\\P{Uppercase}"},
    {"javaTitleCase", "\\p{Lt}", "\\P{Lt}"},
    {"javaDigit", "\\p{Nd}", "\\P{Nd}"},
    {"javaDefined", "\\P{Cn}", "\\p{Cn}"},
    {"javaLetter", "\\p{L}", "\\P{L}"},
    {"javaLetterOrDigit", "\\p{L}\\p{Nd}", NULL},
    {"javaAlphabetic", "\\p{Alphabetic}", "\\P{Alphabetic}"},
    {"javaIdeographic", "\\p{Ideographic}", "\\P{Ideographic}"},
    {"javaSpaceChar", "\\p{Z}", "\\P{Z}"},
    {"javaWhitespace",
     "\\x{9}-\\x{D}\\x{1C}-\\x{20}\\x{1680}\\x{2000}-\\x{2006}\\x{2008}-\\x{200A}"
     "\\x{2028}\\x{2029}\\x{205F}\\x{3000}", NULL},
    {"javaISOControl", "\\x{0}-\\x{1F}\\x{7F}-\\x{9F}", NULL},
    {"javaMirrored", "\\p{Bidi_M}", "\\P{Bidi_M}"},
    {NULL, NULL, NULL},
};

static const prop binary_props[] = { /* \p{IsX}, matched ignoring case */
    {"Alphabetic", "\\p{Alphabetic}", "\\P{Alphabetic}"},
    {"Ideographic", "\\p{Ideographic}", "\\P{Ideographic}"},
    {"Letter", "\\p{L}", "\\P{L}"},
    {"Lowercase", "\\p{Lowercase}", "\\P{Lowercase}"},
    {"Uppercase", "\\p{Uppercase}", "\\P{Uppercase}"},
    {"Titlecase", "\\p{Lt}", "\\P{Lt}"},
    {"Punctuation", "\\p{P}", "\\P{P}"},
    {"Control", "\\p{Cc}", "\\P{Cc}"},
    {"White_Space", "\\p{White_Space}", "\\P{White_Space}"},
    {"WhiteSpace", "\\p{White_Space}", "\\P{White_Space}"},
    {"Digit", "\\p{Nd}", "\\P{Nd}"},
    {"Hex_Digit", "\\p{Hex_Digit}", "\\P{Hex_Digit}"},
    {"HexDigit", "\\p{Hex_Digit}", "\\P{Hex_Digit}"},
    {"Join_Control", "\\p{Join_Control}", "\\P{Join_Control}"},
    {"JoinControl", "\\p{Join_Control}", "\\P{Join_Control}"},
    {"Noncharacter_Code_Point", "\\p{Noncharacter_Code_Point}", "\\P{Noncharacter_Code_Point}"},
    {"NoncharacterCodePoint", "\\p{Noncharacter_Code_Point}", "\\P{Noncharacter_Code_Point}"},
    {"Assigned", "\\P{Cn}", "\\p{Cn}"},
    {"Emoji", "\\p{Emoji}", "\\P{Emoji}"},
    {NULL, NULL, NULL},
};

static const char *const categories[] = {
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "LC", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
    "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
    "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Co", "Cs", "Cn", NULL,
};

static const prop *find_prop(const prop *tab, const char *name, size_t len, int anycase) {
    for (; tab->java; tab++) {
        if (strlen(tab->java) != len) continue;
        if (anycase ? strncasecmp(tab->java, name, len) == 0 : strncmp(tab->java, name, len) == 0)
            return tab;
    }
    return NULL;
}

static int is_category(const char *name, size_t len) {
    for (const char *const *c = categories; *c; c++)
        if (strlen(*c) == len && strncmp(*c, name, len) == 0) return 1;
    return 0;
}

/* Writes a general category as PCRE2 class content ("LC" is PCRE2's "L&"). */
static void put_category(rbuf *b, const char *name, size_t len, int negated) {
    puts_(b, negated ? "\\P{" : "\\p{");
    if (len == 2 && strncmp(name, "LC", 2) == 0) puts_(b, "L&");
    else put(b, name, len);
    puts_(b, "}");
}

/* Parses \p{..}, \P{..} or \pL (t->i just past the p or P) into class
 * content. Sets *whole when the result is a complete class of its own
 * ("[^...]": a negation that cannot sit inside another class). */
static int property(tr *t, int negated, rbuf *frag, int *whole) {
    size_t at = t->i - 2;
    const char *name;
    size_t len;
    *whole = 0;
    if (cur(t) == '{') {
        size_t start = t->i + 1, end = start;
        while (end < t->n && t->s[end] != '}') end++;
        if (end >= t->n) return fail(t, at, "unclosed character family");
        name = t->s + start;
        len = end - start;
        t->i = end + 1;
    } else if (cur(t) >= 0 && isalpha(cur(t))) {
        name = t->s + t->i;
        len = 1;
        t->i++;
    } else {
        return fail(t, at, "illegal character family");
    }
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)name[k];
        if (!(isalnum(c) || c == '_' || c == '=' || c == '-' || c == ' '))
            return fail(t, at, "unknown character property name {%.*s}", (int)len, name);
    }
    const prop *p = find_prop(posix_props, name, len, 0);
    if (!p) p = find_prop(java_props, name, len, 0);
    if (p) {
        if (!negated) puts_(frag, p->frag);
        else if (p->neg) puts_(frag, p->neg);
        else {
            *whole = 1;
            puts_(frag, "[^");
            puts_(frag, p->frag);
            puts_(frag, "]");
        }
        return 0;
    }
    const char *eq = memchr(name, '=', len);
    if (eq) {
        size_t klen = (size_t)(eq - name), vlen = len - klen - 1;
        const char *v = eq + 1;
        if ((klen == 6 && strncasecmp(name, "script", 6) == 0) || (klen == 2 && strncasecmp(name, "sc", 2) == 0)) {
            if (vlen == 0) return fail(t, at, "unknown character script name");
            puts_(frag, negated ? "\\P{sc:" : "\\p{sc:");
            put(frag, v, vlen);
            puts_(frag, "}");
            return 0;
        }
        if ((klen == 16 && strncasecmp(name, "general_category", 16) == 0) ||
            (klen == 2 && strncasecmp(name, "gc", 2) == 0)) {
            if (!is_category(v, vlen)) return fail(t, at, "unknown Unicode property {name=%.*s}", (int)len, name);
            put_category(frag, v, vlen, negated);
            return 0;
        }
        if ((klen == 5 && strncasecmp(name, "block", 5) == 0) || (klen == 3 && strncasecmp(name, "blk", 3) == 0))
            return fail(t, at, "Unicode blocks are not supported: \\p{%.*s}", (int)len, name);
        return fail(t, at, "unknown Unicode property {name=%.*s}", (int)len, name);
    }
    if (len > 2 && strncmp(name, "In", 2) == 0)
        return fail(t, at, "Unicode blocks are not supported: \\p{%.*s}", (int)len, name);
    if (len > 2 && strncmp(name, "Is", 2) == 0) {
        const char *r = name + 2;
        size_t rlen = len - 2;
        if (is_category(r, rlen)) {
            put_category(frag, r, rlen, negated);
            return 0;
        }
        p = find_prop(binary_props, r, rlen, 1);
        if (p) {
            puts_(frag, negated ? p->neg : p->frag);
            return 0;
        }
        /* otherwise a script name; PCRE2 checks that it exists */
        puts_(frag, negated ? "\\P{sc:" : "\\p{sc:");
        put(frag, r, rlen);
        puts_(frag, "}");
        return 0;
    }
    if (is_category(name, len)) {
        put_category(frag, name, len, negated);
        return 0;
    }
    return fail(t, at, "unknown character property name {%.*s}", (int)len, name);
}

/* Class escapes that PCRE2 spells the same way inside and outside [..]. */
static int is_class_escape(int c) { return c >= 0 && strchr("dDwWsShHvV", c) != NULL && c != 0; }

/* Reads the text of \Q...\E (t->i just past the Q) into out, as literal
 * characters (outside a class) or as class members (inside one). */
static int quoted(tr *t, rbuf *out, int in_class) {
    while (!at_end(t)) {
        if (cur(t) == '\\' && ahead(t, 1) == 'E') {
            t->i += 2;
            return 0;
        }
        uint32_t cp;
        if (decode(t, &cp) < 0) return -1;
        if (in_class) put_range(t, out, cp, cp);
        else put_literal(t, out, cp);
    }
    return 0;
}

static int parse_class(tr *t, rbuf *out);

/* One operand of a class: a union of members up to "&&" or "]". Members
 * PCRE2 can hold go into `simple` (class content); nested classes and
 * negated properties become alternatives in `complex`. Sets *closed when the
 * class ended. */
static int class_operand(tr *t, rbuf *simple, rbuf *complex, int *ncomplex, int *closed, int *first) {
    for (;;) {
        skip_ws(t);
        if (at_end(t)) return fail(t, t->n, "unclosed character class");
        int c = cur(t);
        if (c == ']' && !*first) {
            t->i++;
            *closed = 1;
            return 0;
        }
        *first = 0;
        if (c == '[') {
            t->i++;
            rbuf nested = {0};
            int rc = parse_class(t, &nested);
            if (rc == 0) {
                if ((*ncomplex)++) puts_(complex, "|");
                putbuf(complex, &nested);
            }
            free(nested.p);
            if (rc < 0) return -1;
            continue;
        }
        if (c == '&' && ahead(t, 1) == '&') {
            t->i += 2;
            return 0;
        }
        uint32_t lo;
        size_t at = t->i;
        if (c == '\\') {
            t->i++;
            int e = cur(t);
            if (e == 'Q') {
                t->i++;
                if (quoted(t, simple, 1) < 0) return -1;
                continue;
            }
            if (is_class_escape(e)) {
                char esc[3] = {'\\', (char)e, 0};
                puts_(simple, esc);
                t->i++;
                continue;
            }
            if (e == 'p' || e == 'P') {
                t->i++;
                int whole;
                rbuf frag = {0};
                int rc = property(t, e == 'P', &frag, &whole);
                if (rc == 0 && whole) {
                    if ((*ncomplex)++) puts_(complex, "|");
                    putbuf(complex, &frag);
                } else if (rc == 0) {
                    putbuf(simple, &frag);
                }
                free(frag.p);
                if (rc < 0) return -1;
                continue;
            }
            int r = escape_char(t, &lo);
            if (r < 0) return -1;
            if (r == 0) return fail(t, at, "illegal escape sequence in character class");
        } else if (decode(t, &lo) < 0) {
            return -1;
        }
        /* a range lo-hi; "-" before "]" or "[" is itself a member */
        skip_ws(t);
        uint32_t hi = lo;
        if (cur(t) == '-' && ahead(t, 1) != ']' && ahead(t, 1) != '[' && ahead(t, 1) >= 0) {
            t->i++;
            skip_ws(t);
            if (cur(t) == '\\') {
                t->i++;
                int r = escape_char(t, &hi);
                if (r < 0) return -1;
                if (r == 0) return fail(t, at, "illegal character range");
            } else if (decode(t, &hi) < 0) {
                return -1;
            }
            if (hi < lo) return fail(t, at, "illegal character range");
        }
        put_range(t, simple, lo, hi);
    }
}

/* A character class, t->i just past its "[". Writes one expression that
 * matches a single character. Plain classes stay [..]; a union with nested
 * classes becomes (?:[..]|C1|C2), an intersection (?:(?=A)(?=B)C), and a
 * negation of either (?:(?!X)(?s:.)) (Java 9+: "^" negates the whole). */
static int parse_class(tr *t, rbuf *out) {
    if (++t->class_depth > MAX_NEST) return fail(t, t->i, "character classes nested too deeply");
    int negated = 0, closed = 0, first = 1, noperands = 0, rc = 0;
    if (cur(t) == '^') {
        negated = 1;
        t->i++;
    }
    rbuf inter = {0}, last = {0};
    while (!closed) {
        rbuf simple = {0}, complex = {0};
        int ncomplex = 0;
        rc = class_operand(t, &simple, &complex, &ncomplex, &closed, &first);
        if (rc == 0 && (simple.n || ncomplex)) {
            rbuf u = {0};
            if (ncomplex == 0 && !negated) {
                puts_(&u, "[");
                putbuf(&u, &simple);
                puts_(&u, "]");
            } else if (ncomplex == 0) {
                puts_(&u, "[");
                putbuf(&u, &simple);
                puts_(&u, "]");
            } else {
                puts_(&u, "(?:");
                if (simple.n) {
                    puts_(&u, "[");
                    putbuf(&u, &simple);
                    puts_(&u, "]|");
                }
                putbuf(&u, &complex);
                puts_(&u, ")");
            }
            if (noperands++) {
                puts_(&inter, "(?=");
                putbuf(&inter, &last);
                puts_(&inter, ")");
            }
            free(last.p);
            last = u;
        }
        free(simple.p);
        free(complex.p);
        if (rc < 0) break;
    }
    if (rc == 0 && noperands == 0) rc = fail(t, t->i, "empty character class");
    if (rc == 0) {
        int unicase = (t->flags & LF_RX_CASELESS) && (t->flags & LF_RX_UNICODE_CASE);
        if (unicase) puts_(out, "(?i:");
        if (noperands == 1 && !negated) {
            putbuf(out, &last);
        } else if (noperands == 1 && last.n && last.p[0] == '[') {
            /* a plain class: negate in place */
            puts_(out, "[^");
            put(out, last.p + 1, last.n - 1);
        } else {
            rbuf x = {0};
            if (noperands > 1) puts_(&x, "(?:");
            putbuf(&x, &inter);
            putbuf(&x, &last);
            if (noperands > 1) puts_(&x, ")");
            if (negated) {
                puts_(out, "(?:(?!");
                putbuf(out, &x);
                puts_(out, ")(?s:.))");
            } else {
                putbuf(out, &x);
            }
            free(x.p);
        }
        if (unicase) puts_(out, ")");
    }
    free(inter.p);
    free(last.p);
    t->class_depth--;
    return rc;
}

/* Reads a repetition {n}, {n,}, {n,m} at t->i (on the "{"); Java has no
 * literal "{", so anything else is an error. */
static int repetition(tr *t, rbuf *out) {
    size_t at = t->i, j = t->i + 1;
    size_t d1 = j;
    while (j < t->n && isdigit((unsigned char)t->s[j])) j++;
    if (j == d1) return fail(t, at, "illegal repetition");
    unsigned long lo = strtoul(t->s + d1, NULL, 10), hi = lo;
    if (j < t->n && t->s[j] == ',') {
        j++;
        size_t d2 = j;
        while (j < t->n && isdigit((unsigned char)t->s[j])) j++;
        if (j > d2) hi = strtoul(t->s + d2, NULL, 10);
        else hi = (unsigned long)-1;
    }
    if (j >= t->n || t->s[j] != '}') return fail(t, at, "unclosed counted closure");
    if (hi < lo) return fail(t, at, "illegal repetition range");
    if (lo > 65535 || (hi != (unsigned long)-1 && hi > 65535))
        return fail(t, at, "repetition count is too large");
    put(out, t->s + at, j + 1 - at);
    t->i = j + 1;
    return 0;
}

/* After "(?": the group kinds Java has. `at` is the offset of the "(". */
static int group_open(tr *t, rbuf *out, size_t at) {
    int c = cur(t);
    if (c == ':' || c == '=' || c == '!' || c == '>') {
        char g[4] = {'(', '?', (char)c, 0};
        puts_(out, g);
        t->i++;
        return 1;
    }
    if (c == '<') {
        int d = ahead(t, 1);
        if (d == '=' || d == '!') {
            char g[5] = {'(', '?', '<', (char)d, 0};
            puts_(out, g);
            t->i += 2;
            return 1;
        }
        if (d >= 0 && isalpha(d) && d < 0x80) {
            size_t start = t->i + 1, j = start;
            while (j < t->n && t->s[j] > 0 && isalnum((unsigned char)t->s[j])) j++;
            if (j >= t->n || t->s[j] != '>') return fail(t, at, "named capturing group is missing trailing '>'");
            puts_(out, "(?<");
            put(out, t->s + start, j - start);
            puts_(out, ">");
            t->i = j + 1;
            t->groups++;
            return 1;
        }
        return fail(t, at, "capturing group name does not start with a Latin letter");
    }
    /* inline flags: (?idmsuxU-idmsuxU) or (?idmsux-idmsux:X) */
    unsigned on = 0, off = 0;
    int minus = 0;
    for (;;) {
        c = cur(t);
        unsigned bit = c == 'i' ? LF_RX_CASELESS : c == 'd' ? LF_RX_UNIX_LINES : c == 'm' ? LF_RX_MULTILINE
                     : c == 's' ? LF_RX_DOTALL : c == 'u' ? LF_RX_UNICODE_CASE : c == 'x' ? LF_RX_COMMENTS
                     : c == 'U' ? LF_RX_UNICODE_CLASS : 0;
        if (bit) {
            if (minus) off |= bit;
            else on |= bit;
            t->i++;
        } else if (c == '-' && !minus) {
            minus = 1;
            t->i++;
        } else {
            break;
        }
    }
    if (c != ')' && c != ':') return fail(t, at, "unknown inline modifier or group syntax");
    if ((on | off) & LF_RX_UNICODE_CLASS) {
        if (at != 0 || (off & LF_RX_UNICODE_CLASS) || c != ')')
            return fail(t, at, "(?U) is supported only at the very start of the pattern");
        t->ucp = 1;
        on |= LF_RX_UNICODE_CASE;
    }
    unsigned before = t->flags;
    unsigned after = (before | on) & ~off;
    t->i++;
    const char *mflag = ((after ^ before) & LF_RX_MULTILINE) ? (after & LF_RX_MULTILINE ? "m" : "-m") : "";
    if (c == ')') {
        t->flags = after;
        if (*mflag) {
            puts_(out, "(?");
            puts_(out, mflag);
            puts_(out, ")");
        }
        return 0; /* no group opened */
    }
    t->flags = after;
    puts_(out, "(?");
    puts_(out, mflag);
    puts_(out, ":");
    return 2; /* a group, with `after` in force inside */
}

/* The Java line terminators "." excludes (all but \n under UNIX_LINES). */
static void put_dot(tr *t, rbuf *out) {
    if (t->flags & LF_RX_DOTALL) puts_(out, "(?s:.)");
    else if (t->flags & LF_RX_UNIX_LINES) puts_(out, "[^\\n]");
    else puts_(out, "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]");
}

static int translate(tr *t, rbuf *out) {
    int can_repeat = 0; /* an atom precedes: a quantifier may follow */
    while (!t->failed) {
        skip_ws(t);
        if (at_end(t)) break;
        size_t at = t->i;
        int c = cur(t);
        switch (c) {
        case '(': {
            if (t->depth >= MAX_NEST) return fail(t, at, "groups nested too deeply");
            t->i++;
            unsigned saved = t->flags;
            if (cur(t) == '?') {
                t->i++;
                int kind = group_open(t, out, at);
                if (kind < 0) return -1;
                if (kind == 0) {
                    can_repeat = 0;
                    continue;
                }
                t->stack[t->depth++] = saved;
            } else {
                if (cur(t) == '*') return fail(t, at + 1, "dangling meta character '*'");
                puts_(out, "(");
                t->groups++;
                t->stack[t->depth++] = saved;
            }
            can_repeat = 0;
            continue;
        }
        case ')':
            if (t->depth == 0) return fail(t, at, "unmatched closing ')'");
            t->flags = t->stack[--t->depth];
            puts_(out, ")");
            t->i++;
            can_repeat = 1;
            continue;
        case '|':
            puts_(out, "|");
            t->i++;
            can_repeat = 0;
            continue;
        case '^':
        case '$':
            put(out, t->s + at, 1);
            t->i++;
            can_repeat = 0;
            continue;
        case '.':
            put_dot(t, out);
            t->i++;
            can_repeat = 1;
            continue;
        case '[':
            t->i++;
            if (parse_class(t, out) < 0) return -1;
            can_repeat = 1;
            continue;
        case '*':
        case '+':
        case '?':
        case '{':
            if (!can_repeat) return fail(t, at, "dangling meta character '%c'", c);
            if (c == '{') {
                if (repetition(t, out) < 0) return -1;
            } else {
                put(out, t->s + at, 1);
                t->i++;
            }
            skip_ws(t);
            if (cur(t) == '?' || cur(t) == '+') {
                put(out, t->s + t->i, 1);
                t->i++;
            }
            can_repeat = 0;
            continue;
        case '\\':
            break;
        default: {
            uint32_t cp;
            if (decode(t, &cp) < 0) return -1;
            put_literal(t, out, cp);
            can_repeat = 1;
            continue;
        }
        }
        /* an escape */
        t->i++;
        int e = cur(t);
        if (e >= '1' && e <= '9') {
            /* Java: the first digit always; more while that many groups exist */
            int ref = e - '0';
            t->i++;
            while (cur(t) >= '0' && cur(t) <= '9' && ref * 10 + (cur(t) - '0') <= t->groups) {
                ref = ref * 10 + (cur(t) - '0');
                t->i++;
            }
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%s\\g{%d}%s", (t->flags & LF_RX_CASELESS) ? "(?i:" : "", ref,
                     (t->flags & LF_RX_CASELESS) ? ")" : "");
            puts_(out, tmp);
            can_repeat = 1;
            continue;
        }
        if (e == 'Q') {
            t->i++;
            if (quoted(t, out, 0) < 0) return -1;
            can_repeat = 1;
            continue;
        }
        if (e == 'E') { /* a stray \E is ignored */
            t->i++;
            continue;
        }
        if (is_class_escape(e) || e == 'R' || e == 'X') {
            char esc[3] = {'\\', (char)e, 0};
            puts_(out, esc);
            t->i++;
            can_repeat = 1;
            continue;
        }
        if (e == 'b' || e == 'B' || e == 'A' || e == 'G' || e == 'Z' || e == 'z') {
            if (e == 'b' && ahead(t, 1) == '{') return fail(t, at, "\\b{g} is not supported");
            char esc[3] = {'\\', (char)e, 0};
            puts_(out, esc);
            t->i++;
            can_repeat = 0;
            continue;
        }
        if (e == 'p' || e == 'P') {
            t->i++;
            int whole;
            rbuf frag = {0};
            int rc = property(t, e == 'P', &frag, &whole);
            if (rc == 0) {
                if (!whole) puts_(out, "[");
                putbuf(out, &frag);
                if (!whole) puts_(out, "]");
            }
            free(frag.p);
            if (rc < 0) return -1;
            can_repeat = 1;
            continue;
        }
        if (e == 'k') {
            t->i++;
            size_t start = t->i + 1, j = start;
            if (cur(t) != '<') return fail(t, at, "\\k is not followed by '<' for named capturing group");
            while (j < t->n && t->s[j] > 0 && isalnum((unsigned char)t->s[j])) j++;
            if (j == start || j >= t->n || t->s[j] != '>')
                return fail(t, at, "named capturing group is missing trailing '>'");
            if (t->flags & LF_RX_CASELESS) puts_(out, "(?i:");
            puts_(out, "\\k<");
            put(out, t->s + start, j - start);
            puts_(out, ">");
            if (t->flags & LF_RX_CASELESS) puts_(out, ")");
            t->i = j + 1;
            can_repeat = 1;
            continue;
        }
        uint32_t cp;
        int r = escape_char(t, &cp);
        if (r < 0) return -1;
        if (r == 0) return fail(t, at, "illegal/unsupported escape sequence \\%c", e);
        put_literal(t, out, cp);
        can_repeat = 1;
    }
    if (t->failed) return -1;
    if (t->depth > 0) return fail(t, t->n, "unclosed group");
    return 0;
}

int lf_rx_translate(const char *java, size_t len, unsigned flags, lf_rx_out *out, char *err,
                    size_t errlen, size_t *erroff) {
    tr t;
    memset(&t, 0, sizeof t);
    t.s = java;
    t.n = len;
    t.flags = flags & ~(unsigned)LF_RX_LITERAL;
    t.err = err;
    t.errlen = errlen;
    t.ucp = (flags & LF_RX_UNICODE_CLASS) != 0;
    if (t.ucp) t.flags |= LF_RX_UNICODE_CASE;
    if (errlen) err[0] = '\0';
    rbuf b = {0};
    puts_(&b, "");
    int rc;
    if (flags & LF_RX_LITERAL) {
        rc = 0;
        while (!at_end(&t) && rc == 0) {
            uint32_t cp;
            rc = decode(&t, &cp);
            if (rc == 0) put_literal(&t, &b, cp);
        }
    } else {
        rc = translate(&t, &b);
    }
    if (rc == 0 && b.oom) rc = fail(&t, 0, "out of memory");
    if (rc < 0) {
        free(b.p);
        if (erroff) *erroff = t.erroff;
        return -1;
    }
    out->pattern = b.p;
    out->len = b.n;
    out->multiline = (flags & LF_RX_MULTILINE) != 0;
    out->ucp = t.ucp;
    return 0;
}

int lf_rx_flags(const char *s, size_t len, unsigned *flags) {
    unsigned f = 0;
    for (size_t k = 0; k < len; k++) {
        switch (s[k]) {
        case 'i': f |= LF_RX_CASELESS; break;
        case 'm': f |= LF_RX_MULTILINE; break;
        case 's': f |= LF_RX_DOTALL; break;
        case 'x': f |= LF_RX_COMMENTS; break;
        case 'd': f |= LF_RX_UNIX_LINES; break;
        case 'u': f |= LF_RX_UNICODE_CASE; break;
        case 'U': f |= LF_RX_UNICODE_CLASS; break;
        case 'q': f |= LF_RX_LITERAL; break;
        default: return -1;
        }
    }
    *flags = f;
    return 0;
}

/* ---- replacements ---- */

static int repl_fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int add_part(lf_rx_repl *r, size_t *cap, int group, size_t off, size_t len) {
    if (group < 0 && len == 0) return 0;
    if (r->nparts == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        lf_rx_part *p = realloc(r->parts, ncap * sizeof *p);
        if (!p) return -1;
        r->parts = p;
        *cap = ncap;
    }
    r->parts[r->nparts++] = (lf_rx_part){group, off, len};
    return 0;
}

int lf_rx_replacement(const char *rep, size_t len, int ngroups, lf_rx_name_fn lookup, void *ud,
                      lf_rx_repl *out, char *err, size_t errlen) {
    lf_rx_repl r = {0};
    size_t cap = 0, litn = 0, runstart = 0, i = 0;
    int rc = 0;
    r.lit = malloc(len + 1);
    if (!r.lit) return repl_fail(err, errlen, "out of memory");
    while (i < len && rc == 0) {
        char c = rep[i];
        if (c == '\\') {
            if (++i >= len) {
                rc = repl_fail(err, errlen, "character to be escaped is missing");
                break;
            }
            /* the whole UTF-8 character after the backslash */
            do r.lit[litn++] = rep[i++];
            while (i < len && ((unsigned char)rep[i] & 0xC0) == 0x80);
            continue;
        }
        if (c != '$') {
            r.lit[litn++] = rep[i++];
            continue;
        }
        if (++i >= len) {
            rc = repl_fail(err, errlen, "illegal group reference: group index is missing");
            break;
        }
        int group;
        if (rep[i] == '{') {
            size_t start = ++i;
            while (i < len && rep[i] > 0 && isalnum((unsigned char)rep[i])) i++;
            if (i >= len || rep[i] != '}') {
                rc = repl_fail(err, errlen, "named capturing group is missing trailing '}'");
                break;
            }
            if (i == start) {
                rc = repl_fail(err, errlen, "named capturing group has 0 length name");
                break;
            }
            if (isdigit((unsigned char)rep[start])) {
                rc = repl_fail(err, errlen, "capturing group name {%.*s} starts with digit character",
                               (int)(i - start), rep + start);
                break;
            }
            group = lookup ? lookup(ud, rep + start, i - start) : -1;
            if (group < 0) {
                rc = repl_fail(err, errlen, "no group with name {%.*s}", (int)(i - start), rep + start);
                break;
            }
            i++;
        } else if (isdigit((unsigned char)rep[i])) {
            group = rep[i++] - '0';
            if (group > ngroups) {
                rc = repl_fail(err, errlen, "no group %d", group);
                break;
            }
            while (i < len && isdigit((unsigned char)rep[i]) && group * 10 + (rep[i] - '0') <= ngroups)
                group = group * 10 + (rep[i++] - '0');
        } else {
            rc = repl_fail(err, errlen, "illegal group reference");
            break;
        }
        if (add_part(&r, &cap, -1, runstart, litn - runstart) < 0 || add_part(&r, &cap, group, 0, 0) < 0)
            rc = repl_fail(err, errlen, "out of memory");
        runstart = litn;
    }
    if (rc == 0 && add_part(&r, &cap, -1, runstart, litn - runstart) < 0)
        rc = repl_fail(err, errlen, "out of memory");
    if (rc < 0) {
        lf_rx_repl_free(&r);
        return -1;
    }
    r.lit[litn] = '\0';
    r.litlen = litn;
    *out = r;
    return 0;
}

void lf_rx_repl_free(lf_rx_repl *r) {
    free(r->lit);
    free(r->parts);
    r->lit = NULL;
    r->parts = NULL;
    r->nparts = 0;
}
