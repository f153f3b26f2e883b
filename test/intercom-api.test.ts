// The Intercom loader against a loopback server speaking the real API: pagination, auth, rate limits,
// retries, resume after a failure or a SIGKILL, and incremental sync.
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {pathToFileURL} from "node:url";
import {after, test} from "node:test";
import {UsageError} from "../loaders/errors.ts";
import {ingestIntercom, IntercomApiError, type IntercomOptions} from "../loaders/intercom/index.ts";
import {silentProgress} from "../loaders/progress.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {tableChecksums} from "./helpers/checksum.ts";
import {IntercomServer} from "./helpers/intercom-server.ts";

const TOKEN = "dG9rOjEyMzQ1Njc4OTA=";
const T0 = Date.UTC(2026, 9, 1) / 1000; // 2026-10-01, in the past for the wall clock
const COUNT = 23;
const PER_PAGE = 5;

const scratch = mkdtempSync(join(tmpdir(), "intercom-api-"));
const servers: IntercomServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
  rmSync(scratch, {recursive: true, force: true});
});

function conversation(i: number, updatedAt = T0 + i * 60, extraParts = 0): Record<string, unknown> & {id: string; updated_at: number} {
  const id = String(5000 + i);
  const created = updatedAt - 3600 - i;
  const user = {type: "user", id: `contact-${i}`, name: `User ${i}`, email: `User${i}@Example.com`};
  const admin = {type: "admin", id: "991267715", name: "Dana Reyes", email: "dana@exchange.example"};
  const part = (n: number, type: string, at: number, author: object, body: string | null) => ({
    type: "conversation_part", id: `${id}${String(n).padStart(3, "0")}`, part_type: type, body, created_at: at, updated_at: at,
    notified_at: at, assigned_to: null, author, attachments: [], external_id: null, redacted: false
  });
  const parts = [
    part(1, "comment", created + 300, admin, "<p>Looking into it.</p>"),
    part(2, "comment", created + 900, user, "<p>Thanks</p>"),
    part(3, "close", updatedAt - 60 * extraParts, admin, null),
    ...Array.from({length: extraParts}, (_, k) => part(4 + k, "comment", updatedAt - 60 * (extraParts - k - 1), user, `<p>follow-up ${k + 1}</p>`))
  ];
  return {
    type: "conversation", id, created_at: created, updated_at: updatedAt, waiting_since: null, snoozed_until: null,
    source: {type: "conversation", id: `4039${id}`, delivered_as: "customer_initiated", subject: "",
      body: `<p>${i % 2 ? "not enough balance / allowance on POST /order" : "my websocket is silent"}</p>`, author: user, attachments: [], url: null, redacted: false},
    contacts: {type: "contact.list", contacts: [{type: "contact", id: `contact-${i}`, external_id: null}]},
    first_contact_reply: null, admin_assignee_id: 991267715, team_assignee_id: 5017691, open: false, state: "closed", read: true,
    tags: {type: "tag.list", tags: []}, priority: "not_priority", sla_applied: null,
    statistics: {type: "conversation_statistics", first_admin_reply_at: created + 300, first_close_at: updatedAt - 60 * extraParts,
      last_close_at: updatedAt - 60 * extraParts, count_reopens: 0, count_conversation_parts: parts.length},
    conversation_rating: null, teammates: null, title: null,
    custom_attributes: {Tier: i % 3 ? "standard" : "VIP", Wallet: `0x${i.toString(16).padStart(40, "A")}`},
    conversation_parts: {type: "conversation_part.list", conversation_parts: parts, total_count: parts.length}
  };
}

async function startServer(count = COUNT, token = TOKEN): Promise<IntercomServer> {
  const server = new IntercomServer(token, Array.from({length: count}, (_, i) => conversation(i + 1)));
  servers.push(server);
  await server.start();
  return server;
}

let dbs = 0;
const dbPath = () => join(scratch, `w${++dbs}.duckdb`);

interface Harness {
  waits: number[];
  options: IntercomOptions;
}

function harness(server: IntercomServer, extra: Partial<IntercomOptions> = {}): Harness {
  const waits: number[] = [];
  return {
    waits,
    options: {
      api: server.url,
      token: TOKEN,
      perPage: PER_PAGE,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
      ...extra
    }
  };
}

