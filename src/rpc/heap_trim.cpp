#include "rpc/heap_trim.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tern::rpc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSettle = std::chrono::milliseconds(100);
constexpr auto kMaxWait = std::chrono::seconds(1);
/// Least time between two trims: one walks every arena (~190 ms for 770 MB freed in 16
/// arenas, each arena locked for its share), so under a stream of large answers at most one
/// a second.
constexpr auto kMinInterval = std::chrono::seconds(1);

/// The process's trimming thread and what it has been told.
class HeapTrimmer
{
public:
    ~HeapTrimmer()
    {
        {
            std::lock_guard lock{mu_};
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable())
            thread_.join();
    }

    void note(size_t bytes)
    {
        std::lock_guard lock{mu_};
        pending_ += bytes;
        last_note_ = Clock::now();
        if (pending_ < kHeapTrimThreshold)
            return;
        if (!thread_.joinable())
            thread_ = std::thread([this] { run(); });
        wake_.notify_all();
    }

    size_t trims() const noexcept { return trims_.load(std::memory_order_relaxed); }

private:
    void run()
    {
        std::unique_lock lock{mu_};
        while (true)
        {
            wake_.wait(lock, [&] { return stopping_ || pending_ >= kHeapTrimThreshold; });
            if (stopping_)
                return;
            // Let the burst finish (concurrent answers are freed within moments of each
            // other), but not for ever.
            const auto first = Clock::now();
            while (!stopping_ && Clock::now() - last_note_ < kSettle &&
                   Clock::now() - first < kMaxWait)
                wake_.wait_for(lock, kSettle);
            while (!stopping_ && Clock::now() - last_trim_ < kMinInterval)
                wake_.wait_until(lock, last_trim_ + kMinInterval);
            if (stopping_)
                return;
            pending_ = 0;
            lock.unlock();
            ::malloc_trim(0);
            trims_.fetch_add(1, std::memory_order_relaxed);
            lock.lock();
            last_trim_ = Clock::now();
        }
    }

    std::mutex mu_;
    std::condition_variable wake_;
    size_t pending_ = 0;
    Clock::time_point last_note_;
    Clock::time_point last_trim_;
    bool stopping_ = false;
    std::atomic<size_t> trims_{0};
    std::thread thread_;
};

HeapTrimmer& trimmer()
{
    static HeapTrimmer instance;
    return instance;
}

/// Notes below this are not worth the lock (most answers).
constexpr size_t kSmall = 64 * 1024;

}  // namespace

void note_large_free(size_t bytes) noexcept
{
    if (bytes < kSmall)
        return;
    try
    {
        trimmer().note(bytes);
    }
    catch (...)
    {
        // No thread could be started: memory stays with the allocator, as before.
    }
}

size_t heap_trims() noexcept
{
    return trimmer().trims();
}

}  // namespace tern::rpc
