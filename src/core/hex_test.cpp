#include "core/hex.hpp"

#include <gtest/gtest.h>

using namespace tern;

TEST(Hex, ToHexPrefixAndCase)
{
    const Bytes b = {0x00, 0x01, 0xab, 0xff};
    EXPECT_EQ(to_hex(b), "0x0001abff");
    EXPECT_EQ(to_hex(b, false), "0001abff");
    EXPECT_EQ(to_hex(BytesView{}), "0x");
    EXPECT_EQ(to_hex(BytesView{}, false), "");
}

TEST(Hex, FromHexWithAndWithoutPrefix)
{
    EXPECT_EQ(from_hex("0x0001abff"), (Bytes{0x00, 0x01, 0xab, 0xff}));
    EXPECT_EQ(from_hex("0001ABFF"), (Bytes{0x00, 0x01, 0xab, 0xff}));
    EXPECT_EQ(from_hex("0XaB"), (Bytes{0xab}));
    EXPECT_EQ(from_hex("0x"), Bytes{});
    EXPECT_EQ(from_hex(""), Bytes{});
}

TEST(Hex, FromHexOddLengthGetsLeadingZeroNibble)
{
    EXPECT_EQ(from_hex("0x1"), (Bytes{0x01}));
    EXPECT_EQ(from_hex("abc"), (Bytes{0x0a, 0xbc}));
}

TEST(Hex, FromHexRejectsNonHex)
{
    EXPECT_FALSE(from_hex("0xg0").has_value());
    EXPECT_FALSE(from_hex("0x0g").has_value());
    EXPECT_FALSE(from_hex("g").has_value());  // odd-length first digit
    EXPECT_FALSE(from_hex("0x 1").has_value());
    EXPECT_FALSE(from_hex("x1").has_value());
    EXPECT_FALSE(from_hex("0x0x").has_value());  // only one prefix is stripped
}

TEST(Hex, RoundTripAllBytes)
{
    Bytes all(256);
    for (size_t i = 0; i < all.size(); ++i)
        all[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(from_hex(to_hex(all)), all);
    EXPECT_EQ(from_hex(to_hex(all, false)), all);
}

TEST(Hex, FixedFromHexPadsLeft)
{
    const auto a = fixed_from_hex<Address>("0x01");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(*a, address_from_u64(1));
    const auto h = fixed_from_hex<Hash256>("0x" + std::string(64, 'f'));
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->bytes[0], 0xff);
    EXPECT_EQ(h->bytes[31], 0xff);
    const auto z = fixed_from_hex<Hash256>("");
    ASSERT_TRUE(z.has_value());
    EXPECT_TRUE(z->is_zero());
}

TEST(Hex, FixedFromHexRejectsTooLongOrBad)
{
    EXPECT_FALSE(fixed_from_hex<Address>("0x" + std::string(42, '1')).has_value());
    EXPECT_TRUE(fixed_from_hex<Address>("0x" + std::string(40, '1')).has_value());
    EXPECT_FALSE(fixed_from_hex<Address>("0xzz").has_value());
}

TEST(Hex, FixedToHex)
{
    EXPECT_EQ(to_hex(address_from_u64(0x1234)), "0x0000000000000000000000000000000000001234");
}
