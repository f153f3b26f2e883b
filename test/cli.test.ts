// The workbench CLI as a user runs it: help, clear usage errors with exit codes, report formats.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";

const dir = mkdtempSync(join(tmpdir(), "cli-test-"));
after(() => rmSync(dir, {recursive: true, force: true}));
const db = join(dir, "w.duckdb");

function workbench(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/workbench.mjs", ...args], {encoding: "utf-8", env: {...process.env, WORKBENCH_DB: ""}});
  return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

test("--help lists every command and the global options", () => {
  const {code, stdout} = workbench("--help");
  assert.equal(code, 0);
  for (const word of ["demo", "ingest", "status", "rejects", "--db", "--wait"]) assert.ok(stdout.includes(word), word);
});

test("usage errors exit 2 with a message, never a stack trace", () => {
  for (const args of [["frobnicate"], ["ingest", "nosuchsource"], ["demo", "--scale", "huge"], ["--db", db, "status", "--format", "xml"], ["ingest", "fix"]]) {
    const {code, stderr} = workbench(...args);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, /^workbench: /);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  }
});

test("a missing input file names the file and exits 1", () => {
  const {code, stderr} = workbench("--db", db, "ingest", "api-logs", "--file", join(dir, "nope.ndjson"));
  assert.equal(code, 1);
  assert.match(stderr, /nope\.ndjson: no such file or directory/);
});

test("status reports in json, md and table", () => {
  const json = workbench("--db", db, "status", "--format", "json");
  assert.equal(json.code, 0, json.stderr);
  const [report] = JSON.parse(json.stdout);
  const tables = new Map(report.tables.map((row: {table: string; rows: number}) => [row.table, row.rows]));
  for (const table of ["tickets", "ticket_parts", "api_requests", "ws_events", "fix_messages", "ingest_runs", "rejects"]) assert.equal(tables.get(table), 0, table);
  assert.match(workbench("--db", db, "status", "--format", "md").stdout, /^\| table \| rows \|/m);
  assert.match(workbench("--db", db, "status").stdout, /^table\s+rows/m);
});
