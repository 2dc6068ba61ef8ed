// Per-address JSON-RPC request rate (issue 13): `tern dev` with a small limit (it has none by
// default; `tern node` has 500/s). Over it HTTP answers 429 with Retry-After and each call's
// -32005, a WebSocket answers -32005 and stays open, and viem waits as told and gets its answer.
// tern only: anvil has no such limit.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPublicClient, http } from "viem";
import WebSocket from "ws";
import { IS_ANVIL, startNode } from "./lib/target.mjs";

const RATE = 5; // calls per second
const BURST = 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Long enough for an empty bucket to refill completely. */
const refill = () => sleep((1000 * BURST) / RATE + 200);

function call(id, method = "eth_blockNumber") {
  return { jsonrpc: "2.0", id, method, params: [] };
}

async function post(url, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
}

describe("per-address request rate", { skip: IS_ANVIL && "anvil has no request rate limit" }, () => {
  let node;
  before(async () => {
    node = await startNode({
      extraArgs: ["--rpc-requests-per-second-per-ip", String(RATE), "--rpc-request-burst-per-ip", String(BURST)],
    });
  });
  after(async () => {
    await node?.stop();
  });

  it("HTTP: a burst passes, then 429 with Retry-After and each call's -32005", async () => {
    await refill();
    const batch = await post(node.url, Array.from({ length: BURST }, (_, i) => call(i + 1)));
    assert.equal(batch.status, 200);
    assert.equal(batch.body.length, BURST);
    assert.ok(batch.body.every((r) => typeof r.result === "string"));

    const over = await post(node.url, call(42));
    assert.equal(over.status, 429);
    assert.equal(over.retryAfter, "1");
    assert.deepEqual(over.body, { jsonrpc: "2.0", id: 42, error: { code: -32005, message: "rate limit exceeded" } });
    const overBatch = await post(node.url, [call(43), call(44)]);
    assert.equal(overBatch.status, 429);
    assert.deepEqual(overBatch.body.map((r) => [r.id, r.error.code]), [[43, -32005], [44, -32005]]);
  });

  it("viem honours Retry-After and gets its answer", async () => {
    await refill();
    await post(node.url, Array.from({ length: BURST }, (_, i) => call(i + 1))); // empties the bucket
    const client = createPublicClient({ transport: http(node.url, { retryCount: 3 }) });
    const started = Date.now();
    assert.equal(typeof (await client.getBlockNumber({ cacheTime: 0 })), "bigint");
    assert.ok(Date.now() - started >= 900, "viem answered before it was told to retry");
  });

  it("WebSocket: -32005 per call, the socket stays open and is served again", async () => {
    await refill();
    const ws = new WebSocket(node.wsUrl);
    await new Promise((res, rej) => {
      ws.once("open", res);
      ws.once("error", rej);
    });
    const next = () => new Promise((res) => ws.once("message", (m) => res(JSON.parse(m.toString()))));
    try {
      let answer = next();
      ws.send(JSON.stringify(Array.from({ length: BURST }, (_, i) => call(i + 1))));
      assert.equal((await answer).length, BURST);
      answer = next();
      ws.send(JSON.stringify(call(42)));
      assert.deepEqual(await answer, { jsonrpc: "2.0", id: 42, error: { code: -32005, message: "rate limit exceeded" } });
      await sleep(1000 / RATE + 100);
      answer = next();
      ws.send(JSON.stringify(call(43)));
      const served = await answer;
      assert.equal(served.id, 43);
      assert.equal(typeof served.result, "string");
      assert.equal(ws.readyState, WebSocket.OPEN);
    } finally {
      ws.close();
    }
  });
});
