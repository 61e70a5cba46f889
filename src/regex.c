/*
 * regex.c: luaforce.core.regex, Java-style regular expressions on PCRE2.
 *
 * A pattern is written in java.util.regex syntax (FEEL's, since Camunda runs
 * on the JVM); regex_text.c rewrites it for PCRE2, which compiles it in UTF
 * mode (and JIT-compiles it when the platform can). Without (?U), \w \d \s
 * \b and the POSIX classes are US-ASCII, as in Java, so no PCRE2_UCP.
 *
 * Iteration over matches follows java.util.regex.Matcher.find: the next
 * search starts where the last match ended, one character further after an
 * empty match, and an empty match may follow a non-empty one ("baaa" with
 * a* finds "", "aaa", ""). replace, split and extract are built on it with
 * Java's semantics (Matcher.replaceAll, Pattern.split(s, -1)).
 *
 * Byte offsets here are 1-based and inclusive, like string.find; the public
 * face (lua/luaforce/regex.lua) turns them into code points.
 *
 * Every match runs under a match limit and a heap limit (a catastrophic
 * pattern such as ^(a+)+$ against a run of a's and a "!" fails with "LIMIT"
 * instead of hanging). The step budget is the pattern's limit plus 64 per
 * byte of subject: a linear scan of a long text needs steps in proportion,
 * an exponential one exceeds any such budget quickly. When the JIT's stack is too small for a match, the
 * interpreter (bounded by the same limits) takes over.
 *
 * Memory: the pattern's PCRE2 objects belong to the userdata (__gc and
 * __close free them, idempotently). A parsed replacement is copied into a
 * userdata before anything that may raise, so no malloc'd block is ever
 * live across a Lua error.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <lauxlib.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "regex_text.h"

#define PATTERN_MT "luaforce.regex.Pattern"

#define DEFAULT_MATCH_LIMIT 1000000  /* PCRE2's own default is 10,000,000 */
#define DEFAULT_HEAP_LIMIT 65536     /* KiB of backtracking memory per match */
#define LIMIT_PER_BYTE 64            /* more match steps per byte of subject */

typedef struct lf_re {
    pcre2_code *code;
    pcre2_match_context *mctx;
    pcre2_match_data *md;
    uint32_t match_limit; /* the budget for a short subject */
    int ngroups;
    int jit;
} lf_re;

static void re_release(lf_re *re) {
    if (re->md) pcre2_match_data_free(re->md);
    if (re->mctx) pcre2_match_context_free(re->mctx);
    if (re->code) pcre2_code_free(re->code);
    re->md = NULL;
    re->mctx = NULL;
    re->code = NULL;
}

static int re_gc(lua_State *L) {
    re_release(luaL_checkudata(L, 1, PATTERN_MT));
    return 0;
}

static lf_re *check_re(lua_State *L) {
    lf_re *re = luaL_checkudata(L, 1, PATTERN_MT);
    if (!re->code) luaL_error(L, "attempt to use a closed pattern");
    return re;
}

/* nil, message, code: the expected-failure shape of this module. */
static int re_fail(lua_State *L, const char *code, const char *msg) {
    lua_pushnil(L);
    lua_pushstring(L, msg);
    lua_pushstring(L, code);
    return 3;
}

/* compile(pattern[, flags[, match_limit[, heap_limit_kib]]]) -> Pattern
 * | nil, err, "SYNTAX"|"FLAGS". */
