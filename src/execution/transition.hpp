#pragma once

#include "core/result.hpp"
#include "execution/block_env.hpp"
#include "execution/receipt.hpp"
#include "state/state.hpp"
#include "transaction/error.hpp"
#include "transaction/transaction.hpp"

#include <cstdint>
#include <string>

namespace tern::evm {
class Vm;
}

namespace tern::execution {

/// Why a transaction cannot be included in a block: the state, the block or the transaction's
/// own fields (Stateless wraps the transaction module's checks) rule it out. Distinct from a
/// reverted or failed execution, which is still included and charged.
enum class InvalidTxKind : uint8_t
{
    Stateless,             ///< see `stateless` (nonce 2^64-1, fees, intrinsic gas, initcode)
    UnsupportedType,       ///< type not executable in Cancun (EIP-7702)
    NonceMismatch,         ///< tx nonce differs from the sender's
    SenderNotEoa,          ///< the sender has code (EIP-3607)
    InsufficientFunds,     ///< balance < gas_limit * max_fee + value (+ max blob fee)
    FeeCapBelowBaseFee,    ///< max_fee_per_gas < base fee (EIP-1559)
    GasLimitExceedsBlock,  ///< gas_limit > block gas limit left
    BlobCreate,            ///< blob transaction without `to` (EIP-4844)
    BlobNoHashes,          ///< blob transaction without blob hashes
    BlobTooMany,           ///< more than 6 blobs
    BlobBadVersion,        ///< a blob hash whose first byte is not 0x01
    BlobFeeCapTooLow,      ///< max_fee_per_blob_gas < blob base fee
};

/// An invalid transaction: the kind, plus the transaction module's error for Stateless.
struct InvalidTx
{
    InvalidTxKind kind = InvalidTxKind::Stateless;
    TxError stateless;

    /// Human-readable reason.
    std::string message() const;
};

/// Validates `tx` from `sender` against `state` and `block` and, if valid, executes it under
/// Cancun rules: buys gas, bumps the nonce, warms sender/recipient/precompiles/coinbase/access
/// list, runs the message, refunds (capped at gas_used/5, EIP-3529), pays the coinbase the
/// priority fee (base fee and blob fee are burnt) and finalizes the transaction in `state`
/// (EIP-6780 deletions, EIP-161 clearing). `block_gas_used` is the block's gas used before
/// this transaction (for the block gas limit and the cumulative receipt field). On an invalid
/// transaction the state is unchanged.
Result<Receipt, InvalidTx> apply_transaction(state::State& state,
                                             const BlockEnv& block,
                                             const Transaction& tx,
                                             const Address& sender,
                                             evm::Vm& vm,
                                             uint64_t block_gas_used = 0);

}  // namespace tern::execution
