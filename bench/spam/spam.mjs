// Spam resistance on a zero-fee chain (issue 13, docs/economics.md "Spam"): one sender floods at
// full speed while another sends a transfer every 300 ms and 1,000 fresh zero-balance senders
// (the Exorde workload: many bots, a few requests each) send 3 transactions each. Reports, per
// target, the victim's latency in blocks (inclusion block minus the head when it was sent) and
// how many of the bots' transactions got in, with the per-sender block quota on (the default,
// 10% of the block gas) and off (--sender-block-gas-percent 0) for comparison.
//
//   node bench/spam/spam.mjs [dev|chain|all] [--seconds 20] [--no-compare]
//
// The flood: transfers declaring 5,000,000 gas each (a block of 268,435,455 gas holds 53), sent
// in JSON-RPC batches of 64 as fast as the pool takes them; the pool's per-sender limit (1024
// pending) answers "account limit exceeded" and the flooder retries at once.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ethers } from "ethers";
import { Chain, TERN_BIN, rpc, sleep, waitFor } from "../../tests/chain/lib/chain.mjs";

const args = process.argv.slice(2);
const which = args.find((a) => !a.startsWith("--")) ?? "all";
const seconds = Number(args[args.indexOf("--seconds") + 1] || 20) || 20;
const compare = !args.includes("--no-compare");
const MNEMONIC = "test test test test test test test test test test test junk";
const wallet = (i) => ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const SINK = "0x000000000000000000000000000000000000dEaD";
const FLOOD_GAS = 5_000_000n;
const BOTS = 1000;
const PER_BOT = 3;

/** Posts a JSON-RPC batch; returns the array of responses. */
async function batch(url, calls) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map(([method, params], id) => ({ jsonrpc: "2.0", id, method, params }))),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const out = await res.json();
  return out.sort((a, b) => a.id - b.id);
}

const head = async (url) => Number(BigInt(await rpc(url, "eth_blockNumber")));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

