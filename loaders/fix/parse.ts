/**
 * One FIX log line -> a decoded message, or the reason it is rejected.
 *
 * Line shape: optional logger prefix `YYYYMMDD-HH:MM:SS[.sss] : `, then `8=...` with fields split by
 * SOH (0x01) or, when the line holds no SOH, by `|`. BodyLength (9) and CheckSum (10) are checked
 * over the SOH form: 9 = bytes after the 9= field's SOH up to and including the SOH before 10=;
 * 10 = sum of every byte before `10=`, mod 256, as three digits. Unknown tags are kept in `raw`.
 */
import {REDACTED} from "../redact.ts";

export const SOH = "\x01";
export const EXCHANGE_COMP_ID = "POLYMARKET";

export const MSG_TYPE_NAMES: Record<string, string> = {
  "0": "Heartbeat",
  "1": "TestRequest",
  "2": "ResendRequest",
  "3": "Reject",
  "4": "SequenceReset",
  "5": "Logout",
  A: "Logon",
  D: "NewOrderSingle",
  "8": "ExecutionReport",
  F: "OrderCancelRequest",
  G: "OrderCancelReplaceRequest",
  "9": "OrderCancelReject",
  H: "OrderStatusRequest",
  j: "BusinessMessageReject"
};

/** Tags whose values are secrets: Password (554), RawData (96); also NewPassword (925). */
const SECRET_TAGS = new Set([554, 96, 925]);

export interface FixMessage {
  session_id: string;
  direction: "in" | "out";
  seq_num: number;
  sending_time: Date;
  sending_time_us: bigint;
  logged_at: Date | null;
  logged_at_us: bigint | null;
  msg_type: string;
  msg_type_name: string;
  poss_dup: boolean;
  sender_comp_id: string;
  target_comp_id: string;
  username: string | null;
  reset_seq_num: boolean | null;
  heart_bt_int: number | null;
  test_req_id: string | null;
  cl_ord_id: string | null;
  orig_cl_ord_id: string | null;
  order_id: string | null;
  exec_id: string | null;
  symbol: string | null;
  side: string | null;
  order_qty: number | null;
  ord_type: string | null;
  price: number | null;
  time_in_force: string | null;
  ord_status: string | null;
  exec_type: string | null;
  cum_qty: number | null;
  leaves_qty: number | null;
  last_px: number | null;
  last_qty: number | null;
  ord_rej_reason: string | null;
  cxl_rej_reason: string | null;
  text: string | null;
  ref_seq_num: number | null;
  ref_msg_type: string | null;
  session_reject_reason: string | null;
  business_reject_reason: string | null;
  begin_seq_no: number | null;
  end_seq_no: number | null;
  new_seq_no: number | null;
  gap_fill: boolean | null;
  raw: string;
}

export type ParseResult = {message: FixMessage} | {reason: string} | {blank: true};

const PREFIX = /^(\d{8}-\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)\s*:\s*/;
const FIX_TIME = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** FIX UTCTimestamp `YYYYMMDD-HH:MM:SS[.sss...]` -> microseconds since the epoch, or undefined. */
export function parseFixTime(text: string): bigint | undefined {
  const match = FIX_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction = ""] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(ms);
  // Date.UTC rolls 2026-02-31 over to March: reject instead
  if (Number.isNaN(ms) || date.getUTCDate() !== Number(d) || date.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return undefined;
  }
  return BigInt(ms) * 1000n + BigInt((fraction + "000000").slice(0, 6));
}

function byteLength(text: string): number {
  // FIX is ASCII almost always; only pay for UTF-8 counting when needed
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, "utf-8");
  return text.length;
}

function byteSum(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      sum = 0;
      for (const byte of Buffer.from(text, "utf-8")) sum += byte;
      return sum;
    }
    sum += text.charCodeAt(i);
  }
  return sum;
}

/** The checksum field value for everything before `10=` (SOH form). */
export function fixChecksum(beforeChecksum: string): string {
  return String(byteSum(beforeChecksum) % 256).padStart(3, "0");
}

