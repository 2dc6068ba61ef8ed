#pragma once

#include "chain/block.hpp"
#include "chain/config.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/result.hpp"
#include "execution/receipt.hpp"
#include "node/big_stack_thread.hpp"
#include "node/config.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace tern::db {
class ChainDb;
}
namespace tern::txpool {
class TxPool;
}
namespace tern::evm {
class Vm;
}

namespace tern::node {

/// A block the engine committed, as listeners receive it.
struct CommittedBlock
{
    chain::Block block;
    Hash256 hash;
    std::vector<execution::Receipt> receipts;
    std::vector<Hash256> tx_hashes;
};

/// The embedded dev engine: the chain's only block producer. Automine (block_time 0) seals a
/// block as soon as the pool has executable transactions, all of them in first-come order as
/// far as the block gas limit allows (the rest go into the next block, sealed right after);
/// with a block time it seals every `block_time` seconds (empty blocks included, like geth's
/// dev mode). Every block is final at once.
///
/// Timestamps: wall-clock seconds, but never below the parent's (equal is allowed, as anvil
/// does: automine can seal many blocks per second and Tern's own validation only requires
/// timestamps not to decrease). Invalid transactions found while building (e.g. the balance
/// went to an earlier transaction of the block) are dropped from the pool.
class DevEngine
{
public:
    /// Least gas a transaction can use: a block with less left is full.
    static constexpr uint64_t kMinTxGas = 21000;

    /// Called after each commit, outside the chain lock, on the engine thread.
    using BlockListener = std::function<void(const CommittedBlock&)>;

    /// An engine over the node's database, pool and head state-root tracker; all outlive it.
    DevEngine(const NodeConfig& config,
              const chain::ChainConfig& chain_config,
              db::ChainDb& db,
              txpool::TxPool& pool,
              chain::StateRootTracker& tracker,
              std::shared_mutex& chain_mutex);
    ~DevEngine();
    DevEngine(const DevEngine&) = delete;
    DevEngine& operator=(const DevEngine&) = delete;

    /// Starts the engine thread.
    void start();
    /// Stops and joins the engine thread (idempotent). A block being sealed is finished.
    void stop();

    /// Tells the engine that transactions became executable (automine seals now).
    void notify();

    /// Waits until the transaction `hash` has left the pool (included in a committed block or
    /// dropped) or `timeout` passed. True if it left the pool.
    bool wait_processed(const Hash256& hash, std::chrono::milliseconds timeout);

    /// Wakes the waiters whose transactions are no longer in the pool (after a commit, or when
    /// a transaction was replaced).
    void release_waiters();

    /// Seals one block now with whatever is executable (possibly none), on the caller's
    /// thread; returns its number. `timestamp` overrides the clock (still >= parent).
    Result<uint64_t, std::string> mine(std::optional<uint64_t> timestamp = std::nullopt);

    /// Adds a listener for committed blocks (register before start()).
    void on_block(BlockListener listener);

    /// Number of blocks sealed since start.
    uint64_t sealed() const;

private:
    void run();
    Result<uint64_t, std::string> seal(std::optional<uint64_t> timestamp);
    bool has_pending() const;

    const NodeConfig& config_;
    const chain::ChainConfig& chain_config_;
    db::ChainDb& db_;
    txpool::TxPool& pool_;
    chain::StateRootTracker& tracker_;
    std::shared_mutex& chain_mutex_;
    std::unique_ptr<evm::Vm> vm_;
    std::vector<BlockListener> listeners_;

    std::mutex seal_mutex_;  ///< one seal at a time (engine thread and mine())
    mutable std::mutex mutex_;
    std::condition_variable wake_;  ///< engine thread: work or stop
    /// A thread in wait_processed(): woken alone, when its transaction left the pool (waking
    /// every waiter on every block would make all RPC threads contend for nothing).
    struct Waiter
    {
        Hash256 hash;
        std::condition_variable cv;
        bool done = false;
    };
    std::vector<Waiter*> waiters_;  ///< guarded by mutex_
    bool work_ = false;
    bool stopping_ = false;
    uint64_t sealed_ = 0;
    BigStackThread thread_;
};

}  // namespace tern::node
