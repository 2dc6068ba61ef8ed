// FileStorage on a 4-validator chain made by `tern chain init` with no file-storage flags:
// filestorage.js 1.0.1 (unchanged) uploads through one validator; every validator serves the same
// bytes over HTTP and the nodes agree on every block hash and state root (the app hash covers the
// files); a validator killed with -9 in the middle of a multi-chunk upload comes back with exactly
// the file state of the blocks it committed, then catches up; a full node that joins by state
// sync serves the files too.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { encodeFunctionData, decodeFunctionResult, parseAbi } from "viem";
import { devAccount } from "../e2e/lib/clients.mjs";
import { Chain, Load, rpc, waitFor } from "./lib/chain.mjs";

const require = createRequire(import.meta.url);
const FilestorageClient = require("@skalenetwork/filestorage.js");

const FS = "0xD3002000000000000000000000000000000000d3";
const ABI = parseAbi([
  "function getFileStatus(string) view returns (uint8)",
  "function listDirectory(string) view returns ((string name, bool isFile, uint256 size, uint8 status, bool[] isChunkUploaded)[])",
]);
const MiB = 1 << 20;
const INTERVAL = 5;
const admin = devAccount(0);
const owner = devAccount(1);
const ownerHex = owner.address.slice(2).toLowerCase();

/** The bytes node `i` serves at /fs/<owner>/<path> (status and ETag too). */
async function served(chain, i, path) {
  const res = await fetch(`${chain.url(i)}/fs/${ownerHex}/${path}`);
  return { status: res.status, etag: res.headers.get("etag"), body: Buffer.from(await res.arrayBuffer()) };
}

/** eth_call of FileStorage's `fn` on node `i` at block `at`. */
async function fsCall(chain, i, fn, args, at) {
  const data = encodeFunctionData({ abi: ABI, functionName: fn, args });
  const out = await rpc(chain.url(i), "eth_call", [{ to: FS, data }, `0x${at.toString(16)}`]);
  return decodeFunctionResult({ abi: ABI, functionName: fn, data: out });
}

describe("FileStorage on 4 validators", { timeout: 420_000 }, () => {
  let chain, fs;
  const files = {
    "empty.txt": Buffer.alloc(0),
    "hello.txt": Buffer.from("hello from every validator\n"),
    "data.bin": randomBytes(2 * MiB + 3),
  };

  before(async () => {
    chain = await Chain.init({
      rpcPort: 25545, basePort: 25556,
      extra: ["--snapshot-interval", String(INTERVAL), "--snapshot-keep-recent", "20"],
    });
    await chain.up();
    fs = new FilestorageClient(chain.url(0));
    await fs.grantAllocatorRole(admin.address, admin.address, admin.privateKey);
    await fs.reserveSpace(admin.address, owner.address, 200 * MiB, admin.privateKey);
  });
  after(async () => {
    if (chain) await chain.destroy();
  });

  test("uploads through one validator; all serve identical bytes and agree on the app hash", async () => {
    for (const [name, data] of Object.entries(files)) {
      const started = Date.now();
      await fs.uploadFile(owner.address, name, data, owner.privateKey);
      if (data.length >= MiB)
        console.log(`# filestorage.js upload of ${data.length} B on 4 validators: ${((data.length / MiB) / ((Date.now() - started) / 1000)).toFixed(2)} MiB/s`);
    }
    const head = await chain.assertConsistent({ minHeight: 1 });
    for (const [name, data] of Object.entries(files)) {
      const answers = await Promise.all([0, 1, 2, 3].map(async (i) => {
        await waitFor(`node${i} at ${head}`, 30_000, async () => (await chain.height(i)) >= head);
        return served(chain, i, name);
      }));
      for (const a of answers) {
        assert.equal(a.status, 200, name);
        assert.ok(a.body.equals(data), `${name} differs`);
        assert.equal(a.etag, answers[0].etag);
      }
      // And through the library on another validator.
      const back = await new FilestorageClient(chain.url(3)).downloadToBuffer(`${ownerHex}/${name}`);
      assert.ok(Buffer.from(back).equals(data));
    }
  });

  test("kill -9 of a validator during a multi-chunk upload: it keeps exactly what it committed", async () => {
    const big = randomBytes(6 * MiB + 11);
    const upload = fs.uploadFile(owner.address, "big.bin", big, owner.privateKey);
    await waitFor("the first chunk on node2", 60_000, async () => {
      const [entries] = [await fsCall(chain, 2, "listDirectory", [`${ownerHex}/`], await chain.height(2))];
      const e = entries.find((x) => x.name === "big.bin");
      return e && e.isChunkUploaded.some(Boolean);
    }, 100);
    await chain.down({ node: 2, kill: true });
    await upload; // 3 of 4 validators keep finalizing
    await chain.up({ node: 2 });
    // Right after the restart, node2's file state is that of the blocks it committed: the same
    // as a validator's at that height (absent, uploading with some chunks, or complete).
    const h = await chain.height(2);
    const [mine, theirs] = await Promise.all([2, 0].map((i) => fsCall(chain, i, "listDirectory", [`${ownerHex}/`], h)));
    assert.deepEqual(mine.find((x) => x.name === "big.bin"), theirs.find((x) => x.name === "big.bin"));
    const head = await chain.assertConsistent({ minHeight: h });
    assert.ok(head >= h);
    const got = await served(chain, 2, "big.bin");
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(big), "node2 serves the whole file after catching up");
  });

  test("a node restored by state sync serves the files", { timeout: 200_000 }, async () => {
    const load = new Load(chain, { senders: [4, 5, 6], nodes: 4 });
    load.start();
    let joined;
    try {
      await waitFor("a snapshot height passed", 60_000, async () => (await chain.height(0)) >= 2 * INTERVAL + 2, 250);
      joined = await chain.addNode({ stateSync: true });
      await chain.up({ node: joined });
      const log = join(chain.dir, chain.nodes[joined].home, "logs", "cometbft.log");
      await waitFor("Snapshot restored", 90_000, () => /Snapshot restored/.test(readFileSync(log, "utf8")), 250)
        .catch((e) => { throw new Error(`${e.message}\n${chain.logTail(joined, 40)}`); });
      await waitFor("the new node at the head", 60_000, async () =>
        (await chain.height(joined)) >= (await chain.height(0)) - 1, 250);
    } finally {
      await load.stop();
    }
    for (const [name, data] of Object.entries(files)) {
      const got = await served(chain, joined, name);
      assert.equal(got.status, 200, name);
      assert.ok(got.body.equals(data), `${name} from the state-synced node`);
    }
  });
});
