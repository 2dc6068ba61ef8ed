#pragma once

// Call data of FileStorage's functions for tests (file storage, state sync, chains): the
// predeploys' ABI encoder (predeployed/test_calls.hpp), storage paths and chunk patterns.

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "predeployed/test_calls.hpp"

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace tern::filestorage::test {

using predeployed::test::Arg;
using predeployed::test::encode;

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
