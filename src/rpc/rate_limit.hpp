#pragma once

#include "rpc/client_limits.hpp"

#include <boost/intrusive/list.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>

namespace tern::rpc {

/// JSON-RPC calls per client address, as token buckets: on a zero-fee chain calls cost the
/// caller nothing, so one client must not be able to take all of a node's capacity. Clients
/// are keyed as ClientLimits keys them (IPv4 one by one, IPv6 by /64, loopback like any other
/// address). A bucket holds up to `burst` calls and refills at `per_second`; a message of n
/// calls takes n. A batch larger than the bucket passes when the bucket is full and leaves it
/// in debt, so big batches still work and the sustained rate still holds. Memory is bounded:
/// buckets that have refilled are dropped (a new one starts full: nothing is lost), and past
/// `max_clients` buckets the least recently used one is dropped (that client starts over with
/// a full bucket). Time is passed in: a steady clock at the server, a fake one in tests.
/// Thread-safe; take() allocates only when it adds a bucket.
class RateLimiter
{
public:
    /// The clock whose time points take() is given.
    using Clock = std::chrono::steady_clock;

    /// Limits of every client.
    struct Options
    {
        size_t per_second = 0;       ///< calls per second a client sustains; 0: no limit
        size_t burst = 0;            ///< calls a bucket holds; 0: per_second (one second's)
        size_t max_clients = 65536;  ///< buckets kept at most (about 100 bytes each)
    };

    /// What take() decided.
    struct Verdict
    {
        bool allowed = true;  ///< the calls may run (and were counted)
        /// When refused: seconds until they would pass, rounded up (at least 1).
        std::chrono::seconds retry_after{0};
    };

    /// A limiter with `options`.
    explicit RateLimiter(Options options) noexcept;
    RateLimiter(const RateLimiter&) = delete;
    RateLimiter& operator=(const RateLimiter&) = delete;

    /// True when there is a limit (per_second != 0); take() admits everything otherwise.
    bool enabled() const noexcept { return per_second_ > 0; }

    /// Takes `calls` (at least 1) from `key`'s bucket at time `now` if it holds them, or
    /// min(calls, burst) for a batch larger than the bucket; refuses (nothing taken) otherwise.
    [[nodiscard]] Verdict take(const ClientLimits::Key& key, size_t calls, Clock::time_point now);

    /// Buckets held now (test hook: bounded by max_clients, and 0 once every client refilled).
    size_t clients() const;

private:
    struct Bucket
    {
        ClientLimits::Key key{};
        double tokens = 0;  // at `last`; below 0 after a batch larger than the bucket
        Clock::time_point last{};
        boost::intrusive::list_member_hook<> lru;
    };
    using Lru = boost::intrusive::list<
        Bucket,
        boost::intrusive::member_hook<Bucket, boost::intrusive::list_member_hook<>, &Bucket::lru>>;

    /// `b`'s tokens at `now` (refilled since b.last, at most burst).
    double tokens_at(const Bucket& b, Clock::time_point now) const noexcept;
    /// Drops `b` (unlinked from the LRU order first).
    void drop(Bucket& b);

    const double per_second_;
    const double burst_;
    const size_t max_clients_;
    mutable std::mutex mu_;
    std::map<ClientLimits::Key, Bucket> buckets_;
    Lru lru_;  // least recently used first; declared after buckets_, so destroyed before them
};

}  // namespace tern::rpc
