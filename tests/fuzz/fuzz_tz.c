/*
 * fuzz_tz.c: luaforce.core.tz's TZif reader (tz.c: the header checks, the
 * transition table, the POSIX rule of the footer) and the offset lookups
 * on whatever zone it accepts.
 *
 * The input is the bytes of a TZif file. The reader must accept it or say
 * why not; an accepted zone must answer offset_at_utc at instants up to
 * 10^17 seconds either side of 1970 with an offset under 26 hours (and
 * refuse instants beyond, as an argument error), and
 * resolve_local for wall times from year -999999999 to 999999999 with an
 * epoch whose offset it reports, and a "unique" wall time must come back
 * as itself. Nothing may raise.
 */
#include "core.h"
#include "fuzz.h"
#include "tz.h"

static lua_State *L;

static const char checker[] =
    "local push, cal = ...\n"
    "local EPOCHS = { -99999999999999999, -31557014167219200, -62135596800,\n"
    "  -2147483649, -2147483648, -86401, -1, 0, 1, 86400, 1700000000, 2147483647, 2147483648,\n"
    "  4102444800, 253402300799, 31556889864403199, 99999999999999999,\n"
    "  -0.5, 1.5, -99999999999999984.0 }\n"
    "local BEYOND = { math.mininteger, -100000000000000000, 100000000000000000, math.maxinteger, 1e17, 0/0 }\n"
    "local WALL = { { 1970, 1, 1, 0, 0, 0 }, { 1, 1, 1, 0, 0, 0 }, { -999999999, 1, 1, 0, 0, 0 },\n"
    "  { 999999999, 12, 31, 23, 59, 59 }, { 2024, 3, 31, 2, 30, 0 }, { 2024, 10, 27, 2, 30, 0 },\n"
    "  { 2024, 3, 10, 2, 30, 0 }, { 2024, 11, 3, 1, 30, 0 }, { 2037, 12, 31, 23, 59, 59 },\n"
    "  { 2038, 1, 19, 3, 14, 8 }, { 2100, 2, 28, 12, 0, 0 }, { 1900, 1, 1, 0, 0, 0 } }\n"
    "local KIND = { unique = true, gap = true, overlap = true }\n"
    "local function check_offset(off, what)\n"
    "  if math.type(off) ~= 'integer' or off <= -93600 or off >= 93600 then\n"
    "    error(what .. ': offset ' .. tostring(off), 0)\n"
    "  end\n"
    "end\n"
    "return function(input)\n"
    "  local z, why = push(input)\n"
    "  if not z then\n"
    "    if type(why) ~= 'string' then error('refused without a reason', 0) end\n"
    "    return\n"
    "  end\n"
    "  z:transitions()\n"
    "  z:rule()\n"
    "  for _, e in ipairs(EPOCHS) do\n"
    "    local off, abbr = z:offset_at_utc(e)\n"
    "    check_offset(off, 'offset_at_utc(' .. e .. ')')\n"
    "    if type(abbr) ~= 'string' then error('no abbreviation', 0) end\n"
    "  end\n"
    "  for _, e in ipairs(BEYOND) do\n"
    "    if pcall(z.offset_at_utc, z, e) then error('offset_at_utc(' .. e .. ') is not refused', 0) end\n"
    "  end\n"
    "  for _, w in ipairs(WALL) do\n"
    "    local epoch, off, kind = z:resolve_local(table.unpack(w))\n"
    "    local what = 'resolve_local(' .. table.concat(w, ', ') .. ')'\n"
    "    check_offset(off, what)\n"
    "    if not KIND[kind] then error(what .. ': kind ' .. tostring(kind), 0) end\n"
    "    if z:offset_at_utc(epoch) ~= off then error(what .. ': the offset is not the one at its epoch', 0) end\n"
    "    local wall = cal.days_from_civil(w[1], w[2], w[3]) * 86400 + w[4] * 3600 + w[5] * 60 + w[6]\n"
    "    if kind == 'unique' and epoch + off ~= wall then error(what .. ': a unique wall time moved', 0) end\n"
    "  end\n"
    "end\n";

/* push(bytes) -> zone | nil, why: the reader without a file. */
static int push(lua_State *S) {
    size_t n;
    const char *raw = luaL_checklstring(S, 1, &n);
    const char *why = lf_tz_push_tzif(S, (const unsigned char *)raw, n);
    if (!why) return 1;
    lua_pushnil(S);
    lua_pushstring(S, why);
    return 2;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    L = fuzz_new_state();
    luaL_requiref(L, "luaforce.core.tz", luaopen_luaforce_core_tz, 0);
    lua_pop(L, 1);
    lua_pushcfunction(L, push);
    luaL_requiref(L, "luaforce.core.calendar", luaopen_luaforce_core_calendar, 0);
    fuzz_set_checker(L, checker, sizeof checker - 1, "=fuzz_tz", 2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_pcall(L, fuzz_check_input, data, size);
    return 0;
}
