/**
 * data/health.json: the health page's first download (shape: health-page.ts): the newest week's
 * report and everything else the page shows, under the SLA policy in config/sla-policy.json
 * ($WORKBENCH_SLA_POLICY to use another file). Earlier weeks: health-weeks.json.ts.
 */
import {DEFAULT_POLICY_FILE, loadPolicy} from "../../analysis/health/policy.ts";
import {buildHealthPageData, newestWeekOf} from "./health-page.ts";
import {extract, writeJson} from "./lib/warehouse-extract.ts";

await extract(async (warehouse) => {
  writeJson(newestWeekOf(await buildHealthPageData(warehouse, loadPolicy(process.env.WORKBENCH_SLA_POLICY || DEFAULT_POLICY_FILE))));
});
