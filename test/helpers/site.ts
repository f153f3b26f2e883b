/**
 * Build-and-serve helpers for the site tests: a small realistic warehouse (or an existing one from
 * $WORKBENCH_TEST_DB), `npm run build` into a temporary directory, and the dist/ server.
 */
import {spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {Warehouse} from "../../loaders/warehouse/connection.ts";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface TestWarehouse {
  path: string;
  /** Rows in `tickets`, what the home page's DuckDB-WASM total must show. */
  tickets: number;
  /** Quarantined records, what the home page's quarantine figure must show. */
  rejects: number;
  /** True when the test created (and will delete) the warehouse. */
  temporary: boolean;
  dispose(): void;
}

const DAY = 24 * 60 * 60 * 1000;

/** Ticket categories (ids from docs/taxonomy.md) with a typical weekly volume. */
const CATEGORIES = [
  ["deposit_withdrawal", 7],
  ["order_validation", 6],
  ["balance_allowance", 5],
  ["api_auth", 4],
  ["resolution_dispute", 3]
] as const;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Creates a warehouse at `path` with a handful of realistic rows: five weeks of tickets in five
 * categories, some REST requests, WebSocket events and FIX messages, one ingest run per source
 * whose counts match what it loaded, and a few quarantined records.
 */
export async function seedWarehouse(path: string): Promise<void> {
  const warehouse = await Warehouse.open(path);
  try {
    const start = Date.parse("2026-08-03T00:00:00Z"); // a Monday
    const ingestedAt = start + 36 * DAY;
    // intercom is ingested on one day, API and FIX logs the next morning
    const runStart = (i: number) => ingestedAt + (i === 0 ? 0 : DAY) + i * 60_000;

    let tickets = 0;
    for (const [category, perWeek] of CATEGORIES) {
      for (let week = 0; week < 5; week++) {
        // a different count each week so the stacked bars have shape; deposits spike in week 4
        const wobble = 0.6 + ((week * 7 + category.length) % 5) / 6;
        const count = Math.max(1, Math.round(perWeek * wobble) + (week === 3 && category === "deposit_withdrawal" ? 6 : 0));
        for (let k = 0; k < count; k++) {
          tickets++;
          const created = start + week * 7 * DAY + ((k * 13 + tickets) % 7) * DAY + ((tickets * 37) % 24) * 3_600_000;
          await warehouse.run(
            `INSERT INTO tickets (ticket_id, source, created_at, updated_at, state, priority, tier, category, run_id)
             VALUES ($1, 'intercom-file', $2::TIMESTAMPTZ, $2::TIMESTAMPTZ, $3, 'not_priority', $4, $5, 1)`,
            [String(215000000 + tickets), iso(created), tickets % 4 === 0 ? "open" : "closed", tickets % 9 === 0 ? "VIP" : "standard", category]
          );
        }
      }
    }

    const requests = 60;
    for (let i = 0; i < requests; i++) {
      const status = i % 10 === 0 ? 400 : i % 17 === 0 ? 425 : 200;
      await warehouse.run(
        `INSERT INTO api_requests (request_id, ts, method, path, route, status, latency_ms, error_message, source_file, source_line)
         VALUES ($1, $2::TIMESTAMPTZ, $3, $4, $4, $5, $6, $7, 'rest-seed.ndjson', $8)`,
        [
          `req_seed_${i}`,
          iso(start + i * 14 * 3_600_000),
          i % 3 === 0 ? "GET" : "POST",
          i % 3 === 0 ? "/book" : "/order",
          status,
          8 + (i % 7) * 3.5,
          status === 400 ? "not enough balance / allowance" : status === 425 ? "service not ready" : null,
          i + 1
        ]
      );
    }
    const wsEvents = 12;
    for (let i = 0; i < wsEvents; i++) {
      await warehouse.run(
        `INSERT INTO ws_events (session_id, seq, ts, channel, event) VALUES ('ws_seed', $1, $2::TIMESTAMPTZ, 'market', $3)`,
        [i, iso(start + 20 * DAY + i * 1000), ["connect", "subscribe", "message", "ping", "pong"][Math.min(i, 4)]]
      );
    }
    const fixMessages = 8;
    for (let i = 0; i < fixMessages; i++) {
      await warehouse.run(
        `INSERT INTO fix_messages (session_id, direction, seq_num, sending_time, msg_type, msg_type_name, raw)
         VALUES ('SEEDFIRM', $1, $2, $3::TIMESTAMPTZ, $4, $5, '8=FIXT.1.1|35=0|')`,
        [i % 2 ? "out" : "in", i + 1, iso(start + 22 * DAY + i * 30_000), i < 2 ? "A" : "0", i < 2 ? "Logon" : "Heartbeat"]
      );
    }

    const rejects = [
      ["intercom", "conversations.jsonl:118", "invalid_json: Unexpected end of JSON input", 1],
      ["intercom", "conversations.jsonl:204", "missing_field: created_at", 1],
      ["api-logs", "rest-2026-09-07.ndjson.gz:3311", "invalid_json: Unexpected token } in JSON", 2],
      ["api-logs", "rest-2026-09-08.ndjson.gz:87", "invalid_json: Unterminated string", 2],
      ["api-logs", "ws-2026-09-08.ndjson.gz:15", "unknown_event: heartbeat", 2]
    ] as const;
    for (const [source, location, reason, runId] of rejects) {
      await warehouse.run(
        `INSERT INTO rejects (source, location, reason, raw, run_id, rejected_at) VALUES ($1, $2, $3, '{"redacted":true}', $4, $5::TIMESTAMPTZ)`,
        [source, location, reason, runId, iso(runStart(runId - 1) + 2_000)]
      );
    }
    const rejected = (source: string) => rejects.filter((r) => r[0] === source).length;

    const runs = [
      {source: "intercom", input: "data/demo/intercom/conversations.jsonl", loaded: tickets},
      {source: "api-logs", input: "data/demo/api-logs", loaded: requests + wsEvents},
      {source: "fix", input: "data/demo/fix", loaded: fixMessages}
    ];
    for (const [i, run] of runs.entries()) {
      const started = runStart(i);
      await warehouse.run(
        `INSERT INTO ingest_runs (run_id, source, input, started_at, finished_at, status, read, loaded, rejected, inserted)
         VALUES ($1, $2, $3, $4::TIMESTAMPTZ, $5::TIMESTAMPTZ, 'ok', $6, $7, $8, $7)`,
        [i + 1, run.source, run.input, iso(started), iso(started + 4_000 + i * 9_000), run.loaded + rejected(run.source), run.loaded, rejected(run.source)]
      );
    }
  } finally {
    warehouse.close();
  }
}

async function countRows(path: string, table: string): Promise<number> {
  const warehouse = await Warehouse.open(path, {readOnly: true});
  try {
    const row = await warehouse.one<{n: bigint}>(`SELECT count(*) AS n FROM "${table}"`);
    return Number(row?.n ?? 0);
  } finally {
    warehouse.close();
  }
}

/**
 * The warehouse the site test builds from: $WORKBENCH_TEST_DB when set (e.g. the demo warehouse),
 * otherwise a freshly seeded one in a temporary directory. `seed: false` gives an empty (migrated)
 * warehouse, for the empty-state build.
 */
export async function testWarehouse({seed = true}: {seed?: boolean} = {}): Promise<TestWarehouse> {
  const existing = process.env.WORKBENCH_TEST_DB;
  let path: string;
  let dir: string | undefined;
  if (existing && seed) {
    path = resolve(existing);
  } else {
    dir = mkdtempSync(join(tmpdir(), "workbench-site-db-"));
    path = join(dir, "warehouse.duckdb");
    if (seed) await seedWarehouse(path);
    else (await Warehouse.open(path)).close();
  }
  return {
    path,
    tickets: await countRows(path, "tickets"),
    rejects: await countRows(path, "rejects"),
    temporary: dir !== undefined,
    dispose: () => {
      if (dir) rmSync(dir, {recursive: true, force: true});
    }
  };
}

export interface BuiltSite {
  dir: string;
  /** Wall-clock seconds of `npm run build`. */
  seconds: number;
  log: string;
  dispose(): void;
}

/** Runs `npm run build` against `warehouse` into a fresh temporary directory. */
export async function buildSite(warehouse: string): Promise<BuiltSite> {
  const dir = mkdtempSync(join(tmpdir(), "workbench-site-"));
  const started = performance.now();
  const log = await new Promise<string>((done, fail) => {
    const child = spawn("npm", ["run", "--silent", "build"], {
      cwd: ROOT,
      env: {...process.env, WORKBENCH_DB: warehouse, WORKBENCH_SITE_OUTPUT: dir, NO_COLOR: "1", FORCE_COLOR: "0"},
      stdio: ["ignore", "pipe", "pipe"]
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      if (code === 0) done(output);
      else fail(new Error(`npm run build exited with ${code}:\n${output}`));
    });
  });
  return {
    dir,
    seconds: (performance.now() - started) / 1000,
    log,
    dispose: () => rmSync(dir, {recursive: true, force: true})
  };
}
