#include "api/services/client_key.hpp"

#include <gtest/gtest.h>

using tern::api::client_key;

namespace {

TEST(ClientKey, Ipv4)
{
    EXPECT_EQ(client_key("127.0.0.1"), "127.0.0.1");
    EXPECT_EQ(client_key("10.1.2.3"), "10.1.2.3");
    EXPECT_NE(client_key("10.1.2.3"), client_key("10.1.2.4"));
}

TEST(ClientKey, Ipv6ByItsSlash64)
{
    EXPECT_EQ(client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:2:ffff::7"));
    EXPECT_NE(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:3::1"));
    EXPECT_EQ(client_key("::1"), "::1");  // the zero prefix: whole addresses, as the server counts
    EXPECT_EQ(client_key("::ffff:192.0.2.7"), "192.0.2.7");
}

TEST(ClientKey, InProcessAndGarbageAreOneClient)
{
    EXPECT_EQ(client_key(""), "");
    EXPECT_EQ(client_key("not an address"), "");
    EXPECT_EQ(client_key("[::1"), "");
}

}  // namespace
