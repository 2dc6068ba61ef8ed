#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "execution/fee_policy.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
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

/// Who pays for gas (docs/economics.md).
enum class FeeRule : uint8_t
{
    /// Tern's default: no fee is ever debited, whatever a transaction's gas price or tip says
    /// (the balance covers the value only; GASPRICE and effectiveGasPrice are 0).
    Free,
    /// Fees as on Ethereum: gas * effective price, the base fee burnt and the tip to the
    /// coinbase (SKALE's sFUEL chains: the coinbase is the Etherbase predeploy).
    Charged,
};

/// A key a chain feature adds to the chain rules (the genesis `tern` section and the stored
/// copy), declared in the feature's own folder (mlchain::config_keys()): its name and its
/// check. The value is kept in ChainConfig::feature_settings; the feature reads it there and
/// applies its default when the key is absent.
struct FeatureKey
{
    const char* key;
    /// Checks `value`, failing as the rules' own keys do (json_fields::fail(where, what):
    /// "tern.mlInference: expected true or false").
    void (*check)(const nlohmann::json& value, const std::string& where);
};

/// The feature keys a codec call accepts besides the rules' own (node::chain_feature_keys():
/// every feature's; empty: none, so a feature's key is an unknown field).
using FeatureKeys = std::span<const FeatureKey>;

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
    /// Who pays for gas. A genesis without `feeRule` is free unless it asks for fees (an
    /// EIP-1559 base fee, a base fee or a minimum gas price above 0); a stored copy without it
    /// was written before the rule existed, when every chain charged.
    FeeRule fee_rule = FeeRule::Free;
    /// SKALE's proof-of-work gas difficulty (0: off): a gas price whose external gas covers the
    /// gas limit pays for the transaction (execution::pays_with_work).
    U256 pow_difficulty;
    /// The values of the chain features' keys (FeatureKey) the genesis or the stored copy set,
    /// as JSON text by key (ordered: the codec writes them in key order); each feature reads
    /// its own (mlchain::ml_settings) and defaults what is absent.
    std::map<std::string, std::string, std::less<>> feature_settings;
    /// The chain features these rules enable (their precompiles), set by whoever assembles the
    /// node (node::attach_chain_features) and shared by every execution of one node (block
    /// building, calls, traces); null: Ethereum's only. Not a rule: the JSON codec leaves it out.
    std::shared_ptr<const execution::ChainFeatures> features;

    friend bool operator==(const ChainConfig&, const ChainConfig&) = default;
};

/// The fee rules execution applies under `config` (its fee rule and proof-of-work difficulty).
[[nodiscard]] execution::FeePolicy fee_policy(const ChainConfig& config) noexcept;

/// True if `config` sets a price for gas: the EIP-1559 rule, a base fee or a minimum gas price
/// above 0 (what makes a genesis without `feeRule` a charging chain).
[[nodiscard]] bool asks_for_fees(const ChainConfig& config) noexcept;

/// Which keys a JSON object of chain rules holds.
enum class ChainConfigKeys : uint8_t
{
    /// A genesis file's `tern` section: every rule but the chain id (geth's `config.chainId`
    /// holds it): baseFeeRule, baseFeePerGas, minGasPrice, gasLimit, coinbase, and the chain
    /// features' keys.
    TernSection,
    /// Every rule, "chainId" included: the copy stored in the database.
    All,
};

/// The one JSON codec of the chain rules (docs/genesis.md): "chainId" a number,
/// "baseFeeRule" "fixed" or "eip1559", "baseFeePerGas" / "minGasPrice" / "gasLimit" "0x" hex,
/// "coinbase" a hex address, "feeRule" "free" or "charged", "powDifficulty" "0x" hex; then the
/// feature_settings, each as its feature checked it. A free chain that asks for fees
/// (asks_for_fees) is an error; a `tern` section without feeRule takes it from asks_for_fees.
nlohmann::json chain_config_to_json(const ChainConfig& config, ChainConfigKeys keys);

/// Reads the rules `obj` holds over `base` (absent keys keep base's value) and validates them;
/// the keys of `features` are checked by their feature and kept in feature_settings. Numbers
/// may be "0x" hex or decimal strings or JSON integers. An unknown key, a value of the wrong
/// type or out of bounds is an error "<where>.<key>: <what>", e.g. "tern.gasLimit: below
/// 21000: no transaction would fit" (no "<where>." when `where` is empty).
Result<ChainConfig, std::string> chain_config_from_json(const nlohmann::json& obj,
                                                        const ChainConfig& base,
                                                        ChainConfigKeys keys,
                                                        std::string_view where,
                                                        FeatureKeys features = {});

/// The copy of the rules stored beside the genesis (ChainDb::init_genesis): the JSON text of
/// chain_config_to_json(config, ChainConfigKeys::All).
std::string encode_chain_config(const ChainConfig& config);

/// The rules of a stored copy: "chainId" required, other keys absent take the defaults (chains
/// stored before the ML settings existed); the keys of `features` as chain_config_from_json.
/// Also reads the copies written before the codec was shared (gasLimit a JSON number).
Result<ChainConfig, std::string> decode_chain_config(BytesView blob, FeatureKeys features = {});

}  // namespace tern::chain
