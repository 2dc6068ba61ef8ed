#include "node/chain_features.hpp"

#include "configcontroller/feature.hpp"
#include "core/hex.hpp"
#include "etherbase/feature.hpp"
#include "filestorage/feature.hpp"
#include "filestorage/http_route.hpp"
#include "marionette/feature.hpp"
#include "mlchain/feature.hpp"

#include <memory>

namespace tern::node {

namespace {

/// One row per chain feature.
constexpr FeatureEntry kFeatures[] = {
    {mlchain::kFeatureName, mlchain::config_keys, mlchain::register_feature, nullptr, nullptr},
    {filestorage::kFeatureName, filestorage::config_keys, filestorage::register_feature, nullptr,
     filestorage::add_http_routes},
    {configcontroller::kFeatureName, configcontroller::config_keys,
     configcontroller::register_feature, nullptr, nullptr},
    {etherbase::kFeatureName, etherbase::config_keys, etherbase::register_feature, nullptr,
     nullptr},
    {marionette::kFeatureName, marionette::config_keys, marionette::register_feature, nullptr,
     nullptr},
};

/// True if `rules` enable the feature `name` (it registered itself in rules.features).
bool enabled(const chain::ChainConfig& rules, const char* name)
{
    if (!rules.features)
        return false;
    for (const auto& f : rules.features->features())
        if (f.name == name)
            return true;
    return false;
}

}  // namespace

std::span<const FeatureEntry> chain_features() noexcept
{
    return kFeatures;
}

std::vector<chain::FeatureKey> chain_feature_keys(std::span<const FeatureEntry> entries)
{
    std::vector<chain::FeatureKey> out;
    for (const auto& e : entries)
        for (const auto& k : e.config_keys())
            out.push_back(k);
    return out;
}

std::optional<execution::FeatureError> attach_chain_features(chain::ChainConfig& config,
                                                             std::span<const FeatureEntry> entries)
{
    auto features = std::make_shared<execution::ChainFeatures>();
    for (const auto& e : entries)
        if (auto err = e.register_feature(*features, config))
            return err;
    if (features->empty())
        config.features = nullptr;
    else
        config.features = std::move(features);
    return std::nullopt;
}

std::vector<std::string> add_predeploys(chain::GenesisSpec& spec)
{
    std::vector<std::string> notices;
    if (!spec.config.features)
        return notices;
    for (const auto& f : spec.config.features->features())
        for (const auto& p : f.predeploys)
        {
            if (spec.alloc.contains(p.address))
            {
                notices.push_back("genesis: the alloc sets " + to_hex(p.address) + ", where the " +
                                  f.name +
                                  " feature predeploys a contract; keeping the alloc's account");
                continue;
            }
            auto& account = spec.alloc[p.address];
            account.code = p.code;
            account.balance = p.balance;
            for (const auto& [key, value] : p.storage)
                account.storage[key] = value;
        }
    return notices;
}

void add_feature_methods(api::MethodTable& table,
                         api::Backend& backend,
                         const chain::ChainConfig& rules,
                         std::span<const FeatureEntry> entries)
{
    for (const auto& e : entries)
        if (e.add_methods && enabled(rules, e.name))
            e.add_methods(table, backend, rules);
}

void add_feature_http_routes(std::vector<rpc::HttpRoute>& routes,
                             api::Backend& backend,
                             const chain::ChainConfig& rules,
                             std::span<const FeatureEntry> entries)
{
    for (const auto& e : entries)
        if (e.add_http_routes && enabled(rules, e.name))
            e.add_http_routes(routes, backend, rules);
}

}  // namespace tern::node
