#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/fork.hpp"

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tern::evm {
class Host;
}  // namespace tern::evm

namespace tern::state {
class State;
class StateReader;
}  // namespace tern::state

namespace tern::execution {

class StatefulPrecompiles;

/// A chain's rule on who may create contracts (SKALE's ConfigController allow-list), asked on
/// every CREATE and CREATE2, the transaction's own included, before the new account exists.
class DeployGuard
{
public:
    virtual ~DeployGuard() = default;
    /// True if `deployer` (the creating account) may create a contract in a transaction sent
    /// by `origin`, judged on `state` (the journaled state of the transaction); `host` runs a
    /// view call one level below `depth` (the creating frame's) if the rule lives in EVM code.
    [[nodiscard]] virtual bool allowed(state::State& state,
                                       evm::Host& host,
                                       int32_t depth,
                                       const Address& origin,
                                       const Address& deployer) const = 0;
};

/// Calls its argument with the hash of each blob (state::StateDiff::blobs) a feature's state
/// refers to.
using BlobVisit = std::function<void(const Hash256&)>;

/// An account a chain feature puts in the genesis state: its code, storage and balance.
struct Predeploy
{
    Address address;
    Bytes code;
    std::vector<std::pair<U256, U256>> storage;  ///< (key, value), values non-zero
    U256 balance;
};

/// One chain feature (Tern's ML registry and inference, later file storage, randomness, ...):
/// the precompile addresses it serves with one StatefulPrecompiles instance, whether those
/// addresses are warm at the start of a transaction (EIP-2929's precompile rule), and the
/// accounts it predeploys in the genesis state.
struct ChainFeature
{
    std::string name;
    std::vector<Address> addresses;
    /// Serves every address of `addresses`; may be null only if `addresses` is empty.
    std::shared_ptr<StatefulPrecompiles> precompiles;
    bool warm_at_start = false;
    std::vector<Predeploy> predeploys;
    /// The blobs the feature's state refers to (what state sync carries and checks): the
    /// accounts whose storage names them, and a function visiting each referenced hash (once or
    /// more), in an order the state alone decides, reading only those accounts of the state it
    /// is given. Empty / null: the feature keeps no blobs.
    std::vector<Address> blob_accounts;
    std::function<void(const state::StateReader&, const BlobVisit&)> referenced_blobs;
    /// Who may create contracts (null: anyone): a CREATE it refuses reverts with
    /// Error("InvalidContractDeployer"), skaled's name for the refusal.
    std::shared_ptr<const DeployGuard> deploy_guard;
};

/// Why ChainFeatures::add refused a feature.
enum class FeatureErrorKind : uint8_t
{
    /// An Ethereum precompile of some fork up to evm::kLatestFork uses the address
    /// (precompiles::reserved_by_ethereum): a chain feature never shadows one.
    ReservedByEthereum,
    /// Another feature already serves (or predeploys at) the address.
    AddressTaken,
    /// The feature lists addresses but has no precompiles to serve them.
    NoPrecompiles,
};

/// A refused ChainFeatures::add: what, where, and the feature already there (AddressTaken).
struct FeatureError
{
    FeatureErrorKind kind;
    Address address;
    std::string feature;        ///< the refused feature
    std::string other_feature;  ///< AddressTaken: the feature that holds `address`

    /// One line for logs and startup errors.
    [[nodiscard]] std::string message() const;
};

/// The chain features of one chain. Built once when the node is assembled (add), then read-only
/// and shared by every execution (BlockEnv::features). Lookup on the call path is a search of a
/// small sorted array (no allocation); a chain without features never gets here (null pointer).
class ChainFeatures
{
public:
    /// Adds `feature`, or refuses it (nothing added) when one of its precompile or predeploy
    /// addresses is an Ethereum precompile's (any fork) or already another feature's.
    [[nodiscard]] std::optional<FeatureError> add(ChainFeature feature);

    /// The precompiles serving `addr`, or null (Ethereum's rules apply).
    [[nodiscard]] StatefulPrecompiles* find(const Address& addr) const noexcept;

    /// Addresses warm at the start of every transaction under `fork`: the Ethereum precompiles
    /// of the fork, then the addresses of the features with warm_at_start.
    [[nodiscard]] std::span<const Address> warm_set(evm::Fork fork) const noexcept;

    /// The features, in the order added.
    [[nodiscard]] std::span<const ChainFeature> features() const noexcept { return features_; }

    /// True if no feature was added.
    [[nodiscard]] bool empty() const noexcept { return features_.empty(); }

    /// The features' deploy guards (empty: anyone may create contracts).
    [[nodiscard]] std::span<const DeployGuard* const> deploy_guards() const noexcept
    {
        return deploy_guards_;
    }

private:
    std::vector<ChainFeature> features_;
    /// (address, precompiles) sorted by address.
    std::vector<std::pair<Address, StatefulPrecompiles*>> by_address_;
    /// Predeploy addresses with the index of their feature (collision check only).
    std::vector<std::pair<Address, size_t>> predeploys_;
    std::array<std::vector<Address>, evm::kNumForks> warm_;
    std::vector<const DeployGuard*> deploy_guards_;
};

/// The warm-at-start precompiles of a transaction under `fork` with `features` (null:
/// Ethereum's only): the one function execution/transition.cpp and api/services/call.cpp use.
/// Without arguments: Ethereum's set of the fork Tern runs (Cancun's 0x01..0x0a).
[[nodiscard]] std::span<const Address> warm_precompiles(
    const ChainFeatures* features = nullptr,
    evm::Fork fork = evm::kDefaultFork) noexcept;

}  // namespace tern::execution
