/*
 * decimal.c: luaforce.core.decimal, the one exact decimal type of luaforce.
 *
 * A value is (-1)^negative x coefficient x 10^exponent, Java BigDecimal's
 * model (unscaled value and scale = -exponent), so that FEEL arithmetic can
 * later follow BigDecimal with MathContext.DECIMAL128 on this same type.
 *
 * Why this layout:
 *  - Inputs of any length must stay exact (a 40-digit JSON number, an 18-digit
 *    Salesforce currency), so the coefficient is arbitrary precision. GMP's
 *    mpn layer does the digit work (mpn_set_str, mpn_get_str, mpn_mul_1,
 *    mpn_cmp) and later the arithmetic (mpn_add, mpn_mul, mpn_tdiv_qr).
 *    libmpdec is not in Debian 12, and Intel's decimal library is fixed at
 *    34 digits, which cannot keep a 40-digit number.
 *  - The limbs live INLINE in one variable-size userdata: no malloc, no
 *    __gc. The collector frees a value like any string, and a Lua error
 *    raised at any point cannot leak. Values are immutable, so the size is
 *    fixed at birth.
 *  - Temporary space beyond a small stack buffer is a userdata too (see
 *    scratch()), for the same reason; callers restore the stack top.
 *
 * Invariants every constructor keeps (arithmetic must keep them too):
 *  - limbs hold |coefficient|, least significant first, exactly n of them,
 *    limbs[n-1] != 0; zero is n == 0.
 *  - digits is the exact count of decimal digits of the coefficient (1 for
 *    zero): BigDecimal.precision(). It makes the adjusted exponent, and so
 *    most comparisons and the text form, cheap.
 *  - |exponent| <= LF_DEC_EXP_MAX.
 *  - zero is never negative: like BigDecimal, "-0" is 0 (its scale is kept:
 *    "-0.00" is 0.00).
 *
 * Caveat: decimals compare by value but hash by identity, so as table keys
 * two equal decimals are two keys; key by tostring(d) instead.
 */
#include <gmp.h>
#include <lauxlib.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "decimal.h"
#include "decimal_arith.h"
#include "decimal_text.h"
#include "numfmt.h"

typedef struct lf_dec {
    int32_t exponent;
    int32_t negative;  /* 0 or 1, never 1 for zero */
    size_t digits;     /* decimal digits of the coefficient, 1 for zero */
    mp_size_t n;       /* limbs in use, 0 for zero */
    mp_limb_t limbs[]; /* the coefficient, least significant limb first */
} lf_dec;

/* to_integer's limits are int64's; Lua 5.4's default lua_Integer. */
_Static_assert(sizeof(lua_Integer) == 8, "luaforce.decimal expects a 64-bit lua_Integer");

#define DEC_SIZE(n) (offsetof(lf_dec, limbs) + (size_t)(n) * sizeof(mp_limb_t))

/* DIGITS_PER_LIMB: decimal digits that always fit in a limb (10^k < 2^bits);
 * LIMB_DIGITS_MAX: the most digits a limb's worth of bits can need. */
#if GMP_NUMB_BITS == 64
#define DIGITS_PER_LIMB 19
#define LIMB_DIGITS_MAX 20
#elif GMP_NUMB_BITS == 32
#define DIGITS_PER_LIMB 9
#define LIMB_DIGITS_MAX 10
#else
#error "decimal.c expects 32- or 64-bit GMP limbs without nails"
#endif

/* Aligning the smaller exponent by multiplying up costs O(n * k / 19); beyond
 * this many digits of shift, comparing digit strings is cheaper. */
#define SCALE_MUL_MAX (8 * DIGITS_PER_LIMB)

/* Stack buffers, in limbs, for the common small cases. */
#define SMALL_LIMBS 24

static void push_metatable(lua_State *L);

/* Temporary space: buf if it is big enough, else a fresh userdata left on
 * the stack. The caller restores its stack top afterwards; the collector
 * frees the userdata even when an error cuts the work short. */
static void *scratch(lua_State *L, size_t size, mp_limb_t *buf, size_t bufsize) {
    if (size <= bufsize) return buf;
    return lua_newuserdatauv(L, size, 0);
}

/* Pushes a new decimal with room for n limbs; the caller fills it in. */
static lf_dec *push_new(lua_State *L, mp_size_t n) {
    lf_dec *d = lua_newuserdatauv(L, DEC_SIZE(n), 0);
    d->exponent = 0;
    d->negative = 0;
    d->digits = 1;
    d->n = n;
    push_metatable(L);
    lua_setmetatable(L, -2);
    return d;
}

static lf_dec *test_dec(lua_State *L, int idx) {
    return luaL_testudata(L, idx, LF_DECIMAL_MT);
}

static lf_dec *check_dec(lua_State *L, int idx) {
    return luaL_checkudata(L, idx, LF_DECIMAL_MT);
}

/* ---- construction ---------------------------------------------------- */