async function ids(warehouse: Warehouse): Promise<string[]> {
  return (await warehouse.all<{ticket_id: string}>("SELECT ticket_id FROM tickets ORDER BY ticket_id")).map((row) => row.ticket_id);
}

async function syncState(warehouse: Warehouse): Promise<Record<string, string>> {
  const rows = await warehouse.all<{key: string; value: string}>("SELECT key, value FROM sync_state WHERE source = 'intercom'");
  return Object.fromEntries(rows.map((row) => [row.key.split(" ")[0], row.value]));
}

const expectedIds = (count = COUNT) => Array.from({length: count}, (_, i) => String(5001 + i)).sort();

test("without the right token: 401 fails the run with a clear error; no token at all is a usage error", async () => {
  const server = await startServer(3, "the-real-token");
  const warehouse = await Warehouse.open(dbPath());
  try {
    await assert.rejects(
      ingestIntercom(warehouse, harness(server).options, silentProgress),
      (error: unknown) =>
        error instanceof IntercomApiError && error.status === 401 && /401 unauthorized: Access Token Invalid.*INTERCOM_TOKEN/.test(error.message)
    );
    assert.equal(server.requests[0].status, 401);
    const [run] = await warehouse.all<{status: string; message: string}>("SELECT status, message FROM ingest_runs");
    assert.equal(run.status, "failed");
    assert.ok(!run.message.includes(TOKEN));
    assert.deepEqual(await ids(warehouse), []);
    await assert.rejects(ingestIntercom(warehouse, {...harness(server).options, token: undefined}, silentProgress), UsageError);
  } finally {
    warehouse.close();
  }
});

test("a full sync pages through search with cursors, fetches each conversation once and stores exactly the server's data", async () => {
  const server = await startServer();
  const warehouse = await Warehouse.open(dbPath());
  try {
    const summary = await ingestIntercom(warehouse, harness(server).options, silentProgress);
    assert.deepEqual([summary.status, summary.read, summary.loaded, summary.rejected, summary.inserted], ["ok", COUNT, COUNT, 0, COUNT]);
    const searches = server.searches();
    assert.equal(searches.length, Math.ceil(COUNT / PER_PAGE));
    for (const search of searches) assert.equal(search.pagination.per_page, PER_PAGE);
    assert.deepEqual(searches[0].query, {field: "updated_at", operator: ">", value: 0});
    assert.equal(searches[0].pagination.starting_after, undefined);
    assert.deepEqual(
      searches.slice(1).map((search) => search.pagination.starting_after),
      server.issuedCursors,
      "each page asks for the previous page's pages.next.starting_after"
    );
    for (const request of server.requests) {
      assert.equal(request.headers["intercom-version"], "2.11");
      assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    }
    assert.deepEqual(server.gets().sort(), expectedIds().map((id) => `/conversations/${id}`).sort());
    assert.deepEqual(await ids(warehouse), expectedIds());
    const [row] = await warehouse.json<Record<string, unknown>>(
      "SELECT source, tier, user_wallet, user_email, category, first_admin_reply_at::VARCHAR AS reply FROM tickets WHERE ticket_id = '5003'"
    );
    assert.deepEqual(row, {
      source: "intercom-api",
      tier: "VIP",
      user_wallet: `0x${"3".padStart(40, "a")}`,
      user_email: "user3@example.com",
      category: "balance_allowance",
      reply: new Date((T0 + 3 * 60 - 3600 - 3 + 300) * 1000).toISOString().replace("T", " ").replace(".000Z", "+00")
    });
    const [{n}] = await warehouse.all<{n: bigint}>("SELECT count(*) AS n FROM ticket_parts");
    assert.equal(n, BigInt(COUNT * 4), "3 parts + the opening message each");
    const state = await syncState(warehouse);
    assert.equal(state.high_water_mark, String(T0 + COUNT * 60));
    assert.equal(state.search_cursor, undefined, "no search in flight");
  } finally {
    warehouse.close();
  }
});

