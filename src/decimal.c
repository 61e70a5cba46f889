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
 * The files: decimal.c (this one) is the value type (construction, text,
 * comparison, conversions, the metatable); decimal_ops.c the arithmetic as
 * Lua functions and operators; decimal_internal.h what the two share.
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
#include "decimal_internal.h"
#include "decimal_arith.h"
#include "decimal_text.h"
#include "numfmt.h"

/* to_integer's limits are int64's; Lua 5.4's default lua_Integer. */
_Static_assert(sizeof(lua_Integer) == 8, "luaforce.decimal expects a 64-bit lua_Integer");

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
lf_dec *lf_dec_push_new(lua_State *L, mp_size_t n) {
    lf_dec *d = lua_newuserdatauv(L, DEC_SIZE(n), 0);
    d->exponent = 0;
    d->negative = 0;
    d->digits = 1;
    d->n = n;
    push_metatable(L);
    lua_setmetatable(L, -2);
    return d;
}

lf_dec *lf_dec_test(lua_State *L, int idx) {
    return luaL_testudata(L, idx, LF_DECIMAL_MT);
}

static lf_dec *check_dec(lua_State *L, int idx) {
    return luaL_checkudata(L, idx, LF_DECIMAL_MT);
}

/* ---- construction ---------------------------------------------------- */

/* Pushes the value of a parsed text; the text must outlive the call. */
static void push_parsed(lua_State *L, const lf_dectext *t) {
    if (t->digits == 0) {
        lf_dec *d = lf_dec_push_new(L, 0);
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

    lf_dec *d = lf_dec_push_new(L, n);
    memcpy(d->limbs, limbs, (size_t)n * sizeof(mp_limb_t));
    d->exponent = t->exponent;
    d->negative = t->negative;
    d->digits = t->digits;
    if (lua_gettop(L) > top + 1) lua_remove(L, top + 1);
}

/* Parses text and pushes the decimal; returns an LF_DECTEXT_* code and
 * pushes nothing unless it is LF_DECTEXT_OK. */
int lf_dec_push_text(lua_State *L, const char *text, size_t len, int syntax) {
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
    lf_dec *d = lf_dec_push_new(L, u != 0);
    if (u) d->limbs[0] = (mp_limb_t)u;
#else
    mp_size_t n = 0;
    for (lua_Unsigned x = u; x; x >>= GMP_NUMB_BITS) n++;
    lf_dec *d = lf_dec_push_new(L, n);
    for (mp_size_t i = 0; i < n; i++, u >>= GMP_NUMB_BITS) d->limbs[i] = (mp_limb_t)u;
#endif
    d->negative = v < 0;
    d->digits = digits;
}

/* A finite float becomes the decimal of the text luaforce prints for it
 * (lf_format_double): the shortest digits that read back to the same double,
 * so decimal(0.1) is exactly 0.1, and integral floats keep the ".0" scale
 * Lua shows (decimal(100.0) is 100.0, decimal(100) is 100). */
void lf_dec_push_double(lua_State *L, double x) {
    char buf[LF_DOUBLE_BUFSIZE];
    size_t len = lf_format_double(x, buf);
    int rc = lf_dec_push_text(L, buf, len, LF_DECTEXT_LENIENT);
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
int lf_dec_to_integer(lua_State *L, const lf_dec *d, lua_Integer *out) {
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
    const lf_dec *d = lf_dec_test(L, idx);
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
        lf_dec_push_double(L, x);
    }
    return lua_touserdata(L, -1);
}

/* The type as Lua's own errors name it: __name for userdata that have one. */
const char *lf_dec_type_name(lua_State *L, int idx) {
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
        if (what) return luaL_error(L, "attempt to %s %s with %s", what, lf_dec_type_name(L, 1),
                                    lf_dec_type_name(L, 2));
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
    if (lf_dec_test(L, 1)) return 1;
    const char *reason = "type";
    switch (lua_type(L, 1)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, 1)) {
            push_integer(L, lua_tointeger(L, 1));
            return 1;
        }
        if (isfinite(lua_tonumber(L, 1))) {
            lf_dec_push_double(L, lua_tonumber(L, 1));
            return 1;
        }
        reason = "nonfinite";
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, 1, &len);
        int rc = lf_dec_push_text(L, s, len, LF_DECTEXT_LENIENT);
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
    lua_pushboolean(L, lf_dec_test(L, 1) != NULL);
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
    if (lf_dec_to_integer(L, d, &i)) lua_pushinteger(L, i);
    else lua_pushnumber(L, to_double(L, d));
    return 1;
}

