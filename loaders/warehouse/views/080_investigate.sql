-- One person's story across every source (docs/investigate.md, "Timeline"), defined once for
-- everyone: `workbench investigate` filters timeline_events by person, the investigate page's
-- extract (src/data/investigate-extract.ts) reads it for all people at once.

-- Who sent each REST request: api_request_people (views/070_escalations.sql: the person of its API
-- key, else of its POLY_ADDRESS, else of the order's maker), else the person of its client IP when
-- only one person's identified traffic comes from that IP (public market data and market-channel
-- WebSockets carry no identity). Requests neither places are left out. Tickets: ticket_people (070).
CREATE OR REPLACE VIEW client_ip_people AS
SELECT r.client_ip, any_value(p.person_id) AS person_id
FROM api_requests r JOIN api_request_people p USING (request_id)
WHERE p.person_id IS NOT NULL AND r.client_ip IS NOT NULL
GROUP BY r.client_ip HAVING count(DISTINCT p.person_id) = 1;

-- (an equi-join on the IP: a join condition testing p.person_id IS NULL makes DuckDB compare every pair)
CREATE OR REPLACE VIEW request_people AS
SELECT p.request_id, coalesce(p.person_id, i.person_id) AS person_id
FROM api_request_people p JOIN api_requests r USING (request_id) LEFT JOIN client_ip_people i ON i.client_ip = r.client_ip
WHERE coalesce(p.person_id, i.person_id) IS NOT NULL;

