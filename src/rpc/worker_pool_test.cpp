#include "rpc/worker_pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#ifdef __linux__
#    include <sys/resource.h>
#    include <sys/syscall.h>
#    include <unistd.h>
#endif

using namespace tern::rpc;
using namespace std::chrono_literals;

namespace {

/// Blocks the workers until release().
struct Gate
{
    std::promise<void> open;
    std::shared_future<void> opened = open.get_future().share();
    void release() { open.set_value(); }
    void wait() const { opened.wait(); }
};

}  // namespace

TEST(WorkerPool, RunsJobsOnItsThreadsInOrder)
{
    WorkerPool pool({.threads = 1, .max_queued = 10, .nice = 0});
    std::vector<int> order;
    std::promise<void> done;
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(pool.post([&order, i] { order.push_back(i); }));
    ASSERT_TRUE(pool.post([&] { done.set_value(); }));
    done.get_future().wait();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(WorkerPool, QueueIsBoundedAndCancelledJobsMakeRoom)
{
    WorkerPool pool({.threads = 1, .max_queued = 2, .nice = 0});
    Gate gate;
    std::atomic<int> ran{0};
    ASSERT_TRUE(pool.post([&] { gate.wait(); }));
    while (pool.running() == 0)
        std::this_thread::sleep_for(1ms);
    std::atomic<bool> gone{false};
    ASSERT_TRUE(pool.post([&] { ++ran; }, &gone));
    ASSERT_TRUE(pool.post([&] { ++ran; }));
    EXPECT_EQ(pool.queued(), 2u);
    EXPECT_FALSE(pool.post([&] { ++ran; }));  // full
    gone = true;                              // its client left: the job makes room
    ASSERT_TRUE(pool.post([&] { ++ran; }));
    EXPECT_EQ(pool.queued(), 2u);
    gate.release();
    pool.stop();  // queued jobs may or may not have run; none of the cancelled one
    EXPECT_LE(ran.load(), 2);
}

TEST(WorkerPool, CancelledJobIsNotStarted)
{
    WorkerPool pool({.threads = 1, .max_queued = 4, .nice = 0});
    Gate gate;
    ASSERT_TRUE(pool.post([&] { gate.wait(); }));
    std::atomic<bool> gone{false};
    std::atomic<bool> ran{false};
    ASSERT_TRUE(pool.post([&] { ran = true; }, &gone));
    gone = true;
    std::promise<void> after;
    ASSERT_TRUE(pool.post([&] { after.set_value(); }));
    gate.release();
    after.get_future().wait();
    EXPECT_FALSE(ran);
}

TEST(WorkerPool, StopDropsQueuedJobsAndWaitsForRunningOnes)
{
    auto pool = std::make_unique<WorkerPool>(WorkerPool::Options{.threads = 1, .max_queued = 4});
    std::atomic<bool> finished{false};
    std::atomic<bool> queued_ran{false};
    ASSERT_TRUE(pool->post([&] {
        std::this_thread::sleep_for(100ms);
        finished = true;
    }));
    while (pool->running() == 0)
        std::this_thread::sleep_for(1ms);
    auto held = std::make_shared<int>(1);
    ASSERT_TRUE(pool->post([&, held] { queued_ran = true; }));
    EXPECT_EQ(held.use_count(), 2);
    pool->stop();
    EXPECT_TRUE(finished);
    EXPECT_FALSE(queued_ran);
    EXPECT_EQ(held.use_count(), 1);  // the dropped job was destroyed
    EXPECT_FALSE(pool->post([] {}));
    pool->stop();  // idempotent
}

#ifdef __linux__
TEST(WorkerPool, WorkersRunAtTheGivenNiceValue)
{
    const int base = ::getpriority(PRIO_PROCESS, 0);
    WorkerPool pool({.threads = 1, .max_queued = 1, .nice = 5});
    std::promise<int> nice;
    ASSERT_TRUE(pool.post([&] {
        nice.set_value(::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))));
    }));
    EXPECT_EQ(nice.get_future().get(), std::min(base + 5, 19));
    // The calling thread keeps its priority.
    EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))), base);
}
#endif
