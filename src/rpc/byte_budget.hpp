#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace tern::rpc {

/// A node-wide count of the bytes of requests and responses in flight (bodies being read or
/// handled, responses being written or queued), with a limit past which new requests are
/// refused: memory bounded in total, not only per request. Thread-safe.
class ByteBudget
{
public:
    /// A budget of `limit` bytes (0: no limit; bytes are still counted).
    explicit ByteBudget(size_t limit = 0) noexcept : limit_(limit) {}

    /// Takes `n` bytes if they fit under the limit; false (nothing taken) otherwise.
    [[nodiscard]] bool try_take(size_t n) noexcept
    {
        size_t used = used_.load(std::memory_order_relaxed);
        do
        {
            if (limit_ != 0 && (n > limit_ || used > limit_ - n))
                return false;
        } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
        return true;
    }
    /// Takes `n` bytes even past the limit (a response that exists already must be sent).
    void take(size_t n) noexcept { used_.fetch_add(n, std::memory_order_relaxed); }
    /// Returns `n` bytes taken earlier.
    void give_back(size_t n) noexcept { used_.fetch_sub(n, std::memory_order_relaxed); }

    /// Bytes in flight.
    size_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
    /// The limit (0: none).
    size_t limit() const noexcept { return limit_; }

private:
    const size_t limit_;
    std::atomic<size_t> used_{0};
};

/// Bytes held from a ByteBudget, given back when the hold ends (move-only).
class BudgetHold
{
public:
    /// Holds nothing.
    BudgetHold() = default;
    /// Holds nothing of `budget` yet.
    explicit BudgetHold(ByteBudget& budget) noexcept : budget_(&budget) {}
    BudgetHold(BudgetHold&& other) noexcept
        : budget_(other.budget_), bytes_(std::exchange(other.bytes_, 0))
    {}
    BudgetHold& operator=(BudgetHold&& other) noexcept
    {
        if (this != &other)
        {
            reset();
            budget_ = other.budget_;
            bytes_ = std::exchange(other.bytes_, 0);
        }
        return *this;
    }
    BudgetHold(const BudgetHold&) = delete;
    BudgetHold& operator=(const BudgetHold&) = delete;
    /// Gives the bytes back.
    ~BudgetHold() { reset(); }

    /// Holds `n` more bytes if they fit under the limit (see ByteBudget::try_take).
    [[nodiscard]] bool try_add(size_t n) noexcept
    {
        if (!budget_ || !budget_->try_take(n))
            return false;
        bytes_ += n;
        return true;
    }
    /// Holds `n` more bytes even past the limit.
    void add(size_t n) noexcept
    {
        if (!budget_)
            return;
        budget_->take(n);
        bytes_ += n;
    }
    /// Gives `n` of the held bytes back (at most all of them).
    void release(size_t n) noexcept
    {
        n = n < bytes_ ? n : bytes_;
        if (budget_ && n != 0)
            budget_->give_back(n);
        bytes_ -= n;
    }
    /// Gives every held byte back.
    void reset() noexcept
    {
        if (budget_ && bytes_ != 0)
            budget_->give_back(bytes_);
        bytes_ = 0;
    }
    /// Bytes held.
    size_t bytes() const noexcept { return bytes_; }

private:
    ByteBudget* budget_ = nullptr;
    size_t bytes_ = 0;
};

}  // namespace tern::rpc
