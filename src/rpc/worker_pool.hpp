#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tern::rpc {

/// A fixed set of threads running queued jobs in arrival order, with a bounded queue: the RPC
/// server's "heavy lane", so that executions and traces never occupy the threads that serve
/// cheap calls. Workers may run at a lower scheduling priority (a per-thread nice value on
/// Linux), so that block production and cheap reads win the CPU. Thread-safe.
class WorkerPool
{
public:
    /// Size and priority of the pool.
    struct Options
    {
        unsigned threads = 2;    ///< worker threads (at least 1)
        size_t max_queued = 64;  ///< jobs waiting for a worker; more: post() refuses
        int nice = 0;            ///< added to the workers' nice value (Linux; 0: unchanged)
    };

    /// Starts the workers.
    explicit WorkerPool(Options options);
    /// Stops the pool (see stop()).
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Queues `job`. `cancelled` (may be null; it must live as long as the job) marks a job
    /// nobody waits for any more: such a job is destroyed without running when a worker
    /// reaches it, or to make room when the queue is full. False (the job is destroyed) when
    /// the queue is still full or the pool has stopped.
    [[nodiscard]] bool post(std::function<void()> job,
                            const std::atomic<bool>* cancelled = nullptr);

    /// Destroys the queued jobs without running them and joins the workers once their running
    /// jobs return (idempotent). post() fails afterwards.
    void stop();

    /// Jobs waiting for a worker.
    size_t queued() const;
    /// Jobs running now.
    size_t running() const noexcept { return running_.load(std::memory_order_relaxed); }
    /// Worker threads.
    unsigned threads() const noexcept { return static_cast<unsigned>(options_.threads); }

private:
    struct Job
    {
        std::function<void()> run;
        const std::atomic<bool>* cancelled = nullptr;
        bool is_cancelled() const
        {
            return cancelled && cancelled->load(std::memory_order_relaxed);
        }
    };

    void work();

    Options options_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::atomic<size_t> running_{0};
    std::vector<std::thread> workers_;
};

}  // namespace tern::rpc
