#pragma once

#include "abci/application.hpp"
#include "chain/state_root_tracker.hpp"
#include "consensus/snapshot.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "producer/block_producer.hpp"
#include "txpool/txpool.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace tern::db {
class ChainDb;
}

namespace tern::consensus {

namespace pb = ::tern::abci;

/// Settings of the ABCI application.
struct CometAppConfig
{
    /// CheckTx accepts a nonce at most this far beyond the sender's next nonce (state nonce plus
    /// its pending run in the pool): a burst of nonces sent to different validators reaches
    /// every mempool, and the ordering holds the later ones back until the gap fills.
    uint64_t nonce_window = 64;
    /// A transaction still behind a nonce gap after this many rechecks (one per committed
    /// block) is dropped from the mempool, so an abandoned gap cannot keep CometBFT making
    /// empty blocks.
    uint64_t max_gap_rechecks = 20;
    /// On a zero-fee chain, the percent of a block's gas limit one sender's free transactions
    /// may fill in a proposal (producer::apply_sender_quota; 0: no quota).
    uint64_t sender_block_gas_percent = 10;
    /// CometBFT keeps the last `retain_blocks` blocks (Commit's retain_height); 0 keeps all.
    uint64_t retain_blocks = 0;
    /// State sync (docs/consensus.md "State sync"): after committing the first block at or
    /// past each multiple of this that changes the app hash (changes_app_hash), a snapshot of
    /// the state is built in the background for peers that state-sync; 0 = no snapshots.
    uint64_t snapshot_interval = 0;
    /// Snapshots kept (the newest ones; 0 keeps all).
    uint64_t snapshot_keep_recent = 2;
    /// Where snapshots are stored (`<data>/snapshots` for `tern node`); empty: in memory.
    std::string snapshot_dir;
    /// Target chunk size of the snapshots this node builds (every validator must use the same
    /// value for their snapshots to be identical; at most kMaxChunkBytes).
    size_t snapshot_chunk_bytes = 4 << 20;
    /// Test hook: when Commit for this height arrives (FinalizeBlock was answered), the process
    /// exits at once with status 137 without committing, as if killed.
    std::optional<uint64_t> crash_before_commit_height;
};

/// Whether block `header` (child of `parent`) changes the app hash: it has transactions or
/// changes the state. An empty block that changes nothing keeps its parent's app hash, so that
/// CometBFT (which makes one more block after every app hash change, to sign it) lets an idle
/// chain stop with `create_empty_blocks = false`.
bool changes_app_hash(const chain::BlockHeader& header, const chain::BlockHeader& parent);

/// The app hash of `db`'s head: the number and hash of the newest block up to the head that
/// changes the app hash (changes_app_hash), genesis included. A block whose parent's header
/// is not stored (the base of a state-sync import) counts as changing it: the restorer only
/// accepts a block whose hash is the trusted app hash. Throws if the head's header is missing.
std::pair<uint64_t, Hash256> app_hash_block(const db::ChainDb& db);

/// Result codes of CheckTx / ExecTxResult (0 = OK).
enum class TxCode : uint32_t
{
    Ok = 0,
    Undecodable = 1,  ///< not a canonical, validly signed transaction of this chain
    Rejected = 2,     ///< the pool's checks refused it (log: geth's message)
    NonceGap = 3,     ///< too far ahead, or waited behind a gap for too long
    Excluded = 4,     ///< FinalizeBlock: the block builder rejected it (not in the block)
};

/// Tern as CometBFT's ABCI 2.0 application: one CometBFT height is one Ethereum block (EVM
/// genesis is block 0, height h is block h), the app hash is a block hash (keccak of the RLP
/// header: state root, receipts root, logs bloom, gas used, parent hash; see app_hash_block),
/// and blocks are built and committed through the node's BlockProducer (the path `tern dev`
/// uses).
///
/// A CometBFT transaction is one Ethereum transaction or a bundle of them (consensus/bundle.hpp):
/// CheckTx, PrepareProposal, ProcessProposal and FinalizeBlock accept both; proposals carry
/// the chosen Ethereum transactions singly.
///
/// - CheckTx NEW: decode, recover the sender, check the nonce window, then TxPool::add (geth's
///   checks and messages); accepted transactions are mirrored in the node's pool (pending nonce,
///   eth_getTransactionByHash). RECHECK: drops transactions included elsewhere or invalid now,
///   and ones stuck behind a gap for too long.
/// - PrepareProposal: CometBFT's candidates put in Tern's order (order_transactions: per-sender
///   nonce order, first come across senders, gaps held back), within max_tx_bytes and the
///   block gas limit.
/// - ProcessProposal: every transaction decodes with a valid signature for this chain, each
///   sender's nonces run contiguously from its state nonce, gas limits fit the block.
/// - FinalizeBlock: executes (time = block time in seconds, coinbase = the chain's), stages the
///   block; transactions the builder rejects get a non-zero code and are not in the block.
/// - Commit: one atomic database write of block, receipts and state; listeners run.
///
/// Thread-safety: the consensus connection (InitChain, Prepare/Process/FinalizeBlock, Commit)
/// is served in order by one thread; CheckTx and Query run concurrently on theirs and read the
/// head under the chain mutex (shared).
class CometApp : public abci::Application
{
public:
    /// Called after each commit, outside the chain lock (the engine wakes its waiters).
    using CommitListener = std::function<void(const producer::CommittedBlock&)>;

