#include "core/duration.hpp"

#include <gtest/gtest.h>

namespace tern {
namespace {

using namespace std::chrono_literals;

std::chrono::nanoseconds parsed(std::string_view s)
{
    const auto d = parse_go_duration(s);
    EXPECT_TRUE(d) << s << ": " << (d ? "" : d.error());
    return d ? *d : std::chrono::nanoseconds{-1};
}

std::string error_of(std::string_view s)
{
    const auto d = parse_go_duration(s);
    return d ? std::string("(no error)") : d.error();
}

TEST(GoDuration, ParsesGoSyntax)
{
    EXPECT_EQ(parsed("0"), 0s);
    EXPECT_EQ(parsed("5s"), 5s);
    EXPECT_EQ(parsed("200ms"), 200ms);
    EXPECT_EQ(parsed("1m30s"), 90s);
    EXPECT_EQ(parsed("1.5s"), 1500ms);
    EXPECT_EQ(parsed(".5s"), 500ms);
    EXPECT_EQ(parsed("1.s"), 1s);
    EXPECT_EQ(parsed("2h45m"), 165min);
    EXPECT_EQ(parsed("10us"), 10us);
    EXPECT_EQ(parsed("10\xc2\xb5s"), 10us);
    EXPECT_EQ(parsed("10\xce\xbcs"), 10us);
    EXPECT_EQ(parsed("7ns"), 7ns);
    EXPECT_EQ(parsed("+3s"), 3s);
    EXPECT_EQ(parsed("-3s"), -3s);
    EXPECT_EQ(parsed("0.000000001s"), 1ns);
    EXPECT_EQ(parsed("1.000000000000000000001s"), 1s);  // digits past 18 ignored
}

TEST(GoDuration, RefusesWithGoMessages)
{
    EXPECT_EQ(error_of(""), "time: invalid duration \"\"");
    EXPECT_EQ(error_of("abc"), "time: invalid duration \"abc\"");
    EXPECT_EQ(error_of("5"), "time: missing unit in duration \"5\"");
    EXPECT_EQ(error_of("5d"), "time: unknown unit \"d\" in duration \"5d\"");
    EXPECT_EQ(error_of(".s"), "time: invalid duration \".s\"");
    EXPECT_EQ(error_of("9999999999h"), "time: invalid duration \"9999999999h\"");
    EXPECT_EQ(error_of("-"), "time: invalid duration \"-\"");
}

TEST(GoDuration, FormatsLikeGo)
{
    EXPECT_EQ(format_go_duration(0s), "0s");
    EXPECT_EQ(format_go_duration(5s), "5s");
    EXPECT_EQ(format_go_duration(200ms), "200ms");
    EXPECT_EQ(format_go_duration(1500ms), "1.5s");
    EXPECT_EQ(format_go_duration(90s), "1m30s");
    EXPECT_EQ(format_go_duration(1h), "1h0m0s");
    EXPECT_EQ(format_go_duration(1500us), "1.5ms");
    EXPECT_EQ(format_go_duration(1500ns), "1.5\xc2\xb5s");
    EXPECT_EQ(format_go_duration(7ns), "7ns");
    EXPECT_EQ(format_go_duration(-2s), "-2s");
    EXPECT_EQ(format_go_duration(3723001ms), "1h2m3.001s");
}

TEST(Timeout, AcceptsDurationsAndSeconds)
{
    EXPECT_EQ(*parse_timeout("5s"), 5s);
    EXPECT_EQ(*parse_timeout("5"), 5s);
    EXPECT_EQ(*parse_timeout("0.25"), 250ms);
    EXPECT_EQ(*parse_timeout("0"), 0s);
    EXPECT_EQ(*parse_timeout("250ms"), 250ms);
    EXPECT_FALSE(parse_timeout("-1s"));
    EXPECT_FALSE(parse_timeout("1..2"));
    EXPECT_FALSE(parse_timeout("soon"));
    EXPECT_FALSE(parse_timeout(""));
}

}  // namespace
}  // namespace tern
