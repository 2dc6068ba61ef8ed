#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <nlohmann/json_fwd.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

/// Readers of the values in Tern's JSON files (the genesis file, the chain rules), with geth's
/// conventions: numbers are "0x" hex or decimal strings or JSON integers, data is hex. Each
/// throws JsonFieldError{"<where>: <what>"}; the public parsers catch it and return an error
/// result (a file is read once: not a hot path).
namespace tern::chain::json_fields {

/// A value that is not what its field wants; message: "<where>: <what>".
struct JsonFieldError
{
    std::string message;
};

/// Throws JsonFieldError{where + ": " + what}.
[[noreturn]] void fail(const std::string& where, const std::string& what);

/// A number up to 256 bits: a JSON integer (not negative) or a "0x" hex / decimal string.
U256 parse_u256(const nlohmann::json& j, const std::string& where);

/// A number that fits in 64 bits (as parse_u256).
uint64_t parse_u64(const nlohmann::json& j, const std::string& where);

/// Hex data: "0x" prefix optional, an even number of digits.
Bytes parse_bytes(const nlohmann::json& j, const std::string& where);

/// A fixed-size value (Address, Hash256) in hex: exactly T::size() bytes, or up to that many,
/// left-padded, with `allow_short`.
template <typename T>
T parse_fixed(const nlohmann::json& j, const std::string& where, bool allow_short)
{
    const Bytes b = parse_bytes(j, where);
    if (b.size() > T::size() || (!allow_short && b.size() != T::size()))
        fail(where,
             "expected " + std::to_string(T::size()) + " bytes, got " + std::to_string(b.size()));
    T out{};
    std::copy(b.begin(), b.end(), out.bytes.begin() + (T::size() - b.size()));
    return out;
}

/// A 20-byte address in hex.
Address parse_address(const nlohmann::json& j, const std::string& where);

/// A storage key or value: up to 32 bytes in hex, left-padded (as geth's genesis storage).
U256 parse_word(const nlohmann::json& j, const std::string& where);

}  // namespace tern::chain::json_fields
