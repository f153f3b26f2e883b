// SLA policy as code: office-hours clocks (time zone, DST, holidays, pauses), policy loading and
// edits, and the per-conversation outcome. Every expectation is worked out by hand in the comments.
import assert from "node:assert/strict";
import {test} from "node:test";
import {makeClock} from "../analysis/health/clock.ts";
import {applyEdits, loadPolicy, PolicyError, validatePolicy} from "../analysis/health/policy.ts";
import {evaluateSla, tally, type SlaInput} from "../analysis/health/sla.ts";
import {parseWeek, shiftWeek, weekOf, weeksEnding} from "../analysis/health/week.ts";

const t = (iso: string) => Date.parse(iso);
const NY_9_TO_5 = {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]};
const office = makeClock({clock: "office_hours", timezone: "America/New_York", weekly: NY_9_TO_5, holidays: ["2026-11-11", "12-25"]});
const always = makeClock({clock: "24/7"});

test("ISO weeks in UTC: labels, boundaries, year edges", () => {
  const w46 = parseWeek("2026-W46");
  assert.equal(w46.start.toISOString(), "2026-11-09T00:00:00.000Z");
  assert.equal(w46.end.toISOString(), "2026-11-16T00:00:00.000Z");
  assert.equal(weekOf(new Date("2026-11-15T23:59:59Z")).label, "2026-W46"); // Sunday night
  assert.equal(weekOf(new Date("2026-11-16T00:00:00Z")).label, "2026-W47"); // Monday 00:00
  assert.equal(weekOf(new Date("2021-01-03T12:00:00Z")).label, "2020-W53"); // ISO year differs from calendar year
  assert.equal(weekOf(new Date("2026-12-31T12:00:00Z")).label, "2026-W53");
  assert.equal(shiftWeek(parseWeek("2027-W01"), -1).label, "2026-W53");
  assert.deepEqual(weeksEnding(w46, 3).map((w) => w.label), ["2026-W44", "2026-W45", "2026-W46"]);
  assert.throws(() => parseWeek("2026-46"), /ISO week like 2026-W46/);
  assert.throws(() => parseWeek("2025-W53"), /ISO week/); // 2025 has 52 weeks
});

test("24/7 clock counts every minute, minus pauses", () => {
  assert.equal(always.label, "24/7");
  assert.equal(always.elapsedMinutes(t("2026-11-14T12:00:00Z"), t("2026-11-14T13:30:00Z")), 90);
  assert.equal(always.elapsedMinutes(t("2026-11-14T13:00:00Z"), t("2026-11-14T12:00:00Z")), 0);
  const pause = [{start: t("2026-11-14T12:30:00Z"), end: t("2026-11-14T13:00:00Z")}];
  assert.equal(always.elapsedMinutes(t("2026-11-14T12:00:00Z"), t("2026-11-14T13:30:00Z"), pause), 60);
  assert.equal(always.deadline(t("2026-11-14T12:00:00Z"), 60, pause), t("2026-11-14T13:30:00Z"));
});

test("office hours follow the office's time zone across the DST change", () => {
  assert.equal(office.label, "office hours (America/New_York)");
  // Fri 2026-10-30 16:00 EDT (20:00Z) -> Mon 2026-11-02 10:00 EST (15:00Z): 60 + 60 minutes
  assert.equal(office.elapsedMinutes(t("2026-10-30T20:00:00Z"), t("2026-11-02T15:00:00Z")), 120);
  // Fri 16:30 EDT + 60 office minutes = Mon 09:30 EST = 14:30Z
  assert.equal(office.deadline(t("2026-10-30T20:30:00Z"), 60), t("2026-11-02T14:30:00Z"));
  // a Saturday counts nothing
  assert.equal(office.elapsedMinutes(t("2026-11-14T12:00:00Z"), t("2026-11-14T13:00:00Z")), 0);
  // a positive-offset zone: Tokyo 09:00-18:00 is 00:00Z-09:00Z
  const tokyo = makeClock({clock: "office_hours", timezone: "Asia/Tokyo", weekly: {mon: ["09:00-18:00"]}});
  assert.equal(tokyo.elapsedMinutes(t("2026-11-15T20:00:00Z"), t("2026-11-16T12:00:00Z")), 540);
});

