/**
 * FIX loader: framing checks (BodyLength, CheckSum) over the SOH form whatever the separator,
 * decoding, redaction of 554/96, idempotent re-runs, and the derived views (sequence gaps with
 * ResendRequest + GapFill, reset on logon, sessions, a killed FOK). Test messages are built with
 * the small encoder below, which computes 9 and 10 itself.
 */
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {ingestFix} from "../loaders/fix/index.ts";
import {parseFixLine} from "../loaders/fix/parse.ts";
import {silentProgress, type Progress} from "../loaders/progress.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";

const SOH = "\x01";
const PASSWORD = "planted-fix-password-31337";
const RAW_DATA = "planted-fix-rawdata-42";

type Field = [number, string | number];

interface EncodeOptions {
  separator?: "\x01" | "|";
  /** Logger prefix time (ms since epoch). */
  prefix?: number;
  bodyLengthDelta?: number;
  checksumDelta?: number;
}

const fixTime = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 23)}`;
};

/** A framed FIXT.1.1 message: BodyLength and CheckSum computed over the SOH form (then skewed if asked). */
function encode(fields: Field[], options: EncodeOptions = {}): string {
  const body = fields.map(([tag, value]) => `${tag}=${value}${SOH}`).join("");
  const head = `8=FIXT.1.1${SOH}9=${Buffer.byteLength(body) + (options.bodyLengthDelta ?? 0)}${SOH}`;
  let sum = 0;
  for (const byte of Buffer.from(head + body)) sum += byte;
  const checksum = String((sum + (options.checksumDelta ?? 0) + 256) % 256).padStart(3, "0");
  let text = `${head}${body}10=${checksum}${SOH}`;
  if (options.separator === "|") text = text.replaceAll(SOH, "|");
  return options.prefix === undefined ? text : `${fixTime(options.prefix)} : ${text}`;
}

const T0 = Date.UTC(2026, 8, 14, 13, 0, 0);
const CLIENT = "ACME_FIX1";

/** A message from the client (in) or the exchange (out) with the standard header. */
function msg(from: "client" | "exchange", type: string, seq: number, atMs: number, fields: Field[] = []): Field[] {
  const [sender, target] = from === "client" ? [CLIENT, "POLYMARKET"] : ["POLYMARKET", CLIENT];
  return [[35, type], [49, sender], [56, target], [34, seq], [52, fixTime(atMs)], ...fields];
}

describe("fix: parsing", () => {
  test("the same message with SOH or | separators, with or without the logger prefix, decodes the same", () => {
    const fields = msg("client", "D", 7, T0, [[11, "ord-1"], [55, "7131"], [54, 1], [38, 100], [40, 2], [44, "0.52"], [59, 4], [9999, "custom"]]);
    const forms = [encode(fields), encode(fields, {separator: "|"}), encode(fields, {prefix: T0 + 3}), encode(fields, {separator: "|", prefix: T0 + 3})];
    const decoded = forms.map((form) => parseFixLine(form));
    for (const result of decoded) {
      assert.ok("message" in result, "reason" in result ? result.reason : "blank");
      const {message} = result;
      assert.equal(message.session_id, CLIENT);
      assert.equal(message.direction, "in");
      assert.equal(message.seq_num, 7);
      assert.equal(message.msg_type_name, "NewOrderSingle");
      assert.equal(message.cl_ord_id, "ord-1");
      assert.equal(message.price, 0.52);
      assert.equal(message.time_in_force, "4");
      assert.equal(message.sending_time.toISOString(), new Date(T0).toISOString());
      assert.ok(message.raw.includes("|9999=custom|"), "unknown tags are kept in raw");
    }
    assert.ok("message" in decoded[2] && decoded[2].message.logged_at?.getTime() === T0 + 3);
    assert.ok("message" in decoded[0] && decoded[0].message.logged_at === null);
  });

  test("BodyLength and CheckSum errors are rejected with expected vs actual values", () => {
    const fields = msg("client", "0", 3, T0);
    const body = encode(fields).split(SOH).slice(2, -2).join(SOH) + SOH;
    const length = Buffer.byteLength(body);
    for (const separator of [SOH, "|"] as const) {
      const wrongLength = parseFixLine(encode(fields, {separator, bodyLengthDelta: 3}));
      assert.deepEqual(wrongLength, {reason: `bad_body_length: BodyLength (9) declares ${length + 3}, the body has ${length} bytes`});
      const wrongSum = parseFixLine(encode(fields, {separator, checksumDelta: 1}));
      assert.ok("reason" in wrongSum && /^bad_checksum: CheckSum \(10\) is (\d{3}), the bytes sum to (\d{3})$/.test(wrongSum.reason), JSON.stringify(wrongSum));
      const [, declared, actual] = /is (\d{3}), the bytes sum to (\d{3})/.exec((wrongSum as {reason: string}).reason)!;
      assert.equal((Number(actual) + 1) % 256, Number(declared));
    }
  });

  test("other malformed lines get a reason, blank lines are not records", () => {
    const cases: [string, string][] = [
      ["hello world", "unrecognised_record: "],
      [encode(msg("client", "0", 1, T0)).replace(`${SOH}10=`, `${SOH}junk${SOH}10=`), "unrecognised_record: field"],
      [encode(msg("client", "0", 1, T0)).slice(0, 40), "bad_checksum: CheckSum (10) is not the last field"],
      [encode([[35, "0"], [49, CLIENT], [56, "POLYMARKET"], [52, fixTime(T0)]]), "missing_field: 34 (MsgSeqNum)"],
      [encode([[35, "0"], [49, CLIENT], [56, "POLYMARKET"], [34, "x"], [52, fixTime(T0)]]), "wrong_type: MsgSeqNum (34)"],
      [encode([[35, "0"], [49, CLIENT], [56, "POLYMARKET"], [34, 1], [52, "yesterday"]]), "invalid_timestamp: SendingTime (52)"],
      [encode([[35, "0"], [49, CLIENT], [56, "OTHER"], [34, 1], [52, fixTime(T0)]]), "unrecognised_record: neither"]
    ];
    for (const [line, prefix] of cases) {
      const result = parseFixLine(line);
      assert.ok("reason" in result && result.reason.startsWith(prefix), `${JSON.stringify(line)} -> ${JSON.stringify(result)}`);
    }
    assert.deepEqual(parseFixLine("  "), {blank: true});
  });
});

describe("fix: ingest and views", () => {
  let dir: string;
  let warehouse: Warehouse;
  let summary: Awaited<ReturnType<typeof ingestFix>>;
  const lines: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "fix-test-"));
    let t = T0;
    const add = (from: "client" | "exchange", type: string, seq: number, fields: Field[] = [], options: EncodeOptions = {}) => {
      t += 1000;
      lines.push(encode(msg(from, type, seq, t, fields), {separator: lines.length % 2 ? "|" : SOH, prefix: lines.length % 3 ? t : undefined, ...options}));
    };
    // session 1: logon with a password, an order killed as FOK, then a gap on the exchange side
    add("client", "A", 1, [[98, 0], [108, 30], [141, "Y"], [553, "key-acme"], [554, PASSWORD], [96, RAW_DATA], [1137, 9]]); // line 1
    add("exchange", "A", 1, [[98, 0], [108, 30], [141, "Y"], [1137, 9]]); // 2
    add("client", "D", 2, [[11, "fok-1"], [55, "7131"], [54, 1], [38, 100], [40, 2], [44, "0.52"], [59, 4]]); // 3
    add("exchange", "8", 2, [[37, "O1"], [11, "fok-1"], [17, "E1"], [150, 0], [39, 0], [14, 0], [151, 100]]); // 4
    add("exchange", "8", 3, [[37, "O1"], [11, "fok-1"], [17, "E2"], [150, "C"], [39, "C"], [14, 0], [151, 0], [58, "FOK order not fully filled"]]); // 5
    add("client", "0", 3); // 6
    add("exchange", "0", 4, [], {checksumDelta: 5}); // 7 quarantined: bad checksum
    add("client", "0", 4); // 8
    add("exchange", "0", 9); // 9: exchange 4 (garbled) and 5..8 never arrived -> gap (expected 4, received 9)
    add("client", "2", 5, [[7, 4], [16, 0]]); // 10 ResendRequest
    add("exchange", "4", 4, [[43, "Y"], [122, fixTime(T0)], [123, "Y"], [36, 10]]); // 11 GapFill
    add("exchange", "0", 10); // 12
    add("client", "0", 6, [[5555, "unknown tag"]]); // 13
    add("client", "0", 6, [], {bodyLengthDelta: -2}); // 14 quarantined: bad body length
    add("client", "5", 7); // 15 logout
    add("exchange", "5", 11); // 16
    // reconnect the next session with a reset: sequence numbers start again at 1, which is not a gap
    add("client", "A", 1, [[98, 0], [108, 30], [141, "Y"], [553, "key-acme"], [554, PASSWORD]]); // 17
    add("exchange", "A", 1, [[98, 0], [108, 30], [141, "Y"]]); // 18
    add("client", "0", 2); // 19
    add("exchange", "0", 2); // 20
    add("exchange", "j", 5, [[45, 2], [372, "D"], [380, 3], [58, "password=planted-in-text"]]); // 21: 3 and 4 skipped
    lines.splice(5, 0, ""); // a blank line between 5 and 6 (shifts later line numbers by one)
    writeFileSync(join(dir, "fix-2026-09-14.log"), `${lines.join("\r\n")}\r\n`);
    warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    summary = await ingestFix(warehouse, {files: [dir]}, silentProgress);
  });
  after(() => {
    warehouse.close();
    rmSync(dir, {recursive: true, force: true});
  });

  test("read = loaded + rejected; framing failures are quarantined at file:line", async () => {
    assert.deepEqual([summary.read, summary.loaded, summary.rejected, summary.inserted], [21, 19, 2, 19]);
    const rejects = await warehouse.all<{location: string; reason: string}>("SELECT location, reason FROM rejects WHERE source = 'fix' ORDER BY location");
    assert.deepEqual(
      rejects.map((row) => [row.location.slice(dir.length + 1), row.reason.split(":")[0]]),
      [
        ["fix-2026-09-14.log:15", "bad_body_length"],
        ["fix-2026-09-14.log:8", "bad_checksum"]
      ]
    );
  });

  test("messages are decoded with session, direction, times and redacted raw", async () => {
    const logon = await warehouse.one<Record<string, unknown>>(
      "SELECT * FROM fix_messages WHERE msg_type = 'A' AND direction = 'in' ORDER BY sending_time LIMIT 1"
    );
    assert.equal(logon?.session_id, CLIENT);
    assert.equal(logon?.msg_type_name, "Logon");
    assert.equal(logon?.username, "key-acme");
    assert.equal(logon?.reset_seq_num, true);
    assert.equal(logon?.heart_bt_int, 30);
    assert.ok(String(logon?.raw).includes("|554=[REDACTED]|96=[REDACTED]|1137=9|"), String(logon?.raw));
    const unknown = await warehouse.one<{raw: string}>("SELECT raw FROM fix_messages WHERE raw LIKE '%5555=%'");
    assert.ok(unknown?.raw.includes("|5555=unknown tag|"));
    const reject = await warehouse.one<Record<string, unknown>>("SELECT * FROM fix_messages WHERE msg_type = 'j'");
    assert.equal(reject?.msg_type_name, "BusinessMessageReject");
    assert.equal(reject?.ref_msg_type, "D");
    assert.equal(reject?.direction, "out");
  });

  test("no planted secret is stored anywhere", async () => {
    const tables = await warehouse.all<{table_name: string}>("SELECT table_name FROM duckdb_tables()");
    for (const {table_name} of tables) {
      for (const secret of [PASSWORD, RAW_DATA, "planted-in-text"]) {
        const row = await warehouse.one<{n: bigint}>(`SELECT count(*) AS n FROM "${table_name}" t WHERE contains(t::VARCHAR, $1)`, [secret]);
        assert.equal(row?.n, 0n, `${secret} in ${table_name}`);
      }
    }
    await warehouse.run("CHECKPOINT");
    const bytes = readFileSync(warehouse.path).toString("latin1");
    assert.ok(!bytes.includes(PASSWORD) && !bytes.includes(RAW_DATA));
  });

  test("fix_sequence_gaps finds the exchange-side gap, its ResendRequest and GapFill, and not the reset on logon", async () => {
    const gaps = await warehouse.json("SELECT * FROM fix_sequence_gaps ORDER BY gap_at");
    const outbound = gaps.filter((gap) => gap.direction === "out");
    assert.equal(outbound.length, 2, JSON.stringify(gaps));
    const [first, afterReset] = outbound;
    assert.equal(first.expected_seq, "4");
    assert.equal(first.received_seq, "9");
    assert.equal(first.missing, "5");
    assert.notEqual(first.resend_requested_at, null);
    assert.notEqual(first.sequence_reset_at, null);
    assert.equal(first.gap_filled, true);
    assert.equal(first.quarantined_lines_between, "1", "the bad-checksum heartbeat (seq 4) sits in between");
    // after the reset the count starts again from the Logon's 1: 1, 2, then 5 is a gap of two
    assert.equal(afterReset.expected_seq, "3");
    assert.equal(afterReset.received_seq, "5");
    assert.equal(afterReset.resend_requested_at, null);
    assert.equal(afterReset.gap_filled, null);
    // the inbound side: seq 6 was sent twice (once garbled), and the reset to 1 on the second Logon is no gap
    assert.deepEqual(
      gaps.filter((g) => g.direction === "in"),
      []
    );
  });

  test("fix_sessions counts logons, logouts, gaps, resends and rejects", async () => {
    const session = await warehouse.one<Record<string, unknown>>("SELECT * FROM fix_sessions");
    assert.equal(session?.session_id, CLIENT);
    assert.equal(session?.api_key_id, "key-acme");
    assert.equal(session?.logons, 2n);
    assert.equal(session?.logouts, 1n);
    assert.equal(session?.messages_in, 9n);
    assert.equal(session?.messages_out, 10n);
    assert.equal(session?.sequence_gaps, 2n);
    assert.equal(session?.resend_requests, 1n);
    assert.equal(session?.sequence_resets, 1n);
    assert.equal(session?.business_rejects, 1n);
    assert.equal(session?.orders, 1n);
  });

  test("fix_order_events shows the killed FOK: 39=0 then 39=C", async () => {
    const events = await warehouse.json("SELECT * FROM fix_order_events WHERE cl_ord_id = 'fok-1' ORDER BY sending_time");
    assert.deepEqual(
      events.map((event) => [event.msg_type_name, event.ord_status_name, event.time_in_force_name, event.killed_fok]),
      [
        ["NewOrderSingle", null, "FOK", false],
        ["ExecutionReport", "New", "FOK", false],
        ["ExecutionReport", "Expired", "FOK", true]
      ]
    );
  });

  test("re-running on the same or touched input changes nothing", async () => {
    const sums = async () =>
      warehouse.all("SELECT (SELECT sum(hash(t)::HUGEINT) FROM fix_messages t) AS m, (SELECT count(*) FROM fix_messages) AS n");
    const before = await sums();
    const same = await ingestFix(warehouse, {files: [dir]}, silentProgress);
    assert.equal(same.skippedFiles, 1);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, "fix-2026-09-14.log"), later, later);
    const touched = await ingestFix(warehouse, {files: [dir]}, silentProgress);
    assert.deepEqual([touched.read, touched.loaded, touched.inserted], [21, 19, 0]);
    assert.deepEqual(await sums(), before);
  });
});

describe("fix: resume", () => {
  test("a crash after the first committed batch resumes at the line cursor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fix-resume-"));
    const db = join(dir, "warehouse.duckdb");
    const logs = join(dir, "logs");
    try {
      const {mkdirSync} = await import("node:fs");
      mkdirSync(logs);
      const lines = [encode(msg("client", "A", 1, T0, [[141, "Y"], [553, "key-acme"], [554, PASSWORD]]))];
      for (let seq = 2; seq <= 12; seq++) lines.push(encode(msg("client", "0", seq, T0 + seq * 1000), {separator: "|"}));
      writeFileSync(join(logs, "fix.log"), `${lines.join("\n")}\n`);
      let warehouse = await Warehouse.open(db);
      const crashing: Progress = {
        note() {},
        update() {
          throw new Error("simulated crash");
        }
      };
      await assert.rejects(ingestFix(warehouse, {files: [logs], batchLines: 5}, crashing), /simulated crash/);
      assert.equal((await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM fix_messages"))?.n, 5n);
      warehouse.close();
      warehouse = await Warehouse.open(db);
      const resumed = await ingestFix(warehouse, {files: [logs], batchLines: 5}, silentProgress);
      assert.deepEqual([resumed.read, resumed.loaded, resumed.inserted], [12, 12, 7]);
      assert.equal((await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM fix_messages"))?.n, 12n);
      assert.equal((await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM sync_state WHERE source = 'fix'"))?.n, 0n);
      assert.deepEqual(await warehouse.all("SELECT sequence_gaps FROM fix_sessions"), [{sequence_gaps: 0n}]);
      warehouse.close();
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
