// The injected story of the demo world: three incidents and nine user-level root causes, each with the
// log and chain evidence that supports it and the one ticket that reports it. Everything here is
// recorded in truth.json so the workbench's findings can be checked against it.
import type {Address} from "viem";
import {ADDR, DAY_MS, HOUR_MS, WINDOW_END, WINDOW_START, iso, type User, type World} from "./world.ts";
import {depositSource, onboard, units, type ChainLog, type Ledger} from "./chain-actions.ts";
import type {FixGapEvidence, FixReject} from "./fix.ts";
import type {TicketSpec} from "./intercom.ts";
import {isTradable, midPrice, roundToTick, type Market} from "./markets.ts";
import {Rng} from "./random.ts";
import {ERR, ORDER_ROUTES, type StaleCache} from "./rest-logs.ts";
import type {OrderScript, RequestEvent, RequestResult, Route, Schedule} from "./schedule.ts";
import {pickTicketText, type Category} from "./ticket-text.ts";
import {sessionPair, type WsSession} from "./ws-logs.ts";

export type IncidentKind = "matching_engine_restart" | "order_outage" | "ws_silent_feed";

export interface Incident {
  id: string;
  kind: IncidentKind;
  start: number;
  end: number;
  routes: string[];
  /** Funders whose requests or sessions fell in the window (filled while logs are generated). */
  affected: Set<Address>;
  failedRequests: number;
  ticketIds: string[];
}

export const ROOT_CAUSE_CODES = ["signature_type_mismatch", "missing_allowance", "tick_size_precision",
  "stale_balance_cache", "deposit_to_eoa", "fok_killed", "fix_sequence_gap", "unredeemed_winnings",
  "disputed_resolution"] as const;
export type RootCauseCode = (typeof ROOT_CAUSE_CODES)[number];

export interface Discrepancy {
  user: Address;
  asset: string;
  expected: string;
  actual: string;
}

export interface RootCause {
  code: RootCauseCode;
  user: User;
  ticketAt: number;
  ticketId: string;
  evidence: Record<string, unknown>;
  /** Built after the logs, when the evidence (request ids, transactions) is known. */
  ticket: () => TicketSpec;
  /** Expected vs actual balances at the window end implied by the root cause. */
  discrepancies: (ledger: Ledger) => Discrepancy[];
}

export interface Plan {
  incidents: Incident[];
  rootCauses: RootCause[];
  staleCache: Map<User, StaleCache>;
  customOnboarding: Set<User>;
  noRedeem: Set<string>;
  fixGap: {day: number; user: User; at: number; onEvidence: (e: FixGapEvidence) => void};
  fixRejects: Map<number, FixReject>;
  restRejectDay: number;
  wsRejectDay: number;
  wsSessions: Map<number, WsSession[]>;
}

/** Evidence entry for one logged request. */
function cite(r: RequestResult) {
  return {request_id: r.requestId, ts: r.ts, status: r.status, error: r.error};
}

function dayAt(day: number, hour: number, minute: number): number {
  return WINDOW_START + day * DAY_MS + hour * HOUR_MS + minute * 60_000;
}

/** Picks scenario actors and keeps them apart from each other and from the other special users. */
class Casting {
  private readonly pool: User[];

  constructor(world: World, rng: Rng) {
    this.pool = rng.shuffle(world.users.filter((u) => !u.geoblocked && u.legacyClientUntil === null && u.kind !== "market_maker"));
  }

  take(test: (u: User) => boolean): User {
    const i = this.pool.findIndex(test);
    if (i < 0) throw new Error("demo: no user fits a scenario role");
    const [user] = this.pool.splice(i, 1);
    user.scripted = true;
    return user;
  }

}

/** Ordinary users for incident traffic (never scenario actors, geoblocked users or legacy clients). */
function sample(world: World, rng: Rng, count: number, test: (u: User) => boolean): User[] {
  const fits = world.users.filter((u) => !u.scripted && !u.geoblocked && u.legacyClientUntil === null && test(u));
  return rng.shuffle(fits).slice(0, count);
}

