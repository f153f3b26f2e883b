// The CLOB REST gateway of the demo world: background request traffic, and a simulated gateway that
// answers each request (validation, balances, matching, incidents) and returns the access-log line.
import {createHmac} from "node:crypto";
import type {Address} from "viem";
import {MAX_UINT256, UNITS, depositSource, units, type ChainLog} from "./chain-actions.ts";
import {isTradable, midPrice, roundToTick, type Market} from "./markets.ts";
import {Rng} from "./random.ts";
import type {OrderScript, OrderType, RequestEvent, RequestResult, Route} from "./schedule.ts";
import type {Incident} from "./scenarios.ts";
import {ADDR, DAY_MS, LEGACY_AGENT, V2_LAUNCH, WINDOW_START, iso, randomTimeOfDay, type User, type World} from "./world.ts";

interface RouteInfo {
  method: "GET" | "POST" | "DELETE";
  path: string;
  auth: boolean; // L2 headers
  latencyMs: number; // median
}

export const ROUTES: Record<Route, RouteInfo> = {
  "GET /book": {method: "GET", path: "/book", auth: false, latencyMs: 9},
  "GET /price": {method: "GET", path: "/price", auth: false, latencyMs: 6},
  "GET /midpoint": {method: "GET", path: "/midpoint", auth: false, latencyMs: 6},
  "GET /tick-size": {method: "GET", path: "/tick-size", auth: false, latencyMs: 5},
  "GET /balance-allowance": {method: "GET", path: "/balance-allowance", auth: true, latencyMs: 22},
  "GET /balance-allowance/update": {method: "GET", path: "/balance-allowance/update", auth: true, latencyMs: 180},
  "POST /order": {method: "POST", path: "/order", auth: true, latencyMs: 38},
  "POST /orders": {method: "POST", path: "/orders", auth: true, latencyMs: 55},
  "DELETE /order": {method: "DELETE", path: "/order", auth: true, latencyMs: 25},
  "DELETE /cancel-all": {method: "DELETE", path: "/cancel-all", auth: true, latencyMs: 40},
  "GET /data/orders": {method: "GET", path: "/data/orders", auth: true, latencyMs: 30},
  "GET /data/trades": {method: "GET", path: "/data/trades", auth: true, latencyMs: 35},
  "POST /v1/heartbeats": {method: "POST", path: "/v1/heartbeats", auth: true, latencyMs: 8},
};

/** Routes that reach the matching engine (a restart answers them with 425). */
export const ORDER_ROUTES: Route[] = ["POST /order", "POST /orders", "DELETE /order", "DELETE /cancel-all"];

const ROUTE_MIX: Record<User["kind"], [Route, number][]> = {
  retail: [["GET /book", 30], ["GET /price", 15], ["GET /midpoint", 5], ["GET /tick-size", 3],
    ["GET /balance-allowance", 12], ["POST /order", 17], ["DELETE /order", 5], ["GET /data/orders", 8],
    ["GET /data/trades", 5]],
  api: [["GET /book", 20], ["GET /midpoint", 10], ["GET /price", 5], ["GET /tick-size", 2],
    ["GET /balance-allowance", 4], ["POST /order", 24], ["POST /orders", 4], ["DELETE /order", 15],
    ["DELETE /cancel-all", 1], ["GET /data/orders", 6], ["GET /data/trades", 3], ["POST /v1/heartbeats", 6]],
  market_maker: [["GET /book", 14], ["GET /midpoint", 5], ["POST /order", 20], ["POST /orders", 14],
    ["DELETE /order", 24], ["DELETE /cancel-all", 2], ["GET /data/orders", 4], ["POST /v1/heartbeats", 17]],
};
const READ_ONLY_MIX = ROUTE_MIX.retail.filter(([r]) => !ORDER_ROUTES.includes(r));
const SESSION_GAP_S: Record<User["kind"], number> = {retail: 15, api: 5, market_maker: 1.5};
const SESSIONS: Record<User["kind"], [number, number]> = {retail: [1, 2], api: [1, 4], market_maker: [2, 6]};

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** ULID-style request id: 10 chars of millisecond time, 16 random chars. */
function requestId(at: number, rng: Rng): string {
  let time = "";
  let t = at;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `req_${time}${rng.chars(CROCKFORD, 16)}`;
}

