/**
 * A generated corpus of hostile inputs for every file loader (Intercom JSON lines and CSV export,
 * api-logs REST + WebSocket, FIX), with the outcome each record must have.
 *
 * Records are drawn from per-loader lists of record kinds (valid in several timestamp forms,
 * duplicates, invalid JSON, wrong types, missing required fields, 1 MB lines, FIX framing errors,
 * unknown tags...) in a seeded random order, so records arrive out of order; each record list is
 * then written in every file encoding (LF, CRLF, UTF-8 BOM, UTF-16 LE/BE, gzip, truncated gzip).
 * The expectation of every file is computed from the same generation: which lines load, which are
 * quarantined with which reason code, and, for a truncated gzip, the line where reading stops.
 */
import {mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {constants, gunzipSync, gzipSync} from "node:zlib";
import {frameFix, fixTime, SOH} from "../../demo/fix.ts";
import {Rng} from "../../demo/random.ts";

export type CorpusLoader = "intercom" | "api-logs" | "fix";

/** One generated record: its text (one line, or several for a quoted CSV field) and its fate. */
interface GeneratedRecord {
  text: string;
  /** Reason code it must be quarantined with (`invalid_json`, `missing_field`, ...); undefined: it loads. */
  reject?: string;
  /** Natural key of a record that loads (duplicates repeat an earlier key). */
  key?: string;
  /** A blank line: neither read nor rejected. */
  blank?: boolean;
}

/** Builds record `n` of file `file`; `earlier` holds the records already generated for the file. */
type RecordKind = (file: number, n: number, earlier: readonly GeneratedRecord[]) => GeneratedRecord;

export interface ExpectedFile {
  loader: CorpusLoader;
  path: string;
  /** Encoding and framing the file was written with. */
  encoding: Encoding;
  read: number;
  loaded: number;
  /** line -> reason code of each quarantined record. */
  rejects: Map<number, string>;
  /** Natural keys of the rows the file must leave in the warehouse. */
  keys: Set<string>;
}

export interface Corpus {
  dir: string;
  files: ExpectedFile[];
  /** Records written, over every file (blank lines excluded). */
  records: number;
}

const MB_LINE = 1 << 20;
const BASE_SECONDS = 1_789_387_200; // 2026-09-14T12:00:00Z, inside the demo window
const ENCODINGS = ["lf", "crlf", "bom", "utf16le", "utf16be", "gzip", "truncated-gzip"] as const;
type Encoding = (typeof ENCODINGS)[number];
/** 1 MB lines only in these encodings, to keep the corpus small. */
const HUGE_IN: ReadonlySet<Encoding> = new Set(["lf", "utf16le", "gzip", "truncated-gzip"]);

const json = (value: unknown) => JSON.stringify(value);
const isoOffset = (seconds: number) => {
  // the same instant written with a +02:00 offset
  const local = new Date((seconds + 7200) * 1000).toISOString().slice(0, 19);
  return `${local}.250+02:00`;
};
const cutJson = (text: string) => text.slice(0, Math.floor(text.length / 2));
const duplicateOf = (earlier: readonly GeneratedRecord[]): GeneratedRecord | undefined =>
  earlier.find((record) => record.key !== undefined && !record.text.includes("\n") && record.text.length < MB_LINE);

// ---------------------------------------------------------------------------------------------
// api-logs: CLOB gateway REST access log lines and WebSocket session lines (docs/sources.md)

function restLine(id: string, ts: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ts,
    request_id: id,
    method: "GET",
    path: "/book",
    query: "token_id=71321045679252212594626385532706912750332728571942532289631379312455583992563",
    status: 200,
    latency_ms: 8.5,
    client_ip: "198.51.100.7",
    user_agent: "py_clob_client/0.21.0",
    headers: {POLY_ADDRESS: "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01"},
    ...overrides
  };
}

