/** `workbench report feedback`: the leadership product-feedback report for a period (analysis/feedback/). */
import {DEFAULT_FEEDBACK_CONFIG, loadFeedbackConfig} from "../../../analysis/feedback/config.ts";
import {buildFeedbackReport, parsePeriod, type FeedbackReport} from "../../../analysis/feedback/report.ts";
import {parseOptions} from "../../command.ts";
import {parseFormat} from "../../output.ts";
import {pct, render, signed, withWarehouse, type Report, type Section} from "./common.ts";

const FEEDBACK_USAGE = "workbench report feedback --from YYYY-MM-DD --to YYYY-MM-DD [--config FILE] [--format json|md|table]   (--to exclusive, UTC)";

const change = (value: number) => signed(value, (v) => v.toFixed(1));

function feedbackSections(r: FeedbackReport): Section[] {
  const painRow = (label: string) => (p: FeedbackReport["pain_points"]["categories"][number]) => ({
    [label]: p.key,
    ...(label === "signature" ? {category: p.category} : {}),
    tickets: p.tickets,
    users: p.users,
    weighted: p.weighted.toFixed(1),
    "previous weighted": p.previous_weighted.toFixed(1),
    change: change(p.change)
  });
  return [
    {
      title: "Pain points by category",
      note: `ranked by tickets x user weight (${r.weights.source}); change vs ${r.previous_period.from} to ${r.previous_period.to}`,
      rows: r.pain_points.categories.map(painRow("category"))
    },
    {title: "Pain points by error signature", note: "tickets linked to the signature (docs/escalations.md)", rows: r.pain_points.signatures.map(painRow("signature"))},
    {
      title: "Error-messaging candidates",
      note: `tickets per 1,000 occurrences; signatures seen at least ${r.error_messaging.min_occurrences} times in the period`,
      rows: r.error_messaging.candidates.map((c) => ({signature: c.signature, category: c.category, occurrences: c.occurrences, users: c.users, tickets: c.tickets, "per 1,000": c.tickets_per_1000.toFixed(2)}))
    },
    {
      title: "Self-serve deflection",
      note: `about ${r.deflection.total_tickets_saved} tickets a period like this one; each share is an assumption`,
      rows: r.deflection.estimates.map((d) => ({category: d.category, tool: d.tool, tickets: d.tickets, share: pct(d.share), saved: d.estimated_tickets_saved, assumption: d.assumption}))
    },
    {
      title: "Top incidents",
      note: r.incidents === null ? "no incidents view in this warehouse (incident detection has not run)" : undefined,
      rows: (r.incidents ?? []).map((i) => ({id: i.id, severity: i.severity ?? "–", start: i.start, end: i.end, routes: i.routes.join(", "), failed: i.failed_requests ?? "–", users: i.affected_users ?? "–", VIP: i.affected_vip_users ?? "–", tickets: i.tickets ?? "–"}))
    },
    {
      title: "CSAT drivers",
      note: `${r.csat.low_scores} of ${r.csat.rated} rated conversations scored 1-3`,
      rows: r.csat.drivers.map((d) => ({category: d.category, "rated 1-3": d.low_scores, rated: d.rated, "share low": pct(d.low_share), "of which SLA missed": d.sla_missed}))
    },
    {title: "What low scorers said", note: "masked remarks grouped by text", rows: r.csat.themes.map((t) => ({remark: t.remark, times: t.count, categories: t.categories.join(", ")}))},
    {
      title: "Low-score remarks",
      note: "emails and addresses masked",
      rows: r.csat.remarks.map((m) => ({ticket: m.ticket_id, rating: m.rating, tier: m.tier, category: m.category, remark: m.remark}))
    }
  ];
}

export const feedbackReport: Report = {
  name: "feedback",
  summary: "product feedback for leadership: weighted pain points, error messaging, deflection, incidents, CSAT drivers",
  usage: FEEDBACK_USAGE,
  async run(context) {
    const {values} = parseOptions(context.args, {from: {type: "string"}, to: {type: "string"}, config: {type: "string"}, format: {type: "string"}}, FEEDBACK_USAGE);
    const format = parseFormat(values.format);
    const {period, previous} = parsePeriod(values.from, values.to);
    const config = loadFeedbackConfig(values.config ?? DEFAULT_FEEDBACK_CONFIG);
    const report = await withWarehouse(context, (warehouse) => buildFeedbackReport(warehouse, period, previous, config));
    if (format === "json") {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    const t = report.totals;
    const intro = [
      `${period.from} to ${period.to} (UTC, end exclusive), against ${previous.from} to ${previous.to}.`,
      `${t.tickets} tickets from ${t.users} people (previous period ${t.previous_tickets}); weighted ${t.weighted.toFixed(1)} (previous ${t.previous_weighted.toFixed(1)}). People are pseudonymous ids; remarks are masked.`
    ];
    console.log(render(`Product feedback ${period.from} to ${period.to}`, intro, feedbackSections(report), format));
  }
};
