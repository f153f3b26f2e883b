// The Gamma markets loader against a loopback server speaking Gamma's shapes: pagination, the
// JSON-encoded list fields, incremental sync, 429 and 5xx, quarantine; and the file form.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {GammaApiError} from "../loaders/markets/api.ts";
import {ingestMarkets} from "../loaders/markets/index.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {GammaServer, gammaMarket} from "./helpers/gamma-server.ts";

const scratch = mkdtempSync(join(tmpdir(), "markets-gamma-"));
const servers: GammaServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
  rmSync(scratch, {recursive: true, force: true});
});

const at = (minute: number) => new Date(Date.UTC(2026, 9, 1, 0, minute)).toISOString();

async function setup(name: string, count: number) {
  const server = await GammaServer.start(Array.from({length: count}, (_, i) => gammaMarket(i, at(i))));
  servers.push(server);
  const warehouse = await Warehouse.open(join(scratch, `${name}.duckdb`));
  const sleeps: number[] = [];
  const options = {api: server.url, pageSize: 5, sleep: async (ms: number) => void sleeps.push(ms)};
  return {server, warehouse, sleeps, options};
}

test("pages through every market and parses Gamma's JSON-encoded lists", async () => {
  const {server, warehouse, options} = await setup("pages", 23);
  try {
    const summary = await ingestMarkets(warehouse, options);
    assert.deepEqual([summary.read, summary.loaded, summary.rejected, summary.inserted], [23, 23, 0, 23]);
    assert.deepEqual(server.requests.map((r) => r.query.offset), ["0", "5", "10", "15", "20"]);
    assert.ok(server.requests.every((r) => r.query.limit === "5" && r.query.order === "updatedAt" && r.query.ascending === "false"));
    const market = await warehouse.json("SELECT outcomes, outcome_prices, clob_token_ids, event_id, question_id FROM markets WHERE id = '600007'");
    assert.deepEqual(market, [{outcomes: ["Yes", "No"], outcome_prices: [0.615, 0.385], clob_token_ids: ["1014", "1015"], event_id: "90007",
      question_id: `0x9e${(7).toString(16).padStart(62, "0")}`}]);
    const tokens = await warehouse.json("SELECT token_id, market_id, outcome_index, outcome FROM market_tokens WHERE market_id = '600007' ORDER BY outcome_index");
    assert.deepEqual(tokens, [
      {token_id: "1014", market_id: "600007", outcome_index: 0, outcome: "Yes"},
      {token_id: "1015", market_id: "600007", outcome_index: 1, outcome: "No"}
    ]);
    assert.equal(Number((await warehouse.one<{n: bigint}>("SELECT count(*) n FROM gamma_events"))!.n), 23);
  } finally {
    warehouse.close();
  }
});

test("an incremental sync reads only what changed since the last successful one", async () => {
  const {server, warehouse, options} = await setup("incremental", 23);
  try {
    await ingestMarkets(warehouse, options);
    server.requests.length = 0;
    // Two markets change (one resolves), one is listed.
    server.markets[3] = gammaMarket(3, at(100), {closed: true, active: false, outcomePrices: "[\"1\", \"0\"]", closedTime: "2026-10-01 01:40:00+00",
      umaResolutionStatus: "resolved", umaResolutionStatuses: "[\"proposed\", \"resolved\"]"});
    server.markets[9] = gammaMarket(9, at(101), {question: "Will test event 9 happen by January 31, 2027?"});
    server.markets.push(gammaMarket(23, at(102)));
    const summary = await ingestMarkets(warehouse, options);
    // Page 1 holds the three changed markets and the last sync's newest (read again: ties are re-read).
    assert.deepEqual(server.requests.map((r) => r.query.offset), ["0"]);
    assert.equal(summary.inserted, 1);
    assert.equal(summary.read, summary.loaded + summary.rejected);
    assert.equal(Number((await warehouse.one<{n: bigint}>("SELECT count(*) n FROM markets"))!.n), 24);
    const resolved = await warehouse.json("SELECT closed, outcome_prices, closed_time, uma_resolution_statuses FROM markets WHERE id = '600003'");
    assert.deepEqual(resolved, [{closed: true, outcome_prices: [1, 0], closed_time: "2026-10-01 01:40:00+00", uma_resolution_statuses: ["proposed", "resolved"]}]);
    const renamed = await warehouse.one<{question: string}>("SELECT question FROM markets WHERE id = '600009'");
    assert.equal(renamed!.question, "Will test event 9 happen by January 31, 2027?");
  } finally {
    warehouse.close();
  }
});

