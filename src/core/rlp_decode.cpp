#include "core/rlp_decode.hpp"

#include "core/rlp_encode.hpp"

namespace tern::rlp {

std::string_view to_string(DecodingError e) noexcept
{
    switch (e)
    {
        case DecodingError::InputTooShort:
            return "rlp: input too short";
        case DecodingError::InputTooLong:
            return "rlp: input too long (trailing bytes)";
        case DecodingError::LeadingZero:
            return "rlp: leading zero bytes";
        case DecodingError::NonCanonicalSingleByte:
            return "rlp: non-canonical single byte";
        case DecodingError::NonCanonicalSize:
            return "rlp: non-canonical size";
        case DecodingError::Overflow:
            return "rlp: overflow";
        case DecodingError::UnexpectedList:
            return "rlp: unexpected list";
        case DecodingError::UnexpectedString:
            return "rlp: unexpected string";
        case DecodingError::UnexpectedLength:
            return "rlp: unexpected length";
        case DecodingError::TooDeep:
            return "rlp: nesting too deep";
    }
    return "rlp: unknown error";
}

Result<Header, DecodingError> decode_header(BytesView& in) noexcept
{
    if (in.empty())
        return DecodingError::InputTooShort;
    Header h;
    const uint8_t b = in[0];
    if (b < 0x80)
    {
        h.payload_length = 1;
        return h;  // the byte is its own payload; nothing consumed
    }
    if (b <= 0xb7)
    {
        h.payload_length = b - 0x80u;
        in = in.subspan(1);
        if (h.payload_length == 1)
        {
            if (in.empty())
                return DecodingError::InputTooShort;
            if (in[0] < 0x80)
                return DecodingError::NonCanonicalSingleByte;
        }
    }
    else if (b >= 0xc0 && b <= 0xf7)
    {
        h.list = true;
        h.payload_length = b - 0xc0u;
        in = in.subspan(1);
    }
    else
    {
        h.list = b >= 0xf8;
        const size_t len_of_len = h.list ? b - 0xf7u : b - 0xb7u;
        in = in.subspan(1);
        if (in.size() < len_of_len)
            return DecodingError::InputTooShort;
        if (in[0] == 0)
            return DecodingError::LeadingZero;
        if (len_of_len > sizeof(uint64_t))
            return DecodingError::Overflow;
        uint64_t len = 0;
        for (size_t i = 0; i < len_of_len; ++i)
            len = (len << 8) | in[i];
        if (len < 56)
            return DecodingError::NonCanonicalSize;
        in = in.subspan(len_of_len);
        if (len > in.size())
            return DecodingError::InputTooShort;
        h.payload_length = static_cast<size_t>(len);
    }
    if (h.payload_length > in.size())
        return DecodingError::InputTooShort;
    return h;
}

Result<BytesView, DecodingError> decode_bytes(BytesView& in) noexcept
{
    auto h = decode_header(in);
    if (!h)
        return h.error();
    if (h->list)
        return DecodingError::UnexpectedList;
    const BytesView payload = in.first(h->payload_length);
    in = in.subspan(h->payload_length);
    return payload;
}

Result<BytesView, DecodingError> decode_list(BytesView& in) noexcept
{
    auto h = decode_header(in);
    if (!h)
        return h.error();
    if (!h->list)
        return DecodingError::UnexpectedString;
    const BytesView payload = in.first(h->payload_length);
    in = in.subspan(h->payload_length);
    return payload;
}

namespace {
/// Checks an integer payload: no leading zero byte (0 is the empty string), at most `max_bytes`.
/// Returns true if it is canonical and fits; otherwise sets `err`.
bool uint_payload_ok(BytesView p, size_t max_bytes, DecodingError& err) noexcept
{
    if (!p.empty() && p[0] == 0)
    {
        err = DecodingError::LeadingZero;
        return false;
    }
    if (p.size() > max_bytes)
    {
        err = DecodingError::Overflow;
        return false;
    }
    return true;
}
}  // namespace

Result<uint64_t, DecodingError> decode_u64(BytesView& in) noexcept
{
    auto s = decode_bytes(in);
    if (!s)
        return s.error();
    DecodingError err{};
    if (!uint_payload_ok(*s, 8, err))
        return err;
    uint64_t v = 0;
    for (auto b : *s)
        v = (v << 8) | b;
    return v;
}

Result<U256, DecodingError> decode_u256(BytesView& in) noexcept
{
    auto s = decode_bytes(in);
    if (!s)
        return s.error();
    DecodingError err{};
    if (!uint_payload_ok(*s, 32, err))
        return err;
    return U256::from_be(*s);
}

namespace {
Result<RlpItem, DecodingError> decode_item_at(BytesView& in, size_t depth)
{
    if (depth > kMaxItemDepth)
        return DecodingError::TooDeep;
    auto h = decode_header(in);
    if (!h)
        return h.error();
    BytesView payload = in.first(h->payload_length);
    in = in.subspan(h->payload_length);
    RlpItem item;
    item.is_list = h->list;
    if (!h->list)
    {
        item.bytes.assign(payload.begin(), payload.end());
        return item;
    }
    while (!payload.empty())
    {
        auto child = decode_item_at(payload, depth + 1);
        if (!child)
            return child.error();
        item.items.push_back(std::move(*child));
    }
    return item;
}
}  // namespace

Result<RlpItem, DecodingError> decode_item(BytesView& in)
{
    return decode_item_at(in, 0);
}

Result<RlpItem, DecodingError> decode_item_exact(BytesView in)
{
    auto item = decode_item_at(in, 0);
    if (item && !in.empty())
        return DecodingError::InputTooLong;
    return item;
}

void encode_item(Bytes& out, const RlpItem& item)
{
    if (!item.is_list)
    {
        encode_bytes(out, item.bytes);
        return;
    }
    Bytes payload;
    for (const auto& child : item.items)
        encode_item(payload, child);
    encode_list_header(out, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
}

}  // namespace tern::rlp
