#include "transaction/codec.hpp"
#include "transaction/validation.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"
#include "crypto/secp256k1.hpp"

#include <gtest/gtest.h>

using namespace tern;

namespace {

Bytes hx(std::string_view s)
{
    return *from_hex(s);
}

const Hash256 kKey =
    *fixed_from_hex<Hash256>("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8");
const Address kKeyAddress = *fixed_from_hex<Address>("a94f5374fce5edbc8e2a8697c15331677e6ebf0b");

/// secp256k1 group order n.
const U256 kN =
    *U256::from_string("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

void sign_tx(Transaction& tx, const Hash256& key = kKey)
{
    const auto sig = crypto::sign(signing_hash(tx), key);
    ASSERT_TRUE(sig.has_value());
    tx.r = U256::from_hash(sig->r);
    tx.s = U256::from_hash(sig->s);
    tx.y_parity = sig->recovery_id;
}

Transaction sample(TxType type)
{
    Transaction tx;
    tx.type = type;
    tx.chain_id = 1;
    tx.nonce = 7;
    tx.max_priority_fee_per_gas = 2;
    tx.max_fee_per_gas = type == TxType::DynamicFee || type == TxType::Blob ? 30 : 2;
    tx.gas_limit = 100000;
    tx.to = address_from_u64(0x1234);
    tx.value = 1000;
    tx.data = hx("00010203");
    if (type != TxType::Legacy)
        tx.access_list = {{address_from_u64(5), {Hash256{}, U256{1}.to_hash()}}};
    if (type == TxType::Blob)
    {
        tx.max_fee_per_blob_gas = 3;
        tx.blob_versioned_hashes = {U256{0x0100}.to_hash()};
    }
    return tx;
}

TxErrorCode decode_error(std::string_view hex)
{
    auto r = decode_transaction(hx(hex));
    EXPECT_FALSE(r.has_value()) << hex;
    return r ? TxErrorCode::IntrinsicGasTooLow : r.error().code;
}

}  // namespace

TEST(Transaction, Eip155ExampleVector)
{
    // The worked example of EIP-155.
    Transaction tx;
    tx.chain_id = 1;
    tx.nonce = 9;
    tx.max_fee_per_gas = tx.max_priority_fee_per_gas = 20000000000ULL;
    tx.gas_limit = 21000;
    tx.to = *fixed_from_hex<Address>("3535353535353535353535353535353535353535");
    tx.value = 1000000000000000000ULL;
    EXPECT_EQ(to_hex(signing_hash(tx)),
              "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    const Bytes signed_tx = hx(
        "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025"
        "a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb7"
        "03304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
    auto d = decode_transaction(signed_tx);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->chain_id, std::optional<uint64_t>{1});
    EXPECT_EQ(d->y_parity, 0);
    EXPECT_EQ(to_hex(signing_hash(*d)),
              "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    EXPECT_EQ(encode_transaction(*d), signed_tx);
    const Hash256 key = *fixed_from_hex<Hash256>(
        "4646464646464646464646464646464646464646464646464646464646464646");
    auto sender = recover_sender(*d, 1);
    ASSERT_TRUE(sender) << sender.error().message();
    EXPECT_EQ(*sender, *crypto::address_from_secret(key));
    EXPECT_EQ(transaction_hash(*d), keccak256(signed_tx));
}

TEST(Transaction, RoundTripAllSupportedTypes)
{
    for (auto type : {TxType::Legacy, TxType::AccessList, TxType::DynamicFee, TxType::Blob})
    {
        Transaction tx = sample(type);
        sign_tx(tx);
        const Bytes raw = encode_transaction(tx);
        TxDecodeOptions opts;
        opts.allow_blob = true;
        auto d = decode_transaction(raw, opts);
        ASSERT_TRUE(d) << static_cast<int>(type) << ": " << d.error().message();
        EXPECT_EQ(d->type, type);
        EXPECT_EQ(encode_transaction(*d), raw);
        EXPECT_EQ(d->access_list.size(), tx.access_list.size());
        EXPECT_EQ(d->blob_versioned_hashes, tx.blob_versioned_hashes);
        EXPECT_EQ(d->max_fee_per_gas, tx.max_fee_per_gas);
        auto sender = recover_sender(*d, 1);
        ASSERT_TRUE(sender) << sender.error().message();
        EXPECT_EQ(*sender, kKeyAddress);
        if (type != TxType::Legacy)
        {
            EXPECT_EQ(raw[0], static_cast<uint8_t>(type));
        }
    }
}

TEST(Transaction, PreEip155Legacy)
{
    Transaction tx = sample(TxType::Legacy);
    tx.chain_id.reset();
    sign_tx(tx);
    const Bytes raw = encode_transaction(tx);
    auto d = decode_transaction(raw);
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->chain_id.has_value());
    EXPECT_EQ(*recover_sender(*d, 1), kKeyAddress);
    EXPECT_EQ(*recover_sender(*d, 5), kKeyAddress);  // no replay protection: any chain
    // The signing hash has no EIP-155 suffix, so the signature differs from the chain-id one.
    Transaction with_chain = tx;
    with_chain.chain_id = 1;
    EXPECT_NE(signing_hash(with_chain), signing_hash(tx));
}

TEST(Transaction, BlockBodyForm)
{
    for (auto type : {TxType::Legacy, TxType::DynamicFee})
    {
        Transaction tx = sample(type);
        sign_tx(tx);
        Bytes body;
        encode_transaction_in_block(body, tx);
        encode_transaction_in_block(body, tx);
        BytesView in = body;
        for (int i = 0; i < 2; ++i)
        {
            auto d = decode_transaction_in_block(in);
            ASSERT_TRUE(d) << d.error().message();
            EXPECT_EQ(encode_transaction(*d), encode_transaction(tx));
        }
        EXPECT_TRUE(in.empty());
    }
}

TEST(Transaction, UnsupportedTypes)
{
    Transaction blob = sample(TxType::Blob);
    sign_tx(blob);
    auto r = decode_transaction(encode_transaction(blob));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, TxErrorCode::UnsupportedType);
    EXPECT_EQ(r.error().message(), "transaction type not supported (type)");
    EXPECT_EQ(decode_error("04c0"), TxErrorCode::UnsupportedType);
    EXPECT_EQ(decode_error("7fc0"), TxErrorCode::UnsupportedType);
    EXPECT_EQ(decode_error("00c0"), TxErrorCode::UnsupportedType);
    // An RLP string is neither a legacy list nor a typed envelope.
    EXPECT_EQ(decode_error("8180"), TxErrorCode::UnsupportedType);
}