test("holidays close the whole local day, dated or every year", () => {
  // Tue 11-10 16:00 EST (21:00Z) -> Thu 11-12 10:00 EST (15:00Z), Wed 11-11 a holiday: 60 + 60
  assert.equal(office.elapsedMinutes(t("2026-11-10T21:00:00Z"), t("2026-11-12T15:00:00Z")), 120);
  // Thu 12-24 17:00 EST -> Mon 12-28 09:00 EST with "12-25" (a Friday) closed: nothing
  assert.equal(office.elapsedMinutes(t("2026-12-24T22:00:00Z"), t("2026-12-28T14:00:00Z")), 0);
  const noHoliday = makeClock({clock: "office_hours", timezone: "America/New_York", weekly: NY_9_TO_5});
  assert.equal(noHoliday.elapsedMinutes(t("2026-12-24T22:00:00Z"), t("2026-12-28T14:00:00Z")), 480);
});

test("pauses come out of office time too; an open-ended pause stops the clock", () => {
  // Mon 11-16 09:00-12:00 EST (14:00Z-17:00Z) with 10:00-11:00 paused: 120
  const pause = [{start: t("2026-11-16T15:00:00Z"), end: t("2026-11-16T16:00:00Z")}];
  assert.equal(office.elapsedMinutes(t("2026-11-16T14:00:00Z"), t("2026-11-16T17:00:00Z"), pause), 120);
  assert.equal(office.deadline(t("2026-11-16T14:00:00Z"), 120, pause), t("2026-11-16T17:00:00Z"));
  assert.equal(office.deadline(t("2026-11-16T14:00:00Z"), 120, [{start: t("2026-11-16T14:30:00Z"), end: Infinity}]), null);
});

test("bad clocks and policies are refused with the field named", () => {
  const base = {name: "p", pause_resolution_while_snoozed: false, clocks: {"24/7": {clock: "24/7"}}, targets: [{tier: "*", first_response_minutes: 30, resolution_minutes: null, clock: "24/7"}]};
  assert.ok(validatePolicy(base, "inline"));
  const broken = (patch: object) => () => validatePolicy({...base, ...patch}, "inline");
  assert.throws(broken({clocks: {o: {clock: "office_hours", timezone: "Mars/Olympus", weekly: NY_9_TO_5}}}), /clock "o": unknown time zone "Mars\/Olympus"/);
  assert.throws(broken({clocks: {o: {clock: "office_hours", timezone: "UTC", weekly: {mon: ["9-5"]}}}}), /"09:00-17:00"/);
  assert.throws(broken({clocks: {o: {clock: "office_hours", timezone: "UTC", weekly: {}}}}), /no opening hours/);
  assert.throws(broken({targets: [{tier: "VIP", first_response_minutes: -1, resolution_minutes: null, clock: "24/7"}]}), /targets\[0\]\.first_response_minutes/);
  assert.throws(broken({targets: [{tier: "VIP", first_response_minutes: 1, resolution_minutes: 1, clock: "office"}]}), /targets\[0\]\.clock "office" is not one of the clocks \(24\/7\)/);
  assert.throws(broken({pause_resolution_while_snoozed: "yes"}), PolicyError);
});

test("the shipped policy (config/sla-policy.json) is valid and its what-if presets apply", () => {
  const policy = loadPolicy();
  assert.equal(policy.targetFor("VIP", "not_priority")?.minutes.first_response, 30);
  assert.equal(policy.targetFor("VIP", "priority")?.clockName, "24/7");
  assert.equal(policy.targetFor("advanced", "priority")?.rule, "advanced/priority");
  assert.equal(policy.targetFor("advanced", "not_priority")?.rule, "advanced/*");
  assert.equal(policy.targetFor("unknown", null), null);
  for (const preset of policy.spec.what_if ?? []) assert.ok(applyEdits(policy, preset.edits), preset.name);
});