export function planScenarios(world: World, markets: readonly Market[], schedule: Schedule): Plan {
  const rng = Rng.from(world.seed, "scenarios");
  const cast = new Casting(world, rng);
  const preWindow = (u: User) => u.onboardedAt < WINDOW_START - 7 * DAY_MS;
  const plan: Plan = {
    incidents: [],
    rootCauses: [],
    staleCache: new Map(),
    customOnboarding: new Set(),
    noRedeem: new Set(),
    fixGap: {day: 51, user: world.users[0], at: 0, onEvidence: () => undefined}, // set by scenario 7 below
    fixRejects: new Map([[12, "bad_checksum"], [19, "bad_body_length"]]),
    restRejectDay: 9,
    wsRejectDay: 30,
    wsSessions: new Map(),
  };
  const request = (at: number, user: User, route: Route, script?: OrderScript, onResult?: (r: RequestResult) => void) =>
    schedule.add({kind: "request", at, user, route, script, onResult});
  const chainAt = (at: number, run: (chain: ChainLog) => void) => schedule.add({kind: "chain", at, run});
  const tradableOn = (day: number, test: (m: Market) => boolean = () => true) =>
    markets.find((m) => test(m) && isTradable(m, dayAt(day, 0, 0)) && isTradable(m, dayAt(day + 1, 0, 0)));
  const spec = (rc: RootCause, s: Omit<TicketSpec, "user" | "createdAt" | "escalate" | "note" | "mood" | "extraTags">
    & Partial<TicketSpec>): TicketSpec => ({user: rc.user, createdAt: rc.ticketAt, escalate: false, note: null,
    mood: "normal", extraTags: [], ...s});
  const root = (code: RootCauseCode, user: User, ticketAt: number, evidence: Record<string, unknown>): RootCause => {
    const rc: RootCause = {code, user, ticketAt, ticketId: "", evidence, ticket: () => {
      throw new Error(`demo: no ticket for ${code}`);
    }, discrepancies: () => []};
    plan.rootCauses.push(rc);
    return rc;
  };
  /** Scripted order attempts every few minutes, each cited in evidence[key]. */
  const attempts = (rc: RootCause, key: string, from: number, count: number, script: OrderScript) => {
    const cited: ReturnType<typeof cite>[] = [];
    rc.evidence[key] = cited;
    let at = from;
    for (let i = 0; i < count; i++) {
      request(at, rc.user, "POST /order", script, (r) => cited.push(cite(r)));
      at += rng.int(60, 240) * 1000;
    }
    return at;
  };
  const citeOne = (rc: RootCause, key: string) => (r: RequestResult) => {
    rc.evidence[key] = {...cite(r), body: r.body};
  };

  // 1. signature_type_mismatch: a Safe-wallet bot signs with signatureType 0.
  {
    const user = cast.take((u) => u.kind === "api" && u.walletType === "safe" && preWindow(u) && !u.fix);
    const t0 = dayAt(16, 9 + rng.int(0, 3), rng.int(0, 59));
    const rc = root("signature_type_mismatch", user, 0, {wallet_type: user.walletType,
      expected_signature_type: user.signatureType, sent_signature_type: 0, error: ERR.invalidSignature});
    request(t0 - 5 * 60_000, user, "GET /balance-allowance", undefined, citeOne(rc, "balance_request"));
    const last = attempts(rc, "rejected_requests", t0, 14, {signatureType: 0});
    rc.ticketAt = last + rng.int(5, 20) * 60_000;
    const fixedAt = rc.ticketAt + 70 * 60_000;
    rc.evidence.fixed_at = iso(fixedAt);
    attempts(rc, "after_fix_requests", fixedAt, 5, {size: 20, outcomeOverride: "matched"});
    rc.ticket = () => {
      const first = (rc.evidence.rejected_requests as {request_id: string}[])[0];
      return spec(rc, {category: "api_auth", subject: "invalid signature on every order", wallet: user.funder,
        maxFirstReplyMs: 45 * 60_000, firstFollowUpAt: fixedAt + 30 * 60_000,
        message: `Since this morning every order from my bot fails with "${ERR.invalidSignature}". I use py_clob_client ` +
          `with my MetaMask private key and signature_type=0. My Polymarket address is ${user.funder}. ` +
          `One failing request: ${first.request_id}.`,
        followUps: ["Switched to signature_type=2 with that funder and orders go through now. Thanks!"],
        replies: [`Your account trades through a Gnosis Safe (${user.funder}) owned by your key ${user.eoa}. ` +
          "Orders must be signed with signature_type=2 (POLY_GNOSIS_SAFE) and the Safe as funder/maker; " +
          "signature_type=0 only works for plain EOA accounts.", "Great to hear. Closing this one."]});
    };
  }

  // 2. missing_allowance: a new EOA account deposits but never approves the exchange.
  {
    const user = cast.take((u) => u.kind === "api" && u.walletType === "eoa" && !u.fix);
    const t0 = dayAt(26, 11 + rng.int(0, 4), rng.int(0, 59));
    user.onboardedAt = t0;
    plan.customOnboarding.add(user);
    const amount = units(2500);
    const rc = root("missing_allowance", user, t0 + 2 * HOUR_MS, {deposit_amount: amount.toString(),
      allowance_reported: "0", error: ERR.balance});
    chainAt(t0, (chain) => {
      rc.evidence.deposit_tx = onboard(chain, t0, user, amount, rng, false).tx_hash;
    });
    request(t0 + 20 * 60_000, user, "GET /balance-allowance", undefined, citeOne(rc, "balance_request"));
    attempts(rc, "rejected_requests", t0 + 25 * 60_000, 8, {});
    const fixedAt = rc.ticketAt + 90 * 60_000;
    chainAt(fixedAt, (chain) => {
      rc.evidence.approval_txs = [ADDR.ctfExchangeV2, ADDR.negRiskExchangeV2].map(
        (ex, i) => chain.approval(fixedAt + i * 40_000, user.funder, ex, ADDR.pusd).tx_hash);
    });
    rc.evidence.fixed_at = iso(fixedAt);
    attempts(rc, "after_fix_requests", fixedAt + 10 * 60_000, 4, {size: 50, outcomeOverride: "matched"});
    rc.ticket = () => spec(rc, {category: "balance", subject: "Balance is there but orders say not enough balance",
      wallet: user.eoa, maxFirstReplyMs: 60 * 60_000, firstFollowUpAt: fixedAt + 50 * 60_000,
      message: `I deposited 2,500 pUSD to ${user.eoa} (tx ${rc.evidence.deposit_tx}). GET /balance-allowance shows ` +
        `balance 2500000000 but every allowance is "0", and every order fails with "${ERR.balance}".`,
      followUps: ["Approved both exchange contracts, orders work now."],
      replies: ["Your wallet is a plain EOA, so it has to approve the exchange contracts itself before trading: " +
        `approve pUSD for ${ADDR.ctfExchangeV2} and ${ADDR.negRiskExchangeV2} (set_allowances in the client).`,
      "Perfect, you're all set."]});
  }

  // 3. tick_size_precision: prices between ticks and amounts with too many decimals.
  {
    const user = cast.take((u) => u.kind === "api" && preWindow(u) && !u.fix);
    const day = 31;
    const market = tradableOn(day, (m) => m.tickSize === 0.01 && m.role === "normal");
    if (!market) throw new Error("demo: no 0.01-tick market for tick_size_precision");
    const t0 = dayAt(day, 14 + rng.int(0, 3), rng.int(0, 59));
    const onTick = roundToTick(midPrice(market, t0), 0.01);
    const bad = Number((onTick + 0.005).toFixed(3));
    const rc = root("tick_size_precision", user, 0, {market_id: market.id, condition_id: market.conditionId,
      token_id: market.tokenIds[0], tick_size: market.tickSize, rejected_price: String(bad)});
    const script: OrderScript = {market, outcome: 0, side: "BUY", price: bad, size: 40, orderType: "GTC"};
    const mid = attempts(rc, "rejected_requests", t0, 7, script);
    const last = attempts(rc, "precision_rejects", mid, 3, {...script, price: onTick, size: 12.345});
    rc.ticketAt = last + rng.int(5, 15) * 60_000;
    const fixedAt = rc.ticketAt + 80 * 60_000;
    rc.evidence.fixed_at = iso(fixedAt);
    attempts(rc, "after_fix_requests", fixedAt, 4, {...script, price: onTick, size: 40});
    rc.ticket = () => spec(rc, {category: "order_validation", subject: "Orders rejected: tick size / invalid amounts",
      wallet: user.funder, maxFirstReplyMs: 60 * 60_000, firstFollowUpAt: fixedAt + 20 * 60_000,
      message: `Our orders on "${market.question}" are rejected with "${ERR.tickSize("0x…", String(bad), market.tickSize)}" ` +
        `and some with "${ERR.amountsPrecision}". We compute prices from the midpoint.`,
      followUps: ["Rounding to the tick and to 2 decimals on size fixed it."],
      replies: [`This market's tick size is ${market.tickSize}: prices must be multiples of it (GET /tick-size). ` +
        "Sizes may have at most 2 decimals and the collateral amount at most 4.", "Thanks for confirming!"]});
  }

  // 4. stale_balance_cache: a deposit the CLOB's balance cache misses until /balance-allowance/update.
  {
    const user = cast.take((u) => u.kind === "api" && (u.walletType === "proxy" || u.walletType === "safe") && !u.fix);
    const t0 = dayAt(41, 8 + rng.int(0, 4), rng.int(0, 59));
    user.onboardedAt = t0;
    plan.customOnboarding.add(user);
    plan.staleCache.set(user, {cached: 0n, refreshed: false});
    const amount = units(800);
    const rc = root("stale_balance_cache", user, t0 + 90 * 60_000, {deposit_amount: amount.toString(),
      balance_reported: "0", error: ERR.balance});
    chainAt(t0, (chain) => {
      rc.evidence.deposit_tx = onboard(chain, t0, user, amount, rng).tx_hash;
    });
    const stale: ReturnType<typeof cite>[] = [];
    rc.evidence.stale_balance_requests = stale;
    for (const m of [15, 40, 70]) request(t0 + m * 60_000, user, "GET /balance-allowance", undefined, (r) => stale.push(cite(r)));
    attempts(rc, "rejected_requests", t0 + 20 * 60_000, 4, {});
    const fixedAt = rc.ticketAt + 60 * 60_000;
    rc.evidence.fixed_at = iso(fixedAt);
    request(fixedAt, user, "GET /balance-allowance/update", undefined, citeOne(rc, "update_request"));
    request(fixedAt + 20_000, user, "GET /balance-allowance", undefined, citeOne(rc, "fresh_balance_request"));
    attempts(rc, "after_fix_requests", fixedAt + 60_000, 3, {size: 50, outcomeOverride: "matched"});
    rc.ticket = () => spec(rc, {category: "balance", subject: "Deposit arrived but API balance is 0", wallet: user.funder,
      maxFirstReplyMs: 40 * 60_000, firstFollowUpAt: fixedAt + 15 * 60_000,
      message: `I deposited 800 pUSD to ${user.funder} (tx ${rc.evidence.deposit_tx}) and it shows on Polygonscan, but ` +
        `GET /balance-allowance still returns "balance": "0" and orders fail with "${ERR.balance}".`,
      followUps: ["Called the update endpoint, balance shows 800 now and orders fill."],
      replies: ["The CLOB caches balances. Please call GET /balance-allowance/update?asset_type=COLLATERAL once; " +
        "it re-reads your on-chain balance.", "Great, glad it's working."]});
  }

  // 5. deposit_to_eoa: pUSD sent to the EOA instead of the Safe that trades.
  {
    const user = cast.take((u) => u.kind === "retail" && u.walletType === "safe" && preWindow(u));
    const t0 = dayAt(45, 17 + rng.int(0, 3), rng.int(0, 59));
    const amount = units(1200);
    const rc = root("deposit_to_eoa", user, t0 + 3 * HOUR_MS, {amount: amount.toString(), sent_to: user.eoa,
      funder: user.funder});
    chainAt(t0, (chain) => {
      rc.evidence.deposit_tx = chain.transfer("deposit", t0, ADDR.pusd, depositSource(rng), user.eoa, amount).tx_hash;
    });
    const balance: ReturnType<typeof cite>[] = [];
    rc.evidence.balance_requests = balance;
    for (const m of [30, 120]) request(t0 + m * 60_000, user, "GET /balance-allowance", undefined, (r) => balance.push(cite(r)));
    rc.discrepancies = (ledger) => {
      const actual = ledger.balance(user.funder, ADDR.pusd);
      return [{user: user.funder, asset: "pUSD", expected: (actual + amount).toString(), actual: actual.toString()}];
    };
    rc.ticket = () => spec(rc, {category: "deposit_withdrawal", subject: "Deposit of 1,200 pUSD missing", wallet: user.eoa,
      message: `I sent 1,200 pUSD from my exchange account to my wallet ${user.eoa} (tx ${rc.evidence.deposit_tx}) ` +
        "three hours ago. Polygonscan says it succeeded but my Polymarket balance did not change.",
      followUps: ["Oh, I see. How do I move it to the right address?"],
      replies: [`That transfer went to your MetaMask address ${user.eoa}. Your Polymarket funds live in your ` +
        `Polymarket wallet ${user.funder}, so the deposit is not in your trading balance.`,
      "Send the pUSD from your MetaMask address to your Polymarket deposit address shown under Deposit."]});
  }

  // 6. fok_killed: large FOK orders on a thin book are killed.
  {
    const user = cast.take((u) => u.kind === "api" && preWindow(u) && !u.fix && u.typicalDeposit >= 2000);
    const day = 48;
    const market = tradableOn(day, (m) => m.role === "normal" && m.negRisk === false);
    if (!market) throw new Error("demo: no market for fok_killed");
    const t0 = dayAt(day, 15 + rng.int(0, 3), rng.int(0, 59));
    const rc = root("fok_killed", user, 0, {market_id: market.id, condition_id: market.conditionId,
      token_id: market.tokenIds[1], order_type: "FOK", error: ERR.fokKilled});
    const last = attempts(rc, "rejected_requests", t0, 5, {market, outcome: 1, side: "BUY", size: 400, orderType: "FOK",
      outcomeOverride: "killed"});
    rc.ticketAt = last + rng.int(10, 30) * 60_000;
    rc.ticket = () => spec(rc, {category: "order_validation", subject: "FOK orders always killed", wallet: user.funder,
      message: `My FOK buys for 400 shares on "${market.question}" all fail with "${ERR.fokKilled}" although the book ` +
        "shows liquidity at my price.",
      followUps: ["Using FAK now, I get partial fills. Thanks."],
      replies: ["A FOK order must fill completely at once; if the book cannot fill all 400 shares at your limit it is " +
        "killed. Use FAK to accept partial fills or GTC to rest the remainder.", "Happy trading!"]});
  }

  // 7. fix_sequence_gap: execution reports lost; the resend is answered with a GapFill.
  {
    const user = cast.take((u) => u.fix !== null);
    const day = 51;
    const at = dayAt(day, user.fix?.startHour ?? 13, 50 + rng.int(0, 9)) + rng.int(0, 59_999);
    const rc = root("fix_sequence_gap", user, at + 35 * 60_000, {});
    plan.fixGap = {day, user, at, onEvidence: (e) => Object.assign(rc.evidence, e)};
    rc.ticket = () => {
      const e = rc.evidence as unknown as FixGapEvidence;
      return spec(rc, {category: "fix", subject: `FIX ${e.sender_comp_id}: missing execution reports after gap`,
        wallet: user.funder, escalate: true, maxFirstReplyMs: 20 * 60_000,
        note: `Acceptor log ${e.file} lines ${e.resend_request_line}-${e.sequence_reset_line}: GapFill over seq ` +
          `${e.begin_seq_no}..${e.new_seq_no - 1} instead of resending execution reports.`,
        message: `Our FIX session ${e.sender_comp_id} saw MsgSeqNum jump to ${e.new_seq_no}. We sent a ResendRequest ` +
          `(7=${e.begin_seq_no}, 16=0) and got a SequenceReset-GapFill back instead of the execution reports. Orders ` +
          `${e.missed_cl_ord_ids.join(", ")} never got an ExecutionReport on our side but show as filled in the UI.`,
        followUps: ["Can you confirm the fills and their prices?"],
        replies: ["Thanks, we see the gap in the acceptor log and are escalating to engineering.",
          "Engineering confirmed the execution reports were dropped before sending and gap-filled on resend. " +
          "The fills are valid; we attached the fill details and are fixing the resend path."]});
    };
  }

  // 8. unredeemed_winnings: a winning position never redeemed after resolution.
  {
    const market = markets.find((m) => m.role === "normal" && m.era === "v2" && m.resolution !== null
      && m.resolution.resolvedAt < WINDOW_END - 15 * DAY_MS && m.createdAt < m.resolution.resolvedAt - 20 * DAY_MS);
    if (!market?.resolution) throw new Error("demo: no resolved market for unredeemed_winnings");
    const resolution = market.resolution;
    const winner = resolution.payouts[0] > 0 ? 0 : 1;
    const user = cast.take((u) => u.kind === "retail" && preWindow(u) && u.typicalDeposit >= 400);
    const buyAt = resolution.resolvedAt - rng.int(6, 12) * DAY_MS;
    const shares = units(150);
    const rc = root("unredeemed_winnings", user, resolution.resolvedAt + rng.int(4, 9) * DAY_MS, {
      market_id: market.id, condition_id: market.conditionId, token_id: market.tokenIds[winner],
      outcome: winner === 0 ? "Yes" : "No", shares: shares.toString(), resolved_at: iso(resolution.resolvedAt)});
    request(buyAt, user, "POST /order", {market, outcome: winner, side: "BUY", size: 150, orderType: "FOK",
      outcomeOverride: "matched"}, (r) => Object.assign(rc.evidence, {buy_request: cite(r), fill_tx: r.txHash}));
    chainAt(resolution.resolvedAt + 2000, (chain) => {
      rc.evidence.resolution_tx = chain.resolutionTx.get(market.conditionId);
    });
    plan.noRedeem.add(`${user.funder}|${market.conditionId}`);
    rc.discrepancies = (ledger) => {
      const held = ledger.balance(user.funder, market.tokenIds[winner]);
      const cash = ledger.balance(user.funder, ADDR.pusd);
      return [{user: user.funder, asset: market.tokenIds[winner], expected: "0", actual: held.toString()},
        {user: user.funder, asset: "pUSD", expected: (cash + held).toString(), actual: cash.toString()}];
    };
    rc.ticket = () => spec(rc, {category: "positions", subject: "Market resolved, winnings not paid", wallet: user.funder,
      message: `"${market.question}" resolved ${winner === 0 ? "Yes" : "No"} days ago. I hold 150 shares of the winning ` +
        "side but my cash balance did not go up.",
      followUps: [],
      replies: ["Your shares are still in your wallet: winnings are paid when the position is redeemed. Use Claim on " +
        "the portfolio page (it calls redeemPositions on the CTF contract)."]});
  }

  // 9. disputed_resolution: a holder of the losing side of the disputed market complains.
  {
    const market = markets.find((m) => m.role === "disputed");
    if (!market?.resolution) throw new Error("demo: no disputed market");
    const resolution = market.resolution;
    const user = cast.take((u) => u.kind === "retail" && preWindow(u) && u.typicalDeposit >= 400);
    const buyAt = market.endDate - rng.int(3, 8) * DAY_MS;
    const rc = root("disputed_resolution", user, resolution.resolvedAt + rng.int(2, 20) * HOUR_MS, {
      market_id: market.id, condition_id: market.conditionId, token_id: market.tokenIds[0], outcome_held: "Yes",
      final_outcome: "No", payout_numerators: resolution.payouts, shares: units(200).toString(),
      uma_timeline: resolution.uma.map((s) => ({event: s.event, ts: iso(s.ts), outcome: s.outcome}))});
    request(buyAt, user, "POST /order", {market, outcome: 0, side: "BUY", size: 200, orderType: "FOK",
      outcomeOverride: "matched"}, (r) => Object.assign(rc.evidence, {buy_request: cite(r), fill_tx: r.txHash}));
    rc.ticket = () => spec(rc, {category: "resolution", subject: "Dispute: market was proposed YES then flipped to NO",
      wallet: user.funder, mood: "bad", extraTags: ["feedback"],
      message: `"${market.question}" was proposed YES, then disputed and reset, and now resolved NO. I held 200 YES ` +
        "shares. This looks manipulated and I want it reviewed.",
      followUps: ["I still think this is wrong."],
      replies: ["The market went through two UMA disputes: the first reset the question, the second went to the UMA " +
        "token-holder vote, which resolved NO according to the rules text. I attached the timeline.",
      "The vote is final; we've logged your feedback about the rules wording."]});
  }

  planIncidents(world, markets, plan, rng, request);
  return plan;
}

