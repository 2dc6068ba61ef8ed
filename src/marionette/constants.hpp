#pragma once

// Addresses and roles of the Marionette feature: SKALE's (marionette 1.0.0).

#include "core/address_literal.hpp"
#include "core/bytes.hpp"
#include "predeployed/access_control.hpp"

namespace tern::marionette {

/// The Marionette contract (SKALE's proxy address).
inline constexpr Address kMarionetteAddress =
    address_literal("0xD2c0DeFACe000000000000000000000000000000");
/// SKALE's implementation address behind the proxy.
inline constexpr Address kImplementationAddress =
    address_literal("0xd2c0defaCeD20000000000000000000000000000");
/// SKALE's ProxyAdmin of the predeploys (owner: Marionette), predeployed by this feature.
inline constexpr Address kProxyAdminAddress =
    address_literal("0xD1000000000000000000000000000000000000D1");

/// keccak256("PUPPETEER"): may make calls as Marionette (the chain owner).
inline Hash256 puppeteer_role()
{
    return predeployed::role_id("PUPPETEER");
}
/// keccak256("IMA_ROLE"): the message proxy that delivers the mainnet owner's calls.
inline Hash256 ima_role()
{
    return predeployed::role_id("IMA_ROLE");
}

}  // namespace tern::marionette
