/*
 * tz.c: luaforce.core.tz, time zones read from the system's tzdata.
 *
 * A zone is loaded from its TZif file (RFC 8536; /usr/share/zoneinfo/NAME on
 * Debian) into an immutable userdata: the transition table (the 64-bit
 * data of version 2+ files, the 32-bit data of version 1 ones), the local
 * time types, and the POSIX TZ rule of the footer, which gives offsets past
 * the table's last transition (tzdata tables stop in 2037; the rule goes on
 * for ever).
 *
 * Why not localtime(): the C library's time zone is process-wide state
 * selected through the TZ environment variable; setting TZ from one thread
 * while another formats a time is a data race, and the emulator runs Lua
 * states on server threads. Here a zone is plain data owned by the Lua state
 * that loaded it; nothing touches TZ, tzset or any global.
 *
 * Names are checked before they become paths: segments of [A-Za-z0-9_+-]
 * separated by single "/", so no "..", no absolute path, no "." at all.
 * The directory comes from the caller (lua/luaforce/tz.lua decides it).
 *
 * resolve_local follows java.time.ZonedDateTime.ofLocal with no preferred
 * offset: a wall time in a gap moves forward by the gap's length, one in an
 * overlap takes the earlier offset (the one in force before the change).
 *
 * Leap-second files ("right/...") are refused: their transition times are
 * not POSIX seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"
#include "core.h"
#include "tz.h"

#define ZONE_MT "luaforce.tz.Zone"
#define TZIF_MAX (1 << 20)       /* real TZif files are a few KiB */
#define NAME_MAX_LEN 255
#define YEAR_MAX 999999999LL     /* java.time's Year.MAX_VALUE */
#define EPOCH_MAX 100000000000000000LL /* 1e17: |epoch seconds| stay below */

typedef struct ttype {
    int32_t off;    /* seconds east of UTC */
    int32_t isdst;
    int32_t abbr;   /* index into the zone's abbreviation text */
} ttype;

/* A day of the POSIX rule: Jn (1-365, Feb 29 never counted), n (0-365),
 * or Mm.w.d (weekday d of week w of month m; w = 5 is the last). */
typedef struct rule_day {
    char kind; /* 'J', 'N' or 'M' */
    int n, m, w, d;
    int32_t secs; /* local time of the change, may be < 0 or > 24h */
} rule_day;

typedef struct lf_zone {
    int32_t ntimes, ntypes, nchars;
    int has_rule; /* a footer rule exists (else: the last type for ever) */
    int rule_dst; /* the rule has daylight saving time */
    int32_t std_off, dst_off;
    char std_abbr[32], dst_abbr[32];
    rule_day start, end;
    /* then: int64_t times[ntimes]; ttype types[ntypes]; uint8_t idx[ntimes];
     * char chars[nchars + 1] */
    int64_t data[];
} lf_zone;

static int64_t *z_times(lf_zone *z) { return z->data; }
static ttype *z_types(lf_zone *z) { return (ttype *)(void *)(z->data + z->ntimes); }
static uint8_t *z_idx(lf_zone *z) { return (uint8_t *)(z_types(z) + z->ntypes); }
static char *z_chars(lf_zone *z) { return (char *)(z_idx(z) + z->ntimes); }

/* Local seconds (since 1970-01-01T00:00 local) of a rule day in year y. */
static int64_t rule_local(const rule_day *r, int64_t y) {
    int64_t jan1 = lf_days_from_civil(y, 1, 1), day;
    if (r->kind == 'J') {
        day = jan1 + r->n - 1 + (lf_is_leap(y) && r->n >= 60);
    } else if (r->kind == 'N') {
        day = jan1 + r->n;
    } else {
        int64_t first = lf_days_from_civil(y, r->m, 1);
        int wday1 = lf_weekday(first) % 7; /* POSIX counts 0 = Sunday */
        int mday = 1 + (r->d - wday1 + 7) % 7 + (r->w - 1) * 7;
        while (mday > lf_days_in_month(y, r->m)) mday -= 7;
        day = first + mday - 1;
    }
    return day * 86400 + r->secs;
}

/* ---- the POSIX TZ rule of the footer ---- */

typedef struct pz {
    const char *s, *e;
} pz;

static int pz_name(pz *p, char *out, size_t cap) {
    const char *b = p->s;
    size_t n = 0;
    if (p->s < p->e && *p->s == '<') {
        b = ++p->s;
        while (p->s < p->e && *p->s != '>') p->s++;
        if (p->s >= p->e) return -1;
        n = (size_t)(p->s - b);
        p->s++;
    } else {
        while (p->s < p->e && ((*p->s | 0x20) >= 'a' && (*p->s | 0x20) <= 'z')) p->s++;
        n = (size_t)(p->s - b);
    }
    if (n == 0 || n >= cap) return -1;
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}

