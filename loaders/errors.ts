/**
 * Named errors with messages a support engineer can act on. The CLI prints `message` (never a bare
 * stack) and exits with `exitCode`.
 */
export class WorkbenchError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong flags or arguments on the command line. */
export class UsageError extends WorkbenchError {
  override readonly exitCode = 2;
}

/** An input file that cannot be read at all (missing, unreadable, unknown encoding). */
export class InputError extends WorkbenchError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    reason: string,
    options?: {cause?: unknown}
  ) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${reason}`, options);
  }
}

/** Another process holds the warehouse's write lock. */
export class WarehouseInUseError extends WorkbenchError {
  constructor(
    readonly path: string,
    holder: string
  ) {
    super(
      `warehouse in use: ${path} is locked by another workbench process (${holder}). ` +
        `Wait for it to finish, or pass --wait <seconds>.`
    );
  }
}

/** A run that read nothing it could load: the CLI exits non-zero. */
export class NothingLoadedError extends WorkbenchError {
  constructor(source: string, input: string, rejected: number) {
    super(
      `${source}: nothing could be loaded from ${input}` +
        (rejected ? ` (${rejected} records rejected; see: workbench rejects --source ${source})` : " (no records found)")
    );
  }
}
