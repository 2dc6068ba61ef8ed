// JSON-RPC 2.0 behaviour on raw HTTP: basic methods, quantity encoding, error codes where geth and
// anvil agree (unknown method -32601, invalid params -32602, invalid request -32600, malformed JSON,
// pool rejections with geth's messages), id echo, batches and notifications.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { devAccount, ethersProvider, ethersWallet } from "./lib/clients.mjs";
import { CHAIN_ID, IS_ANVIL, startNode } from "./lib/target.mjs";

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/; // no leading zeros, lower-case hex
const SINK = "0x000000000000000000000000000000000000dEaD";

describe("JSON-RPC protocol and errors", () => {
  let node, provider;

  /** POSTs `body` (a string, sent as-is) and returns { status, json }. */
  const post = async (body) => {
    const res = await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const call = async (method, params, id = 1) =>
    (await post(JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }))).json;

  const isError = (resp, code, id) => {
    assert.equal(resp.jsonrpc, "2.0");
    assert.equal(resp.result, undefined, `error response has no result: ${JSON.stringify(resp)}`);
    assert.ok(resp.error, `error expected: ${JSON.stringify(resp)}`);
    assert.equal(typeof resp.error.message, "string");
    assert.ok(Number.isInteger(resp.error.code));
    if (code !== undefined) assert.equal(resp.error.code, code, JSON.stringify(resp.error));
    if (id !== undefined) assert.equal(resp.id, id);
  };

  before(async () => {
    node = await startNode();
    provider = ethersProvider(node);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("basic methods: chain id, net_version, accounts, sha3, syncing, quantities", async () => {
    assert.equal((await call("eth_chainId", [])).result, `0x${CHAIN_ID.toString(16)}`);
    assert.equal((await call("net_version", [])).result, String(CHAIN_ID));
    assert.equal((await call("net_listening", [])).result, true);
    // geth answers "0x0" on a lone node; anvil does not implement net_peerCount.
    if (!IS_ANVIL) assert.equal((await call("net_peerCount", [])).result, "0x0");
    assert.equal((await call("eth_syncing", [])).result, false);
    assert.equal(typeof (await call("web3_clientVersion", [])).result, "string");
    assert.equal((await call("web3_sha3", ["0x68656c6c6f"])).result, ethers.keccak256("0x68656c6c6f"));
    const accounts = (await call("eth_accounts", [])).result.map((a) => a.toLowerCase());
    for (let i = 0; i < 10; i++) assert.ok(accounts.includes(devAccount(i).address.toLowerCase()), `dev account ${i}`);
    assert.match((await call("eth_blockNumber", [])).result, QUANTITY);
    assert.match((await call("eth_gasPrice", [])).result, QUANTITY);
    assert.equal((await call("eth_getBalance", ["0x00000000000000000000000000000000000000aa", "latest"])).result, "0x0");
    assert.equal((await call("eth_getTransactionCount", ["0x00000000000000000000000000000000000000aa", "latest"])).result, "0x0");
    assert.equal((await call("eth_getCode", ["0x00000000000000000000000000000000000000aa", "latest"])).result, "0x");
    assert.equal((await call("eth_getStorageAt", ["0x00000000000000000000000000000000000000aa", "0x0", "latest"])).result,
      `0x${"0".repeat(64)}`);
    assert.equal(BigInt((await call("eth_getBalance", [devAccount(9).address, "latest"])).result), ethers.parseEther("10000"));
  });

  it("unknown things are null, not errors: block past the head, unknown tx hash and receipt", async () => {
    const h = `0x${"ab".repeat(32)}`;
    assert.equal((await call("eth_getBlockByNumber", ["0xffffff", false])).result, null);
    assert.equal((await call("eth_getBlockByHash", [h, false])).result, null);
    assert.equal((await call("eth_getTransactionByHash", [h])).result, null);
    assert.equal((await call("eth_getTransactionReceipt", [h])).result, null);
  });

  it("unknown method: -32601", async () => {
    isError(await call("eth_noSuchMethod", []), -32601, 1);
    isError(await call("foo_bar"), -32601, 1);
  });

  it("invalid params: -32602 (bad hex, wrong type, missing, too short, object instead of array)", async () => {
    isError(await call("eth_getBalance", ["0xzz", "latest"]), -32602, 1);
    isError(await call("eth_getBalance", [1, "latest"]), -32602, 1);
    isError(await call("eth_getBalance", []), -32602, 1);
    isError(await call("eth_getTransactionByHash", ["0x00"]), -32602, 1);
    isError(await call("eth_getBlockByNumber", ["banana", false]), -32602, 1);
    isError(await call("eth_chainId", {}), -32602, 1);
  });

  it("extra parameters on fixed-arity methods: -32602 (geth: too many arguments); [] and none are fine", async () => {
    for (const method of ["eth_blockNumber", "eth_chainId", "eth_accounts", "eth_gasPrice", "net_version"]) {
      isError(await call(method, [1]), -32602, 1);
      assert.ok((await call(method, [])).result !== undefined, method);
      assert.ok((await call(method)).result !== undefined, method);
    }
    // anvil's message is serde's ("invalid type: number, expected unit").
    if (!IS_ANVIL) assert.equal((await call("eth_blockNumber", [1])).error.message, "too many arguments, want at most 0");
    isError(await call("eth_getBalance", [SINK, "latest", 1]), -32602, 1);
  });

  it("evm_mine refuses a timestamp before the head's (anvil's check and wording)", async () => {
    const head = await call("eth_getBlockByNumber", ["latest", false]);
    const ts = Number(BigInt(head.result.timestamp));
    const resp = await call("evm_mine", [ts - 1]);
    isError(resp, -32602, 1);
    assert.equal(resp.error.message, `Timestamp error: ${ts - 1} is lower than previous block's timestamp`);
    // Tern also refuses timestamps more than a year ahead (they would pin every later block's
    // timestamp); anvil accepts them.
    if (!IS_ANVIL) {
      const far = await call("evm_mine", ["0xffffffffffffffff"]);
      isError(far, -32602, 1);
      assert.match(far.error.message, /^Timestamp error: 18446744073709551615 is more than 31536000 seconds ahead/);
    }
  });

  it("malformed JSON: an error with id null", async () => {
    const { json } = await post('{"jsonrpc":"2.0","id":1,"meth');
    // JSON-RPC 2.0 and geth say -32700 (parse error); anvil answers -32600.
    isError(json, IS_ANVIL ? -32600 : -32700, null);
  });

  it("invalid requests: -32600 (no method, wrong jsonrpc version, not an object, empty batch)", async () => {
    isError((await post('{"jsonrpc":"2.0","id":1}')).json, -32600, 1);
    isError((await post('{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}')).json, -32600, 1);
    isError((await post('"hello"')).json, -32600, null);
    const empty = (await post("[]")).json;
    assert.ok(!Array.isArray(empty), "an empty batch gets one error object, not an array");
    isError(empty, -32600, null);
  });

  it("ids are echoed: string, number, large number", async () => {
    assert.equal((await call("eth_chainId", [], "abc")).id, "abc");
    assert.equal((await call("eth_chainId", [], 0)).id, 0);
    assert.equal((await call("eth_chainId", [], 12345678901)).id, 12345678901);
  });

  it("ids are echoed as sent (geth keeps the raw JSON): 1e2, 1.50, -0, 23 digits", { skip: IS_ANVIL && "anvil re-encodes numeric ids" }, async () => {
    for (const id of ["1e2", "1.50", "-0", "12345678901234567890123", "\"x\"", "null"]) {
      const body = `{"jsonrpc":"2.0","id":${id},"method":"eth_chainId","params":[]}`;
      const res = await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body });
      assert.equal(await res.text(), `{"jsonrpc":"2.0","id":${id},"result":"0x${CHAIN_ID.toString(16)}"}`);
    }
    const batch = `[{"jsonrpc":"2.0","id":2.50,"method":"eth_chainId"},{"jsonrpc":"2.0","id":1E3,"method":"nope"}]`;
    const res = await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body: batch });
    const text = await res.text();
    assert.ok(text.startsWith(`[{"jsonrpc":"2.0","id":2.50,"result":`), text);
    assert.ok(text.includes(`{"jsonrpc":"2.0","id":1E3,"error":{"code":-32601`), text);
  });

  it("browser access: CORS for localhost pages only, foreign Host names refused (DNS rebinding)", { skip: IS_ANVIL && "anvil allows every origin and host" }, async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
    const preflight = (origin) => fetch(node.url, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    const local = await preflight("http://localhost:5173");
    assert.equal(local.headers.get("access-control-allow-origin"), "http://localhost:5173");
    const evil = await preflight("https://evil.example");
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    // fetch() always sends the URL's host; a raw request names another one.
    const { request } = await import("node:http");
    const status = await new Promise((resolve, reject) => {
      const req = request(node.url, { method: "POST", headers: { host: "evil.example:8545", "content-type": "application/json" } },
        (res) => { res.resume(); resolve(res.statusCode); });
      req.on("error", reject);
      req.end(body);
    });
    assert.equal(status, 403);
  });

  it("batches: one response per call (matched by id), errors inline, notifications get none", async () => {
    const batch = [
      { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
      { jsonrpc: "2.0", id: "two", method: "eth_blockNumber", params: [] },
      { jsonrpc: "2.0", method: "eth_chainId", params: [] }, // notification
      { jsonrpc: "2.0", id: 3, method: "nope_nope", params: [] },
      { jsonrpc: "2.0", id: 4, method: "eth_getBalance", params: ["0xzz", "latest"] },
      { jsonrpc: "2.0", id: 5, method: "eth_getBalance", params: [devAccount(8).address, "latest"] },
    ];
    const { json } = await post(JSON.stringify(batch));
    assert.ok(Array.isArray(json));
    assert.equal(json.length, 5, "no response to the notification");
    const byId = new Map(json.map((r) => [r.id, r]));
    assert.equal(byId.get(1).result, `0x${CHAIN_ID.toString(16)}`);
    assert.match(byId.get("two").result, QUANTITY);
    isError(byId.get(3), -32601);
    isError(byId.get(4), -32602);
    assert.equal(BigInt(byId.get(5).result), ethers.parseEther("10000"));
    // A larger batch of reads, answered completely.
    const many = Array.from({ length: 50 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "eth_getBalance", params: [devAccount(i % 10).address, "latest"] }));
    const big = (await post(JSON.stringify(many))).json;
    assert.equal(big.length, 50);
    assert.deepEqual(big.map((r) => r.id).sort((a, b) => a - b), many.map((r) => r.id));
  });

  it("pool rejections carry geth's messages: nonce too low, insufficient funds, intrinsic gas, chain id", async () => {
    const w = ethersWallet(provider, 1);
    const base = (await provider.getBlock("latest")).baseFeePerGas;
    const fees = { maxFeePerGas: base * 2n + 1n, maxPriorityFeePerGas: 1n, type: 2, chainId: BigInt(CHAIN_ID) };
    const nonce = await provider.getTransactionCount(w.address);
    const signed = await w.signTransaction({ ...fees, to: SINK, value: 1n, gasLimit: 21000n, nonce });
    const first = await call("eth_sendRawTransaction", [signed]);
    assert.equal(first.result, ethers.keccak256(signed));
    await provider.waitForTransaction(first.result);

    const send = async (tx) => call("eth_sendRawTransaction", [await tx]);
    // Every pool error is a server error (-32000..-32099): geth uses -32000, anvil -32003.
    const poolError = (resp, re) => {
      isError(resp);
      assert.ok(resp.error.code <= -32000 && resp.error.code >= -32099, `server error code, got ${resp.error.code}`);
      assert.match(resp.error.message, re);
    };
    poolError(await send(w.signTransaction({ ...fees, to: SINK, value: 2n, gasLimit: 21000n, nonce })), /^nonce too low/);
    // The same, already mined transaction again: nonce too low (geth) / already known.
    poolError(await send(signed), /nonce too low|already known|already imported/i);
    const poor = ethers.Wallet.createRandom();
    poolError(await send(poor.signTransaction({ ...fees, to: SINK, value: 1n, gasLimit: 21000n, nonce: 0 })),
      /^insufficient funds for gas \* price \+ value/i);
    poolError(await send(w.signTransaction({ ...fees, to: SINK, value: 1n, gasLimit: 20000n, nonce: nonce + 1 })),
      /^intrinsic gas too low/);
    poolError(await send(w.signTransaction({ ...fees, chainId: 1n, to: SINK, value: 1n, gasLimit: 21000n, nonce: nonce + 1 })),
      /invalid chain id/i);
    // Not a transaction at all.
    isError(await call("eth_sendRawTransaction", ["0x1234"]));
    // Nothing above was mined or queued: the next nonce is unchanged.
    assert.equal(await provider.getTransactionCount(w.address, "pending"), nonce + 1);
  });

  it("revert data rides in error.data of eth_call (code 3)", async () => {
    // Init code that reverts with 4 bytes 0xdeadbeef: PUSH4 deadbeef PUSH1 0 MSTORE PUSH1 4 PUSH1 28 REVERT
    const resp = await call("eth_call", [{ data: "0x63deadbeef6000526004601cfd" }, "latest"]);
    isError(resp, 3, 1);
    assert.equal(resp.error.data, "0xdeadbeef");
    assert.match(resp.error.message, /^execution reverted/);
  });
});