test("429s wait until X-RateLimit-Reset; 5xx and dropped connections are retried with backoff", async () => {
  const server = await startServer(8);
  server.rateLimit(2, 7, (method) => method === "POST");
  server.fail(2, 503, (method) => method === "GET");
  server.fail(1, 500, (_method, _path, page) => page === 2);
  server.drop(1, (method) => method === "GET");
  const warehouse = await Warehouse.open(dbPath());
  const {waits, options} = harness(server);
  try {
    const summary = await ingestIntercom(warehouse, options, silentProgress);
    assert.deepEqual([summary.read, summary.loaded, summary.rejected], [8, 8, 0]);
    assert.deepEqual(await ids(warehouse), expectedIds(8));
    const rateLimited = server.requests.filter((request) => request.status === 429);
    assert.equal(rateLimited.length, 2);
    const resetWaits = waits.filter((ms) => ms > 4000);
    assert.equal(resetWaits.length, 2, `waits: ${waits.join(", ")}`);
    for (const ms of resetWaits) assert.ok(ms > 5000 && ms <= 8100, `waited ${ms} ms for a reset 7 s ahead`);
    const backoffs = waits.filter((ms) => ms <= 4000);
    assert.equal(backoffs.length, 4, "2x 503, 1x 500, 1x dropped connection");
    assert.ok(backoffs.every((ms) => ms === 500 || ms === 1000), `backoffs: ${backoffs.join(", ")}`);
    const [{n}] = await warehouse.all<{n: bigint}>("SELECT count(*) AS n FROM tickets");
    assert.equal(n, 8n, "no duplicates from retried requests");
  } finally {
    warehouse.close();
  }
});

test("a failure after page 2 (5xx beyond the retry budget) fails clearly; the re-run resumes from the stored cursor", async () => {
  const server = await startServer();
  server.fail(Infinity, 500, (_method, _path, page) => page === 3);
  const warehouse = await Warehouse.open(dbPath());
  const first = harness(server);
  try {
    await assert.rejects(
      ingestIntercom(warehouse, first.options, silentProgress),
      (error: unknown) => error instanceof IntercomApiError && /search: HTTP 500 after 6 attempts/.test(error.message)
    );
    assert.deepEqual(first.waits, [500, 1000, 2000, 4000, 8000], "bounded exponential backoff");
    assert.deepEqual(await ids(warehouse), expectedIds(COUNT).slice(0, 2 * PER_PAGE), "pages 1 and 2 are committed");
    const state = await syncState(warehouse);
    assert.equal(state.high_water_mark, undefined, "the mark does not move before the search finished");
    const cursor = JSON.parse(state.search_cursor) as {page: number; startingAfter: string; since: number};
    assert.deepEqual([cursor.page, cursor.startingAfter, cursor.since], [2, server.issuedCursors[1], 0]);
    const [run] = await warehouse.all<{status: string}>("SELECT status FROM ingest_runs");
    assert.equal(run.status, "failed");

    server.clearFaults();
    const before = server.requests.length;
    const summary = await ingestIntercom(warehouse, harness(server).options, silentProgress);
    const rerun = server.requests.slice(before);
    const firstSearch = rerun.find((request) => request.path === "/conversations/search")!.body as {pagination: {starting_after?: string}};
    assert.equal(firstSearch.pagination.starting_after, server.issuedCursors[1], "resumed at page 3");
    assert.equal(rerun.filter((request) => request.method === "GET").length, COUNT - 2 * PER_PAGE, "only the remaining conversations");
    assert.deepEqual([summary.read, summary.loaded, summary.rejected], [COUNT - 2 * PER_PAGE, COUNT - 2 * PER_PAGE, 0]);
    assert.deepEqual(await ids(warehouse), expectedIds());
    const [{n, distinct}] = await warehouse.all<{n: bigint; distinct: bigint}>(
      "SELECT count(*) AS n, count(DISTINCT ticket_id) AS distinct FROM tickets"
    );
    assert.deepEqual([n, distinct], [BigInt(COUNT), BigInt(COUNT)]);
    assert.equal((await syncState(warehouse)).high_water_mark, String(T0 + COUNT * 60));
  } finally {
    warehouse.close();
  }
});