static int re_compile(lua_State *L) {
    size_t plen, flen;
    const char *pat = luaL_checklstring(L, 1, &plen);
    const char *fl = luaL_optlstring(L, 2, "", &flen);
    lua_Integer mlimit = luaL_optinteger(L, 3, DEFAULT_MATCH_LIMIT);
    lua_Integer hlimit = luaL_optinteger(L, 4, DEFAULT_HEAP_LIMIT);
    luaL_argcheck(L, mlimit > 0 && mlimit <= UINT32_MAX, 3, "match limit out of range");
    luaL_argcheck(L, hlimit > 0 && hlimit <= UINT32_MAX, 4, "heap limit out of range");
    unsigned flags;
    if (lf_rx_flags(fl, flen, &flags) < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "unknown regular expression flag in \"%.40s\" (use i, m, s, x)", fl);
        return re_fail(L, "FLAGS", msg);
    }
    lf_re *re = lua_newuserdatauv(L, sizeof *re, 0);
    memset(re, 0, sizeof *re);
    luaL_setmetatable(L, PATTERN_MT);

    char err[160], msg[256];
    size_t erroff = 0;
    lf_rx_out out;
    if (lf_rx_translate(pat, plen, flags, &out, err, sizeof err, &erroff) < 0) {
        snprintf(msg, sizeof msg, "%s near index %zu", err, erroff);
        return re_fail(L, "SYNTAX", msg);
    }
    pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
    if (cctx) pcre2_set_newline(cctx, PCRE2_NEWLINE_ANY);
    uint32_t opts = PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | (out.multiline ? PCRE2_MULTILINE : 0)
                  | (out.ucp ? PCRE2_UCP : PCRE2_NEVER_UCP);
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    re->code = cctx ? pcre2_compile((PCRE2_SPTR)out.pattern, out.len, opts, &ecode, &eoff, cctx) : NULL;
    if (cctx) pcre2_compile_context_free(cctx);
    free(out.pattern);
    if (!re->code) {
        PCRE2_UCHAR text[160];
        if (!cctx || pcre2_get_error_message(ecode, text, sizeof text) < 0) strcpy((char *)text, "out of memory");
        snprintf(msg, sizeof msg, "%s", (const char *)text);
        return re_fail(L, "SYNTAX", msg);
    }
    re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
    re->mctx = pcre2_match_context_create(NULL);
    re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!re->mctx || !re->md) {
        re_release(re);
        return luaL_error(L, "out of memory");
    }
    re->match_limit = (uint32_t)mlimit;
    pcre2_set_heap_limit(re->mctx, (uint32_t)hlimit);
    uint32_t n = 0;
    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &n);
    re->ngroups = (int)n;
    return 1;
}

/* One subject being scanned: the text, and whether PCRE2 has checked its
 * UTF-8 yet (once is enough: later calls pass PCRE2_NO_UTF_CHECK). */
typedef struct scan {
    lf_re *re;
    const char *s;
    size_t n;
    int checked;
    int limited; /* the match limit for this subject is set */
    int err; /* the PCRE2 error code of a failed search */
} scan;

/* Searches from byte `from`. Returns 1 (match: ovector filled), 0 (none), or
 * -1 (error in sc->err). */
static int search(scan *sc, size_t from) {
    if (!sc->limited) { /* linear patterns on long texts need steps in proportion */
        uint64_t limit = (uint64_t)sc->re->match_limit + (uint64_t)LIMIT_PER_BYTE * sc->n;
        pcre2_set_match_limit(sc->re->mctx, limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit);
        sc->limited = 1;
    }
    uint32_t opts = sc->checked ? PCRE2_NO_UTF_CHECK : 0;
    int rc = pcre2_match(sc->re->code, (PCRE2_SPTR)sc->s, sc->n, from, opts, sc->re->md, sc->re->mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(sc->re->code, (PCRE2_SPTR)sc->s, sc->n, from, opts | PCRE2_NO_JIT, sc->re->md,
                         sc->re->mctx);
    if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) sc->checked = 1;
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) {
        sc->err = rc;
        return -1;
    }
    return 1;
}

/* The Java rule for the next search after a match [ms, me): from me, or one
 * character further when the match was empty. Returns 0 when the end of
 * the subject has been passed. */
static int advance(const scan *sc, size_t ms, size_t me, size_t *from) {
    if (me != ms) {
        *from = me;
        return 1;
    }
    if (me >= sc->n) return 0;
    size_t k = me + 1;
    while (k < sc->n && ((unsigned char)sc->s[k] & 0xC0) == 0x80) k++;
    *from = k;
    return 1;
}

