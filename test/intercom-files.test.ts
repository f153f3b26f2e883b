// The Intercom loader's file inputs: real shapes, every container format, encodings, quarantine, idempotency.
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {pathToFileURL} from "node:url";
import {after, test} from "node:test";
import {gzipSync} from "node:zlib";
import {ingestIntercom, parsing} from "../loaders/intercom/index.ts";
import {silentProgress} from "../loaders/progress.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {tableChecksums} from "./helpers/checksum.ts";
import {writeSyntheticConversations} from "./helpers/intercom-server.ts";

const FIXTURES = resolve("test/fixtures/intercom");
const fixture = (name: string) => join(FIXTURES, name);
const scratch = mkdtempSync(join(tmpdir(), "intercom-files-"));
after(() => rmSync(scratch, {recursive: true, force: true}));

let dbs = 0;
async function freshWarehouse(): Promise<Warehouse> {
  return Warehouse.open(join(scratch, `w${++dbs}.duckdb`));
}

async function load(files: string[], warehouse?: Warehouse) {
  const w = warehouse ?? (await freshWarehouse());
  const summary = await ingestIntercom(w, {files}, silentProgress);
  return {warehouse: w, summary};
}

type Row = Record<string, unknown>;

const TICKET_COLUMNS = `ticket_id, created_at::VARCHAR AS created_at, updated_at::VARCHAR AS updated_at, state, priority, tier,
  category, team, assignee, user_email, user_wallet, contact_id, title, first_message, first_admin_reply_at::VARCHAR AS first_admin_reply_at,
  first_closed_at::VARCHAR AS first_closed_at, last_closed_at::VARCHAR AS last_closed_at, reopens, csat_rating, csat_remark,
  sla_name, sla_status, tags, channel`;

async function tickets(warehouse: Warehouse, columns = "* EXCLUDE (run_id)"): Promise<Row[]> {
  return warehouse.json(`SELECT ${columns} FROM tickets ORDER BY ticket_id`);
}

async function ticket(warehouse: Warehouse, id: string, columns = TICKET_COLUMNS): Promise<Row> {
  const [row] = await warehouse.json<Row>(`SELECT ${columns} FROM tickets WHERE ticket_id = $1`, [id]);
  assert.ok(row, `ticket ${id} missing`);
  return row;
}

async function parts(warehouse: Warehouse): Promise<Row[]> {
  return warehouse.json("SELECT * FROM ticket_parts ORDER BY ticket_id, part_id");
}

async function rejects(warehouse: Warehouse): Promise<{location: string; reason: string; raw: string | null}[]> {
  return warehouse.all("SELECT location, reason, raw FROM rejects ORDER BY location");
}

