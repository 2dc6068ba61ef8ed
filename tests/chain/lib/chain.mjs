// Multi-validator test harness: a Tern chain made by `tern chain init` in a temp dir, started and
// stopped with `tern chain up|down`, JSON-RPC helpers, a background load generator that records
// every transaction whose receipt it obtained, and the end-of-test consistency check (every node:
// the same block hash, state root and CometBFT app hash at every height).
//
//   TERN_BIN       tern binary (default build/release/tools/tern/tern)
//   TERN_CHAIN_KEEP=1   keep the chain directory (logs) after the test
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createPublicClient, createWalletClient, defineChain, http, keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccount } from "../../e2e/lib/clients.mjs";

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const TERN_BIN = process.env.TERN_BIN || join(REPO_ROOT, "build/release/tools/tern/tern");
export const CHAIN_ID = 7777;
/// Added to every port the chain tests use (TERN_TEST_PORT_OFFSET, default 0), so two runs on one
/// machine (e.g. CI and a developer) do not collide. Keep every port below Linux's ephemeral range
/// (32768-60999): an outgoing connection (a CometBFT peer dial, a test's HTTP client) can be given
/// a port there just before a node binds it, and that node's cometbft then fails to start.
export const PORT_OFFSET = Number(process.env.TERN_TEST_PORT_OFFSET || 0);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (returned) or `ms` pass (throws, naming `what`). */
export async function waitFor(what, ms, fn, every = 200) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
    await sleep(every);
  }
}

/** One JSON-RPC call (or a batch when `method` is an array of [method, params]); throws on errors. */
export async function rpc(url, method, params = [], timeoutMs = 5000) {
  const batch = Array.isArray(method);
  const body = batch
    ? method.map(([m, p], i) => ({ jsonrpc: "2.0", id: i, method: m, params: p }))
    : { jsonrpc: "2.0", id: 1, method, params };
  const deadline = Date.now() + timeoutMs;
  let res;
  for (;;) {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Over the node's per-address request rate (every test client is 127.0.0.1, and the
    // validators keep their default limit): wait as told, as a well-behaved client does.
    const wait = 1000 * Number(res.headers.get("retry-after") || 1);
    if (res.status !== 429 || Date.now() + wait > deadline) break;
    await res.arrayBuffer();
    await sleep(wait);
  }
  const json = await res.json();
  if (batch) {
    const out = new Array(method.length);
    for (const r of json) {
      if (r.error) throw new Error(`${method[r.id][0]}: ${r.error.message}`);
      out[r.id] = r.result;
    }
    return out;
  }
  if (json.error) throw Object.assign(new Error(`${method}: ${json.error.message}`), { rpcError: json.error });
  return json.result;
}

