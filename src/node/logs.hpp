#pragma once

#include "core/bytes.hpp"
#include "execution/receipt.hpp"
#include "node/params.hpp"
#include "state/state.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace tern::node {

class ChainAccess;

/// A log filter (eth_getLogs, eth_newFilter, eth_subscribe("logs")): a block range or one
/// block hash, addresses (any of; empty = all) and per-position topic alternatives (empty
/// position = any).
struct LogFilter
{
    params::BlockId from;  ///< default latest
    params::BlockId to;    ///< default latest
    std::optional<Hash256> block_hash;
    std::vector<Address> addresses;
    std::vector<std::vector<Hash256>> topics;
};

/// Parses a filter object; throws -32602 like geth (e.g. both blockHash and a range).
LogFilter parse_log_filter(const nlohmann::json& v, size_t index);

/// True if `log` passes the address and topic criteria of `filter`.
bool log_matches(const LogFilter& filter, const state::Log& log);

/// True if a block with `bloom` may hold logs passing `filter`.
bool bloom_matches(const LogFilter& filter, const execution::Bloom& bloom);

/// Most blocks one eth_getLogs may scan.
inline constexpr uint64_t kMaxLogRange = 100'000;
/// Most logs one eth_getLogs may return.
inline constexpr size_t kMaxLogResults = 100'000;

/// The logs matching `filter` as eth_getLogs returns them.
nlohmann::json find_logs(const ChainAccess& chain, const LogFilter& filter);

}  // namespace tern::node
