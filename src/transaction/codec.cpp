#include "transaction/codec.hpp"

#include "core/keccak.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"

namespace tern {
namespace {

using rlp::DecodingError;

TxError rlp_error(DecodingError e, const char* field) noexcept
{
    return TxError{TxErrorCode::RlpMalformed, e, field};
}

TxError error(TxErrorCode code, const char* field = "") noexcept
{
    return TxError{code, DecodingError::InputTooShort, field};
}

// Field decoders: each consumes one item from `in` and stores it, or returns the error.
// A std::optional<TxError> keeps the call sites short (nullopt = ok).
using MaybeError = std::optional<TxError>;

MaybeError read_u64(BytesView& in, uint64_t& out, const char* field) noexcept
{
    auto r = rlp::decode_u64(in);
    if (!r)
        return rlp_error(r.error(), field);
    out = *r;
    return std::nullopt;
}

MaybeError read_u256(BytesView& in, U256& out, const char* field) noexcept
{
    auto r = rlp::decode_u256(in);
    if (!r)
        return rlp_error(r.error(), field);
    out = *r;
    return std::nullopt;
}

MaybeError read_bytes(BytesView& in, Bytes& out, const char* field)
{
    auto r = rlp::decode_bytes(in);
    if (!r)
        return rlp_error(r.error(), field);
    out.assign(r->begin(), r->end());
    return std::nullopt;
}

/// `to`: the empty string means contract creation, otherwise exactly 20 bytes.
MaybeError read_to(BytesView& in, std::optional<Address>& out) noexcept
{
    auto r = rlp::decode_bytes(in);
    if (!r)
        return rlp_error(r.error(), "to");
    if (r->empty())
    {
        out.reset();
        return std::nullopt;
    }
    if (r->size() != Address::size())
        return rlp_error(DecodingError::UnexpectedLength, "to");
    Address a;
    std::copy(r->begin(), r->end(), a.bytes.begin());
    out = a;
    return std::nullopt;
}

MaybeError read_chain_id(BytesView& in, std::optional<uint64_t>& out) noexcept
{
    U256 v;
    if (auto e = read_u256(in, v, "chain_id"))
        return e;
    if (!v.fits_u64())
        return error(TxErrorCode::InvalidChainId, "chain_id");
    out = v.low64();
    return std::nullopt;
}

MaybeError read_access_list(BytesView& in, std::vector<AccessListEntry>& out)
{
    auto list = rlp::decode_list(in);
    if (!list)
        return rlp_error(list.error(), "access_list");
    BytesView entries = *list;
    while (!entries.empty())
    {
        auto entry = rlp::decode_list(entries);
        if (!entry)
            return rlp_error(entry.error(), "access_list entry");
        BytesView fields = *entry;
        AccessListEntry e;
        auto addr = rlp::decode_fixed<Address>(fields);
        if (!addr)
            return rlp_error(addr.error(), "access_list address");
        e.address = *addr;
        auto keys = rlp::decode_list(fields);
        if (!keys)
            return rlp_error(keys.error(), "access_list storage_keys");
        BytesView kv = *keys;
        while (!kv.empty())
        {
            auto key = rlp::decode_fixed<Hash256>(kv);
            if (!key)
                return rlp_error(key.error(), "access_list storage_key");
            e.storage_keys.push_back(*key);
        }
        if (!fields.empty())
            return rlp_error(DecodingError::InputTooLong, "access_list entry");
        out.push_back(std::move(e));
    }
    return std::nullopt;
}

MaybeError read_hash_list(BytesView& in, std::vector<Hash256>& out, const char* field)
{
    auto list = rlp::decode_list(in);
    if (!list)
        return rlp_error(list.error(), field);
    BytesView items = *list;
    while (!items.empty())
    {
        auto h = rlp::decode_fixed<Hash256>(items);
        if (!h)
            return rlp_error(h.error(), field);
        out.push_back(*h);
    }
    return std::nullopt;
}

/// Typed y_parity, r, s.
MaybeError read_typed_signature(BytesView& in, Transaction& tx) noexcept
{
    U256 parity;
    if (auto e = read_u256(in, parity, "y_parity"))
        return e;
    if (parity > 1)
        return error(TxErrorCode::InvalidSignature, "y_parity");
    tx.y_parity = static_cast<uint8_t>(parity.low64());
    if (auto e = read_u256(in, tx.r, "r"))
        return e;
    return read_u256(in, tx.s, "s");
}

/// Legacy list payload: [nonce, gasPrice, gas, to, value, data, v, r, s].
MaybeError decode_legacy_fields(BytesView p, Transaction& tx)
{
    tx.type = TxType::Legacy;
    if (auto e = read_u64(p, tx.nonce, "nonce"))
        return e;
    if (auto e = read_u256(p, tx.max_fee_per_gas, "gas_price"))
        return e;
    tx.max_priority_fee_per_gas = tx.max_fee_per_gas;
    if (auto e = read_u64(p, tx.gas_limit, "gas_limit"))
        return e;
    if (auto e = read_to(p, tx.to))
        return e;
    if (auto e = read_u256(p, tx.value, "value"))
        return e;
    if (auto e = read_bytes(p, tx.data, "data"))
        return e;
    U256 v;
    if (auto e = read_u256(p, v, "v"))
        return e;
    if (auto e = read_u256(p, tx.r, "r"))
        return e;
    if (auto e = read_u256(p, tx.s, "s"))
        return e;
    if (!p.empty())
        return rlp_error(DecodingError::InputTooLong, "fields");
    // v: 27/28 (pre-EIP-155, no chain id) or chain_id * 2 + 35/36 (EIP-155).
    if (v == 27 || v == 28)
    {
        tx.chain_id.reset();
        tx.y_parity = static_cast<uint8_t>(v.low64() - 27);
    }
    else if (v >= 35)
    {
        const U256 x = v - 35;
        const U256 chain = x >> 1;
        if (!chain.fits_u64())
            return error(TxErrorCode::InvalidChainId, "v");
        tx.chain_id = chain.low64();
        tx.y_parity = static_cast<uint8_t>(x.low64() & 1);
    }
    else
        return error(TxErrorCode::InvalidChainId, "v");
    return std::nullopt;
}

/// Typed payload list: type-specific fields, then y_parity, r, s.
MaybeError decode_typed_fields(BytesView p, TxType type, Transaction& tx)
{
    tx.type = type;
    if (auto e = read_chain_id(p, tx.chain_id))
        return e;
    if (auto e = read_u64(p, tx.nonce, "nonce"))
        return e;
    if (type == TxType::AccessList)
    {
        if (auto e = read_u256(p, tx.max_fee_per_gas, "gas_price"))
            return e;
        tx.max_priority_fee_per_gas = tx.max_fee_per_gas;
    }
    else
    {
        if (auto e = read_u256(p, tx.max_priority_fee_per_gas, "max_priority_fee_per_gas"))
            return e;
        if (auto e = read_u256(p, tx.max_fee_per_gas, "max_fee_per_gas"))
            return e;
    }
    if (auto e = read_u64(p, tx.gas_limit, "gas_limit"))
        return e;
    if (type == TxType::Blob)
    {
        // Blob transactions cannot create contracts: `to` is exactly 20 bytes.
        auto to = rlp::decode_fixed<Address>(p);
        if (!to)
            return rlp_error(to.error(), "to");
        tx.to = *to;
    }
    else if (auto e = read_to(p, tx.to))
        return e;
    if (auto e = read_u256(p, tx.value, "value"))
        return e;
    if (auto e = read_bytes(p, tx.data, "data"))
        return e;
    if (auto e = read_access_list(p, tx.access_list))
        return e;
    if (type == TxType::Blob)
    {
        if (auto e = read_u256(p, tx.max_fee_per_blob_gas, "max_fee_per_blob_gas"))
            return e;
        if (auto e = read_hash_list(p, tx.blob_versioned_hashes, "blob_versioned_hashes"))
            return e;
    }
    if (auto e = read_typed_signature(p, tx))
        return e;
    if (!p.empty())
        return rlp_error(DecodingError::InputTooLong, "fields");
    return std::nullopt;
}

/// Decodes `type || rlp(payload)` (in non-empty, in[0] < 0x80).
Result<Transaction, TxError> decode_typed(BytesView in, const TxDecodeOptions& opts)
{
    const uint8_t type_byte = in[0];
    const bool supported = type_byte == 1 || type_byte == 2 || (type_byte == 3 && opts.allow_blob);
    if (!supported)
        return error(TxErrorCode::UnsupportedType, "type");
    in = in.subspan(1);
    auto payload = rlp::decode_list(in);
    if (!payload)
        return rlp_error(payload.error(), "payload");
    if (!in.empty())
        return rlp_error(DecodingError::InputTooLong, "payload");
    Transaction tx;
    if (auto e = decode_typed_fields(*payload, static_cast<TxType>(type_byte), tx))
        return *e;
    return tx;
}

void encode_u256(Bytes& out, const U256& v)
{
    uint8_t be[32];
    v.to_be_bytes(be);
    rlp::encode_bytes(out, rlp::trim_leading_zeros({be, 32}));
}

void encode_to(Bytes& out, const std::optional<Address>& to)
{
    if (to)
        rlp::encode_bytes(out, to->view());
    else
        rlp::encode_bytes(out, {});
}

void encode_access_list(Bytes& out, const std::vector<AccessListEntry>& list)
{
    Bytes entries;
    for (const auto& e : list)
    {
        Bytes keys;
        for (const auto& k : e.storage_keys)
            rlp::encode_bytes(keys, k.view());
        Bytes entry;
        rlp::encode_bytes(entry, e.address.view());
        rlp::encode_list_header(entry, keys.size());
        entry.insert(entry.end(), keys.begin(), keys.end());
        rlp::encode_list_header(entries, entry.size());
        entries.insert(entries.end(), entry.begin(), entry.end());
    }
    rlp::encode_list_header(out, entries.size());
    out.insert(out.end(), entries.begin(), entries.end());
}

/// The unsigned field list payload common to signing and encoding (no list header).
Bytes unsigned_payload(const Transaction& tx, bool eip155_suffix)
{
    Bytes p;
    p.reserve(tx.data.size() + 128);
    if (tx.type == TxType::Legacy)
    {
        rlp::encode_uint(p, tx.nonce);
        encode_u256(p, tx.max_fee_per_gas);
        rlp::encode_uint(p, tx.gas_limit);
        encode_to(p, tx.to);
        encode_u256(p, tx.value);
        rlp::encode_bytes(p, tx.data);
        if (eip155_suffix && tx.chain_id)
        {
            rlp::encode_uint(p, *tx.chain_id);
            rlp::encode_uint(p, 0);
            rlp::encode_uint(p, 0);
        }
        return p;
    }
    rlp::encode_uint(p, tx.chain_id.value_or(0));
    rlp::encode_uint(p, tx.nonce);
    if (tx.type == TxType::AccessList)
        encode_u256(p, tx.max_fee_per_gas);
    else
    {
        encode_u256(p, tx.max_priority_fee_per_gas);
        encode_u256(p, tx.max_fee_per_gas);
    }
    rlp::encode_uint(p, tx.gas_limit);
    encode_to(p, tx.to);
    encode_u256(p, tx.value);
    rlp::encode_bytes(p, tx.data);
    encode_access_list(p, tx.access_list);
    if (tx.type == TxType::Blob)
    {
        encode_u256(p, tx.max_fee_per_blob_gas);
        Bytes hashes;
        for (const auto& h : tx.blob_versioned_hashes)
            rlp::encode_bytes(hashes, h.view());
        rlp::encode_list_header(p, hashes.size());
        p.insert(p.end(), hashes.begin(), hashes.end());
    }
    return p;
}

}  // namespace

Result<Transaction, TxError> decode_transaction(BytesView in, const TxDecodeOptions& opts)
{
    if (in.empty())
        return rlp_error(DecodingError::InputTooShort, "transaction");
    if (in[0] < 0x80)
        return decode_typed(in, opts);
    if (in[0] < 0xc0)
        return error(TxErrorCode::UnsupportedType, "type");  // an RLP string is no transaction
    auto payload = rlp::decode_list(in);
    if (!payload)
        return rlp_error(payload.error(), "transaction");
    if (!in.empty())
        return rlp_error(DecodingError::InputTooLong, "transaction");
    Transaction tx;
    if (auto e = decode_legacy_fields(*payload, tx))
        return *e;
    return tx;
}

Result<Transaction, TxError> decode_transaction_in_block(BytesView& in, const TxDecodeOptions& opts)
{
    BytesView probe = in;
    auto h = rlp::decode_header(probe);
    if (!h)
        return rlp_error(h.error(), "transaction");
    if (h->list)
    {
        const size_t header_len = in.size() - probe.size();
        const BytesView item = in.first(header_len + h->payload_length);
        in = in.subspan(item.size());
        return decode_transaction(item, opts);
    }
    auto envelope = rlp::decode_bytes(in);
    if (!envelope)
        return rlp_error(envelope.error(), "transaction");
    if (envelope->empty() || (*envelope)[0] >= 0x80)
        return error(TxErrorCode::UnsupportedType, "type");
    return decode_typed(*envelope, opts);
}

Bytes encode_transaction(const Transaction& tx)
{
    Bytes p = unsigned_payload(tx, false);
    if (tx.type == TxType::Legacy)
    {
        const U256 v =
            tx.chain_id ? U256{*tx.chain_id} * 2 + 35 + tx.y_parity : U256{27u + tx.y_parity};
        encode_u256(p, v);
    }
    else
        rlp::encode_uint(p, tx.y_parity);
    encode_u256(p, tx.r);
    encode_u256(p, tx.s);
    Bytes out;
    out.reserve(p.size() + 10);
    if (tx.type != TxType::Legacy)
        out.push_back(static_cast<uint8_t>(tx.type));
    rlp::encode_list_header(out, p.size());
    out.insert(out.end(), p.begin(), p.end());
    return out;
}

void encode_transaction_in_block(Bytes& out, const Transaction& tx)
{
    const Bytes raw = encode_transaction(tx);
    if (tx.type == TxType::Legacy)
        out.insert(out.end(), raw.begin(), raw.end());
    else
        rlp::encode_bytes(out, raw);
}

Hash256 transaction_hash(const Transaction& tx)
{
    return keccak256(encode_transaction(tx));
}

Hash256 signing_hash(const Transaction& tx)
{
    const Bytes p = unsigned_payload(tx, true);
    Bytes msg;
    msg.reserve(p.size() + 10);
    if (tx.type != TxType::Legacy)
        msg.push_back(static_cast<uint8_t>(tx.type));
    rlp::encode_list_header(msg, p.size());
    msg.insert(msg.end(), p.begin(), p.end());
    return keccak256(msg);
}

}  // namespace tern
