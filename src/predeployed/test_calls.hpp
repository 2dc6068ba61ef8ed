#pragma once

// Call data of the native predeploys' functions for tests: an ABI encoder for static words and
// dynamic string / bytes arguments.

#include "core/abi.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace tern::predeployed::test {

/// One argument: a static word, or a dynamic string / bytes.
struct Arg
{
    bool dynamic = false;
    U256 word;
    Bytes data;
    Arg(const U256& w) : word(w) {}  // NOLINT: implicit on purpose
    template <typename I>
    requires std::is_integral_v<I> Arg(I w) : word(U256{static_cast<uint64_t>(w)})  // NOLINT
    {}
    Arg(const Address& a) : word(U256::from_address(a)) {}                // NOLINT
    Arg(const Hash256& h) : word(U256::from_hash(h)) {}                   // NOLINT
    Arg(std::string_view s) : dynamic(true), data(s.begin(), s.end()) {}  // NOLINT
    Arg(const char* s) : Arg(std::string_view(s)) {}                      // NOLINT
    Arg(const std::string& s) : Arg(std::string_view(s)) {}               // NOLINT
    Arg(const Bytes& b) : dynamic(true), data(b) {}                       // NOLINT
};

/// selector(signature) ++ the ABI encoding of `args`.
inline Bytes encode(std::string_view signature, std::vector<Arg> args)
{
    Bytes out;
    const uint32_t sel = abi::selector(signature);
    for (int i = 3; i >= 0; --i)
        out.push_back(static_cast<uint8_t>(sel >> (8 * i)));
    Bytes tail;
    const size_t head = 32 * args.size();
    for (const auto& a : args)
    {
        if (!a.dynamic)
        {
            abi::append_word(out, a.word);
            continue;
        }
        abi::append_word(out, U256{head + tail.size()});
        abi::append_word(tail, U256{a.data.size()});
        tail.insert(tail.end(), a.data.begin(), a.data.end());
        tail.resize(tail.size() + (32 - a.data.size() % 32) % 32, 0);
    }
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
}

}  // namespace tern::predeployed::test
