#include "core/hex.hpp"

#include "core/hex_digit.hpp"

namespace tern {

std::string to_hex(BytesView data, bool prefix)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2 + 2);
    if (prefix)
        out += "0x";
    for (auto b : data)
    {
        out += digits[b >> 4];
        out += digits[b & 0xf];
    }
    return out;
}

std::optional<Bytes> from_hex(std::string_view hex)
{
    if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex.remove_prefix(2);
    Bytes out((hex.size() + 1) / 2);
    size_t i = 0;
    size_t o = 0;
    if (hex.size() % 2 == 1)
    {
        const int d = hex_digit(hex[0]);
        if (d < 0)
            return std::nullopt;
        out[o++] = static_cast<uint8_t>(d);
        i = 1;
    }
    // Written straight into the buffer; one check per pair (a negative digit has its high bit).
    for (; i < hex.size(); i += 2)
    {
        const int hi = hex_digit(hex[i]);
        const int lo = hex_digit(hex[i + 1]);
        if ((hi | lo) < 0)
            return std::nullopt;
        out[o++] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return out;
}

}  // namespace tern
