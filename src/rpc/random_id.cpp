#include "rpc/random_id.hpp"

#include <cstdint>

namespace tern::rpc {

std::string random_id(std::mt19937_64& rng)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(32);
    for (int word = 0; word < 2; ++word)
    {
        const uint64_t v = rng();
        for (int shift = 60; shift >= 0; shift -= 4)
            hex.push_back(digits[(v >> shift) & 0xf]);
    }
    const size_t first = hex.find_first_not_of('0');
    return "0x" + (first == std::string::npos ? std::string("0") : hex.substr(first));
}

}  // namespace tern::rpc
