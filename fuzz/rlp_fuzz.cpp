// Fuzzes the strict RLP decoder: any input that decodes as a single item must re-encode to
// exactly the same bytes (the decoder accepts only canonical encodings), and the typed
// decoders must never read out of bounds.
#include "core/rlp_decode.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace tern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const BytesView in{data, size};
    const auto item = rlp::decode_item_exact(in);
    if (item)
    {
        const Bytes re = rlp::encode_item(*item);
        if (re.size() != size || !std::equal(re.begin(), re.end(), data))
            std::abort();
    }
    // The typed decoders on the same bytes: only memory safety and consistency are checked.
    BytesView v = in;
    if (auto u = rlp::decode_u64(v); u && item && item->is_list)
        std::abort();  // a list can never decode as an integer
    v = in;
    (void)rlp::decode_u256(v);
    v = in;
    if (auto l = rlp::decode_list(v); l && item && !item->is_list)
        std::abort();
    return 0;
}
