#pragma once

#include "chain/persistent_trie.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace tern::db {
class ChainReader;
class StateView;
}  // namespace tern::db

namespace tern::api {

class Backend;
class MethodTable;

/// eth_getProof (EIP-1186): account and storage proofs against a block's state root, shaped
/// like geth's result ({address, accountProof, balance, codeHash, nonce, storageHash,
/// storageProof: [{key, value, proof}]}).
///
/// Which blocks can be proven: the account trie of a block comes from a snapshot (an O(1) copy
/// of a PersistentTrie, sharing nodes with the head). With the node's head StateRootTracker,
/// a snapshot is taken after every committed block, so every block since the node started is
/// provable, up to the last `max_snapshots` blocks and within the database's state-history
/// window. Without a tracker, the service rebuilds its own account trie from the database
/// when asked about a head it has not seen (a scan of the whole state), so only the head is
/// provable, plus older heads it happened to snapshot. Other blocks get -32000 "proof not
/// available for block N: ..." saying which blocks are. Storage tries are built from the
/// block's storage (checked against the account's storageHash) and cached by storage root.
///
/// Thread-safe: get_proof() may run on many RPC threads; record_block() on the engine thread.
/// Snapshots share nodes with the tracker, which updates nodes in place when it holds the only
/// reference, so copies of the account trie are taken and released only under chain_mutex
/// (shared), never while the engine stages a block (exclusive).
class ProofService
{
public:
    /// Default number of account-trie snapshots kept (blocks since start).
    static constexpr size_t kDefaultSnapshots = 128;
    /// Most storage keys one request may ask for (geth has no limit; each proof is a few KiB,
    /// so a 5 MiB request of short keys could otherwise build a response of gigabytes).
    static constexpr size_t kMaxStorageKeys = 1024;
    /// Number of storage tries kept in the cache (keyed by storage root).
    static constexpr size_t kStorageCacheSize = 64;

    /// Proofs over `db`. `chain_mutex` is the node's (held shared while the head is resolved
    /// and the tracker read); `head_tracker` is the node's tracker of the head state, or null
    /// (then the service rebuilds its own trie from the database for each new head). All
    /// outlive the service.
    ProofService(const db::ChainReader& db,
                 std::shared_mutex& chain_mutex,
                 const chain::StateRootTracker* head_tracker,
                 size_t max_snapshots = kDefaultSnapshots);

    /// Records the account trie of the block just committed (engine listener; needs a head
    /// tracker, and is skipped if the head already moved past `number`).
    void record_block(uint64_t number, const Hash256& hash, const Hash256& state_root);

    /// The eth_getProof result for positional `params` [address, storageKeys, block?]; throws
    /// rpc::Error (-32602 bad params, -32000 unknown block / unavailable state or proof).
    nlohmann::json get_proof(const nlohmann::json& params);

    /// Blocks whose account trie is held (for diagnostics and tests).
    std::vector<uint64_t> snapshot_blocks() const;

private:
    struct Snapshot
    {
        Hash256 hash;
        chain::PersistentTrie accounts;
    };

    /// The account trie of block `number` (hash `hash`, state root `root`), taken from the
    /// snapshots or the head; requires chain_mutex_ held shared. Throws if not provable.
    chain::PersistentTrie account_trie(uint64_t number, const Hash256& hash, const Hash256& root);
    /// The storage trie of `addr` whose root is `storage_root`, from the cache or built from
    /// `view` (the state of the block being proven). Throws if the roots disagree.
    chain::PersistentTrie storage_trie(const Address& addr,
                                       const Hash256& storage_root,
                                       const db::StateView& view);
    /// Adds a snapshot and drops the oldest beyond max_snapshots_; requires mutex_.
    void insert_snapshot(uint64_t number, const Hash256& hash, chain::PersistentTrie trie);

    const db::ChainReader& db_;
    std::shared_mutex& chain_mutex_;
    const chain::StateRootTracker* head_tracker_;
    const size_t max_snapshots_;

    mutable std::mutex mutex_;                                ///< guards everything below
    std::map<uint64_t, Snapshot> snapshots_;                  ///< by block number
    std::map<Hash256, chain::PersistentTrie> storage_cache_;  ///< by storage root
    std::vector<Hash256> storage_order_;  ///< cache insertion order (oldest first)
    chain::StateRootTracker own_;         ///< rebuilt from the db when there is no tracker
};

/// Adds eth_getProof over `backend` (Cost::Heavy). With `tracker` (the head state-root
/// tracker, Backend::head_tracker()) every block since start is provable, O(1) per block;
/// without one the service rebuilds its account trie from the database per new head (fine for
/// dev chains, O(state) per head).
void add_proof_methods(MethodTable& table,
                       Backend& backend,
                       const chain::StateRootTracker* tracker);

}  // namespace tern::api
