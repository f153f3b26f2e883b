/**
 * Progress output: one redrawn line on a terminal, plain timestamped lines (at most every few
 * seconds) when piped to a file or CI log.
 */
import type {Progress} from "../loaders/progress.ts";

const PLAIN_INTERVAL_MS = 5000;
const TTY_INTERVAL_MS = 100;

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress & {done(): void} {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let drawn = false;
  const render = (done: number, total: number | undefined, unit: string): string => {
    if (total === undefined || total === 0) return `${label}: ${done.toLocaleString("en-US")} ${unit}`;
    const share = Math.min(1, done / total);
    const width = 24;
    const bar = tty ? `[${"#".repeat(Math.round(share * width)).padEnd(width, ".")}] ` : "";
    return `${label}: ${bar}${(share * 100).toFixed(0)}% ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${unit}`;
  };
  const clear = () => {
    if (tty && drawn) stream.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    update(done, total, unit) {
      const now = Date.now();
      if (now - last < (tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
      last = now;
      if (tty) {
        stream.write(`\r\x1b[2K${render(done, total, unit)}`);
        drawn = true;
      } else stream.write(`${new Date(now).toISOString()} ${render(done, total, unit)}\n`);
    },
    note(message) {
      clear();
      stream.write(`${label}: ${message}\n`);
    },
    done: clear
  };
}
