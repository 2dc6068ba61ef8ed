#include "rpc/origin_policy.hpp"

#include <gtest/gtest.h>

using namespace tern::rpc;

TEST(CorsAllowOrigin, NoneByDefaultStarAndWildcards)
{
    EXPECT_EQ(cors_allow_origin({}, "http://evil.example"), "");
    EXPECT_EQ(cors_allow_origin({"*"}, "http://evil.example"), "*");
    EXPECT_EQ(cors_allow_origin({"*"}, ""), "");
    const std::vector<std::string> dev{"http://localhost", "http://localhost:*"};
    EXPECT_EQ(cors_allow_origin(dev, "http://localhost:3000"), "http://localhost:3000");
    EXPECT_EQ(cors_allow_origin(dev, "http://LOCALHOST"), "http://LOCALHOST");
    EXPECT_EQ(cors_allow_origin(dev, "http://localhost.evil.example"), "");
    EXPECT_EQ(cors_allow_origin(dev, "https://localhost:3000"), "");
    EXPECT_EQ(cors_allow_origin({"https://*.example.com"}, "https://app.example.com"),
              "https://app.example.com");
    EXPECT_EQ(cors_allow_origin({"https://*.example.com"}, "https://example.com"), "");
}

TEST(WsOriginAllowed, GethRules)
{
    // No Origin header: not a browser, nothing to protect against.
    EXPECT_TRUE(ws_origin_allowed({}, false, ""));
    // Default: loopback pages only, any port.
    EXPECT_TRUE(ws_origin_allowed({}, true, "http://localhost:5173"));
    EXPECT_TRUE(ws_origin_allowed({}, true, "http://127.0.0.1"));
    EXPECT_TRUE(ws_origin_allowed({}, true, "http://[::1]:3000"));
    EXPECT_FALSE(ws_origin_allowed({}, true, "http://evil.example"));
    EXPECT_FALSE(ws_origin_allowed({}, true, "https://localhost"));
    EXPECT_FALSE(ws_origin_allowed({}, true, "null"));
    EXPECT_FALSE(ws_origin_allowed({}, true, ""));
    EXPECT_TRUE(ws_origin_allowed({"*"}, true, "http://evil.example"));
    // A rule names what it checks.
    EXPECT_TRUE(ws_origin_allowed({"http://good.example"}, true, "http://GOOD.example:81"));
    EXPECT_FALSE(ws_origin_allowed({"http://good.example"}, true, "https://good.example"));
    EXPECT_TRUE(ws_origin_allowed({"good.example:81"}, true, "https://good.example:81"));
    EXPECT_FALSE(ws_origin_allowed({"good.example:81"}, true, "https://good.example:82"));
}

TEST(HostAllowed, NamesListedIpsAlways)
{
    const std::vector<std::string> def{"localhost"};
    EXPECT_TRUE(host_allowed(def, ""));
    EXPECT_TRUE(host_allowed(def, "localhost"));
    EXPECT_TRUE(host_allowed(def, "LocalHost:8545"));
    EXPECT_TRUE(host_allowed(def, "127.0.0.1:8545"));
    EXPECT_TRUE(host_allowed(def, "10.0.0.7"));
    EXPECT_TRUE(host_allowed(def, "[::1]:8545"));
    EXPECT_TRUE(host_allowed(def, "::1"));
    // DNS rebinding: a foreign name pointing at the node.
    EXPECT_FALSE(host_allowed(def, "evil.example:8545"));
    EXPECT_FALSE(host_allowed(def, "localhost.evil.example"));
    EXPECT_FALSE(host_allowed(def, "1.2.3.4.evil.example"));
    EXPECT_FALSE(host_allowed({}, "localhost"));
    EXPECT_TRUE(host_allowed({"*"}, "evil.example"));
    EXPECT_TRUE(host_allowed({"rpc.example", "localhost"}, "RPC.example:443"));
}
