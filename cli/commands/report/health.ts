/** `workbench report health`: the weekly program-health review (analysis/health/). */
import {UsageError} from "../../../loaders/errors.ts";
import {DEFAULT_POLICY_FILE, loadPolicy} from "../../../analysis/health/policy.ts";
import {buildHealthReport, type HealthReport, type Metrics} from "../../../analysis/health/report.ts";
import {parseOptions} from "../../command.ts";
import {parseFormat} from "../../output.ts";
import {minutes, pct, render, signed, withWarehouse, type Report, type Section} from "./common.ts";


const HEALTH_USAGE = "workbench report health --week 2026-W46 [--policy FILE] [--format json|md|table]";

const RATE_METRICS = new Set(["sla_hit_rate", "csat_score", "csat_response_rate", "reopen_rate"]);
const HEADLINE_LABELS: [keyof Metrics, string][] = [
  ["tickets_created", "tickets created"],
  ["tickets_closed", "tickets closed (at least once)"],
  ["frt_p50_minutes", "first response p50 (calendar min)"],
  ["frt_p90_minutes", "first response p90 (calendar min)"],
  ["ttc_p50_minutes", "time to close p50 (calendar min)"],
  ["ttc_p90_minutes", "time to close p90 (calendar min)"],
  ["sla_hit_rate", "SLA hit rate (Intercom)"],
  ["csat_score", "CSAT (share rated 4-5)"],
  ["csat_response_rate", "CSAT response rate (rated / closed)"],
  ["reopen_rate", "reopen rate (reopened / closed)"]
];

function cell(metric: keyof Metrics, value: number | null): string {
  if (RATE_METRICS.has(metric)) return pct(value);
  return metric.endsWith("_minutes") ? minutes(value) : String(value ?? "–");
}

function metricRow(label: Record<string, string>, m: Metrics): Record<string, unknown> {
  return {
    ...label,
    created: m.tickets_created,
    closed: m.tickets_closed,
    "FRT p50 (cal min)": minutes(m.frt_p50_minutes),
    "FRT p90 (cal min)": minutes(m.frt_p90_minutes),
    "TTC p50 (cal min)": minutes(m.ttc_p50_minutes),
    "TTC p90 (cal min)": minutes(m.ttc_p90_minutes),
    "SLA hit": pct(m.sla_hit_rate),
    CSAT: pct(m.csat_score),
    "CSAT resp.": pct(m.csat_response_rate),
    reopen: pct(m.reopen_rate),
    escalated: m.tickets_escalated
  };
}

