/** `workbench demo`: generate the seeded demo world with its ground truth, then ingest it. */
import {generateDemo, type DemoScale} from "../../demo/generate.ts";
import {UsageError} from "../../loaders/errors.ts";
import {parseInteger, parseOptions, type Command} from "../command.ts";
import {createProgress} from "../progress.ts";
import {ingestDemoWorld} from "./ingest.ts";

const USAGE = "workbench demo [--seed N] [--scale small|medium|large] [--out DIR] [--no-ingest]";
const SCALES: DemoScale[] = ["small", "medium", "large"];

export const demoCommand: Command = {
  name: "demo",
  summary: "generate the demo world (raw sources + truth.json) and ingest it",
  usage: USAGE,
  async run(context) {
    const {values} = parseOptions(
      context.args,
      {seed: {type: "string"}, scale: {type: "string"}, out: {type: "string"}, "no-ingest": {type: "boolean"}},
      USAGE
    );
    const scale = (values.scale ?? "small") as DemoScale;
    if (!SCALES.includes(scale)) throw new UsageError(`--scale must be one of ${SCALES.join(", ")}, got "${scale}"`);
    const out = values.out ?? "data/demo";
    const progress = createProgress("demo");
    const started = performance.now();
    const summary = await generateDemo({
      seed: parseInteger("seed", values.seed, 42),
      scale,
      out,
      onProgress: (done, total, label) => progress.update(done, total, label)
    });
    progress.done();
    const records = summary.files.reduce((sum, file) => sum + file.records, 0);
    console.log(
      `demo: wrote ${summary.files.length} files, ${records.toLocaleString("en-US")} records and ${summary.truth} ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`
    );
    if (!values["no-ingest"]) await ingestDemoWorld(context, out);
  }
};
