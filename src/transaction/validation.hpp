#pragma once

#include "core/bytes.hpp"
#include "core/protocol.hpp"
#include "core/result.hpp"
#include "transaction/error.hpp"
#include "transaction/transaction.hpp"

#include <cstdint>

namespace tern {

/// Cancun intrinsic gas constants (yellow paper G_transaction etc., EIP-2028, EIP-2930, EIP-3860).
namespace tx_gas {
inline constexpr uint64_t kTransaction = protocol::kTxGas;       ///< every transaction
inline constexpr uint64_t kTxCreate = protocol::kTxCreateGas;    ///< extra for contract creation
inline constexpr uint64_t kDataZero = protocol::kTxDataZeroGas;  ///< per zero data byte
inline constexpr uint64_t kDataNonZero = protocol::kTxDataNonZeroGas;  ///< per non-zero byte
inline constexpr uint64_t kAccessListAddress = protocol::kAccessListAddressGas;  ///< EIP-2930
inline constexpr uint64_t kAccessListStorageKey = protocol::kAccessListStorageKeyGas;
inline constexpr uint64_t kInitcodeWord = protocol::kInitcodeWordGas;   ///< per initcode word
inline constexpr size_t kMaxInitcodeSize = protocol::kMaxInitcodeSize;  ///< EIP-3860
}  // namespace tx_gas

/// Intrinsic gas of a transaction under Cancun rules. Errors: InitcodeTooLarge for a create
/// whose initcode exceeds 49152 bytes, IntrinsicGasOverflow if the sum does not fit in 64 bits.
Result<uint64_t, TxError> intrinsic_gas(const Transaction& tx);

/// The checks a node applies before execution that need no state: nonce < 2^64-1 (EIP-2681),
/// priority fee <= max fee, gas_limit * max_fee fits in 256 bits, initcode size, and
/// intrinsic gas <= gas limit. Returns the intrinsic gas on success. With `fees_charged` off
/// (a fee-exempt transaction: a proof-of-work gas price is any 256-bit number) the product of
/// gas and max fee is not checked.
Result<uint64_t, TxError> validate_stateless(const Transaction& tx, bool fees_charged = true);

/// Recovers the sender. Requires the chain id to be `chain_id` when the transaction carries one
/// (legacy pre-EIP-155 transactions carry none and are accepted), 0 < r < n and 0 < s <= n/2
/// (EIP-2 low-s).
Result<Address, TxError> recover_sender(const Transaction& tx, uint64_t chain_id);

}  // namespace tern
