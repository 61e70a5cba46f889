/*
 * regex_property.c: Java's \p{..} and \P{..} property names (POSIX classes,
 * java.lang.Character predicates, \p{IsX} binary properties and scripts,
 * general categories, script= and gc=) as PCRE2 class content. Unicode
 * blocks (\p{InX}) are refused: PCRE2 has no blocks.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regex_internal.h"
#include "regex_text.h"

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
    lf_rx_puts(b, negated ? "\\P{" : "\\p{");
    if (len == 2 && strncmp(name, "LC", 2) == 0) lf_rx_puts(b, "L&");
    else lf_rx_put(b, name, len);
    lf_rx_puts(b, "}");
}

/* Parses \p{..}, \P{..} or \pL (t->i just past the p or P) into class
 * content. Sets *whole when the result is a complete class of its own
 * ("[^...]": a negation that cannot sit inside another class). */
int lf_rx_property(tr *t, int negated, rbuf *frag, int *whole) {
    size_t at = t->i - 2;
    const char *name;
    size_t len;
    *whole = 0;
    if (cur(t) == '{') {
        size_t start = t->i + 1, end = start;
        while (end < t->n && t->s[end] != '}') end++;
        if (end >= t->n) return lf_rx_fail(t, at, "unclosed character family");
        name = t->s + start;
        len = end - start;
        t->i = end + 1;
    } else if (cur(t) >= 0 && isalpha(cur(t))) {
        name = t->s + t->i;
        len = 1;
        t->i++;
    } else {
        return lf_rx_fail(t, at, "illegal character family");
    }
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)name[k];
        if (!(isalnum(c) || c == '_' || c == '=' || c == '-' || c == ' '))
            return lf_rx_fail(t, at, "unknown character property name {%.*s}", (int)len, name);
    }
    const prop *p = find_prop(posix_props, name, len, 0);
    if (!p) p = find_prop(java_props, name, len, 0);
    if (p) {
        if (!negated) lf_rx_puts(frag, p->frag);
        else if (p->neg) lf_rx_puts(frag, p->neg);
        else {
            *whole = 1;
            lf_rx_puts(frag, "[^");
            lf_rx_puts(frag, p->frag);
            lf_rx_puts(frag, "]");
        }
        return 0;
    }
    const char *eq = memchr(name, '=', len);
    if (eq) {
        size_t klen = (size_t)(eq - name), vlen = len - klen - 1;
        const char *v = eq + 1;
        if ((klen == 6 && strncasecmp(name, "script", 6) == 0) || (klen == 2 && strncasecmp(name, "sc", 2) == 0)) {
            if (vlen == 0) return lf_rx_fail(t, at, "unknown character script name");
            lf_rx_puts(frag, negated ? "\\P{sc:" : "\\p{sc:");
            lf_rx_put(frag, v, vlen);
            lf_rx_puts(frag, "}");
            return 0;
        }
        if ((klen == 16 && strncasecmp(name, "general_category", 16) == 0) ||
            (klen == 2 && strncasecmp(name, "gc", 2) == 0)) {
            if (!is_category(v, vlen)) return lf_rx_fail(t, at, "unknown Unicode property {name=%.*s}", (int)len, name);
            put_category(frag, v, vlen, negated);
            return 0;
        }
        if ((klen == 5 && strncasecmp(name, "block", 5) == 0) || (klen == 3 && strncasecmp(name, "blk", 3) == 0))
            return lf_rx_fail(t, at, "Unicode blocks are not supported: \\p{%.*s}", (int)len, name);
        return lf_rx_fail(t, at, "unknown Unicode property {name=%.*s}", (int)len, name);
    }
    if (len > 2 && strncmp(name, "In", 2) == 0)
        return lf_rx_fail(t, at, "Unicode blocks are not supported: \\p{%.*s}", (int)len, name);
    if (len > 2 && strncmp(name, "Is", 2) == 0) {
        const char *r = name + 2;
        size_t rlen = len - 2;
        if (is_category(r, rlen)) {
            put_category(frag, r, rlen, negated);
            return 0;
        }
        p = find_prop(binary_props, r, rlen, 1);
        if (p) {
            lf_rx_puts(frag, negated ? p->neg : p->frag);
            return 0;
        }
        /* otherwise a script name; PCRE2 checks that it exists */
        lf_rx_puts(frag, negated ? "\\P{sc:" : "\\p{sc:");
        lf_rx_put(frag, r, rlen);
        lf_rx_puts(frag, "}");
        return 0;
    }
    if (is_category(name, len)) {
        put_category(frag, name, len, negated);
        return 0;
    }
    return lf_rx_fail(t, at, "unknown character property name {%.*s}", (int)len, name);
}