test("a process killed mid-sync (SIGKILL) resumes from the stored cursor and ends with exactly the server's conversations", async () => {
  const server = await startServer();
  const held = server.holdSearchPage(4);
  const db = dbPath();
  const script = join(scratch, "sync-child.mts");
  const root = resolve(".");
  writeFileSync(
    script,
    `import {Warehouse} from ${JSON.stringify(pathToFileURL(join(root, "loaders/warehouse/connection.ts")).href)};
import {ingestIntercom} from ${JSON.stringify(pathToFileURL(join(root, "loaders/intercom/index.ts")).href)};
const [db, api, token] = process.argv.slice(2);
const warehouse = await Warehouse.open(db);
await ingestIntercom(warehouse, {api, token, perPage: ${PER_PAGE}}, {update() {}, note() {}});
`
  );
  const child = spawn(process.execPath, ["--import", "tsx", script, db, server.url, TOKEN], {cwd: root, stdio: ["ignore", "ignore", "pipe"]});
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((done) =>
    child.on("exit", (code, signal) => done({code, signal}))
  );
  const outcome = await Promise.race([held.then(() => "held" as const), exited.then(() => "exited" as const)]);
  assert.equal(outcome, "held", `the child ended before page 4: ${stderr}`);
  child.kill("SIGKILL");
  assert.equal((await exited).signal, "SIGKILL");

  const warehouse = await Warehouse.open(db);
  try {
    assert.deepEqual(await ids(warehouse), expectedIds().slice(0, 3 * PER_PAGE), "pages 1-3 were committed before the kill");
    const before = server.requests.length;
    const summary = await ingestIntercom(warehouse, harness(server).options, silentProgress);
    const rerun = server.requests.slice(before);
    const firstSearch = rerun.find((request) => request.path === "/conversations/search")!.body as {pagination: {starting_after?: string}};
    assert.equal(firstSearch.pagination.starting_after, server.issuedCursors[2], "resumed at page 4");
    assert.equal(summary.read, COUNT - 3 * PER_PAGE);
    assert.deepEqual(await ids(warehouse), expectedIds());
    const [run] = await warehouse.all<{status: string}>("SELECT status FROM ingest_runs ORDER BY run_id LIMIT 1");
    assert.equal(run.status, "interrupted", "the killed run is marked interrupted");

    // Same warehouse content as one uninterrupted sync of the same server.
    const clean = await Warehouse.open(dbPath());
    await ingestIntercom(clean, harness(server).options, silentProgress);
    const [a, b] = [await tableChecksums(warehouse), await tableChecksums(clean)];
    clean.close();
    assert.equal(a.tickets, b.tickets);
    assert.equal(a.ticket_parts, b.ticket_parts);
  } finally {
    warehouse.close();
  }
});

test("incremental: the next run searches from the high-water mark and fetches only what changed", async () => {
  const server = await startServer();
  const warehouse = await Warehouse.open(dbPath());
  try {
    await ingestIntercom(warehouse, harness(server).options, silentProgress);
    const mark = Number((await syncState(warehouse)).high_water_mark);
    assert.equal(mark, T0 + COUNT * 60);
    const checksum = await tableChecksums(warehouse);

    // Nothing changed: one search from the mark; the boundary conversation comes back but is not fetched.
    let before = server.requests.length;
    const idle = await ingestIntercom(warehouse, harness(server).options, silentProgress);
    let rerun = server.requests.slice(before);
    assert.deepEqual(rerun.map((request) => `${request.method} ${request.path}`), ["POST /conversations/search"]);
    assert.deepEqual((rerun[0].body as {query: unknown}).query, {field: "updated_at", operator: ">", value: mark});
    assert.deepEqual([idle.read, idle.loaded, idle.inserted], [1, 1, 0], "Intercom's > is >=: the mark's own conversation");
    assert.deepEqual(await tableChecksums(warehouse), checksum, "an idle sync changes nothing");

    // Two conversations change (a follow-up part each), one is new.
    const later = T0 + 10_000;
    server.put(conversation(4, later, 1));
    server.put(conversation(9, later + 60, 2));
    server.put(conversation(COUNT + 1, later + 120));
    before = server.requests.length;
    const summary = await ingestIntercom(warehouse, harness(server).options, silentProgress);
    rerun = server.requests.slice(before);
    const searches = rerun.filter((request) => request.path === "/conversations/search");
    assert.deepEqual((searches[0].body as {query: unknown}).query, {field: "updated_at", operator: ">", value: mark});
    assert.deepEqual(
      rerun.filter((request) => request.method === "GET").map((request) => request.path).sort(),
      ["/conversations/5004", "/conversations/5009", `/conversations/${5000 + COUNT + 1}`]
    );
    assert.deepEqual([summary.read, summary.loaded, summary.inserted], [4, 4, 1]);
    assert.deepEqual(await ids(warehouse), expectedIds(COUNT + 1));
    const followUps = await warehouse.all<{ticket_id: string; n: bigint}>(
      "SELECT ticket_id, count(*) AS n FROM ticket_parts WHERE body LIKE 'follow-up%' GROUP BY ticket_id ORDER BY ticket_id"
    );
    assert.deepEqual(followUps, [{ticket_id: "5004", n: 1n}, {ticket_id: "5009", n: 2n}]);
    const [updated] = await warehouse.all<{updated_at: string}>("SELECT updated_at::VARCHAR AS updated_at FROM tickets WHERE ticket_id = '5009'");
    assert.equal(updated.updated_at, new Date((later + 60) * 1000).toISOString().replace("T", " ").replace(".000Z", "+00"));
    assert.equal(Number((await syncState(warehouse)).high_water_mark), later + 120);
  } finally {
    warehouse.close();
  }
});

