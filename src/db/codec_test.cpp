#include "db/codec.hpp"

#include "core/keccak.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"
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

// A reverted receipt's reason (skaled's revertReason) is a 7th item, only when there is one:
// receipts stored before it existed read the same, and decode_receipt_at skims past it.
TEST(DbCodec, ReceiptsKeepTheRevertReason)
{
    std::vector<execution::Receipt> rs;
    for (uint64_t i = 0; i < 3; ++i)
        rs.push_back(db::testing::make_receipt(i, 21000 * (i + 1)));
    rs[0].success = false;
    rs[0].revert_reason = "bump refused";
    rs[1].success = false;  // reverted without a reason
    const auto enc = codec::encode_receipts(rs);
    const auto dec = codec::decode_receipts(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ((*dec)[0].revert_reason, "bump refused");
    EXPECT_EQ((*dec)[1].revert_reason, "");
    EXPECT_EQ((*dec)[2].revert_reason, "");
    const auto at = codec::decode_receipt_at(enc, 2);
    ASSERT_TRUE(at && *at);
    EXPECT_EQ((*at)->first_log_index, (*dec)[0].logs.size() + (*dec)[1].logs.size());
    EXPECT_EQ((*at)->previous_cumulative_gas, (*dec)[1].cumulative_gas_used);
    const auto first = codec::decode_receipt_at(enc, 0);
    ASSERT_TRUE(first && *first);
    EXPECT_EQ((*first)->receipt.revert_reason, "bump refused");

    // Without reasons the bytes are the format of before: 6 items per receipt.
    rs[0].revert_reason.clear();
    const auto plain = codec::encode_receipts(rs);
    EXPECT_EQ(plain.size() + 1 + std::string("bump refused").size(), enc.size());

    // A reason on a successful receipt, an empty one, or one past the cap is malformed.
    for (const std::string& bad :
         {std::string("x"), std::string(execution::kMaxRevertReasonBytes + 1, 'x')})
    {
        std::vector<execution::Receipt> one{db::testing::make_receipt(0, 21000)};
        one[0].success = bad.size() == 1;
        one[0].revert_reason = bad;
        EXPECT_FALSE(codec::decode_receipts(codec::encode_receipts(one))) << bad.size();
    }
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

namespace {

/// A block's receipts of every stored type (legacy, 2930, 1559, 4844, 7702), with 0..4 logs of
/// varied sizes (long data and many topics give long-form RLP headers) and some without logs.
std::vector<execution::Receipt> mixed_receipts(size_t n)
{
    static constexpr TxType kTypes[] = {TxType::Legacy, TxType::AccessList, TxType::DynamicFee,
                                        TxType::Blob, TxType::SetCode};
    std::vector<execution::Receipt> rs;
    uint64_t cumulative = 0;
    for (uint64_t i = 0; i < n; ++i)
    {
        cumulative += 21000 + i * 977;
        auto r = db::testing::make_receipt(i, cumulative);
        r.type = kTypes[i % 5];
        r.blob_gas_used = r.type == TxType::Blob ? 131072 * (1 + i % 6) : 0;
        if (i % 7 == 5)
            r.logs.clear();
        if (i % 11 == 4)  // a log with 4 topics and 100 bytes of data
        {
            state::Log big;
            big.address = address_from_u64(i);
            for (uint8_t t = 0; t < 4; ++t)
                big.topics.push_back(keccak256(Bytes{t, static_cast<uint8_t>(i)}));
            big.data.assign(100, static_cast<uint8_t>(i));
            r.logs.push_back(big);
        }
        r.bloom = execution::logs_bloom(r.logs);
        rs.push_back(std::move(r));
    }
    return rs;
}

/// Checks decode_receipt_at(enc, i) against the full decode for every index, and that the
/// indices past the end give nullopt.
void expect_receipt_at_matches(const Bytes& enc)
{
    const auto full = codec::decode_receipts(enc);
    ASSERT_TRUE(full);
    auto with_gas = *full;
    chain::fill_gas_used(with_gas);
    uint64_t logs_before = 0;
    for (size_t i = 0; i < full->size(); ++i)
    {
        const auto at = codec::decode_receipt_at(enc, i);
        ASSERT_TRUE(at) << at.error();
        ASSERT_TRUE(*at) << i;
        const auto& r = (*at)->receipt;
        const auto& want = (*full)[i];
        EXPECT_EQ(r.type, want.type) << i;
        EXPECT_EQ(r.success, want.success) << i;
        EXPECT_EQ(r.gas_used, want.gas_used) << i;
        EXPECT_EQ(r.cumulative_gas_used, want.cumulative_gas_used) << i;
        EXPECT_EQ(r.blob_gas_used, want.blob_gas_used) << i;
        EXPECT_EQ(r.logs, want.logs) << i;
        EXPECT_EQ(r.bloom, want.bloom) << i;
        EXPECT_EQ((*at)->previous_cumulative_gas, i == 0 ? 0 : (*full)[i - 1].cumulative_gas_used);
        EXPECT_EQ(r.cumulative_gas_used - (*at)->previous_cumulative_gas, with_gas[i].gas_used);
        EXPECT_EQ((*at)->first_log_index, logs_before) << i;
        logs_before += want.logs.size();
    }
    for (size_t past : {full->size(), full->size() + 1, full->size() + 1000})
    {
        const auto at = codec::decode_receipt_at(enc, past);
        ASSERT_TRUE(at) << at.error();
        EXPECT_FALSE(*at) << past;
    }
}

}  // namespace

TEST(DbCodec, ReceiptAtMatchesFullDecode)
{
    for (size_t n : {0, 1, 2, 5, 23, 300})
    {
        SCOPED_TRACE(n);
        expect_receipt_at_matches(codec::encode_receipts(mixed_receipts(n)));
    }
    // every receipt without logs, and every receipt with one
    auto rs = mixed_receipts(40);
    for (auto& r : rs)
        r.logs.clear();
    expect_receipt_at_matches(codec::encode_receipts(rs));
    for (size_t i = 0; i < rs.size(); ++i)
        rs[i].logs = db::testing::make_receipt(1, 0).logs;
    expect_receipt_at_matches(codec::encode_receipts(rs));
}

TEST(DbCodec, ReceiptAtRejectsTruncatedAndTrailingBytes)
{
    const Bytes enc = codec::encode_receipts(mixed_receipts(12));
    for (size_t len = 0; len < enc.size(); ++len)
        for (size_t index : {size_t{0}, size_t{6}, size_t{11}, size_t{12}})
            EXPECT_FALSE(codec::decode_receipt_at(BytesView(enc).first(len), index))
                << len << " " << index;
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(codec::decode_receipt_at(longer, 0));
    EXPECT_FALSE(codec::decode_receipt_at(Bytes{0x80}, 0));  // a string, not a list
}

TEST(DbCodec, ReceiptAtRejectsMalformedEarlierReceipts)
{
    // receipt 0 is built by hand, receipt 1 is valid: reading receipt 1 skims receipt 0
    const Bytes valid = codec::encode_receipts(mixed_receipts(2));
    BytesView vp = valid;
    const auto payload = rlp::decode_list(vp);
    ASSERT_TRUE(payload);
    BytesView second = *payload;
    BytesView rest = second;
    ASSERT_TRUE(rlp::decode_list(rest));  // skip receipt 0
    second = second.subspan(second.size() - rest.size());

    auto block_with_first = [&](uint64_t type, uint64_t status, const Bytes& logs_item) {
        Bytes item;
        rlp::encode_uint(item, type);
        rlp::encode_uint(item, status);
        rlp::encode_uint(item, 21000);
        rlp::encode_uint(item, 21000);
        rlp::encode_uint(item, 0);
        item.insert(item.end(), logs_item.begin(), logs_item.end());
        Bytes body;
        rlp::encode_list_header(body, item.size());
        body.insert(body.end(), item.begin(), item.end());
        body.insert(body.end(), second.begin(), second.end());
        return rlp::wrap_list(body);
    };
    const Bytes one_log = execution::encode_logs(db::testing::make_receipt(1, 0).logs);
    // the hand-built receipt 0 is well-formed: both read fine
    const Bytes ok = block_with_first(2, 1, one_log);
    expect_receipt_at_matches(ok);
    const auto at1 = codec::decode_receipt_at(ok, 1);
    ASSERT_TRUE(at1 && *at1);
    EXPECT_EQ((*at1)->first_log_index, 1u);
    EXPECT_EQ((*at1)->previous_cumulative_gas, 21000u);

    const Bytes logs_as_string = rlp::encode(Bytes{1, 2, 3});
    Bytes log_item_string;  // a log list whose item is a string
    rlp::encode_list_header(log_item_string, 1);
    log_item_string.push_back(0x05);
    Bytes log_item_overrun;  // a log list whose item claims more bytes than the list holds
    rlp::encode_list_header(log_item_overrun, 2);
    log_item_overrun.push_back(0xc5);
    log_item_overrun.push_back(0x01);
    for (const Bytes& bad :
         {block_with_first(5, 1, one_log), block_with_first(2, 2, one_log),
          block_with_first(2, 1, logs_as_string), block_with_first(2, 1, log_item_string),
          block_with_first(2, 1, log_item_overrun)})
    {
        EXPECT_FALSE(codec::decode_receipts(bad));
        for (size_t index : {0, 1, 2})
        {
            const auto at = codec::decode_receipt_at(bad, index);
            ASSERT_FALSE(at) << index;
            EXPECT_EQ(at.error(), "receipts: malformed receipt 0");
        }
    }
}

TEST(DbCodec, ReceiptAtAgreesWithFullDecodeOnMutatedBytes)
{
    // Every single-byte change of a stored block: never a crash; when the full decode accepts
    // the bytes, decode_receipt_at gives the same receipts; when decode_receipt_at rejects them,
    // so does the full decode (the skim checks a subset of what the full decode checks).
    const Bytes enc = codec::encode_receipts(mixed_receipts(6));
    for (size_t pos = 0; pos < enc.size(); ++pos)
    {
        for (uint8_t value :
             {uint8_t{0x00}, uint8_t{0x05}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xb8},
              uint8_t{0xc0}, uint8_t{0xf8}, uint8_t{0xff}, static_cast<uint8_t>(enc[pos] ^ 1)})
        {
            Bytes m = enc;
            m[pos] = value;
            const auto full = codec::decode_receipts(m);
            for (size_t index = 0; index < 7; ++index)
            {
                const auto at = codec::decode_receipt_at(m, index);
                if (!at)
                {
                    EXPECT_FALSE(full) << pos << " " << int{value} << " " << index;
                    continue;
                }
                if (!full)
                    continue;
                if (index >= full->size())
                {
                    EXPECT_FALSE(*at);
                    continue;
                }
                ASSERT_TRUE(*at) << pos << " " << int{value} << " " << index;
                EXPECT_EQ((*at)->receipt.cumulative_gas_used, (*full)[index].cumulative_gas_used);
                EXPECT_EQ((*at)->receipt.logs, (*full)[index].logs);
            }
        }
    }
}
