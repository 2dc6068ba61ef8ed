#include "mlchain/feature.hpp"

#include "mlchain/ml_precompiles.hpp"

namespace tern::mlchain {

namespace {

execution::ChainFeature ml_feature(std::shared_ptr<MlPrecompiles> precompiles)
{
    execution::ChainFeature f;
    f.name = kFeatureName;
    f.addresses = {kModelRegistryAddress, kInferenceAddress};
    f.precompiles = std::move(precompiles);
    f.warm_at_start = false;  // EIP-2929 warms Ethereum's precompiles only (as before issue 11)
    return f;
}

}  // namespace

std::optional<execution::FeatureError> register_feature(execution::ChainFeatures& features,
                                                        const chain::ChainConfig& config)
{
    if (!config.ml_inference)
        return std::nullopt;
    MlConfig ml;
    ml.limits.max_model_bytes = config.ml_max_model_bytes;
    return features.add(ml_feature(std::make_shared<MlPrecompiles>(ml)));
}

execution::ChainFeatures features_of(MlPrecompiles& ml)
{
    execution::ChainFeatures features;
    // Aliasing constructor with no owner: the registry points at `ml` without owning it.
    const auto err =
        features.add(ml_feature(std::shared_ptr<MlPrecompiles>(std::shared_ptr<void>{}, &ml)));
    (void)err;  // the ML addresses are never Ethereum's (ChainFeatures' tests, feature_test)
    return features;
}

}  // namespace tern::mlchain
