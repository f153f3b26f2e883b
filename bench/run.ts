/**
 * `npm run bench`: runs every benchmark in bench/ (each in its own process, so peak memory is its
 * own) at one or more demo scales, then prints what each wrote to bench/results/<name>.json.
 *
 *   tsx bench/run.ts [--scale small[,medium,large]] [name ...]
 *
 * `npm run bench` is the small scale; `npm run bench:large` runs medium and large (the large demo
 * is generated and ingested once, which takes tens of minutes). Names pick a subset.
 */
import {spawnSync} from "node:child_process";
import {existsSync, readdirSync} from "node:fs";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {parseScale} from "./lib/demo.ts";

const BENCH_DIR = import.meta.dirname;
const {values, positionals: only} = parseArgs({options: {scale: {type: "string", default: "small"}}, allowPositionals: true});
const scales = values.scale.split(",").map((scale) => parseScale(scale));
const benches = readdirSync(BENCH_DIR)
  .filter((file) => file.endsWith(".ts") && file !== "run.ts")
  .map((file) => file.slice(0, -3))
  .filter((name) => only.length === 0 || only.includes(name));

let failed = 0;
for (const scale of scales) {
  for (const name of benches) {
    console.log(`\n== bench ${name} (${scale})`);
    const result = spawnSync(process.execPath, ["--import", "tsx", join(BENCH_DIR, `${name}.ts`), "--scale", scale], {stdio: "inherit"});
    if (result.status !== 0) failed++;
    const output = join(BENCH_DIR, "results", `${name}.json`);
    if (existsSync(output)) console.log(`results: ${output}`);
  }
}
process.exitCode = failed ? 1 : 0;