TEST(Transaction, MalformedRlp)
{
    Transaction tx = sample(TxType::Legacy);
    sign_tx(tx);
    Bytes raw = encode_transaction(tx);
    Bytes trailing = raw;
    trailing.push_back(0x00);
    auto r = decode_transaction(trailing);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, TxErrorCode::RlpMalformed);
    EXPECT_EQ(r.error().rlp_error, rlp::DecodingError::InputTooLong);
    Bytes truncated(raw.begin(), raw.end() - 1);
    EXPECT_EQ(decode_error(to_hex(truncated)), TxErrorCode::RlpMalformed);
    EXPECT_EQ(decode_error(""), TxErrorCode::RlpMalformed);
    EXPECT_EQ(decode_error("c0"), TxErrorCode::RlpMalformed);  // too few fields
    // nonce 0 encoded as 0x00 (leading zero)
    auto lz =
        decode_transaction(hx("c90001020304050607"
                              "08"));
    ASSERT_FALSE(lz);
    EXPECT_EQ(lz.error().rlp_error, rlp::DecodingError::LeadingZero);
    EXPECT_STREQ(lz.error().field, "nonce");
    EXPECT_EQ(lz.error().message(), "rlp malformed (nonce): rlp: leading zero bytes");
}

TEST(Transaction, FieldSizes)
{
    // legacy with a 19-byte `to`: [0, 1, 0x5208, to19, 0, "", 27, 1, 1]
    const Bytes to19(19, 0x11);
    Bytes p;
    rlp::encode_uint(p, 0);
    rlp::encode_uint(p, 1);
    rlp::encode_uint(p, 21000);
    rlp::encode_bytes(p, to19);
    rlp::encode_uint(p, 0);
    rlp::encode_bytes(p, {});
    rlp::encode_uint(p, 27);
    rlp::encode_uint(p, 1);
    rlp::encode_uint(p, 1);
    auto r = decode_transaction(rlp::wrap_list(p));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().rlp_error, rlp::DecodingError::UnexpectedLength);
    EXPECT_STREQ(r.error().field, "to");
    // too many fields
    Bytes p2;
    rlp::encode_uint(p2, 0);
    rlp::encode_uint(p2, 1);
    rlp::encode_uint(p2, 21000);
    rlp::encode_bytes(p2, {});
    rlp::encode_uint(p2, 0);
    rlp::encode_bytes(p2, {});
    rlp::encode_uint(p2, 27);
    rlp::encode_uint(p2, 1);
    rlp::encode_uint(p2, 1);
    EXPECT_TRUE(decode_transaction(rlp::wrap_list(p2)).has_value());
    rlp::encode_uint(p2, 1);
    EXPECT_EQ(decode_transaction(rlp::wrap_list(p2)).error().code, TxErrorCode::RlpMalformed);
}