static int scan_fail(lua_State *L, const scan *sc) {
    int e = sc->err;
    if (e == PCRE2_ERROR_MATCHLIMIT || e == PCRE2_ERROR_HEAPLIMIT || e == PCRE2_ERROR_DEPTHLIMIT ||
        e == PCRE2_ERROR_JIT_STACKLIMIT)
        return re_fail(L, "LIMIT", "regular expression is too costly for this input (match limit exceeded)");
    if (e <= PCRE2_ERROR_UTF8_ERR1 && e >= PCRE2_ERROR_UTF8_ERR21)
        return re_fail(L, "UTF8", "the text is not valid UTF-8");
    PCRE2_UCHAR text[160];
    if (pcre2_get_error_message(e, text, sizeof text) < 0) strcpy((char *)text, "matching failed");
    return re_fail(L, "MATCH", (const char *)text);
}

/* Reads the optional 1-based byte position `init` at index `idx` (string.find
 * style; negative counts from the end). Returns 0 when it lies past the end. */
static int get_init(lua_State *L, int idx, size_t n, size_t *from) {
    lua_Integer init = luaL_optinteger(L, idx, 1);
    if (init < 0) init = (lua_Integer)n + init + 1;
    if (init < 1) init = 1;
    if ((size_t)init > n + 1) return 0;
    *from = (size_t)init - 1;
    return 1;
}

/* test(s[, init]) -> boolean | nil, err, code. FEEL's matches(): find
 * anywhere. */
