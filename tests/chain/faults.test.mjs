// Fault tolerance of a 4-validator chain under continuous load (6 senders, each sending bursts of
// 3 consecutive nonces round-robin over the nodes' RPCs, every confirmed receipt recorded):
//   1. kill -9 one validator: blocks keep being finalized; restart it: it catches up with the same
//      block hashes and app hashes at every height;
//   2. stop two of four: no block is finalized; restart one: the chain resumes;
//   3. a validator dies between FinalizeBlock and Commit (TERN_TEST_CRASH_AFTER_FINALIZE): on
//      restart CometBFT's handshake replays the block and the node matches the others;
//   and after each step no transaction whose receipt was returned is lost, and every node reports
//   the same block hash, state root and app hash at every height.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Chain, Load, comet, sleep, waitFor } from "./lib/chain.mjs";

const ALL = [0, 1, 2, 3];

describe("faults under load", { timeout: 480_000 }, () => {
  let chain;
  let load;

  /** Waits until node `i`'s head passes `by` more blocks and the load confirms `txs` more. */
  async function progress(i, { by = 3, txs = 10, ms = 45_000 } = {}) {
    const h = await chain.height(i);
    const c = load.count;
    await waitFor(`node${i} +${by} blocks and +${txs} confirmed txs`, ms,
      async () => (await chain.height(i)) >= h + by && load.count >= c + txs, 250);
  }

  async function check(which = ALL) {
    const head = await chain.assertConsistent({ which, minHeight: Math.max(...(await Promise.all(which.map((i) => chain.height(i))))) });
    const n = await load.assertNoneLost(which);
    assert.deepEqual(load.errors, []);
    return { head, n };
  }

  before(async () => {
    chain = await Chain.init({ rpcPort: 23545, basePort: 29656 });
    await chain.up();
    await waitFor("3 peers each", 30_000, async () => (await chain.status()).every((n) => n.peers === 3));
    load = new Load(chain);
    load.start();
    await progress(0, { by: 2, txs: 20 });
  });

  after(async () => {
    if (load) await Promise.race([load.stop(), sleep(5000)]);
    if (chain) await chain.destroy();
  });

  test("kill -9 one validator: the chain goes on; restarted, it catches up identically", async () => {
    await chain.down({ node: 3, kill: true });
    assert.equal(chain.running(3), false);
    await progress(0, { by: 5, txs: 30 });
    await check([0, 1, 2]);
    await chain.up({ node: 3 });
    await progress(3, { by: 2, txs: 10 });
    const { head, n } = await check();
    console.log(`# after restart of node3: head ${head}, ${n} confirmed txs on every node`);
  });

  test("two of four stopped: no block finalized; one back: the chain resumes", async () => {
    await chain.down({ node: 2 });
    await chain.down({ node: 3 });
    await sleep(1500); // a block already past its precommits may still commit
    const before = await Promise.all([0, 1].map((i) => comet(chain.nodes[i], "/status")));
    const heights = before.map((s) => Number(s.sync_info.latest_block_height));
    const confirmed = load.count;
    await sleep(5000);
    const later = await Promise.all([0, 1].map((i) => comet(chain.nodes[i], "/status")));
    assert.deepEqual(later.map((s) => Number(s.sync_info.latest_block_height)), heights,
      "a block was finalized with half the voting power");
    // Receipts of blocks committed before the halt may still be collected (one burst per sender).
    assert.ok(load.count <= confirmed + load.accounts.length * load.burst, "receipts appeared without a quorum");
    await chain.up({ node: 2 });
    await progress(0, { by: 3, txs: 10, ms: 60_000 });
    await chain.up({ node: 3 });
    await progress(3, { by: 2, txs: 5 });
    await check();
  });

  test("crash between FinalizeBlock and Commit: the handshake replays and the node matches", async () => {
    await chain.down({ node: 1 });
    const target = (await chain.height(0)) + 3;
    await chain.upNoWait({ node: 1, env: { TERN_TEST_CRASH_AFTER_FINALIZE: String(target) } });
    await waitFor(`node1 to crash at height ${target}`, 60_000, async () => !chain.running(1), 200);
    assert.ok((await chain.height(0)) >= target - 1);
    await progress(0, { by: 2, txs: 5 });
    await chain.up({ node: 1 });
    await progress(1, { by: 2, txs: 5 });
    // CometBFT had stored block `target` but Tern had not committed it: the handshake replayed it.
    const log = join(chain.dir, chain.nodes[1].home, "logs", "cometbft.log");
    assert.ok(existsSync(log), `${log} missing`);
    const replays = readFileSync(log, "utf8").split("\n").filter((l) => /ABCI Replay Blocks/.test(l));
    const m = replays.map((l) => l.match(/appHeight=(\d+).*storeHeight=(\d+)/)).filter(Boolean);
    assert.ok(m.some((x) => Number(x[1]) === target - 1 && Number(x[2]) === target),
      `no handshake replay of block ${target}: ${replays.join(" | ")}`);
    await check();
  });

  test("end: load stopped, every node identical at every height, no receipt lost", async () => {
    await load.stop();
    const { head, n } = await check();
    assert.ok(n >= 100, `only ${n} transactions confirmed`);
    console.log(`# final: head ${head}, ${n} confirmed transactions, ${load.transientErrors} transient submit errors`);
  });
});
