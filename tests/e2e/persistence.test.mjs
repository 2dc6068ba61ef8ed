// A persistent node (`tern dev --data-dir D`): blocks, receipts, logs and state survive a graceful
// restart, and a kill -9 in the middle of a transaction load loses no transaction whose receipt a
// client had already seen; the chain then continues from where it stopped.
// tern only: anvil has no crash-safe data directory (its --state file is written on exit).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { devAccount, ethersProvider, ethersWallet, viemClients } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { CHAIN_ID, IS_ANVIL, startNode, tempDir } from "./lib/target.mjs";

const SKIP = IS_ANVIL && "tern only: anvil has no crash-safe persistent data directory";
const C = contracts();
const SINK = "0x0000000000000000000000000000000000005afe";

/** One JSON-RPC batch over HTTP; returns the results in request order (throws on any error). */
async function batch(url, calls) {
  const body = calls.map(([method, params], id) => ({ jsonrpc: "2.0", id, method, params }));
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!Array.isArray(json)) throw new Error(`batch answered ${JSON.stringify(json)}`);
  const out = [];
  for (const r of json) {
    if (r.error) throw new Error(`${calls[r.id][0]}: ${r.error.message}`);
    out[r.id] = r.result;
  }
  return out;
}

/** The canonical chain from genesis to `head`: [{ number, hash, parentHash }]. */
async function chainHeaders(url, head) {
  const calls = [];
  for (let n = 0n; n <= head; n++) calls.push(["eth_getBlockByNumber", [`0x${n.toString(16)}`, false]]);
  const out = [];
  for (let i = 0; i < calls.length; i += 200) out.push(...(await batch(url, calls.slice(i, i + 200))));
  return out;
}

function assertLinked(headers) {
  for (let i = 1; i < headers.length; i++) {
    assert.ok(headers[i], `block ${i} exists`);
    assert.equal(headers[i].parentHash, headers[i - 1].hash, `block ${i} links to block ${i - 1}`);
  }
}

describe("persistence: graceful restart", () => {
  let node, tmp;
  before(() => {
    tmp = tempDir("tern-e2e-data-");
  });
  after(async () => {
    await node?.stop();
    tmp?.cleanup();
  });

  it("blocks, receipts, logs and state are the same after a restart, and the chain continues", { skip: SKIP }, async () => {
    node = await startNode({ dataDir: tmp.dir });
    let viem = viemClients(node, 0);
    const hash = await viem.walletClient.deployContract({ abi: C.E2EToken.abi, bytecode: C.E2EToken.bytecode, args: [10n ** 24n] });
    const token = ethers.getAddress((await viem.publicClient.waitForTransactionReceipt({ hash })).contractAddress);
    const hashes = [hash];
    for (let i = 1; i <= 5; i++) {
      const h = await viem.walletClient.writeContract({
        address: token, abi: C.E2EToken.abi, functionName: "transfer", args: [devAccount(i).address, BigInt(i * 100)],
      });
      await viem.publicClient.waitForTransactionReceipt({ hash: h });
      hashes.push(h);
    }
    const snapshot = async () => {
      const head = BigInt(await node.rpc("eth_blockNumber"));
      return {
        head,
        headers: await chainHeaders(node.url, head),
        receipts: await batch(node.url, hashes.map((h) => ["eth_getTransactionReceipt", [h]])),
        txs: await batch(node.url, hashes.map((h) => ["eth_getTransactionByHash", [h]])),
        logs: await node.rpc("eth_getLogs", [{ address: token, fromBlock: "0x0", toBlock: "latest" }]),
        balances: await batch(node.url, [0, 1, 2, 3, 4, 5].map((i) => ["eth_getBalance", [devAccount(i).address, "latest"]])),
        code: await node.rpc("eth_getCode", [token, "latest"]),
        storage: await node.rpc("eth_getStorageAt", [token, "0x2", "latest"]), // totalSupply slot
        nonce: await node.rpc("eth_getTransactionCount", [devAccount(0).address, "latest"]),
      };
    };
    const before = await snapshot();
    assert.ok(before.receipts.every((r) => r && r.status === "0x1"));
    assert.equal(before.logs.length, 1 + 1 + 5); // OwnershipTransferred, mint, 5 transfers
    await node.stop();

    node = await startNode({ dataDir: tmp.dir });
    const afterRestart = await snapshot();
    assert.deepEqual(afterRestart, before, "the chain read back after the restart is identical");
    assertLinked(afterRestart.headers);

    // The chain continues: the next block builds on the old head, nonces carry on.
    viem = viemClients(node, 0);
    const h = await viem.walletClient.writeContract({
      address: token, abi: C.E2EToken.abi, functionName: "transfer", args: [SINK, 1n],
    });
    const r = await viem.publicClient.waitForTransactionReceipt({ hash: h });
    assert.equal(r.status, "success");
    assert.ok(r.blockNumber > before.head);
    const next = await node.rpc("eth_getBlockByNumber", [`0x${(before.head + 1n).toString(16)}`, false]);
    assert.equal(next.parentHash, before.headers[Number(before.head)].hash);
    const tx = await node.rpc("eth_getTransactionByHash", [h]);
    assert.equal(BigInt(tx.nonce), BigInt(before.nonce));
    assert.equal(await viem.publicClient.readContract({ address: token, abi: C.E2EToken.abi, functionName: "balanceOf", args: [SINK] }), 1n);
    // History from before the restart is still queryable at its block.
    const oldBal = await viem.publicClient.readContract({
      address: token, abi: C.E2EToken.abi, functionName: "balanceOf", args: [devAccount(5).address], blockNumber: before.head,
    });
    assert.equal(oldBal, 500n);
  });
});

