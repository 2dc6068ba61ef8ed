// ERC-721 (OpenZeppelin) through viem, ethers v6 and web3.js v4: mint, ownerOf, tokenURI,
// approve/transferFrom, safeTransferFrom to a non-receiver contract (reverts), setApprovalForAll,
// events and topic-filtered log queries on indexed tokenIds.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ethers } from "ethers";
import { decodeEventLog, parseEventLogs, toHex, pad } from "viem";
import { devAccount, ethersProvider, ethersWallet, viemClients, web3Client } from "./lib/clients.mjs";
import { contracts } from "./lib/contracts.mjs";
import { startNode } from "./lib/target.mjs";

const { abi, bytecode } = contracts().E2ENft;
const [A0, A1, A2, A3] = [0, 1, 2, 3].map((i) => devAccount(i).address);

describe("ERC-721 (OpenZeppelin)", () => {
  let node, viem, provider, web3, nft;

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

  it("deploys with ethers ContractFactory", async () => {
    const factory = new ethers.ContractFactory(abi, bytecode, ethersWallet(provider, 0));
    const c = await factory.deploy();
    await c.waitForDeployment();
    nft = await c.getAddress();
    const receipt = await c.deploymentTransaction().wait();
    assert.equal(receipt.contractAddress, nft);
    assert.equal(await c.name(), "E2E Collectible");
    assert.equal(await c.symbol(), "E2EC");
    assert.equal(await c.owner(), A0);
    assert.equal(await c.nextId(), 1n);
  });

  it("mints tokens 1..3 through viem; Transfer(0, to, id) with the id indexed", async () => {
    const owners = [A1, A1, A2];
    for (const [i, to] of owners.entries()) {
      const { request, result } = await viem.publicClient.simulateContract({
        account: viem.account, address: nft, abi, functionName: "mint", args: [to],
      });
      assert.equal(result, BigInt(i + 1), "simulated return value is the new id");
      const hash = await viem.walletClient.writeContract(request);
      const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
      const [ev] = parseEventLogs({ abi, logs: receipt.logs, eventName: "Transfer" });
      assert.deepEqual(ev.args, { from: "0x0000000000000000000000000000000000000000", to, tokenId: BigInt(i + 1) });
      assert.equal(receipt.logs[0].topics.length, 4, "ERC-721 Transfer has 3 indexed params");
      assert.equal(receipt.logs[0].data, "0x");
    }
    const c = new ethers.Contract(nft, abi, provider);
    assert.equal(await c.ownerOf(1n), A1);
    assert.equal(await c.ownerOf(3n), A2);
    assert.equal(await c.balanceOf(A1), 2n);
    assert.equal(await c.tokenURI(2n), "ipfs://e2e/2");
    const w3 = new web3.eth.Contract(abi, nft);
    assert.equal(BigInt(await w3.methods.balanceOf(A2).call()), 1n);
    assert.equal(await w3.methods.ownerOf(2n).call(), A1);
  });

  it("approve + transferFrom by the approved address (ethers), approval cleared", async () => {
    const asOwner = new ethers.Contract(nft, abi, ethersWallet(provider, 1));
    const r1 = await (await asOwner.approve(A3, 1n)).wait();
    const approval = asOwner.interface.parseLog(r1.logs[0]);
    assert.equal(approval.name, "Approval");
    assert.deepEqual([...approval.args], [A1, A3, 1n]);
    assert.equal(await asOwner.getApproved(1n), A3);

    const asSpender = new ethers.Contract(nft, abi, ethersWallet(provider, 3));
    const r2 = await (await asSpender.transferFrom(A1, A2, 1n)).wait();
    assert.equal(r2.status, 1);
    assert.equal(await asSpender.ownerOf(1n), A2);
    assert.equal(await asSpender.getApproved(1n), ethers.ZeroAddress);
  });

  it("setApprovalForAll through web3.js lets an operator move any token", async () => {
    const a2 = devAccount(2);
    web3.eth.accounts.wallet.add(a2.privateKey);
    const w3 = new web3.eth.Contract(abi, nft);
    const r = await w3.methods.setApprovalForAll(A0, true).send({ from: a2.address });
    assert.equal(BigInt(r.status), 1n);
    assert.equal(r.events.ApprovalForAll.returnValues.approved, true);
    assert.equal(await w3.methods.isApprovedForAll(A2, A0).call(), true);
    const hash = await viem.walletClient.writeContract({
      address: nft, abi, functionName: "transferFrom", args: [A2, A0, 3n],
    });
    const receipt = await viem.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(await w3.methods.ownerOf(3n).call(), A0);
  });

  it("safeTransferFrom to a contract that is not a receiver reverts with ERC721InvalidReceiver", async () => {
    // The token contract itself does not implement onERC721Received.
    await assert.rejects(
      viem.publicClient.simulateContract({
        account: viem.account, address: nft, abi, functionName: "safeTransferFrom", args: [A0, nft, 3n],
      }),
      (e) => {
        const revert = e.walk((x) => x.name === "ContractFunctionRevertedError");
        assert.ok(revert, `ContractFunctionRevertedError in ${e.message}`);
        assert.equal(revert.data.errorName, "ERC721InvalidReceiver");
        assert.equal(revert.data.args[0], nft);
        return true;
      });
  });

  it("queries Transfer logs by indexed tokenId", async () => {
    const c = new ethers.Contract(nft, abi, provider);
    const of1 = await c.queryFilter(c.filters.Transfer(null, null, 1n), 0, "latest");
    assert.deepEqual(of1.map((e) => [e.args.from, e.args.to]),
      [[ethers.ZeroAddress, A1], [A1, A2]]);
    const raw = await node.rpc("eth_getLogs", [{
      address: nft, fromBlock: "0x0",
      topics: [ethers.id("Transfer(address,address,uint256)"), null, null, pad(toHex(3n), { size: 32 })],
    }]);
    assert.equal(raw.length, 2);
    const last = decodeEventLog({ abi, data: raw[1].data, topics: raw[1].topics });
    assert.equal(last.eventName, "Transfer");
    assert.equal(last.args.to, A0);
    // Logs come back in chain order.
    const n = raw.map((l) => BigInt(l.blockNumber));
    assert.ok(n[0] < n[1]);
  });
});
