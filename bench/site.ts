/**
 * Benchmark: the site build and what each page costs a browser.
 *
 *   npx tsx bench/site.ts [--scale small|medium|large | --db FILE [--label NAME]]   -> bench/results/site.json
 *
 * --scale builds from that demo world (generated and ingested once, bench/lib/demo.ts).
 *
 * 1. `npm run build` against the warehouse into a temporary directory: total wall time and the share
 *    spent in page data loaders (Framework prints each loader's time) vs Framework itself.
 * 2. Every built page (one per parameterized route) opened in headless Chromium: the bytes the page
 *    downloaded before its first chart appeared and the time to that chart, against a baseline
 *    measured in the same run: Framework's own 404 page (runtime, stylesheet, no data).
 *    Target: under 2 MB before the first chart on summary pages.
 */
import {existsSync, mkdtempSync, readdirSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {basename, join, relative, resolve} from "node:path";
import {parseArgs} from "node:util";
import type {Page} from "playwright-core";
import {DEFAULT_WAREHOUSE} from "../loaders/warehouse/connection.ts";
import {startServer} from "../scripts/serve.ts";
import {launchBrowser} from "../test/helpers/browser.ts";
import {buildSite} from "../test/helpers/site.ts";
import {benchDemoWarehouse, parseScale} from "./lib/demo.ts";
import {machine, writeResults} from "./lib/measure.ts";

const SUMMARY_BUDGET_BYTES = 2 * 1024 * 1024;
/** A chart: Plot's SVG (class plot-…) or a figure's canvas. */
const CHART = 'svg[class*="plot"], figure canvas';

const {values} = parseArgs({options: {db: {type: "string"}, label: {type: "string"}, scale: {type: "string"}}});
const db = resolve(values.scale ? benchDemoWarehouse(parseScale(values.scale)).db : (values.db ?? process.env.WORKBENCH_DB ?? DEFAULT_WAREHOUSE));
if (!existsSync(db)) throw new Error(`no warehouse at ${db}: run \`npx workbench demo\`, pass --db or --scale`);
const label = values.label ?? values.scale ?? basename(db, ".duckdb");

// ---- build (the tests' helper: it waits for any other build sharing Framework's cache)
const built = await buildSite(db, mkdtempSync(join(tmpdir(), "bench-site-")));
const dist = built.dir;
const buildSeconds = built.seconds;
const log = built.log;
// "copy src/data/health.json → load /data/health.json → [missing] success 809 kB in 1505ms"
const loaders = [...log.matchAll(/load (\/\S+) → .*? success ([\d.]+ [kMG]?B) in (\d+)ms/g)].map((m) => ({file: m[1], size: m[2], ms: Number(m[3])}));
const loaderSeconds = loaders.reduce((sum, l) => sum + l.ms, 0) / 1000;

// ---- pages
function pagePaths(): string[] {
  const paths: string[] = [];
  const visit = (dir: string) => {
    const entries = readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name));
    let sampled = false; // one parameterized page per directory is enough
    for (const entry of entries) {
      if (entry.name.startsWith("_")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith(".html") && entry.name !== "404.html") {
        const isIndex = entry.name === "index.html";
        if (dir !== dist && !isIndex && sampled) continue;
        if (dir !== dist && !isIndex) sampled = true;
        const clean = `/${relative(dist, path).slice(0, -".html".length)}`.replace(/(^|\/)index$/, "$1");
        paths.push(clean || "/");
      }
    }
  };
  visit(dist);
  return paths;
}

interface PageCost {
  path: string;
  first_chart_ms: number | null;
  bytes_before_first_chart: number | null;
  load_ms: number;
  total_bytes: number;
  requests: number;
}

async function measurePage(page: Page, url: string, path: string): Promise<PageCost> {
  const finished: {at: number; bytes: number}[] = [];
  page.on("requestfinished", (request) => {
    const at = performance.now();
    void request.sizes().then((sizes) => finished.push({at, bytes: sizes.responseBodySize + sizes.responseHeadersSize}));
  });
  const start = performance.now();
  await page.goto(url, {waitUntil: "load"});
  const loadMs = performance.now() - start;
  const chartAt = await page
    .waitForSelector(CHART, {timeout: 60_000})
    .then(() => performance.now())
    .catch(() => null);
  // a page that never goes quiet (the large /markets/ index once) must not stall the whole run
  await page.waitForLoadState("networkidle", {timeout: 60_000}).catch(() => undefined);
  await page.waitForTimeout(200); // let the last sizes() promises settle
  const bytes = (until: number) => finished.filter((f) => f.at <= until).reduce((sum, f) => sum + f.bytes, 0);
  return {
    path,
    first_chart_ms: chartAt === null ? null : Math.round(chartAt - start),
    bytes_before_first_chart: chartAt === null ? null : bytes(chartAt),
    load_ms: Math.round(loadMs),
    total_bytes: bytes(Infinity),
    requests: finished.length
  };
}

const server = await startServer(dist, 0);
const browser = await launchBrowser();
const pages: PageCost[] = [];
let baseline: PageCost;
try {
  const visit = async (path: string) => {
    const page = await browser.context.newPage();
    try {
      return await measurePage(page, new URL(path, server.url).href, path);
    } finally {
      await page.close();
    }
  };
  baseline = await visit("/404");
  for (const path of pagePaths()) {
    const cost = await visit(path);
    pages.push(cost);
    const mb = (n: number | null) => (n === null ? "–" : `${(n / 1048576).toFixed(2)} MB`);
    console.log(`${path.padEnd(28)} first chart ${cost.first_chart_ms ?? "–"} ms, ${mb(cost.bytes_before_first_chart)} before it, ${mb(cost.total_bytes)} in all`);
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dist, {recursive: true, force: true});
}

const results = {
  benchmark: "site",
  date: new Date().toISOString(),
  command: values.scale ? `npx tsx bench/site.ts --scale ${values.scale}` : `npx tsx bench/site.ts --db ${relative(process.cwd(), db) || db} --label ${label}`,
  warehouse: db,
  machine: machine(),
  build: {
    seconds: Number(buildSeconds.toFixed(1)),
    page_data_loader_seconds: Number(loaderSeconds.toFixed(1)),
    page_data_loader_share: Number((loaderSeconds / buildSeconds).toFixed(2)),
    framework_share: Number((1 - loaderSeconds / buildSeconds).toFixed(2)),
    loaders
  },
  baseline_404: baseline!,
  pages: pages.map((p) => ({
    ...p,
    first_chart_vs_404_load: p.first_chart_ms === null ? null : Number((p.first_chart_ms / baseline!.load_ms).toFixed(1)),
    bytes_before_first_chart_vs_404: p.bytes_before_first_chart === null ? null : Number((p.bytes_before_first_chart / baseline!.total_bytes).toFixed(1)),
    within_2mb_budget: p.bytes_before_first_chart === null ? null : p.bytes_before_first_chart <= SUMMARY_BUDGET_BYTES
  }))
};
const output = writeResults("site", label, results, {
  build_seconds: results.build.seconds,
  page_data_loader_share: results.build.page_data_loader_share,
  largest_bytes_before_first_chart: Math.max(0, ...pages.map((p) => p.bytes_before_first_chart ?? 0))
});
console.log(`\nbuild ${results.build.seconds} s (page data loaders ${(results.build.page_data_loader_share * 100).toFixed(0)}%) -> ${output}`);
