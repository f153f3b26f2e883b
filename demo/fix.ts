// FIX message logs (FIXT.1.1, 1137=9) of a few institutional sessions: logon, heartbeats, orders and
// execution reports, plus an injected sequence gap answered by ResendRequest / SequenceReset-GapFill.
import {isTradable, midPrice, roundToTick, type Market} from "./markets.ts";
import {Rng} from "./random.ts";
import {DAY_MS, WINDOW_START, dayStamp, type User, type World} from "./world.ts";

export const SOH = "\x01";
export const EXCHANGE_COMP_ID = "POLYMARKET";
const HEARTBEAT_MS = 30_000;

type Field = readonly [number, string | number];

/** Byte sum mod 256 as three digits, over everything before the `10=` field (SOH form, ASCII). */
export function fixChecksum(text: string): string {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  return String(sum % 256).padStart(3, "0");
}

/** Frames fields (from 35= on) into a SOH-separated message with BodyLength and CheckSum.
 *  `bodyLengthError` skews the declared BodyLength (used only to plant a malformed record). */
export function frameFix(fields: readonly Field[], bodyLengthError = 0): string {
  const body = fields.map(([tag, value]) => `${tag}=${value}${SOH}`).join("");
  const head = `8=FIXT.1.1${SOH}9=${body.length + bodyLengthError}${SOH}`;
  return `${head}${body}10=${fixChecksum(head + body)}${SOH}`;
}

/** FIX UTCTimestamp, also the log prefix format: YYYYMMDD-HH:MM:SS.sss */
export function fixTime(ms: number): string {
  const s = new Date(ms).toISOString();
  return `${s.slice(0, 4)}${s.slice(5, 7)}${s.slice(8, 10)}-${s.slice(11, 23)}`;
}

interface Msg {
  at: number;
  from: "client" | "server";
  type: string;
  body: Field[];
  /** Sent by the engine (consumes a sequence number) but lost before the wire: not logged. */
  lost?: boolean;
  clOrdId?: string;
}

export type FixReject = "bad_checksum" | "bad_body_length";

export interface FixGapEvidence {
  file: string;
  sender_comp_id: string;
  resend_request_line: number;
  sequence_reset_line: number;
  begin_seq_no: number;
  new_seq_no: number;
  missed_cl_ord_ids: string[];
  gap_at: string;
}

export interface FixDayOptions {
  /** Plant a sequence gap in this user's session at this time. */
  gap?: {user: User; at: number};
  /** Corrupt one heartbeat of this day's file. */
  reject?: FixReject;
}

export interface FixDay {
  file: string;
  lines: string[];
  rejects: {line: number; reason: FixReject}[];
  gap: FixGapEvidence | null;
}

