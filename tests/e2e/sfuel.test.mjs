// SKALE's chain services with ethers (issue 13, docs/economics.md): an sFUEL chain whose fees go
// to Etherbase (0xd2bA3e00...), the owner handing sFUEL out (partiallyRetrieve, a faucet
// contract with ETHER_MANAGER_ROLE reached by a new user through proof-of-work gas), and the
// ConfigController deployer allow-list (0xD2002000...d2) with its roles and exact refusals.
// tern dev runs a genesis with the features on, as `tern chain init --sfuel` writes them.
// tern only (anvil has none of SKALE's predeploys).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { devAccount, ethersProvider, ethersWallet } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { ternContracts } from "./lib/ml.mjs";
import { CHAIN_ID, IS_ANVIL, startNode, tempDir } from "./lib/target.mjs";

const require = createRequire(import.meta.url);
const { WalletPow } = require("@skaleproject/pow-ethers");
const BN = require("bn.js");
const { Wallet: WalletV5 } = require("@ethersproject/wallet");
const { JsonRpcProvider: ProviderV5 } = require("@ethersproject/providers");

const ETHERBASE = "0xd2bA3e0000000000000000000000000000000000";
const CONFIG_CONTROLLER = "0xD2002000000000000000000000000000000000d2";
const MARIONETTE = ethers.getAddress("0xD2c0DeFACe000000000000000000000000000000");
const PROXY_ADMIN = ethers.getAddress("0xD1000000000000000000000000000000000000D1");
const ETHERBASE_IMPL = ethers.getAddress("0xd2Ba3ED200000000000000000000000000000000");
// OpenZeppelin 4's ProxyAdmin and Marionette's execute, as SKALE's upgrade scripts call them.
const PROXY_ADMIN_ABI = [
  "function owner() view returns (address)",
  "function getProxyImplementation(address) view returns (address)",
  "function getProxyAdmin(address) view returns (address)",
  "function upgrade(address proxy, address implementation)",
];
const MARIONETTE_ABI = ["function execute(address target, uint256 value, bytes data) payable returns (bytes)"];
const GAS_PRICE = 100_000n;
const SUPPLY = 10n ** 27n;
const skip = IS_ANVIL ? "anvil has no SKALE predeploys" : false;
const C = contracts();
const T = IS_ANVIL ? {} : ternContracts();
const missingRole = (account, role) =>
  `AccessControl: account ${account.toLowerCase()} is missing role ${role}`;

/** The revert reason of a failed ethers call or transaction. */
async function reasonOf(promise) {
  try {
    await promise;
  } catch (e) {
    return e.reason ?? e.shortMessage ?? e.message;
  }
  return "<no error>";
}

