/**
 * The investigation page in Chromium: time from navigation to the page's first render, to the first
 * lookup's result (DuckDB-WASM start included), then 20 lookups of different people typed into the
 * search box (search -> identity and timeline rendered), p50 / p95. Baseline, in the same run: a
 * plain fetch of the bucket file each lookup read (ratio = lookup / fetch: what querying costs on
 * top of moving the bytes). Target: lookup p95 < 500 ms after the first load.
 *
 *   npx tsx bench/investigate-page.ts [--lookups 20]                   -> bench/results/investigate-page.json
 *   npx tsx bench/investigate-page.ts --dist DIR --db WAREHOUSE       (a site already built from WAREHOUSE)
 *   npx tsx bench/investigate-page.ts --db WAREHOUSE                  (builds the site from WAREHOUSE first)
 *   npx tsx bench/investigate-page.ts --scale small|medium|large      (builds the site from that bench demo world)
 *
 * Without --dist it uses the test suite's demo site (built once and cached; $WORKBENCH_TEST_WORLD pins a world).
 */
import {basename} from "node:path";
import {parseArgs} from "node:util";
import type {Page} from "playwright-core";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {startServer, type SiteServer} from "../scripts/serve.ts";
import {launchBrowser, problems} from "../test/helpers/browser.ts";
import {buildSite, serveDemoSite} from "../test/helpers/site.ts";
import {benchDemoWarehouse, parseScale} from "./lib/demo.ts";
import {machine, median, writeResults} from "./lib/measure.ts";

const {values} = parseArgs({options: {lookups: {type: "string"}, dist: {type: "string"}, db: {type: "string"}, scale: {type: "string"}}});
const LOOKUPS = Number(values.lookups ?? 20);
const TARGET_P95_MS = 500;

const percentile = (list: number[], p: number) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const round = (ms: number) => Math.round(ms * 10) / 10;

/** People to look up: one funder each, spread over the buckets (md5 order is arbitrary but fixed). */
async function funders(db: string, count: number): Promise<string[]> {
  const warehouse = await Warehouse.open(db, {readOnly: true});
  try {
    const rows = await warehouse.all<{funder: string}>(
      `SELECT funders[1] AS funder FROM users WHERE len(funders) > 0 ORDER BY md5(person_id) LIMIT ${count + 1}`
    );
    return rows.map((r) => r.funder);
  } finally {
    warehouse.close();
  }
}

/** A lookup that shows nothing for this long is a failure, not a slow measurement. */
const LOOKUP_TIMEOUT_MS = 15_000;

/** In the page: submit `query`, resolve when its identity card and timeline are on screen. */
async function timedLookup(page: Page, query: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`lookup of ${query}: no identity card and timeline after ${LOOKUP_TIMEOUT_MS / 1000} s`)), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([timeout, lookupInPage(page, query)]);
  } finally {
    clearTimeout(timer); // a pending timer per lookup would keep the run alive after the last one
  }
}

function lookupInPage(page: Page, query: string): Promise<number> {
  return page.evaluate(
    (q) =>
      new Promise<number>((done) => {
        const rendered = () => {
          const person = document.querySelector(`#result[data-query="${q}"]`)?.getAttribute("data-person");
          return person != null && document.querySelector(`#timeline-section [data-person="${person}"]`) != null;
        };
        const input = document.querySelector<HTMLInputElement>("#search input")!;
        const observer = new MutationObserver(() => {
          if (rendered()) {
            observer.disconnect();
            done(performance.now() - started);
          }
        });
        observer.observe(document.body, {childList: true, subtree: true, attributes: true});
        const started = performance.now();
        input.value = q;
        // Inputs.text keeps its submit button disabled until an input event says the text changed
        input.dispatchEvent(new Event("input", {bubbles: true}));
        document.querySelector<HTMLButtonElement>("#search button")!.click();
      }),
    query
  );
}

