#pragma once

#include "chain/chain_config.hpp"
#include "chain/genesis.hpp"
#include "execution/chain_features.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tern::api {
class Backend;
class MethodTable;
}  // namespace tern::api

namespace tern::rpc {
struct HttpRoute;
}  // namespace tern::rpc

namespace tern::node {

/// One chain feature as a node assembles it; each feature's folder provides the functions
/// (mlchain/feature.hpp for ML), and chain_features() lists one row per feature.
struct FeatureEntry
{
    const char* name;
    /// Its keys in the chain rules (genesis `tern` section), with their checks.
    std::span<const chain::FeatureKey> (*config_keys)() noexcept;
    /// Adds it to a chain's features when the rules enable it (precompiles, predeploys).
    std::optional<execution::FeatureError> (*register_feature)(execution::ChainFeatures&,
                                                               const chain::ChainConfig&);
    /// Adds its JSON-RPC methods (null: it has none).
    void (*add_methods)(api::MethodTable&, api::Backend&, const chain::ChainConfig&);
    /// Adds its HTTP routes on the JSON-RPC port (null: it has none).
    void (*add_http_routes)(std::vector<rpc::HttpRoute>&, api::Backend&, const chain::ChainConfig&);
};

/// The chain features of a Tern node, one row each (ML, FileStorage).
std::span<const FeatureEntry> chain_features() noexcept;

/// The keys of `entries` in the chain rules: what parsing a genesis or the stored rules accepts
/// besides the rules' own (chain::parse_genesis, chain::decode_chain_config).
std::vector<chain::FeatureKey> chain_feature_keys(
    std::span<const FeatureEntry> entries = chain_features());

/// Sets `config.features` to the chain features `config`'s rules enable (each of `entries`
/// registers itself; null when none does, so such a chain runs Ethereum's rules only), or
/// returns why a feature was refused. Call once the rules are final.
[[nodiscard]] std::optional<execution::FeatureError> attach_chain_features(
    chain::ChainConfig& config,
    std::span<const FeatureEntry> entries = chain_features());

/// Writes the predeploys of `spec.config.features` (attach_chain_features) into the genesis
/// allocation, so block 0 holds them. An account the genesis file already sets at a predeploy
/// address is kept (the operator's choice) and named in the returned notices.
std::vector<std::string> add_predeploys(chain::GenesisSpec& spec);

/// Adds the JSON-RPC methods of the features of `entries` that `rules` enable to `table`.
void add_feature_methods(api::MethodTable& table,
                         api::Backend& backend,
                         const chain::ChainConfig& rules,
                         std::span<const FeatureEntry> entries = chain_features());

/// Adds the HTTP routes of the features of `entries` that `rules` enable to `routes`.
void add_feature_http_routes(std::vector<rpc::HttpRoute>& routes,
                             api::Backend& backend,
                             const chain::ChainConfig& rules,
                             std::span<const FeatureEntry> entries = chain_features());

}  // namespace tern::node