export function parseFixLine(line: string): ParseResult {
  if (line.trim() === "") return {blank: true};
  let rest = line;
  let loggedUs: bigint | null = null;
  const prefix = PREFIX.exec(line);
  if (prefix) {
    const us = parseFixTime(prefix[1]);
    if (us === undefined) return {reason: `invalid_timestamp: logger prefix ${prefix[1]} is not a valid time`};
    loggedUs = us;
    rest = line.slice(prefix[0].length);
  }
  rest = rest.replace(/\s+$/, "");
  if (!rest.startsWith("8=")) {
    return {reason: `unrecognised_record: not a FIX message (expected "8=" after the optional timestamp prefix): ${JSON.stringify(rest.slice(0, 40))}`};
  }
  const separator = rest.includes(SOH) ? SOH : "|";
  const parts = rest.split(separator);
  if (parts[parts.length - 1] === "") parts.pop(); // the separator that ends the message
  const fields: [number, string][] = [];
  for (const part of parts) {
    const eq = part.indexOf("=");
    const tag = eq > 0 ? Number(part.slice(0, eq)) : NaN;
    if (!Number.isInteger(tag) || tag <= 0 || !/^\d+$/.test(part.slice(0, eq))) {
      return {reason: `unrecognised_record: field ${JSON.stringify(part.slice(0, 40))} is not tag=value`};
    }
    fields.push([tag, part.slice(eq + 1)]);
  }

  // framing over the SOH form
  if (fields.length < 3 || fields[1][0] !== 9) return {reason: "bad_body_length: BodyLength (9) is not the second field"};
  const last = fields[fields.length - 1];
  if (last[0] !== 10) return {reason: "bad_checksum: CheckSum (10) is not the last field (message truncated?)"};
  const head = `8=${fields[0][1]}${SOH}9=${fields[1][1]}${SOH}`;
  const body = fields
    .slice(2, -1)
    .map(([tag, value]) => `${tag}=${value}${SOH}`)
    .join("");
  const declaredLength = fields[1][1];
  const actualLength = byteLength(body);
  if (!/^\d+$/.test(declaredLength) || Number(declaredLength) !== actualLength) {
    return {reason: `bad_body_length: BodyLength (9) declares ${declaredLength}, the body has ${actualLength} bytes`};
  }
  const expectedChecksum = fixChecksum(head + body);
  if (last[1] !== expectedChecksum) {
    return {reason: `bad_checksum: CheckSum (10) is ${last[1]}, the bytes sum to ${expectedChecksum}`};
  }

  const tags = new Map<number, string>();
  for (const [tag, value] of fields) if (!tags.has(tag)) tags.set(tag, value); // repeating groups: first value
  const missing = [35, 49, 56, 34, 52].filter((tag) => !tags.get(tag));
  if (missing.length) return {reason: `missing_field: ${missing.map((tag) => `${tag} (${HEADER_NAMES[tag]})`).join(", ")}`};
  const seqText = tags.get(34)!;
  if (!/^\d+$/.test(seqText) || Number(seqText) < 1) return {reason: `wrong_type: MsgSeqNum (34) ${JSON.stringify(seqText)} is not a positive integer`};
  const sendingUs = parseFixTime(tags.get(52)!);
  if (sendingUs === undefined) return {reason: `invalid_timestamp: SendingTime (52) ${JSON.stringify(tags.get(52))} is not YYYYMMDD-HH:MM:SS[.sss]`};
  const sender = tags.get(49)!;
  const target = tags.get(56)!;
  let direction: "in" | "out";
  let session: string;
  if (target === EXCHANGE_COMP_ID && sender !== EXCHANGE_COMP_ID) [direction, session] = ["in", sender];
  else if (sender === EXCHANGE_COMP_ID && target !== EXCHANGE_COMP_ID) [direction, session] = ["out", target];
  else return {reason: `unrecognised_record: neither or both of SenderCompID ${sender} and TargetCompID ${target} are ${EXCHANGE_COMP_ID}`};

  const text = (tag: number) => tags.get(tag) ?? null;
  const number = (tag: number) => {
    const value = tags.get(tag);
    if (value === undefined || value === "") return null;
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  };
  const integer = (tag: number) => {
    const value = number(tag);
    return value !== null && Number.isSafeInteger(value) ? value : null;
  };
  const flag = (tag: number) => (tags.has(tag) ? tags.get(tag) === "Y" : null);
  const msgType = tags.get(35)!;
  const raw = fields
    .map(([tag, value]) => `${tag}=${SECRET_TAGS.has(tag) ? REDACTED : value}`)
    .join("|")
    .concat("|");
  return {
    message: {
      session_id: session,
      direction,
      seq_num: Number(seqText),
      sending_time: new Date(Number(sendingUs / 1000n)),
      sending_time_us: sendingUs,
      logged_at: loggedUs === null ? null : new Date(Number(loggedUs / 1000n)),
      logged_at_us: loggedUs,
      msg_type: msgType,
      msg_type_name: MSG_TYPE_NAMES[msgType] ?? `Unknown(${msgType})`,
      poss_dup: tags.get(43) === "Y",
      sender_comp_id: sender,
      target_comp_id: target,
      username: text(553),
      reset_seq_num: flag(141),
      heart_bt_int: integer(108),
      test_req_id: text(112),
      cl_ord_id: text(11),
      orig_cl_ord_id: text(41),
      order_id: text(37),
      exec_id: text(17),
      symbol: text(55),
      side: text(54),
      order_qty: number(38),
      ord_type: text(40),
      price: number(44),
      time_in_force: text(59),
      ord_status: text(39),
      exec_type: text(150),
      cum_qty: number(14),
      leaves_qty: number(151),
      last_px: number(31),
      last_qty: number(32),
      ord_rej_reason: text(103),
      cxl_rej_reason: text(102),
      text: text(58),
      ref_seq_num: integer(45),
      ref_msg_type: text(372),
      session_reject_reason: text(373),
      business_reject_reason: text(380),
      begin_seq_no: integer(7),
      end_seq_no: integer(16),
      new_seq_no: integer(36),
      gap_fill: flag(123),
      raw
    }
  };
}

const HEADER_NAMES: Record<number, string> = {35: "MsgType", 49: "SenderCompID", 56: "TargetCompID", 34: "MsgSeqNum", 52: "SendingTime"};