test("a real-shape conversation (GET /conversations/{id}) loads with the right column values", async () => {
  const {warehouse, summary} = await load([fixture("conversation.json")]);
  try {
    assert.deepEqual([summary.read, summary.loaded, summary.rejected, summary.inserted], [1, 1, 0, 1]);
    const [row] = await warehouse.json<Row>(`SELECT * EXCLUDE (run_id, custom_attributes), custom_attributes::VARCHAR AS custom FROM tickets`);
    assert.deepEqual(row, {
      ticket_id: "1001",
      source: "intercom-file",
      created_at: "2026-09-14 12:00:00+00",
      updated_at: "2026-09-14 13:10:00+00",
      state: "closed",
      priority: "priority",
      tier: "VIP",
      category: "api_auth",
      team: "5017691",
      assignee: "991267715",
      user_email: "ada.trader@example.com",
      user_wallet: "0x8bd4cf1bb3a2ce56e3afad27e1a1b3c63fef2ab1",
      contact_id: "66e5a1f08a68186f43bafd01",
      title: "401 invalid signature on POST /order",
      first_message:
        'Every POST /order returns 401 invalid signature since this morning.\n\nMy setup: POLY_PASSPHRASE="[REDACTED]", secret: "[REDACTED]"',
      first_admin_reply_at: "2026-09-14 12:08:00+00",
      first_closed_at: "2026-09-14 12:40:00+00",
      last_closed_at: "2026-09-14 13:10:00+00",
      reopens: 1,
      csat_rating: 5,
      csat_remark: "Quick and precise",
      sla_name: "VIP 30 minutes",
      sla_status: "hit",
      tags: ["API auth"],
      channel: "conversation",
      delivered_as: "customer_initiated",
      waiting_since: null,
      time_to_admin_reply: 480,
      time_to_first_close: 2400,
      median_time_to_reply: 480,
      parts_count: 8,
      custom: '{"Tier":"VIP","Wallet":"0x8BD4cF1bB3A2cE56E3AfAd27E1a1b3C63fEf2ab1","Client":"py_clob_client 0.21.0"}'
    });
    const timeline = await parts(warehouse);
    assert.equal(timeline.length, 9, "8 parts + the opening message");
    assert.deepEqual(timeline.find((part) => part.part_id === "source"), {
      ticket_id: "1001",
      part_id: "source",
      part_type: "source",
      created_at: "2026-09-14 12:00:00+00",
      author_type: "user",
      author_id: "66e5a1f08a68186f43bafd01",
      author_name: "Ada Trader",
      body: row.first_message,
      assigned_to: null
    });
    assert.deepEqual(timeline.find((part) => part.part_id === "7288120002"), {
      ticket_id: "1001",
      part_id: "7288120002",
      part_type: "assignment",
      created_at: "2026-09-14 12:01:00+00",
      author_type: "admin",
      author_id: "991267715",
      author_name: "Dana Reyes",
      body: null,
      assigned_to: "991267715"
    });
    const everything = JSON.stringify(await warehouse.json("SELECT * FROM tickets")) + JSON.stringify(timeline);
    assert.ok(!everything.includes("hunter2"), "the pasted passphrase is redacted");
    assert.ok(!everything.includes("c2VjcmV0LWtleS1iYXNlNjQ="), "the pasted secret is redacted");
  } finally {
    warehouse.close();
  }
});

test("statistics missing: first reply, closes and reopens fall back to the parts; SLA removed stays null", async () => {
  const {warehouse} = await load([fixture("conversations.jsonl")]);
  try {
    const rows = await tickets(warehouse, TICKET_COLUMNS);
    const t1002 = rows.find((row) => row.ticket_id === "1002")!;
    assert.equal(t1002.first_admin_reply_at, "2026-09-15 09:02:00+00", "first admin comment, not the bot's");
    assert.equal(t1002.first_closed_at, "2026-09-15 09:30:00+00");
    assert.equal(t1002.last_closed_at, "2026-09-15 11:00:00+00");
    assert.equal(t1002.reopens, 1, "assign_and_reopen after a close");
    assert.equal(t1002.user_email, "maker.desk@fund.example", "a lead's email");
    assert.equal(t1002.category, "balance_allowance");
    const t1003 = rows.find((row) => row.ticket_id === "1003")!;
    assert.equal(t1003.sla_name, "Advanced 4h");
    assert.equal(t1003.sla_status, null);
    assert.equal(t1003.first_message, "We got HTTP 425 for 90 seconds, then post-only rejections. Expected?", "admin-initiated: the user's first reply");
    assert.equal(t1003.user_email, "quant@hedgefund.example", "from contacts when the author is an admin");
    assert.equal(t1003.title, "Weekly restart", "source.subject when there is no title");
    assert.equal(t1003.tier, "advanced", "custom attribute keys are case-insensitive");
    assert.equal(t1003.category, "engine_restart");
    const t1004 = rows.find((row) => row.ticket_id === "1004")!;
    assert.equal(t1004.tier, "VIP");
    assert.equal(t1004.user_wallet, "0x9a7b4c1d2e3f405162738495a6b7c8d9e0f1a2b3", "the address inside the attribute, lower-case");
    assert.equal(t1004.user_email, "bo@mm.example");
    assert.equal(t1004.category, "websocket");
    const t1005 = rows.find((row) => row.ticket_id === "1005")!;
    assert.deepEqual([t1005.csat_rating, t1005.csat_remark, t1005.sla_status, t1005.category], [2, "Took a day", "missed", "deposit_withdrawal"]);
  } finally {
    warehouse.close();
  }
});

