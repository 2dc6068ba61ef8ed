// Deterministic ML inference on chain (docs/ml.md): the example models from examples/ml/models are
// uploaded to the model registry precompile, run through DigitClassifier and AIPersona
// (contracts/examples) and compared with onnxruntime-node: exactly for the integer models, within
// tolerance for the float ones. Tern only: anvil has no Tern precompiles.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeAbiParameters, parseEventLogs } from "viem";
import { viemClients } from "./lib/clients.mjs";
import {
  INFERENCE,
  MODELS_DIR,
  REGISTRY,
  decodeTensors,
  encodeTensors,
  modelFile,
  ortRun,
  personaFeatures,
  ternContracts,
  uploadModel,
} from "./lib/ml.mjs";
import { IS_ANVIL, startNode, tempDir } from "./lib/target.mjs";

const SAMPLE = JSON.parse(readFileSync(join(MODELS_DIR, "digits_test_sample.json"), "utf8"));
const FLOAT_RTOL = 1e-4;
const FLOAT_ATOL = 1e-6;

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; ++i) {
    const tol = FLOAT_ATOL + FLOAT_RTOL * Math.abs(expected[i]);
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs onnxruntime ${expected[i]}`);
  }
}

describe("ML inference on chain", { skip: IS_ANVIL && "anvil has no Tern ML precompiles" }, () => {
  let node, viem, c, models, classifier;

  const deploy = async (name, args) => {
    const { abi, bytecode } = c[name];
    const hash = await viem.walletClient.deployContract({ abi, bytecode, args, gas: 10_000_000n });
    const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success", `deploy ${name}`);
    return receipt.contractAddress;
  };
  const read = (address, name, functionName, args) =>
    viem.publicClient.readContract({ address, abi: c[name].abi, functionName, args });
  const write = async (address, name, functionName, args) => {
    const hash = await viem.walletClient.writeContract({ address, abi: c[name].abi, functionName, args, gas: 10_000_000n });
    return viem.publicClient.waitForTransactionReceipt({ hash });
  };

  before(async () => {
    node = await startNode();
    viem = viemClients(node, 0);
    c = ternContracts();
    models = {};
    for (const name of ["digits_mlp_int8", "digits_mlp_f32", "digits_cnn_f32", "persona_mood_int8"])
      models[name] = modelFile(`${name}.onnx`);
  });
  after(async () => {
    await node?.stop();
  });

  it("uploads the example models in chunks; the registry lists them and returns the exact bytes", async () => {
    for (const [name, m] of Object.entries(models)) {
      const { hash, receipts } = await uploadModel(viem, m.bytes, 2048);
      assert.equal(hash, m.hash, name);
      const [event] = parseEventLogs({ abi: c.IModelRegistry.abi, logs: receipts.at(-1).logs, eventName: "ModelUploaded" });
      assert.equal(event.args.hash, m.hash);
      assert.equal(event.args.uploader, viem.account.address);
      assert.equal(event.args.size, m.bytes.length);
    }
    assert.equal(await read(REGISTRY, "IModelRegistry", "modelCount", []), 4n);
    const listed = await read(REGISTRY, "IModelRegistry", "listModels", [0n, 10n]);
    assert.deepEqual(listed, Object.values(models).map((m) => m.hash));
    const m = models.digits_mlp_int8;
    assert.equal(await read(REGISTRY, "IModelRegistry", "exists", [m.hash]), true);
    assert.equal(await read(REGISTRY, "IModelRegistry", "modelSize", [m.hash]), m.bytes.length);
    const back = await read(REGISTRY, "IModelRegistry", "readModel", [m.hash, 0, m.bytes.length]);
    assert.equal(back, `0x${m.bytes.toString("hex")}`);
  });

  it("refuses a bad model and a wrong hash with a reason", async () => {
    const junk = Buffer.from("not an onnx model, just some bytes that protobuf will not parse");
    await assert.rejects(uploadModel(viem, junk), /finishUpload failed|model rejected/);
    const reason = await viem.publicClient
      .simulateContract({ account: viem.account, address: REGISTRY, abi: c.IModelRegistry.abi, functionName: "finishUpload",
        args: [`0x${"11".repeat(32)}`] })
      .catch((e) => e.shortMessage + " " + (e.cause?.reason ?? ""));
    assert.match(String(reason), /no upload of/);
  });

  it("DigitClassifier (int8 MLP): scores and labels equal onnxruntime's exactly", async () => {
    classifier = await deploy("DigitClassifier", [models.digits_mlp_int8.hash, false, false]);
    let correct = 0;
    for (let i = 0; i < SAMPLE.images.length; ++i) {
      const pixels = Uint8Array.from(SAMPLE.images[i]);
      const [digit, output] = await read(classifier, "DigitClassifier", "predict", [`0x${Buffer.from(pixels).toString("hex")}`]);
      const [scores, label] = decodeTensors(output);
      const [ortScores, ortLabel] = await ortRun("digits_mlp_int8.onnx", { x: { dtype: "uint8", shape: [1, 64], data: pixels } });
      assert.deepEqual(scores.shape, ortScores.shape);
      assert.deepEqual([...scores.data], [...ortScores.data], `image ${i} scores`);
      assert.deepEqual([...label.data], [...ortLabel.data], `image ${i} label`);
      assert.equal(BigInt(digit), label.data[0]);
      if (digit === SAMPLE.labels[i]) ++correct;
    }
    assert.ok(correct >= 15, `${correct}/16 sample digits right`);
  });

  it("DigitClassifier.classify: estimateGas, the transaction, and its trace replayed with the precompile", async () => {
    const pixels = `0x${Buffer.from(Uint8Array.from(SAMPLE.images[0])).toString("hex")}`;
    const estimate = await viem.publicClient.estimateContractGas({
      account: viem.account, address: classifier, abi: c.DigitClassifier.abi, functionName: "classify", args: [pixels] });
    const receipt = await write(classifier, "DigitClassifier", "classify", [pixels]);
    assert.equal(receipt.status, "success");
    assert.ok(receipt.gasUsed <= estimate, `gas used ${receipt.gasUsed} > estimate ${estimate}`);
    const [ev] = parseEventLogs({ abi: c.DigitClassifier.abi, logs: receipt.logs, eventName: "Classified" });
    assert.equal(ev.args.digit, SAMPLE.labels[0]);
    assert.equal(await read(classifier, "DigitClassifier", "lastDigit", [viem.account.address]), SAMPLE.labels[0]);
    // debug_traceTransaction re-executes the block: the inference call is there, with its output.
    const trace = await viem.publicClient.request({
      method: "debug_traceTransaction", params: [receipt.transactionHash, { tracer: "callTracer" }] });
    const inner = trace.calls?.find((x) => x.to?.toLowerCase() === INFERENCE.toLowerCase());
    assert.ok(inner, "no call to the inference precompile in the trace");
    assert.equal(inner.type, "STATICCALL");
    assert.equal(inner.error, undefined);
    const [encoded] = decodeAbiParameters([{ type: "bytes" }], inner.output);
    const [scores, label] = decodeTensors(encoded);
    assert.equal(scores.shape.join(), "1,10");
    assert.equal(Number(label.data[0]), SAMPLE.labels[0]);
  });

  for (const [name, imageShaped] of [["digits_mlp_f32", false], ["digits_cnn_f32", true]])
    it(`DigitClassifier (${name}): probabilities within tolerance of onnxruntime's`, async () => {
      const addr = await deploy("DigitClassifier", [models[name].hash, true, imageShaped]);
      for (let i = 0; i < 8; ++i) {
        const pixels = Uint8Array.from(SAMPLE.images[i]);
        const [digit, output] = await read(addr, "DigitClassifier", "predict", [`0x${Buffer.from(pixels).toString("hex")}`]);
        const [probs] = decodeTensors(output);
        const x = Float32Array.from(pixels, (p) => p / 16);
        const [ref] = await ortRun(`${name}.onnx`, { x: { dtype: "float32", shape: imageShaped ? [1, 1, 8, 8] : [1, 64], data: x } });
        assert.deepEqual(probs.shape, ref.shape);
        assertClose([...probs.data], [...ref.data], `${name} image ${i}`);
        const refArgmax = [...ref.data].indexOf(Math.max(...ref.data));
        assert.equal(digit, refArgmax, `${name} image ${i} digit`);
      }
    });

  it("AIPersona: moods come from the on-chain model and match onnxruntime", async () => {
    const persona = await deploy("AIPersona", [models.persona_mood_int8.hash]);
    const created = await write(persona, "AIPersona", "createPersona", ["Ada"]);
    assert.equal(created.status, "success");
    for (const text of ["you are wonderful thanks friend", "this chain is awful and broken", "hello how are you today"]) {
      const features = personaFeatures(text);
      assert.equal(await read(persona, "AIPersona", "features", [text]), `0x${Buffer.from(features).toString("hex")}`);
      const [, ortLabel] = await ortRun("persona_mood_int8.onnx", { x: { dtype: "uint8", shape: [1, 64], data: features } });
      const receipt = await write(persona, "AIPersona", "talk", [0n, text]);
      assert.equal(receipt.status, "success");
      const [ev] = parseEventLogs({ abi: c.AIPersona.abi, logs: receipt.logs, eventName: "Message" });
      assert.equal(BigInt(ev.args.mood), ortLabel.data[0], text);
      const [, mood, moodName] = await read(persona, "AIPersona", "persona", [0n]);
      assert.equal(mood, ev.args.mood);
      assert.ok(["cheerful", "calm", "grumpy"].includes(moodName));
    }
  });

  it("infer: unknown model and malformed tensors revert with reasons; inferCost quotes the gas", async () => {
    const abi = c.IInference.abi;
    const call = (args, functionName = "infer") =>
      viem.publicClient.readContract({ address: INFERENCE, abi, functionName, args });
    await assert.rejects(call([`0x${"ab".repeat(32)}`, "0x00"]), /inference: model 0x(ab)+ not found/);
    await assert.rejects(call([models.digits_mlp_int8.hash, "0x010203"]), /inference: bad input/);
    const input = encodeTensors([{ dtype: "uint8", shape: [1, 64], data: new Uint8Array(64) }]);
    const quote = await call([models.digits_mlp_int8.hash, `0x${input.toString("hex")}`], "inferCost");
    assert.ok(quote > 2100n && quote < 1_000_000n, `inferCost ${quote}`);
    // Wrong input shape for the model: a deterministic error, reported before running.
    const wrong = encodeTensors([{ dtype: "uint8", shape: [1, 63], data: new Uint8Array(63) }]);
    await assert.rejects(call([models.digits_mlp_int8.hash, `0x${wrong.toString("hex")}`]), /inference: /);
  });
});

