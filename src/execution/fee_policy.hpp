#pragma once

// Who pays for gas on a Tern chain. Ethereum's rule (the fixtures' one) charges every
// transaction gas * effective price; Tern's default zero-fee rule charges nothing whatever the
// transaction offers; SKALE's proof-of-work gas lets a sender with no balance pay with work
// instead of fees (docs/economics.md).

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "transaction/transaction.hpp"

#include <cstdint>

namespace tern::execution {

/// The fee rules of a chain, as the transition, the pool, eth_call and the receipts apply them.
/// The default (charged, no PoW) is Ethereum's: the only rule the Ethereum fixtures see.
struct FeePolicy
{
    /// No fee is ever debited (Tern's zero-fee chains): the gas price of every transaction is
    /// 0 (GASPRICE, effectiveGasPrice) and the balance must cover the value only.
    bool free = false;
    /// SKALE's proof-of-work gas difficulty (externalGasDifficulty); 0: proof of work is off.
    U256 pow_difficulty;

    friend bool operator==(const FeePolicy&, const FeePolicy&) = default;
};

/// SKALE's external gas of a proof-of-work gas price (skaled's checkOutExternalGas):
/// (2^256-1) / h / difficulty, where h = keccak256(sender) ^ keccak256(nonce as 32 bytes) ^
/// keccak256(gas_price as 32 bytes), and h = 1 when it is 0. `difficulty` must be non-zero.
[[nodiscard]] U256 pow_external_gas(const Address& sender,
                                    uint64_t nonce,
                                    const U256& gas_price,
                                    const U256& difficulty) noexcept;

/// True if `tx` from `sender` (at nonce tx.nonce) pays with proof of work under `policy`: PoW is
/// on and the external gas of its gas price (max_fee_per_gas; the legacy gas price) covers its
/// gas limit. skaled accepts a solution covering the intrinsic gas and then runs with the
/// external gas as the limit; Tern keeps the signed limit and requires the solution to cover it.
[[nodiscard]] bool pays_with_work(const FeePolicy& policy,
                                  const Transaction& tx,
                                  const Address& sender) noexcept;

/// True if no fee is debited for `tx` from `sender`: the chain is free, or it pays with work.
[[nodiscard]] bool fee_exempt(const FeePolicy& policy,
                              const Transaction& tx,
                              const Address& sender) noexcept;

/// Gas price `tx` from `sender` pays in a block with `base_fee`: 0 when fee_exempt, otherwise
/// base_fee + min(priority fee, max fee - base fee) (the max fee if it is below the base fee).
[[nodiscard]] U256 effective_gas_price(const FeePolicy& policy,
                                       const Transaction& tx,
                                       const Address& sender,
                                       const U256& base_fee) noexcept;

}  // namespace tern::execution
