// The incident pages on the demo site in Chromium: the index lists exactly the detected incidents
// (the same figures as analysis/incidents/), its filters live in the URL, and each incident's page
// shows its impact figures, the window chart, the planted tickets linking to the investigation
// page, and the draft customer update with a working copy button. No emails or wallet addresses
// reach either page. No timed assertions.
import assert from "node:assert/strict";
import {existsSync, mkdirSync} from "node:fs";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {Page} from "playwright-core";
import {listIncidents, type IncidentSummary} from "../analysis/incidents/incidents.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {CHROMIUM, launchBrowser, problems, type Browser} from "./helpers/browser.ts";
import {ROOT, serveDemoSite, type DemoSite} from "./helpers/site.ts";

const SCREENSHOTS = join(ROOT, "test/screenshots");
const FIVE_MINUTES = 5 * 60_000;
/** What must never reach these pages (leadership publishes them): emails and wallet addresses. */
const PII = /[^\s@<>()]+@[^\s@<>()]+\.[A-Za-z]{2,}|0x[0-9a-fA-F]{40}/;

async function rows(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent?.trim() ?? "")));
}

async function figures(page: Page): Promise<Record<string, string>> {
  return page.$$eval("#impact [data-value]", (nodes) => Object.fromEntries(nodes.map((n) => [n.id, n.getAttribute("data-value") ?? ""])));
}

describe("the incident pages in Chromium", {skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`}, () => {
  let site: DemoSite;
  let browser: Browser;
  let incidents: IncidentSummary[];

  before(async () => {
    site = await serveDemoSite();
    const warehouse = await Warehouse.open(site.world.db, {readOnly: true});
    try {
      incidents = await listIncidents(warehouse);
    } finally {
      warehouse.close();
    }
    browser = await launchBrowser();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {origin: new URL(site.url).origin});
    mkdirSync(SCREENSHOTS, {recursive: true});
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  const open = (path: string, screenshot?: string) => browser.visit(new URL(path, site.url).href, screenshot ? {screenshot: join(SCREENSHOTS, screenshot)} : {});

  test("the index lists every detected incident with its figures, linking to its page", async () => {
    assert.equal(incidents.length, site.world.truth.incidents.length);
    const {page, report} = await open("/incidents/", "incidents-index.png");
    try {
      assert.deepEqual(problems(report), []);
      const table = await rows(page, "incidents");
      assert.deepEqual(table.map((r) => r[0]), incidents.map((i) => i.id));
      for (const [i, row] of table.entries()) {
        const incident = incidents[i];
        assert.equal(row[1], incident.severity);
        assert.equal(row[6], incident.failed_requests.toLocaleString("en-US"));
        assert.match(row[9], new RegExp(`^${incident.affected_users} \\(`));
        assert.equal(row[12], String(incident.tickets));
      }
      const hrefs = await page.$$eval("#incidents a.incident", (links) => links.map((a) => (a as HTMLAnchorElement).href));
      assert.deepEqual(hrefs, incidents.map((i) => new URL(`/incidents/${i.id}`, site.url).href));
      assert.equal(await page.locator("#incident-count").getAttribute("data-value"), String(incidents.length));
      assert.equal(await page.locator("#timeline svg a").count(), incidents.length, "one clickable dot per incident");
      assert.doesNotMatch(await page.locator("main").innerText(), PII);
    } finally {
      await page.close();
    }
  });

  test("the severity filter lives in the URL", async () => {
    const sev2 = incidents.filter((i) => i.severity === "SEV2");
    assert.ok(sev2.length > 0 && sev2.length < incidents.length, "the demo has incidents of more than one severity");
    const {page, report} = await open("/incidents/?severity=SEV2");
    try {
      assert.deepEqual(problems(report), []);
      assert.deepEqual((await rows(page, "incidents")).map((r) => r[0]), sev2.map((i) => i.id));
      await page.locator(".filters select").first().selectOption("all");
      await page.waitForFunction(() => !location.search.includes("severity="));
      await page.locator(".filters select").first().selectOption("SEV1");
      await page.waitForFunction(() => location.search.includes("severity=SEV1"));
      await page.waitForFunction((n) => document.querySelectorAll("#incidents tbody tr").length === n, incidents.filter((i) => i.severity === "SEV1").length);
    } finally {
      await page.close();
    }
  });

  test("each incident's page: impact figures, the window chart, the planted tickets, the draft update", async () => {
    for (const planted of site.world.truth.incidents) {
      const incident = incidents.find((i) => Math.abs(Date.parse(i.start) - Date.parse(planted.start)) <= FIVE_MINUTES)!;
      assert.ok(incident, `${planted.id} detected`);
      const {page, report} = await open(`/incidents/${incident.id}`, `incident-${planted.kind}.png`);
      try {
        assert.deepEqual(problems(report), [], incident.id);
        assert.match((await page.locator("h1").textContent()) ?? "", new RegExp(`^${incident.id}: `));
        assert.deepEqual(await figures(page), {
          failed_requests: String(incident.failed_requests),
          failed_orders: String(incident.failed_orders),
          affected_users: String(incident.affected_users),
          affected_vip_users: String(incident.affected_vip_users)
        });
        assert.equal(await page.locator("#impact-statement").textContent(), incident.impact_statement);
        assert.equal(await page.locator("#window-chart .card").count(), 2, "two window charts");
        assert.ok((await page.locator("#window-chart svg").count()) >= 2, "drawn");

        const tickets = await rows(page, "tickets");
        assert.deepEqual(tickets.map((r) => r[0]).sort(), [...planted.ticket_ids].sort());
        const hrefs = await page.$$eval("#tickets a.ticket", (links) => links.map((a) => (a as HTMLAnchorElement).href));
        assert.deepEqual(hrefs.sort(), planted.ticket_ids.map((t) => new URL(`/investigate?q=${t}`, site.url).href).sort());
        for (const row of tickets) assert.match(row[3], /^u_[0-9a-f]{12}$/, "people as pseudonymous ids");

        const update = page.locator("#customer-update");
        assert.equal(await update.locator("p").textContent(), incident.customer_update.body);
        const expected = `${incident.customer_update.title} (${incident.customer_update.status})\n\n${incident.customer_update.body}`;
        await update.locator("button.copy").click();
        await page.waitForFunction(async (text) => (await navigator.clipboard.readText()) === text, expected);

        assert.doesNotMatch(await page.locator("main").innerText(), PII, incident.id);
      } finally {
        await page.close();
      }
    }
  });
});