const API_KINDS: Record<string, RecordKind> = {
  rest_iso: (f, n) => ({text: json(restLine(`hreq_${f}_${n}`, new Date((BASE_SECONDS + n) * 1000).toISOString())), key: `hreq_${f}_${n}`}),
  rest_iso_offset: (f, n) => ({text: json(restLine(`hreq_${f}_${n}`, isoOffset(BASE_SECONDS + n))), key: `hreq_${f}_${n}`}),
  rest_unix_seconds: (f, n) => ({text: json(restLine(`hreq_${f}_${n}`, BASE_SECONDS + n)), key: `hreq_${f}_${n}`}),
  rest_unix_millis: (f, n) => ({text: json(restLine(`hreq_${f}_${n}`, (BASE_SECONDS + n) * 1000 + 123)), key: `hreq_${f}_${n}`}),
  ws_event: (f, n) => ({
    text: json({ts: new Date((BASE_SECONDS + n) * 1000).toISOString(), session_id: `hws_${f}`, seq: n, channel: "market", event: "ping"}),
    key: `hws_${f}#${n}`
  }),
  duplicate: (f, n, earlier) => duplicateOf(earlier) ?? API_KINDS.rest_iso(f, n, earlier),
  invalid_json: (f, n) => ({text: cutJson(json(restLine(`hreq_${f}_${n}`, BASE_SECONDS))), reject: "invalid_json"}),
  not_json_at_all: () => ({text: "GET /book 200 8ms <- not a JSON log line", reject: "invalid_json"}),
  wrong_type_status: (f, n) => ({text: json(restLine(`hreq_${f}_${n}`, BASE_SECONDS, {status: "two hundred"})), reject: "wrong_type"}),
  wrong_type_ws_seq: (f) => ({text: json({ts: BASE_SECONDS, session_id: `hws_${f}`, seq: "first", channel: "user", event: "ping"}), reject: "wrong_type"}),
  missing_request_id: (f, n) => {
    const line = restLine(`hreq_${f}_${n}`, BASE_SECONDS);
    delete line.request_id;
    return {text: json(line), reject: "missing_field"};
  },
  bad_timestamp: (f, n) => ({text: json(restLine(`hreq_${f}_${n}`, "yesterday at noon")), reject: "invalid_timestamp"}),
  json_array_line: () => ({text: "[1, 2, 3]", reject: "unrecognised_record"}),
  huge_valid: (f, n) => ({text: json(restLine(`hreq_${f}_${n}`, BASE_SECONDS + n, {user_agent: "x".repeat(MB_LINE)})), key: `hreq_${f}_${n}`}),
  huge_invalid: () => ({text: `{"ts": "${"9".repeat(MB_LINE)}`, reject: "invalid_json"}),
  blank: () => ({text: "", blank: true})
};

// ---------------------------------------------------------------------------------------------
// Intercom: conversation objects (JSON lines) and the CSV conversation export

function conversation(id: unknown, createdAt: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "conversation",
    id,
    created_at: createdAt,
    updated_at: createdAt,
    state: "open",
    source: {
      type: "conversation",
      id: "1",
      delivered_as: "customer_initiated",
      subject: "",
      body: "<p>My order on POST /order returns 400 not enough balance / allowance.</p>",
      author: {type: "user", id: "66e5a1f08a68186f43bafd01", name: "Hostile Corpus"}
    },
    contacts: {type: "contact.list", contacts: [{type: "contact", id: "66e5a1f08a68186f43bafd01"}]},
    ...overrides
  };
}

const ticketId = (f: number, n: number) => String(900_000 + f * 1000 + n);

