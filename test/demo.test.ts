// The demo world generator: determinism, and that truth.json really describes the files written.
// Three small worlds are generated in parallel child processes (two with the same seed, one other).
import assert from "node:assert/strict";
import {execFile} from "node:child_process";
import {createHash} from "node:crypto";
import {mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, relative, resolve} from "node:path";
import {after, before, test} from "node:test";
import {promisify} from "node:util";
import {gunzipSync} from "node:zlib";

const ROOT = resolve(import.meta.dirname, "..");
const SEED = 101;
const scratch = mkdtempSync(join(tmpdir(), "demo-test-"));
const dirs = {a: join(scratch, "a"), b: join(scratch, "b"), other: join(scratch, "other")};

interface Truth {
  seed: number;
  scale: string;
  window: {start: string; end: string};
  incidents: {id: string; kind: string; start: string; end: string; routes: string[]; affected_users: string[];
    failed_requests: number; ticket_ids: string[]}[];
  root_causes: {user: string; eoa: string; code: string; ticket_id: string; evidence: Record<string, unknown>}[];
  discrepancies: {user: string; asset: string; expected: string; actual: string}[];
  expected_rejects: {source: string; file: string; line: number; reason: string}[];
  counts: Record<string, number>;
}

interface WsEvent {
  ts: string;
  event: string;
  channel: string;
  session_id: string;
}

interface RestLine {
  ts: string;
  path: string;
  method: string;
  status: number;
  request_body: {order?: {maker: string}} | null;
}

function generate(seed: number, out: string): Promise<unknown> {
  const script = "import {generateDemo} from './demo/generate.ts';" +
    "await generateDemo({seed: Number(process.argv[2]), scale: 'small', out: process.argv[1]});";
  return promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, out, String(seed)],
    {cwd: ROOT, maxBuffer: 1 << 24});
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (path: string) => {
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else out.push(relative(dir, path));
  };
  visit(dir);
  return out.sort();
}

function read(dir: string, file: string): Buffer {
  const raw = readFileSync(join(dir, file));
  return file.endsWith(".gz") ? gunzipSync(raw) : raw;
}

function lines(dir: string, file: string): string[] {
  const text = read(dir, file).toString("utf-8");
  if (!text) return [];
  assert.ok(text.endsWith("\n"), `${file} ends with a newline`);
  return text.slice(0, -1).split("\n");
}

