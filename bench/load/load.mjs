#!/usr/bin/env node
// Node throughput benchmark (issue 3): `tern dev` against anvil, side by side in one run.
//
// Pre-signs plain ETH transfers and ERC-20 transfers from many fresh senders (funded in a setup
// phase), submits them over HTTP JSON-RPC (one request per transaction with K in flight, or
// JSON-RPC batches of B), and measures sustained throughput (first submit until the last block
// holding one of them is announced) and submit-to-final latency per transaction (final = its
// block was announced on the newHeads subscription, i.e. the receipt is available). Every
// receipt is checked afterwards (status 1). Both nodes are started and always stopped here.
//
//   node bench/load/load.mjs [--txs 2000] [--senders 200] [--concurrency 32] [--batch 100]
//        [--batch-concurrency 2] [--targets tern,anvil] [--workloads eth-single,erc20-single,...]
//        [--tern-bin PATH] [--anvil-bin PATH] [--tern-args "..."] [--timeout 120] [--json FILE]
//        [--chain-validators 4] [--chain-block-time 500] [--chain-spread sender|tx] [--keep-chain]
//        [--chain-set section.key=value ...]  (CometBFT config.toml of every node, e.g.
//        --chain-set 'mempool.experimental_max_gossip_connections_to_persistent_peers=1')
//
// Target "chain" is a multi-validator chain on CometBFT (`tern chain init/up`, all nodes on this
// machine), submissions spread over its nodes' RPCs. See bench/load/README.md, bench/chain/README.md.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { encodeDeployData, encodeFunctionData, getContractAddress, keccak256, toHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import WebSocket from "ws";
import { startChain } from "../chain/chain_target.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "../..");
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Options

const { values: opt } = parseArgs({
  options: {
    txs: { type: "string", default: "2000" },
    senders: { type: "string", default: "200" },
    concurrency: { type: "string", default: "32" },
    batch: { type: "string", default: "100" },
    "batch-concurrency": { type: "string", default: "2" },
    targets: { type: "string", default: "tern,anvil" },
    workloads: { type: "string", default: "eth-single,erc20-single,eth-batch,erc20-batch" },
    "tern-bin": { type: "string", default: process.env.TERN_BIN || join(REPO_ROOT, "build/release/tools/tern/tern") },
    "anvil-bin": { type: "string", default: process.env.ANVIL_BIN || "" },
    "tern-args": { type: "string", default: "" },
    timeout: { type: "string", default: "120" },
    json: { type: "string", default: "" },
    "chain-validators": { type: "string", default: "4" },
    "chain-block-time": { type: "string", default: "500" },
    "chain-spread": { type: "string", default: "sender" },
    "keep-chain": { type: "boolean", default: false },
    "chain-set": { type: "string", multiple: true, default: [] },
    help: { type: "boolean", default: false },
  },
});
if (opt.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 21)
    .map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
  process.exit(0);
}

const N = intOpt("txs", 1, 1_000_000);
const S = intOpt("senders", 1, 5000);
const K = intOpt("concurrency", 1, 1000);
const B = intOpt("batch", 1, 1000);
const BK = intOpt("batch-concurrency", 1, 100);
const TIMEOUT_MS = intOpt("timeout", 1, 3600) * 1000;
const WORKLOADS = opt.workloads.split(",").map((s) => s.trim()).filter(Boolean);
for (const w of WORKLOADS)
  if (!/^(eth|erc20)-(single|batch)$/.test(w)) fail(`unknown workload ${w} (eth|erc20)-(single|batch)`);
const TARGET_NAMES = opt.targets.split(",").map((s) => s.trim()).filter(Boolean);
for (const t of TARGET_NAMES)
  if (!["tern", "tern-nowait", "anvil", "chain"].includes(t)) fail(`unknown target ${t} (tern, tern-nowait, anvil, chain)`);
const CHAIN_VALIDATORS = intOpt("chain-validators", 1, 16);
const CHAIN_BLOCK_TIME = intOpt("chain-block-time", 0, 10_000);
if (!["sender", "tx"].includes(opt["chain-spread"])) fail("--chain-spread must be sender or tx");

function intOpt(name, min, max) {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < min || v > max) fail(`--${name} must be an integer in [${min}, ${max}]`);
  return v;
}

