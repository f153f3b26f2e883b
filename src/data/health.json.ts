/**
 * data/health.json: the weekly program-health reports for the health page (shape: health-page.ts),
 * under the SLA policy in config/sla-policy.json ($WORKBENCH_SLA_POLICY to use another file).
 */
import {DEFAULT_POLICY_FILE, loadPolicy} from "../../analysis/health/policy.ts";
import {buildHealthPageData} from "./health-page.ts";
import {extract, ExtractError, writeJson} from "./lib/warehouse-extract.ts";

await extract(async (warehouse) => {
  const views = await warehouse.all("SELECT 1 FROM duckdb_views() WHERE view_name = 'health_weekly'");
  if (views.length === 0) {
    throw new ExtractError(
      "the warehouse has no health views yet (it was last opened for writing by an older workbench). " +
        "Refresh them with `npx workbench status`, then build again."
    );
  }
  writeJson(await buildHealthPageData(warehouse, loadPolicy(process.env.WORKBENCH_SLA_POLICY || DEFAULT_POLICY_FILE)));
});
