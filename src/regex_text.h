/*
 * regex_text.h: the text side of luaforce.core.regex, with no Lua and no
 * PCRE2: turning a java.util.regex pattern into a PCRE2 pattern that matches
 * the same strings, and parsing a Java replacement string ($1, ${name}, \$).
 * regex.c joins these to PCRE2; the split keeps the fiddly character work
 * testable on its own (tests/c/test_regex.c). The translator is regex_text.c
 * with regex_char.c, regex_class.c and regex_property.c (regex_internal.h);
 * replacements are regex_replacement.c.
 */
#ifndef LUAFORCE_REGEX_TEXT_H
#define LUAFORCE_REGEX_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* Java's Pattern flags, as far as luaforce follows them. */
enum {
    LF_RX_CASELESS = 1 << 0,   /* i: CASE_INSENSITIVE (US-ASCII letters only) */
    LF_RX_MULTILINE = 1 << 1,  /* m: MULTILINE */
    LF_RX_DOTALL = 1 << 2,     /* s: DOTALL */
    LF_RX_COMMENTS = 1 << 3,   /* x: COMMENTS */
    LF_RX_UNIX_LINES = 1 << 4, /* d: UNIX_LINES (only "." follows it) */
    LF_RX_UNICODE_CASE = 1 << 5, /* u: UNICODE_CASE (with i: fold all letters) */
    LF_RX_UNICODE_CLASS = 1 << 6, /* U: UNICODE_CHARACTER_CLASS */
    LF_RX_LITERAL = 1 << 7,    /* q: LITERAL (the pattern is plain text) */
};

/* A translated pattern. `pattern` is malloc'd and NUL-terminated (PCRE2 gets
 * the length, so a NUL in the Java pattern arrives as \x{0}). `multiline`
 * and `ucp` say which PCRE2 compile options the whole pattern needs. */
typedef struct lf_rx_out {
    char *pattern;
    size_t len;
    int multiline;
    int ucp;
} lf_rx_out;

/* Translates `len` bytes of a Java pattern (UTF-8) under `flags` (LF_RX_*).
 * Returns 0 and fills `out`, or -1 with a message in `err` (`errlen` bytes,
 * NUL-terminated) and the byte offset of the mistake in *erroff. Never
 * leaves memory behind on failure. */
int lf_rx_translate(const char *java, size_t len, unsigned flags, lf_rx_out *out,
                    char *err, size_t errlen, size_t *erroff);

/* Parses flag letters ("imsx", plus Java's "d u U" and XPath's "q") into
 * LF_RX_* bits. Returns -1 for any other letter. */
int lf_rx_flags(const char *s, size_t len, unsigned *flags);

/* A parsed Java replacement: literal runs and group references, in order.
 * A part with group < 0 is the literal text lit[off .. off+len). */
typedef struct lf_rx_part {
    int group;
    size_t off, len;
} lf_rx_part;

typedef struct lf_rx_repl {
    char *lit;          /* the literal text, escapes removed */
    size_t litlen;
    lf_rx_part *parts;
    size_t nparts;
} lf_rx_repl;

/* Looks a group name up: returns its number, or -1 when there is none. */
typedef int (*lf_rx_name_fn)(void *ud, const char *name, size_t len);

/* Parses a replacement the way java.util.regex.Matcher.appendReplacement
 * reads it: "\x" is x, "$n" takes as many digits as still name a group
 * (the first must), "${name}" a named group. `ngroups` is the number of
 * capturing groups. Returns 0, or -1 with `err` set (bad escape, no such
 * group). Free the result with lf_rx_repl_free. */
int lf_rx_replacement(const char *rep, size_t len, int ngroups, lf_rx_name_fn lookup,
                      void *ud, lf_rx_repl *out, char *err, size_t errlen);
void lf_rx_repl_free(lf_rx_repl *r);

#endif
