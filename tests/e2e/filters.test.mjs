// Polling over HTTP, as clients do without a WebSocket: the filter family (eth_newFilter,
// eth_newBlockFilter, eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter) raw and through
// viem's HTTP watchers and ethers' JsonRpcProvider events.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { devAccount, ethersProvider, viemClients } from "./lib/clients.mjs";
import { contracts, deployToken, tokenTransfer } from "./lib/contracts.mjs";
import { startNode } from "./lib/target.mjs";

const C = contracts();
const TRANSFER = ethers.id("Transfer(address,address,uint256)");
const SINK = "0x000000000000000000000000000000000000f11e";

async function waitFor(check, ms = 5_000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("filters over HTTP (polling)", () => {
  let node, viem, provider, token;

  before(async () => {
    node = await startNode();
    viem = viemClients(node, 0);
    provider = ethersProvider(node);
    token = await deployToken(viem);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  const transfer = (to, amount) => tokenTransfer(viem, token, to, amount);

  it("eth_newBlockFilter: new block hashes once each, then nothing; uninstall", async () => {
    const id = await node.rpc("eth_newBlockFilter");
    assert.match(id, /^0x[0-9a-f]+$/i);
    assert.deepEqual(await node.rpc("eth_getFilterChanges", [id]), []);
    const r1 = await transfer(SINK, 1n);
    const r2 = await transfer(SINK, 2n);
    const changes = await node.rpc("eth_getFilterChanges", [id]);
    assert.deepEqual(changes, [r1.blockHash, r2.blockHash]);
    assert.deepEqual(await node.rpc("eth_getFilterChanges", [id]), [], "changes are consumed");
    assert.equal(await node.rpc("eth_uninstallFilter", [id]), true);
    assert.equal(await node.rpc("eth_uninstallFilter", [id]), false);
    await assert.rejects(node.rpc("eth_getFilterChanges", [id]), /filter not found/i);
  });

  it("eth_newFilter with topics: eth_getFilterChanges returns only new matching logs; eth_getFilterLogs the range", async () => {
    const to = devAccount(5).address;
    const topics = [TRANSFER, null, ethers.zeroPadValue(to, 32)];
    const before = await transfer(to, 3n); // before the filter exists
    await transfer(SINK, 4n); // a non-matching head when the filter is made
    const id = await node.rpc("eth_newFilter", [{ address: token, topics }]);
    await transfer(SINK, 4n); // does not match
    const r = await transfer(to, 5n);
    const changes = await node.rpc("eth_getFilterChanges", [id]);
    assert.equal(changes.length, 1, JSON.stringify(changes));
    assert.equal(changes[0].transactionHash, r.transactionHash);
    assert.equal(BigInt(changes[0].data), 5n);
    assert.deepEqual(await node.rpc("eth_getFilterChanges", [id]), [], "changes are consumed");
    assert.equal(await node.rpc("eth_uninstallFilter", [id]), true);
    // eth_getFilterLogs answers the filter's whole block range.
    const ranged = await node.rpc("eth_newFilter", [{ address: token, fromBlock: "0x0", topics }]);
    const all = await node.rpc("eth_getFilterLogs", [ranged]);
    assert.deepEqual(all.map((l) => l.transactionHash), [before.transactionHash, r.transactionHash]);
    assert.equal(await node.rpc("eth_uninstallFilter", [ranged]), true);
  });

  it("viem watchBlockNumber and watchContractEvent over HTTP", async () => {
    const numbers = [];
    const logs = [];
    const errors = [];
    const unwatchBlocks = viem.publicClient.watchBlockNumber({ onBlockNumber: (n) => numbers.push(n), onError: (e) => errors.push(e), pollingInterval: 50 });
    const unwatchEvents = viem.publicClient.watchContractEvent({
      address: token, abi: C.E2EToken.abi, eventName: "Transfer", args: { to: devAccount(6).address },
      onLogs: (l) => logs.push(...l), onError: (e) => errors.push(e), pollingInterval: 50,
    });
    try {
      await new Promise((r) => setTimeout(r, 300)); // the watchers install their filters
      await transfer(SINK, 1n);
      const r = await transfer(devAccount(6).address, 66n);
      await waitFor(() => {
        if (errors.length) throw errors[0];
        return logs.length >= 1 && numbers.includes(r.blockNumber);
      }, 5_000, "viem HTTP watchers");
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(logs.length, 1);
      assert.equal(logs[0].args.value, 66n);
    } finally {
      unwatchBlocks();
      unwatchEvents();
    }
  });

  it("ethers JsonRpcProvider: 'block' and contract events by polling", async () => {
    const blocks = [];
    const events = [];
    const p = ethersProvider(node);
    await p.on("block", (n) => blocks.push(n));
    const c = new ethers.Contract(token, C.E2EToken.abi, p);
    await c.on(c.filters.Transfer(null, devAccount(7).address), (...a) => events.push(a[a.length - 1]));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = await transfer(devAccount(7).address, 77n);
      await waitFor(() => events.length >= 1 && blocks.includes(Number(r.blockNumber)), 5_000, "ethers polling events");
      assert.equal(events[0].log.transactionHash, r.transactionHash);
      assert.equal(events[0].args[2], 77n);
    } finally {
      await c.removeAllListeners();
      await p.removeAllListeners();
      // ethers sends eth_uninstallFilter in the background: let it finish before destroying.
      await new Promise((r) => setTimeout(r, 300));
      p.destroy();
    }
  });
});
