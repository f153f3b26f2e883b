-- Derived views over FIX traffic (fix_messages). Re-created on every writable open.
-- Direction: in = client -> exchange, out = exchange -> client. Log order = logged_at (else
-- sending_time), then file and line.

-- Sequence gaps per session and direction: a message whose MsgSeqNum is above the one expected
-- after the previous message. PossDup resends (43=Y) are ignored; a Logon with ResetSeqNumFlag
-- (141=Y) or at MsgSeqNum 1, and a SequenceReset in reset mode (123 not Y), start the count again;
-- a GapFill sets the next expected number to its NewSeqNo (36). For each gap: whether the other side
-- asked for a resend (ResendRequest 35=2 covering the expected number) and whether the missing
-- range was answered (SequenceReset 35=4 or PossDup resends from the side that skipped).
CREATE OR REPLACE VIEW fix_sequence_gaps AS
WITH ordered AS (
  SELECT *,
    row_number() OVER (PARTITION BY session_id, direction
      ORDER BY coalesce(logged_at, sending_time), source_file, source_line, seq_num) AS ord
  FROM fix_messages
  WHERE NOT poss_dup
), marked AS (
  SELECT *,
    (msg_type = 'A' AND (coalesce(reset_seq_num, false) OR seq_num = 1))
      OR (msg_type = '4' AND NOT coalesce(gap_fill, false)) AS starts_count,
    CASE WHEN msg_type = '4' AND new_seq_no IS NOT NULL THEN new_seq_no ELSE seq_num + 1 END AS next_expected
  FROM ordered
), expected AS (
  SELECT *,
    CASE WHEN NOT starts_count THEN lag(next_expected) OVER (PARTITION BY session_id, direction ORDER BY ord) END AS expected_seq,
    lag(source_file) OVER (PARTITION BY session_id, direction ORDER BY ord) AS previous_file,
    lag(source_line) OVER (PARTITION BY session_id, direction ORDER BY ord) AS previous_line
  FROM marked
), gaps AS (
  SELECT session_id, direction, sending_time AS gap_at, source_file, source_line, previous_file, previous_line,
    msg_type, expected_seq, seq_num AS received_seq
  FROM expected
  WHERE expected_seq IS NOT NULL AND seq_num > expected_seq
)
SELECT
  g.session_id,
  g.direction,
  g.gap_at,
  g.expected_seq,
  g.received_seq,
  g.received_seq - g.expected_seq AS missing,
  g.msg_type AS received_msg_type,
  g.source_file,
  g.source_line,
  -- lines of the same log quarantined (bad checksum, bad body length...) between the previous
  -- message of this direction and this one: the "missing" messages may be there, unreadable
  (SELECT count(*) FROM rejects q
    WHERE q.source = 'fix' AND g.previous_file = g.source_file AND starts_with(q.location, g.source_file || ':')
      AND try_cast(substr(q.location, length(g.source_file) + 2) AS BIGINT) > g.previous_line
      AND try_cast(substr(q.location, length(g.source_file) + 2) AS BIGINT) < g.source_line) AS quarantined_lines_between,
  (SELECT min(r.sending_time) FROM fix_messages r
    WHERE r.session_id = g.session_id AND r.direction <> g.direction AND r.msg_type = '2'
      AND r.begin_seq_no <= g.expected_seq AND (coalesce(r.end_seq_no, 0) = 0 OR r.end_seq_no >= g.expected_seq)
      AND r.sending_time >= g.gap_at - INTERVAL 5 SECOND AND r.sending_time <= g.gap_at + INTERVAL 10 MINUTE) AS resend_requested_at,
  (SELECT min(f.sending_time) FROM fix_messages f
    WHERE f.session_id = g.session_id AND f.direction = g.direction AND f.msg_type = '4'
      AND f.seq_num >= g.expected_seq AND f.seq_num < g.received_seq
      AND f.sending_time >= g.gap_at - INTERVAL 5 SECOND AND f.sending_time <= g.gap_at + INTERVAL 10 MINUTE) AS sequence_reset_at,
  (SELECT bool_or(coalesce(f.gap_fill, false)) FROM fix_messages f
    WHERE f.session_id = g.session_id AND f.direction = g.direction AND f.msg_type = '4'
      AND f.seq_num >= g.expected_seq AND f.seq_num < g.received_seq
      AND f.sending_time >= g.gap_at - INTERVAL 5 SECOND AND f.sending_time <= g.gap_at + INTERVAL 10 MINUTE) AS gap_filled,
  (SELECT count(*) FROM fix_messages p
    WHERE p.session_id = g.session_id AND p.direction = g.direction AND p.poss_dup AND p.msg_type <> '4'
      AND p.seq_num >= g.expected_seq AND p.seq_num < g.received_seq
      AND p.sending_time >= g.gap_at - INTERVAL 5 SECOND AND p.sending_time <= g.gap_at + INTERVAL 10 MINUTE) AS resent_messages
FROM gaps g;

