#pragma once

#include "api/json/params.hpp"
#include "core/bytes.hpp"
#include "execution/receipt.hpp"
#include "state/state.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace tern::api {

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

/// Parses a filter object; throws -32602 like geth (e.g. both blockHash and a range; more
/// than 4 topic positions or 1000 alternatives in one: "exceed max topics").
LogFilter parse_log_filter(const nlohmann::json& v, size_t index);

/// geth's --rpc.logquerylimit: throws -32000 "exceed max addresses or topics per search
/// position" when `filter` names more than `max_criteria` addresses, or more than that many
/// alternatives in one topic position (0: no limit).
void check_log_criteria(const LogFilter& filter, size_t max_criteria);

/// True if `log` passes the address and topic criteria of `filter`.
bool log_matches(const LogFilter& filter, const state::Log& log);

/// True if a block with `bloom` may hold logs passing `filter`.
bool bloom_matches(const LogFilter& filter, const execution::Bloom& bloom);

/// The logs matching `filter` as eth_getLogs returns them, within the node's limits
/// (RpcLimits::rpc_max_log_*): too many addresses or topics, -32000 (check_log_criteria); a
/// range over rpc_max_log_range blocks, -32602 "exceed maximum block range N" (geth); more than
/// rpc_max_log_results logs, -32005 "query returned more than N results" plus ". Try with
/// this block range [0xA, 0xB]." naming the blocks that fit when there are some (the hosted
/// providers' wording; geth has no such limit). The scan stops as soon as the result limit is
/// passed.
nlohmann::json find_logs(const ChainAccess& chain, const LogFilter& filter);

/// Logs of blocks [first, last] (within the head) matching `criteria` (addresses and topics; its
/// block fields are ignored), as eth_getFilterChanges reports them: at most `max_results`
/// (0: no limit), ending at a block boundary; the first block is kept whole even when it alone
/// has more (a block's logs are bounded by its gas). `last_block` is the last block whose
/// logs are all in `logs`: the next poll starts after it.
struct LogPage
{
    nlohmann::json logs;
    uint64_t last_block = 0;
};
LogPage find_log_page(const ChainAccess& chain,
                      const LogFilter& criteria,
                      uint64_t first,
                      uint64_t last,
                      size_t max_results);

}  // namespace tern::api
