/**
 * The SQL half of the api-logs loader. JS stages each line's bytes into a staging table (rowid order
 * = line order; two of them, used in turn, in the in-memory database `_api_staging`); these statements decode, validate and classify the lines with DuckDB's JSON
 * functions (one json_transform parse per line), then insert REST lines into `api_requests` and
 * WebSocket lines into `ws_events`, skipping natural keys already present.
 *
 * Secrets: only named, non-secret fields are selected out of the JSON. The one free-form JSON kept
 * (`request_body` of failed requests) and the free-text fields go through the SQL redaction in
 * sql-redact.ts; rejected lines' raw text goes through redactText in JS.
 */
import {sqlJsonNeedsDeepRedaction, sqlRedactJson, sqlRedactQuery, sqlRedactText} from "./sql-redact.ts";

/** In-memory database for the staging and parsed tables, shared by the loader's connections. */
export const STAGING_DB = "_api_staging";

/**
 * Fields pulled out of every line in one parse (each extra field costs on every line, so only what
 * is stored or decides something). Numbers as DOUBLE so wrong types surface as NULL. V1 orders are
 * told by nonce / feeRateBps / taker, V2 orders by timestamp / metadata / builder.
 */
const ORDER_FIELDS = [
  "maker",
  "signer",
  "taker",
  "tokenId",
  "makerAmount",
  "takerAmount",
  "nonce",
  "feeRateBps",
  "side",
  "signatureType",
  "timestamp",
  "metadata",
  "builder"
];
const STRUCTURE = {
  ts: "VARCHAR",
  request_id: "VARCHAR",
  method: "VARCHAR",
  path: "VARCHAR",
  query: "VARCHAR",
  status: "DOUBLE",
  latency_ms: "DOUBLE",
  client_ip: "VARCHAR",
  user_agent: "VARCHAR",
  headers: {POLY_ADDRESS: "VARCHAR", POLY_API_KEY: "VARCHAR", poly_address: "VARCHAR", poly_api_key: "VARCHAR"},
  request_body: {
    order: Object.fromEntries(ORDER_FIELDS.map((field) => [field, "VARCHAR"])),
    orderType: "VARCHAR",
    orderID: "VARCHAR"
  },
  response_body: {error: "VARCHAR", errorMsg: "VARCHAR", orderID: "VARCHAR", status: "VARCHAR"},
  session_id: "VARCHAR",
  seq: "DOUBLE",
  channel: "VARCHAR",
  event: "VARCHAR",
  api_key: "VARCHAR",
  address: "VARCHAR",
  assets_ids: "VARCHAR[]",
  markets: "VARCHAR[]",
  message_type: "VARCHAR",
  count: "DOUBLE",
  close_code: "DOUBLE",
  close_reason: "VARCHAR"
};

const WS_EVENTS = ["connect", "subscribe", "unsubscribe", "message", "ping", "pong", "close"];
const MIN_TS_US = 946_684_800_000_000; // 2000-01-01
const MAX_TS_US = 4_102_444_800_000_000; // 2100-01-01

const CLOUDFLARE_403 = "Cloudflare 403: Attention Required!";

/** ISO-8601 (any offset; none = UTC), unix seconds, unix milliseconds (or microseconds) -> TIMESTAMPTZ. */
function parseTimestamp(t: string): string {
  return `CASE
    WHEN ${t} IS NULL THEN NULL
    WHEN regexp_full_match(${t}, '-?[0-9]+(\\.[0-9]+)?') THEN
      CASE WHEN abs(try_cast(${t} AS DOUBLE)) < 1e11 THEN make_timestamptz(round(try_cast(${t} AS DOUBLE) * 1e6)::BIGINT)
           WHEN abs(try_cast(${t} AS DOUBLE)) < 1e14 THEN make_timestamptz(round(try_cast(${t} AS DOUBLE) * 1e3)::BIGINT)
           WHEN abs(try_cast(${t} AS DOUBLE)) < 1e17 THEN make_timestamptz(round(try_cast(${t} AS DOUBLE))::BIGINT) END
    WHEN ends_with(${t}, 'Z') OR regexp_matches(${t}, '[+-][0-9]{2}(:?[0-9]{2})?$') THEN try_cast(${t} AS TIMESTAMPTZ)
    ELSE make_timestamptz(epoch_us(try_cast(${t} AS TIMESTAMP)))
  END`;
}

