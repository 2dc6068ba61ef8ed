// A 5th node joins a running 4-validator chain by CometBFT state sync (`tern chain add-node
// --state-sync`): the validators take a snapshot every 5 blocks (keeping 20); after accounts, a contract's
// storage and a token's balances exist and a snapshot height has passed, the new node restores
// the latest snapshot (its cometbft.log says "Snapshot restored", it has no blocks below the
// snapshot height), reaches the head within 90 s, has the validators' block hash and state root
// at every height from the snapshot on, answers eth_getBalance / eth_call / eth_getStorageAt at
// the head like them, answers older blocks with null, keeps its state across a restart, and
// follows new blocks.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { encodeFunctionData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccount } from "../e2e/lib/clients.mjs";
import { contracts, deployToken, tokenTransfer } from "../e2e/lib/contracts.mjs";
import { Chain, Load, comet, rpc, signTransfer, viemFor, waitFor } from "./lib/chain.mjs";

const INTERVAL = 5;
const hex = (n) => `0x${n.toString(16)}`;
/** Accounts that exist only because the test funded them. */
const FRESH = [1, 2, 3, 4, 5].map((k) => `0x${(0xa11ce0 + k).toString(16).padStart(40, "0")}`);

describe("a full node joins by state sync", { timeout: 240_000 }, () => {
  let chain;
  let store;
  let token;
  let joined;

  before(async () => {
    chain = await Chain.init({
      rpcPort: 24645, basePort: 24656,
      // Under load a block comes every ~0.4 s: keep 20 snapshots (100 blocks), so the one the
      // new node picks after CometBFT's 5 s discovery is still served when it fetches the chunks.
      extra: ["--snapshot-interval", String(INTERVAL), "--snapshot-keep-recent", "20"],
    });
    await chain.up();
  });

  after(async () => {
    if (chain) await chain.destroy();
  });

  test("state to sync: new accounts, a contract's storage, token balances", async () => {
    const n0 = viemFor(chain.url(0));
    const sender = privateKeyToAccount(devAccount(0).privateKey);
    const nonce = Number(await rpc(chain.url(0), "eth_getTransactionCount", [sender.address, "pending"]));
    const txs = await Promise.all(FRESH.map((to, k) => signTransfer(sender, { nonce: nonce + k, to, value: 1000n + BigInt(k) })));
    await Promise.all(txs.map((t, k) => rpc(chain.url(k % 4), "eth_sendRawTransaction", [t.raw])));
    await waitFor("the transfers", 30_000, async () =>
      (await Promise.all(txs.map((t) => rpc(chain.url(1), "eth_getTransactionReceipt", [t.hash])))).every(Boolean));
    const { Store } = contracts();
    const deployed = await n0.publicClient.waitForTransactionReceipt({
      hash: await n0.walletClient.deployContract({ abi: Store.abi, bytecode: Store.bytecode }), timeout: 30_000,
    });
    store = deployed.contractAddress;
    const set = await n0.publicClient.waitForTransactionReceipt({
      hash: await n0.walletClient.writeContract({ address: store, abi: Store.abi, functionName: "set", args: [4242n] }),
      timeout: 30_000,
    });
    assert.equal(set.status, "success");
    token = await deployToken(n0);
    for (const to of FRESH.slice(0, 3)) assert.equal((await tokenTransfer(n0, token, to, 77n)).status, "success");
  });

  test("restores a snapshot, reaches the head, and serves the same chain", { timeout: 180_000 }, async () => {
    // Blocks keep coming (the light client needs the two blocks after the snapshot height).
    const load = new Load(chain, { senders: [1, 2, 3, 4], nodes: 4 });
    load.start();
    let snapshot;
    try {
      await waitFor("a snapshot height passed", 60_000, async () => (await chain.height(0)) >= 2 * INTERVAL + 2, 250);
      const started = Date.now();
      joined = await chain.addNode({ stateSync: true });
      assert.equal(chain.nodes[joined].validator, false);
      await chain.up({ node: joined });
      const log = join(chain.dir, chain.nodes[joined].home, "logs", "cometbft.log");
      // CometBFT's statesync/syncer.go logs "Snapshot restored" with the height once the
      // application accepted every chunk and reported the snapshot's height and app hash.
      snapshot = await waitFor("Snapshot restored in node4's cometbft.log", 80_000, () => {
        const m = readFileSync(log, "utf8").match(/Snapshot restored\s.*?\bheight=(\d+)/);
        return m && Number(m[1]);
      }, 250).catch((e) => {
        throw new Error(`${e.message}\n${chain.logTail(joined, 40)}`);
      });
      await waitFor("the new node at the validators' head", 90_000 - (Date.now() - started), async () => {
        const [h0, h4] = await Promise.all([chain.height(0), chain.height(joined)]);
        return h4 >= snapshot && h4 >= h0 - 1;
      }, 250).catch((e) => {
        throw new Error(`${e.message}\n${chain.logTail(joined, 40)}`);
      });
      const took = Date.now() - started;
      console.log(`# state sync: snapshot at height ${snapshot}, at the head ${took} ms after add-node`);
      assert.ok(took < 90_000, `took ${took} ms`);
      // Taken at the first block changing the app hash at or after a multiple of INTERVAL (under
    // load: the multiple itself, unless that block was empty).
    assert.ok(snapshot >= INTERVAL, `snapshot height ${snapshot}`);
      const st = (await chain.status(joined))[0];
      assert.equal(st.validator, false);
    } finally {
      await load.stop();
    }
    assert.deepEqual(load.errors, []);

    // Restored, not replayed: no block below the snapshot height in CometBFT's store or Tern's.
    const sync = (await comet(chain.nodes[joined], "/status")).sync_info;
    assert.ok(Number(sync.earliest_block_height) > snapshot - 1, `CometBFT's store starts at ${sync.earliest_block_height}`);
    // CometBFT's first "executed block" (state/execution.go) is the one after the snapshot.
    const executed = readFileSync(join(chain.dir, chain.nodes[joined].home, "logs", "cometbft.log"), "utf8")
      .match(/executed block\s.*?\bheight=(\d+)/);
    assert.equal(executed && Number(executed[1]), snapshot + 1);

    // Every node (the 4 validators and the new one): same blocks from the snapshot on.
    const head = await chain.assertConsistent({ from: snapshot, minHeight: snapshot + 2 });

    // The state at the head, read through the new node and a validator.
    const { Store, E2EToken } = contracts();
    const at = hex(head);
    const queries = [
      ...[...FRESH, devAccount(0).address, store, token].flatMap((a) => [
        ["eth_getBalance", [a, at]], ["eth_getTransactionCount", [a, at]], ["eth_getCode", [a, at]],
      ]),
      ["eth_getStorageAt", [store, "0x0", at]],
      ["eth_call", [{ to: store, data: encodeFunctionData({ abi: Store.abi, functionName: "value" }) }, at]],
      ...FRESH.map((a) => ["eth_call", [{ to: token, data: encodeFunctionData({ abi: E2EToken.abi, functionName: "balanceOf", args: [a] }) }, at]]),
    ];
    const [mine, theirs] = await Promise.all([rpc(chain.url(joined), queries), rpc(chain.url(2), queries)]);
    assert.deepEqual(mine, theirs);
    const storageAt = 3 * (FRESH.length + 3);
    assert.equal(BigInt(mine[0]), 1000n); // FRESH[0]'s balance
    assert.equal(BigInt(mine[storageAt]), 4242n); // Store's slot 0
    assert.equal(BigInt(mine[storageAt + 1]), 4242n); // Store.value()
    assert.equal(BigInt(mine[storageAt + 2]), 77n); // token balance of FRESH[0]

    // Blocks below the snapshot height are not there: null, and the node keeps serving.
    const validatorBlock1 = await rpc(chain.url(0), "eth_getBlockByNumber", ["0x1", false]);
    for (const h of [1, snapshot - 1])
      assert.equal(await rpc(chain.url(joined), "eth_getBlockByNumber", [hex(h), false]), null, `block ${h}`);
    assert.equal(await rpc(chain.url(joined), "eth_getBlockByHash", [validatorBlock1.hash, false]), null);
    assert.ok(Number(await rpc(chain.url(joined), "eth_blockNumber")) >= head);

    // A restart keeps what it restored: CometBFT does not state-sync again (it has state) and
    // Tern's head is where it was.
    const before = await chain.height(joined);
    await chain.down({ node: joined });
    await chain.up({ node: joined });
    assert.ok((await chain.height(joined)) >= before);
    const restored = readFileSync(join(chain.dir, chain.nodes[joined].home, "logs", "cometbft.log"), "utf8").match(/Snapshot restored/g);
    assert.equal(restored.length, 1);

    // It follows new blocks: a transaction sent through it lands, and it sees one sent elsewhere.
    const account = privateKeyToAccount(devAccount(8).privateKey);
    const nonce = Number(await rpc(chain.url(0), "eth_getTransactionCount", [account.address, "pending"]));
    const viaNew = await signTransfer(account, { nonce, to: FRESH[4] });
    const viaOld = await signTransfer(account, { nonce: nonce + 1, to: FRESH[4] });
    await rpc(chain.url(joined), "eth_sendRawTransaction", [viaNew.raw]);
    await rpc(chain.url(1), "eth_sendRawTransaction", [viaOld.raw]);
    for (const t of [viaNew, viaOld])
      for (const i of [0, joined])
        await waitFor(`receipt of ${t.hash} on node${i}`, 30_000, () => rpc(chain.url(i), "eth_getTransactionReceipt", [t.hash]));
    await chain.assertConsistent({ from: snapshot, minHeight: head + 1 });
  });
});
