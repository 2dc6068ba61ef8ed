#include "api/services/logs.hpp"

#include "api/backend.hpp"
#include "api/json/encode.hpp"
#include "api/services/chain_access.hpp"
#include "chain/block.hpp"
#include "core/keccak.hpp"
#include "rpc/heap_trim.hpp"
#include "transaction/codec.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

namespace tern::api {

using nlohmann::json;

namespace {

/// geth's maxSubTopics: alternatives one topic position may list.
constexpr size_t kMaxTopicAlternatives = 1000;

}  // namespace

LogFilter parse_log_filter(const json& v, size_t index)
{
    if (!v.is_object())
        throw params::invalid(index,
                              "json: cannot unmarshal non-object into Go value of type "
                              "filters.FilterCriteria");
    LogFilter f;
    const auto field = [&](const char* name) -> const json* {
        const auto it = v.find(name);
        if (it == v.end() || it->is_null())
            return nullptr;
        return &*it;
    };
    const json* hash = field("blockHash");
    const json* from = field("fromBlock");
    const json* to = field("toBlock");
    if (hash && (from || to))
        throw params::invalid(index,
                              "cannot specify both BlockHash and FromBlock/ToBlock, choose "
                              "one or the other");
    if (hash)
        f.block_hash = params::hash(*hash, index);
    if (from)
        f.from = params::block_id(*from, index, false);
    if (to)
        f.to = params::block_id(*to, index, false);
    if (const json* a = field("address"))
    {
        if (a->is_string())
            f.addresses.push_back(params::address(*a, index));
        else if (a->is_array())
            for (const auto& x : *a)
                f.addresses.push_back(params::address(x, index));
        else
            throw params::invalid(index, "invalid addresses in query");
    }
    if (const json* t = field("topics"))
    {
        if (!t->is_array())
            throw params::invalid(index, "invalid topics in query");
        // geth: at most 4 positions and 1000 alternatives in one ("exceed max topics").
        if (t->size() > 4)
            throw params::invalid(index, "exceed max topics");
        for (const auto& pos : *t)
        {
            std::vector<Hash256> alts;
            if (pos.is_string())
                alts.push_back(params::hash(pos, index));
            else if (pos.is_array())
            {
                if (pos.size() > kMaxTopicAlternatives)
                    throw params::invalid(index, "exceed max topics");
                for (const auto& x : pos)
                {
                    if (x.is_null())
                    {
                        alts.clear();  // null inside a position: any value
                        break;
                    }
                    alts.push_back(params::hash(x, index));
                }
            }
            else if (!pos.is_null())
                throw params::invalid(index, "invalid topic(s)");
            f.topics.push_back(std::move(alts));
        }
    }
    return f;
}

void check_log_criteria(const LogFilter& f, size_t max_criteria)
{
    if (max_criteria == 0)
        return;
    bool over = f.addresses.size() > max_criteria;
    for (const auto& alts : f.topics)
        over = over || alts.size() > max_criteria;
    if (over)
        throw rpc::Error::server("exceed max addresses or topics per search position");
}

bool log_matches(const LogFilter& f, const state::Log& log)
{
    if (!f.addresses.empty() &&
        std::find(f.addresses.begin(), f.addresses.end(), log.address) == f.addresses.end())
        return false;
    if (f.topics.size() > log.topics.size())
        return false;
    for (size_t i = 0; i < f.topics.size(); ++i)
    {
        const auto& alts = f.topics[i];
        if (!alts.empty() && std::find(alts.begin(), alts.end(), log.topics[i]) == alts.end())
            return false;
    }
    return true;
}

namespace {

bool bloom_has(const execution::Bloom& bloom, BytesView data)
{
    execution::Bloom probe{};
    execution::bloom_add(probe, data);
    for (size_t i = 0; i < probe.size(); ++i)
        if ((probe[i] & bloom[i]) != probe[i])
            return false;
    return true;
}

}  // namespace

bool bloom_matches(const LogFilter& f, const execution::Bloom& bloom)
{
    if (!f.addresses.empty())
    {
        bool any = false;
        for (const auto& a : f.addresses)
            any = any || bloom_has(bloom, a.view());
        if (!any)
            return false;
    }
    for (const auto& alts : f.topics)
    {
        if (alts.empty())
            continue;
        bool any = false;
        for (const auto& t : alts)
            any = any || bloom_has(bloom, t.view());
        if (!any)
            return false;
    }
    return true;
}

namespace {

/// Where a scan of blocks for logs ended.
struct Scan
{
    std::optional<uint64_t> last_complete;  ///< last block whose logs are all in the output
    bool stopped = false;                   ///< the result limit ended the scan early
};

/// Appends the logs of blocks [first, last] matching `f` to `out` until it holds more than
/// `max_results` (0: no limit); then the logs of the block that passed the limit are taken out
/// again, unless it is the first one and `whole_first`, and the scan ends.
Scan scan_logs(const db::ChainReader& db,
               const LogFilter& f,
               uint64_t first,
               uint64_t last,
               size_t max_results,
               bool whole_first,
               json& out)
{
    Scan scan;
    for (uint64_t n = first; n <= last; ++n)
    {
        const size_t block_start = out.size();
        const bool may_pass = whole_first && n == first;
        const auto header = db.header(n);
        const auto receipts =
            header && bloom_matches(f, header->logs_bloom) ? db.receipts(n) : std::nullopt;
        if (receipts)
        {
            const Hash256 block_hash = header->hash();
            std::optional<chain::Block> block;
            uint64_t log_index = 0;
            for (size_t i = 0; i < receipts->size(); ++i)
            {
                for (const auto& log : (*receipts)[i].logs)
                {
                    if (log_matches(f, log))
                    {
                        if (!block)
                            block = db.block(n);
                        const Hash256 tx_hash = block && i < block->transactions.size()
                                                    ? transaction_hash(block->transactions[i])
                                                    : Hash256{};
                        out.push_back(json_rpc::log(
                            log, json_rpc::TxLocation{block_hash, n, i, header->base_fee}, tx_hash,
                            log_index));
                        if (max_results != 0 && out.size() > max_results && !may_pass)
                        {
                            out.erase(out.begin() + static_cast<std::ptrdiff_t>(block_start),
                                      out.end());
                            scan.stopped = true;
                            return scan;
                        }
                    }
                    ++log_index;
                }
            }
        }
        scan.last_complete = n;
    }
    return scan;
}

}  // namespace

json find_logs(const ChainAccess& chain, const LogFilter& f)
{
    const RpcLimits& config = chain.backend().limits();
    check_log_criteria(f, config.rpc_max_log_criteria);
    auto& db = chain.backend().chain();
    uint64_t first = 0;
    uint64_t last = 0;
    if (f.block_hash)
    {
        const auto n = db.block_number(*f.block_hash);
        if (!n)
            throw rpc::Error::server("unknown block");
        first = last = *n;
    }
    else
    {
        const uint64_t head = db.head_number();
        const auto resolve = [&](const params::BlockId& id) -> uint64_t {
            switch (id.kind)
            {
                case params::BlockId::Kind::Earliest:
                    return 0;
                case params::BlockId::Kind::Number:
                    return id.number;
                default:
                    return head;
            }
        };
        first = resolve(f.from);
        last = resolve(f.to);
        // geth (since v1.16.8): -32602.
        if (first > last)
            throw rpc::Error::invalid_params("invalid block range params");
        if (first > head)
            return json::array();
        last = std::min(last, head);
        if (config.rpc_max_log_range != 0 && last - first > config.rpc_max_log_range)
            throw rpc::Error::invalid_params("exceed maximum block range " +
                                             std::to_string(config.rpc_max_log_range));
    }
    json out = json::array();
    const Scan scan = scan_logs(db, f, first, last, config.rpc_max_log_results, false, out);
    if (scan.stopped)
    {
        // The logs collected up to the limit are dropped: give their memory back.
        const size_t dropped = out.size();
        out = json();
        rpc::note_large_free(dropped * 1024);
        std::string message =
            "query returned more than " + std::to_string(config.rpc_max_log_results) + " results";
        if (scan.last_complete)
            message += ". Try with this block range [" + U256{first}.to_hex() + ", " +
                       U256{*scan.last_complete}.to_hex() + "].";
        throw rpc::Error{rpc::code::limit_exceeded, std::move(message), std::nullopt};
    }
    return out;
}

LogPage find_log_page(const ChainAccess& chain,
                      const LogFilter& criteria,
                      uint64_t first,
                      uint64_t last,
                      size_t max_results)
{
    auto& db = chain.backend().chain();
    LogPage page;
    page.logs = json::array();
    last = std::min(last, db.head_number());
    page.last_block = first > 0 ? first - 1 : 0;
    if (first > last)
        return page;
    const Scan scan = scan_logs(db, criteria, first, last, max_results, true, page.logs);
    if (scan.last_complete)
        page.last_block = *scan.last_complete;
    return page;
}

}  // namespace tern::api
