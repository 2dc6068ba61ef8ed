#include "rpc/random_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

// geth's ids of subscriptions and filters: "0x" + 16 random bytes in hex, no leading zeros.
TEST(RandomId, GethsShape)
{
    std::mt19937_64 rng{42};
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i)
    {
        const std::string id = tern::rpc::random_id(rng);
        ASSERT_GE(id.size(), 3u);
        ASSERT_LE(id.size(), 34u);
        EXPECT_EQ(id.substr(0, 2), "0x");
        EXPECT_NE(id[2], '0') << id;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 2), std::string::npos) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
