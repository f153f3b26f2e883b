/**
 * What the ingest benchmarks share: each measurement runs in a fresh child process (so its peak RSS
 * is its own and caches start cold), the two sides interleaved so a noisy neighbour hits both, and
 * results kept per input size with a short history of every run (one run on a shared machine is
 * not a measurement).
 */
import {spawnSync} from "node:child_process";
import {mkdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {cpus, loadavg} from "node:os";
import {join} from "node:path";

export interface Measurement {
  seconds: number;
  /** User + system CPU seconds of the child (all threads): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  maxRssMb: number;
  rows?: number;
  summary?: unknown;
  phases?: Record<string, {wall: number; cpu: number}>;
}

/** Child side: times `work` and prints the measurement as the last stdout line. */
export async function reportChild(db: string, work: () => Promise<Partial<Measurement>>): Promise<void> {
  const dropDb = () => {
    for (const path of [db, `${db}.wal`]) rmSync(path, {force: true});
  };
  dropDb();
  const start = performance.now();
  const cpu = process.cpuUsage();
  const extra = await work();
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  dropDb();
  const result: Measurement = {seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...extra};
  console.log(JSON.stringify(result));
}

/** Parent side: runs `script --child <kind> ...args` and returns the child's measurement. */
export function measureInChild(script: string, kind: string, args: string[]): Measurement {
  const out = spawnSync(process.execPath, ["--import", "tsx", script, "--child", kind, ...args], {
    encoding: "utf-8",
    maxBuffer: 64 << 20,
    stdio: ["ignore", "pipe", "inherit"]
  });
  if (out.status !== 0) throw new Error(`${kind} child failed with status ${out.status}`);
  const lines = out.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Measurement;
}

/**
 * Runs `script`'s two child kinds ("read_json", the baseline, and "ingest", the loader) `repeat`
 * times, interleaved, printing each measurement as it lands.
 */
export function interleave(script: string, repeat: number, args: string[], loaderName: string): {loader: Measurement[]; baseline: Measurement[]} {
  const baseline: Measurement[] = [];
  const loader: Measurement[] = [];
  const line = (name: string, m: Measurement) =>
    `${name.padEnd(15)} ${m.seconds.toFixed(2)} s  cpu ${m.cpuSeconds.toFixed(2)} s  peak RSS ${m.maxRssMb} MB${m.phases ? `  ${JSON.stringify(m.phases)}` : ""}`;
  for (let i = 0; i < repeat; i++) {
    baseline.push(measureInChild(script, "read_json", args));
    console.log(line("read_json", baseline[i]));
    loader.push(measureInChild(script, "ingest", args));
    console.log(line(loaderName, loader[i]));
  }
  return {loader, baseline};
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

export const best = (list: Measurement[]): Measurement => list.reduce((a, b) => (b.seconds < a.seconds ? b : a));

/** Both sides' figures and the ratios (loader / baseline) for `units` records of input. */
export function compare(loader: Measurement[], baseline: Measurement[], units: number) {
  const loaderBest = best(loader);
  const baselineBest = best(baseline);
  const side = (list: Measurement[], top: Measurement) => ({
    best_seconds: top.seconds,
    median_seconds: median(list.map((m) => m.seconds)),
    per_second: Math.round(units / top.seconds),
    cpu_seconds: top.cpuSeconds,
    peak_rss_mb: Math.max(...list.map((m) => m.maxRssMb)),
    rows: top.rows
  });
  return {
    loader: {...side(loader, loaderBest), phases_of_best_run_seconds: loaderBest.phases, summary: loaderBest.summary},
    baseline: side(baseline, baselineBest),
    ratio_best: Number((loaderBest.seconds / baselineBest.seconds).toFixed(2)),
    cpu_ratio: Number((loaderBest.cpuSeconds / baselineBest.cpuSeconds).toFixed(2)),
    ratio_median: Number((median(loader.map((m) => m.seconds)) / median(baseline.map((m) => m.seconds))).toFixed(2)),
    runs: {loader: loader.map((m) => m.seconds), baseline: baseline.map((m) => m.seconds)}
  };
}

export function machine() {
  return {cpus: cpus().length, node: process.version, loadavg: loadavg()};
}

/**
 * Writes bench/results/<name>.json: `latest`, one entry per input (`by_input[key]`, so the small,
 * medium and large figures sit side by side) and a one-line history of every run.
 */
export function writeResults(name: string, key: string, results: Record<string, unknown>, historyLine: Record<string, unknown>): string {
  const dir = join(import.meta.dirname, "..", "results");
  mkdirSync(dir, {recursive: true});
  const output = join(dir, `${name}.json`);
  let previous: {by_input?: Record<string, unknown>; history?: unknown[]} = {};
  try {
    previous = JSON.parse(readFileSync(output, "utf-8")) as typeof previous;
  } catch {
    // first run
  }
  const document = {
    benchmark: name,
    latest: results,
    by_input: {...previous.by_input, [key]: results},
    history: [...(previous.history ?? []), {date: new Date().toISOString(), input: key, ...historyLine}]
  };
  writeFileSync(output, `${JSON.stringify(document, null, 2)}\n`);
  return output;
}
