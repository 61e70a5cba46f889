/*
 * numfmt.c: shortest round-trip formatting of doubles.
 *
 * The shortest digit string that strtod maps back to the same double has at
 * most 17 significant digits; printing with 15, 16, then 17 digits and taking
 * the first that reads back exactly finds it. (Any string of at most 15
 * digits survives the trip double -> text, so 15 is the right start.) This
 * costs a few snprintf calls; it is correct on any C library with a correctly
 * rounding strtod, which glibc has.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

int lf_double_digits(double x, char digits[20], int *point) {
    char tmp[40];
    if (x == 0) {
        strcpy(digits, "0");
        *point = 1;
        return 1;
    }
    x = fabs(x);
    /* Fast path for the common money-shaped value (at most two digits after
     * the point, well inside the range where doubles are 0.01 apart many
     * times over): the one decimal n/100 that reads back to x is then the
     * shortest representation, as no other decimal with as few digits can
     * round to the same double. Saves the printf/strtod search below. */
    if (x < 1e12) {
        double scaled = x * 100.0;
        long long n = llround(scaled);
        if (n > 0 && (double)n / 100.0 == x) {
            char tmp2[24];
            int len = snprintf(tmp2, sizeof tmp2, "%lld", n);
            int k = len;
            while (k > 1 && tmp2[k - 1] == '0') k--;
            memcpy(digits, tmp2, (size_t)k);
            digits[k] = '\0';
            *point = len - 2;
            return k;
        }
    }
    /* subnormals carry fewer than 15 significant digits, so the search
     * starts lower for them */
    int prec;
    for (prec = x < DBL_MIN ? 1 : 15; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
        if (strtod(tmp, NULL) == x) break;
    }
    if (prec == 17) snprintf(tmp, sizeof tmp, "%.*e", 16, x);
    /* tmp is "d.ddddde[+-]XX" */
    int n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[n++] = *p;
    int e = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = '\0';
    *point = e + 1;
    return n;
}

size_t lf_format_double(double x, char *buf) {
    char d[20];
    int point;
    int n = lf_double_digits(x, d, &point);
    char *o = buf;
    if (signbit(x)) *o++ = '-';
    if (point >= -6 && point <= 21) {
        if (point <= 0) {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -point; i++) *o++ = '0';
            memcpy(o, d, (size_t)n);
            o += n;
        } else if (point >= n) {
            memcpy(o, d, (size_t)n);
            o += n;
            for (int i = n; i < point; i++) *o++ = '0';
            *o++ = '.';
            *o++ = '0';
        } else {
            memcpy(o, d, (size_t)point);
            o += point;
            *o++ = '.';
            memcpy(o, d + point, (size_t)(n - point));
            o += n - point;
        }
    } else {
        *o++ = d[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)(n - 1));
            o += n - 1;
        }
        o += sprintf(o, "e%+d", point - 1);
    }
    *o = '\0';
    return (size_t)(o - buf);
}
