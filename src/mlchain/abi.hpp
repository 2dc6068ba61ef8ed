#pragma once

// The few Solidity ABI pieces the ML precompiles need: reading static words and dynamic
// `bytes` arguments from call data, and encoding return values and Error(string) reverts.

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace tern::mlchain::abi {

/// The 4-byte selector of a function signature such as "exists(bytes32)".
uint32_t selector(std::string_view signature) noexcept;

/// Reads ABI-encoded arguments (the call data after the selector). Every read is bounds-checked:
/// nullopt means the call data is malformed.
class Reader
{
public:
    /// A reader over `args` (call data without the selector).
    explicit Reader(BytesView args) noexcept : args_(args) {}

    /// Word `index` of the head.
    std::optional<U256> word(size_t index) const noexcept;
    /// Word `index` as a uint32 (nullopt if larger).
    std::optional<uint32_t> u32(size_t index) const noexcept;
    /// Word `index` as bytes32.
    std::optional<Hash256> bytes32(size_t index) const noexcept;
    /// The dynamic `bytes` argument whose offset is head word `index`.
    std::optional<BytesView> bytes(size_t index) const noexcept;

private:
    BytesView args_;
};

/// abi.encode(word).
Bytes encode_word(const U256& value);
/// abi.encode(bytes).
Bytes encode_bytes(BytesView data);
/// abi.encode(bytes32[]).
Bytes encode_bytes32_array(const std::vector<Hash256>& items);
/// Error(string) revert data, as Solidity's require/revert produce.
Bytes encode_error(std::string_view reason);

/// Call data: selector(signature) ++ the static `words` ++, when `tail` is given, one trailing
/// dynamic `bytes` argument (its offset word comes after `words`). Tools and tests build
/// registry/inference calls with it.
Bytes encode_call(std::string_view signature,
                  std::span<const U256> words,
                  std::optional<BytesView> tail = std::nullopt);

}  // namespace tern::mlchain::abi
