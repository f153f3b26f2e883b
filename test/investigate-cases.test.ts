/**
 * Regression cases (test/cases/<code>/, written by `workbench investigate --export-case`): each
 * case's raw records go through the real loaders into a fresh warehouse (chain rows from CSV: the
 * chain loader needs an RPC) and the investigation must reach the expected diagnosis as its top one.
 */
import assert from "node:assert/strict";
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, test} from "node:test";
import {loadCaseChain, redactFixLine} from "../analysis/investigate/export-case.ts";
import {investigate, ROOT_CAUSE_CODES} from "../analysis/investigate/index.ts";
import {ingestApiLogs} from "../loaders/api-logs/index.ts";
import {ingestFix} from "../loaders/fix/index.ts";
import {parseFixLine} from "../loaders/fix/parse.ts";
import {ingestIntercom} from "../loaders/intercom/index.ts";
import {silentProgress} from "../loaders/progress.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";

const CASES = join(import.meta.dirname, "cases");
const scratch = mkdtempSync(join(tmpdir(), "investigate-cases-"));
after(() => rmSync(scratch, {recursive: true, force: true}));

interface Expected {
  identifier: string;
  code: string;
  ticket_ids: string[];
}

describe("regression cases replay through ingestion and diagnosis", () => {
  const cases = readdirSync(CASES).filter((name) => existsSync(join(CASES, name, "expected.json")));

  test("one case per demo root cause, each for a known code", () => {
    for (const code of ["signature_type_mismatch", "missing_allowance", "tick_size_precision", "stale_balance_cache", "deposit_to_eoa", "fok_killed", "fix_sequence_gap", "unredeemed_winnings", "disputed_resolution"])
      assert.ok(cases.includes(code), `test/cases/${code} is missing`);
    for (const name of cases) assert.ok((ROOT_CAUSE_CODES as readonly string[]).includes(name), `${name} is not a root-cause code`);
  });

  for (const name of cases) {
    test(name, async () => {
      const dir = join(CASES, name);
      const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
      const warehouse = await Warehouse.open(join(scratch, `${name}.duckdb`));
      try {
        await ingestIntercom(warehouse, {files: [join(dir, "intercom")]}, silentProgress);
        if (existsSync(join(dir, "api-logs"))) await ingestApiLogs(warehouse, {files: [join(dir, "api-logs")]}, silentProgress);
        if (existsSync(join(dir, "fix"))) await ingestFix(warehouse, {files: [join(dir, "fix")]}, silentProgress);
        if (existsSync(join(dir, "chain"))) await loadCaseChain(warehouse, dir, readdirSync(join(dir, "chain")));
        const rejects = await warehouse.all("SELECT location, reason FROM rejects");
        assert.deepEqual(rejects, [], "a case's records are all well-formed");

        const result = await investigate(warehouse, expected.identifier);
        assert.equal(result.diagnoses[0]?.code, expected.code, `top diagnosis: ${JSON.stringify(result.diagnoses.map((d) => d.code))}`);
        assert.deepEqual(result.diagnoses[0].ticket_ids, expected.ticket_ids);
      } finally {
        warehouse.close();
      }
    });
  }

  test("a redacted FIX line is re-framed: the parser accepts it", () => {
    const line = readFileSync(join(CASES, "fix_sequence_gap/fix/session.log"), "utf8").split("\n")[0];
    assert.match(line, /554=\[REDACTED\]/);
    assert.equal(redactFixLine(line), line, "already redacted: unchanged");
    const withPassword = line.replace("554=[REDACTED]", "554=hunter2-password");
    const reframed = redactFixLine(withPassword);
    assert.equal(reframed, line);
    assert.ok("message" in parseFixLine(reframed), "BodyLength and CheckSum match the redacted text");
  });
});
