/**
 * The investigation page's extracts (written by investigate.tar.ts): every person's identities,
 * timeline, balances and diagnoses, partitioned so that one lookup in the browser reads two small
 * files: `index-NNN.arrow` (identifier -> person, sharded by a hash of the identifier) and
 * `bucket-NNN.arrow` (all rows of the persons whose id starts with those two hex digits). The
 * sharding rules live in src/components/investigate.ts, which the page uses to find the files.
 *
 * This is the internal escalation site: full detail (emails, wallets, message bodies, exact error
 * strings) is allowed; API secrets never are (the loaders redact them before anything is stored,
 * and no request body or query string is extracted here).
 *
 * Bucket rows share one schema (BucketRow); `section` says which columns mean what:
 * - identity: kind = email | eoa | funder | address | api_key | fix_session | wallet_type | tier | ticket
 * - event: the timeline. Successful market-data polling and FIX heartbeats are folded into one row
 *   per person, hour and route (`count`); everything else is one row per record.
 * - balance: on chain vs implied per wallet and asset (chain_reconciliation_all); detail = BalanceDetail
 * - diagnosis: the investigate engine's diagnoses; detail = DiagnosisDetail
 */
import {tableToIPC} from "apache-arrow";
import {diagnoseAll, type Diagnosis, type Discrepancy, type Identity} from "../../analysis/investigate/index.ts";
import {reconcile} from "../../analysis/investigate/reconcile.ts";
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {
  BUCKETS,
  INDEX_SHARDS,
  bucketFileName,
  bucketRange,
  indexFileName,
  indexShard,
  personBucket,
  type BalanceDetail,
  type BucketRow,
  type DiagnosisDetail
} from "../components/investigate.ts";
import {arrowTable, type ArrowColumnType} from "./lib/warehouse-extract.ts";

/** Successful requests on these routes are polling: folded into hourly counts on the timeline. */
const POLLING_ROUTES = ["GET /book", "GET /midpoint", "GET /price", "GET /tick-size", "GET /markets", "POST /v1/heartbeats"];
const POLLING = `(${POLLING_ROUTES.map((route) => `'${route}'`).join(", ")})`;

/**
 * Successful records listed one by one per person and source (newest first); older ones are folded
 * into hourly counts, so a market maker's bucket stays small. Errors and warnings are always listed.
 */
const LISTED = 1000;

/** Longest ticket message kept on the timeline (the full text is in Intercom). */
const MESSAGE_CHARS = 1000;

const BUCKET_SCHEMA: Record<keyof BucketRow, ArrowColumnType> = {
  person_id: "utf8",
  section: "utf8",
  ts: "timestamp",
  source: "utf8",
  kind: "utf8",
  severity: "utf8",
  summary: "utf8",
  error: "utf8",
  ref: "utf8",
  tx_hash: "utf8",
  address: "utf8",
  count: "int32",
  detail: "utf8"
};

export interface ExtractFile {
  name: string;
  bytes: Uint8Array;
}

const fmt = (expr: string) => `format('{:,}', ${expr})`;
const units = (expr: string) => `(${expr})::DECIMAL(38,6)::DOUBLE / 1e6`;

/**
 * Temp tables: who each record belongs to. A REST request is the person of its API key, else of
 * its POLY_ADDRESS, else of the order's maker, else of its client IP when only one person's
 * authenticated traffic comes from that IP (public market data, market-channel WebSockets).
 */
