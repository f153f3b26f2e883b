/**
 * A loopback JSON-RPC proxy in front of anvil that behaves like a hosted provider: it refuses
 * wide eth_getLogs ranges (the error texts Infura and Alchemy use), answers HTTP 429 now and then,
 * and can be paused. Anvil itself has no limits, so this is how the tests meet them.
 */
import {createServer, type IncomingMessage, type Server} from "node:http";
import type {AddressInfo} from "node:net";

export interface ProxyOptions {
  /** eth_getLogs spanning more blocks than this gets a range error. */
  maxLogRange?: number;
  /** Every n-th HTTP request gets a 429 (with Retry-After: 0). */
  rateLimitEvery?: number;
}

export interface RpcProxy {
  url: string;
  target: string;
  counts: {requests: number; rangeErrors: number; rateLimited: number};
  close(): Promise<void>;
}

const RANGE_ERRORS = [
  {code: -32005, message: "query returned more than 10000 results"},
  {code: -32602, message: "Log response size exceeded. You can make eth_getLogs requests with up to a 3 block range"},
  {code: -32000, message: "block range too large"}
];

function read(request: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    let body = "";
    request.setEncoding("utf-8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => done(body));
    request.on("error", fail);
  });
}

interface Call {
  id: unknown;
  method: string;
  params: {fromBlock?: string; toBlock?: string}[];
}

export async function startRpcProxy(target: string, options: ProxyOptions = {}): Promise<RpcProxy> {
  const counts = {requests: 0, rangeErrors: 0, rateLimited: 0};
  const server: Server = createServer(async (request, response) => {
    const body = await read(request);
    counts.requests++;
    if (options.rateLimitEvery && counts.requests % options.rateLimitEvery === 0) {
      counts.rateLimited++;
      response.writeHead(429, {"content-type": "text/plain", "retry-after": "0"}).end("Too Many Requests");
      return;
    }
    const parsed = JSON.parse(body) as Call | Call[];
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const tooWide = calls.find((call) => {
      if (call.method !== "eth_getLogs" || options.maxLogRange === undefined) return false;
      const {fromBlock, toBlock} = call.params[0] ?? {};
      if (!fromBlock || !toBlock || toBlock === "latest") return true;
      return Number(toBlock) - Number(fromBlock) + 1 > options.maxLogRange;
    });
    if (tooWide) {
      const error = RANGE_ERRORS[counts.rangeErrors++ % RANGE_ERRORS.length];
      response.writeHead(200, {"content-type": "application/json"}).end(JSON.stringify({jsonrpc: "2.0", id: tooWide.id, error}));
      return;
    }
    try {
      const answer = await fetch(target, {method: "POST", headers: {"content-type": "application/json"}, body});
      response.writeHead(answer.status, {"content-type": "application/json"}).end(await answer.text());
    } catch {
      response.destroy(); // the node is down: the client sees the connection drop
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    target,
    counts,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      })
  };
}
