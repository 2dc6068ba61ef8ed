// SKALE's FileStorage through SKALE's own client, @skalenetwork/filestorage.js 1.0.1, unchanged
// (web3 1.2.6 inside it, legacy transactions signed with the dev keys): uploads and downloads of
// 0 B to 10 MiB, directories, quotas with the contract's revert strings, namespaces, reads by
// anyone. Tern only: anvil has no FileStorage predeploy.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createWalletClient, decodeFunctionResult, encodeFunctionData, http, keccak256, parseAbi, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccount, viemChain } from "./lib/clients.mjs";
import { IS_ANVIL, rawRpc, startNode, tempDir } from "./lib/target.mjs";

const require = createRequire(import.meta.url);
const FilestorageClient = require("@skalenetwork/filestorage.js");

const ADDRESS = "0xD3002000000000000000000000000000000000d3";
const MiB = 1 << 20;
const admin = devAccount(0); // tern dev's FileStorage admin (DEFAULT_ADMIN_ROLE)
const alice = devAccount(1);
const bob = devAccount(2);
const skip = IS_ANVIL ? "anvil has no FileStorage predeploy" : false;

/** The FilestorageContractException message of a failing call. */
async function reverted(promise) {
  try {
    await promise;
  } catch (e) {
    return e.message;
  }
  assert.fail("expected the call to fail");
}

const strip = (a) => a.slice(2);

