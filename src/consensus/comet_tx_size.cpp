#include "consensus/comet_tx_size.hpp"

namespace tern::consensus {

size_t comet_tx_overhead_size(size_t size) noexcept
{
    size_t varint = 1;
    for (size_t v = size; v >= 0x80; v >>= 7)
        ++varint;
    return 1 + varint + size;
}

}  // namespace tern::consensus
