// A 4-validator chain end to end: `tern chain up`, status, the "done means" flow (deploy a
// contract through node0's RPC, read it through node3's), a burst of consecutive nonces sent to
// different nodes lands in order, newHeads over WebSocket fires on commit, no empty blocks when
// idle, a block at least every second when busy, the Ethereum/CometBFT height mapping, a clean
// restart keeps the chain, a validator's safe defaults (no unlocked account, no debug_/evm_
// methods), and at the end every node has the same block hash, state root and app hash at every
// height.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { privateKeyToAccount } from "viem/accounts";
import { devAccount } from "../e2e/lib/clients.mjs";
import { contracts } from "../e2e/lib/contracts.mjs";
import { Chain, Load, comet, rpc, signTransfer, sleep, viemFor, waitFor } from "./lib/chain.mjs";

describe("4 validators", { timeout: 240_000 }, () => {
  let chain;

  before(async () => {
    chain = await Chain.init({ rpcPort: 22545, basePort: 28656 });
    await chain.up();
  });

  after(async () => {
    if (chain) await chain.destroy();
  });

  test("status: every node running with 3 peers", async () => {
    const st = await waitFor("3 peers each", 30_000, async () => {
      const s = await chain.status();
      return s.every((n) => n.running && n.peers === 3) && s;
    });
    assert.equal(st.length, 4);
    for (const n of st) assert.match(n.app_hash, /^[0-9A-F]*$/);
  });

  test("validators sign nothing and serve eth, net, web3 only", async () => {
    assert.deepEqual(await rpc(chain.url(1), "eth_accounts"), []);
    await assert.rejects(rpc(chain.url(1), "eth_sendTransaction", [{ from: devAccount(0).address, to: devAccount(1).address }]),
      (e) => e.rpcError?.code === -32000 && e.rpcError.message === "unknown account");
    assert.deepEqual(await rpc(chain.url(2), "rpc_modules"), { eth: "1.0", net: "1.0", rpc: "1.0", web3: "1.0" });
    for (const method of ["debug_traceCall", "evm_mine", "personal_sign"])
      await assert.rejects(rpc(chain.url(2), method, []), (e) => e.rpcError?.code === -32601, method);
  });

  test("deploy through node0, read through node3", async () => {
    const { Store } = contracts();
    const n0 = viemFor(chain.url(0));
    const hash = await n0.walletClient.deployContract({ abi: Store.abi, bytecode: Store.bytecode });
    const receipt = await n0.publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
    assert.equal(receipt.status, "success");
    const setHash = await n0.walletClient.writeContract({
      address: receipt.contractAddress, abi: Store.abi, functionName: "set", args: [42n],
    });
    const setReceipt = await n0.publicClient.waitForTransactionReceipt({ hash: setHash, timeout: 30_000 });
    assert.equal(setReceipt.status, "success");
    const n3 = viemFor(chain.url(3));
    await waitFor("node3 at the block", 10_000, async () => (await chain.height(3)) >= Number(setReceipt.blockNumber));
    const value = await n3.publicClient.readContract({ address: receipt.contractAddress, abi: Store.abi, functionName: "value" });
    assert.equal(value, 42n);
    // The receipt is served by every node, with the same block.
    for (let i = 0; i < 4; ++i) {
      const r = await rpc(chain.url(i), "eth_getTransactionReceipt", [setHash]);
      assert.equal(r.blockHash, setReceipt.blockHash);
    }
  });

  test("a burst of nonces sent to different nodes lands in order", async () => {
    const account = privateKeyToAccount(devAccount(7).privateKey);
    const nonce = Number(await rpc(chain.url(0), "eth_getTransactionCount", [account.address, "pending"]));
    const txs = [];
    for (let k = 0; k < 12; ++k)
      txs.push(await signTransfer(account, { nonce: nonce + k, to: devAccount(8).address }));
    // Nonce k goes to node k % 4, all at once (as a script firing a burst through a load balancer).
    await Promise.all(txs.map((t, k) => rpc(chain.url(k % 4), "eth_sendRawTransaction", [t.raw])));
    const receipts = await waitFor("all 12 receipts", 30_000, async () => {
      const rs = await Promise.all(txs.map((t) => rpc(chain.url(1), "eth_getTransactionReceipt", [t.hash])));
      return rs.every(Boolean) && rs;
    });
    for (const r of receipts) assert.equal(r.status, "0x1");
    // In nonce order: block number, then index, increase with the nonce.
    for (let k = 1; k < receipts.length; ++k) {
      const a = receipts[k - 1], b = receipts[k];
      assert.ok(Number(a.blockNumber) < Number(b.blockNumber) ||
        (a.blockNumber === b.blockNumber && Number(a.transactionIndex) < Number(b.transactionIndex)),
      `nonce ${nonce + k} before nonce ${nonce + k - 1}`);
    }
    assert.equal(Number(await rpc(chain.url(2), "eth_getTransactionCount", [account.address, "latest"])), nonce + 12);
  });

  test("newHeads over WebSocket fires on commit", async () => {
    const ws = new WebSocket(chain.nodes[2].ws_url);
    await new Promise((res, rej) => { ws.once("open", res); ws.once("error", rej); });
    try {
      const heads = [];
      ws.on("message", (m) => {
        const msg = JSON.parse(m.toString());
        if (msg.method === "eth_subscription") heads.push(msg.params.result);
      });
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
      await sleep(300);
      const account = privateKeyToAccount(devAccount(9).privateKey);
      const nonce = Number(await rpc(chain.url(0), "eth_getTransactionCount", [account.address, "pending"]));
      const tx = await signTransfer(account, { nonce, to: devAccount(0).address });
      await rpc(chain.url(0), "eth_sendRawTransaction", [tx.raw]);
      const receipt = await waitFor("receipt", 20_000, () => rpc(chain.url(2), "eth_getTransactionReceipt", [tx.hash]));
      await waitFor("the head announced", 10_000, async () => heads.some((h) => h.hash === receipt.blockHash));
      const head = heads.find((h) => h.hash === receipt.blockHash);
      assert.equal(head.number, receipt.blockNumber);
    } finally {
      ws.close();
    }
  });

  test("Ethereum block number = CometBFT height; no empty blocks when idle", async () => {
    await sleep(1500); // let the block carrying the last app hash pass
    const st = await chain.status();
    for (const n of st) assert.equal(n.block_number, n.height, `${n.name}: block ${n.block_number} at height ${n.height}`);
    const h0 = await chain.height(0);
    await sleep(3000);
    assert.equal(await chain.height(0), h0, "idle chain made blocks");
    // Block time comes from CometBFT: the header time at height h, in seconds.
    const block = await rpc(chain.url(1), "eth_getBlockByNumber", [`0x${h0.toString(16)}`, false]);
    const header = (await comet(chain.nodes[1], `/block?height=${h0}`)).block.header;
    assert.equal(Number(block.timestamp), Math.floor(Date.parse(header.time) / 1000));
  });

  test("busy chain: a block at least every second", async () => {
    const load = new Load(chain, { senders: [1, 2, 3, 4] });
    const from = await chain.height(0);
    load.start();
    try {
      await waitFor("10 blocks under load", 30_000, async () => (await chain.height(0)) >= from + 11, 250);
    } finally {
      await load.stop();
    }
    // CometBFT block times (ns resolution) of 10 consecutive blocks made under load.
    const r = await comet(chain.nodes[0], `/blockchain?minHeight=${from + 2}&maxHeight=${from + 11}`);
    const times = r.block_metas.map((m) => Date.parse(m.header.time)).sort((a, b) => a - b);
    const avg = (times[times.length - 1] - times[0]) / (times.length - 1);
    console.log(`# busy block interval: ${avg.toFixed(0)} ms average over ${times.length - 1}`);
    assert.ok(avg <= 1000, `average block interval ${avg} ms`);
    assert.deepEqual(load.errors, []);
  });

  test("clean restart (SIGTERM) of the whole chain keeps it and it resumes", async () => {
    const h = await chain.assertConsistent();
    await chain.down();
    for (let i = 0; i < 4; ++i) assert.equal(chain.running(i), false);
    await chain.up();
    assert.ok((await chain.height(0)) >= h);
    const account = privateKeyToAccount(devAccount(5).privateKey);
    const nonce = Number(await rpc(chain.url(3), "eth_getTransactionCount", [account.address, "pending"]));
    const tx = await signTransfer(account, { nonce, to: devAccount(6).address });
    await waitFor("a node accepting transactions", 30_000, () => rpc(chain.url(3), "eth_sendRawTransaction", [tx.raw]), 500);
    const r = await waitFor("receipt after restart", 30_000, () => rpc(chain.url(0), "eth_getTransactionReceipt", [tx.hash]));
    assert.ok(Number(r.blockNumber) > h);
  });

  test("every node: same block hash, state root and app hash at every height", async () => {
    const head = await chain.assertConsistent();
    assert.ok(head >= 5);
  });
});