test("waits as a 429 says and retries 5xx answers", async () => {
  const {server, warehouse, sleeps, options} = await setup("faults", 12);
  try {
    const resetAt = Date.UTC(2026, 10, 1, 12, 0, 30) / 1000;
    server.inject(
      {kind: "429", header: "retry-after", value: "7"},
      {kind: "status", status: 502},
      {kind: "429", header: "x-ratelimit-reset", value: String(resetAt)},
      {kind: "status", status: 503}
    );
    const summary = await ingestMarkets(warehouse, {...options, now: () => Date.UTC(2026, 10, 1, 12, 0, 0)});
    assert.equal(summary.loaded, 12);
    assert.deepEqual(sleeps, [7000, 500, 30_000, 1000]);
    assert.deepEqual(server.requests.map((r) => r.status), [429, 502, 429, 503, 200, 200, 200]);
  } finally {
    warehouse.close();
  }
});

test("gives up after repeated 5xx, marks the run failed and keeps the mark", async () => {
  const {server, warehouse, options} = await setup("outage", 3);
  try {
    server.inject(...Array.from({length: 5}, () => ({kind: "status" as const, status: 500})));
    await assert.rejects(ingestMarkets(warehouse, options), (error: unknown) => error instanceof GammaApiError && /HTTP 500 after 5 attempts/.test(error.message));
    const run = await warehouse.one<{status: string}>("SELECT status FROM ingest_runs ORDER BY run_id DESC LIMIT 1");
    assert.equal(run!.status, "failed");
    assert.equal(await warehouse.one("SELECT 1 FROM sync_state WHERE source = 'markets'"), undefined);
  } finally {
    warehouse.close();
  }
});

test("quarantines a malformed market with its page and offset, loads the rest", async () => {
  const {server, warehouse, options} = await setup("malformed", 8);
  try {
    server.markets[2] = gammaMarket(2, at(2), {clobTokenIds: "[\"1004\", \"10"});
    server.markets[6] = gammaMarket(6, at(6), {outcomes: "[\"Yes\", \"No\", \"Maybe\"]"});
    const summary = await ingestMarkets(warehouse, options);
    assert.deepEqual([summary.read, summary.loaded, summary.rejected], [8, 6, 2]);
    const rejects = await warehouse.all<{location: string; reason: string; raw: string}>(
      "SELECT location, reason, raw FROM rejects WHERE source = 'markets' ORDER BY location"
    );
    // Newest first: market 6 is item 2 of page 1, market 2 is item 1 of page 2 (offset 5).
    assert.deepEqual(rejects.map((r) => [r.location.replace(server.url, ""), r.reason.split(":")[0]]), [
      ["GET /markets?limit=5&offset=0&order=updatedAt&ascending=false item 2 (offset 1)", "wrong_type"],
      ["GET /markets?limit=5&offset=5&order=updatedAt&ascending=false item 1 (offset 5)", "invalid_json"]
    ]);
    assert.ok(rejects[1].raw.includes("\"id\":\"600002\""));
    assert.equal(await warehouse.one("SELECT 1 FROM markets WHERE id IN ('600002', '600006')"), undefined);
  } finally {
    warehouse.close();
  }
});

test("reads a markets file item by item: a broken one is quarantined at its line; a re-run skips the file", async () => {
  const warehouse = await Warehouse.open(join(scratch, "file.duckdb"));
  try {
    const good = [gammaMarket(1, at(1)), gammaMarket(2, at(2))].map((m) => JSON.stringify(m, null, 2));
    const file = join(scratch, "markets.json");
    writeFileSync(file, `[\n${good[0]},\n{"id": "600099", "question": "a comma missing" "active": true},\n${good[1]}\n]\n`);
    const first = await ingestMarkets(warehouse, {files: [file]});
    assert.deepEqual([first.read, first.loaded, first.rejected], [3, 2, 1]);
    const lines = good[0].split("\n").length;
    const reject = await warehouse.one<{location: string; reason: string}>("SELECT location, reason FROM rejects WHERE source = 'markets'");
    assert.equal(reject!.location, `${file}:${lines + 2} (item 2)`);
    assert.match(reject!.reason, /^invalid_json: /);
    const again = await ingestMarkets(warehouse, {files: [file]});
    assert.deepEqual([again.read, again.skippedFiles], [0, 1]);
  } finally {
    warehouse.close();
  }
});
