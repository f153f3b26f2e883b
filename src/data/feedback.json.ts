/**
 * data/feedback.json: the product-feedback report (analysis/feedback/report.ts) for the periods the
 * page offers: each ISO week with tickets (newest first), the last 28 days, and the whole range.
 * Each report is exactly what `workbench report feedback --from F --to T --format json` prints.
 */
import {loadFeedbackConfig} from "../../analysis/feedback/config.ts";
import {assembleFeedbackReport, loadFeedbackData, parsePeriod, type FeedbackReport} from "../../analysis/feedback/report.ts";
import {extract, writeJson} from "./lib/warehouse-extract.ts";

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

await extract(async (warehouse) => {
  const config = loadFeedbackConfig();
  const weeks = await warehouse.json(
    "SELECT week, strftime(min(date_trunc('week', created_at AT TIME ZONE 'UTC')), '%Y-%m-%d') AS monday FROM health_tickets GROUP BY week ORDER BY week DESC"
  );
  const periods: {id: string; label: string; from: string; to: string}[] = weeks.map((w) => {
    const monday = Date.parse(`${w.monday}T00:00:00Z`);
    return {id: String(w.week), label: `Week ${w.week}`, from: day(monday), to: day(monday + 7 * DAY_MS)};
  });
  if (periods.length === 0) {
    // No tickets yet: one (empty) report for the current week, so the page shows its empty states.
    const now = Date.now();
    const monday = now - (now % DAY_MS) - ((new Date(now).getUTCDay() + 6) % 7) * DAY_MS;
    periods.push({id: "this-week", label: "This week (no tickets yet)", from: day(monday), to: day(monday + 7 * DAY_MS)});
  } else {
    const end = periods[0].to;
    periods.push({id: "last-28-days", label: "Last 28 days", from: day(Date.parse(`${end}T00:00:00Z`) - 28 * DAY_MS), to: end});
    periods.push({id: "all", label: "All weeks", from: periods[weeks.length - 1].from, to: end});
  }
  const parsed = periods.map((p) => ({id: p.id, ...parsePeriod(p.from, p.to)}));
  const reports: Record<string, FeedbackReport> = {};
  // one read for every period and the period before each
  const data = await loadFeedbackData(warehouse, {from: parsed.map((p) => p.previous.from).sort()[0], to: periods[0].to});
  for (const p of parsed) reports[p.id] = assembleFeedbackReport(data, p.period, p.previous, config);
  writeJson({periods, reports});
});