const ATTRIBUTION_SQL = `
CREATE OR REPLACE TEMP TABLE inv_ids AS SELECT DISTINCT person_id, kind, value FROM identities;
CREATE OR REPLACE TEMP TABLE inv_requests AS
  SELECT coalesce(k.person_id, a.person_id, m.person_id) AS person_id, r.*
  FROM api_requests r
  LEFT JOIN inv_ids k ON k.kind = 'api_key' AND k.value = r.api_key_id
  LEFT JOIN inv_ids a ON a.kind = 'address' AND a.value = r.address
  LEFT JOIN inv_ids m ON m.kind = 'address' AND m.value = r.maker;
CREATE OR REPLACE TEMP TABLE inv_ips AS
  SELECT client_ip, any_value(person_id) AS person_id FROM inv_requests
  WHERE person_id IS NOT NULL AND client_ip IS NOT NULL GROUP BY client_ip HAVING count(DISTINCT person_id) = 1;
UPDATE inv_requests r SET person_id = i.person_id FROM inv_ips i WHERE r.person_id IS NULL AND r.client_ip = i.client_ip;
CREATE OR REPLACE TEMP TABLE inv_tickets AS
  SELECT DISTINCT t.ticket_id, coalesce(e.person_id, w.person_id) AS person_id FROM tickets t
  LEFT JOIN inv_ids e ON e.kind = 'email' AND e.value = lower(t.user_email)
  LEFT JOIN inv_ids w ON w.kind = 'address' AND w.value = t.user_wallet
  WHERE coalesce(e.person_id, w.person_id) IS NOT NULL;
`;

