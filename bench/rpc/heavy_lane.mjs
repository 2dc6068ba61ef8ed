// Latency of cheap calls while the heavy lane is saturated (issue 10): starts `tern dev`, fires
// K concurrent "deadline-length" eth_calls (a loop of ecAdd precompile calls, placed with a state
// override; each runs until the gas cap), and meanwhile samples eth_blockNumber (one keep-alive
// connection, one request at a time) and automine eth_sendTransaction. Prints p50/p99/max of
// both, against an idle baseline, then aborts the calls and reports the node's CPU use after
// they were abandoned (queued calls are dropped; running ones stop at their deadline, or run to
// the gas cap without the EVM deadline).
//
//   node bench/rpc/heavy_lane.mjs [--heavy 32] [--seconds 10] [--interval 10] [--target-p99 50]
//        [--tern-args "--rpc-heavy-threads 2"] [--check]
//   TERN_BIN=path/to/tern (default build/release/tools/tern/tern)
//   TERN_E2E_TARGET=anvil runs the same load against anvil (the peer; it has no EVM deadline)
//
// --check exits 1 when the loaded p99 of eth_blockNumber is at or above --target-p99 ms.
import http from "node:http";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startNode, TARGET } from "../../tests/e2e/lib/target.mjs";

const { values: opt } = parseArgs({
  options: {
    heavy: { type: "string", default: "32" },
    seconds: { type: "string", default: "10" },
    interval: { type: "string", default: "10" },
    "target-p99": { type: "string", default: "50" },
    "tern-args": { type: "string", default: "" },
    check: { type: "boolean", default: false },
  },
});
const K = Number(opt.heavy);
const SECONDS = Number(opt.seconds);
const INTERVAL = Number(opt.interval);
const TARGET_P99 = Number(opt["target-p99"]);

// Runtime code: memory = (1,2,1,2) (the generator twice), then forever
// STATICCALL(gas, 0x06, 0, 0x80, 0x80, 0x40): ecAdd until the gas runs out.
const LOOP = "0x" +
  "600160005260026020526001604052600260605" + "2" + // MSTORE 1@0, 2@32, 1@64, 2@96
  "5b" + // JUMPDEST (offset 0x14)
  "6040608060806000" + "6006" + "5a" + "fa" + "50" + // retSize retOff argSize argOff addr gas STATICCALL POP
  "601456"; // JUMP 0x14
const LOOP_ADDR = "0x00000000000000000000000000000000000ec0dd";
const DEV0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

const cheapAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const sendAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(url, body, { agent = false, onRequest } = {}) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        try {
          resolve(JSON.parse(text));
        } catch (e) {
          reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on("error", reject);
    onRequest?.(req);
    req.end(data);
  });
}

const rpc = (method, params, id = 1) => ({ jsonrpc: "2.0", id, method, params });
const heavyCall = (id) =>
  rpc("eth_call", [{ to: LOOP_ADDR }, "latest", { [LOOP_ADDR]: { code: LOOP } }], id);

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] };
}
const fmt = (x) => (x === undefined ? "-" : x.toFixed(1));

/** Samples `method` latency (ms) sequentially until `until`. */
async function sample(url, body, agent, until, gapMs) {
  const out = [];
  while (Date.now() < until) {
    const t0 = performance.now();
    const r = await post(url, body, { agent });
    if (r.error) throw new Error(`${body.method}: ${r.error.message}`);
    out.push(performance.now() - t0);
    if (gapMs) await new Promise((res) => setTimeout(res, gapMs));
  }
  return out;
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks of 10 ms
}

const extra = opt["tern-args"].split(" ").filter(Boolean);
const node = await startNode({ extraArgs: extra });
try {
  const url = node.url;
  // One call alone: how long a "deadline-length" call takes here.
  const t0 = performance.now();
  const one = await post(url, heavyCall(1));
  const single = performance.now() - t0;
  if (!("result" in one) && !one.error) throw new Error("eth_call: " + JSON.stringify(one));

  const idleBlock = stats(await sample(url, rpc("eth_blockNumber", []), cheapAgent,
                                       Date.now() + 3000, INTERVAL));
  const idleSend = stats(await sample(url, rpc("eth_sendTransaction", [{ from: DEV0, to: DEV0 }]),
                                      sendAgent, Date.now() + 2000, 50));

  // The load: K calls, each on its own connection.
  const requests = [];
  let answered = 0, refused = 0;
  const calls = [];
  for (let i = 0; i < K; i++)
    calls.push(post(url, heavyCall(100 + i), { onRequest: (r) => requests.push(r) })
      .then((r) => (r.error?.code === -32005 ? refused++ : answered++))
      .catch(() => {}));
  await new Promise((res) => setTimeout(res, 200));
  const until = Date.now() + SECONDS * 1000;
  const [loadBlock, loadSend] = await Promise.all([
    sample(url, rpc("eth_blockNumber", []), cheapAgent, until, INTERVAL),
    sample(url, rpc("eth_sendTransaction", [{ from: DEV0, to: DEV0 }]), sendAgent, until, 50),
  ]);

  // The clients give up: what does the node still burn?
  const answeredBefore = answered;
  for (const r of requests) r.destroy();
  await Promise.all(calls);
  await new Promise((res) => setTimeout(res, 300));
  const cpu0 = cpuSeconds(node.proc.pid);
  await new Promise((res) => setTimeout(res, 3000));
  const cpuAfter = cpuSeconds(node.proc.pid) - cpu0;

  const lb = stats(loadBlock), ls = stats(loadSend);
  console.log(`${TARGET} ${node.args.slice(3).join(" ")}; one eth_call alone: ${single.toFixed(0)} ms;` +
    ` ${K} concurrent calls for ${SECONDS} s (${answeredBefore} answered, ${refused} refused -32005)`);
  console.log("| method | phase | n | p50 ms | p99 ms | max ms |");
  console.log("|---|---|---|---|---|---|");
  for (const [m, phase, s] of [["eth_blockNumber", "idle", idleBlock], ["eth_blockNumber", "loaded", lb],
                               ["eth_sendTransaction (automine)", "idle", idleSend],
                               ["eth_sendTransaction (automine)", "loaded", ls]])
    console.log(`| ${m} | ${phase} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.max)} |`);
  console.log(`CPU of the node in the 3 s after the ${K} clients left: ${cpuAfter.toFixed(2)} s`);
  if (opt.check && !(lb.p99 < TARGET_P99)) {
    console.error(`p99 of eth_blockNumber under load ${fmt(lb.p99)} ms >= ${TARGET_P99} ms`);
    process.exitCode = 1;
  }
} finally {
  cheapAgent.destroy();
  sendAgent.destroy();
  await node.stop();
}
