/**
 * api-logs loader: real-shape REST and WebSocket lines decode correctly, secrets never reach the
 * warehouse, and re-runs are idempotent. Malformed input: test/api-logs-malformed.test.ts.
 */
import assert from "node:assert/strict";
import {copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {ingestApiLogs} from "../loaders/api-logs/index.ts";
import {silentProgress} from "../loaders/progress.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {tableChecksums} from "./helpers/checksum.ts";

const FIXTURES = new URL("./fixtures/api-logs/", import.meta.url).pathname;
const REST = join(FIXTURES, "real-shape.ndjson");
const WS = join(FIXTURES, "ws-sessions.ndjson");

/** Every secret value planted in the fixtures. */
export const PLANTED_SECRETS = [
  "planted-passphrase-4f1c9a",
  "planted-hmac-sig-Zm9vYmFy",
  "5ec2e7a15ec2e7a1", // inside the order signature
  "planted-bearer-token-9x8y7z",
  "planted-cookie-abc",
  "planted-nested-secret",
  "planted-api-secret",
  "planted-query-sig",
  "planted-ws-pass"
];

type Row = Record<string, unknown>;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "api-logs-test-"));
}

/** Every table of the warehouse, each row cast to text, searched for each needle. */
async function findInWarehouse(warehouse: Warehouse, needles: string[]): Promise<string[]> {
  const tables = await warehouse.all<{schema_name: string; table_name: string; database_name: string}>(
    "SELECT database_name, schema_name, table_name FROM duckdb_tables()"
  );
  assert.ok(tables.length > 5, "the warehouse has its tables");
  const found: string[] = [];
  for (const {database_name, schema_name, table_name} of tables) {
    const name = `"${database_name}"."${schema_name}"."${table_name}"`;
    for (const needle of needles) {
      const row = await warehouse.one<{n: bigint}>(`SELECT count(*) AS n FROM ${name} t WHERE contains(t::VARCHAR, $1)`, [needle]);
      if (Number(row?.n) > 0) found.push(`${table_name}: ${needle}`);
    }
  }
  return found;
}

