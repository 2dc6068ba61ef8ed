#include "chain/block.hpp"

#include "core/hex.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"
#include "crypto/secp256k1.hpp"
#include "transaction/codec.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::chain;

namespace {

Hash256 h(uint8_t fill)
{
    Hash256 out;
    out.bytes.fill(fill);
    return out;
}

BlockHeader sample_header()
{
    BlockHeader hd;
    hd.parent_hash = h(1);
    hd.coinbase = address_from_u64(0xc0ffee);
    hd.state_root = h(2);
    hd.transactions_root = h(3);
    hd.receipts_root = h(4);
    hd.logs_bloom[7] = 0x80;
    hd.number = 12345;
    hd.gas_limit = 30'000'000;
    hd.gas_used = 21000;
    hd.timestamp = 1'700'000'000;
    hd.extra_data = {0x74, 0x65, 0x72, 0x6e};
    hd.mix_hash = h(5);
    hd.base_fee = U256{7};
    hd.blob_gas_used = 131072;
    hd.excess_blob_gas = 262144;
    hd.parent_beacon_block_root = h(6);
    return hd;
}

Transaction signed_tx(TxType type, uint64_t nonce)
{
    Transaction tx;
    tx.type = type;
    tx.chain_id = 1337;
    tx.nonce = nonce;
    tx.max_fee_per_gas = U256{10};
    tx.max_priority_fee_per_gas = type == TxType::DynamicFee ? U256{1} : U256{10};
    tx.gas_limit = 21000;
    tx.to = address_from_u64(0xbeef);
    tx.value = U256{1000};
    const Hash256 key = h(0x11);
    const auto sig = crypto::sign(signing_hash(tx), key);
    EXPECT_TRUE(sig.has_value());
    tx.r = U256::from_hash(sig->r);
    tx.s = U256::from_hash(sig->s);
    tx.y_parity = sig->recovery_id;
    return tx;
}

TEST(Block, EmptyOmmersHashConstant)
{
    const Bytes empty_list = rlp::wrap_list({});
    EXPECT_EQ(keccak256(empty_list), kEmptyOmmersHash);
    EXPECT_EQ(to_hex(kEmptyOmmersHash),
              "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");
}

TEST(Block, DefaultHeaderHasPostMergeConstants)
{
    const BlockHeader hd;
    EXPECT_EQ(hd.ommers_hash, kEmptyOmmersHash);
    EXPECT_EQ(hd.difficulty, U256{});
    EXPECT_EQ(hd.nonce, 0u);
    EXPECT_EQ(hd.withdrawals_root, kEmptyTrieRoot);
    EXPECT_EQ(hd.transactions_root, kEmptyTrieRoot);
}

TEST(Block, HeaderRoundTrip)
{
    const BlockHeader hd = sample_header();
    const Bytes enc = hd.encode();
    auto dec = BlockHeader::decode(enc);
    ASSERT_TRUE(dec) << dec.error().message();
    EXPECT_EQ(*dec, hd);
    EXPECT_EQ(dec->hash(), keccak256(enc));
    // The list has exactly 20 items.
    auto item = rlp::decode_item_exact(enc);
    ASSERT_TRUE(item);
    EXPECT_EQ(item->items.size(), 20u);
    // nonce is 8 bytes, even when zero.
    EXPECT_EQ(item->items[14].bytes.size(), 8u);
}

TEST(Block, HeaderHashChangesWithEveryField)
{
    const BlockHeader base = sample_header();
    std::vector<BlockHeader> variants(20, base);
    variants[0].parent_hash[0] ^= 1;
    variants[1].ommers_hash[0] ^= 1;
    variants[2].coinbase[0] ^= 1;
    variants[3].state_root[0] ^= 1;
    variants[4].transactions_root[0] ^= 1;
    variants[5].receipts_root[0] ^= 1;
    variants[6].logs_bloom[0] ^= 1;
    variants[7].difficulty = U256{1};
    variants[8].number += 1;
    variants[9].gas_limit += 1;
    variants[10].gas_used += 1;
    variants[11].timestamp += 1;
    variants[12].extra_data.push_back(0);
    variants[13].mix_hash[0] ^= 1;
    variants[14].nonce = 1;
    variants[15].base_fee = U256{8};
    variants[16].withdrawals_root[0] ^= 1;
    variants[17].blob_gas_used += 1;
    variants[18].excess_blob_gas += 1;
    variants[19].parent_beacon_block_root[0] ^= 1;
    for (size_t i = 0; i < variants.size(); ++i)
    {
        EXPECT_NE(variants[i].hash(), base.hash()) << "field " << i;
        auto dec = BlockHeader::decode(variants[i].encode());
        ASSERT_TRUE(dec) << i;
        EXPECT_EQ(*dec, variants[i]) << i;
    }
}

/// Re-encodes a header item list after editing its fields.
Bytes with_items(const BlockHeader& hd, const std::function<void(std::vector<rlp::RlpItem>&)>& f)
{
    auto item = rlp::decode_item_exact(hd.encode());
    EXPECT_TRUE(item);
    f(item->items);
    return rlp::encode_item(*item);
}

TEST(Block, HeaderDecodeIsStrict)
{
    const BlockHeader hd = sample_header();
    // Pre-Cancun header (no blob fields / beacon root): wrong field count.
    auto r = BlockHeader::decode(with_items(hd, [](auto& it) { it.resize(17); }));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, DecodeErrorKind::FieldCount);
    // One field too many (Prague requests hash).
    r = BlockHeader::decode(with_items(hd, [](auto& it) { it.push_back(it.back()); }));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, DecodeErrorKind::FieldCount);
    // Nonce of 7 bytes.
    r = BlockHeader::decode(with_items(hd, [](auto& it) { it[14].bytes.resize(7); }));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().rlp, rlp::DecodingError::UnexpectedLength);
    EXPECT_STREQ(r.error().field, "nonce");
    // Bloom of 255 bytes.
    r = BlockHeader::decode(with_items(hd, [](auto& it) { it[6].bytes.resize(255); }));
    ASSERT_FALSE(r);
    EXPECT_STREQ(r.error().field, "logsBloom");
    // Coinbase of 19 bytes.
    r = BlockHeader::decode(with_items(hd, [](auto& it) { it[2].bytes.resize(19); }));
    ASSERT_FALSE(r);
    EXPECT_STREQ(r.error().field, "coinbase");
    // gasLimit with a leading zero.
    r = BlockHeader::decode(
        with_items(hd, [](auto& it) { it[9].bytes.insert(it[9].bytes.begin(), 0); }));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().rlp, rlp::DecodingError::LeadingZero);
    EXPECT_NE(r.error().message().find("gasLimit"), std::string::npos);
    // number above 2^64.
    r = BlockHeader::decode(with_items(hd, [](auto& it) { it[8].bytes.assign(9, 1); }));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().rlp, rlp::DecodingError::Overflow);
    // A list where a hash belongs.
    r = BlockHeader::decode(with_items(hd, [](auto& it) {
        it[0].is_list = true;
        it[0].bytes.clear();
    }));
    ASSERT_FALSE(r);
    // Trailing bytes.
    Bytes enc = hd.encode();
    enc.push_back(0x80);
    r = BlockHeader::decode(enc);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().rlp, rlp::DecodingError::InputTooLong);
    // Truncated.
    enc = hd.encode();
    enc.pop_back();
    EXPECT_FALSE(BlockHeader::decode(enc));
    EXPECT_FALSE(BlockHeader::decode({}));
}

