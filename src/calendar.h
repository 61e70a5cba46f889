/*
 * calendar.h: day numbers of the proleptic Gregorian calendar (days since
 * 1970-01-01), the one copy of this arithmetic in luaforce. The Lua face is
 * luaforce.core.calendar (calendar.c); tz.c calls these directly.
 *
 * Years are astronomical: year 0 is 1 BC and a leap year, year -1 is 2 BC.
 * Results are exact while the day number fits in 64 bits (years within
 * about +-2.5e16); beyond that the arithmetic wraps the way Lua's integer
 * arithmetic does, never undefined behaviour.
 */
#ifndef LUAFORCE_CALENDAR_H
#define LUAFORCE_CALENDAR_H

#include <stdint.h>

/* Days since 1970-01-01 of year y, month m (1-12), day d. d is not checked
 * against the month: day 0 is the last day of the month before, day 32 of
 * January is February 1. */
int64_t lf_days_from_civil(int64_t y, int m, int64_t d);

/* The civil date of a day number: *y, *m (1-12), *d (1-31). */
void lf_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* 1 when y is a leap year (every 4th, but not every 100th unless every 400th). */
int lf_is_leap(int64_t y);

/* Days in month m (1-12) of year y: 28 to 31. */
int lf_days_in_month(int64_t y, int m);

/* The ISO 8601 weekday of a day number: 1 = Monday ... 7 = Sunday. */
int lf_weekday(int64_t days);

#endif