describe("api-logs: real-shape lines", () => {
  let dir: string;
  let warehouse: Warehouse;
  let requests: Map<string, Row>;

  before(async () => {
    dir = tempDir();
    warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    const summary = await ingestApiLogs(warehouse, {files: [REST, WS]}, silentProgress);
    assert.equal(summary.status, "ok");
    assert.equal(summary.read, 17 + 12);
    assert.equal(summary.loaded, 17 + 12);
    assert.equal(summary.rejected, 0);
    assert.equal(summary.inserted, 17 + 12);
    const rows = await warehouse.json("SELECT * FROM api_requests");
    requests = new Map(rows.map((row) => [row.request_id as string, row]));
  });
  after(() => {
    warehouse.close();
    rmSync(dir, {recursive: true, force: true});
  });

  test("a V1 order: version 1, price = collateral / shares for a BUY, addresses lower-case", () => {
    const row = requests.get("req_v1_ok")!;
    assert.equal(row.order_version, 1);
    assert.equal(row.side, "BUY");
    assert.equal(row.maker_amount, "52000000");
    assert.equal(row.taker_amount, "100000000");
    assert.equal(row.price, 0.52);
    assert.equal(row.size, 100);
    assert.equal(row.maker, "0x1111111111111111111111111111111111111111");
    assert.equal(row.signer, "0xabcdef0123456789abcdef0123456789abcdef01");
    assert.equal(row.address, "0xabcdef0123456789abcdef0123456789abcdef01");
    assert.equal(row.api_key_id, "8c2b7a1e-5d4f-4e3a-9b2c-1d0e9f8a7b6c");
    assert.equal(row.signature_type, 2);
    assert.equal(row.order_type, "GTC");
    assert.equal(row.order_count, 1);
    assert.equal(row.insert_status, "matched");
    assert.equal(row.order_id, `0x${"ab12".repeat(16)}`);
    assert.equal(row.error_message, null);
    assert.equal(row.request_body, null, "bodies of successful requests are not kept");
    assert.equal(row.ts, "2026-04-20 09:15:00.12+00");
    assert.equal(row.route, "/order");
  });

  test("a V2 SELL order: version 2, price = takerAmount / makerAmount, error kept with a redacted body", () => {
    const row = requests.get("req_v2_balance")!;
    assert.equal(row.order_version, 2);
    assert.equal(row.side, "SELL");
    assert.equal(row.price, 0.7);
    assert.equal(row.size, 250);
    assert.equal(row.signature_type, 3);
    assert.equal(row.order_type, "FOK");
    assert.equal(row.status, 400);
    assert.equal(row.error_message, "not enough balance / allowance");
    const body = JSON.parse(row.request_body as string);
    assert.equal(body.order.signature, "[REDACTED]");
    assert.equal(body.order.maker, "0x3333333333333333333333333333333333333333");
    assert.equal(body.owner, "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
  });

  test("a 200 with a non-empty errorMsg counts as an error", () => {
    const row = requests.get("req_v2_delayed")!;
    assert.equal(row.status, 200);
    assert.equal(row.error_message, "order match delayed due to market conditions");
    assert.equal(row.insert_status, "delayed");
    assert.equal(row.price, 0.7);
    assert.notEqual(row.request_body, null);
  });

  test("each kind of error keeps the verbatim message", () => {
    const expected: Record<string, [number, string]> = {
      req_fok: [400, "order couldn't be fully filled. FOK orders are fully filled or killed."],
      req_version: [400, "invalid order version, please use the latest clob-client"],
      req_tick: [400, `order 0x${"ab12".repeat(16)} is invalid. Price (0.705) breaks minimum tick size rule: 0.01`],
      req_401: [401, "Unauthorized/Invalid api key"],
      req_cf: [403, "Cloudflare 403: Attention Required!"],
      req_425: [425, "the market is not yet ready to process new orders"],
      req_429: [429, "Too Many Requests"],
      req_503: [503, "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."],
      req_502: [502, "HTTP 502: 502 Bad Gateway"],
      req_batch: [200, "invalid post-only order: order crosses book"]
    };
    for (const [id, [status, message]] of Object.entries(expected)) {
      const row = requests.get(id);
      assert.ok(row, id);
      assert.equal(row.status, status, id);
      assert.equal(row.error_message, message, id);
    }
  });

  test("routes replace ids; order ids come from the path or the body; batches count their orders", () => {
    const byId = requests.get("req_get_order")!;
    assert.equal(byId.path, `/data/order/0x${"ab12".repeat(16)}`);
    assert.equal(byId.route, "/data/order/{id}");
    assert.equal(byId.order_id, `0x${"ab12".repeat(16)}`);
    assert.equal(requests.get("req_cancel")!.order_id, `0x${"ab12".repeat(16)}`);
    const batch = requests.get("req_batch")!;
    assert.equal(batch.order_count, 2);
    assert.equal(batch.order_version, null);
    assert.equal(requests.get("req_book")!.query, `token_id=${"71321045679252212594626385532706912750332728571942532289631379312455583992563"}`);
    assert.equal(requests.get("req_book")!.api_key_id, null);
  });

  test("secrets in failed bodies and query strings are redacted, nested ones too", () => {
    const row = requests.get("req_nested_secret")!;
    const body = JSON.parse(row.request_body as string);
    assert.deepEqual(body, {nonce: 0, secret: "[REDACTED]", api_secret: "[REDACTED]"});
    assert.equal(row.query, "signature=[REDACTED]&x=1");
  });

  test("WebSocket events land in ws_events and ws_sessions summarises each session", async () => {
    const events = await warehouse.json("SELECT * FROM ws_events ORDER BY session_id, seq");
    assert.equal(events.length, 12);
    const subscribe = events.find((e) => e.session_id === "ws_market_1" && e.event === "subscribe")!;
    assert.equal((subscribe.assets_ids as string[]).length, 2);
    const sessions = new Map((await warehouse.json("SELECT * FROM ws_sessions")).map((s) => [s.session_id as string, s]));
    const market = sessions.get("ws_market_1")!;
    assert.equal(market.channel, "market");
    assert.equal(market.connected_at, "2026-09-14 12:00:00+00");
    assert.equal(market.closed_at, "2026-09-14 12:05:02+00");
    assert.equal(market.close_code, 1006);
    assert.equal(market.subscriptions, "1");
    assert.equal(market.messages, "7");
    assert.equal(market.book_messages, "2");
    assert.equal(market.pings, "2");
    assert.equal(market.pongs, "2");
    assert.equal(market.longest_silence_s, 300, "12:00:01 -> 12:05:01, with only PONGs in between");
    assert.equal(market.pongs_during_longest_silence, "2");
    assert.equal(market.ping_before_subscribe, false);
    const user = sessions.get("ws_user_1")!;
    assert.equal(user.api_key_id, "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
    assert.equal(user.address, "0x2222222222222222222222222222222222222222");
    assert.equal(user.close_code, 1008);
    assert.equal(user.ping_before_subscribe, true);
    assert.equal(user.close_reason, 'passphrase="[REDACTED]"');
  });

  test("api_errors counts error signatures with hashes, prices and tick sizes replaced", async () => {
    const rows = await warehouse.json("SELECT * FROM api_errors WHERE route = '/order' AND status = 400 ORDER BY error_signature");
    const tick = rows.find((row) => String(row.error_signature).startsWith("order {hash}"));
    assert.equal(tick?.error_signature, "order {hash} is invalid. Price ({price}) breaks minimum tick size rule: {tick}");
    assert.equal(rows.reduce((sum, row) => sum + Number(row.requests), 0), 4);
  });

  test("no planted secret is stored anywhere in the warehouse, nor in its file", async () => {
    assert.deepEqual(await findInWarehouse(warehouse, PLANTED_SECRETS), []);
    await warehouse.run("CHECKPOINT");
    const bytes = readFileSync(warehouse.path).toString("latin1");
    for (const secret of PLANTED_SECRETS) assert.ok(!bytes.includes(secret), `${secret} in the database file`);
  });
});

describe("api-logs: idempotent re-runs", () => {
  test("same input, touched input and overlapping input change no table", async () => {
    const dir = tempDir();
    const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    try {
      const rest = join(dir, "rest.ndjson");
      const ws = join(dir, "ws.ndjson");
      copyFileSync(REST, rest);
      copyFileSync(WS, ws);
      writeFileSync(join(dir, "bad.ndjson"), '{"ts": 1, "oops"\n[1,2]\n');
      const first = await ingestApiLogs(warehouse, {files: [dir]}, silentProgress);
      assert.equal(first.inserted, 29);
      assert.equal(first.rejected, 2);
      const sums = () => tableChecksums(warehouse);
      const before = await sums();

      const same = await ingestApiLogs(warehouse, {files: [dir]}, silentProgress);
      assert.equal(same.skippedFiles, 3);
      assert.equal(same.read, 0);
      assert.deepEqual(await sums(), before);

      const later = new Date(Date.now() + 60_000);
      for (const file of [rest, ws, join(dir, "bad.ndjson")]) utimesSync(file, later, later);
      const touched = await ingestApiLogs(warehouse, {files: [dir]}, silentProgress);
      assert.equal(touched.read, 31);
      assert.equal(touched.loaded, 29);
      assert.equal(touched.inserted, 0);
      assert.deepEqual(await sums(), before);

      // a second file repeating half of the first, in another order
      const lines = readFileSync(REST, "utf-8").trim().split("\n");
      writeFileSync(join(dir, "overlap.ndjson"), `${lines.slice(0, 9).reverse().join("\n")}\n`);
      const overlap = await ingestApiLogs(warehouse, {files: [join(dir, "overlap.ndjson")]}, silentProgress);
      assert.equal(overlap.loaded, 9);
      assert.equal(overlap.inserted, 0);
      assert.deepEqual(await sums(), before);

      // a key repeated inside one batch: the first line wins, the repeat is loaded but not inserted
      const fresh = (latency: number) => lines[15].replace('"req_book"', '"req_repeated"').replace(/"latency_ms":[0-9.]+/, `"latency_ms":${latency}`);
      const wsLine = '{"ts":"2026-09-14T14:00:00Z","session_id":"ws_repeat","seq":0,"channel":"market","event":"connect"}';
      writeFileSync(join(dir, "repeats.ndjson"), [fresh(1.5), wsLine, fresh(2.5), wsLine, ""].join("\n"));
      const repeats = await ingestApiLogs(warehouse, {files: [join(dir, "repeats.ndjson")]}, silentProgress);
      assert.deepEqual([repeats.read, repeats.loaded, repeats.inserted], [4, 4, 2]);
      const kept = await warehouse.all("SELECT latency_ms, source_line FROM api_requests WHERE request_id = 'req_repeated'");
      assert.deepEqual(kept, [{latency_ms: 1.5, source_line: 1n}]);
      const unique = await warehouse.one<{n: bigint; keys: bigint}>("SELECT count(*) AS n, count(DISTINCT request_id) AS keys FROM api_requests");
      assert.equal(unique?.n, unique?.keys);
    } finally {
      warehouse.close();
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
