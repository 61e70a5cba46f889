/*
 * regex_text.c: java.util.regex syntax rewritten for PCRE2: the translator's
 * main loop (atoms, groups and inline flags, repetitions, escapes) and its
 * entry points. See regex_text.h.
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
#include <strings.h>

#include "regex_internal.h"
#include "regex_text.h"

/* Reads a repetition {n}, {n,}, {n,m} at t->i (on the "{"); Java has no
 * literal "{", so anything else is an error. */
static int repetition(tr *t, rbuf *out) {
    size_t at = t->i, j = t->i + 1;
    size_t d1 = j;
    while (j < t->n && isdigit((unsigned char)t->s[j])) j++;
    if (j == d1) return lf_rx_fail(t, at, "illegal repetition");
    unsigned long lo = strtoul(t->s + d1, NULL, 10), hi = lo;
    if (j < t->n && t->s[j] == ',') {
        j++;
        size_t d2 = j;
        while (j < t->n && isdigit((unsigned char)t->s[j])) j++;
        if (j > d2) hi = strtoul(t->s + d2, NULL, 10);
        else hi = (unsigned long)-1;
    }
    if (j >= t->n || t->s[j] != '}') return lf_rx_fail(t, at, "unclosed counted closure");
    if (hi < lo) return lf_rx_fail(t, at, "illegal repetition range");
    if (lo > 65535 || (hi != (unsigned long)-1 && hi > 65535))
        return lf_rx_fail(t, at, "repetition count is too large");
    lf_rx_put(out, t->s + at, j + 1 - at);
    t->i = j + 1;
    return 0;
}

/* After "(?": the group kinds Java has. `at` is the offset of the "(". */
static int group_open(tr *t, rbuf *out, size_t at) {
    int c = cur(t);
    if (c == ':' || c == '=' || c == '!' || c == '>') {
        char g[4] = {'(', '?', (char)c, 0};
        lf_rx_puts(out, g);
        t->i++;
        return 1;
    }
    if (c == '<') {
        int d = ahead(t, 1);
        if (d == '=' || d == '!') {
            char g[5] = {'(', '?', '<', (char)d, 0};
            lf_rx_puts(out, g);
            t->i += 2;
            return 1;
        }
        if (d >= 0 && isalpha(d) && d < 0x80) {
            size_t start = t->i + 1, j = start;
            while (j < t->n && t->s[j] > 0 && isalnum((unsigned char)t->s[j])) j++;
            if (j >= t->n || t->s[j] != '>') return lf_rx_fail(t, at, "named capturing group is missing trailing '>'");
            lf_rx_puts(out, "(?<");
            lf_rx_put(out, t->s + start, j - start);
            lf_rx_puts(out, ">");
            t->i = j + 1;
            t->groups++;
            return 1;
        }
        return lf_rx_fail(t, at, "capturing group name does not start with a Latin letter");
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
    if (c != ')' && c != ':') return lf_rx_fail(t, at, "unknown inline modifier or group syntax");
    if ((on | off) & LF_RX_UNICODE_CLASS) {
        if (at != 0 || (off & LF_RX_UNICODE_CLASS) || c != ')')
            return lf_rx_fail(t, at, "(?U) is supported only at the very start of the pattern");
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
            lf_rx_puts(out, "(?");
            lf_rx_puts(out, mflag);
            lf_rx_puts(out, ")");
        }
        return 0; /* no group opened */
    }
    t->flags = after;
    lf_rx_puts(out, "(?");
    lf_rx_puts(out, mflag);
    lf_rx_puts(out, ":");
    return 2; /* a group, with `after` in force inside */
}

/* The Java line terminators "." excludes (all but \n under UNIX_LINES). */
static void put_dot(tr *t, rbuf *out) {
    if (t->flags & LF_RX_DOTALL) lf_rx_puts(out, "(?s:.)");
    else if (t->flags & LF_RX_UNIX_LINES) lf_rx_puts(out, "[^\\n]");
    else lf_rx_puts(out, "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]");
}

