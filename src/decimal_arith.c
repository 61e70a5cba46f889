/*
 * decimal_arith.c: exact and context-rounded arithmetic on decimal
 * coefficients (see decimal_arith.h), the way Java's BigDecimal does it.
 *
 * Everything works on GMP's mpn layer over arena memory: no malloc for
 * small values, and no state outside the arguments. Coefficients of one or
 * two limbs (up to 38 digits, which covers DECIMAL128 results) take the
 * cheap paths: digit counts from a table or a 128-bit compare, rounding by
 * a single-limb division.
 */
#include <string.h>

#include "decimal_arith.h"

typedef unsigned __int128 u128;

static const mp_limb_t P10[20] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
    10000000000000000000ULL,
};

/* Most significant decimal digits held by a limb: 10^19 < 2^64. */
#define LIMB_POW10_MAX 19

/* Exact powers up to this many digits; longer ones with a precision are
 * computed with truncated intermediates (see pow_approx). */
#define POW_EXACT_DIGITS 8192

/* ---- arena ----------------------------------------------------------- */

void lf_arena_init(lf_arena *a, void *buf, size_t cap, void *(*grow)(void *, size_t), void *ud) {
    a->grow = grow;
    a->ud = ud;
    a->buf = buf;
    a->used = 0;
    a->cap = cap;
}

void *lf_arena_alloc(lf_arena *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    if (a->cap - a->used < size) {
        size_t block = size > 16384 ? size : 16384;
        a->buf = a->grow(a->ud, block);
        a->used = 0;
        a->cap = block;
    }
    void *p = a->buf + a->used;
    a->used += size;
    return p;
}

static mp_limb_t *limbs_alloc(lf_arena *a, mp_size_t n) {
    return lf_arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof(mp_limb_t));
}

/* ---- helpers --------------------------------------------------------- */

static mp_size_t trim(const mp_limb_t *x, mp_size_t n) {
    while (n > 0 && x[n - 1] == 0) n--;
    return n;
}

static int cmp_limbs(const mp_limb_t *a, mp_size_t an, const mp_limb_t *b, mp_size_t bn) {
    if (an != bn) return an < bn ? -1 : 1;
    int c = an ? mpn_cmp(a, b, an) : 0;
    return (c > 0) - (c < 0);
}

static void set_zero(lf_num *x, int64_t exponent) {
    x->limbs = NULL;
    x->n = 0;
    x->exponent = exponent;
    x->negative = 0;
    x->digits = 1;
}

static void set_small(lf_arena *A, lf_num *x, mp_limb_t v, int negative, int64_t exponent) {
    if (v == 0) {
        set_zero(x, exponent);
        return;
    }
    x->limbs = limbs_alloc(A, 1);
    x->limbs[0] = v;
    x->n = 1;
    x->exponent = exponent;
    x->negative = negative;
    x->digits = lf_num_count_digits(A, x->limbs, 1);
}

static int64_t adjusted(const lf_num *x) {
    return x->exponent + (int64_t)x->digits - 1;
}

static size_t bit_length(const mp_limb_t *x, mp_size_t n) {
    return n == 0 ? 0 : (size_t)n * 64 - (size_t)__builtin_clzll(x[n - 1]);
}

/* r = b^e for e >= 1 (left-to-right binary powering), in fresh arena space. */
static mp_limb_t *pow_limbs(lf_arena *A, const mp_limb_t *b, mp_size_t bn, uint64_t e, mp_size_t *rn) {
    size_t cap = bit_length(b, bn) * e / 64 + 3;
    mp_limb_t *r = limbs_alloc(A, (mp_size_t)cap), *t = limbs_alloc(A, (mp_size_t)cap);
    memcpy(r, b, (size_t)bn * sizeof(mp_limb_t));
    mp_size_t n = bn;
    for (int i = 62 - __builtin_clzll(e); i >= 0; i--) {
        mpn_sqr(t, r, n);
        n = trim(t, 2 * n);
        mp_limb_t *s = r;
        r = t;
        t = s;
        if ((e >> i) & 1) {
            if (n >= bn) mpn_mul(t, r, n, b, bn);
            else mpn_mul(t, b, bn, r, n);
            n = trim(t, n + bn);
            s = r;
            r = t;
            t = s;
        }
    }
    *rn = n;
    return r;
}

