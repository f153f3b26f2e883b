-- Incident detection and impact (docs/incidents.md). Two signals, merged into windows:
--   REST: per route and minute, server-side failures (425 and 5xx: the client did nothing wrong) or
--         latency far above the same route's rolling 24-hour baseline;
--   WebSocket: market-channel sessions that stay open (PONGs keep coming) but deliver no data.
-- Impact counts people (views/010_users.sql), never addresses or API keys.

-- The tunables, in one place. The baseline frame (the 24 hours before the minute's hour) is fixed
-- in the window clause of incident_route_minutes: DuckDB frames take constants only.
CREATE OR REPLACE VIEW incident_thresholds AS
SELECT
  3 AS min_failed_requests,            -- per route-minute: at least this many 425/5xx ...
  0.5 AS min_failure_rate,             -- ... being at least this share of the minute's requests ...
  0.3 AS min_failure_rate_increase,    -- ... and this much above the route's baseline (its median hour)
  5 AS latency_min_requests,           -- a latency spike needs this many requests in the minute,
  1000 AS latency_floor_ms,            -- a median latency of at least this,
  5.0 AS latency_factor,               -- and this multiple of the baseline median
  30 AS ws_silence_seconds,            -- a market-channel gap without data longer than this (healthy: < 21 s)
  3 AS ws_min_silent_sessions,         -- sessions silent in one window before it is an incident
  10 AS min_incident_failed_requests,  -- a REST failure window with fewer failures is noise
  2 AS min_latency_minutes,            -- a latency-only window needs this many spike minutes
  5 AS merge_gap_minutes,              -- signals this close together are one incident
  1 AS edge_minutes,                   -- failures this close to a window's ends on its routes widen it
  24 AS ticket_horizon_hours,          -- an affected person's tickets up to this long after the window are linked
  2 AS category_horizon_hours,         -- anyone's tickets in the incident's category up to this long after
  0.5 AS sev1_share,                   -- affected share of active users: SEV1 from here,
  0.2 AS sev2_share;                   -- SEV2 from here, SEV3 below

-- Per REST route and minute with traffic: volumes, failures, latency, and the route's baseline:
-- the median hour of the 24 hours before (failure rate; latency: the hour's median minute median), so a
-- long incident does not become its own baseline and a quiet route's single failures do not move it.
CREATE OR REPLACE VIEW incident_route_minutes AS
WITH per_minute AS (
  -- minutes as integers: date_trunc on TIMESTAMPTZ goes through the time-zone calendar (slow)
  SELECT
    method, route,
    epoch_ms(ts) // 60000 AS minute_number,
    count(*) AS requests,
    count(*) FILTER (WHERE status >= 400) AS errors,
    count(*) FILTER (WHERE status = 425 OR status >= 500) AS failed,
    count(*) FILTER (WHERE status = 425) AS status_425,
    count(*) FILTER (WHERE status >= 500) AS status_5xx,
    count(*) FILTER (WHERE status = 503) AS status_503,
    quantile_cont(latency_ms, 0.5) AS latency_p50_ms,
    quantile_cont(latency_ms, 0.95) AS latency_p95_ms,
    min(ts) AS first_request_at,
    max(ts) AS last_request_at,
    min(ts) FILTER (WHERE status = 425 OR status >= 500) AS first_failed_at,
    max(ts) FILTER (WHERE status = 425 OR status >= 500) AS last_failed_at
  FROM api_requests
  GROUP BY ALL
), per_hour AS (
  SELECT method, route, minute_number // 60 AS hour_number,
    sum(failed) / sum(requests) AS failure_rate,
    median(latency_p50_ms) AS latency_p50_ms
  FROM per_minute GROUP BY ALL
), baseline AS (
  SELECT method, route, hour_number,
    median(failure_rate) OVER previous_day AS baseline_failure_rate,
    median(latency_p50_ms) OVER previous_day AS baseline_latency_p50_ms,
    count(*) OVER previous_day AS baseline_hours
  FROM per_hour
  WINDOW previous_day AS (PARTITION BY method, route ORDER BY hour_number RANGE BETWEEN 24 PRECEDING AND 1 PRECEDING)
)
SELECT
  m.method || ' ' || m.route AS route,
  make_timestamptz(m.minute_number * 60000000) AS minute,
  m.* EXCLUDE (method, route, minute_number),
  m.errors / m.requests AS error_rate,
  m.failed / m.requests AS failure_rate,
  b.baseline_failure_rate,
  b.baseline_latency_p50_ms,
  b.baseline_hours,
  m.failed >= t.min_failed_requests
    AND m.failed / m.requests >= t.min_failure_rate
    AND m.failed / m.requests >= coalesce(b.baseline_failure_rate, 0) + t.min_failure_rate_increase AS failure_burst,
  coalesce(m.requests >= t.latency_min_requests
    AND m.latency_p50_ms >= t.latency_floor_ms
    AND m.latency_p50_ms >= t.latency_factor * b.baseline_latency_p50_ms, false) AS latency_spike
FROM per_minute m
JOIN baseline b ON b.method = m.method AND b.route = m.route AND b.hour_number = m.minute_number // 60
CROSS JOIN incident_thresholds t;

-- Market-channel gaps without data while the socket stayed alive (at least one PONG inside).
-- Anchors as in ws_sessions: the first subscribe, every message, the close.
CREATE OR REPLACE VIEW incident_ws_silences AS
WITH market AS (
  SELECT session_id, seq, ts, event FROM ws_events WHERE channel = 'market'
), first_subscribe AS (
  SELECT session_id, min(seq) AS seq FROM market WHERE event = 'subscribe' GROUP BY session_id
), anchors AS (
  SELECT m.session_id, m.ts, lag(m.ts) OVER (PARTITION BY m.session_id ORDER BY m.seq) AS previous_ts
  FROM market m LEFT JOIN first_subscribe f USING (session_id)
  WHERE m.event IN ('message', 'close') OR m.seq = f.seq
), gaps AS (
  SELECT a.session_id, a.previous_ts AS silence_start, a.ts AS silence_end, epoch(a.ts) - epoch(a.previous_ts) AS silence_s
  FROM anchors a, incident_thresholds t
  WHERE a.previous_ts IS NOT NULL AND epoch(a.ts) - epoch(a.previous_ts) > t.ws_silence_seconds
)
SELECT g.session_id, g.silence_start, g.silence_end, g.silence_s, count(*) AS pongs
FROM gaps g JOIN market p ON p.session_id = g.session_id AND p.event = 'pong' AND p.ts > g.silence_start AND p.ts < g.silence_end
GROUP BY ALL;

-- Per WebSocket channel and minute: sessions with any event, message lines and PONGs (the incident
-- page's chart: a silent feed is PONGs without messages).
CREATE OR REPLACE VIEW incident_ws_minutes AS
SELECT
  'WS /ws/' || channel AS route,
  make_timestamptz((epoch_ms(ts) // 60000) * 60000000) AS minute,
  count(DISTINCT session_id) AS sessions,
  count(*) FILTER (WHERE event = 'message') AS message_lines,
  count(*) FILTER (WHERE event = 'pong') AS pongs
FROM ws_events
GROUP BY ALL;

-- Every signal as a time span: an anomalous route-minute (from its first to its last failing
-- request, or its whole traffic for a latency spike) or one silent market session gap.
CREATE OR REPLACE VIEW incident_signals AS
SELECT
  route,
  CASE WHEN failure_burst THEN 'failure_burst' ELSE 'latency_spike' END AS signal,
  CASE WHEN failure_burst THEN first_failed_at ELSE first_request_at END AS start,
  CASE WHEN failure_burst THEN last_failed_at ELSE last_request_at END AS "end",
  failed, status_425, status_5xx, status_503,
  latency_spike::INTEGER AS latency_minutes,
  NULL::VARCHAR AS session_id
FROM incident_route_minutes
WHERE failure_burst OR latency_spike
UNION ALL
SELECT 'WS /ws/market', 'ws_silence', silence_start, silence_end, 0, 0, 0, 0, 0, session_id
FROM incident_ws_silences;

-- Signals merged into windows (gaps up to merge_gap_minutes), keeping those that are more than
-- noise: enough failures, enough latency-spike minutes, or enough silent sessions.
CREATE OR REPLACE VIEW incident_windows AS
WITH ordered AS (
  SELECT s.*, max(s."end") OVER (ORDER BY s.start, s.route ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
  FROM incident_signals s
), numbered AS (
  SELECT o.*,
    sum(CASE WHEN o.previous_end IS NULL OR o.start > o.previous_end + to_minutes(t.merge_gap_minutes) THEN 1 ELSE 0 END)
      OVER (ORDER BY o.start, o.route ROWS UNBOUNDED PRECEDING) AS window_number
  FROM ordered o, incident_thresholds t
), windows AS (
  SELECT
    window_number,
    min(start) AS start,
    max("end") AS "end",
    list(DISTINCT route ORDER BY route) AS signal_routes,
    sum(failed)::BIGINT AS signal_failed,
    sum(status_425)::BIGINT AS status_425,
    sum(status_5xx)::BIGINT AS status_5xx,
    sum(status_503)::BIGINT AS status_503,
    sum(latency_minutes)::BIGINT AS latency_minutes,
    count(DISTINCT session_id) AS silent_sessions
  FROM numbered
  GROUP BY window_number
), edges AS (
  -- the first and last minutes are usually partial and may miss the per-minute test: failures on
  -- the window's routes within edge_minutes of its ends belong to it
  SELECT w.window_number, min(r.ts) AS first_failed_at, max(r.ts) AS last_failed_at
  FROM windows w
  CROSS JOIN incident_thresholds t
  JOIN api_requests r ON (r.status = 425 OR r.status >= 500)
    AND r.ts BETWEEN w.start - to_minutes(t.edge_minutes) AND w."end" + to_minutes(t.edge_minutes)
    AND list_contains(w.signal_routes, r.method || ' ' || r.route)
  GROUP BY w.window_number
), bounded AS (
  SELECT w.* REPLACE (least(w.start, e.first_failed_at) AS start, greatest(w."end", e.last_failed_at) AS "end")
  FROM windows w LEFT JOIN edges e USING (window_number)
)
SELECT
  'INC-' || strftime(w.start, '%Y%m%d-%H%M') AS id,   -- stable across re-ingests: the start minute
  CASE
    WHEN w.status_425 > 0 AND w.status_425 >= w.status_5xx THEN 'matching_engine_restart'
    WHEN w.status_5xx > 0 AND list_bool_and(list_transform(list_filter(w.signal_routes, r -> r NOT LIKE 'WS %'),
      r -> r IN ('POST /order', 'POST /orders', 'DELETE /order', 'DELETE /orders', 'DELETE /cancel-all', 'DELETE /cancel-market-orders')))
      THEN 'order_outage'
    WHEN w.status_5xx > 0 THEN 'api_outage'
    WHEN w.silent_sessions > 0 THEN 'ws_silent_feed'
    ELSE 'latency_degradation'
  END AS kind,
  w.* EXCLUDE (window_number)
FROM bounded w, incident_thresholds t
WHERE w.signal_failed >= t.min_incident_failed_requests
   OR w.latency_minutes >= t.min_latency_minutes
   OR w.silent_sessions >= t.ws_min_silent_sessions;

-- The ticket category (docs/taxonomy.md) each kind of incident produces.
CREATE OR REPLACE VIEW incident_kind_categories AS
SELECT * FROM (VALUES
  ('matching_engine_restart', 'engine_restart'),
  ('order_outage', 'api_outage'),
  ('api_outage', 'api_outage'),
  ('latency_degradation', 'api_outage'),
  ('ws_silent_feed', 'websocket')
) AS k(kind, category);

-- Everything measured about each incident, in one pass, as one row per incident with its routes,
-- people and tickets as lists: the views below unnest it. (One pass: the identity views are
-- recursive and costly, and a chain of views would evaluate them, and the windows, once per use.)
--
-- Routes: REST routes whose requests in the window mostly failed (a route too quiet to trip the
-- per-minute test on its own still counts), the market channel when its sessions went silent, the
-- user channel when its sessions were open all through and got nothing.
-- People: everyone using the exchange during the window (any REST request, or a WebSocket session
-- open during a silent-feed window), and whether and how the incident hit them. REST: a request on
-- an affected route inside the window; WebSocket: a session open during it. Market-channel
-- sessions carry no address: they are attributed through the client IP the same person's REST
-- requests came from.
-- Tickets, created from the window's start to:
--   ticket_horizon_hours after its end by an affected person, in the incident's category or in none
--   in particular (`other`, uncategorised): their unrelated questions are not the incident's;
--   category_horizon_hours after its end by anyone, in the incident's category: people the logs do
--   not attribute (web users, new accounts) report it too.
CREATE OR REPLACE VIEW incident_facts AS
WITH windows AS MATERIALIZED (
  SELECT * FROM incident_windows
), rest_routes AS (
  SELECT w.id, r.method || ' ' || r.route AS route, list_contains(w.signal_routes, r.method || ' ' || r.route) AS signalled,
    count(*) AS requests,
    count(*) FILTER (WHERE r.status = 425 OR r.status >= 500) AS failed
  FROM windows w JOIN api_requests r ON r.ts BETWEEN w.start AND w."end"
  GROUP BY ALL
), user_sessions AS (
  SELECT w.id, s.session_id
  FROM windows w JOIN ws_sessions s ON w.silent_sessions > 0 AND s.channel = 'user'
    AND s.first_event_at <= w.start AND coalesce(s.closed_at, s.last_event_at) >= w."end"
), user_sessions_with_data AS (
  SELECT DISTINCT u.id, u.session_id
  FROM user_sessions u JOIN windows w USING (id)
  JOIN ws_events e ON e.session_id = u.session_id AND e.event = 'message' AND e.ts BETWEEN w.start AND w."end"
), routes AS MATERIALIZED (
  SELECT r.id, r.route FROM rest_routes r, incident_thresholds t
  WHERE r.signalled OR (r.failed > 0 AND r.failed >= t.min_failure_rate * r.requests)
  UNION
  SELECT id, 'WS /ws/market' FROM windows WHERE silent_sessions > 0
  UNION
  SELECT id, 'WS /ws/user' FROM (SELECT * FROM user_sessions EXCEPT SELECT * FROM user_sessions_with_data)
), ids AS MATERIALIZED (
  SELECT * FROM identities
), requests AS (
  SELECT w.id AS incident_id, r.*, coalesce(k.person_id, a.person_id) AS person_id,
    ir.route IS NOT NULL AS on_affected_route,
    ir.route IS NOT NULL AND (r.status = 425 OR r.status >= 500) AS failed_request,
    ir.route IS NOT NULL AND (r.status = 425 OR r.status >= 500) AND r.method = 'POST' AND r.route IN ('/order', '/orders') AS failed_placement
  FROM windows w
  JOIN api_requests r ON r.ts BETWEEN w.start AND w."end"
  LEFT JOIN routes ir ON ir.id = w.id AND ir.route = r.method || ' ' || r.route
  LEFT JOIN ids k ON k.kind = 'api_key' AND k.value = r.api_key_id
  LEFT JOIN ids a ON a.kind = 'address' AND a.value = coalesce(r.address, r.maker)
), failed_orders AS (
  -- one row per order of a failed placement (POST /orders carries an array); a BUY risks its
  -- makerAmount of collateral, a SELL would have received its takerAmount
  SELECT incident_id, person_id, o.value AS body
  FROM requests, json_each(CASE WHEN json_type(request_body) = 'ARRAY' THEN request_body ELSE json_array(request_body) END) o
  WHERE failed_placement
), notional AS (
  SELECT incident_id, person_id,
    sum(CASE WHEN body->>'$.order.side' = 'SELL' THEN (body->>'$.order.takerAmount')::HUGEINT
             ELSE (body->>'$.order.makerAmount')::HUGEINT END) / 1e6 AS failed_order_notional_usdc
  FROM failed_orders GROUP BY ALL
), rest AS (
  SELECT incident_id, person_id,
    CASE WHEN bool_or(on_affected_route) THEN 'rest' END AS via,
    count(*) FILTER (WHERE failed_request) AS failed_requests,
    coalesce(sum(coalesce(order_count, 1)) FILTER (WHERE failed_placement), 0) AS failed_orders
  FROM requests WHERE person_id IS NOT NULL GROUP BY ALL
), ip_people AS (
  SELECT DISTINCT r.client_ip, k.person_id
  FROM api_requests r JOIN ids k ON k.kind = 'api_key' AND k.value = r.api_key_id
  WHERE r.client_ip IS NOT NULL
), ws AS (
  SELECT w.id AS incident_id, coalesce(k.person_id, a.person_id, ip.person_id) AS person_id, 'ws_' || s.channel AS via,
    0 AS failed_requests, 0 AS failed_orders
  FROM windows w
  JOIN ws_sessions s ON w.silent_sessions > 0 AND s.first_event_at <= w."end" AND coalesce(s.closed_at, s.last_event_at) >= w.start
  LEFT JOIN ids k ON k.kind = 'api_key' AND k.value = s.api_key_id
  LEFT JOIN ids a ON a.kind = 'address' AND a.value = s.address
  LEFT JOIN ip_people ip ON s.api_key_id IS NULL AND s.address IS NULL AND ip.client_ip = s.client_ip
), api_people AS (
  -- people who trade through a client library (not a browser) or over FIX
  SELECT DISTINCT k.person_id FROM api_requests r JOIN ids k ON k.kind = 'api_key' AND k.value = r.api_key_id
  WHERE r.user_agent IS NOT NULL AND r.user_agent NOT LIKE 'Mozilla/%'
  UNION
  SELECT person_id FROM ids WHERE kind = 'fix_session'
), combined AS (
  SELECT * FROM rest UNION ALL SELECT * FROM ws WHERE person_id IS NOT NULL
), people AS MATERIALIZED (
  SELECT
    c.incident_id,
    c.person_id,
    count(c.via) > 0 AS affected,
    coalesce(list(DISTINCT c.via ORDER BY c.via) FILTER (WHERE c.via IS NOT NULL), []) AS via,
    coalesce(any_value(t.tier), 'unknown') AS tier,
    coalesce(any_value(t.tier) = 'VIP', false) AS vip,
    c.person_id IN (SELECT person_id FROM api_people) AS api_user,
    sum(c.failed_requests)::BIGINT AS failed_requests,
    sum(c.failed_orders)::BIGINT AS failed_orders,
    coalesce(any_value(n.failed_order_notional_usdc), 0)::DOUBLE AS failed_order_notional_usdc
  FROM combined c
  LEFT JOIN person_tiers t USING (person_id)
  LEFT JOIN notional n USING (incident_id, person_id)
  GROUP BY c.incident_id, c.person_id
), ticket_people AS (
  SELECT t.ticket_id, i.person_id FROM tickets t JOIN ids i ON i.kind = 'email' AND i.value = lower(t.user_email)
  UNION
  SELECT t.ticket_id, i.person_id FROM tickets t JOIN ids i ON i.kind = 'address' AND i.value = t.user_wallet
), linked_tickets AS (
  SELECT
    w.id AS incident_id,
    t.ticket_id,
    t.created_at,
    round((epoch(t.created_at) - epoch(w.start)) / 60, 1) AS minutes_after_start,
    tp.person_id,
    t.tier,
    t.category,
    t.state,
    t.title,
    p.person_id IS NOT NULL AS by_affected_user,
    t.category IS NOT DISTINCT FROM kc.category AS category_match
  FROM windows w
  CROSS JOIN incident_thresholds th
  JOIN incident_kind_categories kc USING (kind)
  JOIN tickets t ON t.created_at BETWEEN w.start AND w."end" + to_hours(th.ticket_horizon_hours)
  LEFT JOIN ticket_people tp ON tp.ticket_id = t.ticket_id
  LEFT JOIN people p ON p.incident_id = w.id AND p.person_id = tp.person_id AND p.affected
  WHERE (p.person_id IS NOT NULL AND coalesce(t.category, 'other') IN (kc.category, 'other'))
     OR (t.category = kc.category AND t.created_at <= w."end" + to_hours(th.category_horizon_hours))
)
SELECT
  w.*,
  coalesce((SELECT list(r.route ORDER BY r.route) FROM routes r WHERE r.id = w.id), []::VARCHAR[]) AS routes,
  coalesce((SELECT list(p ORDER BY p.person_id) FROM people p WHERE p.incident_id = w.id), []) AS people,
  coalesce((SELECT list(t ORDER BY t.created_at, t.ticket_id) FROM linked_tickets t WHERE t.incident_id = w.id), []) AS tickets
FROM windows w;

-- The routes each incident affected (see incident_facts).
CREATE OR REPLACE VIEW incident_routes AS
SELECT id, unnest(routes) AS route FROM incident_facts;

-- Everyone active during each incident's window, as a person, and what the incident did to them.
CREATE OR REPLACE VIEW incident_people AS
SELECT unnest(people, recursive := true) FROM incident_facts;

-- The people each incident hit.
CREATE OR REPLACE VIEW incident_affected_users AS
SELECT * EXCLUDE (affected) FROM incident_people WHERE affected;

-- Tickets linked to each incident (rules in incident_facts).
CREATE OR REPLACE VIEW incident_tickets AS
SELECT unnest(tickets, recursive := true) FROM incident_facts;

-- One row per incident with its impact, the figures a status-page update states.
CREATE OR REPLACE VIEW incidents AS
WITH impact AS (
  SELECT
    f.* EXCLUDE (people, tickets),
    len(list_filter(f.people, p -> p.affected)) AS affected_users,
    len(f.people) AS active_users,
    len(list_filter(f.people, p -> p.affected AND p.vip)) AS affected_vip_users,
    len(list_filter(f.people, p -> p.affected AND p.api_user)) AS affected_api_users,
    coalesce(list_sum(list_transform(f.people, p -> p.failed_requests)), 0)::BIGINT AS failed_requests,
    coalesce(list_sum(list_transform(f.people, p -> p.failed_orders)), 0)::BIGINT AS failed_orders,
    coalesce(list_sum(list_transform(f.people, p -> p.failed_order_notional_usdc)), 0) AS failed_order_notional_usdc,
    len(f.tickets) AS tickets
  FROM incident_facts f
)
SELECT
  i.id,
  i.kind,
  i.start,
  i."end",
  round((epoch(i."end") - epoch(i.start)) / 60, 1) AS duration_minutes,
  i.routes,
  i.failed_requests,
  i.failed_orders,
  i.affected_users,
  i.active_users,
  i.affected_users / nullif(i.active_users, 0) AS affected_share,
  i.affected_vip_users,
  i.affected_api_users,
  round(i.failed_order_notional_usdc, 2) AS failed_order_notional_usdc,
  i.tickets,
  CASE
    WHEN i.affected_users / nullif(i.active_users, 0) >= t.sev1_share THEN 'SEV1'
    WHEN i.affected_users / nullif(i.active_users, 0) >= t.sev2_share THEN 'SEV2'
    ELSE 'SEV3'
  END AS severity,
  i.status_425,
  i.status_5xx,
  i.status_503,
  i.latency_minutes,
  i.silent_sessions
FROM impact i CROSS JOIN incident_thresholds t
ORDER BY i.start;