/** Order flow of one session, before heartbeats and sequence numbers. */
function orderFlow(rng: Rng, user: User, start: number, end: number, markets: Market[], burstAt: number | null): Msg[] {
  const msgs: Msg[] = [];
  const comp = user.fix?.senderCompId ?? "";
  let n = 0;
  const order = (at: number, forceFill: boolean, lost: boolean) => {
    const m = rng.pick(markets);
    const side = rng.chance(0.5) ? 1 : 2;
    const qty = Math.max(m.minSize, Math.round(rng.logNormal(200, 0.7)));
    const price = roundToTick(Math.min(0.97, Math.max(0.03, midPrice(m, at))), m.tickSize);
    const tif = forceFill ? 1 : rng.weighted([[1, 70], [4, 15], [3, 10], [6, 5]] as const);
    const clOrdId = `${comp}-${dayStamp(at).replace(/-/g, "")}-${String(++n).padStart(5, "0")}`;
    const orderId = rng.hex(12).toUpperCase();
    const instrument: Field[] = [[55, m.tokenIds[0]], [54, side], [38, qty]];
    const common: Field[] = [...instrument, [44, price]];
    msgs.push({at, from: "client", type: "D", clOrdId, body: [[11, clOrdId], ...instrument, [40, 2], [44, price],
      [59, tif], [60, fixTime(at)]]});
    let t = at + rng.int(2, 12);
    let exec = 0;
    const report = (execType: string, status: string, cum: number, extra: Field[] = []) => {
      msgs.push({at: t, from: "server", type: "8", lost, clOrdId, body: [[37, orderId], [11, clOrdId],
        [17, `${orderId}-${++exec}`], [150, execType], [39, status], ...common, [14, cum], [151, status === "0" ? qty : 0],
        [6, cum ? price : 0], ...extra, [60, fixTime(t)]]});
    };
    report("0", "0", 0);
    if (!forceFill && rng.chance(0.03)) {
      report("8", "8", 0, [[103, 99], [58, "Price breaks minimum tick size rule"]]);
    } else if (tif === 4 && rng.chance(0.5)) {
      t += rng.int(1, 5);
      report("C", "C", 0, [[58, "FOK order not fully filled"]]); // a killed FOK: 39=0 then 39=C
    } else if (forceFill || tif !== 1 || rng.chance(0.45)) {
      t += forceFill || tif !== 1 ? rng.int(1, 40) : Math.round(rng.exponential(40_000));
      if (t < end) report("F", "2", qty, [[31, price], [32, qty]]);
    } else {
      const cancelAt = at + Math.round(rng.exponential(60_000));
      if (cancelAt < end - 1000) {
        const cancelId = `${clOrdId}-C`;
        msgs.push({at: cancelAt, from: "client", type: "F", body: [[11, cancelId], [41, clOrdId], ...instrument,
          [60, fixTime(cancelAt)]]});
        t = cancelAt + rng.int(2, 10);
        if (rng.chance(0.05)) {
          msgs.push({at: t, from: "server", type: "9", body: [[37, orderId], [11, cancelId], [41, clOrdId], [39, "2"],
            [434, 1], [102, 0], [58, "Too late to cancel"]]});
        } else {
          report("4", "4", 0);
        }
      }
    }
  };
  for (let at = start + 2000 + Math.round(rng.exponential(75_000)); at < end - 60_000; at += Math.round(rng.exponential(75_000))) {
    if (burstAt === null || Math.abs(at - burstAt) > 5_000) order(at, false, false);
  }
  // The gap: three orders in quick succession whose acknowledgements and fills never reach the wire.
  if (burstAt !== null) for (let i = 0; i < 3; i++) order(burstAt + i * 400, true, true);
  return msgs;
}

/** Inserts a Heartbeat wherever a side has been silent for HeartBtInt. */
function withHeartbeats(rng: Rng, msgs: Msg[], from: Msg["from"], logon: number, logout: number): Msg[] {
  const times = msgs.filter((m) => m.from === from).map((m) => m.at);
  const beats: Msg[] = [];
  let last = logon;
  for (const next of [...times, logout]) {
    while (next - last > HEARTBEAT_MS) {
      last += HEARTBEAT_MS + rng.int(0, 150);
      if (last < next) beats.push({at: last, from, type: "0", body: []});
    }
    last = Math.max(last, next);
  }
  return beats;
}

function session(rng: Rng, user: User, start: number, end: number, markets: Market[], gapAt: number | null) {
  const fix = user.fix;
  if (!fix) throw new Error("demo: FIX session for a user without FIX credentials");
  const logon: Msg = {at: start, from: "client", type: "A", body: [[98, 0], [108, 30], [141, "Y"], [553, user.apiKey.id],
    [554, fix.password], [1137, 9]]};
  const logonAck: Msg = {at: start + rng.int(3, 10), from: "server", type: "A", body: [[98, 0], [108, 30], [141, "Y"], [1137, 9]]};
  const logout: Msg = {at: end, from: "client", type: "5", body: []};
  const logoutAck: Msg = {at: end + rng.int(3, 10), from: "server", type: "5", body: []};
  const flow = orderFlow(rng, user, start, end, markets, gapAt);
  const core = [logon, logonAck, ...flow, logout, logoutAck];
  const msgs = [...core, ...withHeartbeats(rng, core, "client", logon.at, end), ...withHeartbeats(rng, core, "server",
    logonAck.at, end)].sort((a, b) => a.at - b.at);

  // Sequence numbers per direction. The first server message after the lost run reveals the gap:
  // the client asks for a resend and the exchange answers with a GapFill instead of the reports.
  const out: {at: number; fields: Field[]; role?: "resend" | "gapfill"}[] = [];
  const seq = {client: 1, server: 1};
  let gapBegin = 0;
  let gapSentAt = 0;
  const missed: string[] = [];
  for (const m of msgs) {
    const n = seq[m.from]++;
    if (m.lost) {
      if (!gapBegin) [gapBegin, gapSentAt] = [n, m.at];
      if (m.clOrdId && !missed.includes(m.clOrdId)) missed.push(m.clOrdId);
      continue;
    }
    const [sender, target] = m.from === "client" ? [fix.senderCompId, EXCHANGE_COMP_ID] : [EXCHANGE_COMP_ID, fix.senderCompId];
    out.push({at: m.at, fields: [[35, m.type], [49, sender], [56, target], [34, n], [52, fixTime(m.at)], ...m.body]});
    if (gapBegin && m.from === "server") {
      const resendAt = m.at + rng.int(5, 30);
      out.push({at: resendAt, role: "resend", fields: [[35, "2"], [49, fix.senderCompId], [56, EXCHANGE_COMP_ID],
        [34, seq.client++], [52, fixTime(resendAt)], [7, gapBegin], [16, 0]]});
      const fillAt = resendAt + rng.int(3, 15);
      out.push({at: fillAt, role: "gapfill", fields: [[35, "4"], [49, EXCHANGE_COMP_ID], [56, fix.senderCompId],
        [34, gapBegin], [43, "Y"], [52, fixTime(fillAt)], [122, fixTime(gapSentAt)], [123, "Y"], [36, n]]});
      gapBegin = 0;
    }
  }
  return {out, missed};
}

