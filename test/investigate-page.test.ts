// The investigation page on the demo site in Chromium: a ticket id and a funder address from
// truth.json's root causes resolve to that user (identity, the cited evidence requests on the
// timeline, the planted root cause as the top diagnosis); a lookup fetches one index shard and one
// bucket; filters live in the URL; nonsense shows the empty state. No timed assertions.
import assert from "node:assert/strict";
import {existsSync, mkdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {Page} from "playwright-core";
import {BUCKETS, INDEX_SHARDS, bucketFileName, indexFileName} from "../src/components/investigate.ts";
import {CHROMIUM, launchBrowser, problems, type Browser} from "./helpers/browser.ts";
import type {Truth} from "./helpers/demo-world.ts";
import {ROOT, serveDemoSite, type DemoSite} from "./helpers/site.ts";

const SCREENSHOTS = join(ROOT, "test/screenshots");
/** Root causes whose evidence cites failed REST requests: the timeline must list those ids. */
const CODES = ["signature_type_mismatch", "missing_allowance", "tick_size_precision", "fok_killed"];

type RootCause = Truth["root_causes"][number];

/** Requests a root cause cites as rejected, with the exact error (what the timeline must show). */
function rejectedRequests(cause: RootCause): {request_id: string; error: string}[] {
  return (cause.evidence.rejected_requests as {request_id: string; error: string}[] | undefined) ?? [];
}

async function timelineRefs(page: Page): Promise<Map<string, {error: string; severity: string}>> {
  const rows = await page.$$eval("#timeline tbody tr", (trs) =>
    trs.map((tr) => [tr.getAttribute("data-ref") ?? "", {error: tr.querySelector("td.error")?.textContent ?? "", severity: tr.className}] as const)
  );
  return new Map(rows);
}

/** Extract files the page fetched: names without Framework's content hash. */
function extractFiles(requests: string[]): string[] {
  return requests
    .filter((url) => url.includes("/_file/data/investigate/"))
    .map((url) => url.split("/").pop()!.replace(/\.[0-9a-f]{8}\.arrow$/, ".arrow"))
    .sort();
}

describe("the investigation page in Chromium", {skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`}, () => {
  let site: DemoSite;
  let browser: Browser;
  let truth: Truth;

  before(async () => {
    site = await serveDemoSite();
    truth = site.world.truth;
    browser = await launchBrowser();
    mkdirSync(SCREENSHOTS, {recursive: true});
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  const open = (query: string, screenshot?: string) =>
    browser.visit(new URL(`/investigate?q=${encodeURIComponent(query)}`, site.url).href, screenshot ? {screenshot: join(SCREENSHOTS, screenshot)} : {});

  test("the client lists exactly the extract files the loader writes", () => {
    const client = readFileSync(join(ROOT, "src/data/investigate-client.js"), "utf-8");
    const listed = [...client.matchAll(/FileAttachment\("investigate\/([^"]+)"\)/g)].map((m) => m[1]).sort();
    const expected = [...Array.from({length: INDEX_SHARDS}, (_, i) => indexFileName(i)), ...Array.from({length: BUCKETS}, (_, i) => bucketFileName(i))].sort();
    assert.deepEqual(listed, expected);
  });

  for (const code of CODES) {
    test(`${code}: the ticket id and the funder find the user, the cited requests and the diagnosis`, async () => {
      const cause = truth.root_causes.find((c) => c.code === code);
      assert.ok(cause, `truth.json has no ${code}`);
      let person = "";
      for (const [query, shot] of [
        [cause.ticket_id, `investigate-${code}.png`],
        [cause.user, undefined]
      ] as const) {
        const {page, report} = await open(query, shot);
        try {
          assert.deepEqual(problems(report), []);
          const result = page.locator("#result");
          assert.equal(await result.getAttribute("data-query"), query);
          person ||= (await result.getAttribute("data-person")) ?? "";
          assert.equal(await result.getAttribute("data-person"), person, `${query} resolves to the same person as the ticket`);

          const funders = await page.locator("#identity-funder a").allTextContents();
          const eoas = await page.locator("#identity-eoa a").allTextContents();
          assert.ok(funders.includes(cause.user.toLowerCase()), `funder ${cause.user} in ${funders}`);
          if (cause.eoa.toLowerCase() !== cause.user.toLowerCase()) assert.ok(eoas.includes(cause.eoa.toLowerCase()), `EOA ${cause.eoa} in ${eoas}`);
          assert.ok((await page.locator("#identity-tickets").textContent())?.includes(cause.ticket_id));

          const refs = await timelineRefs(page);
          const rejected = rejectedRequests(cause);
          assert.ok(rejected.length > 0);
          for (const {request_id, error} of rejected) {
            assert.ok(refs.has(request_id), `${request_id} on the timeline`);
            assert.deepEqual(refs.get(request_id), {error, severity: "sev-warning"}, "a 4xx reject is the client's to fix: a warning");
          }

          const codes = await page.locator("#diagnoses .diagnosis").evaluateAll((cards) => cards.map((c) => c.getAttribute("data-code")));
          assert.equal(codes[0], code, `top diagnosis of ${query}: ${codes}`);

          const files = extractFiles(report.requests);
          assert.equal(files.length, 2, `one index shard and one bucket: ${files}`);
          assert.match(files[0], /^bucket-\d{3}\.arrow$/);
          assert.match(files[1], /^index-\d{3}\.arrow$/);
        } finally {
          await page.close();
        }
      }
    });
  }

  test("a discrepancy the engine explains is marked on the balances table", async () => {
    const cause = truth.root_causes.find((c) => c.code === "unredeemed_winnings")!;
    const discrepancies = truth.discrepancies.filter((d) => d.user === cause.user);
    const {page, report} = await open(cause.user);
    try {
      assert.deepEqual(problems(report), []);
      for (const d of discrepancies) {
        const row = page.locator(`#balances tr[data-asset="${d.asset}"]`);
        assert.equal(await row.count(), 1, `a balance row for ${d.asset}`);
        assert.match((await row.textContent()) ?? "", /explained: unredeemed_winnings/);
      }
    } finally {
      await page.close();
    }
  });

  test("timeline filters live in the URL and narrow the rows", async () => {
    const cause = truth.root_causes.find((c) => c.code === "signature_type_mismatch")!;
    const {page, report} = await open(`${cause.ticket_id}`);
    try {
      assert.deepEqual(problems(report), []);
      await page.locator("#filters select").first().selectOption("rest");
      // the source re-renders the filters and the timeline: let that finish before the next click
      await page.waitForFunction(() => {
        const rows = Array.from(document.querySelectorAll("#timeline tbody tr"));
        return new URL(location.href).searchParams.get("source") === "rest" && rows.length > 0 && rows.every((tr) => tr.getAttribute("data-source") === "rest");
      });
      await page.locator("#filters input[type=radio]").nth(1).check();
      // the URL changes before the filtered timeline arrives from DuckDB-WASM: wait for the rows too
      await page.waitForFunction(() => {
        const rows = Array.from(document.querySelectorAll("#timeline tbody tr"));
        return (
          new URL(location.href).searchParams.get("severity") === "problems" &&
          rows.length > 0 &&
          rows.every((tr) => tr.getAttribute("data-source") === "rest" && /^sev-(error|warning)$/.test(tr.className))
        );
      });
      const url = new URL(page.url());
      assert.equal(url.searchParams.get("q"), cause.ticket_id);
      assert.equal(url.searchParams.get("source"), "rest");
      const sources = await page.$$eval("#timeline tbody tr", (trs) => trs.map((tr) => `${tr.getAttribute("data-source")} ${tr.className}`));
      assert.ok(sources.length > 0);
      for (const s of sources) assert.match(s, /^rest sev-(error|warning)$/);
      // the same URL opened afresh shows the same filtered timeline
      const again = await browser.visit(url.href);
      try {
        assert.deepEqual(problems(again.report), []);
        assert.deepEqual(await again.page.$$eval("#timeline tbody tr", (trs) => trs.map((tr) => `${tr.getAttribute("data-source")} ${tr.className}`)), sources);
      } finally {
        await again.page.close();
      }
    } finally {
      await page.close();
    }
  });

  test("a nonsense query shows what was searched and the formats; no bucket is fetched", async () => {
    const {page, report} = await open("definitely-not-an-identifier", "investigate-no-match.png");
    try {
      assert.deepEqual(problems(report), []);
      const text = (await page.locator("#no-match").textContent()) ?? "";
      assert.match(text, /definitely-not-an-identifier/);
      assert.match(text, /Intercom conversation id/);
      assert.equal(await page.locator("#result").count(), 0);
      const files = extractFiles(report.requests);
      assert.equal(files.length, 1);
      assert.match(files[0], /^index-\d{3}\.arrow$/);
    } finally {
      await page.close();
    }
  });
});