TEST(Transaction, LegacyVValues)
{
    auto with_v = [](uint64_t v) {
        Bytes p;
        rlp::encode_uint(p, 0);
        rlp::encode_uint(p, 1);
        rlp::encode_uint(p, 21000);
        rlp::encode_bytes(p, {});
        rlp::encode_uint(p, 0);
        rlp::encode_bytes(p, {});
        rlp::encode_uint(p, v);
        rlp::encode_uint(p, 1);
        rlp::encode_uint(p, 1);
        return decode_transaction(rlp::wrap_list(p));
    };
    for (uint64_t bad : {0, 1, 26, 29, 34})
    {
        auto r = with_v(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, TxErrorCode::InvalidChainId) << bad;
    }
    auto a = with_v(37);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->chain_id, std::optional<uint64_t>{1});
    EXPECT_EQ(a->y_parity, 0);
    auto b = with_v(38);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->y_parity, 1);
    auto c = with_v(28);
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->chain_id.has_value());
    EXPECT_EQ(c->y_parity, 1);
    // v = 35 is chain id 0: decodes, but is the wrong chain for chain id 1.
    auto z = with_v(35);
    ASSERT_TRUE(z);
    EXPECT_EQ(recover_sender(*z, 1).error().code, TxErrorCode::InvalidChainId);
}

TEST(Transaction, ChainIdAndSignatureChecks)
{
    Transaction tx = sample(TxType::DynamicFee);
    sign_tx(tx);
    EXPECT_EQ(recover_sender(tx, 5).error().code, TxErrorCode::InvalidChainId);
    // EIP-2: the high-s twin of a valid signature is rejected.
    Transaction high = tx;
    high.s = kN - tx.s;
    high.y_parity ^= 1;
    EXPECT_EQ(recover_sender(high, 1).error().code, TxErrorCode::InvalidSignature);
    Transaction zero_r = tx;
    zero_r.r = 0;
    EXPECT_EQ(recover_sender(zero_r, 1).error().code, TxErrorCode::InvalidSignature);
    Transaction big_r = tx;
    big_r.r = kN;
    EXPECT_EQ(recover_sender(big_r, 1).error().code, TxErrorCode::InvalidSignature);
    Transaction zero_s = tx;
    zero_s.s = 0;
    EXPECT_EQ(recover_sender(zero_s, 1).error().code, TxErrorCode::InvalidSignature);
    // typed y_parity must be 0 or 1
    Transaction parity2 = tx;
    parity2.y_parity = 2;
    auto r = decode_transaction(encode_transaction(parity2));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, TxErrorCode::InvalidSignature);
    // A different message recovers some other address (or nothing), never the signer.
    Transaction tampered = tx;
    tampered.value = 1001;
    auto s = recover_sender(tampered, 1);
    EXPECT_TRUE(!s || *s != kKeyAddress);
}

