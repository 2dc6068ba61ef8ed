#include "rpc/worker_pool.hpp"

#include <algorithm>

#ifdef __linux__
#    include <sys/resource.h>
#    include <sys/syscall.h>
#    include <unistd.h>
#endif

namespace tern::rpc {

WorkerPool::WorkerPool(Options options) : options_(options)
{
    options_.threads = std::max(1u, options_.threads);
    workers_.reserve(options_.threads);
    for (unsigned i = 0; i < options_.threads; ++i)
        workers_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool()
{
    stop();
}

bool WorkerPool::post(std::function<void()> job, const std::atomic<bool>* cancelled)
{
    std::vector<Job> dropped;  // destroyed after the lock is released
    {
        std::lock_guard lock(mu_);
        if (stopping_)
            return false;
        // Jobs that idle workers are about to take do not count as queued.
        const size_t running = running_.load(std::memory_order_relaxed);
        const size_t idle = options_.threads > running ? options_.threads - running : 0;
        const size_t room = options_.max_queued + idle;
        if (queue_.size() >= room)
        {
            // Make room by dropping jobs whose client left.
            for (auto it = queue_.begin(); it != queue_.end();)
            {
                if (it->is_cancelled())
                {
                    dropped.push_back(std::move(*it));
                    it = queue_.erase(it);
                }
                else
                    ++it;
            }
            if (queue_.size() >= room)
                return false;
        }
        queue_.push_back(Job{std::move(job), cancelled});
    }
    cv_.notify_one();
    return true;
}

void WorkerPool::stop()
{
    std::deque<Job> dropped;
    {
        std::lock_guard lock(mu_);
        if (stopping_ && workers_.empty())
            return;
        stopping_ = true;
        dropped.swap(queue_);
    }
    cv_.notify_all();
    dropped.clear();
    for (auto& w : workers_)
    {
        if (w.get_id() == std::this_thread::get_id())
            w.detach();  // the last owner let go on a worker: it exits by itself
        else if (w.joinable())
            w.join();
    }
    workers_.clear();
}

size_t WorkerPool::queued() const
{
    std::lock_guard lock(mu_);
    return queue_.size();
}

void WorkerPool::work()
{
#ifdef __linux__
    // On Linux the nice value belongs to the thread; raising it needs no privilege.
    if (options_.nice != 0)
        (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)),
                            ::getpriority(PRIO_PROCESS, 0) + options_.nice);
#endif
    for (;;)
    {
        Job job;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_)
                return;
            job = std::move(queue_.front());
            queue_.pop_front();
            if (!job.is_cancelled())
                running_.fetch_add(1, std::memory_order_relaxed);
        }
        if (job.is_cancelled())
            continue;  // queued but not started, and its client left: dropped
        try
        {
            job.run();
        }
        catch (...)
        {
            // Jobs handle their own errors; a stray exception must not end the worker.
        }
        job = Job{};
        running_.fetch_sub(1, std::memory_order_relaxed);
    }
}

}  // namespace tern::rpc
