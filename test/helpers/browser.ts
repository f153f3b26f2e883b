/**
 * Headless Chromium (Debian's /usr/bin/chromium through playwright-core) for the site tests:
 * a fresh profile per run, every request watched, anything not on 127.0.0.1 aborted.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {chromium, type BrowserContext, type Page} from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
];

/** Requests the site may make: its own server, and in-page data and blob URLs. */
export function isLocalUrl(url: string): boolean {
  return /^(http:\/\/127\.0\.0\.1(:\d+)?\/|data:|blob:|about:)/.test(url);
}

export interface PageReport {
  url: string;
  /** Every request the page made (including workers). */
  requests: string[];
  /** Requests to any host other than 127.0.0.1 (aborted by the route backstop). */
  offsite: string[];
  /** Requests that failed at the network level. */
  failed: string[];
  /** Responses with status >= 400. */
  httpErrors: string[];
  consoleErrors: string[];
  pageErrors: string[];
  /** Error messages Framework rendered in place of a cell's output. */
  cellErrors: string[];
  /** Cells still showing Framework's loading indicator when the page settled. */
  stillLoading: number;
}

export interface Browser {
  context: BrowserContext;
  /** Opens `url`, waits until every cell has rendered and the network is idle, reports problems. */
  visit(url: string, options?: {screenshot?: string}): Promise<{page: Page; report: PageReport}>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "workbench-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: {width: 1280, height: 900},
    deviceScaleFactor: 1,
    colorScheme: "light",
    timezoneId: "UTC",
    locale: "en-GB",
    serviceWorkers: "block"
  });
  // The backstop: nothing leaves 127.0.0.1 even if a page tries (the attempt is still reported).
  await context.route((url) => !isLocalUrl(url.href), (route) => route.abort("blockedbyclient"));

  async function visit(url: string, options: {screenshot?: string} = {}): Promise<{page: Page; report: PageReport}> {
    const report: PageReport = {
      url,
      requests: [],
      offsite: [],
      failed: [],
      httpErrors: [],
      consoleErrors: [],
      pageErrors: [],
      cellErrors: [],
      stillLoading: 0
    };
    const onRequest = (request: {url(): string}) => {
      report.requests.push(request.url());
      if (!isLocalUrl(request.url())) report.offsite.push(request.url());
    };
    context.on("request", onRequest);
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") report.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => report.pageErrors.push(String(error)));
    page.on("requestfailed", (request) => report.failed.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`));
    page.on("response", (response) => {
      if (response.status() >= 400) report.httpErrors.push(`${response.status()} ${response.url()}`);
    });
    try {
      await page.goto(url, {waitUntil: "load"});
      // Framework replaces each cell's <observablehq-loading> placeholder when the cell displays
      // something (DuckDB-WASM cells take a moment: worker start, wasm compile, Arrow insert). A
      // cell that never displays keeps its spinner forever: that is a page bug, reported below.
      await page
        .waitForFunction(() => document.querySelectorAll("observablehq-loading").length === 0, undefined, {timeout: 30_000})
        .catch(() => undefined);
      await page.waitForLoadState("networkidle");
      report.stillLoading = await page.locator("observablehq-loading").count();
      report.cellErrors = await page.$$eval(".observablehq--error", (nodes) => nodes.map((n) => n.textContent ?? ""));
      if (options.screenshot) await page.screenshot({path: options.screenshot, fullPage: true});
    } finally {
      context.off("request", onRequest);
    }
    return {page, report};
  }

  return {
    context,
    visit,
    async close() {
      await context.close();
      rmSync(profile, {recursive: true, force: true});
    }
  };
}

/** Everything that went wrong on a page, one line each (empty when the page is clean). */
export function problems(report: PageReport): string[] {
  return [
    ...report.offsite.map((u) => `request to another host: ${u}`),
    ...report.failed.map((f) => `failed request: ${f}`),
    ...report.httpErrors.map((e) => `HTTP error: ${e}`),
    ...report.consoleErrors.map((m) => `console error: ${m}`),
    ...report.pageErrors.map((e) => `page error: ${e}`),
    ...report.cellErrors.map((e) => `cell error: ${e}`),
    ...(report.stillLoading ? [`${report.stillLoading} cell(s) still loading after 30 s`] : [])
  ];
}
