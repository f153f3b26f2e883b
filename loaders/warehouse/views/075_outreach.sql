-- Proactive outreach to the advanced / VIP portfolio (issue 7, docs/escalations.md). Windows are
-- anchored at the traffic's as-of instant (api_as_of: the latest API request), never wall-clock
-- now: "recent" = the 7 days up to as-of, "previous" = the 7 days before those, "last 24 hours" =
-- the 24 hours up to as-of. An error is an HTTP failure (status >= 400). Check-in cadence per tier
-- is configuration (config/outreach.json), applied by analysis/escalations/outreach.ts.

-- Each advanced / VIP person with their volume, error rates, open tickets and last contact.
CREATE OR REPLACE VIEW outreach_portfolio AS
WITH portfolio AS (
  SELECT person_id, tier, coalesce(funders[1], addresses[1]) AS wallet
  FROM users WHERE tier IN ('VIP', 'advanced')
), traffic AS (
  SELECT
    p.person_id,
    count(*) FILTER (r.ts > a.as_of - INTERVAL 7 DAY) AS requests_7d,
    coalesce(sum(r.order_count) FILTER (r.ts > a.as_of - INTERVAL 7 DAY AND r.method = 'POST' AND r.route IN ('/order', '/orders')), 0) AS orders_7d,
    count(*) FILTER (r.ts > a.as_of - INTERVAL 7 DAY AND r.status >= 400) AS errors_7d,
    count(*) FILTER (r.ts <= a.as_of - INTERVAL 7 DAY AND r.ts > a.as_of - INTERVAL 14 DAY) AS requests_prev_7d,
    count(*) FILTER (r.ts <= a.as_of - INTERVAL 7 DAY AND r.ts > a.as_of - INTERVAL 14 DAY AND r.status >= 400) AS errors_prev_7d,
    count(*) FILTER (r.ts > a.as_of - INTERVAL 24 HOUR) AS requests_24h,
    count(*) FILTER (r.ts > a.as_of - INTERVAL 24 HOUR AND r.status >= 400) AS errors_24h,
    -- the daily error count the last 24 hours are compared with: the 7 days before them
    count(*) FILTER (r.ts <= a.as_of - INTERVAL 24 HOUR AND r.ts > a.as_of - INTERVAL 8 DAY AND r.status >= 400) / 7.0 AS baseline_errors_per_day,
    min(r.ts) FILTER (r.ts > a.as_of - INTERVAL 24 HOUR AND r.status >= 400) AS first_error_24h_at
  FROM portfolio p
  JOIN api_request_people rp USING (person_id)
  JOIN api_requests r USING (request_id)
  CROSS JOIN api_as_of a
  WHERE r.ts > a.as_of - INTERVAL 14 DAY
  GROUP BY p.person_id
), person_tickets AS (
  SELECT tp.person_id, t.ticket_id, t.state, t.created_at FROM ticket_people tp JOIN tickets t USING (ticket_id)
), contact AS (
  -- last contact: the latest message either way (the user's opening message or a reply, or an agent's reply)
  SELECT pt.person_id,
    count(DISTINCT pt.ticket_id) FILTER (pt.state IN ('open', 'snoozed')) AS open_tickets,
    max(pt.created_at) AS last_ticket_at,
    max(tp.created_at) FILTER (tp.part_type IN ('source', 'comment')) AS last_contact_at
  FROM person_tickets pt LEFT JOIN ticket_parts tp USING (ticket_id)
  GROUP BY pt.person_id
)
SELECT
  p.person_id,
  p.tier,
  p.wallet,
  a.as_of,
  coalesce(t.requests_7d, 0)::BIGINT AS requests_7d,
  coalesce(t.orders_7d, 0)::BIGINT AS orders_7d,
  coalesce(t.errors_7d, 0)::BIGINT AS errors_7d,
  round(t.errors_7d / nullif(t.requests_7d, 0), 4) AS error_rate_7d,
  coalesce(t.requests_prev_7d, 0)::BIGINT AS requests_prev_7d,
  coalesce(t.errors_prev_7d, 0)::BIGINT AS errors_prev_7d,
  round(t.errors_prev_7d / nullif(t.requests_prev_7d, 0), 4) AS error_rate_prev_7d,
  round(t.errors_7d / nullif(t.requests_7d, 0) - t.errors_prev_7d / nullif(t.requests_prev_7d, 0), 4) AS error_rate_change,
  coalesce(t.requests_24h, 0)::BIGINT AS requests_24h,
  coalesce(t.errors_24h, 0)::BIGINT AS errors_24h,
  round(coalesce(t.baseline_errors_per_day, 0), 2) AS baseline_errors_per_day,
  t.first_error_24h_at,
  coalesce(c.open_tickets, 0)::INTEGER AS open_tickets,
  c.last_ticket_at,
  c.last_contact_at
FROM portfolio p
CROSS JOIN api_as_of a
LEFT JOIN traffic t USING (person_id)
LEFT JOIN contact c USING (person_id);

-- People whose errors spiked in the last 24 hours and who have not written in since the spike
-- began: at least 5 errors in the last 24 hours AND at least 3 times their baseline daily errors,
-- AND no ticket created at or after the first of those errors. With the error signature they hit
-- most in those 24 hours (ties: the most recent), one verbatim example of it for the playbook lookup.
CREATE OR REPLACE VIEW outreach_spikes AS
WITH spiking AS (
  SELECT * FROM outreach_portfolio
  WHERE errors_24h >= 5 AND errors_24h >= 3 * baseline_errors_per_day
    AND (last_ticket_at IS NULL OR last_ticket_at < first_error_24h_at)
), hits AS (
  SELECT s.person_id, e.signature, e.signature_category, count(*) AS occurrences, max(e.ts) AS last_at,
    arg_max(r.error_message, e.ts) AS example_message
  FROM spiking s
  JOIN error_signature_requests e ON e.person_id = s.person_id AND e.failed AND e.ts > s.as_of - INTERVAL 24 HOUR
  JOIN api_requests r USING (request_id)
  GROUP BY s.person_id, e.signature, e.signature_category
  QUALIFY row_number() OVER (PARTITION BY s.person_id ORDER BY count(*) DESC, max(e.ts) DESC, e.signature) = 1
)
SELECT
  s.person_id, s.tier, s.wallet, s.as_of, s.errors_24h, s.requests_24h, s.baseline_errors_per_day, s.first_error_24h_at,
  s.last_contact_at, s.open_tickets,
  h.signature, h.signature_category, h.occurrences::BIGINT AS signature_occurrences, h.example_message
FROM spiking s
LEFT JOIN hits h USING (person_id);