/** Every bucket row of every person, as one temp table ordered by person (so a bucket is a range). */
const ROWS_SQL = `
CREATE OR REPLACE TEMP TABLE inv_rows AS
WITH
identity_rows AS (
  SELECT person_id, 'identity' AS section, NULL::TIMESTAMPTZ AS ts, NULL AS source, kind, 'info' AS severity,
         value AS summary, NULL AS error, NULL AS ref, NULL AS tx_hash, NULL AS address, 1 AS count, NULL AS detail
  FROM (
    SELECT person_id, 'email' AS kind, unnest(emails) AS value FROM users
    UNION ALL SELECT person_id, 'eoa', unnest(eoas) FROM users
    UNION ALL SELECT person_id, 'funder', unnest(funders) FROM users
    UNION ALL SELECT person_id, 'address', unnest(addresses) FROM users
    UNION ALL SELECT person_id, 'api_key', unnest(api_keys) FROM users
    UNION ALL SELECT person_id, 'fix_session', unnest(fix_sessions) FROM users
    UNION ALL SELECT person_id, 'wallet_type', wallet_type FROM users WHERE wallet_type IS NOT NULL
    UNION ALL SELECT person_id, 'tier', tier FROM users WHERE tier IS NOT NULL
  )
  UNION ALL
  SELECT it.person_id, 'identity', t.created_at, 'intercom', 'ticket', 'info', t.title, NULL, t.ticket_id, NULL, NULL, 1, NULL
  FROM inv_tickets it JOIN tickets t USING (ticket_id)
),
ticket_events AS (
  SELECT it.person_id, 'event', t.created_at, 'intercom', 'ticket opened', 'info',
         concat_ws(' · ', t.title, t.category, t.tier, t.state, CASE WHEN t.csat_rating IS NOT NULL THEN 'CSAT ' || t.csat_rating END),
         NULL, t.ticket_id, NULL, NULL, 1, NULL
  FROM inv_tickets it JOIN tickets t USING (ticket_id)
  UNION ALL
  SELECT it.person_id, 'event', p.created_at, 'intercom', p.part_type || coalesce(' by ' || p.author_type, ''), 'info',
         concat_ws(': ', p.author_name, left(p.body, ${MESSAGE_CHARS})), NULL, p.ticket_id, NULL, NULL, 1, NULL
  FROM inv_tickets it JOIN ticket_parts p USING (ticket_id)
  WHERE p.part_type <> 'source' -- the opening message is the ticket's first_message, shown below
  UNION ALL
  SELECT it.person_id, 'event', t.created_at, 'intercom', 'message by user', 'info', left(t.first_message, ${MESSAGE_CHARS}), NULL, t.ticket_id, NULL, NULL, 1, NULL
  FROM inv_tickets it JOIN tickets t USING (ticket_id) WHERE t.first_message IS NOT NULL
),
rest_ranked AS (
  SELECT *, method || ' ' || route AS call, status < 400 AND error_message IS NULL AS ok,
         ok AND (call IN ${POLLING} OR row_number() OVER (PARTITION BY person_id, ok AND call NOT IN ${POLLING} ORDER BY ts DESC) > ${LISTED}) AS folded
  FROM inv_requests WHERE person_id IS NOT NULL
),
rest_events AS (
  SELECT person_id, 'event', ts, 'rest', call,
         CASE WHEN status >= 400 THEN 'error' WHEN error_message IS NOT NULL THEN 'warning' ELSE 'info' END,
         concat_ws(' · ', 'HTTP ' || status, order_type, side,
                   CASE WHEN size IS NOT NULL THEN size || ' @ ' || price END,
                   'signatureType ' || signature_type, insert_status, CASE WHEN order_count > 1 THEN order_count || ' orders' END,
                   'order ' || order_id, CASE WHEN NOT ok THEN user_agent END),
         error_message, request_id, NULL, NULL, 1, NULL
  FROM rest_ranked WHERE NOT folded
  UNION ALL
  SELECT person_id, 'event', max(ts), 'rest', call, 'info',
         ${fmt("count(*)")} || ' successful requests in the hour from ' || strftime(date_trunc('hour', min(ts)), '%H:%M'),
         NULL, NULL, NULL, NULL, count(*), NULL
  FROM rest_ranked WHERE folded GROUP BY person_id, call, date_trunc('hour', ts)
),
ws_events AS (
  SELECT coalesce(k.person_id, ip.person_id), 'event', s.connected_at, 'websocket', s.channel || ' channel session',
         CASE WHEN s.close_code NOT IN (1000, 1001) THEN 'error' ELSE 'info' END,
         concat_ws(' · ', ${fmt("s.messages")} || ' messages', ${fmt("s.subscribed_ids")} || ' ids subscribed',
                   'longest silence ' || round(s.longest_silence_s) || ' s' || CASE WHEN s.pongs_during_longest_silence > 0 THEN ' (' || s.pongs_during_longest_silence || ' PONGs meanwhile)' ELSE '' END,
                   CASE WHEN s.ping_before_subscribe THEN 'PING before subscribe' END,
                   CASE WHEN s.closed_at IS NOT NULL THEN 'closed ' || strftime(s.closed_at, '%H:%M:%S') END),
         CASE WHEN s.close_code NOT IN (1000, 1001) THEN concat_ws(' ', 'close ' || s.close_code, nullif(s.close_reason, '')) END,
         s.session_id, NULL, NULL, 1, NULL
  FROM ws_sessions s
  LEFT JOIN inv_ids k ON k.kind = 'api_key' AND k.value = s.api_key_id
  LEFT JOIN inv_ips ip ON s.api_key_id IS NULL AND ip.client_ip = s.client_ip
  WHERE coalesce(k.person_id, ip.person_id) IS NOT NULL
),
fix_ranked AS (
  SELECT f.person_id, m.*, m.msg_type_name || CASE m.direction WHEN 'in' THEN ' (client)' ELSE ' (exchange)' END AS call,
         CASE WHEN m.msg_type IN ('3', 'j', '9') OR m.ord_status = '8' OR m.exec_type = '8' THEN 'error'
              WHEN m.msg_type IN ('2', '4') OR m.poss_dup THEN 'warning' ELSE 'info' END AS severity,
         severity = 'info' AND (m.msg_type = '0' OR row_number() OVER (PARTITION BY f.person_id, severity = 'info' AND m.msg_type <> '0' ORDER BY m.sending_time DESC) > ${LISTED}) AS folded
  FROM fix_messages m JOIN inv_ids f ON f.kind = 'fix_session' AND f.value = m.session_id
),
fix_events AS (
  SELECT person_id, 'event', sending_time, 'fix', call, severity,
         concat_ws(' · ', session_id || ' #' || seq_num, 'ClOrdID ' || cl_ord_id, side, CASE WHEN order_qty IS NOT NULL THEN order_qty || ' @ ' || price END,
                   'OrdStatus ' || ord_status, 'BeginSeqNo ' || begin_seq_no, 'NewSeqNo ' || new_seq_no, CASE WHEN gap_fill THEN 'GapFill' END),
         coalesce(text, 'OrdRejReason ' || ord_rej_reason, 'SessionRejectReason ' || session_reject_reason),
         source_file || ':' || source_line, NULL, NULL, 1, NULL
  FROM fix_ranked WHERE NOT folded
  UNION ALL
  SELECT person_id, 'event', max(sending_time), 'fix', call, 'info',
         ${fmt("count(*)")} || ' messages in the hour from ' || strftime(date_trunc('hour', min(sending_time)), '%H:%M') || ' · ' || session_id,
         NULL, NULL, NULL, NULL, count(*), NULL
  FROM fix_ranked WHERE folded GROUP BY person_id, session_id, call, date_trunc('hour', sending_time)
  UNION ALL
  SELECT f.person_id, 'event', g.gap_at, 'fix', 'sequence gap (' || g.direction || ')', 'error',
         concat_ws(' · ', g.session_id, 'expected ' || g.expected_seq || ', received ' || g.received_seq, g.missing || ' missing',
                   CASE WHEN g.resend_requested_at IS NOT NULL THEN 'ResendRequest ' || strftime(g.resend_requested_at, '%H:%M:%S') END,
                   CASE WHEN g.gap_filled THEN 'answered by SequenceReset-GapFill' END),
         'MsgSeqNum too high: expected ' || g.expected_seq || ', received ' || g.received_seq,
         g.source_file || ':' || g.source_line, NULL, NULL, 1, NULL
  FROM fix_sequence_gaps g JOIN inv_ids f ON f.kind = 'fix_session' AND f.value = g.session_id
),
fills_ranked AS (
  SELECT a.person_id, f.*, p.outcome, p.market_id,
         row_number() OVER (PARTITION BY a.person_id ORDER BY f.block_time DESC, f.log_index DESC) > ${LISTED} AS folded
  FROM chain_fills f JOIN inv_ids a ON a.kind = 'address' AND a.value = f.maker
  LEFT JOIN chain_positions p ON p.token_id = f.token_id
),
chain_events AS (
  SELECT a.person_id, 'event', l.block_time, 'chain', l.kind,
         'info',
         ${units("abs(l.delta)")} || ' ' || l.symbol || CASE WHEN l.address <> l.trading_wallet THEN ' (on ' || l.address || ', not the funder ' || l.trading_wallet || ')' ELSE '' END,
         NULL, l.tx_hash, l.tx_hash, l.address, 1, NULL
  FROM chain_collateral_ledger l JOIN inv_ids a ON a.kind = 'address' AND a.value = l.address
  WHERE l.kind NOT IN ('buy', 'sell') -- fills are listed from chain_fills, with their order
  UNION ALL
  SELECT person_id, 'event', block_time, 'chain', 'fill ' || side, 'info',
         shares || ' shares @ ' || round(price, 4) || ' = ' || collateral_usdc || coalesce(' · ' || outcome || ' · market ' || market_id, ''),
         NULL, order_hash, tx_hash, NULL, 1, NULL
  FROM fills_ranked WHERE NOT folded
  UNION ALL
  SELECT person_id, 'event', max(block_time), 'chain', 'fill ' || side, 'info',
         ${fmt("count(*)")} || ' fills in the hour from ' || strftime(date_trunc('hour', min(block_time)), '%H:%M') || ': ' || sum(shares) || ' shares for ' || sum(collateral_usdc),
         NULL, NULL, NULL, NULL, count(*), NULL
  FROM fills_ranked WHERE folded GROUP BY person_id, side, date_trunc('hour', block_time)
  UNION ALL
  SELECT a.person_id, 'event', l.block_time, 'chain', 'position ' || replace(l.kind, '_', ' '), 'info',
         ${units("abs(l.delta)")} || ' shares of ' || coalesce(p.outcome || ' · ' || p.question, l.token_id),
         NULL, l.tx_hash, l.tx_hash, l.address, 1, NULL
  FROM chain_position_ledger l JOIN inv_ids a ON a.kind = 'address' AND a.value = l.address
  LEFT JOIN chain_positions p ON p.token_id = l.token_id
  WHERE l.kind IN ('transfer_in', 'transfer_out')
),
balance_rows AS (
  SELECT a.person_id, 'balance', NULL::TIMESTAMPTZ, 'chain', r.asset,
         CASE WHEN r.difference_units <> 0 THEN 'error' ELSE 'info' END,
         coalesce(p.outcome || ' · ' || p.question, r.asset), NULL, NULL, NULL, r.user, 1,
         to_json({implied: r.implied_units::VARCHAR, on_chain: r.on_chain_units::VARCHAR, difference: r.difference_units::VARCHAR,
                  snapshot_block: r.snapshot_block, explained_by: NULL::VARCHAR, explanation: NULL::VARCHAR})::VARCHAR
  FROM chain_reconciliation_all r JOIN inv_ids a ON a.kind = 'address' AND a.value = r.user
  LEFT JOIN chain_positions p ON p.token_id = r.asset
  WHERE r.implied_units <> 0 OR r.on_chain_units <> 0
)
SELECT * FROM (
  SELECT * FROM identity_rows UNION ALL SELECT * FROM ticket_events UNION ALL SELECT * FROM rest_events
  UNION ALL SELECT * FROM ws_events UNION ALL SELECT * FROM fix_events UNION ALL SELECT * FROM chain_events
  UNION ALL SELECT * FROM balance_rows
) AS r(person_id, section, ts, source, kind, severity, summary, error, ref, tx_hash, address, count, detail)
ORDER BY person_id, section, ts DESC NULLS LAST, kind, ref;
`;

