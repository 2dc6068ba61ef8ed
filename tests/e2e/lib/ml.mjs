// Helpers for the ML e2e suite: compiles contracts/ml and contracts/examples with solc-js,
// Tern's tensor encoding (docs/ml.md) in JavaScript, the registry's upload sequence through viem,
// and onnxruntime-node as the reference runtime.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { keccak256 } from "viem";
import { compileSources } from "./contracts.mjs";
import { REPO_ROOT } from "./target.mjs";

const require = createRequire(import.meta.url);

export const REGISTRY = "0x0000000000000000000000000000000000000a01";
export const INFERENCE = "0x0000000000000000000000000000000000000a02";
export const MODELS_DIR = join(REPO_ROOT, "examples/ml/models");
export const DTYPE = { float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9 };
const DTYPE_NAME = Object.fromEntries(Object.entries(DTYPE).map(([k, v]) => [v, k]));
const ARRAY = {
  float32: Float32Array, uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  int32: Int32Array, int64: BigInt64Array, bool: Uint8Array,
};

let compiled = null;

/** { [ContractName]: { abi, bytecode } } for contracts/ml/*.sol and contracts/examples/*.sol. */
export function ternContracts() {
  if (compiled) return compiled;
  const sources = {};
  for (const dir of ["ml", "skale", "examples"])
    for (const f of readdirSync(join(REPO_ROOT, "contracts", dir)).filter((f) => f.endsWith(".sol")).sort())
      sources[`${dir}/${f}`] = { content: readFileSync(join(REPO_ROOT, "contracts", dir, f), "utf8") };
  compiled = compileSources(sources);
  return compiled;
}

/** Encodes tensors [{ dtype: "uint8"|..., shape: [..], data: TypedArray }] as `tensors` bytes. */
export function encodeTensors(tensors) {
  const parts = [Uint8Array.of(tensors.length)];
  for (const t of tensors) {
    const head = new Uint8Array(2 + 4 * t.shape.length);
    head[0] = DTYPE[t.dtype];
    head[1] = t.shape.length;
    const dv = new DataView(head.buffer);
    t.shape.forEach((d, i) => dv.setUint32(2 + 4 * i, d, false));
    parts.push(head, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return Buffer.concat(parts);
}

/** Decodes `tensors` bytes (Uint8Array or 0x hex) into [{ dtype, shape, data }]. */
export function decodeTensors(bytes) {
  const b = typeof bytes === "string" ? Buffer.from(bytes.slice(2), "hex") : Buffer.from(bytes);
  const n = b[0];
  let p = 1;
  const out = [];
  for (let t = 0; t < n; ++t) {
    const dtype = DTYPE_NAME[b[p]];
    const rank = b[p + 1];
    p += 2;
    const shape = [];
    for (let d = 0; d < rank; ++d, p += 4) shape.push(b.readUInt32BE(p));
    const count = shape.reduce((a, x) => a * x, 1);
    const Arr = ARRAY[dtype];
    const size = count * Arr.BYTES_PER_ELEMENT;
    const data = new Arr(new Uint8Array(b.subarray(p, p + size)).buffer);
    p += size;
    out.push({ dtype, shape, data });
  }
  if (p !== b.length) throw new Error(`trailing bytes in tensors: ${b.length - p}`);
  return out;
}

/** The model file `name` from examples/ml/models and its hash. */
export function modelFile(name) {
  const bytes = readFileSync(join(MODELS_DIR, name));
  return { bytes, hash: keccak256(bytes) };
}

/**
 * Uploads `bytes` to the registry with the wallet (begin, chunks of `chunk` bytes, finish);
 * returns the model hash and the receipts.
 */
export async function uploadModel({ walletClient, publicClient }, bytes, chunk = 16384) {
  const { abi } = ternContracts().IModelRegistry;
  const hash = keccak256(bytes);
  const send = async (functionName, args) => {
    const tx = await walletClient.writeContract({ address: REGISTRY, abi, functionName, args, gas: 25_000_000n });
    const receipt = await publicClient.waitForTransactionReceipt({ hash: tx });
    if (receipt.status !== "success") throw new Error(`${functionName} failed`);
    return receipt;
  };
  const receipts = [await send("beginUpload", [hash, bytes.length])];
  for (let off = 0; off < bytes.length; off += chunk)
    receipts.push(await send("uploadChunk", [hash, off, `0x${bytes.subarray(off, off + chunk).toString("hex")}`]));
  receipts.push(await send("finishUpload", [hash]));
  return { hash, receipts };
}

let ort = null;

/** Runs model file `name` with onnxruntime-node on feeds { inputName: { dtype, shape, data } }. */
export async function ortRun(name, feeds) {
  ort ??= require("onnxruntime-node");
  const session = await ort.InferenceSession.create(join(MODELS_DIR, name));
  const ortFeeds = {};
  for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(t.dtype, t.data, t.shape);
  const result = await session.run(ortFeeds);
  return session.outputNames.map((n) => ({ dtype: result[n].type, shape: [...result[n].dims], data: result[n].data }));
}

/** The persona contract's features: 64 saturating counts of keccak256(word)[0] % 64. */
export function personaFeatures(text) {
  const counts = new Uint8Array(64);
  for (const word of text.split(" ")) {
    if (!word) continue;
    const lower = word.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const h = keccak256(Buffer.from(lower, "utf8"));
    const bucket = parseInt(h.slice(2, 4), 16) % 64;
    if (counts[bucket] < 255) counts[bucket]++;
  }
  return counts;
}
