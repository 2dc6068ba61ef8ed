#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tern::producer {

/// Seconds since the Unix epoch by the system clock (the dev engine's block timestamps).
uint64_t wall_clock_seconds();

/// Why evm_mine may not seal its block at `timestamp` (anvil's wording), or nullopt: before
/// `head_timestamp` ("Timestamp error: T is lower than previous block's timestamp", as anvil);
/// more than `max_ahead` seconds after the later of `now` and `head_timestamp` (0: no such
/// bound); past 2^63 - 1 (the EVM's TIMESTAMP is read as a signed 64-bit number here, and a
/// chain pinned at 2^64 - 1 could never move on). Without the upper bounds
/// evm_mine ["0xffffffffffffffff"] fixed every later block's timestamp for good (timestamps
/// never decrease), also in a --data-dir chain.
std::optional<std::string> mine_timestamp_error(uint64_t timestamp,
                                                uint64_t head_timestamp,
                                                uint64_t now,
                                                uint64_t max_ahead);

}  // namespace tern::producer
