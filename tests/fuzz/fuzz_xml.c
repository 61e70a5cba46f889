/*
 * fuzz_xml.c: luaforce.core.xml's reader (xml.c on expat), the C under the
 * BPMN reader.
 *
 * Every input must give a tree or a message with a line and a column
 * inside the text; never raise. A tree must have the documented shape
 * (names and namespaces without the separator, attributes string to
 * string, no namespace declaration among them, start tags in document
 * order, no indentation kept as text beside child elements, within the
 * depth and element limits), and must survive a round trip: written out
 * again as XML (a default namespace or a prefix per URI, every special
 * character escaped) it must read back to the same tree, positions aside.
 */
#include "core.h"
#include "fuzz.h"

static lua_State *L;

static const char checker[] =
    "local parse = ...\n"
    "local XMLNS = 'http://www.w3.org/XML/1998/namespace'\n"
    "local function esc(s, attr)\n"
    "  s = s:gsub('[&<>\"\\r]', { ['&'] = '&amp;', ['<'] = '&lt;', ['>'] = '&gt;', ['\"'] = '&quot;',\n"
    "    ['\\r'] = '&#13;' })\n"
    "  if attr then s = s:gsub('[\\t\\n]', { ['\\t'] = '&#9;', ['\\n'] = '&#10;' }) end\n"
    "  return s\n"
    "end\n"
    "local function write(e, out)\n"
    "  local tag = e.name\n"
    "  local decl = {}\n"
    "  if e.ns == XMLNS then tag = 'xml:' .. e.name\n"
    "  else decl[1] = ' xmlns=\"' .. esc(e.ns or '', true) .. '\"' end\n"
    "  local prefixes, n = {}, 0\n"
    "  local keys = {}\n"
    "  for k in pairs(e.attrs) do keys[#keys + 1] = k end\n"
    "  table.sort(keys)\n"
    "  local attrs = {}\n"
    "  for _, k in ipairs(keys) do\n"
    "    local uri, name = k:match('^{(.*)}([^}]+)$')\n"
    "    if uri == XMLNS then name = 'xml:' .. name\n"
    "    elseif uri then\n"
    "      if not prefixes[uri] then\n"
    "        n = n + 1\n"
    "        prefixes[uri] = 'p' .. n\n"
    "        decl[#decl + 1] = ' xmlns:p' .. n .. '=\"' .. esc(uri, true) .. '\"'\n"
    "      end\n"
    "      name = prefixes[uri] .. ':' .. name\n"
    "    else name = k end\n"
    "    attrs[#attrs + 1] = ' ' .. name .. '=\"' .. esc(e.attrs[k], true) .. '\"'\n"
    "  end\n"
    "  out[#out + 1] = '<' .. tag .. table.concat(decl) .. table.concat(attrs) .. '>'\n"
    "  if e.text then out[#out + 1] = esc(e.text) end\n"
    "  for _, c in ipairs(e) do write(c, out) end\n"
    "  out[#out + 1] = '</' .. tag .. '>'\n"
    "end\n"
    "local function same(a, b, path)\n"
    "  local function differ(what)\n"
    "    error(('round trip: %s differs at %s'):format(what, path), 0)\n"
    "  end\n"
    "  if a.name ~= b.name then differ('the name') end\n"
    "  if a.ns ~= b.ns then differ('the namespace') end\n"
    "  if a.text ~= b.text then differ('the text') end\n"
    "  if #a ~= #b then differ('the number of children') end\n"
    "  for k, v in pairs(a.attrs) do if b.attrs[k] ~= v then differ('attribute ' .. k) end end\n"
    "  for k in pairs(b.attrs) do if a.attrs[k] == nil then differ('attribute ' .. k) end end\n"
    "  for i = 1, #a do same(a[i], b[i], ('%s/%s[%d]'):format(path, a[i].name, i)) end\n"
    "end\n"
    "local function check_shape(root)\n"
    "  local count, last_line, last_column = 0, 0, 0\n"
    "  local function walk(e, depth)\n"
    "    count = count + 1\n"
    "    if depth > 256 then error('deeper than the limit', 0) end\n"
    "    if type(e.name) ~= 'string' or e.name == '' or e.name:find('\\1') then error('a bad name', 0) end\n"
    "    if e.ns ~= nil and (type(e.ns) ~= 'string' or e.ns:find('\\1')) then error('a bad namespace', 0) end\n"
    "    if type(e.attrs) ~= 'table' then error('no attrs', 0) end\n"
    "    for k, v in pairs(e.attrs) do\n"
    "      if type(k) ~= 'string' or type(v) ~= 'string' or k:find('\\1') then error('a bad attribute', 0) end\n"
    "      if k == 'xmlns' or k:find('^{http://www.w3.org/2000/xmlns/}') then error('a namespace declaration', 0) end\n"
    "    end\n"
    "    if math.type(e.line) ~= 'integer' or math.type(e.column) ~= 'integer' or e.column < 1 then\n"
    "      error('a bad position', 0)\n"
    "    end\n"
    "    if e.line < last_line or (e.line == last_line and e.column <= last_column) then\n"
    "      error('start tags out of order', 0)\n"
    "    end\n"
    "    last_line, last_column = e.line, e.column\n"
    "    if e.text ~= nil then\n"
    "      if type(e.text) ~= 'string' or e.text == '' then error('a bad text', 0) end\n"
    "      if #e > 0 and not e.text:find('[^ \\t\\r\\n]') then error('indentation kept as text', 0) end\n"
    "    end\n"
    "    for k in pairs(e) do\n"
    "      if math.type(k) == 'integer' and (k < 1 or k > #e) then error('a hole among the children', 0) end\n"
    "    end\n"
    "    for _, c in ipairs(e) do walk(c, depth + 1) end\n"
    "  end\n"
    "  walk(root, 1)\n"
    "  if count > 200000 then error('more elements than the limit', 0) end\n"
    "end\n"
    "return function(input)\n"
    "  local root, why, line, column = parse(input)\n"
    "  if not root then\n"
    "    if type(why) ~= 'string' or why == '' then error('refused without a reason', 0) end\n"
    "    local _, breaks = input:gsub('[\\r\\n]', '')\n"
    "    if math.type(line) ~= 'integer' or line < 1 or line > breaks + 1 then\n"
    "      error('error line ' .. tostring(line) .. ' outside the text', 0)\n"
    "    end\n"
    "    if math.type(column) ~= 'integer' or column < 1 or column > #input + 1 then\n"
    "      error('error column ' .. tostring(column) .. ' outside the text', 0)\n"
    "    end\n"
    "    return\n"
    "  end\n"
    "  check_shape(root)\n"
    "  local out = {}\n"
    "  write(root, out)\n"
    "  local text = table.concat(out)\n"
    "  local again, err, l, c = parse(text)\n"
    "  if not again then\n"
    "    error(('round trip: %s at %d:%d in %q'):format(err, l, c, text:sub(1, 300)), 0)\n"
    "  end\n"
    "  same(root, again, '/' .. root.name)\n"
    "end\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    L = fuzz_new_state();
    luaL_requiref(L, "luaforce.core.xml", luaopen_luaforce_core_xml, 0);
    lua_getfield(L, -1, "parse");
    lua_remove(L, -2);
    fuzz_set_checker(L, checker, sizeof checker - 1, "=fuzz_xml", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_pcall(L, fuzz_check_input, data, size);
    return 0;
}
