#!/usr/bin/env node
// Compiles the benchmark contracts in this folder with solc (pinned in the repo's package.json)
// and writes, beside the sources:
//   <Name>.bin-runtime   runtime bytecode as hex (no 0x), deployed directly into an account
//   workloads.json       for each workload: contract, function signature, selector, call data
// so that the C++ benchmark builds without a Solidity compiler. Run from anywhere:
//   npm ci && node bench/contracts/compile.mjs
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");
const here = dirname(fileURLToPath(import.meta.url));

// One entry per benchmark: a single external call with fixed arguments (uint256/bytes32 words).
const WORKLOADS = [
  { name: "keccak_loop", contract: "KeccakLoop", signature: "run(uint256,bytes32)",
    args: [10000n, 0x7465726en], what: "10,000 chained KECCAK256 over 64 bytes" },
  { name: "memory_sort", contract: "MemorySort", signature: "run(uint256,uint256)",
    args: [1000n, 42n], what: "quicksort of 1,000 pseudo-random words in memory" },
  { name: "arithmetic", contract: "Arithmetic", signature: "run(uint256,uint256)",
    args: [5000n, 0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefn],
    what: "5,000 rounds of mixed MUL/DIV/MOD/SDIV/ADDMOD/MULMOD/EXP" },
  { name: "recursive_calls", contract: "RecursiveCalls", signature: "fib(uint256)",
    args: [20n], what: "fib(20) by external self-calls (21,890 STATICCALLs, depth 20)" },
  { name: "storage_loop", contract: "StorageLoop", signature: "run(uint256,uint256)",
    args: [1000n, 7n], what: "1,000 fresh SSTOREs, 1,000 dirty SSTOREs, 1,000 warm SLOADs" },
];

const sources = {};
for (const f of readdirSync(here).filter((f) => f.endsWith(".sol")).sort())
  sources[f] = { content: readFileSync(join(here, f), "utf8") };

const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["evm.deployedBytecode.object",
      "evm.deployedBytecode.immutableReferences", "evm.methodIdentifiers"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);

const word = (v) => {
  if (v < 0n || v >= 1n << 256n) throw new Error(`argument out of range: ${v}`);
  return v.toString(16).padStart(64, "0");
};

const contracts = {};
for (const [file, byName] of Object.entries(output.contracts))
  for (const [name, c] of Object.entries(byName)) contracts[name] = { file, ...c };

const written = new Set();
const workloads = [];
for (const w of WORKLOADS) {
  const c = contracts[w.contract];
  if (!c) throw new Error(`contract ${w.contract} not found`);
  const code = c.evm.deployedBytecode.object;
  // Code is put straight into the account's state: no constructor may be needed.
  if (Object.keys(c.evm.deployedBytecode.immutableReferences || {}).length)
    throw new Error(`${w.contract} has immutables; it needs its constructor`);
  const selector = c.evm.methodIdentifiers[w.signature];
  if (!selector) throw new Error(`${w.contract} has no function ${w.signature}`);
  if (!written.has(w.contract)) {
    writeFileSync(join(here, `${w.contract}.bin-runtime`), code + "\n");
    written.add(w.contract);
  }
  workloads.push({
    name: w.name,
    contract: w.contract,
    source: c.file,
    what: w.what,
    signature: w.signature,
    selector,
    args: w.args.map((a) => "0x" + a.toString(16)),
    calldata: selector + w.args.map(word).join(""),
    code_file: `${w.contract}.bin-runtime`,
    code_size: code.length / 2,
  });
}
const doc = { compiler: `solc ${solc.version()}`, optimizer_runs: 200, evm_version: "cancun", workloads };
writeFileSync(join(here, "workloads.json"), JSON.stringify(doc, null, 2) + "\n");
for (const w of workloads) console.log(`${w.name.padEnd(16)} ${w.contract.padEnd(15)} ${w.code_size} bytes  ${w.signature}`);
console.log(`compiled with solc ${solc.version()}`);
