#include "producer/timestamp.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace tern::producer {

uint64_t wall_clock_seconds()
{
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

std::optional<std::string> mine_timestamp_error(uint64_t timestamp,
                                                uint64_t head_timestamp,
                                                uint64_t now,
                                                uint64_t max_ahead)
{
    constexpr uint64_t kLargest = static_cast<uint64_t>(INT64_MAX);
    const std::string prefix = "Timestamp error: " + std::to_string(timestamp);
    if (timestamp < head_timestamp)
        return prefix + " is lower than previous block's timestamp";
    if (max_ahead != 0)
    {
        const uint64_t base = std::max(now, head_timestamp);
        if (timestamp > base && timestamp - base > max_ahead)
            return prefix + " is more than " + std::to_string(max_ahead) + " seconds ahead of " +
                   (base == now ? "the current time" : "previous block's timestamp");
    }
    if (timestamp > kLargest)
        return prefix + " is past the largest timestamp, " + std::to_string(kLargest);
    return std::nullopt;
}

}  // namespace tern::producer
