#pragma once

#include "chain/chain_config.hpp"
#include "execution/chain_features.hpp"

#include <optional>
#include <span>
#include <vector>

namespace tern::configcontroller {

/// Name of the ConfigController feature in the registry ("configcontroller").
inline constexpr const char* kFeatureName = "configcontroller";

/// The feature's settings in the chain rules (genesis `tern` section, docs/economics.md).
struct ConfigControllerSettings
{
    /// `tern.configController`: the allow-list is enforced and the contract served. Off unless
    /// the rules turn it on (`tern chain init` does; `tern dev` does not).
    bool enabled = false;
    /// `tern.configControllerAdmin`: holder of DEFAULT_ADMIN_ROLE, DEPLOYER_ADMIN_ROLE,
    /// MTM_ADMIN_ROLE and DEPLOYER_ROLE from the genesis, owner of the ProxyAdmin.
    std::optional<Address> admin;
    /// `tern.freeContractDeployment`: anyone may deploy from the genesis on (isFCDEnabled).
    bool free_contract_deployment = false;
    /// `tern.multiTransactionMode`: the MTM flag's genesis value (isMTMEnabled; recorded only).
    bool multi_transaction_mode = false;
};

/// The feature's keys: configController, freeContractDeployment, multiTransactionMode (true or
/// false), configControllerAdmin (an address).
std::span<const chain::FeatureKey> config_keys() noexcept;

/// The settings of `config` (defaults for keys it does not set).
[[nodiscard]] ConfigControllerSettings config_controller_settings(const chain::ChainConfig& config);

/// Writes `settings` into `config`.
void set_config_controller_settings(chain::ChainConfig& config,
                                    const ConfigControllerSettings& settings);

/// The genesis accounts: the contract at 0xD2002000...d2 (roles of the admin, DEPLOYER_ROLE
/// administered by DEPLOYER_ADMIN_ROLE, the flags, EIP-1967 slots), its implementation and
/// ProxyAdmin.
[[nodiscard]] std::vector<execution::Predeploy> predeploys(const ConfigControllerSettings& s);

/// Registers the feature when the rules enable it: the precompile, the predeploys and the
/// deploy guard every CREATE asks.
[[nodiscard]] std::optional<execution::FeatureError> register_feature(
    execution::ChainFeatures& features,
    const chain::ChainConfig& config);

}  // namespace tern::configcontroller
