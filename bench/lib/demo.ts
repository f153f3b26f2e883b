/**
 * Demo worlds for the benchmarks, one per scale, generated (and, when asked, ingested) once and
 * cached under $TMPDIR/workbench-bench/: the raw files keyed on the generator's code, the warehouse
 * also on the loaders'. A large world takes tens of minutes to make; later runs reuse it.
 */
import {execFileSync} from "node:child_process";
import {existsSync, mkdirSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {hashTree} from "../../scripts/hash-tree.ts";

export type Scale = "small" | "medium" | "large";
export const SCALES: Scale[] = ["small", "medium", "large"];

const ROOT = resolve(import.meta.dirname, "../..");
export const BENCH_DIR = join(tmpdir(), "workbench-bench");
const GENERATOR = ["demo", "contracts"];
const LOADERS = ["loaders", "cli/commands/demo.ts", "cli/commands/ingest.ts"];

export function parseScale(value: string | undefined, fallback: Scale = "small"): Scale {
  const scale = (value ?? fallback) as Scale;
  if (!SCALES.includes(scale)) throw new Error(`--scale must be one of ${SCALES.join(", ")}, got "${value}"`);
  return scale;
}

function workbench(args: string[]): void {
  execFileSync(process.execPath, ["bin/workbench.mjs", ...args], {cwd: ROOT, stdio: ["ignore", "inherit", "inherit"]});
}

/** The raw demo files of `scale` (seed 7): `dir` holds api-logs/, intercom/, fix/, chain/, truth.json. */
export function benchDemoFiles(scale: Scale): string {
  const dir = join(BENCH_DIR, `demo-${scale}-${hashTree(ROOT, GENERATOR)}`);
  if (!existsSync(join(dir, "complete"))) {
    rmSync(dir, {recursive: true, force: true});
    mkdirSync(dir, {recursive: true});
    console.log(`generating the ${scale} demo in ${dir} (once; large takes tens of minutes) ...`);
    workbench(["demo", "--seed", "7", "--scale", scale, "--out", dir, "--no-ingest"]);
    writeFileSync(join(dir, "complete"), new Date().toISOString());
  }
  return dir;
}

/** The demo of `scale` ingested into a warehouse (all four sources, the chain replayed on anvil). */
export function benchDemoWarehouse(scale: Scale): {dir: string; db: string} {
  const dir = benchDemoFiles(scale);
  const db = join(dir, `warehouse-${hashTree(ROOT, LOADERS)}.duckdb`);
  const stamp = `${db}.complete`;
  if (!existsSync(stamp)) {
    for (const path of [db, `${db}.wal`]) rmSync(path, {force: true});
    console.log(`ingesting the ${scale} demo into ${db} (once) ...`);
    workbench(["--db", db, "ingest", "demo", "--out", dir]);
    writeFileSync(stamp, new Date().toISOString());
  }
  return {dir, db};
}
