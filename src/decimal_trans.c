/*
 * decimal_trans.c: ln and exp for luaforce.decimal, correctly rounded.
 *
 * Both work in binary fixed point (an mpz holding value x 2^W) with W chosen
 * for the requested digits plus guard digits, then check the rounding the
 * way Ziv's strategy does: the computed A is within ERR units of the true
 * value, so when A - ERR and A + ERR round alike the result is certain;
 * otherwise the guard grows. The true value is never exactly on a rounding
 * boundary (e^x and ln x are transcendental for rational x other than 0 and
 * 1, which are answered directly), so the loop ends; it gives up widening
 * after a generous guard and keeps the last answer.
 *
 * GMP's mpz allocates with malloc, and a Lua error must not jump over it:
 * the result's limbs are taken from the caller's arena first, and all
 * further work uses a private malloc arena, freed before returning.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decimal_arith.h"

#define ERR_UNITS 4

/* ---- a malloc arena -------------------------------------------------- */

typedef struct block {
    struct block *next;
    mp_limb_t data[];
} block;

static void *malloc_grow(void *ud, size_t size) {
    block **head = ud;
    block *b = malloc(sizeof *b + size);
    if (!b) abort(); /* as GMP itself does when memory runs out */
    b->next = *head;
    *head = b;
    return b->data;
}

static void free_blocks(block *b) {
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
}

/* ---- fixed point ----------------------------------------------------- */

/* r = atanh(1/q) x 2^W = sum 1 / ((2i+1) q^(2i+1)), error under W/2 units. */
static void atanh_inv(mpz_t r, unsigned long q, mp_bitcnt_t W) {
    mpz_t term, t;
    mpz_init(term);
    mpz_init(t);
    mpz_set_ui(term, 1);
    mpz_mul_2exp(term, term, W);
    mpz_tdiv_q_ui(term, term, q);
    mpz_set(r, term);
    for (unsigned long k = 3;; k += 2) {
        mpz_tdiv_q_ui(term, term, q * q);
        if (mpz_sgn(term) == 0) break;
        mpz_tdiv_q_ui(t, term, k);
        mpz_add(r, r, t);
    }
    mpz_clear(term);
    mpz_clear(t);
}

static void ln2_ln10(mpz_t ln2, mpz_t ln10, mp_bitcnt_t W) {
    mpz_t t;
    mpz_init(t);
    atanh_inv(ln2, 3, W); /* ln 2 = 2 atanh(1/3) */
    mpz_mul_2exp(ln2, ln2, 1);
    atanh_inv(t, 9, W); /* ln 10 = 3 ln 2 + ln 1.25 = 3 ln 2 + 2 atanh(1/9) */
    mpz_mul_2exp(t, t, 1);
    mpz_mul_ui(ln10, ln2, 3);
    mpz_add(ln10, ln10, t);
    mpz_clear(t);
}

/* r = |x| x 2^W, truncated. */
static void to_fixed(mpz_t r, const lf_num *x, mp_bitcnt_t W) {
    mpz_t p;
    mpz_init(p);
    mpz_import(r, (size_t)x->n, -1, sizeof(mp_limb_t), 0, 0, x->limbs);
    mpz_mul_2exp(r, r, W);
    if (x->exponent >= 0) {
        mpz_ui_pow_ui(p, 10, (unsigned long)x->exponent);
        mpz_mul(r, r, p);
    } else {
        mpz_ui_pow_ui(p, 10, (unsigned long)-x->exponent);
        mpz_tdiv_q(r, r, p);
    }
    mpz_clear(p);
}

/* A = |v| / 2^W scaled to about w digits: A = floor(|v| 10^s / 2^W); returns s. */
static long to_digits(mpz_t A, const mpz_t v, mp_bitcnt_t W, size_t w) {
    long lb = (long)mpz_sizeinbase(v, 2) - (long)W; /* |v| / 2^W < 2^lb */
    long s = (long)w - 1 - (long)floor((double)(lb - 1) * 0.30102999566398);
    mpz_t p;
    mpz_init(p);
    mpz_abs(A, v);
    if (s >= 0) {
        mpz_ui_pow_ui(p, 10, (unsigned long)s);
        mpz_mul(A, A, p);
        mpz_fdiv_q_2exp(A, A, W);
    } else {
        mpz_ui_pow_ui(p, 10, (unsigned long)-s);
        mpz_mul_2exp(p, p, W);
        mpz_fdiv_q(A, A, p);
    }
    mpz_clear(p);
    return s;
}

