/**
 * `workbench`: the one command-line entry point. Global options come before the command:
 *   workbench [--db FILE] [--wait SECONDS] <command> [options]
 */
import {DEFAULT_WAREHOUSE} from "../loaders/warehouse/connection.ts";
import {UsageError, WorkbenchError} from "../loaders/errors.ts";
import type {Command} from "./command.ts";
import {demoCommand} from "./commands/demo.ts";
import {ingestCommand} from "./commands/ingest.ts";
import {investigateCommand} from "./commands/investigate.ts";
import {rejectsCommand} from "./commands/rejects.ts";
import {reportCommand} from "./commands/report/index.ts";
import {statusCommand} from "./commands/status.ts";

const COMMANDS: Command[] = [demoCommand, ingestCommand, statusCommand, rejectsCommand, reportCommand, investigateCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    "workbench: tickets, API traffic and on-chain money in one DuckDB warehouse",
    "",
    "usage: workbench [--db FILE] [--wait SECONDS] <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "global options:",
    `  --db FILE        warehouse file (default ${DEFAULT_WAREHOUSE}, or $WORKBENCH_DB)`,
    "  --wait SECONDS   wait this long for another ingest to release the warehouse (default 0)",
    "",
    "Run `workbench <command> --help` for a command's options."
  ].join("\n");
}

async function main(argv: string[]): Promise<void> {
  let db = process.env.WORKBENCH_DB || DEFAULT_WAREHOUSE;
  let waitSeconds = 0;
  let i = 0;
  for (; i < argv.length && argv[i].startsWith("-"); i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") {
      console.log(help());
      return;
    }
    const value = argv[i + 1];
    if (flag === "--db" && value) db = value;
    else if (flag === "--wait" && value && Number.isFinite(Number(value))) waitSeconds = Number(value);
    else throw new UsageError(`unknown or incomplete global option ${flag}\n\n${help()}`);
    i++;
  }
  const name = argv[i];
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(name ? `unknown command "${name}"\n\n${help()}` : help());
  const args = argv.slice(i + 1);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`${command.summary}\n\nusage: ${command.usage}`);
    return;
  }
  await command.run({db, waitSeconds, args});
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof WorkbenchError) {
    console.error(`workbench: ${error.message}`);
    process.exitCode = error.exitCode;
  } else {
    // An unexpected failure: say so plainly, keep the stack for the bug report.
    console.error("workbench: unexpected error (please report it with the lines below)");
    console.error(error);
    process.exitCode = 70;
  }
});