/* Pushes the value of a parsed text; the text must outlive the call. */
static void push_parsed(lua_State *L, const lf_dectext *t) {
    if (t->digits == 0) {
        lf_dec *d = push_new(L, 0);
        d->exponent = t->exponent;
        return;
    }
    int top = lua_gettop(L);
    /* Room for the limbs (GMP's own bound is no larger) and the digit
     * values mpn_set_str reads. */
    size_t cap = t->digits / DIGITS_PER_LIMB + 2;
    mp_limb_t buf[SMALL_LIMBS];
    mp_limb_t *limbs = scratch(L, cap * sizeof(mp_limb_t) + t->digits, buf, sizeof buf);
    unsigned char *values = (unsigned char *)(limbs + cap);
    lf_dectext_digit_values(t, values);
    mp_size_t n = mpn_set_str(limbs, values, t->digits, 10);
    while (n > 0 && limbs[n - 1] == 0) n--;

    lf_dec *d = push_new(L, n);
    memcpy(d->limbs, limbs, (size_t)n * sizeof(mp_limb_t));
    d->exponent = t->exponent;
    d->negative = t->negative;
    d->digits = t->digits;
    if (lua_gettop(L) > top + 1) lua_remove(L, top + 1);
}

/* Parses text and pushes the decimal; returns an LF_DECTEXT_* code and
 * pushes nothing unless it is LF_DECTEXT_OK. */
static int push_text_value(lua_State *L, const char *text, size_t len, int syntax) {
    lf_dectext t;
    int rc = lf_dectext_parse(text, len, syntax, &t);
    if (rc == LF_DECTEXT_OK) push_parsed(L, &t);
    return rc;
}

static void push_integer(lua_State *L, lua_Integer v) {
    lua_Unsigned u = v < 0 ? 0u - (lua_Unsigned)v : (lua_Unsigned)v;
    size_t digits = 1;
    for (lua_Unsigned x = u; x >= 10; x /= 10) digits++;
#if GMP_NUMB_BITS >= 64
    lf_dec *d = push_new(L, u != 0);
    if (u) d->limbs[0] = (mp_limb_t)u;
#else
    mp_size_t n = 0;
    for (lua_Unsigned x = u; x; x >>= GMP_NUMB_BITS) n++;
    lf_dec *d = push_new(L, n);
    for (mp_size_t i = 0; i < n; i++, u >>= GMP_NUMB_BITS) d->limbs[i] = (mp_limb_t)u;
#endif
    d->negative = v < 0;
    d->digits = digits;
}

/* A finite float becomes the decimal of the text luaforce prints for it
 * (lf_format_double): the shortest digits that read back to the same double,
 * so decimal(0.1) is exactly 0.1, and integral floats keep the ".0" scale
 * Lua shows (decimal(100.0) is 100.0, decimal(100) is 100). */
static void push_double(lua_State *L, double x) {
    char buf[LF_DOUBLE_BUFSIZE];
    size_t len = lf_format_double(x, buf);
    int rc = push_text_value(L, buf, len, LF_DECTEXT_LENIENT);
    (void)rc; /* always OK: doubles stay within 1e-324..1e309 */
}

/* ---- digits and text ------------------------------------------------- */

/* The ASCII digits of |coefficient|, no leading zero ("0" for zero), in buf
 * or in scratch space pushed on the stack (caller restores the top). */
static const char *coef_digits(lua_State *L, const lf_dec *d, mp_limb_t *buf, size_t bufsize,
                               size_t *len) {
    if (d->n == 0) {
        *len = 1;
        return "0";
    }
    size_t cap = (size_t)d->n * LIMB_DIGITS_MAX + 1; /* what mpn_get_str may write */
    mp_limb_t *tmp = scratch(L, (size_t)d->n * sizeof(mp_limb_t) + cap, buf, bufsize);
    memcpy(tmp, d->limbs, (size_t)d->n * sizeof(mp_limb_t)); /* mpn_get_str clobbers it */
    unsigned char *s = (unsigned char *)(tmp + d->n);
    size_t k = mpn_get_str(s, 10, tmp, d->n);
    size_t i = 0;
    while (i + 1 < k && s[i] == 0) i++;
    for (size_t j = i; j < k; j++) s[j] = (unsigned char)(s[j] + '0');
    *len = k - i;
    return (const char *)s + i;
}

/* Pushes the text of d: BigDecimal.toString(), or toPlainString() when plain
 * is set. The text is valid JSON number syntax and parses back to the same
 * coefficient and exponent. */
static const char *push_dec_text(lua_State *L, const lf_dec *d, int plain, size_t *len) {
    int top = lua_gettop(L);
    mp_limb_t buf[SMALL_LIMBS];
    size_t n;
    const char *digits = coef_digits(L, d, buf, sizeof buf, &n);
    size_t size = lf_dectext_format(NULL, d->negative, digits, n, d->exponent, plain);
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, size);
    lf_dectext_format(out, d->negative, digits, n, d->exponent, plain);
    luaL_pushresultsize(&b, size);
    if (lua_gettop(L) > top + 1) lua_remove(L, top + 1);
    return lua_tolstring(L, -1, len);
}

/* ---- integral values ------------------------------------------------- */

/* Whether d has no fractional part (1.00 has none; 1.50 has). */
static int is_integral(lua_State *L, const lf_dec *d) {
    if (d->n == 0 || d->exponent >= 0) return 1;
    size_t frac = (size_t)-(int64_t)d->exponent;
    if (frac >= d->digits) return 0; /* nonzero and all of it below 1 */
    int top = lua_gettop(L);
    mp_limb_t buf[SMALL_LIMBS];
    size_t n;
    const char *s = coef_digits(L, d, buf, sizeof buf, &n);
    int zero = 1;
    for (size_t i = n - frac; i < n && zero; i++) zero = s[i] == '0';
    lua_settop(L, top);
    return zero;
}

