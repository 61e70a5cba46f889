/*
 * regex_internal.h: what the files of the regex translator share (not a
 * public interface; regex_text.h is the translator's): the output buffer,
 * the translator's state, and the functions one file offers the others.
 *
 *   regex_text.c         the main loop and the entry points
 *   regex_char.c         characters: UTF-8, one-character escapes, output
 *   regex_class.c        character classes and \Q..\E
 *   regex_property.c     \p{..} property names
 *   regex_replacement.c  replacement strings (no translator state)
 */
#ifndef LUAFORCE_REGEX_INTERNAL_H
#define LUAFORCE_REGEX_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAX_NEST 200   /* groups and classes nested this deep are refused */

/* A growing output buffer; `oom` latches the first allocation failure so
 * callers check once at the end. */
typedef struct rbuf {
    char *p;
    size_t n, cap;
    int oom;
} rbuf;

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

/* The character at t->i (-1 past the end), and k characters further on. */
static inline int at_end(const tr *t) { return t->i >= t->n; }
static inline int cur(const tr *t) { return t->i < t->n ? (unsigned char)t->s[t->i] : -1; }
static inline int ahead(const tr *t, size_t k) {
    return t->i + k < t->n ? (unsigned char)t->s[t->i + k] : -1;
}

/* Class escapes that PCRE2 spells the same way inside and outside [..]. */
static inline int is_class_escape(int c) { return c >= 0 && strchr("dDwWsShHvV", c) != NULL && c != 0; }

/* ---- regex_char.c ---- */

/* Appends to b (nothing once b->oom is set). */
void lf_rx_put(rbuf *b, const char *s, size_t n);
void lf_rx_puts(rbuf *b, const char *s);
void lf_rx_putbuf(rbuf *b, const rbuf *src);
/* Records the first error (message and offset); returns -1. */
int lf_rx_fail(tr *t, size_t at, const char *fmt, ...);
/* Decodes one UTF-8 character at t->i and advances past it. */
int lf_rx_decode(tr *t, uint32_t *cp);
/* Under (?x): skips white space and comments. */
void lf_rx_skip_ws(tr *t);
/* A literal character outside a class, folded as the flags say. */
void lf_rx_put_literal(tr *t, rbuf *b, uint32_t cp);
/* A class range lo-hi, with its other case under ASCII-only folding. */
void lf_rx_put_range(tr *t, rbuf *b, uint32_t lo, uint32_t hi);
/* An escape that stands for one character (t->i past the backslash):
 * 1 with *cp, 0 when it is some other escape, -1 on error. */
int lf_rx_escape_char(tr *t, uint32_t *cp);

/* ---- regex_property.c ---- */

/* \p{..}, \P{..} or \pL (t->i past the p or P) as class content in frag;
 * *whole set when it is a class of its own. */
int lf_rx_property(tr *t, int negated, rbuf *frag, int *whole);

/* ---- regex_class.c ---- */

/* \Q...\E (t->i past the Q) as literal characters or class members. */
int lf_rx_quoted(tr *t, rbuf *out, int in_class);
/* A character class, t->i past its "[", as one PCRE2 expression. */
int lf_rx_parse_class(tr *t, rbuf *out);

#endif