test("a listed conversation that 404s and a malformed search item are quarantined with their request locations", async () => {
  const server = await startServer(4);
  server.fail(1, 404, (method, path) => method === "GET" && path === "/conversations/5002");
  server.extraItems.push({type: "conversation", created_at: T0}, {type: "conversation", id: "9999", created_at: "soon", updated_at: T0});
  const warehouse = await Warehouse.open(dbPath());
  try {
    const summary = await ingestIntercom(warehouse, {...harness(server).options, perPage: 10}, silentProgress);
    assert.deepEqual([summary.read, summary.loaded, summary.rejected], [6, 3, 3]);
    const rejects = await warehouse.all<{location: string; reason: string}>("SELECT location, reason FROM rejects ORDER BY location");
    assert.deepEqual(
      rejects.map((row) => `${row.location} ${row.reason.split(":")[0]}`),
      ["GET /conversations/5002 not_found", "GET /conversations/9999 not_found", "search page 1 item 5 missing_field"]
    );
    assert.deepEqual(await ids(warehouse), ["5001", "5003", "5004"]);
  } finally {
    warehouse.close();
  }
});

// ---- Issue #10: 429 storms, timeouts, expired cursors: each recovers without loss or duplication. ----

/** The warehouse one uninterrupted, fault-free sync of the server's current data produces. */
async function cleanChecksums(server: IntercomServer): Promise<Record<string, string>> {
  const clean = await Warehouse.open(dbPath());
  try {
    await ingestIntercom(clean, harness(server).options, silentProgress);
    return await tableChecksums(clean);
  } finally {
    clean.close();
  }
}

async function assertNoDuplicates(warehouse: Warehouse, count: number): Promise<void> {
  const [{n, distinct}] = await warehouse.all<{n: bigint; distinct: bigint}>(
    "SELECT count(*) AS n, count(DISTINCT ticket_id) AS distinct FROM tickets"
  );
  assert.deepEqual([n, distinct], [BigInt(count), BigInt(count)]);
  const [parts] = await warehouse.all<{n: bigint; distinct: bigint}>(
    "SELECT count(*) AS n, count(DISTINCT (ticket_id, part_id)) AS distinct FROM ticket_parts"
  );
  assert.equal(parts.n, parts.distinct, "no duplicate parts");
}

