#include "node/client_key.hpp"

#include <gtest/gtest.h>

using tern::node::client_key;

namespace {

TEST(ClientKey, Ipv4WithoutThePort)
{
    EXPECT_EQ(client_key("127.0.0.1:52311"), "127.0.0.1");
    EXPECT_EQ(client_key("10.1.2.3:1"), "10.1.2.3");
    EXPECT_EQ(client_key("10.1.2.3"), "10.1.2.3");
}

TEST(ClientKey, Ipv6ByItsSlash64)
{
    EXPECT_EQ(client_key("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:8545"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_key("[2001:db8:1:2::1]:9"), client_key("[2001:db8:1:2:ffff::7]:10"));
    EXPECT_NE(client_key("[2001:db8:1:2::1]:9"), client_key("[2001:db8:1:3::1]:9"));
    EXPECT_EQ(client_key("[::1]:1234"), "::/64");
    EXPECT_EQ(client_key("[::ffff:192.0.2.7]:80"), "192.0.2.7");
}

TEST(ClientKey, InProcessAndGarbageAreOneClient)
{
    EXPECT_EQ(client_key(""), "");
    EXPECT_EQ(client_key("not an address:1"), "");
    EXPECT_EQ(client_key("[::1"), "");
}

}  // namespace
