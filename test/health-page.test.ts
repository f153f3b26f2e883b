// The health page, built from the fixture warehouse and opened in headless Chromium: the numbers
// on the page equal `workbench report health --format json` for the same week, the week picker
// keeps its value in the URL, ticket ids link to the investigation page, no email or wallet
// reaches the page, and the print stylesheet leaves a clean report.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {Page} from "playwright-core";
import type {HealthReport} from "../analysis/health/report.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {startServer, type SiteServer} from "../scripts/serve.ts";
import {CHROMIUM, launchBrowser, problems, type Browser} from "./helpers/browser.ts";
import {buildSite, ROOT, type BuiltSite} from "./helpers/site.ts";

const POLICY = "test/fixtures/health/sla-policy.json";

function cli(db: string, week: string): HealthReport {
  const result = spawnSync(process.execPath, ["bin/workbench.mjs", "--db", db, "report", "health", "--week", week, "--policy", POLICY, "--format", "json"], {
    cwd: ROOT,
    encoding: "utf-8"
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as HealthReport;
}

async function kpis(page: Page): Promise<Record<string, string>> {
  return page.$$eval("#kpis [data-value]", (nodes) => Object.fromEntries(nodes.map((n) => [n.id.replace(/^kpi-/, ""), n.getAttribute("data-value") ?? ""])));
}

async function rows(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent?.trim() ?? "")));
}

const asText = (value: number | null) => (value === null ? "" : String(value));

/** The week the picker shows (its option labels start with the ISO week). */
async function pickedWeek(page: Page): Promise<string> {
  return page.$eval(".week-picker select", (select) => (select as HTMLSelectElement).selectedOptions[0]?.textContent?.slice(0, 8) ?? "");
}

async function pickWeek(page: Page, week: string): Promise<void> {
  const labels = await page.$$eval(".week-picker select option", (options) => options.map((o) => o.textContent ?? ""));
  await page.locator(".week-picker select").selectOption({index: labels.findIndex((label) => label.startsWith(week))});
}

