#include "db/codec.hpp"

#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace tern::db::codec {

Key<8> number_key(uint64_t number) noexcept
{
    Key<8> k;
    put_u64(k.bytes.data(), number);
    return k;
}

Key<12> tx_key(uint64_t number, uint32_t index) noexcept
{
    Key<12> k;
    put_u64(k.bytes.data(), number);
    for (int i = 0; i < 4; ++i)
        k.bytes[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(index >> (24 - 8 * i));
    return k;
}

Key<52> storage_key(const Address& addr, const U256& slot) noexcept
{
    Key<52> k;
    std::memcpy(k.bytes.data(), addr.data(), 20);
    slot.to_be_bytes(k.bytes.data() + 20);
    return k;
}

Key<28> account_history_key(const Address& addr, uint64_t number) noexcept
{
    Key<28> k;
    std::memcpy(k.bytes.data(), addr.data(), 20);
    put_u64(k.bytes.data() + 20, number);
    return k;
}

Key<60> storage_history_key(const Address& addr, const U256& slot, uint64_t number) noexcept
{
    Key<60> k;
    std::memcpy(k.bytes.data(), addr.data(), 20);
    slot.to_be_bytes(k.bytes.data() + 20);
    put_u64(k.bytes.data() + 52, number);
    return k;
}

std::array<uint8_t, 72> encode_account(const state::AccountInfo& a) noexcept
{
    std::array<uint8_t, 72> out{};
    put_u64(out.data(), a.nonce);
    a.balance.to_be_bytes(out.data() + 8);
    std::memcpy(out.data() + 40, a.code_hash.data(), 32);
    return out;
}

std::optional<state::AccountInfo> decode_account(BytesView v) noexcept
{
    if (v.size() != 72)
        return std::nullopt;
    state::AccountInfo a;
    a.nonce = get_u64(v.data());
    a.balance = U256::from_be_bytes(v.data() + 8, 32);
    std::memcpy(a.code_hash.data(), v.data() + 40, 32);
    return a;
}

Bytes encode_slot(const U256& v)
{
    uint8_t buf[32];
    v.to_be_bytes(buf);
    size_t i = 0;
    while (i < 32 && buf[i] == 0)
        ++i;
    return Bytes(buf + i, buf + 32);
}

std::optional<U256> decode_slot(BytesView v) noexcept
{
    if (v.size() > 32)
        return std::nullopt;
    return U256::from_be(v);
}

Bytes encode_receipts(std::span<const execution::Receipt> receipts)
{
    Bytes payload;
    for (const auto& r : receipts)
    {
        Bytes item;
        rlp::encode_uint(item, static_cast<uint64_t>(r.type));
        rlp::encode_uint(item, r.success ? 1 : 0);
        rlp::encode_uint(item, r.cumulative_gas_used);
        rlp::encode_uint(item, r.gas_used);
        rlp::encode_uint(item, r.blob_gas_used);
        const Bytes logs = execution::encode_logs(r.logs);
        item.insert(item.end(), logs.begin(), logs.end());
        // Only a reverted receipt with a reason has the 7th item: receipts stored before it
        // existed read the same.
        if (!r.revert_reason.empty())
            rlp::encode_bytes(item, as_bytes(r.revert_reason));
        rlp::encode_list_header(payload, item.size());
        payload.insert(payload.end(), item.begin(), item.end());
    }
    return rlp::wrap_list(payload);
}

namespace {

std::optional<state::Log> decode_log(BytesView& in)
{
    auto list = rlp::decode_list(in);
    if (!list)
        return std::nullopt;
    BytesView p = *list;
    state::Log log;
    auto addr = rlp::decode_fixed<Address>(p);
    if (!addr)
        return std::nullopt;
    log.address = *addr;
    auto topics = rlp::decode_list(p);
    if (!topics)
        return std::nullopt;
    BytesView t = *topics;
    while (!t.empty())
    {
        auto topic = rlp::decode_fixed<Hash256>(t);
        if (!topic)
            return std::nullopt;
        log.topics.push_back(*topic);
    }
    auto data = rlp::decode_bytes(p);
    if (!data || !p.empty())
        return std::nullopt;
    log.data = to_bytes(*data);
    return log;
}

std::optional<execution::Receipt> decode_receipt(BytesView& in, Blooms blooms)
{
    auto list = rlp::decode_list(in);
    if (!list)
        return std::nullopt;
    BytesView p = *list;
    execution::Receipt r;
    auto type = rlp::decode_u64(p);
    auto status = type ? rlp::decode_u64(p) : type;
    auto cumulative = status ? rlp::decode_u64(p) : status;
    auto gas = cumulative ? rlp::decode_u64(p) : cumulative;
    auto blob_gas = gas ? rlp::decode_u64(p) : gas;
    if (!blob_gas || *type > 4 || *status > 1)
        return std::nullopt;
    r.type = static_cast<TxType>(*type);
    r.success = *status == 1;
    r.cumulative_gas_used = *cumulative;
    r.gas_used = *gas;
    r.blob_gas_used = *blob_gas;
    auto logs = rlp::decode_list(p);
    if (!logs)
        return std::nullopt;
    if (!p.empty())
    {
        auto reason = rlp::decode_bytes(p);
        if (!reason || reason->empty() || reason->size() > execution::kMaxRevertReasonBytes ||
            !p.empty() || r.success)
            return std::nullopt;
        r.revert_reason.assign(reinterpret_cast<const char*>(reason->data()), reason->size());
    }
    BytesView l = *logs;
    while (!l.empty())
    {
        auto log = decode_log(l);
        if (!log)
            return std::nullopt;
        r.logs.push_back(std::move(*log));
    }
    if (blooms == Blooms::Compute)
        r.bloom = execution::logs_bloom(r.logs);
    return r;
}

/// What decode_receipt_at needs from a receipt before the wanted one.
struct Skimmed
{
    uint64_t cumulative_gas = 0;
    uint64_t log_count = 0;
};

/// Reads a stored receipt's cumulative gas and number of logs, advancing `in` past it, from RLP
/// headers: type and status must be their canonical single bytes (0x80 for 0, else 0x01..0x04 /
/// 0x01, as decode_receipt accepts), gas and blob gas are skipped as byte strings, and the logs
/// are counted by their list headers (nothing inside a log is read). nullopt if malformed.
std::optional<Skimmed> skim_receipt(BytesView& in)
{
    auto list = rlp::decode_list(in);
    if (!list || list->size() < 2)
        return std::nullopt;
    BytesView p = *list;
    const auto small = [](uint8_t b, uint8_t max) {
        return b == 0x80 || (b >= 1 && b <= max);
    };
    if (!small(p[0], 4) || !small(p[1], 1))
        return std::nullopt;
    p = p.subspan(2);
    auto cumulative = rlp::decode_u64(p);
    if (!cumulative || !rlp::decode_bytes(p) || !rlp::decode_bytes(p))
        return std::nullopt;
    auto logs = rlp::decode_list(p);
    if (!logs || (!p.empty() && (!rlp::decode_bytes(p) || !p.empty())))
        return std::nullopt;
    Skimmed out{*cumulative, 0};
    for (BytesView l = *logs; !l.empty(); ++out.log_count)
    {
        auto h = rlp::decode_header(l);
        if (!h || !h->list)
            return std::nullopt;
        l = l.subspan(h->payload_length);
    }
    return out;
}

}  // namespace

std::optional<std::vector<execution::Receipt>> decode_receipts(BytesView v, Blooms blooms)
{
    auto list = rlp::decode_list(v);
    if (!list || !v.empty())
        return std::nullopt;
    BytesView p = *list;
    std::vector<execution::Receipt> out;
    while (!p.empty())
    {
        auto r = decode_receipt(p, blooms);
        if (!r)
            return std::nullopt;
        out.push_back(std::move(*r));
    }
    return out;
}

Result<std::optional<ReceiptAt>, std::string> decode_receipt_at(BytesView v, size_t index)
{
    using Found = std::optional<ReceiptAt>;
    auto list = rlp::decode_list(v);
    if (!list || !v.empty())
        return std::string("receipts: malformed list");
    BytesView p = *list;
    ReceiptAt out;
    for (size_t i = 0; i < index; ++i)
    {
        if (p.empty())
            return Found{};
        const auto skimmed = skim_receipt(p);
        if (!skimmed)
            return "receipts: malformed receipt " + std::to_string(i);
        out.previous_cumulative_gas = skimmed->cumulative_gas;
        out.first_log_index += skimmed->log_count;
    }
    if (p.empty())
        return Found{};
    auto r = decode_receipt(p, Blooms::Compute);
    if (!r)
        return "receipts: malformed receipt " + std::to_string(index);
    out.receipt = std::move(*r);
    return Found{std::move(out)};
}

void append_change(Bytes& out, const Address& addr, const U256* slot)
{
    out.push_back(slot ? 1 : 0);
    out.insert(out.end(), addr.bytes.begin(), addr.bytes.end());
    if (slot)
    {
        uint8_t buf[32];
        slot->to_be_bytes(buf);
        out.insert(out.end(), buf, buf + 32);
    }
}

std::optional<std::vector<ChangedKey>> decode_changes(BytesView v)
{
    std::vector<ChangedKey> out;
    size_t i = 0;
    while (i < v.size())
    {
        const uint8_t tag = v[i++];
        if (tag > 1 || v.size() - i < 20 + (tag == 1 ? 32u : 0u))
            return std::nullopt;
        ChangedKey c;
        std::memcpy(c.address.data(), v.data() + i, 20);
        i += 20;
        if (tag == 1)
        {
            c.slot = U256::from_be_bytes(v.data() + i, 32);
            i += 32;
        }
        out.push_back(c);
    }
    return out;
}

}  // namespace tern::db::codec
