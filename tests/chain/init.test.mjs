// `tern chain init`: the directory layout, the shared CometBFT genesis, config.toml values, the
// EVM genesis (in CometBFT's app_state: no funded account unless --alloc/--fund/--dev-accounts),
// node.toml (validators sign nothing, serve eth/net/web3), refusal of a non-empty directory, `add-node`
// (a full node's files), a node whose own EVM genesis disagrees with app_state refused at
// InitChain, and that the pinned cometbft accepts the result: four cometbft processes on the
// generated homes (with CometBFT's built-in kvstore app instead of Tern) connect to each other
// and commit a transaction.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CHAIN_ID, PORT_OFFSET, TERN_BIN, comet, sleep, waitFor } from "./lib/chain.mjs";

const RPC_PORT = 21545 + PORT_OFFSET;
const BASE_PORT = 27656 + PORT_OFFSET;

function cometbftBin() {
  if (process.env.TERN_COMETBFT) return process.env.TERN_COMETBFT;
  for (const dir of (process.env.PATH || "").split(":"))
    if (dir && existsSync(join(dir, "cometbft"))) return join(dir, "cometbft");
  const gopath = execFileSync("go", ["env", "GOPATH"], { encoding: "utf8" }).trim().split(":")[0];
  return join(gopath, "bin/cometbft");
}

