#include "node/pool_waiters.hpp"

#include "txpool/txpool.hpp"

#include <algorithm>

namespace tern::node {

bool PoolWaiters::wait(const Hash256& hash, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock{mutex_};
    if (!pool_.contains(hash))
        return true;
    Waiter w;
    w.hash = hash;
    waiters_.push_back(&w);
    w.cv.wait_until(lock, deadline, [&] { return w.done || stopping_; });
    std::erase(waiters_, &w);
    return !pool_.contains(hash);
}

void PoolWaiters::release()
{
    std::lock_guard lock{mutex_};
    for (Waiter* w : waiters_)
    {
        if (!w->done && !pool_.contains(w->hash))
        {
            w->done = true;
            w->cv.notify_one();
        }
    }
}

void PoolWaiters::release_all()
{
    std::lock_guard lock{mutex_};
    for (Waiter* w : waiters_)
    {
        w->done = true;
        w->cv.notify_one();
    }
}

void PoolWaiters::stop()
{
    std::lock_guard lock{mutex_};
    stopping_ = true;
    for (Waiter* w : waiters_)
        w->cv.notify_one();
}

void PoolWaiters::reset()
{
    std::lock_guard lock{mutex_};
    stopping_ = false;
}

}  // namespace tern::node