TEST(Block, BlockRoundTripWithTransactions)
{
    Block b;
    b.header = sample_header();
    b.transactions.push_back(signed_tx(TxType::Legacy, 0));
    b.transactions.push_back(signed_tx(TxType::DynamicFee, 1));
    b.transactions.push_back(signed_tx(TxType::AccessList, 2));
    b.header.transactions_root = transactions_root(b.transactions);
    const Bytes enc = encode_block(b);
    auto dec = decode_block(enc);
    ASSERT_TRUE(dec) << dec.error().message();
    EXPECT_EQ(dec->header, b.header);
    ASSERT_EQ(dec->transactions.size(), 3u);
    EXPECT_EQ(dec->transactions[1].type, TxType::DynamicFee);
    EXPECT_EQ(encode_block(*dec), enc);
    EXPECT_TRUE(dec->senders.empty());
    ASSERT_TRUE(recover_senders(*dec, 1337));
    ASSERT_EQ(dec->senders.size(), 3u);
    EXPECT_EQ(dec->senders[0], *crypto::address_from_secret(h(0x11)));
    EXPECT_EQ(dec->senders[2], dec->senders[0]);
    // Wrong chain id: recovery fails and senders stay empty.
    EXPECT_FALSE(recover_senders(*dec, 1));
    EXPECT_TRUE(dec->senders.empty());

    // Body: [txs, [], []].
    const Bytes body = encode_body(b.transactions);
    auto bd = decode_body(body);
    ASSERT_TRUE(bd);
    EXPECT_EQ(bd->transactions.size(), 3u);
    EXPECT_TRUE(bd->withdrawals.empty());
    auto item = rlp::decode_item_exact(body);
    ASSERT_TRUE(item);
    ASSERT_EQ(item->items.size(), 3u);
    EXPECT_TRUE(item->items[1].is_list && item->items[1].items.empty());
    EXPECT_TRUE(item->items[2].is_list && item->items[2].items.empty());
    // Typed transactions are strings inside the body list, legacy ones lists.
    EXPECT_TRUE(item->items[0].items[0].is_list);
    EXPECT_FALSE(item->items[0].items[1].is_list);
}

