/**
 * The demo world generated and ingested once per version of the code that produces its data, and
 * shared by the integration and browser tests (node:test runs test files one after another, each in
 * its own process; several checkouts' test runs may share the cache at once).
 * Cached under test/.cache/ keyed by a hash of that code. Views and read-side modules (`analysis/`)
 * are not in the key: every call re-creates the views on the cached warehouse instead.
 */
import {execFileSync} from "node:child_process";
import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {Warehouse} from "../../loaders/warehouse/connection.ts";
import {hashTree as hashFiles} from "../../scripts/hash-tree.ts";

export const DEMO_SEED = 7;
const ROOT = resolve(import.meta.dirname, "../..");
export const TEST_CACHE = join(ROOT, "test/.cache");
/** Code whose change changes the ingested demo world. */
const DATA_CODE = ["demo", "contracts", "loaders", "cli/commands/demo.ts", "cli/commands/ingest.ts"];
/** ...except these, which only read the warehouse (re-created on every open). */
const READ_SIDE = new Set(["loaders/warehouse/views"]);
/** Older cached worlds are kept this long: another test run may still be reading one. */
const KEEP_OLD_MS = 12 * 3600_000;
/** A generation lock older than this belongs to a run that died. */
const STALE_LOCK_MS = 30 * 60_000;

export interface DemoWorld {
  /** test/.cache/demo-<seed>-<hash>: the cache entry (also keys caches built from this world). */
  key: string;
  dir: string;
  db: string;
  truth: Truth;
}

export interface Truth {
  seed: number;
  window: {start: string; end: string};
  incidents: {id: string; kind: string; start: string; end: string; routes: string[]; affected_users: string[]; failed_requests: number; ticket_ids: string[]}[];
  root_causes: {user: string; eoa: string; code: string; ticket_id: string; evidence: Record<string, unknown>}[];
  discrepancies: {user: string; asset: string; expected: string; actual: string}[];
  expected_rejects: {source: string; file: string; line: number; reason: string}[];
}

/** sha256 over the files under `paths` (relative to the repository), skipping `skip`. */
export const hashTree = (paths: string[], skip?: Set<string>): string => hashFiles(ROOT, paths, skip);

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Runs `produce` once per `base` across processes: the first caller takes `base.lock`, the others
 * wait for its `complete` stamp. Entries of the same `prefix` unused for hours are removed.
 */
export async function cachedOnce(base: string, prefix: string, produce: () => void | Promise<void>): Promise<void> {
  const stamp = join(base, "complete");
  const lock = `${base}.lock`;
  mkdirSync(TEST_CACHE, {recursive: true});
  while (!existsSync(stamp)) {
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - statSync(lock, {throwIfNoEntry: false})!.mtimeMs > STALE_LOCK_MS) rmSync(lock, {recursive: true, force: true});
      await sleep(2000);
      continue;
    }
    try {
      rmSync(base, {recursive: true, force: true}); // a half-built entry from a run that died
      mkdirSync(base, {recursive: true});
      await produce();
      writeFileSync(stamp, new Date().toISOString());
    } finally {
      rmSync(lock, {recursive: true, force: true});
    }
  }
  for (const entry of readdirSync(TEST_CACHE)) {
    const other = join(TEST_CACHE, entry);
    if (entry.startsWith(prefix) && other !== base && !entry.endsWith(".lock")) {
      const otherStamp = statSync(join(other, "complete"), {throwIfNoEntry: false});
      if (otherStamp && Date.now() - otherStamp.mtimeMs > KEEP_OLD_MS) rmSync(other, {recursive: true, force: true});
    }
  }
}

/**
 * The demo world for the current code. $WORKBENCH_TEST_WORLD=<key> pins an existing cache entry
 * instead (while developing read-side code next to someone changing the loaders).
 */
export async function demoWorld(): Promise<DemoWorld> {
  const key = process.env.WORKBENCH_TEST_WORLD || `demo-${DEMO_SEED}-${hashTree(DATA_CODE, READ_SIDE)}`;
  const base = join(TEST_CACHE, key);
  const dir = join(base, "demo");
  const db = join(base, "warehouse.duckdb");
  await cachedOnce(base, `demo-${DEMO_SEED}-`, () => {
    execFileSync(process.execPath, ["bin/workbench.mjs", "--db", db, "demo", "--seed", String(DEMO_SEED), "--out", dir], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"], // stderr comes back in the error if the demo fails
      maxBuffer: 64 * 1024 * 1024
    });
  });
  // A writable open re-creates the views from the current views/*.sql.
  (await Warehouse.open(db, {waitSeconds: 600})).close();
  return {key, dir, db, truth: JSON.parse(readFileSync(join(dir, "truth.json"), "utf-8")) as Truth};
}
