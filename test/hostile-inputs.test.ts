// Hostile and broken inputs for every loader (test/helpers/hostile-corpus.ts): no crash, every record
// read is loaded or quarantined (read = loaded + rejected, per file and per run), each quarantined
// record names its file and line and says why, exactly the expected rows land, and a re-run changes nothing.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {after, test} from "node:test";
import {encodeAbiParameters, encodeEventTopics, keccak256, toHex, type Hex} from "viem";
import {EVENTS} from "../loaders/chain/abi.ts";
import {decodeLogs} from "../loaders/chain/decode.ts";
import type {WatchedContract} from "../loaders/chain/network.ts";
import type {RawLog} from "../loaders/chain/rpc.ts";
import {ingestApiLogs} from "../loaders/api-logs/index.ts";
import {ingestFix} from "../loaders/fix/index.ts";
import {ingestIntercom} from "../loaders/intercom/index.ts";
import {silentProgress} from "../loaders/progress.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import type {IngestSummary} from "../loaders/warehouse/ingest-run.ts";
import {tableChecksums} from "./helpers/checksum.ts";
import {corpusFor, generateHostileCorpus, type CorpusLoader} from "./helpers/hostile-corpus.ts";

const scratch = mkdtempSync(join(tmpdir(), "hostile-"));
after(() => rmSync(scratch, {recursive: true, force: true}));
const corpus = generateHostileCorpus(join(scratch, "corpus"), 10);

const INGEST: Record<CorpusLoader, (warehouse: Warehouse, dir: string) => Promise<IngestSummary>> = {
  intercom: (warehouse, dir) => ingestIntercom(warehouse, {files: [dir]}, silentProgress),
  "api-logs": (warehouse, dir) => ingestApiLogs(warehouse, {files: [dir]}, silentProgress),
  fix: (warehouse, dir) => ingestFix(warehouse, {files: [dir]}, silentProgress)
};

/** Natural keys of the rows each loader stored, in the corpus's key format. */
const STORED_KEYS: Record<CorpusLoader, string> = {
  intercom: "SELECT ticket_id AS key FROM tickets",
  "api-logs": "SELECT request_id AS key FROM api_requests UNION ALL SELECT session_id || '#' || seq FROM ws_events",
  fix: "SELECT session_id || '#' || seq_num AS key FROM fix_messages"
};

for (const loader of ["intercom", "api-logs", "fix"] as const) {
  test(`${loader}: every hostile file is read to the end; read = loaded + rejected; each reject names file, line and reason`, async () => {
    const expected = corpusFor(corpus, loader);
    const warehouse = await Warehouse.open(join(scratch, `${loader}.duckdb`));
    try {
      const summary = await INGEST[loader](warehouse, join(corpus.dir, loader));
      assert.equal(summary.status, "ok");
      assert.deepEqual(
        [summary.read, summary.loaded, summary.rejected, summary.files],
        [expected.read, expected.loaded, expected.rejected, expected.files.length]
      );
      const [run] = await warehouse.all<{read: bigint; loaded: bigint; rejected: bigint}>(
        "SELECT read, loaded, rejected FROM ingest_runs WHERE source = $1",
        [loader]
      );
      assert.equal(Number(run.read), Number(run.loaded) + Number(run.rejected));

      for (const file of expected.files) {
        const row = await warehouse.one<{read: bigint; loaded: bigint; rejected: bigint}>(
          "SELECT read, loaded, rejected FROM ingest_files WHERE source = $1 AND path = $2",
          [loader, resolve(file.path)]
        );
        assert.deepEqual(
          [Number(row?.read), Number(row?.loaded), Number(row?.rejected)],
          [file.read, file.loaded, file.rejects.size],
          `${file.path} (${file.encoding})`
        );
        const rejects = await warehouse.all<{location: string; reason: string}>(
          "SELECT location, reason FROM rejects WHERE source = $1 AND starts_with(location, $2 || ':') ORDER BY location",
          [loader, resolve(file.path)]
        );
        const byLine = new Map(rejects.map(({location, reason}) => [Number(location.slice(resolve(file.path).length + 1)), reason]));
        assert.deepEqual([...byLine.keys()].sort((a, b) => a - b), [...file.rejects.keys()].sort((a, b) => a - b), `reject lines of ${file.path}`);
        for (const [line, code] of file.rejects) {
          const reason = byLine.get(line)!;
          assert.ok(reason.startsWith(`${code}: `) || reason === code, `${file.path}:${line}: expected ${code}, got ${reason}`);
          assert.ok(reason.length > code.length + 2, `${file.path}:${line}: the reason says why, not only ${code}`);
        }
      }
      const stored = new Set((await warehouse.all<{key: string}>(STORED_KEYS[loader])).map((row) => row.key));
      assert.deepEqual([...stored].sort(), [...expected.keys].sort(), "exactly the loadable records are stored, each once");

      const before = await tableChecksums(warehouse);
      const again = await INGEST[loader](warehouse, join(corpus.dir, loader));
      assert.deepEqual([again.read, again.skippedFiles], [0, expected.files.length]);
      assert.deepEqual(await tableChecksums(warehouse), before, "a re-run changes nothing");
    } finally {
      warehouse.close();
    }
  });
}