TEST(Block, BodyRejectsOmmersAndBadTransactions)
{
    // [[], [header], []]
    Bytes p;
    rlp::encode_list_header(p, 0);
    const Bytes header = sample_header().encode();
    rlp::encode_list_header(p, header.size());
    p.insert(p.end(), header.begin(), header.end());
    rlp::encode_list_header(p, 0);
    auto r = decode_body(rlp::wrap_list(p));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, DecodeErrorKind::Ommers);

    // [[0x05], [], []]: a one-byte "transaction".
    Bytes q;
    rlp::encode_list_header(q, 1);
    q.push_back(0x05);
    rlp::encode_list_header(q, 0);
    rlp::encode_list_header(q, 0);
    r = decode_body(rlp::wrap_list(q));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, DecodeErrorKind::Transaction);

    // Only two lists.
    Bytes two;
    rlp::encode_list_header(two, 0);
    rlp::encode_list_header(two, 0);
    r = decode_body(rlp::wrap_list(two));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, DecodeErrorKind::FieldCount);
}

TEST(Block, WithdrawalsRoundTrip)
{
    Block b;
    b.withdrawals.push_back({1, 2, address_from_u64(3), 4});
    b.withdrawals.push_back({5, 6, address_from_u64(7), 0});
    b.header.withdrawals_root = withdrawals_root(b.withdrawals);
    EXPECT_NE(b.header.withdrawals_root, kEmptyTrieRoot);
    auto dec = decode_block(encode_block(b));
    ASSERT_TRUE(dec);
    EXPECT_EQ(dec->withdrawals, b.withdrawals);
    EXPECT_EQ(withdrawals_root({}), kEmptyTrieRoot);
}

TEST(Block, LegacyReceiptKnownEncoding)
{
    execution::Receipt r;
    r.success = true;
    r.cumulative_gas_used = 21000;
    const Bytes enc = encode_receipt(r);
    // f9 0108 | 01 | 82 5208 | b9 0100 <256 zero bytes> | c0
    ASSERT_EQ(enc.size(), 3u + 264u);
    EXPECT_EQ(enc[0], 0xf9);
    EXPECT_EQ(enc[1], 0x01);
    EXPECT_EQ(enc[2], 0x08);
    EXPECT_EQ(enc[3], 0x01);
    EXPECT_EQ(enc[4], 0x82);
    EXPECT_EQ(enc[5], 0x52);
    EXPECT_EQ(enc[6], 0x08);
    EXPECT_EQ(enc[7], 0xb9);
    EXPECT_EQ(enc.back(), 0xc0);
    // A failed receipt encodes status as the empty string.
    r.success = false;
    EXPECT_EQ(encode_receipt(r)[3], 0x80);
}