function planIncidents(world: World, markets: readonly Market[], plan: Plan, rng: Rng,
  request: (at: number, user: User, route: Route) => void): void {
  const incident = (id: string, kind: IncidentKind, start: number, durationMs: number, routes: string[]): Incident => {
    const i: Incident = {id, kind, start, end: start + durationMs, routes, affected: new Set(), failedRequests: 0, ticketIds: []};
    plan.incidents.push(i);
    return i;
  };
  const bots = (count: number) => sample(world, rng, count, (u) => u.kind !== "retail" && u.onboardedAt < WINDOW_START);
  const n = (share: number, min: number) => Math.max(min, Math.round(world.users.length * share));

  // Matching-engine restart: order routes answer 425 for a few minutes; bots keep retrying.
  const restart = incident("INC-1", "matching_engine_restart", dayAt(23, 14, rng.int(5, 50)) + rng.int(0, 59_999),
    rng.int(150, 240) * 1000, [...ORDER_ROUTES]);
  for (const bot of bots(n(0.006, 12))) {
    for (let at = restart.start - rng.int(30, 120) * 1000; at < restart.end + rng.int(30, 120) * 1000;
      at += Math.round(rng.exponential(5000)) + 500) {
      request(at, bot, rng.weighted([["POST /order", 60], ["DELETE /order", 25], ["POST /orders", 15]] as const));
    }
  }

  // Order-placement outage: 500s, then 503 "trading disabled"; bots retry, web users try a few times.
  const outage = incident("INC-2", "order_outage", dayAt(38, 16, rng.int(0, 30)), rng.int(30, 45) * 60_000,
    ["POST /order", "POST /orders"]);
  for (const bot of bots(n(0.005, 10))) {
    for (let at = outage.start + rng.int(0, 120_000); at < outage.end; at += Math.round(rng.exponential(25_000)) + 1000) {
      request(at, bot, "POST /order");
    }
  }
  const retail = sample(world, rng, n(0.008, 15), (u) => u.kind === "retail" && u.onboardedAt < WINDOW_START);
  for (const user of retail) {
    for (let k = rng.int(1, 3); k > 0; k--) request(outage.start + rng.int(0, outage.end - outage.start - 1), user, "POST /order");
  }

  // WebSocket silent feed: sessions stay up (PING/PONG) but no messages; some clients reconnect, to no avail.
  const silent = incident("INC-3", "ws_silent_feed", dayAt(53, 13, rng.int(0, 30)), rng.int(45, 70) * 60_000,
    ["WS /ws/market", "WS /ws/user"]);
  const wsUsers = sample(world, rng, n(0.004, 8), (u) => u.usesWebSocket && u.onboardedAt < WINDOW_START);
  const open = markets.filter((m) => isTradable(m, silent.start));
  const sessions: WsSession[] = [];
  for (const user of wsUsers) {
    const subscribed = rng.shuffle([...open]).slice(0, rng.int(1, 4));
    const start = silent.start - rng.int(5, 60) * 60_000;
    const end = silent.end + rng.int(5, 45) * 60_000;
    if (rng.chance(0.3)) {
      const reconnect = silent.start + rng.int(10, 30) * 60_000;
      sessions.push(...sessionPair(rng, user, start, reconnect, subscribed, true)
        .map((s) => ({...s, closeCode: 1000, closeReason: ""})));
      sessions.push(...sessionPair(rng, user, reconnect + rng.int(500, 3000), end, subscribed, true));
    } else {
      sessions.push(...sessionPair(rng, user, start, end, subscribed, true));
    }
  }
  plan.wsSessions.set(53, sessions);
}

