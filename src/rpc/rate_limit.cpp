#include "rpc/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace tern::rpc {

RateLimiter::RateLimiter(Options options) noexcept
    : per_second_(static_cast<double>(options.per_second)),
      burst_(static_cast<double>(options.burst != 0 ? options.burst : options.per_second)),
      max_clients_(std::max<size_t>(options.max_clients, 1))
{}

double RateLimiter::tokens_at(const Bucket& b, Clock::time_point now) const noexcept
{
    const double elapsed = now > b.last ? std::chrono::duration<double>(now - b.last).count() : 0.0;
    return std::min(burst_, b.tokens + elapsed * per_second_);
}

void RateLimiter::drop(Bucket& b)
{
    lru_.erase(lru_.iterator_to(b));
    buckets_.erase(b.key);
}

RateLimiter::Verdict RateLimiter::take(const ClientLimits::Key& key,
                                       size_t calls,
                                       Clock::time_point now)
{
    if (!enabled())
        return {};
    const double want = static_cast<double>(std::max<size_t>(calls, 1));
    const double need = std::min(want, burst_);
    std::lock_guard lock(mu_);
    Bucket* b = nullptr;
    if (const auto it = buckets_.find(key); it != buckets_.end())
    {
        b = &it->second;
        b->tokens = tokens_at(*b, now);
        b->last = std::max(b->last, now);
        lru_.erase(lru_.iterator_to(*b));
        lru_.push_back(*b);
    }
    // Refilled buckets are dropped from the least recently used end, each once (amortised
    // O(1) per call); one that is not yet full stops the walk (the cap below bounds the rest).
    while (!lru_.empty() && &lru_.front() != b && tokens_at(lru_.front(), now) >= burst_)
        drop(lru_.front());
    if (!b)
    {
        if (buckets_.size() >= max_clients_)
            drop(lru_.front());  // every bucket is in use: the least recent starts over
        b = &buckets_.try_emplace(key).first->second;
        b->key = key;
        b->tokens = burst_;
        b->last = now;
        lru_.push_back(*b);
    }

    if (b->tokens < need)
    {
        const double wait = std::ceil((need - b->tokens) / per_second_);
        return {false, std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(wait)))};
    }
    b->tokens -= want;
    return {};
}

size_t RateLimiter::clients() const
{
    std::lock_guard lock(mu_);
    return buckets_.size();
}

}  // namespace tern::rpc
