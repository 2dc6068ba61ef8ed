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
    objects += '1';
    objects.append(kMaxJsonDepth + 1, '}');
    EXPECT_EQ(parse_client_json(objects).error(), JsonError::TooDeep);
    std::string brackets = "\"";
    brackets.append(1000, '[');
    brackets += '"';
    EXPECT_TRUE(parse_client_json(brackets));
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

TEST(ParseClientJson, FastPathGivesNlohmannsValues)
{
    // Whichever parser takes a document, the value is nlohmann's own parse of it: number types
    // (non-negative integers unsigned), escapes, duplicate keys (the last wins), big integers
    // and -0 (left to nlohmann), and documents past the per-thread parser's size.
    std::string big = "{\"data\":\"0x";
    big.append(200'000, 'a');
    big += "\",\"n\":[1,-2]}";
    for (const std::string& text :
         {std::string(R"({"a":1,"b":-2,"c":1.5,"d":18446744073709551615,"e":true,"f":null})"),
          std::string(R"(["\u00e9\n\"x\"", "\u0000", {"k":1,"k":2}])"),
          std::string(R"({"id":123456789012345678901234567890,"z":-0,"w":-0.0})"),
          std::string(R"([1e2, 0.1, -9223372036854775808, 9223372036854775808])"), big})
    {
        const auto fast = parse_client_json(text);
        ASSERT_TRUE(fast) << text.substr(0, 80);
        const auto slow = nlohmann::json::parse(text);
        EXPECT_EQ(*fast, slow) << text.substr(0, 80);
        EXPECT_EQ(fast->dump(), slow.dump()) << text.substr(0, 80);
    }
    EXPECT_TRUE((*parse_client_json("[5]"))[0].is_number_unsigned());
    EXPECT_TRUE((*parse_client_json("[-5]"))[0].is_number_integer());
    for (const char* bad : {"{", "[1,]", "\"\xff\"", "[1] x", "", "{\"a\" 1}"})
        EXPECT_FALSE(parse_client_json(bad)) << bad;
}
