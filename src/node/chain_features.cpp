#include "node/chain_features.hpp"

#include "mlchain/feature.hpp"

#include <memory>

namespace tern::node {

std::optional<execution::FeatureError> attach_chain_features(chain::ChainConfig& config)
{
    auto features = std::make_shared<execution::ChainFeatures>();
    // One line per chain feature.
    if (auto err = mlchain::register_feature(*features, config))
        return err;

    if (features->empty())
        config.features = nullptr;
    else
        config.features = std::move(features);
    return std::nullopt;
}

}  // namespace tern::node