/* d as a Lua integer: 1 and *out set when d is integral and within
 * [LUA_MININTEGER, LUA_MAXINTEGER], else 0. */
static int to_integer(lua_State *L, const lf_dec *d, lua_Integer *out) {
    if (d->n == 0) {
        *out = 0;
        return 1;
    }
    int64_t adjusted = (int64_t)d->exponent + (int64_t)d->digits - 1;
    if (adjusted < 0 || adjusted > 18) return 0; /* below 1, or at least 10^19 */
    int top = lua_gettop(L);
    mp_limb_t buf[SMALL_LIMBS];
    size_t n;
    const char *s = coef_digits(L, d, buf, sizeof buf, &n);
    size_t ilen = (size_t)adjusted + 1; /* at most 19 digits: fits uint64 */
    uint64_t u = 0;
    int ok = 1;
    for (size_t i = 0; i < ilen; i++) u = u * 10 + (uint64_t)(i < n ? s[i] - '0' : 0);
    for (size_t i = ilen; i < n && ok; i++) ok = s[i] == '0';
    lua_settop(L, top);
    uint64_t limit = (uint64_t)1 << 63; /* |LUA_MININTEGER| */
    if (!ok || u > limit - !d->negative) return 0;
    if (!d->negative) *out = (lua_Integer)u;
    else *out = u == limit ? LUA_MININTEGER : -(lua_Integer)u;
    return 1;
}

/* The nearest double, correctly rounded by strtod. The text it reads is
 * "DIGITSe<exp>" with no decimal point, so the C locale's LC_NUMERIC (which
 * os.setlocale can change) cannot matter. */
static double to_double(lua_State *L, const lf_dec *d) {
    int top = lua_gettop(L);
    mp_limb_t buf[SMALL_LIMBS];
    size_t n;
    const char *s = coef_digits(L, d, buf, sizeof buf, &n);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (d->negative) luaL_addchar(&b, '-');
    luaL_addlstring(&b, s, n);
    luaL_addchar(&b, 'e');
    lua_pushinteger(L, d->exponent);
    luaL_addvalue(&b);
    luaL_pushresult(&b);
    double x = strtod(lua_tostring(L, -1), NULL);
    lua_settop(L, top);
    return x;
}

/* ---- comparison ------------------------------------------------------ */

static int sign_of(const lf_dec *d) {
    return d->n == 0 ? 0 : d->negative ? -1 : 1;
}

static int cmp_limbs(const mp_limb_t *a, mp_size_t an, const mp_limb_t *b, mp_size_t bn) {
    if (an != bn) return an < bn ? -1 : 1;
    int c = mpn_cmp(a, b, an);
    return (c > 0) - (c < 0);
}

/* 10^k for 0 <= k <= DIGITS_PER_LIMB. */
static mp_limb_t pow10_limb(int k) {
    mp_limb_t p = 1;
    while (k-- > 0) p *= 10;
    return p;
}

/* |a| <=> |b| for nonzero a and b. Different adjusted exponents (the power
 * of ten of the leading digit) decide at once. Otherwise the exponents are
 * aligned: the coefficient with the larger exponent is multiplied by
 * 10^(difference), which with equal adjusted exponents makes it exactly as
 * long as the other, and the limbs are compared. For a large shift it is
 * cheaper to compare the digit strings, which then start at the same power
 * of ten: the first difference decides, and a longer string is larger only
 * if its extra tail has a nonzero digit. */
static int cmp_magnitude(lua_State *L, const lf_dec *a, const lf_dec *b) {
    int64_t adj_a = (int64_t)a->exponent + (int64_t)a->digits - 1;
    int64_t adj_b = (int64_t)b->exponent + (int64_t)b->digits - 1;
    if (adj_a != adj_b) return adj_a < adj_b ? -1 : 1;
    if (a->exponent == b->exponent) return cmp_limbs(a->limbs, a->n, b->limbs, b->n);

    int flip = a->exponent < b->exponent; /* x has the larger exponent */
    const lf_dec *x = flip ? b : a, *y = flip ? a : b;
    size_t shift = (size_t)((int64_t)x->exponent - (int64_t)y->exponent);
    int top = lua_gettop(L), r;
    if (shift <= SCALE_MUL_MAX) {
        mp_size_t cap = x->n + (mp_size_t)(shift / DIGITS_PER_LIMB) + 1;
        mp_limb_t buf[SMALL_LIMBS];
        mp_limb_t *t = scratch(L, (size_t)cap * sizeof(mp_limb_t), buf, sizeof buf);
        memcpy(t, x->limbs, (size_t)x->n * sizeof(mp_limb_t));
        mp_size_t tn = x->n;
        while (shift > 0) {
            int step = shift < DIGITS_PER_LIMB ? (int)shift : DIGITS_PER_LIMB;
            mp_limb_t carry = mpn_mul_1(t, t, tn, pow10_limb(step));
            if (carry) t[tn++] = carry;
            shift -= (size_t)step;
        }
        r = cmp_limbs(t, tn, y->limbs, y->n);
    } else {
        mp_limb_t xbuf[SMALL_LIMBS], ybuf[SMALL_LIMBS];
        size_t xn, yn;
        const char *xs = coef_digits(L, x, xbuf, sizeof xbuf, &xn);
        const char *ys = coef_digits(L, y, ybuf, sizeof ybuf, &yn);
        size_t common = xn < yn ? xn : yn;
        int c = memcmp(xs, ys, common);
        r = (c > 0) - (c < 0);
        if (r == 0) {
            const char *tail = xn > yn ? xs : ys;
            for (size_t i = common; i < (xn > yn ? xn : yn) && r == 0; i++)
                if (tail[i] != '0') r = xn > yn ? 1 : -1;
        }
    }
    lua_settop(L, top);
    return flip ? -r : r;
}

