#include "core/abi.hpp"

#include "core/keccak.hpp"

namespace tern::abi {
namespace {

/// Appends `data` padded with zeros to a multiple of 32 bytes.
void append_padded(Bytes& out, BytesView data)
{
    out.insert(out.end(), data.begin(), data.end());
    out.resize(out.size() + (32 - data.size() % 32) % 32, 0);
}

void append_selector(Bytes& out, uint32_t sel)
{
    out.push_back(static_cast<uint8_t>(sel >> 24));
    out.push_back(static_cast<uint8_t>(sel >> 16));
    out.push_back(static_cast<uint8_t>(sel >> 8));
    out.push_back(static_cast<uint8_t>(sel));
}

}  // namespace

uint32_t selector(std::string_view signature) noexcept
{
    const auto h = keccak256(as_bytes(signature));
    return (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
}

std::optional<uint32_t> selector_of(BytesView data) noexcept
{
    if (data.size() < 4)
        return std::nullopt;
    return (uint32_t{data[0]} << 24) | (uint32_t{data[1]} << 16) | (uint32_t{data[2]} << 8) |
           data[3];
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

std::optional<uint64_t> Reader::u64(size_t index) const noexcept
{
    const auto w = word(index);
    if (!w || !w->fits_u64())
        return std::nullopt;
    return w->low64();
}

std::optional<Hash256> Reader::bytes32(size_t index) const noexcept
{
    const auto w = word(index);
    if (!w)
        return std::nullopt;
    return w->to_hash();
}

std::optional<Address> Reader::address(size_t index) const noexcept
{
    const auto h = bytes32(index);
    if (!h)
        return std::nullopt;
    for (size_t i = 0; i < 12; ++i)
        if (h->bytes[i] != 0)
            return std::nullopt;
    Address a;
    for (size_t i = 0; i < 20; ++i)
        a.bytes[i] = h->bytes[12 + i];
    return a;
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

std::optional<std::string> Reader::string(size_t index) const
{
    const auto b = bytes(index);
    if (!b)
        return std::nullopt;
    return std::string(b->begin(), b->end());
}

std::optional<std::vector<U256>> Reader::words(size_t index) const
{
    const auto off = word(index);
    if (!off || !off->fits_u64() || off->low64() > args_.size() || args_.size() - off->low64() < 32)
        return std::nullopt;
    const size_t start = off->low64();
    const auto len = U256::from_be(args_.subspan(start, 32));
    if (!len.fits_u64() || len.low64() > (args_.size() - start - 32) / 32)
        return std::nullopt;
    std::vector<U256> out;
    out.reserve(len.low64());
    for (size_t i = 0; i < len.low64(); ++i)
        out.push_back(U256::from_be(args_.subspan(start + 32 + i * 32, 32)));
    return out;
}

void append_word(Bytes& out, const U256& value)
{
    uint8_t buf[32];
    value.to_be_bytes(buf);
    out.insert(out.end(), buf, buf + 32);
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

Bytes encode_string(std::string_view text)
{
    return encode_bytes(as_bytes(text));
}

Bytes encode_words(std::span<const U256> items)
{
    Bytes out;
    out.reserve(64 + 32 * items.size());
    append_word(out, U256{32});
    append_word(out, U256{items.size()});
    for (const auto& w : items)
        append_word(out, w);
    return out;
}

Bytes encode_bytes32_array(std::span<const Hash256> items)
{
    Bytes out;
    out.reserve(64 + 32 * items.size());
    append_word(out, U256{32});
    append_word(out, U256{items.size()});
    for (const auto& h : items)
        out.insert(out.end(), h.bytes.begin(), h.bytes.end());
    return out;
}

Bytes encode_error(std::string_view reason)
{
    Bytes out;
    append_selector(out, kErrorSelector);
    const auto body = encode_string(reason);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes encode_panic(uint64_t code)
{
    Bytes out;
    append_selector(out, kPanicSelector);
    append_word(out, U256{code});
    return out;
}

Bytes encode_call(std::string_view signature,
                  std::span<const U256> words,
                  std::optional<BytesView> tail)
{
    Bytes out;
    append_selector(out, selector(signature));
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

std::optional<std::string> decode_error(BytesView out)
{
    // Error(string): 0x08c379a0 ++ abi.encode(string)
    if (out.size() < 4 + 64 || selector_of(out) != kErrorSelector)
        return std::nullopt;
    const BytesView body = out.subspan(4);
    const U256 offset = U256::from_be(body.subspan(0, 32));
    if (!offset.fits_u64() || offset.low64() > body.size() - 32)
        return std::nullopt;
    const size_t off = offset.low64();
    const U256 len = U256::from_be(body.subspan(off, 32));
    if (!len.fits_u64() || len.low64() > body.size() - off - 32)
        return std::nullopt;
    const auto s = body.subspan(off + 32, len.low64());
    return std::string(s.begin(), s.end());
}

std::string panic_reason(const U256& code)
{
    if (code.fits_u64())
    {
        switch (code.low64())
        {
            case 0x00:
                return "generic panic";
            case 0x01:
                return "assert(false)";
            case 0x11:
                return "arithmetic underflow or overflow";
            case 0x12:
                return "division or modulo by zero";
            case 0x21:
                return "enum overflow";
            case 0x22:
                return "invalid encoded storage byte array accessed";
            case 0x31:
                return "out-of-bounds array access; popping on an empty array";
            case 0x32:
                return "out-of-bounds access of an array or bytesN";
            case 0x41:
                return "out of memory";
            case 0x51:
                return "uninitialized function";
            default:
                break;
        }
    }
    return "unknown panic code: " + code.to_hex();
}

std::optional<std::string> unpack_revert(BytesView out)
{
    const auto sel = selector_of(out);
    if (sel == kErrorSelector)
        return decode_error(out);
    // Panic(uint256): 0x4e487b71 ++ code
    if (sel == kPanicSelector && out.size() >= 4 + 32)
        return panic_reason(U256::from_be(out.subspan(4, 32)));
    return std::nullopt;
}

std::string revert_message(BytesView output)
{
    const auto reason = decode_error(output);
    return reason ? "execution reverted: " + *reason : "execution reverted";
}

}  // namespace tern::abi
