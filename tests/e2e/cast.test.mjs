// Foundry's `cast` (the npm @foundry-rs/cast binary) against the node: chain-id, balance, send (1559
// and --legacy), deploy with --create, call (latest and --block), receipt, estimate, revert reasons.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { devAccount } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { runCast, startNode } from "./lib/target.mjs";

const C = contracts();
const K0 = devAccount(0).privateKey;
const A1 = devAccount(1).address;
const SINK = "0x000000000000000000000000000000000000cA57";

describe("cast (Foundry CLI)", () => {
  let node;
  const cast = (...args) => runCast(node.url, ...args);

  before(async () => {
    node = await startNode();
  });
  after(async () => {
    await node?.stop();
  });

  it("cast chain-id, block-number, balance", async () => {
    assert.equal(await cast("chain-id"), "31337");
    assert.match(await cast("block-number"), /^\d+$/);
    assert.equal(BigInt(await cast("balance", A1)), ethers.parseEther("10000"), "dev accounts hold 10000 ETH");
  });

  it("cast send (EIP-1559 default and --legacy) moves value; cast receipt/tx agree", async () => {
    const r1 = JSON.parse(await cast("send", "--private-key", K0, SINK, "--value", "1ether", "--json"));
    assert.equal(r1.status, "0x1");
    assert.equal(r1.type, "0x2");
    assert.equal(BigInt(r1.gasUsed), 21000n);
    const r2 = JSON.parse(await cast("send", "--private-key", K0, "--legacy", SINK, "--value", "5wei", "--json"));
    assert.equal(r2.type, "0x0");
    assert.equal(BigInt(await cast("balance", SINK)), ethers.parseEther("1") + 5n);
    const receipt = JSON.parse(await cast("receipt", r1.transactionHash, "--json"));
    assert.equal(receipt.blockHash, r1.blockHash);
    const tx = JSON.parse(await cast("tx", r2.transactionHash, "--json"));
    assert.equal(tx.from.toLowerCase(), devAccount(0).address.toLowerCase());
    assert.equal(BigInt(tx.value), 5n);
  });

  it("deploys an ERC-20 with cast send --create; cast call reads it, also at a past block", async () => {
    const args = ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [10_000n]);
    const created = JSON.parse(await cast("send", "--private-key", K0, "--json", "--create", C.E2EToken.bytecode + args.slice(2)));
    assert.equal(created.status, "0x1");
    const token = created.contractAddress;
    assert.ok(token, "contractAddress");
    assert.equal(await cast("call", token, "symbol()(string)"), '"E2E"');
    const sent = JSON.parse(await cast("send", "--private-key", K0, "--json", token, "transfer(address,uint256)", A1, "250"));
    assert.equal(sent.status, "0x1");
    assert.equal(sent.logs.length, 1);
    assert.equal(sent.logs[0].topics[0], ethers.id("Transfer(address,address,uint256)"));
    // cast prints uint256 results in decimal, sometimes followed by a scientific-notation hint.
    const bal = (s) => BigInt(s.split(" ")[0]);
    assert.equal(bal(await cast("call", token, "balanceOf(address)(uint256)", A1)), 250n);
    const before = String(BigInt(sent.blockNumber) - 1n);
    assert.equal(bal(await cast("call", token, "balanceOf(address)(uint256)", A1, "--block", before)), 0n);
    const est = BigInt(await cast("estimate", "--from", devAccount(0).address, token, "transfer(address,uint256)", A1, "1"));
    assert.ok(est > 21000n && est < 100_000n, `estimate ${est}`);
  });

  it("cast call shows the revert reason", async () => {
    const created = JSON.parse(await cast("send", "--private-key", K0, "--json", "--create", C.Reverter.bytecode));
    await assert.rejects(cast("call", created.contractAddress, "requireString(uint256)(uint256)", "3"),
      /x must be greater than 10/);
    assert.equal(await cast("call", created.contractAddress, "requireString(uint256)(uint256)", "30"), "30");
  });
});
