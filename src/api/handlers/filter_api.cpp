#include "api/handlers/filter_api.hpp"

#include "api/backend.hpp"
#include "api/json/encode.hpp"
#include "api/json/params.hpp"
#include "api/method_table.hpp"
#include "api/services/chain_access.hpp"
#include "api/services/client_key.hpp"
#include "db/chain_db.hpp"
#include "rpc/dispatcher.hpp"
#include "rpc/random_id.hpp"
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

namespace tern::api {

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
    // geth (since v1.16.8): both are -32602.
    if (criteria.from.kind == Kind::Pending || criteria.to.kind == Kind::Pending)
        throw rpc::Error::invalid_params("pending logs are not supported");
    LiveLogFilter out;
    out.from = bound(criteria.from);
    out.to = bound(criteria.to);
    const bool from_latest = criteria.from.kind == Kind::Latest;
    const bool to_latest = criteria.to.kind == Kind::Latest;
    const bool ok = (from_latest && to_latest) || (out.from && out.to && *out.to >= *out.from) ||
                    (out.from && to_latest);
    if (!ok)
        throw rpc::Error::invalid_params("invalid block range params");
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
    std::string client;       ///< client_key() of the installer (per-client limit)
    LiveLogFilter logs;       ///< Logs: the criteria
    uint64_t last_block = 0;  ///< Logs, Blocks: highest block already reported (or the head at
                              ///< creation)
    bool full_tx = false;     ///< PendingTransactions: objects instead of hashes
    std::deque<txpool::PooledTxPtr> pending;  ///< PendingTransactions: not yet polled
    Clock::time_point deadline;               ///< removed when not polled before this
    /// Logs: held by a poll from reading the range to advancing last_block, so polls of one
    /// filter take turns (one stopped early at the result limit resumes where it stopped).
    std::shared_ptr<std::mutex> poll = std::make_shared<std::mutex>();
};

/// The installed filters of one node.
class FilterApi
{
public:
    FilterApi(Backend& backend, const FilterOptions& options)
        : backend_(backend), options_(options), rng_(std::random_device{}())
    {}

    /// Adds the methods (eth_getFilterLogs scans blocks: heavy).
    static void add_to(MethodTable& t, const std::shared_ptr<FilterApi>& self);
    void on_pending(const std::vector<txpool::PooledTxPtr>& txs);

private:
    json new_filter(const json& p, rpc::CallContext& ctx);
    json new_block_filter(const json& p, rpc::CallContext& ctx);
    json new_pending_filter(const json& p, rpc::CallContext& ctx);
    json get_changes(const json& p);
    json get_logs(const json& p);
    json uninstall(const json& p);

    /// eth_getFilterChanges of log filter `id`, `poll` being its poll mutex.
    json log_changes(const std::string& id, std::mutex& poll);
    /// Installs `f` for the client of `ctx`; throws when that client or everyone is at the cap.
    std::string install(Filter f, const rpc::CallContext& ctx);
    static std::string filter_id(const json& p);
    /// Removes filter `it` (and its count against its client); mu_ held.
    void erase(std::map<std::string, Filter, std::less<>>::iterator it);
    /// Drops filters past their deadline; mu_ held.
    void expire(Clock::time_point now);
    std::string new_id();

    Backend& backend_;
    FilterOptions options_;
    std::mutex mu_;
    std::map<std::string, Filter, std::less<>> filters_;
    std::map<std::string, size_t, std::less<>> per_client_;  ///< installed filters per client
    std::mt19937_64 rng_;
};

std::string FilterApi::new_id()
{
    return rpc::random_id(rng_);
}

void FilterApi::erase(std::map<std::string, Filter, std::less<>>::iterator it)
{
    if (const auto c = per_client_.find(it->second.client);
        c != per_client_.end() && --c->second == 0)
        per_client_.erase(c);
    filters_.erase(it);
}

void FilterApi::expire(Clock::time_point now)
{
    for (auto it = filters_.begin(); it != filters_.end();)
        if (it->second.deadline <= now)
            erase(it++);
        else
            ++it;
}

std::string FilterApi::install(Filter f, const rpc::CallContext& ctx)
{
    const auto now = Clock::now();
    f.deadline = now + options_.timeout;
    f.client = client_key(ctx.client_ip());
    std::lock_guard lock{mu_};
    expire(now);
    // The client's own cap first: one client filling its share cannot fail anyone else's
    // eth_newFilter; the global cap stays as the last resort.
    const auto mine = per_client_.find(f.client);
    if (options_.max_filters_per_client != 0 && mine != per_client_.end() &&
        mine->second >= options_.max_filters_per_client)
        throw rpc::Error::server("too many filters from this client (limit " +
                                 std::to_string(options_.max_filters_per_client) + ")");
    if (options_.max_filters != 0 && filters_.size() >= options_.max_filters)
        throw rpc::Error::server("too many filters");
    ++per_client_[f.client];
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

json FilterApi::new_filter(const json& p, rpc::CallContext& ctx)
{
    params::expect_count(p, 1, 1);
    Filter f;
    f.kind = FilterKind::Logs;
    LogFilter criteria = parse_log_filter(params::at(p, 0), 0);
    check_log_criteria(criteria, backend_.limits().rpc_max_log_criteria);
    f.logs = live_log_filter(std::move(criteria));
    f.last_block = backend_.chain().head_number();
    return install(std::move(f), ctx);
}

json FilterApi::new_block_filter(const json& p, rpc::CallContext& ctx)
{
    params::expect_count(p, 0, 0);
    Filter f;
    f.kind = FilterKind::Blocks;
    f.last_block = backend_.chain().head_number();
    return install(std::move(f), ctx);
}

json FilterApi::new_pending_filter(const json& p, rpc::CallContext& ctx)
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
    return install(std::move(f), ctx);
}