/* 10^k = 5^k * 2^k: powers of 5^27 (the largest in a limb), then a shift. */
mp_limb_t *lf_num_pow10(lf_arena *a, size_t k, mp_size_t *n) {
    if (k <= LIMB_POW10_MAX) {
        mp_limb_t *p = limbs_alloc(a, 1);
        p[0] = P10[k];
        *n = 1;
        return p;
    }
    mp_limb_t five27 = 7450580596923828125ULL; /* 5^27 */
    mp_size_t fn;
    mp_limb_t *f;
    if (k / 27 > 0) {
        f = pow_limbs(a, &five27, 1, k / 27, &fn);
    } else {
        f = limbs_alloc(a, 1);
        f[0] = 1;
        fn = 1;
    }
    mp_limb_t rest = 1;
    for (size_t i = 0; i < k % 27; i++) rest *= 5;
    mp_size_t words = (mp_size_t)(k / 64);
    unsigned bits = (unsigned)(k % 64);
    mp_limb_t *r = limbs_alloc(a, words + fn + 2);
    memset(r, 0, (size_t)words * sizeof(mp_limb_t));
    mp_limb_t c = mpn_mul_1(r + words, f, fn, rest);
    mp_size_t rn = fn;
    if (c) r[words + rn++] = c;
    if (bits) {
        c = mpn_lshift(r + words, r + words, rn, bits);
        if (c) r[words + rn++] = c;
    }
    *n = words + rn;
    return r;
}

size_t lf_num_count_digits(lf_arena *a, const mp_limb_t *x, mp_size_t n) {
    if (n == 0) return 1;
    if (n == 1) {
        size_t d = 1;
        while (d <= LIMB_POW10_MAX && x[0] >= P10[d]) d++;
        return d;
    }
    if (n == 2) { /* 2^64 <= x < 2^128: 20 to 39 digits */
        u128 v = ((u128)x[1] << 64) | x[0];
        u128 p = (u128)P10[19] * 10;
        size_t d = 20;
        while (d < 39 && v >= p) {
            d++;
            p *= 10;
        }
        return d;
    }
    size_t est = mpn_sizeinbase(x, n, 10); /* exact or one too many */
    mp_size_t pn;
    mp_limb_t *p = lf_num_pow10(a, est - 1, &pn);
    return cmp_limbs(x, n, p, pn) >= 0 ? est : est - 1;
}

/* x * 10^k in fresh arena space. */
static mp_limb_t *mul_pow10(lf_arena *A, const mp_limb_t *x, mp_size_t n, size_t k, mp_size_t *rn) {
    if (n == 0) {
        *rn = 0;
        return limbs_alloc(A, 1);
    }
    if (k <= LIMB_POW10_MAX) {
        mp_limb_t *r = limbs_alloc(A, n + 1);
        mp_limb_t c = mpn_mul_1(r, x, n, P10[k]);
        *rn = n;
        if (c) r[(*rn)++] = c;
        return r;
    }
    mp_size_t pn;
    mp_limb_t *p = lf_num_pow10(A, k, &pn);
    mp_limb_t *r = limbs_alloc(A, n + pn);
    if (n >= pn) mpn_mul(r, x, n, p, pn);
    else mpn_mul(r, p, pn, x, n);
    *rn = trim(r, n + pn);
    return r;
}

/* ---- rounding -------------------------------------------------------- */

/* Whether the kept part goes up by one unit. half: how the discarded part
 * compares with half a unit (-1, 0, 1); nonzero: anything was discarded. */
static int rounds_up(int mode, int negative, int odd, int half, int nonzero) {
    if (!nonzero) return 0;
    switch (mode) {
    case LF_ROUND_UP: return 1;
    case LF_ROUND_DOWN: return 0;
    case LF_ROUND_CEILING: return !negative;
    case LF_ROUND_FLOOR: return negative;
    case LF_ROUND_HALF_UP: return half >= 0;
    case LF_ROUND_HALF_DOWN: return half > 0;
    default: return half > 0 || (half == 0 && odd);
    }
}

/* Drops the `drop` least significant digits of x (exponent += drop),
 * rounding by mode. sticky: the value is really a little above |x| (below
 * one unit of its last digit). *lost tells whether anything nonzero went. */