/* An lf_num over the limbs of z (in arena P). */
static lf_num from_mpz(lf_arena *P, const mpz_t z, int64_t exponent, int negative) {
    lf_num x;
    x.n = (mp_size_t)mpz_size(z);
    x.limbs = lf_arena_alloc(P, (size_t)(x.n + 1) * sizeof(mp_limb_t));
    if (x.n) memcpy(x.limbs, mpz_limbs_read(z), (size_t)x.n * sizeof(mp_limb_t));
    x.exponent = exponent;
    x.negative = negative && x.n;
    x.digits = lf_num_count_digits(P, x.limbs, x.n);
    return x;
}

/* Rounds A x 10^exponent, known within ERR_UNITS units, to prec digits.
 * Returns 1 with *out set when the rounding is certain (or `force`). */
static int round_certain(lf_arena *P, const mpz_t A, int64_t exponent, int negative, size_t prec,
                         int mode, int force, lf_num *out, int *rc) {
    mpz_t lo, hi;
    mpz_init(lo);
    mpz_init(hi);
    mpz_sub_ui(lo, A, ERR_UNITS);
    mpz_add_ui(hi, A, ERR_UNITS - 1);
    lf_num l = from_mpz(P, lo, exponent, negative), h = from_mpz(P, hi, exponent, negative);
    mpz_clear(lo);
    mpz_clear(hi);
    *rc = lf_num_round_sticky(P, &l, prec, mode, 1);
    if (*rc == LF_NUM_OK) *rc = lf_num_round_sticky(P, &h, prec, mode, 1);
    if (*rc != LF_NUM_OK) return 1;
    int same = l.exponent == h.exponent && l.n == h.n &&
               (l.n == 0 || mpn_cmp(l.limbs, h.limbs, l.n) == 0);
    if (!same && !force) return 0;
    *out = h;
    return 1;
}

/* Copies x into out, whose limbs were set aside in the caller's arena. */
static void deliver(lf_num *out, mp_limb_t *room, const lf_num *x) {
    *out = *x;
    out->limbs = room;
    if (x->n) memcpy(room, x->limbs, (size_t)x->n * sizeof(mp_limb_t));
}

static size_t bits_for(size_t digits) {
    return (size_t)((double)digits * 3.3219280948873623) + 1;
}

/* ---- exp ------------------------------------------------------------- */

#define EXP_HALVINGS 12

/* e^x x 2^W for x = X / 2^W with |x| < 1e10: x = k ln 10 + r, 0 <= r < ln 10;
 * e^r by Taylor's series on r / 2^12, squared back 12 times. Returns k. */
static long exp_fixed(mpz_t Y, const mpz_t X, mp_bitcnt_t W) {
    mpz_t ln2, ln10, k, r, term;
    mpz_init(ln2);
    mpz_init(ln10);
    mpz_init(k);
    mpz_init(r);
    mpz_init(term);
    ln2_ln10(ln2, ln10, W);
    mpz_fdiv_qr(k, r, X, ln10);
    long kk = mpz_get_si(k);
    mpz_fdiv_q_2exp(r, r, EXP_HALVINGS);
    mpz_set_ui(Y, 1);
    mpz_mul_2exp(Y, Y, W);
    mpz_add(Y, Y, r);
    mpz_set(term, r);
    for (unsigned long i = 2;; i++) {
        mpz_mul(term, term, r);
        mpz_fdiv_q_2exp(term, term, W);
        mpz_tdiv_q_ui(term, term, i);
        if (mpz_sgn(term) == 0) break;
        mpz_add(Y, Y, term);
    }
    for (int i = 0; i < EXP_HALVINGS; i++) {
        mpz_mul(Y, Y, Y);
        mpz_fdiv_q_2exp(Y, Y, W);
    }
    mpz_clear(ln2);
    mpz_clear(ln10);
    mpz_clear(k);
    mpz_clear(r);
    mpz_clear(term);
    return kk;
}