test("search-result pages (conversation.list without parts) and Airbyte records load", async () => {
  const {warehouse, summary} = await load([fixture("search-pages"), fixture("airbyte-records.jsonl")]);
  try {
    assert.deepEqual([summary.files, summary.read, summary.loaded, summary.rejected], [3, 10, 8, 2]);
    const ids = (await tickets(warehouse, "ticket_id")).map((row) => row.ticket_id);
    assert.deepEqual(ids, ["1001", "1002", "1003", "1004", "1005", "2001"]);
    const t2001 = await ticket(warehouse, "2001");
    assert.equal(t2001.assignee, "4423433", "the older API's assignee object");
    assert.equal(t2001.first_admin_reply_at, "2026-09-20 10:10:00+00");
    assert.equal(t2001.category, "positions_redemption");
    const airbyteParts = await warehouse.all<{part_id: string; author_type: string}>(
      "SELECT part_id, author_type FROM ticket_parts WHERE ticket_id = '2001' ORDER BY created_at"
    );
    assert.deepEqual(
      airbyteParts.map((part) => `${part.part_id}/${part.author_type}`),
      ["source/user", "7288121392/bot", "7288121348/admin"],
      "conversation_parts stream records join their conversation"
    );
    const quarantined = await rejects(warehouse);
    assert.deepEqual(
      quarantined.map((row) => [row.location.slice(FIXTURES.length + 1), row.reason.split(":")[0]]),
      [
        ["airbyte-records.jsonl:1", "unsupported_record"],
        ["airbyte-records.jsonl:5", "unsupported_record"]
      ]
    );
    const t1002 = await ticket(warehouse, "1002", "reopens, first_admin_reply_at");
    assert.deepEqual(t1002, {reopens: null, first_admin_reply_at: null}, "no statistics and no parts: unknown, not zero");
  } finally {
    warehouse.close();
  }
});

test("JSON array, JSON lines, a pages directory, .gz and the CSV export give the same tickets", async () => {
  const lines = readFileSync(fixture("conversations.jsonl"), "utf-8").trim().split("\n");
  const conversations = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const dir = join(scratch, "formats");
  mkdirSync(join(dir, "pages"), {recursive: true});
  writeFileSync(join(dir, "array.json"), JSON.stringify(conversations, null, 2));
  writeFileSync(join(dir, "conversations.jsonl.gz"), gzipSync(readFileSync(fixture("conversations.jsonl"))));
  writeFileSync(join(dir, "array.json.gz"), gzipSync(JSON.stringify(conversations)));
  writeFileSync(join(dir, "single.json"), JSON.stringify(conversations[0], null, 2));
  for (let page = 0; page < 3; page++) {
    const slice = conversations.slice(page * 2, page * 2 + 2);
    writeFileSync(
      join(dir, "pages", `page-${page + 1}.json`),
      JSON.stringify({
        type: "conversation.list",
        pages: {type: "pages", page: page + 1, per_page: 2, total_pages: 3, ...(page < 2 ? {next: {page: page + 2, starting_after: `c${page}`}} : {})},
        total_count: conversations.length,
        conversations: slice
      })
    );
  }
  const variants: Record<string, string[]> = {
    jsonl: [fixture("conversations.jsonl")],
    array: [join(dir, "array.json")],
    "jsonl.gz": [join(dir, "conversations.jsonl.gz")],
    "array.json.gz": [join(dir, "array.json.gz")],
    pages: [join(dir, "pages")]
  };
  const results: Record<string, {tickets: Row[]; parts: Row[]}> = {};
  for (const [name, files] of Object.entries(variants)) {
    const {warehouse, summary} = await load(files);
    try {
      assert.deepEqual([summary.read, summary.loaded, summary.rejected], [5, 5, 0], name);
      results[name] = {tickets: await tickets(warehouse, "* EXCLUDE (run_id)"), parts: await parts(warehouse)};
    } finally {
      warehouse.close();
    }
  }
  assert.equal(results.jsonl.tickets.length, 5);
  assert.equal(results.jsonl.parts.length, 5 + 8 + 6 + 2 + 2 + 2);
  for (const name of Object.keys(variants)) assert.deepEqual(results[name], results.jsonl, name);

  // The single-object file is conversation 1001 alone.
  const single = await load([join(dir, "single.json")]);
  assert.deepEqual(await tickets(single.warehouse, "* EXCLUDE (run_id)"), [results.jsonl.tickets[0]]);
  single.warehouse.close();

  // The CSV export carries the same ticket columns (not parts, statistics durations or all custom attributes).
  const csv = await load([fixture("conversations.csv")]);
  const jsonl = await load([fixture("conversations.jsonl")]);
  try {
    assert.deepEqual([csv.summary.read, csv.summary.loaded, csv.summary.rejected], [5, 5, 0]);
    assert.deepEqual(await tickets(csv.warehouse, TICKET_COLUMNS), await tickets(jsonl.warehouse, TICKET_COLUMNS));
    const [source] = await csv.warehouse.all<{n: bigint}>("SELECT count(*) AS n FROM tickets WHERE source = 'intercom-csv'");
    assert.equal(source.n, 5n);
    const opening = await csv.warehouse.all<{ticket_id: string}>("SELECT ticket_id FROM ticket_parts WHERE part_id = 'source' ORDER BY 1");
    assert.equal(opening.length, 5, "the CSV's first message is the timeline's opening part");
  } finally {
    csv.warehouse.close();
    jsonl.warehouse.close();
  }
});

