#pragma once

// Fairness on zero-fee chains (docs/economics.md, "Spam"): nothing stops one sender from
// filling every block when gas costs nothing, so each block gives a free-riding sender at most
// a quota of gas. Paying is the way past it: a proof-of-work gas price, or fees on a chain that
// charges them.

#include "execution/fee_policy.hpp"
#include "txpool/txpool.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace tern::producer {

/// Gas one sender may use in a block (summed gas limits) under `percent` of the block gas
/// limit `block_gas_limit`: 0 or 100 and above mean no quota.
[[nodiscard]] uint64_t sender_gas_quota(uint64_t block_gas_limit, uint64_t percent) noexcept;

/// True if `ptx` counts against its sender's quota under `fees`: the chain is free and the
/// transaction does not pay with work (on a charging chain every transaction pays).
[[nodiscard]] bool counts_against_quota(const execution::FeePolicy& fees,
                                        const txpool::PooledTransaction& ptx) noexcept;

/// `ordered` (block order) without what exceeds each sender's `quota` of gas: a sender's
/// transactions that count against the quota are taken in order while their summed gas limits
/// stay within it (the first always is, whatever its gas), and once one is left out so are
/// the sender's later ones (their nonces would have a gap); transactions that pay pass
/// (counting towards nothing). `quota` 0: `ordered` unchanged. They stay in the pool for the
/// next blocks.
[[nodiscard]] std::vector<txpool::PooledTxPtr> apply_sender_quota(
    std::span<const txpool::PooledTxPtr> ordered,
    uint64_t quota,
    const execution::FeePolicy& fees);

}  // namespace tern::producer
