/**
 * Platform incidents the person was caught in, as the incidents views (views/060_incidents.sql)
 * detect them: the person is told it was the platform, not them. Only incident kinds that have a
 * playbook become diagnoses. Detecting incidents scans all traffic (seconds on the demo), so the
 * affected people are copied into a temporary table once per connection and data version (the
 * latest ingest run) instead of once per investigation.
 */
import type {Warehouse} from "../../../loaders/warehouse/connection.ts";
import {ref, type Rule} from "./scope.ts";

export const INCIDENT_VIEWS = ["incident_windows", "incident_affected_users", "incident_kind_categories"];
const INCIDENT_PEOPLE = "investigate_incident_people";
const prepared = new WeakMap<Warehouse, string>();

export async function prepareIncidentPeople(warehouse: Warehouse): Promise<void> {
  const version = String((await warehouse.all<{v: string}>("SELECT coalesce(max(run_id), 0) || ':' || count(*) AS v FROM ingest_runs"))[0].v);
  if (prepared.get(warehouse) === version) return;
  await warehouse.run(`CREATE OR REPLACE TEMP TABLE ${INCIDENT_PEOPLE} AS
    SELECT u.person_id, u.incident_id, u.via, u.failed_requests, w.kind, w.start, w."end", c.category
      FROM incident_affected_users u
      JOIN incident_windows w ON w.id = u.incident_id
      JOIN incident_kind_categories c ON c.kind = w.kind
     WHERE w.kind IN ('matching_engine_restart', 'order_outage', 'ws_silent_feed')`);
  prepared.set(warehouse, version);
}

export const incidentRule: Rule = {
  codes: ["matching_engine_restart", "order_outage", "ws_silent_feed"],
  ctes: "",
  select: `
SELECT u.person_id, u.kind AS code, 0.7 AS base, u.start AS first_at, u."end" AS last_at, [u.category]::VARCHAR[] AS categories,
       [${ref("incidents", {id: "u.incident_id"}, "u.kind || ' from ' || strftime(u.start, '%Y-%m-%dT%H:%M:%SZ') || ' to ' || strftime(u.\"end\", '%Y-%m-%dT%H:%M:%SZ')")},
        ${ref("incident_affected_users", {incident_id: "u.incident_id", person_id: "u.person_id"}, "u.failed_requests || ' failed requests; via ' || array_to_string(u.via, ', ')")}] AS evidence
  FROM ${INCIDENT_PEOPLE} u
 WHERE u.person_id IN (SELECT person_id FROM scope)`
};