-- One row per FIX session (the counterparty CompID).
CREATE OR REPLACE VIEW fix_sessions AS
WITH silences AS (
  SELECT session_id,
    max(epoch(sending_time) - epoch(previous)) AS longest_inbound_silence_s
  FROM (
    SELECT session_id, sending_time,
      lag(sending_time) OVER (PARTITION BY session_id ORDER BY coalesce(logged_at, sending_time), source_file, source_line) AS previous,
      msg_type
    FROM fix_messages WHERE direction = 'in'
  )
  WHERE msg_type <> 'A' -- a new logon starts a new connection
  GROUP BY session_id
), gap_counts AS (
  SELECT session_id, count(*) AS sequence_gaps FROM fix_sequence_gaps GROUP BY session_id
)
SELECT
  m.session_id,
  arg_min(m.username, m.sending_time) FILTER (WHERE m.msg_type = 'A' AND m.direction = 'in' AND m.username IS NOT NULL) AS api_key_id,
  min(m.sending_time) AS first_message_at,
  max(m.sending_time) AS last_message_at,
  count(*) FILTER (WHERE m.msg_type = 'A' AND m.direction = 'in') AS logons,
  count(*) FILTER (WHERE m.msg_type = '5' AND m.direction = 'in') AS logouts,
  count(*) FILTER (WHERE m.direction = 'in') AS messages_in,
  count(*) FILTER (WHERE m.direction = 'out') AS messages_out,
  any_value(coalesce(g.sequence_gaps, 0)) AS sequence_gaps,
  count(*) FILTER (WHERE m.msg_type = '2') AS resend_requests,
  count(*) FILTER (WHERE m.msg_type = '4') AS sequence_resets,
  count(*) FILTER (WHERE m.msg_type = '3') AS session_rejects,
  count(*) FILTER (WHERE m.msg_type = 'j') AS business_rejects,
  count(*) FILTER (WHERE m.msg_type = 'D') AS orders,
  count(*) FILTER (WHERE m.msg_type = '8' AND (m.ord_status = '8' OR m.exec_type = '8')) AS order_rejects,
  count(*) FILTER (WHERE m.msg_type = '9') AS cancel_rejects,
  count(*) FILTER (WHERE m.msg_type = '8' AND m.exec_type IN ('F', '1', '2')) AS fills,
  max(m.heart_bt_int) FILTER (WHERE m.msg_type = 'A') AS heart_bt_int,
  any_value(s.longest_inbound_silence_s) AS longest_inbound_silence_s
FROM fix_messages m
LEFT JOIN gap_counts g USING (session_id)
LEFT JOIN silences s USING (session_id)
GROUP BY m.session_id;

-- The life of each order, one row per order message (NewOrderSingle, cancel requests, execution
-- reports, cancel rejects), with status names. killed_fok marks the expiry of a Fill-or-Kill order
-- that could not fill (39=0 New, then 39=C Expired or 39=4 Canceled with nothing filled).
CREATE OR REPLACE VIEW fix_order_events AS
WITH events AS (
  SELECT *,
    coalesce(CASE WHEN msg_type IN ('F', 'G', '9') THEN orig_cl_ord_id END, cl_ord_id) AS order_cl_ord_id
  FROM fix_messages
  WHERE msg_type IN ('D', 'F', 'G', '8', '9') AND cl_ord_id IS NOT NULL
), with_tif AS (
  SELECT *,
    max(time_in_force) FILTER (WHERE msg_type = 'D') OVER (PARTITION BY session_id, order_cl_ord_id) AS order_time_in_force
  FROM events
)
SELECT
  session_id,
  order_cl_ord_id AS cl_ord_id,
  cl_ord_id AS message_cl_ord_id,
  order_id,
  sending_time,
  direction,
  msg_type,
  msg_type_name,
  symbol,
  side,
  order_qty,
  price,
  coalesce(time_in_force, order_time_in_force) AS time_in_force,
  CASE coalesce(time_in_force, order_time_in_force) WHEN '0' THEN 'Day' WHEN '1' THEN 'GTC' WHEN '3' THEN 'IOC'
    WHEN '4' THEN 'FOK' WHEN '6' THEN 'GTD' END AS time_in_force_name,
  ord_status,
  CASE ord_status WHEN '0' THEN 'New' WHEN '1' THEN 'PartiallyFilled' WHEN '2' THEN 'Filled' WHEN '3' THEN 'DoneForDay'
    WHEN '4' THEN 'Canceled' WHEN '5' THEN 'Replaced' WHEN '6' THEN 'PendingCancel' WHEN '7' THEN 'Stopped'
    WHEN '8' THEN 'Rejected' WHEN '9' THEN 'Suspended' WHEN 'A' THEN 'PendingNew' WHEN 'B' THEN 'Calculated'
    WHEN 'C' THEN 'Expired' WHEN 'E' THEN 'PendingReplace' END AS ord_status_name,
  exec_type,
  CASE exec_type WHEN '0' THEN 'New' WHEN '4' THEN 'Canceled' WHEN '5' THEN 'Replaced' WHEN '6' THEN 'PendingCancel'
    WHEN '8' THEN 'Rejected' WHEN 'C' THEN 'Expired' WHEN 'D' THEN 'Restated' WHEN 'F' THEN 'Trade'
    WHEN 'I' THEN 'OrderStatus' WHEN '1' THEN 'PartialFill' WHEN '2' THEN 'Fill' END AS exec_type_name,
  cum_qty,
  leaves_qty,
  last_px,
  last_qty,
  ord_rej_reason,
  cxl_rej_reason,
  text,
  msg_type = '8' AND coalesce(time_in_force, order_time_in_force) = '4' AND ord_status IN ('C', '4')
    AND coalesce(cum_qty, 0) = 0 AS killed_fok,
  source_file,
  source_line
FROM with_tif;