-- The timeline: one row per ticket, ticket message, failed or listed request, WebSocket session,
-- FIX message or sequence gap, collateral movement, fill and position transfer. Folded into one
-- row per person, hour and call (count = records): successful market-data polling and FIX
-- heartbeats always, and other successful records past each person's newest 1000 per source, so
-- a market maker's timeline stays readable. Failures and warnings are never folded.
-- severity: error = the platform failed or the protocol broke (425 / 5xx, abnormal WebSocket close,
-- FIX rejects, sequence gaps); warning = the request or session needs a look (4xx, an errorMsg, a
-- feed silent with PONGs flowing, FIX resends); info otherwise.
-- ref / ref_table / ref_key: the record's own id as shown, and the table and key that find it again.
-- Constants (literals: subqueries here turn the folding test into a nested-loop join): 1000 records
-- listed per person and source, 1000 characters of a ticket message, 60 s of WebSocket silence.
CREATE OR REPLACE VIEW timeline_events AS
WITH
ids AS (SELECT DISTINCT person_id, kind, value FROM identities),
ticket_events AS (
  SELECT tp.person_id, t.created_at AS ts, 'intercom' AS source, 'ticket opened' AS kind, 'info' AS severity,
         concat_ws(' · ', t.title, t.category, t.tier, t.state, CASE WHEN t.csat_rating IS NOT NULL THEN 'CSAT ' || t.csat_rating END) AS summary,
         NULL AS error, t.ticket_id AS ref, NULL AS tx_hash, NULL AS address, 1 AS count,
         'tickets' AS ref_table, json_object('ticket_id', t.ticket_id) AS ref_key
  FROM ticket_people tp JOIN tickets t USING (ticket_id)
  UNION ALL
  SELECT tp.person_id, t.created_at, 'intercom', 'message by user', 'info', left(t.first_message, 1000),
         NULL, t.ticket_id, NULL, NULL, 1, 'tickets', json_object('ticket_id', t.ticket_id)
  FROM ticket_people tp JOIN tickets t USING (ticket_id) WHERE t.first_message IS NOT NULL
  UNION ALL
  SELECT tp.person_id, p.created_at, 'intercom', p.part_type || coalesce(' by ' || p.author_type, ''), 'info',
         concat_ws(': ', p.author_name, left(p.body, 1000)),
         NULL, p.ticket_id, NULL, NULL, 1, 'ticket_parts', json_object('ticket_id', p.ticket_id, 'part_id', p.part_id)
  FROM ticket_people tp JOIN ticket_parts p USING (ticket_id)
  WHERE p.part_type <> 'source' -- the opening message is the ticket's first_message, above
),
rest_calls AS (
  SELECT p.person_id, r.*, r.method || ' ' || r.route AS call, r.status < 400 AND r.error_message IS NULL AS ok,
         ok AND call IN ('GET /book', 'GET /midpoint', 'GET /price', 'GET /tick-size', 'GET /markets', 'POST /v1/heartbeats') AS polling
  FROM request_people p JOIN api_requests r USING (request_id)
),
rest_ranked AS (
  -- partitioned by plain columns, so a filter on person_id reaches below the window
  SELECT *, polling OR (ok AND row_number() OVER (PARTITION BY person_id, ok, polling ORDER BY ts DESC) > 1000) AS folded FROM rest_calls
),
rest_events AS (
  SELECT person_id, ts, 'rest', call,
         CASE WHEN status = 425 OR status >= 500 THEN 'error' WHEN NOT ok THEN 'warning' ELSE 'info' END,
         concat_ws(' · ', 'HTTP ' || status, order_type, side,
                   CASE WHEN size IS NOT NULL THEN size || ' @ ' || price END,
                   'signatureType ' || signature_type, insert_status, CASE WHEN order_count > 1 THEN order_count || ' orders' END,
                   'order ' || order_id, CASE WHEN NOT ok THEN user_agent END),
         error_message, request_id, NULL, NULL, 1, 'api_requests', json_object('request_id', request_id)
  FROM rest_ranked WHERE NOT folded
  UNION ALL
  SELECT person_id, max(ts), 'rest', call, 'info',
         format('{:,}', count(*)) || CASE WHEN count(*) = 1 THEN ' successful request' ELSE ' successful requests' END
           || ' in the hour from ' || strftime(date_trunc('hour', min(ts)), '%H:%M'),
         NULL, NULL, NULL, NULL, count(*), 'api_requests',
         json_object('call', call, 'hour', strftime(date_trunc('hour', min(ts)), '%Y-%m-%dT%H:00:00Z'))
  FROM rest_ranked WHERE folded GROUP BY person_id, call, date_trunc('hour', ts)
),
ws_events AS (
  SELECT coalesce(k.person_id, a.person_id, ip.person_id), s.connected_at, 'websocket', s.channel || ' channel session',
         CASE WHEN s.close_code NOT IN (1000, 1001) THEN 'error'
              WHEN s.longest_silence_s > 60 AND s.pongs_during_longest_silence > 0 THEN 'warning' ELSE 'info' END,
         concat_ws(' · ', format('{:,}', s.messages) || ' messages', format('{:,}', s.subscribed_ids) || ' ids subscribed',
                   'longest silence ' || round(s.longest_silence_s) || ' s' || CASE WHEN s.pongs_during_longest_silence > 0 THEN ' (' || s.pongs_during_longest_silence || ' PONGs meanwhile)' ELSE '' END,
                   CASE WHEN s.ping_before_subscribe THEN 'PING before subscribe' END,
                   CASE WHEN s.closed_at IS NOT NULL THEN 'closed ' || strftime(s.closed_at, '%H:%M:%S') END),
         CASE WHEN s.close_code NOT IN (1000, 1001) THEN concat_ws(' ', 'close ' || s.close_code, nullif(s.close_reason, '')) END,
         s.session_id, NULL, NULL, 1, 'ws_sessions', json_object('session_id', s.session_id)
  FROM ws_sessions s
  LEFT JOIN ids k ON k.kind = 'api_key' AND k.value = s.api_key_id
  LEFT JOIN ids a ON a.kind = 'address' AND a.value = s.address
  -- an unauthenticated (market channel) session is the person's whose requests alone came from its IP
  LEFT JOIN client_ip_people ip ON s.api_key_id IS NULL AND s.address IS NULL AND ip.client_ip = s.client_ip
  WHERE coalesce(k.person_id, a.person_id, ip.person_id) IS NOT NULL
),
fix_calls AS (
  SELECT f.person_id, m.*, m.msg_type_name || CASE m.direction WHEN 'in' THEN ' (client)' ELSE ' (exchange)' END AS call,
         CASE WHEN m.msg_type IN ('3', 'j', '9') OR m.ord_status = '8' OR m.exec_type = '8' THEN 'error'
              WHEN m.msg_type IN ('2', '4') OR m.poss_dup THEN 'warning' ELSE 'info' END AS severity,
         severity = 'info' AND m.msg_type = '0' AS heartbeat
  FROM fix_messages m JOIN ids f ON f.kind = 'fix_session' AND f.value = m.session_id
),
fix_ranked AS (
  SELECT *, heartbeat OR (severity = 'info' AND row_number() OVER (PARTITION BY person_id, severity, heartbeat ORDER BY sending_time DESC) > 1000) AS folded
  FROM fix_calls
),
fix_events AS (
  SELECT person_id, sending_time, 'fix', call, severity,
         concat_ws(' · ', session_id || ' #' || seq_num, 'ClOrdID ' || cl_ord_id, side, CASE WHEN order_qty IS NOT NULL THEN order_qty || ' @ ' || price END,
                   'OrdStatus ' || ord_status, 'BeginSeqNo ' || begin_seq_no, 'NewSeqNo ' || new_seq_no, CASE WHEN gap_fill THEN 'GapFill' END),
         coalesce(text, 'OrdRejReason ' || ord_rej_reason, 'SessionRejectReason ' || session_reject_reason),
         source_file || ':' || source_line, NULL, NULL, 1,
         'fix_messages', json_object('session_id', session_id, 'direction', direction, 'seq_num', seq_num)
  FROM fix_ranked WHERE NOT folded
  UNION ALL
  SELECT person_id, max(sending_time), 'fix', call, 'info',
         format('{:,}', count(*)) || ' messages in the hour from ' || strftime(date_trunc('hour', min(sending_time)), '%H:%M') || ' · ' || session_id,
         NULL, NULL, NULL, NULL, count(*), 'fix_messages',
         json_object('session_id', session_id, 'call', call, 'hour', strftime(date_trunc('hour', min(sending_time)), '%Y-%m-%dT%H:00:00Z'))
  FROM fix_ranked WHERE folded GROUP BY person_id, session_id, call, date_trunc('hour', sending_time)
  UNION ALL
  SELECT f.person_id, g.gap_at, 'fix', 'sequence gap (' || g.direction || ')', 'error',
         concat_ws(' · ', g.session_id, 'expected ' || g.expected_seq || ', received ' || g.received_seq, g.missing || ' missing',
                   CASE WHEN g.resend_requested_at IS NOT NULL THEN 'ResendRequest ' || strftime(g.resend_requested_at, '%H:%M:%S') END,
                   CASE WHEN g.gap_filled THEN 'answered by SequenceReset-GapFill' END),
         'MsgSeqNum too high: expected ' || g.expected_seq || ', received ' || g.received_seq,
         g.source_file || ':' || g.source_line, NULL, NULL, 1,
         'fix_sequence_gaps', json_object('session_id', g.session_id, 'direction', g.direction, 'received_seq', g.received_seq)
  FROM fix_sequence_gaps g JOIN ids f ON f.kind = 'fix_session' AND f.value = g.session_id
),
fills_ranked AS (
  SELECT a.person_id, f.*, p.outcome, p.question,
         row_number() OVER (PARTITION BY a.person_id ORDER BY f.block_time DESC, f.log_index DESC) > 1000 AS folded
  FROM chain_fills f JOIN ids a ON a.kind = 'address' AND a.value = f.maker
  LEFT JOIN chain_positions p ON p.token_id = f.token_id
),
chain_events AS (
  SELECT a.person_id, l.block_time, 'chain', l.kind, 'info',
         (abs(l.delta)::DECIMAL(38,6)::DOUBLE / 1e6) || ' ' || l.symbol
           || CASE WHEN l.address <> l.trading_wallet THEN ' (on ' || l.address || ', not the funder ' || l.trading_wallet || ')' ELSE '' END,
         NULL, l.tx_hash, l.tx_hash, l.address, 1, 'chain_collateral_ledger', json_object('tx_hash', l.tx_hash, 'log_index', l.log_index)
  FROM chain_collateral_ledger l JOIN ids a ON a.kind = 'address' AND a.value = l.address
  WHERE l.kind NOT IN ('buy', 'sell') -- fills are listed from chain_fills, with their order
  UNION ALL
  SELECT person_id, block_time, 'chain', 'fill ' || side, 'info',
         shares || ' shares @ ' || round(price, 4) || ' = ' || collateral_usdc || coalesce(' · ' || outcome || ' · ' || question, ''),
         NULL, order_hash, tx_hash, NULL, 1, 'chain_fills', json_object('tx_hash', tx_hash, 'log_index', log_index)
  FROM fills_ranked WHERE NOT folded
  UNION ALL
  SELECT person_id, max(block_time), 'chain', 'fill ' || side, 'info',
         format('{:,}', count(*)) || ' fills in the hour from ' || strftime(date_trunc('hour', min(block_time)), '%H:%M') || ': ' || sum(shares) || ' shares for ' || sum(collateral_usdc),
         NULL, NULL, NULL, NULL, count(*), 'chain_fills',
         json_object('side', side, 'hour', strftime(date_trunc('hour', min(block_time)), '%Y-%m-%dT%H:00:00Z'))
  FROM fills_ranked WHERE folded GROUP BY person_id, side, date_trunc('hour', block_time)
  UNION ALL
  SELECT a.person_id, l.block_time, 'chain', 'position ' || replace(l.kind, '_', ' '), 'info',
         (abs(l.delta)::DECIMAL(38,6)::DOUBLE / 1e6) || ' shares of ' || coalesce(p.outcome || ' · ' || p.question, l.token_id),
         NULL, l.tx_hash, l.tx_hash, l.address, 1, 'chain_position_ledger', json_object('tx_hash', l.tx_hash, 'log_index', l.log_index, 'token_id', l.token_id)
  FROM chain_position_ledger l JOIN ids a ON a.kind = 'address' AND a.value = l.address
  LEFT JOIN chain_positions p ON p.token_id = l.token_id
  WHERE l.kind IN ('transfer_in', 'transfer_out')
)
SELECT * FROM (
  SELECT * FROM ticket_events UNION ALL SELECT * FROM rest_events UNION ALL SELECT * FROM ws_events
  UNION ALL SELECT * FROM fix_events UNION ALL SELECT * FROM chain_events
) AS e(person_id, ts, source, kind, severity, summary, error, ref, tx_hash, address, count, ref_table, ref_key);
