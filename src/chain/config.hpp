#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <cstdint>

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

    friend bool operator==(const ChainConfig&, const ChainConfig&) = default;
};

}  // namespace tern::chain
