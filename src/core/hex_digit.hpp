#pragma once

#include <array>
#include <cstdint>

namespace tern {

namespace detail {
/// Value of each byte as a hex digit, -1 for bytes that are none.
inline constexpr std::array<int8_t, 256> kHexDigitValues = [] {
    std::array<int8_t, 256> t{};
    for (auto& v : t)
        v = -1;
    for (int c = '0'; c <= '9'; ++c)
        t[c] = static_cast<int8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c)
        t[c] = static_cast<int8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c)
        t[c] = static_cast<int8_t>(c - 'A' + 10);
    return t;
}();
}  // namespace detail

/// The value of one hex digit (either case), or -1 for any other character: a table lookup,
/// since megabytes of hex (FileStorage chunks in eth_sendRawTransaction) go through it.
constexpr int hex_digit(char c) noexcept
{
    return detail::kHexDigitValues[static_cast<uint8_t>(c)];
}

}  // namespace tern
