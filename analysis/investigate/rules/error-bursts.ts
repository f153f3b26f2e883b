/**
 * Rules for root causes that show as a burst of one gateway error: the user's requests on the
 * affected routes fail, mostly with the same error, several times in a row. Background noise is
 * about 1% 4xx for everyone, so a user's incidental rejects (one or two, or a handful among
 * thousands of orders) never qualify: a burst needs `min_rejects` rejects with gaps of at most
 * `gap_minutes`, making up at least `min_share` of the person's requests on those routes meanwhile.
 */
import type {RootCauseCode} from "../playbooks.ts";
import {ref, type Rule} from "./scope.ts";

interface BurstParameters {
  code: RootCauseCode;
  minRejects: number;
  gapMinutes: number;
  minShare: number;
  /** Ticket categories (docs/taxonomy.md) that support the diagnosis. */
  categories: string[];
}

const BURSTS: BurstParameters[] = [
  {code: "signature_type_mismatch", minRejects: 4, gapMinutes: 30, minShare: 0.5, categories: ["api_auth"]},
  {code: "missing_allowance", minRejects: 4, gapMinutes: 30, minShare: 0.5, categories: ["balance_allowance", "deposit_withdrawal"]},
  {code: "tick_size_precision", minRejects: 4, gapMinutes: 30, minShare: 0.5, categories: ["order_validation"]},
  {code: "min_size", minRejects: 4, gapMinutes: 30, minShare: 0.5, categories: ["order_validation"]},
  {code: "fok_killed", minRejects: 4, gapMinutes: 30, minShare: 0.5, categories: ["order_validation"]},
  {code: "post_only_crossing", minRejects: 4, gapMinutes: 30, minShare: 0.5, categories: ["order_validation"]},
  {code: "rate_limited", minRejects: 10, gapMinutes: 10, minShare: 0.3, categories: ["rate_limit"]},
  {code: "api_key_not_yet_valid", minRejects: 3, gapMinutes: 10, minShare: 0.5, categories: ["api_auth"]},
  // Geoblocking and an old client library fail every request until the user changes something,
  // possibly for weeks: their bursts span days.
  {code: "geoblocked", minRejects: 3, gapMinutes: 14 * 24 * 60, minShare: 0.9, categories: ["account_geoblock"]},
  {code: "legacy_client_version", minRejects: 3, gapMinutes: 14 * 24 * 60, minShare: 0.5, categories: ["api_auth", "order_validation"]}
];

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const parameters = BURSTS.map(
  (b) => `(${quote(b.code)}, ${b.minRejects}, ${b.gapMinutes}, ${b.minShare}, [${b.categories.map(quote).join(", ")}]::VARCHAR[])`
).join(",\n    ");

export const errorBurstRule: Rule = {
  codes: [...BURSTS.map((b) => b.code), "stale_balance_cache"],
  ctes: `
burst_parameters(code, min_rejects, gap_minutes, min_share, categories) AS (VALUES
    ${parameters}),
burst_rejects AS (
  SELECT r.*, p.min_rejects, p.min_share, p.categories,
         CASE WHEN lag(r.ts) OVER w >= r.ts - to_minutes(p.gap_minutes) THEN 0 ELSE 1 END AS starts_burst
    FROM reqs r JOIN burst_parameters p ON p.code = r.error_code
  WINDOW w AS (PARTITION BY r.person_id, r.error_code ORDER BY r.ts, r.request_id)
),
bursts AS (
  SELECT person_id, error_code AS code, burst, count(*) AS rejects, min(ts) AS first_at, max(ts) AS last_at,
         list(DISTINCT route) AS routes, any_value(min_rejects) AS min_rejects, any_value(min_share) AS min_share,
         any_value(categories) AS categories,
         list(${ref("api_requests", {request_id: "request_id"}, "error_message || coalesce(' (signatureType ' || signature_type || ')', '')")} ORDER BY ts) AS evidence
    FROM (SELECT *, sum(starts_burst) OVER (PARTITION BY person_id, error_code ORDER BY ts, request_id) AS burst FROM burst_rejects)
   GROUP BY person_id, error_code, burst
  HAVING count(*) >= any_value(min_rejects)
),
-- the balance cache was stale, not the allowance missing, when the user's refresh
-- (GET /balance-allowance/update) followed the burst within a day
refreshes AS (
  SELECT b.person_id, b.code, b.burst, min(u.ts) AS refreshed_at, arg_min(u.request_id, u.ts) AS refresh_request
    FROM bursts b JOIN reqs u ON u.person_id = b.person_id AND u.route = '/balance-allowance/update'
     AND u.ts BETWEEN b.last_at AND b.last_at + INTERVAL 1 DAY
   GROUP BY ALL
),
qualified_bursts AS (
  SELECT b.*, f.refreshed_at, f.refresh_request,
         (SELECT count(*) FROM reqs r WHERE r.person_id = b.person_id AND r.ts BETWEEN b.first_at AND b.last_at
             AND list_contains(b.routes, r.route)) AS requests
    FROM bursts b LEFT JOIN refreshes f USING (person_id, code, burst)
)`,
  select: `
SELECT person_id,
       CASE WHEN code = 'missing_allowance' AND refreshed_at IS NOT NULL THEN 'stale_balance_cache' ELSE code END AS code,
       0.6 + 0.1 * least(1, (rejects - min_rejects) / min_rejects) AS base,
       first_at, coalesce(refreshed_at, last_at) AS last_at, categories,
       CASE WHEN code = 'missing_allowance' AND refreshed_at IS NOT NULL
            THEN list_append(evidence, ${ref("api_requests", {request_id: "refresh_request"}, "'GET /balance-allowance/update: the refreshed cache shows the deposit'")})
            ELSE evidence END AS evidence
  FROM qualified_bursts
 WHERE rejects >= min_share * requests`
};
