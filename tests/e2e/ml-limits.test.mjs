// Issue 14, "limits and gas that fit real models": on the settings `tern dev` gives a new chain
// (docs/ml.md "Limits of an AI chain"), a 10 MB model uploads with `tern model upload` and a
// 25.6M-MAC inference runs inside one transaction; its output matches onnxruntime. Tern only.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createRequire } from "node:module";
import { decodeAbiParameters, encodeFunctionData, keccak256 } from "viem";
import { viemClients } from "./lib/clients.mjs";
import { INFERENCE, REGISTRY, decodeTensors, encodeTensors, ternContracts } from "./lib/ml.mjs";
import { matmulModel, randomFloats } from "./lib/onnx.mjs";
import { IS_ANVIL, REPO_ROOT, startNode, tempDir } from "./lib/target.mjs";

const require = createRequire(import.meta.url);
const K = 1600;
const N = 1600;
const BATCH = 10;  // 10 x 1600 x 1600 = 25.6M MACs

describe("ML on an AI chain's default limits (tern dev)", { skip: IS_ANVIL && "anvil has no Tern ML precompiles" }, () => {
  let node, viem, tmp, file, model, hash;
  before(async () => {
    tmp = tempDir("tern-e2e-ml-limits-");
    node = await startNode();
    viem = viemClients(node);
    model = matmulModel(K, N, randomFloats(K * N, 1 / 40));
    hash = keccak256(model);
    file = join(tmp.dir, "big_matmul.onnx");
    writeFileSync(file, model);
  });
  after(async () => {
    await node?.stop();
    tmp?.cleanup();
  });

  it("the registry reports the AI chain's limits", async () => {
    const { abi } = ternContracts().IModelRegistry;
    const read = (functionName) => viem.publicClient.readContract({ address: REGISTRY, abi, functionName });
    assert.equal(await read("maxModelBytes"), 16n * 1024n * 1024n);
    assert.equal(await read("maxCallCost"), 250_000_000n);
  });

  it("a 10 MB model uploads with tern model upload", { timeout: 600_000 }, async (t) => {
    assert.ok(model.length > 10_000_000, `model of ${model.length} bytes`);
    const tern = process.env.TERN_BIN || join(REPO_ROOT, "build/release/tools/tern/tern");
    const up = spawnSync(tern, ["model", "upload", file, "--rpc", node.url, "--chunk", "98304"], { encoding: "utf8" });
    assert.equal(up.status, 0, up.stderr);
    t.diagnostic(up.stdout.trim().split("\n").at(-2));
    assert.equal(up.stdout.trim().split("\n").at(-1), hash);
    const { abi } = ternContracts().IModelRegistry;
    assert.equal(await viem.publicClient.readContract({ address: REGISTRY, abi, functionName: "modelSize", args: [hash] }), model.length);
  });

  it("a 25.6M-MAC inference runs in one transaction and matches onnxruntime", { timeout: 120_000 }, async (t) => {
    const x = randomFloats(BATCH * K, 1, 7);
    const input = `0x${encodeTensors([{ dtype: "float32", shape: [BATCH, K], data: x }]).toString("hex")}`;
    const { abi } = ternContracts().IInference;
    const cost = await viem.publicClient.readContract({ address: INFERENCE, abi, functionName: "inferCost", args: [hash, input] });
    // Schedule 2 (the AI chain's) prices a GEMM MAC at 12/64 gas: the 25.6M MACs are ~4.8M gas
    // of the quote, the rest is the 10 MB of weights read and the tensors touched.
    assert.ok(cost > 4_800_000n && cost < 250_000_000n, `cost ${cost}`);
    const data = encodeFunctionData({ abi, functionName: "infer", args: [hash, input] });
    const tx = await viem.walletClient.sendTransaction({ to: INFERENCE, data, gas: cost + 3_000_000n });
    const receipt = await viem.publicClient.waitForTransactionReceipt({ hash: tx });
    assert.equal(receipt.status, "success");
    assert.ok(receipt.gasUsed > cost, `gas used ${receipt.gasUsed}`);
    t.diagnostic(`inferCost ${cost}, gas used ${receipt.gasUsed}`);

    const raw = await viem.publicClient.call({ to: INFERENCE, data, gas: cost + 3_000_000n });
    const [out] = decodeAbiParameters([{ type: "bytes" }], raw.data);
    const [y] = decodeTensors(out);
    assert.deepEqual(y.shape, [BATCH, N]);
    const ort = require("onnxruntime-node");
    const session = await ort.InferenceSession.create(new Uint8Array(model), { intraOpNumThreads: 1 });
    const result = await session.run({ x: new ort.Tensor("float32", x, [BATCH, K]) });
    const want = result.y.data;
    for (let i = 0; i < want.length; ++i)
      assert.ok(Math.abs(y.data[i] - want[i]) <= 1e-6 + 1e-4 * Math.abs(want[i]), `y[${i}]: ${y.data[i]} vs onnxruntime ${want[i]}`);
  });
});
