#include "db/codec.hpp"

#include "db/test_blocks.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::db;

TEST(DbCodec, KeysSortNumerically)
{
    EXPECT_LT(codec::number_key(255).view(), codec::number_key(256).view());
    EXPECT_LT(codec::number_key(1).view(), codec::number_key(1ULL << 40).view());
    EXPECT_LT(codec::tx_key(1, 0xffffffff).view(), codec::tx_key(2, 0).view());
    EXPECT_LT(codec::tx_key(1, 255).view(), codec::tx_key(1, 256).view());
    const Address a = address_from_u64(7);
    EXPECT_LT(codec::account_history_key(a, 9).view(), codec::account_history_key(a, 10).view());
    EXPECT_LT(codec::storage_history_key(a, 1, 1000).view(),
              codec::storage_history_key(a, 2, 0).view());
    // a storage key is the prefix of that slot's history keys
    const auto sk = codec::storage_key(a, U256::max());
    const auto hk = codec::storage_history_key(a, U256::max(), 3);
    EXPECT_EQ(hk.view().substr(0, 52), sk.view());
    EXPECT_EQ(codec::get_u64(codec::number_key(0x0102030405060708).bytes.data()),
              0x0102030405060708u);
}

TEST(DbCodec, AccountRoundTrip)
{
    state::AccountInfo a;
    a.nonce = 0xdeadbeef12345678;
    a.balance = U256::max() - 5;
    a.code_hash = keccak256(Bytes{1, 2, 3});
    const auto enc = codec::encode_account(a);
    EXPECT_EQ(codec::decode_account(enc), a);
    EXPECT_EQ(codec::decode_account(BytesView(enc).first(71)), std::nullopt);
    EXPECT_EQ(codec::decode_account({}), std::nullopt);
}

TEST(DbCodec, SlotRoundTrip)
{
    for (const U256& v : {U256{0}, U256{1}, U256{256}, U256::max()})
        EXPECT_EQ(codec::decode_slot(codec::encode_slot(v)), v);
    EXPECT_TRUE(codec::encode_slot(0).empty());
    EXPECT_EQ(codec::encode_slot(0x1234), (Bytes{0x12, 0x34}));
    EXPECT_EQ(codec::decode_slot(Bytes(33, 1)), std::nullopt);
}

TEST(DbCodec, ReceiptsRoundTrip)
{
    std::vector<execution::Receipt> rs;
    for (uint64_t i = 0; i < 7; ++i)
        rs.push_back(db::testing::make_receipt(i, 21000 * (i + 1)));
    rs[3].type = TxType::Legacy;
    rs[4].type = TxType::Blob;
    rs[4].blob_gas_used = 131072;
    const auto enc = codec::encode_receipts(rs);
    const auto dec = codec::decode_receipts(enc);
    ASSERT_TRUE(dec);
    ASSERT_EQ(dec->size(), rs.size());
    for (size_t i = 0; i < rs.size(); ++i)
    {
        EXPECT_EQ((*dec)[i].type, rs[i].type);
        EXPECT_EQ((*dec)[i].success, rs[i].success);
        EXPECT_EQ((*dec)[i].gas_used, rs[i].gas_used);
        EXPECT_EQ((*dec)[i].cumulative_gas_used, rs[i].cumulative_gas_used);
        EXPECT_EQ((*dec)[i].blob_gas_used, rs[i].blob_gas_used);
        EXPECT_EQ((*dec)[i].logs, rs[i].logs);
        EXPECT_EQ((*dec)[i].bloom, rs[i].bloom);
    }
    // Skipping blooms: the same receipts with zero blooms.
    const auto no_blooms = codec::decode_receipts(enc, codec::Blooms::Skip);
    ASSERT_TRUE(no_blooms);
    ASSERT_EQ(no_blooms->size(), rs.size());
    bool any_bloom = false;
    for (size_t i = 0; i < rs.size(); ++i)
    {
        EXPECT_EQ((*no_blooms)[i].logs, rs[i].logs);
        EXPECT_EQ((*no_blooms)[i].bloom, execution::Bloom{});
        any_bloom = any_bloom || rs[i].bloom != execution::Bloom{};
    }
    EXPECT_TRUE(any_bloom);  // the test receipts have logs
    const auto empty = codec::decode_receipts(codec::encode_receipts({}));
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
    // truncated or trailing bytes are rejected
    EXPECT_FALSE(codec::decode_receipts(BytesView(enc).first(enc.size() - 1)));
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(codec::decode_receipts(longer));
}

TEST(DbCodec, ChangesRoundTrip)
{
    Bytes out;
    const Address a = address_from_u64(1);
    const Address b = address_from_u64(2);
    const U256 slot = U256::max() - 1;
    codec::append_change(out, a, nullptr);
    codec::append_change(out, b, &slot);
    const auto dec = codec::decode_changes(out);
    ASSERT_TRUE(dec);
    ASSERT_EQ(dec->size(), 2u);
    EXPECT_EQ((*dec)[0].address, a);
    EXPECT_FALSE((*dec)[0].slot);
    EXPECT_EQ((*dec)[1].address, b);
    EXPECT_EQ((*dec)[1].slot, slot);
    EXPECT_FALSE(codec::decode_changes(BytesView(out).first(out.size() - 1)));
    out[0] = 7;
    EXPECT_FALSE(codec::decode_changes(out));
}
