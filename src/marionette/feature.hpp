#pragma once

#include "chain/chain_config.hpp"
#include "execution/chain_features.hpp"

#include <optional>
#include <span>
#include <vector>

namespace tern::marionette {

/// Name of the Marionette feature in the registry ("marionette").
inline constexpr const char* kFeatureName = "marionette";

/// The feature's settings in the chain rules (genesis `tern` section, docs/economics.md).
struct MarionetteSettings
{
    /// `tern.marionette`: served and predeployed with SKALE's ProxyAdmin (`tern chain init
    /// --owner`).
    bool enabled = false;
    /// `tern.marionetteOwner`: DEFAULT_ADMIN_ROLE and PUPPETEER_ROLE from the genesis (SKALE's
    /// initialize(owner, ima)): the chain owner, an EOA or a multisig.
    std::optional<Address> owner;
    /// `tern.marionetteIma`: IMA_ROLE (the message proxy), if any.
    std::optional<Address> ima;
};

/// The feature's keys: marionette (true or false), marionetteOwner and marionetteIma
/// (addresses).
std::span<const chain::FeatureKey> config_keys() noexcept;

/// The settings of `config`.
[[nodiscard]] MarionetteSettings marionette_settings(const chain::ChainConfig& config);

/// Writes `settings` into `config`.
void set_marionette_settings(chain::ChainConfig& config, const MarionetteSettings& settings);

/// The genesis accounts: Marionette at 0xD2c0DeFACe00... (the owner's roles, EIP-1967 slots),
/// its implementation, and SKALE's ProxyAdmin 0xD1000000...D1 owned by Marionette.
[[nodiscard]] std::vector<execution::Predeploy> predeploys(const MarionetteSettings& settings);

/// Registers the feature when the rules enable it.
[[nodiscard]] std::optional<execution::FeatureError> register_feature(
    execution::ChainFeatures& features,
    const chain::ChainConfig& config);

}  // namespace tern::marionette
