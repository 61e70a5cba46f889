/*
 * regex_class.c: Java character classes ([..]) for PCRE2: ranges folded as
 * the flags say, \Q..\E inside and outside a class, nested classes and
 * intersections [a-z&&[^aeiou]], which PCRE2 lacks and get rewritten with
 * lookaheads, and Java 9's reading of a leading "^" (it negates the whole).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regex_internal.h"
#include "regex_text.h"

/* Reads the text of \Q...\E (t->i just past the Q) into out, as literal
 * characters (outside a class) or as class members (inside one). */
int lf_rx_quoted(tr *t, rbuf *out, int in_class) {
    while (!at_end(t)) {
        if (cur(t) == '\\' && ahead(t, 1) == 'E') {
            t->i += 2;
            return 0;
        }
        uint32_t cp;
        if (lf_rx_decode(t, &cp) < 0) return -1;
        if (in_class) lf_rx_put_range(t, out, cp, cp);
        else lf_rx_put_literal(t, out, cp);
    }
    return 0;
}

/* One operand of a class: a union of members up to "&&" or "]". Members
 * PCRE2 can hold go into `simple` (class content); nested classes and
 * negated properties become alternatives in `complex`. Sets *closed when the
 * class ended. */
static int class_operand(tr *t, rbuf *simple, rbuf *complex, int *ncomplex, int *closed, int *first) {
    for (;;) {
        lf_rx_skip_ws(t);
        if (at_end(t)) return lf_rx_fail(t, t->n, "unclosed character class");
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
            int rc = lf_rx_parse_class(t, &nested);
            if (rc == 0) {
                if ((*ncomplex)++) lf_rx_puts(complex, "|");
                lf_rx_putbuf(complex, &nested);
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
                if (lf_rx_quoted(t, simple, 1) < 0) return -1;
                continue;
            }
            if (is_class_escape(e)) {
                char esc[3] = {'\\', (char)e, 0};
                lf_rx_puts(simple, esc);
                t->i++;
                continue;
            }
            if (e == 'p' || e == 'P') {
                t->i++;
                int whole;
                rbuf frag = {0};
                int rc = lf_rx_property(t, e == 'P', &frag, &whole);
                if (rc == 0 && whole) {
                    if ((*ncomplex)++) lf_rx_puts(complex, "|");
                    lf_rx_putbuf(complex, &frag);
                } else if (rc == 0) {
                    lf_rx_putbuf(simple, &frag);
                }
                free(frag.p);
                if (rc < 0) return -1;
                continue;
            }
            int r = lf_rx_escape_char(t, &lo);
            if (r < 0) return -1;
            if (r == 0) return lf_rx_fail(t, at, "illegal escape sequence in character class");
        } else if (lf_rx_decode(t, &lo) < 0) {
            return -1;
        }
        /* a range lo-hi; "-" before "]" or "[" is itself a member */
        lf_rx_skip_ws(t);
        uint32_t hi = lo;
        if (cur(t) == '-' && ahead(t, 1) != ']' && ahead(t, 1) != '[' && ahead(t, 1) >= 0) {
            t->i++;
            lf_rx_skip_ws(t);
            if (cur(t) == '\\') {
                t->i++;
                int r = lf_rx_escape_char(t, &hi);
                if (r < 0) return -1;
                if (r == 0) return lf_rx_fail(t, at, "illegal character range");
            } else if (lf_rx_decode(t, &hi) < 0) {
                return -1;
            }
            if (hi < lo) return lf_rx_fail(t, at, "illegal character range");
        }
        lf_rx_put_range(t, simple, lo, hi);
    }
}

/* A character class, t->i just past its "[". Writes one expression that
 * matches a single character. Plain classes stay [..]; a union with nested
 * classes becomes (?:[..]|C1|C2), an intersection (?:(?=A)(?=B)C), and a
 * negation of either (?:(?!X)(?s:.)) (Java 9+: "^" negates the whole). */
int lf_rx_parse_class(tr *t, rbuf *out) {
    if (++t->class_depth > MAX_NEST) return lf_rx_fail(t, t->i, "character classes nested too deeply");
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
                lf_rx_puts(&u, "[");
                lf_rx_putbuf(&u, &simple);
                lf_rx_puts(&u, "]");
            } else if (ncomplex == 0) {
                lf_rx_puts(&u, "[");
                lf_rx_putbuf(&u, &simple);
                lf_rx_puts(&u, "]");
            } else {
                lf_rx_puts(&u, "(?:");
                if (simple.n) {
                    lf_rx_puts(&u, "[");
                    lf_rx_putbuf(&u, &simple);
                    lf_rx_puts(&u, "]|");
                }
                lf_rx_putbuf(&u, &complex);
                lf_rx_puts(&u, ")");
            }
            if (noperands++) {
                lf_rx_puts(&inter, "(?=");
                lf_rx_putbuf(&inter, &last);
                lf_rx_puts(&inter, ")");
            }
            free(last.p);
            last = u;
        }
        free(simple.p);
        free(complex.p);
        if (rc < 0) break;
    }
    if (rc == 0 && noperands == 0) rc = lf_rx_fail(t, t->i, "empty character class");
    if (rc == 0) {
        int unicase = (t->flags & LF_RX_CASELESS) && (t->flags & LF_RX_UNICODE_CASE);
        if (unicase) lf_rx_puts(out, "(?i:");
        if (noperands == 1 && !negated) {
            lf_rx_putbuf(out, &last);
        } else if (noperands == 1 && last.n && last.p[0] == '[') {
            /* a plain class: negate in place */
            lf_rx_puts(out, "[^");
            lf_rx_put(out, last.p + 1, last.n - 1);
        } else {
            rbuf x = {0};
            if (noperands > 1) lf_rx_puts(&x, "(?:");
            lf_rx_putbuf(&x, &inter);
            lf_rx_putbuf(&x, &last);
            if (noperands > 1) lf_rx_puts(&x, ")");
            if (negated) {
                lf_rx_puts(out, "(?:(?!");
                lf_rx_putbuf(out, &x);
                lf_rx_puts(out, ")(?s:.))");
            } else {
                lf_rx_putbuf(out, &x);
            }
            free(x.p);
        }
        if (unicase) lf_rx_puts(out, ")");
    }
    free(inter.p);
    free(last.p);
    t->class_depth--;
    return rc;
}
