#include "core/rlp_encode.hpp"
#include "core/hex.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

using namespace tern;

namespace {
std::string enc_bytes(BytesView s)
{
    return to_hex(rlp::encode(s));
}

std::string enc_uint(uint64_t v)
{
    Bytes out;
    rlp::encode_uint(out, v);
    return to_hex(out);
}

std::string enc_list_header(size_t len)
{
    Bytes out;
    rlp::encode_list_header(out, len);
    return to_hex(out);
}
}  // namespace

TEST(RlpEncode, EmptyAndSingleBytes)
{
    EXPECT_EQ(enc_bytes({}), "0x80");
    const uint8_t zero = 0x00, x7f = 0x7f, x80 = 0x80, xff = 0xff;
    EXPECT_EQ(enc_bytes({&zero, 1}), "0x00");  // a single byte < 0x80 is its own encoding
    EXPECT_EQ(enc_bytes({&x7f, 1}), "0x7f");
    EXPECT_EQ(enc_bytes({&x80, 1}), "0x8180");  // 0x80 itself needs a header
    EXPECT_EQ(enc_bytes({&xff, 1}), "0x81ff");
}

TEST(RlpEncode, ShortStrings)
{
    EXPECT_EQ(enc_bytes(as_bytes("dog")), "0x83646f67");
    const std::string s55(55, 'a');
    const Bytes e55 = rlp::encode(as_bytes(s55));
    ASSERT_EQ(e55.size(), 56u);
    EXPECT_EQ(e55[0], 0x80 + 55);  // longest short form
    EXPECT_EQ(e55[1], 'a');
}

TEST(RlpEncode, LongStrings)
{
    const std::string s56(56, 'b');
    const Bytes e56 = rlp::encode(as_bytes(s56));
    ASSERT_EQ(e56.size(), 58u);
    EXPECT_EQ(e56[0], 0xb8);
    EXPECT_EQ(e56[1], 56);
    EXPECT_EQ(e56[2], 'b');

    const std::string s1024(1024, 'c');
    const Bytes e1024 = rlp::encode(as_bytes(s1024));
    ASSERT_EQ(e1024.size(), 1027u);
    EXPECT_EQ(e1024[0], 0xb9);
    EXPECT_EQ(e1024[1], 0x04);
    EXPECT_EQ(e1024[2], 0x00);

    const Bytes big(0x10000, 0x01);  // length needs three bytes
    const Bytes ebig = rlp::encode(big);
    ASSERT_EQ(ebig.size(), 0x10000u + 4);
    EXPECT_EQ(ebig[0], 0xba);
    EXPECT_EQ(ebig[1], 0x01);
    EXPECT_EQ(ebig[2], 0x00);
    EXPECT_EQ(ebig[3], 0x00);
}

TEST(RlpEncode, Integers)
{
    EXPECT_EQ(enc_uint(0), "0x80");  // zero is the empty string
    EXPECT_EQ(enc_uint(1), "0x01");
    EXPECT_EQ(enc_uint(0x7f), "0x7f");
    EXPECT_EQ(enc_uint(0x80), "0x8180");
    EXPECT_EQ(enc_uint(0xff), "0x81ff");
    EXPECT_EQ(enc_uint(0x100), "0x820100");
    EXPECT_EQ(enc_uint(1024), "0x820400");
    EXPECT_EQ(enc_uint(0xffffff), "0x83ffffff");
    EXPECT_EQ(enc_uint(0x0100000000000000ull), "0x880100000000000000");
    EXPECT_EQ(enc_uint(UINT64_MAX), "0x88ffffffffffffffff");
}

TEST(RlpEncode, AppendsToExistingBuffer)
{
    Bytes out = {0xaa};
    rlp::encode_uint(out, 5);
    rlp::encode_bytes(out, as_bytes("hi"));
    EXPECT_EQ(to_hex(out), "0xaa05826869");
}

TEST(RlpEncode, ListHeaders)
{
    EXPECT_EQ(enc_list_header(0), "0xc0");
    EXPECT_EQ(enc_list_header(55), "0xf7");
    EXPECT_EQ(enc_list_header(56), "0xf838");
    EXPECT_EQ(enc_list_header(255), "0xf8ff");
    EXPECT_EQ(enc_list_header(256), "0xf90100");
    EXPECT_EQ(enc_list_header(0x1000000), "0xfb01000000");
}

TEST(RlpEncode, WrapList)
{
    EXPECT_EQ(to_hex(rlp::wrap_list({})), "0xc0");
    // ["cat", "dog"]
    Bytes payload;
    rlp::encode_bytes(payload, as_bytes("cat"));
    rlp::encode_bytes(payload, as_bytes("dog"));
    EXPECT_EQ(to_hex(rlp::wrap_list(payload)), "0xc88363617483646f67");
    // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ]
    const Bytes empty = rlp::wrap_list({});
    Bytes one_p = empty;
    const Bytes one = rlp::wrap_list(one_p);
    Bytes two_p = empty;
    two_p.insert(two_p.end(), one.begin(), one.end());
    const Bytes two = rlp::wrap_list(two_p);
    Bytes three_p = empty;
    three_p.insert(three_p.end(), one.begin(), one.end());
    three_p.insert(three_p.end(), two.begin(), two.end());
    EXPECT_EQ(to_hex(rlp::wrap_list(three_p)), "0xc7c0c1c0c3c0c1c0");
}

TEST(RlpEncode, LongList)
{
    // A list of 20 three-byte strings: 80-byte payload needs the long form.
    Bytes payload;
    for (int i = 0; i < 20; ++i)
        rlp::encode_bytes(payload, as_bytes("abc"));
    const Bytes l = rlp::wrap_list(payload);
    ASSERT_EQ(l.size(), 82u);
    EXPECT_EQ(l[0], 0xf8);
    EXPECT_EQ(l[1], 80);
    EXPECT_EQ(l[2], 0x83);
}

TEST(RlpEncode, TrimLeadingZeros)
{
    const Bytes a = {0, 0, 1, 0};
    EXPECT_EQ(to_bytes(rlp::trim_leading_zeros(a)), (Bytes{1, 0}));
    const Bytes zeros = {0, 0, 0};
    EXPECT_TRUE(rlp::trim_leading_zeros(zeros).empty());
    EXPECT_TRUE(rlp::trim_leading_zeros({}).empty());
    const Bytes none = {7};
    EXPECT_EQ(rlp::trim_leading_zeros(none).size(), 1u);
}
