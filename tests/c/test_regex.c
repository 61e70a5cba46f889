/*
 * test_regex.c: the text layer of luaforce.core.regex (regex_text.c with
 * regex_char.c, regex_class.c, regex_property.c; regex_replacement.c): Java
 * pattern syntax rewritten for PCRE2, and Java replacement strings.
 * Matching itself is tested from Lua (tests/lua/regex_spec.lua).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regex_text.h"

/* ---- lf_rx_translate -------------------------------------------------- */

typedef struct {
    const char *java;
    const char *flags;
    const char *pcre; /* NULL: must be rejected */
} tr_row;

static const tr_row tr_rows[] = {
    {"\\d{3}", "", "\\d{3}"},
    {"a.b", "", "a[^\\n\\r\\x{85}\\x{2028}\\x{2029}]b"},
    {"a.b", "s", "a(?s:.)b"},
    {"a.b", "d", "a[^\\n]b"},
    {"(?s)a.(?-s).", "", "a(?s:.)[^\\n\\r\\x{85}\\x{2028}\\x{2029}]"},
    {"Ab", "i", "[aA][bB]"},
    {"[a-c]", "i", "[\\x{61}-\\x{63}\\x{41}-\\x{43}]"},
    {"[X-b]", "i", "[\\x{58}-\\x{62}\\x{41}-\\x{42}\\x{78}-\\x{7A}]"},
    {"\xc3\xa9", "i", "\\x{E9}"},
    {"\xc3\xa9", "iu", "(?i:\\x{E9})"},
    {"(?i)a(?-i)b", "", "[aA]b"},
    {"a(?i:b)c", "", "a(?:[bB])c"},
    {"(?m)^a", "", "(?m)^a"},
    {"(?m:^a)", "", "(?m:^a)"},
    {"a b # c\n d", "x", "abd"},
    {"[a b]", "x", "[\\x{61}\\x{62}]"},
    {"a\\ b", "x", "a\\x{20}b"},
    {"(a)\\1", "", "(a)\\g{1}"},
    {"(a)\\11", "", "(a)\\g{1}1"},
    {"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)\\11", "", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)\\g{11}"},
    {"(a)\\1", "i", "([aA])(?i:\\g{1})"},
    {"(?<name>x)\\k<name>", "", "(?<name>x)\\k<name>"},
    {"\\u00e9", "", "\\x{E9}"},
    {"\\uD83D\\uDE00", "", "\\x{1F600}"},
    {"\\x41\\x{1F600}", "", "A\\x{1F600}"},
    {"\\0101\\011\\0777", "", "A\\x{9}\\x{3F}7"},
    {"\\cA", "", "\\x{1}"},
    {"\\Qa.b\\E", "", "a\\x{2E}b"},
    {"\\Qa.b", "", "a\\x{2E}b"},
    {"\\.\\$", "", "\\x{2E}\\x{24}"},
    {"\\p{Alpha}", "", "[[:alpha:]]"},
    {"\\P{Alpha}", "", "[[:^alpha:]]"},
    {"[\\p{Digit}x]", "", "[[:digit:]\\x{78}]"},
    {"\\p{javaLowerCase}", "", "[\\p{Lowercase}]"},
    {"\\P{javaLetterOrDigit}", "", "[^\\p{L}\\p{Nd}]"},
    {"\\pL\\p{Lu}\\p{IsLu}\\p{LC}", "", "[\\p{L}][\\p{Lu}][\\p{Lu}][\\p{L&}]"},
    {"\\p{IsGreek}\\p{script=Latin}", "", "[\\p{sc:Greek}][\\p{sc:Latin}]"},
    {"\\p{IsAlphabetic}", "", "[\\p{Alphabetic}]"},
    {"[a-z&&[^aeiou]]", "", "(?:(?=[\\x{61}-\\x{7A}])(?:[^\\x{61}\\x{65}\\x{69}\\x{6F}\\x{75}]))"},
    {"[^a]", "", "[^\\x{61}]"},
    {"[]a]", "", "[\\x{5D}\\x{61}]"},
    {"[a-]", "", "[\\x{61}\\x{2D}]"},
    {"[[:alpha:]]", "", "(?:[\\x{3A}\\x{61}\\x{6C}\\x{70}\\x{68}\\x{61}\\x{3A}])"},
    {"a{2,}+b*?c?+", "", "a{2,}+b*?c?+"},
    {"(?>a)(?=b)(?!c)(?<=d)(?<!e)(?:f)", "", "(?>a)(?=b)(?!c)(?<=d)(?<!e)(?:f)"},
    {"a.c", "q", "a\\x{2E}c"},
    {"(?U)\\w", "", "\\w"},
    /* rejected like Java rejects them */
    {"(", "", NULL},
    {"a)", "", NULL},
    {"[a", "", NULL},
    {"[b-a]", "", NULL},
    {"a{", "", NULL},
    {"a{2", "", NULL},
    {"a{3,2}", "", NULL},
    {"{2}", "", NULL},
    {"*", "", NULL},
    {"a**", "", NULL},
    {"(*FAIL)", "", NULL},
    {"(?P<n>x)", "", NULL},
    {"(?'n'x)", "", NULL},
    {"(?|a)", "", NULL},
    {"(?R)", "", NULL},
    {"(?<1a>x)", "", NULL},
    {"\\K", "", NULL},
    {"\\g1", "", NULL},
    {"\\o{1}", "", NULL},
    {"\\N{LATIN SMALL LETTER A}", "", NULL},
    {"\\b{g}", "", NULL},
    {"\\p{InGreek}", "", NULL},
    {"\\p{block=Greek}", "", NULL},
    {"\\p{Nope}", "", NULL},
    {"\\p{Alpha", "", NULL},
    {"\\0", "", NULL},
    {"\\u12", "", NULL},
    {"\\uD800", "", NULL},
    {"\\x{110000}", "", NULL},
    {"\\", "", NULL},
    {"a(?U)b", "", NULL},
    {"[\\b]", "", NULL},
    {"\xff", "", NULL},
    {"\xc0\x80", "", NULL},
    {"\xed\xa0\x80", "", NULL},
};

