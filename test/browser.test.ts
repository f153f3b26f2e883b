/**
 * The built site in a real browser, offline: `npm run build` against a small warehouse (or
 * $WORKBENCH_TEST_DB), dist/ served on 127.0.0.1, every page opened in headless Chromium.
 * A page fails on any console error, page error, cell error, failed request, HTTP error, or any
 * request to a host other than 127.0.0.1. Screenshots land in test/screenshots/<page>.png.
 *
 *   npx tsx --test test/browser.test.ts
 *   WORKBENCH_TEST_DB=data/warehouse.duckdb npx tsx --test test/browser.test.ts   # the demo warehouse
 */
import assert from "node:assert/strict";
import {existsSync, mkdirSync, readdirSync, readFileSync} from "node:fs";
import {join, relative} from "node:path";
import {after, before, describe, test} from "node:test";
import {startServer, type SiteServer} from "../scripts/serve.ts";
import {CHROMIUM, launchBrowser, problems, type Browser} from "./helpers/browser.ts";
import {buildSite, ROOT, testWarehouse, type BuiltSite, type TestWarehouse} from "./helpers/site.ts";

const SCREENSHOTS = join(ROOT, "test", "screenshots");

/** Hosts the built site must never reference in what the browser loads. */
const FORBIDDEN_HOSTS = ["cdn.jsdelivr.net", "fonts.googleapis.com", "extensions.duckdb.org"];

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** dist/*.html -> the clean URL path Framework links to ("/" for index.html, "/ingest" for ingest.html). */
function pagePaths(dist: string): {name: string; path: string}[] {
  return readdirSync(dist)
    .filter((file) => file.endsWith(".html") && file !== "404.html")
    .sort()
    .map((file) => {
      const name = file.slice(0, -".html".length);
      return {name, path: name === "index" ? "/" : `/${name}`};
    });
}

describe("the site, built and browsed offline", {skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`}, () => {
  let warehouse: TestWarehouse;
  let site: BuiltSite;
  let server: SiteServer;
  let browser: Browser;

  before(async () => {
    warehouse = await testWarehouse();
    site = await buildSite(warehouse.path);
    server = await startServer(site.dir, 0);
    browser = await launchBrowser();
    mkdirSync(SCREENSHOTS, {recursive: true});
    console.log(`# built in ${site.seconds.toFixed(1)} s from ${warehouse.temporary ? "a temporary warehouse" : warehouse.path}`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    site?.dispose();
    warehouse?.dispose();
  });

  test("the build downloads nothing: no npm: or duckdb: fetches in its log", () => {
    const fetched = site.log.split("\n").filter((line) => /^(npm|duckdb):\S+ (→|->)/.test(line.trim()));
    assert.deepEqual(fetched, [], `the build fetched:\n${fetched.join("\n")}`);
  });

  test("no html/js/css in dist/ refers to a CDN, Google Fonts or the DuckDB extension repository", () => {
    // DuckDB-WASM's own files carry these URLs as inert defaults (getJsDelivrBundles(), the
    // extension repository compiled into the .wasm); Framework never calls them with our config
    // (its manifest lists no extensions), and the browser test below proves no request goes out.
    const inert = join(site.dir, "_npm", "@duckdb");
    const offenders: string[] = [];
    for (const file of files(site.dir)) {
      if (file.startsWith(inert) || !/\.(html|js|css)$/.test(file)) continue;
      const text = readFileSync(file, "utf-8");
      for (const host of FORBIDDEN_HOSTS) if (text.includes(host)) offenders.push(`${relative(site.dir, file)}: ${host}`);
    }
    assert.deepEqual(offenders, []);
  });

  test("every page renders without errors and without leaving 127.0.0.1", async (t) => {
    const pages = pagePaths(site.dir);
    assert.ok(pages.some((p) => p.name === "index"), "dist/index.html was built");
    for (const {name, path} of pages) {
      await t.test(path, async () => {
        const {page, report} = await browser.visit(new URL(path, server.url).href, {screenshot: join(SCREENSHOTS, `${name}.png`)});
        try {
          assert.deepEqual(problems(report), [], `${path} had problems`);
          assert.ok(report.requests.length > 0);
          const title = await page.title();
          assert.match(title, /Escalation workbench/);
        } finally {
          await page.close();
        }
      });
    }
  });

  test("home page: the weekly tickets chart has marks, and DuckDB-WASM counted every ticket", async () => {
    const {page, report} = await browser.visit(server.url);
    try {
      assert.deepEqual(problems(report), []);
      // DuckDB-WASM really ran in the page: its worker and wasm were loaded from this server
      assert.ok(report.requests.some((u) => /duckdb-browser-(eh|mvp)\.worker\.[\w.]*js$/.test(u)), "DuckDB worker loaded");
      assert.ok(report.requests.some((u) => /duckdb-(eh|mvp)\.wasm$/.test(u)), "DuckDB wasm loaded");

      const total = page.locator("#ticket-total");
      assert.equal(Number(await total.getAttribute("data-value")), warehouse.tickets, "DuckDB-WASM ticket total = rows in tickets");
      assert.equal((await total.textContent())?.trim(), warehouse.tickets.toLocaleString("en-US"));
      assert.equal(Number(await page.locator("#quarantine-total").getAttribute("data-value")), warehouse.rejects);

      if (warehouse.tickets > 0) {
        const bars = await page.locator("#tickets-chart svg[class*=plot] g[aria-label=rect] rect").count();
        assert.ok(bars > 0, "the chart drew bars");
      }
      const sources = await page.locator("#sources-table tbody tr").count();
      assert.ok(sources >= 3, "the sources table lists every source");
    } finally {
      await page.close();
    }
  });
});

describe("the site with an empty warehouse", {skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`}, () => {
  let warehouse: TestWarehouse;
  let site: BuiltSite;
  let server: SiteServer;
  let browser: Browser;

  before(async () => {
    warehouse = await testWarehouse({empty: true});
    site = await buildSite(warehouse.path);
    server = await startServer(site.dir, 0);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    site?.dispose();
    warehouse?.dispose();
  });

  test("every page renders its empty state without errors", async (t) => {
    for (const {name, path} of pagePaths(site.dir)) {
      await t.test(path, async () => {
        const {page, report} = await browser.visit(new URL(path, server.url).href, {
          screenshot: join(SCREENSHOTS, `${name}-empty.png`)
        });
        try {
          assert.deepEqual(problems(report), [], `${path} had problems`);
          assert.ok((await page.locator(".empty").count()) > 0, `${path} shows an empty-state message`);
          if (name === "index") assert.equal(await page.locator("#ticket-total").getAttribute("data-value"), "0");
        } finally {
          await page.close();
        }
      });
    }
  });
});

test("without a warehouse file the build fails and says how to create one", async () => {
  const missing = join(ROOT, "test", ".cache", "no-such-warehouse.duckdb");
  await assert.rejects(buildSite(missing), (error: Error) => {
    assert.match(error.message, /no warehouse at .*no-such-warehouse\.duckdb/);
    assert.match(error.message, /npx workbench demo/);
    return true;
  });
});