function healthSections(r: HealthReport): Section[] {
  const sla = r.sla_policy;
  return [
    {
      title: "Headline",
      rows: HEADLINE_LABELS.map(([key, label]) => ({
        metric: label,
        [r.week]: cell(key, r[key]),
        [r.previous_week.week]: cell(key, r.previous_week[key]),
        change: RATE_METRICS.has(key)
          ? signed(r.change[key as keyof HealthReport["change"]], (v) => `${(v * 100).toFixed(1)} pts`)
          : signed(r.change[key as keyof HealthReport["change"]], (v) => (key.endsWith("_minutes") ? v.toFixed(1) : String(v)))
      }))
    },
    {
      title: "Intercom SLA status",
      note: "sla_hit_rate counts hit and missed only",
      rows: [{hit: r.sla_hit, missed: r.sla_missed, active: r.sla_active, cancelled: r.sla_cancelled, "none (removed)": r.sla_none}]
    },
    {title: "By tier", rows: r.by_tier.map((t) => metricRow({tier: t.tier}, t))},
    {title: "By category", rows: r.by_category.map((c) => metricRow({category: c.category}, c))},
    {
      title: `SLA under the policy "${sla.policy_name}"`,
      note: `${sla.policy}; open conversations judged at ${sla.as_of ?? "–"}; each target on its own clock`,
      rows: [
        {scope: "all", ...tallyCells(sla.overall)},
        ...sla.by_tier.map((t) => ({scope: `tier ${t.tier}`, ...tallyCells(t)})),
        ...sla.by_target.map((t) => ({scope: `target ${t.target}`, ...tallyCells(t)}))
      ]
    },
    {
      title: "SLA misses",
      note: "clock minutes from creation; due = when the target fell due (UTC)",
      rows: sla.misses.flatMap((m) =>
        m.missed.map((t) => ({
          ticket: m.ticket_id,
          tier: m.tier,
          category: m.category,
          rule: m.rule,
          target: t.target,
          "target min": t.target_minutes,
          "elapsed min": minutes(t.elapsed_minutes),
          clock: m.clock,
          due: t.due_at,
          intercom: m.intercom_sla_status,
          agent: m.agent
        }))
      )
    },
    {
      title: "Workbench vs Intercom SLA outcome",
      note: `${sla.agreement.agree} of ${sla.agreement.both_decided} decided by both agree; Intercom undecided where the workbench decided: ${sla.agreement.intercom_undecided}`,
      rows: sla.disagreements.map((d) => ({ticket: d.ticket_id, tier: d.tier, category: d.category, intercom: d.intercom, workbench: d.workbench, rule: d.rule, clock: d.clock}))
    },
    {
      title: "Low CSAT (rated 1-3)",
      note: "emails and addresses in remarks are masked",
      rows: r.csat_low_scores.map((s) => ({ticket: s.ticket_id, rating: s.rating, tier: s.tier, category: s.category, agent: s.agent, remark: s.remark}))
    },
    {
      title: "Escalations to engineering",
      note: `${r.escalations.total} created this week, ${r.escalations.open} still open; age in calendar hours`,
      rows: r.escalations.by_category.map((e) => ({category: e.category, escalations: e.escalations, open: e.open, "age p50 (h)": e.age_p50_hours}))
    },
    {
      title: "Agents",
      note: "conversations created this week, by current assignee",
      rows: r.agents.map((a) => ({
        agent: a.agent_name ?? a.assignee,
        assigned: a.assigned,
        replied: a.replied,
        closed: a.closed,
        "FRT p50 (cal min)": minutes(a.frt_p50_minutes),
        rated: a.csat_rated,
        CSAT: pct(a.csat_score)
      }))
    },
    {title: "8-week trend", rows: r.trend.map((w) => metricRow({week: w.week}, w))},
    {title: "8-week trend by tier: first response p50 (calendar min)", rows: pivot(r, r.trend_by_tier, "tier", (m) => minutes(m.frt_p50_minutes))},
    {title: "8-week trend by category: conversations created", rows: pivot(r, r.trend_by_category, "category", (m) => m.tickets_created)}
  ];
}

/** One row per segment, one column per trend week. */
function pivot<K extends "tier" | "category">(
  r: HealthReport,
  rows: ({week: string} & Record<K, string> & Metrics)[],
  key: K,
  value: (m: Metrics) => string | number
): Record<string, unknown>[] {
  const segments = [...new Set(rows.map((row) => row[key]))];
  return segments.map((segment) => ({
    [key]: segment,
    ...Object.fromEntries(r.trend.map((w) => {
      const row = rows.find((x) => x.week === w.week && x[key] === segment);
      return [w.week, row ? value(row) : "–"];
    }))
  }));
}

function tallyCells(t: {hit: number; missed: number; active: number; attainment: number | null}) {
  return {hit: t.hit, missed: t.missed, active: t.active, attainment: pct(t.attainment)};
}

/** The Sunday of a week whose exclusive end is `end`. */
const lastDay = (end: string) => new Date(Date.parse(end) - 86_400_000).toISOString().slice(0, 10);

export const healthReport: Report = {
  name: "health",
  summary: "weekly program health: volume, FRT, time to close, SLA, CSAT, reopens, escalations, agents",
  usage: HEALTH_USAGE,
  async run(context) {
    const {values} = parseOptions(context.args, {week: {type: "string"}, policy: {type: "string"}, format: {type: "string"}}, HEALTH_USAGE);
    const format = parseFormat(values.format);
    if (!values.week) throw new UsageError(`--week is required (an ISO week like 2026-W46)\n\nusage: ${HEALTH_USAGE}`);
    const policy = loadPolicy(values.policy ?? DEFAULT_POLICY_FILE);
    const report = await withWarehouse(context, (warehouse) => buildHealthReport(warehouse, values.week!, policy));
    if (format === "json") {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    const intro = [
      `${report.week}: Monday ${report.week_start.slice(0, 10)} to Sunday ${lastDay(report.week_end)} (ISO week in UTC; conversations by creation time).`,
      `Data as of ${report.as_of ?? "– (no tickets)"}. Durations are calendar minutes (24/7 clock) unless a clock is named.`
    ];
    console.log(render(`Program health ${report.week}`, intro, healthSections(report), format));
  }
};

