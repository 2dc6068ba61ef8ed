// Compiles tests/e2e/contracts/*.sol with solc-js (the version pinned in package.json) and the
// OpenZeppelin Contracts package as the `@openzeppelin/` import path. The output is cached in the
// system temp dir, keyed by the compiler version and the sources, so only the first test file of a
// run (or the first run after a change) pays for the compile.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress } from "viem";
import { REPO_ROOT } from "./target.mjs";

const require = createRequire(import.meta.url);
const CONTRACTS_DIR = join(REPO_ROOT, "tests/e2e/contracts");
const OZ_DIR = join(REPO_ROOT, "node_modules/@openzeppelin/contracts");

function findImport(path) {
  const prefix = "@openzeppelin/contracts/";
  const file = path.startsWith(prefix) ? join(OZ_DIR, path.slice(prefix.length))
                                       : join(CONTRACTS_DIR, path);
  if (!existsSync(file)) return { error: `not found: ${path}` };
  return { contents: readFileSync(file, "utf8") };
}

let cached = null;

/**
 * Returns { [ContractName]: { abi, bytecode: "0x...", deployedBytecode: "0x..." } } for every
 * contract in tests/e2e/contracts (and the OpenZeppelin contracts they import).
 */
export function contracts() {
  if (cached) return cached;
  const sources = {};
  for (const f of readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith(".sol")).sort())
    sources[f] = { content: readFileSync(join(CONTRACTS_DIR, f), "utf8") };
  cached = compileSources(sources);
  return cached;
}

/**
 * Compiles solc standard-JSON `sources` ({ unitName: { content } }; imports of
 * `@openzeppelin/contracts/...` and of tests/e2e/contracts files resolve) and returns
 * { [ContractName]: { abi, bytecode, deployedBytecode } } for the contracts they define. The
 * output is cached in the temp dir, keyed by compiler, OpenZeppelin version and input.
 */
export function compileSources(sources) {
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const ozVersion = JSON.parse(readFileSync(join(OZ_DIR, "package.json"), "utf8")).version;
  const key = createHash("sha256")
    .update(solc.version()).update(ozVersion).update(JSON.stringify(input)).digest("hex").slice(0, 16);
  const cacheFile = join(tmpdir(), `tern-e2e-solc-${key}.json`);
  if (existsSync(cacheFile)) {
    try {
      return JSON.parse(readFileSync(cacheFile, "utf8"));
    } catch {
      // a torn cache file: compile again
    }
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const result = {};
  for (const [file, byName] of Object.entries(output.contracts)) {
    if (!sources[file]) continue; // OpenZeppelin's own contracts
    for (const [name, c] of Object.entries(byName))
      result[name] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      };
  }
  // Write-then-rename so that concurrently running test files never read a half-written cache.
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(result));
  renameSync(tmp, cacheFile);
  return result;
}

/** Deploys E2EToken (`supply` minted to the deployer) with viem clients; returns its address. */
export async function deployToken({ walletClient, publicClient }, supply = 10n ** 24n) {
  const C = contracts();
  const hash = await walletClient.deployContract({ abi: C.E2EToken.abi, bytecode: C.E2EToken.bytecode, args: [supply] });
  return getAddress((await publicClient.waitForTransactionReceipt({ hash })).contractAddress);
}

/** Sends an E2EToken transfer from the wallet's account; resolves with its receipt. */
export async function tokenTransfer({ walletClient, publicClient }, token, to, amount) {
  const hash = await walletClient.writeContract({ address: token, abi: contracts().E2EToken.abi, functionName: "transfer", args: [to, amount] });
  return publicClient.waitForTransactionReceipt({ hash });
}