const CLOUDFLARE_403 = (ray: string) =>
  "<!DOCTYPE html>\n<!--[if lt IE 7]> <html class=\"no-js ie6 oldie\" lang=\"en-US\"> <![endif]-->\n" +
  "<html class=\"no-js\" lang=\"en-US\"><head><title>Attention Required! | Cloudflare</title>" +
  "<meta charset=\"UTF-8\" /><meta name=\"robots\" content=\"noindex, nofollow\" /></head><body>" +
  "<div id=\"cf-wrapper\"><div id=\"cf-error-details\" class=\"cf-error-details-wrapper\">" +
  "<h1 data-translate=\"block_headline\">Sorry, you have been blocked</h1>" +
  "<h2 class=\"cf-subheadline\"><span data-translate=\"unable_to_access\">You are unable to access</span> " +
  "clob.polymarket.com</h2><p data-translate=\"blocked_why_detail\">This website is using a security service to " +
  "protect itself from online attacks.</p><span class=\"cf-footer-item\">Cloudflare Ray ID: " +
  `<strong class="font-semibold">${ray}</strong></span></div></div></body></html>`;

/** Verbatim CLOB error strings (shared/domain.md). */
export const ERR = {
  invalidApiKey: "Unauthorized/Invalid api key",
  invalidSignature: "invalid signature",
  makerNotAllowed: "maker address not allowed, please use the deposit wallet flow",
  orderVersion: "invalid order version, please use the latest clob-client",
  balance: "not enough balance / allowance",
  postOnlyCrosses: "invalid post-only order: order crosses book",
  invalidExpiration: "invalid expiration",
  fokKilled: "order couldn't be fully filled. FOK orders are fully filled or killed.",
  fakNoMatch: "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
  delayed: "order match delayed due to market conditions",
  tradingDisabled: "Trading is currently disabled. Check polymarket.com for updates",
  tooMany: "Too Many Requests",
  amountsPrecision: "invalid amounts, the buy orders maker amount supports a max accuracy of 4 decimals, taker amount a max of 2 decimals",
  noOrderbook: "No orderbook exists for the requested token id",
  internal: "Internal Server Error",
  restarting: "the matching engine is restarting, please retry shortly",
  tickSize: (id: string, price: string, tick: number) => `order ${id} is invalid. Price (${price}) breaks minimum tick size rule: ${tick}`,
  minSize: (id: string, size: string, min: number) => `order ${id} is invalid. Size (${size}) lower than the minimum: ${min}`,
  duplicated: (id: string) => `order ${id} is invalid. Duplicated.`,
} as const;

export interface RestLine {
  ts: string;
  request_id: string;
  method: string;
  path: string;
  query: string;
  status: number;
  latency_ms: number;
  client_ip: string;
  user_agent: string;
  headers: Record<string, string>;
  request_body: unknown;
  response_body: unknown;
}

interface Reply {
  status: number;
  body: unknown;
  orderId?: string;
  txHash?: string;
}

interface OrderOutcome extends Reply {
  error: string | null;
}

/** Stale balance-allowance cache (scenario): the CLOB reports `cached` until the user calls /update. */
export interface StaleCache {
  cached: bigint;
  refreshed: boolean;
}

export interface GatewayOptions {
  incidents: readonly Incident[];
  staleCache: ReadonlyMap<User, StaleCache>;
}

function error(status: number, message: string): OrderOutcome {
  return {status, body: {error: message}, error: message};
}

function fmt(n: number): string {
  return String(Number(n.toFixed(6)));
}

const hmacKeys = new WeakMap<User, Buffer>();

