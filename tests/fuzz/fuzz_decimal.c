/*
 * fuzz_decimal.c: luaforce.core.decimal's number parser (decimal_text.c),
 * its value type (decimal.c) and the arithmetic behind it (decimal_ops.c,
 * decimal_arith.c, decimal_trans.c).
 *
 * The input is one number's text, or two separated by a newline. Checked:
 * text in JSON number syntax parses the same in the lenient syntax; every
 * parsed value prints as text that parses back to the same value (the
 * scientific and the plain form); with two numbers, every operation either
 * gives a value that round-trips the same way or returns its failure code,
 * x + y = y + x and (x + y) - y = x exactly, and compare is antisymmetric.
 * Nothing may raise. Precisions are 0 (exact) and 34 (DECIMAL128), the
 * rounding mode comes from the input's length. Exact results past 20,000
 * digits (floor of 1e999999, 1e999999 + 1) are computed for one input
 * length in 16 only: they take up to a second each, and would leave the
 * fuzzer little time for anything else.
 */
#include <string.h>

#include "core.h"
#include "decimal.h"
#include "decimal_text.h"
#include "fuzz.h"

static lua_State *L;

static const char checker[] =
    "local d, json_new = ...\n"
    "local MODES = { 'half_even', 'half_up', 'half_down', 'up', 'down', 'ceiling', 'floor', 'unnecessary' }\n"
    "local function same(x, y, what)\n"
    "  if d.compare(x, y) ~= 0 then error(what .. ': ' .. tostring(x) .. ' is not ' .. tostring(y), 0) end\n"
    "end\n"
    "local function roundtrip(x, what)\n"
    "  local s = tostring(x)\n"
    "  local y, why = d.raw_new(s)\n"
    "  if not y then error(what .. ': ' .. s .. ' does not parse back: ' .. tostring(why), 0) end\n"
    "  same(x, y, what .. ' (text)')\n"
    "  if tostring(y) ~= s then error(what .. ': ' .. s .. ' prints back as ' .. tostring(y), 0) end\n"
    "  if math.abs(x:scale()) < 10000 and x:precision() < 10000 then\n"
    "    same(x, assert(d.raw_new(x:plain())), what .. ' (plain)')\n"
    "  end\n"
    "  x:tonumber(); x:tointeger(); x:sign(); x:is_integer()\n"
    "end\n"
    "local function result(r, code, what)\n"
    "  if r then roundtrip(r, what) return r end\n"
    "  if type(code) ~= 'string' then error(what .. ': failed without a code', 0) end\n"
    "end\n"
    "return function(input)\n"
    "  local a, b = input:match('^([^\\n]*)\\n(.*)$')\n"
    "  a = a or input\n"
    "  local mode = MODES[#input % #MODES + 1]\n"
    "  local x, why = d.raw_new(a)\n"
    "  local j = json_new(a)\n"
    "  if not x then\n"
    "    if why ~= 'syntax' and why ~= 'range' then error('raw_new: reason ' .. tostring(why), 0) end\n"
    "    if j then error('JSON syntax takes what the lenient one refuses: ' .. a, 0) end\n"
    "    return\n"
    "  end\n"
    "  if j then same(x, j, 'JSON and lenient syntax') end\n"
    "  roundtrip(x, 'parsed')\n"
    "  for _, op in ipairs { 'sqrt', 'ln', 'exp' } do local r, code = d[op](x, 34, mode); result(r, code, op) end\n"
    "  -- exact results cost a digit per power of ten: past 20,000 digits, one\n"
    "  -- input length in 16 pays for them (up to a million digits a result)\n"
    "  local costly = #input % 16 == 0\n"
    "  local unary = { 'strip', 'negate', 'abs' }\n"
    "  if x:scale() > -20000 or costly then table.move({ 'floor', 'ceiling', 'trunc' }, 1, 3, 4, unary) end\n"
    "  for _, op in ipairs(unary) do\n"
    "    local r, code = d[op](x); result(r, code, op)\n"
    "  end\n"
    "  local r, code = d.round_to(x, #input % 40 + 1, mode); result(r, code, 'round_to')\n"
    "  r, code = d.set_scale(x, #input % 21 - 10, mode); result(r, code, 'set_scale')\n"
    "  local y = b and d.raw_new(b)\n"
    "  if not y then return end\n"
    "  roundtrip(y, 'second')\n"
    "  if d.compare(x, y) ~= -d.compare(y, x) then error('compare is not antisymmetric', 0) end\n"
    "  local wide = math.abs(x:scale() - y:scale()) + x:precision() + y:precision() > 20000\n"
    "  if wide and not costly then return end\n"
    "  for _, prec in ipairs { 0, 34 } do\n"
    "    for _, op in ipairs { 'add', 'sub', 'mul' } do\n"
    "      local r, code = d[op](x, y, prec, mode); result(r, code, op)\n"
    "    end\n"
    "  end\n"
    "  local s1, s2 = d.add(x, y, 0), d.add(y, x, 0)\n"
    "  if s1 and s2 then same(s1, s2, 'x + y = y + x') end\n"
    "  if s1 then\n"
    "    local back = d.sub(s1, y, 0)\n"
    "    if back then same(back, x, '(x + y) - y = x') end\n"
    "  end\n"
    "  for _, op in ipairs { 'div', 'idiv', 'mod' } do\n"
    "    local r, code = d[op](x, y, 34, mode); result(r, code, op)\n"
    "  end\n"
    "  local p = y:tointeger()\n"
    "  if p and p >= -1000 and p <= 1000 then\n"
    "    local r, code = d.pow(x, p, 34, mode); result(r, code, 'pow')\n"
    "  end\n"
    "end\n";

/* json_new(text) -> decimal | nil: the JSON-syntax parser json.c uses. */
static int json_new(lua_State *S) {
    size_t len;
    const char *s = luaL_checklstring(S, 1, &len);
    if (!lf_decimal_push(S, s, len)) lua_pushnil(S);
    return 1;
}

/* The C parser alone: JSON syntax is a subset of the lenient one, with the
 * same digits and exponent. */
static void check_text(const char *s, size_t n) {
    lf_dectext j, l;
    int rj = lf_dectext_parse(s, n, LF_DECTEXT_JSON, &j);
    int rl = lf_dectext_parse(s, n, LF_DECTEXT_LENIENT, &l);
    if (rj == LF_DECTEXT_SYNTAX) return;
    FUZZ_CHECK(rl == rj, "JSON syntax gives %d, lenient %d", rj, rl);
    if (rj != LF_DECTEXT_OK) return;
    FUZZ_CHECK(j.negative == l.negative && j.digits == l.digits && j.exponent == l.exponent,
               "JSON and lenient parses differ");
}

static int check(lua_State *S) {
    size_t n;
    const char *s = lua_tolstring(S, 1, &n);
    const char *nl = memchr(s, '\n', n);
    check_text(s, nl ? (size_t)(nl - s) : n);
    if (nl) check_text(nl + 1, n - (size_t)(nl + 1 - s));
    return fuzz_check_input(S);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    L = fuzz_new_state();
    luaL_requiref(L, "luaforce.core.decimal", luaopen_luaforce_core_decimal, 0);
    lua_pushcfunction(L, json_new);
    fuzz_set_checker(L, checker, sizeof checker - 1, "=fuzz_decimal", 2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_pcall(L, check, data, size);
    return 0;
}
