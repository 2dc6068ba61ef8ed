// `tern chain init --hosts`: validators on separate machines. Linux routes all of 127.0.0.0/8 to
// loopback, so 127.0.0.2..5 are four "machines" here: every node uses the same ports on its own
// address (P2P, CometBFT RPC and JSON-RPC bound there, nothing on 0.0.0.0 or 127.0.0.1), the
// chain makes blocks, a contract deployed through node0 is read through node3, and `down`
// stops them all.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { contracts } from "../e2e/lib/contracts.mjs";
import { Chain, viemFor, waitFor } from "./lib/chain.mjs";

const HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];

/** Listening TCP sockets of this machine as "ip:port" (from /proc/net/tcp). */
function listeners() {
  const out = new Set();
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== "0A") continue; // 0A = LISTEN
    const [ipHex, portHex] = f[1].split(":");
    const ip = [3, 2, 1, 0].map((k) => parseInt(ipHex.slice(2 * k, 2 * k + 2), 16)).join(".");
    out.add(`${ip}:${parseInt(portHex, 16)}`);
  }
  return out;
}

describe("4 validators on 4 addresses (--hosts)", { timeout: 120_000 }, () => {
  let chain;

  before(async () => {
    chain = await Chain.init({ rpcPort: 24545, basePort: 24556, extra: ["--hosts", HOSTS.join(",")] });
    await chain.up();
  });

  after(async () => {
    if (chain) await chain.destroy();
  });

  test("each node listens on its own address with the same ports, and peers with the others", async () => {
    const rpcPort = chain.nodes[0].rpc_port;
    const p2pPort = chain.nodes[0].p2p_port;
    const cometPort = chain.nodes[0].cometbft_rpc_port;
    const open = listeners();
    chain.nodes.forEach((n, i) => {
      assert.equal(n.host, HOSTS[i]);
      assert.equal(n.rpc_url, `http://${HOSTS[i]}:${rpcPort}`);
      assert.deepEqual([n.rpc_port, n.p2p_port, n.cometbft_rpc_port], [rpcPort, p2pPort, cometPort]);
      for (const port of [rpcPort, p2pPort, cometPort]) assert.ok(open.has(`${HOSTS[i]}:${port}`), `${HOSTS[i]}:${port}`);
    });
    for (const port of [rpcPort, p2pPort, cometPort])
      for (const any of ["0.0.0.0", "127.0.0.1"]) assert.ok(!open.has(`${any}:${port}`), `${any}:${port} bound`);
    await waitFor("3 peers each", 30_000, async () => (await chain.status()).every((s) => s.running && s.peers === 3));
  });

  test("deploy through node0, read through node3", async () => {
    const { Store } = contracts();
    const n0 = viemFor(chain.url(0));
    const hash = await n0.walletClient.deployContract({ abi: Store.abi, bytecode: Store.bytecode });
    const receipt = await n0.publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
    const setHash = await n0.walletClient.writeContract({
      address: receipt.contractAddress, abi: Store.abi, functionName: "set", args: [7n],
    });
    const setReceipt = await n0.publicClient.waitForTransactionReceipt({ hash: setHash, timeout: 30_000 });
    assert.equal(setReceipt.status, "success");
    await waitFor("node3 at the block", 10_000, async () => (await chain.height(3)) >= Number(setReceipt.blockNumber));
    const value = await viemFor(chain.url(3)).publicClient.readContract({
      address: receipt.contractAddress, abi: Store.abi, functionName: "value",
    });
    assert.equal(value, 7n);
    await chain.assertConsistent({ minHeight: Number(setReceipt.blockNumber) });
  });

  test("down stops every node", async () => {
    await chain.down();
    for (let i = 0; i < 4; ++i) assert.equal(chain.running(i), false);
  });
});