test("edits: tier, tier/priority, units, clock; mistakes are named", () => {
  const policy = loadPolicy("test/fixtures/health/sla-policy.json");
  const edited = applyEdits(policy, ["VIP.first_response_minutes=1h", "standard.clock=24/7", "advanced.resolution_minutes=none", "pause_resolution_while_snoozed=false"]);
  assert.equal(edited.targetFor("VIP", null)?.minutes.first_response, 60);
  assert.equal(edited.targetFor("standard", null)?.clock.label, "24/7");
  assert.equal(edited.targetFor("advanced", null)?.minutes.resolution, null);
  assert.equal(edited.spec.pause_resolution_while_snoozed, false);
  assert.equal(policy.targetFor("VIP", null)?.minutes.first_response, 30, "the original is untouched");
  assert.throws(() => applyEdits(policy, ["VIP.first_response=15"]), /field must be one of/);
  assert.throws(() => applyEdits(policy, ["gold.first_response_minutes=15"]), /no target row for tier "gold"/);
  assert.throws(() => applyEdits(policy, ["VIP/priority.first_response_minutes=15"]), /priority "priority"/);
  assert.throws(() => applyEdits(policy, ["VIP.clock=weekdays"]), /clock "weekdays" is not one of the clocks/);
  assert.throws(() => applyEdits(policy, ["VIP.first_response_minutes=soon"]), /30m, 2h, 1d or none/);
});

test("outcome per conversation: done vs running, boundary, snooze pause, no target", () => {
  const policy = loadPolicy("test/fixtures/health/sla-policy.json");
  const asOf = new Date("2026-11-22T12:00:00Z");
  const input = (patch: Partial<SlaInput>): SlaInput => ({
    ticket_id: "x",
    tier: "VIP",
    priority: null,
    created_at: new Date("2026-11-10T08:00:00Z"),
    first_admin_reply_at: null,
    first_closed_at: null,
    snoozes: [],
    ...patch
  });
  // exactly at the target is a hit
  const boundary = evaluateSla(input({first_admin_reply_at: new Date("2026-11-10T08:30:00Z"), first_closed_at: new Date("2026-11-10T16:00:00Z")}), policy, asOf);
  assert.equal(boundary.outcome, "hit");
  assert.deepEqual(boundary.targets.map((r) => [r.target, r.elapsed_minutes, r.outcome, r.due_at]), [
    ["first_response", 30, "hit", "2026-11-10T08:30:00Z"],
    ["resolution", 480, "hit", "2026-11-10T16:00:00Z"]
  ]);
  // not replied, clock still inside the target at as_of: active; past it: missed
  const running = evaluateSla(input({created_at: new Date("2026-11-22T11:45:00Z")}), policy, asOf);
  assert.deepEqual([running.outcome, running.targets[0].elapsed_minutes, running.targets[0].outcome], ["active", 15, "active"]);
  assert.equal(evaluateSla(input({}), policy, asOf).outcome, "missed");
  // snoozed (fixture T5): Fri 11-13 11:00 EST created, replied 12:30 EST (90 office min: hit);
  // resolution clock runs Fri 11:00-12:31 and Mon 10:00-10:30 EST only = 121 min: active
  const snoozed = input({
    tier: "standard",
    created_at: new Date("2026-11-13T16:00:00Z"),
    first_admin_reply_at: new Date("2026-11-13T17:30:00Z"),
    snoozes: [
      {start: new Date("2026-11-13T17:31:00Z"), end: new Date("2026-11-16T15:00:00Z")},
      {start: new Date("2026-11-16T15:30:00Z"), end: null}
    ]
  });
  const paused = evaluateSla(snoozed, policy, asOf);
  assert.deepEqual(paused.targets.map((r) => [r.target, r.elapsed_minutes, r.outcome]), [
    ["first_response", 90, "hit"],
    ["resolution", 121, "active"]
  ]);
  assert.equal(paused.outcome, "active");
  // without the pause the resolution clock runs Fri 360 + Mon-Fri 5 x 480 = 2760 > 1440: missed
  const unpaused = evaluateSla(snoozed, applyEdits(policy, ["pause_resolution_while_snoozed=false"]), asOf);
  assert.deepEqual([unpaused.outcome, unpaused.targets[1].elapsed_minutes], ["missed", 2760]);
  assert.deepEqual(evaluateSla(input({tier: "gold"}), policy, asOf), {ticket_id: "x", outcome: "no_target", rule: null, clock: null, targets: []});
  assert.deepEqual(tally(["hit", "hit", "missed", "active", "no_target"]), {hit: 2, missed: 1, active: 1, no_target: 1, attainment: 0.6667});
  assert.equal(tally(["active"]).attainment, null);
});