describe("filestorage.js 1.0.1 against FileStorage", { skip }, () => {
  let node, fs;

  before(async () => {
    node = await startNode();
    fs = new FilestorageClient(node.url);
    await fs.grantAllocatorRole(admin.address, admin.address, admin.privateKey);
    await fs.reserveSpace(admin.address, alice.address, 64 * MiB, admin.privateKey);
    await fs.reserveSpace(admin.address, bob.address, 1 * MiB, admin.privateKey);
  });
  after(async () => {
    await node?.stop();
  });

  it("serves the predeploy at SKALE's address", async () => {
    const code = (await rawRpc(node.url, "eth_getCode", [ADDRESS, "latest"])).result;
    assert.notEqual(code, "0x");
    assert.equal(await fs.getTotalSpace(), 10_000_000_000);
    assert.equal(await fs.getReservedSpace(alice.address), 64 * MiB);
    assert.equal(await fs.getTotalReservedSpace(), 65 * MiB);
  });

  for (const size of [0, 1, 4096, MiB, MiB + 1, 10 * MiB + 12345]) {
    it(`round-trips a file of ${size} bytes byte-identically`, async () => {
      const data = randomBytes(size);
      const name = `file-${size}.bin`;
      const path = await fs.uploadFile(alice.address, name, data, alice.privateKey);
      assert.equal(path, `${strip(alice.address)}/${name}`);
      const back = await fs.downloadToBuffer(path);
      assert.ok(Buffer.from(back).equals(data), `download of ${size} bytes differs`);
      assert.equal(Number(await fs.contract.getFileStatus(path)), 2);
    });
  }

  it("nests directories, lists them in the library's shapes, deletes only empty ones", async () => {
    const root = strip(alice.address);
    assert.equal(await fs.createDirectory(alice.address, "site", alice.privateKey), `${root}/site`);
    await fs.createDirectory(alice.address, "site/img", alice.privateKey);
    await fs.uploadFile(alice.address, "site/img/a.txt", Buffer.from("hello"), alice.privateKey);
    await fs.uploadFile(alice.address, "site/index.html", Buffer.from("<p>hi</p>"), alice.privateKey);

    const site = await fs.listDirectory(`${root}/site`);
    assert.deepEqual(site, [
      { name: "img", storagePath: `${root}/site/img`, isFile: false },
      { name: "index.html", storagePath: `${root}/site/index.html`, isFile: true, size: 9, status: 2, uploadingProgress: 100 },
    ]);
    const top = await fs.listDirectory(root);
    assert.ok(top.some((e) => e.name === "site" && e.isFile === false));
    assert.ok(top.some((e) => e.name === "file-0.bin" && e.size === 0 && e.uploadingProgress === 100));

    assert.equal(await reverted(fs.deleteDirectory(alice.address, "site/img", alice.privateKey)),
      "Directory is not empty");
    assert.equal(await reverted(fs.createDirectory(alice.address, "site/img", alice.privateKey)),
      "File or directory exists");
    assert.equal(await reverted(fs.createDirectory(alice.address, "nope/x", alice.privateKey)),
      "Invalid path");
    await fs.deleteFile(alice.address, "site/img/a.txt", alice.privateKey);
    await fs.deleteDirectory(alice.address, "site/img", alice.privateKey);
    assert.deepEqual((await fs.listDirectory(`${root}/site`)).map((e) => e.name), ["index.html"]);
  });

  it("refuses over-reservation and over-use with the contract's revert strings", async () => {
    assert.equal(await reverted(fs.reserveSpace(alice.address, alice.address, 1, alice.privateKey)),
      "Caller is not allowed to reserve space");
    assert.equal(await reverted(fs.reserveSpace(admin.address, bob.address, 20_000_000_000, admin.privateKey)),
      "Not enough memory in the Filestorage");
    assert.equal(await reverted(fs.uploadFile(bob.address, "big.bin", randomBytes(MiB + 1), bob.privateKey)),
      "Not enough reserved space");
    await fs.uploadFile(bob.address, "small.bin", randomBytes(MiB - 4096), bob.privateKey);
    assert.equal(await fs.getOccupiedSpace(bob.address), MiB - 4096);
    assert.equal(await reverted(fs.reserveSpace(admin.address, bob.address, 4096, admin.privateKey)),
      "Could not reserve less than used space");
    assert.equal(await reverted(fs.uploadFile(bob.address, "x".repeat(256), Buffer.alloc(1), bob.privateKey)),
      "Filename should be < 256");
  });

  it("keeps each account's namespace its own, and lets anyone read", async () => {
    const path = await fs.uploadFile(alice.address, "private.txt", Buffer.from("alice's"), alice.privateKey);
    // Bob's delete names his own namespace: Alice's file stays.
    assert.equal(await reverted(fs.deleteFile(bob.address, "private.txt", bob.privateKey)), "Invalid path");
    const reader = new FilestorageClient(node.url); // no key at all
    assert.equal(Buffer.from(await reader.downloadToBuffer(path)).toString(), "alice's");
    assert.equal(Buffer.from(await reader.downloadToBuffer(path.toUpperCase().slice(0, 40) + path.slice(40))).toString(),
      "alice's");
  });

  it("reads a file as of a past block (history), after it is deleted", async () => {
    const data = randomBytes(3000);
    const path = await fs.uploadFile(alice.address, "old.bin", data, alice.privateKey);
    const before = (await rawRpc(node.url, "eth_blockNumber")).result;
    await fs.deleteFile(alice.address, "old.bin", alice.privateKey);
    const abi = [{ name: "readChunk", type: "function", stateMutability: "view",
      inputs: [{ type: "string" }, { type: "uint256" }, { type: "uint256" }], outputs: [{ type: "bytes32[32768]" }] }];
    const call = { to: ADDRESS, data: encodeFunctionData({ abi, functionName: "readChunk", args: [path, 0n, 3000n] }) };
    const then = (await rawRpc(node.url, "eth_call", [call, before])).result;
    assert.equal(Buffer.from(then.slice(2, 2 + 6000), "hex").toString("hex"), data.toString("hex"));
    const now = await rawRpc(node.url, "eth_call", [call, "latest"]);
    assert.match(now.error.message, /Invalid path/);
  });

  it("gives failed transactions a receipt with revertReason", async () => {
    const count = await rawRpc(node.url, "eth_blockNumber");
    await reverted(fs.deleteFile(alice.address, "missing", alice.privateKey));
    const block = (await rawRpc(node.url, "eth_getBlockByNumber", ["latest", false])).result;
    assert.ok(BigInt(block.number) > BigInt(count.result));
    const receipt = (await rawRpc(node.url, "eth_getTransactionReceipt", [block.transactions.at(-1)])).result;
    assert.equal(receipt.status, "0x0");
    assert.equal(receipt.revertReason, "Invalid path");
  });
});

