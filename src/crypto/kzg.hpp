#pragma once

// EIP-4844 KZG point evaluation behind precompile 0x0a. Declaration written by the precompiles
// helper so its wrapper compiles; the kzg helper owns the implementation (and this header).

#include "core/bytes.hpp"

#include <optional>

namespace tern::crypto::kzg {

/// EIP-4844 point evaluation on a 192-byte input (versioned_hash, z, y, commitment, proof); true
/// if the proof verifies; nullopt if malformed (wrong size, z or y >= BLS_MODULUS, a commitment or
/// proof that is not a valid compressed G1 point). The precompile checks the versioned hash.
std::optional<bool> verify_point_evaluation(BytesView input192);

}  // namespace tern::crypto::kzg
