/*
 * test_calendar.c: calendar.c's day numbers (days since 1970-01-01,
 * proleptic Gregorian). Known values come from Python's datetime (years 1
 * to 9999) and java.time's LocalDate.MIN/MAX epoch days; the rest is
 * checked by walking day after day, which needs no second copy of the
 * arithmetic. The Lua face is tested in tests/lua/core/calendar_spec.lua.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "calendar.h"

typedef struct {
    int64_t y;
    int m, d;
    int64_t days;
    int weekday; /* ISO: 1 = Monday */
} date_row;

static const date_row rows[] = {
    {1970, 1, 1, 0, 4},
    {1969, 12, 31, -1, 3},
    {2000, 2, 29, 11016, 2},
    {2000, 3, 1, 11017, 3},
    {1900, 2, 28, -25509, 3},
    {1900, 3, 1, -25508, 4},
    {2100, 2, 28, 47540, 7},
    {2100, 3, 1, 47541, 1},
    {2024, 2, 29, 19782, 4},
    {1, 1, 1, -719162, 1},
    {9999, 12, 31, 2932896, 5},
    /* year 0 (1 BC) is a leap year; the 400-year era starts on 0000-03-01 */
    {0, 3, 1, -719468, 3},
    {0, 2, 29, -719469, 2},
    {0, 1, 1, -719528, 6},
    {-1, 12, 31, -719529, 5},
    {-1, 3, 1, -719834, 1},
    {-1, 2, 28, -719835, 7},
    {-400, 3, 1, -865565, 3},
    /* java.time's LocalDate.MIN and MAX */
    {-999999999, 1, 1, -365243219162LL, 1},
    {999999999, 12, 31, 365241780471LL, 5},
};

static void test_known_dates(void **state) {
    (void)state;
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const date_row *r = &rows[k];
        int64_t days = lf_days_from_civil(r->y, r->m, r->d);
        if (days != r->days)
            fail_msg("%lld-%02d-%02d: %lld days, want %lld", (long long)r->y, r->m, r->d, (long long)days,
                     (long long)r->days);
        int64_t y;
        int m, d;
        lf_civil_from_days(r->days, &y, &m, &d);
        if (y != r->y || m != r->m || d != r->d)
            fail_msg("day %lld: %lld-%02d-%02d, want %lld-%02d-%02d", (long long)r->days, (long long)y, m, d,
                     (long long)r->y, r->m, r->d);
        if (lf_weekday(r->days) != r->weekday)
            fail_msg("day %lld: weekday %d, want %d", (long long)r->days, lf_weekday(r->days), r->weekday);
    }
}

static void test_leap_years(void **state) {
    (void)state;
    static const int64_t leap[] = {2000, 2024, 1600, 0, -4, -400, 4, 2400};
    static const int64_t common[] = {1900, 2100, 2023, 1, -1, -100, 1700, 2200};
    for (size_t k = 0; k < sizeof leap / sizeof leap[0]; k++) {
        assert_true(lf_is_leap(leap[k]));
        assert_int_equal(lf_days_in_month(leap[k], 2), 29);
    }
    for (size_t k = 0; k < sizeof common / sizeof common[0]; k++) {
        assert_false(lf_is_leap(common[k]));
        assert_int_equal(lf_days_in_month(common[k], 2), 28);
    }
    static const int lengths[12] = {31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++)
        if (m != 2) assert_int_equal(lf_days_in_month(2023, m), lengths[m - 1]);
}

/* Day after day from year -10000 to 10000: each day number's date is the
 * day after the previous one's, and converts back to the same number. */
static void test_walk(void **state) {
    (void)state;
    int64_t first = lf_days_from_civil(-10000, 1, 1), last = lf_days_from_civil(10000, 12, 31);
    int64_t py = -10001;
    int pm = 12, pd = 31, pw = lf_weekday(first - 1);
    for (int64_t days = first; days <= last; days++) {
        int64_t y;
        int m, d;
        lf_civil_from_days(days, &y, &m, &d);
        int64_t ny = py;
        int nm = pm, nd = pd + 1;
        if (nd > lf_days_in_month(py, pm)) {
            nd = 1;
            if (++nm > 12) nm = 1, ny++;
        }
        if (y != ny || m != nm || d != nd)
            fail_msg("day %lld: %lld-%02d-%02d, want %lld-%02d-%02d", (long long)days, (long long)y, m, d,
                     (long long)ny, nm, nd);
        if (lf_days_from_civil(y, m, d) != days) fail_msg("day %lld does not convert back", (long long)days);
        int w = lf_weekday(days);
        if (w != pw % 7 + 1) fail_msg("day %lld: weekday %d after %d", (long long)days, w, pw);
        py = y, pm = m, pd = d, pw = w;
    }
}

/* The day is not checked against the month: it counts on. */
static void test_day_overflow(void **state) {
    (void)state;
    assert_int_equal(lf_days_from_civil(2024, 1, 32), lf_days_from_civil(2024, 2, 1));
    assert_int_equal(lf_days_from_civil(2024, 3, 0), lf_days_from_civil(2024, 2, 29));
    assert_int_equal(lf_days_from_civil(2023, 12, 99), lf_days_from_civil(2023, 12, 1) + 98);
    assert_int_equal(lf_days_from_civil(1970, 1, -364), lf_days_from_civil(1969, 1, 1));
}

/* Years far beyond any calendar (time zone rules reach a few billion,
 * FEEL arithmetic further): exact while the day number fits, and never
 * undefined behaviour at the ends of int64 (the sanitizer build checks). */
static void test_big_values(void **state) {
    (void)state;
    static const int64_t years[] = {3000000000LL, -3000000000LL, 25000000000000000LL, -25000000000000000LL};
    for (size_t k = 0; k < sizeof years / sizeof years[0]; k++) {
        for (int m = 1; m <= 12; m++) {
            int64_t days = lf_days_from_civil(years[k], m, 28), y;
            int mm, d;
            lf_civil_from_days(days, &y, &mm, &d);
            assert_true(y == years[k] && mm == m && d == 28);
        }
    }
    static const int64_t ends[] = {INT64_MAX, INT64_MIN, INT64_MAX - 719468, INT64_MIN + 1};
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
        int64_t y;
        int m, d;
        lf_civil_from_days(ends[k], &y, &m, &d);
        assert_in_range(m, 1, 12);
        assert_in_range(d, 1, 31);
        assert_in_range(lf_weekday(ends[k]), 1, 7);
        (void)lf_days_from_civil(ends[k], 2, ends[k]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_dates),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_day_overflow),
        cmocka_unit_test(test_big_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
