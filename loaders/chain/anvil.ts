/**
 * A local anvil node (from the @foundry-rs/anvil npm package) for the demo replay, the tests and
 * the benchmark. The binary is spawned directly (the npx wrapper does not forward SIGTERM), its
 * cache goes to a temp dir (anvil otherwise leaves per-block state under ~/.foundry), and it is
 * killed when this process exits.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {createRequire} from "node:module";
import {createServer, type AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {WorkbenchError} from "../errors.ts";

export interface AnvilOptions {
  port?: number;
  /** Load this state file at start (`--load-state`). */
  loadState?: string;
  /** Write the state to this file on a clean exit (`--dump-state`). */
  dumpState?: string;
  /**
   * States of past blocks kept in memory (`--prune-history`, default 100,000: every block of a
   * test chain). Each costs memory: the large demo's replay passed 16 GB at two thirds with every
   * state kept, so it keeps a few; logs, receipts and the head's state are kept either way.
   */
  keepStates?: number;
  /** Extra command-line flags. */
  args?: string[];
}

export interface Anvil {
  url: string;
  port: number;
  process: ChildProcess;
  /** SIGTERM (state is dumped), then cleans the cache dir. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, nothing dumped. */
  kill(): Promise<void>;
  output(): string;
}

const require = createRequire(import.meta.url);

export function anvilBinary(): string {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const platform = process.platform === "win32" ? "win32" : process.platform;
  try {
    const dir = dirname(require.resolve(`@foundry-rs/anvil-${platform}-${arch}/package.json`));
    return join(dir, "bin", platform === "win32" ? "anvil.exe" : "anvil");
  } catch (error) {
    throw new WorkbenchError(
      `no anvil binary for ${platform}-${arch}: run npm install (it ships in @foundry-rs/anvil), or set ANVIL_BIN`,
      {cause: error}
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const {port} = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const port = options.port ?? (await freePort());
  const cacheDir = mkdtempSync(join(tmpdir(), "workbench-anvil-"));
  const args = [
    "--host", "127.0.0.1",
    "--port", String(port),
    "--chain-id", "137",
    "--silent",
    "--cache-path", cacheDir,
    "--prune-history", String(options.keepStates ?? 100_000),
    "--gas-limit", "1000000000",
    "--code-size-limit", "100000",
    ...(options.loadState ? ["--load-state", options.loadState] : []),
    ...(options.dumpState ? ["--dump-state", options.dumpState] : []),
    ...(options.args ?? [])
  ];
  const child = spawn(anvilBinary(), args, {stdio: ["ignore", "pipe", "pipe"]});
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const cleanup = () => {
    process.removeListener("exit", killOnExit);
    rmSync(cacheDir, {recursive: true, force: true});
  };
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    cleanup();
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      cleanup();
      throw new WorkbenchError(`anvil exited with code ${child.exitCode}: ${output.trim()}`);
    }
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {"content-type": "application/json"},
        body: JSON.stringify({jsonrpc: "2.0", id: 1, method: "eth_chainId", params: []})
      });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await end("SIGKILL");
      throw new WorkbenchError(`anvil did not answer on ${url} within 20 s: ${output.trim()}`);
    }
    await new Promise((done) => setTimeout(done, 25));
  }
  return {url, port, process: child, stop: () => end("SIGTERM"), kill: () => end("SIGKILL"), output: () => output};
}