static int cmp_dec(lua_State *L, const lf_dec *a, const lf_dec *b) {
    int sa = sign_of(a), sb = sign_of(b);
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int m = cmp_magnitude(L, a, b);
    return sa < 0 ? -m : m;
}

/* An operand of a comparison: a decimal, or a Lua number converted like
 * decimal(x) (pushing the converted value). Infinities give NULL with *inf
 * set to their sign; NaN gives NULL with *inf == 0. Any other type also
 * gives NULL, *inf == 0, and *bad set. */
static const lf_dec *cmp_operand(lua_State *L, int idx, int *inf, int *bad) {
    *inf = 0;
    *bad = 0;
    const lf_dec *d = test_dec(L, idx);
    if (d) return d;
    if (lua_type(L, idx) != LUA_TNUMBER) {
        *bad = 1;
        return NULL;
    }
    if (lua_isinteger(L, idx)) {
        push_integer(L, lua_tointeger(L, idx));
    } else {
        double x = lua_tonumber(L, idx);
        if (isnan(x)) return NULL;
        if (isinf(x)) {
            *inf = x > 0 ? 1 : -1;
            return NULL;
        }
        push_double(L, x);
    }
    return lua_touserdata(L, -1);
}

/* The type as Lua's own errors name it: __name for userdata that have one. */
static const char *type_name(lua_State *L, int idx) {
    int t = luaL_getmetafield(L, idx, "__name"); /* pushes nothing when absent */
    if (t == LUA_TSTRING) return lua_tostring(L, -1);
    if (t != LUA_TNIL) lua_pop(L, 1);
    return luaL_typename(L, idx);
}

/* Compares the values at 1 and 2. Returns -1/0/1, or 2 when unordered
 * (a NaN). Raises for other types: `what` names the operation. */
static int cmp_values(lua_State *L, const char *what) {
    int top = lua_gettop(L);
    int inf_a, inf_b, bad_a, bad_b;
    const lf_dec *a = cmp_operand(L, 1, &inf_a, &bad_a);
    const lf_dec *b = cmp_operand(L, 2, &inf_b, &bad_b);
    if (bad_a || bad_b) {
        if (what) return luaL_error(L, "attempt to %s %s with %s", what, type_name(L, 1),
                                    type_name(L, 2));
        return luaL_typeerror(L, bad_a ? 1 : 2, "decimal or number");
    }
    int r;
    if ((!a && !inf_a) || (!b && !inf_b)) r = 2;
    else if (inf_a || inf_b) r = inf_a == inf_b ? 0 : inf_a < inf_b ? -1 : 1;
    else r = cmp_dec(L, a, b);
    lua_settop(L, top);
    return r;
}

/* ---- Lua functions --------------------------------------------------- */

/* raw_new(x) -> decimal | nil, reason: the mechanism under decimal.new.
 * reason is "syntax", "range", "nonfinite" or "type"; luaforce.decimal
 * turns it into an error object. */
static int dec_raw_new(lua_State *L) {
    lua_settop(L, 1);
    if (test_dec(L, 1)) return 1;
    const char *reason = "type";
    switch (lua_type(L, 1)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, 1)) {
            push_integer(L, lua_tointeger(L, 1));
            return 1;
        }
        if (isfinite(lua_tonumber(L, 1))) {
            push_double(L, lua_tonumber(L, 1));
            return 1;
        }
        reason = "nonfinite";
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, 1, &len);
        int rc = push_text_value(L, s, len, LF_DECTEXT_LENIENT);
        if (rc == LF_DECTEXT_OK) return 1;
        reason = rc == LF_DECTEXT_RANGE ? "range" : "syntax";
        break;
    }
    default:
        break;
    }
    luaL_pushfail(L);
    lua_pushstring(L, reason);
    return 2;
}

static int dec_is(lua_State *L) {
    lua_pushboolean(L, test_dec(L, 1) != NULL);
    return 1;
}

/* compare(a, b) -> -1, 0, 1 for decimals and Lua numbers (strings are
 * converted by luaforce.decimal before they get here). */
static int dec_compare(lua_State *L) {
    lua_settop(L, 2);
    int r = cmp_values(L, NULL);
    if (r == 2) {
        int nan_at = lua_type(L, 1) == LUA_TNUMBER && isnan(lua_tonumber(L, 1)) ? 1 : 2;
        return luaL_argerror(L, nan_at, "cannot compare with nan");
    }
    lua_pushinteger(L, r);
    return 1;
}

static int dec_tostring(lua_State *L) {
    push_dec_text(L, check_dec(L, 1), 0, NULL);
    return 1;
}

static int dec_plain(lua_State *L) {
    push_dec_text(L, check_dec(L, 1), 1, NULL);
    return 1;
}

