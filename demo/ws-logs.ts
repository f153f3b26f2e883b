// WebSocket session logs: market- and user-channel sessions with client PINGs every ~10 s, server
// PONGs, and `message` lines aggregating server messages per second. During a silent-feed incident
// sessions stay open and PONGs keep coming, but no `message` line is written.
import type {Market} from "./markets.ts";
import {isTradable} from "./markets.ts";
import {Rng} from "./random.ts";
import type {Incident} from "./scenarios.ts";
import {DAY_MS, WINDOW_START, iso, randomTimeOfDay, type User, type World} from "./world.ts";

export interface WsSession {
  id: string;
  user: User;
  channel: "market" | "user";
  start: number;
  end: number;
  closeCode: number;
  closeReason: string;
  /** A client that PINGs before subscribing is closed with 1008. */
  pingsBeforeSubscribe: boolean;
  markets: Market[];
}

type WsLine = Record<string, unknown> & {ts: string; session_id: string; seq: number};

/** Longest quiet spell on a healthy market-channel session: a price_change is forced after it. */
export const MAX_MARKET_SILENCE_MS = 20_000;
const PING_INTERVAL_MS = 10_000;
const MEDIAN_SESSION_MIN = 6;
/** Average lines per second of a session pair (market: ping + pong + messages; user: ping + pong). */
const LINES_PER_PAIR_SECOND = 0.69;

function sessionId(rng: Rng): string {
  return `ws_${rng.chars("0123456789abcdefghijklmnopqrstuvwxyz", 20)}`;
}

/** A market session and usually a user session opened together by one client. */
export function sessionPair(rng: Rng, user: User, start: number, end: number, markets: Market[], paired: boolean): WsSession[] {
  const close = rng.weighted([[[1000, ""], 60], [[1006, ""], 30], [[1001, "going away"], 10]] as const);
  const base = {user, start, end, closeCode: close[0], closeReason: close[1], pingsBeforeSubscribe: false, markets};
  const market: WsSession = {...base, id: sessionId(rng), channel: "market"};
  return paired ? [market, {...base, id: sessionId(rng), channel: "user", start: start + rng.int(20, 2000)}] : [market];
}

/** The day's background sessions, sized so the day averages the configured line count. */
export function backgroundSessions(world: World, markets: readonly Market[], day: number): WsSession[] {
  const rng = Rng.from(world.seed, "ws-sessions", day);
  const dayStart = WINDOW_START + day * DAY_MS;
  const dayEnd = dayStart + DAY_MS;
  const users = world.users.filter((u) => u.usesWebSocket && u.onboardedAt < dayStart);
  const weights = users.map((u) => [u, u.activeDayProb * u.requestsPerActiveDay] as const);
  const meanSeconds = MEDIAN_SESSION_MIN * 60 * Math.exp(0.5);
  const count = Math.max(1, rng.poisson(world.config.wsLinesPerDay / (LINES_PER_PAIR_SECOND * meanSeconds)));
  const sessions: WsSession[] = [];
  for (let i = 0; i < count; i++) {
    const user = rng.weighted(weights);
    const start = Math.min(randomTimeOfDay(rng, dayStart), dayEnd - 60_000);
    const end = Math.min(dayEnd - 1, start + 10_000 + Math.round(rng.logNormal(MEDIAN_SESSION_MIN, 1) * 60_000));
    const open = markets.filter((m) => isTradable(m, start));
    const subscribed = rng.shuffle([...open]).slice(0, rng.int(1, 4));
    const pair = sessionPair(rng, user, start, end, subscribed, rng.chance(0.7));
    if (rng.chance(0.02)) {
      pair.length = 1;
      pair[0] = {...pair[0], end: start + rng.int(2_000, 9_000), closeCode: 1008, closeReason: "policy violation",
        pingsBeforeSubscribe: true};
    }
    sessions.push(...pair);
  }
  return sessions;
}

/** All lines of the given sessions, ordered by time; silent incidents suppress `message` lines. */
export function sessionLines(seed: number, day: number, sessions: readonly WsSession[], incidents: readonly Incident[]): string[] {
  const rng = Rng.from(seed, "ws-lines", day);
  const silent = incidents.filter((i) => i.kind === "ws_silent_feed");
  const isSilent = (at: number) => silent.some((i) => at >= i.start && at < i.end);
  const all: {at: number; order: number; line: WsLine}[] = [];
  sessions.forEach((s, order) => {
    for (const incident of silent) {
      if (s.start < incident.end && s.end > incident.start) incident.affected.add(s.user.funder);
    }
    const events: {at: number; fields: Record<string, unknown>}[] = [];
    const add = (at: number, fields: Record<string, unknown>) => events.push({at, fields});
    const auth = s.channel === "user";
    add(s.start, {event: "connect", client_ip: s.user.clientIp, api_key: auth ? s.user.apiKey.id : null,
      address: auth ? s.user.eoa : null});
    if (s.pingsBeforeSubscribe) {
      add(s.start + rng.int(200, 1500), {event: "ping"});
    } else {
      const subscribed = s.start + rng.int(50, 400);
      add(subscribed, auth ? {event: "subscribe", markets: s.markets.map((m) => m.conditionId)}
        : {event: "subscribe", assets_ids: s.markets.flatMap((m) => m.tokenIds)});
      if (!auth) add(subscribed + rng.int(30, 120), {event: "message", message_type: "book", count: s.markets.length * 2});
      for (let ping = subscribed + PING_INTERVAL_MS; ping < s.end; ping += PING_INTERVAL_MS + rng.int(-300, 300)) {
        add(ping, {event: "ping"});
        add(ping + rng.int(15, 80), {event: "pong"});
      }
      let lastMessage = subscribed;
      for (let sec = subscribed + 1000; sec < s.end; sec += 1000) {
        const at = sec + rng.int(0, 999);
        if (auth) {
          if (rng.chance(0.012)) add(at, {event: "message", message_type: rng.chance(0.6) ? "order" : "trade", count: rng.int(1, 3)});
          continue;
        }
        if (rng.chance(0.22) || sec - lastMessage >= MAX_MARKET_SILENCE_MS) {
          add(at, {event: "message", message_type: "price_change", count: rng.int(1, 12)});
          lastMessage = sec;
        }
        if (rng.chance(0.03)) add(at + 1, {event: "message", message_type: "last_trade_price", count: 1});
        if (rng.chance(0.0005)) add(at + 2, {event: "message", message_type: "tick_size_change", count: 1});
      }
      for (const m of s.markets) {
        const resolvedAt = m.resolution?.resolvedAt;
        if (!auth && resolvedAt !== undefined && resolvedAt > subscribed && resolvedAt < s.end) {
          add(resolvedAt + rng.int(200, 2000), {event: "message", message_type: "market_resolved", count: 1});
        }
      }
    }
    // A silent feed drops every server message (initial books and market_resolved too). Stable sort keeps
    // same-millisecond events in the order they were produced; nothing follows the close.
    const kept = events.filter((e) => e.at < s.end && !(e.fields.event === "message" && isSilent(e.at)))
      .sort((a, b) => a.at - b.at);
    kept.push({at: s.end, fields: {event: "close", close_code: s.closeCode, close_reason: s.closeReason}});
    kept.forEach((e, seq) => {
      all.push({at: e.at, order, line: {ts: iso(e.at), session_id: s.id, seq, channel: s.channel, ...e.fields}});
    });
  });
  all.sort((a, b) => a.at - b.at || a.order - b.order || a.line.seq - b.line.seq);
  return all.map((x) => JSON.stringify(x.line));
}
