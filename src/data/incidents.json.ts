/**
 * data/incidents.json: every detected incident with its impact, statement, draft customer update,
 * linked tickets, affected people by tier and the per-minute series around its window, for the
 * incident pages (src/incidents/). Figures come from analysis/incidents/, as the CLI report's do.
 * People appear only as pseudonymous person ids; ticket titles (free text) are left out.
 */
import {incidentDetail, listIncidents, type IncidentDetail} from "../../analysis/incidents/incidents.ts";
import {extract, writeJson} from "./lib/warehouse-extract.ts";

export interface IncidentsPageData {
  generated_at: string;
  /** The traffic the detection read: first and last REST request or WebSocket event (null when none). */
  traffic_from: string | null;
  traffic_to: string | null;
  incidents: IncidentDetail[];
}

await extract(async (warehouse) => {
  const [span] = await warehouse.json<{traffic_from: string | null; traffic_to: string | null}>(
    `SELECT strftime(min(ts), '%Y-%m-%dT%H:%M:%S.%gZ') AS traffic_from, strftime(max(ts), '%Y-%m-%dT%H:%M:%S.%gZ') AS traffic_to
     FROM (SELECT ts FROM api_requests UNION ALL SELECT ts FROM ws_events)`
  );
  const incidents: IncidentDetail[] = [];
  for (const incident of await listIncidents(warehouse)) incidents.push(await incidentDetail(warehouse, incident));
  const data: IncidentsPageData = {generated_at: new Date().toISOString(), ...span, incidents};
  writeJson(data);
});
