// An off-the-shelf client (jsforce 3) against the local org, unchanged:
// node client.js URL prints one JSON object of what it saw.
const jsforce = require("jsforce");

async function main() {
  const url = process.argv[2];
  const out = {};
  // OAuth 2.0 client credentials, as jsforce does it
  const oauth2 = new jsforce.OAuth2({
    loginUrl: url, clientId: "luaforce-local", clientSecret: "luaforce-local-secret",
  });
  const auth = new jsforce.Connection({ oauth2, instanceUrl: url, version: "62.0" });
  await auth.authorize({ grant_type: "client_credentials" });
  out.oauth = { token: typeof auth.accessToken, instanceUrl: auth.instanceUrl, userId: auth.userInfo && auth.userInfo.id };

  const conn = new jsforce.Connection({ instanceUrl: url, accessToken: "00DLOCAL0000001!luaforce.local.token", version: "62.0" });
  const first = await conn.query("SELECT Id, Name, Amount, Account.Name FROM Opportunity ORDER BY Name");
  out.query = { totalSize: first.totalSize, done: first.done, page: first.records.length,
    next: !!first.nextRecordsUrl, parent: first.records[0].Account ? "object" : "null" };
  let all = [];
  const q = conn.query("SELECT Id FROM Lead").on("record", (r) => all.push(r.Id));
  await q.run({ autoFetch: true, maxFetch: 100000 });
  out.autoFetch = { fetched: all.length, unique: new Set(all).size, totalSize: q.totalSize };

  const created = await conn.sobject("Account").create({ Name: "jsforce O'Brien" });
  out.create = { success: created.success, id: created.id };
  await conn.sobject("Account").update({ Id: created.id, Industry: "Energy" });
  const got = await conn.sobject("Account").retrieve(created.id);
  out.retrieve = { Name: got.Name, Industry: got.Industry };
  const up1 = await conn.sobject("Invoice__c").upsert({ External_Id__c: "JSF-1", Account__c: created.id }, "External_Id__c");
  const up2 = await conn.sobject("Invoice__c").upsert({ External_Id__c: "JSF-1", Paid__c: true }, "External_Id__c");
  out.upsert = { first: up1.created, second: up2.created, same: up1.id === up2.id };
  await conn.sobject("Account").destroy(created.id);
  try {
    await conn.sobject("Account").retrieve(created.id);
    out.afterDelete = "found";
  } catch (e) {
    out.afterDelete = e.errorCode || e.name;
  }
  const d = await conn.sobject("Account").describe();
  out.describe = { name: d.name, fields: d.fields.length, hasContacts: d.childRelationships.some((c) => c.relationshipName === "Contacts") };
  const g = await conn.describeGlobal();
  out.describeGlobal = g.sobjects.map((s) => s.name).sort();
  try {
    await conn.query("SELECT Id FRM Account");
  } catch (e) {
    out.badQuery = { errorCode: e.errorCode, caret: /Row:1:Column:11/.test(e.message) };
  }
  const n = await conn.query("SELECT COUNT() FROM Case");
  out.count = n.totalSize;
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + "\n");
  process.exit(1);
});
