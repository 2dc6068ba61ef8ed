#include "rpc/client_limits.hpp"

#include <gtest/gtest.h>

using namespace tern::rpc;
namespace ip = boost::asio::ip;

TEST(ClientLimits, CapsPerAddressAndKind)
{
    ClientLimits l;
    const auto a = ClientLimits::key_of(ip::make_address("127.0.0.2"));
    const auto b = ClientLimits::key_of(ip::make_address("127.0.0.1"));
    using K = ClientLimits::Kind;
    EXPECT_TRUE(l.try_open(a, K::Connection, 2));
    EXPECT_TRUE(l.try_open(a, K::Connection, 2));
    EXPECT_FALSE(l.try_open(a, K::Connection, 2));
    EXPECT_TRUE(l.try_open(b, K::Connection, 2));
    EXPECT_TRUE(l.try_open(a, K::WebSocket, 1));
    EXPECT_FALSE(l.try_open(a, K::WebSocket, 1));
    EXPECT_EQ(l.count(a, K::Connection), 2u);
    l.close(a, K::Connection);
    EXPECT_TRUE(l.try_open(a, K::Connection, 2));
    EXPECT_TRUE(l.try_open(a, K::Connection, 0));  // 0: no limit
    EXPECT_EQ(l.count(a, K::Connection), 3u);
    l.close(b, K::Connection);
    l.close(b, K::Connection);  // never below zero
    EXPECT_EQ(l.count(b, K::Connection), 0u);
}

TEST(ClientLimits, KeysGroupIpv6By64AndMapIpv4)
{
    const auto k = [](const char* s) {
        return ClientLimits::key_of(ip::make_address(s));
    };
    EXPECT_EQ(k("10.0.0.1"), k("::ffff:10.0.0.1"));
    EXPECT_NE(k("10.0.0.1"), k("10.0.0.2"));
    EXPECT_EQ(k("2001:db8:1:2::1"), k("2001:db8:1:2:ffff::7"));
    EXPECT_NE(k("2001:db8:1:2::1"), k("2001:db8:1:3::1"));
    EXPECT_NE(k("::1"), k("::2"));
    EXPECT_NE(k("::1"), k("0.0.0.1"));
}