test("BOM, UTF-16 (LE and BE), CRLF and gzip are read the same", async () => {
  const text = readFileSync(fixture("conversations.jsonl"), "utf-8");
  const crlf = text.replace(/\n/g, "\r\n");
  const dir = join(scratch, "encodings");
  mkdirSync(dir, {recursive: true});
  const be = Buffer.from(`\uFEFF${crlf}`, "utf16le").swap16();
  const variants: Record<string, Buffer> = {
    "bom.jsonl": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
    "crlf.jsonl": Buffer.from(crlf),
    "utf16le.jsonl": Buffer.from(`\uFEFF${crlf}`, "utf16le"),
    "utf16be.jsonl": be,
    "bom-crlf.jsonl.gz": gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf)])),
    "utf16.csv": Buffer.from(`\uFEFF${readFileSync(fixture("conversations.csv"), "utf-8")}`, "utf16le")
  };
  const baseline = await load([fixture("conversations.jsonl")]);
  const expected = await tickets(baseline.warehouse, TICKET_COLUMNS);
  const expectedParts = await parts(baseline.warehouse);
  baseline.warehouse.close();
  for (const [name, bytes] of Object.entries(variants)) {
    writeFileSync(join(dir, name), bytes);
    const {warehouse, summary} = await load([join(dir, name)]);
    try {
      assert.deepEqual([summary.read, summary.loaded, summary.rejected], [5, 5, 0], name);
      assert.deepEqual(await tickets(warehouse, TICKET_COLUMNS), expected, name);
      if (!name.endsWith(".csv")) assert.deepEqual(await parts(warehouse), expectedParts, name);
    } finally {
      warehouse.close();
    }
  }
});

test("malformed records are quarantined with file:line and a reason code; read = loaded + rejected", async () => {
  const {warehouse, summary} = await load([fixture("malformed.jsonl")]);
  try {
    assert.deepEqual([summary.read, summary.loaded, summary.rejected], [12, 5, 7], "13 lines, one blank");
    const found = (await rejects(warehouse)).map((row) => `${row.location.slice(FIXTURES.length + 1)} ${row.reason.split(":")[0]}`);
    assert.deepEqual(found.sort(), [
      "malformed.jsonl:10 invalid_value",
      "malformed.jsonl:11 invalid_type",
      "malformed.jsonl:12 unsupported_record",
      "malformed.jsonl:13 invalid_type",
      "malformed.jsonl:2 invalid_json",
      "malformed.jsonl:3 invalid_type",
      "malformed.jsonl:4 missing_field"
    ]);
    const byLocation = new Map((await rejects(warehouse)).map((row) => [row.location.slice(FIXTURES.length + 1), row]));
    assert.match(byLocation.get("malformed.jsonl:3")!.reason, /created_at must be unix seconds, unix milliseconds or ISO-8601, got "yesterday"/);
    assert.match(byLocation.get("malformed.jsonl:13")!.reason, /conversation_parts\[0\]\.created_at/);
    assert.equal(byLocation.get("malformed.jsonl:2")!.raw, '{"type":"conversation","id":"3002","created_at":17590');
    const rows = await tickets(warehouse, "ticket_id, tier, created_at::VARCHAR AS created_at, updated_at::VARCHAR AS updated_at");
    assert.deepEqual(rows, [
      {ticket_id: "3001", tier: "VIP", created_at: "2026-10-01 00:00:00+00", updated_at: "2026-10-01 05:00:00+00"},
      {ticket_id: "3004", tier: null, created_at: "2026-10-02 00:00:00+00", updated_at: "2026-10-02 00:30:00+00"},
      {ticket_id: "3005", tier: null, created_at: "2026-10-03 12:00:00+00", updated_at: "2026-10-03 12:30:00.25+00"}
    ]);
    const [run] = await warehouse.all<{status: string; read: bigint; loaded: bigint; rejected: bigint}>(
      "SELECT status, read, loaded, rejected FROM ingest_runs"
    );
    assert.deepEqual(run, {status: "ok", read: 12n, loaded: 5n, rejected: 7n});
  } finally {
    warehouse.close();
  }
});

