// File storage throughput (issue 12): upload and download of a 100 MiB file through `tern fs`
// and through SKALE's filestorage.js 1.0.1, and HTTP download of a stored file with concurrent
// readers, on `tern dev` and on 4 local validators (`tern chain init` + `up`, one machine).
//
//   node bench/filestorage/filestorage.mjs [dev|chain|all] [--js-mib N] [--mib N]
//
// Prints one line per measurement and a JSON summary. See bench/filestorage/README.md.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const FilestorageClient = require("@skalenetwork/filestorage.js");
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TERN = process.env.TERN_BIN || join(ROOT, "build/release/tools/tern/tern");
const MiB = 1 << 20;
const KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDR0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

const args = process.argv.slice(2);
const which = args.find((a) => !a.startsWith("--")) || "all";
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const FILE_MIB = opt("--mib", 100);
const JS_MIB = opt("--js-mib", 100);
const JS_CHAIN_MIB = opt("--js-chain-mib", 10);

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rate = (bytes, ms) => bytes / MiB / (ms / 1000);

async function rpcReady(url, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if ((await r.json()).result) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

async function fs(url, ...rest) {
  const t = performance.now();
  await run(TERN, ["fs", ...rest, "--rpc", url, "--key", KEY0], { maxBuffer: 1 << 26 });
  return performance.now() - t;
}

/** HTTP GET of `url` by `readers` clients at once; aggregate MiB/s (median of 3 rounds). */
async function httpReaders(url, readers, bytes) {
  const rounds = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    await Promise.all(Array.from({ length: readers }, async () => {
      const res = await fetch(url);
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length !== bytes) throw new Error(`got ${body.length} bytes`);
    }));
    rounds.push(rate(bytes * readers, performance.now() - t));
  }
  return median(rounds);
}

async function measure(target, url) {
  const out = { target };
  const dir = mkdtempSync(join(tmpdir(), "tern-fs-bench-"));
  try {
    await fs(url, "grant-allocator", ADDR0);
    await fs(url, "reserve", ADDR0, String(4 * 1024 * MiB));
    const file = join(dir, "big.bin");
    const data = randomBytes(FILE_MIB * MiB);
    writeFileSync(file, data);
    let ms = await fs(url, "upload", file, "big.bin");
    out.tern_fs_upload = rate(data.length, ms);
    console.log(`${target}: tern fs upload ${FILE_MIB} MiB: ${out.tern_fs_upload.toFixed(1)} MiB/s`);
    ms = await fs(url, "download", "big.bin", join(dir, "back.bin"));
    out.tern_fs_download = rate(data.length, ms);
    if (!readFileSync(join(dir, "back.bin")).equals(data)) throw new Error("tern fs download differs");
    console.log(`${target}: tern fs download ${FILE_MIB} MiB: ${out.tern_fs_download.toFixed(1)} MiB/s`);

    const httpUrl = `${url}/fs/${ADDR0.slice(2).toLowerCase()}/big.bin`;
    for (const readers of [1, 4, 16]) {
      out[`http_${readers}`] = await httpReaders(httpUrl, readers, data.length);
      console.log(`${target}: HTTP GET of ${FILE_MIB} MiB, ${readers} concurrent reader(s): ${out[`http_${readers}`].toFixed(0)} MiB/s in all`);
    }

    const jsMiB = target === "dev" ? JS_MIB : JS_CHAIN_MIB;
    const client = new FilestorageClient(url);
    const jsData = randomBytes(jsMiB * MiB);
    let t = performance.now();
    const path = await client.uploadFile(ADDR0, "js.bin", jsData, KEY0);
    out.js_upload = rate(jsData.length, performance.now() - t);
    t = performance.now();
    const back = await client.downloadToBuffer(path);
    out.js_download = rate(jsData.length, performance.now() - t);
    if (!Buffer.from(back).equals(jsData)) throw new Error("filestorage.js download differs");
    out.js_mib = jsMiB;
    console.log(`${target}: filestorage.js ${jsMiB} MiB: upload ${out.js_upload.toFixed(2)} MiB/s, download ${out.js_download.toFixed(2)} MiB/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function devTarget() {
  const port = 18745;
  const node = spawn(TERN, ["dev", "--port", String(port)], { stdio: "ignore" });
  try {
    await rpcReady(`http://127.0.0.1:${port}`);
    return await measure("dev", `http://127.0.0.1:${port}`);
  } finally {
    node.kill("SIGTERM");
  }
}

async function chainTarget() {
  const dir = mkdtempSync(join(tmpdir(), "tern-fs-bench-chain-"));
  try {
    await run(TERN, ["chain", "init", "--validators", "4", "--out", dir, "--rpc-port", "18845",
      "--base-port", "18856", "--block-time", "100", "--dev-accounts"]);
    await run(TERN, ["chain", "up", dir, "--timeout", "90"]);
    const url = JSON.parse(readFileSync(join(dir, "chain.json"), "utf8")).nodes[0].rpc_url;
    return await measure("chain4", url);
  } finally {
    await run(TERN, ["chain", "down", dir, "--kill"]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
if (which === "dev" || which === "all") results.push(await devTarget());
if (which === "chain" || which === "all") results.push(await chainTarget());
console.log(JSON.stringify(results, null, 2));
