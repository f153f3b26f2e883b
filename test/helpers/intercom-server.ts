/**
 * A loopback stand-in for the Intercom REST API (2.x shapes) for loader tests:
 * - POST /conversations/search: `{query, sort, pagination: {per_page, starting_after}}` with single
 *   or nested AND/OR filters on updated_at / created_at / id (`>` and `<` are "or equal", as
 *   Intercom documents), results sorted by updated_at then id, cursor pagination through an opaque
 *   `pages.next.starting_after`; items are conversation_list_items (no conversation_parts);
 * - GET /conversations/{id}: the full conversation with its parts, or a 404 error.list;
 * - 401 error.list without `Authorization: Bearer <token>`;
 * - X-RateLimit-Limit/-Remaining/-Reset on every answer; injected 429 `rate_limit_exceeded`, 5xx,
 *   dropped connections, requests held open (to kill a client mid-run), requests that never answer
 *   or answer late (client timeouts), and expired search cursors (400 `parameter_invalid`, the
 *   error.list Intercom sends for a bad parameter value; every cursor is unique, so a restarted
 *   search gets fresh ones).
 * Also a generator of synthetic conversations for load tests (writeSyntheticConversations).
 */
import {createWriteStream} from "node:fs";
import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";

type Conversation = Record<string, unknown> & {id: string; updated_at: number};

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body?: unknown;
  status: number;
}

type Fault =
  | {kind: "429"; resetInSeconds: number}
  | {kind: "status"; status: number}
  | {kind: "drop"}
  | {kind: "hold"; onHeld: () => void}
  | {kind: "stall"; answerAfterMs?: number; midBody?: boolean}
  | {kind: "expire"};

interface PendingFault {
  fault: Fault;
  /** Which requests it applies to. */
  match: (method: string, path: string, searchPage: number | undefined) => boolean;
  /** How many more times (Infinity = until cleared). */
  times: number;
}

export const RATE_LIMIT = 10_000;

