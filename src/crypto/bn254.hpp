#pragma once

#include "core/bytes.hpp"

#include <array>
#include <cstdint>
#include <optional>

// Declarations only, written by the precompiles helper so its wrappers compile; the bn254 helper
// owns the implementation (and may reorganise this header).

namespace tern::crypto::bn254 {

/// EIP-196 point addition on alt_bn128: `input128` = x1 || y1 || x2 || y2 (32-byte big-endian
/// each). Returns x || y of the sum; nullopt if a coordinate is >= p or a point is not on the
/// curve. (0, 0) is the point at infinity.
std::optional<std::array<uint8_t, 64>> add(BytesView input128);

/// EIP-196 scalar multiplication: `input96` = x || y || scalar. nullopt on an invalid point.
std::optional<std::array<uint8_t, 64>> mul(BytesView input96);

/// EIP-197 pairing check over k pairs (G1 64 bytes, G2 128 bytes); `input` size must be a
/// multiple of 192 (empty input: true). nullopt if a point is invalid or not in its subgroup.
std::optional<bool> pairing_check(BytesView input);

}  // namespace tern::crypto::bn254

namespace tern::crypto::kzg {

/// EIP-4844 point evaluation on a 192-byte input; true if the proof verifies; nullopt if malformed.
std::optional<bool> verify_point_evaluation(BytesView input192);

}  // namespace tern::crypto::kzg
