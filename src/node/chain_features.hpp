#pragma once

#include "chain/chain_config.hpp"
#include "execution/chain_features.hpp"

#include <optional>

namespace tern::node {

/// Sets `config.features` to the chain features `config`'s rules enable (each feature
/// registers itself; null when none does, so such a chain runs Ethereum's rules only), or
/// returns why a feature was refused. Call once the rules are final.
[[nodiscard]] std::optional<execution::FeatureError> attach_chain_features(
    chain::ChainConfig& config);

}  // namespace tern::node