export class IntercomServer {
  readonly requests: RecordedRequest[] = [];
  readonly conversations = new Map<string, Conversation>();
  /** Every pages.next.starting_after handed out, in order. */
  readonly issuedCursors: string[] = [];
  /** Raw items appended to the first search page (malformed records for quarantine tests). */
  readonly extraItems: unknown[] = [];
  url = "";
  private server?: Server;
  private faults: PendingFault[] = [];
  private held: ServerResponse[] = [];
  private expired = new Set<string>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly token: string,
    conversations: Conversation[] = []
  ) {
    for (const conversation of conversations) this.put(conversation);
  }

  put(conversation: Conversation): void {
    this.conversations.set(String(conversation.id), structuredClone(conversation));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server!.listen(0, "127.0.0.1", done));
    const {port} = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held = [];
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server!.close(() => done()));
    this.server = undefined;
  }

  /** The next `times` matching requests get 429 rate_limit_exceeded with X-RateLimit-Reset = now + resetInSeconds. */
  rateLimit(times: number, resetInSeconds = 7, match: PendingFault["match"] = () => true): void {
    this.faults.push({fault: {kind: "429", resetInSeconds}, match, times});
  }

  /** The next `times` matching requests answer `status` (e.g. 500, 503). */
  fail(times: number, status = 503, match: PendingFault["match"] = () => true): void {
    this.faults.push({fault: {kind: "status", status}, match, times});
  }

  /** The next `times` matching requests lose their connection (a network error for the client). */
  drop(times: number, match: PendingFault["match"] = () => true): void {
    this.faults.push({fault: {kind: "drop"}, match, times});
  }

  /** Search page `page` (1-based, counted per search) never answers; resolves when it is requested. */
  holdSearchPage(page: number): Promise<void> {
    return new Promise((onHeld) =>
      this.faults.push({fault: {kind: "hold", onHeld}, match: (_m, _p, searchPage) => searchPage === page, times: 1})
    );
  }

  /**
   * The next `times` matching requests are accepted and never answered (the client must time out);
   * with `answerAfterMs`, they are answered normally that late (after the client gave up); with
   * `midBody`, the status line, headers and the first bytes of a body go out at once and the rest never.
   */
  stall(times: number, match: PendingFault["match"] = () => true, how: {answerAfterMs?: number; midBody?: boolean} = {}): void {
    this.faults.push({fault: {kind: "stall", ...how}, match, times});
  }

  /** Every cursor handed out so far expires: a search with one answers 400 parameter_invalid. */
  expireCursors(): void {
    for (const cursor of this.issuedCursors) this.expired.add(cursor);
  }

  /**
   * The next `times` requests for search page `page` (2 or later) find every cursor issued so far
   * expired, their own included: as if the client took too long between pages.
   */
  expireCursorAt(page: number, times = 1): void {
    this.faults.push({fault: {kind: "expire"}, match: (_m, _p, searchPage) => searchPage === page, times});
  }

  /** Search requests refused because their starting_after had expired. */
  expiredRequests(): number {
    return this.requests.filter((request) => request.status === 400 && request.path === "/conversations/search").length;
  }

  clearFaults(): void {
    this.faults = [];
  }

  searches(): {query: unknown; pagination: {per_page?: number; starting_after?: string}}[] {
    return this.requests
      .filter((request) => request.path === "/conversations/search")
      .map((request) => request.body as {query: unknown; pagination: {per_page?: number; starting_after?: string}});
  }

  gets(): string[] {
    return this.requests.filter((request) => request.method === "GET").map((request) => request.path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf-8");
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const record: RecordedRequest = {method, path: url.pathname, headers: req.headers, body, status: 0};
    this.requests.push(record);
    const searchPage = url.pathname === "/conversations/search" ? pageNumber(body) : undefined;

    const reset = Math.floor(Date.now() / 1000) + 10;
    const send = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, {
        "Content-Type": "application/json",
        "X-RateLimit-Limit": String(RATE_LIMIT),
        "X-RateLimit-Remaining": String(status === 429 ? 0 : RATE_LIMIT - 1),
        "X-RateLimit-Reset": String(reset),
        ...extra
      });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, code: string, message: string) =>
      send(status, {type: "error.list", request_id: `req-${this.requests.length}`, errors: [{code, message}]});

    if (req.headers.authorization !== `Bearer ${this.token}`) return error(401, "unauthorized", "Access Token Invalid");

    const pending = this.faults.find((candidate) => candidate.times > 0 && candidate.match(method, url.pathname, searchPage));
    if (pending?.fault.kind === "expire") {
      pending.times--;
      this.expireCursors();
    } else if (pending) {
      pending.times--;
      const {fault} = pending;
      if (fault.kind === "429") {
        record.status = 429;
        const resetAt = Math.floor(Date.now() / 1000) + fault.resetInSeconds;
        res.writeHead(429, {
          "Content-Type": "application/json",
          "X-RateLimit-Limit": String(RATE_LIMIT),
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": String(resetAt)
        });
        res.end(JSON.stringify({type: "error.list", request_id: "req-429", errors: [{code: "rate_limit_exceeded", message: "Rate Limit Exceeded"}]}));
        return;
      }
      if (fault.kind === "status") return error(fault.status, "server_error", "Server Error");
      if (fault.kind === "drop") {
        record.status = -1;
        res.socket?.destroy();
        return;
      }
      if (fault.kind === "stall") {
        record.status = -3;
        if (fault.midBody) {
          res.writeHead(200, {"Content-Type": "application/json", "Content-Length": "4096"});
          res.write('{"type": "conversation');
        }
        if (fault.midBody || fault.answerAfterMs === undefined) {
          this.held.push(res);
          return;
        }
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!res.destroyed && !res.socket?.destroyed) this.answer(method, url, body, send, error);
          record.status = -3; // recorded as stalled: the client had given up by then
        }, fault.answerAfterMs);
        this.timers.add(timer);
        return;
      }
      record.status = -2;
      this.held.push(res);
      fault.onHeld();
      return;
    }
    this.answer(method, url, body, send, error);
  }

  private answer(
    method: string,
    url: URL,
    body: unknown,
    send: (status: number, payload: unknown) => void,
    error: (status: number, code: string, message: string) => void
  ): void {
    if (method === "POST" && url.pathname === "/conversations/search") return this.search(body, send, error);
    const get = /^\/conversations\/([^/]+)$/.exec(url.pathname);
    if (method === "GET" && get) {
      const conversation = this.conversations.get(decodeURIComponent(get[1]));
      if (!conversation) return error(404, "not_found", "Resource Not Found");
      return send(200, conversation);
    }
    return error(404, "not_found", "Resource Not Found");
  }

  private search(
    body: unknown,
    send: (status: number, payload: unknown) => void,
    error: (status: number, code: string, message: string) => void
  ): void {
    const request = (body ?? {}) as {query?: Filter; pagination?: {per_page?: number; starting_after?: string | null}};
    if (!request.query) return error(400, "parameter_not_found", "query parameter is required");
    const perPage = request.pagination?.per_page ?? 20;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 150) return error(400, "parameter_invalid", "per_page must be 1..150");
    let offset = 0;
    if (request.pagination?.starting_after) {
      if (this.expired.has(request.pagination.starting_after)) {
        return error(400, "parameter_invalid", "starting_after is invalid or has expired");
      }
      try {
        offset = (JSON.parse(Buffer.from(request.pagination.starting_after, "base64").toString("utf-8")) as {offset: number}).offset;
      } catch {
        return error(400, "parameter_invalid", "starting_after is invalid");
      }
    }
    const matched = [...this.conversations.values()]
      .filter((conversation) => matches(conversation, request.query!))
      .sort((a, b) => a.updated_at - b.updated_at || a.id.localeCompare(b.id));
    const slice = matched.slice(offset, offset + perPage);
    const page = Math.floor(offset / perPage) + 1;
    const totalPages = Math.max(1, Math.ceil(matched.length / perPage));
    const next = offset + perPage < matched.length;
    const cursor = Buffer.from(JSON.stringify({offset: offset + perPage, serial: this.issuedCursors.length})).toString("base64");
    if (next) this.issuedCursors.push(cursor);
    const extra = offset === 0 ? this.extraItems : [];
    send(200, {
      type: "conversation.list",
      pages: {
        type: "pages",
        page,
        per_page: perPage,
        total_pages: totalPages,
        ...(next ? {next: {page: page + 1, starting_after: cursor}} : {})
      },
      total_count: matched.length + this.extraItems.length,
      conversations: [
        ...slice.map((conversation) => {
          const item: Record<string, unknown> = {...conversation};
          delete item.conversation_parts;
          return item;
        }),
        ...extra
      ]
    });
  }
}

