#pragma once

#include "core/bytes.hpp"
#include "core/protocol.hpp"
#include "core/uint256.hpp"
#include "execution/fee_policy.hpp"

#include <cstdint>
#include <functional>
#include <optional>

namespace tern::execution {

class ChainFeatures;

/// Number of blob gas units one blob consumes (EIP-4844 GAS_PER_BLOB; core/protocol.hpp).
inline constexpr uint64_t kGasPerBlob = protocol::kGasPerBlob;
/// Most blobs a block (and so a transaction) may carry in Cancun (core/protocol.hpp).
inline constexpr size_t kMaxBlobsPerBlock = protocol::kMaxBlobsPerBlock;

/// The block a transaction executes in: what BLOCKHASH, COINBASE, BASEFEE etc. see and what the
/// fee rules need.
struct BlockEnv
{
    Address coinbase;
    int64_t number = 0;
    int64_t timestamp = 0;
    int64_t gas_limit = 0;
    Hash256 prev_randao;
    U256 base_fee;
    uint64_t excess_blob_gas = 0;
    U256 chain_id = U256{1};
    /// BLOCKHASH source for numbers in [number-256, number) (the interpreter checks the range).
    std::function<Hash256(int64_t)> block_hash;
    /// The chain's features (chain_features.hpp: their precompiles and warm addresses); null or
    /// empty: Ethereum's only. Not owned; outlives every execution in this block.
    const ChainFeatures* features = nullptr;
    /// Who pays for gas (fee_policy.hpp): Ethereum's rule by default; a Tern chain's from its
    /// rules (chain::fee_policy).
    FeePolicy fees;
    /// BLOBBASEFEE of an eth_call with blockOverrides.blobBaseFee (node::simulate_call); block
    /// execution never sets it and uses blob_base_fee(excess_blob_gas).
    std::optional<U256> blob_base_fee_override;
};

/// EIP-4844 fake_exponential(factor, numerator, denominator): integer approximation of
/// factor * e^(numerator / denominator).
U256 fake_exponential(const U256& factor, const U256& numerator, const U256& denominator) noexcept;

/// Price of one unit of blob gas for a block with `excess_blob_gas` (EIP-4844, Cancun
/// BLOB_BASE_FEE_UPDATE_FRACTION 3338477, MIN_BLOB_BASE_FEE 1).
U256 blob_base_fee(uint64_t excess_blob_gas) noexcept;

}  // namespace tern::execution
