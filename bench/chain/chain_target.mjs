// The "chain" target of bench/load/load.mjs: an N-validator Tern chain on CometBFT made with
// `tern chain init` in a temp dir and started with `tern chain up` (every node on loopback, one
// machine), stopped with `tern chain down`. See bench/chain/README.md.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** True if nothing listens on 127.0.0.1:port. */
function portFree(port) {
  return new Promise((res) => {
    const srv = createServer();
    srv.once("error", () => res(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => res(true)));
  });
}

/** A base port with `count` free ports at base + k * step + {0, 1, 2} (k < count). */
async function freeRange(from, count, step) {
  for (let base = from; base < 60000; base += 1000) {
    let ok = true;
    for (let k = 0; k < count && ok; ++k)
      for (const d of step === 1 ? [0] : [0, 1, 2]) ok = ok && (await portFree(base + k * step + d));
    if (ok) return base;
  }
  throw new Error("no free port range");
}

/**
 * Sets `section.key = value` (value a TOML literal, e.g. `"200ms"` or `2`) in a CometBFT
 * config.toml text; the key must exist in that section.
 */
export function setCometKey(text, dotted, value) {
  const at = dotted.lastIndexOf(".");
  const section = at < 0 ? "" : dotted.slice(0, at);
  const key = dotted.slice(at + 1);
  let current = "";
  let found = false;
  const out = text.split("\n").map((line) => {
    const sec = line.match(/^\s*\[([^\]]+)\]/);
    if (sec) current = sec[1];
    const kv = line.match(/^\s*([\w.-]+)\s*=/);
    if (kv && current === section && kv[1] === key) {
      found = true;
      return `${key} = ${value}`;
    }
    return line;
  });
  if (!found) throw new Error(`config.toml has no ${dotted}`);
  return out.join("\n");
}

/**
 * Starts a chain: `validators` nodes, CometBFT timeout_commit `blockTimeMs`, EVM chain id
 * `chainId`. Returns { ports (RPC port per node), settings (what docs/performance.md records),
 * logDir, stop() }.
 */
export async function startChain({ ternBin, validators = 4, blockTimeMs = 500, chainId, extraInit = [], set = [], keep = false }) {
  const dir = mkdtempSync(join(tmpdir(), "tern-bench-chain-"));
  const rpcPort = await freeRange(28545, validators, 1);
  const basePort = await freeRange(46656, validators, 10);
  await run(ternBin, ["chain", "init", "--validators", String(validators), "--chain-id", String(chainId),
    "--out", dir, "--force", "--rpc-port", String(rpcPort), "--base-port", String(basePort),
    "--block-time", String(blockTimeMs), "--log-level", "*:error,state:info", "--dev-accounts", ...extraInit]);
  const chain = JSON.parse(readFileSync(join(dir, "chain.json"), "utf8"));
  // Extra CometBFT settings ("section.key=value") on every node, for tuning experiments;
  // "node.key=value" appends a top-level key to node.toml instead (e.g. node.bundle_max_txs=1).
  const nodeSet = set.filter((kv) => kv.startsWith("node."));
  // The load comes from one address: a per-client request rate would measure the limiter.
  if (!nodeSet.some((kv) => kv.startsWith("node.rpc_requests_per_second_per_ip=")))
    nodeSet.push("node.rpc_requests_per_second_per_ip=0");
  set = set.filter((kv) => !kv.startsWith("node."));
  for (const n of chain.nodes) {
    const toml = join(dir, n.home, "node.toml");
    writeFileSync(toml, readFileSync(toml, "utf8") + nodeSet.map((kv) => `\n${kv.slice(5).replace("=", " = ")}`).join("") + "\n");
    const file = join(dir, n.home, "cometbft/config/config.toml");
    let text = readFileSync(file, "utf8");
    for (const kv of set) {
      const eq = kv.indexOf("=");
      text = setCometKey(text, kv.slice(0, eq), kv.slice(eq + 1));
    }
    writeFileSync(file, text);
  }
  const stop = async () => {
    await run(ternBin, ["chain", "down", dir], { timeout: 120_000 }).catch(() =>
      run(ternBin, ["chain", "down", dir, "--kill"]).catch(() => {}));
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(ternBin, ["chain", "up", dir, "--timeout", "90"], { timeout: 150_000 });
  } catch (e) {
    await stop();
    throw new Error(`tern chain up failed: ${e.stderr || e.message}`);
  }
  const config = readFileSync(join(dir, "node0/cometbft/config/config.toml"), "utf8");
  const pick = (key) => (config.match(new RegExp(`^${key} = (.*)$`, "m")) || [])[1];
  const settings = {
    validators,
    cometbft: ["timeout_commit", "timeout_propose", "timeout_prevote", "timeout_precommit", "create_empty_blocks",
      "peer_gossip_sleep_duration", "flush_throttle_timeout", "size", "cache_size", "recheck", "indexer", "log_level",
      ...set.map((kv) => kv.slice(kv.lastIndexOf(".", kv.indexOf("=")) + 1, kv.indexOf("=")))]
      .map((k) => `${k}=${pick(k)}`).join(" ") + nodeSet.map((kv) => ` ${kv}`).join(""),
    gasLimit: `0x${chain.gas_limit.toString(16)}`,
  };
  return { ports: chain.nodes.map((n) => n.rpc_port), settings, dir, stop };
}
