#include "node/filter_api.hpp"

#include "db/chain_db.hpp"
#include "node/encode.hpp"
#include "node/eth_api.hpp"
#include "node/node.hpp"
#include "node/params.hpp"
#include "rpc/dispatcher.hpp"
#include "txpool/txpool.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace tern::node {

using nlohmann::json;

bool LiveLogFilter::accepts_block(uint64_t number, const Hash256& hash) const noexcept
{
    if (criteria.block_hash && *criteria.block_hash != hash)
        return false;
    return (!from || number >= *from) && (!to || number <= *to);
}

LiveLogFilter live_log_filter(LogFilter criteria)
{
    using Kind = params::BlockId::Kind;
    // geth: the range is latest..latest, N..M with N <= M, or N..latest; "earliest" is block 0
    // (older geth; newer ones refuse it, which helps nobody on a dev chain).
    const auto bound = [](const params::BlockId& id) -> std::optional<uint64_t> {
        if (id.kind == Kind::Number)
            return id.number;
        if (id.kind == Kind::Earliest)
            return uint64_t{0};
        return std::nullopt;
    };
    if (criteria.from.kind == Kind::Pending || criteria.to.kind == Kind::Pending)
        throw rpc::Error::server("pending logs are not supported");
    LiveLogFilter out;
    out.from = bound(criteria.from);
    out.to = bound(criteria.to);
    const bool from_latest = criteria.from.kind == Kind::Latest;
    const bool to_latest = criteria.to.kind == Kind::Latest;
    const bool ok = (from_latest && to_latest) || (out.from && out.to && *out.to >= *out.from) ||
                    (out.from && to_latest);
    if (!ok)
        throw rpc::Error::server("invalid block range params");
    out.criteria = std::move(criteria);
    return out;
}

namespace {

using Clock = std::chrono::steady_clock;

enum class FilterKind : uint8_t
{
    Logs,
    Blocks,
    PendingTransactions,
};

/// One installed filter.
struct Filter
{
    FilterKind kind = FilterKind::Blocks;
    LiveLogFilter logs;       ///< Logs: the criteria
    uint64_t last_block = 0;  ///< Logs, Blocks: highest block already reported (or the head at
                              ///< creation)
    bool full_tx = false;     ///< PendingTransactions: objects instead of hashes
    std::deque<txpool::PooledTxPtr> pending;  ///< PendingTransactions: not yet polled
    Clock::time_point deadline;               ///< removed when not polled before this
};

/// The installed filters of one node.
class FilterApi
{
public:
    FilterApi(Node& node, const FilterOptions& options)
        : node_(node), options_(options), rng_(std::random_device{}())
    {}

    void register_methods(rpc::Dispatcher& d, const std::shared_ptr<FilterApi>& self);
    void on_pending(const std::vector<txpool::PooledTxPtr>& txs);

private:
    json new_filter(const json& p);
    json new_block_filter(const json& p);
    json new_pending_filter(const json& p);
    json get_changes(const json& p);
    json get_logs(const json& p);
    json uninstall(const json& p);

    std::string install(Filter f);
    static std::string filter_id(const json& p);
    /// Drops filters past their deadline; mu_ held.
    void expire(Clock::time_point now);
    std::string new_id();

