#pragma once

#include "api/limits.hpp"
#include "chain/chain_config.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tern::node {

/// Everything `tern dev` (or a test) can configure about a node: its settings (ports, limits,
/// paths, accounts). The chain rules are not here but in the genesis (a file, or the built-in
/// dev genesis built from dev_chain); the rules in force are Node::chain_config(). Defaults give
/// an anvil-like dev chain: chain id 31337, automine, zero base fee and gas price, in memory.
/// The limits the JSON-RPC handlers apply are api::RpcLimits, its base.
struct NodeConfig : api::RpcLimits
{
    /// The rules of the built-in dev genesis, used when genesis_file is empty (`tern dev`'s
    /// --chain-id, --base-fee, --gas-limit, --min-gas-price): chain id 31337 (so wallets'
    /// "localhost" presets work), a fixed zero base fee, no minimum gas price, 30M gas. A genesis
    /// file brings its own rules, and a restarted persistent node keeps the rules stored in its
    /// database (those that disagree get a notice).
    chain::ChainConfig dev_chain;
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
    /// Dev accounts derived from the mnemonic whose keys the node holds and signs with
    /// (eth_accounts, eth_sendTransaction, eth_sign, eth_signTypedData_*); 0: none, eth_accounts
    /// is [] and signing answers "unknown account" as geth without accounts does. `tern dev`
    /// unlocks 10; `tern node` none unless node.toml's unlock_dev_accounts says so.
    size_t dev_accounts = 10;
    /// Mnemonic of the dev accounts (BIP-39; m/44'/60'/0'/0/i).
    std::string mnemonic = "test test test test test test test test test test test junk";
    /// Balance of each dev account in the built-in genesis (10000 ether).
    U256 dev_balance = U256{10'000} * U256{1'000'000'000'000'000'000ULL};
    /// JSON-RPC namespaces served (the part of a method name before '_', as geth's --http.api:
    /// "eth", "net", "web3", "debug", "evm", "personal"); empty: every registered one. The
    /// "rpc" namespace (rpc_modules) is always served. `tern node` defaults to eth, net, web3.
    std::vector<std::string> rpc_api;
    /// Most memory the traces running at once may hold in all (one budget they all draw from;
    /// -32000 "trace too large: the traces running at once would hold more than ..." past it;
    /// 0: no limit). Without it, concurrent traces add up: one per heavy-lane thread.
    uint64_t rpc_trace_total_bytes = uint64_t{512} << 20;
    /// Threads of the RPC server. Automine send requests block their thread until the block is
    /// committed (cheap: they sleep), so more threads let more transactions share a block.
    size_t rpc_threads = 32;
    /// Transaction pool limits: transactions held per sender, and in all.
    size_t pool_max_per_sender = 1024;
    size_t pool_max_total = 65536;
    /// On a zero-fee chain, the percent of a block's gas limit one sender's free transactions
    /// may fill (producer::apply_sender_quota: the rest waits for the next blocks; paying with
    /// work passes); 0: no quota.
    uint64_t sender_block_gas_percent = 10;
    /// JSON-RPC limits (geth's defaults): HTTP request body (more: 413), calls in one batch
    /// (more: one "batch too large" error), bytes of batch results (past it: "response too
    /// large"), WebSocket message (more: closed), open connections (more: closed at once).
    size_t rpc_max_body_bytes = 5 * 1024 * 1024;
    size_t rpc_max_batch_items = 1000;
    size_t rpc_max_batch_response_bytes = 25'000'000;
    size_t rpc_max_ws_message_bytes = 32 * 1024 * 1024;
    size_t rpc_max_connections = 1000;
    /// RPC abuse limits (docs/dev-node.md, rpc::ServerConfig): heavy-lane workers (0:
    /// max(2, hardware threads)), heavy messages queued for them (more: -32005), their nice
    /// value, messages in flight per WebSocket, bytes of requests and responses in flight in
    /// all (more: refused), connections and WebSockets per client address, and seconds after
    /// which a WebSocket without requests or subscriptions is closed (0: never).
    size_t rpc_heavy_threads = 0;
    size_t rpc_heavy_queue = 64;
    int rpc_heavy_nice = 5;
    size_t rpc_max_ws_inflight = 16;
    size_t rpc_max_inflight_bytes = 256 * 1024 * 1024;
    size_t rpc_max_connections_per_ip = 200;
    size_t rpc_max_ws_per_ip = 100;
    uint64_t rpc_ws_idle_close_seconds = 1800;
    /// JSON-RPC calls per second one client address (IPv6: /64; loopback too) sustains, each
    /// call of a batch counting (more: HTTP 429 + Retry-After, WebSocket -32005; 0: no limit),
    /// and the burst above it (0: one second's). Generous for one wallet or dapp backend, a
    /// cap on spam where calls cost nothing (docs/security.md); `tern dev` turns it off.
    size_t rpc_requests_per_second_per_ip = 500;
    size_t rpc_request_burst_per_ip = 1000;
    /// Browser access (geth's --http.corsdomain, --http.vhosts, --ws.origins): CORS origins
    /// (empty: no CORS headers), Host names accepted besides IP addresses ("*": any), and
    /// origins allowed to open a WebSocket (empty: loopback pages only).
    std::vector<std::string> rpc_cors;
    std::vector<std::string> rpc_vhosts{"localhost"};
    std::vector<std::string> rpc_ws_origins;
    /// eth_subscribe: most subscriptions of one WebSocket connection (more: -32000 "too many
    /// subscriptions on this connection (limit N)"), and of all connections (more: -32000 "too
    /// many subscriptions"; the last resort). geth has neither limit.
    size_t rpc_max_subscriptions_per_connection = 1'000;
    size_t rpc_max_subscriptions = 100'000;
    /// Automine: eth_sendRawTransaction/eth_sendTransaction answer after the block holding the
    /// transaction is committed (like anvil; an acknowledged transaction survives a crash).
    bool wait_for_inclusion = true;
    /// fsync the database's write-ahead log at every block: the power-loss setting (without
    /// it a committed block survives kill -9 but an OS crash or power cut can lose the last
    /// blocks, which the next start then refuses to drop silently).
    bool sync_writes = false;
    /// Start even when the database recovers to an earlier block than it had acknowledged
    /// (damaged write-ahead log, writes lost at a power cut), logging the blocks lost; by
    /// default such a start is refused, naming them.
    bool accept_lost_blocks = false;
};

}  // namespace tern::node
