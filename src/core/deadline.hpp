#pragma once

#include <atomic>
#include <chrono>

namespace tern {

/// When an RPC-driven execution (eth_call, eth_estimateGas, a trace, an inference inside them)
/// must stop: a point in time, a cancellation flag (the client went away), both, or neither.
/// Block execution runs without one. Checking reads the clock and one atomic, so long loops
/// check it every few thousand steps rather than every step. Copyable; the flag it points to
/// must outlive every copy.
class Deadline
{
public:
    using Clock = std::chrono::steady_clock;

    /// Never expires.
    Deadline() = default;

    /// Expires at `at` (Clock::time_point::max(): never) or when `*cancel` becomes true
    /// (`cancel` may be null). `timeout` is only reported (error messages name it).
    Deadline(Clock::time_point at,
             Clock::duration timeout,
             const std::atomic<bool>* cancel = nullptr) noexcept
        : at_(at), timeout_(timeout), cancel_(cancel)
    {}

    /// Expires `timeout` from now (zero or negative: no time limit) or on `*cancel`.
    static Deadline after(Clock::duration timeout, const std::atomic<bool>* cancel = nullptr)
    {
        if (timeout <= Clock::duration::zero())
            return Deadline(Clock::time_point::max(), Clock::duration::zero(), cancel);
        return Deadline(Clock::now() + timeout, timeout, cancel);
    }

    /// True when it can expire at all (a time limit or a cancellation flag); executions
    /// without one take the loops that never check.
    bool active() const noexcept { return at_ != Clock::time_point::max() || cancel_ != nullptr; }

    /// True once the flag is set (the client went away).
    bool cancelled() const noexcept
    {
        return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed);
    }

    /// True once the time has passed or the flag is set.
    bool expired() const noexcept
    {
        if (cancelled())
            return true;
        return at_ != Clock::time_point::max() && Clock::now() >= at_;
    }

    /// The time limit it was made with (zero: none), for messages such as geth's
    /// "execution aborted (timeout = 5s)".
    Clock::duration timeout() const noexcept { return timeout_; }

    /// The point in time it expires at (Clock::time_point::max(): never).
    Clock::time_point at() const noexcept { return at_; }

private:
    Clock::time_point at_ = Clock::time_point::max();
    Clock::duration timeout_{};
    const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace tern
