// Timed events of the demo world, bucketed by window day so each day is generated and written on
// its own (bounded memory). Requests become REST log lines; chain events become chain actions.
import type {Address} from "viem";
import type {ChainLog} from "./chain-actions.ts";
import type {Market} from "./markets.ts";
import {DAY_MS, WINDOW_START, type SignatureType, type User} from "./world.ts";

export type Route =
  | "GET /book" | "GET /price" | "GET /midpoint" | "GET /tick-size"
  | "GET /balance-allowance" | "GET /balance-allowance/update"
  | "POST /order" | "POST /orders" | "DELETE /order" | "DELETE /cancel-all"
  | "GET /data/orders" | "GET /data/trades" | "POST /v1/heartbeats";

export type OrderType = "GTC" | "GTD" | "FOK" | "FAK";

/** Scripted order parameters; anything left out is chosen like background traffic. */
export interface OrderScript {
  market?: Market;
  outcome?: 0 | 1; // 0 = Yes token, 1 = No token
  side?: "BUY" | "SELL";
  price?: number; // sent as-is, so it may break the tick size
  size?: number; // shares, sent as-is, so it may break amount precision
  orderType?: OrderType;
  signatureType?: SignatureType;
  maker?: Address;
  /** Force the match result: "matched" fills against a market maker, "killed" kills a FOK order. */
  outcomeOverride?: "matched" | "killed";
}

export interface RequestResult {
  requestId: string;
  ts: string;
  status: number;
  error: string | null;
  orderId: string | null;
  txHash: string | null;
  body: unknown;
}

export interface RequestEvent {
  kind: "request";
  at: number;
  user: User;
  route: Route;
  script?: OrderScript;
  /** Called with the logged outcome, so scenarios can cite request ids as evidence. */
  onResult?: (result: RequestResult) => void;
}

export interface ChainEvent {
  kind: "chain";
  at: number;
  run: (chain: ChainLog) => void;
}

export type WorldEvent = RequestEvent | ChainEvent;

/** Day index in the window; negative before WINDOW_START. */
export function dayIndex(at: number): number {
  return Math.floor((at - WINDOW_START) / DAY_MS);
}

export class Schedule {
  private readonly days = new Map<number, {event: WorldEvent; seq: number}[]>();
  private seq = 0;
  private lastTaken = -2;

  add(event: WorldEvent): void {
    // Everything before the window is replayed as one bucket ahead of day 0.
    const day = Math.max(-1, dayIndex(event.at));
    if (day <= this.lastTaken) throw new Error(`demo schedule: event for day ${day} added after that day was generated`);
    let bucket = this.days.get(day);
    if (!bucket) this.days.set(day, (bucket = []));
    bucket.push({event, seq: this.seq++});
  }

  /** Removes and returns a day's events in time order (ties keep insertion order). */
  take(day: number): WorldEvent[] {
    const bucket = this.days.get(day) ?? [];
    this.days.delete(day);
    this.lastTaken = day;
    return bucket.sort((a, b) => a.event.at - b.event.at || a.seq - b.seq).map((x) => x.event);
  }
}
