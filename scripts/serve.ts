/**
 * Serves the built site (dist/) on 127.0.0.1: the pages' clean URLs (/ingest -> ingest.html),
 * `application/wasm` for DuckDB-WASM, and HTTP Range requests (DuckDB-WASM reads registered
 * files in ranges). No internet, no dependencies: the offline build's counterpart.
 *
 * Usage: tsx scripts/serve.ts [dir=dist] [--port N]   (port also from $PORT; default 3000)
 * `npm run demo` ends with it. Ctrl-C (SIGINT) or SIGTERM stops it cleanly. Every response carries
 * the site's Content-Security-Policy (src/data/lib/profile.ts). No authentication: see docs/deploy.md.
 *
 * Tests import `startServer(dir, 0)` to get a server on a free port.
 */
import {createReadStream, type Stats} from "node:fs";
import {stat} from "node:fs/promises";
import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {extname, join, resolve, sep} from "node:path";
import {pathToFileURL} from "node:url";
import {parseArgs} from "node:util";
import {CONTENT_SECURITY_POLICY_HEADER} from "../src/data/lib/profile.ts";

const HOST = "127.0.0.1";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".csv": "text/csv; charset=utf-8",
  ".tsv": "text/tab-separated-values; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2"
};

export interface SiteServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

async function fileStat(path: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

/** The file for a URL path: exact file, then clean URL (`.html`), then `index.html` in a folder. */
async function resolveFile(root: string, pathname: string): Promise<{path: string; stats: Stats} | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const base = resolve(root, `.${decoded}`);
  if (base !== root && !base.startsWith(root + sep)) return undefined; // no escaping the site
  const candidates = decoded.endsWith("/") ? [join(base, "index.html")] : [base, `${base}.html`, join(base, "index.html")];
  for (const path of candidates) {
    const stats = await fileStat(path);
    if (stats) return {path, stats};
  }
  return undefined;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` -> [start, end] inclusive; null when unsatisfiable. */
function parseRange(header: string, size: number): [number, number] | null | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined; // ignore what we do not understand
  let start: number;
  let end: number;
  if (match[1] === "") {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start <= end && start < size ? [start, end] : null;
}

function handler(root: string) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, {allow: "GET, HEAD"}).end();
      return;
    }
    const {pathname} = new URL(request.url ?? "/", `http://${HOST}`);
    const file = await resolveFile(root, pathname);
    if (!file) {
      const notFound = await resolveFile(root, "/404.html");
      response.writeHead(404, {"content-type": "text/html; charset=utf-8"});
      if (notFound && request.method === "GET") createReadStream(notFound.path).pipe(response);
      else response.end("Not found");
      return;
    }
    const {path, stats} = file;
    const headers: Record<string, string | number> = {
      "content-type": CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
      "accept-ranges": "bytes",
      "last-modified": stats.mtime.toUTCString(),
      // HTML must be re-read after a rebuild; hashed assets can be cached.
      "cache-control": path.endsWith(".html") ? "no-cache" : "public, max-age=300",
      // The pages' own <meta> policy, plus what only a header can say (frame-ancestors).
      "content-security-policy": CONTENT_SECURITY_POLICY_HEADER,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer"
    };
    const range = request.headers.range === undefined ? undefined : parseRange(request.headers.range, stats.size);
    if (range === null) {
      response.writeHead(416, {"content-range": `bytes */${stats.size}`}).end();
      return;
    }
    const [start, end] = range ?? [0, stats.size - 1];
    headers["content-length"] = stats.size === 0 ? 0 : end - start + 1;
    if (range) headers["content-range"] = `bytes ${start}-${end}/${stats.size}`;
    response.writeHead(range ? 206 : 200, headers);
    if (request.method === "HEAD" || stats.size === 0) response.end();
    else createReadStream(path, {start, end}).pipe(response);
  };
}

/** Serves `dir` on 127.0.0.1:`port` (0 picks a free port). */
export async function startServer(dir: string, port: number): Promise<SiteServer> {
  const root = resolve(dir);
  const serve = handler(root);
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, {"content-type": "text/plain"});
      response.end(String(error));
    });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, HOST, () => {
      server.off("error", fail);
      done();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${actual}/`,
    port: actual,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      })
  };
}

async function main(): Promise<void> {
  const {values, positionals} = parseArgs({options: {port: {type: "string"}}, allowPositionals: true});
  const dir = positionals[0] ?? "dist";
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${values.port ?? process.env.PORT}`);
  if (!(await fileStat(join(dir, "index.html")))) {
    throw new Error(`${dir}/index.html not found: build the site first (npm run build)`);
  }
  const site = await startServer(dir, port);
  console.log(`Escalation workbench: serving ${dir}/ at ${site.url}  (Ctrl-C to stop)`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the server`);
    site.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`serve: ${(error as NodeJS.ErrnoException).code === "EADDRINUSE" ? `port already in use (${message})` : message}`);
    process.exitCode = 1;
  });
}