/** Signs like the CLOB clients: HMAC-SHA256 over timestamp + method + path + body, url-safe base64. */
function l2Headers(user: User, at: number, info: RouteInfo, body: string): Record<string, string> {
  const timestamp = String(Math.floor(at / 1000));
  let key = hmacKeys.get(user);
  if (!key) hmacKeys.set(user, (key = Buffer.from(user.apiKey.secret, "base64url")));
  const signature = createHmac("sha256", key).update(timestamp + info.method + info.path + body).digest("base64")
    .replace(/\+/g, "-").replace(/\//g, "_");
  return {POLY_ADDRESS: user.eoa, POLY_API_KEY: user.apiKey.id, POLY_PASSPHRASE: user.apiKey.passphrase,
    POLY_SIGNATURE: signature, POLY_TIMESTAMP: timestamp};
}

export class RestGateway {
  private rng: Rng;
  private readonly liveOrders = new Map<User, string[]>();
  private readonly makers: User[];

  constructor(private readonly world: World, private readonly markets: readonly Market[],
    private readonly chain: ChainLog, private readonly options: GatewayOptions) {
    this.rng = Rng.from(world.seed, "gateway", "init");
    this.makers = world.users.filter((u) => u.kind === "market_maker");
  }

  beginDay(day: number): void {
    this.rng = Rng.from(this.world.seed, "gateway", day);
  }

  /** Answers one request and returns its access-log line. */
  handle(event: RequestEvent): RestLine {
    const {user, route, at} = event;
    const info = ROUTES[route];
    const rng = this.rng;
    const reqId = requestId(at, rng);
    const market = event.script?.market ?? this.pickMarket(user, at);
    const tokenIndex = event.script?.outcome ?? (rng.chance(0.6) ? 0 : 1);
    const token = market.tokenIds[tokenIndex];
    let query = "";
    let requestBody: unknown = null;
    let reply: Reply;

    // Edge failures stop a request before the application: geoblocking (Cloudflare), then, outside
    // incidents and scenarios, rare throttling, auth failures and 500s. Nothing behind them happens.
    const incident = user.geoblocked ? undefined
      : this.options.incidents.find((i) => i.routes.includes(route) && at >= i.start && at < i.end);
    const background = !incident && !user.scripted;
    const edge: Reply | null = user.geoblocked ? {status: 403, body: CLOUDFLARE_403(rng.hex(8))}
      : background && user.kind !== "retail" && rng.chance(0.0006) ? error(429, ERR.tooMany)
        : background && info.auth && rng.chance(0.0004) ? error(401, ERR.invalidApiKey)
          : background && rng.chance(0.0001) ? error(500, ERR.internal) : null;
    const act = (answer: () => Reply): Reply => edge ?? (incident ? this.incidentReply(incident, user, at) : answer());
    switch (route) {
      case "GET /book":
      case "GET /price":
      case "GET /midpoint":
      case "GET /tick-size": {
        // Now and then a client polls a token of a market that has already closed.
        const closed = rng.chance(0.006) ? this.markets.find((m) => !isTradable(m, at) && m.era === "v2" && m.createdAt < at) : undefined;
        const asked = closed ? closed.tokenIds[0] : token;
        query = route === "GET /price" ? `token_id=${asked}&side=${rng.chance(0.5) ? "BUY" : "SELL"}` : `token_id=${asked}`;
        reply = closed ? error(404, ERR.noOrderbook) : this.marketData(route, market, tokenIndex, at);
        break;
      }
      case "GET /balance-allowance":
      case "GET /balance-allowance/update": {
        query = `asset_type=COLLATERAL&signature_type=${user.signatureType}`;
        const stale = this.options.staleCache.get(user);
        if (stale && route === "GET /balance-allowance/update") stale.refreshed = true;
        reply = {status: 200, body: this.balanceAllowance(user)};
        break;
      }
      case "POST /order": {
        const order = this.buildOrder(user, at, market, tokenIndex, event.script);
        requestBody = order.body;
        reply = act(() => this.placeOrder(user, at, order));
        break;
      }
      case "POST /orders": {
        const count = user.kind === "market_maker" ? rng.int(2, 5) : rng.int(2, 3);
        const orders = Array.from({length: count}, () =>
          this.buildOrder(user, at, market, rng.chance(0.5) ? 0 : 1, undefined));
        requestBody = orders.map((o) => o.body);
        reply = act(() => ({status: 200, body: orders.map((o) => this.placeOrder(user, at, o))
          .map((r) => r.error === null ? r.body : {success: false, errorMsg: r.error, orderID: "", status: ""})}));
        break;
      }
      case "DELETE /order": {
        // Mostly cancels one of the user's live orders; sometimes an id that already filled or expired.
        const live = this.liveOrders.get(user) ?? [];
        const known = live.length > 0 && rng.chance(0.92);
        const index = known ? rng.int(0, live.length - 1) : -1;
        const id = known ? live[index] : `0x${rng.hex(32)}`;
        requestBody = {orderID: id};
        reply = act(() => {
          if (known) live.splice(index, 1);
          return {status: 200, body: this.cancelBody([id], !known)};
        });
        break;
      }
      case "DELETE /cancel-all": {
        reply = act(() => {
          const body = this.cancelBody(this.liveOrders.get(user) ?? [], false);
          this.liveOrders.set(user, []);
          return {status: 200, body};
        });
        break;
      }
      case "GET /data/orders": {
        query = `market=${market.conditionId}`;
        const live = (this.liveOrders.get(user) ?? []).slice(-5);
        reply = {status: 200, body: {data: live.map((id) => ({id, status: "LIVE", market: market.conditionId})),
          next_cursor: "LTE=", limit: 100, count: live.length}};
        break;
      }
      case "GET /data/trades":
        query = `maker_address=${user.funder}`;
        reply = {status: 200, body: {data: [], next_cursor: "LTE=", limit: 100, count: 0}};
        break;
      case "POST /v1/heartbeats": {
        const id = rng.uuid();
        requestBody = {heartbeat_id: id};
        reply = {status: 200, body: {heartbeat_id: id}};
        break;
      }
    }

    if (edge) reply = edge;

    const bodyText = requestBody === null ? "" : JSON.stringify(requestBody);
    const line: RestLine = {
      ts: iso(at),
      request_id: reqId,
      method: info.method,
      path: info.path,
      query,
      status: reply.status,
      latency_ms: this.latency(info, reply.status),
      client_ip: user.clientIp,
      user_agent: user.legacyClientUntil !== null && at < user.legacyClientUntil ? LEGACY_AGENT : user.userAgent,
      headers: info.auth ? l2Headers(user, at, info, bodyText) : {},
      request_body: requestBody,
      response_body: reply.body,
    };
    event.onResult?.(this.result(line, reply));
    return line;
  }

  private result(line: RestLine, reply: Reply): RequestResult {
    const body = reply.body as {error?: string} | string;
    return {
      requestId: line.request_id,
      ts: line.ts,
      status: line.status,
      error: typeof body === "object" && body !== null && typeof body.error === "string" ? body.error : null,
      orderId: reply.orderId ?? null,
      txHash: reply.txHash ?? null,
      body: reply.body,
    };
  }

  private cancelBody(ids: string[], unknown: boolean): Record<string, unknown> {
    return unknown
      ? {canceled: [], not_canceled: Object.fromEntries(ids.map((id) => [id, "Order not found or already canceled"]))}
      : {canceled: ids, not_canceled: {}};
  }

  private latency(info: RouteInfo, status: number): number {
    const base = status === 425 || status === 403 ? 2 : status >= 500 ? 4000 : info.latencyMs;
    return Math.round(this.rng.logNormal(base, status >= 500 ? 0.9 : 0.45) * 10) / 10;
  }

  private incidentReply(incident: Incident, user: User, at: number): OrderOutcome {
    incident.affected.add(user.funder);
    incident.failedRequests++;
    if (incident.kind === "matching_engine_restart") {
      return {status: 425, body: {error: ERR.restarting, retry_after_seconds: Math.max(1, Math.ceil((incident.end - at) / 1000))},
        error: ERR.restarting};
    }
    // The outage starts as 500s; later the exchange flips trading off and answers 503.
    const disabled = at >= incident.start + (incident.end - incident.start) * 0.6;
    return disabled ? error(503, ERR.tradingDisabled) : error(500, ERR.internal);
  }

  private pickMarket(user: User, at: number): Market {
    const open = this.markets.filter((m) => isTradable(m, at));
    // Each user sticks to a few favourite markets: a stable offset into the open list plus a little spread.
    return open[(user.index * 7 + this.rng.int(0, 2) * (1 + (user.index % 5))) % open.length];
  }

  private marketData(route: Route, market: Market, tokenIndex: number, at: number): Reply {
    const yes = midPrice(market, at);
    const mid = tokenIndex === 0 ? yes : roundToTick(1 - yes, market.tickSize);
    const tick = market.tickSize;
    switch (route) {
      case "GET /price":
        return {status: 200, body: {price: fmt(Math.min(1 - tick, mid + tick))}};
      case "GET /midpoint":
        return {status: 200, body: {mid: fmt(mid)}};
      case "GET /tick-size":
        return {status: 200, body: {minimum_tick_size: tick}};
      default: {
        const level = (k: number) => ({price: fmt(roundToTick(Math.min(1 - tick, Math.max(tick, mid + k * tick)), tick)),
          size: String(this.rng.int(5, 5000))});
        return {status: 200, body: {
          market: market.conditionId, asset_id: market.tokenIds[tokenIndex], timestamp: String(at),
          hash: `0x${this.rng.hex(20)}`, bids: [level(-3), level(-2), level(-1)], asks: [level(3), level(2), level(1)],
          min_order_size: String(market.minSize), tick_size: String(tick), neg_risk: market.negRisk,
        }};
      }
    }
  }

  private availableCollateral(user: User): bigint {
    const stale = this.options.staleCache.get(user);
    return stale && !stale.refreshed ? stale.cached : this.chain.ledger.balance(user.funder, ADDR.pusd);
  }

  private approved(user: User, exchange: Address): boolean {
    return this.chain.approvals.has(`${user.funder}|${exchange}`);
  }

  private balanceAllowance(user: User): Record<string, unknown> {
    const allowance = (ex: Address) => (this.approved(user, ex) ? MAX_UINT256.toString() : "0");
    return {balance: this.availableCollateral(user).toString(),
      allowances: {[ADDR.ctfExchangeV2]: allowance(ADDR.ctfExchangeV2), [ADDR.negRiskExchangeV2]: allowance(ADDR.negRiskExchangeV2)}};
  }

  /** Chooses and encodes an order (V1 shape for legacy clients or before V2 launch, V2 otherwise). */
  private buildOrder(user: User, at: number, market: Market, tokenIndex: number, script: OrderScript | undefined) {
    const rng = this.rng;
    const tokenId = market.tokenIds[tokenIndex];
    const held = this.chain.ledger.balance(user.funder, tokenId) / UNITS;
    const side = script?.side ?? (held >= market.minSize && rng.chance(0.45) ? "SELL" : "BUY");
    const tick = market.tickSize;
    const yes = midPrice(market, at);
    const mid = tokenIndex === 0 ? yes : 1 - yes;
    const onTick = roundToTick(Math.min(1 - tick, Math.max(tick, mid + (side === "BUY" ? 1 : -1) * rng.int(0, 2) * tick)), tick);
    // Background clients occasionally send a price between ticks.
    const price = script?.price ?? (!user.scripted && rng.chance(0.006) ? onTick + tick / 2 : onTick);
    const typical = {retail: 25, api: 120, market_maker: 300}[user.kind];
    let size = script?.size ?? Math.max(market.minSize, Math.round(rng.logNormal(typical, 0.8)));
    if (!script?.size && side === "SELL") size = Math.min(size, Number(held));
    if (!script?.size && !user.scripted && rng.chance(0.006)) size = Math.max(1, market.minSize - rng.int(1, 4));
    const orderType: OrderType = script?.orderType ?? rng.weighted([["GTC", 75], ["GTD", 10], ["FOK", 10], ["FAK", 5]] as const);
    const postOnly = (orderType === "GTC" || orderType === "GTD") && user.kind === "market_maker" && rng.chance(0.3);
    const shares = BigInt(Math.round(size * 1e6));
    const cost = BigInt(Math.round(price * size * 1e6));
    const [makerAmount, takerAmount] = side === "BUY" ? [cost, shares] : [shares, cost];
    const signatureType = script?.signatureType ?? user.signatureType;
    const common = {salt: rng.int(1, 2 ** 31), maker: script?.maker ?? user.funder, signer: user.eoa};
    const expiration = orderType === "GTD" ? String(Math.floor(at / 1000) + rng.int(120, 86_400)) : "0";
    const v1 = at < V2_LAUNCH || (user.legacyClientUntil !== null && at < user.legacyClientUntil);
    const amounts = {tokenId, makerAmount: makerAmount.toString(), takerAmount: takerAmount.toString()};
    const order = v1
      ? {...common, taker: "0x0000000000000000000000000000000000000000", ...amounts, expiration, nonce: "0",
        feeRateBps: "0", side, signatureType, signature: `0x${rng.hex(65)}`}
      : {...common, ...amounts, side, signatureType, timestamp: String(at), expiration,
        metadata: `0x${"0".repeat(64)}`, builder: `0x${"0".repeat(64)}`, signature: `0x${rng.hex(65)}`};
    const body: Record<string, unknown> = {order, owner: user.apiKey.id, orderType};
    if (postOnly) body.postOnly = true;
    return {body, market, tokenIndex, side, price, size, shares, cost, makerAmount, takerAmount, orderType, postOnly,
      signatureType, v1, orderId: `0x${rng.hex(32)}`, script};
  }

  /** Validates, checks funds and matches one order, applying fills to the chain. */
  private placeOrder(user: User, at: number, o: ReturnType<RestGateway["buildOrder"]>): OrderOutcome {
    const rng = this.rng;
    const {market} = o;
    const background = !user.scripted;
    if (o.v1 && at >= V2_LAUNCH) return error(400, ERR.orderVersion);
    if (o.signatureType !== user.signatureType) {
      return error(400, user.walletType === "deposit_wallet" ? ERR.makerNotAllowed : ERR.invalidSignature);
    }
    const ticks = o.price / market.tickSize;
    if (Math.abs(ticks - Math.round(ticks)) > 1e-6) return error(400, ERR.tickSize(o.orderId, fmt(o.price), market.tickSize));
    // BUY: maker amount (collateral) at most 4 decimals, taker amount (shares) at most 2; SELL the other way round.
    const [collateral, shares] = o.side === "BUY" ? [o.makerAmount, o.takerAmount] : [o.takerAmount, o.makerAmount];
    if (collateral % 100n !== 0n || shares % 10_000n !== 0n) return error(400, ERR.amountsPrecision);
    if (o.size < market.minSize) return error(400, ERR.minSize(o.orderId, fmt(o.size), market.minSize));
    if (background && o.postOnly && rng.chance(0.02)) return error(400, ERR.postOnlyCrosses);
    if (background && rng.chance(0.002)) return error(400, ERR.duplicated(o.orderId));
    if (background && o.orderType === "GTD" && rng.chance(0.02)) return error(400, ERR.invalidExpiration);

    if (!this.approved(user, market.exchange)) return error(400, ERR.balance);
    if (o.side === "BUY" && this.availableCollateral(user) < o.cost) {
      // Background users mostly top up first; a few try anyway and get the balance error.
      if (!background || rng.chance(0.2)) return error(400, ERR.balance);
      const topUp = o.cost * 2n > units(user.typicalDeposit) ? o.cost * 2n : units(user.typicalDeposit);
      this.chain.transfer("deposit", at - rng.int(60, 900) * 1000, ADDR.pusd, depositSource(rng), user.funder, topUp);
    }
    if (o.side === "SELL" && this.chain.ledger.balance(user.funder, market.tokenIds[o.tokenIndex]) < o.shares) {
      return error(400, ERR.balance);
    }

    const forced = o.script?.outcomeOverride;
    if (o.orderType === "FOK" && (forced === "killed" || (!forced && rng.chance(0.08)))) return error(400, ERR.fokKilled);
    if (o.orderType === "FAK" && !forced && rng.chance(0.08)) return error(400, ERR.fakNoMatch);
    const status = forced === "matched" || o.orderType === "FOK" || o.orderType === "FAK" ? "matched"
      : rng.weighted([["matched", 30], ["live", 69], ["delayed", 1]] as const);
    if (status !== "matched") {
      const live = this.liveOrders.get(user) ?? [];
      live.push(o.orderId);
      this.liveOrders.set(user, live.slice(-20));
      return {status: 200, orderId: o.orderId, error: null, body: {success: true,
        errorMsg: status === "delayed" ? ERR.delayed : "", orderID: o.orderId, status, takingAmount: "",
        makingAmount: "", transactionsHashes: []}};
    }
    const txHash = this.fillAgainstMaker(user, at, o);
    return {status: 200, orderId: o.orderId, txHash, error: null, body: {success: true, errorMsg: "", orderID: o.orderId,
      status, takingAmount: o.takerAmount.toString(), makingAmount: o.makerAmount.toString(), transactionsHashes: [txHash]}};
  }

  /** The user's order takes liquidity from a market maker, who splits or tops up as needed. */
  private fillAgainstMaker(user: User, at: number, o: ReturnType<RestGateway["buildOrder"]>): string {
    const rng = this.rng;
    const {market} = o;
    const maker = this.makers[rng.int(0, this.makers.length - 1)];
    const tokenId = market.tokenIds[o.tokenIndex];
    const ledger = this.chain.ledger;
    const ensureCollateral = (need: bigint) => {
      if (ledger.balance(maker.funder, market.collateral) < need) {
        this.chain.transfer("deposit", at - rng.int(60, 600) * 1000, market.collateral, depositSource(rng), maker.funder,
          need + units(maker.typicalDeposit));
      }
    };
    if (o.side === "BUY" && ledger.balance(maker.funder, tokenId) < o.shares) {
      const amount = o.shares > 5000n * UNITS ? o.shares : 5000n * UNITS;
      ensureCollateral(amount);
      this.chain.splitOrMerge("split", at - rng.int(5, 120) * 1000, maker.funder, market.collateral, market.conditionId,
        market.tokenIds, amount);
    }
    if (o.side === "SELL") ensureCollateral(o.cost);
    const fill = this.chain.fill(at + rng.int(800, 3000), {
      exchange: market.exchange, collateral: market.collateral, conditionId: market.conditionId,
      orderHash: `0x${rng.hex(32)}`, maker: maker.funder, taker: user.funder, side: o.side === "BUY" ? "SELL" : "BUY",
      tokenId, shares: o.shares, cost: o.cost,
    });
    // Makers recycle full sets into collateral once both sides pile up, keeping a working inventory.
    const [a, b] = market.tokenIds.map((t) => ledger.balance(maker.funder, t));
    const both = a < b ? a : b;
    if (both > 6_000n * UNITS) {
      this.chain.splitOrMerge("merge", at + rng.int(5, 60) * 1000, maker.funder, market.collateral, market.conditionId,
        market.tokenIds, both - 3_000n * UNITS);
    }
    return fill.tx_hash;
  }
}

/** Scales each user's habits so a day's background traffic averages the configured line count. */
export function requestMultiplier(world: World): number {
  const expected = world.users.reduce((sum, u) => sum + u.activeDayProb * u.requestsPerActiveDay, 0);
  return world.config.restLinesPerDay / expected;
}

/** The day's background requests: each active user runs a few sessions of requests. */
export function backgroundRequests(world: World, day: number, multiplier: number): RequestEvent[] {
  const dayStart = WINDOW_START + day * DAY_MS;
  const dayEnd = dayStart + DAY_MS;
  const events: RequestEvent[] = [];
  for (const user of world.users) {
    const rng = Rng.from(world.seed, "traffic", day, user.index);
    if (user.onboardedAt >= dayEnd || !rng.chance(user.activeDayProb)) continue;
    const total = rng.poisson(user.requestsPerActiveDay * multiplier);
    const [minS, maxS] = SESSIONS[user.kind];
    const sessions = Math.min(total, rng.int(minS, maxS));
    const mix = user.scripted ? READ_ONLY_MIX : ROUTE_MIX[user.kind];
    for (let s = 0; s < sessions; s++) {
      let at = Math.max(randomTimeOfDay(rng, dayStart), user.onboardedAt + 60_000);
      const count = Math.round(total / sessions);
      for (let i = 0; i < count && at < dayEnd; i++) {
        events.push({kind: "request", at, user, route: rng.weighted(mix)});
        at += Math.max(50, Math.round(rng.exponential(SESSION_GAP_S[user.kind] * 1000)));
      }
    }
  }
  return events;
}
