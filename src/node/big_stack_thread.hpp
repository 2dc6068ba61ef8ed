#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace tern::node {

/// A joinable thread with a large stack: EVM execution recurses once per nested call frame
/// (up to 1024), which needs more than the default 8 MiB in some builds. The stack is only
/// reserved address space until used.
class BigStackThread
{
public:
    /// Default stack size: 256 MiB.
    static constexpr size_t kDefaultStack = size_t{256} << 20;

    /// No thread.
    BigStackThread() = default;
    /// Starts `fn` on a new thread with `stack_bytes` of stack; aborts if it cannot start.
    explicit BigStackThread(std::function<void()> fn, size_t stack_bytes = kDefaultStack);
    /// Joins the thread if still joinable.
    ~BigStackThread();
    BigStackThread(BigStackThread&& other) noexcept;
    BigStackThread& operator=(BigStackThread&& other) noexcept;
    BigStackThread(const BigStackThread&) = delete;
    BigStackThread& operator=(const BigStackThread&) = delete;

    /// True while a started thread has not been joined.
    bool joinable() const noexcept { return started_; }
    /// Waits for the thread to finish (no-op when not joinable).
    void join();

private:
    unsigned long handle_ = 0;  ///< pthread_t
    bool started_ = false;
};

/// Runs `fn` on a BigStackThread and waits for it (for deep EVM execution from a thread with a
/// small stack); an exception `fn` throws is rethrown on the caller's thread.
void run_with_big_stack(const std::function<void()>& fn,
                        size_t stack_bytes = BigStackThread::kDefaultStack);

}  // namespace tern::node