json FilterApi::get_changes(const json& p)
{
    const std::string id = filter_id(p);
    bool full_tx = false;
    std::deque<txpool::PooledTxPtr> pending;
    std::shared_ptr<std::mutex> poll;  // log filters
    uint64_t first = 1;                // block filters: blocks to report, [first, last]
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
        switch (f.kind)
        {
            case FilterKind::PendingTransactions:
                pending.swap(f.pending);
                full_tx = f.full_tx;
                break;
            case FilterKind::Blocks:
                // The range advances under the lock, so concurrent polls report disjoint blocks.
                first = f.last_block + 1;
                last = backend_.chain().head_number();
                f.last_block = std::max(f.last_block, last);
                break;
            case FilterKind::Logs:
                poll = f.poll;
                break;
        }
    }
    if (poll)
        return log_changes(id, *poll);

    json out = json::array();
    for (const auto& tx : pending)
        out.push_back(full_tx ? json_rpc::transaction(tx->tx, tx->sender, tx->hash, std::nullopt)
                              : json(json_rpc::hash(tx->hash)));
    for (uint64_t n = first; n <= last; ++n)
        if (const auto h = backend_.chain().block_hash(n))
            out.push_back(json_rpc::hash(*h));
    return out;
}

json FilterApi::log_changes(const std::string& id, std::mutex& poll)
{
    const RpcLimits& config = backend_.limits();
    const std::lock_guard poll_lock{poll};
    LiveLogFilter logs;
    uint64_t first = 0;  // blocks this poll covers: [first, last]
    uint64_t last = 0;
    {
        std::lock_guard lock{mu_};
        const auto it = filters_.find(id);
        if (it == filters_.end())
            throw rpc::Error::server("filter not found");
        first = it->second.last_block + 1;
        last = backend_.chain().head_number();
        // One poll spans at most the log range limit; the rest come with the next one.
        if (config.rpc_max_log_range != 0 && last >= first &&
            last - first > config.rpc_max_log_range)
            last = first + config.rpc_max_log_range;
        logs = it->second.logs;
    }
    if (last < first)
        return json::array();

    uint64_t scan_first = logs.from ? std::max(first, *logs.from) : first;
    uint64_t scan_last = logs.to ? std::min(last, *logs.to) : last;
    if (logs.criteria.block_hash)
    {
        // A block-hash filter only ever matches that block; report it if it is new.
        const auto n = backend_.chain().block_number(*logs.criteria.block_hash);
        scan_first = n ? *n : 1;
        scan_last = n ? *n : 0;
    }
    LogPage page;
    page.logs = json::array();
    uint64_t reported = last;  // the poll's last block, unless the result limit stops it early
    if (scan_first <= scan_last && scan_first >= first && scan_last <= last)
    {
        page = find_log_page(ChainAccess(backend_), logs.criteria, scan_first, scan_last,
                             config.rpc_max_log_results);
        if (page.last_block < scan_last)
            reported = page.last_block;
    }
    {
        std::lock_guard lock{mu_};
        if (const auto it = filters_.find(id); it != filters_.end())
            it->second.last_block = std::max(it->second.last_block, reported);
    }
    return std::move(page.logs);
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
    return find_logs(ChainAccess(backend_), criteria);
}

json FilterApi::uninstall(const json& p)
{
    const std::string id = filter_id(p);
    std::lock_guard lock{mu_};
    expire(Clock::now());
    const auto it = filters_.find(id);
    if (it == filters_.end())
        return false;
    erase(it);
    return true;
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

void FilterApi::add_to(MethodTable& t, const std::shared_ptr<FilterApi>& self)
{
    const auto add_ctx = [&](const char* name,
                             json (FilterApi::*fn)(const json&, rpc::CallContext&)) {
        t.add(name, [self, fn](const json& p, rpc::CallContext& ctx) {
            if (!p.is_null() && !p.is_array())
                throw rpc::Error::invalid_params("non-array args");
            return ((*self).*fn)(p, ctx);
        });
    };
    const auto add = [&](const char* name, json (FilterApi::*fn)(const json&),
                         rpc::Cost cost = rpc::Cost::Cheap) {
        t.add(
            name,
            [self, fn](const json& p, rpc::CallContext&) {
                if (!p.is_null() && !p.is_array())
                    throw rpc::Error::invalid_params("non-array args");
                return ((*self).*fn)(p);
            },
            cost);
    };
    add_ctx("eth_newFilter", &FilterApi::new_filter);
    add_ctx("eth_newBlockFilter", &FilterApi::new_block_filter);
    add_ctx("eth_newPendingTransactionFilter", &FilterApi::new_pending_filter);
    add("eth_getFilterChanges", &FilterApi::get_changes);
    add("eth_getFilterLogs", &FilterApi::get_logs, rpc::Cost::Heavy);
    add("eth_uninstallFilter", &FilterApi::uninstall);
}

}  // namespace

FilterOptions filter_options(const RpcLimits& limits)
{
    FilterOptions options;
    options.max_filters = limits.rpc_max_filters;
    options.max_filters_per_client = limits.rpc_max_filters_per_client;
    return options;
}

void add_filter_methods(MethodTable& table, Backend& backend, const FilterOptions& options)
{
    auto api = std::make_shared<FilterApi>(backend, options);
    FilterApi::add_to(table, api);
    backend.on_pending(
        [api](const std::vector<txpool::PooledTxPtr>& txs) { api->on_pending(txs); });
    table.retain(api);
}

}  // namespace tern::api
