// Fuzzes transaction decoding: a decoded transaction must re-encode to exactly the input, its
// block-body form must decode back to the same transaction, and the validation/sender recovery
// paths must run without memory errors.
#include "transaction/codec.hpp"
#include "transaction/validation.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace tern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const BytesView in{data, size};
    TxDecodeOptions opts;
    opts.allow_blob = size > 0 && (data[size - 1] & 1) != 0;
    const auto tx = decode_transaction(in, opts);
    if (!tx)
        return 0;
    const Bytes re = encode_transaction(*tx);
    if (re.size() != size || !std::equal(re.begin(), re.end(), data))
        std::abort();
    Bytes body;
    encode_transaction_in_block(body, *tx);
    BytesView bv = body;
    const auto again = decode_transaction_in_block(bv, opts);
    if (!again || !bv.empty() || encode_transaction(*again) != re)
        std::abort();
    (void)validate_stateless(*tx);
    (void)transaction_hash(*tx);
    (void)recover_sender(*tx, 1);
    return 0;
}
