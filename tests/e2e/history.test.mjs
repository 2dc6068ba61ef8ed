// State at past blocks: eth_call, eth_getBalance, eth_getStorageAt, eth_getCode and
// eth_getTransactionCount with a block number, a tag, or an EIP-1898 block object return the state
// as of that block (viem blockNumber, ethers blockTag, web3 defaultBlock, raw JSON-RPC).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { encodeFunctionData, toHex } from "viem";
import { devAccount, ethersProvider, viemClients, web3Client } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { startNode } from "./lib/target.mjs";

const { abi, bytecode } = contracts().Store;
const SINK = "0x000000000000000000000000000000000000a11c";

describe("state at past blocks", () => {
  let node, viem, provider, web3, store;
  const at = {}; // value -> { number, hash } of the block that set it
  let deployBlock;

  before(async () => {
    node = await startNode();
    viem = viemClients(node, 0);
    provider = ethersProvider(node);
    web3 = web3Client(node);
    const hash = await viem.walletClient.deployContract({ abi, bytecode });
    const r = await viem.publicClient.waitForTransactionReceipt({ hash });
    store = ethers.getAddress(r.contractAddress);
    deployBlock = r.blockNumber;
    for (const v of [11n, 22n, 33n]) {
      const h = await viem.walletClient.writeContract({ address: store, abi, functionName: "set", args: [v] });
      const rr = await viem.publicClient.waitForTransactionReceipt({ hash: h });
      at[v] = { number: rr.blockNumber, hash: rr.blockHash };
      // One value transfer per step too, so balances differ per block.
      const t = await viem.walletClient.sendTransaction({ to: SINK, value: v });
      await viem.publicClient.waitForTransactionReceipt({ hash: t });
    }
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("viem readContract with blockNumber returns the value of that block", async () => {
    const read = (blockNumber) => viem.publicClient.readContract({ address: store, abi, functionName: "value", blockNumber });
    assert.equal(await read(at[11n].number), 11n);
    assert.equal(await read(at[22n].number), 22n);
    assert.equal(await read(at[33n].number), 33n);
    assert.equal(await read(at[22n].number - 1n), 11n, "the block before the second set");
    assert.equal(await read(deployBlock), 0n);
    assert.equal(await viem.publicClient.readContract({ address: store, abi, functionName: "value" }), 33n);
  });

  it("ethers blockTag (number and hash) and web3 defaultBlock", async () => {
    const c = new ethers.Contract(store, abi, provider);
    assert.equal(await c.value({ blockTag: Number(at[11n].number) }), 11n);
    assert.equal(await c.value({ blockTag: at[22n].hash }), 22n);
    assert.equal(await c.value({ blockTag: "latest" }), 33n);
    const w3 = new web3.eth.Contract(abi, store);
    assert.equal(BigInt(await w3.methods.value().call({}, at[11n].number)), 11n);
    assert.equal(BigInt(await w3.methods.value().call({}, "latest")), 33n);
  });

  it("raw eth_call with hex numbers, tags and EIP-1898 objects", async () => {
    const data = encodeFunctionData({ abi, functionName: "value" });
    const call = async (block) => BigInt(await node.rpc("eth_call", [{ to: store, data }, block]));
    assert.equal(await call(toHex(at[22n].number)), 22n);
    assert.equal(await call({ blockNumber: toHex(at[11n].number) }), 11n);
    assert.equal(await call({ blockHash: at[22n].hash }), 22n);
    assert.equal(await call({ blockHash: at[33n].hash, requireCanonical: true }), 33n);
    assert.equal(await call("latest"), 33n);
    // "pending" with automine has nothing queued: same as latest.
    assert.equal(await call("pending"), 33n);
    assert.equal(await node.rpc("eth_call", [{ to: store, data }, "earliest"]), "0x",
      "no code at genesis: empty return data");
    // A block past the head is an error, not an answer.
    const future = await fetch(node.url, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_call", params: [{ to: store, data }, toHex(at[33n].number + 1000n)] }),
    }).then((r) => r.json());
    assert.ok(future.error, `future block must fail, got ${JSON.stringify(future)}`);
  });

  it("eth_getStorageAt, eth_getBalance, eth_getCode and eth_getTransactionCount at past blocks", async () => {
    const slot0 = (block) => viem.publicClient.getStorageAt({ address: store, slot: "0x0", blockNumber: block });
    assert.equal(BigInt(await slot0(at[11n].number)), 11n);
    assert.equal(BigInt(await slot0(at[33n].number)), 33n);
    // SINK got 11, 22, 33 wei in the blocks right after each set.
    const bal = (blockNumber) => viem.publicClient.getBalance({ address: SINK, blockNumber });
    assert.equal(await bal(at[11n].number), 0n);
    assert.equal(await bal(at[22n].number), 11n);
    assert.equal(await bal(at[33n].number), 33n);
    assert.equal(await bal(undefined), 66n);
    assert.equal(await provider.getBalance(SINK, Number(at[22n].number) + 1), 33n);
    assert.equal(await web3.eth.getBalance(SINK, at[33n].number + 1n), 66n);
    // Code: absent before the deployment block, present from it on.
    assert.equal(await provider.getCode(store, Number(deployBlock) - 1), "0x");
    assert.ok((await provider.getCode(store, Number(deployBlock))).length > 2);
    // Nonce: deployer sent deploy (0) then set/transfer pairs.
    const A0 = devAccount(0).address;
    assert.equal(await provider.getTransactionCount(A0, Number(deployBlock)), 1);
    assert.equal(await provider.getTransactionCount(A0, Number(at[33n].number)), 6);
    assert.equal(await provider.getTransactionCount(A0, "latest"), 7);
    assert.equal(await provider.getTransactionCount(A0, 0), 0);
  });
});
