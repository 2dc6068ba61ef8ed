#include "mlchain/abi.hpp"

#include "core/keccak.hpp"

namespace tern::mlchain::abi {
namespace {

void append_word(Bytes& out, const U256& v)
{
    uint8_t buf[32];
    v.to_be_bytes(buf);
    out.insert(out.end(), buf, buf + 32);
}

/// Appends `data` padded with zeros to a multiple of 32 bytes.
void append_padded(Bytes& out, BytesView data)
{
    out.insert(out.end(), data.begin(), data.end());
    out.resize(out.size() + (32 - data.size() % 32) % 32, 0);
}

}  // namespace

uint32_t selector(std::string_view signature) noexcept
{
    const auto h = keccak256(as_bytes(signature));
    return (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
}

std::optional<U256> Reader::word(size_t index) const noexcept
{
    if (index >= args_.size() / 32)
        return std::nullopt;
    return U256::from_be(args_.subspan(index * 32, 32));
}

std::optional<uint32_t> Reader::u32(size_t index) const noexcept
{
    const auto w = word(index);
    if (!w || !w->fits_u64() || w->low64() > UINT32_MAX)
        return std::nullopt;
    return static_cast<uint32_t>(w->low64());
}

std::optional<Hash256> Reader::bytes32(size_t index) const noexcept
{
    const auto w = word(index);
    if (!w)
        return std::nullopt;
    return w->to_hash();
}

std::optional<BytesView> Reader::bytes(size_t index) const noexcept
{
    const auto off = word(index);
    if (!off || !off->fits_u64() || off->low64() > args_.size() || args_.size() - off->low64() < 32)
        return std::nullopt;
    const size_t start = off->low64();
    const auto len = U256::from_be(args_.subspan(start, 32));
    if (!len.fits_u64() || len.low64() > args_.size() - start - 32)
        return std::nullopt;
    return args_.subspan(start + 32, len.low64());
}

Bytes encode_word(const U256& value)
{
    Bytes out;
    append_word(out, value);
    return out;
}

Bytes encode_bytes(BytesView data)
{
    Bytes out;
    out.reserve(64 + data.size() + 32);
    append_word(out, U256{32});
    append_word(out, U256{data.size()});
    append_padded(out, data);
    return out;
}

Bytes encode_bytes32_array(const std::vector<Hash256>& items)
{
    Bytes out;
    append_word(out, U256{32});
    append_word(out, U256{items.size()});
    for (const auto& h : items)
        out.insert(out.end(), h.bytes.begin(), h.bytes.end());
    return out;
}

Bytes encode_error(std::string_view reason)
{
    Bytes out{0x08, 0xc3, 0x79, 0xa0};
    const auto body = encode_bytes(as_bytes(reason));  // same layout as abi.encode(string)
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes encode_call(std::string_view signature,
                  std::span<const U256> words,
                  std::optional<BytesView> tail)
{
    const uint32_t sel = selector(signature);
    Bytes out{static_cast<uint8_t>(sel >> 24), static_cast<uint8_t>(sel >> 16),
              static_cast<uint8_t>(sel >> 8), static_cast<uint8_t>(sel)};
    for (const auto& w : words)
        append_word(out, w);
    if (tail)
    {
        append_word(out, U256{(words.size() + 1) * 32});
        append_word(out, U256{tail->size()});
        append_padded(out, *tail);
    }
    return out;
}

}  // namespace tern::mlchain::abi
