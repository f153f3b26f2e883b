/**
 * Build-and-serve helpers for the site tests: the demo world's warehouse (or an existing one from
 * $WORKBENCH_TEST_DB), `npm run build` into a temporary directory, and the dist/ server.
 */
import {spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {Warehouse} from "../../loaders/warehouse/connection.ts";
import {demoWorld} from "./demo-world.ts";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface TestWarehouse {
  path: string;
  /** Rows in `tickets`, what the home page's DuckDB-WASM total must show. */
  tickets: number;
  /** Quarantined records, what the home page's quarantine figure must show. */
  rejects: number;
  /** True when the test created (and will delete) the warehouse. */
  temporary: boolean;
  dispose(): void;
}

async function countRows(path: string, table: string): Promise<number> {
  const warehouse = await Warehouse.open(path, {readOnly: true});
  try {
    const row = await warehouse.one<{n: bigint}>(`SELECT count(*) AS n FROM "${table}"`);
    return Number(row?.n ?? 0);
  } finally {
    warehouse.close();
  }
}

/**
 * The warehouse the site test builds from: $WORKBENCH_TEST_DB when set, otherwise the demo world's
 * (real data through every loader). `empty: true` gives an empty (migrated) warehouse in a temporary
 * directory, for the empty-state build.
 */
export async function testWarehouse({empty = false}: {empty?: boolean} = {}): Promise<TestWarehouse> {
  let path: string;
  let dir: string | undefined;
  if (!empty) {
    path = resolve(process.env.WORKBENCH_TEST_DB || demoWorld().db);
  } else {
    dir = mkdtempSync(join(tmpdir(), "workbench-site-db-"));
    path = join(dir, "warehouse.duckdb");
    (await Warehouse.open(path)).close();
  }
  return {
    path,
    tickets: await countRows(path, "tickets"),
    rejects: await countRows(path, "rejects"),
    temporary: dir !== undefined,
    dispose: () => {
      if (dir) rmSync(dir, {recursive: true, force: true});
    }
  };
}

export interface BuiltSite {
  dir: string;
  /** Wall-clock seconds of `npm run build`. */
  seconds: number;
  log: string;
  dispose(): void;
}

/** Runs `npm run build` against `warehouse` into a fresh temporary directory. */
export async function buildSite(warehouse: string): Promise<BuiltSite> {
  const dir = mkdtempSync(join(tmpdir(), "workbench-site-"));
  const started = performance.now();
  const log = await new Promise<string>((done, fail) => {
    const child = spawn("npm", ["run", "--silent", "build"], {
      cwd: ROOT,
      env: {...process.env, WORKBENCH_DB: warehouse, WORKBENCH_SITE_OUTPUT: dir, NO_COLOR: "1", FORCE_COLOR: "0"},
      stdio: ["ignore", "pipe", "pipe"]
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      if (code === 0) done(output);
      else fail(new Error(`npm run build exited with ${code}:\n${output}`));
    });
  });
  return {
    dir,
    seconds: (performance.now() - started) / 1000,
    log,
    dispose: () => rmSync(dir, {recursive: true, force: true})
  };
}
