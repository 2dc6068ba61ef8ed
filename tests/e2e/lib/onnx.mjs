// A minimal ONNX writer for tests that need models of a given size or shape without a Python
// toolchain: protobuf's wire format for the few ModelProto fields a one-op graph uses
// (field numbers from onnx.proto).

/** Protobuf varint of a non-negative integer (Number or BigInt). */
function varint(v) {
  let n = BigInt(v);
  const out = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

const tag = (field, wire) => varint((field << 3) | wire);
const int = (field, v) => Buffer.concat([tag(field, 0), varint(v)]);
const bytes = (field, b) => {
  const buf = typeof b === "string" ? Buffer.from(b, "utf8") : Buffer.from(b.buffer ?? b, b.byteOffset ?? 0, b.byteLength ?? b.length);
  return Buffer.concat([tag(field, 2), varint(buf.length), buf]);
};
const msg = (field, parts) => bytes(field, Buffer.concat(parts));

/** ValueInfoProto of a float tensor; a dim that is a string is symbolic. */
function valueInfo(field, name, dims) {
  const dimMsgs = dims.map((d) => msg(1, [typeof d === "string" ? bytes(2, d) : int(1, d)]));
  const tensorType = msg(1, [int(1, 1), msg(2, dimMsgs)]);  // elem_type FLOAT, shape
  return msg(field, [bytes(1, name), msg(2, [tensorType])]);
}

/**
 * ModelProto (IR 8, opset 17) of y = MatMul(x, W): x is float [batch, k] with a symbolic batch,
 * W a float [k, n] initializer holding `weights` (Float32Array of k*n).
 */
export function matmulModel(k, n, weights) {
  if (weights.length !== k * n) throw new Error("weights: expected k*n values");
  const node = msg(1, [bytes(1, "x"), bytes(1, "W"), bytes(2, "y"), bytes(3, "matmul"), bytes(4, "MatMul")]);
  const init = msg(5, [int(1, k), int(1, n), int(2, 1), bytes(8, "W"), bytes(9, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))]);
  const graph = msg(7, [node, bytes(2, "big_matmul"), init, valueInfo(11, "x", ["N", k]), valueInfo(12, "y", ["N", n])]);
  return Buffer.concat([int(1, 8), msg(8, [bytes(1, ""), int(2, 17)]), bytes(2, "tern-e2e"), graph]);
}

/** `count` floats in [-scale, scale) from a fixed xorshift32 sequence (`seed` non-zero). */
export function randomFloats(count, scale, seed = 1) {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; ++i) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = ((s >>> 8) / 2 ** 24 * 2 - 1) * scale;
  }
  return out;
}
