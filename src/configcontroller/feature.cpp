#include "configcontroller/feature.hpp"

#include "chain/json_fields.hpp"
#include "configcontroller/config_controller.hpp"
#include "configcontroller/constants.hpp"
#include "core/hex.hpp"
#include "predeployed/access_control.hpp"
#include "predeployed/proxy.hpp"
#include "predeployed/store.hpp"
#include "predeployed/transparent_proxy.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace tern::configcontroller {

namespace {

using nlohmann::json;

/// Behind its own ProxyAdmin (owner: the chain owner). Once upgraded, the deployer check asks
/// the new code (DeployerAllowList).
const predeployed::ProxyLayout kLayout{kConfigControllerAddress, kImplementationAddress,
                                       kProxyAdminAddress};

constexpr const char* kEnabledKey = "configController";
constexpr const char* kAdminKey = "configControllerAdmin";
constexpr const char* kFcdKey = "freeContractDeployment";
constexpr const char* kMtmKey = "multiTransactionMode";

void check_bool(const json& v, const std::string& where)
{
    if (!v.is_boolean())
        chain::json_fields::fail(where, "expected true or false");
}

constexpr chain::FeatureKey kConfigKeys[] = {
    {kEnabledKey, check_bool},
    {kAdminKey,
     [](const json& v, const std::string& where) {
         (void)chain::json_fields::parse_address(v, where);
     }},
    {kFcdKey, check_bool},
    {kMtmKey, check_bool},
};

bool flag(const chain::ChainConfig& config, const char* key)
{
    const auto it = config.feature_settings.find(key);
    return it != config.feature_settings.end() && json::parse(it->second).get<bool>();
}

}  // namespace

std::span<const chain::FeatureKey> config_keys() noexcept
{
    return kConfigKeys;
}

ConfigControllerSettings config_controller_settings(const chain::ChainConfig& config)
{
    ConfigControllerSettings out;
    out.enabled = flag(config, kEnabledKey);
    out.free_contract_deployment = flag(config, kFcdKey);
    out.multi_transaction_mode = flag(config, kMtmKey);
    if (const auto it = config.feature_settings.find(kAdminKey);
        it != config.feature_settings.end())
        out.admin = chain::json_fields::parse_address(json::parse(it->second), it->first);
    return out;
}

void set_config_controller_settings(chain::ChainConfig& config, const ConfigControllerSettings& s)
{
    auto& set = config.feature_settings;
    set[kEnabledKey] = json(s.enabled).dump();
    set[kFcdKey] = json(s.free_contract_deployment).dump();
    set[kMtmKey] = json(s.multi_transaction_mode).dump();
    if (s.admin)
        set[kAdminKey] = json(to_hex(*s.admin)).dump();
    else
        set.erase(kAdminKey);
}

std::vector<execution::Predeploy> predeploys(const ConfigControllerSettings& s)
{
    predeployed::GenesisStore store;
    predeployed::AccessControl roles{store};
    roles.set_role_admin(deployer_role(), deployer_admin_role());
    if (s.admin)
        for (const Hash256& role :
             {Hash256{}, deployer_admin_role(), mtm_admin_role(), deployer_role()})
            roles.grant(role, *s.admin);
    Rules rules{store};
    rules.set_free_contract_deployment(s.free_contract_deployment);
    rules.set_multi_transaction_mode(s.multi_transaction_mode);
    return predeployed::proxy_accounts(kLayout, std::move(store), s.admin);
}

std::optional<execution::FeatureError> register_feature(execution::ChainFeatures& features,
                                                        const chain::ChainConfig& config)
{
    const auto s = config_controller_settings(config);
    if (!s.enabled)
        return std::nullopt;
    execution::ChainFeature f;
    f.name = kFeatureName;
    predeployed::serve_behind_proxy(f, std::make_shared<ConfigControllerPrecompile>(), kLayout);
    f.predeploys = predeploys(s);
    f.deploy_guard = std::make_shared<DeployerAllowList>();
    return features.add(std::move(f));
}

}  // namespace tern::configcontroller