const tern = (...args) => execFileSync(TERN_BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Value of `key` in `[section]` of a TOML text ("" = top level), as written (string quotes removed). */
function tomlValue(text, section, key) {
  let current = "";
  for (const line of text.split("\n")) {
    const sec = line.match(/^\s*\[([^\]]+)\]/);
    if (sec) current = sec[1];
    const kv = line.match(/^\s*([\w.-]+)\s*=\s*(.*)$/);
    if (kv && current === section && kv[1] === key) return kv[2].replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}

describe("tern chain init", () => {
  let dir;
  const procs = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tern-chain-init-"));
    rmSync(dir, { recursive: true });
    tern("chain", "init", "--validators", "4", "--chain-id", String(CHAIN_ID), "--out", dir,
      "--rpc-port", String(RPC_PORT), "--base-port", String(BASE_PORT), "--block-time", "400");
  });

  after(() => {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("layout and chain.json", () => {
    assert.ok(existsSync(join(dir, "chain.json")));
    assert.ok(!existsSync(join(dir, "genesis.json")), "the EVM genesis lives in app_state only");
    const chain = JSON.parse(readFileSync(join(dir, "chain.json"), "utf8"));
    assert.equal(chain.chain_id, CHAIN_ID);
    assert.equal(chain.cometbft_chain_id, `tern-${CHAIN_ID}`);
    assert.equal(chain.nodes.length, 4);
    chain.nodes.forEach((n, i) => {
      assert.equal(n.name, `node${i}`);
      assert.equal(n.validator, true);
      assert.equal(n.rpc_port, RPC_PORT + i);
      assert.equal(n.rpc_url, `http://127.0.0.1:${RPC_PORT + i}`);
      assert.equal(n.p2p_port, BASE_PORT + 10 * i);
      assert.equal(n.cometbft_rpc_port, BASE_PORT + 10 * i + 1);
      for (const f of ["node.toml", "cometbft/config/config.toml", "cometbft/config/genesis.json",
        "cometbft/config/node_key.json", "cometbft/config/priv_validator_key.json",
        "cometbft/data/priv_validator_state.json", "logs"])
        assert.ok(existsSync(join(dir, n.home, f)), `${n.home}/${f}`);
      // The node id in chain.json is CometBFT's own.
      const id = execFileSync(cometbftBin(), ["show-node-id", "--home", join(dir, n.home, "cometbft")], { encoding: "utf8" }).trim();
      assert.equal(n.node_id, id);
    });
  });

  test("one CometBFT genesis with every node a validator", () => {
    const texts = [0, 1, 2, 3].map((i) => readFileSync(join(dir, `node${i}/cometbft/config/genesis.json`), "utf8"));
    for (const t of texts) assert.equal(t, texts[0]);
    const g = JSON.parse(texts[0]);
    assert.equal(g.chain_id, `tern-${CHAIN_ID}`);
    assert.equal(g.initial_height, "1");
    assert.equal(g.validators.length, 4);
    g.validators.forEach((v, i) => {
      const key = JSON.parse(readFileSync(join(dir, `node${i}/cometbft/config/priv_validator_key.json`), "utf8"));
      assert.equal(v.address, key.address);
      assert.deepEqual(v.pub_key, key.pub_key);
      assert.equal(v.power, "10");
    });
  });

  test("config.toml: ports, peers, timeouts, empty blocks off", () => {
    const chain = JSON.parse(readFileSync(join(dir, "chain.json"), "utf8"));
    chain.nodes.forEach((n, i) => {
      const t = readFileSync(join(dir, n.home, "cometbft/config/config.toml"), "utf8");
      assert.equal(tomlValue(t, "", "moniker"), n.name);
      assert.equal(tomlValue(t, "", "proxy_app"), `unix://${join(dir, n.home, "abci.sock")}`);
      assert.equal(tomlValue(t, "rpc", "laddr"), `tcp://127.0.0.1:${n.cometbft_rpc_port}`);
      assert.equal(tomlValue(t, "p2p", "laddr"), `tcp://127.0.0.1:${n.p2p_port}`);
      const peers = tomlValue(t, "p2p", "persistent_peers").split(",").sort();
      const want = chain.nodes.filter((_, j) => j !== i).map((p) => `${p.node_id}@127.0.0.1:${p.p2p_port}`).sort();
      assert.deepEqual(peers, want);
      assert.equal(tomlValue(t, "p2p", "addr_book_strict"), "false");
      assert.equal(tomlValue(t, "p2p", "allow_duplicate_ip"), "true");
      assert.equal(tomlValue(t, "consensus", "timeout_commit"), "400ms");
      assert.equal(tomlValue(t, "consensus", "create_empty_blocks"), "false");
      assert.equal(tomlValue(t, "mempool", "recheck"), "true");
      // Comments of CometBFT's template are kept for operators.
      assert.match(t, /# How long we wait after committing a block/);
    });
  });

  test("EVM genesis in app_state, and node.toml", () => {
    const g = JSON.parse(readFileSync(join(dir, "node0/cometbft/config/genesis.json"), "utf8")).app_state;
    assert.equal(Number(g.config.chainId), CHAIN_ID);
    // No account is funded by default (the test mnemonic's keys are public): the beacon roots
    // contract only.
    assert.deepEqual(Object.keys(g.alloc), ["0x000f3df6d732807ef1319fb7b8bb8522d0beac02"]);
    const t = readFileSync(join(dir, "node2/node.toml"), "utf8");
    assert.equal(tomlValue(t, "", "genesis"), undefined); // taken from app_state
    assert.equal(tomlValue(t, "", "rpc_port"), String(RPC_PORT + 2));
    assert.equal(tomlValue(t, "", "abci_address"), "unix://abci.sock");
    assert.equal(tomlValue(t, "", "cometbft_rpc"), `http://127.0.0.1:${BASE_PORT + 21}`);
    assert.equal(tomlValue(t, "", "spawn_cometbft"), "true");
    // A validator signs nothing and serves eth, net, web3.
    assert.equal(tomlValue(t, "", "unlock_dev_accounts"), undefined);
    assert.equal(tomlValue(t, "", "rpc_api"), '["eth", "net", "web3"]');
  });

  test("--alloc, --fund and --dev-accounts fund the genesis; the output says who", () => {
    const other = mkdtempSync(join(tmpdir(), "tern-chain-fund-"));
    try {
      const init = (...extra) => spawnSync(TERN_BIN, ["chain", "init", "--validators", "1", "--out", other, "--force",
        "--rpc-port", String(21600 + PORT_OFFSET), "--base-port", String(27800 + PORT_OFFSET), ...extra], { encoding: "utf8" });
      const appState = () => JSON.parse(readFileSync(join(other, "node0/cometbft/config/genesis.json"), "utf8")).app_state;

      let r = init();
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /No account is funded/);
      assert.match(r.stdout, /fee rule "free"/);
      // No owner: nobody to allow-list deployers, so anyone may deploy.
      assert.match(r.stdout, /anyone may deploy contracts/);
      assert.equal(appState().tern.freeContractDeployment, true);

      // Issue 13: --owner, --sfuel, --chain-name write SKALE's services into the genesis.
      const owner = "0x5555555555555555555555555555555555555555";
      r = init("--owner", owner, "--sfuel", "--chain-name", "staging-fast-active-bellatrix");
      assert.equal(r.status, 0, r.stderr);
      const sfuel = appState();
      assert.equal(sfuel.config.chainId, 1351057110, "SKALE's chain id of the name");
      assert.deepEqual(
        [sfuel.tern.feeRule, sfuel.tern.coinbase, BigInt(sfuel.tern.minGasPrice), sfuel.tern.etherbase,
          sfuel.tern.etherbaseAdmin, sfuel.tern.configController, sfuel.tern.configControllerAdmin,
          sfuel.tern.freeContractDeployment, sfuel.tern.marionetteOwner, sfuel.tern.fileStorageAdmin],
        ["charged", "0xd2ba3e0000000000000000000000000000000000", 100000n, true, owner, true, owner, false,
          owner, owner]);
      assert.match(r.stdout, /only 0x5555555555555555555555555555555555555555 and the accounts it adds/);
      assert.match(r.stdout, /sFUEL: fees at 100000 wei\/gas go to Etherbase/);

      const allocFile = join(other, "..", `alloc-${process.pid}.json`);
      writeFileSync(allocFile, JSON.stringify({ alloc: {
        "0x1111111111111111111111111111111111111111": { balance: "0x10", nonce: "0x2", code: "0x6001", storage: { "0x01": "0x02" } },
      } }));
      try {
        r = init("--alloc", allocFile, "--fund", "0x2222222222222222222222222222222222222222=1.5ether",
          "--fund", "0x3333333333333333333333333333333333333333=20gwei", "--fund", "0x4444444444444444444444444444444444444444=0xff",
          "--unlock-dev-accounts", "2", "--rpc-api", "eth,net,web3,debug");
        assert.equal(r.status, 0, r.stderr);
        const alloc = appState().alloc;
        assert.equal(Object.keys(alloc).length, 5); // 4 funded + beacon roots
        assert.equal(BigInt(alloc["0x1111111111111111111111111111111111111111"].balance), 16n);
        assert.equal(BigInt(alloc["0x1111111111111111111111111111111111111111"].nonce), 2n);
        assert.equal(alloc["0x1111111111111111111111111111111111111111"].code, "0x6001");
        assert.equal(BigInt(alloc["0x2222222222222222222222222222222222222222"].balance), 1500000000000000000n);
        assert.equal(BigInt(alloc["0x3333333333333333333333333333333333333333"].balance), 20000000000n);
        assert.equal(BigInt(alloc["0x4444444444444444444444444444444444444444"].balance), 255n);
        assert.match(r.stdout, /Funded accounts: 4/);
        assert.match(r.stdout, /0x2222222222222222222222222222222222222222 1\.5 ether/);
        assert.doesNotMatch(r.stderr, /--dev-accounts/);
        assert.match(r.stderr, /WARNING: --unlock-dev-accounts 2/);
        const t = readFileSync(join(other, "node0/node.toml"), "utf8");
        assert.equal(tomlValue(t, "", "unlock_dev_accounts"), "2");
        assert.equal(tomlValue(t, "", "rpc_api"), '["eth", "net", "web3", "debug"]');
        // A node added later gets the same node.toml settings.
        assert.match(tern("chain", "add-node", other), /node1 added/);
        const t1 = readFileSync(join(other, "node1/node.toml"), "utf8");
        assert.equal(tomlValue(t1, "", "unlock_dev_accounts"), "2");
        assert.equal(tomlValue(t1, "", "rpc_api"), '["eth", "net", "web3", "debug"]');
      } finally {
        rmSync(allocFile, { force: true });
      }

      r = init("--dev-accounts");
      assert.equal(r.status, 0, r.stderr);
      const alloc = appState().alloc;
      assert.equal(Object.keys(alloc).length, 11); // 10 dev accounts + beacon roots
      assert.equal(BigInt(alloc["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"].balance), 10000n * 10n ** 18n);
      assert.match(r.stderr, /WARNING: --dev-accounts funds the 10 accounts of the public test mnemonic/);
      assert.match(r.stderr, /anyone can spend/);

      // Refused before anything is written: the chain made above stays.
      for (const [args, message] of [
        [["--fund", "0x22=1"], /expected ADDRESS=AMOUNT/],
        [["--fund", "0x2222222222222222222222222222222222222222=1.5"], /AMOUNT is wei/],
        [["--fund", "0x2222222222222222222222222222222222222222=1.0000000000000000001ether"], /AMOUNT is wei/],
        [["--fund", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266=1", "--dev-accounts"], /funded twice/],
        [["--alloc", join(other, "missing.json")], /cannot read/],
      ]) {
        r = init(...args);
        assert.equal(r.status, 1, args.join(" "));
        assert.match(r.stderr, message);
      }
      assert.equal(Object.keys(appState().alloc).length, 11);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a non-empty directory is refused without --force", () => {
    assert.throws(() => tern("chain", "init", "--out", dir), /not empty/);
    const other = mkdtempSync(join(tmpdir(), "tern-chain-init-"));
    writeFileSync(join(other, "keep.txt"), "mine");
    try {
      tern("chain", "init", "--validators", "2", "--out", other, "--force", "--rpc-port", String(21600 + PORT_OFFSET), "--base-port", String(27800 + PORT_OFFSET));
      tern("chain", "init", "--validators", "1", "--out", other, "--force", "--rpc-port", String(21600 + PORT_OFFSET), "--base-port", String(27800 + PORT_OFFSET));
      // --force replaces our files only.
      assert.equal(readFileSync(join(other, "keep.txt"), "utf8"), "mine");
      assert.ok(!existsSync(join(other, "node1")));
      assert.equal(JSON.parse(readFileSync(join(other, "chain.json"), "utf8")).nodes.length, 1);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("add-node writes a full node like the validators, peered with them", () => {
    const other = mkdtempSync(join(tmpdir(), "tern-chain-add-"));
    try {
      tern("chain", "init", "--validators", "2", "--out", other, "--force", "--rpc-port", String(21600 + PORT_OFFSET),
        "--base-port", String(27800 + PORT_OFFSET), "--block-time", "250", "--snapshot-interval", "7");
      // State sync needs a running validator (trusted height and hash).
      assert.throws(() => tern("chain", "add-node", other, "--state-sync"), /needs a running validator/);
      assert.ok(!existsSync(join(other, "node2")));
      assert.throws(() => tern("chain", "add-node", other, "--host", "10.0.0.9"), /--host is for chains made with --hosts/);
      assert.match(tern("chain", "add-node", other), /node2 added/);
      const chain = JSON.parse(readFileSync(join(other, "chain.json"), "utf8"));
      assert.equal(chain.nodes.length, 3);
      const n = chain.nodes[2];
      assert.equal(n.validator, false);
      assert.equal(n.rpc_port, 21602 + PORT_OFFSET);
      assert.equal(n.p2p_port, 27820 + PORT_OFFSET);
      const t = readFileSync(join(other, "node2/cometbft/config/config.toml"), "utf8");
      assert.equal(tomlValue(t, "consensus", "timeout_commit"), "250ms");
      assert.equal(tomlValue(t, "statesync", "enable"), "false");
      assert.deepEqual(tomlValue(t, "p2p", "persistent_peers").split(",").sort(),
        chain.nodes.slice(0, 2).map((p) => `${p.node_id}@127.0.0.1:${p.p2p_port}`).sort());
      assert.equal(readFileSync(join(other, "node2/cometbft/config/genesis.json"), "utf8"),
        readFileSync(join(other, "node0/cometbft/config/genesis.json"), "utf8"));
      const nt = readFileSync(join(other, "node2/node.toml"), "utf8");
      assert.equal(tomlValue(nt, "", "snapshot_interval"), "7");
      assert.equal(tomlValue(nt, "", "rpc_port"), String(21602 + PORT_OFFSET));
      const st = JSON.parse(tern("chain", "status", other, "--json"));
      assert.deepEqual(st.map((s) => s.validator), [true, true, false]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a node whose own EVM genesis differs from app_state is refused at InitChain", { timeout: 60_000 }, () => {
    const other = mkdtempSync(join(tmpdir(), "tern-chain-gen-"));
    try {
      tern("chain", "init", "--validators", "1", "--out", other, "--force", "--rpc-port", String(21610 + PORT_OFFSET),
        "--base-port", String(27900 + PORT_OFFSET));
      const g = JSON.parse(readFileSync(join(other, "node0/cometbft/config/genesis.json"), "utf8")).app_state;
      g.alloc["0x000000000000000000000000000000000000beef"] = { balance: "0x1" };
      writeFileSync(join(other, "mine.json"), JSON.stringify(g));
      writeFileSync(join(other, "node0/node.toml"), `genesis = "../mine.json"\n` + readFileSync(join(other, "node0/node.toml"), "utf8"));
      assert.throws(() => tern("chain", "up", other, "--timeout", "30"), /not every node came up/);
      const log = readFileSync(join(other, "node0/logs/cometbft.log"), "utf8");
      assert.match(log, /differs from this node's genesis/);
    } finally {
      spawnSync(TERN_BIN, ["chain", "down", "--kill", other], { stdio: "ignore" });
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("status and down of a stopped chain", () => {
    const st = JSON.parse(tern("chain", "status", dir, "--json"));
    assert.equal(st.length, 4);
    for (const s of st) {
      assert.equal(s.running, false);
      assert.equal(s.height, null);
    }
    assert.match(tern("chain", "down", dir), /node0 not running/);
  });

  test("cometbft accepts the homes: 4 nodes peer and commit a transaction", { timeout: 60_000 }, async () => {
    const chain = JSON.parse(readFileSync(join(dir, "chain.json"), "utf8"));
    for (const n of chain.nodes)
      procs.push(spawn(cometbftBin(), ["start", "--home", join(dir, n.home, "cometbft"), "--proxy_app", "kvstore"],
        { stdio: "ignore" }));
    await waitFor("3 peers on every node", 30_000, async () => {
      const peers = await Promise.all(chain.nodes.map((n) => comet(n, "/net_info").then((r) => Number(r.n_peers))));
      return peers.every((p) => p === 3);
    });
    const res = await fetch(`http://127.0.0.1:${chain.nodes[2].cometbft_rpc_port}/broadcast_tx_commit?tx="tern=1"`);
    const body = await res.json();
    assert.equal(body.result.tx_result.code, 0);
    const h = Number(body.result.height);
    assert.ok(h >= 1);
    await waitFor("every node at the height", 10_000, async () => {
      const hs = await Promise.all(chain.nodes.map((n) => comet(n, "/status").then((r) => Number(r.sync_info.latest_block_height))));
      return hs.every((x) => x >= h);
    });
    // Empty blocks are off: the height stays put when idle (one more block may carry the app hash).
    const before = Number((await comet(chain.nodes[0], "/status")).sync_info.latest_block_height);
    await sleep(2500);
    const later = Number((await comet(chain.nodes[0], "/status")).sync_info.latest_block_height);
    assert.ok(later <= before + 1, `idle chain went from ${before} to ${later}`);
    for (const p of procs) p.kill("SIGTERM");
  });
});
