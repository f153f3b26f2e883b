// Identity linking: any identifier (email, EOA, funder, API key, FIX session) finds the same person.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {refreshDerived} from "../loaders/warehouse/derived.ts";

let dir: string;
let warehouse: Warehouse;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "users-view-"));
  warehouse = await Warehouse.open(join(dir, "w.duckdb"));
  // Alice: ticket with her Safe funder; her EOA signs orders for that funder with API key k1; FIX session ALICE1 logs on with k1.
  // Bob: a ticket with only an email. Carol: API traffic only.
  await warehouse.run(`
    INSERT INTO tickets (ticket_id, source, created_at, updated_at, tier, user_email, user_wallet, run_id) VALUES
      ('1', 'intercom-file', '2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', 'VIP', 'Alice@Example.com', '0xfunder_a', 1),
      ('2', 'intercom-file', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z', 'standard', 'bob@example.com', NULL, 1);
    INSERT INTO api_requests (request_id, ts, api_key_id, address, method, path, route, status, maker, signer, signature_type) VALUES
      ('r1', '2026-10-01T00:00:00Z', 'k1', '0xeoa_a', 'POST', '/order', '/order', 200, '0xfunder_a', '0xeoa_a', 2),
      ('r2', '2026-10-01T00:00:01Z', 'k3', '0xeoa_c', 'POST', '/order', '/order', 200, '0xeoa_c', '0xeoa_c', 0);
    INSERT INTO fix_messages (session_id, direction, seq_num, sending_time, msg_type, msg_type_name, username, raw) VALUES
      ('ALICE1', 'in', 1, '2026-10-01T00:00:00Z', 'A', 'Logon', 'k1', '8=FIXT.1.1|35=A|553=k1|554=[REDACTED]|');
  `);
  await refreshDerived(warehouse); // rows written by hand, not by an ingest run
});

after(() => {
  warehouse.close();
  rmSync(dir, {recursive: true, force: true});
});

test("every identifier of one person resolves to the same pseudonymous person_id", async () => {
  const rows = await warehouse.all<{person_id: string; kind: string; value: string}>(
    "SELECT person_id, kind, value FROM identities ORDER BY kind, value"
  );
  const alice = rows.filter((row) => ["alice@example.com", "0xfunder_a", "0xeoa_a", "k1", "ALICE1"].includes(row.value));
  assert.equal(alice.length, 5);
  assert.equal(new Set(alice.map((row) => row.person_id)).size, 1);
  assert.match(alice[0].person_id, /^u_[0-9a-f]{12}$/);
  const bob = rows.find((row) => row.value === "bob@example.com");
  const carol = rows.find((row) => row.value === "0xeoa_c");
  assert.ok(bob && carol);
  assert.equal(new Set([alice[0].person_id, bob.person_id, carol.person_id]).size, 3);
});

test("users lists roles, wallet type and tier per person", async () => {
  const [alice] = await warehouse.all<Record<string, unknown>>(
    "SELECT * FROM users WHERE list_contains(api_keys, 'k1')"
  );
  assert.deepEqual(alice.emails, ["alice@example.com"]);
  assert.deepEqual(alice.eoas, ["0xeoa_a"]);
  assert.deepEqual(alice.funders, ["0xfunder_a"]);
  assert.deepEqual(alice.fix_sessions, ["ALICE1"]);
  assert.equal(alice.wallet_type, "Safe");
  assert.equal(alice.tier, "VIP");
  const [carol] = await warehouse.all<Record<string, unknown>>("SELECT * FROM users WHERE list_contains(api_keys, 'k3')");
  assert.equal(carol.wallet_type, "EOA");
  assert.equal(carol.tier, null);
});
