// Dev accounts and ready-made clients (viem, ethers v6, web3.js v4) pointed at a running node.
// Transactions are signed locally from the standard dev keys and sent with eth_sendRawTransaction,
// as they would be against any public chain.
import { ethers } from "ethers";
import { createPublicClient, createWalletClient, defineChain, http, webSocket } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { Web3 } from "web3";
import { CHAIN_ID } from "./target.mjs";

/** The Foundry/Hardhat test mnemonic; `tern dev` and anvil prefund its first 10 accounts. */
export const MNEMONIC = "test test test test test test test test test test test junk";

/** Dev account `i` (0..9): { address, privateKey }, derived at m/44'/60'/0'/0/i. */
export function devAccount(i) {
  const w = ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
  return { address: w.address, privateKey: w.privateKey };
}

/** viem chain object for a node. */
export function viemChain(node) {
  return defineChain({
    id: CHAIN_ID,
    name: "e2e",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [node.url], webSocket: [node.wsUrl] } },
  });
}

/** viem public + wallet client over HTTP for dev account `i`. */
export function viemClients(node, i = 0) {
  const chain = viemChain(node);
  const transport = http(node.url, { retryCount: 0 });
  const account = privateKeyToAccount(devAccount(i).privateKey);
  return {
    account,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
    walletClient: createWalletClient({ chain, transport, account, pollingInterval: 50 }),
  };
}

/** viem public client over WebSocket (same port as HTTP). Close with `closeViemWs`. */
export function viemWsClient(node) {
  return createPublicClient({ chain: viemChain(node), transport: webSocket(node.wsUrl, { retryCount: 0, reconnect: false, keepAlive: false }),
  });
}

/** Closes the socket behind a viem WebSocket client. */
export async function closeViemWs(client) {
  const rpcClient = await client.transport.getRpcClient();
  rpcClient.close();
}

/** ethers JsonRpcProvider (static network, fast polling). Call `provider.destroy()` at the end. */
export function ethersProvider(node) {
  const network = new ethers.Network("e2e", CHAIN_ID);
  return new ethers.JsonRpcProvider(node.url, network, { staticNetwork: network, pollingInterval: 50, cacheTimeout: -1 });
}

/** ethers Wallet for dev account `i` on `provider`. */
export function ethersWallet(provider, i = 0) {
  return new ethers.Wallet(devAccount(i).privateKey, provider);
}

/** web3.js instance over HTTP with fast receipt polling. */
export function web3Client(node) {
  const web3 = new Web3(node.url);
  web3.eth.transactionPollingInterval = 50;
  web3.eth.transactionReceiptPollingInterval = 50;
  return web3;
}
