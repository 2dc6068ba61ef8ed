// libFuzzer harness: state-sync chunks come from peers, so the chunk decoder (and the metadata
// decoder) must never crash on arbitrary bytes, and what it accepts must re-encode to bytes it
// decodes again to the same encoding.
#include "consensus/snapshot.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const tern::BytesView input(data, size);
    (void)tern::consensus::decode_snapshot_metadata(input);
    auto records = tern::consensus::decode_chunk(input);
    if (!records)
        return 0;
    tern::Bytes encoded;
    for (const auto& r : *records)
        tern::consensus::encode_record(encoded, r);
    auto again = tern::consensus::decode_chunk(encoded);
    if (!again || again->size() != records->size())
        __builtin_trap();
    tern::Bytes reencoded;
    for (const auto& r : *again)
        tern::consensus::encode_record(reencoded, r);
    if (reencoded != encoded)
        __builtin_trap();
    return 0;
}
