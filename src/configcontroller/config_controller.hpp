#pragma once

// SKALE's ConfigController (config-controller 1.1.0's ABI) served natively: who may deploy
// contracts (DEPLOYER_ROLE, per-deployer allowed origins, free contract deployment) and the
// multi-transaction mode flag, with OpenZeppelin's AccessControlEnumerable, the contract's
// revert strings and storage layout (the two flags packed in slot 201).

#include "core/bytes.hpp"
#include "execution/chain_features.hpp"
#include "execution/stateful_precompiles.hpp"
#include "predeployed/store.hpp"

namespace tern::configcontroller {

/// Slot 201: multiTransactionMode (byte 0) and freeContractDeployment (byte 1), as Solidity
/// packs the two bools.
inline constexpr uint64_t kFlagsSlot = 201;

/// The contract's rules over one account's storage.
class Rules
{
public:
    explicit Rules(predeployed::Store& store) noexcept : store_(store) {}
    [[nodiscard]] bool free_contract_deployment() const;
    [[nodiscard]] bool multi_transaction_mode() const;
    void set_free_contract_deployment(bool on);
    void set_multi_transaction_mode(bool on);
    /// isDeploymentAllowed(origin, deployer): free deployment, or DEPLOYER_ROLE held by the
    /// deployer or the origin, or the origin allowed for that deployer (allowOrigin).
    [[nodiscard]] bool deployment_allowed(const Address& origin, const Address& deployer);

private:
    predeployed::Store& store_;
};

/// allowedOriginRole(deployer): keccak256(abi.encodeWithSelector(selector, deployer)).
[[nodiscard]] Hash256 allowed_origin_role(const Address& deployer);
/// allowedOriginRoleAdmin(deployer), likewise with its own selector.
[[nodiscard]] Hash256 allowed_origin_role_admin(const Address& deployer);

/// The contract's ABI at kConfigControllerAddress.
class ConfigControllerPrecompile final : public execution::StatefulPrecompiles
{
public:
    evm::ExecResult execute(const evm::Message& msg,
                            state::State& state,
                            evm::Host& host,
                            const Deadline* deadline) override;
};

/// The gas the deployer check gives an upgraded ConfigController's isDeploymentAllowed (EVM
/// code the owner installed), on top of the creating transaction's own gas.
inline constexpr int64_t kUpgradedCheckGas = 1'000'000;

/// skaled's check on every CREATE: a contract may always deploy (its code is non-empty; a
/// constructor's is not yet), an EOA when isDeploymentAllowed(origin, deployer) holds.
class DeployerAllowList final : public execution::DeployGuard
{
public:
    [[nodiscard]] bool allowed(state::State& state,
                               evm::Host& host,
                               int32_t depth,
                               const Address& origin,
                               const Address& deployer) const override;
};

}  // namespace tern::configcontroller
