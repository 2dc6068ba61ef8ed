#include "core/rlp_decode.hpp"

#include "core/hex.hpp"
#include "core/rlp_encode.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::rlp;

namespace {
Bytes hx(std::string_view s)
{
    return *from_hex(s);
}

DecodingError item_error(std::string_view hex)
{
    const Bytes in = hx(hex);
    auto r = decode_item_exact(in);
    EXPECT_FALSE(r.has_value()) << hex;
    return r.has_value() ? DecodingError::TooDeep : r.error();
}
}  // namespace

TEST(RlpDecode, HeaderShortString)
{
    const Bytes in = hx("83646f67");
    BytesView v = in;
    auto h = decode_header(v);
    ASSERT_TRUE(h);
    EXPECT_FALSE(h->list);
    EXPECT_EQ(h->payload_length, 3u);
    EXPECT_EQ(v.size(), 3u);
}

TEST(RlpDecode, HeaderSingleByteConsumesNothing)
{
    const Bytes in = hx("7f");
    BytesView v = in;
    auto h = decode_header(v);
    ASSERT_TRUE(h);
    EXPECT_FALSE(h->list);
    EXPECT_EQ(h->payload_length, 1u);
    EXPECT_EQ(v.size(), 1u);
}

TEST(RlpDecode, HeaderLongList)
{
    Bytes in = hx("f838");
    in.resize(2 + 56, 0x01);
    BytesView v = in;
    auto h = decode_header(v);
    ASSERT_TRUE(h);
    EXPECT_TRUE(h->list);
    EXPECT_EQ(h->payload_length, 56u);
}

TEST(RlpDecode, BytesAndAdvance)
{
    const Bytes in = hx("83646f6780");
    BytesView v = in;
    auto a = decode_bytes(v);
    ASSERT_TRUE(a);
    EXPECT_EQ(to_hex(*a), "0x646f67");
    auto b = decode_bytes(v);
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->empty());
    EXPECT_TRUE(v.empty());
    EXPECT_EQ(decode_bytes(v).error(), DecodingError::InputTooShort);
}

TEST(RlpDecode, BytesRejectsList)
{
    const Bytes in = hx("c0");
    BytesView v = in;
    EXPECT_EQ(decode_bytes(v).error(), DecodingError::UnexpectedList);
}

TEST(RlpDecode, ListRejectsString)
{
    const Bytes in = hx("80");
    BytesView v = in;
    EXPECT_EQ(decode_list(v).error(), DecodingError::UnexpectedString);
}

TEST(RlpDecode, ListPayload)
{
    const Bytes in = hx("c6827a77c10401ff");
    BytesView v = in;
    auto p = decode_list(v);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->size(), 6u);
    EXPECT_EQ(v.size(), 1u);  // the trailing 0xff is left for the caller
}

TEST(RlpDecode, U64Values)
{
    for (uint64_t x : {uint64_t{0}, uint64_t{1}, uint64_t{0x7f}, uint64_t{0x80}, uint64_t{1000},
                       uint64_t{0xffffffffffffffff}})
    {
        Bytes enc;
        encode_uint(enc, x);
        BytesView v = enc;
        auto d = decode_u64(v);
        ASSERT_TRUE(d) << x;
        EXPECT_EQ(*d, x);
        EXPECT_TRUE(v.empty());
    }
}

TEST(RlpDecode, U64Rejections)
{
    auto err = [](std::string_view h) {
        const Bytes in = hx(h);
        BytesView v = in;
        auto r = decode_u64(v);
        EXPECT_FALSE(r.has_value()) << h;
        return r.has_value() ? DecodingError::TooDeep : r.error();
    };
    EXPECT_EQ(err("00"), DecodingError::LeadingZero);  // zero must be 0x80
    EXPECT_EQ(err("820001"), DecodingError::LeadingZero);
    EXPECT_EQ(err("8100"), DecodingError::NonCanonicalSingleByte);
    EXPECT_EQ(err("8101"), DecodingError::NonCanonicalSingleByte);
    EXPECT_EQ(err("89010000000000000000"), DecodingError::Overflow);
    EXPECT_EQ(err("c0"), DecodingError::UnexpectedList);
    EXPECT_EQ(err("82ff"), DecodingError::InputTooShort);
    EXPECT_EQ(err(""), DecodingError::InputTooShort);
}

TEST(RlpDecode, U256Values)
{
    const Bytes max = hx("a0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    BytesView v = max;
    auto d = decode_u256(v);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, U256::max());
    const Bytes small = hx("8203e8");
    v = small;
    EXPECT_EQ(*decode_u256(v), U256{1000});
    const Bytes zero = hx("80");
    v = zero;
    EXPECT_EQ(*decode_u256(v), U256{0});
}

