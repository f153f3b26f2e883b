/**
 * One timeline for a person, newest first, across every source. Failures, tickets, orders, FIX
 * session events and chain movements are one entry each; successful REST traffic other than order
 * placement is folded into one entry per route and hour (a market maker makes thousands of book
 * requests a day). Past `limit` entries the oldest are dropped and counted in `omitted`.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {Identity, Severity, TimelineEntry, TimelineSource} from "./types.ts";

export const DEFAULT_TIMELINE_LIMIT = 500;
export const polygonscanTx = (hash: string) => `https://polygonscan.com/tx/${hash}`;
export const polygonscanAddress = (address: string) => `https://polygonscan.com/address/${address}`;

const ISO = "strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') || 'Z'";

const TIMELINE_SQL = `
WITH addresses AS (SELECT unnest($addresses::VARCHAR[]) AS address),
     sessions AS (SELECT unnest($fix_sessions::VARCHAR[]) AS session_id),
     person_tickets AS (SELECT unnest($tickets::VARCHAR[]) AS ticket_id),
     requests AS (
       SELECT r.* FROM api_requests r WHERE coalesce(r.maker, r.address) IN (SELECT address FROM addresses)
     ),
     entries AS (
  SELECT p.created_at AS ts, 'intercom' AS source,
         CASE p.part_type WHEN 'source' THEN 'ticket_opened' ELSE 'ticket_' || p.part_type END AS kind,
         CASE WHEN p.part_type = 'source' THEN 'Ticket ' || t.ticket_id || ' (' || coalesce(t.category, 'uncategorised') || '): ' || coalesce(t.title, '') || ' ' || left(coalesce(p.body, ''), 160)
              ELSE coalesce(p.author_type, '') || ' ' || p.part_type || coalesce(': ' || left(p.body, 160), '') END AS summary,
         CASE WHEN p.part_type = 'source' THEN 'warning' ELSE 'info' END AS severity,
         'ticket_parts' AS ref_table, json_object('ticket_id', p.ticket_id, 'part_id', p.part_id) AS ref_key, NULL AS link, 1 AS count
    FROM ticket_parts p JOIN tickets t USING (ticket_id) WHERE p.ticket_id IN (SELECT ticket_id FROM person_tickets)
  UNION ALL
  SELECT ts, 'rest', CASE WHEN error_message IS NOT NULL OR status >= 400 THEN 'request_failed' ELSE 'order_placed' END,
         method || ' ' || path || ' -> ' || status || coalesce(': ' || error_message, '')
           || coalesce(' [' || order_type || ' ' || side || ' ' || size || ' @ ' || price || ']', ''),
         CASE WHEN status = 425 OR status >= 500 THEN 'error' WHEN status >= 400 OR error_message IS NOT NULL THEN 'warning' ELSE 'info' END,
         'api_requests', json_object('request_id', request_id), NULL, 1
    FROM requests WHERE error_message IS NOT NULL OR status >= 400 OR route IN ('/order', '/orders')
  UNION ALL
  SELECT date_trunc('hour', ts), 'rest', 'requests_ok',
         count(*) || ' × ' || method || ' ' || route || ' -> ' || min(status) || CASE WHEN min(status) <> max(status) THEN '..' || max(status) ELSE '' END,
         'info', 'api_requests', json_object('route', route, 'hour', strftime(date_trunc('hour', ts), '%Y-%m-%dT%H:00:00Z')), NULL, count(*)
    FROM requests WHERE error_message IS NULL AND status < 400 AND route NOT IN ('/order', '/orders')
   GROUP BY date_trunc('hour', ts), method, route
  UNION ALL
  SELECT connected_at, 'websocket', 'ws_session',
         channel || ' session ' || session_id || ': ' || subscriptions || ' subscriptions, ' || messages || ' messages'
           || CASE WHEN longest_silence_s > 60 THEN ', silent ' || round(longest_silence_s) || ' s from ' || strftime(longest_silence_start, '%H:%M:%S') || ' with ' || pongs_during_longest_silence || ' PONGs' ELSE '' END
           || coalesce(', closed ' || close_code || coalesce(' ' || close_reason, ''), ''),
         CASE WHEN longest_silence_s > 60 AND pongs_during_longest_silence > 0 THEN 'warning' ELSE 'info' END,
         'ws_sessions', json_object('session_id', session_id), NULL, 1
    FROM ws_sessions
   WHERE address IN (SELECT address FROM addresses) OR api_key_id IN (SELECT unnest($api_keys::VARCHAR[]))
      OR (channel = 'market' AND address IS NULL AND client_ip IN (SELECT DISTINCT client_ip FROM requests WHERE client_ip IS NOT NULL))
  UNION ALL
  SELECT sending_time, 'fix', 'fix_' || lower(msg_type_name),
         direction || ' ' || msg_type_name || ' seq ' || seq_num || coalesce(' ClOrdID ' || cl_ord_id, '') || coalesce(' OrdStatus ' || ord_status, '')
           || coalesce(' BeginSeqNo ' || begin_seq_no, '') || coalesce(' NewSeqNo ' || new_seq_no, '') || coalesce(': ' || text, ''),
         CASE WHEN msg_type IN ('3', 'j', '9') OR ord_status = '8' THEN 'warning' WHEN msg_type IN ('2', '4') THEN 'warning' ELSE 'info' END,
         'fix_messages', json_object('session_id', session_id, 'direction', direction, 'seq_num', seq_num), NULL, 1
    FROM fix_messages WHERE session_id IN (SELECT session_id FROM sessions) AND msg_type NOT IN ('0', '1')
  UNION ALL
  SELECT gap_at, 'fix', 'fix_sequence_gap',
         direction || ' MsgSeqNum gap on ' || session_id || ': expected ' || expected_seq || ', received ' || received_seq
           || CASE WHEN gap_filled THEN ' (answered by GapFill, not resent)' ELSE '' END,
         'error', 'fix_sequence_gaps', json_object('session_id', session_id, 'direction', direction, 'received_seq', received_seq), NULL, 1
    FROM fix_sequence_gaps WHERE session_id IN (SELECT session_id FROM sessions)
  UNION ALL
  SELECT block_time, 'chain', kind,
         kind || ' ' || abs(delta) / 1e6 || ' ' || symbol || ' (' || address || ')', 'info',
         'chain_collateral_ledger', json_object('tx_hash', tx_hash, 'log_index', log_index), tx_hash, 1
    FROM chain_collateral_ledger WHERE address IN (SELECT address FROM addresses) OR trading_wallet IN (SELECT address FROM addresses)
  UNION ALL
  SELECT block_time, 'chain', 'position_' || kind,
         'position ' || kind || ' ' || abs(delta) / 1e6 || ' shares of ' || left(token_id, 12) || '…', 'info',
         'chain_position_ledger', json_object('tx_hash', tx_hash, 'log_index', log_index, 'token_id', token_id), tx_hash, 1
    FROM chain_position_ledger WHERE kind NOT IN ('buy', 'sell') AND (address IN (SELECT address FROM addresses) OR trading_wallet IN (SELECT address FROM addresses))
)
SELECT ${ISO} AS ts, source, kind, summary, severity, ref_table, ref_key::VARCHAR AS ref_key, link, count, count(*) OVER () AS total
  FROM entries ORDER BY entries.ts DESC, source, summary LIMIT $limit`;

interface TimelineRow {
  ts: string;
  source: TimelineSource;
  kind: string;
  summary: string;
  severity: Severity;
  ref_table: string;
  ref_key: string;
  link: string | null;
  count: number;
  total: number;
  [column: string]: unknown;
}

export async function timeline(
  warehouse: Warehouse,
  identity: Identity,
  limit = DEFAULT_TIMELINE_LIMIT
): Promise<{entries: TimelineEntry[]; omitted: number}> {
  const rows = await warehouse.json<TimelineRow>(TIMELINE_SQL, {
    addresses: JSON.stringify(identity.addresses),
    fix_sessions: JSON.stringify(identity.fix_sessions),
    api_keys: JSON.stringify(identity.api_keys),
    tickets: JSON.stringify(identity.ticket_ids),
    limit
  });
  const entries = rows.map((row): TimelineEntry => ({
    ts: row.ts,
    source: row.source,
    kind: row.kind,
    summary: row.summary,
    severity: row.severity,
    ref: {table: row.ref_table, key: JSON.parse(row.ref_key) as Record<string, string | number>},
    ...(row.link ? {link: polygonscanTx(row.link)} : {}),
    count: Number(row.count)
  }));
  const total = rows.length ? Number(rows[0].total) : 0;
  return {entries, omitted: total - rows.length};
}
