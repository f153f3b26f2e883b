/** How long-running loaders report progress without knowing whether they talk to a terminal. */
export interface Progress {
  /** `total` undefined when unknown (streams); `unit` names what `done` counts. */
  update(done: number, total: number | undefined, unit: string): void;
  /** A line worth keeping in the output (a file finished, a retry, a warning). */
  note(message: string): void;
}

export const silentProgress: Progress = {update() {}, note() {}};
