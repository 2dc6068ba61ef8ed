#pragma once

#include <cstdint>

namespace tern::precompiles {

/// The BLAKE2b compression function F (RFC 7693 section 3.2) with a caller-chosen number of
/// rounds, as exposed by the EIP-152 precompile. Updates the state `h` in place from the message
/// block `m`, the offset counters `t` and the final-block flag `final_block`. `rounds` may exceed
/// BLAKE2b's 12: the message schedule repeats with period 10.
void blake2b_compress(uint64_t h[8],
                      const uint64_t m[16],
                      const uint64_t t[2],
                      bool final_block,
                      uint32_t rounds) noexcept;

}  // namespace tern::precompiles
