/**
 * Benchmark: `ingestApiLogs` against DuckDB's own `read_json(file, format='newline_delimited')`
 * into a table, on the same synthetic file, in the same run; each measurement in its own child
 * process so its peak RSS is its own. Writes bench/results/api-logs.json.
 *
 *   npx tsx bench/api-logs.ts [--lines N] [--repeat R] [--gzip] [--batch-mb MB]
 *   npx tsx bench/api-logs.ts --scale small|medium|large [--repeat R]   # the demo world's api-logs/ of that scale
 *   npx tsx bench/api-logs.ts --demo DIR [--repeat R]                    # any demo output directory
 *
 * The input (REST access lines and WebSocket session lines interleaved, in the docs/sources.md
 * shape) comes from the seeded generator below, cached under $TMPDIR/workbench-bench/ by line
 * count, so the demo generator is not involved.
 */
import {once} from "node:events";
import {closeSync, createWriteStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {createGzip} from "node:zlib";
import {benchDemoFiles, parseScale} from "./lib/demo.ts";
import {compare, interleave, machine, reportChild, writeResults, type Measurement} from "./lib/measure.ts";

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

const sql = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The baseline: DuckDB's own read_json of the same files into tables (REST and WebSocket lines into
 * their own, as the loader does), skipping the demo's deliberately malformed lines.
 */
async function readJsonBaseline(files: string[], db: string): Promise<Partial<Measurement>> {
  const {DuckDBInstance} = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(db);
  const connection = await instance.connect();
  const groups = [files.filter((f) => !/(^|\/)ws-[^/]*$/.test(f)), files.filter((f) => /(^|\/)ws-[^/]*$/.test(f))].filter((g) => g.length);
  let rows = 0;
  for (const [i, group] of groups.entries()) {
    await connection.run(
      `CREATE TABLE t${i} AS SELECT * FROM read_json([${group.map(sql).join(", ")}], format = 'newline_delimited', union_by_name = true, ignore_errors = true)`
    );
    rows += Number((await connection.runAndReadAll(`SELECT count(*) FROM t${i}`)).getRows()[0][0]);
  }
  await connection.run("CHECKPOINT");
  connection.closeSync();
  instance.closeSync();
  return {rows};
}

async function loaderRun(files: string[], db: string, batchMb: number | undefined): Promise<Partial<Measurement>> {
  const {Warehouse} = await import("../loaders/warehouse/connection.ts");
  const {ingestApiLogs, phaseTimings} = await import("../loaders/api-logs/index.ts");
  const warehouse = await Warehouse.open(db);
  const summary = await ingestApiLogs(warehouse, {files, ...(batchMb ? {batchBytes: batchMb << 20} : {})}, {update() {}, note() {}});
  await warehouse.run("CHECKPOINT");
  warehouse.close();
  const phases = Object.fromEntries(
    Object.entries(phaseTimings).map(([phase, {wallMs, cpuMs}]) => [phase, {wall: Math.round(wallMs) / 1000, cpu: Math.round(cpuMs) / 1000}])
  );
  return {rows: summary.read, summary, phases};
}

/** The input: a synthetic file of `lines` lines (cached), or a demo world's api-logs/ directory. */
async function input(values: {lines: string; gzip: boolean; demo?: string; scale?: string}): Promise<{key: string; files: string[]; lines: number; bytes: number}> {
  const demo = values.demo ?? (values.scale ? benchDemoFiles(parseScale(values.scale)) : undefined);
  if (demo) {
    const dir = join(demo, "api-logs");
    const files = readdirSync(dir).filter((f) => f.endsWith(".ndjson.gz")).sort().map((f) => join(dir, f));
    if (!files.length) throw new Error(`no *.ndjson.gz under ${dir}: generate a demo first (workbench demo --no-ingest --out ${demo})`);
    const truth = JSON.parse(readFileSync(join(demo, "truth.json"), "utf-8")) as {scale: string; counts: Record<string, number>};
    const lines = Object.entries(truth.counts).filter(([path]) => path.startsWith("api-logs/")).reduce((sum, [, n]) => sum + n, 0);
    return {key: `demo-${truth.scale}`, files, lines, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0)};
  }
  const lines = Number(values.lines);
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
  return {key: `synthetic-${lines}${values.gzip ? "-gz" : ""}`, files: [file], lines, bytes: statSync(file).size};
}

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      lines: {type: "string", default: "1000000"},
      repeat: {type: "string", default: "2"},
      gzip: {type: "boolean", default: false},
      demo: {type: "string"},
      scale: {type: "string"},
      "batch-mb": {type: "string"},
      child: {type: "string"},
      file: {type: "string", multiple: true},
      db: {type: "string"}
    }
  });
  const batchMb = values["batch-mb"] ? Number(values["batch-mb"]) : undefined;
  if (values.child) {
    const files = values.file!;
    return reportChild(values.db!, () => (values.child === "read_json" ? readJsonBaseline(files, values.db!) : loaderRun(files, values.db!, batchMb)));
  }
  const {key, files, lines, bytes} = await input(values);
  const repeat = Number(values.repeat);
  const db = join(tmpdir(), `workbench-bench-${process.pid}.duckdb`);
  const args = [...files.flatMap((f) => ["--file", f]), "--db", db, ...(batchMb ? ["--batch-mb", String(batchMb)] : [])];
  const {loader: ingest, baseline: readJson} = interleave(import.meta.filename, repeat, args, "ingestApiLogs");
  const comparison = compare(ingest, readJson, lines);
  const command = values.scale
    ? `npx tsx bench/api-logs.ts --scale ${values.scale} --repeat ${repeat}`
    : values.demo
    ? `npx tsx bench/api-logs.ts --demo ${values.demo} --repeat ${repeat}`
    : `npx tsx bench/api-logs.ts --lines ${lines} --repeat ${repeat}${values.gzip ? " --gzip" : ""}${batchMb ? ` --batch-mb ${batchMb}` : ""}`;
  const results = {benchmark: "api-logs", date: new Date().toISOString(), command, input: {key, files: files.length, lines, bytes}, machine: machine(), ...comparison};
  const output = writeResults("api-logs", key, results, {
    lines,
    ratio_best: comparison.ratio_best,
    cpu_ratio: comparison.cpu_ratio,
    ingest_lines_per_second: comparison.loader.per_second,
    read_json_lines_per_second: comparison.baseline.per_second,
    peak_rss_mb: comparison.loader.peak_rss_mb,
    loadavg: results.machine.loadavg
  });
  console.log(
    `\ningestApiLogs ${comparison.loader.per_second} lines/s, read_json ${comparison.baseline.per_second} lines/s, ` +
      `ratio ${comparison.ratio_best} (best) / ${comparison.ratio_median} (median), CPU ratio ${comparison.cpu_ratio}, ` +
      `peak RSS ${comparison.loader.peak_rss_mb} MB -> ${output}`
  );
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) await main();