function sha256(dir: string, file: string): string {
  return createHash("sha256").update(readFileSync(join(dir, file))).digest("hex");
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Why a FIX line is malformed, or null when BodyLength and CheckSum are right. */
function fixProblem(line: string): string | null {
  const text = line.replace(/^\d{8}-\d{2}:\d{2}:\d{2}\.\d{3} : /, "");
  // Parse the `|` form; lengths and sums are over the SOH form (same byte count, different byte value).
  const match = /^(8=FIXT\.1\.1\|9=(\d+)\|)(.*\|)10=(\d{3})\|$/.exec(text.replaceAll("\x01", "|"));
  if (!match) return "unparseable";
  const [, head, length, body, checksum] = match;
  if (Number(length) !== Buffer.byteLength(body)) return "bad_body_length";
  let sum = 0;
  for (const byte of Buffer.from((head + body).replaceAll("|", "\x01"))) sum += byte;
  return sum % 256 === Number(checksum) ? null : "bad_checksum";
}

let truth: Truth;
let conversations: Record<string, unknown>[];
/** One pass over world `a`: line counts, malformed records, parsed REST lines, WS events, FIX logs. */
const scan = {
  counts: new Map<string, number>(),
  malformed: [] as string[],
  rest: [] as RestLine[],
  ws: new Map<string, WsEvent[]>(),
  fix: new Map<string, string[]>(),
};

before(async () => {
  await Promise.all([generate(SEED, dirs.a), generate(SEED, dirs.b), generate(SEED + 1, dirs.other)]);
  truth = JSON.parse(readFileSync(join(dirs.a, "truth.json"), "utf-8")) as Truth;
  for (const file of listFiles(dirs.a).filter((f) => f !== "truth.json" && f !== "markets.json")) {
    const all = lines(dirs.a, file);
    scan.counts.set(file, all.length);
    if (file.startsWith("fix/")) {
      scan.fix.set(file, all);
      all.forEach((l, i) => {
        const problem = fixProblem(l);
        if (problem) scan.malformed.push(`fix ${file}:${i + 1} ${problem}`);
      });
    } else if (file.startsWith("api-logs/")) {
      const parsed = all.map((l, i) => {
        const value = tryParse(l);
        if (value === undefined) scan.malformed.push(`api-logs ${file}:${i + 1} invalid_json`);
        return value;
      }).filter((x) => x !== undefined);
      if (file.startsWith("api-logs/rest-")) scan.rest.push(...(parsed as RestLine[]));
      else scan.ws.set(file.slice("api-logs/ws-".length, -".ndjson.gz".length), parsed as WsEvent[]);
    } else if (file === "intercom/conversations.jsonl") {
      conversations = all.map((l) => JSON.parse(l) as Record<string, unknown>);
    }
  }
});

after(() => rmSync(scratch, {recursive: true, force: true}));

test("the same seed and scale give byte-identical files", () => {
  const files = listFiles(dirs.a);
  assert.deepEqual(listFiles(dirs.b), files);
  assert.ok(files.length > 100, "a file per day and source");
  for (const file of files) assert.equal(sha256(dirs.b, file), sha256(dirs.a, file), file);
});

test("a different seed gives different files", () => {
  const other = new Set(listFiles(dirs.other));
  const shared = listFiles(dirs.a).filter((f) => other.has(f));
  assert.ok(shared.length > 100);
  for (const file of shared) assert.notEqual(sha256(dirs.other, file), sha256(dirs.a, file), file);
});

test("truth.json records the window and counts every file's records", () => {
  assert.equal(truth.seed, SEED);
  assert.deepEqual(truth.window, {start: "2026-09-13T00:00:00.000Z", end: "2026-11-22T00:00:00.000Z"});
  const data = listFiles(dirs.a).filter((f) => f !== "truth.json");
  assert.deepEqual(Object.keys(truth.counts).sort(), data);
  for (const file of data) {
    const expected = file === "markets.json" ? (JSON.parse(read(dirs.a, file).toString()) as unknown[]).length
      : scan.counts.get(file);
    assert.equal(truth.counts[file], expected, file);
  }
  const restLines = data.filter((f) => f.startsWith("api-logs/rest-")).reduce((n, f) => n + truth.counts[f], 0);
  assert.ok(restLines >= 200_000 && restLines <= 400_000, `small scale has 200k-400k REST lines, got ${restLines}`);
});

const TAG_OF_CODE: Record<string, string> = {
  signature_type_mismatch: "api-auth-signature", missing_allowance: "balance-allowance",
  tick_size_precision: "order-validation", stale_balance_cache: "balance-allowance", deposit_to_eoa: "deposit-withdrawal",
  fok_killed: "order-validation", fix_sequence_gap: "fix-session", unredeemed_winnings: "positions-redemption",
  disputed_resolution: "resolution-dispute",
};

test("each root cause has exactly one ticket, from the user's wallet, tagged with its category", () => {
  assert.deepEqual(truth.root_causes.map((r) => r.code).sort(), Object.keys(TAG_OF_CODE).sort());
  const byId = new Map(conversations.map((c) => [c.id as string, c]));
  const contactsOf = (c: Record<string, unknown>) =>
    (c.contacts as {contacts: {id: string}[]}).contacts.map((x) => x.id);
  const seen = new Set<string>();
  for (const rc of truth.root_causes) {
    const conversation = byId.get(rc.ticket_id);
    assert.ok(conversation, `${rc.code}: ticket ${rc.ticket_id} in conversations.jsonl`);
    const wallet = (conversation.custom_attributes as {Wallet: string}).Wallet;
    assert.ok([rc.user, rc.eoa].includes(wallet), `${rc.code}: Wallet ${wallet} is the user's funder or EOA`);
    const tags = (conversation.tags as {tags: {name: string}[]}).tags.map((t) => t.name);
    assert.ok(tags.includes(TAG_OF_CODE[rc.code]), `${rc.code}: tagged ${TAG_OF_CODE[rc.code]}, got ${tags}`);
    const [contact] = contactsOf(conversation);
    assert.ok(!seen.has(contact), `${rc.code}: a user of its own`);
    seen.add(contact);
    const tickets = conversations.filter((c) => contactsOf(c).includes(contact));
    assert.equal(tickets.length, 1, `${rc.code}: the user writes exactly one ticket`);
    assert.ok(Object.keys(rc.evidence).length > 0, `${rc.code}: evidence`);
    // The agent's advice comes before the fix shows in the logs, the user's "it works" after it.
    if (typeof rc.evidence.fixed_at === "string") {
      const fixed = Date.parse(rc.evidence.fixed_at) / 1000;
      const parts = (conversation.conversation_parts as {conversation_parts: {part_type: string; created_at: number;
        author: {type: string}}[]}).conversation_parts.filter((p) => p.part_type === "comment");
      const firstAdmin = parts.find((p) => p.author.type === "admin");
      const firstUser = parts.find((p) => p.author.type === "user");
      assert.ok(firstAdmin && firstAdmin.created_at < fixed, `${rc.code}: advice before the fix`);
      assert.ok(firstUser && firstUser.created_at > fixed, `${rc.code}: follow-up after the fix`);
    }
  }
});

test("the incident windows contain the injected failures, and nothing like them happens outside", () => {
  const kinds = truth.incidents.map((i) => i.kind);
  assert.ok(truth.incidents.length >= 3);
  for (const kind of ["matching_engine_restart", "order_outage", "ws_silent_feed"]) assert.ok(kinds.includes(kind), kind);
  const window = (kind: string) => {
    const i = truth.incidents.find((x) => x.kind === kind);
    assert.ok(i);
    assert.ok(i.affected_users.length >= 3, `${kind} affects several users`);
    assert.ok(i.ticket_ids.length >= 1, `${kind} brings tickets`);
    return {incident: i, inside: (ts: string) => ts >= i.start && ts < i.end};
  };

  const restart = window("matching_engine_restart");
  const seconds = (Date.parse(restart.incident.end) - Date.parse(restart.incident.start)) / 1000;
  assert.ok(seconds >= 90 && seconds <= 300, "a restart lasts from about 90 s to a few minutes");
  const rest = scan.rest;
  const tooEarly = rest.filter((l) => l.status === 425);
  const inside425 = tooEarly.filter((l) => restart.inside(l.ts)).length;
  assert.ok(inside425 >= 20, `425s inside the restart window: ${inside425}`);
  assert.equal(tooEarly.length - inside425, 0, "no 425 outside the restart window");
  assert.equal(inside425, restart.incident.failed_requests);
  const makers = new Set(rest.filter((l) => restart.inside(l.ts) && l.path === "/order" && l.request_body?.order)
    .map((l) => l.request_body?.order?.maker));
  for (const maker of makers) assert.ok(restart.incident.affected_users.includes(maker as string), `${maker} affected`);

  const outage = window("order_outage");
  const serverErrors = rest.filter((l) => l.status >= 500);
  const inside5xx = serverErrors.filter((l) => outage.inside(l.ts)).length;
  const outageMinutes = (Date.parse(outage.incident.end) - Date.parse(outage.incident.start)) / 60_000;
  const otherMinutes = 70 * 24 * 60 - outageMinutes;
  const insideRate = inside5xx / outageMinutes;
  const outsideRate = (serverErrors.length - inside5xx) / otherMinutes;
  assert.ok(inside5xx >= 20, `5xx inside the outage: ${inside5xx}`);
  assert.ok(insideRate > 100 * outsideRate, `5xx rate ${insideRate}/min inside vs ${outsideRate}/min outside`);

  const silent = window("ws_silent_feed");
  const day = silent.incident.start.slice(0, 10);
  const ws = scan.ws.get(day) ?? [];
  const during = ws.filter((e) => silent.inside(e.ts));
  assert.equal(during.filter((e) => e.event === "message").length, 0, "no message events during the silent feed");
  assert.ok(during.filter((e) => e.event === "pong").length >= 20, "PONGs keep coming");
  const hourBefore = new Date(Date.parse(silent.incident.start) - 3_600_000).toISOString();
  const before = ws.filter((e) => e.ts >= hourBefore && e.ts < silent.incident.start && e.event === "message").length;
  assert.ok(before > 20, `market data flows before the incident: ${before}`);
});

test("expected_rejects lists exactly the malformed records", () => {
  const reasons = truth.expected_rejects.map((r) => r.reason);
  for (const reason of ["invalid_json", "bad_checksum", "bad_body_length"]) assert.ok(reasons.includes(reason), reason);
  const expected = truth.expected_rejects.map((r) => `${r.source} ${r.file}:${r.line} ${r.reason}`);
  assert.deepEqual([...scan.malformed].sort(), expected.sort());
});

test("FIX logons are FIXT.1.1 with ApplVerID 9, the API key as Username and a Password", () => {
  const logons = [...scan.fix.values()].flat().map((l) => l.replaceAll("\x01", "|")).filter((l) => l.includes("|35=A|"));
  assert.ok(logons.length >= 20);
  for (const logon of logons) assert.match(logon, /\|108=30\|141=Y\|.*1137=9\|/);
  const client = logons.filter((l) => !l.includes("|49=POLYMARKET|"));
  for (const logon of client) assert.match(logon, /\|553=[0-9a-f-]{36}\|554=[^|]+\|/);
});

test("the FIX sequence gap is answered by a ResendRequest and a SequenceReset-GapFill", () => {
  const gap = truth.root_causes.find((r) => r.code === "fix_sequence_gap")?.evidence as {file: string;
    resend_request_line: number; sequence_reset_line: number; begin_seq_no: number; new_seq_no: number};
  const log = (scan.fix.get(gap.file) ?? []).map((l) => l.replaceAll("\x01", "|"));
  assert.match(log[gap.resend_request_line - 1], new RegExp(`\\|35=2\\|.*\\|7=${gap.begin_seq_no}\\|16=0\\|`));
  assert.match(log[gap.sequence_reset_line - 1], new RegExp(`\\|35=4\\|.*\\|34=${gap.begin_seq_no}\\|43=Y\\|.*\\|123=Y\\|36=${gap.new_seq_no}\\|`));
  assert.ok(gap.new_seq_no > gap.begin_seq_no);
});

test("every Intercom line is a conversation whose statistics match its parts", () => {
  assert.ok(conversations.length >= 2000, `a few thousand conversations, got ${conversations.length}`);
  const end = Date.parse(truth.window.end) / 1000;
  for (const c of conversations) {
    assert.equal(c.type, "conversation");
    assert.match(c.id as string, /^\d+$/);
    const created = c.created_at as number;
    const list = c.conversation_parts as {conversation_parts: {part_type: string; created_at: number;
      author: {type: string; id: string}}[]; total_count: number};
    const parts = list.conversation_parts;
    const s = c.statistics as Record<string, number | string | null>;
    const at = (p: {created_at: number} | undefined) => p?.created_at ?? null;
    const adminComments = parts.filter((p) => p.part_type === "comment" && p.author.type === "admin");
    const closes = parts.filter((p) => p.part_type === "close");
    let reopens = 0;
    let closed = false;
    for (const p of parts) {
      assert.ok(p.created_at >= created && p.created_at <= end, "parts lie between creation and the window end");
      if (p.part_type === "close") closed = true;
      if (p.part_type === "open" && closed) [reopens, closed] = [reopens + 1, false];
    }
    const id = c.id as string;
    assert.equal(list.total_count, parts.length, id);
    assert.equal(s.count_conversation_parts, parts.length, id);
    assert.equal(s.first_admin_reply_at, at(adminComments[0]), id);
    assert.equal(s.time_to_admin_reply, adminComments.length ? adminComments[0].created_at - created : null, id);
    assert.equal(s.first_close_at, at(closes[0]), id);
    assert.equal(s.last_close_at, at(closes.at(-1)), id);
    assert.equal(s.last_closed_by_id, closes.at(-1)?.author.id ?? null, id);
    assert.equal(s.count_reopens, reopens, id);
    assert.equal(s.count_assignments, parts.filter((p) => p.part_type === "assignment").length, id);
    const lastState = parts.filter((p) => ["close", "open", "snoozed"].includes(p.part_type)).at(-1)?.part_type;
    assert.equal(c.state, lastState === "close" ? "closed" : lastState === "snoozed" ? "snoozed" : "open", id);
    const rating = c.conversation_rating as {rating: number} | null;
    if (rating) assert.ok(rating.rating >= 1 && rating.rating <= 5 && c.state === "closed", id);
  }
});

test("chain actions replay in file order without overdrafts and imply the discrepancies", () => {
  const PUSD = "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB";
  const balances = new Map<string, bigint>();
  const move = (holder: string, asset: string, amount: string | bigint) => {
    const key = `${holder}|${asset}`;
    const next = (balances.get(key) ?? 0n) + BigInt(amount);
    assert.ok(next >= 0n, `${holder} overdraws ${asset}`);
    balances.set(key, next);
  };
  let last = "";
  for (const line of lines(dirs.a, "chain/actions.jsonl")) {
    const a = JSON.parse(line);
    assert.ok(a.ts >= last, "chain actions are in time order");
    last = a.ts;
    switch (a.kind) {
      case "deposit":
        move(a.to, a.asset, a.amount);
        break;
      case "withdrawal":
        move(a.from, a.asset, -BigInt(a.amount));
        break;
      case "fill": {
        const [makerGives, takerGives] = a.side === "BUY" ? [a.collateral, a.token_id] : [a.token_id, a.collateral];
        move(a.maker, makerGives, -BigInt(a.maker_amount_filled));
        move(a.taker, takerGives, -BigInt(a.taker_amount_filled));
        move(a.taker, makerGives, a.maker_amount_filled);
        move(a.maker, takerGives, a.taker_amount_filled);
        break;
      }
      case "split":
      case "merge": {
        const sign = a.kind === "split" ? 1n : -1n;
        move(a.stakeholder, a.collateral, -sign * BigInt(a.amount));
        for (const t of a.token_ids) move(a.stakeholder, t, sign * BigInt(a.amount));
        break;
      }
      case "redemption":
        a.token_ids.forEach((t: string, i: number) => move(a.redeemer, t, -BigInt(a.amounts[i])));
        move(a.redeemer, a.collateral, a.payout);
        break;
      default:
        assert.ok(["approval", "uma", "resolution"].includes(a.kind), a.kind);
    }
  }
  assert.ok(truth.discrepancies.length >= 2);
  for (const d of truth.discrepancies) {
    const actual = balances.get(`${d.user}|${d.asset === "pUSD" ? PUSD : d.asset}`) ?? 0n;
    assert.equal(actual.toString(), d.actual, `${d.user} ${d.asset}`);
    assert.notEqual(d.expected, d.actual);
  }
});
