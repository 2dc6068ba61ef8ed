#include "chain/block.hpp"

#include "core/rlp_encode.hpp"
#include "transaction/codec.hpp"
#include "transaction/validation.hpp"
#include "trie/trie_builder.hpp"

#include <optional>

namespace tern::chain {
namespace {

using rlp::DecodingError;
using MaybeError = std::optional<DecodeError>;

DecodeError rlp_error(DecodingError e, const char* field) noexcept
{
    DecodeError err;
    err.kind = DecodeErrorKind::Rlp;
    err.rlp = e;
    err.field = field;
    return err;
}

DecodeError error(DecodeErrorKind kind, const char* field) noexcept
{
    DecodeError err;
    err.kind = kind;
    err.field = field;
    return err;
}

void encode_u256(Bytes& out, const U256& v)
{
    uint8_t buf[32];
    v.to_be_bytes(buf);
    rlp::encode_bytes(out, rlp::trim_leading_zeros(BytesView{buf, 32}));
}

void encode_u64_fixed8(Bytes& out, uint64_t v)
{
    uint8_t buf[8];
    for (size_t i = 0; i < 8; ++i)
        buf[i] = static_cast<uint8_t>(v >> (8 * (7 - i)));
    rlp::encode_bytes(out, BytesView{buf, 8});
}

void append_list(Bytes& out, const Bytes& payload)
{
    rlp::encode_list_header(out, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
}

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

template <typename T>
MaybeError read_fixed(BytesView& in, T& out, const char* field) noexcept
{
    auto r = rlp::decode_fixed<T>(in);
    if (!r)
        return rlp_error(r.error(), field);
    out = *r;
    return std::nullopt;
}

MaybeError read_data(BytesView& in, Bytes& out, const char* field)
{
    auto r = rlp::decode_bytes(in);
    if (!r)
        return rlp_error(r.error(), field);
    out.assign(r->begin(), r->end());
    return std::nullopt;
}

MaybeError read_bloom(BytesView& in, execution::Bloom& out) noexcept
{
    auto r = rlp::decode_bytes(in);
    if (!r)
        return rlp_error(r.error(), "logsBloom");
    if (r->size() != out.size())
        return rlp_error(DecodingError::UnexpectedLength, "logsBloom");
    std::copy(r->begin(), r->end(), out.begin());
    return std::nullopt;
}

MaybeError read_nonce(BytesView& in, uint64_t& out) noexcept
{
    auto r = rlp::decode_bytes(in);
    if (!r)
        return rlp_error(r.error(), "nonce");
    if (r->size() != 8)
        return rlp_error(DecodingError::UnexpectedLength, "nonce");
    out = 0;
    for (uint8_t b : *r)
        out = (out << 8) | b;
    return std::nullopt;
}

/// Opens a list item at the front of `in`; the payload view is returned through `payload`.
MaybeError open_list(BytesView& in, BytesView& payload, const char* field) noexcept
{
    auto r = rlp::decode_list(in);
    if (!r)
        return rlp_error(r.error(), field);
    payload = *r;
    return std::nullopt;
}

/// Fails with FieldCount when `in` still has items (the list had more fields than expected).
MaybeError expect_end(BytesView in, const char* field) noexcept
{
    if (!in.empty())
        return error(DecodeErrorKind::FieldCount, field);
    return std::nullopt;
}

/// Converts a short read inside a fixed-field list into FieldCount (too few fields).
DecodeError fix_short(DecodeError e, BytesView remaining) noexcept
{
    if (e.kind == DecodeErrorKind::Rlp && e.rlp == DecodingError::InputTooShort &&
        remaining.empty())
        e.kind = DecodeErrorKind::FieldCount;
    return e;
}

/// Reads one field of a fixed-field list held in `p`; a list that ends early is FieldCount.
#define TERN_FIELD(expr)                  \
    do                                    \
    {                                     \
        const BytesView before = p;       \
        if (auto e = (expr))              \
            return fix_short(*e, before); \
    } while (false)

MaybeError decode_header_fields(BytesView& p, BlockHeader& h) noexcept
{
    TERN_FIELD(read_fixed(p, h.parent_hash, "parentHash"));
    TERN_FIELD(read_fixed(p, h.ommers_hash, "ommersHash"));
    TERN_FIELD(read_fixed(p, h.coinbase, "coinbase"));
    TERN_FIELD(read_fixed(p, h.state_root, "stateRoot"));
    TERN_FIELD(read_fixed(p, h.transactions_root, "transactionsRoot"));
    TERN_FIELD(read_fixed(p, h.receipts_root, "receiptsRoot"));
    TERN_FIELD(read_bloom(p, h.logs_bloom));
    TERN_FIELD(read_u256(p, h.difficulty, "difficulty"));
    TERN_FIELD(read_u64(p, h.number, "number"));
    TERN_FIELD(read_u64(p, h.gas_limit, "gasLimit"));
    TERN_FIELD(read_u64(p, h.gas_used, "gasUsed"));
    TERN_FIELD(read_u64(p, h.timestamp, "timestamp"));
    TERN_FIELD(read_data(p, h.extra_data, "extraData"));
    TERN_FIELD(read_fixed(p, h.mix_hash, "mixHash"));
    TERN_FIELD(read_nonce(p, h.nonce));
    TERN_FIELD(read_u256(p, h.base_fee, "baseFeePerGas"));
    TERN_FIELD(read_fixed(p, h.withdrawals_root, "withdrawalsRoot"));
    TERN_FIELD(read_u64(p, h.blob_gas_used, "blobGasUsed"));
    TERN_FIELD(read_u64(p, h.excess_blob_gas, "excessBlobGas"));
    TERN_FIELD(read_fixed(p, h.parent_beacon_block_root, "parentBeaconBlockRoot"));
    return expect_end(p, "header");
}

MaybeError decode_withdrawal(BytesView& in, Withdrawal& w) noexcept
{
    BytesView p;
    if (auto e = open_list(in, p, "withdrawal"))
        return e;
    TERN_FIELD(read_u64(p, w.index, "withdrawal.index"));
    TERN_FIELD(read_u64(p, w.validator_index, "withdrawal.validatorIndex"));
    TERN_FIELD(read_fixed(p, w.address, "withdrawal.address"));
    TERN_FIELD(read_u64(p, w.amount_gwei, "withdrawal.amount"));
    return expect_end(p, "withdrawal");
}

MaybeError decode_log_fields(BytesView& p, state::Log& log)
{
    TERN_FIELD(read_fixed(p, log.address, "log.address"));
    BytesView topics;
    TERN_FIELD(open_list(p, topics, "log.topics"));
    while (!topics.empty())
    {
        Hash256 t;
        if (auto e = read_fixed(topics, t, "log.topic"))
            return e;
        log.topics.push_back(t);
    }
    TERN_FIELD(read_data(p, log.data, "log.data"));
    return expect_end(p, "log");
}

/// Decodes the three body lists (transactions, ommers, withdrawals) from `p`.
MaybeError decode_body_lists(BytesView& p, BlockBody& body)
{
    BytesView txs;
    TERN_FIELD(open_list(p, txs, "transactions"));
    TxDecodeOptions opts;
    opts.allow_blob = true;
    while (!txs.empty())
    {
        auto tx = decode_transaction_in_block(txs, opts);
        if (!tx)
        {
            DecodeError err = error(DecodeErrorKind::Transaction, "transactions");
            err.tx = tx.error();
            return err;
        }
        body.transactions.push_back(std::move(*tx));
    }
    BytesView ommers;
    TERN_FIELD(open_list(p, ommers, "ommers"));
    if (!ommers.empty())
        return error(DecodeErrorKind::Ommers, "ommers");
    BytesView withdrawals;
    TERN_FIELD(open_list(p, withdrawals, "withdrawals"));
    while (!withdrawals.empty())
    {
        Withdrawal w;
        if (auto e = decode_withdrawal(withdrawals, w))
            return e;
        body.withdrawals.push_back(w);
    }
    return std::nullopt;
}

Bytes encode_body_payload(std::span<const Transaction> transactions,
                          std::span<const Withdrawal> withdrawals)
{
    Bytes txs;
    for (const auto& tx : transactions)
        encode_transaction_in_block(txs, tx);
    Bytes ws;
    for (const auto& w : withdrawals)
    {
        const Bytes e = encode_withdrawal(w);
        ws.insert(ws.end(), e.begin(), e.end());
    }
    Bytes payload;
    payload.reserve(txs.size() + ws.size() + 16);
    append_list(payload, txs);
    rlp::encode_list_header(payload, 0);
    append_list(payload, ws);
    return payload;
}

}  // namespace

std::string DecodeError::message() const
{
    std::string out;
    switch (kind)
    {
        case DecodeErrorKind::Rlp:
            out = "rlp";
            break;
        case DecodeErrorKind::FieldCount:
            out = "wrong number of fields";
            break;
        case DecodeErrorKind::Transaction:
            out = "invalid transaction";
            break;
        case DecodeErrorKind::Ommers:
            out = "ommers not empty";
            break;
        case DecodeErrorKind::BadValue:
            out = "invalid value";
            break;
    }
    if (field && *field)
        out += std::string(" (") + field + ")";
    if (kind == DecodeErrorKind::Rlp)
        out += std::string(": ") + std::string(rlp::to_string(rlp));
    else if (kind == DecodeErrorKind::Transaction)
        out += ": " + tx.message();
    return out;
}

// ---- header ----

void BlockHeader::encode_to(Bytes& out) const
{
    Bytes p;
    p.reserve(640);
    rlp::encode_bytes(p, parent_hash.view());
    rlp::encode_bytes(p, ommers_hash.view());
    rlp::encode_bytes(p, coinbase.view());
    rlp::encode_bytes(p, state_root.view());
    rlp::encode_bytes(p, transactions_root.view());
    rlp::encode_bytes(p, receipts_root.view());
    rlp::encode_bytes(p, BytesView{logs_bloom.data(), logs_bloom.size()});
    encode_u256(p, difficulty);
    rlp::encode_uint(p, number);
    rlp::encode_uint(p, gas_limit);
    rlp::encode_uint(p, gas_used);
    rlp::encode_uint(p, timestamp);
    rlp::encode_bytes(p, extra_data);
    rlp::encode_bytes(p, mix_hash.view());
    encode_u64_fixed8(p, nonce);
    encode_u256(p, base_fee);
    rlp::encode_bytes(p, withdrawals_root.view());
    rlp::encode_uint(p, blob_gas_used);
    rlp::encode_uint(p, excess_blob_gas);
    rlp::encode_bytes(p, parent_beacon_block_root.view());
    append_list(out, p);
}

Bytes BlockHeader::encode() const
{
    Bytes out;
    encode_to(out);
    return out;
}

Hash256 BlockHeader::hash() const
{
    return keccak256(encode());
}

Result<BlockHeader, DecodeError> BlockHeader::decode_from(BytesView& in)
{
    BytesView p;
    if (auto e = open_list(in, p, "header"))
        return *e;
    BlockHeader h;
    if (auto e = decode_header_fields(p, h))
        return *e;
    return h;
}

Result<BlockHeader, DecodeError> BlockHeader::decode(BytesView in)
{
    auto h = decode_from(in);
    if (!h)
        return h;
    if (!in.empty())
        return rlp_error(DecodingError::InputTooLong, "header");
    return h;
}

// ---- body and block ----

Bytes encode_withdrawal(const Withdrawal& w)
{
    Bytes p;
    rlp::encode_uint(p, w.index);
    rlp::encode_uint(p, w.validator_index);
    rlp::encode_bytes(p, w.address.view());
    rlp::encode_uint(p, w.amount_gwei);
    return rlp::wrap_list(p);
}

Bytes encode_body(std::span<const Transaction> transactions,
                  std::span<const Withdrawal> withdrawals)
{
    return rlp::wrap_list(encode_body_payload(transactions, withdrawals));
}

Result<BlockBody, DecodeError> decode_body(BytesView in)
{
    BytesView p;
    if (auto e = open_list(in, p, "body"))
        return *e;
    if (!in.empty())
        return rlp_error(DecodingError::InputTooLong, "body");
    BlockBody body;
    if (auto e = decode_body_lists(p, body))
        return *e;
    if (auto e = expect_end(p, "body"))
        return *e;
    return body;
}

Bytes encode_block(const Block& block)
{
    Bytes payload;
    block.header.encode_to(payload);
    const Bytes body = encode_body_payload(block.transactions, block.withdrawals);
    payload.insert(payload.end(), body.begin(), body.end());
    return rlp::wrap_list(payload);
}

Result<Block, DecodeError> decode_block(BytesView in)
{
    BytesView p;
    if (auto e = open_list(in, p, "block"))
        return *e;
    if (!in.empty())
        return rlp_error(DecodingError::InputTooLong, "block");
    Block block;
    {
        const BytesView before = p;
        auto h = BlockHeader::decode_from(p);
        if (!h)
            return fix_short(h.error(), before);
        block.header = std::move(*h);
    }
    BlockBody body;
    if (auto e = decode_body_lists(p, body))
        return *e;
    if (auto e = expect_end(p, "block"))
        return *e;
    block.transactions = std::move(body.transactions);
    block.withdrawals = std::move(body.withdrawals);
    return block;
}

Result<bool, TxError> recover_senders(Block& block, uint64_t chain_id)
{
    block.senders.clear();
    block.senders.reserve(block.transactions.size());
    for (const auto& tx : block.transactions)
    {
        auto s = recover_sender(tx, chain_id);
        if (!s)
        {
            block.senders.clear();
            return s.error();
        }
        block.senders.push_back(*s);
    }
    return true;
}

// ---- receipts ----

Bytes encode_receipt(const execution::Receipt& receipt)
{
    Bytes p;
    p.reserve(300);
    rlp::encode_uint(p, receipt.success ? 1 : 0);
    rlp::encode_uint(p, receipt.cumulative_gas_used);
    rlp::encode_bytes(p, BytesView{receipt.bloom.data(), receipt.bloom.size()});
    const Bytes logs = execution::encode_logs(receipt.logs);
    p.insert(p.end(), logs.begin(), logs.end());
    Bytes out;
    out.reserve(p.size() + 6);
    if (receipt.type != TxType::Legacy)
        out.push_back(static_cast<uint8_t>(receipt.type));
    append_list(out, p);
    return out;
}

Result<execution::Receipt, DecodeError> decode_receipt(BytesView in)
{
    execution::Receipt r;
    if (in.empty())
        return rlp_error(DecodingError::InputTooShort, "receipt");
    if (in[0] < 0xc0)
    {
        const uint8_t type = in[0];
        if (type < 1 || type > static_cast<uint8_t>(TxType::SetCode))
            return error(DecodeErrorKind::BadValue, "receipt.type");
        r.type = static_cast<TxType>(type);
        in = in.subspan(1);
    }
    BytesView p;
    if (auto e = open_list(in, p, "receipt"))
        return *e;
    if (!in.empty())
        return rlp_error(DecodingError::InputTooLong, "receipt");
    uint64_t status = 0;
    TERN_FIELD(read_u64(p, status, "receipt.status"));
    if (status > 1)
        return error(DecodeErrorKind::BadValue, "receipt.status");
    r.success = status == 1;
    TERN_FIELD(read_u64(p, r.cumulative_gas_used, "receipt.cumulativeGasUsed"));
    TERN_FIELD(read_bloom(p, r.bloom));
    BytesView logs;
    TERN_FIELD(open_list(p, logs, "receipt.logs"));
    if (auto e = expect_end(p, "receipt"))
        return *e;
    while (!logs.empty())
    {
        BytesView lp;
        if (auto e = open_list(logs, lp, "log"))
            return *e;
        state::Log log;
        if (auto e = decode_log_fields(lp, log))
            return *e;
        r.logs.push_back(std::move(log));
    }
    return r;
}

void fill_gas_used(std::span<execution::Receipt> receipts) noexcept
{
    uint64_t prev = 0;
    for (auto& r : receipts)
    {
        r.gas_used = r.cumulative_gas_used - prev;
        prev = r.cumulative_gas_used;
    }
}

// ---- roots ----

Hash256 transactions_root(std::span<const Transaction> transactions)
{
    std::vector<Bytes> items;
    items.reserve(transactions.size());
    for (const auto& tx : transactions)
        items.push_back(encode_transaction(tx));
    return trie::ordered_trie_root(items);
}

Hash256 receipts_root(std::span<const execution::Receipt> receipts)
{
    std::vector<Bytes> items;
    items.reserve(receipts.size());
    for (const auto& r : receipts)
        items.push_back(encode_receipt(r));
    return trie::ordered_trie_root(items);
}

Hash256 withdrawals_root(std::span<const Withdrawal> withdrawals)
{
    std::vector<Bytes> items;
    items.reserve(withdrawals.size());
    for (const auto& w : withdrawals)
        items.push_back(encode_withdrawal(w));
    return trie::ordered_trie_root(items);
}

execution::Bloom block_bloom(std::span<const execution::Receipt> receipts) noexcept
{
    execution::Bloom out{};
    for (const auto& r : receipts)
        for (size_t i = 0; i < out.size(); ++i)
            out[i] |= r.bloom[i];
    return out;
}

// ---- fee rules ----

U256 eip1559_next_base_fee(const BlockHeader& parent) noexcept
{
    const uint64_t target = parent.gas_limit / kElasticityMultiplier;
    if (target == 0 || parent.gas_used == target)
        return parent.base_fee;
    if (parent.gas_used > target)
    {
        const uint64_t delta = parent.gas_used - target;
        U256 change =
            parent.base_fee * U256{delta} / U256{target} / U256{kBaseFeeChangeDenominator};
        if (change == 0)
            change = 1;
        return parent.base_fee + change;
    }
    const uint64_t delta = target - parent.gas_used;
    const U256 change =
        parent.base_fee * U256{delta} / U256{target} / U256{kBaseFeeChangeDenominator};
    return change < parent.base_fee ? parent.base_fee - change : U256{};
}

uint64_t next_excess_blob_gas(const BlockHeader& parent) noexcept
{
    const uint64_t sum = parent.excess_blob_gas + parent.blob_gas_used;
    return sum < kTargetBlobGasPerBlock ? 0 : sum - kTargetBlobGasPerBlock;
}

#undef TERN_FIELD

}  // namespace tern::chain