const FS_ABI = parseAbi([
  "function startUpload(string,uint256)",
  "function uploadChunk(string,uint256,bytes)",
  "function finishUpload(string)",
  "function grantRole(bytes32,address)",
  "function reserveSpace(address,uint256)",
  "function listDirectory(string) view returns ((string name, bool isFile, uint256 size, uint8 status, bool[] isChunkUploaded)[])",
]);
const ALLOCATOR = keccak256(toHex("ALLOCATOR_ROLE"));

describe("kill -9 during a multi-chunk upload", { skip }, () => {
  let node, tmp;
  after(async () => {
    await node?.stop();
    tmp?.cleanup();
  });

  it("keeps every acknowledged chunk, no more, and the upload completes after a restart", async () => {
    tmp = tempDir("tern-e2e-fs-crash-");
    node = await startNode({ dataDir: tmp.dir });
    const sendAs = async (who, functionName, args, nonce) => {
      const wallet = createWalletClient({ chain: viemChain(node), transport: http(node.url, { retryCount: 0 }),
        account: privateKeyToAccount(who.privateKey) });
      const hash = await wallet.sendTransaction({ to: ADDRESS, data: encodeFunctionData({ abi: FS_ABI, functionName, args }),
        gas: 40_000_000n, nonce, gasPrice: 0n, type: "legacy" });
      return hash;
    };
    const receipt = async (hash) => (await rawRpc(node.url, "eth_getTransactionReceipt", [hash])).result;
    await receipt(await sendAs(admin, "grantRole", [ALLOCATOR, admin.address], 0));
    await receipt(await sendAs(admin, "reserveSpace", [alice.address, BigInt(64 * MiB)], 1));
    const data = randomBytes(12 * MiB + 5);
    const chunks = Math.ceil(data.length / MiB);
    await sendAs(alice, "startUpload", ["crash.bin", BigInt(data.length)], 0);
    // Chunks go out one after another; each acknowledged one (its receipt seen) is recorded,
    // and the node is killed while they are in flight.
    const acknowledged = new Set();
    let stopped = false;
    const sender = (async () => {
      for (let c = 0; c < chunks && !stopped; c++) {
        try {
          const hash = await sendAs(alice, "uploadChunk", ["crash.bin", BigInt(c * MiB), `0x${data.subarray(c * MiB, (c + 1) * MiB).toString("hex")}`], c + 1);
          const r = await receipt(hash);
          if (r && r.status === "0x1") acknowledged.add(c);
        } catch {
          break; // the node is gone
        }
      }
    })();
    while (acknowledged.size < 4) await new Promise((r) => setTimeout(r, 5));
    await node.kill9();
    stopped = true;
    await sender;

    node = await startNode({ dataDir: tmp.dir });
    const list = async () => decodeFunctionResult({ abi: FS_ABI, functionName: "listDirectory",
      data: (await rawRpc(node.url, "eth_call", [{ to: ADDRESS, data: encodeFunctionData({ abi: FS_ABI, functionName: "listDirectory", args: [`${strip(alice.address)}/`] }) }, "latest"])).result });
    const entry = (await list()).find((e) => e.name === "crash.bin");
    assert.ok(entry, "the upload's start was acknowledged");
    assert.equal(entry.status, 1); // uploading: never half a file marked complete
    const flagged = entry.isChunkUploaded.flatMap((f, c) => (f ? [c] : []));
    for (const c of acknowledged) assert.ok(flagged.includes(c), `acknowledged chunk ${c} was lost`);
    // Chunks are sent in order, so the committed ones are a prefix.
    assert.deepEqual(flagged, flagged.map((_, k) => k));
    // The upload goes on where the committed blocks left it, and the file is whole.
    let nonce = Number((await rawRpc(node.url, "eth_getTransactionCount", [alice.address, "latest"])).result);
    for (let c = flagged.length; c < chunks; c++)
      await receipt(await sendAs(alice, "uploadChunk", ["crash.bin", BigInt(c * MiB), `0x${data.subarray(c * MiB, (c + 1) * MiB).toString("hex")}`], nonce++));
    await receipt(await sendAs(alice, "finishUpload", ["crash.bin"], nonce++));
    const res = await fetch(`${node.url}/fs/${strip(alice.address).toLowerCase()}/crash.bin`);
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(data));
  });
});
