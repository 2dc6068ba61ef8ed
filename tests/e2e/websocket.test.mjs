// WebSocket on the HTTP port: viem watchBlocks / watchContractEvent over the webSocket transport,
// ethers WebSocketProvider "block" and contract events, and raw eth_subscribe/eth_unsubscribe
// (newHeads, logs with a filter, newPendingTransactions) with the notification shape checked.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import WebSocket from "ws";
import { CHAIN_ID, IS_ANVIL, rawRpc, startNode } from "./lib/target.mjs";
import { closeViemWs, devAccount, ethersProvider, viemClients, viemWsClient } from "./lib/clients.mjs";
import { contracts, deployToken, tokenTransfer } from "./lib/contracts.mjs";

const C = contracts();
const SINK = "0x000000000000000000000000000000000000F00D";
const A2 = devAccount(2).address;

/** Resolves when `check()` returns a truthy value; rejects after `ms`. */
async function waitFor(check, ms = 5_000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Throws the first error a watcher reported (so a test fails with it, not with a timeout). */
function noErrors(errors) {
  if (errors.length) throw errors[0];
  return true;
}

/** Minimal JSON-RPC over a raw WebSocket: request/response by id, notifications collected. */
class RawWs {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.pending = new Map();
    this.notifications = [];
    this.nextId = 1;
    this.ws.on("message", (buf) => {
      const msg = JSON.parse(buf.toString());
      if (msg.id !== undefined && this.pending.has(msg.id)) {
        this.pending.get(msg.id)(msg);
        this.pending.delete(msg.id);
      } else this.notifications.push(msg);
    });
  }
  open() {
    return new Promise((res, rej) => {
      this.ws.once("open", res);
      this.ws.once("error", rej);
    });
  }
  request(method, params = []) {
    const id = this.nextId++;
    return new Promise((res) => {
      this.pending.set(id, res);
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }
  close() {
    this.ws.close();
  }
}

describe("WebSocket JSON-RPC and subscriptions", () => {
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

  it("plain requests over WebSocket on the HTTP port", async () => {
    const ws = new RawWs(node.wsUrl);
    await ws.open();
    try {
      const r = await ws.request("eth_chainId");
      assert.equal(r.jsonrpc, "2.0");
      assert.equal(BigInt(r.result), BigInt(CHAIN_ID));
      const httpHead = await rawRpc(node.url, "eth_blockNumber");
      const wsHead = await ws.request("eth_blockNumber");
      assert.equal(wsHead.result, httpHead.result);
      const unknown = await ws.request("nope_nothing");
      // geth (and anvil over HTTP) answer -32601; anvil over WebSocket answers -32602.
      assert.ok(unknown.error, "unknown method is an error");
      if (!IS_ANVIL) assert.equal(unknown.error.code, -32601);
    } finally {
      ws.close();
    }
  });

  it("viem watchBlocks (webSocket transport) sees the block that mined a transaction", async () => {
    const client = viemWsClient(node);
    const seen = [];
    const errors = [];
    const unwatch = client.watchBlocks({ onBlock: (b) => seen.push(b), onError: (e) => errors.push(e) });
    try {
      await new Promise((r) => setTimeout(r, 200)); // let the subscription register
      const hash = await viem.walletClient.sendTransaction({ to: SINK, value: 1n });
      const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
      const block = await waitFor(() => noErrors(errors) && seen.find((b) => b.number === receipt.blockNumber), 5_000, "block via ws");
      assert.equal(block.hash, receipt.blockHash);
    } finally {
      unwatch();
      await closeViemWs(client);
    }
  });

  it("viem watchContractEvent (webSocket transport) delivers Transfer logs matching its args filter", async () => {
    const client = viemWsClient(node);
    const got = [];
    const errors = [];
    const unwatch = client.watchContractEvent({
      address: token, abi: C.E2EToken.abi, eventName: "Transfer", args: { to: A2 },
      onLogs: (logs) => got.push(...logs), onError: (e) => errors.push(e),
    });
    try {
      await new Promise((r) => setTimeout(r, 200));
      await transfer(SINK, 1n); // filtered out
      const receipt = await transfer(A2, 42n);
      await waitFor(() => noErrors(errors) && got.length >= 1, 5_000, "Transfer log via ws");
      await new Promise((r) => setTimeout(r, 200)); // any stray extra delivery would show up
      noErrors(errors);
      assert.equal(got.length, 1, `exactly one matching log: ${JSON.stringify(got.map((l) => l.args), (k, v) => typeof v === "bigint" ? String(v) : v)}`);
      assert.equal(got[0].args.to, A2);
      assert.equal(got[0].args.value, 42n);
      assert.equal(got[0].transactionHash, receipt.transactionHash);
    } finally {
      unwatch();
      await closeViemWs(client);
    }
  });

  it("ethers WebSocketProvider: 'block' events and contract.on('Transfer')", async () => {
    const network = new ethers.Network("e2e", CHAIN_ID);
    const wsp = new ethers.WebSocketProvider(node.wsUrl, network, { staticNetwork: network });
    try {
      const blocks = [];
      const transfers = [];
      await wsp.on("block", (n) => blocks.push(n));
      const c = new ethers.Contract(token, C.E2EToken.abi, wsp);
      // With a filter object ethers calls the listener with the event payload (decoded args inside).
      await c.on(c.filters.Transfer(null, devAccount(3).address), (...a) => {
        const ev = a[a.length - 1];
        const [from, to, value] = ev.args;
        transfers.push({ from, to, value, hash: ev.log.transactionHash });
      });
      await new Promise((r) => setTimeout(r, 300));
      const receipt = await transfer(devAccount(3).address, 7n);
      await waitFor(() => blocks.includes(Number(receipt.blockNumber)), 5_000, "ethers block event");
      await waitFor(() => transfers.length >= 1, 5_000, "ethers Transfer event");
      assert.deepEqual(transfers[0], { from: devAccount(0).address, to: devAccount(3).address, value: 7n, hash: receipt.transactionHash });
    } finally {
      await wsp.destroy();
    }
  });

  it("raw eth_subscribe newHeads: notification shape, then eth_unsubscribe", async () => {
    const ws = new RawWs(node.wsUrl);
    await ws.open();
    try {
      const sub = await ws.request("eth_subscribe", ["newHeads"]);
      assert.match(String(sub.result), /^0x[0-9a-f]+$/i, `subscription id is a hex string: ${JSON.stringify(sub)}`);
      const hash = await viem.walletClient.sendTransaction({ to: SINK, value: 2n });
      const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
      const n = await waitFor(() => ws.notifications.find((m) =>
        m.params?.subscription === sub.result && BigInt(m.params.result.number) === receipt.blockNumber), 5_000, "newHeads");
      assert.equal(n.jsonrpc, "2.0");
      assert.equal(n.method, "eth_subscription");
      assert.equal(n.id, undefined);
      const head = n.params.result;
      assert.equal(head.hash, receipt.blockHash);
      for (const k of ["parentHash", "stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom", "gasLimit", "gasUsed", "timestamp", "miner"])
        assert.ok(k in head, `newHeads header has ${k}`);
      const un = await ws.request("eth_unsubscribe", [sub.result]);
      assert.equal(un.result, true);
      const count = ws.notifications.length;
      await viem.publicClient.waitForTransactionReceipt({ hash: await viem.walletClient.sendTransaction({ to: SINK, value: 3n }) });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(ws.notifications.filter((m) => m.params?.subscription === sub.result).length, count, "no heads after unsubscribe");
      const again = await ws.request("eth_unsubscribe", [sub.result]);
      assert.ok(again.result === false || again.error, "unsubscribing twice does not succeed");
    } finally {
      ws.close();
    }
  });

  it("raw eth_subscribe logs with address and topic filter; newPendingTransactions", async () => {
    const ws = new RawWs(node.wsUrl);
    await ws.open();
    try {
      const toTopic = ethers.zeroPadValue(devAccount(4).address, 32);
      const logsSub = await ws.request("eth_subscribe", ["logs", {
        address: token, topics: [ethers.id("Transfer(address,address,uint256)"), null, toTopic],
      }]);
      const pendingSub = await ws.request("eth_subscribe", ["newPendingTransactions"]);
      assert.ok(logsSub.result && pendingSub.result && logsSub.result !== pendingSub.result,
        `two subscription ids: ${JSON.stringify([logsSub, pendingSub])}`);
      await transfer(SINK, 5n);
      const receipt = await transfer(devAccount(4).address, 6n);
      const logMsg = await waitFor(() => ws.notifications.find((m) => m.params?.subscription === logsSub.result), 5_000, "log notification");
      const log = logMsg.params.result;
      assert.equal(log.address.toLowerCase(), token.toLowerCase());
      assert.equal(log.topics[2], toTopic.toLowerCase());
      assert.equal(log.transactionHash, receipt.transactionHash);
      assert.equal(BigInt(log.data), 6n);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(ws.notifications.filter((m) => m.params?.subscription === logsSub.result).length, 1, "the transfer to SINK is filtered out");
      const pend = await waitFor(() => ws.notifications.find((m) =>
        m.params?.subscription === pendingSub.result && m.params.result === receipt.transactionHash), 5_000, "pending tx hash");
      assert.equal(pend.method, "eth_subscription");
    } finally {
      ws.close();
    }
  });

  it("eth_subscribe over plain HTTP is an error (no channel for notifications)", async () => {
    const r = await rawRpc(node.url, "eth_subscribe", ["newHeads"]);
    assert.ok(r.error, `expected an error, got ${JSON.stringify(r)}`);
  });
});
