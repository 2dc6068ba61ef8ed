#include "filestorage/feature.hpp"

#include "chain/json_fields.hpp"
#include "core/hex.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/file_storage_precompile.hpp"
#include "filestorage/file_system.hpp"
#include "filestorage/layout.hpp"
#include "predeployed/access_control.hpp"
#include "predeployed/proxy.hpp"
#include "predeployed/store.hpp"
#include "predeployed/transparent_proxy.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>

namespace tern::filestorage {

namespace {

using nlohmann::json;

/// Behind its own ProxyAdmin; not upgradeable: the files are in the node's blob store, which
/// state sync checks against this account's storage.
const predeployed::ProxyLayout kLayout{
    kFileStorageAddress, kImplementationAddress, kProxyAdminAddress, true,
    "FileStorage: not upgradeable on Tern (its files live in the node's blob store)"};

constexpr const char* kEnabledKey = "fileStorage";
constexpr const char* kSpaceKey = "fileStorageSpace";
constexpr const char* kAdminKey = "fileStorageAdmin";

constexpr chain::FeatureKey kConfigKeys[] = {
    {kEnabledKey,
     [](const json& v, const std::string& where) {
         if (!v.is_boolean())
             chain::json_fields::fail(where, "expected true or false");
     }},
    {kSpaceKey,
     [](const json& v, const std::string& where) {
         if (chain::json_fields::parse_u64(v, where) == 0)
             chain::json_fields::fail(where, "must be at least 1 byte");
     }},
    {kAdminKey,
     [](const json& v, const std::string& where) {
         (void)chain::json_fields::parse_address(v, where);
     }},
};

}  // namespace

std::span<const chain::FeatureKey> config_keys() noexcept
{
    return kConfigKeys;
}

FileStorageSettings file_storage_settings(const chain::ChainConfig& config)
{
    FileStorageSettings out;
    const auto& set = config.feature_settings;
    if (const auto it = set.find(kEnabledKey); it != set.end())
        out.enabled = json::parse(it->second).get<bool>();
    if (const auto it = set.find(kSpaceKey); it != set.end())
        out.space = chain::json_fields::parse_u64(json::parse(it->second), it->first);
    if (const auto it = set.find(kAdminKey); it != set.end())
        out.admin = chain::json_fields::parse_address(json::parse(it->second), it->first);
    return out;
}

void set_file_storage_settings(chain::ChainConfig& config, const FileStorageSettings& settings)
{
    config.feature_settings[kEnabledKey] = json(settings.enabled).dump();
    config.feature_settings[kSpaceKey] = json(settings.space).dump();
    if (settings.admin)
        config.feature_settings[kAdminKey] = json(to_hex(*settings.admin)).dump();
    else
        config.feature_settings.erase(kAdminKey);
}

std::vector<execution::Predeploy> predeploys(const FileStorageSettings& settings)
{
    predeployed::GenesisStore store;
    store.set(layout::storage_space_slot(), U256{settings.space});
    if (settings.admin)
        predeployed::AccessControl{store}.grant(Hash256{}, *settings.admin);  // DEFAULT_ADMIN_ROLE
    return predeployed::proxy_accounts(kLayout, std::move(store), settings.admin);
}

std::optional<execution::FeatureError> register_feature(execution::ChainFeatures& features,
                                                        const chain::ChainConfig& config)
{
    const FileStorageSettings settings = file_storage_settings(config);
    if (!settings.enabled)
        return std::nullopt;
    execution::ChainFeature f;
    f.name = kFeatureName;
    predeployed::serve_behind_proxy(f, std::make_shared<FileStoragePrecompile>(), kLayout);
    f.warm_at_start = false;
    f.predeploys = predeploys(settings);
    f.blob_accounts = {kFileStorageAddress};
    f.referenced_blobs = [](const state::StateReader& state, const execution::BlobVisit& visit) {
        predeployed::ReaderStore store{state, kFileStorageAddress};
        FileSystem{store}.for_each_chunk(visit);
    };
    return features.add(std::move(f));
}

}  // namespace tern::filestorage