static int round_drop(lf_arena *A, lf_num *x, uint64_t drop, int mode, int sticky, int *lost) {
    *lost = 0;
    if (drop == 0 && !sticky) return LF_NUM_OK;
    if (x->n == 0 && !sticky) {
        x->exponent += (int64_t)drop;
        return LF_NUM_OK;
    }
    mp_limb_t *q = limbs_alloc(A, x->n + 1);
    mp_size_t qn;
    int half, nonzero;
    if (drop == 0) {
        memcpy(q, x->limbs, (size_t)x->n * sizeof(mp_limb_t));
        qn = x->n;
        half = -1;
        nonzero = sticky;
    } else if (drop > x->digits) { /* all of it is below half a unit */
        qn = 0;
        half = -1;
        nonzero = 1;
    } else if (drop <= LIMB_POW10_MAX) {
        mp_limb_t r = mpn_divrem_1(q, 0, x->limbs, x->n, P10[drop]);
        qn = trim(q, x->n);
        mp_limb_t h = P10[drop] / 2;
        half = r < h ? -1 : r > h ? 1 : (sticky ? 1 : 0);
        nonzero = r != 0 || sticky;
    } else {
        mp_size_t pn;
        mp_limb_t *p = lf_num_pow10(A, (size_t)drop, &pn);
        mp_limb_t *r;
        mp_size_t rn;
        if (x->n < pn) {
            qn = 0;
            r = x->limbs;
            rn = x->n;
        } else {
            r = limbs_alloc(A, pn);
            q = limbs_alloc(A, x->n - pn + 2);
            mpn_tdiv_qr(q, r, 0, x->limbs, x->n, p, pn);
            qn = trim(q, x->n - pn + 1);
            rn = trim(r, pn);
        }
        mp_limb_t *r2 = limbs_alloc(A, rn + 1);
        mp_size_t r2n = rn;
        if (rn) {
            mp_limb_t c = mpn_lshift(r2, r, rn, 1);
            if (c) r2[r2n++] = c;
        }
        half = cmp_limbs(r2, r2n, p, pn);
        if (half == 0 && sticky) half = 1;
        nonzero = rn != 0 || sticky;
    }
    if (nonzero && mode == LF_ROUND_UNNECESSARY) return LF_NUM_INEXACT;
    int inc = rounds_up(mode, x->negative, qn > 0 && (q[0] & 1), half, nonzero);
    if (inc) {
        if (qn == 0) {
            q[0] = 1;
            qn = 1;
        } else if (mpn_add_1(q, q, qn, 1)) {
            q[qn++] = 1;
        }
    }
    size_t old_digits = x->digits;
    x->limbs = q;
    x->n = qn;
    x->exponent += (int64_t)drop;
    if (qn == 0) x->negative = 0;
    if (inc || qn == 0 || drop > old_digits) x->digits = lf_num_count_digits(A, q, qn);
    else x->digits = old_digits - (size_t)drop;
    *lost = nonzero;
    return LF_NUM_OK;
}

/* Rounds x to at most prec digits; see lf_num_round_sticky. */
static int round_prec(lf_arena *A, lf_num *x, size_t prec, int mode, int sticky, int *lost) {
    *lost = 0;
    if (prec == 0) return sticky ? LF_NUM_INEXACT : LF_NUM_OK;
    uint64_t drop = x->digits > prec ? x->digits - prec : 0;
    int rc = round_drop(A, x, drop, mode, sticky, lost);
    if (rc != LF_NUM_OK) return rc;
    if (x->digits > prec) { /* 99.9 -> 100: the carry added a digit, a zero */
        int none;
        round_drop(A, x, x->digits - prec, LF_ROUND_DOWN, 0, &none);
    }
    return LF_NUM_OK;
}

int lf_num_round_sticky(lf_arena *a, lf_num *x, size_t prec, int mode, int sticky) {
    int lost;
    return round_prec(a, x, prec, mode, sticky, &lost);
}

int lf_num_round(lf_arena *a, lf_num *x, size_t prec, int mode) {
    int lost;
    return round_prec(a, x, prec, mode, 0, &lost);
}

/* Removes trailing zeros while the exponent stays <= max_exp. x's limbs
 * must belong to the arena (they are divided in place). */
static void strip_to(lf_num *x, int64_t max_exp) {
    if (x->n == 0) {
        if (x->exponent < max_exp) x->exponent = max_exp;
        return;
    }
    while (x->exponent < max_exp) {
        uint64_t room = (uint64_t)max_exp - (uint64_t)x->exponent; /* > 0, may pass INT64_MAX */
        size_t k = room >= LIMB_POW10_MAX ? LIMB_POW10_MAX : (size_t)room;
        while (k > 1 && (x->digits <= k || mpn_mod_1(x->limbs, x->n, P10[k]) != 0)) k = k > 4 ? 4 : 1;
        if (x->digits <= k || mpn_mod_1(x->limbs, x->n, P10[k]) != 0) return;
        mpn_divrem_1(x->limbs, 0, x->limbs, x->n, P10[k]);
        x->n = trim(x->limbs, x->n);
        x->digits -= k;
        x->exponent += (int64_t)k;
    }
}

