#pragma once

// SKALE's predeploys sit behind OpenZeppelin transparent proxies: the proxy account holds the
// contract's storage plus EIP-1967's implementation and admin slots, the implementation and
// ProxyAdmin accounts sit at addresses of their own. Tern serves the contracts natively at the
// proxy addresses and keeps the slots and accounts, so tools reading them find SKALE's layout.

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "execution/chain_features.hpp"
#include "predeployed/store.hpp"

#include <optional>
#include <vector>

namespace tern::predeployed {

/// EIP-1967's implementation slot: keccak256("eip1967.proxy.implementation") - 1.
[[nodiscard]] U256 implementation_slot();
/// EIP-1967's admin slot: keccak256("eip1967.proxy.admin") - 1.
[[nodiscard]] U256 admin_slot();

/// PUSH1 0 DUP1 REVERT: the code of a natively served account (non-empty for eth_getCode and
/// EXTCODESIZE, never run: the precompile answers first) and of placeholder accounts.
[[nodiscard]] const Bytes& stub_code();

/// Writes the EIP-1967 slots of a proxy into `store`.
void set_proxy_slots(Store& store, const Address& implementation, const Address& admin);

/// The genesis accounts of a natively served contract in SKALE's proxy layout: the proxy at
/// `proxy` (stub code, `storage` plus the EIP-1967 slots, `balance`), a stub implementation
/// at `implementation` and the ProxyAdmin at `proxy_admin` (owner slot 0: `owner`, if any;
/// not when `owner` is nullopt and `own_proxy_admin` is off: a ProxyAdmin another feature
/// predeploys, as SKALE's shared 0xD1000000...D1).
[[nodiscard]] std::vector<execution::Predeploy> proxy_accounts(const Address& proxy,
                                                               const Address& implementation,
                                                               const Address& proxy_admin,
                                                               GenesisStore storage,
                                                               const std::optional<Address>& owner,
                                                               const U256& balance = U256{},
                                                               bool own_proxy_admin = true);

}  // namespace tern::predeployed
