#pragma once

#include "core/bytes.hpp"
#include "core/hex_digit.hpp"

#include <string_view>

namespace tern {

/// An address written as 40 hex digits with "0x" (either case), checked at compile time: the
/// predeploy addresses of chain features (SKALE's 0xD300...d3 and the like).
consteval Address address_literal(std::string_view hex)
{
    const auto digit = [](char c) -> int {
        const int v = hex_digit(c);
        if (v < 0)
            throw "address_literal: not a hex digit";  // a compile error in a consteval call
        return v;
    };
    if (hex.size() != 42 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X'))
        throw "address_literal: expected 0x and 40 hex digits";
    Address a;
    for (size_t i = 0; i < 20; ++i)
        a.bytes[i] = static_cast<uint8_t>(digit(hex[2 + 2 * i]) * 16 + digit(hex[3 + 2 * i]));
    return a;
}

}  // namespace tern