/* A copy of x whose limbs the arena owns. */
static lf_num own_copy(lf_arena *A, const lf_num *x) {
    lf_num r = *x;
    if (x->n) {
        r.limbs = limbs_alloc(A, x->n);
        memcpy(r.limbs, x->limbs, (size_t)x->n * sizeof(mp_limb_t));
    }
    return r;
}

void lf_num_strip(lf_arena *a, lf_num *x) {
    if (x->n == 0) {
        set_zero(x, 0);
        return;
    }
    *x = own_copy(a, x);
    strip_to(x, INT64_MAX);
}

int lf_num_set_scale(lf_arena *a, lf_num *x, int64_t scale, int mode) {
    int64_t target = -scale;
    if (x->n == 0) {
        x->exponent = target;
        return LF_NUM_OK;
    }
    if (target < x->exponent) {
        uint64_t k = (uint64_t)(x->exponent - target);
        if (k > LF_DEC_DIGITS_MAX || x->digits + k > LF_DEC_DIGITS_MAX) return LF_NUM_RANGE;
        mp_size_t rn;
        x->limbs = mul_pow10(a, x->limbs, x->n, (size_t)k, &rn);
        x->n = rn;
        x->digits += (size_t)k;
        x->exponent = target;
        return LF_NUM_OK;
    }
    int lost;
    return round_drop(a, x, (uint64_t)(target - x->exponent), mode, 0, &lost);
}

/* ---- add, subtract, multiply ----------------------------------------- */

/* |a| <=> |b| for nonzero a and b. */
static int cmp_magnitude(lf_arena *A, const lf_num *a, const lf_num *b) {
    int64_t aa = adjusted(a), ab = adjusted(b);
    if (aa != ab) return aa < ab ? -1 : 1;
    /* Same leading power of ten: aligning costs at most the longer length. */
    mp_size_t xn, yn;
    const mp_limb_t *x = a->limbs, *y = b->limbs;
    xn = a->n;
    yn = b->n;
    if (a->exponent > b->exponent) x = mul_pow10(A, a->limbs, a->n, (size_t)(a->exponent - b->exponent), &xn);
    else if (b->exponent > a->exponent)
        y = mul_pow10(A, b->limbs, b->n, (size_t)(b->exponent - a->exponent), &yn);
    return cmp_limbs(x, xn, y, yn);
}

/* Exact a + b for nonzero operands, aligned to the smaller exponent. */
static int add_exact(lf_arena *A, const lf_num *a, const lf_num *b, lf_num *out) {
    int64_t e = a->exponent < b->exponent ? a->exponent : b->exponent;
    uint64_t sa = (uint64_t)(a->exponent - e), sb = (uint64_t)(b->exponent - e);
    if (sa > LF_DEC_DIGITS_MAX || sb > LF_DEC_DIGITS_MAX || a->digits + sa > LF_DEC_DIGITS_MAX ||
        b->digits + sb > LF_DEC_DIGITS_MAX)
        return LF_NUM_RANGE;
    mp_size_t xn = a->n, yn = b->n;
    const mp_limb_t *x = sa ? mul_pow10(A, a->limbs, a->n, (size_t)sa, &xn) : a->limbs;
    const mp_limb_t *y = sb ? mul_pow10(A, b->limbs, b->n, (size_t)sb, &yn) : b->limbs;
    mp_size_t rn = (xn > yn ? xn : yn) + 1;
    mp_limb_t *r = limbs_alloc(A, rn);
    int negative;
    if (a->negative == b->negative) {
        mp_limb_t c = xn >= yn ? mpn_add(r, x, xn, y, yn) : mpn_add(r, y, yn, x, xn);
        r[rn - 1] = c;
        negative = a->negative;
    } else {
        int c = cmp_limbs(x, xn, y, yn);
        if (c == 0) {
            set_zero(out, e);
            return LF_NUM_OK;
        }
        if (c > 0) mpn_sub(r, x, xn, y, yn);
        else mpn_sub(r, y, yn, x, xn);
        r[rn - 1] = 0;
        negative = c > 0 ? a->negative : b->negative;
    }
    out->limbs = r;
    out->n = trim(r, rn);
    out->exponent = e;
    out->negative = negative;
    out->digits = lf_num_count_digits(A, r, out->n);
    return LF_NUM_OK;
}

