#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tern::node {

/// Everything `tern dev` (or a test) can configure about a node. Defaults give an anvil-like
/// dev chain: chain id 31337, automine, zero base fee and gas price, in memory.
struct NodeConfig
{
    /// EIP-155 chain id (31337 so wallets' "localhost" presets work); a genesis file's
    /// `config.chainId` overrides it.
    uint64_t chain_id = 31337;
    /// Database directory; empty: the chain lives in memory and is gone when the node stops.
    std::string data_dir;
    /// Genesis file in geth's JSON format; empty: the built-in dev genesis (dev accounts funded).
    std::string genesis_file;
    /// RPC listen address and port (0 = pick a free port; Node::port() tells which).
    std::string host = "127.0.0.1";
    uint16_t port = 8545;
    /// Seconds between blocks; 0 = automine (a block as soon as transactions arrive).
    uint64_t block_time = 0;
    /// Keep the state of every block (archive) instead of the last `history` blocks.
    bool archive = false;
    /// Blocks of historical state kept for eth_call/eth_getBalance at past blocks.
    uint64_t history = 10'000;
    /// Block gas limit.
    uint64_t gas_limit = 30'000'000;
    /// Base fee of every block (constant: the dev chain does not adjust it).
    U256 base_fee;
    /// Lowest gas price (legacy) / max fee (EIP-1559) the pool accepts.
    U256 min_gas_price;
    /// Beneficiary of the blocks (priority fees go there).
    Address coinbase;
    /// Dev accounts derived from the test mnemonic (unlocked: eth_sendTransaction, eth_sign).
    size_t dev_accounts = 10;
    /// Mnemonic of the dev accounts (BIP-39; m/44'/60'/0'/0/i).
    std::string mnemonic = "test test test test test test test test test test test junk";
    /// Balance of each dev account in the built-in genesis (10000 ether).
    U256 dev_balance = U256{10'000} * U256{1'000'000'000'000'000'000ULL};
    /// Gas cap of eth_call / eth_estimateGas (geth's --rpc.gascap default).
    uint64_t rpc_gas_cap = 50'000'000;
    /// Longest one RPC-driven execution may run: eth_call, eth_estimateGas (the whole search),
    /// eth_createAccessList, debug_trace* (a TraceConfig `timeout` may only shorten it), with
    /// ML inference inside them; geth's --rpc.evmtimeout (5 s). Zero: no time limit. A client
    /// that disconnects stops its execution too. Block execution never has a deadline.
    std::chrono::nanoseconds rpc_evm_timeout = std::chrono::seconds(5);
    /// Most memory one struct-logger trace may hold: the recorded steps and the JSON built from
    /// them, counted as allocated (-32000 "trace too large" past it). geth has no such limit.
    uint64_t rpc_trace_max_bytes = uint64_t{256} << 20;
    /// Threads of the RPC server. Automine send requests block their thread until the block is
    /// committed (cheap: they sleep), so more threads let more transactions share a block.
    size_t rpc_threads = 32;
    /// Transaction pool limits: transactions held per sender, and in all.
    size_t pool_max_per_sender = 1024;
    size_t pool_max_total = 65536;
    /// JSON-RPC limits (geth's defaults): HTTP request body (more: 413), calls in one batch
    /// (more: one "batch too large" error), bytes of batch results (past it: "response too
    /// large"), WebSocket message (more: closed), open connections (more: closed at once).
    size_t rpc_max_body_bytes = 5 * 1024 * 1024;
    size_t rpc_max_batch_items = 1000;
    size_t rpc_max_batch_response_bytes = 25'000'000;
    size_t rpc_max_ws_message_bytes = 32 * 1024 * 1024;
    size_t rpc_max_connections = 1000;
    /// Largest transaction the pool accepts (geth: 128 KiB).
    size_t max_tx_size = 128 * 1024;
    /// Automine: eth_sendRawTransaction/eth_sendTransaction answer after the block holding the
    /// transaction is committed (like anvil; an acknowledged transaction survives a crash).
    bool wait_for_inclusion = true;
};

}  // namespace tern::node
