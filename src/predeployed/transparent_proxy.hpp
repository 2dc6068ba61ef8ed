#pragma once

// A natively served contract behind OpenZeppelin 4's TransparentUpgradeableProxy, as SKALE
// deploys its predeploys: the admin (the EIP-1967 admin slot, a ProxyAdmin) reaches only the
// proxy's own interface (admin(), implementation(), upgradeTo, upgradeToAndCall, changeAdmin);
// everyone else reaches the contract. While the implementation slot holds the native
// implementation's address the native code answers; once the owner has upgraded the proxy to
// EVM code, the call is delegated to it, on the proxy's storage, as the proxy's fallback does.

#include "execution/chain_features.hpp"
#include "execution/stateful_precompiles.hpp"
#include "predeployed/proxy.hpp"

#include <memory>

namespace tern::predeployed {

/// The StatefulPrecompiles of a native contract behind its proxy (and of its ProxyAdmin, when
/// the layout owns it).
class TransparentProxy final : public execution::StatefulPrecompiles
{
public:
    /// `contract` serves layout.proxy while it is not upgraded.
    TransparentProxy(std::shared_ptr<execution::StatefulPrecompiles> contract,
                     const ProxyLayout& layout);

    evm::ExecResult execute(const evm::Message& msg,
                            state::State& state,
                            evm::Host& host,
                            const Deadline* deadline) override;

private:
    std::shared_ptr<execution::StatefulPrecompiles> contract_;
    ProxyLayout layout_;
};

/// Serves `contract` behind its proxy in `feature`: sets its addresses (the proxy, and the
/// ProxyAdmin if the layout owns it) and its precompiles.
void serve_behind_proxy(execution::ChainFeature& feature,
                        std::shared_ptr<execution::StatefulPrecompiles> contract,
                        const ProxyLayout& layout);

}  // namespace tern::predeployed
