/**
 * Benchmark: `ingestIntercom` against DuckDB's own `read_json(file, format='newline_delimited')`
 * into a table, on the same file of Intercom conversations (with their parts), in the same run;
 * each measurement in its own child process. Writes bench/results/tickets.json.
 *
 *   npx tsx bench/tickets.ts [--scale small|medium|large | --conversations N] [--repeat R]
 *
 * The input is the small demo world's intercom/conversations.jsonl (the real API shape: parts,
 * statistics, SLA, ratings) repeated with fresh conversation and part ids until it holds N
 * conversations (small 10,000, medium 30,000, large 100,000), cached under $TMPDIR/workbench-bench/.
 */
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {BENCH_DIR, benchDemoFiles, parseScale} from "./lib/demo.ts";
import {compare, interleave, machine, reportChild, writeResults, type Measurement} from "./lib/measure.ts";

const CONVERSATIONS = {small: 10_000, medium: 30_000, large: 100_000};

interface Conversation {
  id: string;
  source?: {id?: string};
  conversation_parts?: {conversation_parts?: {id: string}[]};
}

/** `count` conversations: the demo's, then copies whose ids carry a replica prefix (still digits, still unique). */
function writeConversations(demoFile: string, count: number, out: string): void {
  const originals = readFileSync(demoFile, "utf-8").split("\n").filter((line) => line.trim());
  const partial = `${out}.partial`;
  const fd = openSync(partial, "w");
  try {
    for (let n = 0; n < count; n++) {
      const replica = Math.floor(n / originals.length);
      const line = originals[n % originals.length];
      if (replica === 0) {
        writeSync(fd, `${line}\n`);
        continue;
      }
      const conversation = JSON.parse(line) as Conversation;
      const renumber = (id: string) => `${replica}${id}`;
      conversation.id = renumber(conversation.id);
      if (conversation.source?.id) conversation.source.id = renumber(conversation.source.id);
      for (const part of conversation.conversation_parts?.conversation_parts ?? []) part.id = renumber(part.id);
      writeSync(fd, `${JSON.stringify(conversation)}\n`);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(partial, out);
}

async function readJsonBaseline(file: string, db: string): Promise<Partial<Measurement>> {
  const {DuckDBInstance} = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(db);
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE t AS SELECT * FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited', maximum_object_size = 67108864)`);
  await connection.run("CHECKPOINT");
  const rows = Number((await connection.runAndReadAll("SELECT count(*) FROM t")).getRows()[0][0]);
  connection.closeSync();
  instance.closeSync();
  return {rows};
}

async function loaderRun(file: string, db: string): Promise<Partial<Measurement>> {
  const {Warehouse} = await import("../loaders/warehouse/connection.ts");
  const {ingestIntercom} = await import("../loaders/intercom/index.ts");
  const warehouse = await Warehouse.open(db);
  const summary = await ingestIntercom(warehouse, {files: [file]}, {update() {}, note() {}});
  await warehouse.run("CHECKPOINT");
  const parts = await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM ticket_parts");
  warehouse.close();
  return {rows: summary.loaded, summary: {...summary, ticket_parts: Number(parts?.n ?? 0)}};
}

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      conversations: {type: "string"},
      scale: {type: "string"},
      repeat: {type: "string", default: "2"},
      child: {type: "string"},
      file: {type: "string"},
      db: {type: "string"}
    }
  });
  if (values.child) {
    const file = values.file!;
    return reportChild(values.db!, () => (values.child === "read_json" ? readJsonBaseline(file, values.db!) : loaderRun(file, values.db!)));
  }
  mkdirSync(BENCH_DIR, {recursive: true});
  const demoFile = join(benchDemoFiles("small"), "intercom", "conversations.jsonl");
  const count = Number(values.conversations ?? CONVERSATIONS[parseScale(values.scale)]);
  const file = join(BENCH_DIR, `conversations-${count}.jsonl`);
  if (!existsSync(file)) writeConversations(demoFile, count, file);
  const repeat = Number(values.repeat);
  const db = join(tmpdir(), `workbench-bench-tickets-${process.pid}.duckdb`);
  const args = ["--file", file, "--db", db];
  const {loader: ingest, baseline} = interleave(import.meta.filename, repeat, args, "ingestIntercom");
  const comparison = compare(ingest, baseline, count);
  const results = {
    benchmark: "tickets",
    date: new Date().toISOString(),
    command: `npx tsx bench/tickets.ts --conversations ${count} --repeat ${repeat}`,
    input: {file, conversations: count, bytes: statSync(file).size},
    machine: machine(),
    ...comparison
  };
  const output = writeResults("tickets", String(count), results, {
    ratio_best: comparison.ratio_best,
    cpu_ratio: comparison.cpu_ratio,
    conversations_per_second: comparison.loader.per_second,
    peak_rss_mb: comparison.loader.peak_rss_mb
  });
  console.log(
    `\ningestIntercom ${comparison.loader.per_second} conversations/s, read_json ${comparison.baseline.per_second}/s, ` +
      `ratio ${comparison.ratio_best} (best) / ${comparison.ratio_median} (median), CPU ratio ${comparison.cpu_ratio}, ` +
      `peak RSS ${comparison.loader.peak_rss_mb} MB -> ${output}`
  );
}

await main();
