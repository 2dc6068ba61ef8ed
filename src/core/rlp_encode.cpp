#include "core/rlp_encode.hpp"

namespace tern::rlp {
namespace {
void encode_length(Bytes& out, size_t len, uint8_t short_base, uint8_t long_base)
{
    if (len < 56)
    {
        out.push_back(static_cast<uint8_t>(short_base + len));
        return;
    }
    uint8_t be[8];
    int n = 0;
    for (size_t l = len; l != 0; l >>= 8)
        be[n++] = static_cast<uint8_t>(l);
    out.push_back(static_cast<uint8_t>(long_base + n));
    while (n > 0)
        out.push_back(be[--n]);
}
}  // namespace

void encode_bytes(Bytes& out, BytesView s)
{
    if (s.size() == 1 && s[0] < 0x80)
    {
        out.push_back(s[0]);
        return;
    }
    encode_length(out, s.size(), 0x80, 0xb7);
    out.insert(out.end(), s.begin(), s.end());
}

void encode_uint(Bytes& out, uint64_t v)
{
    uint8_t be[8];
    for (int i = 0; i < 8; ++i)
        be[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
    encode_bytes(out, trim_leading_zeros({be, 8}));
}

void encode_list_header(Bytes& out, size_t payload_len)
{
    encode_length(out, payload_len, 0xc0, 0xf7);
}

Bytes wrap_list(BytesView payload)
{
    Bytes out;
    out.reserve(payload.size() + 9);
    encode_list_header(out, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

}  // namespace tern::rlp
