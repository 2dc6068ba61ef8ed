#pragma once

#include "chain/chain_config.hpp"
#include "core/result.hpp"
#include "node/big_stack_thread.hpp"
#include "node/config.hpp"
#include "node/engine.hpp"
#include "node/pool_waiters.hpp"
#include "producer/block_producer.hpp"
#include "producer/timestamp.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

namespace tern::db {
class ChainDb;
struct DbError;
}  // namespace tern::db
namespace tern::txpool {
class TxPool;
}

namespace tern::node {

/// The embedded dev engine (`tern dev`): the chain's only block producer. Automine (block_time
/// 0) seals a block as soon as the pool has executable transactions, all of them in first-come
/// order as far as the block gas limit allows (the rest go into the next block, sealed right
/// after); with a block time it seals every `block_time` seconds (empty blocks included, like
/// geth's dev mode). Every block is final at once. Blocks are built and committed through the
/// node's BlockProducer (the path the CometBFT engine uses too).
///
/// Timestamps: wall-clock seconds, but never below the parent's (equal is allowed, as anvil
/// does: automine can seal many blocks per second and Tern's own validation only requires
/// timestamps not to decrease). Invalid transactions found while building (e.g. the balance
/// went to an earlier transaction of the block) are dropped from the pool.
///
/// Storage failures: when a block cannot be committed because the database cannot be written
/// (disk full, I/O error) the engine stops accepting transactions (submit() answers "not
/// accepting transactions: <why>", logged once), reads go on, and every kRetryInterval it asks
/// the database to resume; once writes work again it accepts transactions and seals what is
/// pending (the block that failed included: its transactions stayed in the pool). A block
/// that cannot be built because the database cannot be read (corruption) stops it the same
/// way until the node is restarted (the start-up check then names the damage).
class DevEngine final : public Engine
{
public:
    /// Least gas a transaction can use: a block with less left is full.
    static constexpr uint64_t kMinTxGas = producer::BlockProducer::kMinTxGas;
    /// How long an automine send waits for its block.
    static constexpr std::chrono::seconds kInclusionTimeout{30};
    /// How often a failed database is asked to resume.
    static constexpr std::chrono::milliseconds kRetryInterval{1000};

    /// An engine over the node's database, pool and block producer; all outlive it.
    DevEngine(const NodeConfig& config,
              db::ChainDb& db,
              txpool::TxPool& pool,
              producer::BlockProducer& producer,
              std::shared_mutex& chain_mutex);
    ~DevEngine() override;
    DevEngine(const DevEngine&) = delete;
    DevEngine& operator=(const DevEngine&) = delete;

    /// Starts the engine thread.
    Result<bool, std::string> start() override;
    /// Stops and joins the engine thread (idempotent). A block being sealed is finished.
    void stop() override;

    /// Adds the transaction to the pool (validated against the head state); wakes the engine
    /// and in automine mode (with wait_for_inclusion) waits until its block is committed —
    /// with `ctx`, both at the end of the JSON-RPC message, so a batch of sends shares a block
    /// and one wait.
    Result<Hash256, std::string> submit(Transaction tx,
                                        const Address& sender,
                                        rpc::CallContext* ctx) override;

    /// Tells the engine that transactions became executable (automine seals now).
    void notify() override;

    /// Waits until the transaction `hash` has left the pool (included in a committed block or
    /// dropped) or `timeout` passed. True if it left the pool.
    bool wait_processed(const Hash256& hash, std::chrono::milliseconds timeout) override;

    /// Wakes the waiters whose transactions are no longer in the pool (after a commit, or when
    /// a transaction was replaced).
    void release_waiters() override;

    /// Seals one block now with whatever is executable (possibly none), on the caller's
    /// thread; returns its number. `timestamp` overrides the clock (still >= parent).
    Result<uint64_t, std::string> mine(std::optional<uint64_t> timestamp) override;
    using Engine::mine;

    /// Adds a listener for committed blocks (register before start()).
    void on_block(BlockListener listener) override;

    /// Number of blocks sealed since start.
    uint64_t sealed() const;

    /// Why blocks cannot be committed now (transactions are refused), or nullopt.
    std::optional<std::string> storage_failure() const;

private:
    void run();
    Result<uint64_t, std::string> seal(std::optional<uint64_t> timestamp);
    bool has_pending() const;
    /// Enters the failed state for `error` (resumable: a write failure db.resume() may clear).
    void fail(const db::DbError& error, bool resumable);
    /// In the failed state: asks the database to resume; true once it can be written again.
    bool try_resume();

    const NodeConfig& config_;
    db::ChainDb& db_;
    txpool::TxPool& pool_;
    producer::BlockProducer& producer_;
    std::shared_mutex& chain_mutex_;
    PoolWaiters waiters_;

    std::mutex seal_mutex_;  ///< one seal at a time (engine thread and mine())
    mutable std::mutex mutex_;
    std::condition_variable wake_;  ///< engine thread: work or stop
    bool work_ = false;
    bool stopping_ = false;
    uint64_t sealed_ = 0;
    std::optional<std::string> failure_;  ///< why blocks cannot be committed (sends refused)
    bool failure_resumable_ = false;      ///< a write failure: db.resume() may clear it
    BigStackThread thread_;
};

}  // namespace tern::node
