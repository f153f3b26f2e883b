// The demo world end to end: generate, ingest every source, and check the warehouse against truth.json.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import {copyFileSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, relative} from "node:path";
import {after, before, test} from "node:test";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {tableChecksums} from "./helpers/checksum.ts";
import {demoWorld, type DemoWorld} from "./helpers/demo-world.ts";

let world: DemoWorld;
let warehouse: Warehouse;
const scratch = mkdtempSync(join(tmpdir(), "demo-ingest-"));

before(async () => {
  world = await demoWorld();
  warehouse = await Warehouse.open(world.db, {readOnly: true});
});
after(() => {
  warehouse?.close();
  rmSync(scratch, {recursive: true, force: true});
});

test("every demo ingest run finished and accounts for every record", async () => {
  const runs = await warehouse.all<{source: string; status: string; read: bigint; loaded: bigint; rejected: bigint}>(
    "SELECT source, status, read, loaded, rejected FROM ingest_runs ORDER BY run_id"
  );
  for (const source of ["intercom", "api-logs", "fix"]) assert.ok(runs.some((run) => run.source === source), source);
  for (const run of runs) {
    assert.equal(run.status, "ok", run.source);
    assert.equal(run.read, run.loaded + run.rejected, run.source);
    assert.ok(run.loaded > 0n, run.source);
  }
});

test("the quarantine holds exactly the demo's deliberately malformed records", async () => {
  const rejects = await warehouse.all<{source: string; location: string; reason: string}>(
    "SELECT source, location, reason FROM rejects ORDER BY source, location"
  );
  const found = rejects.map((row) => {
    const [, file, line] = /^(.*):(\d+)$/.exec(row.location) ?? [];
    return `${row.source} ${relative(world.dir, file)}:${line} ${row.reason.split(":")[0]}`;
  });
  const expected = world.truth.expected_rejects.map((row) => `${row.source} ${row.file}:${row.line} ${row.reason}`);
  assert.ok(expected.length >= 3, "the demo plants malformed records");
  assert.deepEqual(found.sort(), expected.sort());
});

test("each root cause's ticket is in the warehouse and linked to the user's wallets", async () => {
  assert.ok(world.truth.root_causes.length >= 9);
  for (const cause of world.truth.root_causes) {
    const ticket = await warehouse.one<{ticket_id: string}>("SELECT ticket_id FROM tickets WHERE ticket_id = $1", [cause.ticket_id]);
    assert.ok(ticket, `${cause.code}: ticket ${cause.ticket_id} missing`);
    const people = await warehouse.all<{person_id: string}>(
      `SELECT DISTINCT person_id FROM identities WHERE (kind = 'address' AND value IN ($1, $2))
         OR (kind = 'email' AND value = (SELECT lower(user_email) FROM tickets WHERE ticket_id = $3))`,
      [cause.user.toLowerCase(), cause.eoa.toLowerCase(), cause.ticket_id]
    );
    assert.equal(people.length, 1, `${cause.code}: funder, EOA and ticket email resolve to one person`);
  }
});

test("re-reading and re-ingesting every demo record changes nothing", async () => {
  const copy = join(scratch, "warehouse.duckdb");
  copyFileSync(world.db, copy);
  const before = await tableChecksums(warehouse);
  // Forget which files were done, so every record is really read and merged again by natural key.
  const forget = await Warehouse.open(copy);
  await forget.run("DELETE FROM ingest_files");
  forget.close();
  execFileSync(process.execPath, ["bin/workbench.mjs", "--db", copy, "ingest", "demo", "--out", world.dir], {stdio: "ignore"});
  const again = await Warehouse.open(copy, {readOnly: true});
  try {
    assert.deepEqual(await tableChecksums(again), before);
  } finally {
    again.close();
  }
});
