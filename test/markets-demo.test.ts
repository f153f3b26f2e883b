// The demo world's disputed and 50/50 markets through the real loaders (Gamma file, chain replay on
// anvil): timelines, payouts and holders' positions against truth.json; the reply draft; and the
// markets pages in Chromium.
import assert from "node:assert/strict";
import {existsSync, mkdirSync} from "node:fs";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {disputeReply, marketFacts, type MarketFacts} from "../analysis/markets/index.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {CHROMIUM, launchBrowser, problems, type Browser} from "./helpers/browser.ts";
import {demoWorld, type DemoWorld} from "./helpers/demo-world.ts";
import {ROOT, serveDemoSite, type DemoSite} from "./helpers/site.ts";

type Evidence = Record<string, unknown>;

let world: DemoWorld;
let warehouse: Warehouse;
let disputed: {user: string; evidence: Evidence};
let unredeemed: {user: string; evidence: Evidence};

before(async () => {
  world = await demoWorld();
  warehouse = await Warehouse.open(world.db, {readOnly: true});
  const cause = (code: string) => world.truth.root_causes.find((c) => c.code === code)!;
  disputed = cause("disputed_resolution");
  unredeemed = cause("unredeemed_winnings");
});
after(() => warehouse?.close());

const ms = (iso: string) => Date.parse(iso);

test("the disputed market's timeline is the planted one: stages, times, outcomes, payout", async () => {
  const facts = await marketFacts(warehouse, String(disputed.evidence.market_id));
  assert.equal(facts.conditionId, disputed.evidence.condition_id);
  const planted = disputed.evidence.uma_timeline as {event: string; ts: string; outcome: string | null}[];
  // The chain's stages after initialization, without the oracle's settlement and the payout report
  // that come with "resolved".
  const onChain = facts.timeline.filter((s) => ["proposed", "disputed", "reset", "resolved"].includes(s.stage));
  assert.deepEqual(onChain.map((s) => [s.stage, ms(s.at)]), planted.map((p) => [p.event, ms(p.ts)]));
  assert.deepEqual(onChain.filter((s) => s.stage === "proposed" || s.stage === "resolved").map((s) => s.outcome),
    planted.filter((p) => p.outcome).map((p) => p.outcome));
  // Stage durations: 75 min to the first dispute, 5 h to the second proposal, 95 min to the second dispute.
  const minutes = Object.fromEntries(facts.timeline.filter((s) => s.stage !== "initialized").map((s) => [`${s.step}:${s.stage}`, s.stageMinutes]));
  assert.deepEqual(Object.values(minutes).slice(0, 5), [75, 0, 300, 95, (ms(planted[5].ts) - ms(planted[4].ts)) / 60_000]);
  assert.equal(facts.disputes, 2);
  assert.deepEqual(facts.payoutNumerators, disputed.evidence.payout_numerators);
  assert.equal(facts.payoutWords, "NO");
  assert.equal(ms(facts.resolvedAt!), ms(planted[5].ts));
  assert.equal(facts.status, "resolved");
});

test("the 50/50 market pays half a dollar a share; only the two planted markets are disputed or 50-50", async () => {
  const special = await warehouse.all<{market_id: string; disputes: bigint; payout_words: string}>(
    "SELECT market_id, disputes, payout_words FROM market_resolutions WHERE disputes > 0 OR payout_words = '50-50' ORDER BY market_id"
  );
  const fifty = special.find((m) => m.payout_words === "50-50")!;
  assert.deepEqual(special.map((m) => m.market_id).sort(), [String(disputed.evidence.market_id), fifty.market_id].sort());
  const facts = await marketFacts(warehouse, fifty.market_id);
  assert.deepEqual(facts.payoutNumerators, [1, 1]);
  assert.deepEqual(facts.timeline.filter((s) => s.stage === "proposed" || s.stage === "settled").map((s) => s.outcome), ["50-50", "50-50"]);
  const holder = await warehouse.one<{shares: number; payout: number}>(
    "SELECT shares_before_resolution::DOUBLE AS shares, payout_usdc::DOUBLE AS payout FROM market_positions WHERE market_id = $1 AND shares_before_resolution > 0 LIMIT 1",
    [fifty.market_id]
  );
  assert.equal(holder!.payout, Math.floor(holder!.shares * 1e6 / 2) / 1e6);
  // Every market resolved inside the window is resolved on chain with the planted counts.
  const resolved = await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM market_resolutions WHERE status = 'resolved'");
  assert.equal(Number(resolved!.n), 17);
});

test("the disputing user's position: 200 Yes shares before resolution, paying nothing, never redeemed", async () => {
  const facts = await marketFacts(warehouse, String(disputed.evidence.token_id), disputed.user);
  const held = facts.positions.filter((p) => p.sharesBeforeResolution > 0);
  assert.deepEqual(held.map((p) => [p.tokenId, p.outcome, p.sharesBeforeResolution, p.payoutUsdc, p.redeemed]),
    [[disputed.evidence.token_id, "Yes", Number(disputed.evidence.shares) / 1e6, 0, false]]);
  assert.ok(held[0].paidUsdc > 0);
  assert.equal(held[0].firstFillTx !== null, true);
});

