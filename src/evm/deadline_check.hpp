#pragma once

#include "core/deadline.hpp"

#include <cstdint>

namespace tern::evm {

/// The interpreter's side of an RPC execution deadline (Vm::set_deadline): a countdown of
/// checkpoints (jumps, calls, creations: every loop and every recursion passes one) between
/// reads of the clock and the cancellation flag, and a sticky "expired" once the deadline has
/// passed, so every frame of the execution stops at its next checkpoint. Internal to the Vm
/// and the frames it runs; only executions with a deadline have one.
class DeadlineCheck
{
public:
    /// Checkpoints between two reads of the clock and the flag: the clock costs ~20 ns, a
    /// checkpoint a few, so the check stays well under 1% of a tight loop; the slack after the
    /// deadline is at most this many checkpoints (tens of microseconds for a tight loop).
    static constexpr int32_t kInterval = 4096;

    /// Starts checking `deadline` (nullptr: none), forgetting an earlier expiry.
    void arm(const Deadline* deadline) noexcept
    {
        deadline_ = deadline;
        countdown_ = kInterval;
        expired_ = false;
    }

    /// The deadline being checked, or nullptr.
    const Deadline* deadline() const noexcept { return deadline_; }

    /// True once an execution stopped at the deadline (sticky until the next arm()).
    bool expired() const noexcept { return expired_; }

    /// Marks the deadline as reached (something outside the interpreter, e.g. a precompile,
    /// saw it): every frame stops at its next checkpoint.
    void expire() noexcept
    {
        expired_ = true;
        countdown_ = 0;
    }

    /// One checkpoint: true when the execution must stop. Cheap except every kInterval calls.
    [[gnu::always_inline]] bool tick() noexcept
    {
        if (--countdown_ >= 0) [[likely]]
            return false;
        return poll();
    }

private:
    /// Reads the clock and the flag (out of line: the loop keeps its registers).
    [[gnu::noinline]] bool poll() noexcept
    {
        if (!expired_ && !deadline_->expired())
        {
            countdown_ = kInterval;
            return false;
        }
        expire();
        return true;
    }

    const Deadline* deadline_ = nullptr;
    int32_t countdown_ = kInterval;
    bool expired_ = false;
};

}  // namespace tern::evm
