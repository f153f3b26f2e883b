// The on-chain history the demo world implies (chain/actions.jsonl), with a balance ledger that
// refuses to go negative, so a later replay onto a chain never hits an impossible transfer.
import type {Address} from "viem";
import {ancillaryData, type Market} from "./markets.ts";
import {Rng} from "./random.ts";
import type {Schedule} from "./schedule.ts";
import type {LineSink} from "./sink.ts";
import {ADDR, DAY_MS, HOUR_MS, V2_LAUNCH, WINDOW_DAYS, WINDOW_END, WINDOW_START, hashAddress, iso, type User} from "./world.ts";

export const UNITS = 1_000_000n; // all collateral and outcome tokens have 6 decimals
export const MAX_UINT256 = (1n << 256n) - 1n;

export function symbolOf(asset: Address): "pUSD" | "USDC.e" {
  return asset === ADDR.usdce ? "USDC.e" : "pUSD";
}

/** Whole or fractional collateral amount as 6-decimal integer units. */
export function units(amount: number): bigint {
  return BigInt(Math.round(amount * 1_000_000));
}

interface Base {
  ts: string;
  tx_hash: string;
}
export type ChainAction =
  | (Base & {kind: "deposit" | "withdrawal"; asset: Address; symbol: string; from: Address; to: Address; amount: string})
  | (Base & {kind: "approval"; owner: Address; spender: Address; asset: Address; symbol: string; amount: string})
  | (Base & {
    kind: "fill"; exchange: Address; collateral: Address; condition_id: string; order_hash: string; maker: Address;
    taker: Address; side: "BUY" | "SELL"; token_id: string; maker_amount_filled: string; taker_amount_filled: string;
    fee: string;
  })
  | (Base & {
    kind: "split" | "merge"; stakeholder: Address; collateral: Address; condition_id: string; partition: number[];
    token_ids: string[]; amount: string;
  })
  | (Base & {kind: "uma"; event: string; question_id: string; condition_id: string; outcome: string | null; ancillary_data: string})
  | (Base & {
    kind: "resolution"; condition_id: string; question_id: string; oracle: Address; outcome_slot_count: number;
    payout_numerators: number[];
  })
  | (Base & {
    kind: "redemption"; redeemer: Address; collateral: Address; condition_id: string; index_sets: number[];
    token_ids: string[]; amounts: string[]; payout: string;
  });

/** Balances per (holder, asset); asset is an ERC-20 address or an ERC-1155 position id. */
export class Ledger {
  /** asset -> holder -> balance; holders stay listed after their balance drops to zero. */
  private readonly byAsset = new Map<string, Map<string, bigint>>();

  private accounts(asset: string): Map<string, bigint> {
    let accounts = this.byAsset.get(asset);
    if (!accounts) this.byAsset.set(asset, (accounts = new Map()));
    return accounts;
  }

  /** Everyone who ever held the asset. */
  holders(asset: string): string[] {
    return [...(this.byAsset.get(asset)?.keys() ?? [])];
  }

  balance(holder: string, asset: string): bigint {
    return this.byAsset.get(asset)?.get(holder) ?? 0n;
  }

  credit(holder: string, asset: string, amount: bigint): void {
    const accounts = this.accounts(asset);
    accounts.set(holder, (accounts.get(holder) ?? 0n) + amount);
  }

  debit(holder: string, asset: string, amount: bigint): void {
    const accounts = this.accounts(asset);
    const have = accounts.get(holder) ?? 0n;
    if (have < amount) throw new Error(`demo ledger: ${holder} would overdraw ${asset} (${have} < ${amount})`);
    accounts.set(holder, have - amount);
  }
}

/** Records chain actions and applies them to the ledger at once (generators consult balances while
 *  they run). The file is written in application order and timestamps never go backwards, so a
 *  replay in file order sees exactly the balances the generator saw. */
export class ChainLog {
  readonly ledger = new Ledger();
  /** `${owner}|${spender}` pairs with an ERC-20 approval on record. */
  readonly approvals = new Set<string>();
  /** Transaction of each condition's CTF resolution, for evidence. */
  readonly resolutionTx = new Map<string, string>();
  private pending: ChainAction[] = [];
  private last = 0;

  constructor(private readonly sink: LineSink, private readonly rng: Rng) {}

  txHash(): string {
    return `0x${this.rng.hex(32)}`;
  }

  /** ISO time of an action at `at`, clamped so it is not earlier than the previous action. */
  private time(at: number): string {
    this.last = Math.max(this.last, at);
    return iso(this.last);
  }

  private push<T extends ChainAction>(action: T): T {
    this.pending.push(action);
    return action;
  }

  transfer(kind: "deposit" | "withdrawal", at: number, asset: Address, from: Address, to: Address, amount: bigint) {
    if (kind === "withdrawal") this.ledger.debit(from, asset, amount);
    this.ledger.credit(to, asset, amount);
    return this.push({kind, ts: this.time(at), tx_hash: this.txHash(), asset, symbol: symbolOf(asset), from, to,
      amount: amount.toString()});
  }

