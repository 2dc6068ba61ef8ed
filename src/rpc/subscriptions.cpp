#include "rpc/subscriptions.hpp"

#include "rpc/random_id.hpp"

#include <algorithm>

namespace tern::rpc {

Subscriptions::Subscriptions(SubscriptionLimits limits)
    : limits_(limits), rng_(std::random_device{}())
{}

std::string Subscriptions::new_id()
{
    return rpc::random_id(rng_);
}

Result<std::string, SubscriptionRefused> Subscriptions::add(
    const std::shared_ptr<NotificationSink>& sink,
    std::string topic,
    nlohmann::json params,
    std::string notification_method)
{
    std::lock_guard lock(mu_);
    // The connection's own cap first, so that the total is only reached by many connections.
    size_t& mine = per_owner_[sink.get()];
    if (limits_.per_connection != 0 && mine >= limits_.per_connection)
        return SubscriptionRefused{"too many subscriptions on this connection (limit " +
                                   std::to_string(limits_.per_connection) + ")"};
    if (limits_.total != 0 && by_id_.size() >= limits_.total)
    {
        if (mine == 0)
            per_owner_.erase(sink.get());
        return SubscriptionRefused{"too many subscriptions"};
    }
    ++mine;
    std::string id;
    do
        id = new_id();
    while (by_id_.contains(id));
    by_id_.emplace(id, Entry{std::move(topic), std::move(notification_method), std::move(params),
                             sink, sink.get()});
    return id;
}

bool Subscriptions::remove(const NotificationSink* owner, std::string_view id)
{
    std::lock_guard lock(mu_);
    const auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second.owner != owner)
        return false;
    by_id_.erase(it);
    release(owner);
    return true;
}

size_t Subscriptions::remove_all(const NotificationSink* owner)
{
    std::lock_guard lock(mu_);
    per_owner_.erase(owner);
    return std::erase_if(by_id_, [owner](const auto& kv) { return kv.second.owner == owner; });
}

void Subscriptions::release(const NotificationSink* owner)
{
    const auto it = per_owner_.find(owner);
    if (it != per_owner_.end() && --it->second == 0)
        per_owner_.erase(it);
}

size_t Subscriptions::count(std::string_view topic) const
{
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [id, e] : by_id_)
        n += e.topic == topic;
    return n;
}

size_t Subscriptions::size() const
{
    std::lock_guard lock(mu_);
    return by_id_.size();
}

size_t Subscriptions::count_of(const NotificationSink* owner) const
{
    std::lock_guard lock(mu_);
    return static_cast<size_t>(std::count_if(by_id_.begin(), by_id_.end(), [owner](const auto& kv) {
        return kv.second.owner == owner;
    }));
}

std::vector<SubscriptionInfo> Subscriptions::list(std::string_view topic) const
{
    std::vector<SubscriptionInfo> out;
    for (auto& t : targets(topic))
        out.push_back(std::move(t.info));
    return out;
}

std::vector<Subscriptions::Target> Subscriptions::targets(std::string_view topic) const
{
    std::vector<Target> out;
    std::lock_guard lock(mu_);
    for (const auto& [id, e] : by_id_)
        if (e.topic == topic)
            out.push_back(Target{SubscriptionInfo{id, e.topic, e.params}, e.method, e.sink});
    return out;
}

std::string Subscriptions::notification(std::string_view method,
                                        std::string_view id,
                                        const nlohmann::json& result)
{
    std::string out;
    const std::string result_text =
        result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.reserve(80 + method.size() + id.size() + result_text.size());
    out += R"({"jsonrpc":"2.0","method":")";
    out += method;
    out += R"(","params":{"subscription":")";
    out += id;
    out += R"(","result":)";
    out += result_text;
    out += "}}";
    return out;
}

size_t Subscriptions::publish(std::string_view topic, const nlohmann::json& result)
{
    size_t sent = 0;
    for (const auto& t : targets(topic))
        if (auto sink = t.sink.lock())
            sent += sink->push(
                std::make_shared<const std::string>(notification(t.method, t.info.id, result)));
    return sent;
}

size_t Subscriptions::publish_each(std::string_view topic, const Selector& results_for)
{
    size_t sent = 0;
    for (const auto& t : targets(topic))
    {
        if (t.sink.expired())
            continue;
        const auto results = results_for(t.info);
        if (results.empty())
            continue;
        auto sink = t.sink.lock();
        if (!sink)
            continue;
        for (const auto& r : results)
            sent += sink->push(
                std::make_shared<const std::string>(notification(t.method, t.info.id, r)));
    }
    return sent;
}

}  // namespace tern::rpc
