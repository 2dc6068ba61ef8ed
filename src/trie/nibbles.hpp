#pragma once

#include "core/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tern::trie {

/// Nibble `i` (0 = high half of byte 0) of `key`: trie paths walk keys four bits at a time.
inline uint8_t nibble_at(BytesView key, size_t i) noexcept
{
    const uint8_t b = key[i / 2];
    return (i % 2 == 0) ? static_cast<uint8_t>(b >> 4) : static_cast<uint8_t>(b & 0x0f);
}

/// Expands `key` into one nibble (0..15) per element, high half first.
Bytes to_nibbles(BytesView key);

/// Appends the hex-prefix (compact) encoding of nibbles [begin, end) of `key` to `out`, without
/// materialising the nibbles; `leaf` sets the terminator flag (leaf vs extension node paths).
void append_hex_prefix(Bytes& out, BytesView key, size_t begin, size_t end, bool leaf);

/// Hex-prefix encoding of a nibble sequence (each element 0..15), as used for leaf and extension
/// node paths: first nibble = 2*leaf + odd, then a padding nibble if the length is even.
Bytes hex_prefix_encode(BytesView nibbles, bool leaf);

/// A decoded hex-prefix path: its nibbles and whether it carried the leaf flag.
struct HexPrefixPath
{
    Bytes nibbles;  ///< one nibble per element
    bool leaf = false;
};

/// Decodes a hex-prefix encoding; nullopt if empty, the flag nibble is > 3, or the padding
/// nibble of an even-length path is not zero.
std::optional<HexPrefixPath> hex_prefix_decode(BytesView encoded);

}  // namespace tern::trie
