// Framework's cached loader outputs are kept across builds exactly while the warehouse's ingest
// runs, the read-side code and the WORKBENCH_* settings stay the same (scripts/loader-cache.ts).
import assert from "node:assert/strict";
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {refreshLoaderCache} from "../scripts/loader-cache.ts";
import {ROOT} from "./helpers/site.ts";

let dir: string;
let root: string;
const saved = {db: process.env.WORKBENCH_DB, profile: process.env.WORKBENCH_PROFILE};
const cachedOutput = () => join(root, ".observablehq", "cache", "data", "health.json");
const npmCache = () => join(root, ".observablehq", "cache", "_npm", "kept.js");

function fakeBuild(): void {
  mkdirSync(join(root, ".observablehq", "cache", "data"), {recursive: true});
  mkdirSync(join(root, ".observablehq", "cache", "_npm"), {recursive: true});
  writeFileSync(cachedOutput(), "{}");
  writeFileSync(npmCache(), "");
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "loader-cache-"));
  root = join(dir, "src");
  process.env.WORKBENCH_DB = join(dir, "warehouse.duckdb");
  delete process.env.WORKBENCH_PROFILE;
  (await Warehouse.open(process.env.WORKBENCH_DB)).close();
});

after(() => {
  for (const [name, value] of [["WORKBENCH_DB", saved.db], ["WORKBENCH_PROFILE", saved.profile]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, {recursive: true, force: true});
});

test("outputs survive a rebuild of the same warehouse and go when an ingest run or a setting changes", async () => {
  assert.match(await refreshLoaderCache(ROOT, root), /cleared/, "first build: nothing keyed yet");
  fakeBuild();
  assert.match(await refreshLoaderCache(ROOT, root), /reused/);
  assert.ok(existsSync(cachedOutput()), "an unchanged warehouse keeps the loader outputs");

  const warehouse = await Warehouse.open(process.env.WORKBENCH_DB!);
  await warehouse.run("INSERT INTO ingest_runs (source, input, started_at, finished_at, status) VALUES ('intercom', 'x', now(), now(), 'ok')");
  warehouse.close();
  assert.match(await refreshLoaderCache(ROOT, root), /cleared/);
  assert.ok(!existsSync(cachedOutput()), "a new ingest run clears the outputs");
  assert.ok(existsSync(npmCache()), "the npm cache is never cleared");

  fakeBuild();
  assert.match(await refreshLoaderCache(ROOT, root), /reused/);
  process.env.WORKBENCH_PROFILE = "leadership";
  assert.match(await refreshLoaderCache(ROOT, root), /cleared/, "another build profile makes other outputs");
  assert.ok(!existsSync(cachedOutput()));
});
