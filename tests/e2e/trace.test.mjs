// debug_traceTransaction / debug_traceCall: geth's callTracer and default struct (opcode) logger.
// The same signed transactions run on the target and on a reference anvil (--hardfork cancun
// --steps-tracing) started by this file; the traces must agree field by field. Where anvil differs
// from geth, the test normalizes anvil's output with a comment and asserts geth's form on tern:
//   - callTracer top frame `gas`: geth reports the transaction's gas limit, anvil the gas left
//     after the intrinsic cost;
//   - struct logger: anvil always writes `refund` (geth omits 0), writes `memory` words and
//     `storage` keys/values with a 0x prefix (geth without), always writes `returnData` with
//     enableReturnData (geth omits empty), and counts the gas a CREATE forwards in its gasCost
//     (geth: only the CREATE's own constant + dynamic gas), and ignores `limit`.
// If the target has no debug_traceTransaction (a tern built without the debug API), the tests
// are skipped with that reason.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { encodeFunctionData } from "viem";
import { devAccount, viemClients } from "./lib/clients.mjs";
import { IS_ANVIL, foundryBin, freePort, rawRpc, startNode } from "./lib/target.mjs";

const require = createRequire(import.meta.url);

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Child {
    uint256 public value;
    event Stored(uint256 v);
    function store(uint256 v) external returns (uint256) { value = v; emit Stored(v); return v * 2; }
    function fail(uint256 v) external pure { require(v > 100, "too small"); }
    function divide(uint256 a, uint256 b) external pure returns (uint256) { return a / b; }
}
contract Parent {
    Child public child;
    uint256 public counter;
    event Done(uint256 counter);
    constructor() { child = new Child(); }
    function run(uint256 v) external payable returns (uint256) {
        counter += 1;
        uint256 r = child.store(v);
        try child.fail(v) {} catch {}
        (bool ok, ) = address(child).staticcall(abi.encodeWithSignature("value()"));
        require(ok);
        emit Done(counter);
        return r;
    }
    function boom() external { counter = 7; child.fail(1); }
    function panic() external view returns (uint256) { return child.divide(1, 0); }
    function spawn() external returns (address) { return address(new Child()); }
    function pay(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}(""); require(ok, "pay failed");
    }
    function overdraw(address payable to) external {
        (bool ok, ) = to.call{value: 1 ether}(""); require(!ok);
    }
}
`;

function compile() {
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: { "Trace.sol": { content: SOURCE } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const p = out.contracts["Trace.sol"].Parent;
  return { abi: p.abi, bytecode: `0x${p.evm.bytecode.object}` };
}

/** Starts the reference anvil (Cancun rules, step tracing on); killed on exit. */
async function startReference() {
  const port = await freePort();
  const proc = spawn(foundryBin("anvil"),
    ["--port", String(port), "--host", "127.0.0.1", "--hardfork", "cancun", "--steps-tracing"],
    { stdio: ["ignore", "ignore", "ignore"] });
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  };
  process.on("exit", kill);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await rawRpc(url, "eth_chainId")).result) return { url, stop: kill };
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  kill();
  throw new Error("reference anvil did not start");
}

async function rpc(url, method, params) {
  const body = await rawRpc(url, method, params);
  if (body.error) throw new Error(`${method}: ${body.error.message} (code ${body.error.code})`);
  return body.result;
}

/** Deep copy with object keys sorted (stable comparison in messages). */
function sorted(v) {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}

const strip0x = (s) => s.replace(/^0x/, "");

/** anvil's struct-log step in geth's form (see the header comment). */
function gethStep(step) {
  const s = { ...step };
  if (s.refund === 0) delete s.refund;
  if (s.memory) {
    s.memory = s.memory.map(strip0x);
    if (s.memory.length === 0) delete s.memory;
  }
  if (s.storage)
    s.storage = Object.fromEntries(Object.entries(s.storage).map(([k, v]) => [strip0x(k), strip0x(v)]));
  if (s.returnData === "0x") delete s.returnData;
  return s;
}

const ACCOUNT = devAccount(0).address.toLowerCase();
const BEEF = "0x000000000000000000000000000000000000beef";

describe("debug_trace* (callTracer, struct logger) against anvil", () => {
  let node, ref, skip;
  const C = compile();
  const txs = []; // { name, gas, hashes: { node, ref } }
  let parent;

  before(async () => {
    node = await startNode(IS_ANVIL ? { extraArgs: ["--hardfork", "cancun", "--steps-tracing"] } : {});
    const probe = await rawRpc(node.url, "debug_traceTransaction", [`0x${"00".repeat(32)}`]);
    if (probe.error?.code === -32601) {
      skip = "the target has no debug_traceTransaction";
      return;
    }
    ref = await startReference();
    const send = async (url, target, name, request) => {
      const { walletClient, publicClient } = viemClients({ url, wsUrl: url }, 0);
      const hash = await walletClient.sendTransaction({
        ...request,
        maxFeePerGas: 10_000_000_000n,
        maxPriorityFeePerGas: 0n,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      return { hash, receipt };
    };
    const plan = [
      { name: "deploy", request: { data: C.bytecode, gas: 1_000_000n } },
      { name: "run", fn: "run", args: [5n] },
      { name: "boom", fn: "boom" },
      { name: "spawn", fn: "spawn" },
      { name: "pay", fn: "pay", args: [BEEF], value: 7n },
      { name: "overdraw", fn: "overdraw", args: [BEEF] },
      { name: "run again", fn: "run", args: [7n] },
    ];
    for (const step of plan) {
      const request = step.request ?? {
        to: parent,
        data: encodeFunctionData({ abi: C.abi, functionName: step.fn, args: step.args ?? [] }),
        gas: 300_000n,
        value: step.value ?? 0n,
      };
      const a = await send(node.url, "node", step.name, request);
      const b = await send(ref.url, "ref", step.name, request);
      if (step.name === "deploy") {
        parent = a.receipt.contractAddress;
        assert.equal(b.receipt.contractAddress, parent, "same deployer and nonce on both chains");
      }
      assert.equal(a.receipt.status, b.receipt.status, `${step.name}: status`);
      assert.equal(a.receipt.gasUsed, b.receipt.gasUsed, `${step.name}: gasUsed`);
      txs.push({ name: step.name, gas: request.gas, hashes: { node: a.hash, ref: b.hash } });
    }
  });
  after(async () => {
    ref?.stop();
    await node?.stop();
  });

  it("callTracer (withLog): the same call tree as anvil", async (t) => {
    if (skip) return t.skip(skip);
    const config = { tracer: "callTracer", tracerConfig: { withLog: true } };
    for (const tx of txs) {
      const mine = await rpc(node.url, "debug_traceTransaction", [tx.hashes.node, config]);
      const theirs = await rpc(ref.url, "debug_traceTransaction", [tx.hashes.ref, config]);
      if (!IS_ANVIL) assert.equal(BigInt(mine.gas), tx.gas, `${tx.name}: geth's top gas is the tx gas limit`);
      delete mine.gas;
      delete theirs.gas;
      assert.deepEqual(sorted(mine), sorted(theirs), `${tx.name}: call trace`);
    }
    // Shape checks on the nested run(5): CALL store, STATICCALL fail (reverted), STATICCALL value().
    const run = await rpc(node.url, "debug_traceTransaction", [txs[1].hashes.node, config]);
    assert.equal(run.from, ACCOUNT);
    assert.deepEqual(run.calls.map((c) => c.type), ["CALL", "STATICCALL", "STATICCALL"]);
    assert.equal(run.calls[1].error, "execution reverted");
    assert.equal(run.calls[1].revertReason, "too small");
    assert.deepEqual(run.logs.map((l) => [l.position, l.index]), [["0x3", "0x1"]]);
  });

  it("callTracer onlyTopCall, and debug_traceCall: the same as anvil", async (t) => {
    if (skip) return t.skip(skip);
    const config = { tracer: "callTracer", tracerConfig: { onlyTopCall: true } };
    for (const tx of txs) {
      const mine = await rpc(node.url, "debug_traceTransaction", [tx.hashes.node, config]);
      const theirs = await rpc(ref.url, "debug_traceTransaction", [tx.hashes.ref, config]);
      assert.equal(mine.calls, undefined);
      delete mine.gas;
      delete theirs.gas;
      assert.deepEqual(sorted(mine), sorted(theirs), `${tx.name}: top call`);
    }
    const call = {
      from: ACCOUNT,
      to: parent,
      gas: "0x493e0",
      data: encodeFunctionData({ abi: C.abi, functionName: "panic" }),
    };
    const mine = await rpc(node.url, "debug_traceCall", [call, "latest", { tracer: "callTracer" }]);
    const theirs = await rpc(ref.url, "debug_traceCall", [call, "latest", { tracer: "callTracer" }]);
    assert.equal(mine.calls[0].revertReason, "division or modulo by zero");
    delete mine.gas;
    delete theirs.gas;
    assert.deepEqual(sorted(mine), sorted(theirs), "panic() call trace");
  });

  it("struct logger: the same steps as anvil (pc, op, gas, gasCost, depth, stack, storage, refund)", async (t) => {
    if (skip) return t.skip(skip);
    for (const tx of txs) {
      const mine = await rpc(node.url, "debug_traceTransaction", [tx.hashes.node]);
      const theirs = await rpc(ref.url, "debug_traceTransaction", [tx.hashes.ref]);
      assert.equal(mine.gas, theirs.gas, `${tx.name}: gas`);
      assert.equal(mine.failed, theirs.failed, `${tx.name}: failed`);
      assert.equal(mine.returnValue, theirs.returnValue, `${tx.name}: returnValue`);
      assert.equal(mine.structLogs.length, theirs.structLogs.length, `${tx.name}: steps`);
      for (let i = 0; i < mine.structLogs.length; i++) {
        const a = IS_ANVIL ? gethStep(mine.structLogs[i]) : mine.structLogs[i];
        const b = gethStep(theirs.structLogs[i]);
        if (!IS_ANVIL && (a.op === "CREATE" || a.op === "CREATE2")) {
          assert.ok(a.gasCost < b.gasCost, `${tx.name} step ${i}: geth's CREATE cost excludes the forwarded gas`);
          b.gasCost = a.gasCost;
        }
        assert.deepEqual(sorted(a), sorted(b), `${tx.name} step ${i}`);
      }
    }
  });

  it("struct logger with enableMemory, enableReturnData, disableStack, limit", async (t) => {
    if (skip) return t.skip(skip);
    const tx = txs[1];
    const config = { enableMemory: true, enableReturnData: true, disableStack: true };
    const mine = await rpc(node.url, "debug_traceTransaction", [tx.hashes.node, config]);
    const theirs = await rpc(ref.url, "debug_traceTransaction", [tx.hashes.ref, config]);
    assert.equal(mine.structLogs.length, theirs.structLogs.length);
    let memory = 0;
    let returnData = 0;
    for (let i = 0; i < mine.structLogs.length; i++) {
      const a = IS_ANVIL ? gethStep(mine.structLogs[i]) : mine.structLogs[i];
      assert.equal(a.stack, undefined, "disableStack");
      if (a.memory) memory++;
      if (a.returnData) returnData++;
      if (!IS_ANVIL) {
        if (a.memory) for (const w of a.memory) assert.match(w, /^[0-9a-f]{64}$/, "geth memory words: 64 hex digits, no 0x");
        assert.deepEqual(sorted(a), sorted(gethStep(theirs.structLogs[i])), `step ${i}`);
      }
    }
    assert.ok(memory > 0 && returnData > 0, "memory and return data reported");
    // `limit` caps the recorded steps (the execution still runs to the end); anvil ignores it.
    if (!IS_ANVIL) {
      const limited = await rpc(node.url, "debug_traceTransaction", [tx.hashes.node, { limit: 10 }]);
      assert.equal(limited.structLogs.length, 10);
      assert.equal(limited.failed, false);
      assert.equal(limited.returnValue, mine.returnValue);
    }
  });
});