    Node& node_;
    FilterOptions options_;
    std::mutex mu_;
    std::map<std::string, Filter, std::less<>> filters_;
    std::mt19937_64 rng_;
};

std::string FilterApi::new_id()
{
    // As geth's rpc ids: 16 random bytes in hex, leading zeros trimmed, "0x" prefix.
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(32);
    for (int word = 0; word < 2; ++word)
    {
        const uint64_t v = rng_();
        for (int shift = 60; shift >= 0; shift -= 4)
            hex.push_back(digits[(v >> shift) & 0xf]);
    }
    const size_t first = hex.find_first_not_of('0');
    return "0x" + (first == std::string::npos ? std::string("0") : hex.substr(first));
}

void FilterApi::expire(Clock::time_point now)
{
    std::erase_if(filters_, [now](const auto& kv) { return kv.second.deadline <= now; });
}

std::string FilterApi::install(Filter f)
{
    const auto now = Clock::now();
    f.deadline = now + options_.timeout;
    std::lock_guard lock{mu_};
    expire(now);
    if (filters_.size() >= options_.max_filters)
        throw rpc::Error::server("too many filters");
    std::string id;
    do
        id = new_id();
    while (filters_.contains(id));
    filters_.emplace(id, std::move(f));
    return id;
}

std::string FilterApi::filter_id(const json& p)
{
    params::expect_count(p, 1, 1);
    const json& v = params::at(p, 0);
    if (!v.is_string())
        throw params::invalid(0, std::string("json: cannot unmarshal ") +
                                     (v.is_object()    ? "object"
                                      : v.is_array()   ? "array"
                                      : v.is_boolean() ? "bool"
                                                       : "number") +
                                     " into Go value of type rpc.ID");
    return v.get<std::string>();
}

json FilterApi::new_filter(const json& p)
{
    params::expect_count(p, 1, 1);
    Filter f;
    f.kind = FilterKind::Logs;
    f.logs = live_log_filter(parse_log_filter(params::at(p, 0), 0));
    f.last_block = node_.db().head_number();
    return install(std::move(f));
}

json FilterApi::new_block_filter(const json& p)
{
    params::expect_count(p, 0, 0);
    Filter f;
    f.kind = FilterKind::Blocks;
    f.last_block = node_.db().head_number();
    return install(std::move(f));
}

json FilterApi::new_pending_filter(const json& p)
{
    params::expect_count(p, 0, 1);
    Filter f;
    f.kind = FilterKind::PendingTransactions;
    const json& full = params::at(p, 0);
    if (full.is_boolean())
        f.full_tx = full.get<bool>();
    else if (!full.is_null())
        throw params::invalid(0, std::string("json: cannot unmarshal ") +
                                     (full.is_string()   ? "string"
                                      : full.is_object() ? "object"
                                      : full.is_array()  ? "array"
                                                         : "number") +
                                     " into Go value of type bool");
    return install(std::move(f));
}

json FilterApi::get_changes(const json& p)
{
    const std::string id = filter_id(p);
    FilterKind kind{};
    bool full_tx = false;
    std::deque<txpool::PooledTxPtr> pending;
    LiveLogFilter logs;
    uint64_t first = 0;  // blocks to report: [first, last]
    uint64_t last = 0;
    {
        const auto now = Clock::now();
        std::lock_guard lock{mu_};
        expire(now);
        const auto it = filters_.find(id);
        if (it == filters_.end())
            throw rpc::Error::server("filter not found");
        Filter& f = it->second;
        f.deadline = now + options_.timeout;
        kind = f.kind;
        switch (f.kind)
        {
            case FilterKind::PendingTransactions:
                pending.swap(f.pending);
                full_tx = f.full_tx;
                break;
            case FilterKind::Blocks:
            case FilterKind::Logs:
            {
                // The range advances under the lock, so concurrent polls report disjoint blocks.
                const uint64_t head = node_.db().head_number();
                first = f.last_block + 1;
                last = head;
                // One poll scans at most kMaxLogRange blocks; the rest come with the next one.
                if (f.kind == FilterKind::Logs && last >= first && last - first >= kMaxLogRange)
                    last = first + kMaxLogRange - 1;
                f.last_block = std::max(f.last_block, last);
                if (f.kind == FilterKind::Logs)
                    logs = f.logs;
                break;
            }
        }
    }

    json out = json::array();
    switch (kind)
    {
        case FilterKind::PendingTransactions:
            for (const auto& tx : pending)
                out.push_back(
                    full_tx ? json_rpc::transaction(tx->tx, tx->sender, tx->hash, std::nullopt)
                            : json(json_rpc::hash(tx->hash)));
            break;
        case FilterKind::Blocks:
            for (uint64_t n = first; n <= last && last >= first; ++n)
                if (const auto h = node_.db().block_hash(n))
                    out.push_back(json_rpc::hash(*h));
            break;
        case FilterKind::Logs:
        {
            if (logs.from)
                first = std::max(first, *logs.from);
            if (logs.to)
                last = std::min(last, *logs.to);
            if (last < first)
                break;
            LogFilter q = logs.criteria;
            if (q.block_hash)
            {
                // A block-hash filter only ever matches that block; report it if it is new.
                const auto n = node_.db().block_number(*q.block_hash);
                if (!n || *n < first || *n > last)
                    break;
            }
            else
            {
                q.from = params::BlockId{params::BlockId::Kind::Number, first, {}, false};
                q.to = params::BlockId{params::BlockId::Kind::Number, last, {}, false};
            }
            out = find_logs(ChainAccess(node_), q);
            break;
        }
    }
    return out;
}

json FilterApi::get_logs(const json& p)
{
    const std::string id = filter_id(p);
    LogFilter criteria;
    {
        std::lock_guard lock{mu_};
        expire(Clock::now());
        const auto it = filters_.find(id);
        if (it == filters_.end() || it->second.kind != FilterKind::Logs)
            throw rpc::Error::server("filter not found");
        criteria = it->second.logs.criteria;
    }
    return find_logs(ChainAccess(node_), criteria);
}

json FilterApi::uninstall(const json& p)
{
    const std::string id = filter_id(p);
    std::lock_guard lock{mu_};
    expire(Clock::now());
    return filters_.erase(id) > 0;
}

void FilterApi::on_pending(const std::vector<txpool::PooledTxPtr>& txs)
{
    std::lock_guard lock{mu_};
    expire(Clock::now());
    for (auto& [id, f] : filters_)
    {
        if (f.kind != FilterKind::PendingTransactions)
            continue;
        f.pending.insert(f.pending.end(), txs.begin(), txs.end());
        while (f.pending.size() > options_.max_pending_hashes)
            f.pending.pop_front();
    }
}

void FilterApi::register_methods(rpc::Dispatcher& d, const std::shared_ptr<FilterApi>& self)
{
    const auto add = [&](const char* name, json (FilterApi::*fn)(const json&)) {
        d.add(name, [self, fn](const json& p, rpc::CallContext&) {
            if (!p.is_null() && !p.is_array())
                throw rpc::Error::invalid_params("non-array args");
            return ((*self).*fn)(p);
        });
    };
    add("eth_newFilter", &FilterApi::new_filter);
    add("eth_newBlockFilter", &FilterApi::new_block_filter);
    add("eth_newPendingTransactionFilter", &FilterApi::new_pending_filter);
    add("eth_getFilterChanges", &FilterApi::get_changes);
    add("eth_getFilterLogs", &FilterApi::get_logs);
    add("eth_uninstallFilter", &FilterApi::uninstall);
}

}  // namespace

void register_filter_api(Node& node, const FilterOptions& options)
{
    auto api = std::make_shared<FilterApi>(node, options);
    api->register_methods(node.dispatcher(), api);
    node.on_pending([api](const std::vector<txpool::PooledTxPtr>& txs) { api->on_pending(txs); });
    node.retain(api);
}

void register_filter_api(Node& node)
{
    register_filter_api(node, FilterOptions{});
}

}  // namespace tern::node
