// The program-health metrics on a small fixture warehouse (test/fixtures/health/warehouse.sql),
// every expectation computed by hand. Edge cases: created Sunday 23:59 UTC, never replied,
// reopened twice, SLA cancelled / removed, unrated, snoozed, uncategorised, Monday 00:00 UTC.
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {loadPolicy} from "../analysis/health/policy.ts";
import {buildHealthReport, type HealthReport} from "../analysis/health/report.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";

let dir: string;
let warehouse: Warehouse;
let report: HealthReport;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "health-metrics-"));
  warehouse = await Warehouse.open(join(dir, "w.duckdb"));
  await warehouse.run(readFileSync("test/fixtures/health/warehouse.sql", "utf-8"));
  // Weeks are UTC whatever the session's zone: in Paris the Sunday 23:59 UTC ticket is Monday.
  await warehouse.run("SET TimeZone = 'Europe/Paris'");
  report = await buildHealthReport(warehouse, "2026-W46", loadPolicy("test/fixtures/health/sla-policy.json"));
});

after(() => {
  warehouse.close();
  rmSync(dir, {recursive: true, force: true});
});

test("ISO weeks in UTC: Sunday 23:59 stays in its week, Monday 00:00 starts the next", async () => {
  const weeks = await warehouse.all<{ticket_id: string; week: string}>("SELECT ticket_id, week FROM health_tickets ORDER BY ticket_id");
  const week = Object.fromEntries(weeks.map((row) => [row.ticket_id, row.week]));
  assert.equal(week["0998"], "2026-W45"); // Sun 2026-11-08 23:59:59Z
  assert.equal(week["1006"], "2026-W46"); // Sun 2026-11-15 23:59:00Z (Mon 00:59 in Paris)
  assert.equal(week["1009"], "2026-W47"); // Mon 2026-11-16 00:00:00Z
});

test("headline metrics for 2026-W46", () => {
  // created: 1001-1007 (7). closed at least once: 1001, 1002, 1004, 1006, 1007 (5).
  assert.equal(report.tickets_created, 7);
  assert.equal(report.tickets_closed, 5);
  // FRT (calendar min) of the 6 replied: 5, 10, 20, 30, 50, 90 -> p50 at rank 2.5 = 25; p90 at 4.5 = 50 + 0.5 * 40 = 70
  assert.equal(report.tickets_replied, 6);
  assert.equal(report.frt_p50_minutes, 25);
  assert.equal(report.frt_p90_minutes, 70);
  // TTC of the 5 closed: 60, 120, 180, 720, 1440 -> p50 = 180; p90 at rank 3.6 = 720 + 0.6 * 720 = 1152
  assert.equal(report.ttc_p50_minutes, 180);
  assert.equal(report.ttc_p90_minutes, 1152);
  // Intercom SLA: hit 1001, 1006; missed 1002, 1007; active 1003; cancelled 1004; removed (NULL) 1005
  assert.deepEqual([report.sla_hit, report.sla_missed, report.sla_active, report.sla_cancelled, report.sla_none], [2, 2, 1, 1, 1]);
  assert.equal(report.sla_hit_rate, 0.5); // 2 / (2 + 2)
  // rated: 5, 2, 4, 3 -> 2 of 4 rated 4-5; all 4 rated are closed: 4 / 5 closed
  assert.equal(report.csat_rated, 4);
  assert.equal(report.csat_score, 0.5);
  assert.equal(report.csat_response_rate, 0.8);
  // reopened: 1002 (twice), 1006 (once) -> 2 / 5 closed
  assert.equal(report.tickets_reopened, 2);
  assert.equal(report.reopen_rate, 0.4);
  // 1002 (tag), 1003 (note + hand-over to team 7001), 1006 (assigned to team 7001)
  assert.equal(report.tickets_escalated, 3);
});

test("previous week and week-over-week change", () => {
  assert.equal(report.previous_week.week, "2026-W45");
  assert.equal(report.previous_week.tickets_created, 1);
  assert.equal(report.previous_week.frt_p50_minutes, 15);
  assert.equal(report.previous_week.ttc_p50_minutes, 60);
  assert.equal(report.previous_week.sla_hit_rate, 1);
  assert.deepEqual(report.change, {
    tickets_created: 6,
    tickets_closed: 4,
    frt_p50_minutes: 10,
    frt_p90_minutes: 55,
    ttc_p50_minutes: 120,
    ttc_p90_minutes: 1092,
    sla_hit_rate: -0.5,
    csat_score: -0.5,
    csat_response_rate: -0.2,
    reopen_rate: 0.4
  });
});

