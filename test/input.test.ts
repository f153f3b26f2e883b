// Input readers: globs and directories, gzip by magic bytes, BOMs, UTF-16, CRLF, truncated gzip.
import assert from "node:assert/strict";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {randomBytes} from "node:crypto";
import {constants, gunzipSync, gzipSync} from "node:zlib";
import {readLineChunks} from "../loaders/api-logs/byte-lines.ts";
import {InputError} from "../loaders/errors.ts";
import {expandInputs, globToRegExp} from "../loaders/input/files.ts";
import {readLines, readText} from "../loaders/input/lines.ts";

const dir = mkdtempSync(join(tmpdir(), "input-test-"));
after(() => rmSync(dir, {recursive: true, force: true}));

async function lines(path: string) {
  const out = [];
  for await (const line of readLines(path)) out.push(line);
  return out;
}

test("expandInputs walks directories and globs, sorted, and names what matched nothing", () => {
  mkdirSync(join(dir, "logs/2026/11"), {recursive: true});
  for (const name of ["logs/a.ndjson", "logs/2026/11/b.ndjson.gz", "logs/2026/c.txt", "logs/.hidden"]) writeFileSync(join(dir, name), "x\n");
  assert.deepEqual(
    expandInputs([join(dir, "logs")]).map((path) => path.slice(dir.length + 1)),
    ["logs/2026/11/b.ndjson.gz", "logs/2026/c.txt", "logs/a.ndjson"]
  );
  assert.deepEqual(
    expandInputs([join(dir, "logs/**/*.ndjson*")]).map((path) => path.slice(dir.length + 1)),
    ["logs/2026/11/b.ndjson.gz", "logs/a.ndjson"]
  );
  assert.throws(() => expandInputs([join(dir, "missing.ndjson")]), (error: unknown) => error instanceof InputError && /no such file/.test(error.message));
  assert.throws(() => expandInputs([join(dir, "logs/*.csv")]), /no input files match/);
  const onlyNdjson = (path: string) => /\.ndjson(\.gz)?$/.test(path);
  assert.deepEqual(
    expandInputs([join(dir, "logs"), join(dir, "logs/2026/c.txt")], onlyNdjson).map((path) => path.slice(dir.length + 1)),
    ["logs/2026/11/b.ndjson.gz", "logs/2026/c.txt", "logs/a.ndjson"],
    "the filter applies to what directories contribute; a file named explicitly is always read"
  );
  assert.equal(globToRegExp("/a/*.log").test("/a/b/c.log"), false);
});

test("readLines numbers lines and handles CRLF, BOM, UTF-16 and gzip alike", async () => {
  const text = 'première\r\n{"a":1}\r\n\r\nlast';
  const expected = [
    {line: 1, text: "première"},
    {line: 2, text: '{"a":1}'},
    {line: 3, text: ""},
    {line: 4, text: "last"}
  ];
  const variants: Record<string, Buffer> = {
    "plain.txt": Buffer.from(text, "utf-8"),
    "bom.txt": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf-8")]),
    "utf16le.txt": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
    "utf16be.txt": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]),
    "gzipped.log": gzipSync(Buffer.from(text, "utf-8"))
  };
  for (const [name, bytes] of Object.entries(variants)) {
    writeFileSync(join(dir, name), bytes);
    assert.deepEqual(await lines(join(dir, name)), expected, name);
  }
  assert.equal(await readText(join(dir, "utf16le.txt")), text);
});

test("a truncated gzip file fails with the file and the line where data stopped", async () => {
  const body = Array.from({length: 2000}, (_, i) => `{"n":${i},"pad":"${"x".repeat(40)}"}`).join("\n");
  const gz = gzipSync(Buffer.from(body));
  const path = join(dir, "truncated.ndjson.gz");
  writeFileSync(path, gz.subarray(0, Math.floor(gz.length / 2)));
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const {line} of readLines(path)) seen.push(line);
    })(),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.line, seen.length + 1);
      assert.match(error.message, /truncated\.ndjson\.gz:\d+: cannot read past this line: unexpected end of file/);
      return true;
    }
  );
  assert.ok(seen.length > 0 && seen.length < 2000);
});

test("a truncated gzip file yields every line that decompresses, every time (a resumed run must see what the first run saw)", async () => {
  // Random text (many compressed reads) and very compressible text (a few compressed bytes that
  // decompress to several output chunks at once, which a slow reader then has to pick up in turn).
  const bodies = {
    random: Array.from({length: 40_000}, (_, i) => `{"n":${i},"pad":"${randomBytes(30).toString("hex")}"}`).join("\n"),
    compressible: Array.from({length: 2_000}, (_, i) => `{"n":${i},"pad":"${"x".repeat(2_000)}"}`).join("\n")
  };
  for (const [name, body] of Object.entries(bodies)) {
    const gz = gzipSync(Buffer.from(body));
    const cut = gz.subarray(0, Math.floor(gz.length / 2));
    const path = join(dir, `cut-${name}.ndjson.gz`);
    writeFileSync(path, cut);
    // what zlib can decompress from the cut file, in one go: its complete lines are the answer
    const decompressible = gunzipSync(cut, {finishFlush: constants.Z_SYNC_FLUSH}).toString();
    const expected = decompressible.split("\n").length - 1;
    assert.ok(expected > 0, name);
    for (let attempt = 0; attempt < 4; attempt++) {
      // a consumer that is slow at first, as a loader waiting on DuckDB is, on alternate attempts
      const pause = () => (attempt % 2 === 1 ? new Promise((resolve) => setTimeout(resolve, 20)) : undefined);
      const textLines: number[] = [];
      await assert.rejects(async () => {
        for await (const {line} of readLines(path)) if (textLines.push(line) === 1) await pause();
      }, InputError);
      assert.equal(textLines.length, expected, `${name}, attempt ${attempt}: readLines`);
      let byteLines = 0;
      await assert.rejects(async () => {
        for await (const chunk of readLineChunks(path)) {
          byteLines += chunk.lines.length;
          await pause();
        }
      }, (error: unknown) => error instanceof InputError && error.line === expected + 1);
      assert.equal(byteLines, expected, `${name}, attempt ${attempt}: readLineChunks`);
    }
  }
});

test("a file that is gone when reading starts is an InputError naming it, not an unhandled stream error", async () => {
  const gone = join(dir, "vanished.ndjson");
  await assert.rejects(async () => {
    for await (const _ of readLines(gone)) assert.fail("no lines expected");
  }, (error: unknown) => error instanceof InputError && error.message.includes("vanished.ndjson"));
  await assert.rejects(async () => {
    for await (const _ of readLineChunks(gone)) assert.fail("no lines expected");
  }, InputError);
  await new Promise((resolve) => setTimeout(resolve, 100)); // an unheard stream error would surface here
});