const INTERCOM_KINDS: Record<string, RecordKind> = {
  unix_seconds: (f, n) => ({text: json(conversation(ticketId(f, n), BASE_SECONDS + n)), key: ticketId(f, n)}),
  unix_millis: (f, n) => ({text: json(conversation(ticketId(f, n), (BASE_SECONDS + n) * 1000)), key: ticketId(f, n)}),
  iso_offset: (f, n) => ({text: json(conversation(ticketId(f, n), isoOffset(BASE_SECONDS + n))), key: ticketId(f, n)}),
  numeric_id: (f, n) => ({text: json(conversation(Number(ticketId(f, n)), BASE_SECONDS + n)), key: ticketId(f, n)}),
  duplicate: (f, n, earlier) => duplicateOf(earlier) ?? INTERCOM_KINDS.unix_seconds(f, n, earlier),
  invalid_json: (f, n) => ({text: cutJson(json(conversation(ticketId(f, n), BASE_SECONDS))), reject: "invalid_json"}),
  wrong_type_id: (f, n) => ({text: json(conversation({id: ticketId(f, n)}, BASE_SECONDS)), reject: "invalid_type"}),
  wrong_type_created_at: (f, n) => ({text: json(conversation(ticketId(f, n), "yesterday")), reject: "invalid_type"}),
  missing_id: (f, n) => {
    const value = conversation(ticketId(f, n), BASE_SECONDS);
    delete value.id;
    return {text: json(value), reject: "missing_field"};
  },
  not_a_conversation: (f, n) => ({text: json({type: "ticket", id: ticketId(f, n), created_at: BASE_SECONDS}), reject: "unsupported_record"}),
  scalar_line: () => ({text: json("just a string"), reject: "invalid_type"}),
  huge_valid: (f, n) => ({
    text: json(conversation(ticketId(f, n), BASE_SECONDS + n, {title: `Long report ${"y".repeat(MB_LINE)}`})),
    key: ticketId(f, n)
  }),
  huge_invalid: () => ({text: `{"type":"conversation","id":"${"7".repeat(MB_LINE)}`, reject: "invalid_json"}),
  blank: () => ({text: "", blank: true})
};