test("by tier, in program order, each with its previous week", () => {
  const pickHeadline = (row: HealthReport["by_tier"][number]) => [
    row.tier, row.tickets_created, row.tickets_closed, row.frt_p50_minutes, row.frt_p90_minutes, row.ttc_p50_minutes,
    row.ttc_p90_minutes, row.sla_hit_rate, row.csat_score, row.csat_response_rate, row.reopen_rate
  ];
  assert.deepEqual(report.by_tier.map(pickHeadline), [
    // VIP 1001, 1002: FRT 20, 50 -> p90 = 20 + 0.9 * 30 = 47; TTC 120, 720 -> p50 420, p90 660
    ["VIP", 2, 2, 35, 47, 420, 660, 0.5, 0.5, 1, 0.5],
    // advanced 1003 (never replied, active), 1004 (cancelled): no decided SLA -> NULL, not 0
    ["advanced", 2, 1, 5, 5, 1440, 1440, null, 1, 1, 0],
    // standard 1005, 1006, 1007: FRT 10, 30, 90 -> p90 = 30 + 0.8 * 60 = 78; TTC 60, 180 -> p90 168
    ["standard", 3, 2, 30, 78, 120, 168, 0.5, 0, 0.5, 0.5]
  ]);
  assert.equal(report.by_tier[0].previous_week.tickets_created, 1);
  assert.equal(report.by_tier[2].previous_week.tickets_created, 0);
  assert.equal(report.by_tier[2].previous_week.frt_p50_minutes, null);
});

test("by category, largest first; no category is 'uncategorised'", () => {
  assert.deepEqual(
    report.by_category.map((c) => [c.category, c.tickets_created, c.frt_p50_minutes, c.frt_p90_minutes, c.sla_hit_rate, c.csat_score, c.csat_response_rate, c.reopen_rate]),
    [
      ["api_auth", 2, 35, 47, 0.5, 0.5, 1, 0.5],
      ["balance_allowance", 2, 5, 5, null, 1, 1, 0],
      // 1005 (snoozed, FRT 90), 1006 (FRT 30) -> p90 = 30 + 0.9 * 60 = 84
      ["order_validation", 2, 60, 84, 1, 0, 1, 1],
      // 1007: closed, unrated -> CSAT NULL (nothing rated) but response rate 0
      ["uncategorised", 1, 10, 10, 0, null, 0, 0]
    ]
  );
});

test("8-week trend: empty weeks are zero counts and NULL rates", () => {
  assert.deepEqual(report.trend.map((w) => w.week), ["2026-W39", "2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46"]);
  assert.deepEqual(report.trend.map((w) => w.tickets_created), [0, 0, 0, 0, 0, 0, 1, 7]);
  assert.equal(report.trend[0].csat_score, null);
  assert.deepEqual(report.trend_by_tier.filter((r) => r.week === "2026-W46").map((r) => r.tier), ["VIP", "advanced", "standard"]);
  assert.deepEqual(report.trend_by_tier.filter((r) => r.week === "2026-W45").map((r) => [r.tier, r.frt_p50_minutes]), [["VIP", 15]]);
  assert.deepEqual(
    report.trend_by_category.filter((r) => r.week === "2026-W46").map((r) => [r.category, r.tickets_created]),
    [["api_auth", 2], ["balance_allowance", 2], ["order_validation", 2], ["uncategorised", 1]]
  );
});

test("SLA under the policy, next to Intercom's status", () => {
  const sla = report.sla_policy;
  assert.equal(sla.as_of, "2026-11-22T12:00:00Z");
  // hit 1001, 1004, 1006, 1007; missed 1002 (FRT 50 > 30), 1003 (never replied); active 1005 (snooze-paused)
  assert.deepEqual(sla.overall, {hit: 4, missed: 2, active: 1, no_target: 0, attainment: 0.6667});
  assert.deepEqual(sla.by_tier.map((t) => [t.tier, t.hit, t.missed, t.active, t.attainment]), [
    ["VIP", 1, 1, 0, 0.5],
    ["advanced", 1, 1, 0, 0.5],
    ["standard", 2, 0, 1, 1]
  ]);
  assert.deepEqual(sla.by_target.map((t) => [t.target, t.hit, t.missed, t.active]), [
    ["first_response", 5, 2, 0],
    ["resolution", 4, 2, 1]
  ]);
  // 1003: created on the 11-11 holiday (09:00 EST); the office clock starts Thu 09:00 EST = 15:00Z + 60 min
  const t3 = sla.misses.find((m) => m.ticket_id === "1003");
  assert.ok(t3);
  assert.deepEqual(t3.missed.map((r) => [r.target, r.target_minutes, r.elapsed_minutes, r.due_at]), [
    ["first_response", 60, 3360, "2026-11-12T15:00:00Z"], // Thu, Fri, Mon-Fri: 7 x 480 by as_of
    ["resolution", 1440, 3360, "2026-11-16T22:00:00Z"] // three office days: Thu, Fri, Mon 17:00 EST
  ]);
  assert.equal(t3.clock, "office hours (America/New_York)");
  assert.equal(t3.intercom_sla_status, "active");
  assert.equal(t3.agent, "Kenji Mori");
  assert.deepEqual(sla.misses.map((m) => m.ticket_id), ["1002", "1003"]);
  // both decided: 1001 hit/hit, 1002 missed/missed, 1006 hit/hit, 1007 Intercom missed vs workbench hit
  // (Saturday: no office minutes); Intercom undecided where the workbench decided: 1003, 1004
  assert.deepEqual(sla.agreement, {both_decided: 4, agree: 3, disagree: 1, intercom_undecided: 2, workbench_undecided: 0});
  assert.deepEqual(sla.disagreements.map((d) => [d.ticket_id, d.intercom, d.workbench]), [["1007", "missed", "hit"]]);
  assert.deepEqual(sla.trend.slice(-2).map((w) => [w.week, w.attainment]), [["2026-W45", 1], ["2026-W46", 0.6667]]);
});

