/**
 * api-logs loader on a malformed corpus: nothing crashes, every bad line is quarantined with
 * file:line and a reason code, read = loaded + rejected, and the encodings and timestamp forms
 * the gateway and its exporters produce all load. Also: resume after a crash mid-file.
 */
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {gzipSync} from "node:zlib";
import {ingestApiLogs} from "../loaders/api-logs/index.ts";
import {BULK_REJECTS} from "../loaders/api-logs/rejects.ts";
import {silentProgress, type Progress} from "../loaders/progress.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";

const SECRET = "planted-malformed-passphrase-77";

function rest(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ts: "2026-09-14T12:00:00.000Z",
    request_id: id,
    method: "GET",
    path: "/book",
    query: "token_id=1",
    status: 200,
    latency_ms: 3.5,
    client_ip: "198.51.100.1",
    user_agent: "test",
    headers: {POLY_API_KEY: "key-1", POLY_PASSPHRASE: SECRET},
    ...extra
  };
}
const line = (value: unknown) => JSON.stringify(value);

function utf16(text: string, endian: "le" | "be"): Buffer {
  const le = Buffer.from(`\ufeff${text}`, "utf16le");
  if (endian === "le") return le;
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
  return be;
}

describe("api-logs: malformed corpus", () => {
  let dir: string;
  let warehouse: Warehouse;
  let rejects: Map<string, string>;
  let summary: Awaited<ReturnType<typeof ingestApiLogs>>;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "api-logs-malformed-"));
    const bad = [
      line(rest("ok_1")), // 1
      line(rest("truncated")).slice(0, 60), // 2 truncated JSON
      line(rest("status_string", {status: "abc"})), // 3 wrong type
      line(rest("status_float", {status: 200.5})), // 4 not an integer
      line(rest("request_id_object", {request_id: {id: 1}})), // 5 wrong type
      line({ts: "2026-09-14T12:00:00Z", method: "GET", path: "/book", status: 200}), // 6 missing request_id
      line({ts: "2026-09-14T12:00:00Z", session_id: "ws_x", channel: "market", event: "ping"}), // 7 missing seq
      line({ts: "2026-09-14T12:00:00Z", session_id: "ws_x", seq: "one", channel: "market", event: "ping"}), // 8 wrong seq type
      line({hello: "world"}), // 9 unrecognised
      line([1, 2, 3]), // 10 not an object
      "", // 11 blank: not a record
      "   ", // 12 blank: not a record
      line(rest("bad_ts", {ts: "yesterday"})), // 13 invalid timestamp
      line(rest("latency_string", {latency_ms: "fast"})), // 14 wrong type
      line({ts: "2026-09-14T12:00:00Z", session_id: "ws_x", seq: 1, channel: "market", event: "explode"}), // 15 unknown event
      line(rest("ts_object", {ts: {when: "now"}})), // 16 wrong type
      line(rest("path_relative", {path: "book"})), // 17 not a path
      line(rest("ok_2")), // 18
      `{"ts":"2026-09-14T12:00:00Z","request_id":"has_secret","headers":{"POLY_PASSPHRASE":"${SECRET}"},` // 19 truncated with a secret
    ];
    writeFileSync(file("bad.ndjson"), `${bad.join("\n")}\n`);
    // invalid UTF-8 bytes inside a string
    writeFileSync(
      file("bytes.ndjson"),
      Buffer.concat([Buffer.from(`${line(rest("utf8_ok"))}\n{"ts":"2026-09-14T12:00:00Z","request_id":"bad_bytes","x":"`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}\n')])
    );
    // encodings and line endings
    writeFileSync(file("bom.ndjson"), `\ufeff${line(rest("bom_1"))}\n${line(rest("bom_2"))}\n`);
    writeFileSync(file("utf16le.ndjson"), utf16(`${line(rest("utf16le_1", {user_agent: "é ü 漢字"}))}\r\n${line(rest("utf16le_2"))}\r\n`, "le"));
    writeFileSync(file("utf16be.ndjson"), utf16(`${line(rest("utf16be_1"))}\n`, "be"));
    writeFileSync(file("crlf.ndjson"), `${line(rest("crlf_1"))}\r\n${line(rest("crlf_2"))}\r\n{"cr": \r\n${line(rest("crlf_3"))}`); // no final newline
    writeFileSync(file("gzipped.ndjson.gz"), gzipSync(`${line(rest("gz_1"))}\n${line(rest("gz_2"))}\n`));
    // files with no records at all are still recorded as ingested
    writeFileSync(file("empty.ndjson"), "");
    writeFileSync(file("blank.ndjson"), "\n\r\n  \n");
    // a 1 MB line that is fine, and a 1 MB line that is cut short
    const big = "x".repeat(1 << 20);
    writeFileSync(file("big.ndjson"), `${line(rest("big_ok", {status: 400, request_body: {note: big}, response_body: {error: "Invalid order payload"}}))}\n${line(rest("big_cut", {request_body: {note: big}})).slice(0, 900_000)}\n`);
    // the same instant written every way the brief allows, out of order
    const instant = Date.UTC(2026, 8, 14, 12, 30, 15, 250);
    const times = [
      ["ts_iso_z", "2026-09-14T12:30:15.250Z"],
      ["ts_iso_offset", "2026-09-14T14:30:15.250+02:00"],
      ["ts_iso_negative", "2026-09-14T07:30:15.250-0500"],
      ["ts_iso_naive", "2026-09-14 12:30:15.250"],
      ["ts_ms", instant],
      ["ts_ms_string", String(instant)],
      ["ts_seconds", instant / 1000],
      ["ts_early", "2026-09-14T12:00:00.000Z"]
    ] as const;
    writeFileSync(file("times.ndjson"), `${times.map(([id, ts]) => line(rest(id, {ts}))).join("\n")}\n`);
    warehouse = await Warehouse.open(file("warehouse.duckdb"));
    summary = await ingestApiLogs(warehouse, {files: [dir]}, silentProgress);
    rejects = new Map(
      (await warehouse.all<{location: string; reason: string}>("SELECT location, reason FROM rejects WHERE source = 'api-logs'")).map((row) => [
        row.location.slice(dir.length + 1),
        row.reason
      ])
    );
  });
  after(() => {
    warehouse.close();
    rmSync(dir, {recursive: true, force: true});
  });

  test("every bad line is quarantined with file:line and its reason code", () => {
    const expected: Record<string, string> = {
      "bad.ndjson:2": "invalid_json: ",
      "bad.ndjson:3": "wrong_type: status is a varchar",
      "bad.ndjson:4": "wrong_type: status 200.5",
      "bad.ndjson:5": "wrong_type: request_id is a object",
      "bad.ndjson:6": "missing_field: request_id",
      "bad.ndjson:7": "missing_field: seq",
      "bad.ndjson:8": "wrong_type: seq is a varchar",
      "bad.ndjson:9": "unrecognised_record: neither",
      "bad.ndjson:10": "unrecognised_record: a JSON array",
      "bad.ndjson:13": "invalid_timestamp: yesterday",
      "bad.ndjson:14": "wrong_type: latency_ms is a varchar",
      "bad.ndjson:15": "wrong_type: event explode",
      "bad.ndjson:16": "wrong_type: ts is a object",
      "bad.ndjson:17": "wrong_type: path is not a URL path",
      "bad.ndjson:19": "invalid_json: ",
      "bytes.ndjson:2": "invalid_json: the line is not valid UTF-8",
      "big.ndjson:2": "invalid_json: ",
      "crlf.ndjson:3": "invalid_json: "
    };
    for (const [location, prefix] of Object.entries(expected)) {
      const reason = rejects.get(location);
      assert.ok(reason?.startsWith(prefix), `${location}: expected "${prefix}...", got ${reason}`);
    }
    assert.equal(rejects.size, Object.keys(expected).length, [...rejects.keys()].join(", "));
  });

  test("read = loaded + rejected, blank lines are not records, the run is recorded", async () => {
    assert.equal(summary.status, "ok");
    assert.equal(summary.read, summary.loaded + summary.rejected);
    assert.equal(summary.rejected, 18);
    assert.equal(summary.read, 17 + 2 + 2 + 2 + 1 + 4 + 2 + 2 + 8);
    const run = await warehouse.one("SELECT read, loaded, rejected, status FROM ingest_runs WHERE run_id = $1", [summary.runId]);
    assert.deepEqual(run, {read: BigInt(summary.read), loaded: BigInt(summary.loaded), rejected: 18n, status: "ok"});
    const files = await warehouse.all<{path: string; read: bigint; rejected: bigint}>("SELECT path, read, rejected FROM ingest_files ORDER BY path");
    assert.equal(files.length, 11);
    assert.deepEqual(
      files.filter((row) => /(empty|blank)\.ndjson$/.test(row.path)).map((row) => [row.read, row.rejected]),
      [
        [0n, 0n],
        [0n, 0n]
      ]
    );
    assert.deepEqual(
      files.find((row) => row.path.endsWith("bad.ndjson")),
      {path: file("bad.ndjson"), read: 17n, rejected: 15n}
    );
  });

  test("BOM, UTF-16 LE/BE, CRLF without a final newline, gzip and a 1 MB line all load", async () => {
    const ids = new Set((await warehouse.all<{request_id: string}>("SELECT request_id FROM api_requests")).map((row) => row.request_id));
    for (const id of ["bom_1", "bom_2", "utf16le_1", "utf16le_2", "utf16be_1", "crlf_1", "crlf_2", "crlf_3", "gz_1", "gz_2", "big_ok", "utf8_ok", "ok_1", "ok_2"]) {
      assert.ok(ids.has(id), id);
    }
    const utf16 = await warehouse.one("SELECT user_agent, source_line FROM api_requests WHERE request_id = 'utf16le_1'");
    assert.deepEqual(utf16, {user_agent: "é ü 漢字", source_line: 1n});
    const crlf = await warehouse.one("SELECT source_line FROM api_requests WHERE request_id = 'crlf_3'");
    assert.deepEqual(crlf, {source_line: 4n});
    const cr = await warehouse.one<{raw: string}>("SELECT raw FROM rejects WHERE location LIKE '%crlf.ndjson:3'");
    assert.equal(cr?.raw, '{"cr": ', "the CR of CRLF is not part of the line");
    const big = await warehouse.one<{n: number}>("SELECT length(request_body::VARCHAR) AS n FROM api_requests WHERE request_id = 'big_ok'");
    assert.ok(Number(big?.n) > 1 << 20);
  });

  test("ISO-8601 with offsets, naive ISO (UTC), unix seconds and unix milliseconds give the same UTC instant", async () => {
    const rows = await warehouse.all<{request_id: string; us: bigint}>(
      "SELECT request_id, epoch_us(ts) AS us FROM api_requests WHERE request_id LIKE 'ts_%' ORDER BY request_id"
    );
    const instant = BigInt(Date.UTC(2026, 8, 14, 12, 30, 15, 250)) * 1000n;
    assert.equal(rows.length, 8);
    for (const row of rows) {
      if (row.request_id === "ts_early") assert.equal(row.us, BigInt(Date.UTC(2026, 8, 14, 12)) * 1000n);
      else assert.equal(row.us, instant, row.request_id);
    }
  });

  test("rejected raw text is redacted and capped", async () => {
    const secret = await warehouse.all("SELECT location FROM rejects WHERE contains(raw, $1)", [SECRET]);
    assert.deepEqual(secret, []);
    const cut = await warehouse.one<{raw: string}>("SELECT raw FROM rejects WHERE location LIKE '%big.ndjson:2'");
    assert.ok(cut!.raw.length < 70_000 && cut!.raw.includes("…[truncated"));
    const withSecret = await warehouse.one<{raw: string}>("SELECT raw FROM rejects WHERE location LIKE '%bad.ndjson:19'");
    assert.ok(withSecret!.raw.includes("[REDACTED]"));
  });
});

