-- Derived views over CLOB gateway traffic (api_requests, ws_events). Re-created on every writable open.

-- One row per WebSocket session: who, how long, what it subscribed to, how much data it got, and
-- the longest stretch without data while the socket was open (the "PONGs but no data" failure).
-- The silence is measured between data anchors: the first subscribe (or the connect), every
-- message event, and the close (or the last event logged when no close was seen).
CREATE OR REPLACE VIEW ws_sessions AS
WITH events AS (
  SELECT *,
    event = 'message' OR event = 'close' OR (event = 'subscribe' AND seq = min(seq) FILTER (WHERE event = 'subscribe') OVER w)
      OR (event = 'connect' AND count(*) FILTER (WHERE event = 'subscribe') OVER w = 0) AS anchor
  FROM ws_events
  WINDOW w AS (PARTITION BY session_id)
), anchors AS (
  SELECT session_id, ts, lag(ts) OVER (PARTITION BY session_id ORDER BY seq) AS previous_ts
  FROM events WHERE anchor
), silences AS (
  SELECT session_id, arg_max(previous_ts, ts - previous_ts) AS silence_start, arg_max(ts, ts - previous_ts) AS silence_end,
    max(epoch(ts) - epoch(previous_ts)) AS longest_silence_s
  FROM anchors WHERE previous_ts IS NOT NULL GROUP BY session_id
), first_subscribe AS (
  SELECT session_id, min(seq) AS seq FROM ws_events WHERE event = 'subscribe' GROUP BY session_id
)
SELECT
  e.session_id,
  any_value(e.channel) AS channel,
  max(e.api_key_id) AS api_key_id,
  max(e.address) AS address,
  max(e.client_ip) AS client_ip,
  min(e.ts) FILTER (WHERE e.event = 'connect') AS connected_at,
  max(e.ts) FILTER (WHERE e.event = 'close') AS closed_at,
  max(e.close_code) FILTER (WHERE e.event = 'close') AS close_code,
  max(e.close_reason) FILTER (WHERE e.event = 'close') AS close_reason,
  min(e.ts) AS first_event_at,
  max(e.ts) AS last_event_at,
  count(*) FILTER (WHERE e.event = 'subscribe') AS subscriptions,
  count(*) FILTER (WHERE e.event = 'unsubscribe') AS unsubscriptions,
  coalesce(sum(len(coalesce(e.assets_ids, [])) + len(coalesce(e.markets, []))) FILTER (WHERE e.event = 'subscribe'), 0)::BIGINT AS subscribed_ids,
  count(*) FILTER (WHERE e.event = 'message') AS message_events,
  coalesce(sum(coalesce(e.message_count, 1)) FILTER (WHERE e.event = 'message'), 0)::BIGINT AS messages,
  coalesce(sum(coalesce(e.message_count, 1)) FILTER (WHERE e.event = 'message' AND e.message_type = 'book'), 0)::BIGINT AS book_messages,
  min(e.ts) FILTER (WHERE e.event = 'message') AS first_message_at,
  max(e.ts) FILTER (WHERE e.event = 'message') AS last_message_at,
  count(*) FILTER (WHERE e.event = 'ping') AS pings,
  count(*) FILTER (WHERE e.event = 'pong') AS pongs,
  -- a PING before any subscription: the server closes with 1008
  count(*) FILTER (WHERE e.event = 'ping' AND (fs.seq IS NULL OR e.seq < fs.seq)) > 0 AS ping_before_subscribe,
  any_value(s.longest_silence_s) AS longest_silence_s,
  any_value(s.silence_start) AS longest_silence_start,
  any_value(s.silence_end) AS longest_silence_end,
  count(*) FILTER (WHERE e.event = 'pong' AND e.ts > s.silence_start AND e.ts < s.silence_end) AS pongs_during_longest_silence
FROM ws_events e
LEFT JOIN silences s USING (session_id)
LEFT JOIN first_subscribe fs USING (session_id)
GROUP BY e.session_id;

-- An API error message's signature: the message with its variable parts replaced by placeholders,
-- so one rule's rejects count together. In order (docs/escalations.md): the variable parts of the
-- verbatim CLOB messages get named placeholders (Price ({price}), tick size rule: {tick}, Size
-- ({size}), the minimum: {min}, max allowed: {max}); then 0x + 64 hex -> {hash}, 0x + 40 hex ->
-- {address}, other 0x hex and UUIDs -> {id}; then any remaining decimal number -> {number} and
-- integer of 5+ digits -> {n}. Short integers stay: they are constants ("HTTP 502", "4 decimals").
CREATE OR REPLACE MACRO error_signature(message) AS
  regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
  message,
  'Price \(([0-9.]+)\)', 'Price ({price})', 'g'),
  'tick size rule: [0-9.]+', 'tick size rule: {tick}', 'g'),
  'Size \(([0-9.]+)\)', 'Size ({size})', 'g'),
  'the minimum: [0-9.]+', 'the minimum: {min}', 'g'),
  'max allowed: [0-9]+', 'max allowed: {max}', 'g'),
  '0x[0-9a-fA-F]{64}\b', '{hash}', 'g'),
  '0x[0-9a-fA-F]{40}\b', '{address}', 'g'),
  '0x[0-9a-fA-F]+|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b', '{id}', 'g'),
  '\b[0-9]+\.[0-9]+\b', '{number}', 'g'),
  '\b[0-9]{5,}\b', '{n}', 'g');

-- Error signatures counted per status and route: what hurts users most, and how many of them.
CREATE OR REPLACE VIEW api_errors AS
WITH failed AS (
  SELECT *,
    error_signature(error_message) AS error_signature
  FROM api_requests
  WHERE error_message IS NOT NULL
)
SELECT
  error_signature,
  status,
  route,
  count(*) AS requests,
  count(DISTINCT api_key_id) AS api_keys,
  count(DISTINCT coalesce(address, maker)) AS addresses,
  min(ts) AS first_at,
  max(ts) AS last_at,
  any_value(error_message) AS example_message
FROM failed
GROUP BY error_signature, status, route;
