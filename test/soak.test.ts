// The long, randomised crash test: each loader's ingest SIGKILLed at 20 random points (a random number
// of progress events plus a random delay), each time re-run to completion and compared, table by
// table, with one clean run. Runs with `npm run test:soak` (WORKBENCH_SOAK=1); skipped in `npm test`,
// which has the short deterministic variant (test/crash-resume.test.ts). SOAK_SEED=N replays a run.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {Rng} from "../demo/random.ts";
import {checksumsOf, CRASH_LOADERS, crashBench, killAndResume, runChild, type CrashBench} from "./helpers/crash-harness.ts";

const KILLS_PER_LOADER = 20;
const enabled = process.env.WORKBENCH_SOAK === "1";
const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
const scratch = mkdtempSync(join(tmpdir(), "soak-"));
let bench: CrashBench | undefined;
let dbs = 0;
const dbPath = () => join(scratch, `w${++dbs}.duckdb`);
const totals = {kills: 0, landed: 0, tablesCompared: 0, differences: 0};

before(async () => {
  if (enabled) bench = await crashBench(join(scratch, "bench"), seed, 30);
});
after(async () => {
  await bench?.close();
  rmSync(scratch, {recursive: true, force: true});
  if (enabled) {
    console.log(
      `soak (SOAK_SEED=${seed}): ${totals.kills} kills, ${totals.landed} before the ingest finished, ` +
        `${totals.tablesCompared} table comparisons, ${totals.differences} differing (rows lost or duplicated)`
    );
  }
});

for (const loader of CRASH_LOADERS) {
  test(`soak: ${loader} killed at ${KILLS_PER_LOADER} random points resumes to the clean run's warehouse`, {skip: !enabled && "npm run test:soak"}, async () => {
    const rng = Rng.from(seed, "soak", loader);
    const cleanDb = dbPath();
    const {events} = await runChild(bench!, loader, cleanDb); // commit points of a whole run: where kills are spread
    const clean = await checksumsOf(cleanDb);
    for (let i = 0; i < KILLS_PER_LOADER; i++) {
      const kill = {events: rng.int(1, events), delayMs: rng.int(0, 150)};
      const outcome = await killAndResume(bench!, loader, dbPath(), clean, kill);
      totals.kills++;
      totals.landed += outcome.killed ? 1 : 0;
      totals.tablesCompared += Object.keys(clean).length;
      totals.differences += outcome.differences.length;
      assert.deepEqual(outcome.differences, [], `kill ${i + 1} (after event ${kill.events} + ${kill.delayMs} ms, SOAK_SEED=${seed})`);
    }
  });
}
