/**
 * The SQL every rule starts from: the people in scope (one person for `investigate`, everyone for
 * `diagnoseAll`), their REST requests with each error classified by playbook, and their tickets.
 * Materialised once per diagnosis query, so the recursive `identities` view is walked once.
 */
import {errorCodeSql} from "../playbooks.ts";

/** `$person` (one person id, or NULL for everyone) is the query's only parameter. */
export const SCOPE_CTES = `
scope AS MATERIALIZED (
  SELECT person_id, kind, value FROM identities WHERE $person::VARCHAR IS NULL OR person_id = $person::VARCHAR
),
person_addresses AS MATERIALIZED (SELECT person_id, value AS address FROM scope WHERE kind = 'address'),
reqs AS MATERIALIZED (
  SELECT a.person_id, r.request_id, r.ts, r.method, r.route, r.status, r.error_message, r.signature_type,
         r.user_agent, r.api_key_id, ${errorCodeSql("r.error_message")} AS error_code
    FROM api_requests r JOIN person_addresses a ON a.address = coalesce(r.maker, r.address)
),
tix AS MATERIALIZED (
  SELECT DISTINCT s.person_id, t.ticket_id, t.category, t.created_at, coalesce(t.first_message, '') AS message
    FROM tickets t JOIN scope s
      ON (s.kind = 'email' AND s.value = lower(t.user_email)) OR (s.kind = 'address' AND s.value = t.user_wallet)
)`;

/** An evidence reference as a JSON object: `ref('api_requests', {request_id: 'r.request_id'}, 'r.error_message')`. */
export function ref(table: string, key: Record<string, string>, note = "NULL"): string {
  const keys = Object.entries(key).map(([name, expression]) => `'${name}', ${expression}`).join(", ");
  return `json_object('table', '${table}', 'key', json_object(${keys}), 'note', ${note})`;
}

/**
 * Every rule's SELECT returns these columns; the diagnosis query adds ticket support to `base`:
 * person_id, code, base (confidence from the pattern alone, 0..1), first_at / last_at (when the
 * pattern shows: tickets near it support it), categories (ticket categories that support it),
 * evidence (JSON[] of refs).
 */
export interface Rule {
  /** Which codes this rule can produce (documentation and the coverage test). */
  codes: readonly string[];
  /** CTE definitions (`name AS (...)`, comma-separated) the select needs, or "". */
  ctes: string;
  select: string;
}