/** Identifiers a lookup accepts, each with the person it belongs to (normalised: lower-case). */
const INDEX_SQL = `
SELECT DISTINCT key, kind, person_id FROM (
  SELECT lower(value) AS key, kind, person_id FROM inv_ids
  UNION ALL SELECT person_id, 'person', person_id FROM inv_ids
  UNION ALL SELECT ticket_id, 'ticket', person_id FROM inv_tickets
  UNION ALL SELECT lower(order_id), 'order', person_id FROM inv_requests WHERE order_id IS NOT NULL AND person_id IS NOT NULL
  UNION ALL SELECT f.order_hash, 'order', a.person_id FROM chain_fills f JOIN inv_ids a ON a.kind = 'address' AND a.value = f.maker
  UNION ALL SELECT f.tx_hash, 'transaction', a.person_id FROM chain_fills f JOIN inv_ids a ON a.kind = 'address' AND a.value = f.maker
  UNION ALL SELECT l.tx_hash, 'transaction', a.person_id FROM chain_collateral_ledger l JOIN inv_ids a ON a.kind = 'address' AND a.value = l.address
  UNION ALL SELECT l.tx_hash, 'transaction', a.person_id FROM chain_position_ledger l JOIN inv_ids a ON a.kind = 'address' AND a.value = l.address
)
`;


