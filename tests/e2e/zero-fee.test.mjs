// Zero-fee chains (issue 13, docs/economics.md): on `tern dev`'s default fee rule no fee is ever
// debited, whatever a client offers. cast, viem and ethers with their default fee settings send
// from a fresh account holding nothing; an explicit 1 gwei tip is not charged either; GASPRICE
// and the receipt's effectiveGasPrice are 0. With `--fee-rule charged` the same empty account is
// refused (the negative test). anvil charges fees: tern only.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { createPublicClient, createWalletClient, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { devAccount, ethersProvider, viemChain } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { IS_ANVIL, runCast, startNode } from "./lib/target.mjs";

const C = contracts();
const SINK = "0x00000000000000000000000000000000000fee00";
const skip = IS_ANVIL ? "anvil charges fees: tern's zero-fee rule only" : false;
const cast = runCast;

/** viem clients for a fresh random account (it holds nothing). */
function freshViem(node) {
  const chain = viemChain(node);
  const transport = http(node.url, { retryCount: 0 });
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    account,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
    walletClient: createWalletClient({ chain, transport, account, pollingInterval: 50 }),
  };
}

describe("zero-fee chain (tern dev default)", { skip }, () => {
  let node, provider;
  before(async () => {
    node = await startNode();
    provider = ethersProvider(node);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("cast send with its default fees from an empty account: included, nothing debited", async () => {
    const key = ethers.Wallet.createRandom().privateKey;
    const from = new ethers.Wallet(key).address;
    assert.equal(await cast(node.url, "balance", from), "0");
    const r = JSON.parse(await cast(node.url, "send", "--private-key", key, SINK, "--json"));
    assert.equal(r.status, "0x1");
    assert.equal(BigInt(r.effectiveGasPrice), 0n, "effectiveGasPrice is 0");
    assert.equal(await cast(node.url, "balance", from), "0");
    // cast --legacy with its default gas price, and a contract deployment.
    const legacy = JSON.parse(await cast(node.url, "send", "--private-key", key, "--legacy", SINK, "--json"));
    assert.equal(legacy.status, "0x1");
    const created = JSON.parse(await cast(node.url, "send", "--private-key", key, "--json", "--create",
      C.E2EToken.bytecode + ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [1000n]).slice(2)));
    assert.equal(created.status, "0x1");
    assert.equal(await cast(node.url, "balance", from), "0");
  });

  it("an explicit 1 gwei tip (and a 100 gwei legacy price) is not charged", async () => {
    const k = devAccount(3).privateKey;
    const from = devAccount(3).address;
    const before = BigInt(await cast(node.url, "balance", from));
    const r1 = JSON.parse(await cast(node.url, "send", "--private-key", k, SINK, "--value", "7wei",
      "--priority-gas-price", "1gwei", "--gas-price", "2gwei", "--json"));
    const r2 = JSON.parse(await cast(node.url, "send", "--private-key", k, "--legacy", SINK, "--value", "3wei",
      "--gas-price", "100gwei", "--json"));
    for (const r of [r1, r2]) {
      assert.equal(r.status, "0x1");
      assert.equal(BigInt(r.effectiveGasPrice), 0n);
    }
    assert.equal(BigInt(await cast(node.url, "balance", from)), before - 10n, "only the value left the account");
    assert.equal(await cast(node.url, "balance", "0x0000000000000000000000000000000000000000"), "0", "no tip to the coinbase");
  });

  it("viem with its default fees from an empty account: sendTransaction, deployContract", async () => {
    const v = freshViem(node);
    const hash = await v.walletClient.sendTransaction({ to: SINK });
    const receipt = await v.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.effectiveGasPrice, 0n);
    const deploy = await v.walletClient.deployContract({ abi: C.E2EToken.abi, bytecode: C.E2EToken.bytecode, args: [5n] });
    const deployed = await v.publicClient.waitForTransactionReceipt({ hash: deploy });
    assert.equal(deployed.status, "success");
    assert.equal(await v.publicClient.getBalance({ address: v.account.address }), 0n);
  });

  it("ethers with its default fees from an empty account", async () => {
    const w = ethers.Wallet.createRandom().connect(provider);
    const tx = await w.sendTransaction({ to: SINK });
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    assert.equal(receipt.gasPrice, 0n, "ethers' receipt.gasPrice is effectiveGasPrice");
    assert.equal(await provider.getBalance(w.address), 0n);
    // The value still needs a balance: geth's error.
    await assert.rejects(w.sendTransaction({ to: SINK, value: 1n }), /insufficient funds/);
  });

  it("GASPRICE reads 0 inside the transaction, and eth_gasPrice is 0", async () => {
    // Runtime GASPRICE PUSH1 1 ADD PUSH0 SSTORE STOP (slot 0 = gas price + 1); the init code
    // PUSH7s it, stores it at memory word 0 and returns its 7 bytes (offset 25).
    const runtime = "3a6001015f5500";
    const key = ethers.Wallet.createRandom().privateKey;
    const made = JSON.parse(await cast(node.url, "send", "--private-key", key, "--json", "--create",
      `0x66${runtime}5f5260076019f3`));
    assert.equal(made.status, "0x1");
    const r = JSON.parse(await cast(node.url, "send", "--private-key", key, made.contractAddress,
      "--gas-price", "5gwei", "--priority-gas-price", "5gwei", "--json"));
    assert.equal(r.status, "0x1");
    assert.equal(BigInt(await cast(node.url, "storage", made.contractAddress, "0")), 1n, "GASPRICE was 0");
    assert.equal(BigInt(await node.rpc("eth_gasPrice")), 0n);
    assert.equal(BigInt(await node.rpc("eth_maxPriorityFeePerGas")), 0n);
  });
});

describe("charged chain (tern dev --fee-rule charged): the empty account is refused", { skip }, () => {
  let node;
  before(async () => {
    node = await startNode({ extraArgs: ["--fee-rule", "charged"] });
  });
  after(async () => {
    await node?.stop();
  });

  it("cast send from an empty account fails with insufficient funds; a funded one pays its tip", async () => {
    const key = ethers.Wallet.createRandom().privateKey;
    // cast estimates first: geth's answer for an empty account with a price is this one.
    await assert.rejects(cast(node.url, "send", "--private-key", key, SINK, "--priority-gas-price", "1gwei"),
      /gas required exceeds allowance \(0\)|insufficient funds/);
    const r = JSON.parse(await cast(node.url, "send", "--private-key", devAccount(0).privateKey, SINK,
      "--priority-gas-price", "1gwei", "--gas-price", "2gwei", "--json"));
    assert.equal(BigInt(r.effectiveGasPrice), 1_000_000_000n);
  });
});