describe("the health page in Chromium", {skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`}, () => {
  let dir: string;
  let db: string;
  let site: BuiltSite;
  let server: SiteServer;
  let browser: Browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "health-page-"));
    db = join(dir, "warehouse.duckdb");
    const warehouse = await Warehouse.open(db);
    await warehouse.run(readFileSync(join(ROOT, "test/fixtures/health/warehouse.sql"), "utf-8"));
    warehouse.close();
    process.env.WORKBENCH_SLA_POLICY = POLICY; // the page data loader runs with the test policy
    site = await buildSite(db);
    server = await startServer(site.dir, 0);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    site?.dispose();
    delete process.env.WORKBENCH_SLA_POLICY;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  test("?week=2026-W46 shows the CLI's numbers for 2026-W46", async () => {
    const expected = cli(db, "2026-W46");
    const {page, report} = await browser.visit(new URL("/health?week=2026-W46", server.url).href);
    try {
      assert.deepEqual(problems(report), []);
      assert.equal(await pickedWeek(page), "2026-W46");
      const shown = await kpis(page);
      for (const key of ["tickets_created", "tickets_closed", "frt_p50_minutes", "ttc_p50_minutes", "sla_hit_rate", "csat_score", "reopen_rate"] as const) {
        assert.equal(shown[key], asText(expected[key]), key);
      }
      assert.equal(shown.sla_attainment, asText(expected.sla_policy.overall.attainment));
      // the hand-computed values, as displayed
      assert.equal(await page.locator("#kpi-frt_p50_minutes").textContent(), "25 min");
      assert.equal(await page.locator("#kpi-sla_hit_rate").textContent(), "50.0%");

      const tiers = await rows(page, "by-tier");
      assert.deepEqual(tiers.map((r) => r[0]), expected.by_tier.map((t) => t.tier));
      assert.deepEqual(tiers.map((r) => Number(r[1])), expected.by_tier.map((t) => t.tickets_created));
      assert.deepEqual(tiers[0].slice(0, 7), ["VIP", "2", "2", "35 min", "47 min", "7 h", "11 h"]);
      assert.deepEqual((await rows(page, "by-category")).map((r) => r[0]), expected.by_category.map((c) => c.category));
      // conversations created per category over the eight weeks, W39..W46
      const categoryTrend = await rows(page, "category-trend");
      for (const row of categoryTrend) {
        const counts = expected.trend_by_category.filter((c) => c.category === row[0]);
        assert.deepEqual(row.slice(1), expected.trend.map((w) => String(counts.find((c) => c.week === w.week)?.tickets_created ?? 0)), row[0]);
      }
      assert.equal(categoryTrend.length, new Set(expected.trend_by_category.map((c) => c.category)).size);

      const misses = await rows(page, "sla-misses");
      assert.deepEqual(misses.map((r) => r[0]), expected.sla_policy.misses.flatMap((m) => m.missed.map(() => m.ticket_id)));
      assert.equal(await page.locator("#sla-misses a.ticket").first().getAttribute("href"), "./investigate?q=1002");
      assert.deepEqual((await rows(page, "sla-disagreements")).map((r) => [r[0], r[3], r[4]]), [["1007", "missed", "hit"]]);
      assert.deepEqual((await rows(page, "agents")).map((r) => [r[0], r[1]]), expected.agents.map((a) => [a.agent_name, String(a.assigned)]));
      assert.deepEqual((await rows(page, "escalations")).map((r) => r[0]), expected.escalations.items.map((e) => e.ticket_id));
      assert.deepEqual((await rows(page, "csat-low")).map((r) => r[4]), ["Took two days. Reach me at [email] or [address]", "ok"]);
      assert.equal(await page.locator("#frt-chart svg[class*=plot] rect").count() > 0, true, "the FRT histogram drew bars");
      assert.equal(await page.locator("#arrivals svg[class*=plot] rect").count() >= 7, true, "one cell per arrival hour");
      assert.doesNotMatch(await page.content(), /@example\.com|0x[0-9a-f]{40}/i, "no emails or wallets on the page");
    } finally {
      await page.close();
    }
  });

  test("the week picker keeps its value in the URL", async () => {
    const {page, report} = await browser.visit(new URL("/health", server.url).href);
    try {
      assert.deepEqual(problems(report), []);
      // no week in the URL: the newest week with conversations, written into the URL
      assert.equal(await pickedWeek(page), "2026-W47");
      assert.equal(new URL(page.url()).searchParams.get("week"), "2026-W47");
      const everyWeek = (urls: string[]) => urls.filter((url) => url.includes("/data/health-weeks."));
      assert.deepEqual(everyWeek(report.requests), [], "the newest week opens without the every-week file");
      const later: string[] = [];
      page.on("request", (request) => later.push(request.url()));
      await pickWeek(page, "2026-W45");
      await page.waitForFunction(() => new URL(location.href).searchParams.get("week") === "2026-W45");
      const expected = cli(db, "2026-W45");
      // the week's file arrives asynchronously now: wait for the header to name the week, then compare
      await page.waitForFunction(() => document.querySelector(".print-only")?.textContent?.includes("2026-W45"));
      assert.equal((await kpis(page)).tickets_created, String(expected.tickets_created));
      assert.equal((await kpis(page)).frt_p50_minutes, asText(expected.frt_p50_minutes));
      assert.equal(everyWeek(later).length, 1, "an earlier week fetches the every-week file, once");
      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll("observablehq-loading").length === 0);
      assert.equal(await pickedWeek(page), "2026-W45", "a reload keeps the week");
    } finally {
      await page.close();
    }
  });

  test("prints as a clean report: no navigation or controls, the week in the header", async () => {
    const {page} = await browser.visit(new URL("/health?week=2026-W46", server.url).href);
    try {
      await page.emulateMedia({media: "print"});
      const display = (selector: string) => page.$eval(selector, (node) => getComputedStyle(node).display);
      assert.equal(await display("#observablehq-sidebar"), "none");
      assert.equal(await display(".week-picker"), "none");
      assert.notEqual(await display(".print-only"), "none");
      assert.match((await page.locator(".print-only").textContent()) ?? "", /2026-W46 · 9–15 Nov 2026/);
      const pdf = await page.pdf({format: "A4", printBackground: false});
      assert.ok(pdf.length > 10_000, "a PDF with content");
    } finally {
      await page.close();
    }
  });

  test("the page data carries no emails, wallets or message bodies", () => {
    const dataDir = join(site.dir, "_file", "data");
    const files = readdirSync(dataDir).filter((name) => /^health(-weeks)?\.\w+\.json$/.test(name));
    assert.equal(files.length, 2, "data/health.json and data/health-weeks.json were built");
    for (const file of files) {
      const text = readFileSync(join(dataDir, file), "utf-8");
      assert.doesNotMatch(text, /@example\.com|0x[0-9a-f]{40}|my orders fail|still failing/i, file);
    }
  });
});