/** JSON type of a field, computed only for the rare lines whose typed extraction came out NULL. */
const jsonType = (field: string) => `json_type(txt, '$.${field}')`;
const isMissing = (field: string) => `coalesce(${jsonType(field)}, 'NULL') = 'NULL'`;
const isComposite = (value: string) => `left(${value}, 1) IN ('{', '[')`;
const typeName = (field: string) => `lower(${jsonType(field)})`;

/** First problem of a REST line, or NULL when it is good. */
const REST_REASON = `CASE
  WHEN j.request_id IS NULL OR j.method IS NULL OR j.path IS NULL OR j.ts IS NULL OR (j.status IS NULL AND ${isMissing("status")}) THEN
    'missing_field: ' || concat_ws(', ',
      CASE WHEN j.ts IS NULL THEN 'ts' END, CASE WHEN j.request_id IS NULL THEN 'request_id' END,
      CASE WHEN j.method IS NULL THEN 'method' END, CASE WHEN j.path IS NULL THEN 'path' END,
      CASE WHEN j.status IS NULL AND ${isMissing("status")} THEN 'status' END)
  WHEN j.status IS NULL THEN 'wrong_type: status is a ' || ${typeName("status")} || ', expected an integer'
  WHEN j.status <> floor(j.status) OR j.status < 100 OR j.status > 599 THEN 'wrong_type: status ' || j.status || ' is not an HTTP status code'
  WHEN ${isComposite("j.request_id")} THEN 'wrong_type: request_id is a ' || ${typeName("request_id")} || ', expected a string'
  WHEN ${isComposite("j.path")} OR NOT starts_with(j.path, '/') THEN 'wrong_type: path is not a URL path: ' || left(j.path, 80)
  WHEN NOT regexp_full_match(j.method, '[A-Za-z]{3,10}') THEN 'wrong_type: method is not an HTTP method: ' || left(j.method, 80)
  WHEN j.latency_ms IS NULL AND NOT ${isMissing("latency_ms")} THEN 'wrong_type: latency_ms is a ' || ${typeName("latency_ms")} || ', expected a number'
  WHEN ${isComposite("j.ts")} THEN 'wrong_type: ts is a ' || ${typeName("ts")} || ', expected a string or a number'
  WHEN ts IS NULL THEN 'invalid_timestamp: ' || left(j.ts, 80) || ' is not ISO-8601, unix seconds or unix milliseconds'
  WHEN epoch_us(ts) < ${MIN_TS_US} OR epoch_us(ts) >= ${MAX_TS_US} THEN 'invalid_timestamp: ' || left(j.ts, 80) || ' is outside 2000-2099'
END`;

/** First problem of a WebSocket line, or NULL when it is good. */
const WS_REASON = `CASE
  WHEN j.session_id IS NULL OR j.event IS NULL OR j.channel IS NULL OR j.ts IS NULL OR (j.seq IS NULL AND ${isMissing("seq")}) THEN
    'missing_field: ' || concat_ws(', ',
      CASE WHEN j.ts IS NULL THEN 'ts' END, CASE WHEN j.session_id IS NULL THEN 'session_id' END,
      CASE WHEN j.seq IS NULL AND ${isMissing("seq")} THEN 'seq' END,
      CASE WHEN j.channel IS NULL THEN 'channel' END, CASE WHEN j.event IS NULL THEN 'event' END)
  WHEN j.seq IS NULL THEN 'wrong_type: seq is a ' || ${typeName("seq")} || ', expected an integer'
  WHEN j.seq <> floor(j.seq) OR j.seq < 0 OR j.seq > 2147483647 THEN 'wrong_type: seq ' || j.seq || ' is not a non-negative integer'
  WHEN ${isComposite("j.session_id")} THEN 'wrong_type: session_id is a ' || ${typeName("session_id")} || ', expected a string'
  WHEN j.event NOT IN (${WS_EVENTS.map((event) => `'${event}'`).join(", ")}) THEN 'wrong_type: event ' || left(j.event, 80) || ' is not one of ${WS_EVENTS.join(", ")}'
  WHEN ${isComposite("j.channel")} THEN 'wrong_type: channel is a ' || ${typeName("channel")} || ', expected a string'
  WHEN j.event = 'message' AND j.count IS NULL AND NOT ${isMissing("count")} THEN 'wrong_type: count is a ' || ${typeName("count")} || ', expected an integer'
  WHEN j.event = 'close' AND j.close_code IS NULL AND NOT ${isMissing("close_code")} THEN 'wrong_type: close_code is a ' || ${typeName("close_code")} || ', expected an integer'
  WHEN ${isComposite("j.ts")} THEN 'wrong_type: ts is a ' || ${typeName("ts")} || ', expected a string or a number'
  WHEN ts IS NULL THEN 'invalid_timestamp: ' || left(j.ts, 80) || ' is not ISO-8601, unix seconds or unix milliseconds'
  WHEN epoch_us(ts) < ${MIN_TS_US} OR epoch_us(ts) >= ${MAX_TS_US} THEN 'invalid_timestamp: ' || left(j.ts, 80) || ' is outside 2000-2099'
END`;

