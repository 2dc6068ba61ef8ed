#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tern::rpc {

/// Where the notifications of one connection go. The server's WebSocket sessions implement it
/// (tests may too). push() is thread-safe and never blocks: the session posts the message to its
/// own strand and writes it after anything already queued (so a subscription's notifications
/// always follow the response that created it).
class NotificationSink
{
public:
    virtual ~NotificationSink() = default;

    /// Queues one complete JSON-RPC message for the connection. Returns false when the
    /// connection is closed or closing; the message is then dropped.
    virtual bool push(std::shared_ptr<const std::string> message) = 0;
};

/// One live subscription as a publisher sees it.
struct SubscriptionInfo
{
    std::string id;         ///< "0x..." id returned to the client
    std::string topic;      ///< what the node subscribed it to, e.g. "newHeads", "logs"
    nlohmann::json params;  ///< topic-specific criteria given at subscribe time (e.g. a log filter)
};

/// Caps on live subscriptions (0: no limit).
struct SubscriptionLimits
{
    size_t per_connection = 1'000;  ///< of one NotificationSink (one WebSocket)
    size_t total = 100'000;         ///< of all connections: the last resort
};

/// Why Subscriptions::add refused a subscription.
struct SubscriptionRefused
{
    std::string message;  ///< e.g. "too many subscriptions"
};

/// Registry of the subscriptions of all connections. Thread-safe: handlers add/remove from the
/// connection threads, the node publishes from its engine thread. Publishing never blocks on a
/// slow client (each connection queues, and drops itself past its queue limit).
class Subscriptions
{
public:
    /// Receives the subscriptions of one topic and returns, per subscription, the results to send
    /// (each result becomes one notification; empty: nothing for this one). Called without the
    /// registry lock held.
    using Selector = std::function<std::vector<nlohmann::json>(const SubscriptionInfo&)>;

    /// A registry enforcing `limits`.
    explicit Subscriptions(SubscriptionLimits limits = {});
    Subscriptions(const Subscriptions&) = delete;
    Subscriptions& operator=(const Subscriptions&) = delete;

    /// Registers a subscription of `sink` to `topic`; notifications are sent as
    /// {"jsonrpc":"2.0","method":notification_method,"params":{"subscription":id,"result":...}}.
    /// Returns the new id: "0x" + random 128-bit hex without leading zeros, as geth; or, with
    /// the connection or everyone at its cap, why not: "too many subscriptions on this
    /// connection (limit N)" / "too many subscriptions".
    Result<std::string, SubscriptionRefused> add(
        const std::shared_ptr<NotificationSink>& sink,
        std::string topic,
        nlohmann::json params = nullptr,
        std::string notification_method = "eth_subscription");

    /// Removes subscription `id` if it belongs to `owner`; false when there is no such
    /// subscription on that connection.
    bool remove(const NotificationSink* owner, std::string_view id);

    /// Removes every subscription of `owner` (connection closed); returns how many.
    size_t remove_all(const NotificationSink* owner);

    /// Number of live subscriptions to `topic` (so a publisher can skip building results).
    size_t count(std::string_view topic) const;

    /// Number of live subscriptions, all topics.
    size_t size() const;

    /// Number of live subscriptions of `owner` (one connection).
    size_t count_of(const NotificationSink* owner) const;

    /// The live subscriptions to `topic`, in id order.
    std::vector<SubscriptionInfo> list(std::string_view topic) const;

    /// Sends `result` to every subscriber of `topic`; returns the number of notifications queued.
    size_t publish(std::string_view topic, const nlohmann::json& result);

    /// Sends to every subscriber of `topic` the results `results_for` returns for it (one
    /// notification each, in order); returns the number of notifications queued.
    size_t publish_each(std::string_view topic, const Selector& results_for);

    /// The notification message text for subscription `id`.
    static std::string notification(std::string_view method,
                                    std::string_view id,
                                    const nlohmann::json& result);

private:
    struct Entry
    {
        std::string topic;
        std::string method;
        nlohmann::json params;
        std::weak_ptr<NotificationSink> sink;
        const NotificationSink* owner = nullptr;
    };
    struct Target
    {
        SubscriptionInfo info;
        std::string method;
        std::weak_ptr<NotificationSink> sink;
    };
    std::vector<Target> targets(std::string_view topic) const;
    std::string new_id();
    /// Counts one subscription of `owner` less; mu_ held.
    void release(const NotificationSink* owner);

    SubscriptionLimits limits_;
    mutable std::mutex mu_;
    std::map<std::string, Entry, std::less<>> by_id_;
    std::map<const NotificationSink*, size_t> per_owner_;  ///< live subscriptions per connection
    std::mt19937_64 rng_;
};

}  // namespace tern::rpc