function fail(msg) {
  console.error(`load: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Keys, contract

/** Dev account 0 of the `test test ... junk` mnemonic: funded on both tern dev and anvil. */
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV_ADDR = privateKeyToAddress(DEV_KEY);
const CHAIN_ID = 31337;
const FUND_WEI = 10n ** 19n; // 10 ETH per sender
const TOKENS_PER_SENDER = 10n ** 24n;
const ETH_GAS = 21000n;
const ERC20_GAS = 60000n; // an OpenZeppelin transfer between holders uses ~35k
const SETUP_GAS = 100000n;
const DEPLOY_GAS = 2_000_000n;

/** Fresh sender keys, deterministic (the same on every target). */
const senderKeys = Array.from({ length: S }, (_, i) => keccak256(toHex(`tern-loadgen-sender-${i}`)));
const senderAddrs = senderKeys.map((k) => privateKeyToAddress(k));

/** Compiles bench/load/contracts/LoadToken.sol (cached in the temp dir). */
function compileToken() {
  const solc = require("solc");
  const ozDir = join(REPO_ROOT, "node_modules/@openzeppelin/contracts");
  const src = readFileSync(join(HERE, "contracts/LoadToken.sol"), "utf8");
  const input = {
    language: "Solidity",
    sources: { "LoadToken.sol": { content: src } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "LoadToken.sol": { LoadToken: ["abi", "evm.bytecode.object"] } },
    },
  };
  const key = createHash("sha256").update(solc.version()).update(JSON.stringify(input)).digest("hex").slice(0, 16);
  const cache = join(tmpdir(), `tern-loadgen-solc-${key}.json`);
  if (existsSync(cache)) {
    try {
      return JSON.parse(readFileSync(cache, "utf8"));
    } catch {
      // torn cache: compile again
    }
  }
  const findImport = (p) => {
    const prefix = "@openzeppelin/contracts/";
    const f = p.startsWith(prefix) ? join(ozDir, p.slice(prefix.length)) : join(HERE, "contracts", p);
    return existsSync(f) ? { contents: readFileSync(f, "utf8") } : { error: `not found: ${p}` };
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const errors = (out.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const c = out.contracts["LoadToken.sol"].LoadToken;
  const result = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  const tmp = `${cache}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(result));
  renameSync(tmp, cache);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Signing (worker threads; bigint fields travel as strings)

async function signAll(jobs) {
  const workers = Math.max(1, Math.min(availableParallelism(), 8));
  const chunk = Math.ceil(jobs.length / workers);
  const pool = [];
  try {
    const parts = await Promise.all(Array.from({ length: workers }, (_, w) => {
      const slice = jobs.slice(w * chunk, (w + 1) * chunk).map(({ key, tx }) => ({
        key,
        tx: Object.fromEntries(Object.entries(tx).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])),
      }));
      if (!slice.length) return [];
      const worker = new Worker(join(HERE, "sign_worker.mjs"));
      pool.push(worker);
      return new Promise((res, rej) => {
        worker.once("message", ({ out }) => res(out));
        worker.once("error", rej);
        worker.postMessage({ id: w, jobs: slice });
      });
    }));
    return parts.flat();
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

const live = new Set();
process.on("exit", () => {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => process.exit(130));

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function anvilBin() {
  if (opt["anvil-bin"]) return opt["anvil-bin"];
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
  const native = join(REPO_ROOT, `node_modules/@foundry-rs/anvil-${process.platform}-${arch}/bin/anvil`);
  return existsSync(native) ? native : join(REPO_ROOT, "node_modules/.bin/anvil");
}

const logDir = mkdtempSync(join(tmpdir(), "tern-loadgen-"));

/** A node under test: process, port, keep-alive HTTP agent, newHeads arrival times. */
class Target {
  constructor(name) {
    this.name = name;
    this.heads = new Map(); // block number -> performance.now() when newHeads arrived
  }

  async start() {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(K, BK) + 4 });
    if (this.name === "chain") {
      // Every node on this machine; transactions are spread over their RPCs (portFor).
      this.chain = await startChain({ ternBin: opt["tern-bin"], validators: CHAIN_VALIDATORS,
        blockTimeMs: CHAIN_BLOCK_TIME, chainId: CHAIN_ID, keep: opt["keep-chain"], set: opt["chain-set"] });
      this.ports = this.chain.ports;
      this.port = this.ports[0];
      this.logFile = this.chain.dir;
      console.error(`chain: ${CHAIN_VALIDATORS} validators, ${this.chain.settings.cometbft}, ` +
        `spread by ${opt["chain-spread"]}; ${opt["keep-chain"] ? `kept in ${this.chain.dir}` : "temp dir"}`);
    } else await this.spawnNode();
    await this.watchOrPollHeads();
  }

  /** Sends transaction i (of sender i % S) here: a chain spreads them over its nodes. */
  portFor(i) {
    if (!this.ports) return this.port;
    return this.ports[(opt["chain-spread"] === "tx" ? i : i % S) % this.ports.length];
  }

  async spawnNode() {
    const port = await freePort();
    let bin;
    let args;
    if (this.name === "anvil") {
      bin = anvilBin();
      // --silent: no per-transaction console output (anvil's best case).
      args = ["--port", String(port), "--host", "127.0.0.1", "--silent"];
    } else {
      bin = opt["tern-bin"];
      args = ["dev", "--port", String(port), "--host", "127.0.0.1",
        ...(this.name === "tern-nowait" ? ["--no-wait"] : []),
        ...opt["tern-args"].split(" ").filter(Boolean)];
    }
    if (!existsSync(bin)) throw new Error(`${this.name}: binary not found: ${bin}`);
    this.logFile = join(logDir, `${this.name}.log`);
    const log = createWriteStream(this.logFile);
    this.proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    live.add(this.proc);
    this.proc.stdout.pipe(log);
    this.proc.stderr.pipe(log);
    this.exited = new Promise((res) => this.proc.once("exit", (code, signal) => res({ code, signal })));
    this.port = port;
    const deadline = performance.now() + 30_000;
    let gone = null;
    this.exited.then((x) => (gone = x));
    for (;;) {
      if (gone) throw new Error(`${this.name} exited (${gone.code ?? gone.signal}); log ${this.logFile}`);
      try {
        if ((await this.call("eth_chainId")) !== undefined) break;
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) throw new Error(`${this.name} did not answer in 30 s; log ${this.logFile}`);
      await sleep(50);
    }
  }

  async watchOrPollHeads() {
    try {
      await this.watchHeads();
      this.headsBy = "newHeads";
    } catch (e) {
      // No eth_subscribe: poll eth_blockNumber every 5 ms (a block seen by a poll is stamped
      // with that poll's time, an upper bound).
      console.error(`${this.name}: ${e.message}; polling eth_blockNumber instead`);
      try { this.ws?.terminate(); } catch { /* closed */ }
      this.headsBy = "polling";
      this.polling = this.pollHeads();
    }
  }

  async pollHeads() {
    let seen = Number(BigInt(await this.call("eth_blockNumber")));
    while (!this.stopping) {
      try {
        const n = Number(BigInt(await this.call("eth_blockNumber")));
        const now = performance.now();
        for (let b = seen + 1; b <= n; b++) this.heads.set(b, now);
        if (n > seen) this.lastHeadAt = now;
        if (n > seen) seen = n;
      } catch {
        if (this.stopping) break;
      }
      await sleep(5);
    }
  }

  /** Subscribes to newHeads over WebSocket; records when each block number was announced. */
  watchHeads() {
    return new Promise((res, rej) => {
      const ws = new WebSocket(`ws://127.0.0.1:${this.port}`);
      this.ws = ws;
      const timer = setTimeout(() => rej(new Error(`${this.name}: newHeads subscription timed out`)), 10_000);
      ws.on("error", (e) => { clearTimeout(timer); rej(e); });
      ws.on("open", () => ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] })));
      ws.on("message", (data) => {
        const now = performance.now();
        const m = JSON.parse(data.toString());
        if (m.id === 1) {
          clearTimeout(timer);
          if (m.error) rej(new Error(`${this.name}: eth_subscribe: ${m.error.message}`));
          else res();
        } else if (m.method === "eth_subscription") {
          const n = Number(BigInt(m.params.result.number));
          if (!this.heads.has(n)) this.heads.set(n, now);
          this.lastHeadAt = now;
        }
      });
    });
  }

  async stop() {
    this.stopping = true;
    await this.polling?.catch(() => {});
    try { this.ws?.terminate(); } catch { /* closed */ }
    this.agent?.destroy();
    if (this.chain) await this.chain.stop();
    if (!this.proc) return;
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill("SIGTERM");
      const t = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
      await this.exited;
      clearTimeout(t);
    }
    live.delete(this.proc);
  }

  /** POSTs a body; resolves with the parsed JSON response. */
  post(body, timeoutMs = 60_000, port = this.port) {
    return new Promise((res, rej) => {
      const req = http.request({
        host: "127.0.0.1", port, method: "POST", path: "/", agent: this.agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      }, (r) => {
        const chunks = [];
        r.on("data", (c) => chunks.push(c));
        r.on("end", () => {
          try {
            res(JSON.parse(Buffer.concat(chunks).toString()));
          } catch (e) {
            rej(new Error(`${this.name}: bad response (${r.statusCode}): ${Buffer.concat(chunks).toString().slice(0, 200)}`));
          }
        });
        r.on("error", rej);
      });
      req.on("timeout", () => req.destroy(new Error(`${this.name}: request timed out`)));
      req.on("error", rej);
      req.end(body);
    });
  }

  async call(method, params = []) {
    const r = await this.post(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
    if (r.error) throw new Error(`${this.name}: ${method}: ${r.error.message}`);
    return r.result;
  }

  /** One batch request; returns the results in request order (errors as { error }). */
  async batch(calls) {
    if (!calls.length) return [];
    const r = await this.post(JSON.stringify(calls.map(([method, params], id) => ({ jsonrpc: "2.0", id, method, params }))));
    if (!Array.isArray(r)) throw new Error(`${this.name}: batch answered ${JSON.stringify(r).slice(0, 200)}`);
    const out = new Array(calls.length);
    for (const item of r) out[item.id] = item.error ? { error: item.error } : item.result;
    return out;
  }

  async batched(calls, size = 200) {
    const out = [];
    for (let i = 0; i < calls.length; i += size) out.push(...(await this.batch(calls.slice(i, i + size))));
    return out;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Workloads

/**
 * Waits until every sender in `expect` (address -> nonce) reached that nonce at "latest".
 * Returns the time it saw that, or throws on timeout.
 */
async function waitNonces(target, expect, deadline) {
  let addrs = [...expect.keys()];
  let drained = 0;
  while (addrs.length) {
    const got = await target.batched(addrs.map((a) => ["eth_getTransactionCount", [a, "latest"]]));
    addrs = addrs.filter((a, i) => got[i]?.error || BigInt(got[i]) < expect.get(a));
    if (!addrs.length) break;
    // Nothing left in the pool but senders still behind: the node dropped transactions it had
    // accepted; stop waiting (they are reported as missing).
    if (drained && performance.now() - drained > 1000) return performance.now();
    const st = await target.call("txpool_status").catch(() => null);
    if (st && BigInt(st.pending) + BigInt(st.queued) === 0n) drained ||= performance.now();
    else drained = 0;
    if (performance.now() > deadline) {
      const pool = await target.call("txpool_status").catch((e) => e.message);
      const a = addrs[0];
      const head = await target.call("eth_getBlockByNumber", ["latest", false]).catch(() => ({}));
      console.error(`${target.name}: head ${Number(head.number)} base fee ${BigInt(head.baseFeePerGas ?? 0)} gas used ${Number(head.gasUsed)}`);
      throw new Error(`${target.name}: ${addrs.length} senders still behind after the timeout ` +
        `(e.g. ${a}: nonce ${BigInt(got[0])}, want ${expect.get(a)}; txpool_status ${JSON.stringify(pool)})`);
    }
    await sleep(10);
  }
  return performance.now();
}

/** Blocks (from, to] -> Map tx hash -> block number. */
async function txBlocks(target, from, to) {
  const calls = [];
  for (let n = from + 1; n <= to; n++) calls.push(["eth_getBlockByNumber", [toHex(n), false]]);
  const blocks = await target.batched(calls, 100);
  const where = new Map();
  blocks.forEach((b, i) => {
    if (!b || b.error) throw new Error(`${target.name}: block ${from + 1 + i} missing`);
    for (const h of b.transactions) where.set(h, from + 1 + i);
  });
  return where;
}

function percentile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * anvil only: its automine can stop with ready transactions in the pool under concurrent
 * submission (foundry-rs/foundry#10122; they stay until something mines). When no block was
 * announced for STALL_MS while transactions are pending, one evm_mine restarts it. Each kick is
 * counted and reported; the stall time before it stays in anvil's measurement.
 */
const STALL_MS = 100;
function kickStalls(target, t0) {
  let stopped = false;
  let kicks = 0;
  const done = (async () => {
    while (!stopped) {
      await sleep(20);
      if (stopped) break;
      const last = Math.max(target.lastHeadAt ?? 0, t0);
      if (performance.now() - last < STALL_MS) continue;
      const st = await target.call("txpool_status").catch(() => null);
      if (stopped || !st || BigInt(st.pending) === 0n) continue;
      await target.call("evm_mine").catch(() => {});
      target.lastHeadAt = performance.now();
      kicks++;
    }
    return kicks;
  })();
  return { stop: () => (stopped = true), done };
}

/** Submits `signed` ({ raw, hash, from, nonce }[]) to `target` in `mode`; measures. */
async function runWorkload(target, name, signed) {
  const mode = name.endsWith("batch") ? "batch" : "single";
  const deadline = performance.now() + TIMEOUT_MS;
  const startHead = Number(BigInt(await target.call("eth_blockNumber")));
  const n = signed.length;
  const sentAt = new Float64Array(n);
  const rejected = [];
  // Per-sender order: transaction i (sender i % S) goes out only after i - S was answered, as a
  // wallet sends its next nonce after the previous one was accepted. (anvil's automine can
  // leave transactions that arrive ahead of their nonce in the pool forever: foundry#10122.)
  const acked = Array.from({ length: n }, () => {
    let done;
    const p = new Promise((r) => (done = r));
    return { p, done };
  });
  // A batch [lo, hi) waits only for earlier batches: its own items are in nonce order within it
  // (waiting for them too deadlocked whenever B > S).
  const after = async (lo, hi) => {
    for (let j = Math.max(0, lo - S); j < Math.min(hi - S, lo); j++) await acked[j].p;
  };
  const t0 = performance.now();
  const kicker = target.name === "anvil" ? kickStalls(target, t0) : null;
  let next = 0;
  if (mode === "single") {
    await Promise.all(Array.from({ length: Math.min(K, n) }, async () => {
      while (next < n && performance.now() < deadline) {
        const i = next++;
        await after(i, i + 1);
        sentAt[i] = performance.now();
        const r = await target.post(JSON.stringify({ jsonrpc: "2.0", id: i, method: "eth_sendRawTransaction", params: [signed[i].raw] }),
          undefined, target.portFor(i));
        if (r.error) rejected.push({ i, error: r.error.message });
        acked[i].done();
      }
    }));
  } else {
    await Promise.all(Array.from({ length: BK }, async () => {
      while (next < n && performance.now() < deadline) {
        const lo = next;
        const hi = Math.min(n, next + B);
        next = hi;
        await after(lo, hi);
        const body = JSON.stringify(signed.slice(lo, hi).map((s, k) => ({ jsonrpc: "2.0", id: lo + k, method: "eth_sendRawTransaction", params: [s.raw] })));
        const at = performance.now();
        for (let i = lo; i < hi; i++) sentAt[i] = at;
        const r = await target.post(body, undefined, target.portFor(lo / B));
        if (!Array.isArray(r)) throw new Error(`${target.name}: batch answered ${JSON.stringify(r).slice(0, 200)}`);
        for (const item of r) if (item.error) rejected.push({ i: item.id, error: item.error.message });
        for (let i = lo; i < hi; i++) acked[i].done();
      }
    }));
  }
  const submitted = performance.now();
  if (rejected.length)
    console.error(`  ${target.name} ${name}: ${rejected.length} rejected, first: ${rejected[0].error}`);
  const expect = new Map();
  const bad = new Set(rejected.map((r) => r.i));
  signed.forEach((s, i) => {
    if (bad.has(i)) return;
    const want = BigInt(s.nonce) + 1n;
    if (!expect.has(s.from) || expect.get(s.from) < want) expect.set(s.from, want);
  });
  let sawAll;
  try {
    sawAll = await waitNonces(target, expect, deadline);
  } finally {
    kicker?.stop();
  }
  const kicks = kicker ? await kicker.done : 0;
  const endHead = Number(BigInt(await target.call("eth_blockNumber")));
  const where = await txBlocks(target, startHead, endHead);
  // Give the subscription a moment to deliver the last announcements.
  for (let i = 0; i < 100 && !target.heads.has(endHead); i++) await sleep(10);
  const lat = [];
  let last = t0;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    if (bad.has(i)) continue;
    const bn = where.get(signed[i].hash);
    if (bn === undefined) { missing++; continue; }
    const at = target.heads.get(bn) ?? sawAll;
    lat.push(at - sentAt[i]);
    if (at > last) last = at;
  }
  // Every receipt: status 1 (after the measurement, so it does not load the node meanwhile).
  const receipts = await target.batched(signed.map((s) => ["eth_getTransactionReceipt", [s.hash]]));
  const failed = receipts.filter((r) => !r || r.error || r.status !== "0x1").length;
  lat.sort((a, b) => a - b);
  const ok = lat.length;
  return {
    target: target.name, workload: name, txs: n, ok, rejected: rejected.length, missing, failed,
    blocks: endHead - startHead, kicks,
    seconds: (last - t0) / 1000,
    tps: ok / ((last - t0) / 1000),
    submitTps: n / ((submitted - t0) / 1000),
    p50: percentile(lat, 0.5), p99: percentile(lat, 0.99),
  };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const token = compileToken();
  const targets = TARGET_NAMES.map((t) => new Target(t));
  try {
    for (const t of targets) await t.start();
    // Fees: above every target's base fee (anvil starts at 1 gwei and only goes down with
    // automine's small blocks); priority 0, so on tern (base fee 0) the price paid is 0.
    let maxFee = 0n;
    for (const t of targets) {
      const b = await t.call("eth_getBlockByNumber", ["latest", false]);
      const base = BigInt(b.baseFeePerGas ?? "0x0");
      if (2n * base > maxFee) maxFee = 2n * base;
      const cid = Number(BigInt(await t.call("eth_chainId")));
      if (cid !== CHAIN_ID) throw new Error(`${t.name}: chain id ${cid}, expected ${CHAIN_ID}`);
    }
    const fee = { chainId: CHAIN_ID, maxFeePerGas: maxFee, maxPriorityFeePerGas: 0n };

    // Setup transactions (dev account 0): fund senders, deploy the token, hand out tokens.
    const jobs = [];
    const meta = []; // parallel to jobs: { from, nonce, group }
    let devNonce = 0;
    for (const a of senderAddrs) {
      jobs.push({ key: DEV_KEY, tx: { ...fee, nonce: devNonce, to: a, value: FUND_WEI, gas: ETH_GAS, data: "0x" } });
      meta.push({ from: DEV_ADDR, nonce: devNonce++, group: "setup" });
    }
    const tokenAddr = getContractAddress({ from: DEV_ADDR, nonce: BigInt(devNonce) });
    const deploy = encodeDeployData({ abi: token.abi, bytecode: token.bytecode, args: [TOKENS_PER_SENDER * BigInt(S) * 2n] });
    jobs.push({ key: DEV_KEY, tx: { ...fee, nonce: devNonce, value: 0n, gas: DEPLOY_GAS, data: deploy } });
    meta.push({ from: DEV_ADDR, nonce: devNonce++, group: "setup" });
    const transfer = (to, amount) => encodeFunctionData({ abi: token.abi, functionName: "transfer", args: [to, amount] });
    for (const a of senderAddrs) {
      jobs.push({ key: DEV_KEY, tx: { ...fee, nonce: devNonce, to: tokenAddr, value: 0n, gas: SETUP_GAS, data: transfer(a, TOKENS_PER_SENDER) } });
      meta.push({ from: DEV_ADDR, nonce: devNonce++, group: "setup" });
    }
    // Workloads: round-robin over senders, each to the next sender (existing accounts/holders).
    const nonces = new Array(S).fill(0);
    for (const w of WORKLOADS) {
      const erc20 = w.startsWith("erc20");
      for (let j = 0; j < N; j++) {
        const s = j % S;
        const to = senderAddrs[(s + 1) % S];
        const tx = erc20
          ? { ...fee, nonce: nonces[s], to: tokenAddr, value: 0n, gas: ERC20_GAS, data: transfer(to, 1n) }
          : { ...fee, nonce: nonces[s], to, value: 1n, gas: ETH_GAS, data: "0x" };
        jobs.push({ key: senderKeys[s], tx });
        meta.push({ from: senderAddrs[s], nonce: nonces[s]++, group: w });
      }
    }
    const ts = performance.now();
    const signedAll = (await signAll(jobs)).map((s, i) => ({ ...s, ...meta[i] }));
    console.error(`signed ${jobs.length} transactions in ${((performance.now() - ts) / 1000).toFixed(1)} s ` +
      `(${S} senders, ${N} per workload); node logs in ${logDir}`);
    const group = (g) => signedAll.filter((s) => s.group === g);

    const setup = group("setup");
    for (const t of targets) {
      for (let i = 0; i < setup.length; i += 100) {
        const r = await t.batch(setup.slice(i, i + 100).map((s) => ["eth_sendRawTransaction", [s.raw]]));
        const e = r.find((x) => x?.error);
        if (e) throw new Error(`${t.name}: setup transaction rejected: ${e.error.message}`);
        // One sender: stay below the pool's 1,024 pending transactions per account.
        if ((i + 100) % 800 === 0)
          await waitNonces(t, new Map([[DEV_ADDR, BigInt(i + 100)]]), performance.now() + TIMEOUT_MS);
      }
      await waitNonces(t, new Map([[DEV_ADDR, BigInt(devNonce)]]), performance.now() + TIMEOUT_MS);
      const rs = await t.batched(setup.map((s) => ["eth_getTransactionReceipt", [s.hash]]));
      const bad = rs.filter((r) => !r || r.error || r.status !== "0x1").length;
      if (bad) throw new Error(`${t.name}: ${bad} setup transactions failed`);
      if (rs[S].contractAddress?.toLowerCase() !== tokenAddr.toLowerCase())
        throw new Error(`${t.name}: token at ${rs[S].contractAddress}, expected ${tokenAddr}`);
    }

    const results = [];
    for (const w of WORKLOADS) {
      const signed = group(w);
      for (const t of targets) {
        const r = await runWorkload(t, w, signed);
        results.push(r);
        console.error(`  ${r.target.padEnd(11)} ${w.padEnd(13)} ${r.tps.toFixed(0).padStart(7)} tx/s  ` +
          `p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ${r.blocks} blocks` +
          (r.kicks ? `  ${r.kicks} evm_mine kicks` : "") +
          (r.failed || r.missing || r.rejected ? `  (failed ${r.failed}, missing ${r.missing}, rejected ${r.rejected})` : ""));
      }
    }
    printTable(results);
    const chainSettings = targets.find((t) => t.chain)?.chain.settings;
    console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}` +
      (chainSettings ? `; chain: ${chainSettings.validators} validators, ${chainSettings.cometbft}, spread by ${opt["chain-spread"]}` : ""));
    if (opt.json) writeFileSync(opt.json, JSON.stringify({ N, S, K, B, BK, chainSettings, loadavg: loadavg(), results }, null, 2));
    const broken = results.some((r) => r.failed || r.missing || r.rejected);
    process.exitCode = broken ? 1 : 0;
  } finally {
    for (const t of targets) await t.stop();
  }
}

function printTable(results) {
  const anvil = new Map(results.filter((r) => r.target === "anvil").map((r) => [r.workload, r]));
  const rows = [["target", "workload", "txs", "tx/s", "p50 ms", "p99 ms", "blocks", "x anvil"]];
  for (const r of results) {
    const a = anvil.get(r.workload);
    const mode = r.workload.endsWith("batch") ? ` (B=${B}x${BK})` : ` (K=${K})`;
    rows.push([r.target, r.workload + mode, String(r.ok), r.tps.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1),
      String(r.blocks), r.target === "anvil" || !a ? "" : (r.tps / a.tps).toFixed(2)]);
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row) => `| ${row.map((v, c) => (c < 2 ? v.padEnd(w[c]) : v.padStart(w[c]))).join(" | ")} |`;
  console.log(line(rows[0]));
  console.log(`|${w.map((x, c) => (c < 2 ? ` ${"-".repeat(x)} ` : ` ${"-".repeat(x - 1)}: `)).join("|")}|`);
  for (const r of rows.slice(1)) console.log(line(r));
}

main().catch((e) => {
  console.error(`load: ${e.stack || e.message}`);
  process.exitCode = 1;
});
