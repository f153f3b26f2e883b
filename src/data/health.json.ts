/**
 * data/health.json: the weekly program-health reports for the health page (shape: health-page.ts),
 * under the SLA policy in config/sla-policy.json ($WORKBENCH_SLA_POLICY to use another file).
 */
import {DEFAULT_POLICY_FILE, loadPolicy} from "../../analysis/health/policy.ts";
import {buildHealthPageData} from "./health-page.ts";
import {extract, writeJson} from "./lib/warehouse-extract.ts";

await extract(async (warehouse) => {
  writeJson(await buildHealthPageData(warehouse, loadPolicy(process.env.WORKBENCH_SLA_POLICY || DEFAULT_POLICY_FILE)));
});