static int pz_num(pz *p, int maxv, int *v) {
    int x = 0, digits = 0;
    while (p->s < p->e && *p->s >= '0' && *p->s <= '9') {
        x = x * 10 + (*p->s++ - '0');
        if (x > maxv) return -1;
        digits++;
    }
    if (!digits) return -1;
    *v = x;
    return 0;
}

/* [+-]hh[:mm[:ss]] -> seconds (hours up to 167: RFC 8536's extension). */
static int pz_time(pz *p, int32_t *secs) {
    int sign = 1, h, m = 0, s = 0;
    if (p->s < p->e && (*p->s == '+' || *p->s == '-')) sign = *p->s++ == '-' ? -1 : 1;
    if (pz_num(p, 167, &h) < 0) return -1;
    if (p->s < p->e && *p->s == ':') {
        p->s++;
        if (pz_num(p, 59, &m) < 0) return -1;
        if (p->s < p->e && *p->s == ':') {
            p->s++;
            if (pz_num(p, 59, &s) < 0) return -1;
        }
    }
    *secs = sign * (h * 3600 + m * 60 + s);
    return 0;
}

static int pz_day(pz *p, rule_day *r) {
    if (p->s >= p->e) return -1;
    if (*p->s == 'J') {
        p->s++;
        r->kind = 'J';
        if (pz_num(p, 365, &r->n) < 0 || r->n < 1) return -1;
    } else if (*p->s == 'M') {
        p->s++;
        r->kind = 'M';
        if (pz_num(p, 12, &r->m) < 0 || r->m < 1) return -1;
        if (p->s >= p->e || *p->s++ != '.') return -1;
        if (pz_num(p, 5, &r->w) < 0 || r->w < 1) return -1;
        if (p->s >= p->e || *p->s++ != '.') return -1;
        if (pz_num(p, 6, &r->d) < 0) return -1;
    } else {
        r->kind = 'N';
        if (pz_num(p, 365, &r->n) < 0) return -1;
    }
    r->secs = 7200;
    if (p->s < p->e && *p->s == '/') {
        p->s++;
        if (pz_time(p, &r->secs) < 0) return -1;
    }
    return 0;
}

/* An offset a zone may have: the range the type table is held to. Lookups
 * rely on it (resolve_local brackets a wall time with the offsets a day
 * either side). */
static int offset_ok(int32_t off) {
    return off > -89999 && off < 93600;
}

/* Parses a footer like "CET-1CEST,M3.5.0,M10.5.0/3" (POSIX offsets are
 * west-positive, hence the negations). Offsets past the table's range are
 * refused: POSIX allows 24 hours, pz_time reads up to 167 for the times of
 * day (RFC 8536), and "XXX60" would be a zone 60 hours off UTC. */
static int parse_rule(lf_zone *z, const char *s, size_t n) {
    pz p = {s, s + n};
    int32_t off;
    if (pz_name(&p, z->std_abbr, sizeof z->std_abbr) < 0 || pz_time(&p, &off) < 0) return -1;
    z->std_off = -off;
    if (!offset_ok(z->std_off)) return -1;
    z->has_rule = 1;
    if (p.s == p.e) return 0;
    if (pz_name(&p, z->dst_abbr, sizeof z->dst_abbr) < 0) return -1;
    z->dst_off = z->std_off + 3600;
    if (p.s < p.e && *p.s != ',') {
        if (pz_time(&p, &off) < 0) return -1;
        z->dst_off = -off;
    }
    if (p.s >= p.e || *p.s++ != ',') return -1; /* TZif footers always give the dates */
    if (pz_day(&p, &z->start) < 0) return -1;
    if (p.s >= p.e || *p.s++ != ',') return -1;
    if (pz_day(&p, &z->end) < 0) return -1;
    if (p.s != p.e || !offset_ok(z->dst_off)) return -1;
    z->rule_dst = 1;
    return 0;
}

/* ---- lookups ---- */

typedef struct local_type {
    int32_t off;
    int isdst;
    const char *abbr;
} local_type;

