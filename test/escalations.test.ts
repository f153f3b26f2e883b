// Escalation patterns (loaders/warehouse/views/070_escalations.sql): signature normalisation and
// ticket linking on a hand-checked fixture, then the demo world against its truth.json.
import assert from "node:assert/strict";
import {after, before, describe, test} from "node:test";
import type {Warehouse} from "../loaders/warehouse/connection.ts";
import {demoWorld, type DemoWorld} from "./helpers/demo-world.ts";
import {escalationFixture} from "./fixtures/escalations/warehouse.ts";

const TICK = "order {hash} is invalid. Price ({price}) breaks minimum tick size rule: {tick}";

describe("escalation views on the fixture", () => {
  let fixture: Awaited<ReturnType<typeof escalationFixture>>;
  before(async () => (fixture = await escalationFixture()));
  after(() => fixture.dispose());

  test("signatures replace hashes, prices, sizes and addresses, and count requests, people and tickets", async () => {
    const rows = await fixture.warehouse.json(
      "SELECT signature, category, requests, users, tickets, new_this_week, minutes_to_first_ticket FROM error_signatures ORDER BY signature"
    );
    assert.deepEqual(rows, [
      {signature: "'{address}' address banned", category: "account_geoblock", requests: "1", users: 1, tickets: 1, new_this_week: true, minutes_to_first_ticket: 60},
      {signature: "Internal Server Error", category: "api_outage", requests: "5", users: 1, tickets: 1, new_this_week: true, minutes_to_first_ticket: 420},
      {signature: "No orderbook exists for the requested token id", category: "other", requests: "1", users: 0, tickets: 0, new_this_week: true, minutes_to_first_ticket: null},
      {signature: "invalid signature", category: "api_auth", requests: "6", users: 1, tickets: 0, new_this_week: true, minutes_to_first_ticket: null},
      {signature: "not enough balance / allowance", category: "balance_allowance", requests: "2", users: 1, tickets: 0, new_this_week: false, minutes_to_first_ticket: null},
      {signature: TICK, category: "order_validation", requests: "2", users: 1, tickets: 1, new_this_week: false, minutes_to_first_ticket: 660},
      {signature: "order {hash} is invalid. Size ({size}) lower than the minimum: {min}", category: "order_validation", requests: "1", users: 1, tickets: 0, new_this_week: true, minutes_to_first_ticket: null}
    ]);
  });

  test("a ticket is linked within 24 hours after the error and in its category only", async () => {
    const links = await fixture.warehouse.json("SELECT ticket_id, signature, occurrences_before FROM error_signature_tickets ORDER BY ticket_id");
    assert.deepEqual(links, [
      {ticket_id: "T1", signature: TICK, occurrences_before: 2},
      {ticket_id: "T4", signature: "Internal Server Error", occurrences_before: 5},
      {ticket_id: "T5", signature: "'{address}' address banned", occurrences_before: 1}
    ]); // T2 came 25 h after its error, T3 is about a deposit
  });

  test("category trends count every ticket once, by day and by ISO week", async () => {
    const weekly = await fixture.warehouse.json("SELECT week, tier, category, tickets FROM escalation_category_weekly ORDER BY week, category");
    assert.deepEqual(weekly, [
      {week: "2026-W46", tier: "advanced", category: "balance_allowance", tickets: 1},
      {week: "2026-W46", tier: "advanced", category: "deposit_withdrawal", tickets: 1},
      {week: "2026-W46", tier: "VIP", category: "order_validation", tickets: 1},
      {week: "2026-W47", tier: "standard", category: "account_geoblock", tickets: 1},
      {week: "2026-W47", tier: "advanced", category: "api_outage", tickets: 1}
    ]);
    const daily = await fixture.warehouse.json("SELECT strftime(day, '%Y-%m-%d') AS day, sum(tickets)::INTEGER AS n FROM escalation_category_daily GROUP BY day ORDER BY day");
    assert.deepEqual(daily.map((d) => `${d.day}:${d.n}`), ["2026-11-10:1", "2026-11-13:1", "2026-11-14:1", "2026-11-20:1", "2026-11-22:1"]);
  });
});

