// A parse worker: runs stageBatch (batch.ts) on batches of JSON lines posted by workers.ts.
// Plain JavaScript that registers tsx itself: loader hooks of the main thread (tsx's --import,
// or bin/workbench.mjs's in-process register) do not reach worker threads.
import {parentPort} from "node:worker_threads";
import {register} from "tsx/esm/api";

register();
const {stageBatch} = await import("./batch.ts");

parentPort.on("message", ({id, batch}) => {
  try {
    parentPort.postMessage({id, result: stageBatch(batch)});
  } catch (error) {
    parentPort.postMessage({id, error: error instanceof Error ? (error.stack ?? error.message) : String(error)});
  }
});