int lf_num_exp(lf_arena *A, const lf_num *a, size_t prec, int mode, lf_num *out) {
    if (prec == 0 || prec > LF_DEC_TRANS_PREC_MAX) return LF_NUM_RANGE;
    if (a->n == 0) { /* e^0 = 1 exactly */
        out->limbs = lf_arena_alloc(A, sizeof(mp_limb_t));
        out->limbs[0] = 1;
        out->n = 1;
        out->exponent = 0;
        out->negative = 0;
        out->digits = 1;
        return LF_NUM_OK;
    }
    int64_t adj = a->exponent + (int64_t)a->digits - 1;
    if (adj >= 10) return LF_NUM_RANGE; /* |x| >= 1e10: e^x is past 1E+-999999999 */
    mp_limb_t *room = lf_arena_alloc(A, (prec / 19 + 2) * sizeof(mp_limb_t));
    block *blocks = NULL;
    lf_arena P;
    lf_arena_init(&P, NULL, 0, malloc_grow, &blocks);
    lf_num res;
    int rc = LF_NUM_OK;

    if (adj < -(int64_t)prec - 20) {
        /* |x| < 10^-(prec+20): e^x is 1 + x + ..., strictly between
         * 10^(prec+19) and its neighbour towards x, in units of 10^-(prec+19). */
        mp_size_t pn;
        mp_limb_t *p = lf_num_pow10(&P, prec + 19, &pn);
        if (a->negative) mpn_sub_1(p, p, pn, 1);
        res.limbs = p;
        res.n = pn;
        while (res.n > 0 && p[res.n - 1] == 0) res.n--;
        res.exponent = -(int64_t)prec - 19;
        res.negative = 0;
        res.digits = lf_num_count_digits(&P, p, res.n);
        rc = lf_num_round_sticky(&P, &res, prec, mode, 1);
    } else {
        mpz_t X, Y, D;
        mpz_init(X);
        mpz_init(Y);
        mpz_init(D);
        for (size_t g = 8;; g *= 2) {
            size_t w = prec + g;
            mp_bitcnt_t W = bits_for(w + 2) + 48 + EXP_HALVINGS;
            to_fixed(X, a, W);
            if (a->negative) mpz_neg(X, X);
            long k = exp_fixed(Y, X, W);
            long s = to_digits(D, Y, W, w);
            if (round_certain(&P, D, (int64_t)k - s, 0, prec, mode, g >= 64, &res, &rc)) break;
        }
        mpz_clear(X);
        mpz_clear(Y);
        mpz_clear(D);
    }
    if (rc == LF_NUM_OK) deliver(out, room, &res);
    free_blocks(blocks);
    return rc;
}

/* ---- ln -------------------------------------------------------------- */

/* ln(m) x 2^W for m = M / 2^W in [1, 10): m = 2^j t with t in [0.75, 1.5),
 * ln t = 2 atanh((t - 1) / (t + 1)). Adds E ln 10. */
