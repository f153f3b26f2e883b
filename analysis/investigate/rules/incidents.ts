/**
 * Platform incidents the person was caught in, as the incidents views (views/060_incidents.sql)
 * detect them: the person is told it was the platform, not them. Only incident kinds that have a
 * playbook become diagnoses.
 */
import {ref, type Rule} from "./scope.ts";

export const INCIDENT_VIEWS = ["incident_windows", "incident_affected_users", "incident_kind_categories"];

export const incidentRule: Rule = {
  codes: ["matching_engine_restart", "order_outage", "ws_silent_feed"],
  ctes: "",
  select: `
SELECT u.person_id, w.kind AS code, 0.7 AS base, w.start AS first_at, w."end" AS last_at, [c.category]::VARCHAR[] AS categories,
       [${ref("incidents", {id: "w.id"}, "w.kind || ' from ' || strftime(w.start, '%Y-%m-%dT%H:%M:%SZ') || ' to ' || strftime(w.\"end\", '%Y-%m-%dT%H:%M:%SZ')")},
        ${ref("incident_affected_users", {incident_id: "u.incident_id", person_id: "u.person_id"}, "u.failed_requests || ' failed requests; via ' || array_to_string(u.via, ', ')")}] AS evidence
  FROM incident_affected_users u
  JOIN incident_windows w ON w.id = u.incident_id
  JOIN incident_kind_categories c ON c.kind = w.kind
 WHERE w.kind IN ('matching_engine_restart', 'order_outage', 'ws_silent_feed')
   AND u.person_id IN (SELECT person_id FROM scope)`
};
