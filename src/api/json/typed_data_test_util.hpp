#pragma once

// Test helper: hostile EIP-712 input for the typed-data parser and eth_signTypedData.

#include <cstddef>
#include <string>

namespace tern::api::test_data {

/// EIP-712 typed data (JSON text) of a self-referencing type T {T a} whose message nests
/// `depth` structs deep: hostile input for eth_signTypedData.
inline std::string self_referencing_typed_data(size_t depth)
{
    std::string message;
    message.reserve(6 * depth + 2);
    for (size_t i = 0; i < depth; ++i)
        message += R"({"a":)";
    message += "{}" + std::string(depth, '}');
    return R"({"types":{"EIP712Domain":[],"T":[{"name":"a","type":"T"}]},"primaryType":"T",)"
           R"("domain":{},"message":)" +
           message + "}";
}

}  // namespace tern::api::test_data