/** In the page: the last bucket file fetched, fetched again bypassing the cache (the baseline). */
async function refetchLastBucket(page: Page): Promise<{ms: number; bytes: number}> {
  return page.evaluate(async () => {
    const entries = performance.getEntriesByType("resource").filter((e) => e.name.includes("/investigate/bucket-"));
    const url = entries[entries.length - 1].name;
    const started = performance.now();
    const bytes = (await (await fetch(url, {cache: "no-store"})).arrayBuffer()).byteLength;
    return {ms: performance.now() - started, bytes};
  });
}

let site: {url: string; db: string; key: string; close(): Promise<void>};
if (values.dist) {
  if (!values.db) throw new Error("--dist needs --db: the warehouse the site was built from (to pick people to look up)");
  const server: SiteServer = await startServer(values.dist, 0);
  site = {url: server.url, db: values.db, key: basename(values.db), close: () => server.close()};
} else if (values.scale || values.db) {
  const db = values.db ?? benchDemoWarehouse(parseScale(values.scale)).db;
  const built = await buildSite(db);
  const server: SiteServer = await startServer(built.dir, 0);
  site = {url: server.url, db, key: values.scale ?? basename(db), close: async () => (await server.close(), built.dispose())};
} else {
  const demo = await serveDemoSite();
  site = {url: demo.url, db: demo.world.db, key: demo.world.key, close: () => demo.close()};
}

const browser = await launchBrowser();
try {
  const [first, ...others] = await funders(site.db, LOOKUPS);
  const pageUrl = new URL("/investigate", site.url);
  // tsx compiles the functions handed to page.evaluate with esbuild's keepNames, which wraps named
  // functions in __name(): give the page a no-op one.
  await browser.context.addInitScript({content: "globalThis.__name = (fn) => fn;"});

  // First render: navigation to the search box and prose (no identifier yet).
  const blank = await browser.context.newPage();
  await blank.goto(pageUrl.href);
  await blank.waitForSelector("#search input");
  const firstRenderMs = await blank.evaluate(() => performance.now());
  await blank.close();

  // First lookup from the URL: navigation -> identity and timeline rendered, DuckDB-WASM start included.
  await browser.context.addInitScript(() => {
    const observer = new MutationObserver(() => {
      if (document.querySelector("#timeline-section [data-person]")) {
        (window as unknown as {firstResultMs: number}).firstResultMs = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, {childList: true, subtree: true});
  });
  const {page, report} = await browser.visit(`${pageUrl.href}?q=${encodeURIComponent(first)}`);
  const firstLookupMs = await page.evaluate(() => (window as unknown as {firstResultMs: number}).firstResultMs);
  const issues = problems(report);
  if (issues.length) throw new Error(`the page has problems:\n${issues.join("\n")}`);

  const lookups: number[] = [];
  const fetches: number[] = [];
  const bytes: number[] = [];
  for (const query of others) {
    lookups.push(await timedLookup(page, query));
    const baseline = await refetchLastBucket(page);
    fetches.push(baseline.ms);
    bytes.push(baseline.bytes);
  }
  await page.close();

  const lookupP95 = percentile(lookups, 95);
  const results = {
    site: site.key,
    lookups: lookups.length,
    first_render_ms: round(firstRenderMs),
    first_lookup_ms: round(firstLookupMs),
    lookup_ms: {p50: round(median(lookups)), p95: round(lookupP95), max: round(Math.max(...lookups))},
    bucket_fetch_ms: {p50: round(median(fetches)), p95: round(percentile(fetches, 95))},
    bucket_bytes: {p50: Math.round(median(bytes)), max: Math.max(...bytes)},
    ratio_lookup_to_fetch_p50: round(median(lookups) / median(fetches)),
    target_lookup_p95_ms: TARGET_P95_MS,
    target_met: lookupP95 < TARGET_P95_MS,
    runs_ms: lookups.map(round),
    machine: machine()
  };
  console.log(JSON.stringify(results, null, 2));
  writeResults("investigate-page", site.key, results, {lookup_p50_ms: results.lookup_ms.p50, lookup_p95_ms: results.lookup_ms.p95, first_render_ms: results.first_render_ms});
} finally {
  await browser.close();
  await site.close();
}
