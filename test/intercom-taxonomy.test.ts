// The ticket taxonomy: documented ids, the rule order, and recategorize() in SQL agreeing with categorize() in TS.
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {
  CATEGORIES,
  CATEGORY_IDS,
  categorize,
  categoryForApiError,
  categoryForTags,
  normaliseTag,
  recategorize,
  taxonomyMarkdown
} from "../loaders/taxonomy.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";

let dir: string;
let warehouse: Warehouse;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "intercom-taxonomy-"));
  warehouse = await Warehouse.open(join(dir, "w.duckdb"));
});
after(() => {
  warehouse.close();
  rmSync(dir, {recursive: true, force: true});
});

const W = "0x1111111111111111111111111111111111111111";
const W_EOA = "0x2222222222222222222222222222222222222222";
let nextId = 0;

async function addTicket(fields: {created?: string; tags?: string[]; title?: string; message?: string; wallet?: string; email?: string}): Promise<string> {
  const id = `t${++nextId}`;
  await warehouse.run(
    `INSERT INTO tickets (ticket_id, source, created_at, updated_at, tags, title, first_message, user_wallet, user_email, run_id)
     VALUES ($1, 'intercom-file', $2::TIMESTAMPTZ, $2::TIMESTAMPTZ, $3::VARCHAR[], $4, $5, $6, $7, 1)`,
    [id, fields.created ?? "2026-10-10T12:00:00Z", JSON.stringify(fields.tags ?? []), fields.title ?? null, fields.message ?? null, fields.wallet ?? null, fields.email ?? null]
  );
  return id;
}

async function categoryOf(id: string): Promise<string | null> {
  const row = await warehouse.one<{category: string | null}>("SELECT category FROM tickets WHERE ticket_id = $1", [id]);
  return row?.category ?? null;
}

let requestNo = 0;
async function addRequest(ts: string, fields: {address?: string; maker?: string; status: number; error?: string | null}): Promise<void> {
  await warehouse.run(
    `INSERT INTO api_requests (request_id, ts, address, maker, method, path, route, status, error_message)
     VALUES ($1, $2::TIMESTAMPTZ, $3, $4, 'POST', '/order', '/order', $5, $6)`,
    [`r${++requestNo}`, ts, fields.address ?? null, fields.maker ?? null, fields.status, fields.error ?? null]
  );
}

test("the taxonomy has the documented stable ids, and docs/taxonomy.md carries the generated rule tables", () => {
  assert.deepEqual([...CATEGORY_IDS].sort(), [
    "account_geoblock",
    "api_auth",
    "api_outage",
    "balance_allowance",
    "deposit_withdrawal",
    "engine_restart",
    "fix_session",
    "order_validation",
    "other",
    "positions_redemption",
    "rate_limit",
    "resolution_dispute",
    "websocket"
  ]);
  assert.deepEqual(CATEGORIES.map((cat) => cat.id).sort(), [...CATEGORY_IDS].sort());
  const doc = readFileSync("docs/taxonomy.md", "utf-8");
  assert.ok(doc.includes(taxonomyMarkdown()), "docs/taxonomy.md is stale: regenerate its tables from taxonomyMarkdown()");
  for (const cat of CATEGORIES) assert.ok(cat.tags.includes(cat.id), `${cat.id}: its own id is a tag`);
});

test("tags are normalised and decide first", () => {
  assert.equal(normaliseTag("Category: API auth"), "api_auth");
  assert.equal(normaliseTag("api-auth-signature"), "api_auth_signature");
  assert.equal(categoryForTags(["vip-followup", "Rate limit"]), "rate_limit");
  assert.equal(categoryForTags(["matching-engine-restart"]), "engine_restart");
  assert.equal(categoryForTags(["needs-engineering"]), undefined);
  assert.equal(categorize({tags: ["deposit-withdrawal"], first_message: "I get 401 invalid api key"}), "deposit_withdrawal");
});

test("text: verbatim API errors beat keywords, keywords beat hints, and nothing is other", () => {
  const cases: [string, string][] = [
    ['Orders fail with "not enough balance / allowance" while the websocket shows fills', "balance_allowance"],
    ["order 0xabc is invalid. Price (0.555) breaks minimum tick size rule: 0.01", "order_validation"],
    ["Getting 'maker address not allowed, please use the deposit wallet flow' on every order", "api_auth"],
    ["Every authenticated call returns 401 Unauthorized/Invalid api key", "api_auth"],
    ["HTTP 425 for 90 seconds, then post-only rejections", "engine_restart"],
    ["Trading is currently cancel-only. New orders are not accepted", "engine_restart"],
    ["POST /order returns 502 Bad Gateway since 14:00", "api_outage"],
    ["I'm getting 429 Too Many Requests when I cancel", "rate_limit"],
    ["/ws/market answers PONG but no book events", "websocket"],
    ["FIX logon rejected, then a resend request storm", "fix_session"],
    ["I deposited 500 USDC from Arbitrum and it has not arrived", "deposit_withdrawal"],
    ["How do I redeem winning shares?", "positions_redemption"],
    ["The market resolved incorrectly, the UMA proposal was wrong", "resolution_dispute"],
    ["Cloudflare says Attention Required! when I open the site", "account_geoblock"],
    ["my limit order does not show up", "order_validation"],
    ["hello, a question about fees", "other"],
    ["I sent 500 USDC, 401 times over", "deposit_withdrawal"],
    ["prefix fixes nothing", "other"]
  ];
  for (const [text, expected] of cases) assert.equal(categorize({first_message: text}), expected, text);
  assert.equal(categoryForApiError("not enough balance / allowance", 400), "balance_allowance");
  assert.equal(categoryForApiError(null, 401), "api_auth");
  assert.equal(categoryForApiError("", 503), "engine_restart");
  assert.equal(categoryForApiError("Cloudflare 403: Attention Required!", 403), "account_geoblock");
  assert.equal(categoryForApiError(null, 404), undefined);
});