TEST(Transaction, IntrinsicGas)
{
    Transaction tx;
    tx.to = address_from_u64(1);
    EXPECT_EQ(*intrinsic_gas(tx), 21000u);
    tx.data = hx("000102");
    EXPECT_EQ(*intrinsic_gas(tx), 21000u + 4 + 16 + 16);
    tx.access_list = {{address_from_u64(2), {Hash256{}, Hash256{}}}, {address_from_u64(3), {}}};
    EXPECT_EQ(*intrinsic_gas(tx), 21000u + 36 + 2 * 2400 + 2 * 1900);
    Transaction create;
    create.data = Bytes(64, 0);
    EXPECT_EQ(*intrinsic_gas(create), 53000u + 64 * 4 + 2 * 2);
    create.data = Bytes(33, 1);
    EXPECT_EQ(*intrinsic_gas(create), 53000u + 33 * 16 + 2 * 2);
    create.data = Bytes(tx_gas::kMaxInitcodeSize, 0);
    EXPECT_EQ(*intrinsic_gas(create), 53000u + 49152 * 4 + 1536 * 2);
    create.data.push_back(0);
    EXPECT_EQ(intrinsic_gas(create).error().code, TxErrorCode::InitcodeTooLarge);
    // The initcode limit applies to creation only.
    tx.data = create.data;
    EXPECT_TRUE(intrinsic_gas(tx).has_value());
}

TEST(Transaction, StatelessValidation)
{
    Transaction tx = sample(TxType::DynamicFee);
    EXPECT_EQ(*validate_stateless(tx), *intrinsic_gas(tx));
    Transaction t = tx;
    t.nonce = UINT64_MAX;
    EXPECT_EQ(validate_stateless(t).error().code, TxErrorCode::NonceTooBig);
    t = tx;
    t.nonce = UINT64_MAX - 1;
    EXPECT_TRUE(validate_stateless(t).has_value());
    t = tx;
    t.max_priority_fee_per_gas = t.max_fee_per_gas + 1;
    EXPECT_EQ(validate_stateless(t).error().code, TxErrorCode::PriorityFeeGreaterThanMaxFee);
    t = tx;
    t.max_priority_fee_per_gas = 0;
    t.max_fee_per_gas = U256::max() / U256{t.gas_limit};
    EXPECT_TRUE(validate_stateless(t).has_value());
    t.max_fee_per_gas += 1;
    EXPECT_EQ(validate_stateless(t).error().code, TxErrorCode::FeeGasProductOverflow);
    t = tx;
    t.gas_limit = *intrinsic_gas(tx) - 1;
    EXPECT_EQ(validate_stateless(t).error().code, TxErrorCode::IntrinsicGasTooLow);
    t.gas_limit += 1;
    EXPECT_TRUE(validate_stateless(t).has_value());
}

TEST(Transaction, ErrorMessagesAreDistinct)
{
    EXPECT_EQ(to_string(TxErrorCode::UnsupportedType), "transaction type not supported");
    EXPECT_NE(to_string(TxErrorCode::InvalidChainId), to_string(TxErrorCode::InvalidSignature));
    EXPECT_NE(to_string(TxErrorCode::RlpMalformed), to_string(TxErrorCode::UnsupportedType));
}
