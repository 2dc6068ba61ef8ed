#pragma once

#include "core/deadline.hpp"

#include <cstdint>

namespace tern::precompiles {

/// The BLAKE2b compression function F (RFC 7693 section 3.2) with a caller-chosen number of
/// rounds, as exposed by the EIP-152 precompile. Updates the state `h` in place from the message
/// block `m`, the offset counters `t` and the final-block flag `final_block`. `rounds` may exceed
/// BLAKE2b's 12: the message schedule repeats with period 10. With a `deadline` (RPC
/// executions only) it checks it every kBlake2fRoundsPerCheck rounds and returns false, `h`
/// unspecified, once it has expired; otherwise it returns true.
bool blake2b_compress(uint64_t h[8],
                      const uint64_t m[16],
                      const uint64_t t[2],
                      bool final_block,
                      uint32_t rounds,
                      const Deadline* deadline = nullptr) noexcept;

/// Rounds between two deadline checks of blake2b_compress (about a millisecond).
inline constexpr uint32_t kBlake2fRoundsPerCheck = 1 << 16;

}  // namespace tern::precompiles