/* a + 0 where the zero has exponent ze: BigDecimal gives the other operand,
 * rounded, then padded with zeros towards the smaller exponent as far as the
 * precision allows. */
static int add_zero(lf_arena *A, const lf_num *a, int64_t ze, size_t prec, int mode, lf_num *out) {
    *out = *a;
    int lost, rc = round_prec(A, out, prec, mode, 0, &lost);
    if (rc != LF_NUM_OK) return rc;
    if (out->exponent > ze) {
        uint64_t pad = (uint64_t)(out->exponent - ze);
        if (prec && pad > prec - out->digits) pad = prec - out->digits;
        if (out->n == 0) out->exponent = ze;
        else if (pad) return lf_num_set_scale(A, out, -(out->exponent - (int64_t)pad), LF_ROUND_UNNECESSARY);
    }
    return LF_NUM_OK;
}

int lf_num_add(lf_arena *A, const lf_num *a, const lf_num *b, int negate_b, size_t prec, int mode,
               lf_num *out) {
    lf_num x = *a, y = *b;
    if (negate_b && y.n) y.negative = !y.negative;
    if (x.n == 0 && y.n == 0) {
        set_zero(out, x.exponent < y.exponent ? x.exponent : y.exponent);
        return LF_NUM_OK;
    }
    if (y.n == 0) return add_zero(A, &x, y.exponent, prec, mode, out);
    if (x.n == 0) return add_zero(A, &y, x.exponent, prec, mode, out);
    if (prec) {
        /* An operand wholly below both the other's last digit and the
         * result's rounding position only decides the direction of the
         * rounding: stand it in by one digit well below both (as BigDecimal's
         * preAlign), so 1E+999999999 + 1 costs nothing. */
        lf_num *big = &x, *small = &y;
        if (adjusted(small) > adjusted(big)) {
            big = &y;
            small = &x;
        }
        int64_t limit = adjusted(big) - (int64_t)prec + 1;
        if (big->exponent < limit) limit = big->exponent;
        if (adjusted(small) < limit - 2) {
            static const mp_limb_t one = 1;
            small->limbs = (mp_limb_t *)&one;
            small->n = 1;
            small->digits = 1;
            small->exponent = limit - 3;
        }
    }
    int rc = add_exact(A, &x, &y, out);
    if (rc != LF_NUM_OK) return rc;
    int lost;
    return round_prec(A, out, prec, mode, 0, &lost);
}

/* Exact product; the exponent check waits for the caller. */
static int mul_exact(lf_arena *A, const lf_num *a, const lf_num *b, lf_num *out) {
    if (a->n == 0 || b->n == 0) {
        set_zero(out, a->exponent + b->exponent);
        return LF_NUM_OK;
    }
    if (a->digits + b->digits > LF_DEC_DIGITS_MAX + 1) return LF_NUM_RANGE;
    mp_size_t rn = a->n + b->n;
    mp_limb_t *r = limbs_alloc(A, rn);
    if (a->n == 1 && b->n == 1) {
        u128 p = (u128)a->limbs[0] * b->limbs[0];
        r[0] = (mp_limb_t)p;
        r[1] = (mp_limb_t)(p >> 64);
    } else if (a->n >= b->n) {
        mpn_mul(r, a->limbs, a->n, b->limbs, b->n);
    } else {
        mpn_mul(r, b->limbs, b->n, a->limbs, a->n);
    }
    out->limbs = r;
    out->n = trim(r, rn);
    out->exponent = a->exponent + b->exponent;
    out->negative = a->negative != b->negative;
    out->digits = lf_num_count_digits(A, r, out->n);
    return LF_NUM_OK;
}

int lf_num_mul(lf_arena *A, const lf_num *a, const lf_num *b, size_t prec, int mode, lf_num *out) {
    int rc = mul_exact(A, a, b, out);
    if (rc != LF_NUM_OK) return rc;
    int lost;
    return round_prec(A, out, prec, mode, 0, &lost);
}

/* ---- division -------------------------------------------------------- */