static local_type rule_at(lf_zone *z, int64_t t) {
    local_type std = {z->std_off, 0, z->std_abbr}, dst = {z->dst_off, 1, z->dst_abbr};
    if (!z->rule_dst) return std;
    int64_t local = t + z->std_off, y;
    int m, d;
    lf_civil_from_days(local / 86400 - (local % 86400 < 0), &y, &m, &d);
    int64_t s = rule_local(&z->start, y) - z->std_off; /* DST starts in standard time */
    int64_t e = rule_local(&z->end, y) - z->dst_off;   /* and ends in DST */
    int in = s < e ? (s <= t && t < e) : !(e <= t && t < s);
    return in ? dst : std;
}

/* The local time type in force at UTC epoch second t. */
static local_type zone_at(lf_zone *z, int64_t t) {
    int64_t *times = z_times(z);
    ttype *types = z_types(z);
    int32_t n = z->ntimes;
    if (n > 0 && t >= times[n - 1] && z->has_rule) return rule_at(z, t);
    if (n == 0 && z->has_rule) return rule_at(z, t);
    const ttype *tt;
    if (n == 0 || t < times[0]) {
        tt = &types[0];
    } else {
        int32_t lo = 0, hi = n - 1; /* the last i with times[i] <= t */
        while (lo < hi) {
            int32_t mid = lo + (hi - lo + 1) / 2;
            if (times[mid] <= t) lo = mid;
            else hi = mid - 1;
        }
        tt = &types[z_idx(z)[lo]];
    }
    local_type r = {tt->off, tt->isdst, z_chars(z) + tt->abbr};
    return r;
}

/* ---- loading ---- */

static int valid_name(const char *name, size_t len) {
    if (len == 0 || len > NAME_MAX_LEN) return 0;
    size_t seg = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/') {
            if (seg == 0) return 0; /* leading "/" or "//" */
            seg = 0;
        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                   c == '+' || c == '-') {
            seg++;
        } else {
            return 0;
        }
    }
    return seg > 0; /* no trailing "/" */
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzhead {
    uint32_t isut, isstd, leap, time, type, chars;
} tzhead;

static int read_head(const unsigned char *p, size_t n, tzhead *h, int *version) {
    if (n < 44 || memcmp(p, "TZif", 4) != 0) return -1;
    *version = p[4] ? p[4] - '0' : 1;
    h->isut = be32(p + 20);
    h->isstd = be32(p + 24);
    h->leap = be32(p + 28);
    h->time = be32(p + 32);
    h->type = be32(p + 36);
    h->chars = be32(p + 40);
    if (h->time > 100000 || h->type == 0 || h->type > 256 || h->chars == 0 || h->chars > 4096 ||
        h->leap > 100000 || h->isut > h->type || h->isstd > h->type)
        return -1;
    return 0;
}

static size_t block_len(const tzhead *h, size_t tsize) {
    return h->time * tsize + h->time + h->type * 6 + h->chars + h->leap * (tsize + 4) + h->isstd + h->isut;
}

/* Parses the TZif bytes in `raw` into a new zone userdata (pushed), or
 * returns an error message. */
static const char *parse_tzif(lua_State *L, const unsigned char *raw, size_t n) {
    tzhead h;
    int version;
    if (read_head(raw, n, &h, &version) < 0) return "not a TZif file";
    size_t tsize = 4, off = 44, len = block_len(&h, 4);
    if (off + len > n) return "truncated TZif file";
    if (version >= 2) { /* skip the 32-bit data: the 64-bit block follows */
        off += len;
        if (read_head(raw + off, n - off, &h, &version) < 0) return "bad second TZif header";
        off += 44;
        tsize = 8;
        len = block_len(&h, 8);
        if (off + len > n) return "truncated TZif file";
    }
    if (h.leap > 0) return "leap-second time zones are not supported";
    size_t bytes = sizeof(lf_zone) + h.time * sizeof(int64_t) + h.type * sizeof(ttype) + h.time + h.chars + 1;
    lf_zone *z = lua_newuserdatauv(L, bytes, 0);
    memset(z, 0, bytes);
    z->ntimes = (int32_t)h.time;
    z->ntypes = (int32_t)h.type;
    z->nchars = (int32_t)h.chars;
    const unsigned char *p = raw + off;
    for (uint32_t i = 0; i < h.time; i++) {
        int64_t t = tsize == 8 ? be64(p + i * 8) : (int64_t)(int32_t)be32(p + i * 4);
        if (i > 0 && t <= z_times(z)[i - 1]) return "TZif transition times out of order";
        z_times(z)[i] = t;
    }
    p += h.time * tsize;
    for (uint32_t i = 0; i < h.time; i++) {
        if (p[i] >= h.type) return "TZif type index out of range";
        z_idx(z)[i] = p[i];
    }
    p += h.time;
    for (uint32_t i = 0; i < h.type; i++, p += 6) {
        ttype *tt = &z_types(z)[i];
        tt->off = (int32_t)be32(p);
        tt->isdst = p[4] != 0;
        tt->abbr = p[5];
        if (!offset_ok(tt->off)) return "TZif offset out of range";
        if (p[5] >= h.chars) return "TZif abbreviation index out of range";
    }
    memcpy(z_chars(z), p, h.chars);
    z_chars(z)[h.chars] = '\0';
    p += h.chars + h.leap * (tsize + 4) + h.isstd + h.isut;
    if (version >= 2) { /* the footer: "\n" rule "\n" */
        const unsigned char *end = raw + n;
        if (p >= end || *p != '\n') return "missing TZif footer";
        const unsigned char *q = ++p;
        while (q < end && *q != '\n') q++;
        if (q >= end) return "unterminated TZif footer";
        if (q > p && parse_rule(z, (const char *)p, (size_t)(q - p)) < 0) return "unsupported TZ rule in TZif footer";
    }
    return NULL;
}

