#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <cstdint>
#include <memory>

namespace tern::execution {
class StatefulPrecompiles;
}

namespace tern::chain {

/// How each block's base fee is chosen.
enum class BaseFeeRule : uint8_t
{
    Fixed,    ///< every block uses ChainConfig::base_fee (0 by default: zero gas fees)
    Eip1559,  ///< London's rule from the parent's gas used (genesis base fee as the start)
};

/// Default block gas limit of a Tern chain.
inline constexpr uint64_t kDefaultGasLimit = 30'000'000;

/// The chain rules the block builder and the pool follow (from the genesis file's `config`
/// and `tern` sections, or the dev defaults). Fork rules are always Cancun.
struct ChainConfig
{
    uint64_t chain_id = 31337;
    BaseFeeRule base_fee_rule = BaseFeeRule::Fixed;
    U256 base_fee;                          ///< base fee of every block under BaseFeeRule::Fixed
    U256 min_gas_price;                     ///< lowest gas price / max fee the pool accepts
    uint64_t gas_limit = kDefaultGasLimit;  ///< gas limit of new blocks
    Address coinbase;                       ///< fee recipient of new blocks
    /// Tern's ML precompiles, model registry 0x..0a01 and inference 0x..0a02 (docs/ml.md): on
    /// unless the genesis sets `tern.mlInference` to false.
    bool ml_inference = true;
    /// Largest model the registry accepts, in bytes (genesis `tern.mlMaxModelBytes`).
    uint64_t ml_max_model_bytes = 8 << 20;
    /// The stateful precompiles these rules enable, made by attach_precompiles() and shared
    /// by every execution of one node (block building, calls, traces); null: Ethereum's only.
    std::shared_ptr<execution::StatefulPrecompiles> precompiles;

    friend bool operator==(const ChainConfig&, const ChainConfig&) = default;
};

/// Sets config.precompiles from the ML settings (a new registry/inference instance with its
/// own model cache, or null when ml_inference is off). Call once the rules are final.
void attach_precompiles(ChainConfig& config);

}  // namespace tern::chain
