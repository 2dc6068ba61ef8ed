#pragma once

#include "core/bytes.hpp"
#include "core/deadline.hpp"
#include "evm/fork.hpp"
#include "evm/host.hpp"

#include <span>
#include <string_view>

namespace tern::precompiles {

/// True for the precompiled contracts of `fork`: Cancun 0x01..0x0a; Prague adds 0x0b..0x11
/// (EIP-2537 BLS12-381); Osaka adds 0x100 (EIP-7951 P256VERIFY). Tern executes only Cancun's.
[[nodiscard]] bool is_precompile(evm::Fork fork, const Address& addr) noexcept;

/// True for the precompiled contracts of fork Cancun (the fork Tern runs): 0x01..0x0a.
[[nodiscard]] bool is_precompile(const Address& addr) noexcept;

/// True for an address any Ethereum fork Tern knows (up to Osaka) gives a precompile: a chain
/// feature must never use one of these.
[[nodiscard]] bool reserved_by_ethereum(const Address& addr) noexcept;

/// The addresses of `fork`'s precompiles, ascending (a static table; no allocation).
[[nodiscard]] std::span<const Address> precompile_addresses(evm::Fork fork) noexcept;

/// Name of the Ethereum precompile at `addr` (any fork, e.g. "MODEXP", "P256VERIFY"), or empty.
[[nodiscard]] std::string_view precompile_name(const Address& addr) noexcept;

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