const char *lf_tz_push_tzif(lua_State *L, const unsigned char *raw, size_t n) {
    int top = lua_gettop(L);
    const char *bad = parse_tzif(L, raw, n);
    if (bad) {
        lua_settop(L, top);
        return bad;
    }
    luaL_setmetatable(L, ZONE_MT);
    return NULL;
}

/* load(name, dir) -> zone | nil, err, code ("INVALID_NAME", "UNKNOWN_ZONE",
 * "BAD_FILE"). */
static int tz_load(lua_State *L) {
    size_t nlen, dlen;
    const char *name = luaL_checklstring(L, 1, &nlen);
    const char *dir = luaL_checklstring(L, 2, &dlen);
    if (!valid_name(name, nlen) || strlen(name) != nlen) {
        lua_pushnil(L);
        lua_pushfstring(L, "invalid time zone name '%s'", name);
        lua_pushliteral(L, "INVALID_NAME");
        return 3;
    }
    luaL_argcheck(L, dlen > 0 && strlen(dir) == dlen && dlen < 4096, 2, "bad zoneinfo directory");
    char path[4096 + NAME_MAX_LEN + 2];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    /* size first, then the buffer (a userdata, so an allocation error cannot
     * leak), then the descriptor: nothing below raises while it is open */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        lua_pushnil(L);
        lua_pushfstring(L, "unknown time zone '%s'", name);
        lua_pushliteral(L, "UNKNOWN_ZONE");
        return 3;
    }
    if (st.st_size > TZIF_MAX) {
        lua_pushnil(L);
        lua_pushfstring(L, "time zone file for '%s' is too large", name);
        lua_pushliteral(L, "BAD_FILE");
        return 3;
    }
    size_t cap = (size_t)st.st_size + 1;
    unsigned char *raw = lua_newuserdatauv(L, cap, 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    int err = 0;
    if (fd < 0) {
        err = errno;
    } else {
        while (got < cap) {
            ssize_t r = read(fd, raw + got, cap - got);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
                err = errno;
                break;
            }
            if (r == 0) break;
            got += (size_t)r;
        }
        close(fd);
    }
    if (err || got == cap) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot read time zone '%s': %s", name, err ? strerror(err) : "file changed");
        lua_pushliteral(L, "BAD_FILE");
        return 3;
    }
    const char *bad = lf_tz_push_tzif(L, raw, got);
    if (bad) {
        lua_pushnil(L);
        lua_pushfstring(L, "time zone '%s': %s", name, bad);
        lua_pushliteral(L, "BAD_FILE");
        return 3;
    }
    return 1;
}

static lf_zone *check_zone(lua_State *L) { return luaL_checkudata(L, 1, ZONE_MT); }

/* An epoch-seconds argument: integers as they are, floats floored; both
 * within 10^17 seconds of 1970 (some 3 billion years, past java.time's
 * range), so the rule's arithmetic on them cannot overflow. */
static int64_t check_epoch(lua_State *L, int idx) {
    if (lua_isinteger(L, idx)) {
        lua_Integer v = lua_tointeger(L, idx);
        luaL_argcheck(L, v > -EPOCH_MAX && v < EPOCH_MAX, idx, "epoch seconds out of range");
        return (int64_t)v;
    }
    lua_Number x = luaL_checknumber(L, idx);
    luaL_argcheck(L, x == x && x > -1e17 && x < 1e17, idx, "epoch seconds out of range");
    lua_Number f = (lua_Number)(int64_t)x;
    return (int64_t)x - (f > x);
}

