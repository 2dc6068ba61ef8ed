#pragma once

#include "core/bytes.hpp"
#include "core/deadline.hpp"

#include <cstdint>
#include <optional>

namespace tern::precompiles {

/// EIP-2565 gas cost of MODEXP (0x05) for `input`: max(200, mult_complexity * iterations / 3).
/// The three length words are 256-bit; the result saturates at UINT64_MAX, so absurd lengths
/// simply price as "out of gas" without any allocation.
uint64_t modexp_gas(BytesView input) noexcept;

/// EIP-198 MODEXP: base^exp mod mod, left-padded to mod_len bytes (mod = 0 gives mod_len zero
/// bytes). Input shorter than its declared lengths reads as right-padded with zeros. Call only
/// after modexp_gas() has been charged: that bounds the lengths (mod_len = 0 returns at once,
/// whatever the other lengths).
Bytes modexp_execute(BytesView input);

/// modexp_execute() for RPC executions: the same result, but a long exponentiation runs in
/// slices of the exponent with `deadline` checked between them (each slice ~10 ms at most;
/// about twice the work of one exponentiation, only past a few thousand exponent bits), and it
/// gives nullopt once the deadline has expired.
std::optional<Bytes> modexp_execute(BytesView input, const Deadline& deadline);

}  // namespace tern::precompiles