describe("persistence: kill -9 during load", () => {
  let node, tmp;
  before(() => {
    tmp = tempDir("tern-e2e-crash-");
  });
  after(async () => {
    await node?.stop();
    tmp?.cleanup();
  });

  it("every transaction with a receipt before SIGKILL still has it after restart; the chain continues", { skip: SKIP }, async (t) => {
    node = await startNode({ dataDir: tmp.dir });
    const provider = ethersProvider(node);
    const SENDERS = [1, 2, 3, 4, 5, 6, 7, 8];
    const PER_SENDER = 60;
    // Pre-sign everything: sender s, nonces 0..PER_SENDER-1, 1 wei each to SINK.
    const fee = (await provider.getBlock("latest")).baseFeePerGas * 3n + 1n;
    const signed = [];
    for (const s of SENDERS) {
      const w = ethersWallet(provider, s);
      const start = await provider.getTransactionCount(w.address);
      for (let n = 0; n < PER_SENDER; n++) {
        const raw = await w.signTransaction({
          type: 2, chainId: BigInt(CHAIN_ID), to: SINK, value: 1n, gasLimit: 21000n, nonce: start + n,
          maxFeePerGas: fee, maxPriorityFeePerGas: 0n,
        });
        signed.push({ sender: w.address, nonce: start + n, raw, hash: ethers.keccak256(raw) });
      }
    }
    provider.destroy();
    // Interleave senders: round n sends nonce n of every sender.
    signed.sort((a, b) => a.nonce - b.nonce);

    const acked = new Map(); // hash -> receipt seen before the kill
    const submitted = [];
    let killed = false;
    const KILL_AFTER = Math.floor(signed.length / 3);

    const sender = (async () => {
      for (let i = 0; i < signed.length && !killed; i += 8) {
        const wave = signed.slice(i, i + 8);
        try {
          await batch(node.url, wave.map((t) => ["eth_sendRawTransaction", [t.raw]]));
          submitted.push(...wave);
        } catch (e) {
          if (!killed) throw e;
        }
      }
    })();
    const poller = (async () => {
      while (!killed) {
        const open = submitted.filter((t) => !acked.has(t.hash)).slice(0, 200);
        if (open.length) {
          let receipts;
          try {
            receipts = await batch(node.url, open.map((t) => ["eth_getTransactionReceipt", [t.hash]]));
          } catch (e) {
            if (killed) break;
            throw e;
          }
          open.forEach((t, i) => receipts[i] && acked.set(t.hash, receipts[i]));
        }
        if (acked.size >= KILL_AFTER && !killed) {
          killed = true;
          await node.kill9();
          break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all([poller, sender.catch((e) => { killed = true; throw e; })]);
    assert.ok(killed, "the node was killed during the load");
    assert.ok(acked.size >= KILL_AFTER, `${acked.size} receipts seen before the kill`);

    node = await startNode({ dataDir: tmp.dir });
    // Every acknowledged receipt is there, in the same block.
    const ackedList = [...acked.entries()];
    const after = [];
    for (let i = 0; i < ackedList.length; i += 200)
      after.push(...(await batch(node.url, ackedList.slice(i, i + 200).map(([h]) => ["eth_getTransactionReceipt", [h]]))));
    const lost = ackedList.filter(([, r], i) => !after[i] || after[i].blockHash !== r.blockHash);
    assert.deepEqual(lost.map(([h]) => h), [], "acknowledged transactions missing or moved after the crash");

    // State agrees with the receipts: SINK holds 1 wei per mined transfer, and each sender's nonce is
    // the count of its mined transactions (a prefix of its nonces).
    const all = await batch(node.url, signed.map((t) => ["eth_getTransactionReceipt", [t.hash]]));
    const mined = signed.filter((_, i) => all[i]);
    t.diagnostic(`${signed.length} signed, ${submitted.length} submitted, ${acked.size} receipts seen before ` +
      `SIGKILL, ${mined.length} mined after restart`);
    assert.equal(BigInt(await node.rpc("eth_getBalance", [SINK, "latest"])), BigInt(mined.length));
    for (const s of SENDERS) {
      const addr = devAccount(s).address;
      const minedNonces = mined.filter((t) => t.sender === addr).map((t) => t.nonce).sort((a, b) => a - b);
      minedNonces.forEach((n, i) => assert.equal(n, i, `sender ${s}: mined nonces form a prefix`));
      assert.equal(Number(await node.rpc("eth_getTransactionCount", [addr, "latest"])), minedNonces.length);
    }
    const head = BigInt(await node.rpc("eth_blockNumber"));
    const maxAckedBlock = ackedList.reduce((m, [, r]) => (BigInt(r.blockNumber) > m ? BigInt(r.blockNumber) : m), 0n);
    assert.ok(head >= maxAckedBlock, `head ${head} >= last acknowledged block ${maxAckedBlock}`);
    assertLinked(await chainHeaders(node.url, head));

    // The chain continues: the rest of the load is accepted and mined on top.
    const rest = signed.filter((_, i) => !all[i]);
    for (let i = 0; i < rest.length; i += 50) {
      const res = await fetch(node.url, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify(rest.slice(i, i + 50).map((t, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [t.raw] }))),
      }).then((r) => r.json());
      // A transaction the node still had in its pool after restart may answer "already known".
      for (const r of res) if (r.error) assert.match(r.error.message, /already known/, JSON.stringify(r.error));
    }
    const viem = viemClients(node, 0);
    for (const t of rest.slice(-8)) await viem.publicClient.waitForTransactionReceipt({ hash: t.hash, timeout: 30_000 });
    assert.equal(BigInt(await node.rpc("eth_getBalance", [SINK, "latest"])), BigInt(signed.length));
    assert.ok(BigInt(await node.rpc("eth_blockNumber")) > head);
  });
});
