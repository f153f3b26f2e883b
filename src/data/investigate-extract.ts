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
 * - event: the timeline, as the `timeline_events` view (views/080_investigate.sql) defines it for the
 *   engine too: routine successful traffic folded into one row per person, hour and call (`count`).
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

/**
 * Every bucket row of every person, as one temp table ordered by person (so a bucket is a range):
 * identities from `users` and `ticket_people`, the timeline from `timeline_events` (the view the
 * investigate engine reads too), balances from `chain_reconciliation_all`.
 */
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
  SELECT tp.person_id, 'identity', t.created_at, 'intercom', 'ticket', 'info', t.title, NULL, t.ticket_id, NULL, NULL, 1, NULL
  FROM ticket_people tp JOIN tickets t USING (ticket_id)
),
event_rows AS (
  SELECT person_id, 'event', ts, source, kind, severity, summary, error, ref, tx_hash, address, count, NULL FROM timeline_events
),
balance_rows AS (
  SELECT a.person_id, 'balance', NULL::TIMESTAMPTZ, 'chain', r.asset,
         CASE WHEN r.difference_units <> 0 THEN 'error' ELSE 'info' END,
         coalesce(p.outcome || ' · ' || p.question, r.asset), NULL, NULL, NULL, r.user, 1,
         to_json({implied: r.implied_units::VARCHAR, on_chain: r.on_chain_units::VARCHAR, difference: r.difference_units::VARCHAR,
                  snapshot_block: r.snapshot_block, explained_by: NULL::VARCHAR, explanation: NULL::VARCHAR})::VARCHAR
  FROM chain_reconciliation_all r JOIN (SELECT DISTINCT person_id, value FROM identities WHERE kind = 'address') a ON a.value = r.user
  LEFT JOIN chain_positions p ON p.token_id = r.asset
  WHERE r.implied_units <> 0 OR r.on_chain_units <> 0
)
SELECT * FROM (SELECT * FROM identity_rows UNION ALL SELECT * FROM event_rows UNION ALL SELECT * FROM balance_rows)
  AS r(person_id, section, ts, source, kind, severity, summary, error, ref, tx_hash, address, count, detail)
ORDER BY person_id, section, ts DESC NULLS LAST, kind, ref;
`;

/** Identifiers a lookup accepts, each with the person it belongs to (normalised: lower-case). */
const INDEX_SQL = `
WITH ids AS (SELECT DISTINCT person_id, kind, value FROM identities)
SELECT DISTINCT key, kind, person_id FROM (
  SELECT lower(value) AS key, kind, person_id FROM ids
  UNION ALL SELECT person_id, 'person', person_id FROM ids
  UNION ALL SELECT ticket_id, 'ticket', person_id FROM ticket_people
  UNION ALL SELECT lower(r.order_id), 'order', p.person_id FROM request_people p JOIN api_requests r USING (request_id) WHERE r.order_id IS NOT NULL
  UNION ALL SELECT f.order_hash, 'order', a.person_id FROM chain_fills f JOIN ids a ON a.kind = 'address' AND a.value = f.maker
  UNION ALL SELECT f.tx_hash, 'transaction', a.person_id FROM chain_fills f JOIN ids a ON a.kind = 'address' AND a.value = f.maker
  UNION ALL SELECT l.tx_hash, 'transaction', a.person_id FROM chain_collateral_ledger l JOIN ids a ON a.kind = 'address' AND a.value = l.address
  UNION ALL SELECT l.tx_hash, 'transaction', a.person_id FROM chain_position_ledger l JOIN ids a ON a.kind = 'address' AND a.value = l.address
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
