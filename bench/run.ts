/**
 * `npm run bench`: runs every benchmark in bench/ (each in its own process, so peak memory is its
 * own), then prints the ratios each one wrote to bench/results/<name>.json.
 * Pass names to run a subset: `npm run bench -- api-logs`.
 */
import {spawnSync} from "node:child_process";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";

const BENCH_DIR = import.meta.dirname;
const only = process.argv.slice(2);
const benches = readdirSync(BENCH_DIR)
  .filter((file) => file.endsWith(".ts") && file !== "run.ts")
  .map((file) => file.slice(0, -3))
  .filter((name) => only.length === 0 || only.includes(name));

let failed = 0;
for (const name of benches) {
  console.log(`\n== bench ${name}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(BENCH_DIR, `${name}.ts`)], {stdio: "inherit"});
  if (result.status !== 0) failed++;
  const output = join(BENCH_DIR, "results", `${name}.json`);
  if (existsSync(output)) console.log(`results: ${output}\n${readFileSync(output, "utf-8").slice(0, 2000)}`);
}
process.exitCode = failed ? 1 : 0;