describe("api-logs: many rejects and resume", () => {
  test(`more than ${BULK_REJECTS} rejects in a batch go through the bulk path with the same result`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "api-logs-bulk-"));
    const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    try {
      const lines = Array.from({length: 500}, (_, i) => (i % 5 === 0 ? line(rest(`ok_${i}`)) : `{"broken": ${i}, "POLY_PASSPHRASE": "${SECRET}"`));
      writeFileSync(join(dir, "noisy.ndjson"), `${lines.join("\n")}\n`);
      const summary = await ingestApiLogs(warehouse, {files: [dir]}, silentProgress);
      assert.deepEqual([summary.read, summary.loaded, summary.rejected], [500, 100, 400]);
      const rows = await warehouse.all<{n: bigint; secrets: bigint; first: string}>(
        "SELECT count(*) AS n, count(*) FILTER (WHERE contains(raw, $1)) AS secrets, min(reason) AS first FROM rejects",
        [SECRET]
      );
      assert.equal(rows[0].n, 400n);
      assert.equal(rows[0].secrets, 0n);
      assert.ok(rows[0].first.startsWith("invalid_json: "));
    } finally {
      warehouse.close();
      rmSync(dir, {recursive: true, force: true});
    }
  });

  test("a crash after the first committed batch resumes at the stored line cursor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "api-logs-resume-"));
    const db = join(dir, "warehouse.duckdb");
    const logs = join(dir, "logs");
    try {
      const lines = Array.from({length: 25}, (_, i) => (i === 12 ? "not json" : line(rest(`r_${i}`))));
      const { mkdirSync } = await import("node:fs");
      mkdirSync(logs);
      writeFileSync(join(logs, "big.ndjson"), `${lines.join("\n")}\n`);
      let warehouse = await Warehouse.open(db);
      let batches = 0;
      const crashing: Progress = {
        note() {},
        update() {
          if (++batches === 2) throw new Error("simulated crash");
        }
      };
      await assert.rejects(ingestApiLogs(warehouse, {files: [logs], batchLines: 10}, crashing), /simulated crash/);
      assert.equal((await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM api_requests"))?.n, 19n, "two batches committed");
      const cursor = await warehouse.one<{value: string}>("SELECT value FROM sync_state WHERE source = 'api-logs'");
      assert.equal(JSON.parse(cursor!.value).line, 20);
      warehouse.close();

      warehouse = await Warehouse.open(db);
      const resumed = await ingestApiLogs(warehouse, {files: [logs], batchLines: 10}, silentProgress);
      assert.equal(resumed.inserted, 5, "only lines 21-25 are new");
      assert.deepEqual([resumed.read, resumed.loaded, resumed.rejected], [25, 24, 1], "the file's counts include the earlier batches");
      assert.equal((await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM api_requests"))?.n, 24n);
      assert.equal((await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM sync_state WHERE source = 'api-logs'"))?.n, 0n);
      const done = await warehouse.one("SELECT read, loaded, rejected FROM ingest_files");
      assert.deepEqual(done, {read: 25n, loaded: 24n, rejected: 1n});
      warehouse.close();
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