/** Index shards: rows grouped by indexShard(key), each shard one Arrow file. */
async function indexFiles(warehouse: Warehouse): Promise<ExtractFile[]> {
  const shards: {key: string; kind: string; person_id: string}[][] = Array.from({length: INDEX_SHARDS}, () => []);
  for (const row of (await warehouse.all(`${INDEX_SQL} ORDER BY key, kind, person_id`)) as {key: string; kind: string; person_id: string}[]) {
    shards[indexShard(row.key)].push(row);
  }
  return shards.map((rows, shard) => ({
    name: indexFileName(shard),
    bytes: tableToIPC(arrowTable(rows, {key: "utf8", kind: "utf8", person_id: "utf8"}), "stream")
  }));
}

type ExtractRow = BucketRow & Record<string, unknown>;

function diagnosisRows(personId: string, diagnoses: Diagnosis[]): ExtractRow[] {
  return diagnoses.map((d) => ({
    person_id: personId,
    section: "diagnosis",
    ts: null,
    source: null,
    kind: d.code,
    severity: "error",
    summary: d.title,
    error: null,
    ref: d.playbook,
    tx_hash: null,
    address: null,
    count: 1,
    detail: JSON.stringify({
      confidence: d.confidence,
      evidence: d.evidence,
      customer_message: d.customer_message,
      engineering_next_step: d.engineering_next_step,
      playbook: d.playbook,
      ticket_ids: d.ticket_ids
    } satisfies DiagnosisDetail)
  }));
}

