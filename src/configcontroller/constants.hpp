#pragma once

// Addresses and roles of the ConfigController feature: SKALE's (config-controller 1.1.0), so
// tools written for SKALE chains find and administer it the same way.

#include "core/address_literal.hpp"
#include "core/bytes.hpp"
#include "predeployed/access_control.hpp"

namespace tern::configcontroller {

/// The ConfigController contract (SKALE's proxy address).
inline constexpr Address kConfigControllerAddress =
    address_literal("0xD2002000000000000000000000000000000000d2");
/// SKALE's implementation address behind the proxy (EIP-1967 implementation slot).
inline constexpr Address kImplementationAddress =
    address_literal("0xD2003000000000000000000000000000000000D2");
/// SKALE's ProxyAdmin of the contract (EIP-1967 admin slot).
inline constexpr Address kProxyAdminAddress =
    address_literal("0xD2004000000000000000000000000000000000D2");

/// keccak256("DEPLOYER_ROLE"): may deploy contracts.
inline Hash256 deployer_role()
{
    return predeployed::role_id("DEPLOYER_ROLE");
}
/// keccak256("DEPLOYER_ADMIN_ROLE"): grants DEPLOYER_ROLE, switches free deployment.
inline Hash256 deployer_admin_role()
{
    return predeployed::role_id("DEPLOYER_ADMIN_ROLE");
}
/// keccak256("MTM_ADMIN_ROLE"): switches multi-transaction mode.
inline Hash256 mtm_admin_role()
{
    return predeployed::role_id("MTM_ADMIN_ROLE");
}

}  // namespace tern::configcontroller