TEST(Block, ReceiptRoundTrip)
{
    execution::Receipt r;
    r.type = TxType::DynamicFee;
    r.success = true;
    r.cumulative_gas_used = 50000;
    r.gas_used = 50000;
    state::Log log;
    log.address = address_from_u64(42);
    log.topics = {h(9), h(10)};
    log.data = {1, 2, 3};
    r.logs.push_back(log);
    r.logs.push_back(state::Log{address_from_u64(43), {}, {}});
    r.bloom = execution::logs_bloom(r.logs);
    const Bytes enc = encode_receipt(r);
    EXPECT_EQ(enc[0], 0x02);
    auto dec = decode_receipt(enc);
    ASSERT_TRUE(dec) << dec.error().message();
    EXPECT_EQ(dec->type, TxType::DynamicFee);
    EXPECT_TRUE(dec->success);
    EXPECT_EQ(dec->cumulative_gas_used, 50000u);
    EXPECT_EQ(dec->bloom, r.bloom);
    EXPECT_EQ(dec->logs, r.logs);
    EXPECT_EQ(encode_receipt(*dec), enc);

    // Strictness: unknown type, trailing bytes, status 2.
    Bytes bad = enc;
    bad[0] = 0x7f;
    EXPECT_FALSE(decode_receipt(bad));
    bad = enc;
    bad.push_back(0);
    EXPECT_FALSE(decode_receipt(bad));
    execution::Receipt legacy;
    Bytes p;
    rlp::encode_uint(p, 2);
    rlp::encode_uint(p, 1);
    rlp::encode_bytes(p, BytesView{legacy.bloom.data(), legacy.bloom.size()});
    rlp::encode_list_header(p, 0);
    auto st = decode_receipt(rlp::wrap_list(p));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind, DecodeErrorKind::BadValue);
    EXPECT_FALSE(decode_receipt({}));
}

TEST(Block, FillGasUsedAndBloom)
{
    std::vector<execution::Receipt> rs(3);
    rs[0].cumulative_gas_used = 21000;
    rs[1].cumulative_gas_used = 50000;
    rs[2].cumulative_gas_used = 50000;
    rs[0].bloom[0] = 1;
    rs[2].bloom[255] = 0x80;
    fill_gas_used(rs);
    EXPECT_EQ(rs[0].gas_used, 21000u);
    EXPECT_EQ(rs[1].gas_used, 29000u);
    EXPECT_EQ(rs[2].gas_used, 0u);
    const auto b = block_bloom(rs);
    EXPECT_EQ(b[0], 1);
    EXPECT_EQ(b[255], 0x80);
    EXPECT_EQ(receipts_root({}), kEmptyTrieRoot);
    EXPECT_NE(receipts_root(rs), kEmptyTrieRoot);
}

TEST(Block, Eip1559BaseFee)
{
    BlockHeader p;
    p.gas_limit = 30'000'000;
    p.base_fee = U256{1'000'000'000};
    p.gas_used = 15'000'000;
    EXPECT_EQ(eip1559_next_base_fee(p), U256{1'000'000'000});
    p.gas_used = 30'000'000;
    EXPECT_EQ(eip1559_next_base_fee(p), U256{1'125'000'000});
    p.gas_used = 0;
    EXPECT_EQ(eip1559_next_base_fee(p), U256{875'000'000});
    // At least +1 when above target.
    p.base_fee = U256{1};
    p.gas_used = 15'000'001;
    EXPECT_EQ(eip1559_next_base_fee(p), U256{2});
    // Zero stays zero going down.
    p.base_fee = U256{};
    p.gas_used = 0;
    EXPECT_EQ(eip1559_next_base_fee(p), U256{});
}

TEST(Block, ExcessBlobGas)
{
    BlockHeader p;
    EXPECT_EQ(next_excess_blob_gas(p), 0u);
    p.blob_gas_used = 6 * 131072;
    EXPECT_EQ(next_excess_blob_gas(p), 3u * 131072);
    p.excess_blob_gas = 100;
    p.blob_gas_used = 0;
    EXPECT_EQ(next_excess_blob_gas(p), 0u);
}

TEST(Block, DecodeErrorMessages)
{
    DecodeError e;
    e.kind = DecodeErrorKind::Rlp;
    e.rlp = rlp::DecodingError::LeadingZero;
    e.field = "gasUsed";
    EXPECT_EQ(e.message(), "rlp (gasUsed): rlp: leading zero bytes");
    e.kind = DecodeErrorKind::Ommers;
    e.field = "";
    EXPECT_EQ(e.message(), "ommers not empty");
}

}  // namespace