test("a 429 storm (18 in a row across search pages and conversation fetches) is waited out; the run ends with exactly the server's data", async () => {
  const server = await startServer();
  server.rateLimit(6, 7, (method) => method === "GET");
  server.rateLimit(12, 7, (_method, _path, page) => page === 3); // 12 consecutive on one request
  const warehouse = await Warehouse.open(dbPath());
  const {waits, options} = harness(server);
  try {
    const summary = await ingestIntercom(warehouse, options, silentProgress);
    assert.deepEqual([summary.status, summary.read, summary.loaded, summary.rejected, summary.inserted], ["ok", COUNT, COUNT, 0, COUNT]);
    assert.equal(server.requests.filter((request) => request.status === 429).length, 18);
    const page3 = server.requests.filter((request) => request.path === "/conversations/search" && request.status === 429);
    assert.equal(page3.length, 12);
    assert.equal(waits.length, 18, `only reset waits, no failures: ${waits.join(", ")}`);
    for (const ms of waits) assert.ok(ms > 5000 && ms <= 8100, `waited ${ms} ms for a reset 7 s ahead`);
    const fetched = server.requests.filter((request) => request.method === "GET" && request.status === 200).map((request) => request.path);
    assert.deepEqual(fetched.sort(), expectedIds().map((id) => `/conversations/${id}`).sort(), "each conversation fetched once");
    await assertNoDuplicates(warehouse, COUNT);
    assert.deepEqual(await tableChecksums(warehouse), await cleanChecksums(server));
  } finally {
    warehouse.close();
  }
});

test("requests that never answer, answer too late or stall mid-body time out and are retried like a 5xx; no duplicate rows", async () => {
  const server = await startServer();
  server.stall(1, (_method, _path, page) => page === 2); // accepted, never answered
  server.stall(1, (method, path) => method === "GET" && path === "/conversations/5003", {answerAfterMs: 600}); // answered after the timeout
  server.stall(1, (method, path) => method === "GET" && path === "/conversations/5012", {midBody: true}); // headers, then silence
  const warehouse = await Warehouse.open(dbPath());
  const {waits, options} = harness(server, {requestTimeoutMs: 200});
  const notes: string[] = [];
  try {
    const summary = await ingestIntercom(warehouse, options, {update() {}, note: (text: string) => notes.push(text)});
    assert.deepEqual([summary.status, summary.read, summary.loaded, summary.rejected, summary.inserted], ["ok", COUNT, COUNT, 0, COUNT]);
    assert.equal(server.requests.filter((request) => request.status === -3).length, 3, "three stalled requests");
    assert.deepEqual(waits, [500, 500, 500], "each timed-out request retried once after the first backoff");
    assert.equal(notes.filter((text) => /timed out/.test(text)).length, 3, notes.join("\n"));
    await assertNoDuplicates(warehouse, COUNT);
    assert.deepEqual(await ids(warehouse), expectedIds());
    assert.deepEqual(await tableChecksums(warehouse), await cleanChecksums(server));

    // A request that times out every time fails the run after the retry budget, naming the timeout.
    const stuck = await startServer(8);
    stuck.stall(Infinity, (method, path) => method === "GET" && path === "/conversations/5004");
    const failing = await Warehouse.open(dbPath());
    try {
      const started = Date.now();
      await assert.rejects(
        ingestIntercom(failing, harness(stuck, {requestTimeoutMs: 100}).options, silentProgress),
        (error: unknown) =>
          error instanceof IntercomApiError && /GET \/conversations\/5004: network error after 6 attempts: no complete answer within 0\.1 s \(timed out\)/.test(error.message)
      );
      assert.ok(Date.now() - started < 10_000, "aborted at the timeout, not left waiting");
    } finally {
      failing.close();
    }
  } finally {
    warehouse.close();
  }
});

test("an expired cursor mid-run restarts the search from the high-water mark; the run says so and ends with exactly the server's data", async () => {
  const server = await startServer();
  server.expireCursorAt(3);
  const warehouse = await Warehouse.open(dbPath());
  try {
    const summary = await ingestIntercom(warehouse, harness(server).options, silentProgress);
    assert.equal(server.expiredRequests(), 1);
    const [refused] = server.requests.filter((request) => request.status === 400);
    assert.equal((refused.body as {pagination: {starting_after: string}}).pagination.starting_after, server.issuedCursors[1]);
    assert.equal(summary.status, "ok");
    assert.match(summary.message ?? "", /search cursor for page 3 refused \(HTTP 400 parameter_invalid: .*\); restarted the search from the high-water mark 1970-01-01T00:00:00\.000Z/);
    const [run] = await warehouse.all<{message: string}>("SELECT message FROM ingest_runs");
    assert.match(run.message, /restarted the search from the high-water mark/);
    const searches = server.searches();
    assert.equal(searches.length, 2 + 1 + Math.ceil(COUNT / PER_PAGE), "pages 1-2, the refused page 3, then the whole search again");
    assert.equal(searches[3].pagination.starting_after, undefined, "the restart begins at the first page");
    assert.deepEqual(searches[3].query, {field: "updated_at", operator: ">", value: 0});
    // Pages 1-2 were committed before the restart: their conversations come back unchanged and are not fetched again.
    assert.equal(server.gets().length, COUNT);
    assert.deepEqual([summary.read, summary.loaded, summary.rejected, summary.inserted], [COUNT + 2 * PER_PAGE, COUNT + 2 * PER_PAGE, 0, COUNT]);
    await assertNoDuplicates(warehouse, COUNT);
    assert.equal((await syncState(warehouse)).high_water_mark, String(T0 + COUNT * 60));
    assert.deepEqual(await tableChecksums(warehouse), await cleanChecksums(server));
  } finally {
    warehouse.close();
  }
});

