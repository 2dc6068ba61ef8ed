// Issue 14, "real exported models": every model tests/ml-models/make_models.py produces from the
// pinned PyPI packages (scikit-learn, XGBoost and LightGBM models converted with skl2onnx /
// onnxmltools, and the PyTorch exporter patterns of exporter_patterns.py: If, Loop, Scan, LSTM,
// GRU, bicubic Resize, RMSNorm/Swish) is uploaded to a `tern dev` chain, run in a transaction
// through contracts/examples/ModelRunner.sol, and its outputs compared with onnxruntime's:
// integer outputs exactly, float ones to 1e-4 relative (plus 1e-6 absolute). Needs the venv
// scripts/setup makes (build/venv-ml); Tern only. Also the models of PyPI wheels as shipped
// (build/ml-wheels).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseEventLogs } from "viem";
import { viemClients } from "./lib/clients.mjs";
import { decodeTensors, encodeTensors, ternContracts, uploadModel } from "./lib/ml.mjs";
import { readNpy } from "./lib/npy.mjs";
import { IS_ANVIL, REPO_ROOT, startNode, tempDir } from "./lib/target.mjs";

const PYTHON = join(REPO_ROOT, "build/venv-ml/bin/python");
const WHEELS = join(REPO_ROOT, "build/ml-wheels");
const RTOL = 1e-4;
const ATOL = 1e-6;

const skip = IS_ANVIL ? "anvil has no Tern ML precompiles" : !existsSync(PYTHON) && "no build/venv-ml (scripts/setup makes it)";

describe("real exported models through a contract on tern dev", { skip }, () => {
  let node, viem, tmp, c, runner, names;

  before(async () => {
    tmp = tempDir("tern-e2e-ml-real-");
    const made = spawnSync(PYTHON, [join(REPO_ROOT, "tests/ml-models/make_models.py"), tmp.dir], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    names = readFileSync(join(tmp.dir, "models.txt"), "utf8").split(/\s+/).filter((n) => n);
    node = await startNode();
    viem = viemClients(node, 0);
    c = ternContracts();
    const hash = await viem.walletClient.deployContract({ abi: c.ModelRunner.abi, bytecode: c.ModelRunner.bytecode, gas: 5_000_000n });
    const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    runner = receipt.contractAddress;
  });
  after(async () => {
    await node?.stop();
    tmp?.cleanup();
  });

  it("every model runs in a transaction and agrees with onnxruntime", { timeout: 900_000 }, async (t) => {
    assert.ok(names.length >= 20, `only ${names.length} models`);
    let gasMin = Infinity;
    let gasMax = 0;
    for (const name of names) {
      const bytes = readFileSync(join(tmp.dir, `${name}.onnx`));
      const { hash } = await uploadModel(viem, bytes, 65536);
      const x = readNpy(join(tmp.dir, `${name}.x.npy`));
      const input = `0x${encodeTensors([x]).toString("hex")}`;
      const tx = await viem.walletClient.writeContract({
        address: runner, abi: c.ModelRunner.abi, functionName: "run", args: [hash, input], gas: 60_000_000n });
      const receipt = await viem.publicClient.waitForTransactionReceipt({ hash: tx });
      assert.equal(receipt.status, "success", `${name}: the run reverted`);
      gasMin = Math.min(gasMin, Number(receipt.gasUsed));
      gasMax = Math.max(gasMax, Number(receipt.gasUsed));
      const [event] = parseEventLogs({ abi: c.ModelRunner.abi, eventName: "Inferred", logs: receipt.logs });
      const outputs = decodeTensors(event.args.output);
      outputs.forEach((got, k) => {
        const want = readNpy(join(tmp.dir, `${name}.out${k}.npy`));
        assert.deepEqual(got.shape, want.shape, `${name} output ${k}: shape`);
        if (want.dtype !== "float32") {
          assert.deepEqual([...got.data], [...want.data], `${name} output ${k}: exact`);
          return;
        }
        for (let i = 0; i < want.data.length; ++i) {
          const g = got.data[i];
          const w = want.data[i];
          const close = g === w || (Number.isNaN(g) && Number.isNaN(w)) || Math.abs(g - w) <= ATOL + RTOL * Math.abs(w);
          assert.ok(close, `${name} output ${k}[${i}]: ${g} vs onnxruntime ${w}`);
        }
      });
    }
    t.diagnostic(`${names.length} models, gas used per run ${gasMin}..${gasMax}`);
  });

  // The models of PyPI wheels as they ship (tests/ml-models/shipped_models.py): Silero VAD (If,
  // LSTM) and PaddleOCR's detector, 10.4 MB recognizer and 570 KB classifier, uploaded with
  // `tern model upload` and run in a transaction.
  it("models shipped in PyPI wheels run as shipped", { timeout: 900_000, skip: !existsSync(WHEELS) && "no build/ml-wheels" }, async (t) => {
    const dir = join(tmp.dir, "shipped");
    const made = spawnSync(PYTHON, [join(REPO_ROOT, "tests/ml-models/shipped_models.py"), WHEELS, dir], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    const shipped = readFileSync(join(dir, "models.txt"), "utf8").split(/\s+/).filter((n) => n);
    assert.ok(shipped.length >= 9, `only ${shipped.length} shipped models`);
    const tern = process.env.TERN_BIN || join(REPO_ROOT, "build/release/tools/tern/tern");
    for (const name of shipped) {
      const file = join(dir, `${name}.onnx`);
      const up = spawnSync(tern, ["model", "upload", file, "--rpc", node.url, "--chunk", "98304"], { encoding: "utf8" });
      assert.equal(up.status, 0, `${name}: ${up.stderr}`);
      const hash = up.stdout.trim().split("\n").at(-1);
      const count = readFileSync(join(dir, `${name}.inputs.txt`), "utf8").split(/\s+/).filter((n) => n).length;
      const inputs = [];
      for (let k = 0; k < count; ++k) inputs.push(readNpy(join(dir, `${name}.in${k}.npy`)));
      const input = `0x${encodeTensors(inputs).toString("hex")}`;
      const tx = await viem.walletClient.writeContract({
        address: runner, abi: c.ModelRunner.abi, functionName: "run", args: [hash, input], gas: 250_000_000n });
      const receipt = await viem.publicClient.waitForTransactionReceipt({ hash: tx });
      assert.equal(receipt.status, "success", `${name}: the run reverted`);
      const [event] = parseEventLogs({ abi: c.ModelRunner.abi, eventName: "Inferred", logs: receipt.logs });
      decodeTensors(event.args.output).forEach((got, k) => {
        const want = readNpy(join(dir, `${name}.out${k}.npy`));
        assert.deepEqual(got.shape, want.shape, `${name} output ${k}: shape`);
        for (let i = 0; i < want.data.length; ++i)
          assert.ok(Math.abs(got.data[i] - want.data[i]) <= 1e-5 + RTOL * Math.abs(want.data[i]),
            `${name} output ${k}[${i}]: ${got.data[i]} vs onnxruntime ${want.data[i]}`);
      });
      t.diagnostic(`${name}: ${readFileSync(file).length} bytes, gas used ${receipt.gasUsed}`);
    }
  });
});