describe("escalation views on the demo world", () => {
  let world: DemoWorld;
  let warehouse: Warehouse;
  before(async () => {
    world = await demoWorld();
    const {Warehouse} = await import("../loaders/warehouse/connection.ts");
    warehouse = await Warehouse.open(world.db, {readOnly: true});
  });
  after(() => warehouse?.close());

  const linked = async (signature: string) =>
    (await warehouse.json("SELECT ticket_id FROM error_signature_tickets WHERE signature = $s ORDER BY ticket_id", {s: signature})).map((r) => String(r.ticket_id));

  test("each planted root cause's error signature is there with its ticket linked", async () => {
    const expected: Record<string, string[]> = {
      signature_type_mismatch: ["invalid signature"],
      missing_allowance: ["not enough balance / allowance"],
      stale_balance_cache: ["not enough balance / allowance"],
      tick_size_precision: [TICK, "invalid amounts, the buy orders maker amount supports a max accuracy of 4 decimals, taker amount a max of 2 decimals"],
      fok_killed: ["order couldn't be fully filled. FOK orders are fully filled or killed."]
    };
    for (const [code, signatures] of Object.entries(expected)) {
      const cause = world.truth.root_causes.find((c) => c.code === code)!;
      for (const signature of signatures) assert.ok((await linked(signature)).includes(cause.ticket_id), `${code}: ${cause.ticket_id} not linked to "${signature}"`);
    }
  });

  test("the signatures only the planted users hit link exactly their tickets", async () => {
    const ticket = (code: string) => world.truth.root_causes.find((c) => c.code === code)!.ticket_id;
    assert.deepEqual(await linked("invalid signature"), [ticket("signature_type_mismatch")]);
    assert.deepEqual(await linked("invalid amounts, the buy orders maker amount supports a max accuracy of 4 decimals, taker amount a max of 2 decimals"), [ticket("tick_size_precision")]);
  });

  test("the matching-engine restart's tickets are linked to the 425 signature", async () => {
    const restart = world.truth.incidents.find((i) => i.kind === "matching_engine_restart")!;
    const tickets = await linked("the matching engine is restarting, please retry shortly");
    assert.deepEqual(tickets, [...restart.ticket_ids].sort());
    const [row] = await warehouse.json("SELECT requests FROM error_signatures WHERE signature = 'the matching engine is restarting, please retry shortly'");
    assert.equal(Number(row.requests), restart.failed_requests);
  });

  test("the legacy client's invalid order version signature is found with its few users", async () => {
    const [row] = await warehouse.json("SELECT requests, users, category FROM error_signatures WHERE signature = 'invalid order version, please use the latest clob-client'");
    assert.ok(row, "no invalid order version signature");
    assert.equal(row.category, "order_validation");
    assert.ok(Number(row.requests) > 0 && Number(row.users) >= 1 && Number(row.users) <= 5, JSON.stringify(row));
  });

  test("no signature keeps an order hash, address or decimal number", async () => {
    const rows = await warehouse.json("SELECT signature FROM error_signatures WHERE regexp_matches(signature, '0x[0-9a-fA-F]{8,}|[0-9]+\\.[0-9]+')");
    assert.deepEqual(rows, []);
  });

  test("weekly category counts add up to every ticket", async () => {
    const [counts] = await warehouse.json("SELECT (SELECT sum(tickets) FROM escalation_category_weekly)::INTEGER AS weekly, (SELECT sum(tickets) FROM escalation_category_daily)::INTEGER AS daily, (SELECT count(*) FROM tickets)::INTEGER AS tickets");
    assert.equal(counts.weekly, counts.tickets);
    assert.equal(counts.daily, counts.tickets);
  });
});
