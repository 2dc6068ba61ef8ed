#include "chain/chain_name.hpp"

#include "core/bytes.hpp"
#include "core/keccak.hpp"

namespace tern::chain {

uint64_t chain_id_from_name(std::string_view name) noexcept
{
    const Hash256 h = keccak256(as_bytes(name));
    uint64_t top = 0;
    for (int i = 0; i < 8; ++i)
        top = (top << 8) | h.bytes[static_cast<size_t>(i)];
    return top >> 12;  // 64 - 52 bits
}

}  // namespace tern::chain