static int dec_tonumber(lua_State *L) {
    const lf_dec *d = check_dec(L, 1);
    lua_Integer i;
    if (to_integer(L, d, &i)) lua_pushinteger(L, i);
    else lua_pushnumber(L, to_double(L, d));
    return 1;
}

static int dec_tointeger(lua_State *L) {
    lua_Integer i;
    if (to_integer(L, check_dec(L, 1), &i)) lua_pushinteger(L, i);
    else luaL_pushfail(L);
    return 1;
}

static int dec_sign(lua_State *L) {
    lua_pushinteger(L, sign_of(check_dec(L, 1)));
    return 1;
}

static int dec_is_integer(lua_State *L) {
    lua_pushboolean(L, is_integral(L, check_dec(L, 1)));
    return 1;
}

static int dec_precision(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)check_dec(L, 1)->digits);
    return 1;
}

static int dec_scale(lua_State *L) {
    lua_pushinteger(L, -(lua_Integer)check_dec(L, 1)->exponent);
    return 1;
}

/* __eq runs only for two userdata; a non-decimal one is simply unequal. */
static int dec_eq(lua_State *L) {
    const lf_dec *a = test_dec(L, 1), *b = test_dec(L, 2);
    lua_pushboolean(L, a && b && cmp_dec(L, a, b) == 0);
    return 1;
}

/* __lt and __le also serve decimal-vs-number; NaN is unordered (false). */
static int dec_lt(lua_State *L) {
    int r = cmp_values(L, "compare");
    lua_pushboolean(L, r == -1);
    return 1;
}

static int dec_le(lua_State *L) {
    int r = cmp_values(L, "compare");
    lua_pushboolean(L, r == -1 || r == 0);
    return 1;
}

/* "x=" .. d: decimals as tostring(d), strings and numbers as Lua shows them. */
static int dec_concat(lua_State *L) {
    lua_settop(L, 2);
    for (int i = 1; i <= 2; i++) {
        const lf_dec *d = test_dec(L, i);
        if (d) {
            push_dec_text(L, d, 0, NULL);
        } else if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER) {
            luaL_tolstring(L, i, NULL);
        } else {
            return luaL_error(L, "attempt to concatenate a %s value", type_name(L, i));
        }
    }
    lua_concat(L, 2);
    return 1;
}


/* ---- arithmetic (decimal_arith.c does the digits) -------------------- */

/* Arena blocks beyond the C-stack buffer are userdata left on the stack;
 * the operation's caller restores the stack top. */
static void *arena_grow(void *ud, size_t size) {
    lua_State *L = ud;
    luaL_checkstack(L, 2, "decimal arithmetic");
    return lua_newuserdatauv(L, size, 0);
}

#define ARENA_LIMBS 256

/* An operand: a view of a decimal's limbs, or of one local limb for a Lua
 * integer (no userdata made). */
typedef struct operand {
    lf_num num;
    mp_limb_t local;
} operand;

static void view_dec(const lf_dec *d, lf_num *x) {
    x->limbs = (mp_limb_t *)d->limbs;
    x->n = d->n;
    x->exponent = d->exponent;
    x->negative = d->negative;
    x->digits = d->digits;
}

/* Reads the operand at idx: a decimal, a Lua number (as decimal(x)) or a
 * numeric string. Returns 0 for anything else, or a nonfinite float / bad
 * text; a float or a string pushes a decimal that must stay on the stack. */
static int to_operand(lua_State *L, int idx, operand *o) {
    const lf_dec *d = test_dec(L, idx);
    if (!d) {
        switch (lua_type(L, idx)) {
        case LUA_TNUMBER:
            if (lua_isinteger(L, idx)) {
                lua_Integer v = lua_tointeger(L, idx);
                o->local = v < 0 ? 0u - (mp_limb_t)v : (mp_limb_t)v;
                o->num.limbs = &o->local;
                o->num.n = v != 0;
                o->num.exponent = 0;
                o->num.negative = v < 0;
                o->num.digits = 1;
                for (mp_limb_t x = o->local; x >= 10; x /= 10) o->num.digits++;
                return 1;
            }
            if (!isfinite(lua_tonumber(L, idx))) return 0;
            push_double(L, lua_tonumber(L, idx));
            break;
        case LUA_TSTRING: {
            size_t len;
            const char *s = lua_tolstring(L, idx, &len);
            if (push_text_value(L, s, len, LF_DECTEXT_LENIENT) != LF_DECTEXT_OK) return 0;
            break;
        }
        default:
            return 0;
        }
        d = lua_touserdata(L, -1);
    }
    view_dec(d, &o->num);
    return 1;
}

static void check_operand(lua_State *L, int idx, operand *o) {
    if (!to_operand(L, idx, o)) {
        if (lua_type(L, idx) == LUA_TNUMBER || lua_type(L, idx) == LUA_TSTRING)
            luaL_argerror(L, idx, "not a finite decimal number");
        luaL_typeerror(L, idx, "decimal, number or numeric string");
    }
}

static const char *const mode_names[] = {"half_even", "half_up", "half_down", "up", "down",
                                         "ceiling", "floor", "unnecessary", NULL};

static int opt_mode(lua_State *L, int idx) {
    return luaL_checkoption(L, idx, "half_even", mode_names);
}