  approval(at: number, owner: Address, spender: Address, asset: Address) {
    this.approvals.add(`${owner}|${spender}`);
    return this.push({kind: "approval", ts: this.time(at), tx_hash: this.txHash(), owner, spender, asset,
      symbol: symbolOf(asset), amount: MAX_UINT256.toString()});
  }

  /** One match between a resting maker order and a taker; `side` is the maker's side. */
  fill(at: number, f: {exchange: Address; collateral: Address; conditionId: string; orderHash: string; maker: Address;
    taker: Address; side: "BUY" | "SELL"; tokenId: string; shares: bigint; cost: bigint}) {
    const [makerGives, makerGets] = f.side === "BUY" ? [f.cost, f.shares] : [f.shares, f.cost];
    const [makerAsset, takerAsset] = f.side === "BUY" ? [f.collateral, f.tokenId] : [f.tokenId, f.collateral];
    this.ledger.debit(f.maker, makerAsset, makerGives);
    this.ledger.debit(f.taker, takerAsset, makerGets);
    this.ledger.credit(f.taker, makerAsset, makerGives);
    this.ledger.credit(f.maker, takerAsset, makerGets);
    return this.push({
      kind: "fill", ts: this.time(at), tx_hash: this.txHash(), exchange: f.exchange, collateral: f.collateral,
      condition_id: f.conditionId, order_hash: f.orderHash, maker: f.maker, taker: f.taker, side: f.side,
      token_id: f.tokenId, maker_amount_filled: makerGives.toString(), taker_amount_filled: makerGets.toString(), fee: "0",
    });
  }

  /** Split collateral into a full set of outcome tokens, or merge a full set back. */
  splitOrMerge(kind: "split" | "merge", at: number, stakeholder: Address, collateral: Address, conditionId: string,
    tokenIds: readonly string[], amount: bigint) {
    if (kind === "split") {
      this.ledger.debit(stakeholder, collateral, amount);
      for (const t of tokenIds) this.ledger.credit(stakeholder, t, amount);
    } else {
      for (const t of tokenIds) this.ledger.debit(stakeholder, t, amount);
      this.ledger.credit(stakeholder, collateral, amount);
    }
    return this.push({kind, ts: this.time(at), tx_hash: this.txHash(), stakeholder, collateral, condition_id: conditionId,
      partition: [1, 2], token_ids: [...tokenIds], amount: amount.toString()});
  }

  /** A UMA step of a market's question (`initialized`, `proposed`, `disputed`, `reset`, `resolved`). */
  uma(at: number, event: string, market: Market, outcome: string | null) {
    return this.push({kind: "uma", ts: this.time(at), tx_hash: this.txHash(), event, question_id: market.questionId,
      condition_id: market.conditionId, outcome, ancillary_data: ancillaryData(market)});
  }

  resolution(at: number, conditionId: string, questionId: string, oracle: Address, payouts: number[]) {
    const tx = this.txHash();
    this.resolutionTx.set(conditionId, tx);
    return this.push({kind: "resolution", ts: this.time(at), tx_hash: tx, condition_id: conditionId,
      question_id: questionId, oracle, outcome_slot_count: payouts.length, payout_numerators: payouts});
  }

  /** Redeems every token the holder has in the condition; payout = sum(amount * numerator / denominator). */
  redemption(at: number, redeemer: Address, collateral: Address, conditionId: string, tokenIds: readonly string[],
    payouts: readonly number[]) {
    const denominator = BigInt(payouts.reduce((a, b) => a + b, 0));
    const amounts = tokenIds.map((t) => this.ledger.balance(redeemer, t));
    let payout = 0n;
    tokenIds.forEach((t, i) => {
      this.ledger.debit(redeemer, t, amounts[i]);
      payout += (amounts[i] * BigInt(payouts[i])) / denominator;
    });
    this.ledger.credit(redeemer, collateral, payout);
    return this.push({kind: "redemption", ts: this.time(at), tx_hash: this.txHash(), redeemer, collateral,
      condition_id: conditionId, index_sets: [1, 2], token_ids: [...tokenIds], amounts: amounts.map(String),
      payout: payout.toString()});
  }

  /** Writes everything recorded so far. */
  async flush(): Promise<void> {
    for (const action of this.pending) await this.sink.write(JSON.stringify(action));
    this.pending = [];
  }
}

/** Where deposits come from and withdrawals go (bridges and exchange hot wallets). */
const EXTERNAL = ["bridge relayer", "exchange hot wallet A", "exchange hot wallet B", "onramp provider"].map(
  (label) => hashAddress(`demo external: ${label}`));

export function depositSource(rng: Rng): Address {
  return rng.pick(EXTERNAL);
}

export interface ChainLifeOptions {
  /** Users whose onboarding the scenarios script themselves. */
  customOnboarding: ReadonlySet<User>;
  /** `${funder}|${conditionId}` positions that are never redeemed (the unredeemed-winnings scenario). */
  noRedeem: ReadonlySet<string>;
}

