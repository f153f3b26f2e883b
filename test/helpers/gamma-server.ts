/**
 * A loopback stand-in for the Gamma API's `GET /markets` for loader tests: a bare JSON array of
 * markets in Gamma's shapes (`outcomes`, `outcomePrices`, `clobTokenIds` as JSON-encoded strings),
 * `limit` / `offset` pagination, `order=<field>` with `ascending=true|false`; injected faults: a 429
 * with `Retry-After` or `X-RateLimit-Reset`, and 5xx answers. Every request is recorded.
 */
import {createServer, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";

export type GammaMarket = Record<string, unknown> & {id: string; updatedAt: string};

type Fault = {kind: "429"; header: "retry-after" | "x-ratelimit-reset"; value: string} | {kind: "status"; status: number};

export interface GammaRequest {
  path: string;
  query: Record<string, string>;
  status: number;
}

/** A Gamma market (binary Yes/No) with the given id and updatedAt; `overrides` replace fields. */
export function gammaMarket(n: number, updatedAt: string, overrides: Record<string, unknown> = {}): GammaMarket {
  const hex = (prefix: string) => `0x${prefix}${n.toString(16).padStart(64 - prefix.length, "0")}`;
  return {
    id: String(600_000 + n),
    question: `Will test event ${n} happen by December 31, 2026?`,
    conditionId: hex("c0"),
    slug: `will-test-event-${n}-happen`,
    resolutionSource: "https://www.reuters.com",
    endDate: "2026-12-31T12:00:00Z",
    startDate: "2026-09-01T00:00:00Z",
    createdAt: "2026-08-31T18:00:00Z",
    updatedAt,
    description: `This market resolves to "Yes" if test event ${n} happens by December 31, 2026, and to "No" otherwise.`,
    outcomes: "[\"Yes\", \"No\"]",
    outcomePrices: "[\"0.615\", \"0.385\"]",
    volume: "12345.67",
    active: true,
    closed: false,
    archived: false,
    acceptingOrders: true,
    enableOrderBook: true,
    orderPriceMinTickSize: 0.001,
    orderMinSize: 5,
    negRisk: false,
    questionID: hex("9e"),
    clobTokenIds: `["${1000n + BigInt(n) * 2n}", "${1001n + BigInt(n) * 2n}"]`,
    umaResolutionStatus: null,
    umaResolutionStatuses: "[]",
    closedTime: null,
    events: [{id: String(90_000 + n), slug: `test-event-${n}`, title: `Test event ${n}`, negRisk: false, closed: false}],
    ...overrides
  };
}

export class GammaServer {
  readonly requests: GammaRequest[] = [];
  private faults: Fault[] = [];
  private constructor(private readonly server: Server, readonly url: string, public markets: GammaMarket[]) {}

  static async start(markets: GammaMarket[]): Promise<GammaServer> {
    const handlers: ((url: string, response: ServerResponse) => void)[] = [];
    const server = createServer((request, response) => handlers[0](request.url ?? "/", response));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const {port} = server.address() as AddressInfo;
    const gamma = new GammaServer(server, `http://127.0.0.1:${port}`, markets);
    handlers.push((url, response) => gamma.handle(url, response));
    return gamma;
  }

  /** The next requests get these answers, one each, in order. */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  private handle(url: string, response: ServerResponse): void {
    const parsed = new URL(url, this.url);
    const query = Object.fromEntries(parsed.searchParams);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({path: parsed.pathname, query, status});
      response.writeHead(status, {"content-type": "application/json", ...headers});
      response.end(JSON.stringify(body));
    };
    const fault = this.faults.shift();
    if (fault?.kind === "429") return answer(429, {error: "Too Many Requests"}, {[fault.header]: fault.value});
    if (fault?.kind === "status") return answer(fault.status, {error: "Internal Server Error"});
    if (parsed.pathname !== "/markets") return answer(404, {error: "not found"});
    const limit = Math.min(Number(query.limit ?? 20), 500);
    const offset = Number(query.offset ?? 0);
    const field = query.order ?? "id";
    const ascending = query.ascending !== "false";
    const key = (m: GammaMarket) => String(m[field] ?? "");
    const sorted = [...this.markets].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (ascending ? 1 : -1));
    answer(200, sorted.slice(offset, offset + limit));
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