/* A precision argument: absent means `def`, 0 means exact. */
static size_t opt_precision(lua_State *L, int idx, size_t def) {
    lua_Integer p = luaL_optinteger(L, idx, (lua_Integer)def);
    luaL_argcheck(L, p >= 0 && p <= LF_DEC_DIGITS_MAX, idx, "precision out of range");
    return (size_t)p;
}

/* Pushes x as a new decimal, or returns LF_NUM_RANGE when its exponent is
 * beyond LF_DEC_EXP_MAX (the stack is then unchanged). */
static int push_num(lua_State *L, const lf_num *x) {
    if (x->exponent > LF_DEC_EXP_MAX || x->exponent < -LF_DEC_EXP_MAX) return LF_NUM_RANGE;
    lf_dec *d = push_new(L, x->n);
    if (x->n) memcpy(d->limbs, x->limbs, (size_t)x->n * sizeof(mp_limb_t));
    d->exponent = (int32_t)x->exponent;
    d->negative = x->n ? x->negative : 0;
    d->digits = x->digits;
    return LF_NUM_OK;
}

static const char *status_code(int rc) {
    switch (rc) {
    case LF_NUM_DIVZERO: return "division_by_zero";
    case LF_NUM_RANGE: return "range";
    case LF_NUM_INEXACT: return "rounding_necessary";
    default: return "domain";
    }
}

/* Registry key of the function luaforce.decimal installs to turn a status
 * code into its error object: failure(function_name, code) -> err. */
#define FAILURE_KEY "luaforce.decimal.failure"

static int dec_set_failure(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, FAILURE_KEY);
    return 0;
}

/* Ends a function: the result (rc OK, already pushed) moved down to
 * top + 1 over any scratch; or nil and an error (the installed failure function's object,
 * else the status code). */
static int finish(lua_State *L, int top, int rc, const char *fname) {
    if (rc != LF_NUM_OK) {
        lua_settop(L, top);
        luaL_pushfail(L);
        if (lua_getfield(L, LUA_REGISTRYINDEX, FAILURE_KEY) == LUA_TFUNCTION) {
            lua_pushstring(L, fname);
            lua_pushstring(L, status_code(rc));
            lua_call(L, 2, 1);
        } else {
            lua_pop(L, 1);
            lua_pushstring(L, status_code(rc));
        }
        return 2;
    }
    if (lua_gettop(L) > top + 1) {
        lua_replace(L, top + 1);
        lua_settop(L, top + 1);
    }
    return 1;
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_IDIV, OP_MOD };

/* Computes and pushes the result: operands and arena live in this frame,
 * so the result is copied out before it returns. */
static int binary(lua_State *L, int op, size_t prec, int mode) {
    operand a, b;
    check_operand(L, 1, &a);
    check_operand(L, 2, &b);
    mp_limb_t buf[ARENA_LIMBS];
    lf_arena A;
    lf_arena_init(&A, buf, sizeof buf, arena_grow, L);
    lf_num r;
    int rc;
    switch (op) {
    case OP_ADD: rc = lf_num_add(&A, &a.num, &b.num, 0, prec, mode, &r); break;
    case OP_SUB: rc = lf_num_add(&A, &a.num, &b.num, 1, prec, mode, &r); break;
    case OP_MUL: rc = lf_num_mul(&A, &a.num, &b.num, prec, mode, &r); break;
    case OP_DIV: rc = lf_num_div(&A, &a.num, &b.num, prec, mode, &r); break;
    case OP_IDIV: rc = lf_num_idiv(&A, &a.num, &b.num, &r); break;
    default: rc = lf_num_mod(&A, &a.num, &b.num, &r); break;
    }
    return rc == LF_NUM_OK ? push_num(L, &r) : rc;
}

/* add(a, b[, precision[, mode]]) and friends: nil, code on failure. */
static int raw_binary(lua_State *L, int op, size_t def_prec, const char *fname) {
    size_t prec = opt_precision(L, 3, def_prec);
    int mode = opt_mode(L, 4);
    lua_settop(L, 2);
    return finish(L, 2, binary(L, op, prec, mode), fname);
}

static int dec_add(lua_State *L) { return raw_binary(L, OP_ADD, 0, "add"); }
static int dec_sub(lua_State *L) { return raw_binary(L, OP_SUB, 0, "sub"); }
static int dec_mul(lua_State *L) { return raw_binary(L, OP_MUL, 0, "mul"); }
static int dec_div(lua_State *L) { return raw_binary(L, OP_DIV, 34, "div"); }

static int dec_idiv(lua_State *L) {
    lua_settop(L, 2);
    return finish(L, 2, binary(L, OP_IDIV, 0, 0), "idiv");
}

static int dec_mod(lua_State *L) {
    lua_settop(L, 2);
    return finish(L, 2, binary(L, OP_MOD, 0, 0), "mod");
}

/* An integer exponent: a Lua integer, an integral float or decimal. */
static lua_Integer check_power(lua_State *L, int idx) {
    int isnum;
    lua_Integer n = lua_tointegerx(L, idx, &isnum);
    if (isnum && lua_type(L, idx) == LUA_TNUMBER) return n;
    const lf_dec *d = test_dec(L, idx);
    if (d && to_integer(L, d, &n)) return n;
    return luaL_argerror(L, idx, "integer exponent expected");
}

