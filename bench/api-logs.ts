/**
 * Benchmark: `ingestApiLogs` against DuckDB's own `read_json(file, format='newline_delimited')`
 * into a table, on the same synthetic file, in the same run; each measurement in its own child
 * process so its peak RSS is its own. Writes bench/results/api-logs.json.
 *
 *   npx tsx bench/api-logs.ts [--lines N] [--repeat R] [--gzip] [--batch-mb MB]
 *
 * The input (REST access lines and WebSocket session lines interleaved, in the docs/sources.md
 * shape) comes from the seeded generator below, cached under $TMPDIR/workbench-bench/ by line
 * count, so the demo generator is not involved.
 */
import {spawnSync} from "node:child_process";
import {once} from "node:events";
import {closeSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {createGzip} from "node:zlib";

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ERRORS_400 = [
  "not enough balance / allowance",
  "invalid signature",
  "Invalid order payload",
  "invalid post-only order: order crosses book",
  "order couldn't be fully filled. FOK orders are fully filled or killed.",
  "invalid amounts, the buy orders maker amount supports a max accuracy of 4 decimals, taker amount a max of 2 decimals",
  "invalid order version, please use the latest clob-client",
  "maker address not allowed, please use the deposit wallet flow"
];
const AGENTS = ["py_clob_client/0.21.0", "@polymarket/clob-client/4.22.8", "rs-clob-client/0.3.1", "python-requests/2.32.3"];
const MESSAGE_TYPES = ["book", "price_change", "price_change", "price_change", "last_trade_price", "tick_size_change"];

export interface GeneratorOptions {
  lines: number;
  seed?: number;
  /** Start of the simulated day (ms since epoch). */
  start?: number;
}

/** Yields batches of complete lines (each ending in "\n"). */
export function* generateApiLogText(options: GeneratorOptions): Generator<string> {
  const random = mulberry32(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const hex = (n: number) => {
    let out = "";
    while (out.length < n) out += Math.floor(random() * 4294967296).toString(16).padStart(8, "0");
    return out.slice(0, n);
  };
  const digits = (n: number) => {
    let out = String(1 + Math.floor(random() * 9));
    for (let i = 1; i < n; i++) out += String(Math.floor(random() * 10));
    return out;
  };
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  // a small population of API users and tokens, so keys and addresses repeat like real traffic
  const users = Array.from({length: 500}, () => ({
    key: uuid(),
    eoa: `0x${hex(40)}`,
    funder: `0x${hex(40)}`,
    passphrase: hex(64),
    agent: pick(AGENTS),
    ip: `198.51.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`
  }));
  const tokens = Array.from({length: 300}, () => digits(77));
  const sessions: {id: string; seq: number; channel: string; user: (typeof users)[number]}[] = [];
  let now = options.start ?? Date.UTC(2026, 8, 14);
  let batch = "";
  let inBatch = 0;
  let request = 0;

  const restLine = (): string => {
    const user = pick(users);
    const iso = new Date(now).toISOString();
    const id = `req_${(now * 1000 + request++).toString(36)}${hex(6)}`;
    const roll = random();
    const l2 = () =>
      `{"POLY_ADDRESS":"${user.eoa}","POLY_API_KEY":"${user.key}","POLY_PASSPHRASE":"${user.passphrase}",` +
      `"POLY_SIGNATURE":"${hex(43)}=","POLY_TIMESTAMP":"${Math.floor(now / 1000)}"}`;
    const head = (method: string, path: string, query: string, status: number, latency: number, headers: string) =>
      `{"ts":"${iso}","request_id":"${id}","method":"${method}","path":"${path}","query":"${query}","status":${status},` +
      `"latency_ms":${latency.toFixed(1)},"client_ip":"${user.ip}","user_agent":"${user.agent}","headers":${headers}`;
    if (roll < 0.4) {
      const token = pick(tokens);
      const path = pick(["/book", "/price", "/midpoint", "/tick-size"]);
      const body =
        path === "/book"
          ? `{"market":"0x${hex(64)}","asset_id":"${token}","bids":[{"price":"0.48","size":"120"},{"price":"0.47","size":"900"}],"asks":[{"price":"0.52","size":"300"}],"tick_size":"0.01"}`
          : `{"price":"0.${Math.floor(random() * 99)}"}`;
      return `${head("GET", path, `token_id=${token}`, 200, random() * 20, "{}")},"response_body":${body}}\n`;
    }
    if (roll < 0.72) {
      const v2 = random() < 0.8;
      const buy = random() < 0.5;
      const shares = (1 + Math.floor(random() * 500)) * 1_000_000;
      const price = (1 + Math.floor(random() * 98)) / 100;
      const collateral = Math.round(shares * price);
      const [makerAmount, takerAmount] = buy ? [collateral, shares] : [shares, collateral];
      const tail = v2
        ? `"timestamp":"${now}","metadata":"0x${"0".repeat(64)}","builder":"0x${"0".repeat(64)}"`
        : `"taker":"0x0000000000000000000000000000000000000000","nonce":"0","feeRateBps":"0"`;
      const order =
        `{"salt":${digits(12)},"maker":"${user.funder}","signer":"${user.eoa}","tokenId":"${pick(tokens)}",` +
        `"makerAmount":"${makerAmount}","takerAmount":"${takerAmount}","expiration":"0",${tail},` +
        `"side":"${buy ? "BUY" : "SELL"}","signatureType":2,"signature":"0x${hex(130)}"}`;
      const orderType = pick(["GTC", "GTC", "GTC", "FOK", "FAK", "GTD"]);
      const body = `{"order":${order},"owner":"${user.key}","orderType":"${orderType}"}`;
      const outcome = random();
      let status = 200;
      let response: string;
      if (outcome < 0.82) response = `{"success":true,"errorMsg":"","orderID":"0x${hex(64)}","status":"${pick(["matched", "live", "live", "delayed"])}"}`;
      else if (outcome < 0.85) response = `{"success":true,"errorMsg":"order match delayed due to market conditions","orderID":"0x${hex(64)}","status":"delayed"}`;
      else if (outcome < 0.96) {
        status = 400;
        response = `{"error":"${pick(ERRORS_400)}"}`;
      } else if (outcome < 0.98) {
        status = pick([425, 503]);
        response = status === 425 ? `{"error":"the market is not yet ready to process new orders"}` : `{"error":"Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."}`;
      } else {
        status = 401;
        response = `{"error":"Unauthorized/Invalid api key"}`;
      }
      return `${head("POST", "/order", "", status, 5 + random() * 40, l2())},"request_body":${body},"response_body":${response}}\n`;
    }
    if (roll < 0.82) {
      const orderId = `0x${hex(64)}`;
      if (random() < 0.5)
        return `${head("DELETE", "/order", "", 200, random() * 15, l2())},"request_body":{"orderID":"${orderId}"},"response_body":{"canceled":["${orderId}"],"not_canceled":{}}}\n`;
      return `${head("GET", `/data/order/${orderId}`, "", 200, random() * 15, l2())},"response_body":{"id":"${orderId}","status":"LIVE"}}\n`;
    }
    if (roll < 0.9) return `${head("POST", "/v1/heartbeats", "", 200, random() * 5, l2())},"request_body":{"heartbeat_id":"${uuid()}"},"response_body":{"heartbeat_id":"${uuid()}"}}\n`;
    if (roll < 0.96)
      return `${head("GET", "/balance-allowance", "asset_type=COLLATERAL&signature_type=2", 200, random() * 30, l2())},"response_body":{"balance":"${digits(9)}","allowances":{}}}\n`;
    if (roll < 0.98) return `${head("GET", "/book", `token_id=${pick(tokens)}`, 429, 1, "{}")},"response_body":{"error":"Too Many Requests"}}\n`;
    return `${head("POST", "/order", "", 403, 2, l2())},"response_body":"<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>Sorry, you have been blocked</body></html>"}\n`;
  };

  const wsLine = (): string => {
    const iso = new Date(now).toISOString();
    if (sessions.length < 20 || random() < 0.01) {
      const user = pick(users);
      const channel = random() < 0.7 ? "market" : "user";
      const session = {id: `ws_${hex(16)}`, seq: 0, channel, user};
      sessions.push(session);
      const auth = channel === "user" ? `"${user.key}","address":"${user.eoa}"` : `null,"address":null`;
      return `{"ts":"${iso}","session_id":"${session.id}","seq":${session.seq++},"channel":"${channel}","event":"connect","client_ip":"${user.ip}","api_key":${auth}}\n`;
    }
    const index = Math.floor(random() * sessions.length);
    const session = sessions[index];
    const prefix = `{"ts":"${iso}","session_id":"${session.id}","seq":${session.seq++},"channel":"${session.channel}","event":`;
    if (session.seq === 2)
      return session.channel === "market"
        ? `${prefix}"subscribe","assets_ids":["${pick(tokens)}","${pick(tokens)}"]}\n`
        : `${prefix}"subscribe","markets":["0x${hex(64)}"]}\n`;
    const roll = random();
    if (roll < 0.005) {
      sessions.splice(index, 1);
      return `${prefix}"close","close_code":${pick([1000, 1006, 1008])},"close_reason":""}\n`;
    }
    if (roll < 0.15) return `${prefix}"ping"}\n`;
    if (roll < 0.3) return `${prefix}"pong"}\n`;
    return `${prefix}"message","message_type":"${session.channel === "market" ? pick(MESSAGE_TYPES) : pick(["trade", "order"])}","count":${1 + Math.floor(random() * 40)}}\n`;
  };

  for (let i = 0; i < options.lines; i++) {
    now += Math.floor(random() * 8);
    batch += random() < 0.7 ? restLine() : wsLine();
    if (++inBatch === 10_000) {
      yield batch;
      batch = "";
      inBatch = 0;
    }
  }
  if (batch) yield batch;
}

/** Writes `lines` synthetic lines to `path` (gzip when the name ends in .gz); returns bytes of text. */
export async function writeApiLogFile(path: string, options: GeneratorOptions): Promise<number> {
  let bytes = 0;
  if (path.endsWith(".gz")) {
    const out = createGzip({level: 1});
    const file = createWriteStream(path);
    out.pipe(file);
    for (const text of generateApiLogText(options)) {
      bytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, "drain");
    }
    out.end();
    await once(file, "close");
    return bytes;
  }
  const fd = openSync(path, "w");
  try {
    for (const text of generateApiLogText(options)) bytes += writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// measurement

interface Measurement {
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  rows?: number;
  summary?: unknown;
  phases?: Record<string, {wall: number; cpu: number}>;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** Child mode: one measurement in a fresh process, result as JSON on the last stdout line. */
async function child(kind: string, file: string, db: string, batchMb: number | undefined): Promise<void> {
  const {DuckDBInstance} = await import("@duckdb/node-api");
  for (const path of [db, `${db}.wal`]) rmSync(path, {force: true});
  const result: Measurement = {seconds: 0, cpuSeconds: 0, maxRssMb: 0};
  if (kind === "read_json") {
    const instance = await DuckDBInstance.create(db);
    const connection = await instance.connect();
    const start = performance.now();
    const cpu = process.cpuUsage();
    await connection.run(`CREATE TABLE t AS SELECT * FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited')`);
    await connection.run("CHECKPOINT");
    result.seconds = (performance.now() - start) / 1000;
    result.cpuSeconds = cpuSeconds(cpu);
    const reader = await connection.runAndReadAll("SELECT count(*) FROM t");
    result.rows = Number(reader.getRows()[0][0]);
    connection.closeSync();
    instance.closeSync();
  } else {
    const {Warehouse} = await import("../loaders/warehouse/connection.ts");
    const {ingestApiLogs, phaseTimings} = await import("../loaders/api-logs/index.ts");
    const warehouse = await Warehouse.open(db);
    const start = performance.now();
    const cpu = process.cpuUsage();
    const options = {files: [file], ...(batchMb ? {batchBytes: batchMb << 20} : {})};
    const summary = await ingestApiLogs(warehouse, options, {update() {}, note() {}});
    await warehouse.run("CHECKPOINT");
    result.seconds = (performance.now() - start) / 1000;
    result.cpuSeconds = cpuSeconds(cpu);
    result.rows = summary.read;
    result.summary = summary;
    result.phases = Object.fromEntries(
      Object.entries(phaseTimings).map(([phase, {wallMs, cpuMs}]) => [phase, {wall: Math.round(wallMs) / 1000, cpu: Math.round(cpuMs) / 1000}])
    );
    warehouse.close();
  }
  for (const path of [db, `${db}.wal`]) rmSync(path, {force: true});
  result.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify(result));
}

function measure(kind: string, file: string, db: string, batchMb: number | undefined): Measurement {
  const args = ["--import", "tsx", import.meta.filename, "--child", kind, "--file", file, "--db", db];
  if (batchMb) args.push("--batch-mb", String(batchMb));
  const out = spawnSync(process.execPath, args, {encoding: "utf-8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "inherit"]});
  if (out.status !== 0) throw new Error(`${kind} child failed with status ${out.status}`);
  const lines = out.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Measurement;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      lines: {type: "string", default: "1000000"},
      repeat: {type: "string", default: "2"},
      gzip: {type: "boolean", default: false},
      "batch-mb": {type: "string"},
      child: {type: "string"},
      file: {type: "string"},
      db: {type: "string"}
    }
  });
  const batchMb = values["batch-mb"] ? Number(values["batch-mb"]) : undefined;
  if (values.child) return child(values.child, values.file!, values.db!, batchMb);

  const lines = Number(values.lines);
  const repeat = Number(values.repeat);
  const dir = join(tmpdir(), "workbench-bench");
  mkdirSync(dir, {recursive: true});
  const file = join(dir, `api-logs-${lines}.ndjson${values.gzip ? ".gz" : ""}`);
  if (!existsSync(file)) {
    const start = performance.now();
    const partial = `${file}.partial`;
    const bytes = await writeApiLogFile(partial, {lines});
    renameSync(partial, file);
    console.log(`generated ${file}: ${lines} lines, ${(bytes / 1e6).toFixed(0)} MB of text in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  }
  const db = join(dir, `bench-${process.pid}.duckdb`);
  const readJson: Measurement[] = [];
  const ingest: Measurement[] = [];
  // interleaved, so a noisy neighbour on the machine hits both sides alike
  for (let i = 0; i < repeat; i++) {
    readJson.push(measure("read_json", file, db, batchMb));
    console.log(`read_json      ${readJson[i].seconds.toFixed(2)} s  cpu ${readJson[i].cpuSeconds.toFixed(2)} s  peak RSS ${readJson[i].maxRssMb} MB`);
    ingest.push(measure("ingest", file, db, batchMb));
    console.log(`ingestApiLogs  ${ingest[i].seconds.toFixed(2)} s  cpu ${ingest[i].cpuSeconds.toFixed(2)} s  peak RSS ${ingest[i].maxRssMb} MB  ${JSON.stringify(ingest[i].phases)}`);
  }
  const best = (list: Measurement[]) => list.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const ingestBest = best(ingest);
  const readJsonBest = best(readJson);
  const results = {
    benchmark: "api-logs",
    date: new Date().toISOString(),
    command: `npx tsx bench/api-logs.ts --lines ${lines} --repeat ${repeat}${values.gzip ? " --gzip" : ""}${batchMb ? ` --batch-mb ${batchMb}` : ""}`,
    input: {file, lines, bytes: statSync(file).size, gzip: values.gzip},
    machine: {cpus: (await import("node:os")).cpus().length, node: process.version, loadavg: (await import("node:os")).loadavg()},
    ingestApiLogs: {
      best_seconds: ingestBest.seconds,
      median_seconds: median(ingest.map((m) => m.seconds)),
      lines_per_second: Math.round(lines / ingestBest.seconds),
      cpu_seconds: ingestBest.cpuSeconds,
      peak_rss_mb: Math.max(...ingest.map((m) => m.maxRssMb)),
      phases_of_best_run_seconds: ingestBest.phases,
      summary: ingestBest.summary
    },
    read_json: {
      best_seconds: readJsonBest.seconds,
      median_seconds: median(readJson.map((m) => m.seconds)),
      lines_per_second: Math.round(lines / readJsonBest.seconds),
      cpu_seconds: readJsonBest.cpuSeconds,
      peak_rss_mb: Math.max(...readJson.map((m) => m.maxRssMb)),
      rows: readJsonBest.rows
    },
    ratio_best: Number((ingestBest.seconds / readJsonBest.seconds).toFixed(2)),
    // CPU seconds (all threads) are steadier than wall time when the machine is shared
    cpu_ratio: Number((ingestBest.cpuSeconds / readJsonBest.cpuSeconds).toFixed(2)),
    ratio_median: Number((median(ingest.map((m) => m.seconds)) / median(readJson.map((m) => m.seconds))).toFixed(2)),
    runs: {ingest: ingest.map((m) => m.seconds), read_json: readJson.map((m) => m.seconds)}
  };
  // one entry per input size, so the 1M and 10M figures sit side by side
  mkdirSync(join(import.meta.dirname, "results"), {recursive: true});
  const output = join(import.meta.dirname, "results", "api-logs.json");
  let previous: {by_lines?: Record<string, unknown>; history?: unknown[]} = {};
  try {
    previous = JSON.parse(readFileSync(output, "utf-8")) as typeof previous;
  } catch {
    // first run
  }
  const byLines = {...previous.by_lines, [String(lines)]: results};
  // every run, briefly: one run on a shared machine is not a measurement
  const history = [
    ...(previous.history ?? []),
    {
      date: results.date,
      lines,
      ratio_best: results.ratio_best,
      cpu_ratio: results.cpu_ratio,
      ingest_lines_per_second: results.ingestApiLogs.lines_per_second,
      read_json_lines_per_second: results.read_json.lines_per_second,
      peak_rss_mb: results.ingestApiLogs.peak_rss_mb,
      loadavg: results.machine.loadavg
    }
  ];
  writeFileSync(output, `${JSON.stringify({benchmark: "api-logs", latest: results, by_lines: byLines, history}, null, 2)}\n`);
  console.log(
    `\ningestApiLogs ${results.ingestApiLogs.lines_per_second} lines/s, read_json ${results.read_json.lines_per_second} lines/s, ` +
      `ratio ${results.ratio_best} (best) / ${results.ratio_median} (median), CPU ratio ${results.cpu_ratio}, ` +
      `peak RSS ${results.ingestApiLogs.peak_rss_mb} MB -> ${output}`
  );
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) await main();
