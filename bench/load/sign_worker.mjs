// Worker of bench/load/load.mjs: signs a slice of transactions (viem, EIP-1559) off the main
// thread. Input: { jobs: [{ key, tx }] } with bigint fields as decimal strings; output: [{ raw, hash }].
import { parentPort } from "node:worker_threads";
import { keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const accounts = new Map();

function account(key) {
  let a = accounts.get(key);
  if (!a) {
    a = privateKeyToAccount(key);
    accounts.set(key, a);
  }
  return a;
}

parentPort.on("message", async ({ id, jobs }) => {
  const out = [];
  for (const { key, tx } of jobs) {
    const raw = await account(key).signTransaction({
      type: "eip1559",
      chainId: tx.chainId,
      nonce: tx.nonce,
      to: tx.to,
      value: BigInt(tx.value),
      data: tx.data,
      gas: BigInt(tx.gas),
      maxFeePerGas: BigInt(tx.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
    });
    out.push({ raw, hash: keccak256(raw) });
  }
  parentPort.postMessage({ id, out });
});