test("recategorize works with no API traffic and agrees with categorize()", async () => {
  const samples = [
    {tags: ["api-auth-signature"], message: "help"},
    {message: "not enough balance / allowance"},
    {title: "Dispute", message: "the UMA oracle got it wrong"},
    {message: "websocket silent for hours"},
    {message: "just saying hi"},
    {message: "my order is stuck"},
    {tags: ["VIP escalation", "websocket", "rate-limit"], message: "x"}
  ];
  const ids: string[] = [];
  for (const sample of samples) ids.push(await addTicket(sample));
  const [{n}] = await warehouse.all<{n: bigint}>("SELECT count(*) AS n FROM api_requests");
  assert.equal(n, 0n);
  const changed = await recategorize(warehouse);
  assert.equal(changed, samples.length);
  for (const [index, sample] of samples.entries()) {
    assert.equal(await categoryOf(ids[index]), categorize({tags: sample.tags, title: sample.title, first_message: sample.message}), JSON.stringify(sample));
  }
  assert.equal(await categoryOf(ids[6]), "rate_limit", "of several category tags the first in table order wins");
  assert.equal(await recategorize(warehouse), 0, "idempotent: nothing changes the second time");
});

test("linked API errors: the user's most frequent error in the 24 h before the ticket, via wallet or email", async () => {
  const created = "2026-10-10T12:00:00Z";
  // Ticket A: vague text, wallet W (a funder). In the window: 3x not enough balance (maker = W), 2x 401 (address = W's EOA, not linked).
  const a = await addTicket({created, message: "nothing works, please help", wallet: W, email: "a@fund.example"});
  for (const ts of ["2026-10-10T09:00:00Z", "2026-10-10T10:00:00Z", "2026-10-10T11:59:00Z"]) {
    await addRequest(ts, {address: W_EOA, maker: W, status: 400, error: "not enough balance / allowance"});
  }
  await addRequest("2026-10-10T11:00:00Z", {address: W, status: 429, error: "Too Many Requests"});
  await addRequest("2026-10-10T11:30:00Z", {address: W, status: 429, error: "Too Many Requests"});
  // Outside the window: before 24 h and after the ticket.
  for (let i = 0; i < 5; i++) await addRequest("2026-10-09T11:00:00Z", {address: W, status: 503, error: "Trading is currently disabled. Check polymarket.com for updates"});
  for (let i = 0; i < 5; i++) await addRequest("2026-10-10T12:30:00Z", {address: W, status: 401, error: "Unauthorized/Invalid api key"});
  // Successful requests do not count.
  for (let i = 0; i < 9; i++) await addRequest("2026-10-10T11:00:00Z", {address: W, status: 200});
  // Ticket B: no wallet, same email as A: linked through A's wallet.
  const b = await addTicket({created: "2026-10-10T12:05:00Z", message: "same problem as before", email: "A@Fund.example"});
  // Ticket C: wallet with only a status-code error (no message).
  const c = await addTicket({created, message: "can you check my account activity", wallet: "0x3333333333333333333333333333333333333333"});
  await addRequest("2026-10-10T08:00:00Z", {address: "0x3333333333333333333333333333333333333333", status: 401});
  // Ticket D: text decides even though the wallet has errors.
  const d = await addTicket({created, message: "my websocket stopped", wallet: W});
  // Ticket E: no link at all.
  const e = await addTicket({created, message: "question", wallet: "0x4444444444444444444444444444444444444444"});
  await recategorize(warehouse);
  assert.equal(await categoryOf(a), "balance_allowance");
  assert.equal(await categoryOf(b), "balance_allowance", "email -> wallet from another ticket -> API errors");
  assert.equal(await categoryOf(c), "api_auth", "status 401 without a message");
  assert.equal(await categoryOf(d), "websocket");
  assert.equal(await categoryOf(e), "other");
  // A scoped run touches only its own (and uncategorised) tickets.
  await warehouse.run("UPDATE tickets SET category = 'other', run_id = 99 WHERE ticket_id = $1", [a]);
  assert.equal(await recategorize(warehouse, {runId: 7}), 0);
  assert.equal(await categoryOf(a), "other");
  assert.equal(await recategorize(warehouse, {runId: 99}), 1);
  assert.equal(await categoryOf(a), "balance_allowance");
});

test("the views' api_error_category macro classifies every error as categoryForApiError does", async () => {
  const cases: [string | null, number | null][] = [
    ["the matching engine is restarting, please retry shortly", 425],
    ["Trading is currently disabled. Check polymarket.com for updates", 503],
    ["Internal Server Error", 500],
    ["Too Many Requests", 429],
    ["not enough balance / allowance", 400],
    ["invalid signature", 400],
    ["order couldn't be fully filled. FOK orders are fully filled or killed.", 200],
    ["invalid order version, please use the latest clob-client", 400],
    ["something nobody wrote a rule for", 400],
    ["something nobody wrote a rule for", 418],
    [null, 403],
    [null, null],
    ...CATEGORIES.flatMap((cat) => cat.errors.map((error): [string, number] => [error.toUpperCase(), 200]))
  ];
  for (const [message, status] of cases) {
    const row = await warehouse.one<{category: string}>("SELECT api_error_category($1::VARCHAR, $2::INTEGER) AS category", [message, status]);
    assert.equal(row?.category, categoryForApiError(message, status) ?? "other", `${message} / ${status}`);
  }
});
