--- Test support: the code examples of README.md and docs/*.md, as the docs
-- spec runs them.
--
--   doc_examples.extract(path) -> list of {file, line, lang, code, skip, exit}
--
-- An example is a fenced block whose info string is `lua` or `sh`; other
-- blocks (```json, output samples in bare ```) are text. A comment on the
-- line just before the fence steers it:
--   <!-- not run: REASON -->   the example is shown, not run (the reason is
--                              required: a server that runs forever, a file
--                              of the reader's own, a command that rebuilds)
--   <!-- exit: N -->           the example is run and must exit with N (an
--                              example showing an error)
local M = {}

--- See the file comment.
function M.extract(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("a")
  f:close()
  local out, n, block, prev = {}, 0, nil, ""
  for line in (text .. "\n"):gmatch("(.-)\n") do
    n = n + 1
    if block then
      if line:match("^```%s*$") then
        block.code = table.concat(block.lines, "\n") .. "\n"
        block.lines = nil
        out[#out + 1] = block
        block = nil
      else
        block.lines[#block.lines + 1] = line
      end
    else
      local lang = line:match("^```(%w*)%s*$")
      if lang then
        block = { file = path, line = n, lang = lang, lines = {} }
        block.skip = prev:match("^<!%-%- not run: (.-) %-%->%s*$")
        block.exit = tonumber(prev:match("^<!%-%- exit: (%d+) %-%->%s*$")) or 0
        if prev:match("^<!%-%- not run:%s*%-%->") then
          error(("%s:%d: 'not run' needs a reason"):format(path, n - 1))
        end
      end
      prev = line
    end
  end
  if block then error(("%s:%d: a code block is not closed"):format(path, block.line)) end
  local runnable = {}
  for _, b in ipairs(out) do
    if b.lang == "lua" or b.lang == "sh" then runnable[#runnable + 1] = b end
  end
  return runnable
end

return M