test("the unredeemed winner's position: the winning shares, their payout, not redeemed, resolved when truth says", async () => {
  const facts = await marketFacts(warehouse, String(unredeemed.evidence.condition_id), unredeemed.user);
  assert.equal(facts.marketId, unredeemed.evidence.market_id);
  assert.equal(ms(facts.resolvedAt!), ms(String(unredeemed.evidence.resolved_at)));
  const shares = Number(unredeemed.evidence.shares) / 1e6;
  const held = facts.positions.filter((p) => p.sharesBeforeResolution > 0);
  assert.deepEqual(held.map((p) => [p.tokenId, p.outcome, p.sharesBeforeResolution, p.sharesNow, p.payoutUsdc, p.redeemed]),
    [[unredeemed.evidence.token_id, unredeemed.evidence.outcome, shares, shares, shares, false]]);
  // Everyone else who held the winning outcome at resolution redeemed it.
  const others = await warehouse.one<{n: bigint}>(
    `SELECT count(*) AS n FROM market_positions WHERE market_id = $1 AND payout_usdc > 0 AND NOT redeemed AND shares_now > 0
       AND trading_wallet <> lower($2) AND address <> lower($2)`,
    [facts.marketId, unredeemed.user]
  );
  assert.equal(Number(others!.n), 0);
});

describe("the reply draft", () => {
  let facts: MarketFacts;
  let draft: string;
  before(async () => {
    facts = await marketFacts(warehouse, String(disputed.evidence.market_id), disputed.user);
    draft = disputeReply(facts, {name: "Sam"});
  });

  test("cites the rules text, the resolution source and the on-chain record", () => {
    assert.ok(draft.includes(facts.rules!), "quotes the rules word for word");
    assert.ok(draft.includes(facts.resolutionSource!));
    assert.ok(draft.includes(facts.resolutionTx!), "names the resolution transaction");
    assert.match(draft, /2026-10-12 16:00 UTC: an outcome of Yes was proposed/);
    assert.match(draft, /resolved NO/);
    assert.match(draft, /200 Yes shares before resolution/);
    assert.match(draft, /^Hi Sam,/);
  });

  test("promises nothing the rules do not give", () => {
    assert.match(draft, /not able to change the outcome or offer compensation/);
    for (const promise of [/we will (refund|reverse|compensate|credit)/i, /you will (receive|get) (a )?(refund|\$)/i, /overturn/i, /guarantee/i])
      assert.doesNotMatch(draft, promise);
  });
});

describe("the markets pages in Chromium", {skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`}, () => {
  let site: DemoSite;
  let browser: Browser;
  const shots = join(ROOT, "test/screenshots");
  before(async () => {
    site = await serveDemoSite();
    browser = await launchBrowser();
    mkdirSync(shots, {recursive: true});
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  test("the index lists every market, searchable, with status, resolution and disputes", async () => {
    const {page, report} = await browser.visit(new URL("markets/?q=verstappen", site.url).href, {screenshot: join(shots, "markets-index.png")});
    assert.deepEqual(problems(report), []);
    const rows = await page.$$eval("table tbody tr", (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent?.trim() ?? "")));
    assert.deepEqual(rows.map((cells) => cells.filter((cell) => cell !== "")), [
      ["Will Max Verstappen win the 2026 Mexico City Grand Prix?", "12 Oct 2026", "resolved", "NO", "2", "15 Oct 2026, 11:50 UTC"]
    ]);
    await page.locator("input[type=search]").fill("");
    await page.waitForFunction(() => document.querySelectorAll("table tbody tr").length >= 25);
    assert.equal(new URL(page.url()).searchParams.get("q"), null);
    const text = await page.textContent("main");
    assert.match(text ?? "", /40 markets: 17 resolved, 1 with at least one dispute/);
  });

  test("a market page shows the timeline and, for the disputing user, the position and a reply to copy", async () => {
    const url = new URL(`markets/${String(disputed.evidence.market_id)}?user=${disputed.user}`, site.url).href;
    const {page, report} = await browser.visit(url, {screenshot: join(shots, "markets-disputed.png")});
    assert.deepEqual(problems(report), []);
    const text = (await page.textContent("main")) ?? "";
    assert.match(text, /Will Max Verstappen win the 2026 Mexico City Grand Prix\?/);
    assert.match(text, /Disputed/);
    assert.match(text, /1 h 15 min|75 min/);
    const box = (await page.textContent(".user-box")) ?? "";
    assert.match(box, /Yes\s*200/);
    assert.match(box, /not able to change the outcome/);
    assert.equal(await page.getByRole("button", {name: "Copy reply"}).count(), 1);
    assert.ok(await page.locator("figure svg, svg").count() > 0, "a timeline chart");
  });
});
