#include "api/handlers/subscription_api.hpp"

#include "api/backend.hpp"
#include "api/handlers/filter_api.hpp"
#include "api/json/encode.hpp"
#include "api/json/params.hpp"
#include "api/method_table.hpp"
#include "api/services/logs.hpp"
#include "rpc/dispatcher.hpp"
#include "txpool/txpool.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tern::api {
namespace {

using nlohmann::json;

constexpr const char* kNewHeads = "newHeads";
constexpr const char* kLogs = "logs";
constexpr const char* kPending = "newPendingTransactions";
constexpr const char* kSyncing = "syncing";

/// The publishing side of eth_subscribe for one node.
class SubscriptionApi
{
public:
    /// Publishes to `subscriptions` what `backend` reports.
    SubscriptionApi(Backend& backend, rpc::Subscriptions& subscriptions)
        : backend_(backend), subscriptions_(subscriptions)
    {}

    json subscribe(const json& p, rpc::CallContext& ctx) const;
    void on_block(const producer::CommittedBlock& b);
    void on_pending(const std::vector<txpool::PooledTxPtr>& txs);

private:
    /// The parsed criteria of log subscription `info` (cached by id); nullptr if unusable.
    const LiveLogFilter* log_filter(const rpc::SubscriptionInfo& info);

    Backend& backend_;
    rpc::Subscriptions& subscriptions_;
    std::mutex mu_;  ///< log_filters_
    std::map<std::string, std::optional<LiveLogFilter>, std::less<>> log_filters_;
};

json SubscriptionApi::subscribe(const json& p, rpc::CallContext& ctx) const
{
    // geth's order: no notifications on this transport first, then the name, then arguments
    // (the name counts as argument 0).
    if (!ctx.can_subscribe())
        throw rpc::Error{rpc::code::method_not_found, "notifications not supported", std::nullopt};
    if (!p.is_array())
        throw rpc::Error::invalid_params("non-array args");
    if (p.empty() || !p[0].is_string())
        throw rpc::Error::invalid_params("expected subscription name as first argument");
    const std::string& name = p[0].get_ref<const std::string&>();
    if (name == kNewHeads || name == kSyncing)
    {
        params::expect_count(p, 1, 1);
        return ctx.subscribe(name);
    }
    if (name == kLogs)
    {
        if (p.size() < 2)
            throw rpc::Error::invalid_params("missing value for required argument 1");
        params::expect_count(p, 1, 2);
        // Validate now (geth's errors); the criteria are kept as given and parsed again when
        // the first block is published.
        LogFilter criteria = p[1].is_null() ? LogFilter{} : parse_log_filter(p[1], 1);
        check_log_criteria(criteria, backend_.limits().rpc_max_log_criteria);
        live_log_filter(std::move(criteria));
        return ctx.subscribe(kLogs, p[1]);
    }
    if (name == kPending)
    {
        params::expect_count(p, 1, 2);
        const json& full = params::at(p, 1);
        if (!full.is_null() && !full.is_boolean())
            throw params::invalid(1, std::string("json: cannot unmarshal ") +
                                         (full.is_string()   ? "string"
                                          : full.is_object() ? "object"
                                          : full.is_array()  ? "array"
                                                             : "number") +
                                         " into Go value of type bool");
        return ctx.subscribe(kPending, json{{"fullTx", full.is_boolean() && full.get<bool>()}});
    }
    throw rpc::Error{rpc::code::method_not_found,
                     "no \"" + name + "\" subscription in eth namespace", std::nullopt};
}

const LiveLogFilter* SubscriptionApi::log_filter(const rpc::SubscriptionInfo& info)
{
    auto it = log_filters_.find(info.id);
    if (it == log_filters_.end())
    {
        std::optional<LiveLogFilter> parsed;
        try
        {
            parsed = live_log_filter(info.params.is_null() ? LogFilter{}
                                                           : parse_log_filter(info.params, 1));
        }
        catch (const rpc::Error&)
        {
            // Validated at subscribe time; unreachable, but never publish to a bad filter.
        }
        it = log_filters_.emplace(info.id, std::move(parsed)).first;
    }
    return it->second ? &*it->second : nullptr;
}

void SubscriptionApi::on_block(const producer::CommittedBlock& b)
{
    auto& subs = subscriptions_;
    if (subs.count(kNewHeads) > 0)
        subs.publish(kNewHeads, json_rpc::header(b.block.header, b.hash));

    std::lock_guard lock{mu_};
    if (subs.count(kLogs) == 0)
    {
        log_filters_.clear();
        return;
    }
    struct Item
    {
        const state::Log* log;
        size_t tx;
        uint64_t index;
    };
    std::vector<Item> items;
    uint64_t index = 0;
    for (size_t i = 0; i < b.receipts.size(); ++i)
        for (const auto& log : b.receipts[i].logs)
            items.push_back(Item{&log, i, index++});
    if (items.empty())
        return;

    const uint64_t number = b.block.header.number;
    std::vector<std::optional<json>> encoded(items.size());
    std::set<std::string, std::less<>> live;
    subs.publish_each(kLogs, [&](const rpc::SubscriptionInfo& info) {
        live.insert(info.id);
        std::vector<json> out;
        const LiveLogFilter* f = log_filter(info);
        if (!f || !f->accepts_block(number, b.hash))
            return out;
        for (size_t k = 0; k < items.size(); ++k)
        {
            if (!log_matches(f->criteria, *items[k].log))
                continue;
            if (!encoded[k])
            {
                const Hash256 tx_hash =
                    items[k].tx < b.tx_hashes.size() ? b.tx_hashes[items[k].tx] : Hash256{};
                encoded[k] = json_rpc::log(
                    *items[k].log,
                    json_rpc::TxLocation{b.hash, number, items[k].tx, b.block.header.base_fee},
                    tx_hash, items[k].index);
            }
            out.push_back(*encoded[k]);
        }
        return out;
    });
    // Forget the criteria of subscriptions that are gone (unsubscribed, connection closed).
    std::erase_if(log_filters_, [&](const auto& kv) { return !live.contains(kv.first); });
}

void SubscriptionApi::on_pending(const std::vector<txpool::PooledTxPtr>& txs)
{
    auto& subs = subscriptions_;
    if (txs.empty() || subs.count(kPending) == 0)
        return;
    std::vector<json> hashes;
    hashes.reserve(txs.size());
    for (const auto& tx : txs)
        hashes.emplace_back(json_rpc::hash(tx->hash));
    std::vector<json> full;
    subs.publish_each(kPending, [&](const rpc::SubscriptionInfo& info) {
        if (!info.params.is_object() || !info.params.value("fullTx", false))
            return hashes;
        if (full.empty())
            for (const auto& tx : txs)
                full.push_back(json_rpc::transaction(tx->tx, tx->sender, tx->hash, std::nullopt));
        return full;
    });
}

}  // namespace

void add_subscription_methods(MethodTable& table,
                              Backend& backend,
                              rpc::Subscriptions& subscriptions)
{
    auto api = std::make_shared<SubscriptionApi>(backend, subscriptions);
    table.add("eth_subscribe",
              [api](const json& p, rpc::CallContext& ctx) { return api->subscribe(p, ctx); });
    table.add_unsubscribe("eth_unsubscribe");
    backend.on_block([api](const producer::CommittedBlock& b) { api->on_block(b); });
    backend.on_pending(
        [api](const std::vector<txpool::PooledTxPtr>& txs) { api->on_pending(txs); });
    table.retain(api);
}

}  // namespace tern::api