/** Retries that bots send when an incident answers their order requests with 425 or 5xx. */
export function incidentRetries(events: readonly RequestEvent[], incidents: readonly Incident[], rng: Rng): RequestEvent[] {
  const retries: RequestEvent[] = [];
  for (const e of events) {
    if (e.user.kind === "retail") continue;
    const hit = incidents.find((i) => i.routes.includes(e.route) && e.at >= i.start && e.at < i.end);
    if (!hit) continue;
    let at = e.at;
    for (let k = 0; k < 5 && at < hit.end; k++) {
      at += rng.int(2000, 6000);
      retries.push({kind: "request", at, user: e.user, route: e.route});
    }
  }
  return retries;
}

/** Tickets from some of the users each incident affected, during or shortly after it. */
export function incidentTickets(world: World, plan: Plan, rng: Rng): {incident: Incident; spec: TicketSpec}[] {
  const byFunder = new Map(world.users.map((u) => [u.funder as string, u]));
  const out: {incident: Incident; spec: TicketSpec}[] = [];
  const config: Record<IncidentKind, {share: number; category: Category; delay: [number, number]}> = {
    matching_engine_restart: {share: 0.3, category: "engine_restart", delay: [1, 40]},
    order_outage: {share: 0.15, category: "api_outage", delay: [5, 90]},
    ws_silent_feed: {share: 0.35, category: "websocket", delay: [15, 120]},
  };
  for (const incident of plan.incidents) {
    const c = config[incident.kind];
    const users = [...incident.affected].map((f) => byFunder.get(f)).filter((u): u is User => !!u && !u.scripted && !u.geoblocked);
    const count = Math.min(users.length, Math.max(3, Math.round(users.length * c.share)));
    for (const user of rng.shuffle(users).slice(0, count)) {
      const text = pickTicketText(rng, c.category, {wallet: user.funder, market: "", amount: ""});
      const time = new Date(incident.start).toISOString().slice(11, 16);
      out.push({incident, spec: {user, createdAt: incident.start + rng.int(c.delay[0], c.delay[1]) * 60_000,
        category: c.category, subject: text.subject, message: `${text.message} It started around ${time} UTC.`,
        followUps: text.followUps, replies: [text.reply], wallet: user.funder, escalate: false, note: null,
        mood: "normal", extraTags: rng.chance(0.3) ? ["bug-report"] : []}});
    }
  }
  return out;
}
