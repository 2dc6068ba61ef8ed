#pragma once

#include "core/bytes.hpp"
#include "state/state.hpp"
#include "transaction/transaction.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace tern::execution {

/// 2048-bit log bloom filter (yellow paper M3:2048), big-endian bit order.
using Bloom = std::array<uint8_t, 256>;

/// Outcome of an included transaction.
struct Receipt
{
    TxType type = TxType::Legacy;
    bool success = false;              ///< EIP-658 status: execution did not fail or revert
    uint64_t gas_used = 0;             ///< gas charged to this transaction (after refund)
    uint64_t cumulative_gas_used = 0;  ///< block gas used up to and including this transaction
    uint64_t blob_gas_used = 0;        ///< EIP-4844 blob gas of this transaction
    std::vector<state::Log> logs;
    Bloom bloom{};
};

/// Adds `data` (an address or a topic) to `bloom`: three bits from keccak256(data).
void bloom_add(Bloom& bloom, BytesView data) noexcept;

/// Bloom of a list of logs (address and every topic of each).
Bloom logs_bloom(std::span<const state::Log> logs) noexcept;

/// RLP of the log list: [[address, [topic...], data], ...].
Bytes encode_logs(std::span<const state::Log> logs);

/// keccak256 of encode_logs(): the `logs` field of state tests.
Hash256 logs_hash(std::span<const state::Log> logs);

}  // namespace tern::execution