/** The engine's verdict on a balance difference (explained by a diagnosis, or flagged) into its row. */
function explainBalance(row: ExtractRow, discrepancies: Discrepancy[]): ExtractRow {
  const found = discrepancies.find((d) => d.user === row.address && d.asset === row.kind);
  if (!found) return row;
  const detail = JSON.parse(row.detail ?? "{}") as BalanceDetail;
  return {...row, severity: found.explained_by ? "warning" : "error", detail: JSON.stringify({...detail, explained_by: found.explained_by, explanation: found.explanation})};
}

/** What the investigate engine (analysis/investigate) concluded, per person id. */
export interface EngineFindings {
  diagnoses: Map<string, Diagnosis[]>;
  discrepancies: Map<string, Discrepancy[]>;
}

/**
 * The engine's diagnoses for everyone (one set-based pass), and its explanation of each balance
 * difference for the few people who have one (reconcile() reads the identity's addresses).
 */
export async function engineFindings(warehouse: Warehouse): Promise<EngineFindings> {
  const diagnoses = await diagnoseAll(warehouse);
  const discrepancies = new Map<string, Discrepancy[]>();
  const people = await warehouse.all<Omit<Identity, "eoa" | "funder" | "expected_signature_type" | "ticket_ids" | "matched"> & {eoas: string[] | null; funders: string[] | null}>(
    `SELECT person_id, eoas, funders, wallet_type, tier, coalesce(emails, []) AS emails, coalesce(addresses, []) AS addresses,
            coalesce(api_keys, []) AS api_keys, coalesce(fix_sessions, []) AS fix_sessions
     FROM users WHERE list_has_any(addresses, (SELECT list("user") FROM reconciliation))`
  );
  for (const {eoas, funders, ...person} of people) {
    const identity: Identity = {
      ...person,
      eoa: eoas?.[0] ?? null,
      funder: funders?.[0] ?? null,
      expected_signature_type: null,
      ticket_ids: [],
      matched: {kind: "person", value: person.person_id}
    };
    discrepancies.set(person.person_id, await reconcile(warehouse, identity, diagnoses.get(person.person_id) ?? []));
  }
  return {diagnoses, discrepancies};
}

/**
 * Every file of the extract: INDEX_SHARDS index shards and BUCKETS buckets (empty ones included,
 * so the page can fetch any name it computes).
 */
export async function* investigateExtract(warehouse: Warehouse, findings: EngineFindings): AsyncGenerator<ExtractFile> {
  await warehouse.run(ATTRIBUTION_SQL);
  await warehouse.run(ROWS_SQL);
  yield* await indexFiles(warehouse);
  for (let bucket = 0; bucket < BUCKETS; bucket++) {
    const rows = await warehouse.all<ExtractRow>(
      `SELECT person_id, section, epoch_ms(ts) AS ts, source, kind, severity, summary, error, ref, tx_hash, address, count, detail
       FROM inv_rows WHERE person_id >= $from AND person_id < $to`,
      {...bucketRange(bucket)}
    );
    for (const [person, list] of findings.diagnoses) if (personBucket(person) === bucket) rows.push(...diagnosisRows(person, list));
    const explained = rows.map((row) => (row.section === "balance" && findings.discrepancies.has(row.person_id) ? explainBalance(row, findings.discrepancies.get(row.person_id)!) : row));
    yield {name: bucketFileName(bucket), bytes: tableToIPC(arrowTable(explained, BUCKET_SCHEMA), "stream")};
  }
}
