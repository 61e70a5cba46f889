// scripts/bench_feel_feelin.js: feelin's side of `scripts/bench feel`.
//
//   NODE_PATH=.cache/peers/node_modules node scripts/bench_feel_feelin.js INPUT.json
//
// INPUT is written by scripts/bench_feel.lua:
//   {"small": [expr, ...], "smallContext": {...},
//    "page": {...query page...}, "result": expr, "repeat": n, "rounds": r}
// Runs the same two workloads as the Lua side, through feelin's public API
// (evaluate(expr, context, "camunda"), which parses on every call: feelin
// has no compiled form), and prints one JSON line:
//   {"small": {"seconds": s, "results": [canon, ...]},
//    "result": {"seconds": s, "value": canon}}
// seconds: the best of `rounds` timed runs, wall clock (process.hrtime);
// values in the canonical text of tests/feel/feelin_eval.js.
"use strict";

const fs = require("fs");
const path = require("path");
const feelin = require("feelin");
const { canon } = require(path.join(__dirname, "..", "tests", "feel", "feelin_eval.js"));

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function seconds(f) {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function best(rounds, f) {
  let b = Infinity;
  for (let i = 0; i < rounds; i++) b = Math.min(b, seconds(f));
  return b;
}

// (1) distinct small expressions, each parsed and evaluated once
let smallValues = [];
const smallRun = () => {
  smallValues = input.small.map((e) => feelin.evaluate(e, input.smallContext, "camunda").value);
};
smallRun(); // warm-up
const smallSeconds = best(input.rounds, smallRun);

// (2) one result expression against one query page, `repeat` times
let resultValue;
const resultRun = () => {
  for (let i = 0; i < input.repeat; i++) resultValue = feelin.evaluate(input.result, input.page, "camunda").value;
};
const resultSeconds = best(input.rounds, resultRun);

process.stdout.write(JSON.stringify({
  small: { seconds: smallSeconds, results: smallValues.map(canon) },
  result: { seconds: resultSeconds, value: canon(resultValue) },
}) + "\n");
