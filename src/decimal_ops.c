/*
 * decimal_ops.c: luaforce.core.decimal's arithmetic as Lua functions and
 * operators: add .. trunc (nil, err when the data cannot be computed:
 * division by zero, a result out of range, rounding that must not happen),
 * the operators __add .. __unm (which raise instead), and their arguments
 * (operands that may be decimals, Lua numbers or numeric strings;
 * precision; rounding mode). decimal_arith.c and decimal_trans.c do the
 * digits; decimal.c owns the value type (decimal_internal.h).
 *
 * Failures: luaforce.decimal installs a failure function (set_failure) that
 * turns a status code into its error object; finish() calls it protected.
 */
#include <gmp.h>
#include <lauxlib.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core.h"
#include "decimal.h"
#include "decimal_arith.h"
#include "decimal_internal.h"
#include "decimal_text.h"

/* ---- operands and arguments ----------------------------------------- */

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
    const lf_dec *d = lf_dec_test(L, idx);
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
            lf_dec_push_double(L, lua_tonumber(L, idx));
            break;
        case LUA_TSTRING: {
            size_t len;
            const char *s = lua_tolstring(L, idx, &len);
            if (lf_dec_push_text(L, s, len, LF_DECTEXT_LENIENT) != LF_DECTEXT_OK) return 0;
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
    lf_dec *d = lf_dec_push_new(L, x->n);
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
 * top + 1 over any scratch; or nil and an error (the installed failure
 * function's object, else the status code).
 * The failure function is Lua code the C side does not own: it runs under
 * lua_pcall with the common message handler, after the digit work is over
 * (nothing of GMP's on the C stack, nothing malloc'd: scratch space is
 * userdata), and its error, with the traceback of where it was raised, is
 * raised from here. */
static int finish(lua_State *L, int top, int rc, const char *fname) {
    if (rc != LF_NUM_OK) {
        lua_settop(L, top);
        luaL_pushfail(L);
        int handler = top + 2;
        lua_pushcfunction(L, lf_msghandler);
        if (lua_getfield(L, LUA_REGISTRYINDEX, FAILURE_KEY) == LUA_TFUNCTION) {
            lua_pushstring(L, fname);
            lua_pushstring(L, status_code(rc));
            if (lua_pcall(L, 2, 1, handler) != LUA_OK) return lua_error(L);
        } else {
            lua_pop(L, 1);
            lua_pushstring(L, status_code(rc));
        }
        lua_remove(L, handler);
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
    const lf_dec *d = lf_dec_test(L, idx);
    if (d && lf_dec_to_integer(L, d, &n)) return n;
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

/* floor, ceiling, trunc: setScale(0, mode), as FEEL's floor(n). A result
 * past DIGITS_MAX digits (floor of 1e999999999) fails as every operation
 * does, with nil and the code. */
static int to_scale0(lua_State *L, int mode, const char *fname) {
    lua_settop(L, 1);
    operand a;
    check_operand(L, 1, &a);
    mp_limb_t buf[ARENA_LIMBS];
    lf_arena A;
    lf_arena_init(&A, buf, sizeof buf, arena_grow, L);
    lf_num r = a.num;
    int rc = lf_num_set_scale(&A, &r, 0, mode);
    if (rc == LF_NUM_OK) rc = push_num(L, &r);
    return finish(L, 1, rc, fname);
}

static int dec_floor(lua_State *L) { return to_scale0(L, LF_ROUND_FLOOR, "floor"); }
static int dec_ceiling(lua_State *L) { return to_scale0(L, LF_ROUND_CEILING, "ceiling"); }
static int dec_trunc(lua_State *L) { return to_scale0(L, LF_ROUND_DOWN, "trunc"); }

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
        if (!lf_dec_test(L, i) && t != LUA_TNUMBER)
            return luaL_error(L, "attempt to perform arithmetic (%s) on a %s value", what,
                              lf_dec_type_name(L, i));
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

/* ---- the lists decimal.c registers ----------------------------------- */

const luaL_Reg lf_dec_ops_fns[] = {
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

const luaL_Reg lf_dec_ops_methods[] = {
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

const luaL_Reg lf_dec_ops_meta[] = {
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
