// The warehouse module: migrations, the write lock, ingest-run bookkeeping and the quarantine.
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {WarehouseInUseError} from "../loaders/errors.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {CountMismatchError, IngestRun} from "../loaders/warehouse/ingest-run.ts";
import {listMigrations} from "../loaders/warehouse/schema.ts";

const dir = mkdtempSync(join(tmpdir(), "warehouse-test-"));
after(() => rmSync(dir, {recursive: true, force: true}));

test("migrations apply once, in order, and re-opening applies nothing new", async () => {
  const path = join(dir, "migrate.duckdb");
  const first = await Warehouse.open(path);
  const applied = await first.all<{version: number}>("SELECT version FROM schema_migrations ORDER BY version");
  assert.deepEqual(
    applied.map((row) => row.version),
    listMigrations().map((migration) => migration.version)
  );
  first.close();
  const second = await Warehouse.open(path);
  const count = await second.one<{n: bigint}>("SELECT count(*) AS n FROM schema_migrations");
  assert.equal(Number(count?.n), applied.length);
  second.close();
});

test("a second writer gets a clear 'warehouse in use' error naming the file", async () => {
  const path = join(dir, "locked.duckdb");
  (await Warehouse.open(path)).close();
  // Hold the lock from another process: DuckDB locks per process, so a child is the honest test.
  const script = join(dir, "hold.mjs");
  writeFileSync(
    script,
    `import {DuckDBInstance} from ${JSON.stringify(import.meta.resolve("@duckdb/node-api"))};
     const db = await DuckDBInstance.create(${JSON.stringify(path)}); console.log("locked"); setTimeout(() => {}, 30000);`
  );
  const holder = spawn(process.execPath, [script], {stdio: ["ignore", "pipe", "inherit"]});
  try {
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    await assert.rejects(Warehouse.open(path, {waitSeconds: 0.3}), (error: unknown) => {
      assert.ok(error instanceof WarehouseInUseError);
      assert.match(error.message, /warehouse in use: .*locked\.duckdb/);
      return true;
    });
  } finally {
    holder.kill("SIGKILL");
  }
});

test("ingest runs record counts, mark dead runs interrupted, and refuse lost records", async () => {
  const warehouse = await Warehouse.open(join(dir, "runs.duckdb"));
  try {
    const dead = await IngestRun.start(warehouse, "api-logs", "a.ndjson");
    const run = await IngestRun.start(warehouse, "api-logs", "b.ndjson");
    const status = await warehouse.one<{status: string}>("SELECT status FROM ingest_runs WHERE run_id = $1", [dead.runId]);
    assert.equal(status?.status, "interrupted");

    await run.reject("b.ndjson:3", "invalid_json: Unexpected end of JSON input", '{"headers":{"POLY_PASSPHRASE":"hunter2"');
    await run.reject("b.ndjson:3", "invalid_json: Unexpected end of JSON input", '{"headers":{"POLY_PASSPHRASE":"hunter2"');
    run.add({read: 10, loaded: 9, rejected: 1, inserted: 9});
    const summary = await run.finish();
    assert.deepEqual([summary.read, summary.loaded, summary.rejected, summary.status], [10, 9, 1, "ok"]);
    const rejects = await warehouse.all<{location: string; raw: string}>("SELECT location, raw FROM rejects");
    assert.equal(rejects.length, 1, "the same location is quarantined once");
    assert.doesNotMatch(rejects[0].raw, /hunter2/);

    const lossy = await IngestRun.start(warehouse, "fix", "c.log");
    lossy.add({read: 5, loaded: 3, rejected: 1, inserted: 3});
    await assert.rejects(lossy.finish(), CountMismatchError);
    const failed = await warehouse.one<{status: string}>("SELECT status FROM ingest_runs WHERE run_id = $1", [lossy.runId]);
    assert.equal(failed?.status, "failed");
  } finally {
    warehouse.close();
  }
});

test("a file committed once is skipped until it changes", async () => {
  const warehouse = await Warehouse.open(join(dir, "files.duckdb"));
  const input = join(dir, "input.ndjson");
  writeFileSync(input, "{}\n");
  try {
    const run = await IngestRun.start(warehouse, "api-logs", input);
    assert.equal(await run.alreadyIngested(input), false);
    await run.fileDone(input, {read: 1, loaded: 1, rejected: 0, inserted: 1});
    assert.equal(await run.alreadyIngested(input), true);
    writeFileSync(input, "{}\n{}\n");
    assert.equal(await run.alreadyIngested(input), false);
  } finally {
    warehouse.close();
  }
});

test("a transaction that throws leaves nothing behind", async () => {
  const warehouse = await Warehouse.open(join(dir, "tx.duckdb"));
  try {
    await assert.rejects(
      warehouse.transaction(async () => {
        await warehouse.run("INSERT INTO sync_state VALUES ('intercom', 'cursor', 'abc', now())");
        throw new Error("crash mid-file");
      }),
      /crash mid-file/
    );
    const rows = await warehouse.all("SELECT * FROM sync_state WHERE source = 'intercom'");
    assert.equal(rows.length, 0);
  } finally {
    warehouse.close();
  }
});
