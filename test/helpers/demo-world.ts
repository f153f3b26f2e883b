/**
 * The demo world generated and ingested once per code version and shared by the integration and
 * browser tests (node:test runs test files one after another, each in its own process).
 * Cached under test/.cache/ keyed by a hash of the code that produces it.
 */
import {execFileSync} from "node:child_process";
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";

export const DEMO_SEED = 7;
const ROOT = resolve(import.meta.dirname, "../..");
const CODE_DIRS = ["demo", "loaders", "cli", "contracts"];

export interface DemoWorld {
  dir: string;
  db: string;
  truth: Truth;
}

export interface Truth {
  seed: number;
  window: {start: string; end: string};
  incidents: {id: string; kind: string; start: string; end: string; routes: string[]; affected_users: string[]}[];
  root_causes: {user: string; eoa: string; code: string; ticket_id: string}[];
  discrepancies: {user: string; asset: string; expected: string; actual: string}[];
  expected_rejects: {source: string; file: string; line: number; reason: string}[];
}

function codeHash(): string {
  const hash = createHash("sha256");
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path).sort()) visit(join(path, entry));
    else hash.update(path).update(readFileSync(path));
  };
  for (const dir of CODE_DIRS) visit(join(ROOT, dir));
  return hash.digest("hex").slice(0, 16);
}

export function demoWorld(): DemoWorld {
  const base = join(ROOT, "test/.cache", `demo-${DEMO_SEED}-${codeHash()}`);
  const dir = join(base, "demo");
  const db = join(base, "warehouse.duckdb");
  const stamp = join(base, "complete");
  if (!existsSync(stamp)) {
    rmSync(join(ROOT, "test/.cache"), {recursive: true, force: true}); // older code versions
    mkdirSync(base, {recursive: true});
    execFileSync(process.execPath, ["bin/workbench.mjs", "--db", db, "demo", "--seed", String(DEMO_SEED), "--out", dir], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"], // stderr comes back in the error if the demo fails
      maxBuffer: 64 * 1024 * 1024
    });
    writeFileSync(stamp, new Date().toISOString());
  }
  return {dir, db, truth: JSON.parse(readFileSync(join(dir, "truth.json"), "utf-8")) as Truth};
}
