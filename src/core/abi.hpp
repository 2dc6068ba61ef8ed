#pragma once

// Solidity ABI pieces shared by the chain's precompiles, the RPC errors and tools: selectors,
// reading static words and dynamic `bytes`/`string` arguments from call data, encoding return
// values and calls, and decoding revert data (Error(string), Panic(uint256)) as geth does.

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::abi {

/// Selector of Error(string), the revert data of Solidity's require/revert with a reason.
inline constexpr uint32_t kErrorSelector = 0x08c379a0;
/// Selector of Panic(uint256), the revert data of Solidity's assert and checked arithmetic.
inline constexpr uint32_t kPanicSelector = 0x4e487b71;

/// The 4-byte selector of a function signature such as "exists(bytes32)".
uint32_t selector(std::string_view signature) noexcept;

/// The selector at the start of `data`, or nullopt if it is shorter than 4 bytes.
std::optional<uint32_t> selector_of(BytesView data) noexcept;

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
    /// Word `index` as a uint64 (nullopt if larger).
    std::optional<uint64_t> u64(size_t index) const noexcept;
    /// Word `index` as bytes32.
    std::optional<Hash256> bytes32(size_t index) const noexcept;
    /// Word `index` as an address (nullopt if its upper 12 bytes are not zero).
    std::optional<Address> address(size_t index) const noexcept;
    /// The dynamic `bytes` argument whose offset is head word `index`.
    std::optional<BytesView> bytes(size_t index) const noexcept;
    /// The dynamic `string` argument whose offset is head word `index` (same layout as bytes).
    std::optional<std::string> string(size_t index) const;
    /// The dynamic array of static words (uint256[], bytes32[] ...) whose offset is head word
    /// `index`.
    std::optional<std::vector<U256>> words(size_t index) const;

private:
    BytesView args_;
};

/// Appends `value` as one 32-byte big-endian word.
void append_word(Bytes& out, const U256& value);

/// abi.encode(word).
Bytes encode_word(const U256& value);
/// abi.encode(bytes).
Bytes encode_bytes(BytesView data);
/// abi.encode(string).
Bytes encode_string(std::string_view text);
/// abi.encode(uint256[]) (or any array of static words).
Bytes encode_words(std::span<const U256> items);
/// abi.encode(bytes32[]).
Bytes encode_bytes32_array(std::span<const Hash256> items);
/// Error(string) revert data, as Solidity's require/revert produce.
Bytes encode_error(std::string_view reason);
/// Panic(uint256) revert data, as Solidity's assert and checked arithmetic produce.
Bytes encode_panic(uint64_t code);

/// Call data: selector(signature) ++ the static `words` ++, when `tail` is given, one trailing
/// dynamic `bytes` argument (its offset word comes after `words`).
Bytes encode_call(std::string_view signature,
                  std::span<const U256> words,
                  std::optional<BytesView> tail = std::nullopt);

/// The reason of an Error(string) revert payload, if `output` is one.
std::optional<std::string> decode_error(BytesView output);

/// geth's text of a Solidity panic code, e.g. 0x11 "arithmetic underflow or overflow" ("unknown
/// panic code: 0x99" for codes Solidity does not define).
std::string panic_reason(const U256& code);

/// geth's abi.UnpackRevert: the reason of an Error(string) payload, or the panic_reason() of a
/// Panic(uint256) one; nullopt for anything else (custom errors, truncated data).
std::optional<std::string> unpack_revert(BytesView output);

/// geth's eth_call revert message: "execution reverted: <reason>" for an Error(string) payload,
/// else "execution reverted".
std::string revert_message(BytesView output);

}  // namespace tern::abi
