#pragma once

// Call data of FileStorage's functions for tests (file storage, state sync, chains): an ABI
// encoder for static words and dynamic string / bytes arguments.

#include "core/abi.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace tern::filestorage::test {

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

/// The 40 lowercase hex digits of `a` (a storage path's owner part).
inline std::string hex40(const Address& a)
{
    static const char* d = "0123456789abcdef";
    std::string s;
    for (auto b : a.bytes)
    {
        s += d[b >> 4];
        s += d[b & 15];
    }
    return s;
}

/// `n` bytes of a pattern that differs per `seed` and per 4 KiB block.
inline Bytes pattern(size_t n, uint8_t seed)
{
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(i * 131 + seed + (i >> 12));
    return b;
}

}  // namespace tern::filestorage::test
