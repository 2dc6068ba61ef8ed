#pragma once

#include "api/limits.hpp"
#include "api/services/logs.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace tern::api {

class Backend;
class MethodTable;

/// A log filter as new blocks are matched against it (eth_newFilter's changes, the "logs"
/// subscription): the criteria plus the block-number bounds they allow (open when absent).
struct LiveLogFilter
{
    LogFilter criteria;
    std::optional<uint64_t> from;  ///< lowest block number (absent: any)
    std::optional<uint64_t> to;    ///< highest block number (absent: any)

    /// True if logs of block `number` (hash `hash`) may pass: within [from, to] and, when the
    /// criteria name a block hash, that block.
    bool accepts_block(uint64_t number, const Hash256& hash) const noexcept;
};

/// Checks the block range of `criteria` as geth's filter system does for live filters:
/// latest..latest, N..M (N <= M), N..latest ("earliest" counts as 0); "pending" throws
/// -32602 "pending logs are not supported", any other combination -32602 "invalid block range
/// params" (geth since v1.16.8; -32000 before).
LiveLogFilter live_log_filter(LogFilter criteria);

/// Limits of the polling filters (eth_newFilter & co).
struct FilterOptions
{
    /// A filter not polled (eth_getFilterChanges) for this long is removed (geth: 5 minutes).
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
    /// Most filters installed at once by one client (client_key(): an IPv4 address or an IPv6
    /// /64); more: -32000 "too many filters from this client (limit N)". 0: no limit.
    size_t max_filters_per_client = 1'000;
    /// Most filters installed at once by everyone (the last resort); more: -32000 "too many
    /// filters". 0: no limit.
    size_t max_filters = 10'000;
    /// Most unpolled pending-transaction hashes one filter keeps (the oldest are dropped).
    size_t max_pending_hashes = 100'000;
};

/// Adds the filter family over `backend` with geth's semantics: eth_newFilter,
/// eth_newBlockFilter, eth_newPendingTransactionFilter, eth_getFilterChanges,
/// eth_getFilterLogs, eth_uninstallFilter. Ids are "0x" + random 128-bit hex; an unknown or
/// expired id is -32000 "filter not found". eth_getFilterLogs
/// runs on the heavy lane.
///
/// Block and log filters read the committed chain when polled (blocks after the last poll), so
/// a poll right after eth_sendRawTransaction returned always sees that transaction's block.
/// Pending-transaction filters collect the hashes the pool reports (Backend::on_pending).
void add_filter_methods(MethodTable& table, Backend& backend, const FilterOptions& options);

/// The filter options of `limits` (rpc_max_filters_per_client, rpc_max_filters) with the
/// other options' defaults.
FilterOptions filter_options(const RpcLimits& limits);

}  // namespace tern::api
