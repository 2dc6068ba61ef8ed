#pragma once

#include <chrono>
#include <cstddef>

namespace tern::node {

class Node;

/// Limits of the polling filters (eth_newFilter & co).
struct FilterOptions
{
    /// A filter not polled (eth_getFilterChanges) for this long is removed (geth: 5 minutes).
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
    /// Most filters installed at once; more: -32000 "too many filters".
    size_t max_filters = 10'000;
    /// Most unpolled pending-transaction hashes one filter keeps (the oldest are dropped).
    size_t max_pending_hashes = 100'000;
};

/// Registers the filter family on `node` with geth's semantics: eth_newFilter,
/// eth_newBlockFilter, eth_newPendingTransactionFilter, eth_getFilterChanges,
/// eth_getFilterLogs, eth_uninstallFilter. Ids are "0x" + random 128-bit hex; an unknown or
/// expired id is -32000 "filter not found". Call from a Node::add_setup() hook (or inside
/// Node::start() after register_eth_api).
///
/// Block and log filters read the committed chain when polled (blocks after the last poll), so
/// a poll right after eth_sendRawTransaction returned always sees that transaction's block.
/// Pending-transaction filters collect the hashes the pool reports (Node::on_pending).
void register_filter_api(Node& node, const FilterOptions& options);

/// As register_filter_api(node, options) with the default options.
void register_filter_api(Node& node);

}  // namespace tern::node
