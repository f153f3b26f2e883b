// `workbench report health` and `workbench report sla` as a user runs them, on the fixture
// warehouse: the JSON checked field by field against the hand-computed numbers, md and table
// formats, and clear usage errors.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {Warehouse} from "../loaders/warehouse/connection.ts";

const POLICY = "test/fixtures/health/sla-policy.json";
let dir: string;
let db: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "health-cli-"));
  db = join(dir, "w.duckdb");
  const warehouse = await Warehouse.open(db);
  await warehouse.run(readFileSync("test/fixtures/health/warehouse.sql", "utf-8"));
  warehouse.close();
});

after(() => rmSync(dir, {recursive: true, force: true}));

function workbench(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/workbench.mjs", "--db", db, ...args], {encoding: "utf-8", env: {...process.env, WORKBENCH_DB: ""}});
  return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

test("report health --format json: the issue's fields, by tier, previous week", () => {
  const {code, stdout, stderr} = workbench("report", "health", "--week", "2026-W46", "--policy", POLICY, "--format", "json");
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout);
  assert.equal(report.week, "2026-W46");
  assert.equal(report.week_start, "2026-11-09T00:00:00Z");
  assert.equal(report.week_end, "2026-11-16T00:00:00Z");
  assert.equal(report.as_of, "2026-11-22T12:00:00Z");
  assert.equal(report.tickets_created, 7);
  assert.equal(report.tickets_closed, 5);
  assert.equal(report.frt_p50_minutes, 25);
  assert.equal(report.frt_p90_minutes, 70);
  assert.equal(report.ttc_p50_minutes, 180);
  assert.equal(report.ttc_p90_minutes, 1152);
  assert.equal(report.sla_hit_rate, 0.5);
  assert.equal(report.csat_score, 0.5);
  assert.equal(report.csat_response_rate, 0.8);
  assert.equal(report.reopen_rate, 0.4);
  assert.match(report.clocks.durations, /calendar minutes \(24\/7 clock\)/);
  const vip = report.by_tier[0];
  assert.equal(vip.tier, "VIP");
  assert.equal(vip.tickets_created, 2);
  assert.equal(vip.tickets_closed, 2);
  assert.equal(vip.frt_p50_minutes, 35);
  assert.equal(vip.frt_p90_minutes, 47);
  assert.equal(vip.ttc_p50_minutes, 420);
  assert.equal(vip.ttc_p90_minutes, 660);
  assert.equal(vip.sla_hit_rate, 0.5);
  assert.equal(vip.csat_score, 0.5);
  assert.equal(vip.csat_response_rate, 1);
  assert.equal(vip.reopen_rate, 0.5);
  assert.equal(vip.previous_week.tickets_created, 1);
  assert.deepEqual(report.by_tier.map((t: {tier: string}) => t.tier), ["VIP", "advanced", "standard"]);
  assert.equal(report.by_tier[1].sla_hit_rate, null, "no decided SLA is null, not 0");
  assert.equal(report.previous_week.week, "2026-W45");
  assert.equal(report.change.tickets_created, 6);
  assert.equal(report.trend.length, 8);
  assert.equal(report.sla_policy.overall.attainment, 0.6667);
  assert.deepEqual(report.sla_policy.disagreements.map((d: {ticket_id: string}) => d.ticket_id), ["1007"]);
  assert.doesNotMatch(stdout, /@example\.com|0x[0-9a-f]{40}/i, "no emails or wallets");
});

test("report health --format md and table read as a report", () => {
  const md = workbench("report", "health", "--week", "2026-W46", "--policy", POLICY, "--format", "md");
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /^# Program health 2026-W46$/m);
  assert.match(md.stdout, /Monday 2026-11-09 to Sunday 2026-11-15 \(ISO week in UTC/);
  assert.match(md.stdout, /^\| first response p50 \(calendar min\) \| 25\.0 \| 15\.0 \| \+10\.0 \|$/m);
  assert.match(md.stdout, /^\| SLA hit rate \(Intercom\) \| 50\.0% \| 100\.0% \| −50\.0 pts \|$/m);
  assert.match(md.stdout, /^## SLA misses$/m);
  assert.match(md.stdout, /^\| 1003 \| advanced \| balance_allowance \| advanced\/\* \| first_response \| 60 \| 3360\.0 \| office hours \(America\/New_York\) \|/m);
  const table = workbench("report", "health", "--week", "2026-W46", "--policy", POLICY);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^tier\s+created\s+closed\s+FRT p50 \(cal min\)/m);
});

test("report health on a week without tickets: zeros and nulls, not an error", () => {
  const {code, stdout, stderr} = workbench("report", "health", "--week", "2026-W30", "--policy", POLICY, "--format", "json");
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout);
  assert.equal(report.tickets_created, 0);
  assert.equal(report.frt_p50_minutes, null);
  assert.deepEqual(report.by_tier, []);
});

test("report sla: what-if attainment for an edited policy", () => {
  const {code, stdout, stderr} = workbench(
    "report", "sla", "--week", "2026-W46", "--weeks", "2", "--policy", POLICY,
    "--edit", "VIP.first_response_minutes=60", "--edit", "VIP.resolution_minutes=12h", "--format", "json"
  );
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout);
  assert.deepEqual(report.weeks.map((w: {week: string}) => w.week), ["2026-W45", "2026-W46"]);
  // 1002 (VIP): FRT 50 <= 60 and first close 720 <= 720 -> missed becomes hit: 4/6 -> 5/6
  const w46 = report.weeks[1];
  assert.equal(w46.current.attainment, 0.6667);
  assert.equal(w46.edited.attainment, 0.8333);
  assert.equal(w46.attainment_change, 0.1666);
  assert.deepEqual(report.changed, [{ticket_id: "1002", week: "2026-W46", tier: "VIP", current: "missed", edited: "hit"}]);
  const preset = workbench("report", "sla", "--week", "2026-W46", "--weeks", "2", "--policy", POLICY, "--preset", "VIP 60/720", "--format", "json");
  assert.deepEqual(JSON.parse(preset.stdout).total, report.total, "the preset is the same edit");
});

test("usage errors exit 2 with a message; a broken policy file exits 1 naming the field", () => {
  for (const args of [
    ["report"],
    ["report", "weekly"],
    ["report", "health"],
    ["report", "health", "--week", "2026-46"],
    ["report", "health", "--week", "2026-W46", "--format", "pdf"],
    ["report", "sla", "--policy", POLICY],
    ["report", "sla", "--preset", "nope", "--policy", POLICY]
  ]) {
    const {code, stderr} = workbench(...args);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, /^workbench: /);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  }
  const broken = join(dir, "broken.json");
  writeFileSync(broken, JSON.stringify({name: "b", pause_resolution_while_snoozed: true, clocks: {}, targets: [{tier: "VIP", first_response_minutes: 30, resolution_minutes: null, clock: "24/7"}]}));
  const {code, stderr} = workbench("report", "health", "--week", "2026-W46", "--policy", broken);
  assert.equal(code, 1);
  assert.match(stderr, /targets\[0\]\.clock "24\/7" is not one of the clocks/);
});