type Filter = {field?: string; operator?: string; value?: unknown};

function pageNumber(body: unknown): number {
  const after = (body as {pagination?: {starting_after?: string}} | undefined)?.pagination?.starting_after;
  if (!after) return 1;
  try {
    const {offset} = JSON.parse(Buffer.from(after, "base64").toString("utf-8")) as {offset: number};
    const perPage = (body as {pagination: {per_page?: number}}).pagination.per_page ?? 20;
    return Math.floor(offset / perPage) + 1;
  } catch {
    return 0;
  }
}

function matches(conversation: Conversation, filter: Filter): boolean {
  if ((filter.operator === "AND" || filter.operator === "OR") && Array.isArray(filter.value)) {
    const results = (filter.value as Filter[]).map((inner) => matches(conversation, inner));
    return filter.operator === "AND" ? results.every(Boolean) : results.some(Boolean);
  }
  const actual = conversation[filter.field ?? ""];
  const expected = typeof actual === "number" ? Number(filter.value) : String(filter.value);
  switch (filter.operator) {
    case ">":
      return (actual as number) >= (expected as number); // Intercom: "Greater (or equal) than"
    case "<":
      return (actual as number) <= (expected as number);
    case "=":
      return actual === expected;
    case "!=":
      return actual !== expected;
    default:
      return false;
  }
}

