#pragma once

#include "chain/chain_config.hpp"
#include "execution/chain_features.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tern::filestorage {

/// Name of the FileStorage feature in the registry ("filestorage").
inline constexpr const char* kFeatureName = "filestorage";

/// SKALE's CI capacity, the default of `tern.fileStorageSpace`: 10 GB.
inline constexpr uint64_t kDefaultSpace = 10'000'000'000ULL;

/// The FileStorage feature's settings in the chain rules (genesis `tern` section,
/// docs/filestorage.md).
struct FileStorageSettings
{
    /// `tern.fileStorage`: off unless the rules turn it on (a plain geth genesis keeps geth's
    /// genesis state); `tern dev` and `tern chain init` turn it on.
    bool enabled = false;
    /// `tern.fileStorageSpace`: the chain-wide capacity in bytes (getTotalStorageSpace).
    uint64_t space = kDefaultSpace;
    /// `tern.fileStorageAdmin`: holder of DEFAULT_ADMIN_ROLE (grants ALLOCATOR_ROLE) and owner
    /// of the ProxyAdmin account; none when unset.
    std::optional<Address> admin;
};

/// The feature's keys in the chain rules: fileStorage (true or false), fileStorageSpace (a
/// number of bytes from 1 to 2^64 - 1), fileStorageAdmin (an address).
std::span<const chain::FeatureKey> config_keys() noexcept;

/// The settings of `config` (the defaults for keys it does not set).
[[nodiscard]] FileStorageSettings file_storage_settings(const chain::ChainConfig& config);

/// Writes `settings` into `config` (every key it has).
void set_file_storage_settings(chain::ChainConfig& config, const FileStorageSettings& settings);

/// The genesis accounts of the feature: the FileStorage account at 0xD3002000...d3 (a stub
/// code for eth_getCode, the capacity, the admin's role, the EIP-1967 implementation and
/// admin slots), SKALE's implementation address and its ProxyAdmin (owner slot 0: the admin).
[[nodiscard]] std::vector<execution::Predeploy> predeploys(const FileStorageSettings& settings);

/// Registers the FileStorage feature in `features` when the rules enable it: one
/// FileStoragePrecompile serving 0xD3002000...d3 (not warm at the start of a transaction, as
/// SKALE's contract is not) and its predeploys. Nothing when it is off.
[[nodiscard]] std::optional<execution::FeatureError> register_feature(
    execution::ChainFeatures& features,
    const chain::ChainConfig& config);

}  // namespace tern::filestorage
