#pragma once

#include "core/bytes.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace tern::txpool {
class TxPool;
}

namespace tern::node {

/// Threads waiting for their transactions to leave the pool (included in a committed block or
/// dropped): each is woken alone when its transaction is gone (waking every waiter on every
/// block would make all RPC threads contend for nothing). Shared by the engines.
class PoolWaiters
{
public:
    /// Waiters on `pool`, which outlives this object.
    explicit PoolWaiters(const txpool::TxPool& pool) : pool_(pool) {}

    /// Waits until `hash` is not in the pool, `timeout` passed or stop() was called. True if
    /// the transaction left the pool.
    bool wait(const Hash256& hash, std::chrono::milliseconds timeout);

    /// Wakes the waiters whose transactions are no longer in the pool.
    void release();

    /// Wakes every current waiter, whether or not its transaction left the pool (the engine
    /// stopped making blocks: nobody should wait out the timeout). Later waits wait as usual.
    void release_all();

    /// Wakes every waiter; later waits return at once (engine shutdown).
    void stop();

    /// Accepts waits again after stop() (engine restart).
    void reset();

private:
    struct Waiter
    {
        Hash256 hash;
        std::condition_variable cv;
        bool done = false;
    };
    const txpool::TxPool& pool_;
    std::mutex mutex_;
    std::vector<Waiter*> waiters_;  ///< guarded by mutex_; each unregisters itself
    bool stopping_ = false;
};

}  // namespace tern::node
