#include "etherbase/feature.hpp"

#include "chain/json_fields.hpp"
#include "core/hex.hpp"
#include "etherbase/constants.hpp"
#include "etherbase/etherbase.hpp"
#include "predeployed/access_control.hpp"
#include "predeployed/proxy.hpp"
#include "predeployed/store.hpp"
#include "predeployed/transparent_proxy.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace tern::etherbase {

namespace {

using nlohmann::json;

/// Behind SKALE's shared ProxyAdmin, which the Marionette feature serves.
const predeployed::ProxyLayout kLayout{kEtherbaseAddress, kImplementationAddress,
                                       kProxyAdminAddress, false};

constexpr const char* kEnabledKey = "etherbase";
constexpr const char* kAdminKey = "etherbaseAdmin";
constexpr const char* kBalanceKey = "etherbaseBalance";

constexpr chain::FeatureKey kConfigKeys[] = {
    {kEnabledKey,
     [](const json& v, const std::string& where) {
         if (!v.is_boolean())
             chain::json_fields::fail(where, "expected true or false");
     }},
    {kAdminKey,
     [](const json& v, const std::string& where) {
         (void)chain::json_fields::parse_address(v, where);
     }},
    {kBalanceKey,
     [](const json& v, const std::string& where) {
         (void)chain::json_fields::parse_u256(v, where);
     }},
};

}  // namespace

std::span<const chain::FeatureKey> config_keys() noexcept
{
    return kConfigKeys;
}

EtherbaseSettings etherbase_settings(const chain::ChainConfig& config)
{
    EtherbaseSettings out;
    const auto& set = config.feature_settings;
    if (const auto it = set.find(kEnabledKey); it != set.end())
        out.enabled = json::parse(it->second).get<bool>();
    if (const auto it = set.find(kAdminKey); it != set.end())
        out.admin = chain::json_fields::parse_address(json::parse(it->second), it->first);
    if (const auto it = set.find(kBalanceKey); it != set.end())
        out.balance = chain::json_fields::parse_u256(json::parse(it->second), it->first);
    return out;
}

void set_etherbase_settings(chain::ChainConfig& config, const EtherbaseSettings& s)
{
    auto& set = config.feature_settings;
    set[kEnabledKey] = json(s.enabled).dump();
    set[kBalanceKey] = json(s.balance.to_hex()).dump();
    if (s.admin)
        set[kAdminKey] = json(to_hex(*s.admin)).dump();
    else
        set.erase(kAdminKey);
}

std::vector<execution::Predeploy> predeploys(const EtherbaseSettings& s)
{
    predeployed::GenesisStore store;
    if (s.admin)
    {
        predeployed::AccessControl roles{store};
        roles.grant(Hash256{}, *s.admin);
        roles.grant(ether_manager_role(), *s.admin);
    }
    return predeployed::proxy_accounts(kLayout, std::move(store), s.admin, s.balance);
}

std::optional<execution::FeatureError> register_feature(execution::ChainFeatures& features,
                                                        const chain::ChainConfig& config)
{
    const auto s = etherbase_settings(config);
    if (!s.enabled)
        return std::nullopt;
    execution::ChainFeature f;
    f.name = kFeatureName;
    predeployed::serve_behind_proxy(f, std::make_shared<EtherbasePrecompile>(), kLayout);
    f.predeploys = predeploys(s);
    return features.add(std::move(f));
}

}  // namespace tern::etherbase
