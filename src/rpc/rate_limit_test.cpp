#include "rpc/rate_limit.hpp"

#include <gtest/gtest.h>

using namespace tern::rpc;
using namespace std::chrono_literals;
namespace ip = boost::asio::ip;

namespace {

/// A fake clock: the time points take() is given.
const RateLimiter::Clock::time_point t0{};

ClientLimits::Key key(const char* address)
{
    return ClientLimits::key_of(ip::make_address(address));
}

/// Calls of one each until `key` is refused at `now`; how many passed (at most 100000).
size_t drain(RateLimiter& limiter, const ClientLimits::Key& k, RateLimiter::Clock::time_point now)
{
    size_t n = 0;
    while (n < 100'000 && limiter.take(k, 1, now).allowed)
        ++n;
    return n;
}

}  // namespace

TEST(RateLimiter, OffAdmitsEverythingAndKeepsNothing)
{
    RateLimiter limiter({});
    EXPECT_FALSE(limiter.enabled());
    for (int i = 0; i < 1000; ++i)
        EXPECT_TRUE(limiter.take(key("10.0.0.1"), 1000, t0).allowed);
    EXPECT_EQ(limiter.clients(), 0u);
}

TEST(RateLimiter, BurstThenTheSustainedRate)
{
    RateLimiter limiter({.per_second = 10, .burst = 5});
    const auto a = key("10.0.0.1");
    EXPECT_EQ(drain(limiter, a, t0), 5u);
    const auto refused = limiter.take(a, 1, t0);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 1s);  // 0.1 s, rounded up
    // 10 per second: one call per 100 ms.
    EXPECT_EQ(drain(limiter, a, t0 + 100ms), 1u);
    EXPECT_EQ(drain(limiter, a, t0 + 350ms), 2u);
    // The bucket refills to its size, no further.
    EXPECT_EQ(drain(limiter, a, t0 + 10s), 5u);
}

TEST(RateLimiter, BatchesTakeOnePerCall)
{
    RateLimiter limiter({.per_second = 1, .burst = 10});
    const auto a = key("10.0.0.1");
    EXPECT_TRUE(limiter.take(a, 4, t0).allowed);
    EXPECT_TRUE(limiter.take(a, 4, t0).allowed);
    // 2 left: a batch of 4 is refused whole, and told how long until it fits.
    const auto refused = limiter.take(a, 4, t0);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 2s);
    EXPECT_TRUE(limiter.take(a, 2, t0).allowed);  // nothing was taken by the refusal
    EXPECT_FALSE(limiter.take(a, 1, t0).allowed);
    EXPECT_TRUE(limiter.take(a, 0, t0 + 1s).allowed);  // an empty message counts as one
    EXPECT_FALSE(limiter.take(a, 0, t0 + 1s).allowed);
}

// A batch larger than the bucket passes when the bucket is full, and the client then waits
// until its debt is paid: the sustained rate holds.
TEST(RateLimiter, BatchLargerThanTheBurstLeavesDebt)
{
    RateLimiter limiter({.per_second = 10, .burst = 5});
    const auto a = key("10.0.0.1");
    EXPECT_TRUE(limiter.take(a, 1, t0).allowed);
    const auto not_full = limiter.take(a, 20, t0);
    EXPECT_FALSE(not_full.allowed);  // needs a full bucket: 1 more call, 100 ms
    EXPECT_EQ(not_full.retry_after, 1s);
    EXPECT_TRUE(limiter.take(a, 20, t0 + 1s).allowed);  // tokens 5 - 20 = -15
    const auto in_debt = limiter.take(a, 1, t0 + 1s);
    EXPECT_FALSE(in_debt.allowed);
    EXPECT_EQ(in_debt.retry_after, 2s);  // 16 calls at 10/s: 1.6 s
    EXPECT_FALSE(limiter.take(a, 1, t0 + 2500ms).allowed);
    EXPECT_TRUE(limiter.take(a, 1, t0 + 2600ms).allowed);
}