function exchangesFor(era: "v1" | "v2"): Address[] {
  return era === "v1" ? [ADDR.ctfExchangeV1, ADDR.negRiskExchangeV1] : [ADDR.ctfExchangeV2, ADDR.negRiskExchangeV2];
}

/** Deposit plus the exchange approvals a new wallet makes (V1 era: USDC.e, then pUSD after V2 launch). */
export function onboard(chain: ChainLog, at: number, user: User, amount: bigint, rng: Rng, approve = true): ChainAction {
  const era = at < V2_LAUNCH ? "v1" : "v2";
  const asset = era === "v1" ? ADDR.usdce : ADDR.pusd;
  const deposit = chain.transfer("deposit", at, asset, depositSource(rng), user.funder, amount);
  if (approve) for (const ex of exchangesFor(era)) chain.approval(at + rng.int(30, 600) * 1000, user.funder, ex, asset);
  return deposit;
}

/** Schedules the chain life every user and market has regardless of scenarios: onboarding, the
 *  V1 -> V2 collateral move, occasional deposits and withdrawals, UMA steps, resolutions, redemptions. */
export function scheduleChainLife(schedule: Schedule, users: readonly User[], markets: readonly Market[], seed: number,
  options: ChainLifeOptions): void {
  for (const user of users) {
    if (options.customOnboarding.has(user)) continue;
    const rng = Rng.from(seed, "chain-life", user.index);
    schedule.add({kind: "chain", at: user.onboardedAt, run: (chain) => {
      onboard(chain, user.onboardedAt, user, units(user.typicalDeposit), rng);
    }});
    if (user.onboardedAt < V2_LAUNCH) {
      // Moving collateral to V2: withdraw the USDC.e, deposit pUSD, approve the V2 exchanges.
      const at = V2_LAUNCH + rng.int(1, 14 * 24) * HOUR_MS;
      schedule.add({kind: "chain", at, run: (chain) => {
        const held = chain.ledger.balance(user.funder, ADDR.usdce);
        const to = depositSource(rng);
        chain.transfer("withdrawal", at, ADDR.usdce, user.funder, to, held);
        onboard(chain, at + rng.int(5, 90) * 60_000, user, held > 0n ? held : units(user.typicalDeposit), rng);
      }});
    }
    const inWindow = (n: number) => Array.from({length: n}, () => WINDOW_START + rng.int(0, WINDOW_DAYS * 24 - 1) * HOUR_MS
      + rng.int(0, 3_599_999)).filter((at) => at > user.onboardedAt + DAY_MS);
    for (const at of inWindow(rng.poisson(0.5))) {
      schedule.add({kind: "chain", at, run: (chain) => {
        chain.transfer("deposit", at, ADDR.pusd, depositSource(rng), user.funder, units(user.typicalDeposit * rng.float()));
      }});
    }
    for (const at of inWindow(user.scripted ? 0 : rng.poisson(0.3))) {
      schedule.add({kind: "chain", at, run: (chain) => {
        const held = chain.ledger.balance(user.funder, ADDR.pusd);
        const amount = (held * BigInt(rng.int(30, 80))) / 100n;
        if (amount > 0n) chain.transfer("withdrawal", at, ADDR.pusd, user.funder, depositSource(rng), amount);
      }});
    }
  }
  for (const market of markets) {
    // The question is initialized on the UMA adapter when the market is listed.
    schedule.add({kind: "chain", at: market.createdAt, run: (chain) => {
      chain.uma(market.createdAt, "initialized", market, null);
    }});
    const resolution = market.resolution;
    if (!resolution || resolution.resolvedAt > WINDOW_END) continue;
    const rng = Rng.from(seed, "chain-market", market.index);
    for (const step of resolution.uma) {
      schedule.add({kind: "chain", at: step.ts, run: (chain) => {
        chain.uma(step.ts, step.event, market, step.outcome);
      }});
    }
    const at = resolution.resolvedAt + 1000;
    schedule.add({kind: "chain", at, run: (chain) => {
      chain.resolution(at, market.conditionId, market.questionId,
        market.negRisk ? ADDR.negRiskAdapter : ADDR.umaCtfAdapter, resolution.payouts);
      // Holders of a paying token redeem within a few days; losing-only positions are left alone.
      const payers = market.tokenIds.filter((_, i) => resolution.payouts[i] > 0);
      const holders = new Set(payers.flatMap((t) => chain.ledger.holders(t)));
      for (const holder of holders) {
        if (options.noRedeem.has(`${holder}|${market.conditionId}`)) continue;
        const when = at + DAY_MS + rng.int(0, 4 * 24) * HOUR_MS;
        schedule.add({kind: "chain", at: when, run: (c) => {
          if (payers.some((t) => c.ledger.balance(holder, t) > 0n)) {
            c.redemption(when, holder as Address, market.collateral, market.conditionId, market.tokenIds, resolution.payouts);
          }
        }});
      }
    }});
  }
}
