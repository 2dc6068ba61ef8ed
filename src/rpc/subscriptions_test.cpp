#include "rpc/subscriptions.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

using namespace tern::rpc;
using json = nlohmann::json;

namespace {

class Sink : public NotificationSink
{
public:
    bool push(std::shared_ptr<const std::string> message) override
    {
        std::lock_guard lock(mu);
        messages.push_back(*message);
        return true;
    }
    size_t size()
    {
        std::lock_guard lock(mu);
        return messages.size();
    }
    std::mutex mu;
    std::vector<std::string> messages;
};

}  // namespace

TEST(Subscriptions, IdsAreGethStyleAndUnique)
{
    Subscriptions subs;
    auto sink = std::make_shared<Sink>();
    std::set<std::string> ids;
    for (int i = 0; i < 200; ++i)
    {
        const auto id = *subs.add(sink, "t");
        ASSERT_GE(id.size(), 3u);
        ASSERT_LE(id.size(), 34u);
        EXPECT_EQ(id.substr(0, 2), "0x");
        EXPECT_NE(id[2], '0');
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 2), std::string::npos);
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 200u);
    EXPECT_EQ(subs.size(), 200u);
}

TEST(Subscriptions, CountListRemove)
{
    Subscriptions subs;
    auto a = std::make_shared<Sink>();
    auto b = std::make_shared<Sink>();
    const auto a1 = *subs.add(a, "newHeads");
    const auto a2 = *subs.add(a, "logs", json{{"address", "0x01"}});
    const auto b1 = *subs.add(b, "logs");
    EXPECT_EQ(subs.count("newHeads"), 1u);
    EXPECT_EQ(subs.count("logs"), 2u);
    EXPECT_EQ(subs.count("other"), 0u);
    EXPECT_EQ(subs.count_of(a.get()), 2u);
    EXPECT_EQ(subs.count_of(b.get()), 1u);
    const auto logs = subs.list("logs");
    ASSERT_EQ(logs.size(), 2u);
    for (const auto& s : logs)
    {
        if (s.id == a2)
        {
            EXPECT_EQ(s.params, (json{{"address", "0x01"}}));
        }
    }

    EXPECT_FALSE(subs.remove(b.get(), a1));  // not b's
    EXPECT_TRUE(subs.remove(a.get(), a1));
    EXPECT_FALSE(subs.remove(a.get(), a1));
    EXPECT_EQ(subs.remove_all(a.get()), 1u);
    EXPECT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs.list("logs")[0].id, b1);
}

TEST(Subscriptions, NotificationText)
{
    EXPECT_EQ(
        Subscriptions::notification("eth_subscription", "0xab", json{{"n", 1}}),
        R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xab","result":{"n":1}}})");
}

TEST(Subscriptions, PublishEachSelectsPerSubscription)
{
    Subscriptions subs;
    auto a = std::make_shared<Sink>();
    auto b = std::make_shared<Sink>();
    ASSERT_TRUE(subs.add(a, "logs", json{{"want", 2}}));
    ASSERT_TRUE(subs.add(b, "logs", json{{"want", 0}}));
    const size_t sent = subs.publish_each("logs", [](const SubscriptionInfo& s) {
        std::vector<json> out;
        for (int i = 0; i < s.params["want"].get<int>(); ++i)
            out.push_back(i);
        return out;
    });
    EXPECT_EQ(sent, 2u);
    ASSERT_EQ(a->size(), 2u);
    EXPECT_EQ(json::parse(a->messages[1])["params"]["result"], 1);
    EXPECT_EQ(b->size(), 0u);
}

TEST(Subscriptions, ExpiredSinksAreSkipped)
{
    Subscriptions subs;
    auto a = std::make_shared<Sink>();
    ASSERT_TRUE(subs.add(a, "t"));
    a.reset();
    EXPECT_EQ(subs.publish("t", 1), 0u);
    EXPECT_EQ(subs.publish_each("t",
                                [](const SubscriptionInfo&) {
                                    ADD_FAILURE() << "selector called for a closed connection";
                                    return std::vector<json>{};
                                }),
              0u);
}

TEST(Subscriptions, ConcurrentPublishAndChurn)
{
    Subscriptions subs;
    auto stable = std::make_shared<Sink>();
    ASSERT_TRUE(subs.add(stable, "t"));
    std::thread churn([&] {
        for (int i = 0; i < 2000; ++i)
        {
            auto s = std::make_shared<Sink>();
            const auto id = *subs.add(s, "t");
            if (i % 2)
                subs.remove(s.get(), id);
            else
                subs.remove_all(s.get());
        }
    });
    for (int i = 0; i < 2000; ++i)
        subs.publish("t", i);
    churn.join();
    EXPECT_EQ(stable->size(), 2000u);
    EXPECT_EQ(subs.size(), 1u);
}

TEST(Subscriptions, CapsPerConnectionAndInAll)
{
    Subscriptions subs(SubscriptionLimits{3, 5});
    auto a = std::make_shared<Sink>();
    auto b = std::make_shared<Sink>();
    auto c = std::make_shared<Sink>();
    std::string first;
    for (int i = 0; i < 3; ++i)
    {
        const auto id = subs.add(a, "t");
        ASSERT_TRUE(id);
        first = *id;
    }
    const auto over = subs.add(a, "t");
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().message, "too many subscriptions on this connection (limit 3)");
    // Connection a at its cap does not stop b.
    ASSERT_TRUE(subs.add(b, "t"));
    ASSERT_TRUE(subs.add(b, "t"));
    // The total is the last resort.
    const auto full = subs.add(c, "t");
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().message, "too many subscriptions");
    // Removing frees a's slot; closing b frees its two.
    EXPECT_TRUE(subs.remove(a.get(), first));
    EXPECT_TRUE(subs.add(a, "t"));
    EXPECT_EQ(subs.remove_all(b.get()), 2u);
    EXPECT_TRUE(subs.add(c, "t"));
    EXPECT_TRUE(subs.add(c, "t"));
    EXPECT_FALSE(subs.add(a, "t"));
    // 0: no limit.
    Subscriptions open(SubscriptionLimits{0, 0});
    for (int i = 0; i < 2000; ++i)
        ASSERT_TRUE(open.add(a, "t"));
}