static int re_test(lua_State *L) {
    lf_re *re = check_re(L);
    scan sc = {re, NULL, 0, 0, 0, 0};
    sc.s = luaL_checklstring(L, 2, &sc.n);
    size_t from;
    if (!get_init(L, 3, sc.n, &from)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    int rc = search(&sc, from);
    if (rc < 0) return scan_fail(L, &sc);
    lua_pushboolean(L, rc);
    return 1;
}

/* find(s[, init]) -> start, stop (bytes, inclusive; stop = start - 1 for an
 * empty match) | nil (no match) | nil, err, code. */
static int re_find(lua_State *L) {
    lf_re *re = check_re(L);
    scan sc = {re, NULL, 0, 0, 0, 0};
    sc.s = luaL_checklstring(L, 2, &sc.n);
    size_t from;
    if (!get_init(L, 3, sc.n, &from)) {
        lua_pushnil(L);
        return 1;
    }
    int rc = search(&sc, from);
    if (rc < 0) return scan_fail(L, &sc);
    if (rc == 0) {
        lua_pushnil(L);
        return 1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
    lua_pushinteger(L, (lua_Integer)ov[0] + 1);
    lua_pushinteger(L, (lua_Integer)ov[1]);
    return 2;
}

/* Pushes the name -> number table of the pattern's named groups. */
static void push_names(lua_State *L, const lf_re *re) {
    uint32_t count = 0, size = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
    lua_createtable(L, 0, (int)count);
    for (uint32_t k = 0; k < count; k++) {
        PCRE2_SPTR e = table + (size_t)k * size;
        lua_pushinteger(L, (e[0] << 8) | e[1]);
        lua_setfield(L, -2, (const char *)e + 2);
    }
}

/* match(s[, init]) -> start, stop, groups | nil | nil, err, code. `groups`
 * holds every capturing group by number and named ones by name too; a
 * group that took no part in the match is false (Java's null). */
static int re_match(lua_State *L) {
    lf_re *re = check_re(L);
    scan sc = {re, NULL, 0, 0, 0, 0};
    sc.s = luaL_checklstring(L, 2, &sc.n);
    size_t from;
    if (!get_init(L, 3, sc.n, &from)) {
        lua_pushnil(L);
        return 1;
    }
    int rc = search(&sc, from);
    if (rc < 0) return scan_fail(L, &sc);
    if (rc == 0) {
        lua_pushnil(L);
        return 1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
    lua_pushinteger(L, (lua_Integer)ov[0] + 1);
    lua_pushinteger(L, (lua_Integer)ov[1]);
    lua_createtable(L, re->ngroups, 0);
    for (int g = 1; g <= re->ngroups; g++) {
        if (ov[2 * g] == PCRE2_UNSET) lua_pushboolean(L, 0);
        else lua_pushlstring(L, sc.s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        lua_rawseti(L, -2, g);
    }
    push_names(L, re);
    lua_pushnil(L);
    while (lua_next(L, -2)) { /* groups[name] = groups[number] */
        lua_pushvalue(L, -2);
        lua_rawgeti(L, -5, lua_tointeger(L, -2));
        lua_rawset(L, -6);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 3;
}

/* extract(s) -> {match, ...} | nil, err, code: every match, in order
 * (FEEL's extract; Scala's findAllIn). */
static int re_extract(lua_State *L) {
    lf_re *re = check_re(L);
    scan sc = {re, NULL, 0, 0, 0, 0};
    sc.s = luaL_checklstring(L, 2, &sc.n);
    lua_newtable(L);
    size_t from = 0;
    lua_Integer k = 0;
    for (;;) {
        int rc = search(&sc, from);
        if (rc < 0) return scan_fail(L, &sc);
        if (rc == 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
        size_t ms = ov[0], me = ov[1];
        lua_pushlstring(L, sc.s + ms, me - ms);
        lua_rawseti(L, -2, ++k);
        if (!advance(&sc, ms, me, &from)) break;
    }
    return 1;
}

/* split(s) -> {piece, ...} | nil, err, code: java.util.regex.Pattern.split
 * with limit -1 (what Camunda's split calls): trailing empty pieces stay, a
 * zero-width match at the very start makes no leading empty piece, and a
 * text without any match is one piece. */
static int re_split(lua_State *L) {
    lf_re *re = check_re(L);
    scan sc = {re, NULL, 0, 0, 0, 0};
    sc.s = luaL_checklstring(L, 2, &sc.n);
    lua_newtable(L);
    size_t from = 0, index = 0;
    lua_Integer k = 0;
    for (;;) {
        int rc = search(&sc, from);
        if (rc < 0) return scan_fail(L, &sc);
        if (rc == 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
        size_t ms = ov[0], me = ov[1];
        if (!(index == 0 && ms == 0 && me == 0)) {
            lua_pushlstring(L, sc.s + index, ms - index);
            lua_rawseti(L, -2, ++k);
            index = me;
        }
        if (!advance(&sc, ms, me, &from)) break;
    }
    if (index == 0) {
        lua_settop(L, 2);
        lua_createtable(L, 1, 0);
        lua_pushvalue(L, 2);
        lua_rawseti(L, -2, 1);
        return 1;
    }
    lua_pushlstring(L, sc.s + index, sc.n - index);
    lua_rawseti(L, -2, ++k);
    return 1;
}

static int name_lookup(void *ud, const char *name, size_t len) {
    char tmp[64];
    if (len >= sizeof tmp) return -1;
    memcpy(tmp, name, len);
    tmp[len] = '\0';
    int n = pcre2_substring_number_from_name(((lf_re *)ud)->code, (PCRE2_SPTR)tmp);
    return n > 0 ? n : -1;
}

/* replace(s, replacement[, limit]) -> text, count | nil, err, code: every
 * match (or the first `limit`) replaced, Matcher.replaceAll's way: "$n"
 * and "${name}" insert a group (nothing for a group that did not take
 * part), "\x" inserts x. A bad replacement ("$9" with one group, a trailing
 * "\") is an error even when nothing matches, as in Java. */
static int re_replace(lua_State *L) {
    lf_re *re = check_re(L);
    scan sc = {re, NULL, 0, 0, 0, 0};
    size_t rlen;
    sc.s = luaL_checklstring(L, 2, &sc.n);
    const char *rep = luaL_checklstring(L, 3, &rlen);
    lua_Integer limit = luaL_optinteger(L, 4, -1);

    char err[160];
    lf_rx_repl parsed;
    if (lf_rx_replacement(rep, rlen, re->ngroups, name_lookup, re, &parsed, err, sizeof err) < 0)
        return re_fail(L, "REPLACEMENT", err);
    /* move it into collectable memory before anything can raise */
    size_t partsz = parsed.nparts * sizeof(lf_rx_part), litsz = parsed.litlen + 1;
    char *block = lua_newuserdatauv(L, partsz + litsz, 0);
    if (partsz) memcpy(block, parsed.parts, partsz);
    memcpy(block + partsz, parsed.lit, litsz);
    size_t nparts = parsed.nparts;
    lf_rx_repl_free(&parsed);
    const lf_rx_part *parts = (const lf_rx_part *)(void *)block;
    const char *lit = block + partsz;

    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t from = 0, last = 0;
    lua_Integer count = 0;
    while (limit < 0 || count < limit) {
        int rc = search(&sc, from);
        if (rc < 0) return scan_fail(L, &sc);
        if (rc == 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
        size_t ms = ov[0], me = ov[1];
        luaL_addlstring(&b, sc.s + last, ms - last);
        for (size_t k = 0; k < nparts; k++) {
            int g = parts[k].group;
            if (g < 0) luaL_addlstring(&b, lit + parts[k].off, parts[k].len);
            else if (ov[2 * g] != PCRE2_UNSET) luaL_addlstring(&b, sc.s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        }
        last = me;
        count++;
        if (!advance(&sc, ms, me, &from)) break;
    }
    luaL_addlstring(&b, sc.s + last, sc.n - last);
    luaL_pushresult(&b);
    lua_pushinteger(L, count);
    return 2;
}

/* groups() -> count, {name = number}. */
static int re_groups(lua_State *L) {
    lf_re *re = check_re(L);
    lua_pushinteger(L, re->ngroups);
    push_names(L, re);
    return 2;
}

/* jit() -> whether PCRE2 JIT-compiled this pattern (diagnostics). */
static int re_jit(lua_State *L) {
    lua_pushboolean(L, check_re(L)->jit);
    return 1;
}

static int re_tostring(lua_State *L) {
    lf_re *re = luaL_checkudata(L, 1, PATTERN_MT);
    lua_pushfstring(L, "%s (%p)%s", PATTERN_MT, (void *)re, re->code ? "" : " closed");
    return 1;
}

static int push_block(lua_State *L) {
    lua_pushlstring(L, lua_touserdata(L, 1), (size_t)lua_tointeger(L, 2));
    return 1;
}

/* translate(pattern[, flags]) -> the PCRE2 pattern | nil, err, code: what
 * compile hands to PCRE2, for tests and for explaining a mismatch. */
static int re_translate(lua_State *L) {
    size_t plen, flen;
    const char *pat = luaL_checklstring(L, 1, &plen);
    const char *fl = luaL_optlstring(L, 2, "", &flen);
    unsigned flags;
    if (lf_rx_flags(fl, flen, &flags) < 0) return re_fail(L, "FLAGS", "unknown regular expression flag");
    char err[160], msg[256];
    size_t erroff = 0;
    lf_rx_out out;
    if (lf_rx_translate(pat, plen, flags, &out, err, sizeof err, &erroff) < 0) {
        snprintf(msg, sizeof msg, "%s near index %zu", err, erroff);
        return re_fail(L, "SYNTAX", msg);
    }
    /* pushing may raise (out of memory): do it protected, then free */
    lua_pushcfunction(L, push_block);
    lua_pushlightuserdata(L, out.pattern);
    lua_pushinteger(L, (lua_Integer)out.len);
    int rc = lua_pcall(L, 2, 1, 0);
    free(out.pattern);
    if (rc != LUA_OK) return lua_error(L);
    return 1;
}

int luaopen_luaforce_core_regex(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"test", re_test},       {"find", re_find},   {"match", re_match},   {"extract", re_extract},
        {"split", re_split},     {"replace", re_replace}, {"groups", re_groups}, {"jit", re_jit},
        {"close", re_gc},        {NULL, NULL},
    };
    static const luaL_Reg fns[] = {
        {"compile", re_compile},
        {"translate", re_translate},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, PATTERN_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, re_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, re_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, re_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    lua_pushinteger(L, DEFAULT_MATCH_LIMIT);
    lua_setfield(L, -2, "MATCH_LIMIT");
    lua_pushinteger(L, DEFAULT_HEAP_LIMIT);
    lua_setfield(L, -2, "HEAP_LIMIT");
    return 1;
}
