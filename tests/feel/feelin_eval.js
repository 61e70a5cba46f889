// tests/feel/feelin_eval.js: feelin's side of the FEEL differential test.
//
//   NODE_PATH=.cache/peers/node_modules node tests/feel/feelin_eval.js < cases.json
//
// Reads a JSON array of {"expr": TEXT, "context": OBJECT|null} on standard
// input, evaluates each with feelin (pinned in tests/peers/package.json) in
// its camunda dialect, and prints a JSON array with one entry per case, in
// order:
//   {"value": CANON, "warnings": [TYPE, ...]}   or   {"error": MESSAGE}
// CANON is the value as canonical JSON text, written the same way by
// tests/feel/canonical.lua for luaforce, so the two compare as strings:
//   null, true, false        as JSON
//   numbers                  exact decimal text, no exponent, no trailing
//                            zeros ("0.30000000000000004", "1000000"); NaN
//                            and infinities as {"@number":"NaN"}
//   strings                  JSON strings (JSON.stringify's escapes)
//   lists                    [a,b] without spaces
//   contexts                 {"key":value} in the context's own order
//   temporal values          {"@date":ISO}, {"@time":ISO}, {"@date and time":ISO},
//                            {"@days and time duration":ISO},
//                            {"@years and months duration":ISO}
//   ranges                   {"@range":["[" or "(", start, end, "]" or ")"]}
//   functions                {"@function":true}
// A case whose evaluation throws (a syntax error, a builtin feelin has not
// implemented) gives {"error": message}.
"use strict";

const feelin = require("feelin");

function numberText(n) {
  if (!Number.isFinite(n)) return '{"@number":' + JSON.stringify(String(n)) + "}";
  if (Object.is(n, -0) || n === 0) return "0";
  let s = String(n);
  const e = s.indexOf("e");
  if (e < 0) return s;
  // expand the exponent form String() uses below 1e-6 and from 1e21 on
  let mant = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  let sign = "";
  if (mant[0] === "-") {
    sign = "-";
    mant = mant.slice(1);
  }
  const dot = mant.indexOf(".");
  const intPart = dot < 0 ? mant : mant.slice(0, dot);
  const frac = dot < 0 ? "" : mant.slice(dot + 1);
  const digits = intPart + frac;
  const point = intPart.length + exp;
  if (point <= 0) s = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) s = digits + "0".repeat(point - digits.length);
  else s = digits.slice(0, point) + "." + digits.slice(point);
  return sign + s;
}

function tagged(tag, inner) {
  return "{" + JSON.stringify(tag) + ":" + inner + "}";
}

function canon(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return numberText(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return '{"@function":true}';
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
  if (v instanceof feelin.FeelDate) return tagged("@date", JSON.stringify(v.toString()));
  if (v instanceof feelin.FeelTime) return tagged("@time", JSON.stringify(v.toString()));
  if (v instanceof feelin.FeelDateTime) return tagged("@date and time", JSON.stringify(v.toString()));
  if (v instanceof feelin.FeelDuration) {
    const kind = v.yearsMonths ? "@years and months duration" : "@days and time duration";
    return tagged(kind, JSON.stringify(v.toString()));
  }
  if (feelin.isRange(v)) {
    return tagged("@range", "[" + [
      JSON.stringify(v["start included"] ? "[" : "("),
      canon(v.start),
      canon(v.end),
      JSON.stringify(v["end included"] ? "]" : ")"),
    ].join(",") + "]");
  }
  if (feelin.isFunction(v)) return '{"@function":true}';
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return "{" + Object.keys(v).map((k) => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}";
  }
  return tagged("@unknown", JSON.stringify(String(v)));
}

function run(cases) {
  return cases.map((c) => {
    try {
      const r = feelin.evaluate(c.expr, c.context || {}, "camunda");
      return { value: canon(r.value), warnings: r.warnings.map((w) => w.type) };
    } catch (err) {
      return { error: String((err && err.message) || err) };
    }
  });
}

// scripts/bench_feel_feelin.js writes its results the same way
module.exports = { canon, run };

if (require.main === module) {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => { input += chunk; });
  process.stdin.on("end", () => {
    process.stdout.write(JSON.stringify(run(JSON.parse(input))) + "\n");
  });
}
