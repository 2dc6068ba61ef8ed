#pragma once

// Addresses and roles of the Etherbase feature: SKALE's (etherbase 1.0.0).

#include "core/address_literal.hpp"
#include "core/bytes.hpp"
#include "predeployed/access_control.hpp"

namespace tern::etherbase {

/// The Etherbase contract (SKALE's proxy address): the block author of an sFUEL chain.
inline constexpr Address kEtherbaseAddress =
    address_literal("0xd2bA3e0000000000000000000000000000000000");
/// SKALE's implementation address behind the proxy.
inline constexpr Address kImplementationAddress =
    address_literal("0xd2Ba3ED200000000000000000000000000000000");
/// The ProxyAdmin of SKALE's predeploys (predeployed by the Marionette feature).
inline constexpr Address kProxyAdminAddress =
    address_literal("0xD1000000000000000000000000000000000000D1");

/// keccak256("ETHER_MANAGER_ROLE"): may hand out the Etherbase's balance.
inline Hash256 ether_manager_role()
{
    return predeployed::role_id("ETHER_MANAGER_ROLE");
}

}  // namespace tern::etherbase
