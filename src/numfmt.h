/*
 * numfmt.h: doubles as the shortest decimal text that reads back to the same
 * double, in the one notation luaforce writes everywhere (JSON, decimals from
 * Lua floats, FEEL).
 */
#ifndef LUAFORCE_NUMFMT_H
#define LUAFORCE_NUMFMT_H
#include <stddef.h>

#define LF_DOUBLE_BUFSIZE 40

/* The shortest digits of finite x: digits[] gets 1..17 ASCII digits with no
 * leading or trailing zero ("0" for zero), NUL-terminated; *point is set so
 * that |x| = 0.DIGITS * 10^point. Returns the number of digits. */
int lf_double_digits(double x, char digits[20], int *point);

/* Writes finite x to buf (at least LF_DOUBLE_BUFSIZE bytes) and returns the
 * length: plain notation for 1e-7 <= |x| < 1e21, exponent form outside it
 * ("1e+21", "1.5e-8"); integral values keep ".0" ("300.0"); -0.0 stays
 * "-0.0". */
size_t lf_format_double(double x, char *buf);

#endif
