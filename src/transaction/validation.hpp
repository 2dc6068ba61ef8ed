#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "transaction/error.hpp"
#include "transaction/transaction.hpp"

#include <cstdint>

namespace tern {

/// Cancun intrinsic gas constants (yellow paper G_transaction etc., EIP-2028, EIP-2930, EIP-3860).
namespace tx_gas {
inline constexpr uint64_t kTransaction = 21000;          ///< every transaction
inline constexpr uint64_t kTxCreate = 32000;             ///< extra for contract creation
inline constexpr uint64_t kDataZero = 4;                 ///< per zero data byte
inline constexpr uint64_t kDataNonZero = 16;             ///< per non-zero data byte (EIP-2028)
inline constexpr uint64_t kAccessListAddress = 2400;     ///< per access list address (EIP-2930)
inline constexpr uint64_t kAccessListStorageKey = 1900;  ///< per access list storage key
inline constexpr uint64_t kInitcodeWord = 2;             ///< per 32-byte initcode word (EIP-3860)
inline constexpr size_t kMaxInitcodeSize = 49152;        ///< 2 * 24576 (EIP-3860)
}  // namespace tx_gas

/// Intrinsic gas of a transaction under Cancun rules. Errors: InitcodeTooLarge for a create
/// whose initcode exceeds 49152 bytes, IntrinsicGasOverflow if the sum does not fit in 64 bits.
Result<uint64_t, TxError> intrinsic_gas(const Transaction& tx);

/// The checks a node applies before execution that need no state: nonce < 2^64-1 (EIP-2681),
/// priority fee <= max fee, gas_limit * max_fee fits in 256 bits, initcode size, and
/// intrinsic gas <= gas limit. Returns the intrinsic gas on success.
Result<uint64_t, TxError> validate_stateless(const Transaction& tx);

/// Recovers the sender. Requires the chain id to be `chain_id` when the transaction carries one
/// (legacy pre-EIP-155 transactions carry none and are accepted), 0 < r < n and 0 < s <= n/2
/// (EIP-2 low-s).
Result<Address, TxError> recover_sender(const Transaction& tx, uint64_t chain_id);

}  // namespace tern
