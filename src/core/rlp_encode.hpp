#pragma once

#include "core/bytes.hpp"

#include <cstdint>

namespace tern::rlp {

/// Appends the RLP encoding of a byte string.
void encode_bytes(Bytes& out, BytesView s);

/// Appends the RLP encoding of an unsigned integer (big-endian, no leading zeros; 0 is "").
void encode_uint(Bytes& out, uint64_t v);

/// Appends a list header for a payload of `payload_len` bytes; the payload follows.
void encode_list_header(Bytes& out, size_t payload_len);

/// Wraps an already-encoded list payload into a list: returns header + payload.
Bytes wrap_list(BytesView payload);

/// RLP of a byte string as a new buffer.
inline Bytes encode(BytesView s)
{
    Bytes out;
    encode_bytes(out, s);
    return out;
}

/// Byte string view without leading zero bytes (the RLP form of a big-endian integer).
inline BytesView trim_leading_zeros(BytesView v) noexcept
{
    size_t i = 0;
    while (i < v.size() && v[i] == 0)
        ++i;
    return v.subspan(i);
}

}  // namespace tern::rlp
