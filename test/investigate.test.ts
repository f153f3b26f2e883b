/**
 * The investigate engine against the seed-7 demo world: every planted root cause is the top
 * diagnosis of its user whichever identifier finds them; nobody gets a diagnosis the ground truth
 * (truth.json, plus the generator's geoblocked and legacy-client users) does not explain; the
 * truth's balance discrepancies come out explained; cURL and bug reports carry no secret.
 */
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {copyFileSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {bugReport} from "../analysis/investigate/bug-report.ts";
import {curlFor, loggedRequest} from "../analysis/investigate/curl.ts";
import {
  AmbiguousIdentifierError,
  diagnoseAll,
  IdentifierNotFoundError,
  investigate,
  lookup,
  playbookForError,
  playbooks,
  ROOT_CAUSE_CODES,
  UnrecognisedIdentifierError,
  type Diagnosis
} from "../analysis/investigate/index.ts";
import {errorCodeSql} from "../analysis/investigate/playbooks.ts";
import {marketFacts} from "../analysis/markets/index.ts";
import {buildWorld} from "../demo/world.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {demoWorld, type DemoWorld} from "./helpers/demo-world.ts";

let world: DemoWorld;
let warehouse: Warehouse;
let all: Map<string, Diagnosis[]>;
/** person id -> the codes the ground truth explains for them. */
const explained = new Map<string, Set<string>>();
const personOf = new Map<string, string>();

async function person(address: string): Promise<string> {
  const found = personOf.get(address.toLowerCase()) ?? (await lookup(warehouse, address)).person_id;
  personOf.set(address.toLowerCase(), found);
  return found;
}

const explain = (personId: string, code: string) => explained.set(personId, (explained.get(personId) ?? new Set()).add(code));

before(async () => {
  world = await demoWorld();
  warehouse = await Warehouse.open(world.db, {readOnly: true});
  all = await diagnoseAll(warehouse);
  for (const row of await warehouse.all<{value: string; person_id: string}>("SELECT value, person_id FROM identities WHERE kind = 'address'"))
    personOf.set(row.value, row.person_id);
  for (const cause of world.truth.root_causes) explain(await person(cause.user), cause.code);
  for (const incident of world.truth.incidents)
    for (const user of incident.affected_users) explain(await person(user).catch(() => "unknown"), incident.kind);
  const generated = buildWorld(world.truth.seed, "small");
  for (const user of generated.users) {
    if (user.geoblocked) explain(await person(user.eoa), "geoblocked");
    if (user.legacyClientUntil !== null) explain(await person(user.eoa), "legacy_client_version");
  }
});
after(() => warehouse?.close());

describe("root causes in truth.json", () => {
  test("each is its user's top diagnosis, found by funder, EOA, email and ticket id", async () => {
    for (const cause of world.truth.root_causes) {
      const email = (await warehouse.all<{email: string}>("SELECT user_email AS email FROM tickets WHERE ticket_id = $1", [cause.ticket_id]))[0].email;
      const identifiers = [cause.user, cause.eoa.toLowerCase(), email.toUpperCase(), cause.ticket_id];
      const people = new Set<string>();
      for (const identifier of identifiers) {
        const result = await investigate(warehouse, identifier, {timelineLimit: 5});
        people.add(result.identity.person_id);
        assert.equal(result.diagnoses[0]?.code, cause.code, `${cause.code} via ${identifier}: got ${result.diagnoses.map((d) => d.code).join(", ")}`);
        assert.ok(result.diagnoses[0].ticket_ids.includes(cause.ticket_id), `${cause.code}: the diagnosis answers ticket ${cause.ticket_id}`);
        assert.ok(result.diagnoses[0].evidence.length > 1, `${cause.code}: cites evidence rows`);
        assert.equal(result.identity.funder, cause.user.toLowerCase(), `${cause.code}: the funder`);
      }
      assert.equal(people.size, 1, `${cause.code}: every identifier finds the same person`);
    }
  });

  test("the evidence cites the rejected requests the story planted", () => {
    for (const cause of world.truth.root_causes) {
      const planted = (cause.evidence.rejected_requests as {request_id: string}[] | undefined) ?? [];
      const top = all.get(personOf.get(cause.user.toLowerCase())!)![0];
      const cited = new Set(top.evidence.filter((e) => e.table === "api_requests").map((e) => e.key.request_id));
      for (const request of planted) assert.ok(cited.has(request.request_id), `${cause.code} cites ${request.request_id}`);
    }
  });

  test("the signature mismatch names the wallet type the orders should have used", async () => {
    const cause = world.truth.root_causes.find((c) => c.code === "signature_type_mismatch")!;
    const identity = await lookup(warehouse, cause.user);
    assert.equal(identity.expected_signature_type, cause.evidence.expected_signature_type);
  });
});

describe("market resolutions told with the dispute desk's facts (analysis/markets)", () => {
  test("the disputing user's reply quotes the market's rules and the payout in words; the evidence cites the timeline and the position", async () => {
    const cause = world.truth.root_causes.find((c) => c.code === "disputed_resolution")!;
    const facts = await marketFacts(warehouse, String(cause.evidence.market_id));
    const top = (await investigate(warehouse, cause.ticket_id, {timelineLimit: 1})).diagnoses[0];
    assert.equal(top.code, "disputed_resolution");
    assert.ok(facts.rules && top.customer_message.includes(`> ${facts.rules}`), "quotes the rules text word for word");
    assert.match(top.customer_message, new RegExp(`resolved ${String(cause.evidence.final_outcome).toUpperCase()}: each ${cause.evidence.final_outcome} share redeems for \\$1\\.00`));
    assert.match(top.customer_message, new RegExp(`${Number(cause.evidence.shares) / 1e6} ${cause.evidence.outcome_held} shares before resolution .*pays \\$0\\.00`));
    assert.match(top.customer_message, /not able to change the outcome/);
    const stages = top.evidence.filter((e) => e.table === "market_resolution_timeline");
    assert.deepEqual(stages.map((e) => e.key.step), facts.timeline.map((s) => s.step), "cites every step of the market's resolution timeline");
    assert.ok(stages.every((e) => e.key.market_id === facts.marketId));
    const position = top.evidence.find((e) => e.table === "market_positions");
    assert.equal(position?.key.token_id, cause.evidence.token_id);
    const note = position?.note ?? "";
    assert.ok(note.includes(`${cause.evidence.outcome_held} shares of "${facts.question}"`) && note.includes("resolved NO"), note);
  });

  test("unredeemed winnings cite the winning position, its payout and that it was never redeemed, in words", async () => {
    const cause = world.truth.root_causes.find((c) => c.code === "unredeemed_winnings")!;
    const facts = await marketFacts(warehouse, String(cause.evidence.market_id));
    const top = (await investigate(warehouse, cause.user, {timelineLimit: 1})).diagnoses[0];
    assert.equal(top.code, "unredeemed_winnings");
    const shares = Number(cause.evidence.shares) / 1e6;
    const position = top.evidence.find((e) => e.table === "market_positions");
    assert.equal(
      position?.note?.replace(/ \(cost \$[\d.]+\)/, ""),
      `${shares} ${cause.evidence.outcome} shares of "${facts.question}" before resolution; the market resolved ${facts.payoutWords}, so they pay $${shares.toFixed(2)}; never redeemed, ${shares} still held`
    );
    assert.ok(top.evidence.some((e) => e.table === "market_resolution_timeline"));
    for (const ref of top.evidence) assert.doesNotMatch(ref.note ?? "", /\d{70,}/, `${ref.table}: no bare token id in the note`);
    assert.match(top.customer_message, /have not been redeemed yet/);
    assert.doesNotMatch(top.customer_message, /sorry the result is not the one you expected|not able to change the outcome/);
  });
});

describe("no diagnosis the ground truth does not explain", () => {
  test("every diagnosed person's codes are ones the truth gives them", () => {
    for (const [personId, diagnoses] of all) {
      const allowed = explained.get(personId) ?? new Set();
      for (const d of diagnoses) assert.ok(allowed.has(d.code), `${personId}: ${d.code} (confidence ${d.confidence}) is not in the truth (${[...allowed].join(", ") || "nothing"})`);
    }
  });

  test("geoblocked and legacy-client users and incident ticket authors are told", async () => {
    for (const [personId, codes] of explained)
      for (const code of codes)
        if (code === "geoblocked" || code === "legacy_client_version")
          assert.ok(all.get(personId)?.some((d) => d.code === code), `${personId} should be diagnosed ${code}`);
    for (const incident of world.truth.incidents)
      for (const ticketId of incident.ticket_ids) {
        const {person_id} = await lookup(warehouse, ticketId);
        assert.equal(all.get(person_id)?.[0]?.code, incident.kind, `ticket ${ticketId} of ${incident.id}`);
      }
  });

  test("ordinary users with tickets and background 4xx get none", async () => {
    const ordinary = await warehouse.all<{person_id: string}>(
      `SELECT DISTINCT i.person_id FROM tickets t JOIN identities i ON i.kind = 'email' AND i.value = lower(t.user_email)
        WHERE i.person_id IN (SELECT i2.person_id FROM identities i2 JOIN api_requests r ON r.address = i2.value WHERE r.status BETWEEN 400 AND 499)
        ORDER BY i.person_id`
    );
    const sample = ordinary.filter((p) => !explained.has(p.person_id)).slice(0, 50);
    assert.equal(sample.length, 50);
    for (const {person_id} of sample) assert.equal(all.get(person_id), undefined, `${person_id} has no planted cause`);
    for (const {person_id} of sample.slice(0, 5)) {
      const result = await investigate(warehouse, person_id, {timelineLimit: 1});
      assert.deepEqual(result.diagnoses, [], `${person_id}: investigate agrees with diagnoseAll`);
    }
  });
});

test("the truth's discrepancies come out explained by the user's diagnosis", async () => {
  for (const expected of world.truth.discrepancies) {
    const cause = world.truth.root_causes.find((c) => c.user === expected.user)!;
    const result = await investigate(warehouse, expected.user, {timelineLimit: 1});
    const asset = expected.asset;
    const found = result.discrepancies.find((d) => d.asset === asset);
    assert.ok(found, `${expected.user} ${asset}`);
    assert.equal(Math.round(Number(found.difference) * 1e6), Number(expected.actual) - Number(expected.expected));
    assert.equal(found.explained_by, cause.code);
  }
});

test("timeline (the timeline_events view): newest first, the exact error strings, tickets and Polygonscan links", async () => {
  const cause = world.truth.root_causes.find((c) => c.code === "missing_allowance")!;
  const result = await investigate(warehouse, cause.user, {timelineLimit: 10_000});
  const times = result.timeline.map((e) => e.ts);
  assert.deepEqual(times, [...times].sort().reverse());
  const rejected = result.timeline.filter((e) => e.source === "rest" && e.error === "not enough balance / allowance");
  const planted = (cause.evidence.rejected_requests as {request_id: string}[]).map((r) => r.request_id);
  assert.deepEqual(planted.filter((id) => !rejected.some((e) => e.ref.key.request_id === id)), [], "every planted reject is listed");
  assert.ok(rejected.every((e) => e.kind === "POST /order" && e.severity === "warning" && e.ref.table === "api_requests" && e.summary.endsWith(": not enough balance / allowance")));
  assert.ok(result.timeline.some((e) => e.kind === "ticket opened" && e.ref.key.ticket_id === cause.ticket_id));
  const deposit = result.timeline.find((e) => e.source === "chain" && e.kind === "deposit");
  assert.match(deposit?.link ?? "", /^https:\/\/polygonscan\.com\/tx\/0x[0-9a-f]{64}$/);
  // the demo chain settles many users' actions per transaction: the tx finds the user among others
  const byTx = await lookup(warehouse, String(deposit!.ref.key.tx_hash)).then(
    (identity) => [identity.person_id],
    (error: unknown) => (error instanceof AmbiguousIdentifierError ? error.candidates.map((c) => c.person_id) : [])
  );
  assert.ok(byTx.includes(result.identity.person_id), "the deposit's transaction leads to its user");
  // routine polling is folded into one row per call and hour, its count in words
  const folded = result.timeline.filter((e) => e.source === "rest" && / in the hour from \d\d:00$/.test(e.summary));
  assert.ok(folded.some((e) => e.count === 1) && folded.some((e) => e.count > 1), "the user has folded hours of one and of several requests");
  for (const e of folded) assert.ok(e.summary.startsWith(e.count === 1 ? "1 successful request in" : `${e.count.toLocaleString("en-US")} successful requests in`), e.summary);
  assert.equal(result.timeline_omitted, 0);
  const capped = await investigate(warehouse, cause.user, {timelineLimit: 3});
  assert.equal(capped.timeline.length, 3);
  assert.equal(capped.timeline_omitted, result.timeline.length - 3);
});

describe("lookup errors", () => {
  test("unknown and unrecognisable identifiers are named errors", async () => {
    await assert.rejects(lookup(warehouse, "0x000000000000000000000000000000000000dEaD"), IdentifierNotFoundError);
    await assert.rejects(lookup(warehouse, "nobody@nowhere.example"), IdentifierNotFoundError);
    await assert.rejects(lookup(warehouse, "what is this?"), UnrecognisedIdentifierError);
  });

  test("a transaction settling several users' fills is ambiguous, and says whose", async () => {
    const {tx_hash} = (await warehouse.all<{tx_hash: string}>(
      "SELECT tx_hash FROM chain_fills GROUP BY tx_hash HAVING count(DISTINCT maker) > 1 ORDER BY tx_hash LIMIT 1"
    ))[0];
    await assert.rejects(lookup(warehouse, tx_hash), (error: unknown) => {
      assert.ok(error instanceof AmbiguousIdentifierError);
      assert.ok(error.candidates.length > 1 && error.candidates.every((c) => /^u_[0-9a-f]{12}$/.test(c.person_id)));
      return true;
    });
  });

  test("a FIX ClOrdID and an order id find their owner", async () => {
    const cause = world.truth.root_causes.find((c) => c.code === "fix_sequence_gap")!;
    const clOrdId = (cause.evidence.missed_cl_ord_ids as string[])[0];
    assert.equal((await lookup(warehouse, clOrdId)).person_id, await person(cause.user));
    const tick = world.truth.root_causes.find((c) => c.code === "tick_size_precision")!;
    const orderId = /order (0x[0-9a-f]{64}) is invalid/.exec((tick.evidence.rejected_requests as {error: string}[])[0].error)![1];
    assert.equal((await lookup(warehouse, orderId)).person_id, await person(tick.user));
  });
});

describe("playbooks", () => {
  test("every code has a playbook with a reply and a next step", () => {
    const books = playbooks();
    for (const code of ROOT_CAUSE_CODES) {
      const book = books.get(code)!;
      assert.ok(book.customer_message.length > 100 && book.engineering_next_step.length > 20, code);
      assert.equal(readFileSync(book.doc, "utf8").includes(book.customer_message.split(" ").slice(0, 8).join(" ")), true, `${code}: reply comes from ${book.doc}`);
    }
  });

  test("playbookForError and its SQL form agree on every error string in the demo", async () => {
    const rows = await warehouse.all<{error_message: string; code: string | null}>(
      `SELECT DISTINCT error_message, ${errorCodeSql("error_message")} AS code FROM api_requests WHERE error_message IS NOT NULL`
    );
    assert.ok(rows.length > 10);
    for (const row of rows) assert.equal(playbookForError(row.error_message), row.code, row.error_message);
    assert.equal(playbookForError("order 0xab is invalid. Price (0.225) breaks minimum tick size rule: 0.01"), "tick_size_precision");
    assert.equal(playbookForError("Cloudflare 403: Attention Required!"), "geoblocked");
    assert.equal(playbookForError("order 0xab is invalid. Duplicated."), null);
  });
});

describe("cURL reproduction and bug reports", () => {
  /** The secrets the raw log lines of these requests carry (headers and order signatures). */
  function rawSecrets(lines: {source_file: string; source_line: number}[]): string[] {
    const secrets: string[] = [];
    for (const {source_file, source_line} of lines) {
      const text = spawnSync("sh", ["-c", `zcat -f '${source_file}' | sed -n '${source_line}p'`], {encoding: "utf8"}).stdout;
      const raw = JSON.parse(text) as {headers: Record<string, string>; request_body?: {order?: {signature?: string}}};
      secrets.push(raw.headers.POLY_SIGNATURE, raw.headers.POLY_PASSPHRASE);
      if (raw.request_body?.order?.signature) secrets.push(raw.request_body.order.signature);
    }
    return secrets.filter((s) => s && s.length > 10);
  }

  test("carry placeholders, never the logged secrets", async () => {
    for (const cause of world.truth.root_causes.filter((c) => Array.isArray(c.evidence.rejected_requests))) {
      const ids = (cause.evidence.rejected_requests as {request_id: string}[]).map((r) => r.request_id);
      const lines = await warehouse.all<{source_file: string; source_line: number}>(
        "SELECT source_file, source_line FROM api_requests WHERE request_id IN (SELECT unnest($1::VARCHAR[]))",
        [JSON.stringify(ids)]
      );
      const secrets = rawSecrets(lines);
      assert.ok(secrets.length >= 2 * ids.length, `${cause.code}: the raw log has secrets to leak`);
      const curl = curlFor(await loggedRequest(warehouse, ids[0]));
      assert.match(curl, /-H "POLY_SIGNATURE: \$POLY_SIGNATURE"/);
      assert.match(curl, /^curl -sS -X POST 'https:\/\/clob\.polymarket\.com\/order' \\$/m);
      const report = await bugReport(warehouse, await investigate(warehouse, cause.ticket_id, {timelineLimit: 50}));
      assert.match(report, /## Steps to reproduce[\s\S]*curl -sS[\s\S]*## Expected vs actual[\s\S]*## Evidence rows[\s\S]*## Linked tickets/);
      assert.ok(report.includes(ids[0]) && report.includes(cause.ticket_id));
      for (const secret of secrets) {
        assert.ok(!curl.includes(secret), `${cause.code}: cURL leaks a secret`);
        assert.ok(!report.includes(secret), `${cause.code}: bug report leaks a secret`);
      }
    }
  });
});

test("workbench investigate --format json prints the issue's fields", async () => {
  const dir = mkdtempSync(join(tmpdir(), "investigate-cli-"));
  try {
    copyFileSync(world.db, join(dir, "w.duckdb"));
    const cause = world.truth.root_causes.find((c) => c.code === "fok_killed")!;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["bin/workbench.mjs", "--db", join(dir, "w.duckdb"), "investigate", ...args], {encoding: "utf8", env: {...process.env, WORKBENCH_DB: ""}});
    const json = run(cause.ticket_id, "--format", "json", "--limit", "20");
    assert.equal(json.status, 0, json.stderr);
    const result = JSON.parse(json.stdout) as {identity: Record<string, unknown>; diagnoses: Diagnosis[]; discrepancies: unknown[]; timeline: unknown[]};
    for (const field of ["eoa", "funder", "wallet_type", "api_keys"]) assert.ok(field in result.identity, field);
    assert.equal(result.diagnoses[0].code, "fok_killed");
    for (const field of ["code", "confidence", "evidence", "customer_message", "engineering_next_step"]) assert.ok(field in result.diagnoses[0], field);
    assert.equal(result.timeline.length, 20);
    const md = run(cause.user, "--format", "md");
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /### `fok_killed`/);
    const missing = run("0x000000000000000000000000000000000000dEaD");
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^workbench: no person found for address/);
    assert.equal(run().status, 2);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
