#pragma once

#include "chain/chain_config.hpp"
#include "execution/chain_features.hpp"

#include <optional>

namespace tern::mlchain {

/// Name of the ML chain feature in the registry ("ml").
inline constexpr const char* kFeatureName = "ml";

/// Registers Tern's ML feature (model registry 0x..0a01 and inference 0x..0a02, docs/ml.md) in
/// `features` when `config.ml_inference` is on: a new MlPrecompiles with its own model cache
/// and `config.ml_max_model_bytes`; its addresses are not warm at the start of a transaction
/// and it predeploys nothing. Nothing is added when it is off.
[[nodiscard]] std::optional<execution::FeatureError> register_feature(
    execution::ChainFeatures& features,
    const chain::ChainConfig& config);

class MlPrecompiles;

/// A registry holding `ml` (not owned: it must outlive the registry) as the ML feature, as
/// register_feature would: for tests, fuzzers and benches that own their instance.
[[nodiscard]] execution::ChainFeatures features_of(MlPrecompiles& ml);

}  // namespace tern::mlchain
