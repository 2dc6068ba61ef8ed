#include "marionette/feature.hpp"

#include "chain/json_fields.hpp"
#include "core/hex.hpp"
#include "marionette/constants.hpp"
#include "marionette/marionette.hpp"
#include "predeployed/access_control.hpp"
#include "predeployed/proxy.hpp"
#include "predeployed/store.hpp"
#include "predeployed/transparent_proxy.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace tern::marionette {

namespace {

using nlohmann::json;

/// Marionette and SKALE's shared ProxyAdmin of the predeploys, which Marionette owns.
const predeployed::ProxyLayout kLayout{kMarionetteAddress, kImplementationAddress,
                                       kProxyAdminAddress};

constexpr const char* kEnabledKey = "marionette";
constexpr const char* kOwnerKey = "marionetteOwner";
constexpr const char* kImaKey = "marionetteIma";

void check_address(const json& v, const std::string& where)
{
    (void)chain::json_fields::parse_address(v, where);
}

constexpr chain::FeatureKey kConfigKeys[] = {
    {kEnabledKey,
     [](const json& v, const std::string& where) {
         if (!v.is_boolean())
             chain::json_fields::fail(where, "expected true or false");
     }},
    {kOwnerKey, check_address},
    {kImaKey, check_address},
};

std::optional<Address> address_of(const chain::ChainConfig& config, const char* key)
{
    const auto it = config.feature_settings.find(key);
    if (it == config.feature_settings.end())
        return std::nullopt;
    return chain::json_fields::parse_address(json::parse(it->second), it->first);
}

void set_address(chain::ChainConfig& config, const char* key, const std::optional<Address>& a)
{
    if (a)
        config.feature_settings[key] = json(to_hex(*a)).dump();
    else
        config.feature_settings.erase(key);
}

}  // namespace

std::span<const chain::FeatureKey> config_keys() noexcept
{
    return kConfigKeys;
}

MarionetteSettings marionette_settings(const chain::ChainConfig& config)
{
    MarionetteSettings out;
    if (const auto it = config.feature_settings.find(kEnabledKey);
        it != config.feature_settings.end())
        out.enabled = json::parse(it->second).get<bool>();
    out.owner = address_of(config, kOwnerKey);
    out.ima = address_of(config, kImaKey);
    return out;
}

void set_marionette_settings(chain::ChainConfig& config, const MarionetteSettings& s)
{
    config.feature_settings[kEnabledKey] = json(s.enabled).dump();
    set_address(config, kOwnerKey, s.owner);
    set_address(config, kImaKey, s.ima);
}

std::vector<execution::Predeploy> predeploys(const MarionetteSettings& s)
{
    predeployed::GenesisStore store;
    predeployed::AccessControl roles{store};
    if (s.owner)
    {
        roles.grant(Hash256{}, *s.owner);
        roles.grant(puppeteer_role(), *s.owner);
    }
    if (s.ima)
        roles.grant(ima_role(), *s.ima);
    return predeployed::proxy_accounts(kLayout, std::move(store), kMarionetteAddress);
}

std::optional<execution::FeatureError> register_feature(execution::ChainFeatures& features,
                                                        const chain::ChainConfig& config)
{
    const auto s = marionette_settings(config);
    if (!s.enabled)
        return std::nullopt;
    execution::ChainFeature f;
    f.name = kFeatureName;
    predeployed::serve_behind_proxy(f, std::make_shared<MarionettePrecompile>(), kLayout);
    f.predeploys = predeploys(s);
    return features.add(std::move(f));
}

}  // namespace tern::marionette