/* Quotient to prec digits, with *lost telling whether it is inexact. */
static int div_round(lf_arena *A, const lf_num *a, const lf_num *b, size_t prec, int mode, lf_num *out,
                     int *lost) {
    *lost = 0;
    if (b->n == 0) return LF_NUM_DIVZERO;
    int64_t preferred = a->exponent - b->exponent;
    if (a->n == 0) {
        set_zero(out, preferred);
        return LF_NUM_OK;
    }
    int exact = prec == 0;
    size_t p = exact ? a->digits + (10 * b->digits + 2) / 3 + 3 : prec;
    if (p > LF_DEC_DIGITS_MAX) return LF_NUM_RANGE;
    /* Scale the dividend so that the quotient has at least p + 1 digits. */
    int64_t k = (int64_t)p + 1 + (int64_t)b->digits - (int64_t)a->digits;
    if (k < 0) k = 0;
    mp_size_t nn = a->n;
    const mp_limb_t *np = k ? mul_pow10(A, a->limbs, a->n, (size_t)k, &nn) : a->limbs;
    mp_size_t dn = b->n;
    mp_limb_t *q = limbs_alloc(A, nn - dn + 2), *r = limbs_alloc(A, dn);
    mp_size_t qn;
    int rem;
    if (dn == 1) {
        r[0] = mpn_divrem_1(q, 0, np, nn, b->limbs[0]);
        qn = trim(q, nn);
        rem = r[0] != 0;
    } else {
        mpn_tdiv_qr(q, r, 0, np, nn, b->limbs, dn);
        qn = trim(q, nn - dn + 1);
        rem = trim(r, dn) != 0;
    }
    out->limbs = q;
    out->n = qn;
    out->exponent = preferred - k;
    out->negative = a->negative != b->negative;
    out->digits = lf_num_count_digits(A, q, qn);
    if (exact) {
        if (rem) return LF_NUM_INEXACT;
    } else {
        int rc = round_prec(A, out, prec, mode, rem, lost);
        if (rc != LF_NUM_OK) return rc;
    }
    if (!*lost) strip_to(out, preferred);
    return LF_NUM_OK;
}

int lf_num_div(lf_arena *A, const lf_num *a, const lf_num *b, size_t prec, int mode, lf_num *out) {
    int lost;
    return div_round(A, a, b, prec, mode, out, &lost);
}

/* |a| / |b| truncated, for |a| >= |b| > 0 (so the alignment stays within
 * the dividend's length when b has the larger exponent); the remainder's
 * nonzeroness in *rem. */
static int div_integral(lf_arena *A, const lf_num *a, const lf_num *b, mp_limb_t **qp, mp_size_t *qn,
                        int *rem) {
    int64_t e = a->exponent - b->exponent;
    mp_size_t nn = a->n, dn = b->n;
    const mp_limb_t *np = a->limbs, *dp = b->limbs;
    if (e > 0) {
        if (adjusted(a) - adjusted(b) > LF_DEC_DIGITS_MAX) return LF_NUM_RANGE;
        np = mul_pow10(A, a->limbs, a->n, (size_t)e, &nn);
    } else if (e < 0) {
        dp = mul_pow10(A, b->limbs, b->n, (size_t)-e, &dn);
    }
    mp_limb_t *q = limbs_alloc(A, nn - dn + 2), *r = limbs_alloc(A, dn);
    mpn_tdiv_qr(q, r, 0, np, nn, dp, dn);
    *qp = q;
    *qn = trim(q, nn - dn + 1);
    *rem = trim(r, dn) != 0;
    return LF_NUM_OK;
}

int lf_num_idiv(lf_arena *A, const lf_num *a, const lf_num *b, lf_num *out) {
    if (b->n == 0) return LF_NUM_DIVZERO;
    int negative = a->negative != b->negative;
    if (a->n == 0 || cmp_magnitude(A, a, b) < 0) {
        set_small(A, out, a->n && negative, a->n && negative, 0);
        return LF_NUM_OK;
    }
    mp_limb_t *q;
    mp_size_t qn;
    int rem;
    int rc = div_integral(A, a, b, &q, &qn, &rem);
    if (rc != LF_NUM_OK) return rc;
    if (negative && rem && mpn_add_1(q, q, qn, 1)) q[qn++] = 1;
    out->limbs = q;
    out->n = qn;
    out->exponent = 0;
    out->negative = negative && qn > 0;
    out->digits = lf_num_count_digits(A, q, qn);
    return LF_NUM_OK;
}