/** GET of a CometBFT RPC route, e.g. `/status`: its `result`. */
export async function comet(node, route, timeoutMs = 5000) {
  const res = await fetch(`http://${node.cometbft_rpc_host}:${node.cometbft_rpc_port}${route}`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = await res.json();
  if (json.error) throw new Error(`${route}: ${JSON.stringify(json.error)}`);
  return json.result;
}

const liveChains = new Set();
process.on("exit", () => {
  for (const c of liveChains) spawnSync(TERN_BIN, ["chain", "down", "--kill", c.dir], { stdio: "ignore" });
});

/** A chain directory and its nodes (chain.json), with the tern chain commands. */
export class Chain {
  /**
   * `tern chain init` into a fresh temp dir. Ports: RPC rpcPort+i, CometBFT basePort+10i(+1);
   * pick distinct ones per test file. `devAccounts`: fund the test mnemonic's accounts
   * (`--dev-accounts`; the tests sign with their keys locally, the validators sign nothing).
   */
  static async init({ validators = 4, rpcPort, basePort, blockTimeMs = 300, devAccounts = true, extra = [] }) {
    const dir = mkdtempSync(join(tmpdir(), "tern-chain-"));
    await run(TERN_BIN, ["chain", "init", "--validators", String(validators), "--chain-id", String(CHAIN_ID),
      "--out", dir, "--rpc-port", String(rpcPort + PORT_OFFSET), "--base-port", String(basePort + PORT_OFFSET),
      "--block-time", String(blockTimeMs), ...(devAccounts ? ["--dev-accounts"] : []), ...extra]);
    return new Chain(dir);
  }

  constructor(dir) {
    this.dir = dir;
    this.reload();
    liveChains.add(this);
  }

  /** Re-reads chain.json (after `add-node`). */
  reload() {
    this.info = JSON.parse(readFileSync(join(this.dir, "chain.json"), "utf8"));
    this.nodes = this.info.nodes;
  }

  /** `tern chain add-node DIR [--state-sync]`; returns the new node's index. */
  async addNode({ stateSync = false } = {}) {
    try {
      await run(TERN_BIN, ["chain", "add-node", this.dir, ...(stateSync ? ["--state-sync"] : [])]);
    } catch (e) {
      throw new Error(`tern chain add-node failed: ${e.stderr || e.message}`);
    }
    this.reload();
    return this.nodes.length - 1;
  }

  url(i) {
    return this.nodes[i].rpc_url;
  }

  /** `tern chain up DIR [--node i]` with extra environment for the node(s). */
  async up({ node, env = {}, timeout = 90 } = {}) {
    const args = ["chain", "up", this.dir, "--timeout", String(timeout)];
    if (node !== undefined) args.push("--node", String(node));
    try {
      await run(TERN_BIN, args, { env: { ...process.env, ...env }, timeout: (timeout + 30) * 1000 });
    } catch (e) {
      throw new Error(`tern chain up failed: ${e.stderr || e.message}`);
    }
  }

  /** `tern chain up` without waiting for the RPC (for a node that is meant to crash). */
  upNoWait({ node, env = {} }) {
    return run(TERN_BIN, ["chain", "up", this.dir, "--node", String(node), "--timeout", "1"],
      { env: { ...process.env, ...env } }).catch(() => {});
  }

  async down({ node, kill = false } = {}) {
    const args = ["chain", "down", this.dir];
    if (node !== undefined) args.push("--node", String(node));
    if (kill) args.push("--kill");
    await run(TERN_BIN, args, { timeout: 90_000 });
  }

  /** `tern chain status --json`. */
  async status(node) {
    const args = ["chain", "status", this.dir, "--json"];
    if (node !== undefined) args.push("--node", String(node));
    const { stdout } = await run(TERN_BIN, args, { timeout: 30_000 });
    return JSON.parse(stdout);
  }

  /** True while `tern node` of node i runs (its pid file names a live process). */
  running(i) {
    const f = join(this.dir, this.nodes[i].home, "tern.pid");
    if (!existsSync(f)) return false;
    const pid = Number(readFileSync(f, "utf8").trim());
    try {
      process.kill(pid, 0);
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
    } catch {
      return false;
    }
  }

  /** Ethereum head block number of node i. */
  async height(i) {
    return Number(await rpc(this.url(i), "eth_blockNumber"));
  }

  /** Stops every node (SIGKILL) and removes the directory unless TERN_CHAIN_KEEP=1. */
  async destroy() {
    try {
      await this.down({ kill: true });
    } finally {
      liveChains.delete(this);
      if (process.env.TERN_CHAIN_KEEP === "1") console.error(`chain kept in ${this.dir}`);
      else rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Last lines of node i's logs (for failure messages). */
  logTail(i, lines = 30) {
    const out = [];
    for (const f of ["tern.log", "cometbft.log"]) {
      const p = join(this.dir, this.nodes[i].home, "logs", f);
      if (existsSync(p)) out.push(`--- ${p}`, ...readFileSync(p, "utf8").trimEnd().split("\n").slice(-lines));
    }
    return out.join("\n");
  }

  /**
   * Waits until nodes `which` agree on a head at least `minHeight`, then checks that for every
   * height from..head (all heights by default; a state-synced node has blocks from its snapshot
   * on) all of them have the same Ethereum block hash, parent link and state root, the same
   * CometBFT block hash and app hash (heights every node's CometBFT store has), and that
   * CometBFT's app hash after height h (in header h+1) is the Ethereum block hash of the newest
   * block <= h that has transactions or changes the state root (header 1 after an empty block
   * 0..: the genesis block's hash, from InitChain; empty blocks keep the app hash).
   * Returns the checked head.
   */
  async assertConsistent({ which = this.nodes.map((_, i) => i), minHeight = 0, timeoutMs = 60_000, from = 0 } = {}) {
    const head = await waitFor(`nodes ${which} to agree on a head >= ${minHeight}`, timeoutMs, async () => {
      const hs = await Promise.all(which.map((i) => this.height(i)));
      const max = Math.max(...hs);
      return max >= minHeight && hs.every((h) => h === max) ? max : 0;
    }, 300);
    const byNode = await Promise.all(which.map((i) => this.ethBlocks(i, head, from)));
    const ref = byNode[0];
    for (let k = 1; k < which.length; ++k)
      for (let h = from; h <= head; ++h) {
        const a = ref[h], b = byNode[k][h];
        if (a.hash !== b.hash || a.stateRoot !== b.stateRoot)
          throw new Error(`block ${h}: node${which[0]} ${a.hash}/${a.stateRoot} != node${which[k]} ${b.hash}/${b.stateRoot}`);
      }
    for (let h = Math.max(1, from + 1); h <= head; ++h) {
      if (ref[h].parentHash !== ref[h - 1].hash) throw new Error(`block ${h}: parentHash does not link to block ${h - 1}`);
      if (Number(ref[h].timestamp) < Number(ref[h - 1].timestamp)) throw new Error(`block ${h}: timestamp goes back`);
    }
    // CometBFT's view: block ids and app hashes at the heights every node's store has.
    const bases = await Promise.all(which.map(async (i) => Number((await comet(this.nodes[i], "/status")).sync_info.earliest_block_height)));
    const cometFrom = Math.max(1, from, ...bases);
    const cometByNode = await Promise.all(which.map((i) => this.cometHeaders(i, head, cometFrom)));
    for (let k = 1; k < which.length; ++k)
      for (let h = cometFrom; h <= head; ++h) {
        const a = cometByNode[0][h], b = cometByNode[k][h];
        if (a.hash !== b.hash || a.appHash !== b.appHash)
          throw new Error(`height ${h}: CometBFT block/app hash differ between node${which[0]} and node${which[k]}`);
      }
    // The app hash's block: known from the first block (from `from` on) that changes it.
    let appBlock = from === 0 ? 0 : undefined;
    for (let h = from; h < head; ++h) {
      if (h > 0 && (ref[h].txs > 0 || (h > from && ref[h].stateRoot !== ref[h - 1].stateRoot))) appBlock = h;
      const next = cometByNode[0][h + 1];
      if (appBlock === undefined || !next) continue;
      if (next.appHash.toLowerCase() !== ref[appBlock].hash.slice(2).toLowerCase())
        throw new Error(`height ${h + 1}: CometBFT app hash ${next.appHash} is not the hash of block ${appBlock} (${ref[appBlock].hash}), the newest that changed the app hash by block ${h}`);
    }
    return head;
  }

  /** Ethereum blocks first..head of node i (hash, parentHash, stateRoot, timestamp, txs = count; index = number), in batches. */
  async ethBlocks(i, head, first = 0) {
    const out = [];
    for (let from = first; from <= head; from += 100) {
      const calls = [];
      for (let h = from; h <= Math.min(head, from + 99); ++h) calls.push(["eth_getBlockByNumber", [`0x${h.toString(16)}`, false]]);
      const blocks = await rpc(this.url(i), calls, null, 30_000);
      blocks.forEach((b, k) => {
        if (!b) throw new Error(`node${i} has no block ${from + k}`);
        out[from + k] = { hash: b.hash, parentHash: b.parentHash, stateRoot: b.stateRoot, timestamp: b.timestamp, txs: b.transactions.length };
      });
    }
    return out;
  }

  /** CometBFT block hash and app hash of heights first..head on node i (index = height). */
  async cometHeaders(i, head, first = 1) {
    const out = [];
    for (let max = head; max >= first; max -= 20) {
      const min = Math.max(first, max - 19);
      const r = await comet(this.nodes[i], `/blockchain?minHeight=${min}&maxHeight=${max}`, 10_000);
      for (const m of r.block_metas)
        out[Number(m.header.height)] = { hash: m.block_id.hash, appHash: m.header.app_hash };
    }
    return out;
  }
}

/** viem public + wallet clients (dev account `account`) for a node's JSON-RPC URL. */
export function viemFor(url, account = 0) {
  const chain = defineChain({
    id: CHAIN_ID, name: "tern-chain", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const transport = http(url, { retryCount: 0 });
  const signer = privateKeyToAccount(devAccount(account).privateKey);
  return {
    account: signer,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }),
    walletClient: createWalletClient({ chain, transport, account: signer, pollingInterval: 100 }),
  };
}

/** Signs an EIP-1559 transfer (viem); returns { raw, hash }. */
export async function signTransfer(account, { nonce, to, value = 1n, gas = 21000n, data }) {
  const raw = await account.signTransaction({
    type: "eip1559", chainId: CHAIN_ID, nonce, to, value, gas, data,
    maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: 0n,
  });
  return { raw, hash: keccak256(raw) };
}

/**
 * Continuous load: each sender (dev account) sends a burst of `burst` transfers (consecutive
 * nonces), waits for their receipts, sends the next burst; submissions go round-robin over the
 * nodes (the first `nodes` of the chain, default: all at the start), skipping nodes that refuse
 * the connection (a killed validator) and re-sending to another node when no receipt comes.
 * `confirmed` maps every transaction hash whose receipt was returned to its block number and hash.
 */
export class Load {
  constructor(chain, { senders = [1, 2, 3, 4, 5, 6], burst = 3, nodes = chain.nodes.length } = {}) {
    this.chain = chain;
    this.nodeCount = nodes;
    this.burst = burst;
    this.accounts = senders.map((i) => privateKeyToAccount(devAccount(i).privateKey));
    this.confirmed = new Map();
    this.errors = [];
    this.transientErrors = 0;
    this.next = 0;
    this.running = false;
  }

  start() {
    this.running = true;
    this.loops = this.accounts.map((a, k) => this.loop(a, k));
  }

  /** Stops after the transactions in flight are confirmed (or given up on). */
  async stop() {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Number of transactions confirmed so far. */
  get count() {
    return this.confirmed.size;
  }

  /** Tries node after node (round-robin) until one accepts `raw`; returns that node's index. */
  async submit(raw) {
    const n = this.nodeCount;
    for (let attempt = 0; attempt < 4 * n; ++attempt) {
      const i = this.next++ % n;
      try {
        await rpc(this.chain.url(i), "eth_sendRawTransaction", [raw], 3000);
        return i;
      } catch (e) {
        if (/already known|nonce too low/i.test(e.message)) return i;
        if (attempt >= n) await sleep(100);
      }
    }
    throw new Error("no node accepted the transaction");
  }

  async loop(account, k) {
    let nonce = null;
    while (this.running) {
      try {
        if (nonce === null) {
          const i = this.next++ % this.nodeCount;
          nonce = Number(await rpc(this.chain.url(i), "eth_getTransactionCount", [account.address, "pending"], 3000));
        }
        // A burst of consecutive nonces, each to the next node, sent at once (the nodes' mempools
        // must bring them together in order), then their receipts one by one.
        const to = this.accounts[(k + 1) % this.accounts.length].address;
        const txs = [];
        for (let b = 0; b < this.burst; ++b) txs.push(await signTransfer(account, { nonce: nonce + b, to }));
        await Promise.all(txs.map((tx) => this.submit(tx.raw)));
        for (const tx of txs) {
          const receipt = await this.receipt(tx);
          if (!receipt) {
            this.errors.push(`${account.address} nonce ${nonce}: no receipt in 90 s`);
            return;
          }
          if (receipt.status !== "0x1") this.errors.push(`${tx.hash}: status ${receipt.status}`);
          this.confirmed.set(tx.hash, { blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash });
          ++nonce;
        }
      } catch {
        // Every node unreachable for a moment (e.g. two stopped): back off, retry from the first
        // unconfirmed nonce (signing is deterministic: the same transactions again).
        ++this.transientErrors;
        await sleep(200);
      }
    }
  }

  /** Polls the nodes in turn for tx's receipt; re-sends it every 8 s (its node may have died). */
  async receipt(tx) {
    const deadline = Date.now() + 90_000;
    let resendAt = Date.now() + 8000;
    for (let i = this.next; Date.now() < deadline; ++i) {
      await sleep(100);
      try {
        const r = await rpc(this.chain.url(i % this.nodeCount), "eth_getTransactionReceipt", [tx.hash], 2000);
        if (r) return r;
      } catch {
        // node down: ask the next one
      }
      if (Date.now() > resendAt) {
        await this.submit(tx.raw).catch(() => {});
        resendAt = Date.now() + 8000;
      }
    }
    return null;
  }

  /**
   * Checks that every node in `which` serves every confirmed transaction's receipt in the same
   * block (no transaction whose receipt was returned is lost or moved).
   */
  async assertNoneLost(which = this.chain.nodes.map((_, i) => i)) {
    const hashes = [...this.confirmed.keys()];
    for (const i of which)
      for (let from = 0; from < hashes.length; from += 100) {
        const part = hashes.slice(from, from + 100);
        const receipts = await rpc(this.chain.url(i), part.map((h) => ["eth_getTransactionReceipt", [h]]), null, 30_000);
        receipts.forEach((r, j) => {
          const want = this.confirmed.get(part[j]);
          if (!r) throw new Error(`node${i} lost ${part[j]} (was in block ${want.blockNumber})`);
          if (r.blockHash !== want.blockHash)
            throw new Error(`node${i}: ${part[j]} in block ${r.blockHash}, was ${want.blockHash}`);
        });
      }
    return hashes.length;
  }
}
