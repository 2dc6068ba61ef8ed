#pragma once

#include "chain/chain_config.hpp"
#include "execution/chain_features.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace tern::mlchain {

/// Name of the ML chain feature in the registry ("ml").
inline constexpr const char* kFeatureName = "ml";

/// The ML feature's settings in the chain rules (genesis `tern` section, docs/ml.md).
struct MlSettings
{
    /// `tern.mlInference`: the model registry 0x..0a01 and inference 0x..0a02 are on unless
    /// the genesis sets it to false.
    bool inference = true;
    /// `tern.mlMaxModelBytes`: largest model the registry accepts, 1 to 2^32 - 1 bytes
    /// (absent: 8 MiB, the rule of chains made before issue 14).
    uint64_t max_model_bytes = 8 << 20;
    /// `tern.mlMaxCallCost`: largest engine cost (gas) one inference call may have, 1 to 2^63 - 1
    /// (absent: 30,000,000, the rule of chains made before issue 14).
    uint64_t max_call_cost = 30'000'000;
    /// `tern.mlGasSchedule`: the engine's gas schedule, 1 or 2 (ml::gas_schedule; absent: 1,
    /// the prices of chains made before the recalibration).
    uint64_t gas_schedule = 1;
};

/// The ML settings `tern dev` and `tern chain init` give a new chain, sized for real models on
/// SKALE's 268,435,455-gas blocks: a 16 MiB model uploads, a call may cost 250,000,000 gas,
/// priced by the recalibrated gas schedule 2 (docs/ml.md "Limits").
[[nodiscard]] MlSettings ai_chain_ml_settings() noexcept;

/// The ML feature's keys in the chain rules: mlInference (true or false), mlMaxModelBytes (a
/// number from 1 to 4294967295), mlMaxCallCost (1 to 2^63 - 1), mlGasSchedule (1 or 2),
/// checked as the codec reads them.
std::span<const chain::FeatureKey> config_keys() noexcept;

/// The ML settings of `config` (the defaults for keys it does not set).
[[nodiscard]] MlSettings ml_settings(const chain::ChainConfig& config);

/// Writes `settings` into `config` (every key; tests and tools building rules by hand).
void set_ml_settings(chain::ChainConfig& config, const MlSettings& settings);

/// Registers Tern's ML feature (model registry 0x..0a01 and inference 0x..0a02, docs/ml.md) in
/// `features` when ml_settings(config).inference is on: a new MlPrecompiles with its own model
/// cache and max_model_bytes; its addresses are not warm at the start of a transaction and it
/// predeploys nothing. Nothing is added when it is off.
[[nodiscard]] std::optional<execution::FeatureError> register_feature(
    execution::ChainFeatures& features,
    const chain::ChainConfig& config);

class MlPrecompiles;

/// A registry holding `ml` (not owned: it must outlive the registry) as the ML feature, as
/// register_feature would: for tests, fuzzers and benches that own their instance.
[[nodiscard]] execution::ChainFeatures features_of(MlPrecompiles& ml);

}  // namespace tern::mlchain
