/**
 * Compiles contracts/StandIns.sol with the solc-js from node_modules (offline) into
 * contracts/artifacts/stand-ins.json (ABI + creation bytecode per contract). The artifact is
 * committed, so tests and the demo need no compiler: re-run this after editing the source.
 *
 *   npx tsx contracts/compile.ts
 */
import {readFileSync, writeFileSync, mkdirSync} from "node:fs";
import solc from "solc";

const SOURCE = new URL("./StandIns.sol", import.meta.url);
const OUT_DIR = new URL("./artifacts/", import.meta.url);

interface SolcError {
  severity: "error" | "warning" | "info";
  formattedMessage: string;
}
interface SolcOutput {
  errors?: SolcError[];
  contracts: Record<string, Record<string, {abi: unknown[]; evm: {bytecode: {object: string}}}>>;
}

const started = performance.now();
const input = {
  language: "Solidity",
  sources: {"StandIns.sol": {content: readFileSync(SOURCE, "utf-8")}},
  settings: {
    optimizer: {enabled: true, runs: 200},
    evmVersion: "paris",
    outputSelection: {"*": {"*": ["abi", "evm.bytecode.object"]}}
  }
};
const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
const errors = (output.errors ?? []).filter((error) => error.severity === "error");
for (const warning of (output.errors ?? []).filter((error) => error.severity !== "error")) console.warn(warning.formattedMessage);
if (errors.length) {
  console.error(errors.map((error) => error.formattedMessage).join("\n"));
  process.exit(1);
}
const artifact = {
  source: "contracts/StandIns.sol",
  compiler: solc.version(),
  contracts: Object.fromEntries(
    Object.entries(output.contracts["StandIns.sol"])
      .filter(([, contract]) => contract.evm.bytecode.object.length > 0)
      .map(([name, contract]) => [name, {abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}`}])
  )
};
mkdirSync(OUT_DIR, {recursive: true});
writeFileSync(new URL("./stand-ins.json", OUT_DIR), `${JSON.stringify(artifact, null, 1)}\n`);
console.log(
  `compiled ${Object.keys(artifact.contracts).join(", ")} with solc ${artifact.compiler} ` +
    `in ${Math.round(performance.now() - started)} ms`
);