int lf_num_mod(lf_arena *A, const lf_num *a, const lf_num *b, lf_num *out) {
    if (b->n == 0) return LF_NUM_DIVZERO;
    int64_t e = a->exponent < b->exponent ? a->exponent : b->exponent;
    if (a->n == 0) {
        set_zero(out, e);
        return LF_NUM_OK;
    }
    if (cmp_magnitude(A, a, b) < 0) {
        if (a->negative == b->negative) return add_zero(A, a, e, 0, LF_ROUND_HALF_EVEN, out);
        return add_exact(A, a, b, out); /* -1 mod 3 = 2 */
    }
    /* Both aligned to e; the divisor's alignment is bounded by the
     * dividend's length since |a| >= |b|. */
    uint64_t sa = (uint64_t)(a->exponent - e), sb = (uint64_t)(b->exponent - e);
    if (sa > LF_DEC_DIGITS_MAX || a->digits + sa > LF_DEC_DIGITS_MAX) return LF_NUM_RANGE;
    mp_size_t xn = a->n, yn = b->n;
    const mp_limb_t *x = sa ? mul_pow10(A, a->limbs, a->n, (size_t)sa, &xn) : a->limbs;
    const mp_limb_t *y = sb ? mul_pow10(A, b->limbs, b->n, (size_t)sb, &yn) : b->limbs;
    mp_limb_t *q = limbs_alloc(A, xn - yn + 2), *r = limbs_alloc(A, yn + 1);
    mpn_tdiv_qr(q, r, 0, x, xn, y, yn);
    mp_size_t rn = trim(r, yn);
    if (rn && a->negative != b->negative) { /* floored: y - r, the divisor's sign */
        mp_limb_t *t = limbs_alloc(A, yn);
        mpn_sub(t, y, yn, r, rn);
        r = t;
        rn = trim(t, yn);
    }
    out->limbs = r;
    out->n = rn;
    out->exponent = e;
    out->negative = rn && b->negative;
    out->digits = lf_num_count_digits(A, r, rn);
    return LF_NUM_OK;
}

/* ---- powers and roots ------------------------------------------------ */

/* |a|^m with every intermediate truncated to w digits; *lost when any
 * truncation dropped something. The relative error is below
 * (2 * bits(m) + 1) units of the w-th digit. */
static int pow_approx(lf_arena *A, const lf_num *a, uint64_t m, size_t w, lf_num *out, int *lost) {
    lf_num base = *a, r;
    base.negative = 0;
    int l, any = 0, rc = round_prec(A, &base, w, LF_ROUND_DOWN, 0, &l);
    if (rc != LF_NUM_OK) return rc;
    any |= l;
    r = base;
    for (int i = 62 - __builtin_clzll(m); i >= 0; i--) {
        lf_num t;
        if ((rc = mul_exact(A, &r, &r, &t)) != LF_NUM_OK) return rc;
        if ((rc = round_prec(A, &t, w, LF_ROUND_DOWN, 0, &l)) != LF_NUM_OK) return rc;
        any |= l;
        r = t;
        if ((m >> i) & 1) {
            if ((rc = mul_exact(A, &r, &base, &t)) != LF_NUM_OK) return rc;
            if ((rc = round_prec(A, &t, w, LF_ROUND_DOWN, 0, &l)) != LF_NUM_OK) return rc;
            any |= l;
            r = t;
        }
    }
    *out = r;
    *lost = any;
    return LF_NUM_OK;
}

/* x + d units of its last digit (d may be negative; x nonzero, |d| small). */
static lf_num nudge(lf_arena *A, const lf_num *x, int64_t d) {
    lf_num step, r;
    set_small(A, &step, (mp_limb_t)(d < 0 ? -d : d), d < 0, x->exponent);
    if (x->negative && step.n) step.negative = !step.negative; /* nudge the magnitude */
    if (add_exact(A, x, &step, &r) != LF_NUM_OK) return *x;
    return r;
}

