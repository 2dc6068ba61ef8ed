// CREATE2: a factory (OpenZeppelin Create2 and Solidity `new {salt}`) deploys at the address that
// viem, ethers and the factory itself predict; the same salt twice fails; the child's constructor ran.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { encodeDeployData, getAddress, getContractAddress, keccak256, parseEventLogs, toHex } from "viem";
import { ethersProvider, ethersWallet, viemClients } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { startNode } from "./lib/target.mjs";

const C = contracts();

describe("CREATE2 deployment", () => {
  let node, viem, provider, factory;

  before(async () => {
    node = await startNode();
    viem = viemClients(node, 0);
    provider = ethersProvider(node);
    const hash = await viem.walletClient.deployContract({ abi: C.Create2Factory.abi, bytecode: C.Create2Factory.bytecode });
    factory = getAddress((await viem.publicClient.waitForTransactionReceipt({ hash })).contractAddress);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("deploys init code at the predicted address (viem getContractAddress, ethers getCreate2Address, on-chain)", async () => {
    const salt = toHex("tern-e2e-salt-1", { size: 32 });
    const initCode = encodeDeployData({ abi: C.Child.abi, bytecode: C.Child.bytecode, args: [777n] });
    const byViem = getContractAddress({ opcode: "CREATE2", from: factory, salt, bytecode: initCode });
    const byEthers = ethers.getCreate2Address(factory, salt, ethers.keccak256(initCode));
    assert.equal(byViem, byEthers);
    const onChain = await viem.publicClient.readContract({
      address: factory, abi: C.Create2Factory.abi, functionName: "predict", args: [salt, keccak256(initCode)],
    });
    assert.equal(onChain, byViem);
    assert.equal(await viem.publicClient.getCode({ address: byViem }), undefined, "nothing there yet");

    const { result, request } = await viem.publicClient.simulateContract({
      account: viem.account, address: factory, abi: C.Create2Factory.abi, functionName: "deploy", args: [salt, initCode],
    });
    assert.equal(result, byViem, "simulated return value");
    const hash = await viem.walletClient.writeContract(request);
    const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const [ev] = parseEventLogs({ abi: C.Create2Factory.abi, logs: receipt.logs, eventName: "Deployed" });
    assert.equal(ev.args.addr, byViem);
    assert.equal(ev.args.salt, salt);
    // Child has immutables, so only the length of the runtime code is known in advance.
    const code = await viem.publicClient.getCode({ address: byViem });
    assert.equal(code.length, C.Child.deployedBytecode.length);
    const child = new ethers.Contract(byViem, C.Child.abi, provider);
    assert.equal(await child.value(), 777n);
    assert.equal(await child.creator(), factory);
    assert.equal(await provider.getTransactionCount(byViem), 1, "EIP-161: a new contract starts at nonce 1");
  });

  it("the same salt and init code again fails (address occupied); another salt succeeds", async () => {
    const salt = toHex("tern-e2e-salt-1", { size: 32 });
    const initCode = encodeDeployData({ abi: C.Child.abi, bytecode: C.Child.bytecode, args: [777n] });
    await assert.rejects(
      viem.publicClient.simulateContract({
        account: viem.account, address: factory, abi: C.Create2Factory.abi, functionName: "deploy", args: [salt, initCode],
      }),
      (e) => {
        // OpenZeppelin 5.x: Create2 reverts with FailedDeployment() when CREATE2 returns 0.
        assert.match(e.shortMessage + e.message, /FailedDeployment|reverted/);
        return true;
      });
    // A different constructor argument changes the init code hash, hence the address.
    const other = encodeDeployData({ abi: C.Child.abi, bytecode: C.Child.bytecode, args: [778n] });
    const predicted = getContractAddress({ opcode: "CREATE2", from: factory, salt, bytecode: other });
    const hash = await viem.walletClient.writeContract({
      address: factory, abi: C.Create2Factory.abi, functionName: "deploy", args: [salt, other],
    });
    assert.equal((await viem.publicClient.waitForTransactionReceipt({ hash })).status, "success");
    assert.ok(await viem.publicClient.getCode({ address: predicted }));
  });

  it("Solidity `new Child{salt}` through ethers lands at getCreate2Address", async () => {
    const f = new ethers.Contract(factory, C.Create2Factory.abi, ethersWallet(provider, 1));
    const salt = ethers.zeroPadValue("0x01", 32);
    const initCode = ethers.concat([C.Child.bytecode, ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [5n])]);
    const predicted = ethers.getCreate2Address(factory, salt, ethers.keccak256(initCode));
    assert.equal(await f.deployChild.staticCall(salt, 5n), predicted);
    const receipt = await (await f.deployChild(salt, 5n)).wait();
    const ev = receipt.logs.map((l) => f.interface.parseLog(l)).find((x) => x?.name === "Deployed");
    assert.equal(ev.args.addr, predicted);
    assert.equal(await new ethers.Contract(predicted, C.Child.abi, provider).value(), 5n);
  });
});
