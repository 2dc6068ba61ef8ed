#pragma once

#include "core/result.hpp"
#include "evm/host.hpp"
#include "execution/block_env.hpp"
#include "execution/chain_features.hpp"
#include "execution/receipt.hpp"
#include "state/state.hpp"
#include "transaction/error.hpp"
#include "transaction/transaction.hpp"

#include <cstdint>
#include <optional>
#include <span>
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
    NonceMax,  ///< sender nonce 2^64-1 (EIP-2681) with TransitionOptions::check_nonce off
};

/// An invalid transaction: the kind, plus the transaction module's error for Stateless.
struct InvalidTx
{
    /// An invalid transaction of `kind`; the other fields as documented below.
    InvalidTx(InvalidTxKind kind_ = InvalidTxKind::Stateless,
              TxError stateless_ = {},
              U256 have_ = {},
              std::optional<U256> want_ = std::nullopt) noexcept
        : kind(kind_), stateless(stateless_), have(have_), want(want_)
    {}

    InvalidTxKind kind = InvalidTxKind::Stateless;
    TxError stateless;
    /// InsufficientFunds: the sender's balance; Stateless IntrinsicGasTooLow: the gas limit.
    U256 have;
    /// InsufficientFunds: the cost to cover (nullopt: it overflows 256 bits); Stateless
    /// IntrinsicGasTooLow: the intrinsic gas.
    std::optional<U256> want;

    /// Human-readable reason.
    std::string message() const;
};

/// What differs between executing a transaction for a block and simulating a message (eth_call,
/// eth_estimateGas, eth_createAccessList, debug_traceCall). The defaults are block execution.
struct TransitionOptions
{
    /// The transaction's nonce must equal the sender's and the sender must be an EOA
    /// (EIP-3607). Off (geth's SkipNonceChecks and SkipFromEOACheck): the sender's own nonce is
    /// bumped; a sender nonce of 2^64-1 is still refused (NonceMax).
    bool check_nonce = true;
    /// Buy gas at the effective gas price, checking the fee cap against the base fee and the
    /// balance against gas_limit * max_fee + value. Off (geth's NoBaseFee for a message without
    /// fee fields): gas price 0, no fee checks, the balance must cover the value only.
    bool charge_fees = true;
    /// The rules only inclusion in a block needs: the transaction type is executable, all of
    /// validate_stateless (tx nonce, fee product), the blob rules and blob fee (EIP-4844), and the
    /// block gas left. Off: only the intrinsic gas and the initcode size are checked (and, with
    /// charge_fees, the priority fee against the max fee), in geth's eth_call order.
    bool check_inclusion = true;
    /// After execution: refund the unused gas, pay the coinbase and finalize the transaction in
    /// the state (EIP-6780 deletions, EIP-161 clearing). Off: the caller discards the state.
    bool settle = true;
};

/// What executing a transaction produced: its receipt and the top frame's result.
struct TxExecution
{
    Receipt receipt;
    evm::Status status = evm::Status::Success;
    Bytes output;             ///< return data, or revert data
    uint64_t gas_refund = 0;  ///< refund granted (already subtracted from receipt.gas_used)
    Address created;          ///< address of a creation (meaningful when it succeeded)
};

/// Accounts warm when a transaction starts, besides its access list: the sender, the recipient
/// and `precompiles` (EIP-2929) and the coinbase (EIP-3651), in that order. `f` is called with
/// each `const Address&` (duplicates included).
template <typename F>
void for_each_warm_account(const Address& sender,
                           const std::optional<Address>& to,
                           const Address& coinbase,
                           std::span<const Address> precompiles,
                           F&& f)
{
    f(sender);
    if (to)
        f(*to);
    for (const auto& p : precompiles)
        f(p);
    f(coinbase);
}

/// Marks the warm-at-start set of a transaction warm in `state`: for_each_warm_account's
/// accounts, then every address and storage key of `access_list` (EIP-2930).
void warm_at_start(state::State& state,
                   const Address& sender,
                   const std::optional<Address>& to,
                   const Address& coinbase,
                   std::span<const Address> precompiles,
                   std::span<const AccessListEntry> access_list);

/// Validates `tx` from `sender` against `state` and `block` under `options` and, if valid,
/// executes it: apply_transaction's steps, each one kept or relaxed as TransitionOptions says.
/// With options.settle off the state is left mid-transaction (for the caller to discard).
Result<TxExecution, InvalidTx> execute_transaction(state::State& state,
                                                   const BlockEnv& block,
                                                   const Transaction& tx,
                                                   const Address& sender,
                                                   evm::Vm& vm,
                                                   const TransitionOptions& options,
                                                   uint64_t block_gas_used = 0);

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