static int translate(tr *t, rbuf *out) {
    int can_repeat = 0; /* an atom precedes: a quantifier may follow */
    while (!t->failed) {
        lf_rx_skip_ws(t);
        if (at_end(t)) break;
        size_t at = t->i;
        int c = cur(t);
        switch (c) {
        case '(': {
            if (t->depth >= MAX_NEST) return lf_rx_fail(t, at, "groups nested too deeply");
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
                if (cur(t) == '*') return lf_rx_fail(t, at + 1, "dangling meta character '*'");
                lf_rx_puts(out, "(");
                t->groups++;
                t->stack[t->depth++] = saved;
            }
            can_repeat = 0;
            continue;
        }
        case ')':
            if (t->depth == 0) return lf_rx_fail(t, at, "unmatched closing ')'");
            t->flags = t->stack[--t->depth];
            lf_rx_puts(out, ")");
            t->i++;
            can_repeat = 1;
            continue;
        case '|':
            lf_rx_puts(out, "|");
            t->i++;
            can_repeat = 0;
            continue;
        case '^':
        case '$':
            lf_rx_put(out, t->s + at, 1);
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
            if (lf_rx_parse_class(t, out) < 0) return -1;
            can_repeat = 1;
            continue;
        case '*':
        case '+':
        case '?':
        case '{':
            if (!can_repeat) return lf_rx_fail(t, at, "dangling meta character '%c'", c);
            if (c == '{') {
                if (repetition(t, out) < 0) return -1;
            } else {
                lf_rx_put(out, t->s + at, 1);
                t->i++;
            }
            lf_rx_skip_ws(t);
            if (cur(t) == '?' || cur(t) == '+') {
                lf_rx_put(out, t->s + t->i, 1);
                t->i++;
            }
            can_repeat = 0;
            continue;
        case '\\':
            break;
        default: {
            uint32_t cp;
            if (lf_rx_decode(t, &cp) < 0) return -1;
            lf_rx_put_literal(t, out, cp);
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
            lf_rx_puts(out, tmp);
            can_repeat = 1;
            continue;
        }
        if (e == 'Q') {
            t->i++;
            if (lf_rx_quoted(t, out, 0) < 0) return -1;
            can_repeat = 1;
            continue;
        }
        if (e == 'E') { /* a stray \E is ignored */
            t->i++;
            continue;
        }
        if (is_class_escape(e) || e == 'R' || e == 'X') {
            char esc[3] = {'\\', (char)e, 0};
            lf_rx_puts(out, esc);
            t->i++;
            can_repeat = 1;
            continue;
        }
        if (e == 'b' || e == 'B' || e == 'A' || e == 'G' || e == 'Z' || e == 'z') {
            if (e == 'b' && ahead(t, 1) == '{') return lf_rx_fail(t, at, "\\b{g} is not supported");
            char esc[3] = {'\\', (char)e, 0};
            lf_rx_puts(out, esc);
            t->i++;
            can_repeat = 0;
            continue;
        }
        if (e == 'p' || e == 'P') {
            t->i++;
            int whole;
            rbuf frag = {0};
            int rc = lf_rx_property(t, e == 'P', &frag, &whole);
            if (rc == 0) {
                if (!whole) lf_rx_puts(out, "[");
                lf_rx_putbuf(out, &frag);
                if (!whole) lf_rx_puts(out, "]");
            }
            free(frag.p);
            if (rc < 0) return -1;
            can_repeat = 1;
            continue;
        }
        if (e == 'k') {
            t->i++;
            size_t start = t->i + 1, j = start;
            if (cur(t) != '<') return lf_rx_fail(t, at, "\\k is not followed by '<' for named capturing group");
            while (j < t->n && t->s[j] > 0 && isalnum((unsigned char)t->s[j])) j++;
            if (j == start || j >= t->n || t->s[j] != '>')
                return lf_rx_fail(t, at, "named capturing group is missing trailing '>'");
            if (t->flags & LF_RX_CASELESS) lf_rx_puts(out, "(?i:");
            lf_rx_puts(out, "\\k<");
            lf_rx_put(out, t->s + start, j - start);
            lf_rx_puts(out, ">");
            if (t->flags & LF_RX_CASELESS) lf_rx_puts(out, ")");
            t->i = j + 1;
            can_repeat = 1;
            continue;
        }
        uint32_t cp;
        int r = lf_rx_escape_char(t, &cp);
        if (r < 0) return -1;
        if (r == 0) return lf_rx_fail(t, at, "illegal/unsupported escape sequence \\%c", e);
        lf_rx_put_literal(t, out, cp);
        can_repeat = 1;
    }
    if (t->failed) return -1;
    if (t->depth > 0) return lf_rx_fail(t, t->n, "unclosed group");
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
    lf_rx_puts(&b, "");
    int rc;
    if (flags & LF_RX_LITERAL) {
        rc = 0;
        while (!at_end(&t) && rc == 0) {
            uint32_t cp;
            rc = lf_rx_decode(&t, &cp);
            if (rc == 0) lf_rx_put_literal(&t, &b, cp);
        }
    } else {
        rc = translate(&t, &b);
    }
    if (rc == 0 && b.oom) rc = lf_rx_fail(&t, 0, "out of memory");
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
