--- luaforce.connector: the connector layer's face (Camunda's connector tasks).
--
--     local connector = require "luaforce.connector"   -- also require("luaforce").connector
--     local vars, warnings = connector.result("= {newId: response.body.id}", response)
--     local outcome = connector.outcome('if error.code = "404" then bpmnError("NF", error.message) else null', ctx)
--
-- connector.result(expr, response[, opts]) -> variables, warnings | nil, err
-- connector.outcome(expr, context[, opts]) -> outcome | false, warnings | nil, err
--   A connector task's result and error expressions, with Camunda's
--   semantics (luaforce.connector.outcome has the details).
--
-- Loading the layer registers the connector runtime's FEEL functions
-- (bpmnError, jobError, ignoreError, fromAi) through feel.register, for the
-- whole process: luaforce.feel itself knows nothing of task outcomes.
--
-- The face stays small on purpose: it names what the layer offers and
-- nothing of how. A later issue adds `connector.run(task, vars, opts)` here
-- (a task file's inputs evaluated, the call made, its outcome decided).
local outcome = require "luaforce.connector.outcome"

local M = {}

M.result = outcome.result
M.outcome = outcome.outcome

return M