test("a truncated .gz through the CLI: exit 0, the rest of the file quarantined with its file and line", () => {
  const file = corpus.files.find((candidate) => candidate.loader === "api-logs" && candidate.encoding === "truncated-gzip")!;
  const db = join(scratch, "cli.duckdb");
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, ["bin/workbench.mjs", "--db", db, ...args], {cwd: resolve(import.meta.dirname, ".."), encoding: "utf-8"});
  const out = cli("ingest", "api-logs", "--file", file.path);
  assert.match(out, new RegExp(`read ${file.read} = loaded ${file.loaded} \\+ rejected ${file.rejects.size}`));
  const [line] = [...file.rejects].find(([, code]) => code === "unreadable_file")!;
  const rejects = JSON.parse(cli("rejects", "--source", "api-logs", "--format", "json")) as {location: string; reason: string}[];
  const unreadable = rejects.find((reject) => reject.location === `${resolve(file.path)}:${line}`);
  assert.match(unreadable?.reason ?? "", /^unreadable_file: cannot read past this line: unexpected end of file/);
});

// ---- chain: logs the decoder does not know (the chain loader decodes raw eth_getLogs results) ----

const CTF: WatchedContract = {name: "ConditionalTokens", address: "0x4d97dcd97ec945f40cf65f87097ace5ea0476045", role: "ctf"};

function rawLog(index: number, topics: Hex[], data: Hex): RawLog {
  return {
    address: CTF.address,
    topics,
    data,
    blockNumber: toHex(1000 + index),
    blockHash: keccak256(toHex(index)),
    transactionHash: keccak256(toHex(10_000 + index)),
    logIndex: toHex(index),
    removed: false
  };
}

test("chain: unknown topics, another contract's events and undecodable data are quarantined, never stored or crashed on", () => {
  const operator = "0x1111111111111111111111111111111111111111";
  const from = "0x2222222222222222222222222222222222222222";
  const to = "0x3333333333333333333333333333333333333333";
  const goodTopics = encodeEventTopics({abi: [EVENTS.TransferSingle], eventName: "TransferSingle", args: {operator, from, to}}) as Hex[];
  const goodData = encodeAbiParameters([{type: "uint256"}, {type: "uint256"}], [123n, 5_000_000n]);
  const logs: RawLog[] = [
    rawLog(0, goodTopics, goodData),
    rawLog(1, [keccak256(toHex("SomethingElse(address,uint256)")), goodTopics[1]], goodData), // unknown topic0
    rawLog(2, goodTopics, "0x1234"), // data too short for the event
    rawLog(3, [], "0x"), // anonymous log, no topics
    rawLog(4, goodTopics.slice(0, 2), goodData) // indexed topics missing
  ];
  const decoded = decodeLogs(CTF, logs);
  assert.equal(decoded.loaded + decoded.rejects.length + decoded.ignored, logs.length, "every log is loaded, ignored or rejected");
  assert.equal(decoded.loaded, 1);
  assert.equal(decoded.rejects.length, 4);
  for (const reject of decoded.rejects) {
    assert.ok(reject.location.length > 0 && reject.reason.length > 0, JSON.stringify(reject));
  }
});