static int do_pow(lua_State *L, size_t prec, int mode) {
    operand a;
    check_operand(L, 1, &a);
    lua_Integer n = check_power(L, 2);
    mp_limb_t buf[ARENA_LIMBS];
    lf_arena A;
    lf_arena_init(&A, buf, sizeof buf, arena_grow, L);
    lf_num r;
    int rc = lf_num_pow(&A, &a.num, n, prec, mode, &r);
    return rc == LF_NUM_OK ? push_num(L, &r) : rc;
}

static int dec_pow(lua_State *L) {
    size_t prec = opt_precision(L, 3, 34);
    int mode = opt_mode(L, 4);
    lua_settop(L, 2);
    return finish(L, 2, do_pow(L, prec, mode), "pow");
}

enum { UN_SQRT, UN_LN, UN_EXP, UN_ROUND, UN_SCALE, UN_STRIP, UN_NEG, UN_ABS };

/* One-operand functions: f(d[, arg[, mode]]). */
static int unary(lua_State *L, int op) {
    size_t prec = 0;
    lua_Integer scale = 0;
    switch (op) {
    case UN_SQRT:
    case UN_LN:
    case UN_EXP:
        prec = opt_precision(L, 2, 34);
        luaL_argcheck(L, prec > 0, 2, "precision must be positive");
        if (op != UN_SQRT) luaL_argcheck(L, prec <= LF_DEC_TRANS_PREC_MAX, 2, "precision out of range");
        break;
    case UN_ROUND:
        prec = (size_t)luaL_checkinteger(L, 2);
        luaL_argcheck(L, luaL_checkinteger(L, 2) > 0 && prec <= LF_DEC_DIGITS_MAX, 2,
                      "precision out of range");
        break;
    case UN_SCALE:
        scale = luaL_checkinteger(L, 2);
        luaL_argcheck(L, scale >= -LF_DEC_EXP_MAX && scale <= LF_DEC_EXP_MAX, 2, "scale out of range");
        break;
    default:
        break;
    }
    int mode = op == UN_ROUND || op == UN_SCALE || op == UN_SQRT || op == UN_LN || op == UN_EXP
                   ? opt_mode(L, 3)
                   : 0;
    lua_settop(L, 1);
    operand a;
    check_operand(L, 1, &a);
    mp_limb_t buf[ARENA_LIMBS];
    lf_arena A;
    lf_arena_init(&A, buf, sizeof buf, arena_grow, L);
    lf_num r = a.num;
    int rc = LF_NUM_OK;
    switch (op) {
    case UN_SQRT: rc = lf_num_sqrt(&A, &a.num, prec, mode, &r); break;
    case UN_LN: rc = lf_num_ln(&A, &a.num, prec, mode, &r); break;
    case UN_EXP: rc = lf_num_exp(&A, &a.num, prec, mode, &r); break;
    case UN_ROUND: rc = lf_num_round(&A, &r, prec, mode); break;
    case UN_SCALE: rc = lf_num_set_scale(&A, &r, (int64_t)scale, mode); break;
    case UN_STRIP: lf_num_strip(&A, &r); break;
    case UN_NEG: r.negative = r.n && !r.negative; break;
    default: r.negative = 0; break;
    }
    static const char *const names[] = {"sqrt", "ln", "exp", "round_to", "set_scale", "strip",
                                        "negate", "abs"};
    if (rc == LF_NUM_OK) rc = push_num(L, &r);
    return finish(L, 1, rc, names[op]);
}

static int dec_sqrt(lua_State *L) { return unary(L, UN_SQRT); }
static int dec_ln(lua_State *L) { return unary(L, UN_LN); }
static int dec_exp(lua_State *L) { return unary(L, UN_EXP); }
static int dec_round_to(lua_State *L) { return unary(L, UN_ROUND); }
static int dec_set_scale(lua_State *L) { return unary(L, UN_SCALE); }
static int dec_strip(lua_State *L) { return unary(L, UN_STRIP); }
static int dec_negate(lua_State *L) { return unary(L, UN_NEG); }
static int dec_abs(lua_State *L) { return unary(L, UN_ABS); }

/* floor, ceiling, trunc: setScale(0, mode), as FEEL's floor(n). */
static int to_scale0(lua_State *L, int mode) {
    lua_settop(L, 1);
    operand a;
    check_operand(L, 1, &a);
    mp_limb_t buf[ARENA_LIMBS];
    lf_arena A;
    lf_arena_init(&A, buf, sizeof buf, arena_grow, L);
    lf_num r = a.num;
    int rc = lf_num_set_scale(&A, &r, 0, mode);
    if (rc == LF_NUM_OK) rc = push_num(L, &r);
    if (rc != LF_NUM_OK) return luaL_error(L, "decimal result out of range");
    if (lua_gettop(L) > 2) {
        lua_replace(L, 2);
        lua_settop(L, 2);
    }
    return 1;
}

static int dec_floor(lua_State *L) { return to_scale0(L, LF_ROUND_FLOOR); }
static int dec_ceiling(lua_State *L) { return to_scale0(L, LF_ROUND_CEILING); }
static int dec_trunc(lua_State *L) { return to_scale0(L, LF_ROUND_DOWN); }

/* ---- operators ------------------------------------------------------- */

static const char *status_message(int rc) {
    switch (rc) {
    case LF_NUM_DIVZERO: return "decimal division by zero";
    case LF_NUM_RANGE: return "decimal result out of range";
    case LF_NUM_INEXACT: return "decimal rounding necessary";
    default: return "decimal argument out of domain";
    }
}