describe("ML inference on chain: persistence", { skip: IS_ANVIL && "anvil has no Tern ML precompiles" }, () => {
  it("a model uploaded to a persistent chain is still there and runs after a restart", async () => {
    const { dir: dataDir, cleanup } = tempDir("tern-e2e-ml-");
    const m = modelFile("persona_mood_int8.onnx");
    const features = personaFeatures("thanks you are great");
    const input = `0x${encodeTensors([{ dtype: "uint8", shape: [1, 64], data: features }]).toString("hex")}`;
    const infer = (viem) => viem.publicClient.readContract({
      address: INFERENCE, abi: ternContracts().IInference.abi, functionName: "infer", args: [m.hash, input] });
    let node = await startNode({ dataDir });
    let before;
    try {
      const viem = viemClients(node, 1);
      await uploadModel(viem, m.bytes);
      before = await infer(viem);
    } finally {
      await node.stop();
    }
    node = await startNode({ dataDir });
    try {
      const viem = viemClients(node, 1);
      assert.equal(await viem.publicClient.readContract({
        address: REGISTRY, abi: ternContracts().IModelRegistry.abi, functionName: "exists", args: [m.hash] }), true);
      assert.equal(await infer(viem), before);  // a cold cache, the same bytes
    } finally {
      await node.stop();
      cleanup();
    }
  });
});