async function measure(name, url, chainId) {
  const flooder = wallet(1);
  const victim = wallet(2);
  let stop = false;
  let flooded = 0;
  let refused = 0;
  let lastRefusal;
  // The flooder: contiguous nonces, 64 per batch, as fast as they are taken.
  const flood = (async () => {
    let next = Number(BigInt(await rpc(url, "eth_getTransactionCount", [flooder.address, "pending"])));
    while (!stop) {
      const raws = [];
      for (let k = 0; k < 64; k++)
        raws.push(await flooder.signTransaction({ to: SINK, nonce: next + k, gasLimit: FLOOD_GAS, gasPrice: 0n,
          chainId, type: 0 }));
      const res = await batch(url, raws.map((r) => ["eth_sendRawTransaction", [r]]));
      // A batch's calls may be handled in any order: a later nonce may be in the pool while an
      // earlier one was refused ("already known" when it is resent).
      let taken = 0;
      while (taken < res.length && (res[taken].result || res[taken].error?.message === "already known")) taken++;
      if (taken < res.length) lastRefusal = res[taken].error?.message;
      next += taken;
      flooded += taken;
      refused += res.length - taken;
      if (taken === 0) await sleep(5);
    }
  })();

  // The victim: one transfer every 300 ms.
  const victimLat = [];
  const victimRuns = (async () => {
    let nonce = Number(BigInt(await rpc(url, "eth_getTransactionCount", [victim.address, "pending"])));
    const pending = [];
    await sleep(2000);  // let the flood fill the pool first
    while (!stop) {
      const raw = await victim.signTransaction({ to: SINK, nonce: nonce++, gasLimit: 21000n, gasPrice: 0n, chainId, type: 0 });
      const at = await head(url);
      const hash = await rpc(url, "eth_sendRawTransaction", [raw]);
      pending.push({ hash, at });
      await sleep(300);
    }
    for (const p of pending) {
      const r = await waitFor("victim receipt", 120_000, () => rpc(url, "eth_getTransactionReceipt", [p.hash]));
      victimLat.push(Number(BigInt(r.blockNumber)) - p.at);
    }
  })();

  // The bots: 1,000 fresh keys, 3 transfers each (value 0, gas price 0: they hold nothing),
  // sent once the flood is under way.
  await sleep(3000);
  const bots = Array.from({ length: BOTS }, () => ethers.Wallet.createRandom());
  const botRaws = [];
  for (const b of bots)
    for (let n = 0; n < PER_BOT; n++)
      botRaws.push(await b.signTransaction({ to: SINK, nonce: n, gasLimit: 21000n, gasPrice: 0n, chainId, type: 0 }));
  const botAt = await head(url);
  const botHashes = [];
  let botRefused = 0;
  for (let i = 0; i < botRaws.length; i += 100) {
    const res = await batch(url, botRaws.slice(i, i + 100).map((r) => ["eth_sendRawTransaction", [r]]));
    for (const r of res) r.result ? botHashes.push(r.result) : botRefused++;
  }
  const botSent = await head(url);

  await sleep(Math.max(0, seconds * 1000 - 3000));
  stop = true;
  await flood;
  await victimRuns;
  let botIncluded = 0;
  let botLast = 0;
  for (let i = 0; i < botHashes.length; i += 200) {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const res = await batch(url, botHashes.slice(i, i + 200).map((h) => ["eth_getTransactionReceipt", [h]]));
      if (res.every((r) => r.result) || Date.now() > deadline) {
        for (const r of res)
          if (r.result) {
            botIncluded++;
            botLast = Math.max(botLast, Number(BigInt(r.result.blockNumber)));
          }
        break;
      }
      await sleep(200);
    }
  }
  return {
    target: name,
    seconds,
    flood: { accepted: flooded, refused, last_refusal: lastRefusal },
    victim: { sent: victimLat.length, median_blocks: median(victimLat), max_blocks: Math.max(...victimLat) },
    bots: { senders: BOTS, sent: botRaws.length, refused: botRefused, included: botIncluded,
      blocks_to_all: botLast - botAt, send_spanned_blocks: botSent - botAt },
  };
}

async function devTarget(extra, label) {
  const port = 18745;
  const url = `http://127.0.0.1:${port}`;
  const node = spawn(TERN_BIN, ["dev", "--port", String(port), "--block-time", "1", ...extra],
    { stdio: ["ignore", "ignore", "inherit"] });
  try {
    await waitFor("tern dev", 20_000, async () => (await rpc(url, "eth_chainId").catch(() => null)) !== null);
    return await measure(label, url, 31337);
  } finally {
    node.kill("SIGTERM");
    await new Promise((r) => node.on("exit", r));
  }
}

async function chainTarget(extra, label) {
  const chain = await Chain.init({ validators: 4, rpcPort: 18845, basePort: 18856, blockTimeMs: 1000, extra });
  // Every client here is 127.0.0.1: the per-address request rate (a separate defence,
  // docs/security.md) would throttle the victim and the bots with the flood. Measure the quota.
  for (const n of chain.nodes) {
    const toml = join(chain.dir, n.home, "node.toml");
    writeFileSync(toml, readFileSync(toml, "utf8") + "\nrpc_requests_per_second_per_ip = 0\n");
  }
  try {
    await chain.up();
    return await measure(label, chain.url(0), 7777);
  } finally {
    await chain.destroy();
  }
}

const results = [];
if (which === "dev" || which === "all") {
  results.push(await devTarget([], "dev, quota 10%"));
  if (compare) results.push(await devTarget(["--sender-block-gas-percent", "0"], "dev, no quota"));
}
if (which === "chain" || which === "all") {
  results.push(await chainTarget([], "4 validators, quota 10%"));
  if (compare) results.push(await chainTarget(["--sender-block-gas-percent", "0"], "4 validators, no quota"));
}
console.log(JSON.stringify(results, null, 2));
