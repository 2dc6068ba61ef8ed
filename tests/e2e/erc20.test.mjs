// ERC-20 (OpenZeppelin) deployed and used through viem, ethers v6 and web3.js v4: mint, transfer,
// approve/transferFrom, events, eth_getLogs with topic filters, balances read by all three clients.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { getAbiItem, pad, parseEventLogs, parseUnits } from "viem";
import { devAccount, ethersProvider, ethersWallet, viemClients, web3Client } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { startNode } from "./lib/target.mjs";

const { abi, bytecode, deployedBytecode } = contracts().E2EToken;
const TRANSFER_TOPIC = ethers.id("Transfer(address,address,uint256)");
const APPROVAL_TOPIC = ethers.id("Approval(address,address,uint256)");
const INITIAL = parseUnits("1000000", 18);
const [A0, A1, A2, A3] = [0, 1, 2, 3].map((i) => devAccount(i).address);

describe("ERC-20 (OpenZeppelin)", () => {
  let node, viem, provider, web3, token, deployBlock;

  const balances = async (who) => {
    const [v, e, w] = await Promise.all([
      viem.publicClient.readContract({ address: token, abi, functionName: "balanceOf", args: [who] }),
      new ethers.Contract(token, abi, provider).balanceOf(who),
      new web3.eth.Contract(abi, token).methods.balanceOf(who).call(),
    ]);
    assert.equal(e, v, "ethers and viem disagree on balanceOf");
    assert.equal(BigInt(w), v, "web3 and viem disagree on balanceOf");
    return v;
  };

  before(async () => {
    node = await startNode();
    viem = viemClients(node, 0);
    provider = ethersProvider(node);
    web3 = web3Client(node);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("deploys with viem; the receipt names the contract and the code is the runtime bytecode", async () => {
    const hash = await viem.walletClient.deployContract({ abi, bytecode, args: [INITIAL] });
    const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.ok(receipt.contractAddress, "receipt.contractAddress");
    assert.equal(receipt.to, null);
    token = receipt.contractAddress;
    deployBlock = receipt.blockNumber;
    assert.equal(token.toLowerCase(), ethers.getCreateAddress({ from: A0, nonce: 0 }).toLowerCase());
    assert.equal(await viem.publicClient.getCode({ address: token }), deployedBytecode);
    // The constructor mint is a Transfer from the zero address.
    const [mint] = parseEventLogs({ abi, logs: receipt.logs, eventName: "Transfer" });
    assert.equal(mint.args.from, "0x0000000000000000000000000000000000000000");
    assert.equal(mint.args.to, A0);
    assert.equal(mint.args.value, INITIAL);
  });

  it("reads name, symbol, decimals, totalSupply and balances with viem, ethers and web3", async () => {
    const c = new ethers.Contract(token, abi, provider);
    assert.equal(await c.name(), "E2E Token");
    assert.equal(await c.symbol(), "E2E");
    assert.equal(await c.decimals(), 18n);
    assert.equal(await viem.publicClient.readContract({ address: token, abi, functionName: "totalSupply" }),
      INITIAL);
    assert.equal(await balances(A0), INITIAL);
    assert.equal(await balances(A1), 0n);
  });

  it("mints as the owner through ethers and emits Transfer(0 -> to)", async () => {
    const c = new ethers.Contract(token, abi, ethersWallet(provider, 0));
    const tx = await c.mint(A1, 500n);
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    assert.equal(receipt.logs.length, 1);
    const log = c.interface.parseLog(receipt.logs[0]);
    assert.equal(log.name, "Transfer");
    assert.equal(log.args.from, ethers.ZeroAddress);
    assert.equal(log.args.to, A1);
    assert.equal(log.args.value, 500n);
    assert.equal(receipt.logs[0].topics[0], TRANSFER_TOPIC);
    assert.equal(await balances(A1), 500n);
  });

  it("transfers through viem; balances move and the Transfer log is in the receipt", async () => {
    const hash = await viem.walletClient.writeContract({
      address: token, abi, functionName: "transfer", args: [A2, 1234n],
    });
    const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const [ev] = parseEventLogs({ abi, logs: receipt.logs, eventName: "Transfer" });
    assert.deepEqual(ev.args, { from: A0, to: A2, value: 1234n });
    assert.equal(ev.transactionHash, hash);
    assert.equal(ev.blockNumber, receipt.blockNumber);
    assert.equal(ev.logIndex, 0);
    assert.equal(await balances(A2), 1234n);
    assert.equal(await balances(A0), INITIAL - 1234n);
  });

  it("approves through web3.js and spends the allowance with transferFrom through ethers", async () => {
    const acct0 = devAccount(0);
    web3.eth.accounts.wallet.add(acct0.privateKey);
    const w3token = new web3.eth.Contract(abi, token);
    const r = await w3token.methods.approve(A1, 1000n).send({ from: acct0.address });
    assert.equal(BigInt(r.status), 1n);
    assert.ok(r.events.Approval, "web3 decoded the Approval event");
    assert.equal(r.events.Approval.returnValues.owner, A0);
    assert.equal(r.events.Approval.returnValues.spender, A1);
    assert.equal(BigInt(r.events.Approval.returnValues.value), 1000n);
    assert.equal(BigInt(await w3token.methods.allowance(A0, A1).call()), 1000n);

    const spender = new ethers.Contract(token, abi, ethersWallet(provider, 1));
    const receipt = await (await spender.transferFrom(A0, A3, 600n)).wait();
    assert.equal(receipt.status, 1);
    const names = receipt.logs.map((l) => spender.interface.parseLog(l).name);
    assert.deepEqual(names, ["Transfer"]); // OZ 5 does not emit Approval on transferFrom
    assert.equal(await spender.allowance(A0, A1), 400n);
    assert.equal(await balances(A3), 600n);
    assert.equal(await balances(A0), INITIAL - 1234n - 600n);
  });

  it("filters logs by topics: viem getLogs/getContractEvents, ethers queryFilter, web3 getPastEvents", async () => {
    const Transfer = getAbiItem({ abi, name: "Transfer" });
    // from = A0: the transfer to A2 and the transferFrom to A3.
    const fromA0 = await viem.publicClient.getLogs({
      address: token, event: Transfer, args: { from: A0 }, fromBlock: deployBlock, toBlock: "latest",
    });
    assert.deepEqual(fromA0.map((l) => l.args.to), [A2, A3]);
    // to = A1 (the mint).
    const toA1 = await viem.publicClient.getContractEvents({
      address: token, abi, eventName: "Transfer", args: { to: A1 }, fromBlock: 0n,
    });
    assert.equal(toA1.length, 1);
    assert.equal(toA1[0].args.value, 500n);
    // ethers: from the zero address = mints (constructor + mint to A1).
    const c = new ethers.Contract(token, abi, provider);
    const mints = await c.queryFilter(c.filters.Transfer(ethers.ZeroAddress), 0, "latest");
    assert.deepEqual(mints.map((e) => e.args.to), [A0, A1]);
    const approvals = await c.queryFilter(c.filters.Approval(A0, A1));
    assert.equal(approvals.length, 1);
    // web3.js
    const past = await new web3.eth.Contract(abi, token).getPastEvents("Transfer", {
      filter: { to: A3 }, fromBlock: 0, toBlock: "latest",
    });
    assert.equal(past.length, 1);
    assert.equal(BigInt(past[0].returnValues.value), 600n);
  });

  it("eth_getLogs: OR-topics, null wildcards, block ranges and blockHash", async () => {
    const topicAddr = (a) => pad(a.toLowerCase(), { size: 32 });
    const all = await node.rpc("eth_getLogs", [{ address: token, fromBlock: "0x0", toBlock: "latest" }]);
    assert.equal(all.length, 6); // OwnershipTransferred, 2 mints, 2 transfers, 1 approval
    for (const l of all) {
      assert.equal(l.address.toLowerCase(), token.toLowerCase());
      assert.equal(l.removed, false);
      for (const k of ["blockHash", "blockNumber", "transactionHash", "transactionIndex", "logIndex", "data"])
        assert.ok(typeof l[k] === "string" && l[k].startsWith("0x"), `log.${k}`);
    }
    // Position 0 OR: Transfer or Approval; position 2 OR: to A2 or A3 (spender for Approval).
    const orLogs = await node.rpc("eth_getLogs", [{
      address: token, fromBlock: "0x0",
      topics: [[TRANSFER_TOPIC, APPROVAL_TOPIC], null, [topicAddr(A2), topicAddr(A3), topicAddr(A1)]],
    }]);
    assert.equal(orLogs.length, 4); // mint to A1, transfer to A2, approval to A1, transferFrom to A3
    const onlyApproval = await node.rpc("eth_getLogs", [{ fromBlock: "0x0", topics: [APPROVAL_TOPIC] }]);
    assert.equal(onlyApproval.length, 1);
    // Address as a list, including one with no logs.
    const listed = await node.rpc("eth_getLogs", [{
      address: [token, "0x000000000000000000000000000000000000dEaD"], fromBlock: "0x0", topics: [TRANSFER_TOPIC],
    }]);
    assert.equal(listed.length, 4);
    // blockHash form returns exactly that block's logs.
    const blockHash = onlyApproval[0].blockHash;
    const byHash = await node.rpc("eth_getLogs", [{ blockHash }]);
    assert.ok(byHash.length >= 1);
    for (const l of byHash) assert.equal(l.blockHash, blockHash);
    // A range that ends before the deployment is empty.
    const before = await node.rpc("eth_getLogs", [{
      address: token, fromBlock: "0x0", toBlock: `0x${(deployBlock - 1n).toString(16)}`,
    }]);
    assert.deepEqual(before, []);
  });

  it("ETH balances agree across viem, ethers, web3 and account for gas actually paid", async () => {
    const from = devAccount(4);
    const to = "0x00000000000000000000000000000000000E2E01";
    const w = ethersWallet(provider, 4);
    const before = await provider.getBalance(from.address);
    const tx = await w.sendTransaction({ to, value: ethers.parseEther("1.5") });
    const receipt = await tx.wait();
    const paid = receipt.gasUsed * receipt.gasPrice; // gasPrice here = effectiveGasPrice
    const after = await provider.getBalance(from.address);
    assert.equal(after, before - ethers.parseEther("1.5") - paid);
    assert.equal(await viem.publicClient.getBalance({ address: to }), ethers.parseEther("1.5"));
    assert.equal(await web3.eth.getBalance(to), ethers.parseEther("1.5"));
    assert.equal(await web3.eth.getBalance(from.address), after);
    assert.equal(receipt.gasUsed, 21000n);
  });
});
