// SKALE's proof-of-work gas (issue 13, docs/economics.md) with SKALE's published client,
// @skaleproject/pow-ethers 0.3.3 used unchanged: a wallet holding nothing mines a gas price
// (random candidates until (2^256-1)/difficulty / (keccak(addr)^keccak(nonce)^keccak(price))
// covers the gas) and sends; tern includes it without a fee on a chain that otherwise charges.
// A random gas price from the same empty wallet is refused. tern only (anvil has no PoW gas).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { devAccount, ethersProvider, ethersWallet } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { IS_ANVIL, startNode } from "./lib/target.mjs";

// The package's ESM build imports files without extensions (Node refuses it): use its CommonJS
// build, as a bundler-less Node app would.
const require = createRequire(import.meta.url);
const { AnonymousPoW, WalletPow } = require("@skaleproject/pow-ethers");
const BN = require("bn.js");
const { Wallet } = require("@ethersproject/wallet");
const { JsonRpcProvider } = require("@ethersproject/providers");

const C = contracts();
const SINK = "0x000000000000000000000000000000000000f0f0";
const skip = IS_ANVIL ? "anvil has no proof-of-work gas" : false;

describe("proof-of-work gas with @skaleproject/pow-ethers (tern dev --fee-rule charged --pow-difficulty 1)", { skip }, () => {
  let node, provider, token;
  before(async () => {
    node = await startNode({ extraArgs: ["--fee-rule", "charged", "--pow-difficulty", "1"] });
    provider = ethersProvider(node);
    const factory = new ethers.ContractFactory(C.E2EToken.abi, C.E2EToken.bytecode, ethersWallet(provider, 0));
    const deployed = await factory.deploy(1000n);
    await deployed.waitForDeployment();
    token = await deployed.getAddress();
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("AnonymousPoW: a random empty wallet mines its gas price and its transaction is included", async () => {
    const pow = new AnonymousPoW({ rpcUrl: node.url, difficulty: new BN(1) });
    const from = pow.wallet.address;
    assert.equal(await provider.getBalance(from), 0n);
    const sent = await pow.send({ to: SINK, data: "0x" });
    const receipt = await sent.wait();
    assert.equal(receipt.status, 1);
    assert.equal(await provider.getBalance(from), 0n, "nothing was debited");
    const raw = await node.rpc("eth_getTransactionReceipt", [sent.hash]);
    assert.equal(BigInt(raw.effectiveGasPrice), 0n, "effectiveGasPrice is 0");
    // ethers v5 turns a gasPrice into maxFeePerGas = maxPriorityFeePerGas on a London chain
    // (type 2): the mined number is the max fee then.
    const price = BigInt((sent.maxFeePerGas ?? sent.gasPrice).toString());
    assert.ok(price > 1n << 160n, `the gas price ${price} is a mined 256-bit number`);
    assert.equal(await provider.getTransactionCount(from), 1);
  });

  it("WalletPow: an empty wallet calls a contract (encodeAndSend) twice", async () => {
    const v5 = new JsonRpcProvider(node.url);
    const wallet = Wallet.createRandom().connect(v5);
    const pow = new WalletPow({ wallet, difficulty: new BN(1) });
    for (const amount of [5n, 6n]) {
      const sent = await pow.encodeAndSend({
        abi: C.E2EToken.abi, functionName: "approve", functionArgs: [SINK, amount], to: token,
      });
      assert.equal((await sent.wait()).status, 1);
    }
    const erc20 = new ethers.Contract(token, C.E2EToken.abi, provider);
    assert.equal(await erc20.allowance(wallet.address, SINK), 6n);
    assert.equal(await provider.getBalance(wallet.address), 0n);
  });

  it("a random gas price from an empty wallet is refused: insufficient funds", async () => {
    const w = ethers.Wallet.createRandom().connect(provider);
    await assert.rejects(
      w.sendTransaction({ to: SINK, type: 0, gasPrice: 1_000_000_007n, gasLimit: 21_000n }),
      /insufficient funds/);
    // A solution for another nonce does not pay either: mine for nonce 1 while the wallet is at 0.
    const pow = new AnonymousPoW({ rpcUrl: node.url, difficulty: new BN(1) });
    const price = await pow.miner.mineGasForTransaction(1, 21_000, w.address);
    await assert.rejects(
      w.sendTransaction({ to: SINK, type: 0, gasPrice: BigInt(price), gasLimit: 21_000n, nonce: 0 }),
      /insufficient funds/);
  });

  it("a funded sender still pays its gas price as usual", async () => {
    const w = ethersWallet(provider, 1);
    const before = await provider.getBalance(w.address);
    const receipt = await (await w.sendTransaction({ to: SINK, type: 0, gasPrice: 7n })).wait();
    assert.equal(receipt.gasPrice, 7n);
    assert.equal(await provider.getBalance(w.address), before - 21_000n * 7n);
    assert.equal(devAccount(1).address, w.address);
  });
});
