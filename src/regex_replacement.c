/*
 * regex_replacement.c: Java replacement strings as
 * java.util.regex.Matcher.appendReplacement reads them ("$1", "${name}",
 * "\$"), parsed once into literal runs and group references (regex_text.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regex_text.h"

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