test("a stored cursor that expired before the re-run restarts that search from the mark: changes made meanwhile are not lost", async () => {
  const server = await startServer();
  const warehouse = await Warehouse.open(dbPath());
  try {
    // A first incremental window, then a second search that fails after page 2 and leaves its cursor.
    await ingestIntercom(warehouse, harness(server).options, silentProgress);
    const mark = Number((await syncState(warehouse)).high_water_mark);
    const later = T0 + 10_000;
    for (let i = 1; i <= 14; i++) server.put(conversation(i, later + i * 60, 1));
    server.fail(Infinity, 500, (_method, _path, page) => page === 3);
    await assert.rejects(ingestIntercom(warehouse, harness(server).options, silentProgress), IntercomApiError);
    assert.equal(JSON.parse((await syncState(warehouse)).search_cursor).page, 2);

    // Meanwhile the cursor expires and conversations change: one already committed, one not yet reached, one new.
    server.clearFaults();
    server.expireCursors();
    server.put(conversation(2, later + 5000, 2));
    server.put(conversation(13, later + 5060, 2));
    server.put(conversation(COUNT + 1, later + 5120));
    const before = server.requests.length;
    const summary = await ingestIntercom(warehouse, harness(server).options, silentProgress);
    const rerun = server.requests.slice(before);
    assert.equal(rerun[0].status, 400, "the stored cursor was refused");
    assert.deepEqual((rerun[1].body as {query: unknown; pagination: {starting_after?: string}}).query, {field: "updated_at", operator: ">", value: mark});
    assert.equal((rerun[1].body as {pagination: {starting_after?: string}}).pagination.starting_after, undefined);
    assert.match(summary.message ?? "", new RegExp(`restarted the search from the high-water mark ${new Date(mark * 1000).toISOString().replace(/\./g, "\\.")}`));
    const refetched = rerun.filter((request) => request.method === "GET").map((request) => request.path).sort();
    // Pages 1-2 held 23 (the mark's own) and 1-9, so 10-14 were never reached; 2 and 13 changed again;
    // 24 is new. 1 and 3-9 stay as committed and are not fetched again.
    assert.deepEqual(refetched, ["5002", "5010", "5011", "5012", "5013", "5014", `${5000 + COUNT + 1}`].map((id) => `/conversations/${id}`));
    await assertNoDuplicates(warehouse, COUNT + 1);
    assert.deepEqual(await ids(warehouse), expectedIds(COUNT + 1));
    assert.deepEqual(await tableChecksums(warehouse), await cleanChecksums(server));
  } finally {
    warehouse.close();
  }
});

test("a cursor that is refused again and again fails the run after a bounded number of restarts", async () => {
  const server = await startServer(12);
  server.expireCursorAt(2, Infinity);
  const warehouse = await Warehouse.open(dbPath());
  try {
    await assert.rejects(
      ingestIntercom(warehouse, harness(server).options, silentProgress),
      (error: unknown) => error instanceof IntercomApiError && error.status === 400 && /page 2: HTTP 400 parameter_invalid/.test(error.message)
    );
    assert.equal(server.expiredRequests(), 4, "three restarts, then the fourth refusal fails the run");
    await assertNoDuplicates(warehouse, PER_PAGE);
  } finally {
    warehouse.close();
  }
});
