-- Escalation patterns (issue 7, documented in docs/escalations.md): ticket categories over time,
-- and the API error signatures behind them with the people and tickets each one caused. The ONE
-- definition: the escalations page, the outreach list and the feedback report all read these views.
--
-- Conventions: days and ISO weeks are UTC; "this week" is the ISO week of the latest API request
-- (the traffic's as-of instant, not wall-clock now), so the same warehouse always gives the same
-- answer. Tickets come from health_tickets (category and tier already normalised there).

-- Tickets per UTC day, tier and category.
CREATE OR REPLACE VIEW escalation_category_daily AS
SELECT
  (created_at AT TIME ZONE 'UTC')::DATE AS day,
  tier,
  category,
  count(*)::INTEGER AS tickets,
  count(*) FILTER (escalated)::INTEGER AS escalated
FROM health_tickets
GROUP BY ALL;

-- Tickets per ISO week (UTC), tier and category.
CREATE OR REPLACE VIEW escalation_category_weekly AS
SELECT
  week,
  min(date_trunc('week', created_at AT TIME ZONE 'UTC'))::DATE AS week_start,
  tier,
  category,
  count(*)::INTEGER AS tickets,
  count(*) FILTER (escalated)::INTEGER AS escalated
FROM health_tickets
GROUP BY week, tier, category;

-- Who sent each request: the person of its API key, else of its POLY_ADDRESS, else of the order's
-- maker. Unauthenticated market-data requests have none (person_id NULL).
CREATE OR REPLACE VIEW api_request_people AS
SELECT r.request_id, coalesce(k.person_id, a.person_id, m.person_id) AS person_id
FROM api_requests r
LEFT JOIN identities k ON k.kind = 'api_key' AND k.value = r.api_key_id
LEFT JOIN identities a ON a.kind = 'address' AND a.value = r.address
LEFT JOIN identities m ON m.kind = 'address' AND m.value = r.maker;

-- Who wrote each ticket: the person of its email or of the wallet it names.
CREATE OR REPLACE VIEW ticket_people AS
SELECT DISTINCT t.ticket_id, i.person_id
FROM tickets t
JOIN identities i ON (i.kind = 'email' AND i.value = lower(t.user_email)) OR (i.kind = 'address' AND i.value = t.user_wallet);

-- Every request that carried an API error message, with the message normalised to its signature
-- (the error_signature macro, views/020_api.sql).
-- `failed` is an HTTP failure (status >= 400); a 200 can carry an errorMsg (e.g. a FOK killed).
-- signature_category is the ticket category (docs/taxonomy.md) the signature belongs to: the
-- taxonomy's api_error_category macro (loaders/taxonomy.ts; its error strings and keywords, then
-- the HTTP status), the same classifier ticket categorisation uses.
CREATE OR REPLACE VIEW error_signature_requests AS
WITH normalised AS (
  SELECT
    r.request_id, r.ts, r.status, r.method, r.route, r.status >= 400 AS failed, p.person_id,
    error_signature(r.error_message) AS signature
  FROM api_requests r
  JOIN api_request_people p USING (request_id)
  WHERE coalesce(r.error_message, '') <> ''
)
SELECT *, api_error_category(signature, status) AS signature_category
FROM normalised;

-- Tickets caused by a signature: the person who hit it wrote a ticket within 24 hours after an
-- occurrence (the same horizon as the taxonomy's linked-API-error step), AND the ticket is about
-- it: the ticket's category is the signature's (or the ticket has no category yet). A busy
-- trader's routine rejects do not get the blame for their deposit question or fee enquiry.
CREATE OR REPLACE VIEW error_signature_tickets AS
SELECT
  h.ticket_id,
  e.signature,
  e.signature_category,
  tp.person_id,
  h.created_at,
  h.week,
  h.tier,
  h.category,
  count(*)::INTEGER AS occurrences_before,   -- the person's occurrences in the 24 hours before the ticket
  min(e.ts) AS first_error_at,
  max(e.ts) AS last_error_at
FROM health_tickets h
JOIN ticket_people tp USING (ticket_id)
JOIN error_signature_requests e ON e.person_id = tp.person_id
  AND e.ts < h.created_at AND e.ts >= h.created_at - INTERVAL 24 HOUR
WHERE h.category = e.signature_category OR h.category = 'uncategorised'
GROUP BY ALL;

-- The traffic's as-of instant and its ISO week: what "this week" and "the last 24 hours" mean.
CREATE OR REPLACE VIEW api_as_of AS
SELECT max(ts) AS as_of, strftime(max(ts) AT TIME ZONE 'UTC', '%G-W%V') AS week FROM api_requests;

-- One row per signature: how often, how many people, how many tickets, since when, and how long
-- it took from its first occurrence to the first ticket it caused.
CREATE OR REPLACE VIEW error_signatures AS
WITH occurrences AS (
  SELECT
    signature,
    any_value(signature_category) AS category,
    count(*)::BIGINT AS requests,
    count(*) FILTER (failed)::BIGINT AS failed_requests,
    count(DISTINCT person_id)::INTEGER AS users,
    list(DISTINCT status ORDER BY status) AS statuses,
    list(DISTINCT method || ' ' || route ORDER BY method || ' ' || route) AS routes,
    min(ts) AS first_seen,
    max(ts) AS last_seen
  FROM error_signature_requests GROUP BY signature
), caused AS (
  SELECT signature, count(DISTINCT ticket_id)::INTEGER AS tickets, min(created_at) AS first_ticket_at
  FROM error_signature_tickets GROUP BY signature
)
SELECT
  o.*,
  coalesce(c.tickets, 0) AS tickets,
  round(1000.0 * coalesce(c.tickets, 0) / o.requests, 3) AS tickets_per_1000,
  strftime(o.first_seen AT TIME ZONE 'UTC', '%G-W%V') AS first_seen_week,
  strftime(o.first_seen AT TIME ZONE 'UTC', '%G-W%V') = a.week AS new_this_week,
  c.first_ticket_at,
  round((epoch(c.first_ticket_at) - epoch(o.first_seen)) / 60, 1) AS minutes_to_first_ticket
FROM occurrences o
LEFT JOIN caused c USING (signature)
CROSS JOIN api_as_of a;

-- Occurrences per signature and ISO week (UTC), for trends and the feedback report's periods.
CREATE OR REPLACE VIEW error_signature_weekly AS
SELECT
  strftime(ts AT TIME ZONE 'UTC', '%G-W%V') AS week,
  signature,
  any_value(signature_category) AS category,
  count(*)::BIGINT AS requests,
  count(DISTINCT person_id)::INTEGER AS users
FROM error_signature_requests
GROUP BY ALL;