test("a file that cannot be decoded is one rejected record naming the file; a truncated gzip keeps what came before", async () => {
  const dir = join(scratch, "broken");
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, "binary.json"), Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x7b]));
  writeFileSync(join(dir, "garbage.json.gz"), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const gz = gzipSync(readFileSync(fixture("conversations.jsonl")));
  writeFileSync(join(dir, "truncated.jsonl.gz"), gz.subarray(0, Math.floor(gz.length * 0.6)));
  writeFileSync(join(dir, "broken-document.json"), '[{"type": "conversation", "id": "1",\n  "created_at": 1790000000},\n  {"id": ');
  const {warehouse, summary} = await load([dir]);
  try {
    const found = (await rejects(warehouse)).map((row) => `${row.location.slice(dir.length + 1)} ${row.reason.split(":")[0]}`);
    assert.equal(found.filter((line) => line.startsWith("binary.json ")).join(), "binary.json unreadable_file");
    assert.equal(found.filter((line) => line.startsWith("garbage.json.gz")).join(), "garbage.json.gz unreadable_file");
    assert.equal(found.filter((line) => line.startsWith("broken-document.json")).join(), "broken-document.json invalid_json");
    const truncated = found.filter((line) => line.startsWith("truncated.jsonl.gz"));
    assert.ok(truncated.length >= 1 && truncated.length <= 2, truncated.join("; "));
    assert.ok(truncated.some((line) => /^truncated\.jsonl\.gz:\d+ unreadable_file$/.test(line)), truncated.join("; "));
    assert.equal(summary.read, summary.loaded + summary.rejected);
    assert.ok(summary.loaded >= 1, "the complete lines before the cut are loaded");
  } finally {
    warehouse.close();
  }
});

test("CSV: header aliases, quoted newlines, and bad rows quarantined at the line they start on", async () => {
  const path = join(scratch, "export.csv");
  writeFileSync(
    path,
    [
      "conversation_id,conversation_started_at,last_updated_at,status,Teammate assigned,Conversation tags,Conversation rating,Email,Tier,Wallet,First message",
      '7001,2026-10-01 10:00:00,2026-10-01 11:00:00,Open,Jane Doe,"rate limit, API",4,A@B.example,VIP,0xAbCdEf0123456789aBcDeF0123456789AbCdEf01,"line one',
      'line ""two"", with a comma"',
      "7002,2026-10-01 10:00:00,2026-10-01 11:00:00,open,,,,,,,too,many,fields",
      "7003,last tuesday,,open,,,,,,,x",
      "7004,1790000000,,closed,,,6,,,,rating out of range",
      "",
      "7005,1790000000000,,closed,,,,,,,ok",
      '7006,1790000000,,open,,,,,,,"never closed'
    ].join("\n")
  );
  const {warehouse, summary} = await load([path]);
  try {
    assert.deepEqual([summary.read, summary.loaded, summary.rejected], [6, 2, 4]);
    const found = (await rejects(warehouse)).map((row) => `${row.location.slice(scratch.length + 1)} ${row.reason.split(":")[0]}`);
    assert.deepEqual(found.sort(), ["export.csv:4 invalid_csv", "export.csv:5 invalid_type", "export.csv:6 invalid_value", "export.csv:9 invalid_csv"]);
    const t7001 = await ticket(warehouse, "7001");
    assert.equal(t7001.first_message, 'line one\nline "two", with a comma');
    assert.deepEqual(t7001.tags, ["rate limit", "API"]);
    assert.equal(t7001.assignee, "Jane Doe");
    assert.equal(t7001.state, "open");
    assert.equal(t7001.csat_rating, 4);
    assert.equal(t7001.user_email, "a@b.example");
    assert.equal(t7001.user_wallet, "0xabcdef0123456789abcdef0123456789abcdef01");
    assert.equal(t7001.tier, "VIP");
    assert.equal(t7001.category, "rate_limit", "the tag decides");
    const t7005 = await ticket(warehouse, "7005", "created_at::VARCHAR AS created_at");
    assert.equal(t7005.created_at, "2026-09-21 14:13:20+00", "unix milliseconds");
  } finally {
    warehouse.close();
  }
});

