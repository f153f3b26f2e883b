// Nothing sensitive in what we publish. Builds both profiles from the demo world and scans every file
// of each built site (HTML, modules, Arrow/JSON/tar extracts) and the weekly report for the secrets the
// demo planted in its raw logs (API secrets, passphrases, POLY_SIGNATURE values, order signatures, FIX
// passwords, bearer tokens and private keys pasted into tickets), and, in the leadership site, for
// emails, full wallet addresses and API key ids: zero findings. The leadership site has only
// leadership pages, carries the CSP, and in Chromium makes no request off 127.0.0.1.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {join, relative} from "node:path";
import {after, before, test} from "node:test";
import {gunzipSync} from "node:zlib";
import {startServer, type SiteServer} from "../scripts/serve.ts";
import {CONTENT_SECURITY_POLICY_META, LEADERSHIP_PAGES, publishes} from "../src/data/lib/profile.ts";
import {launchBrowser, problems} from "./helpers/browser.ts";
import {demoWorld, type DemoWorld} from "./helpers/demo-world.ts";
import {buildSite, ROOT, serveDemoSite, type BuiltSite, type DemoSite} from "./helpers/site.ts";

interface Planted {
  /** Values no published file may contain, in any profile. */
  secrets: Set<string>;
  /** Values only the internal site may contain. */
  identities: Set<string>;
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

const rawText = (path: string) => (path.endsWith(".gz") ? gunzipSync(readFileSync(path)) : readFileSync(path)).toString("utf-8");

/** The sensitive values the demo world wrote into its raw sources. */
function plantedValues(world: DemoWorld): Planted {
  const secrets = new Set<string>();
  const identities = new Set<string>();
  const add = (set: Set<string>, value: unknown) => {
    if (typeof value === "string" && value.length >= 8 && value !== "[REDACTED]") set.add(value);
  };
  for (const path of files(join(world.dir, "api-logs"))) {
    for (const line of rawText(path).split("\n")) {
      if (!line.includes("POLY_")) continue;
      const record = JSON.parse(line) as {headers?: Record<string, string>; request_body?: {order?: {signature?: string}}};
      add(secrets, record.headers?.POLY_SIGNATURE);
      add(secrets, record.headers?.POLY_PASSPHRASE);
      add(secrets, record.request_body?.order?.signature);
      add(identities, record.headers?.POLY_API_KEY);
      add(identities, record.headers?.POLY_ADDRESS);
    }
  }
  for (const path of files(join(world.dir, "fix"))) {
    // eslint-disable-next-line no-control-regex -- SOH (0x01) is FIX's field separator
    for (const match of rawText(path).matchAll(/(?:^|[\x01|])554=([^\x01|\n]+)/g)) add(secrets, match[1]);
  }
  for (const path of files(join(world.dir, "intercom"))) {
    const text = rawText(path);
    for (const match of text.matchAll(/Bearer ([A-Za-z0-9_-]{20,})/g)) add(secrets, match[1]);
    for (const match of text.matchAll(/(?:secret|passphrase): ([A-Za-z0-9_=-]{16,})/g)) add(secrets, match[1]);
    for (const match of text.matchAll(/private key is (0x[0-9a-f]{64})/g)) add(secrets, match[1]);
    for (const match of text.matchAll(/"email":"([^"]+@[^"]+)"/g)) add(identities, match[1]);
    for (const match of text.matchAll(/"Wallet":"(0x[0-9a-fA-F]{40})"/g)) add(identities, match[1]);
  }
  return {secrets, identities};
}

interface Finding {
  file: string;
  kind: string;
  value: string;
}

/** Characters every planted value is made of (base64url, hex, emails): a text's tokens are its runs of them. */
const TOKEN = /[a-z0-9_\-=+/.@]+/g;

/**
 * Finds which of `values` (lower-case) occur in `text` (lower-case), as a whole token or inside
 * one. Hundreds of thousands of planted values against megabytes of extracts: one pass over the
 * text's tokens with set lookups per value length, instead of one text.includes per value.
 */
function occurrences(text: string, values: string[]): string[] {
  const byLength = new Map<number, Set<string>>();
  const odd: string[] = []; // values with other characters (none in the demo): searched the slow way
  for (const value of values) {
    if (!/^[a-z0-9_\-=+/.@]+$/.test(value)) odd.push(value);
    else (byLength.get(value.length) ?? byLength.set(value.length, new Set()).get(value.length)!).add(value);
  }
  const lengths = [...byLength.keys()].sort((a, b) => a - b);
  const found = new Set<string>(odd.filter((value) => text.includes(value)));
  for (const [token] of text.matchAll(TOKEN)) {
    if (token.length < lengths[0]) continue;
    for (const length of lengths) {
      if (length > token.length) break;
      const set = byLength.get(length)!;
      for (let at = 0; at + length <= token.length; at++) {
        const candidate = token.slice(at, at + length);
        if (set.has(candidate)) found.add(candidate);
      }
    }
  }
  return [...found];
}

/** Exact planted values (case-insensitive: addresses change case), plus generic email and address shapes in data and pages. */
function scan(dir: string, planted: Planted, leadership: boolean, contracts: Set<string>): Finding[] {
  const findings: Finding[] = [];
  const lists: [string, Set<string>][] = [["secret", planted.secrets], ...(leadership ? [["identity", planted.identities] as [string, Set<string>]] : [])];
  const lowered = lists.map(([kind, values]) => [kind, [...values].map((value) => value.toLowerCase())] as const);
  for (const path of files(dir)) {
    const file = relative(dir, path);
    const text = readFileSync(path).toString("latin1").toLowerCase();
    for (const [kind, values] of lowered) for (const value of occurrences(text, values)) findings.push({file, kind, value});
    // Library code (_npm, _observablehq) has authors' emails in comments; pages and page data must not.
    if (!leadership || file.startsWith("_npm") || file.startsWith("_observablehq")) continue;
    for (const [email] of text.matchAll(/[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g)) findings.push({file, kind: "email", value: email});
    for (const [address] of text.matchAll(/(?<![0-9a-f])0x[0-9a-f]{40}(?![0-9a-f])/g)) {
      if (!contracts.has(address)) findings.push({file, kind: "address", value: address});
    }
  }
  return findings;
}

/** Public contract addresses (config/networks): not anyone's wallet. */
function contractAddresses(): Set<string> {
  const out = new Set<string>();
  for (const path of files(join(ROOT, "config/networks"))) {
    for (const [address] of readFileSync(path, "utf-8").matchAll(/0x[0-9a-fA-F]{40}/g)) out.add(address.toLowerCase());
  }
  return out;
}

let world: DemoWorld;
let planted: Planted;
let internal: DemoSite;
let leadership: BuiltSite;
let server: SiteServer | undefined;

before(async () => {
  world = await demoWorld();
  planted = plantedValues(world);
  internal = await serveDemoSite();
  process.env.WORKBENCH_PROFILE = "leadership";
  try {
    leadership = await buildSite(world.db);
  } finally {
    delete process.env.WORKBENCH_PROFILE;
  }
});
after(async () => {
  await server?.close();
  await internal?.close();
  leadership?.dispose();
});

test("the demo world planted every kind of secret in its raw logs (so the scan below means something)", () => {
  const values = [...planted.secrets];
  assert.ok(values.some((value) => /^0x[0-9a-f]{64}$/.test(value)), "a private key pasted into a ticket");
  assert.ok(values.some((value) => /^0x[0-9a-f]{130}$/.test(value)), "an order signature");
  assert.ok(values.length >= 100, `${values.length} planted secrets`);
  assert.ok(planted.identities.size >= 50, `${planted.identities.size} emails, addresses and API key ids`);
});

test("the scanner finds a planted value as a whole token and inside a longer one, and nothing else", () => {
  const [whole, inside] = [...planted.secrets].slice(0, 2).map((value) => value.toLowerCase());
  const text = `{"k":"${whole}"} prefix${inside}suffix`;
  assert.deepEqual(occurrences(text, [whole, inside, "notplanted-0123456789"]).sort(), [whole, inside].sort());
});

test("internal site: no secret in any built file", () => {
  assert.deepEqual(scan(internal.dir, planted, false, contractAddresses()), []);
});

test("leadership site: no secret, email, full wallet address or API key id in any built file", () => {
  assert.deepEqual(scan(leadership.dir, planted, true, contractAddresses()).slice(0, 20), []);
});

test("leadership site: only leadership pages, each with the Content-Security-Policy", () => {
  const pages = [...files(leadership.dir)].filter((path) => path.endsWith(".html")).map((path) => `/${relative(leadership.dir, path).slice(0, -5)}`);
  assert.ok(pages.includes("/health") && pages.includes("/index"), pages.join(" "));
  for (const page of pages) {
    assert.ok(publishes("leadership", page), `${page} is not a leadership page (${LEADERSHIP_PAGES.join(" ")})`);
    assert.ok(readFileSync(join(leadership.dir, `${page}.html`), "utf-8").includes(`content="${CONTENT_SECURITY_POLICY_META}"`), `${page} has the CSP meta`);
  }
  for (const internalOnly of ["investigate", "ingest", "outreach"]) assert.ok(!existsSync(join(leadership.dir, `${internalOnly}.html`)), internalOnly);
});

test("the weekly health report (published to leadership) holds no secret", () => {
  const report = execFileSync(process.execPath, ["bin/workbench.mjs", "--db", world.db, "report", "health", "--week", "2026-W46", "--format", "md"], {cwd: ROOT, encoding: "utf-8"}).toLowerCase();
  for (const value of [...planted.secrets, ...planted.identities]) assert.ok(!report.includes(value.toLowerCase()), `the report contains ${value}`);
});

test("leadership site in Chromium: every page renders under its CSP, no request leaves 127.0.0.1", async () => {
  server = await startServer(leadership.dir, 0);
  const browser = await launchBrowser();
  try {
    const pages = [...files(leadership.dir)].filter((path) => path.endsWith(".html") && !path.endsWith("404.html"));
    for (const path of pages) {
      const name = relative(leadership.dir, path).slice(0, -5);
      const {report} = await browser.visit(`${server.url}${name === "index" ? "" : name}`, {screenshot: join(ROOT, "test/screenshots", `leadership-${name.replaceAll("/", "-")}.png`)});
      assert.deepEqual(problems(report), [], name);
      assert.deepEqual(report.offsite, [], name);
    }
  } finally {
    await browser.close();
  }
});
