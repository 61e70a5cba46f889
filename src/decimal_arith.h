/*
 * decimal_arith.h: arithmetic on decimal coefficients, with no Lua in it.
 *
 * A number is (-1)^negative x |coefficient| x 10^exponent with the
 * coefficient in GMP limbs, the model of Java's BigDecimal. decimal.c keeps
 * values in userdata and calls these functions; the cmocka tests call them
 * directly. Results follow BigDecimal with a MathContext (precision in
 * significant digits, 0 for exact, and a rounding mode); the scale each
 * operation gives is stated at its function.
 *
 * Memory: every result and every temporary comes from an lf_arena, a bump
 * allocator over a caller-supplied buffer that asks its `grow` callback for
 * bigger blocks. Under Lua, grow makes a userdata on the stack (so a memory
 * error raised there leaks nothing, and small operations never call
 * malloc); tests use malloc. Only lf_num_ln and lf_num_exp use GMP's own
 * allocator (mpz), and they take everything they need from the arena first,
 * so that grow never runs while an mpz is alive.
 */
#ifndef LUAFORCE_DECIMAL_ARITH_H
#define LUAFORCE_DECIMAL_ARITH_H
#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#if GMP_NUMB_BITS != 64 || GMP_NAIL_BITS != 0
#error "decimal_arith.c expects 64-bit GMP limbs without nails"
#endif

/* Longest coefficient an arithmetic result may have. It stops `1E+999999 +
 * 1E-999999` (two million digits) or a runaway power from taking the
 * machine's memory; parsing is bounded by the text instead. */
#define LF_DEC_DIGITS_MAX 1000000

/* Largest precision ln and exp accept (their series cost grows quickly). */
#define LF_DEC_TRANS_PREC_MAX 2000

typedef struct lf_num {
    mp_limb_t *limbs;  /* |coefficient|, least significant first; limbs[n-1] != 0 */
    mp_size_t n;       /* 0 for zero */
    int64_t exponent;  /* may leave the int32 range; decimal.c checks it */
    int negative;      /* never set for zero */
    size_t digits;     /* decimal digits of the coefficient, 1 for zero */
} lf_num;

typedef struct lf_arena {
    void *(*grow)(void *ud, size_t size); /* never returns NULL: raises or aborts */
    void *ud;
    unsigned char *buf; /* the current block */
    size_t used, cap;
} lf_arena;

enum lf_round {
    LF_ROUND_HALF_EVEN = 0,
    LF_ROUND_HALF_UP,
    LF_ROUND_HALF_DOWN,
    LF_ROUND_UP,
    LF_ROUND_DOWN,
    LF_ROUND_CEILING,
    LF_ROUND_FLOOR,
    LF_ROUND_UNNECESSARY,
};

enum lf_status {
    LF_NUM_OK = 0,
    LF_NUM_DIVZERO,    /* division (or modulo, or a negative power) by zero */
    LF_NUM_RANGE,      /* more than LF_DEC_DIGITS_MAX digits, or an exponent out of reach */
    LF_NUM_INEXACT,    /* mode UNNECESSARY (or exact division) and the result needs rounding */
    LF_NUM_DOMAIN,     /* sqrt of a negative number, ln of a number <= 0 */
};

/* An arena over buf[0..cap); grow(ud, size) supplies further blocks. */
void lf_arena_init(lf_arena *a, void *buf, size_t cap, void *(*grow)(void *, size_t), void *ud);
/* size bytes aligned for limbs. */
void *lf_arena_alloc(lf_arena *a, size_t size);

/* Decimal digits of limbs[0..n) (1 for n == 0). */
size_t lf_num_count_digits(lf_arena *a, const mp_limb_t *limbs, mp_size_t n);

/* Rounds x in place to at most `prec` significant digits (prec > 0). */
int lf_num_round(lf_arena *a, lf_num *x, size_t prec, int mode);
/* x with exactly `scale` digits after the point (exponent -scale), rounding
 * when digits go, padding with zeros when they come (BigDecimal.setScale). */
int lf_num_set_scale(lf_arena *a, lf_num *x, int64_t scale, int mode);
/* Removes trailing zeros (zero becomes 0 with exponent 0). */
void lf_num_strip(lf_arena *a, lf_num *x);

/* out = a + b (b negated when `negate_b`), exponent min(ea, eb), then
 * rounded to prec digits when prec > 0 (BigDecimal.add(b, mc)). */
int lf_num_add(lf_arena *A, const lf_num *a, const lf_num *b, int negate_b, size_t prec, int mode,
               lf_num *out);
/* out = a * b, exponent ea + eb, rounded when prec > 0. */
int lf_num_mul(lf_arena *A, const lf_num *a, const lf_num *b, size_t prec, int mode, lf_num *out);
/* out = a / b rounded to prec digits; an exact quotient gets the exponent
 * closest to ea - eb that holds it (BigDecimal.divide(b, mc)). prec 0:
 * exact or LF_NUM_INEXACT (BigDecimal.divide(b)). */
int lf_num_div(lf_arena *A, const lf_num *a, const lf_num *b, size_t prec, int mode, lf_num *out);
/* out = floor(a / b), exponent 0. */
int lf_num_idiv(lf_arena *A, const lf_num *a, const lf_num *b, lf_num *out);
/* out = a - b * floor(a / b) (the sign of b), exponent min(ea, eb). */
int lf_num_mod(lf_arena *A, const lf_num *a, const lf_num *b, lf_num *out);
/* out = a^n: exact, then rounded to prec digits when prec > 0; n < 0 is
 * 1 / a^-n at prec (prec 0 then needs an exact quotient). */
int lf_num_pow(lf_arena *A, const lf_num *a, int64_t n, size_t prec, int mode, lf_num *out);
/* out = sqrt(a), correctly rounded to prec > 0 digits; an exact root gets
 * the exponent closest to -(scale(a) / 2) that holds it. */
int lf_num_sqrt(lf_arena *A, const lf_num *a, size_t prec, int mode, lf_num *out);

/* Natural logarithm and e^x, correctly rounded to 0 < prec <=
 * LF_DEC_TRANS_PREC_MAX digits (decimal_trans.c). */
int lf_num_ln(lf_arena *A, const lf_num *a, size_t prec, int mode, lf_num *out);
int lf_num_exp(lf_arena *A, const lf_num *a, size_t prec, int mode, lf_num *out);

/* Helpers shared with decimal_trans.c. */
mp_limb_t *lf_num_pow10(lf_arena *a, size_t k, mp_size_t *n);
/* Rounds a coefficient (c, exponent) that stands for a value strictly between
 * c and c + 1 units when `sticky` is set. */
int lf_num_round_sticky(lf_arena *a, lf_num *x, size_t prec, int mode, int sticky);

#endif