test("duplicates across inputs: the newest updated_at wins whatever the order; ties prefer JSON over CSV", async () => {
  const dir = join(scratch, "dupes");
  mkdirSync(dir, {recursive: true});
  const base = JSON.parse(readFileSync(fixture("conversations.jsonl"), "utf-8").split("\n")[0]) as Record<string, number | object>;
  const older = {...base, updated_at: (base.updated_at as number) - 600, custom_attributes: {Tier: "standard"}};
  writeFileSync(join(dir, "a-newer.jsonl"), JSON.stringify(base) + "\n");
  writeFileSync(join(dir, "b-older.jsonl"), JSON.stringify(older) + "\n");
  for (const order of [
    [join(dir, "a-newer.jsonl"), join(dir, "b-older.jsonl")],
    [join(dir, "b-older.jsonl"), join(dir, "a-newer.jsonl")]
  ]) {
    const w = await freshWarehouse();
    for (const file of order) await ingestIntercom(w, {files: [file]}, silentProgress);
    assert.deepEqual(await tickets(w, "ticket_id, tier, updated_at::VARCHAR AS updated_at"), [
      {ticket_id: "1001", tier: "VIP", updated_at: "2026-09-14 13:10:00+00"}
    ]);
    w.close();
  }
  // Same updated_at in the CSV export and the JSON: the JSON (with parts and statistics) wins in either order.
  for (const order of [
    [fixture("conversations.csv"), fixture("conversations.jsonl")],
    [fixture("conversations.jsonl"), fixture("conversations.csv")]
  ]) {
    const w = await freshWarehouse();
    for (const file of order) await ingestIntercom(w, {files: [file]}, silentProgress);
    const rows = await w.all<{source: string}>("SELECT DISTINCT source FROM tickets");
    assert.deepEqual(rows, [{source: "intercom-file"}]);
    w.close();
  }
});

test("re-running changes nothing: unchanged files are skipped, and re-reading them merges to the same rows", async () => {
  const files = [fixture("conversations.jsonl"), fixture("malformed.jsonl"), fixture("airbyte-records.jsonl"), fixture("conversations.csv")];
  const copy = join(scratch, "rerun");
  mkdirSync(copy, {recursive: true});
  for (const file of files) copyFileSync(file, join(copy, file.split("/").pop()!));
  const w = await freshWarehouse();
  try {
    const first = await ingestIntercom(w, {files: [copy]}, silentProgress);
    const before = await tableChecksums(w);
    assert.ok(Number(before.tickets.split(":")[0]) > 0);
    const second = await ingestIntercom(w, {files: [copy]}, silentProgress);
    assert.deepEqual([second.read, second.skippedFiles, second.files], [0, 4, 0]);
    assert.deepEqual(await tableChecksums(w), before);
    await w.run("DELETE FROM ingest_files");
    const third = await ingestIntercom(w, {files: [copy]}, silentProgress);
    assert.deepEqual([third.read, third.loaded, third.rejected, third.inserted], [first.read, first.loaded, first.rejected, 0]);
    assert.deepEqual(await tableChecksums(w), before);
  } finally {
    w.close();
  }
});

