#include "consensus/bundle.hpp"

#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"

namespace tern::consensus {

bool is_bundle(std::string_view raw) noexcept
{
    return !raw.empty() && static_cast<uint8_t>(raw.front()) == kBundleMarker;
}

std::string encode_bundle(const std::vector<std::string_view>& txs)
{
    Bytes payload;
    for (const auto tx : txs)
        rlp::encode_bytes(payload, {reinterpret_cast<const uint8_t*>(tx.data()), tx.size()});
    Bytes header;
    rlp::encode_list_header(header, payload.size());
    std::string out;
    out.reserve(1 + header.size() + payload.size());
    out.push_back(static_cast<char>(kBundleMarker));
    out.append(reinterpret_cast<const char*>(header.data()), header.size());
    out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
    return out;
}

Result<std::vector<std::string_view>, std::string> decode_bundle(std::string_view raw)
{
    if (!is_bundle(raw))
        return std::string("bundle: missing marker byte");
    BytesView in{reinterpret_cast<const uint8_t*>(raw.data()) + 1, raw.size() - 1};
    auto list = rlp::decode_list(in);
    if (!list)
        return "bundle: " + std::string(rlp::to_string(list.error()));
    if (!in.empty())
        return std::string("bundle: trailing bytes after the list");
    std::vector<std::string_view> txs;
    BytesView items = *list;
    while (!items.empty())
    {
        auto item = rlp::decode_bytes(items);
        if (!item)
            return "bundle: " + std::string(rlp::to_string(item.error()));
        if (item->empty())
            return std::string("bundle: empty transaction");
        txs.emplace_back(reinterpret_cast<const char*>(item->data()), item->size());
    }
    if (txs.empty())
        return std::string("bundle: no transactions");
    return txs;
}

Result<std::vector<std::string_view>, std::string> split_comet_tx(std::string_view raw)
{
    if (is_bundle(raw))
        return decode_bundle(raw);
    return std::vector<std::string_view>{raw};
}

}  // namespace tern::consensus