static int dec_tointeger(lua_State *L) {
    lua_Integer i;
    if (lf_dec_to_integer(L, check_dec(L, 1), &i)) lua_pushinteger(L, i);
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
    const lf_dec *a = lf_dec_test(L, 1), *b = lf_dec_test(L, 2);
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
        const lf_dec *d = lf_dec_test(L, i);
        if (d) {
            push_dec_text(L, d, 0, NULL);
        } else if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER) {
            luaL_tolstring(L, i, NULL);
        } else {
            return luaL_error(L, "attempt to concatenate a %s value", lf_dec_type_name(L, i));
        }
    }
    lua_concat(L, 2);
    return 1;
}



/* The value's own methods and metamethods; the arithmetic ones come from
 * decimal_ops.c (lf_dec_ops_methods, lf_dec_ops_meta). */
static const luaL_Reg dec_methods[] = {
    {"tostring", dec_tostring},
    {"plain", dec_plain},
    {"tonumber", dec_tonumber},
    {"tointeger", dec_tointeger},
    {"sign", dec_sign},
    {"is_integer", dec_is_integer},
    {"precision", dec_precision},
    {"scale", dec_scale},
    {NULL, NULL},
};

static const luaL_Reg dec_meta[] = {
    {"__tostring", dec_tostring},
    {"__eq", dec_eq},
    {"__lt", dec_lt},
    {"__le", dec_le},
    {"__concat", dec_concat},
    {NULL, NULL},
};

/* Entries of a luaL_Reg list (as luaL_newlib counts them). */
static int reg_count(const luaL_Reg *r) {
    int n = 0;
    while (r[n].name) n++;
    return n;
}

/* Pushes the metatable, creating it on first use: json.c may make decimals
 * before anything has loaded luaforce.core.decimal. luaL_newmetatable sets
 * __name, so argument errors name the type. */
static void push_metatable(lua_State *L) {
    if (luaL_newmetatable(L, LF_DECIMAL_MT)) {
        luaL_setfuncs(L, dec_meta, 0);
        luaL_setfuncs(L, lf_dec_ops_meta, 0);
        /* sized and filled in the order of one list, as luaL_newlib would */
        lua_createtable(L, 0, reg_count(dec_methods) + reg_count(lf_dec_ops_methods));
        luaL_setfuncs(L, dec_methods, 0);
        luaL_setfuncs(L, lf_dec_ops_methods, 0);
        lua_setfield(L, -2, "__index");
    }
}

/* ---- C API (decimal.h) ----------------------------------------------- */

int lf_decimal_push(lua_State *L, const char *text, size_t len) {
    return lf_dec_push_text(L, text, len, LF_DECTEXT_JSON) == LF_DECTEXT_OK;
}

const char *lf_decimal_pushtext(lua_State *L, int idx, size_t *len) {
    const lf_dec *d = lf_dec_test(L, idx);
    if (!d) return NULL;
    return push_dec_text(L, d, 0, len);
}

int luaopen_luaforce_core_decimal(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"raw_new", dec_raw_new},
        {"is", dec_is},
        {"compare", dec_compare},
        {NULL, NULL},
    };
    lua_createtable(L, 0, reg_count(fns) + reg_count(lf_dec_ops_fns));
    luaL_setfuncs(L, fns, 0);
    luaL_setfuncs(L, lf_dec_ops_fns, 0);
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
