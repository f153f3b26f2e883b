/**
 * data/health-weeks.json: every recent week's health report and durations (shape: health-page.ts),
 * fetched by the health page only when an earlier week than the newest is picked.
 */
import {DEFAULT_POLICY_FILE, loadPolicy} from "../../analysis/health/policy.ts";
import {buildWeeklyReports, everyWeekOf} from "./health-page.ts";
import {extract, writeJson} from "./lib/warehouse-extract.ts";

await extract(async (warehouse) => {
  writeJson(everyWeekOf(await buildWeeklyReports(warehouse, loadPolicy(process.env.WORKBENCH_SLA_POLICY || DEFAULT_POLICY_FILE))));
});
