#pragma once

#include "chain/chain_config.hpp"
#include "execution/chain_features.hpp"

#include <optional>
#include <span>
#include <vector>

namespace tern::etherbase {

/// Name of the Etherbase feature in the registry ("etherbase").
inline constexpr const char* kFeatureName = "etherbase";

/// The feature's settings in the chain rules (genesis `tern` section, docs/economics.md).
struct EtherbaseSettings
{
    /// `tern.etherbase`: the contract is served and predeployed (`tern chain init --sfuel`).
    bool enabled = false;
    /// `tern.etherbaseAdmin`: holder of DEFAULT_ADMIN_ROLE and ETHER_MANAGER_ROLE from the
    /// genesis (SKALE's initialize(schainOwner)). The proxy's admin is SKALE's shared ProxyAdmin,
    /// which the Marionette feature serves.
    std::optional<Address> admin;
    /// `tern.etherbaseBalance`: the sFUEL the genesis gives it, in wei.
    U256 balance;
};

/// The feature's keys: etherbase (true or false), etherbaseAdmin (an address), etherbaseBalance
/// (a quantity).
std::span<const chain::FeatureKey> config_keys() noexcept;

/// The settings of `config` (defaults for keys it does not set).
[[nodiscard]] EtherbaseSettings etherbase_settings(const chain::ChainConfig& config);

/// Writes `settings` into `config`.
void set_etherbase_settings(chain::ChainConfig& config, const EtherbaseSettings& settings);

/// The genesis accounts: the contract at 0xd2bA3e00... (its balance, the admin's roles,
/// EIP-1967 slots), its implementation and the ProxyAdmin.
[[nodiscard]] std::vector<execution::Predeploy> predeploys(const EtherbaseSettings& settings);

/// Registers the feature when the rules enable it.
[[nodiscard]] std::optional<execution::FeatureError> register_feature(
    execution::ChainFeatures& features,
    const chain::ChainConfig& config);

}  // namespace tern::etherbase