/** Path segments that are ids (0x hashes, token ids, uuids, long numbers) become {id}. */
function normaliseRoute(path: string): string {
  const id = `'0x[0-9a-fA-F]+|[0-9]{5,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'`;
  return `CASE WHEN regexp_matches(${path}, '/(0x|[0-9]{5}|[0-9a-fA-F]{8}-)')
    THEN array_to_string(list_transform(string_split(${path}, '/'), s -> CASE WHEN regexp_full_match(s, ${id}) THEN '{id}' ELSE s END), '/')
    ELSE ${path} END`;
}

/** The statement that turns a staging table into a parsed table (one row per non-empty line). */
function parseStatement(stage: string, segments: string, parsed: string): string {
  const structure = JSON.stringify(STRUCTURE).replace(/'/g, "''");
  const order = "j.request_body.order";
  const shares = `CASE WHEN side = 'BUY' THEN taker_amount WHEN side = 'SELL' THEN maker_amount END`;
  const collateral = `CASE WHEN side = 'BUY' THEN maker_amount WHEN side = 'SELL' THEN taker_amount END`;
  return `
CREATE OR REPLACE TABLE ${parsed} AS
WITH decoded AS (
  SELECT s.rowid AS "row", s.seg, s.rowid - g.start_row + g.first_line AS line, try(decode(s.raw)) AS txt
  FROM ${stage} s JOIN ${segments} g USING (seg) WHERE octet_length(s.raw) > 0
), extracted AS (
  -- one parse per line; invalid JSON makes json_transform fail, which try() turns into NULL
  SELECT "row", seg, line, txt, try(json_transform(txt, '${structure}')) AS j FROM decoded
), validated AS (
  SELECT *, j IS NOT NULL AS valid FROM extracted
), classified AS (
  SELECT *,
    CASE
      WHEN NOT valid THEN NULL
      WHEN j.session_id IS NOT NULL OR (j.event IS NOT NULL AND j.request_id IS NULL AND j.method IS NULL) THEN 'ws'
      WHEN j.request_id IS NOT NULL OR j.method IS NOT NULL OR j.path IS NOT NULL THEN 'rest'
    END AS kind,
    ${parseTimestamp("j.ts")} AS ts
  FROM validated
), checked AS (
  SELECT *,
    CASE
      WHEN txt IS NULL THEN 'invalid_json: the line is not valid UTF-8'
      WHEN NOT valid THEN CASE WHEN regexp_full_match(txt, '\\s*') THEN '' ELSE 'invalid_json' END
      WHEN kind IS NULL THEN 'unrecognised_record: ' || CASE json_type(txt)
        WHEN 'OBJECT' THEN 'neither a REST access line (request_id, method, path, status) nor a WebSocket event (session_id, seq, event)'
        ELSE 'a JSON ' || lower(json_type(txt)) || ', not an object' END
      WHEN kind = 'rest' THEN ${REST_REASON}
      ELSE ${WS_REASON}
    END AS reason
  FROM classified
), rest AS (
  SELECT *,
    CASE WHEN kind = 'rest' AND reason IS NULL THEN split_part(j.path, '?', 1) END AS path_only,
    CASE WHEN kind = 'rest' AND reason IS NULL THEN upper(${order}.side) END AS side_raw,
    CASE WHEN kind = 'rest' AND reason IS NULL THEN try_cast(${order}.makerAmount AS HUGEINT) END AS maker_amount,
    CASE WHEN kind = 'rest' AND reason IS NULL THEN try_cast(${order}.takerAmount AS HUGEINT) END AS taker_amount,
    CASE WHEN kind = 'rest' AND reason IS NULL THEN
      coalesce(nullif(trim(j.response_body.error), ''), nullif(trim(j.response_body.errorMsg), ''),
        -- POST /orders answers with one result per order: the first order's error stands for the request
        CASE WHEN j.path = '/orders' AND json_type(txt, '$.response_body') = 'ARRAY' THEN
          list_filter(json_extract_string(txt, '$.response_body[*].errorMsg'), e -> trim(coalesce(e, '')) <> '')[1] END,
        CASE WHEN j.status >= 400 THEN
          CASE WHEN json_type(txt, '$.response_body') = 'VARCHAR' THEN
            CASE WHEN j.status = 403 AND (txt ILIKE '%Attention Required%' OR txt ILIKE '%cloudflare%') THEN '${CLOUDFLARE_403}'
                 ELSE 'HTTP ' || j.status::INTEGER || ': ' || left(coalesce(
                   nullif(trim(regexp_extract(json_extract_string(txt, '$.response_body'), '<title>([^<]*)</title>', 1)), ''),
                   trim(json_extract_string(txt, '$.response_body'))), 200) END
          END
        END)
    END AS error_raw
  FROM checked
)
SELECT "row", seg, line, kind, reason, ts,
  -- REST
  j.request_id AS request_id,
  coalesce(j.headers.POLY_API_KEY, j.headers.poly_api_key) AS api_key_id,
  lower(coalesce(j.headers.POLY_ADDRESS, j.headers.poly_address)) AS header_address,
  upper(j.method) AS method,
  path_only AS path,
  ${normaliseRoute("path_only")} AS route,
  j.status::SMALLINT AS status,
  j.latency_ms AS latency_ms,
  ${sqlRedactText("error_raw")} AS error_message,
  coalesce(j.response_body.orderID, j.request_body.orderID,
    CASE WHEN regexp_matches(path_only, '^/(data/)?orders?/') THEN nullif(regexp_extract(path_only, '/(0x[0-9a-fA-F]+)$', 1), '') END) AS order_id,
  CASE WHEN ${order} IS NOT NULL THEN upper(j.request_body.orderType) END AS order_type,
  CASE WHEN ${order}.timestamp IS NOT NULL OR ${order}.metadata IS NOT NULL OR ${order}.builder IS NOT NULL THEN 2
       WHEN ${order}.nonce IS NOT NULL OR ${order}.feeRateBps IS NOT NULL OR ${order}.taker IS NOT NULL THEN 1 END::TINYINT AS order_version,
  CASE WHEN ${order} IS NOT NULL THEN 1
       WHEN kind = 'rest' AND reason IS NULL AND path_only = '/orders' AND json_type(txt, '$.request_body') = 'ARRAY'
       THEN json_array_length(txt, '$.request_body') END::INTEGER AS order_count,
  CASE side_raw WHEN '0' THEN 'BUY' WHEN '1' THEN 'SELL' ELSE side_raw END AS side,
  ${order}.tokenId AS token_id,
  lower(${order}.maker) AS maker,
  lower(${order}.signer) AS signer,
  try_cast(${order}.signatureType AS TINYINT) AS signature_type,
  maker_amount, taker_amount,
  CASE WHEN ${shares} > 0 THEN (${collateral})::DOUBLE / (${shares})::DOUBLE END AS price,
  CASE WHEN ${shares} > 0 THEN (${shares})::DOUBLE / 1e6 END AS size,
  CASE WHEN lower(j.response_body.status) IN ('matched', 'live', 'delayed', 'unmatched') THEN lower(j.response_body.status) END AS insert_status,
  j.client_ip AS client_ip,
  j.user_agent AS user_agent,
  ${sqlRedactQuery("coalesce(nullif(j.query, ''), nullif(split_part(j.path, '?', 2), ''))")} AS query,
  CASE WHEN error_raw IS NOT NULL THEN ${sqlRedactJson("json_extract(txt, '$.request_body')::VARCHAR")} END AS request_body,
  -- WebSocket
  j.session_id AS session_id,
  j.seq::INTEGER AS seq,
  lower(j.channel) AS channel,
  j.event AS event,
  j.api_key AS ws_api_key,
  lower(j.address) AS ws_address,
  j.assets_ids AS assets_ids,
  j.markets AS markets,
  j.message_type AS message_type,
  try_cast(j.count AS INTEGER) AS message_count,
  try_cast(j.close_code AS INTEGER) AS close_code,
  ${sqlRedactText("j.close_reason")} AS close_reason
FROM rest`;
}

/** Request bodies whose secret fields hold objects or arrays: redacted in JS (redactValue). */
const deepRedactionQuery = (parsed: string) => `SELECT "row", request_body FROM ${parsed}
  WHERE request_body IS NOT NULL AND ${sqlJsonNeedsDeepRedaction("request_body")}`;

/**
 * Natural keys without an index (a PRIMARY KEY's ART index made inserts twice as slow and grows
 * with the table): rows whose key is already stored are skipped by an anti-join, and when a batch
 * repeats a key (checked first: DUPLICATE_KEYS_QUERY) only its first line is kept.
 */
function insertStatement(kind: "rest" | "ws", dedupe: boolean, segments: string, parsed: string): string {
  const [table, columns, values, key] =
    kind === "rest"
      ? [
          "api_requests",
          `request_id, ts, api_key_id, address, method, path, route, status, latency_ms, error_message, order_id, order_type,
    order_version, order_count, side, token_id, maker, signer, signature_type, maker_amount, taker_amount, price, size,
    insert_status, client_ip, user_agent, query, request_body, source_file, source_line`,
          `request_id, ts, api_key_id, header_address, method, path, route, status, latency_ms, error_message, order_id, order_type,
    order_version, order_count, side, token_id, maker, signer, signature_type, maker_amount, taker_amount, price, size,
    insert_status, client_ip, user_agent, query, request_body::JSON, g.file_path, line`,
          ["request_id"]
        ]
      : [
          "ws_events",
          `session_id, seq, ts, channel, event, api_key_id, address, assets_ids, markets, message_type, message_count,
    close_code, close_reason, client_ip, source_file, source_line`,
          `session_id, seq, ts, channel, event, ws_api_key, ws_address, assets_ids, markets, message_type, message_count,
    close_code, close_reason, client_ip, g.file_path, line`,
          ["session_id", "seq"]
        ];
  return `INSERT INTO ${table} (${columns})
  SELECT ${values}
  FROM ${parsed} p JOIN ${segments} g USING (seg)
  WHERE kind = '${kind}' AND reason IS NULL
    AND NOT EXISTS (SELECT 1 FROM ${table} t WHERE ${key.map((column) => `t.${column} = p.${column}`).join(" AND ")})
  ${dedupe ? `QUALIFY row_number() OVER (PARTITION BY ${key.map((column) => `p.${column}`).join(", ")} ORDER BY p."row") = 1` : ""}`;
}

type Table = {catalog: string; table: string; name: string};

/** The tables and statements of one staging slot (two slots are used in turn). */
export interface Slot {
  /** (raw BLOB, seg INTEGER): one row per line, in order. */
  stage: Table;
  /** (seg, file_path, start_row, first_line): where each file's lines sit in the staging table. */
  segments: Table;
  /** The parse output: one row per non-empty line, REST and WebSocket columns side by side. */
  parsed: Table;
  parse: string;
  deepRedaction: string;
  duplicateKeys: string;
  insertRequests: [plain: string, dedupe: string];
  insertWsEvents: [plain: string, dedupe: string];
  counts: string;
  rejects: string;
}

function slot(n: number): Slot {
  const table = (name: string): Table => ({catalog: STAGING_DB, table: `${name}${n}`, name: `${STAGING_DB}.${name}${n}`});
  const [stage, segments, parsed] = [table("stage"), table("segments"), table("parsed")];
  return {
    stage,
    segments,
    parsed,
    parse: parseStatement(stage.name, segments.name, parsed.name),
    deepRedaction: deepRedactionQuery(parsed.name),
    duplicateKeys: duplicateKeysQuery(parsed.name),
    insertRequests: [insertStatement("rest", false, segments.name, parsed.name), insertStatement("rest", true, segments.name, parsed.name)],
    insertWsEvents: [insertStatement("ws", false, segments.name, parsed.name), insertStatement("ws", true, segments.name, parsed.name)],
    counts: countsQuery(parsed.name),
    rejects: rejectsQuery(parsed.name)
  };
}

/** Whether the batch repeats a natural key within itself (then the deduplicating inserts are needed). */
const duplicateKeysQuery = (parsed: string) => `SELECT
    count(*) FILTER (WHERE kind = 'rest') > count(DISTINCT request_id) FILTER (WHERE kind = 'rest') AS rest,
    count(*) FILTER (WHERE kind = 'ws') > count(DISTINCT (session_id, seq)) FILTER (WHERE kind = 'ws') AS ws
  FROM ${parsed} WHERE reason IS NULL`;

/** Per segment: lines read (blank lines are not records), loaded, rejected. */
const countsQuery = (parsed: string) => `SELECT seg,
    count(*) FILTER (WHERE reason IS NULL OR reason <> '') AS read,
    count(*) FILTER (WHERE reason IS NULL) AS loaded,
    count(*) FILTER (WHERE reason <> '') AS rejected
  FROM ${parsed} GROUP BY seg`;

const rejectsQuery = (parsed: string) => `SELECT "row", seg, line, reason FROM ${parsed} WHERE reason <> '' ORDER BY "row"`;

export const SLOTS: readonly [Slot, Slot] = [slot(0), slot(1)];
