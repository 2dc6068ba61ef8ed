// Revert reasons (require strings), custom errors (with arguments), panics and bare reverts: the node
// returns error code 3 with the revert data in error.data, and viem, ethers and web3.js decode them.
// Also OpenZeppelin's own custom errors, reverts from eth_estimateGas, and a mined reverted tx.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { BaseError, ContractFunctionRevertedError, encodeFunctionData } from "viem";
import { devAccount, ethersProvider, ethersWallet, viemClients, web3Client } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { IS_ANVIL, rawRpc, startNode } from "./lib/target.mjs";

const C = contracts();
const A0 = devAccount(0).address;
const A1 = devAccount(1).address;

/** The ContractFunctionRevertedError inside a viem error, asserting it is there. */
function viemRevert(e) {
  assert.ok(e instanceof BaseError, `viem error expected, got ${e}`);
  const r = e.walk((x) => x instanceof ContractFunctionRevertedError);
  assert.ok(r, `no ContractFunctionRevertedError in: ${e.message}`);
  return r;
}

describe("revert reasons and custom errors", () => {
  let node, viem, provider, web3, reverter, token;

  before(async () => {
    node = await startNode();
    viem = viemClients(node, 0);
    provider = ethersProvider(node);
    web3 = web3Client(node);
    let hash = await viem.walletClient.deployContract({ abi: C.Reverter.abi, bytecode: C.Reverter.bytecode });
    reverter = (await viem.publicClient.waitForTransactionReceipt({ hash })).contractAddress;
    hash = await viem.walletClient.deployContract({ abi: C.E2EToken.abi, bytecode: C.E2EToken.bytecode, args: [1000n] });
    token = (await viem.publicClient.waitForTransactionReceipt({ hash })).contractAddress;
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  const callRaw = (functionName, args = [], method = "eth_call") => {
    const data = encodeFunctionData({ abi: C.Reverter.abi, functionName, args });
    const params = method === "eth_call" ? [{ to: reverter, data }, "latest"] : [{ to: reverter, data }];
    return rawRpc(node.url, method, params);
  };

  it("eth_call / eth_estimateGas: code 3, 'execution reverted: <reason>', ABI-encoded Error(string) in data", async () => {
    const want = ethers.AbiCoder.defaultAbiCoder().encode(["string"], ["x must be greater than 10"]);
    for (const method of ["eth_call", "eth_estimateGas"]) {
      const { error, result } = await callRaw("requireString", [1n], method);
      assert.equal(result, undefined, `${method} must fail`);
      assert.equal(error.code, 3, `${method} error code`);
      assert.equal(error.message, "execution reverted: x must be greater than 10");
      assert.equal(error.data, `0x08c379a0${want.slice(2)}`);
    }
    const ok = await callRaw("requireString", [11n]);
    assert.equal(BigInt(ok.result), 11n);
  });

  it("custom error, panic and bare revert: code 3 and the exact revert data", async () => {
    const iface = new ethers.Interface(C.Reverter.abi);
    const custom = await callRaw("customError", [42n]);
    assert.equal(custom.error.code, 3);
    assert.match(custom.error.message, /^execution reverted/);
    assert.equal(custom.error.data, iface.encodeErrorResult("Unauthorized", [ethers.ZeroAddress, 42n, "not the owner"]),
      "eth_call without `from` runs as the zero address");
    const empty = await callRaw("customErrorNoArgs");
    assert.equal(empty.error.data, iface.getError("Empty").selector);
    const panic = await callRaw("panicDivide", [0n]);
    assert.equal(panic.error.code, 3);
    assert.equal(panic.error.data, `0x4e487b71${"12".padStart(64, "0")}`);
    const bare = await callRaw("bareRevert");
    assert.equal(bare.error.code, 3);
    assert.equal(bare.error.message, "execution reverted");
    assert.ok(bare.error.data === undefined || bare.error.data === "0x", `bare revert data ${bare.error.data}`);
  });

  it("viem decodes require reasons, custom errors with args, panics", async () => {
    const read = (functionName, args) =>
      viem.publicClient.readContract({ address: reverter, abi: C.Reverter.abi, functionName, args, account: viem.account });
    await assert.rejects(read("requireString", [5n]), (e) => {
      const r = viemRevert(e);
      assert.equal(r.reason, "x must be greater than 10");
      assert.equal(r.data.errorName, "Error");
      return true;
    });
    await assert.rejects(read("customError", [7n]), (e) => {
      const r = viemRevert(e);
      assert.equal(r.data.errorName, "Unauthorized");
      assert.deepEqual(r.data.args, [A0, 7n, "not the owner"]);
      return true;
    });
    await assert.rejects(read("customErrorNoArgs", []), (e) => {
      assert.equal(viemRevert(e).data.errorName, "Empty");
      return true;
    });
    await assert.rejects(read("panicDivide", [0n]), (e) => {
      const r = viemRevert(e);
      assert.equal(r.data.errorName, "Panic");
      assert.deepEqual(r.data.args, [0x12n]);
      return true;
    });
    // Gas estimation for a reverting write reports the same decoded error.
    await assert.rejects(
      viem.publicClient.estimateContractGas({
        address: reverter, abi: C.Reverter.abi, functionName: "bumpUnless", args: [true], account: viem.account,
      }),
      (e) => {
        assert.equal(viemRevert(e).reason, "bump refused");
        return true;
      });
  });

  it("ethers decodes require reasons, custom errors with args, panics (CALL_EXCEPTION)", async () => {
    const c = new ethers.Contract(reverter, C.Reverter.abi, ethersWallet(provider, 1));
    await assert.rejects(c.requireString(3n), (e) => {
      assert.equal(e.code, "CALL_EXCEPTION");
      assert.equal(e.reason, "x must be greater than 10");
      assert.equal(e.revert.name, "Error");
      return true;
    });
    await assert.rejects(c.customError(99n), (e) => {
      assert.equal(e.code, "CALL_EXCEPTION");
      assert.equal(e.revert.name, "Unauthorized");
      assert.deepEqual([...e.revert.args], [A1, 99n, "not the owner"]);
      return true;
    });
    await assert.rejects(c.panicDivide(0n), (e) => {
      assert.equal(e.code, "CALL_EXCEPTION");
      assert.equal(e.revert.name, "Panic");
      assert.equal(BigInt(e.revert.args[0]), 0x12n);
      return true;
    });
    // A write whose estimate reverts never reaches the pool; the reason comes back.
    await assert.rejects(c.bumpUnless(true), (e) => {
      assert.equal(e.code, "CALL_EXCEPTION");
      assert.equal(e.reason, "bump refused");
      return true;
    });
  });

  it("web3.js decodes require reasons and custom errors (EIP-838)", async () => {
    const c = new web3.eth.Contract(C.Reverter.abi, reverter);
    await assert.rejects(c.methods.requireString(2n).call({ from: A0 }), (e) => {
      assert.equal(e.cause.code, 3);
      assert.equal(e.cause.message, "execution reverted: x must be greater than 10");
      assert.equal(e.cause.errorArgs.message, "x must be greater than 10");
      return true;
    });
    await assert.rejects(c.methods.customError(5n).call({ from: A0 }), (e) => {
      assert.equal(e.cause.errorName, "Unauthorized");
      assert.equal(e.cause.errorArgs.caller, A0);
      assert.equal(e.cause.errorArgs.needed, 5n);
      assert.equal(e.cause.errorArgs.why, "not the owner");
      return true;
    });
  });

  it("OpenZeppelin custom errors: ERC20InsufficientBalance and OwnableUnauthorizedAccount", async () => {
    const asA1 = new ethers.Contract(token, C.E2EToken.abi, ethersWallet(provider, 1));
    await assert.rejects(asA1.transfer.staticCall(A0, 1n), (e) => {
      assert.equal(e.revert?.name, "ERC20InsufficientBalance", e.message);
      assert.deepEqual([...e.revert.args], [A1, 0n, 1n]);
      return true;
    });
    // Sending: ethers' estimateGas error carries the raw revert data (it does not decode custom
    // errors on that path); the contract interface decodes it.
    await assert.rejects(asA1.transfer(A0, 1n), (e) => {
      assert.equal(e.code, "CALL_EXCEPTION");
      const parsed = asA1.interface.parseError(e.data);
      assert.equal(parsed.name, "ERC20InsufficientBalance");
      assert.deepEqual([...parsed.args], [A1, 0n, 1n]);
      return true;
    });
    await assert.rejects(
      viem.publicClient.simulateContract({
        address: token, abi: C.E2EToken.abi, functionName: "mint", args: [A1, 5n],
        account: devAccount(1).address,
      }),
      (e) => {
        const r = viemRevert(e);
        assert.equal(r.data.errorName, "OwnableUnauthorizedAccount");
        assert.deepEqual(r.data.args, [A1]);
        return true;
      });
  });

  it("a reverted transaction is mined: status 0, state unchanged, nonce and gas consumed", async () => {
    const w = ethersWallet(provider, 2);
    const c = new ethers.Contract(reverter, C.Reverter.abi, w);
    const nonce = await provider.getTransactionCount(w.address);
    const before = await c.counter();
    // Explicit gas limit: skip estimation, which would refuse a reverting call.
    const tx = await c.bumpUnless(true, { gasLimit: 100_000n });
    await assert.rejects(tx.wait(), (e) => {
      assert.equal(e.code, "CALL_EXCEPTION");
      assert.equal(e.receipt.status, 0);
      assert.ok(e.receipt.gasUsed > 21000n && e.receipt.gasUsed < 100_000n, `gasUsed ${e.receipt.gasUsed}`);
      return true;
    });
    const receipt = await viem.publicClient.getTransactionReceipt({ hash: tx.hash });
    assert.equal(receipt.status, "reverted");
    assert.equal(receipt.logs.length, 0);
    assert.equal(await c.counter(), before);
    assert.equal(await provider.getTransactionCount(w.address), nonce + 1);
    // And a successful one changes it.
    await (await c.bumpUnless(false)).wait();
    assert.equal(await c.counter(), before + 1n);
  });

  // skaled's receipts carry the reason of a reverted transaction; SKALE's filestorage.js and
  // ima-js read it (JSON.parse(receipt).revertReason). anvil's and geth's receipts do not.
  it("a reverted transaction's receipt carries revertReason (skaled's field)", { skip: IS_ANVIL && "anvil's receipts have no revertReason" }, async () => {
    const w = ethersWallet(provider, 3);
    const c = new ethers.Contract(reverter, C.Reverter.abi, w);
    const failed = await c.bumpUnless(true, { gasLimit: 100_000n });
    await assert.rejects(failed.wait());
    const { result: r } = await rawRpc(node.url, "eth_getTransactionReceipt", [failed.hash]);
    assert.equal(r.status, "0x0");
    assert.equal(r.revertReason, "bump refused");
    const ok = await c.bumpUnless(false);
    await ok.wait();
    const { result: good } = await rawRpc(node.url, "eth_getTransactionReceipt", [ok.hash]);
    assert.equal(good.status, "0x1");
    assert.ok(!("revertReason" in good), "a successful receipt has no revertReason");
    // In the block's receipts too.
    const { result: all } = await rawRpc(node.url, "eth_getBlockReceipts", [r.blockNumber]);
    assert.equal(all.find((x) => x.transactionHash === failed.hash).revertReason, "bump refused");
  });
});
