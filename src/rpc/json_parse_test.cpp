#include "rpc/json_parse.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace tern::rpc;

namespace {

std::string nested(size_t depth)
{
    return std::string(depth, '[') + std::string(depth, ']');
}

TEST(ParseClientJson, ParsesWithinTheLimit)
{
    const auto doc = parse_client_json(R"({"a":[1,{"b":"[[["}]})");
    ASSERT_TRUE(doc);
    EXPECT_EQ((*doc)["a"][1]["b"], "[[[");
    EXPECT_TRUE(parse_client_json(nested(kMaxJsonDepth)));
}

TEST(ParseClientJson, RefusesDeeperNestingBeforeParsing)
{
    const auto one_more = parse_client_json(nested(kMaxJsonDepth + 1));
    ASSERT_FALSE(one_more);
    EXPECT_EQ(one_more.error(), JsonError::TooDeep);
    // 80,000 levels (half a megabyte) would overflow a stack in the first copy of the value.
    const auto deep = parse_client_json(nested(80'000));
    ASSERT_FALSE(deep);
    EXPECT_EQ(deep.error(), JsonError::TooDeep);
    // Objects count as arrays do; brackets inside strings do not count.
    std::string objects;
    for (size_t i = 0; i < kMaxJsonDepth + 1; ++i)
        objects += R"({"a":)";
    objects += "1" + std::string(kMaxJsonDepth + 1, '}');
    EXPECT_EQ(parse_client_json(objects).error(), JsonError::TooDeep);
    EXPECT_TRUE(parse_client_json("\"" + std::string(1000, '[') + "\""));
}

TEST(ParseClientJson, LimitIsConfigurable)
{
    EXPECT_EQ(parse_client_json(nested(3), 2).error(), JsonError::TooDeep);
    EXPECT_TRUE(parse_client_json(nested(2), 2));
    EXPECT_TRUE(parse_client_json(nested(1000), 0));  // 0: no limit
}

TEST(ParseClientJson, MalformedIsNotTooDeep)
{
    EXPECT_EQ(parse_client_json("{").error(), JsonError::Malformed);
    EXPECT_EQ(parse_client_json("").error(), JsonError::Malformed);
    EXPECT_EQ(parse_client_json("[1,]").error(), JsonError::Malformed);
}

}  // namespace
