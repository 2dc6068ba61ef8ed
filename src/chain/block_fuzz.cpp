// libFuzzer harness for the block codecs: the first byte picks the decoder (block, header,
// body, receipt), the rest is the input. Decoding must never crash, and because the decoders
// are strict, whatever decodes must re-encode to exactly the input.
#include "chain/block.hpp"

#include <cstdint>
#include <cstdlib>

using namespace tern;
using namespace tern::chain;

namespace {

void check(bool ok)
{
    if (!ok)
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    const BytesView in{data + 1, size - 1};
    const Bytes input(in.begin(), in.end());
    switch (data[0] % 4)
    {
        case 0:
            if (auto b = decode_block(in))
                check(encode_block(*b) == input);
            break;
        case 1:
            if (auto h = BlockHeader::decode(in))
                check(h->encode() == input);
            break;
        case 2:
            if (auto b = decode_body(in))
                check(encode_body(b->transactions, b->withdrawals) == input);
            break;
        case 3:
            if (auto r = decode_receipt(in))
                check(encode_receipt(*r) == input);
            break;
    }
    return 0;
}
