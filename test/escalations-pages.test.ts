// The escalations, outreach and feedback pages built from the demo world and opened in headless
// Chromium: no console errors or offsite requests, the key figures present, the feedback page's
// numbers equal `workbench report feedback --format json` for the same period, filters in the URL,
// and no email, full wallet address or API key on the leadership pages.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readFileSync, readdirSync} from "node:fs";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {FeedbackReport} from "../analysis/feedback/report.ts";
import {CHROMIUM, launchBrowser, problems, type Browser} from "./helpers/browser.ts";
import {ROOT, serveDemoSite, type DemoSite} from "./helpers/site.ts";

const figure = (page: import("playwright-core").Page, id: string) => page.$eval(`#${id}`, (n) => n.getAttribute("data-value"));

describe("the escalation pages in Chromium", {skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`}, () => {
  let site: DemoSite;
  let browser: Browser;
  before(async () => {
    site = await serveDemoSite();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  test("escalations: signatures and category trends render, filters live in the URL", async () => {
    const {page, report} = await browser.visit(`${site.url}escalations?tier=VIP&category=order_validation`, {screenshot: "test/screenshots/escalations.png"});
    assert.deepEqual(problems(report), []);
    assert.ok(Number(await figure(page, "fig-signatures")) > 10);
    const signatures = await page.$$eval("#signatures tbody tr", (rows) => rows.map((r) => r.querySelector("td")?.textContent ?? ""));
    assert.ok(signatures.includes("order {hash} is invalid. Price ({price}) breaks minimum tick size rule: {tick}"), signatures.join("\n"));
    assert.ok(signatures.includes("invalid order version, please use the latest clob-client"));
    assert.match(page.url(), /tier=VIP/);
    assert.match(page.url(), /category=order_validation/);
  });

  test("outreach: the portfolio with shortened wallets and no emails", async () => {
    const {page, report} = await browser.visit(`${site.url}outreach`, {screenshot: "test/screenshots/outreach.png"});
    assert.deepEqual(problems(report), []);
    assert.ok(Number(await figure(page, "fig-portfolio")) > 0);
    const text = await page.textContent("main");
    assert.ok(!/@[a-z0-9.-]+\.[a-z]{2,}/i.test(text ?? ""), "an email on the outreach page");
    assert.ok(!/0x[0-9a-f]{40}/i.test(text ?? ""), "a full wallet on the outreach page");
    assert.match(text ?? "", /0x[0-9a-f]{4}…[0-9a-f]{4}/);
  });

  test("feedback: the page shows what the CLI prints for the same period, leadership-safe", async () => {
    const data = JSON.parse(readFileSync(join(site.dir, "_file/data", readdirSync(join(site.dir, "_file/data")).find((f) => f.startsWith("feedback."))!), "utf-8"));
    const period = data.periods[0];
    const result = spawnSync(process.execPath, ["bin/workbench.mjs", "--db", site.world.db, "report", "feedback", "--from", period.from, "--to", period.to, "--format", "json"], {cwd: ROOT, encoding: "utf-8"});
    assert.equal(result.status, 0, result.stderr);
    const cli = JSON.parse(result.stdout) as FeedbackReport;
    assert.deepEqual(data.reports[period.id], cli);
    const {page, report} = await browser.visit(`${site.url}feedback?period=${period.id}`, {screenshot: "test/screenshots/feedback.png"});
    assert.deepEqual(problems(report), []);
    assert.equal(Number(await figure(page, "fig-tickets")), cli.totals.tickets);
    assert.equal(Number(await figure(page, "fig-weighted")), cli.totals.weighted);
    const first = await page.$eval("#pain-categories tbody tr td", (td) => td.textContent);
    assert.equal(first, cli.pain_points.categories[0].key);
    const text = (await page.textContent("main")) ?? "";
    assert.ok(!/@[a-z0-9.-]+\.[a-z]{2,}/i.test(text) && !/0x[0-9a-f]{40}/i.test(text) && !/[0-9a-f]{8}-[0-9a-f]{4}-/i.test(text), "PII on the feedback page");
    await page.emulateMedia({media: "print"});
    assert.equal(await page.$eval(".filters", (n) => getComputedStyle(n).display), "none");
  });
});
