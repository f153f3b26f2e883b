/**
 * Build-and-serve helpers for the site tests: the demo world's warehouse (or an existing one from
 * $WORKBENCH_TEST_DB), `npm run build` into a temporary directory, and the dist/ server.
 */
import {spawn} from "node:child_process";
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {Warehouse} from "../../loaders/warehouse/connection.ts";
import {startServer, type SiteServer} from "../../scripts/serve.ts";
import {cachedOnce, demoWorld, hashTree, TEST_CACHE, type DemoWorld} from "./demo-world.ts";

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
    path = resolve(process.env.WORKBENCH_TEST_DB || (await demoWorld()).db);
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

/** Framework's cache (src/.observablehq/cache) is shared by every build: one build at a time. */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = join(TEST_CACHE, "build.lock");
  mkdirSync(TEST_CACHE, {recursive: true});
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, {throwIfNoEntry: false})?.mtimeMs ?? Date.now());
      if (age > 20 * 60_000) rmSync(lock, {recursive: true, force: true}); // left by a run that died
      await new Promise((done) => setTimeout(done, 1000));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, {recursive: true, force: true});
  }
}

/** Runs `npm run build` against `warehouse` into `output` (default: a fresh temporary directory). */
export async function buildSite(warehouse: string, output?: string): Promise<BuiltSite> {
  const dir = output ?? mkdtempSync(join(tmpdir(), "workbench-site-"));
  const started = performance.now();
  const log = await withBuildLock(
    () =>
      new Promise<string>((done, fail) => {
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
      })
  );
  return {
    dir,
    seconds: (performance.now() - started) / 1000,
    log,
    dispose: () => rmSync(dir, {recursive: true, force: true})
  };
}

/** Code and config a built page depends on (besides the warehouse). */
const SITE_CODE = ["src", "scripts", "observablehq.config.ts", "analysis", "loaders", "config", "package.json"];

export interface DemoSite {
  world: DemoWorld;
  /** The built site (shared: do not modify). */
  dir: string;
  /** What `npm run build` printed. */
  log: string;
  server: SiteServer;
  url: string;
  close(): Promise<void>;
}

/**
 * The site built from the demo world, once per version of the site's code (cached in test/.cache),
 * served on a free loopback port. Page tests share it instead of building their own.
 */
export async function serveDemoSite(): Promise<DemoSite> {
  const world = await demoWorld();
  const base = join(TEST_CACHE, `site-${world.key}-${hashTree(SITE_CODE, new Set(["src/.observablehq"]))}`);
  const dir = join(base, "dist");
  await cachedOnce(base, "site-", async () => {
    writeFileSync(join(base, "build.log"), (await buildSite(world.db, dir)).log);
  });
  const server = await startServer(dir, 0);
  return {world, dir, log: readFileSync(join(base, "build.log"), "utf-8"), server, url: server.url, close: () => server.close()};
}
