-- tests/feel/markdown.lua: the small text helpers the FEEL comparison
-- reports share (tests/feel/differential.lua, tests/feel/feel-scala/).
--
--     local md = dofile("tests/feel/markdown.lua")
--     md.clip("a long text", 6)   --> "a l..."   (newlines as \\n)
--     md.cell("a|b")              --> "a\\|b"     (a Markdown table cell)
--     md.code("x `y`")            --> "`` x `y` ``" (inline code in a cell)
--     md.write_between(path, BEGIN, END, text)  replaces what stands between
--                                 two marker lines of a file (generated tables)
local M = {}

--- s on one line, cut to n characters with "..." when longer.
function M.clip(s, n)
  s = tostring(s):gsub("\n", "\\n")
  if #s > n then return s:sub(1, n - 3) .. "..." end
  return s
end

--- s as the text of a Markdown table cell.
function M.cell(s)
  return (tostring(s):gsub("|", "\\|"):gsub("\n", " "))
end

--- Inline code in a table cell; text with a backtick takes a double fence.
function M.code(s)
  s = M.cell(s)
  if s:find("`", 1, true) then return "`` " .. s .. " ``" end
  return "`" .. s .. "`"
end

--- `doc` with the text between the markers `first` and `last` replaced by
-- `text`; and how many marker pairs it found (0 or 1).
function M.splice(doc, first, last, text)
  local a = doc:find(first, 1, true)
  local b = a and doc:find(last, a, true)
  if not b then return doc, 0 end
  return doc:sub(1, a + #first - 1) .. "\n\n" .. text .. "\n" .. doc:sub(b), 1
end

--- Rewrites the generated part of the file at `path` (between the markers
-- `first` and `last`); true, or nil and why.
function M.write_between(path, first, last, text)
  local f = io.open(path, "rb")
  if not f then return nil, "cannot read " .. path end
  local doc = f:read("a")
  f:close()
  local out, n = M.splice(doc, first, last, text)
  if n ~= 1 then return nil, ("%s lacks the markers %s ... %s"):format(path, first, last) end
  f = assert(io.open(path, "wb"))
  f:write(out)
  f:close()
  return true
end

return M
