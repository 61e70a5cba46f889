-- Every Lua and shell example in README.md and docs/*.md runs, against the
-- local org, and exits as the page says (0 unless an `<!-- exit: N -->`
-- comment precedes it): no page can show a script that crashes. An example
-- that cannot run says why in a `<!-- not run: REASON -->` comment.
--
-- Lua examples run with `luaforce run --instance local -`, after a prelude
-- that defines what the pages' opening examples define: sf, org, json,
-- soql, feel, decimal, errors. Shell examples run under bash in a fresh
-- directory where `luaforce` and `build/luaforce` are the binary under
-- test, with SF_INSTANCE_URL=local, a HOME of their own and the file the
-- pages call a job of the reader's own: job.lua (it prints its arguments),
-- and the project's examples/ as a reader in a checkout has them.
local proc = require "support.proc"
local doc_examples = require "support.doc_examples"
local doc_sandbox = require "support.doc_sandbox"

local PRELUDE = table.concat({
  'local sf = require "luaforce"',
  'local org = assert(sf.connect())',
  'local json = require "luaforce.json"',
  'local soql = require "luaforce.soql"',
  'local feel = require "luaforce.feel"',
  'local decimal = require "luaforce.decimal"',
  'local errors = require "luaforce.errors"',
}, " ") .. " "  -- one line: the example's line numbers stay its own

local function pages()
  local list = { proc.root .. "/README.md" }
  local p = io.popen("ls " .. proc.quote(proc.root .. "/docs") .. "/*.md")
  for name in p:lines() do list[#list + 1] = name end
  p:close()
  return list
end

describe("docs examples", function()
  for _, page in ipairs(pages()) do
    local rel = page:sub(#proc.root + 2)
    for _, ex in ipairs(doc_examples.extract(page)) do
      local name = ("%s:%d (%s)"):format(rel, ex.line, ex.lang)
      if ex.skip then
        pending(name .. ": not run: " .. ex.skip)
      else
        it(name, function()
          local dir = doc_sandbox.make()
          proc.write(dir .. "/job.lua", "print('job.lua', ...)\n")
          local env = doc_sandbox.env(dir, { SF_INSTANCE_URL = "local" })
          local r
          if ex.lang == "lua" then
            r = proc.sh("sh -c " .. proc.quote(("cd %s && timeout 120 luaforce run --instance local -")
              :format(proc.quote(dir))), { env = env, stdin = PRELUDE .. ex.code })
          else
            r = doc_sandbox.bash(dir, ex.code, env)
          end
          doc_sandbox.remove(dir)
          assert.are.equal(ex.exit, r.code, ("%s exited %d\n--- stdout\n%s--- stderr\n%s"):format(name, r.code,
            r.stdout, r.stderr))
        end)
      end
    end
  end
end)