/* offset_at_utc(epoch) -> offset seconds, abbreviation, is_dst */
static int tz_offset_at(lua_State *L) {
    lf_zone *z = check_zone(L);
    local_type lt = zone_at(z, check_epoch(L, 2));
    lua_pushinteger(L, lt.off);
    lua_pushstring(L, lt.abbr);
    lua_pushboolean(L, lt.isdst);
    return 3;
}

/* resolve_local(y, m, d, hh, mi, ss) -> epoch, offset, "unique"|"gap"|"overlap".
 * Offsets never exceed a day, and zones do not change twice within two
 * days, so the offsets a day before and a day after bracket the answer. */
static int tz_resolve_local(lua_State *L) {
    lf_zone *z = check_zone(L);
    lua_Integer y = luaL_checkinteger(L, 2), m = luaL_checkinteger(L, 3), d = luaL_checkinteger(L, 4);
    lua_Integer hh = luaL_optinteger(L, 5, 0), mi = luaL_optinteger(L, 6, 0), ss = luaL_optinteger(L, 7, 0);
    luaL_argcheck(L, y >= -YEAR_MAX && y <= YEAR_MAX, 2, "year out of range");
    luaL_argcheck(L, m >= 1 && m <= 12, 3, "month out of range");
    luaL_argcheck(L, d >= 1 && d <= lf_days_in_month(y, (int)m), 4, "day out of range");
    luaL_argcheck(L, hh >= 0 && hh <= 23, 5, "hour out of range");
    luaL_argcheck(L, mi >= 0 && mi <= 59, 6, "minute out of range");
    luaL_argcheck(L, ss >= 0 && ss <= 59, 7, "second out of range");
    int64_t local = lf_days_from_civil(y, (int)m, d) * 86400 + hh * 3600 + mi * 60 + ss;
    int32_t before = zone_at(z, local - 86400 - 86400).off;
    int32_t after = zone_at(z, local + 86400).off;
    int32_t cands[4] = {before, after, zone_at(z, local - before).off, zone_at(z, local - after).off};
    int nvalid = 0;
    int32_t best = 0;
    for (int k = 0; k < 4; k++) {
        int32_t o = cands[k];
        if (zone_at(z, local - o).off != o) continue;
        int dup = 0;
        for (int j = 0; j < k; j++) dup |= cands[j] == o && zone_at(z, local - o).off == o;
        if (dup) continue;
        /* in an overlap the earlier instant (the larger offset) wins */
        if (nvalid++ == 0 || o > best) best = o;
    }
    const char *kind = nvalid == 0 ? "gap" : nvalid == 1 ? "unique" : "overlap";
    int64_t epoch;
    if (nvalid == 0) epoch = local - before; /* shifted forward by the gap */
    else epoch = local - best;
    lua_pushinteger(L, epoch);
    lua_pushinteger(L, zone_at(z, epoch).off);
    lua_pushstring(L, kind);
    return 3;
}

/* rule() -> the footer's POSIX TZ fields, for diagnostics: {std_abbr =,
 * std_offset =, dst_abbr =, dst_offset =} or nil. */
static int tz_rule(lua_State *L) {
    lf_zone *z = check_zone(L);
    if (!z->has_rule) return 0;
    lua_createtable(L, 0, 4);
    lua_pushstring(L, z->std_abbr);
    lua_setfield(L, -2, "std_abbr");
    lua_pushinteger(L, z->std_off);
    lua_setfield(L, -2, "std_offset");
    if (z->rule_dst) {
        lua_pushstring(L, z->dst_abbr);
        lua_setfield(L, -2, "dst_abbr");
        lua_pushinteger(L, z->dst_off);
        lua_setfield(L, -2, "dst_offset");
    }
    return 1;
}

/* transitions() -> count of table transitions (diagnostics, tests). */
static int tz_transitions(lua_State *L) {
    lua_pushinteger(L, check_zone(L)->ntimes);
    return 1;
}

/* valid_name(name) -> boolean: the check load applies, for callers that
 * want to tell a malformed name from an unknown one. */
static int tz_valid_name(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    lua_pushboolean(L, valid_name(s, n) && strlen(s) == n);
    return 1;
}

int luaopen_luaforce_core_tz(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"offset_at_utc", tz_offset_at},
        {"resolve_local", tz_resolve_local},
        {"rule", tz_rule},
        {"transitions", tz_transitions},
        {NULL, NULL},
    };
    static const luaL_Reg fns[] = {
        {"load", tz_load},
        {"valid_name", tz_valid_name},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, ZONE_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    return 1;
}
