// scripts/bench_client_jsforce.js: jsforce's side of `scripts/bench client`.
//
//   node scripts/bench_client_jsforce.js WORKLOAD URL [ARG]
//
// WORKLOAD is one of
//   stream SOQL        every record of the query (query + autoFetch, the
//                      documented way to page through a result)
//   create N           N new Accounts through sobject().create(array)
//                      (sObject Collections, allOrNone false, allowRecursive
//                      for more than 200)
//   update IDS_FILE    the Accounts whose ids the JSON file lists, through
//                      sobject().update(array) the same way
// and prints one JSON line: {"records": n, "failed": n}. Run by
// scripts/bench_client.lua, which times the process from outside.
const jsforce = require("jsforce");

const TOKEN = "00DLOCAL0000001!luaforce.local.token";

async function stream(conn, soql) {
  let records = 0;
  let touched = 0;
  const q = conn.query(soql).on("record", (r) => {
    records += 1;
    if (r.Name) touched += 1;
  });
  await q.run({ autoFetch: true, maxFetch: 10000000 });
  return { records, failed: records - touched };
}

function account(i) {
  return { Name: `Bench New ${i}`, Industry: "Energy", NumberOfEmployees: i % 5000, AnnualRevenue: i * 10.5 };
}

async function create(conn, n) {
  const recs = [];
  for (let i = 1; i <= n; i++) recs.push(account(i));
  const res = await conn.sobject("Account").create(recs, { allOrNone: false, allowRecursive: true });
  return { records: res.length, failed: res.filter((r) => !r.success).length };
}

async function update(conn, file) {
  const ids = JSON.parse(require("fs").readFileSync(file, "utf8"));
  const recs = ids.map((id, i) => ({ Id: id, Industry: "Media", NumberOfEmployees: (i * 7) % 5000 }));
  const res = await conn.sobject("Account").update(recs, { allOrNone: false, allowRecursive: true });
  return { records: res.length, failed: res.filter((r) => !r.success).length };
}

async function main() {
  const [workload, url, arg] = process.argv.slice(2);
  const conn = new jsforce.Connection({ instanceUrl: url, accessToken: TOKEN, version: "62.0" });
  let out;
  if (workload === "stream") out = await stream(conn, arg);
  else if (workload === "create") out = await create(conn, Number(arg));
  else if (workload === "update") out = await update(conn, arg);
  else throw new Error(`unknown workload ${workload}`);
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exit(1);
});