TEST(RlpDecode, U256Rejections)
{
    const Bytes too_big =
        hx("a1010000000000000000000000000000000000000000000000000000000000000000");
    BytesView v = too_big;
    EXPECT_EQ(decode_u256(v).error(), DecodingError::Overflow);
    const Bytes lz = hx("a000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    v = lz;
    EXPECT_EQ(decode_u256(v).error(), DecodingError::LeadingZero);
}

TEST(RlpDecode, FixedSize)
{
    const Bytes addr = hx("94095e7baea6a6c7c4c2dfeb977efac326af552d87");
    BytesView v = addr;
    auto a = decode_fixed<Address>(v);
    ASSERT_TRUE(a);
    EXPECT_EQ(to_hex(*a), "0x095e7baea6a6c7c4c2dfeb977efac326af552d87");
    const Bytes short_addr = hx("93095e7baea6a6c7c4c2dfeb977efac326af552d");
    v = short_addr;
    EXPECT_EQ(decode_fixed<Address>(v).error(), DecodingError::UnexpectedLength);
}

TEST(RlpDecode, NonCanonicalLengths)
{
    EXPECT_EQ(item_error("b800"), DecodingError::LeadingZero);
    EXPECT_EQ(item_error("b90040"), DecodingError::LeadingZero);
    EXPECT_EQ(item_error("b801ff"), DecodingError::NonCanonicalSize);
    EXPECT_EQ(item_error("f803112233"), DecodingError::NonCanonicalSize);
    EXPECT_EQ(item_error("f80180"), DecodingError::NonCanonicalSize);
    EXPECT_EQ(item_error("817f"), DecodingError::NonCanonicalSingleByte);
}

TEST(RlpDecode, Truncation)
{
    EXPECT_EQ(item_error(""), DecodingError::InputTooShort);
    EXPECT_EQ(item_error("81"), DecodingError::InputTooShort);
    EXPECT_EQ(item_error("b8"), DecodingError::InputTooShort);
    EXPECT_EQ(item_error("c5010203"), DecodingError::InputTooShort);
    EXPECT_EQ(item_error("ba010000aabbccddeeff"), DecodingError::InputTooShort);
    EXPECT_EQ(item_error("bf0f000000000000021111"), DecodingError::InputTooShort);
    EXPECT_EQ(item_error("ffffffffffffffffff0001020304050607"), DecodingError::InputTooShort);
    // An inner item that overruns its enclosing list (but not the whole input).
    EXPECT_EQ(item_error("c18201"), DecodingError::InputTooShort);
}

TEST(RlpDecode, LengthOfLengthOverflow)
{
    // The largest long-form prefix carries 8 length bytes; the biggest such length must be
    // rejected as too short rather than wrapping around in pointer arithmetic.
    EXPECT_EQ(item_error("bfffffffffffffffff"), DecodingError::InputTooShort);
}

TEST(RlpDecode, TrailingBytes)
{
    EXPECT_EQ(item_error("8000"), DecodingError::InputTooLong);
    EXPECT_EQ(item_error("c0c0"), DecodingError::InputTooLong);
}

TEST(RlpDecode, ItemTree)
{
    const Bytes in = hx("c7c0c1c0c3c0c1c0");
    auto item = decode_item_exact(in);
    ASSERT_TRUE(item);
    ASSERT_TRUE(item->is_list);
    ASSERT_EQ(item->items.size(), 3u);
    EXPECT_TRUE(item->items[0].items.empty());
    ASSERT_EQ(item->items[1].items.size(), 1u);
    ASSERT_EQ(item->items[2].items.size(), 2u);
    EXPECT_EQ(encode_item(*item), in);
}

TEST(RlpDecode, ItemStringsRoundTrip)
{
    const Bytes in = hx("cc83646f6783676f6483636174");
    auto item = decode_item_exact(in);
    ASSERT_TRUE(item);
    ASSERT_EQ(item->items.size(), 3u);
    EXPECT_EQ(item->items[1].bytes, to_bytes(as_bytes("god")));
    EXPECT_EQ(encode_item(*item), in);
}

TEST(RlpDecode, DepthLimit)
{
    // kMaxItemDepth + 1 nested lists decode; one more level is rejected.
    RlpItem leaf;
    leaf.is_list = true;
    RlpItem cur = leaf;
    for (size_t i = 0; i < kMaxItemDepth; ++i)
    {
        RlpItem outer;
        outer.is_list = true;
        outer.items.push_back(std::move(cur));
        cur = std::move(outer);
    }
    const Bytes at_limit = encode_item(cur);
    EXPECT_TRUE(decode_item_exact(at_limit).has_value());
    RlpItem deeper;
    deeper.is_list = true;
    deeper.items.push_back(std::move(cur));
    const Bytes over = encode_item(deeper);
    EXPECT_EQ(decode_item_exact(over).error(), DecodingError::TooDeep);
}

TEST(RlpDecode, ErrorNames)
{
    EXPECT_EQ(to_string(DecodingError::LeadingZero), "rlp: leading zero bytes");
    EXPECT_EQ(to_string(DecodingError::InputTooShort), "rlp: input too short");
}
