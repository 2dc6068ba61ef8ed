#include "node/logs.hpp"

#include "chain/block.hpp"
#include "core/keccak.hpp"
#include "node/encode.hpp"
#include "node/eth_api.hpp"
#include "node/node.hpp"
#include "transaction/codec.hpp"

namespace tern::node {

using nlohmann::json;

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
        if (t->size() > 4)
            throw params::invalid(index, "too many topics in query");
        for (const auto& pos : *t)
        {
            std::vector<Hash256> alts;
            if (pos.is_string())
                alts.push_back(params::hash(pos, index));
            else if (pos.is_array())
            {
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

json find_logs(const ChainAccess& chain, const LogFilter& f)
{
    auto& db = chain.node().db();
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
        if (first > last)
            throw rpc::Error::server("invalid block range params");
        if (first > head)
            return json::array();
        last = std::min(last, head);
        if (last - first >= kMaxLogRange)
            throw rpc::Error::server("query exceeds max block range " +
                                     std::to_string(kMaxLogRange));
    }
    json out = json::array();
    for (uint64_t n = first; n <= last; ++n)
    {
        const auto header = db.header(n);
        if (!header || !bloom_matches(f, header->logs_bloom))
            continue;
        const auto receipts = db.receipts(n);
        if (!receipts)
            continue;
        const Hash256 block_hash = header->hash();
        std::optional<chain::Block> block;
        uint64_t log_index = 0;
        for (size_t i = 0; i < receipts->size(); ++i)
        {
            const auto& r = (*receipts)[i];
            for (const auto& log : r.logs)
            {
                if (log_matches(f, log))
                {
                    if (!block)
                        block = db.block(n);
                    const Hash256 tx_hash = block && i < block->transactions.size()
                                                ? transaction_hash(block->transactions[i])
                                                : Hash256{};
                    out.push_back(
                        json_rpc::log(log, json_rpc::TxLocation{block_hash, n, i, header->base_fee},
                                      tx_hash, log_index));
                    if (out.size() > kMaxLogResults)
                        throw rpc::Error::server("query returned more than " +
                                                 std::to_string(kMaxLogResults) + " results");
                }
                ++log_index;
            }
        }
    }
    return out;
}

}  // namespace tern::node