    /// An application over the node's producer, database, pool and tracker (all outlive it);
    /// `chain_mutex` is the node's (RPC readers shared, block commits exclusive).
    CometApp(CometAppConfig config,
             producer::BlockProducer& producer,
             db::ChainDb& db,
             txpool::TxPool& pool,
             chain::StateRootTracker& tracker,
             std::shared_mutex& chain_mutex);
    ~CometApp() override;

    /// Adds a listener run after each commit (before the application is served).
    void on_commit(CommitListener listener) { commit_listeners_.push_back(std::move(listener)); }

    pb::ResponseInfo info(const pb::RequestInfo& req) override;
    pb::ResponseInitChain init_chain(const pb::RequestInitChain& req) override;
    pb::ResponseCheckTx check_tx(const pb::RequestCheckTx& req) override;
    pb::ResponsePrepareProposal prepare_proposal(const pb::RequestPrepareProposal& req) override;
    pb::ResponseProcessProposal process_proposal(const pb::RequestProcessProposal& req) override;
    pb::ResponseFinalizeBlock finalize_block(const pb::RequestFinalizeBlock& req) override;
    pb::ResponseCommit commit(const pb::RequestCommit& req) override;
    /// Paths: "/account/0x<address>" → RLP [nonce, balance, storageRoot, codeHash] at the
    /// committed head (empty value if the account does not exist); "/head" → RLP [number,
    /// hash, stateRoot]. Other paths, and a database read that fails: code 1 (an ABCI
    /// exception would stop CometBFT).
    pb::ResponseQuery query(const pb::RequestQuery& req) override;

    /// The stored snapshots (height, format 1, chunk count, hash, metadata).
    pb::ResponseListSnapshots list_snapshots(const pb::RequestListSnapshots& req) override;
    /// Accepts a format-1 snapshot on a node with nothing past genesis (SnapshotRestorer).
    pb::ResponseOfferSnapshot offer_snapshot(const pb::RequestOfferSnapshot& req) override;
    /// A chunk of a stored snapshot (empty if unknown).
    pb::ResponseLoadSnapshotChunk load_snapshot_chunk(
        const pb::RequestLoadSnapshotChunk& req) override;
    /// Verifies and stages a chunk; after the last one installs the imported head (database,
    /// state-root tracker, pool), so Info reports it.
    pb::ResponseApplySnapshotChunk apply_snapshot_chunk(
        const pb::RequestApplySnapshotChunk& req) override;

    /// Waits until the snapshot being built (if any) is stored (tests, shutdown).
    void wait_for_snapshots();

    /// Decodes a CometBFT transaction (the canonical Ethereum encoding) and recovers its sender,
    /// reusing the pool's copy when it has the hash, or the stored sender when the chain includes
    /// it already. Error: geth's message.
    Result<txpool::PooledTxPtr, std::string> decode(std::string_view raw) const;

    /// CheckTx NEW for one decoded Ethereum transaction: the nonce window, then TxPool::add
    /// (geth's checks and messages). `added` (may be null) is set when it entered the pool now
    /// (false when it was there already). The node's submit path pre-validates with it.
    pb::ResponseCheckTx admit(const txpool::PooledTxPtr& ptx, bool* added = nullptr);

private:
    /// query() without its guard against failed database reads.
    pb::ResponseQuery answer_query(const pb::RequestQuery& req);
    /// Starts building the snapshot of the just-committed `height` (consensus thread).
    void start_snapshot(uint64_t height);
    /// Makes the imported head the node's head: database, tracker, pool (snapshot thread).
    Result<bool, std::string> install_import(const db::ImportedHead& head,
                                             chain::StateRootTracker tracker);

    pb::ResponseCheckTx check_new(std::string_view raw);
    pb::ResponseCheckTx check_single(std::string_view raw, bool* added);
    pb::ResponseCheckTx recheck(std::string_view raw);
    pb::ResponseCheckTx recheck_single(std::string_view raw);
    /// The Ethereum transactions of the CometBFT transactions `txs` (bundles flattened, in
    /// order), decoded; `owner[k]` is the index in `txs` of flattened transaction k. Error (per
    /// CometBFT transaction, when `errors` is given): why it or one of its inner transactions
    /// does not decode; such inner transactions are left out.
    std::vector<txpool::PooledTxPtr> flatten(
        const google::protobuf::RepeatedPtrField<std::string>& txs,
        std::vector<int>& owner,
        std::vector<std::optional<std::string>>* errors) const;

    CometAppConfig config_;
    producer::BlockProducer& producer_;
    db::ChainDb& db_;
    txpool::TxPool& pool_;
    chain::StateRootTracker& tracker_;
    std::shared_mutex& chain_mutex_;
    std::vector<CommitListener> commit_listeners_;

    // Consensus connection only (one thread).
    std::optional<producer::ExecutedBlock> finalized_;  ///< executed, waiting for Commit
    uint64_t finalized_height_ = 0;
    std::pair<uint64_t, Hash256> finalized_app_hash_;  ///< app_hash_ after finalized_ commits

    /// The committed head's app hash (app_hash_block); under chain_mutex_.
    std::pair<uint64_t, Hash256> app_hash_;

    std::unique_ptr<SnapshotStore> snapshots_;
    std::unique_ptr<SnapshotRestorer> restorer_;  ///< snapshot connection only
    std::mutex builder_mutex_;                    ///< guards snapshot_builder_
    std::thread snapshot_builder_;
    std::atomic<bool> cancel_build_{false};

    std::mutex gap_mutex_;
    std::map<Hash256, uint64_t> gap_rechecks_;  ///< queued tx -> rechecks seen behind a gap
};

}  // namespace tern::consensus
