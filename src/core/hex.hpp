#pragma once

#include "core/bytes.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace tern {

/// Lower-case hex of `data`, with a "0x" prefix when `prefix` is set.
std::string to_hex(BytesView data, bool prefix = true);

/// Parses hex with or without "0x"; an odd number of digits gets a leading zero nibble.
/// Returns nullopt on any non-hex character.
std::optional<Bytes> from_hex(std::string_view hex);

/// Parses hex into a fixed-size value, left-padding short input with zeros; nullopt if it is
/// longer than N bytes or not hex.
template <typename T>
std::optional<T> fixed_from_hex(std::string_view hex)
{
    auto b = from_hex(hex);
    if (!b || b->size() > T::size())
        return std::nullopt;
    T out{};
    std::copy(b->begin(), b->end(), out.bytes.begin() + (T::size() - b->size()));
    return out;
}

/// Hex of a fixed-size value with "0x".
template <size_t N>
std::string to_hex(const FixedBytes<N>& v)
{
    return to_hex(v.view());
}

}  // namespace tern