static unsigned flags_of(const char *s) {
    unsigned f = 0;
    assert_int_equal(0, lf_rx_flags(s, strlen(s), &f));
    return f;
}

static void test_translate_rows(void **state) {
    (void)state;
    for (size_t k = 0; k < sizeof tr_rows / sizeof tr_rows[0]; k++) {
        const tr_row *r = &tr_rows[k];
        lf_rx_out out;
        char err[160];
        size_t erroff = 99999;
        int rc = lf_rx_translate(r->java, strlen(r->java), flags_of(r->flags), &out, err, sizeof err, &erroff);
        if (r->pcre) {
            if (rc != 0) fail_msg("row %zu '%s' rejected: %s", k, r->java, err);
            if (strcmp(out.pattern, r->pcre) != 0)
                fail_msg("row %zu '%s': got '%s', want '%s'", k, r->java, out.pattern, r->pcre);
            assert_int_equal(strlen(r->pcre), out.len);
            free(out.pattern);
        } else {
            if (rc == 0) fail_msg("row %zu '%s' accepted as '%s'", k, r->java, out.pattern);
            assert_true(err[0] != '\0');
            assert_true(erroff <= strlen(r->java));
        }
    }
}

static void test_translate_options(void **state) {
    (void)state;
    lf_rx_out out;
    char err[160];
    assert_int_equal(0, lf_rx_translate("^a", 2, flags_of("m"), &out, err, sizeof err, NULL));
    assert_true(out.multiline);
    assert_false(out.ucp);
    free(out.pattern);
    assert_int_equal(0, lf_rx_translate("(?U)a", 5, 0, &out, err, sizeof err, NULL));
    assert_true(out.ucp);
    free(out.pattern);
    assert_int_equal(0, lf_rx_translate("a", 1, flags_of("U"), &out, err, sizeof err, NULL));
    assert_true(out.ucp);
    free(out.pattern);
    /* a NUL in the pattern is a character like any other */
    assert_int_equal(0, lf_rx_translate("a\0b", 3, 0, &out, err, sizeof err, NULL));
    assert_string_equal("a\\x{0}b", out.pattern);
    free(out.pattern);
}