/** The day's FIX log: every session of FIX users active that day (weekdays), time-ordered. */
export function fixDay(world: World, markets: readonly Market[], day: number, options: FixDayOptions): FixDay {
  const rng = Rng.from(world.seed, "fix", day);
  const dayStart = WINDOW_START + day * DAY_MS;
  const file = `fix/fix-${dayStamp(dayStart)}.log`;
  const weekday = [1, 2, 3, 4, 5].includes(new Date(dayStart).getUTCDay());
  const open = markets.filter((m) => isTradable(m, dayStart + 12 * 3_600_000));
  const all: {at: number; fields: Field[]; role?: string}[] = [];
  let missed: string[] = [];
  const fixUsers = world.users.filter((u) => u.fix);
  for (const user of fixUsers) {
    // Reject days and the gap day always have traffic, whatever the weekday.
    const forced = options.gap?.user === user || (options.reject !== undefined && user === fixUsers[0]);
    if (!forced && !(weekday && rng.chance(0.9))) continue;
    let start = dayStart + (user.fix?.startHour ?? 13) * 3_600_000 + rng.int(0, 40) * 60_000;
    let end = start + rng.int(40, 100) * 60_000;
    const gapAt = options.gap?.user === user ? options.gap.at : null;
    if (gapAt !== null) {
      start = Math.min(start, gapAt - 20 * 60_000);
      end = Math.max(end, gapAt + 40 * 60_000);
    }
    const result = session(rng, user, start, end, open, gapAt);
    if (gapAt !== null) missed = result.missed;
    all.push(...result.out);
  }
  all.sort((a, b) => a.at - b.at);

  // File format varies like real loggers do: `|` or SOH separators, with or without a timestamp prefix.
  const pipes = day % 2 === 0;
  const prefixed = day % 3 !== 0;
  const rejects: FixDay["rejects"] = [];
  const lines = all.map((m, i) => {
    const isHeartbeat = m.fields[0][1] === "0";
    const reject = options.reject && !rejects.length && i >= 10 && isHeartbeat ? options.reject : null;
    let text = frameFix(m.fields, reject === "bad_body_length" ? 3 : 0);
    if (reject === "bad_checksum") {
      const good = Number(text.slice(-4, -1));
      text = `${text.slice(0, -4)}${String((good + 1) % 256).padStart(3, "0")}${SOH}`;
    }
    if (reject) rejects.push({line: i + 1, reason: reject});
    if (pipes) text = text.replaceAll(SOH, "|");
    return prefixed ? `${fixTime(m.at)} : ${text}` : text;
  });
  const lineOf = (role: string) => all.findIndex((m) => m.role === role) + 1;
  const gapFix = options.gap?.user.fix;
  const gapFill = all.find((m) => m.role === "gapfill");
  const gap: FixGapEvidence | null = gapFix && gapFill ? {
    file,
    sender_comp_id: gapFix.senderCompId,
    resend_request_line: lineOf("resend"),
    sequence_reset_line: lineOf("gapfill"),
    begin_seq_no: Number(gapFill.fields.find(([t]) => t === 34)?.[1]),
    new_seq_no: Number(gapFill.fields.find(([t]) => t === 36)?.[1]),
    missed_cl_ord_ids: missed,
    gap_at: new Date(options.gap?.at ?? 0).toISOString(),
  } : null;
  return {file, lines, rejects, gap};
}