test("low CSAT remarks have emails and addresses masked", () => {
  assert.deepEqual(report.csat_low_scores, [
    {ticket_id: "1002", tier: "VIP", category: "api_auth", rating: 2, remark: "Took two days. Reach me at [email] or [address]", agent: "Dana Whitfield"},
    {ticket_id: "1006", tier: "standard", category: "order_validation", rating: 3, remark: "ok", agent: "Kenji Mori"}
  ]);
  assert.doesNotMatch(JSON.stringify(report), /@example\.com|0x[0-9a-f]{40}/i, "no emails or wallets anywhere in the report");
});

test("escalations by category and age (calendar hours to the last close, or to as_of while open)", async () => {
  // the hand-over after 1003's "Escalating to engineering" note names team 7001
  assert.deepEqual(await warehouse.all("SELECT team FROM health_escalation_teams"), [{team: "7001"}]);
  assert.equal(report.escalations.total, 3);
  assert.equal(report.escalations.open, 1);
  assert.deepEqual(report.escalations.items.map((e) => [e.ticket_id, e.resolved, e.age_hours, e.age_bucket]), [
    ["1003", false, 262, "> 7 days"], // 11-11 14:00 -> as_of 11-22 12:00
    ["1002", true, 49, "1-3 days"], // 11-10 08:00 -> last close 11-12 09:00
    ["1006", true, 34.02, "1-3 days"] // 11-15 23:59 -> last close 11-17 10:00
  ]);
  assert.deepEqual(report.escalations.by_age.map((b) => [b.age_bucket, b.escalations, b.open]), [
    ["< 1 day", 0, 0],
    ["1-3 days", 2, 0],
    ["3-7 days", 0, 0],
    ["> 7 days", 1, 1]
  ]);
  assert.deepEqual(report.escalations.by_category.map((c) => c.category), ["api_auth", "balance_allowance", "order_validation"]);
});

test("agents: assigned, replied, closed, median FRT, CSAT per current assignee", () => {
  assert.deepEqual(report.agents, [
    // 1003, 1005, 1006, 1007: replied 3 (FRT 90, 30, 10 -> 30), closed 1006, 1007, rated 3 -> 0 of 1
    {assignee: "102", agent_name: "Kenji Mori", assigned: 4, replied: 3, closed: 2, frt_p50_minutes: 30, csat_rated: 1, csat_score: 0},
    // 1001, 1002, 1004: FRT 20, 50, 5 -> 20; rated 5, 2, 4 -> 2 of 3
    {assignee: "101", agent_name: "Dana Whitfield", assigned: 3, replied: 3, closed: 3, frt_p50_minutes: 20, csat_rated: 3, csat_score: 0.6667}
  ]);
});

test("arrivals by UTC weekday and hour; hourly backlog with reopens and snoozes", () => {
  assert.deepEqual(report.arrivals.map((a) => [a.weekday, a.hour, a.tickets]), [
    [1, 10, 1], [2, 8, 1], [3, 14, 1], [4, 9, 1], [5, 16, 1], [6, 12, 1], [7, 23, 1]
  ]);
  assert.equal(report.backlog.length, 168);
  const at = (iso: string) => report.backlog.find((b) => b.at === iso)?.open_conversations;
  assert.equal(at("2026-11-10T09:00:00Z"), 1); // 1002 open
  assert.equal(at("2026-11-10T21:00:00Z"), 0); // 1002 closed at 20:00
  assert.equal(at("2026-11-11T12:00:00Z"), 1); // 1002 reopened at 10:00
  assert.equal(at("2026-11-11T15:00:00Z"), 2); // just before 15:00: 1002 (closes 15:00) and 1003 (created 14:00)
  assert.equal(at("2026-11-11T16:00:00Z"), 1); // 1003
  assert.equal(at("2026-11-16T00:00:00Z"), 3); // end of week: 1003 open, 1005 snoozed, 1006 created 23:59
});
