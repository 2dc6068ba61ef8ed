#pragma once

#include "chain/block.hpp"
#include "chain/block_builder.hpp"
#include "chain/chain_config.hpp"
#include "core/protocol.hpp"
#include "core/result.hpp"
#include "db/chain_db.hpp"
#include "execution/receipt.hpp"
#include "execution/transition.hpp"
#include "state/reader.hpp"
#include "txpool/txpool.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tern::chain {
class StateRootTracker;
}
namespace tern::evm {
class Vm;
}

namespace tern::producer {

/// A block an engine committed, as listeners (newHeads, logs, filters, proofs) receive it.
struct CommittedBlock
{
    chain::Block block;
    Hash256 hash;
    std::vector<execution::Receipt> receipts;
    std::vector<Hash256> tx_hashes;
};

/// Tern's transaction ordering rule (no MEV), applied to a list of candidates in arrival order
/// (e.g. the transactions CometBFT's mempool offers a proposer): transactions are grouped by
/// sender; each sender's run starts at its nonce in `state` and continues while nonces are
/// contiguous (a gap holds back everything after it; nonces below the state nonce are dropped;
/// of two candidates with one sender and nonce the first to arrive wins); across senders,
/// first come first served: a transaction's place is the latest arrival among its sender's run
/// up to and including it (so a transaction whose predecessor arrived later follows right after
/// that predecessor). This is exactly the order of TxPool::pending() (the dev engine's source),
/// where a replacement counts as a new arrival. Returns the executable candidates in block
/// order.
std::vector<txpool::PooledTxPtr> order_transactions(std::span<const txpool::PooledTxPtr> arrivals,
                                                    const state::StateReader& state);

/// Takes transactions from `ordered` (block order) while they fit in `max_bytes` (each counted
/// by `size_of`) and `max_gas` (summed gas limits); a transaction that does not fit is skipped
/// together with the rest of its sender's (their nonces would have a gap), others continue —
/// the rule of TxPool::pending().
std::vector<txpool::PooledTxPtr> fit_transactions(
    std::span<const txpool::PooledTxPtr> ordered,
    uint64_t max_gas,
    size_t max_bytes = std::numeric_limits<size_t>::max(),
    const std::function<size_t(const txpool::PooledTransaction&)>& size_of = {});

/// A block executed on top of the head but not committed: what BlockProducer::execute returns
/// and BlockProducer::commit stores.
struct ExecutedBlock
{
    /// The sealed block (state root staged in the tracker), receipts and state diff.
    chain::BuiltBlock built;
    /// Hashes of the included transactions, in block order.
    std::vector<Hash256> tx_hashes;
    /// One entry per candidate given to execute(): nullopt if included, else why not.
    std::vector<std::optional<execution::InvalidTx>> outcomes;
    /// Candidates that are invalid on the new state for a reason other than lack of gas left
    /// in the block (they leave the pool on commit).
    std::vector<Hash256> invalid;
};

/// The one block-building path of the node, used by every engine (the embedded DevEngine and
/// CometBFT's ABCI application): execute candidates on the head with chain::BlockBuilder
/// (nothing written), commit the result in one atomic database batch with the pool update, then
/// tell the listeners. Engines differ only in where candidates and timestamps come from.
///
/// Not synchronized: execute(), commit() and discard() must be called holding the node's chain
/// mutex exclusively, from one thread at a time; publish() without it.
class BlockProducer
{
public:
    /// Called after each commit, outside the chain lock, on the committing engine's thread.
    using BlockListener = std::function<void(const CommittedBlock&)>;

    /// Least gas a transaction can use: a block with less left is full.
    static constexpr uint64_t kMinTxGas = protocol::kTxGas;

    /// A producer over the node's rules, database, pool and head state-root tracker (all
    /// outlive it).
    BlockProducer(const chain::ChainConfig& chain_config,
                  db::ChainDb& db,
                  txpool::TxPool& pool,
                  chain::StateRootTracker& tracker);
    ~BlockProducer();
    BlockProducer(const BlockProducer&) = delete;
    BlockProducer& operator=(const BlockProducer&) = delete;

    /// Builds the child of the head block at `timestamp` (raised to the parent's if lower) with
    /// `candidates` tried in the given order; the ones the block builder rejects (nonce,
    /// funds, gas left, ...) are left out and leave no trace. The new state root is staged in
    /// the tracker: commit() or discard() must follow before the next execute(). Throws
    /// db::DbReadError (nothing staged) when a read of the head failed: a block built on a
    /// read that failed is never returned.
    ExecutedBlock execute(uint64_t timestamp, std::span<const txpool::PooledTxPtr> candidates);

    /// Stores `executed` (block, receipts, state; one atomic batch) as the new head, makes its
    /// state root the tracker's head, and updates the pool (included and invalid transactions
    /// leave, queued ones of the block's senders may become executable). Returns the block for
    /// publish(); when the database cannot be written (NoSpace, Io) the staged root is
    /// discarded and nothing was stored; the same when a value the batch replaces cannot be
    /// read, with db::DbReadError thrown.
    Result<CommittedBlock, db::DbError> commit(ExecutedBlock&& executed);

    /// Drops a block executed but not committed (its staged state root).
    void discard();

    /// Tells the listeners about a committed block (call outside the chain lock); a listener
    /// that throws is logged and skipped.
    void publish(const CommittedBlock& block) const;

    /// Adds a listener for committed blocks (before the engine starts).
    void on_block(BlockListener listener) { listeners_.push_back(std::move(listener)); }

    /// What the pool checks transactions against once `head` is the head block: its child's
    /// base fee and the block gas limit (after a commit, and after a state-sync import).
    txpool::ChainHead pool_head_after(const chain::BlockHeader& head) const;

    /// The chain rules.
    const chain::ChainConfig& chain_config() const noexcept { return chain_config_; }

private:
    const chain::ChainConfig& chain_config_;
    db::ChainDb& db_;
    txpool::TxPool& pool_;
    chain::StateRootTracker& tracker_;
    std::unique_ptr<evm::Vm> vm_;
    std::vector<BlockListener> listeners_;
};

}  // namespace tern::producer