static void test_flags(void **state) {
    (void)state;
    unsigned f;
    assert_int_equal(0, lf_rx_flags("imsx", 4, &f));
    assert_int_equal(LF_RX_CASELESS | LF_RX_MULTILINE | LF_RX_DOTALL | LF_RX_COMMENTS, f);
    assert_int_equal(0, lf_rx_flags("", 0, &f));
    assert_int_equal(0, f);
    assert_int_equal(-1, lf_rx_flags("iz", 2, &f));
    assert_int_equal(-1, lf_rx_flags("g", 1, &f));
}

/* ---- lf_rx_replacement ------------------------------------------------ */

static int lookup(void *ud, const char *name, size_t len) {
    (void)ud;
    if (len == 4 && memcmp(name, "year", 4) == 0) return 2;
    return -1;
}

/* Renders a parsed replacement as text: literals as they are, groups as <n>. */
static void render(const lf_rx_repl *r, char *out, size_t cap) {
    size_t n = 0;
    out[0] = '\0';
    for (size_t k = 0; k < r->nparts; k++) {
        const lf_rx_part *p = &r->parts[k];
        if (p->group >= 0) n += (size_t)snprintf(out + n, cap - n, "<%d>", p->group);
        else n += (size_t)snprintf(out + n, cap - n, "%.*s", (int)p->len, r->lit + p->off);
    }
}

typedef struct {
    const char *rep;
    int ngroups;
    const char *want; /* NULL: must be rejected */
} repl_row;

static const repl_row repl_rows[] = {
    {"plain", 2, "plain"},
    {"", 2, ""},
    {"$1-$2", 2, "<1>-<2>"},
    {"$12", 2, "<1>2"},
    {"$12", 12, "<12>"},
    {"$0", 0, "<0>"},
    {"\\$1", 2, "$1"},
    {"\\\\", 2, "\\"},
    {"a\\bc", 2, "abc"},
    {"${year}!", 2, "<2>!"},
    {"\\\xc3\xa9", 0, "\xc3\xa9"},
    {"$3", 2, NULL},
    {"$", 2, NULL},
    {"$a", 2, NULL},
    {"x\\", 2, NULL},
    {"${nope}", 2, NULL},
    {"${year", 2, NULL},
    {"${}", 2, NULL},
    {"${1y}", 2, NULL},
};

static void test_replacement_rows(void **state) {
    (void)state;
    for (size_t k = 0; k < sizeof repl_rows / sizeof repl_rows[0]; k++) {
        const repl_row *r = &repl_rows[k];
        lf_rx_repl parsed;
        char err[160] = "", text[256];
        int rc = lf_rx_replacement(r->rep, strlen(r->rep), r->ngroups, lookup, NULL, &parsed, err, sizeof err);
        if (r->want) {
            if (rc != 0) fail_msg("row %zu '%s' rejected: %s", k, r->rep, err);
            render(&parsed, text, sizeof text);
            if (strcmp(text, r->want) != 0) fail_msg("row %zu '%s': got '%s', want '%s'", k, r->rep, text, r->want);
            lf_rx_repl_free(&parsed);
        } else {
            if (rc == 0) fail_msg("row %zu '%s' accepted", k, r->rep);
            assert_true(err[0] != '\0');
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translate_rows),
        cmocka_unit_test(test_translate_options),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_replacement_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