test("parse workers produce exactly what the main thread produces, in file order", async () => {
  const base = readFileSync(fixture("conversations.jsonl"), "utf-8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const malformed = readFileSync(fixture("malformed.jsonl"), "utf-8").split("\n");
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) {
    const copy = structuredClone(base[i % base.length]);
    copy.id = String(90_000 + (i % 450)); // 150 duplicates, some newer, some older
    copy.updated_at = (copy.updated_at as number) + (i % 7) * 60;
    lines.push(JSON.stringify(copy));
    if (i % 50 === 0) lines.push(...malformed);
  }
  const path = join(scratch, "workers.jsonl");
  writeFileSync(path, lines.join("\n"));
  const saved = {...parsing};
  const results: Record<string, unknown>[] = [];
  try {
    for (const workers of [0, 3]) {
      Object.assign(parsing, {workers, minBytes: 0});
      const notes: string[] = [];
      const warehouse = await freshWarehouse();
      const summary = await ingestIntercom(warehouse, {files: [path]}, {update() {}, note: (message) => notes.push(message)});
      assert.ok(!notes.some((note) => note.includes("parse workers unavailable")), notes.join("\n"));
      results.push({
        counts: [summary.read, summary.loaded, summary.rejected, summary.inserted],
        tickets: await tickets(warehouse),
        parts: await parts(warehouse),
        rejects: await rejects(warehouse)
      });
      warehouse.close();
    }
  } finally {
    Object.assign(parsing, saved);
  }
  assert.deepEqual((results[0].counts as number[]).slice(0, 3), [600 + 12 * 12, 600 + 12 * 5, 12 * 7]);
  assert.deepEqual(results[1], results[0]);
});

test("a process killed mid-file (SIGKILL) rolls that file back; the re-run skips finished files and redoes it", async () => {
  const dir = join(scratch, "killed");
  mkdirSync(dir, {recursive: true});
  copyFileSync(fixture("conversations.jsonl"), join(dir, "a.jsonl"));
  copyFileSync(fixture("malformed.jsonl"), join(dir, "b.jsonl"));
  await writeSyntheticConversations(join(dir, "c-big.jsonl"), 30_000, 4);
  const db = join(scratch, "killed.duckdb");
  const script = join(scratch, "ingest-child.mts");
  const root = resolve(".");
  writeFileSync(
    script,
    `import {Warehouse} from ${JSON.stringify(pathToFileURL(join(root, "loaders/warehouse/connection.ts")).href)};
import {ingestIntercom} from ${JSON.stringify(pathToFileURL(join(root, "loaders/intercom/index.ts")).href)};
const warehouse = await Warehouse.open(process.argv[2]);
await ingestIntercom(warehouse, {files: [process.argv[3]]}, {update() {}, note: (m) => process.stderr.write(m + "\\n")});
`
  );
  const child = spawn(process.execPath, ["--import", "tsx", script, db, dir], {cwd: root, stdio: ["ignore", "ignore", "pipe"]});
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on("exit", (_code, signal) => done(signal)));
  let stderr = "";
  await new Promise<void>((done, fail) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/b\.jsonl: read/.test(stderr)) done();
    });
    child.on("exit", () => fail(new Error(`the child ended before it reached the big file: ${stderr}`)));
  });
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");

  const warehouse = await Warehouse.open(db);
  try {
    const [{n}] = await warehouse.all<{n: bigint}>("SELECT count(*) AS n FROM tickets WHERE TRY_CAST(ticket_id AS BIGINT) >= 100000");
    assert.equal(n, 0n, "nothing of the interrupted file is visible");
    const summary = await ingestIntercom(warehouse, {files: [dir]}, silentProgress);
    assert.deepEqual([summary.skippedFiles, summary.files, summary.read], [2, 1, 30_000]);
    const runs = await warehouse.all<{status: string}>("SELECT status FROM ingest_runs ORDER BY run_id");
    assert.deepEqual(runs.map((run) => run.status), ["interrupted", "ok"]);
    const clean = await freshWarehouse();
    await ingestIntercom(clean, {files: [dir]}, silentProgress);
    const [a, b] = [await tableChecksums(warehouse), await tableChecksums(clean)];
    clean.close();
    assert.equal(a.tickets, b.tickets);
    assert.equal(a.ticket_parts, b.ticket_parts);
    assert.equal(a.rejects, b.rejects);
  } finally {
    warehouse.close();
  }
});
