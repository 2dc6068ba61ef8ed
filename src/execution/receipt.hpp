#pragma once

#include "core/bytes.hpp"
#include "state/state.hpp"
#include "transaction/transaction.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
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
    /// A reverted transaction's reason, as skaled's receipts carry it (`revertReason`, which
    /// SKALE's client libraries read): the Error(string) text or the panic's text
    /// (abi::unpack_revert), at most kMaxRevertReasonBytes; empty otherwise. Stored with the
    /// receipt, never part of the receipts root.
    std::string revert_reason;
};

/// Longest revert reason a receipt keeps (longer ones are cut): bounds what a zero-gas chain
/// stores per failed transaction.
inline constexpr size_t kMaxRevertReasonBytes = 1024;

/// The revert_reason of a transaction that reverted with `output` (empty when the output is no
/// Error(string) or Panic(uint256)).
std::string revert_reason_of(BytesView output);

/// Adds `data` (an address or a topic) to `bloom`: three bits from keccak256(data).
void bloom_add(Bloom& bloom, BytesView data) noexcept;

/// Bloom of a list of logs (address and every topic of each).
Bloom logs_bloom(std::span<const state::Log> logs) noexcept;

/// RLP of the log list: [[address, [topic...], data], ...].
Bytes encode_logs(std::span<const state::Log> logs);

/// keccak256 of encode_logs(): the `logs` field of state tests.
Hash256 logs_hash(std::span<const state::Log> logs);

}  // namespace tern::execution
