/**
 * Observable Framework configuration for the workbench's pages (src/ -> dist/).
 *
 * The site builds and runs without internet access (docs/offline-build.md): `npm run build` first
 * fills Framework's npm cache from node_modules (scripts/populate-npm-cache.ts), and the options
 * below switch off the two things that would still reach out: DuckDB extension downloads at
 * build time, and the Google Fonts stylesheet in the browser.
 */

import {existsSync, readdirSync} from "node:fs";
import {buildProfile, CONTENT_SECURITY_POLICY_META, OUTPUT_DIR, publishes} from "./src/data/lib/profile.ts";
import {dynamicPaths} from "./src/data/lib/routes.ts";

/** internal (default) or leadership: which pages and data this build publishes (docs/deploy.md). */
const profile = buildProfile();

interface PageLink {
  name: string;
  path: string;
}

interface Section {
  name: string;
  open?: boolean;
  pages: PageLink[];
}

/** Sidebar sections, in the order an escalation engineer reaches for them. */
const sections: Section[] = [
  {
    name: "Investigate",
    open: true,
    pages: [
      {name: "Investigate a user", path: "/investigate"},
      {name: "Markets & disputes", path: "/markets/"}
    ]
  },
  {
    name: "Support program",
    open: true,
    pages: [
      {name: "Program health", path: "/health"},
      {name: "Escalation patterns", path: "/escalations"},
      {name: "Incidents", path: "/incidents/"},
      {name: "Proactive outreach", path: "/outreach"},
      {name: "Product feedback", path: "/feedback"}
    ]
  },
  {
    name: "Warehouse",
    open: true,
    pages: [{name: "Ingest runs & quarantine", path: "/ingest"}]
  }
];

/** A page's source file: /health -> src/health.md, /incidents/ -> src/incidents/index.md. */
const pageExists = (path: string) => existsSync(`src${path.endsWith("/") ? `${path}index` : path}.md`);

/** Framework builds every listed page, so list only those whose source exists (and the profile publishes). */
const pages = sections
  .map((section) => ({...section, pages: section.pages.filter((page) => pageExists(page.path) && publishes(profile, page.path))}))
  .filter((section) => section.pages.length > 0);

/** /incidents/INC-1 -> is there a src/incidents/[param].md to build it from? */
const parameterizedPageExists = (path: string) => {
  const dir = `src${path.slice(0, path.lastIndexOf("/") + 1)}`;
  return existsSync(dir) && readdirSync(dir).some((file) => /^\[[^\]]+\]\.md$/.test(file));
};

/** Parameterized pages of this profile (the leadership site has no per-market pages) whose source exists. */
async function* profilePaths(): AsyncGenerator<string> {
  for await (const path of dynamicPaths()) if (publishes(profile, path) && parameterizedPageExists(path)) yield path;
}

const builtAt = new Date().toISOString().slice(0, 16).replace("T", " ");

export default {
  root: "src",
  /** The test suite builds into a temporary directory so it never clobbers a served dist/. */
  output: process.env.WORKBENCH_SITE_OUTPUT ?? OUTPUT_DIR[profile],
  title: "Escalation workbench",
  pages,
  dynamicPaths: profilePaths,
  sidebar: true,
  pager: false,
  search: false,
  toc: false, // pages are short; the width goes to tables and charts
  style: "style.css",
  // No Google Fonts: the default global stylesheet loads them from fonts.googleapis.com.
  globalStylesheets: [],
  // Extensions are downloaded at build time unless disabled; the pages never need them (no Parquet
  // or JSON inside DuckDB-WASM SQL: loaders emit Arrow IPC instead).
  duckdb: {extensions: {json: null, parquet: null}},
  // Same-origin scripts, data and workers only (scripts/serve.ts sends the same policy as a header).
  // An inline icon, so browsers do not ask the server for /favicon.ico.
  head: `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY_META}"><link rel="icon" href="data:image/svg+xml,${encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#4269d0"/><path d="M4 11l3-3 2 2 3-5" stroke="#fff" stroke-width="1.6" fill="none"/></svg>'
  )}">`,
  footer:
    `Escalation workbench · built ${builtAt} UTC from the warehouse; every page shows the data as of that build. ` +
    "Runs fully offline: no request leaves this server."
};
