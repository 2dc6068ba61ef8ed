#pragma once

#include "chain/persistent_trie.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "state/account.hpp"
#include "state/memory_backend.hpp"

#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace tern::chain {

/// Full scans of the head state, which the tracker needs when it (re)builds and the first time
/// an account's storage changes (implemented by the database; MemoryStateSource for tests).
class StateSource
{
public:
    /// Visitor of accounts (address order is not required).
    using AccountVisitor = std::function<void(const Address&, const state::AccountInfo&)>;
    /// Visitor of storage slots (non-zero values; any order).
    using StorageVisitor = std::function<void(const U256& key, const U256& value)>;

    virtual ~StateSource() = default;
    /// Calls `fn` for every account of the head state.
    virtual void for_each_account(const AccountVisitor& fn) const = 0;
    /// Calls `fn` for every non-zero storage slot of `addr` in the head state.
    virtual void for_each_storage(const Address& addr, const StorageVisitor& fn) const = 0;
};

/// StateSource over an in-memory backend (which must outlive it).
class MemoryStateSource final : public StateSource
{
public:
    /// A source reading `backend`.
    explicit MemoryStateSource(const state::MemoryBackend& backend) noexcept : backend_(backend) {}
    void for_each_account(const AccountVisitor& fn) const override;
    void for_each_storage(const Address& addr, const StorageVisitor& fn) const override;

private:
    const state::MemoryBackend& backend_;
};

/// A StateSource that has nothing (a tracker that starts from the empty state and sees every
/// account created through diffs, e.g. from genesis, never needs to scan).
class EmptyStateSource final : public StateSource
{
public:
    void for_each_account(const AccountVisitor&) const override {}
    void for_each_storage(const Address&, const StorageVisitor&) const override {}
};

/// Keeps the head state's account trie and storage tries in memory (PersistentTrie: cached
/// node hashes), so the state root of a block costs work proportional to what the block
/// changed, not to the size of the state.
///
/// Protocol per block: stage(diff) computes the root of head + diff without changing the head;
/// after the block is durably committed, commit() makes it the head; if the commit failed,
/// discard() drops it. Storage tries are loaded lazily: the first time an account's storage
/// changes, its slots are read through the StateSource (which must then reflect the head
/// state); accounts whose storage never changes only cost their account-trie leaf.
class StateRootTracker
{
public:
    /// A tracker of the empty state.
    StateRootTracker() = default;

    /// Rebuilds from every account of `source` (node start on an existing database).
    void rebuild(const StateSource& source);

    /// State root of the head (kEmptyTrieRoot for the empty state).
    Hash256 root() const;

    /// Applies `diff` on top of the head plus anything staged before and returns the new
    /// root. `source` gives the head storage of accounts whose storage trie is not loaded.
    Hash256 stage(const state::StateDiff& diff, const StateSource& source);

    /// Makes the staged changes the head.
    void commit();

    /// Drops the staged changes.
    void discard();

    /// True if changes are staged.
    bool has_staged() const noexcept { return staged_; }

    /// Storage root of `addr` in the head state (nullopt if the account does not exist).
    std::optional<Hash256> storage_root(const Address& addr) const;

    /// EIP-1186 account proof at the head: the account-trie nodes on the path to `addr`.
    std::vector<Bytes> account_proof(const Address& addr) const;

    /// EIP-1186 storage proof at the head: the storage-trie nodes of `addr` on the path to
    /// `slot` (loads the storage trie through `source` if needed; empty for no storage).
    std::vector<Bytes> storage_proof(const Address& addr,
                                     const U256& slot,
                                     const StateSource& source);

    /// Number of storage tries held in memory (loaded or built).
    size_t loaded_storage_tries() const noexcept { return storage_.size(); }

    /// The head account trie (copy it for an O(1) snapshot, e.g. eth_getProof at past blocks).
    const PersistentTrie& account_trie() const noexcept { return accounts_; }

private:
    /// The storage trie of `addr` in the head state, loaded if needed.
    const PersistentTrie& head_storage(const Address& addr, const StateSource& source);

    PersistentTrie accounts_;                    ///< head account trie
    std::map<Address, PersistentTrie> storage_;  ///< head storage tries loaded so far
    bool staged_ = false;
    PersistentTrie staged_accounts_;
    std::map<Address, PersistentTrie> staged_storage_;  ///< changed storage tries
};

}  // namespace tern::chain
