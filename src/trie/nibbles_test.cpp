#include "trie/nibbles.hpp"
#include "core/hex.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::trie;

namespace {
Bytes nibs(std::initializer_list<uint8_t> n)
{
    return Bytes(n);
}
}  // namespace

TEST(Nibbles, ToNibblesHighHalfFirst)
{
    const Bytes key = {0x12, 0xab, 0x00};
    EXPECT_EQ(to_nibbles(key), nibs({1, 2, 0xa, 0xb, 0, 0}));
    EXPECT_TRUE(to_nibbles({}).empty());
    EXPECT_EQ(nibble_at(key, 0), 1);
    EXPECT_EQ(nibble_at(key, 3), 0xb);
}

// The Yellow Paper / wiki examples of hex-prefix encoding.
TEST(HexPrefix, ExtensionEvenOdd)
{
    EXPECT_EQ(to_hex(hex_prefix_encode(nibs({1, 2, 3, 4, 5}), false)), "0x112345");
    EXPECT_EQ(to_hex(hex_prefix_encode(nibs({0, 1, 2, 3, 4, 5}), false)), "0x00012345");
    EXPECT_EQ(to_hex(hex_prefix_encode(nibs({}), false)), "0x00");
    EXPECT_EQ(to_hex(hex_prefix_encode(nibs({7}), false)), "0x17");
}

TEST(HexPrefix, LeafEvenOdd)
{
    EXPECT_EQ(to_hex(hex_prefix_encode(nibs({0, 0xf, 1, 0xc, 0xb, 8}), true)), "0x200f1cb8");
    EXPECT_EQ(to_hex(hex_prefix_encode(nibs({0xf, 1, 0xc, 0xb, 8}), true)), "0x3f1cb8");
    EXPECT_EQ(to_hex(hex_prefix_encode(nibs({}), true)), "0x20");
}

TEST(HexPrefix, AppendFromKeyRangeMatchesNibbleEncoding)
{
    const Bytes key = {0x12, 0x34, 0x56, 0x78, 0x9a};
    const Bytes all = to_nibbles(key);
    for (size_t b = 0; b <= all.size(); ++b)
    {
        for (size_t e = b; e <= all.size(); ++e)
        {
            for (bool leaf : {false, true})
            {
                Bytes out = {0xee};  // appends, keeps what was there
                append_hex_prefix(out, key, b, e, leaf);
                Bytes expected = {0xee};
                const Bytes hp = hex_prefix_encode(BytesView(all).subspan(b, e - b), leaf);
                expected.insert(expected.end(), hp.begin(), hp.end());
                EXPECT_EQ(out, expected) << b << ".." << e << " leaf=" << leaf;
            }
        }
    }
}

TEST(HexPrefix, DecodeRoundTrip)
{
    for (size_t n = 0; n < 9; ++n)
    {
        Bytes path;
        for (size_t i = 0; i < n; ++i)
            path.push_back(static_cast<uint8_t>((i * 7 + 3) % 16));
        for (bool leaf : {false, true})
        {
            const auto d = hex_prefix_decode(hex_prefix_encode(path, leaf));
            ASSERT_TRUE(d.has_value());
            EXPECT_EQ(d->nibbles, path);
            EXPECT_EQ(d->leaf, leaf);
        }
    }
}

TEST(HexPrefix, DecodeRejectsMalformed)
{
    EXPECT_FALSE(hex_prefix_decode({}).has_value());
    const Bytes bad_flag = {0x40};
    EXPECT_FALSE(hex_prefix_decode(bad_flag).has_value());
    const Bytes bad_padding = {0x21, 0x23};  // even leaf with a non-zero padding nibble
    EXPECT_FALSE(hex_prefix_decode(bad_padding).has_value());
}
