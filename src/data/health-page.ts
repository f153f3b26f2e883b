/**
 * What the health page loads: the same report `workbench report health --week W --format json`
 * prints, for each recent week, plus per-conversation durations for the distributions and the
 * policy's what-if presets precomputed. The page opens on the newest week, so data/health.json
 * (health.json.ts) holds that week's report and the rest; data/health-weeks.json
 * (health-weeks.json.ts) holds every week's, fetched only when an earlier week is picked (on the
 * large demo all weeks together were 5 MB, over the 2 MB budget for a summary page).
 * Aggregates, ticket ids, tiers, categories and agent names only: no emails, wallets or messages.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {applyEdits, type CompiledPolicy} from "../../analysis/health/policy.ts";
import {assembleHealthReport, iso, loadHealthData, TREND_WEEKS, type HealthReport, type Metrics} from "../../analysis/health/report.ts";
import {slaWhatIf, type WhatIfReport} from "../../analysis/health/what-if.ts";
import {parseWeek, shiftWeek, weekOf} from "../../analysis/health/week.ts";

/** How many weeks (newest first) the page offers in its week picker. */
export const PAGE_WEEKS = 26;
/** Weeks the what-if presets look back over. */
export const WHAT_IF_WEEKS = 8;

export interface HealthPageData {
  generated_at: string;
  as_of: string | null;
  policy: {
    name: string;
    source: string;
    pause_resolution_while_snoozed: boolean;
    targets: {rule: string; first_response_minutes: number | null; resolution_minutes: number | null; clock: string}[];
  };
  /** true when the warehouse has no conversations (the page then shows an empty current week) */
  empty: boolean;
  /** ISO week labels with conversations, newest first */
  weeks: string[];
  /** each week's report as the CLI prints it, minus the per-segment trends (in `segments`) */
  reports: Record<string, Omit<HealthReport, "trend_by_tier" | "trend_by_category">>;
  /** health_weekly rows by tier and by category for every week the reports' trends cover */
  segments: ({week: string; dimension: "tier" | "category"; segment: string} & Metrics)[];
  /** per conversation of each week: tier and calendar minutes to first reply / first close */
  durations: Record<string, {tier: string; frt: number | null; ttc: number | null}[]>;
  what_if: ({name: string; edits: string[]} & Pick<WhatIfReport, "weeks" | "by_tier" | "total" | "changed_conversations">)[];
}

/** The part of the page data made of weekly reports: what both health files need. */
export type WeeklyReports = Pick<HealthPageData, "as_of" | "empty" | "weeks" | "reports" | "segments" | "durations">;

/** Every recent week's report, the per-segment trends and the per-conversation durations. */
export async function buildWeeklyReports(warehouse: Warehouse, policy: CompiledPolicy): Promise<WeeklyReports> {
  const withTickets = (
    await warehouse.all<{week: string}>(`SELECT DISTINCT week FROM health_tickets ORDER BY week DESC LIMIT ${PAGE_WEEKS}`)
  ).map((row) => row.week);
  const weeks = withTickets.length ? withTickets : [weekOf(new Date()).label];
  // one read of the views for every week shown and the 7 weeks of trend before the oldest
  const newest = parseWeek(weeks[0]);
  const data = await loadHealthData(warehouse, shiftWeek(parseWeek(weeks[weeks.length - 1]), 1 - TREND_WEEKS), newest, policy);
  const reports: HealthPageData["reports"] = {};
  for (const week of weeks) {
    // the per-segment trends repeat the same rows in every week's report: ship them once
    const {trend_by_tier: _tiers, trend_by_category: _categories, ...report} = assembleHealthReport(data, parseWeek(week), policy);
    reports[week] = report;
  }
  const segments = data.weekly.filter((row): row is HealthPageData["segments"][number] => row.dimension !== "all");

  const durations: HealthPageData["durations"] = Object.fromEntries(weeks.map((week) => [week, []]));
  const rows = await warehouse.all<{week: string; tier: string; frt: number | null; ttc: number | null}>(
    `SELECT week, tier, round(frt_minutes, 2) AS frt, round(ttc_minutes, 2) AS ttc
     FROM health_tickets WHERE week BETWEEN $first AND $last ORDER BY created_at, ticket_id`,
    {first: weeks[weeks.length - 1], last: weeks[0]}
  );
  for (const {week, ...row} of rows) durations[week].push(row);
  return {as_of: iso(data.at), empty: withTickets.length === 0, weeks, reports, segments, durations};
}

export async function buildHealthPageData(warehouse: Warehouse, policy: CompiledPolicy): Promise<HealthPageData> {
  const weekly = await buildWeeklyReports(warehouse, policy);
  const what_if: HealthPageData["what_if"] = [];
  for (const preset of weekly.empty ? [] : (policy.spec.what_if ?? [])) {
    const report = await slaWhatIf(warehouse, policy, applyEdits(policy, preset.edits), {weeks: WHAT_IF_WEEKS, lastWeek: weekly.weeks[0]});
    what_if.push({
      name: preset.name,
      edits: preset.edits,
      weeks: report.weeks,
      by_tier: report.by_tier,
      total: report.total,
      changed_conversations: report.changed_conversations
    });
  }

  return {
    generated_at: iso(new Date())!,
    policy: {
      name: policy.spec.name,
      source: policy.source,
      pause_resolution_while_snoozed: policy.spec.pause_resolution_while_snoozed,
      targets: policy.spec.targets.map((t) => ({
        rule: `${t.tier}/${t.priority ?? "*"}`,
        first_response_minutes: t.first_response_minutes,
        resolution_minutes: t.resolution_minutes,
        clock: policy.clockLabel(t.clock)
      }))
    },
    ...weekly,
    what_if
  };
}

/** data/health.json: the newest week's report and durations only, and every week's dates for the picker. */
export function newestWeekOf(data: HealthPageData): HealthPageData & {week_dates: Record<string, {week: string; week_start: string; week_end: string}>} {
  const newest = data.weeks[0];
  return {
    ...data,
    reports: {[newest]: data.reports[newest]},
    durations: {[newest]: data.durations[newest] ?? []},
    week_dates: Object.fromEntries(data.weeks.map((week) => [week, {week, week_start: data.reports[week].week_start, week_end: data.reports[week].week_end}]))
  };
}

/** data/health-weeks.json: every week's report and durations (no what-if: the page has it from health.json). */
export function everyWeekOf(data: WeeklyReports): Pick<HealthPageData, "reports" | "durations"> {
  return {reports: data.reports, durations: data.durations};
}
