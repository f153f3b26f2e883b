/**
 * Kill-and-resume harness for the crash tests (test/crash-resume.test.ts, test/soak.test.ts): runs
 * an ingest in a child process, SIGKILLs it after its k-th progress event (+ a delay), re-runs the
 * ingest to completion and compares every table with one clean, uninterrupted run.
 * Inputs: the hostile corpus (so rejects are part of the comparison) and the loopback Intercom API.
 */
import {spawn} from "node:child_process";
import {mkdirSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {pathToFileURL} from "node:url";
import {Warehouse} from "../../loaders/warehouse/connection.ts";
import {tableChecksums} from "./checksum.ts";
import {generateHostileCorpus} from "./hostile-corpus.ts";
import {IntercomServer, syntheticConversation} from "./intercom-server.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TOKEN = "Y3Jhc2gtaGFybmVzcw==";
/** Small batches give the loaders many commit points to be killed between. */
const BATCH_LINES = 4;
const API_CONVERSATIONS = 60;
const API_PAGE = 5;

export type CrashLoader = "intercom-file" | "intercom-api" | "api-logs" | "fix";
export const CRASH_LOADERS: readonly CrashLoader[] = ["intercom-file", "intercom-api", "api-logs", "fix"];

/** One ingest command, as the child process runs it: module, function, options. */
interface IngestCall {
  module: string;
  exported: string;
  options: Record<string, unknown>;
}

export interface CrashBench {
  dir: string;
  calls: Record<CrashLoader, IngestCall>;
  server: IntercomServer;
  close(): Promise<void>;
}

/** Writes the inputs (`extraRecords` random records per corpus file) and the child script, and starts the Intercom stand-in. */
export async function crashBench(dir: string, seed: number, extraRecords: number): Promise<CrashBench> {
  mkdirSync(dir, {recursive: true});
  const corpus = generateHostileCorpus(join(dir, "corpus"), seed, extraRecords);
  const server = new IntercomServer(TOKEN, Array.from({length: API_CONVERSATIONS}, (_, i) => syntheticConversation(i, 4)));
  await server.start();
  writeFileSync(
    join(dir, "ingest-child.mts"),
    `const [db, call] = process.argv.slice(2);
const {module, exported, options} = JSON.parse(call);
const {Warehouse} = await import(${JSON.stringify(pathToFileURL(join(ROOT, "loaders/warehouse/connection.ts")).href)});
const ingest = (await import(module))[exported];
const warehouse = await Warehouse.open(db);
const tick = () => process.stdout.write(".\\n");
await ingest(warehouse, options, {update: tick, note: tick});
warehouse.close();
`
  );
  const loader = (path: string) => pathToFileURL(join(ROOT, path)).href;
  const calls: Record<CrashLoader, IngestCall> = {
    "intercom-file": {module: loader("loaders/intercom/index.ts"), exported: "ingestIntercom", options: {files: [join(corpus.dir, "intercom")]}},
    "intercom-api": {module: loader("loaders/intercom/index.ts"), exported: "ingestIntercom", options: {api: server.url, token: TOKEN, perPage: API_PAGE}},
    "api-logs": {module: loader("loaders/api-logs/index.ts"), exported: "ingestApiLogs", options: {files: [join(corpus.dir, "api-logs")], batchLines: BATCH_LINES}},
    fix: {module: loader("loaders/fix/index.ts"), exported: "ingestFix", options: {files: [join(corpus.dir, "fix")], batchLines: BATCH_LINES}}
  };
  return {dir, calls, server, close: () => server.close()};
}

export class ChildIngestError extends Error {}

/**
 * Runs the ingest in a child process; with `killAfter`, SIGKILLs it `delayMs` after its
 * `killAfter`-th progress event. Resolves to whether the kill landed before the child finished, and
 * how many progress events (commit points) the child reported.
 */
export function runChild(
  bench: CrashBench,
  loader: CrashLoader,
  db: string,
  killAfter?: {events: number; delayMs: number}
): Promise<{killed: boolean; events: number}> {
  const child = spawn(process.execPath, ["--import", "tsx", join(bench.dir, "ingest-child.mts"), db, JSON.stringify(bench.calls[loader])], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"]
  });
  let events = 0;
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    const before = events;
    events += chunk.toString().split("\n").length - 1;
    if (killAfter && before < killAfter.events && events >= killAfter.events) setTimeout(() => child.kill("SIGKILL"), killAfter.delayMs);
  });
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") done({killed: true, events});
      else if (code === 0) done({killed: false, events});
      else fail(new ChildIngestError(`${loader} ingest exited with ${code ?? signal}:\n${stderr}`));
    });
  });
}

export async function checksumsOf(db: string): Promise<Record<string, string>> {
  const warehouse = await Warehouse.open(db, {readOnly: true});
  try {
    return await tableChecksums(warehouse);
  } finally {
    warehouse.close();
  }
}

export interface KillOutcome {
  killed: boolean;
  /** Every table of the resumed warehouse equals the clean run's. */
  identical: boolean;
  /** Tables whose checksum differs, with both values. */
  differences: string[];
  /** Runs the killed ingest left marked `interrupted`. */
  interrupted: number;
}

/** Kills one ingest into a fresh warehouse, re-runs it to completion, and compares with `clean`. */
export async function killAndResume(
  bench: CrashBench,
  loader: CrashLoader,
  db: string,
  clean: Record<string, string>,
  killAfter: {events: number; delayMs: number}
): Promise<KillOutcome> {
  const {killed} = await runChild(bench, loader, db, killAfter);
  await runChild(bench, loader, db);
  const resumed = await checksumsOf(db);
  const differences = Object.keys({...clean, ...resumed})
    .filter((table) => clean[table] !== resumed[table])
    .map((table) => `${table}: clean ${clean[table]} resumed ${resumed[table]}`);
  const warehouse = await Warehouse.open(db, {readOnly: true});
  try {
    const row = await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM ingest_runs WHERE status = 'interrupted'");
    return {killed, identical: differences.length === 0, differences, interrupted: Number(row?.n ?? 0)};
  } finally {
    warehouse.close();
  }
}
