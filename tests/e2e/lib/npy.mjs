// NumPy .npy files (format 1.0/2.0, little-endian, C order) as { dtype, shape, data } tensors in
// the shape encodeTensors takes: the references tests/ml-models/make_models.py writes.
import { readFileSync } from "node:fs";

const DESCR = {
  "<f4": ["float32", Float32Array],
  "|u1": ["uint8", Uint8Array],
  "|i1": ["int8", Int8Array],
  "<i4": ["int32", Int32Array],
  "<i8": ["int64", BigInt64Array],
  "|b1": ["bool", Uint8Array],
};

/** Reads `file` into { dtype, shape, data } (data a typed array over a copy of the bytes). */
export function readNpy(file) {
  const b = readFileSync(file);
  if (b.subarray(0, 6).toString("latin1") !== "\x93NUMPY") throw new Error(`${file}: not an .npy file`);
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.subarray(start, start + headerLen).toString("latin1");
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!DESCR[descr] || fortran !== "False" || shapeText === undefined)
    throw new Error(`${file}: unsupported header ${header.trim()}`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s).map(Number);
  const [dtype, Arr] = DESCR[descr];
  const body = b.subarray(start + headerLen);
  const data = new Arr(new Uint8Array(body).buffer);
  return { dtype, shape, data };
}
