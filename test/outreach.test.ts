// Proactive outreach (075_outreach.sql + analysis/escalations/outreach.ts) on the hand-checked
// fixture: volume and error rates per window, check-in cadence, and the spike list with its playbook.
import assert from "node:assert/strict";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {buildOutreach, loadOutreachConfig, shortWallet, type Outreach} from "../analysis/escalations/outreach.ts";
import {ConfigError} from "../analysis/escalations/config.ts";
import {escalationFixture, FIXTURE_DIR} from "./fixtures/escalations/warehouse.ts";

describe("outreach on the fixture", () => {
  let fixture: Awaited<ReturnType<typeof escalationFixture>>;
  let outreach: Outreach;
  before(async () => {
    fixture = await escalationFixture();
    outreach = await buildOutreach(fixture.warehouse, loadOutreachConfig());
  });
  after(() => fixture.dispose());

  const person = (tier: string) => outreach.portfolio.find((p) => p.tier === tier)!;

  test("the portfolio is the VIP and advanced people, as of the latest request", () => {
    assert.equal(outreach.as_of, "2026-11-22T12:00:00.000Z");
    assert.deepEqual(outreach.portfolio.map((p) => p.tier).sort(), ["VIP", "advanced"]);
  });

  test("volume and error rate over the last 7 days against the 7 before", () => {
    const vip = person("VIP");
    assert.deepEqual(
      [vip.requests_7d, vip.orders_7d, vip.errors_7d, vip.error_rate_7d, vip.requests_prev_7d, vip.errors_prev_7d, vip.error_rate_prev_7d, vip.error_rate_change],
      [7, 7, 6, 0.8571, 2, 2, 1, -0.1429]
    );
    const advanced = person("advanced");
    assert.deepEqual([advanced.requests_7d, advanced.errors_7d, advanced.error_rate_change, advanced.open_tickets], [5, 5, 0, 1]);
  });

  test("the next check-in is the last message either way plus the tier's cadence", () => {
    const vip = person("VIP");
    assert.equal(vip.last_contact_at, "2026-11-10T21:00:00.000Z"); // the agent's reply on T1
    assert.equal(vip.next_check_in_due, "2026-11-17T21:00:00.000Z"); // + 7 days
    assert.equal(vip.check_in_overdue, true);
    const advanced = person("advanced");
    assert.equal(advanced.next_check_in_due, "2026-12-22T08:00:00.000Z"); // T4 + 30 days
    assert.equal(advanced.check_in_overdue, false);
  });

  test("a spike without a ticket since is listed with its signature and playbook; one who wrote in is not", () => {
    assert.equal(outreach.spikes.length, 1); // adv@ spiked too, but opened T4 after the first 500
    const [spike] = outreach.spikes;
    assert.equal(spike.tier, "VIP");
    assert.equal(spike.errors_24h, 6);
    assert.equal(spike.baseline_errors_per_day, 0);
    assert.equal(spike.signature, "invalid signature");
    assert.equal(spike.playbook?.code, "signature_type_mismatch");
    assert.ok(spike.playbook!.customer_message.length > 20);
  });

  test("wallets shorten to 0x1234…abcd", () => {
    assert.equal(shortWallet("0x1111111111111111111111111111111111111111"), "0x1111…1111");
  });

  test("a cadence file without a tier is refused by name", () => {
    assert.throws(() => loadOutreachConfig(join(FIXTURE_DIR, "feedback.json")), ConfigError);
  });
});