int lf_num_pow(lf_arena *A, const lf_num *a, int64_t n, size_t prec, int mode, lf_num *out) {
    if (n == 0) {
        set_small(A, out, 1, 0, 0);
        return LF_NUM_OK;
    }
    uint64_t m = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    if (m > 999999999) return LF_NUM_RANGE;
    if (a->n == 0) {
        if (n < 0) return LF_NUM_DIVZERO;
        if (a->exponent && (uint64_t)(a->exponent < 0 ? -a->exponent : a->exponent) > 4000000000u / m)
            return LF_NUM_RANGE;
        set_zero(out, a->exponent * (int64_t)m);
        return LF_NUM_OK;
    }
    /* Magnitudes past any exponent a decimal can hold are out of range. */
    int64_t adj = adjusted(a);
    if (adj != 0 && (uint64_t)(adj < 0 ? -adj : adj) > 4000000000u / m) return LF_NUM_RANGE;
    int negative = a->negative && (m & 1);
    if (a->n == 1 && a->limbs[0] == 1) { /* a power of ten: only the exponent moves */
        set_small(A, out, 1, negative, a->exponent * (int64_t)m);
        if (n > 0) return LF_NUM_OK;
        out->exponent = -out->exponent;
        return LF_NUM_OK;
    }
    double est = (double)bit_length(a->limbs, a->n) * (double)m * 0.30103 + 1; /* digits of |c|^m */
    if (prec == 0 || est <= POW_EXACT_DIGITS) {
        if (est > LF_DEC_DIGITS_MAX + 1) return LF_NUM_RANGE;
        lf_num p;
        p.limbs = m == 1 ? a->limbs : pow_limbs(A, a->limbs, a->n, m, &p.n);
        if (m == 1) p.n = a->n;
        p.exponent = a->exponent * (int64_t)m;
        p.negative = negative;
        p.digits = lf_num_count_digits(A, p.limbs, p.n);
        if (n > 0) {
            *out = p;
            int lost;
            return round_prec(A, out, prec, mode, 0, &lost);
        }
        lf_num one;
        set_small(A, &one, 1, 0, 0);
        return lf_num_div(A, &one, &p, prec, mode, out);
    }
    /* Too long to build exactly: truncated powering with guard digits, kept
     * only when the error bound cannot change the rounding (else retried
     * with more guard digits). */
    for (size_t g = 20;; g += 20) {
        size_t w = prec + g;
        lf_num p;
        int lost, rc = pow_approx(A, a, m, w, &p, &lost);
        if (rc != LF_NUM_OK) return rc;
        int64_t err = 2 * 64 + 2;
        if (n < 0) {
            lf_num one, q;
            int l2;
            set_small(A, &one, 1, 0, 0);
            if ((rc = div_round(A, &one, &p, w, LF_ROUND_DOWN, &q, &l2)) != LF_NUM_OK) return rc;
            lost |= l2;
            p = q;
            err = 2 * err + 2;
        }
        p.negative = negative;
        if (!lost) {
            *out = p;
            return lf_num_round(A, out, prec, mode);
        }
        /* The true value lies strictly between p - err and p + err units. */
        lf_num lo = nudge(A, &p, -err), hi = nudge(A, &p, err - 1);
        if ((rc = lf_num_round_sticky(A, &lo, prec, mode, 1)) != LF_NUM_OK) return rc;
        if ((rc = lf_num_round_sticky(A, &hi, prec, mode, 1)) != LF_NUM_OK) return rc;
        if ((lo.exponent == hi.exponent && cmp_limbs(lo.limbs, lo.n, hi.limbs, hi.n) == 0) || g >= 100) {
            *out = hi;
            return LF_NUM_OK;
        }
    }
}

int lf_num_sqrt(lf_arena *A, const lf_num *a, size_t prec, int mode, lf_num *out) {
    if (a->negative) return LF_NUM_DOMAIN;
    int64_t scale = -a->exponent;
    int64_t preferred = -(scale / 2); /* Java: this.scale() / 2, truncated */
    if (a->n == 0) {
        set_zero(out, preferred);
        return LF_NUM_OK;
    }
    if (prec == 0 || prec > LF_DEC_DIGITS_MAX / 2) return LF_NUM_RANGE;
    /* Enough digits for a root of prec + 1 digits, and an even exponent. */
    uint64_t s = 2 * (prec + 1) > a->digits ? 2 * (prec + 1) - a->digits : 0;
    if (((a->exponent - (int64_t)s) & 1) != 0) s++;
    mp_size_t nn;
    mp_limb_t *np = s ? mul_pow10(A, a->limbs, a->n, (size_t)s, &nn) : a->limbs;
    if (!s) nn = a->n;
    mp_limb_t *root = limbs_alloc(A, (nn + 1) / 2 + 1);
    mp_size_t rem = mpn_sqrtrem(root, NULL, np, nn);
    out->limbs = root;
    out->n = trim(root, (nn + 1) / 2);
    out->exponent = (a->exponent - (int64_t)s) / 2;
    out->negative = 0;
    out->digits = lf_num_count_digits(A, root, out->n);
    int lost, rc = round_prec(A, out, prec, mode, rem != 0, &lost);
    if (rc != LF_NUM_OK) return rc;
    if (!lost) strip_to(out, preferred);
    return LF_NUM_OK;
}