const CSV_HEADER = "Conversation ID,Created at,Updated at,State,Rating,User email,Title,First message,Tier";
const csvRow = (fields: string[]) => fields.map((field) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(",");
const csvConversation = (id: string, created: string, overrides: Partial<Record<"rating" | "message", string>> = {}) =>
  csvRow([id, created, "", "Open", overrides.rating ?? "", "hostile@example.com", "Order rejected", overrides.message ?? "balance / allowance", "Standard"]);

const CSV_KINDS: Record<string, RecordKind> = {
  plain_time: (f, n) => ({text: csvConversation(ticketId(f, n), "2026-09-14 12:00:00"), key: ticketId(f, n)}),
  iso_offset: (f, n) => ({text: csvConversation(ticketId(f, n), isoOffset(BASE_SECONDS + n)), key: ticketId(f, n)}),
  unix_seconds: (f, n) => ({text: csvConversation(ticketId(f, n), String(BASE_SECONDS + n)), key: ticketId(f, n)}),
  multiline_message: (f, n) => ({text: csvConversation(ticketId(f, n), "2026-09-14 12:00:00", {message: 'line one\nline "two"\nline three'}), key: ticketId(f, n)}),
  duplicate: (f, n, earlier) => duplicateOf(earlier) ?? CSV_KINDS.plain_time(f, n, earlier),
  missing_id: () => ({text: csvConversation("", "2026-09-14 12:00:00"), reject: "missing_field"}),
  wrong_type_rating: (f, n) => ({text: csvConversation(ticketId(f, n), "2026-09-14 12:00:00", {rating: "five"}), reject: "invalid_type"}),
  wrong_type_created: (f, n) => ({text: csvConversation(ticketId(f, n), "last tuesday"), reject: "invalid_type"}),
  extra_fields: (f, n) => ({text: `${csvConversation(ticketId(f, n), "2026-09-14 12:00:00")},surplus`, reject: "invalid_csv"}),
  huge_valid: (f, n) => ({text: csvConversation(ticketId(f, n), "2026-09-14 12:00:00", {message: "z".repeat(MB_LINE)}), key: ticketId(f, n)}),
  blank: () => ({text: "", blank: true})
};

// ---------------------------------------------------------------------------------------------
// FIX: SOH- or |-separated messages with BodyLength and CheckSum

const fixSession = (f: number) => `HOSTILE${f}`;
const fixFields = (f: number, n: number, extra: [number, string | number][] = []): [number, string | number][] => [
  [35, "0"],
  [49, fixSession(f)],
  [56, "POLYMARKET"],
  [34, n + 1],
  [52, fixTime((BASE_SECONDS + n) * 1000)],
  ...extra
];
const fixKey = (f: number, n: number) => `${fixSession(f)}#${n + 1}`;
/** Replaces `9=<n>` or `10=<n>` in a framed message. */
const reframe = (message: string, tag: 9 | 10, value: string) => message.replace(new RegExp(`(^|${SOH})${tag}=\\d+`), `$1${tag}=${value}`);

const FIX_KINDS: Record<string, RecordKind> = {
  heartbeat: (f, n) => ({text: frameFix(fixFields(f, n)), key: fixKey(f, n)}),
  pipe_separated: (f, n) => ({text: frameFix(fixFields(f, n)).replaceAll(SOH, "|"), key: fixKey(f, n)}),
  logger_prefix: (f, n) => ({text: `${fixTime((BASE_SECONDS + n) * 1000)} : ${frameFix(fixFields(f, n))}`, key: fixKey(f, n)}),
  unknown_tags: (f, n) => ({text: frameFix(fixFields(f, n, [[9999, "vendor-extension"], [20001, "x"]])), key: fixKey(f, n)}),
  duplicate: (f, n, earlier) => duplicateOf(earlier) ?? FIX_KINDS.heartbeat(f, n, earlier),
  wrong_body_length: (f, n) => ({text: frameFix(fixFields(f, n), 3), reject: "bad_body_length"}),
  wrong_checksum: (f, n) => {
    const message = frameFix(fixFields(f, n));
    const sum = /10=(\d{3})/.exec(message)![1];
    return {text: reframe(message, 10, String((Number(sum) + 1) % 256).padStart(3, "0")), reject: "bad_checksum"};
  },
  truncated_message: (f, n) => ({text: frameFix(fixFields(f, n)).split(`${SOH}10=`)[0], reject: "bad_checksum"}),
  missing_sending_time: (f, n) => ({text: frameFix(fixFields(f, n).filter(([tag]) => tag !== 52)), reject: "missing_field"}),
  wrong_type_seq: (f, n) => ({text: frameFix(fixFields(f, n).map(([tag, value]) => [tag, tag === 34 ? "one" : value])), reject: "wrong_type"}),
  not_fix: () => ({text: "2026-09-14 12:00:00 INFO session HOSTILE logged on", reject: "unrecognised_record"}),
  huge_valid: (f, n) => ({text: frameFix(fixFields(f, n, [[58, "t".repeat(MB_LINE)]])), key: fixKey(f, n)}),
  blank: () => ({text: "", blank: true})
};

// ---------------------------------------------------------------------------------------------

interface LoaderCorpus {
  loader: CorpusLoader;
  name: string;
  extension: string;
  kinds: Record<string, RecordKind>;
  /** Lines before the records (the CSV header). */
  header?: string;
}

const LOADERS: LoaderCorpus[] = [
  {loader: "api-logs", name: "gateway", extension: "ndjson", kinds: API_KINDS},
  {loader: "intercom", name: "conversations", extension: "jsonl", kinds: INTERCOM_KINDS},
  {loader: "intercom", name: "export", extension: "csv", kinds: CSV_KINDS, header: CSV_HEADER},
  {loader: "fix", name: "session", extension: "log", kinds: FIX_KINDS}
];

/** Every kind once, then `extra` more drawn at random, shuffled (so timestamps and keys arrive out of order). */
function drawRecords(rng: Rng, kinds: Record<string, RecordKind>, file: number, huge: boolean, extra: number): GeneratedRecord[] {
  const names = Object.keys(kinds).filter((name) => huge || !name.startsWith("huge"));
  const order = [...names, ...Array.from({length: extra}, () => rng.pick(names))];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const records: GeneratedRecord[] = [];
  // record numbers are shuffled too, so keys and timestamps are not in file order
  const numbers = order.map((_, i) => i).sort(() => rng.float() - 0.5);
  order.forEach((name, i) => records.push(kinds[name](file, numbers[i], records)));
  return records;
}

function encode(text: string, encoding: Encoding, rng: Rng): Buffer {
  switch (encoding) {
    case "lf":
      return Buffer.from(text, "utf-8");
    case "crlf":
      return Buffer.from(text.replace(/\n/g, "\r\n"), "utf-8");
    case "bom":
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf-8")]);
    case "utf16le":
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    case "utf16be": {
      const le = Buffer.from(text, "utf16le");
      return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
    }
    case "gzip":
      return gzipSync(text);
    case "truncated-gzip": {
      const full = gzipSync(text);
      return full.subarray(0, Math.floor(full.length * (0.3 + 0.5 * rng.float())));
    }
  }
}

/** The text a truncated gzip still yields (what a streaming reader sees before the error). */
function readablePrefix(bytes: Buffer): string {
  return gunzipSync(bytes, {finishFlush: constants.Z_SYNC_FLUSH}).toString("utf-8");
}

function expectFile(loader: LoaderCorpus, path: string, encoding: Encoding, records: GeneratedRecord[], readable: string | undefined): ExpectedFile {
  const expected: ExpectedFile = {loader: loader.loader, path, encoding, read: 0, loaded: 0, rejects: new Map(), keys: new Set()};
  const completeLines = readable === undefined ? Infinity : readable.split("\n").length - 1;
  let line = loader.header === undefined ? 1 : 2;
  for (const record of records) {
    const lines = record.text.split("\n").length;
    if (line + lines - 1 > completeLines) {
      // reading stops inside this record: the rest of the file is one unreadable record
      expected.read++;
      expected.rejects.set(completeLines + 1, "unreadable_file");
      return expected;
    }
    if (!record.blank) {
      expected.read++;
      if (record.reject !== undefined) expected.rejects.set(line, record.reject);
      else {
        expected.loaded++;
        expected.keys.add(record.key!);
      }
    }
    line += lines;
  }
  if (readable !== undefined) {
    // the whole text survived except (at most) the final newline: the decoder still fails at the end
    expected.read++;
    expected.rejects.set(completeLines + 1, "unreadable_file");
  }
  return expected;
}

/**
 * Writes the corpus under `dir` (one sub-directory per loader) and returns what each file must
 * yield. `extra` adds that many randomly drawn records per file (the soak run uses more).
 */
export function generateHostileCorpus(dir: string, seed: number, extra = 12): Corpus {
  const rng = Rng.from(seed, "hostile-corpus");
  const files: ExpectedFile[] = [];
  let records = 0;
  let fileIndex = 0;
  for (const loader of LOADERS) {
    mkdirSync(join(dir, loader.loader), {recursive: true});
    for (const encoding of ENCODINGS) {
      const f = fileIndex++;
      const drawn = drawRecords(rng, loader.kinds, f, HUGE_IN.has(encoding), extra);
      const text = [...(loader.header === undefined ? [] : [loader.header]), ...drawn.map((record) => record.text)].join("\n") + "\n";
      const bytes = encode(text, encoding, rng);
      const gz = encoding === "gzip" || encoding === "truncated-gzip" ? ".gz" : "";
      const path = join(dir, loader.loader, `${loader.name}-${encoding}.${loader.extension}${gz}`);
      writeFileSync(path, bytes);
      const expected = expectFile(loader, path, encoding, drawn, encoding === "truncated-gzip" ? readablePrefix(bytes) : undefined);
      files.push(expected);
      records += drawn.filter((record) => !record.blank).length;
    }
  }
  return {dir, files, records};
}

/** The corpus files of one loader, and their summed expectations. */
export function corpusFor(corpus: Corpus, loader: CorpusLoader): {files: ExpectedFile[]; read: number; loaded: number; rejected: number; keys: Set<string>} {
  const files = corpus.files.filter((file) => file.loader === loader);
  const keys = new Set(files.flatMap((file) => [...file.keys]));
  return {
    files,
    read: files.reduce((sum, file) => sum + file.read, 0),
    loaded: files.reduce((sum, file) => sum + file.loaded, 0),
    rejected: files.reduce((sum, file) => sum + file.rejects.size, 0),
    keys
  };
}