/* Operators raise where the functions return nil, err; one side may be a
 * Lua number (Lua calls the decimal's metamethod either way round). */
static int operator(lua_State *L, int op, const char *what) {
    lua_settop(L, 2);
    operand probe;
    for (int i = 1; i <= 2; i++) {
        int t = lua_type(L, i);
        if (!test_dec(L, i) && t != LUA_TNUMBER)
            return luaL_error(L, "attempt to perform arithmetic (%s) on a %s value", what,
                              type_name(L, i));
        if (t == LUA_TNUMBER && !lua_isinteger(L, i) && !to_operand(L, i, &probe))
            return luaL_error(L, "attempt to perform arithmetic (%s) on a nonfinite number", what);
    }
    lua_settop(L, 2);
    int rc = op == -1 ? do_pow(L, 34, LF_ROUND_HALF_EVEN)
                      : binary(L, op, op == OP_DIV ? 34 : 0, LF_ROUND_HALF_EVEN);
    if (rc != LF_NUM_OK) return luaL_error(L, "%s", status_message(rc));
    if (lua_gettop(L) > 3) {
        lua_replace(L, 3);
        lua_settop(L, 3);
    }
    return 1;
}

static int dec_op_add(lua_State *L) { return operator(L, OP_ADD, "+"); }
static int dec_op_sub(lua_State *L) { return operator(L, OP_SUB, "-"); }
static int dec_op_mul(lua_State *L) { return operator(L, OP_MUL, "*"); }
static int dec_op_div(lua_State *L) { return operator(L, OP_DIV, "/"); }
static int dec_op_idiv(lua_State *L) { return operator(L, OP_IDIV, "//"); }
static int dec_op_mod(lua_State *L) { return operator(L, OP_MOD, "%"); }
static int dec_op_pow(lua_State *L) { return operator(L, -1, "^"); }

static int dec_op_unm(lua_State *L) {
    lua_settop(L, 1);
    return unary(L, UN_NEG);
}

static const luaL_Reg dec_methods[] = {
    {"tostring", dec_tostring},
    {"plain", dec_plain},
    {"tonumber", dec_tonumber},
    {"tointeger", dec_tointeger},
    {"sign", dec_sign},
    {"is_integer", dec_is_integer},
    {"precision", dec_precision},
    {"scale", dec_scale},
    {"floor", dec_floor},
    {"ceiling", dec_ceiling},
    {"trunc", dec_trunc},
    {"abs", dec_abs},
    {"negate", dec_negate},
    {"strip", dec_strip},
    {"round_to", dec_round_to},
    {"set_scale", dec_set_scale},
    {NULL, NULL},
};

static const luaL_Reg dec_meta[] = {
    {"__tostring", dec_tostring},
    {"__eq", dec_eq},
    {"__lt", dec_lt},
    {"__le", dec_le},
    {"__concat", dec_concat},
    {"__add", dec_op_add},
    {"__sub", dec_op_sub},
    {"__mul", dec_op_mul},
    {"__div", dec_op_div},
    {"__idiv", dec_op_idiv},
    {"__mod", dec_op_mod},
    {"__pow", dec_op_pow},
    {"__unm", dec_op_unm},
    {NULL, NULL},
};

/* Pushes the metatable, creating it on first use: json.c may make decimals
 * before anything has loaded luaforce.core.decimal. luaL_newmetatable sets
 * __name, so argument errors name the type. */
static void push_metatable(lua_State *L) {
    if (luaL_newmetatable(L, LF_DECIMAL_MT)) {
        luaL_setfuncs(L, dec_meta, 0);
        luaL_newlib(L, dec_methods);
        lua_setfield(L, -2, "__index");
    }
}

/* ---- C API (decimal.h) ----------------------------------------------- */

int lf_decimal_push(lua_State *L, const char *text, size_t len) {
    return push_text_value(L, text, len, LF_DECTEXT_JSON) == LF_DECTEXT_OK;
}

const char *lf_decimal_pushtext(lua_State *L, int idx, size_t *len) {
    const lf_dec *d = test_dec(L, idx);
    if (!d) return NULL;
    return push_dec_text(L, d, 0, len);
}

int luaopen_luaforce_core_decimal(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"raw_new", dec_raw_new},
        {"is", dec_is},
        {"compare", dec_compare},
        {"set_failure", dec_set_failure},
        {"add", dec_add},
        {"sub", dec_sub},
        {"mul", dec_mul},
        {"div", dec_div},
        {"idiv", dec_idiv},
        {"mod", dec_mod},
        {"pow", dec_pow},
        {"sqrt", dec_sqrt},
        {"ln", dec_ln},
        {"exp", dec_exp},
        {"round_to", dec_round_to},
        {"set_scale", dec_set_scale},
        {"strip", dec_strip},
        {"negate", dec_negate},
        {"abs", dec_abs},
        {"floor", dec_floor},
        {"ceiling", dec_ceiling},
        {"trunc", dec_trunc},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    push_metatable(L);
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "methods");
    lua_pop(L, 1);
    lua_pushinteger(L, LF_DEC_EXP_MAX);
    lua_setfield(L, -2, "EXP_MAX");
    lua_pushinteger(L, LF_DEC_DIGITS_MAX);
    lua_setfield(L, -2, "DIGITS_MAX");
    return 1;
}
