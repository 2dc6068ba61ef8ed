#include "execution/receipt.hpp"

#include "core/abi.hpp"
#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"

namespace tern::execution {

void bloom_add(Bloom& bloom, BytesView data) noexcept
{
    const auto h = keccak256(data);
    for (size_t i = 0; i < 6; i += 2)
    {
        const unsigned bit = ((unsigned{h[i]} << 8) | h[i + 1]) & 2047u;
        bloom[255 - bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
    }
}

Bloom logs_bloom(std::span<const state::Log> logs) noexcept
{
    Bloom b{};
    for (const auto& log : logs)
    {
        bloom_add(b, log.address.view());
        for (const auto& t : log.topics)
            bloom_add(b, t.view());
    }
    return b;
}

std::string revert_reason_of(BytesView output)
{
    auto reason = abi::unpack_revert(output);
    if (!reason)
        return {};
    if (reason->size() > kMaxRevertReasonBytes)
        reason->resize(kMaxRevertReasonBytes);
    return std::move(*reason);
}

Bytes encode_logs(std::span<const state::Log> logs)
{
    Bytes payload;
    for (const auto& log : logs)
    {
        Bytes entry;
        rlp::encode_bytes(entry, log.address.view());
        Bytes topics;
        for (const auto& t : log.topics)
            rlp::encode_bytes(topics, t.view());
        rlp::encode_list_header(entry, topics.size());
        entry.insert(entry.end(), topics.begin(), topics.end());
        rlp::encode_bytes(entry, log.data);
        rlp::encode_list_header(payload, entry.size());
        payload.insert(payload.end(), entry.begin(), entry.end());
    }
    return rlp::wrap_list(payload);
}

Hash256 logs_hash(std::span<const state::Log> logs)
{
    return keccak256(encode_logs(logs));
}

}  // namespace tern::execution
