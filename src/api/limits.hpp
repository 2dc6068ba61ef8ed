#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tern::api {

/// The limits the JSON-RPC handlers apply (node settings; NodeConfig derives from it, so they
/// are set as `config.rpc_gas_cap` etc.). Safe defaults, listed in docs/security.md.
struct RpcLimits
{
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
    /// Log queries (eth_getLogs, eth_getFilterLogs, eth_getFilterChanges of log filters;
    /// 0: no limit). Most blocks one query spans, toBlock - fromBlock (more: -32602 "exceed
    /// maximum block range N", geth's --rpc.rangelimit; a filter poll reports that many blocks
    /// and the rest at the next poll). Most logs one answer holds (more: -32005 "query
    /// returned more than N results. Try with this block range [A, B].", the wording of the
    /// hosted providers; a filter poll stops at the block that would pass it). Most addresses,
    /// and most alternatives in one topic position, of a criteria (more: -32000 "exceed max
    /// addresses or topics per search position", geth's --rpc.logquerylimit; also
    /// eth_newFilter and the "logs" subscription).
    uint64_t rpc_max_log_range = 100'000;
    size_t rpc_max_log_results = 10'000;
    size_t rpc_max_log_criteria = 1'000;
    /// Polling filters (eth_newFilter & co): most installed by one client (an IPv4 address or
    /// an IPv6 /64; more: -32000 "too many filters from this client (limit N)"), and by
    /// everyone (more: -32000 "too many filters"; the last resort). geth has neither limit.
    size_t rpc_max_filters_per_client = 1'000;
    size_t rpc_max_filters = 10'000;
    /// evm_mine with a timestamp: refused before the head's timestamp (anvil's check) and more
    /// than this many seconds after the later of the wall clock and the head's timestamp (0: no
    /// bound but 2^63 - 1, what the EVM's TIMESTAMP and later blocks can still follow).
    uint64_t evm_mine_max_ahead = 365ULL * 24 * 3600;
    /// Largest transaction the pool accepts: 2 MiB, room for a 1 MiB FileStorage chunk with
    /// its call data (geth: 128 KiB). The pool's total is bounded in bytes too
    /// (txpool::Config::max_bytes).
    size_t max_tx_size = size_t{2} << 20;
};

}  // namespace tern::api