describe("sFUEL, Etherbase and ConfigController (tern dev with an sFUEL genesis)", { skip }, () => {
  let node, tmp, provider, owner, user, etherbase, controller;
  before(async () => {
    tmp = tempDir("tern-e2e-sfuel-");
    const alloc = {};
    for (let i = 0; i < 3; i++) alloc[devAccount(i).address] = { balance: "0x3635c9adc5dea00000" };
    const genesis = {
      config: { chainId: CHAIN_ID },
      gasLimit: "0xfffffff",
      alloc,
      tern: {
        feeRule: "charged", minGasPrice: `0x${GAS_PRICE.toString(16)}`, coinbase: ETHERBASE,
        powDifficulty: "0x1",
        etherbase: true, etherbaseAdmin: devAccount(0).address, etherbaseBalance: `0x${SUPPLY.toString(16)}`,
        configController: true, configControllerAdmin: devAccount(0).address,
        marionette: true, marionetteOwner: devAccount(0).address,
      },
    };
    const file = join(tmp.dir, "genesis.json");
    writeFileSync(file, JSON.stringify(genesis));
    node = await startNode({ extraArgs: ["--genesis", file] });
    provider = ethersProvider(node);
    owner = ethersWallet(provider, 0);
    user = ethersWallet(provider, 1);
    etherbase = new ethers.Contract(ETHERBASE, T.IEtherbase.abi, owner);
    controller = new ethers.Contract(CONFIG_CONTROLLER, T.IConfigController.abi, owner);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
    tmp?.cleanup();
  });

  it("the predeploys are there: code, the owner's roles, SKALE's proxy slots", async () => {
    for (const a of [ETHERBASE, CONFIG_CONTROLLER]) assert.notEqual(await provider.getCode(a), "0x");
    assert.equal(await etherbase.hasRole(await etherbase.ETHER_MANAGER_ROLE(), owner.address), true);
    assert.equal(await controller.isDeploymentAllowed(owner.address, owner.address), true);
    const impl = await provider.getStorage(ETHERBASE, "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");
    assert.equal(ethers.getAddress(ethers.dataSlice(impl, 12)), "0xd2Ba3ED200000000000000000000000000000000");
  });

  it("fees are paid in sFUEL and go to Etherbase", async () => {
    const before = await provider.getBalance(ETHERBASE);
    const r = await (await user.sendTransaction({ to: owner.address, value: 1n })).wait();
    assert.equal(r.gasPrice, GAS_PRICE, "ethers priced at eth_gasPrice, the chain's minimum");
    assert.equal(await provider.getBalance(ETHERBASE), before + r.gasUsed * r.gasPrice);
  });

  it("an unfunded account is refused; the owner hands it sFUEL; then it transacts", async () => {
    const fresh = ethers.Wallet.createRandom().connect(provider);
    assert.match(await reasonOf(fresh.sendTransaction({ to: owner.address })), /insufficient funds/);
    const sent = await (await etherbase.partiallyRetrieve(fresh.address, 10n ** 16n)).wait();
    const log = sent.logs.map((l) => etherbase.interface.parseLog(l)).find((l) => l?.name === "EtherSent");
    assert.equal(log.args.receiver, fresh.address);
    assert.equal(log.args.amount, 10n ** 16n);
    assert.equal(await provider.getBalance(fresh.address), 10n ** 16n);
    assert.equal((await (await fresh.sendTransaction({ to: owner.address })).wait()).status, 1);
  });

  it("Etherbase refuses non-managers and overdrafts with the contract's strings", async () => {
    const asUser = etherbase.connect(user);
    assert.equal(await reasonOf(asUser.partiallyRetrieve.staticCall(user.address, 1n)), "ETHER_MANAGER_ROLE is required");
    assert.equal(await reasonOf(etherbase.partiallyRetrieve.staticCall(user.address, SUPPLY * 2n)), "Insufficient funds");
    assert.equal(await reasonOf(asUser.grantRole.staticCall(ethers.ZeroHash, user.address)),
      missingRole(user.address, ethers.ZeroHash));
  });

  it("a faucet with ETHER_MANAGER_ROLE serves a new user who pays for the call with proof of work", async () => {
    const F = T.SFuelFaucet;
    const faucet = await new ethers.ContractFactory(F.abi, F.bytecode, owner).deploy(10n ** 16n, 10n ** 15n, 10n);
    await faucet.waitForDeployment();
    await (await etherbase.grantRole(await etherbase.ETHER_MANAGER_ROLE(), await faucet.getAddress())).wait();
    const wallet = WalletV5.createRandom().connect(new ProviderV5(node.url));
    const pow = new WalletPow({ wallet, difficulty: new BN(1) });
    const tx = await pow.encodeAndSend({ abi: F.abi, functionName: "claim", functionArgs: [wallet.address],
      to: await faucet.getAddress(), gas: 200_000 });
    assert.equal((await tx.wait()).status, 1);
    assert.equal(await provider.getBalance(wallet.address), 10n ** 16n, "claimed, and the call cost nothing");
  });

  it("ConfigController: an EOA outside the list cannot deploy; addToWhitelist lets it", async () => {
    const factory = new ethers.ContractFactory(C.Store.abi, C.Store.bytecode, user);
    assert.match(await reasonOf(factory.deploy()), /InvalidContractDeployer/);
    assert.equal(await controller.isDeploymentAllowed(user.address, user.address), false);
    assert.equal(await reasonOf(controller.connect(user).addToWhitelist.staticCall(user.address)),
      missingRole(user.address, await controller.DEPLOYER_ADMIN_ROLE()));
    await (await controller.addToWhitelist(user.address)).wait();
    const store = await factory.deploy();
    await store.waitForDeployment();
    assert.notEqual(await provider.getCode(await store.getAddress()), "0x");
    await (await controller.removeFromWhitelist(user.address)).wait();
    assert.match(await reasonOf(factory.deploy()), /InvalidContractDeployer/);
  });

  it("a contract may always deploy (CREATE2 factory), and free deployment opens it to anyone", async () => {
    const F = await new ethers.ContractFactory(C.Create2Factory.abi, C.Create2Factory.bytecode, owner).deploy();
    await F.waitForDeployment();
    const asUser = F.connect(ethersWallet(provider, 2));  // not on the list
    const r = await (await asUser.deployChild(ethers.id("salt"), 7n)).wait();
    assert.equal(r.status, 1);
    assert.equal(await reasonOf(controller.disableFreeContractDeployment.staticCall()),
      "Free contract deployment is already disabled");
    await (await controller.enableFreeContractDeployment()).wait();
    assert.equal(await controller.isFCDEnabled(), true);
    const store = await new ethers.ContractFactory(C.Store.abi, C.Store.bytecode, ethersWallet(provider, 2)).deploy();
    await store.waitForDeployment();
    await (await controller.disableFreeContractDeployment()).wait();
  });

  it("the owner upgrades Etherbase through Marionette and SKALE's ProxyAdmin; nobody else can", async () => {
    const admin = new ethers.Contract(PROXY_ADMIN, PROXY_ADMIN_ABI, provider);
    const marionette = new ethers.Contract(MARIONETTE, MARIONETTE_ABI, owner);
    assert.equal(await admin.owner(), MARIONETTE);
    assert.equal(await admin.getProxyAdmin(ETHERBASE), PROXY_ADMIN);
    assert.equal(await admin.getProxyImplementation(ETHERBASE), ETHERBASE_IMPL);
    const v2 = await new ethers.ContractFactory(C.Store.abi, C.Store.bytecode, owner).deploy();
    await v2.waitForDeployment();
    const upgradeTo = (impl) => admin.interface.encodeFunctionData("upgrade", [ETHERBASE, impl]);

    // The owner is not the ProxyAdmin's owner (Marionette is); a non-puppeteer cannot use Marionette.
    assert.equal(await reasonOf(admin.connect(owner).upgrade.staticCall(ETHERBASE, await v2.getAddress())),
      "Ownable: caller is not the owner");
    assert.equal(await reasonOf(marionette.connect(user).execute.staticCall(PROXY_ADMIN, 0n, upgradeTo(await v2.getAddress()))),
      "Access violation");

    const r = await (await marionette.execute(PROXY_ADMIN, 0n, upgradeTo(await v2.getAddress()))).wait();
    assert.equal(r.status, 1);
    const upgraded = r.logs.find((l) => l.address === ethers.getAddress(ETHERBASE));
    assert.equal(upgraded.topics[0], ethers.id("Upgraded(address)"));
    assert.equal(await admin.getProxyImplementation(ETHERBASE), await v2.getAddress());
    // Etherbase's address now runs Store's code, on Etherbase's storage.
    const asStore = new ethers.Contract(ETHERBASE, C.Store.abi, user);
    await (await asStore.set(1234n)).wait();
    assert.equal(await asStore.value(), 1234n);
    assert.equal(await v2.value(), 0n);

    // And back to the native Etherbase (which does not use slot 0 for anything it reads).
    await (await marionette.execute(PROXY_ADMIN, 0n, upgradeTo(ETHERBASE_IMPL))).wait();
    assert.equal(await etherbase.hasRole(await etherbase.ETHER_MANAGER_ROLE(), owner.address), true);
  });
});
