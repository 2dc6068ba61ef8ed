#pragma once

// alt_bn128 (bn254) curve operations behind Ethereum's precompiles 0x06-0x08 (EIP-196, EIP-197).
// Byte-level API: the precompile wrapper handles gas and input padding.

#include "core/bytes.hpp"
#include "core/deadline.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace tern::crypto::bn254 {

/// EIP-196 ECADD: input exactly 128 bytes (x1, y1, x2, y2 big-endian); nullopt if a point is not
/// on the curve or a coordinate is >= p. (0, 0) is the point at infinity. Output x, y (64 bytes).
std::optional<std::array<uint8_t, 64>> add(BytesView input128);

/// EIP-196 ECMUL: input exactly 96 bytes (x, y, scalar); the scalar is any 256-bit value.
std::optional<std::array<uint8_t, 64>> mul(BytesView input96);

/// EIP-197 pairing check: input is k*192 bytes (G1 x, y; G2 x_im, x_re, y_im, y_re); empty input
/// -> true; nullopt if any point is invalid (not on the curve, a coordinate >= p, or a G2 point
/// outside the r-torsion subgroup) or the length is not a multiple of 192. With a `deadline`
/// (RPC executions only) it also gives nullopt once that has expired, checked between pairs
/// and Miller-loop steps: the caller tells the two apart with deadline->expired().
std::optional<bool> pairing_check(BytesView input, const Deadline* deadline = nullptr);

}  // namespace tern::crypto::bn254
