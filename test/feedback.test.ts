// The product-feedback report (analysis/feedback/ + `workbench report feedback`) on the hand-checked
// fixture: weights, trend, error messaging, deflection, CSAT with masked remarks, and the CLI.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {loadFeedbackConfig} from "../analysis/feedback/config.ts";
import {buildFeedbackReport, parsePeriod, type FeedbackReport} from "../analysis/feedback/report.ts";
import {escalationFixture, FIXTURE_DIR} from "./fixtures/escalations/warehouse.ts";
import {ROOT} from "./helpers/site.ts";

const CONFIG = join(FIXTURE_DIR, "feedback.json");

function cli(db: string, ...args: string[]) {
  return spawnSync(process.execPath, ["bin/workbench.mjs", "--db", db, "report", "feedback", ...args], {cwd: ROOT, encoding: "utf-8"});
}

describe("feedback report on the fixture", () => {
  let fixture: Awaited<ReturnType<typeof escalationFixture>>;
  let report: FeedbackReport;
  before(async () => {
    fixture = await escalationFixture();
    const {period, previous} = parsePeriod("2026-11-16", "2026-11-23");
    report = await buildFeedbackReport(fixture.warehouse, period, previous, loadFeedbackConfig(CONFIG));
    fixture.warehouse.close(); // the CLI opens the file itself
  });
  after(() => fixture.dispose());

  test("the previous period has the same length", () => {
    assert.deepEqual(report.previous_period, {from: "2026-11-09", to: "2026-11-16"});
  });

  test("pain points weigh tickets by tier and the writer's orders, with the trend", () => {
    // T4: advanced (3) x 5 orders in the period (factor 2) = 6; T5: standard (1) x 2 orders (1) = 1
    assert.deepEqual(report.pain_points.categories.map((p) => [p.key, p.tickets, p.weighted, p.previous_weighted, p.change]), [
      ["api_outage", 1, 6, 0, 6],
      ["account_geoblock", 1, 1, 0, 1]
    ]);
    // previous: T1 VIP (5) x 2 orders (1) = 5; T2 and T3 advanced (3) x 2 orders (1) = 3 each
    assert.deepEqual([report.totals.tickets, report.totals.weighted, report.totals.previous_tickets, report.totals.previous_weighted], [2, 7, 3, 11]);
    assert.deepEqual(report.pain_points.signatures.map((p) => [p.key, p.weighted]), [["Internal Server Error", 6], ["'{address}' address banned", 1]]);
  });

  test("error-messaging candidates rank by tickets per thousand occurrences", () => {
    assert.deepEqual(report.error_messaging.candidates.map((c) => [c.signature, c.occurrences, c.tickets, c.tickets_per_1000]), [
      ["'{address}' address banned", 1, 1, 1000],
      ["Internal Server Error", 5, 1, 200],
      ["invalid signature", 6, 0, 0],
      ["No orderbook exists for the requested token id", 1, 0, 0],
      ["order {hash} is invalid. Size ({size}) lower than the minimum: {min}", 1, 0, 0]
    ]);
  });

  test("deflection multiplies the period's tickets by the assumed share", () => {
    assert.deepEqual(report.deflection.estimates.map((d) => [d.category, d.tickets, d.estimated_tickets_saved]), [["api_outage", 1, 0.5]]);
  });

  test("CSAT drivers come from low scores, remarks masked", () => {
    assert.deepEqual(report.csat.drivers, [{category: "account_geoblock", rated: 1, low_scores: 1, low_share: 1, sla_missed: 1}]);
    assert.equal(report.csat.remarks[0].remark, "Blocked again, write to [email] about [address]");
    assert.ok(!JSON.stringify(report).includes("@example.com"));
    assert.ok(!JSON.stringify(report).includes("0x1111"));
  });

  test("the CLI prints the same report as JSON, and Markdown without emails", () => {
    const json = cli(fixture.db, "--from", "2026-11-16", "--to", "2026-11-23", "--config", CONFIG, "--format", "json");
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), JSON.parse(JSON.stringify(report)));
    const md = cli(fixture.db, "--from", "2026-11-16", "--to", "2026-11-23", "--config", CONFIG, "--format", "md");
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /^# Product feedback 2026-11-16 to 2026-11-23/);
    assert.match(md.stdout, /\| api_outage \| 1 \| 1 \| 6\.0 \|/);
    assert.ok(!md.stdout.includes("@example.com"));
  });

  test("a period that ends before it starts is a usage error", () => {
    const result = cli(fixture.db, "--from", "2026-11-23", "--to", "2026-11-16");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--to \(2026-11-16\) must be after --from/);
  });
});
