-- tests/feel/markdown.lua: the small text helpers the FEEL comparison
-- reports share (tests/feel/differential.lua, tests/feel/feel-scala/).
--
--     local md = dofile("tests/feel/markdown.lua")
--     md.clip("a long text", 6)   --> "a l..."   (newlines as \\n)
--     md.cell("a|b")              --> "a\\|b"     (a Markdown table cell)
--     md.code("x `y`")            --> "`` x `y` ``" (inline code in a cell)
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

return M