TEST(RateLimiter, RetryAfterRoundsUp)
{
    RateLimiter limiter({.per_second = 2, .burst = 3});
    const auto a = key("10.0.0.1");
    EXPECT_TRUE(limiter.take(a, 3, t0).allowed);
    EXPECT_EQ(limiter.take(a, 1, t0).retry_after, 1s);  // 0.5 s
    EXPECT_EQ(limiter.take(a, 3, t0).retry_after, 2s);  // 1.5 s
    EXPECT_EQ(limiter.take(a, 3, t0 + 1s).retry_after, 1s);
}

TEST(RateLimiter, BurstZeroIsOneSecondOfCalls)
{
    RateLimiter limiter({.per_second = 7});
    EXPECT_EQ(drain(limiter, key("10.0.0.1"), t0), 7u);
}

TEST(RateLimiter, KeyedPerAddressAndIpv6Per64)
{
    RateLimiter limiter({.per_second = 1, .burst = 2});
    EXPECT_EQ(drain(limiter, key("10.0.0.1"), t0), 2u);
    EXPECT_EQ(drain(limiter, key("::ffff:10.0.0.1"), t0), 0u);  // the same IPv4 client
    EXPECT_EQ(drain(limiter, key("10.0.0.2"), t0), 2u);
    EXPECT_EQ(drain(limiter, key("127.0.0.1"), t0), 2u);  // loopback is limited too
    // One /64 is one client, whatever its last 64 bits.
    EXPECT_EQ(drain(limiter, key("2001:db8:1:2::1"), t0), 2u);
    EXPECT_EQ(drain(limiter, key("2001:db8:1:2:ffff::7"), t0), 0u);
    EXPECT_EQ(drain(limiter, key("2001:db8:1:3::1"), t0), 2u);
    EXPECT_EQ(limiter.clients(), 5u);
}

// Memory stays bounded: buckets that have refilled are dropped, and past max_clients the least
// recently used one goes (it starts over full).
TEST(RateLimiter, TableIsBounded)
{
    RateLimiter limiter({.per_second = 10, .burst = 10, .max_clients = 3});
    const auto a = key("10.0.0.1");
    const auto b = key("10.0.0.2");
    const auto c = key("10.0.0.3");
    const auto d = key("10.0.0.4");
    EXPECT_TRUE(limiter.take(a, 10, t0).allowed);
    EXPECT_TRUE(limiter.take(b, 10, t0 + 10ms).allowed);
    EXPECT_TRUE(limiter.take(c, 10, t0 + 20ms).allowed);
    EXPECT_FALSE(limiter.take(a, 1, t0 + 30ms).allowed);  // a is now the most recent
    EXPECT_EQ(limiter.clients(), 3u);
    EXPECT_TRUE(limiter.take(d, 1, t0 + 40ms).allowed);  // b, the least recent, is dropped
    EXPECT_EQ(limiter.clients(), 3u);
    EXPECT_EQ(drain(limiter, b, t0 + 50ms), 10u);  // b starts over; c is dropped for it
    EXPECT_EQ(limiter.clients(), 3u);
    EXPECT_EQ(drain(limiter, a, t0 + 50ms), 0u);  // a kept its empty bucket

    // A second later every bucket has refilled: the next call drops them all but its own.
    EXPECT_TRUE(limiter.take(d, 1, t0 + 2s).allowed);
    EXPECT_EQ(limiter.clients(), 1u);
    // Many one-off clients never hold more than max_clients buckets.
    for (uint8_t i = 0; i < 200; ++i)
    {
        ClientLimits::Key k{};
        k[15] = i;
        EXPECT_TRUE(limiter.take(k, 1, t0 + 3s).allowed);
        EXPECT_LE(limiter.clients(), 3u);
    }
}

TEST(RateLimiter, ClockGoingBackRefillsNothing)
{
    RateLimiter limiter({.per_second = 10, .burst = 2});
    const auto a = key("10.0.0.1");
    EXPECT_EQ(drain(limiter, a, t0 + 5s), 2u);
    EXPECT_EQ(drain(limiter, a, t0 + 1s), 0u);
    EXPECT_EQ(drain(limiter, a, t0 + 5100ms), 1u);
}