static void ln_fixed(mpz_t L, const mpz_t M, long E, mp_bitcnt_t W) {
    mpz_t ln2, ln10, one, t, z, z2, term, q;
    mpz_init(ln2);
    mpz_init(ln10);
    mpz_init(one);
    mpz_init(t);
    mpz_init(z);
    mpz_init(z2);
    mpz_init(term);
    mpz_init(q);
    ln2_ln10(ln2, ln10, W);
    mpz_set_ui(one, 1);
    mpz_mul_2exp(one, one, W);
    unsigned j = 0;
    mpz_set(t, M);
    mpz_mul_ui(q, one, 3); /* t >= 1.5: halve */
    while (j < 3) {
        mpz_mul_ui(z, t, 2);
        if (mpz_cmp(z, q) < 0) break;
        mpz_fdiv_q_2exp(t, t, 1);
        j++;
    }
    mpz_sub(z, t, one); /* z = (t - 1) / (t + 1) */
    mpz_mul_2exp(z, z, W);
    mpz_add(q, t, one);
    mpz_tdiv_q(z, z, q);
    mpz_mul(z2, z, z);
    mpz_fdiv_q_2exp(z2, z2, W);
    mpz_set(L, z);
    mpz_set(term, z);
    for (unsigned long k = 3;; k += 2) {
        mpz_mul(term, term, z2);
        mpz_tdiv_q_2exp(term, term, W);
        if (mpz_sgn(term) == 0) break;
        mpz_tdiv_q_ui(q, term, k);
        mpz_add(L, L, q);
    }
    mpz_mul_2exp(L, L, 1);
    mpz_mul_ui(q, ln2, j);
    mpz_add(L, L, q);
    mpz_mul_si(q, ln10, E);
    mpz_add(L, L, q);
    mpz_clear(ln2);
    mpz_clear(ln10);
    mpz_clear(one);
    mpz_clear(t);
    mpz_clear(z);
    mpz_clear(z2);
    mpz_clear(term);
    mpz_clear(q);
}

int lf_num_ln(lf_arena *A, const lf_num *a, size_t prec, int mode, lf_num *out) {
    if (prec == 0 || prec > LF_DEC_TRANS_PREC_MAX) return LF_NUM_RANGE;
    if (a->n == 0 || a->negative) return LF_NUM_DOMAIN;
    int64_t adj = a->exponent + (int64_t)a->digits - 1;
    /* Near 1 the result is about x - 1: that many more leading zero digits
     * need carrying. x - 1 is exact and short here (0.1 <= x < 10). */
    size_t extra = 0;
    if (adj == 0 || adj == -1) {
        lf_num one, d;
        mp_limb_t one_limb = 1;
        one.limbs = &one_limb;
        one.n = 1;
        one.exponent = 0;
        one.negative = 0;
        one.digits = 1;
        int rc = lf_num_add(A, a, &one, 1, 0, LF_ROUND_HALF_EVEN, &d);
        if (rc != LF_NUM_OK) return rc;
        if (d.n == 0) { /* ln 1 = 0 exactly */
            out->limbs = NULL;
            out->n = 0;
            out->exponent = 0;
            out->negative = 0;
            out->digits = 1;
            return LF_NUM_OK;
        }
        int64_t dadj = d.exponent + (int64_t)d.digits - 1;
        if (dadj < 0) extra = (size_t)-dadj + 1;
    }
    mp_limb_t *room = lf_arena_alloc(A, (prec / 19 + 2) * sizeof(mp_limb_t));
    block *blocks = NULL;
    lf_arena P;
    lf_arena_init(&P, NULL, 0, malloc_grow, &blocks);
    lf_num res;
    int rc = LF_NUM_OK;
    mpz_t M, L, D, p;
    mpz_init(M);
    mpz_init(L);
    mpz_init(D);
    mpz_init(p);
    for (size_t g = 8;; g *= 2) {
        size_t w = prec + g;
        mp_bitcnt_t W = bits_for(w + extra + 2) + 48;
        /* M = c / 10^(digits-1) x 2^W: the coefficient as 1.xxx */
        mpz_import(M, (size_t)a->n, -1, sizeof(mp_limb_t), 0, 0, a->limbs);
        mpz_mul_2exp(M, M, W);
        mpz_ui_pow_ui(p, 10, (unsigned long)(a->digits - 1));
        mpz_tdiv_q(M, M, p);
        ln_fixed(L, M, (long)adj, W);
        long s = to_digits(D, L, W, w);
        if (round_certain(&P, D, -(int64_t)s, mpz_sgn(L) < 0, prec, mode, g >= 64, &res, &rc)) break;
    }
    mpz_clear(M);
    mpz_clear(L);
    mpz_clear(D);
    mpz_clear(p);
    if (rc == LF_NUM_OK) deliver(out, room, &res);
    free_blocks(blocks);
    return rc;
}
