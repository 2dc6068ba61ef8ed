#pragma once

// OpenZeppelin 4's ProxyAdmin served natively: the owner of SKALE's predeploys' proxies
// (0xD1000000...D1, owned by Marionette; FileStorage's and ConfigController's own) upgrades
// them and hands them to another admin through it. It talks to a proxy only through the
// proxy's admin interface, so it administers a Solidity TransparentUpgradeableProxy as well.

#include "evm/host.hpp"

namespace tern::state {
class State;
}

namespace tern::predeployed {

/// Runs `msg` against the ProxyAdmin at msg.code_address (slot 0: its owner): owner(),
/// renounceOwnership(), transferOwnership(address), getProxyImplementation(address),
/// getProxyAdmin(address), changeProxyAdmin(address,address), upgrade(address,address) and
/// upgradeAndCall(address,address,bytes), with Ownable's revert strings and events.
[[nodiscard]] evm::ExecResult run_proxy_admin(const evm::Message& msg,
                                              state::State& state,
                                              evm::Host& host);

}  // namespace tern::predeployed