const TEXTS = [
  "not enough balance / allowance when I POST /order",
  "my websocket went silent",
  "invalid signature on every order",
  "deposit has not arrived",
  "how do I redeem",
  "HTTP 425 after restart"
];

/** Conversation `i` in the GET /conversations/{id} shape, with `parts` conversation parts. */
export function syntheticConversation(i: number, parts = 8): Record<string, unknown> & {id: string; updated_at: number} {
  const created = Date.UTC(2026, 5, 1) / 1000 + i * 37;
  const user = {type: "user", id: `c${i}`, name: `User ${i}`, email: `user${i}@example.com`};
  const admin = {type: "admin", id: String(991267700 + (i % 40)), name: `Agent ${i % 40}`, email: `agent${i % 40}@exchange.example`};
  const list = Array.from({length: parts}, (_, k) => {
    const at = created + 60 * (k + 1);
    const type = k === parts - 1 ? "close" : k % 3 === 1 ? "note" : "comment";
    return {
      type: "conversation_part", id: `${i}${String(k).padStart(3, "0")}`, part_type: type,
      body: type === "close" ? null : `<p>Reply ${k} about <b>order</b> ${i}. Thanks &amp; regards.</p>`,
      created_at: at, updated_at: at, notified_at: at, assigned_to: null, author: k % 2 ? user : admin, attachments: [],
      external_id: null, redacted: false
    };
  });
  const updated = created + 60 * parts;
  return {
    type: "conversation", id: String(100000 + i), created_at: created, updated_at: updated, waiting_since: null, snoozed_until: null,
    source: {type: "conversation", id: `m${i}`, delivered_as: "customer_initiated", subject: "", body: `<p>${TEXTS[i % TEXTS.length]} (ref ${i})</p>`,
      author: user, attachments: [], url: null, redacted: false},
    contacts: {type: "contact.list", contacts: [{type: "contact", id: `c${i}`, external_id: null}]}, first_contact_reply: null,
    admin_assignee_id: 991267700 + (i % 40), team_assignee_id: 5017691, open: false, state: "closed", read: true,
    tags: {type: "tag.list", tags: i % 4 ? [] : [{type: "tag", id: "1", name: "rate-limit"}]}, priority: "not_priority",
    sla_applied: {type: "conversation_sla_summary", sla_name: "Standard", sla_status: i % 5 ? "hit" : "missed"},
    statistics: {type: "conversation_statistics", time_to_admin_reply: 60, first_admin_reply_at: created + 60, first_close_at: updated,
      last_close_at: updated, count_reopens: 0, count_conversation_parts: parts},
    conversation_rating: i % 3 ? null : {rating: 1 + (i % 5), remark: "ok", created_at: updated},
    teammates: null, title: null, custom_attributes: {Tier: ["VIP", "advanced", "standard"][i % 3], Wallet: `0x${i.toString(16).padStart(40, "0")}`},
    conversation_parts: {type: "conversation_part.list", conversation_parts: list, total_count: list.length}
  };
}

/**
 * JSON lines of `count` synthetic conversations, for load tests:
 *   npx tsx -e 'import("./test/helpers/intercom-server.ts").then((m) => m.writeSyntheticConversations("/tmp/intercom-100k.jsonl", 100000))'
 */
export async function writeSyntheticConversations(path: string, count: number, parts = 8): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${JSON.stringify(syntheticConversation(i, parts))}\n`)) await new Promise<void>((done) => out.once("drain", () => done()));
  }
  await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
}
