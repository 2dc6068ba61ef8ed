#include "trie/nibbles.hpp"

#include "core/assert.hpp"

namespace tern::trie {

Bytes to_nibbles(BytesView key)
{
    Bytes out;
    out.reserve(key.size() * 2);
    for (auto b : key)
    {
        out.push_back(static_cast<uint8_t>(b >> 4));
        out.push_back(static_cast<uint8_t>(b & 0x0f));
    }
    return out;
}

void append_hex_prefix(Bytes& out, BytesView key, size_t begin, size_t end, bool leaf)
{
    TERN_ASSERT(begin <= end && end <= key.size() * 2);
    const size_t len = end - begin;
    const bool odd = len % 2 == 1;
    const uint8_t flag = static_cast<uint8_t>((leaf ? 2 : 0) | (odd ? 1 : 0));
    size_t i = begin;
    if (odd)
        out.push_back(static_cast<uint8_t>(flag << 4 | nibble_at(key, i++)));
    else
        out.push_back(static_cast<uint8_t>(flag << 4));
    if (i % 2 == 0)
    {
        // Byte-aligned: the remaining nibbles are whole bytes of the key.
        out.insert(out.end(), key.begin() + static_cast<std::ptrdiff_t>(i / 2),
                   key.begin() + static_cast<std::ptrdiff_t>(end / 2));
        return;
    }
    for (; i < end; i += 2)
        out.push_back(static_cast<uint8_t>(nibble_at(key, i) << 4 | nibble_at(key, i + 1)));
}

Bytes hex_prefix_encode(BytesView nibbles, bool leaf)
{
    const bool odd = nibbles.size() % 2 == 1;
    const uint8_t flag = static_cast<uint8_t>((leaf ? 2 : 0) | (odd ? 1 : 0));
    Bytes out;
    out.reserve(nibbles.size() / 2 + 1);
    size_t i = 0;
    if (odd)
        out.push_back(static_cast<uint8_t>(flag << 4 | (nibbles[i++] & 0x0f)));
    else
        out.push_back(static_cast<uint8_t>(flag << 4));
    for (; i < nibbles.size(); i += 2)
        out.push_back(static_cast<uint8_t>((nibbles[i] & 0x0f) << 4 | (nibbles[i + 1] & 0x0f)));
    return out;
}

std::optional<HexPrefixPath> hex_prefix_decode(BytesView encoded)
{
    if (encoded.empty())
        return std::nullopt;
    const uint8_t flag = encoded[0] >> 4;
    if (flag > 3)
        return std::nullopt;
    const bool odd = (flag & 1) != 0;
    if (!odd && (encoded[0] & 0x0f) != 0)
        return std::nullopt;
    HexPrefixPath path;
    path.leaf = (flag & 2) != 0;
    path.nibbles.reserve(encoded.size() * 2);
    if (odd)
        path.nibbles.push_back(encoded[0] & 0x0f);
    for (size_t i = 1; i < encoded.size(); ++i)
    {
        path.nibbles.push_back(static_cast<uint8_t>(encoded[i] >> 4));
        path.nibbles.push_back(static_cast<uint8_t>(encoded[i] & 0x0f));
    }
    return path;
}

}  // namespace tern::trie
