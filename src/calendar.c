/*
 * calendar.c: luaforce.core.calendar, day numbers of the proleptic Gregorian
 * calendar (days since 1970-01-01) and back, as java.time counts them.
 *
 * FEEL's temporal values, the emulator's dates, SOQL date literals, the
 * client's Retry-After dates and the time zone rules (tz.c) all count days
 * this way; this file is the one copy of the arithmetic (Howard Hinnant's
 * days_from_civil / civil_from_days, with floor division, so years before
 * 0000-03-01 come out right too).
 *
 * Lua API (integers; floats with an exact integer value are accepted):
 *   days_from_civil(y, m, d) -> days    m from 1 to 12; d any integer
 *   civil_from_days(days) -> y, m, d
 *   days_in_month(y, m) -> 28..31       m from 1 to 12
 *   is_leap(y) -> boolean
 *   weekday(days) -> 1 (Monday) .. 7 (Sunday), ISO 8601
 *
 * Overflow: the sums and products wrap modulo 2^64 (through uint64_t, as
 * Lua's integers do) instead of being undefined, so absurd inputs (FEEL can
 * add a duration of 10^17 months) give the same value they gave when this
 * arithmetic was written in Lua, and the sanitizer build stays quiet.
 */
#include <lauxlib.h>
#include <stdint.h>

#include "calendar.h"
#include "core.h"

static int64_t wadd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t wsub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static int64_t wmul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }

/* Floor division and modulo by a positive constant (C's / truncates). */
static int64_t fdiv(int64_t a, int64_t b) { return a / b - (a % b < 0); }
static int64_t fmod_pos(int64_t a, int64_t b) {
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* Eras of 400 years (146097 days) starting on March 1, so that the leap
 * day is the last day of its year; `doe` is the day of the era, `yoe` the
 * year of the era. */
int64_t lf_days_from_civil(int64_t y, int m, int64_t d) {
    y = wsub(y, m <= 2);
    int64_t era = fdiv(y, 400);
    int64_t yoe = wsub(y, wmul(era, 400)); /* 0..399 */
    int64_t doy = wadd((153 * ((m + 9) % 12) + 2) / 5 - 1, d);
    int64_t doe = wadd(yoe * 365 + yoe / 4 - yoe / 100, doy);
    return wsub(wadd(wmul(era, 146097), doe), 719468);
}

void lf_civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
    int64_t z = wadd(days, 719468);
    int64_t era = fdiv(z, 146097);
    int64_t doe = wsub(z, wmul(era, 146097)); /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int lf_is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int lf_days_in_month(int64_t y, int m) {
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && lf_is_leap(y) ? 29 : md[m - 1];
}

/* 1970-01-01 was a Thursday (ISO 4). */
int lf_weekday(int64_t days) { return (int)fmod_pos(wadd(days, 3), 7) + 1; }

/* ---- Lua face ---- */

/* luaL_checkinteger without its extra call on the common path: these
 * functions are called per date in FEEL and the emulator's filters. */
static lua_Integer arg_integer(lua_State *L, int idx) {
    int ok;
    lua_Integer v = lua_tointegerx(L, idx, &ok);
    return ok ? v : luaL_checkinteger(L, idx);
}

static int check_month(lua_State *L, int idx) {
    lua_Integer m = arg_integer(L, idx);
    if (m < 1 || m > 12) return luaL_argerror(L, idx, lua_pushfstring(L, "month must be from 1 to 12, got %I", m));
    return (int)m;
}

/* days_from_civil(y, m, d) -> days since 1970-01-01 */
static int cal_days_from_civil(lua_State *L) {
    lua_Integer y = arg_integer(L, 1);
    int m = check_month(L, 2);
    lua_Integer d = arg_integer(L, 3);
    lua_pushinteger(L, lf_days_from_civil(y, m, d));
    return 1;
}

/* civil_from_days(days) -> y, m, d */
static int cal_civil_from_days(lua_State *L) {
    int64_t y;
    int m, d;
    lf_civil_from_days(arg_integer(L, 1), &y, &m, &d);
    lua_pushinteger(L, y);
    lua_pushinteger(L, m);
    lua_pushinteger(L, d);
    return 3;
}

/* days_in_month(y, m) -> 28..31 */
static int cal_days_in_month(lua_State *L) {
    lua_Integer y = arg_integer(L, 1);
    lua_pushinteger(L, lf_days_in_month(y, check_month(L, 2)));
    return 1;
}

/* is_leap(y) -> boolean */
static int cal_is_leap(lua_State *L) {
    lua_pushboolean(L, lf_is_leap(arg_integer(L, 1)));
    return 1;
}

/* weekday(days) -> 1 (Monday) .. 7 (Sunday) */
static int cal_weekday(lua_State *L) {
    lua_pushinteger(L, lf_weekday(arg_integer(L, 1)));
    return 1;
}

int luaopen_luaforce_core_calendar(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"days_from_civil", cal_days_from_civil},
        {"civil_from_days", cal_civil_from_days},
        {"days_in_month", cal_days_in_month},
        {"is_leap", cal_is_leap},
        {"weekday", cal_weekday},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
