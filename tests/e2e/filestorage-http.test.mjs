// Stored files over HTTP (GET /fs/<owner>/<path> on the JSON-RPC port): a static site uploaded
// with filestorage.js, unchanged, is served with its types, lengths, ETags and ranges, and opens
// in headless Chromium straight from the node (screenshot checked: the stylesheet, the script
// and a JSON file it fetches all came from the chain). Tern only: anvil has no FileStorage.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { get as httpGet } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { devAccount } from "./lib/clients.mjs";
import { readPng } from "./lib/png.mjs";
import { IS_ANVIL, startNode, tempDir } from "./lib/target.mjs";

const require = createRequire(import.meta.url);
const FilestorageClient = require("@skalenetwork/filestorage.js");

const admin = devAccount(0);
const owner = devAccount(3);
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

/** The status of a GET of `path` sent as is (no URL normalisation). */
function rawStatus(port, path) {
  return new Promise((res, rej) => {
    httpGet({ host: "127.0.0.1", port, path }, (r) => {
      r.resume();
      res(r.statusCode);
    }).on("error", rej);
  });
}

const SITE = {
  "site/index.html": `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="style.css"><title>stored on chain</title></head>
<body><div id="box"></div><script src="app.js"></script></body></html>`,
  "site/style.css": `html, body { margin: 0; height: 100%; background: rgb(0, 128, 255); }
#box { position: absolute; left: 25%; top: 25%; width: 50%; height: 50%; }`,
  "site/app.js": `fetch("data/color.json").then((r) => r.json()).then((c) => {
  document.getElementById("box").style.background = c.color;
  document.title = "ready";
});`,
  "site/data/color.json": `{"color": "rgb(255, 0, 0)"}`,
};

describe("files over HTTP from the node", { skip: IS_ANVIL ? "anvil has no FileStorage" : false }, () => {
  let node, base;

  before(async () => {
    node = await startNode();
    const fs = new FilestorageClient(node.url);
    await fs.grantAllocatorRole(admin.address, admin.address, admin.privateKey);
    await fs.reserveSpace(admin.address, owner.address, 16 << 20, admin.privateKey);
    await fs.createDirectory(owner.address, "site", owner.privateKey);
    await fs.createDirectory(owner.address, "site/data", owner.privateKey);
    for (const [path, text] of Object.entries(SITE))
      await fs.uploadFile(owner.address, path, Buffer.from(text), owner.privateKey);
    const big = Buffer.alloc((2 << 20) + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 13)) & 0xff;
    await fs.uploadFile(owner.address, "big.bin", big, owner.privateKey);
    await fs.contract.startUpload(owner.address, "partial.txt", 10, owner.privateKey);
    base = `${node.url}/fs/${owner.address.slice(2).toLowerCase()}`;
  });
  after(async () => {
    await node?.stop();
  });

  it("serves a file with its type, length and ETag, and answers If-None-Match with 304", async () => {
    const res = await fetch(`${base}/site/style.css`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(SITE["site/style.css"])));
    assert.equal(await res.text(), SITE["site/style.css"]);
    const etag = res.headers.get("etag");
    assert.match(etag, /^"0x[0-9a-f]{64}"$/);
    const again = await fetch(`${base}/site/style.css`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${base}/site/index.html`)).headers.get("content-type"), "text/html; charset=utf-8");
  });

  it("serves byte ranges across chunks", async () => {
    const full = Buffer.from(await (await fetch(`${base}/big.bin`)).arrayBuffer());
    assert.equal(full.length, (2 << 20) + 7);
    const res = await fetch(`${base}/big.bin`, { headers: { range: "bytes=1048570-1048589" } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get("content-range"), `bytes 1048570-1048589/${full.length}`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(full.subarray(1048570, 1048590)));
    const past = await fetch(`${base}/big.bin`, { headers: { range: "bytes=99999999-" } });
    assert.equal(past.status, 416);
  });

  it("answers 404 for missing and unfinished files, 400 for traversal, JSON for directories", async () => {
    assert.equal((await fetch(`${base}/nope.txt`)).status, 404);
    assert.equal((await fetch(`${base}/partial.txt`)).status, 404);
    // fetch() normalises "..", so the raw targets go out through node:http.
    assert.equal(await rawStatus(node.port, `${new URL(base).pathname}/site/../big.bin`), 400);
    assert.equal(await rawStatus(node.port, `${new URL(base).pathname}/site/%2e%2e/big.bin`), 400);
    const listing = await (await fetch(`${base}/site/`)).json();
    assert.deepEqual(listing.map((e) => e.name).sort(), ["app.js", "data", "index.html", "style.css"]);
    assert.equal(listing.find((e) => e.name === "data").isFile, false);
    const head = await fetch(`${base}/big.bin`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String((2 << 20) + 7));
  });

  it("opens the uploaded page in headless Chromium", { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM}` }, () => {
    const t = tempDir("tern-page-");
    try {
      const shot = join(t.dir, "page.png");
      execFileSync(CHROMIUM, [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        `--user-data-dir=${join(t.dir, "profile")}`, "--window-size=400,300",
        "--virtual-time-budget=5000", `--screenshot=${shot}`, `${base}/site/index.html`,
      ], { stdio: "ignore", timeout: 60_000 });
      const png = readPng(readFileSync(shot));
      assert.equal(png.width, 400);
      assert.deepEqual(png.pixel(10, 10), [0, 128, 255], "style.css from the chain");
      assert.deepEqual(png.pixel(200, 150), [255, 0, 0], "app.js and data/color.json from the chain");
    } finally {
      t.cleanup();
    }
  });
});
