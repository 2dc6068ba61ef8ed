#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tern::execution {
class ChainFeatures;
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

/// The chain rules: what the block builder, the pool and every JSON-RPC method that reports a
/// rule (eth_chainId, eth_gasPrice, ...) follow. They come from the genesis file's `config` and
/// `tern` sections (or, for `tern dev` without a genesis file, the dev flags), are stored in the
/// database beside the genesis, and a restarted node keeps the stored ones
/// (Node::chain_config() is the copy in force). Fork rules are always Cancun.
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
    /// The chain features these rules enable (their precompiles), set by whoever assembles the
    /// node (node::attach_chain_features) and shared by every execution of one node (block
    /// building, calls, traces); null: Ethereum's only. Not a rule: the JSON codec leaves it out.
    std::shared_ptr<const execution::ChainFeatures> features;

    friend bool operator==(const ChainConfig&, const ChainConfig&) = default;
};

/// Which keys a JSON object of chain rules holds.
enum class ChainConfigKeys : uint8_t
{
    /// A genesis file's `tern` section: every rule but the chain id (geth's `config.chainId`
    /// holds it): baseFeeRule, baseFeePerGas, minGasPrice, gasLimit, coinbase, mlInference,
    /// mlMaxModelBytes.
    TernSection,
    /// Every rule, "chainId" included: the copy stored in the database.
    All,
};

/// The one JSON codec of the chain rules (docs/genesis.md): "chainId" a number,
/// "baseFeeRule" "fixed" or "eip1559", "baseFeePerGas" / "minGasPrice" / "gasLimit" "0x" hex,
/// "coinbase" a hex address, "mlInference" a boolean, "mlMaxModelBytes" a number.
nlohmann::json chain_config_to_json(const ChainConfig& config, ChainConfigKeys keys);

/// Reads the rules `obj` holds over `base` (absent keys keep base's value) and validates them.
/// Numbers may be "0x" hex or decimal strings or JSON integers. An unknown key, a value of the
/// wrong type or out of bounds is an error "<where>.<key>: <what>", e.g. "tern.gasLimit: below
/// 21000: no transaction would fit" (no "<where>." when `where` is empty).
Result<ChainConfig, std::string> chain_config_from_json(const nlohmann::json& obj,
                                                        const ChainConfig& base,
                                                        ChainConfigKeys keys,
                                                        std::string_view where);

/// The copy of the rules stored beside the genesis (ChainDb::init_genesis): the JSON text of
/// chain_config_to_json(config, ChainConfigKeys::All).
std::string encode_chain_config(const ChainConfig& config);

/// The rules of a stored copy: "chainId" required, other keys absent take the defaults (chains
/// stored before the ML settings existed). Also reads the copies written before the codec was
/// shared (gasLimit a JSON number).
Result<ChainConfig, std::string> decode_chain_config(BytesView blob);

}  // namespace tern::chain
