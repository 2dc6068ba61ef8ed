#include "core/bytes.hpp"

#include <gtest/gtest.h>

#include <unordered_map>
#include <unordered_set>

using namespace tern;

TEST(Bytes, AddressFromU64IsBigEndianInLastBytes)
{
    const Address a = address_from_u64(0x0102030405060708ull);
    for (size_t i = 0; i < 12; ++i)
        EXPECT_EQ(a.bytes[i], 0) << i;
    EXPECT_EQ(a.bytes[12], 0x01);
    EXPECT_EQ(a.bytes[19], 0x08);
    EXPECT_TRUE(address_from_u64(0).is_zero());
    EXPECT_FALSE(address_from_u64(1).is_zero());
}

TEST(Bytes, FixedBytesCompareLexicographically)
{
    Hash256 a, b;
    EXPECT_EQ(a, b);
    b.bytes[31] = 1;
    EXPECT_NE(a, b);
    EXPECT_LT(a, b);
    a.bytes[0] = 1;  // the first byte dominates
    EXPECT_GT(a, b);
    EXPECT_LT(address_from_u64(1), address_from_u64(2));
    EXPECT_LT(address_from_u64(0xff), address_from_u64(0x100));
}

TEST(Bytes, ViewAndSize)
{
    Address a = address_from_u64(7);
    EXPECT_EQ(Address::size(), 20u);
    EXPECT_EQ(a.view().size(), 20u);
    EXPECT_EQ(a.view()[19], 7);
    a[0] = 9;
    EXPECT_EQ(a.data()[0], 9);
}

TEST(Bytes, ToBytesAndAsBytes)
{
    const BytesView v = as_bytes("ab");
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0], 'a');
    EXPECT_EQ(to_bytes(v), (Bytes{'a', 'b'}));
    EXPECT_TRUE(to_bytes({}).empty());
}

TEST(Bytes, HashableInUnorderedContainers)
{
    std::unordered_map<Address, int> m;
    for (uint64_t i = 0; i < 100; ++i)
        m[address_from_u64(i)] = static_cast<int>(i);
    EXPECT_EQ(m.size(), 100u);
    EXPECT_EQ(m.at(address_from_u64(42)), 42);
    std::unordered_set<Hash256> s;
    Hash256 h;
    s.insert(h);
    h.bytes[0] = 1;  // differs only outside the bytes the hash reads: still distinct keys
    s.insert(h);
    EXPECT_EQ(s.size(), 2u);
}
