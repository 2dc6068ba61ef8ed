#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tern::rlp {

/// Why an RLP input was rejected. The decoder is strict: every non-canonical form is an error,
/// so a successful decode re-encodes to exactly the input.
enum class DecodingError : uint8_t
{
    InputTooShort,           ///< header or payload runs past the end of the input / enclosing list
    InputTooLong,            ///< trailing bytes after the item where none are allowed
    LeadingZero,             ///< integer with leading zero bytes, or length-of-length with them
    NonCanonicalSingleByte,  ///< a single byte < 0x80 encoded as 0x81xx
    NonCanonicalSize,        ///< long-form length used for a length < 56
    Overflow,                ///< integer or length does not fit the target type
    UnexpectedList,          ///< a string was expected but a list was found
    UnexpectedString,        ///< a list was expected but a string was found
    UnexpectedLength,        ///< fixed-size field (address, hash) of the wrong length
    TooDeep,                 ///< nesting deeper than the generic decoder allows
};

/// Human-readable name of a decoding error (for messages and test output).
std::string_view to_string(DecodingError e) noexcept;

/// A decoded RLP header: whether the item is a list and the length of its payload. For a single
/// byte < 0x80 (which is its own encoding) the header consumes nothing and payload_length is 1.
struct Header
{
    bool list = false;
    size_t payload_length = 0;
};

/// Decodes a header at the front of `in` and advances `in` past it (to the payload). Checks the
/// canonical-form rules and that the payload fits in the rest of `in`.
Result<Header, DecodingError> decode_header(BytesView& in) noexcept;

/// Decodes a byte string (not a list) at the front of `in`, advancing past it; the result views
/// into `in`'s storage.
Result<BytesView, DecodingError> decode_bytes(BytesView& in) noexcept;

/// Decodes a list header at the front of `in` and returns a view of its payload, advancing `in`
/// past the whole list. The caller decodes the items from the returned view.
Result<BytesView, DecodingError> decode_list(BytesView& in) noexcept;

/// Decodes an unsigned integer that must fit in 64 bits (no leading zeros; 0 is 0x80).
Result<uint64_t, DecodingError> decode_u64(BytesView& in) noexcept;

/// Decodes an unsigned integer that must fit in 256 bits (no leading zeros; 0 is 0x80).
Result<U256, DecodingError> decode_u256(BytesView& in) noexcept;

/// Decodes a byte string of exactly T::size() bytes (Address, Hash256).
template <typename T>
Result<T, DecodingError> decode_fixed(BytesView& in) noexcept
{
    auto s = decode_bytes(in);
    if (!s)
        return s.error();
    if (s->size() != T::size())
        return DecodingError::UnexpectedLength;
    T out{};
    std::copy(s->begin(), s->end(), out.bytes.begin());
    return out;
}

/// A generic decoded RLP tree: either a byte string or a list of items (tests and tooling; the
/// typed decoders above are the allocation-light path used by consensus code).
struct RlpItem
{
    bool is_list = false;
    Bytes bytes;                 ///< payload of a string item
    std::vector<RlpItem> items;  ///< children of a list item

    friend bool operator==(const RlpItem&, const RlpItem&) = default;
};

/// Nesting limit of decode_item: deeper inputs are rejected with TooDeep rather than risking
/// the stack.
inline constexpr size_t kMaxItemDepth = 1024;

/// Decodes one item (recursively) at the front of `in`, advancing past it.
Result<RlpItem, DecodingError> decode_item(BytesView& in);

/// Decodes exactly one item that spans the whole input (trailing bytes are InputTooLong).
Result<RlpItem, DecodingError> decode_item_exact(BytesView in);

/// Appends the canonical encoding of an item tree.
void encode_item(Bytes& out, const RlpItem& item);

/// Canonical encoding of an item tree as a new buffer.
inline Bytes encode_item(const RlpItem& item)
{
    Bytes out;
    encode_item(out, item);
    return out;
}

}  // namespace tern::rlp
