// The fee methods on a chain whose blocks have a non-zero base fee (issue 11): a wallet that
// prices from eth_gasPrice, eth_maxPriorityFeePerGas or eth_feeHistory gets a price the next block
// accepts. tern runs a genesis with an EIP-1559 base fee of 1 gwei and a 1 gwei minimum gas
// price; anvil runs with `--base-fee 1000000000` (its base fee follows EIP-1559 by default).
// Before the fix tern answered eth_gasPrice 0x0 there and such a wallet was refused with "max fee
// per gas less than block base fee".
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseGwei } from "viem";
import { devAccount, ethersProvider, ethersWallet, viemClients } from "./lib/clients.mjs";
import { CHAIN_ID, IS_ANVIL, startNode, tempDir } from "./lib/target.mjs";

const GWEI = 1_000_000_000n;
const SINK = "0x000000000000000000000000000000000000fee5";

/** Starts the target with a 1 gwei base fee (and, on tern, a 1 gwei minimum gas price). */
async function startFeeChain(tmp) {
  if (IS_ANVIL) return startNode({ extraArgs: ["--base-fee", String(GWEI)] });
  const funded = {};
  for (let i = 0; i < 3; i++) funded[devAccount(i).address] = { balance: "0x56bc75e2d63100000" };
  const genesis = {
    config: { chainId: CHAIN_ID },
    baseFeePerGas: "0x3b9aca00",
    gasLimit: "0x1c9c380",
    alloc: funded,
    tern: { baseFeeRule: "eip1559", minGasPrice: "0x3b9aca00" },
  };
  const file = join(tmp.dir, "genesis.json");
  writeFileSync(file, JSON.stringify(genesis));
  return startNode({ extraArgs: ["--genesis", file] });
}

describe("fee methods with a non-zero base fee", () => {
  let node, tmp;
  before(async () => {
    tmp = tempDir("tern-e2e-fees-");
    node = await startFeeChain(tmp);
  });
  after(async () => {
    await node?.stop();
    tmp?.cleanup();
  });

  const latestBaseFee = async () => BigInt((await node.rpc("eth_getBlockByNumber", ["latest", false])).baseFeePerGas);

  it("eth_gasPrice covers the next block's base fee", async () => {
    const gasPrice = BigInt(await node.rpc("eth_gasPrice"));
    const history = await node.rpc("eth_feeHistory", ["0x1", "latest", []]);
    const next = BigInt(history.baseFeePerGas.at(-1));
    assert.ok(next > 0n, "the chain has a base fee");
    assert.ok(gasPrice >= next, `eth_gasPrice ${gasPrice} below the next base fee ${next}`);
    assert.ok(gasPrice >= await latestBaseFee(), "eth_gasPrice below the head's base fee");
    if (!IS_ANVIL) assert.ok(gasPrice >= GWEI, "tern: eth_gasPrice reaches the minimum gas price");
  });

  it("eth_maxPriorityFeePerGas is a quantity and, with the base fee, reaches eth_gasPrice's floor", async () => {
    const tip = BigInt(await node.rpc("eth_maxPriorityFeePerGas"));
    assert.ok(tip >= 0n);
    if (!IS_ANVIL) {
      const history = await node.rpc("eth_feeHistory", ["0x1", "latest", []]);
      const next = BigInt(history.baseFeePerGas.at(-1));
      assert.ok(next + tip >= GWEI, "tern: next base fee + tip reaches the minimum gas price");
    }
  });

  it("eth_feeHistory's last base fee is the base fee the next block gets", async () => {
    const { publicClient, walletClient } = viemClients(node, 0);
    // A block that uses gas moves an EIP-1559 base fee; the prediction must follow it.
    const hash = await walletClient.sendTransaction({ to: SINK, value: 1n, gas: 21_000n, maxFeePerGas: parseGwei("10"), maxPriorityFeePerGas: parseGwei("1") });
    await publicClient.waitForTransactionReceipt({ hash });
    const history = await node.rpc("eth_feeHistory", ["0x2", "latest", []]);
    assert.equal(history.baseFeePerGas.length, 3);
    const predicted = BigInt(history.baseFeePerGas.at(-1));
    const hash2 = await walletClient.sendTransaction({ to: SINK, value: 1n, gas: 21_000n, maxFeePerGas: parseGwei("10"), maxPriorityFeePerGas: parseGwei("1") });
    const receipt = await publicClient.waitForTransactionReceipt({ hash: hash2 });
    const block = await node.rpc("eth_getBlockByNumber", [`0x${receipt.blockNumber.toString(16)}`, false]);
    assert.equal(BigInt(block.baseFeePerGas), predicted);
  });

  it("viem with its default fee estimation sends, and pays at least the base fee", async () => {
    const { publicClient, walletClient } = viemClients(node, 1);
    const hash = await walletClient.sendTransaction({ to: SINK, value: 1n });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const block = await node.rpc("eth_getBlockByNumber", [`0x${receipt.blockNumber.toString(16)}`, false]);
    assert.ok(receipt.effectiveGasPrice >= BigInt(block.baseFeePerGas));
  });

  it("ethers with its default fee data sends, and a legacy transaction priced at eth_gasPrice is mined", async () => {
    const provider = ethersProvider(node);
    try {
      const wallet = ethersWallet(provider, 2);
      const feeData = await provider.getFeeData();
      assert.ok(feeData.gasPrice > 0n && feeData.maxFeePerGas > 0n);
      const r1 = await (await wallet.sendTransaction({ to: SINK, value: 1n })).wait();
      assert.equal(r1.status, 1);
      const gasPrice = BigInt(await node.rpc("eth_gasPrice"));
      const r2 = await (await wallet.sendTransaction({ to: SINK, value: 1n, type: 0, gasPrice })).wait();
      assert.equal(r2.status, 1);
      assert.equal(r2.gasPrice, gasPrice);
    } finally {
      provider.destroy();
    }
  });
});
