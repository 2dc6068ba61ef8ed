#pragma once

#include "core/bytes.hpp"
#include "core/deadline.hpp"
#include "evm/host.hpp"

namespace tern::precompiles {

/// True for the precompiled contracts of fork Cancun: 0x01..0x0a.
bool is_precompile(const Address& addr) noexcept;

/// Runs precompile `addr` with `input` and `gas` available. On success: Status::Success,
/// gas_left = gas - cost, output set. Cost above `gas`: Status::OutOfGas, gas_left 0.
/// Invalid input (e.g. bad bn254 point): Status::PrecompileFailure, gas_left 0. With a
/// `deadline` (RPC executions; block execution passes none) the long ones (modexp, the bn254
/// pairing, blake2f) check it while they run and end with Status::Interrupted once it has
/// expired.
evm::ExecResult execute(const Address& addr,
                        BytesView input,
                        int64_t gas,
                        const Deadline* deadline = nullptr);

}  // namespace tern::precompiles
