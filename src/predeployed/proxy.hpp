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

/// Where a natively served contract sits in SKALE's proxy layout.
struct ProxyLayout
{
    Address proxy;           ///< where it is called and keeps its storage
    Address implementation;  ///< the native implementation's address: the slot's genesis value
    Address proxy_admin;     ///< the ProxyAdmin at genesis (the admin slot's genesis value)
    /// The feature serves (and predeploys) that ProxyAdmin; off: another feature does, as
    /// Marionette serves SKALE's shared 0xD1000000...D1.
    bool own_proxy_admin = true;
    /// Non-null: the proxy refuses upgrades with this reason (FileStorage: its files live in
    /// the node's blob store, where EVM code cannot reach them).
    const char* refuse_upgrade = nullptr;
};

/// The genesis accounts of a natively served contract in SKALE's proxy layout: the proxy
/// (stub code, `storage` plus the EIP-1967 slots, `balance`), a stub implementation and, if
/// the layout owns it, the ProxyAdmin (owner slot 0: `owner`, if any).
[[nodiscard]] std::vector<execution::Predeploy> proxy_accounts(const ProxyLayout& layout,
                                                               GenesisStore storage,
                                                               const std::optional<Address>& owner,
                                                               const U256& balance = U256{});

}  // namespace tern::predeployed
