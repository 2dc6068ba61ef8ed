// End-to-end cost of on-chain inference through `tern dev`: uploads the example models, deploys
// DigitClassifier / AIPersona (contracts/examples) and measures eth_call latency of
// `predict` / `moodOf` (sequential calls over HTTP, p50/p99) and the gas of the classifying
// transactions (eth_estimateGas, then the receipt). docs/performance.md "ML inference".
//
//   node bench/ml/eth_call.mjs [--calls N] [--json]      (TERN_BIN selects the binary)
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { viemClients } from "../../tests/e2e/lib/clients.mjs";
import { MODELS_DIR, modelFile, ternContracts, uploadModel } from "../../tests/e2e/lib/ml.mjs";
import { startNode } from "../../tests/e2e/lib/target.mjs";

const args = process.argv.slice(2);
const calls = Number(args[args.indexOf("--calls") + 1]) || 300;
const asJson = args.includes("--json");
const sample = JSON.parse(readFileSync(join(MODELS_DIR, "digits_test_sample.json"), "utf8"));
const pixels = `0x${Buffer.from(Uint8Array.from(sample.images[0])).toString("hex")}`;

const node = await startNode();
const viem = viemClients(node, 0);
const c = ternContracts();
const results = [];
try {
  const deploy = async (name, ctorArgs) => {
    const { abi, bytecode } = c[name];
    const hash = await viem.walletClient.deployContract({ abi, bytecode, args: ctorArgs, gas: 10_000_000n });
    return (await viem.publicClient.waitForTransactionReceipt({ hash })).contractAddress;
  };
  const cases = [];
  for (const [model, floatModel, imageShaped] of [
    ["digits_mlp_int8", false, false],
    ["digits_mlp_f32", true, false],
    ["digits_cnn_f32", true, true],
  ]) {
    const m = modelFile(`${model}.onnx`);
    const t0 = performance.now();
    const up = await uploadModel(viem, m.bytes, 24 * 1024);
    const uploadMs = performance.now() - t0;
    const uploadGas = up.receipts.reduce((a, r) => a + r.gasUsed, 0n);
    const addr = await deploy("DigitClassifier", [m.hash, floatModel, imageShaped]);
    cases.push({ name: `DigitClassifier ${model}`, addr, contract: "DigitClassifier", read: "predict", write: "classify",
      args: [pixels], bytes: m.bytes.length, uploadMs, uploadGas, uploadTxs: up.receipts.length });
  }
  const persona = modelFile("persona_mood_int8.onnx");
  const up = await uploadModel(viem, persona.bytes);
  const personaAddr = await deploy("AIPersona", [persona.hash]);
  await viem.walletClient.writeContract({ address: personaAddr, abi: c.AIPersona.abi, functionName: "createPersona", args: ["Ada"] });
  cases.push({ name: "AIPersona persona_mood_int8", addr: personaAddr, contract: "AIPersona", read: "moodOf", write: "talk",
    args: ["you are wonderful thanks friend"], writeArgs: [0n, "you are wonderful thanks friend"], bytes: persona.bytes.length,
    uploadGas: up.receipts.reduce((a, r) => a + r.gasUsed, 0n), uploadTxs: up.receipts.length });

  for (const k of cases) {
    const { abi } = c[k.contract];
    const lat = [];
    for (let i = 0; i < calls; ++i) {
      const t = performance.now();
      await viem.publicClient.readContract({ address: k.addr, abi, functionName: k.read, args: k.args });
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    const hash = await viem.walletClient.writeContract({ address: k.addr, abi, functionName: k.write, args: k.writeArgs ?? k.args, gas: 5_000_000n });
    const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
    const r = {
      case: k.name,
      modelBytes: k.bytes,
      uploadTxs: k.uploadTxs,
      uploadGas: Number(k.uploadGas),
      ethCallP50ms: +lat[Math.floor(lat.length * 0.5)].toFixed(3),
      ethCallP99ms: +lat[Math.floor(lat.length * 0.99)].toFixed(3),
      txGas: Number(receipt.gasUsed),
    };
    results.push(r);
    if (!asJson)
      console.log(`${r.case}: model ${r.modelBytes} B (upload ${r.uploadTxs} txs, ${r.uploadGas} gas); ` +
        `eth_call p50 ${r.ethCallP50ms} ms p99 ${r.ethCallP99ms} ms over ${calls}; ${k.write} tx ${r.txGas} gas`);
  }
} finally {
  await node.stop();
}
if (asJson) console.log(JSON.stringify(results, null, 2));
