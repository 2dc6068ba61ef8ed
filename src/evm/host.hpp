#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace tern::evm {

/// Kind of a message call (EVMC's evmc_call_kind).
enum class CallKind : uint8_t
{
    Call,
    DelegateCall,
    CallCode,
    Create,
    Create2,
};

/// Outcome of executing a message (EVMC's evmc_status_code, reduced to what Ethereum needs).
enum class Status : uint8_t
{
    Success,
    Revert,
    OutOfGas,
    InvalidInstruction,    ///< 0xFE INVALID
    UndefinedInstruction,  ///< opcode not defined in the fork
    StackOverflow,
    StackUnderflow,
    BadJumpDestination,
    InvalidMemoryAccess,  ///< RETURNDATACOPY out of bounds
    StaticModeViolation,
    CallDepthExceeded,
    InsufficientBalance,
    ArgumentOutOfRange,
    PrecompileFailure,
    ContractValidationFailure,  ///< EIP-3541 0xEF prefix
    CreateCollision,
    InitcodeSizeExceeded,
    CodeSizeExceeded,
    InternalError,
    /// Stopped by an RPC execution deadline or a client that went away (Vm::set_deadline). Only
    /// RPC-driven executions have a deadline; block execution never ends with this status.
    Interrupted,
};

/// A message to execute: a call or a contract creation (EVMC's evmc_message).
struct Message
{
    CallKind kind = CallKind::Call;
    bool is_static = false;
    int32_t depth = 0;
    int64_t gas = 0;
    Address recipient;     ///< account whose storage/balance the code acts on
    Address sender;        ///< CALLER
    Address code_address;  ///< account whose code runs (differs for DELEGATECALL/CALLCODE)
    BytesView input;       ///< call data, or init code for creations
    U256 value;            ///< CALLVALUE (apparent value for DELEGATECALL)
    Hash256 create2_salt;  ///< only for Create2
};

/// Result of executing a message (EVMC's evmc_result).
struct ExecResult
{
    Status status = Status::Success;
    int64_t gas_left = 0;
    int64_t gas_refund = 0;  ///< refund counter accumulated by this frame (EIP-3529 rules)
    Bytes output;            ///< return data, or revert data
    Address create_address;  ///< set for successful creations
};

/// EIP-2929 access status.
enum class AccessStatus : uint8_t
{
    Cold,
    Warm,
};

/// What an SSTORE did, for EIP-2200/EIP-3529 gas and refund accounting. Mirrors
/// evmc_storage_status: the host reports (original, current, new) and the interpreter prices it.
enum class StorageStatus : uint8_t
{
    Assigned,          ///< no-op or already-dirty slot (warm read cost)
    Added,             ///< 0 -> 0 -> Z
    Deleted,           ///< X -> X -> 0
    Modified,          ///< X -> X -> Z
    DeletedAdded,      ///< X -> 0 -> Z
    ModifiedDeleted,   ///< X -> Y -> 0
    DeletedRestored,   ///< X -> 0 -> X
    AddedDeleted,      ///< 0 -> Y -> 0
    ModifiedRestored,  ///< X -> Y -> X
};

/// Block and transaction context visible to the code (EVMC's evmc_tx_context).
struct TxContext
{
    U256 gas_price;
    Address origin;
    Address coinbase;
    int64_t block_number = 0;
    int64_t block_timestamp = 0;
    int64_t block_gas_limit = 0;
    Hash256 prev_randao;
    U256 chain_id;
    U256 base_fee;
    U256 blob_base_fee;
    std::span<const Hash256> blob_hashes;
};

/// The interpreter's only window on the world (EVMC's host interface). Implemented by the
/// execution layer over a journaled state; the interpreter never touches storage directly.
/// Virtual calls happen per state-accessing instruction, never per opcode dispatch.
class Host
{
public:
    virtual ~Host() = default;

    /// True if the account exists (EIP-161: non-empty or touched-and-created).
    virtual bool account_exists(const Address& addr) const = 0;
    /// SLOAD value.
    virtual U256 get_storage(const Address& addr, const U256& key) const = 0;
    /// SSTORE; returns the transition for gas pricing.
    virtual StorageStatus set_storage(const Address& addr, const U256& key, const U256& value) = 0;
    /// BALANCE / SELFBALANCE.
    virtual U256 get_balance(const Address& addr) const = 0;
    /// EXTCODESIZE.
    virtual size_t get_code_size(const Address& addr) const = 0;
    /// EXTCODEHASH: zero for non-existent accounts.
    virtual Hash256 get_code_hash(const Address& addr) const = 0;
    /// The code of an account (empty if none); stays valid until the state changes the code.
    virtual BytesView get_code(const Address& addr) const = 0;
    /// SELFDESTRUCT (EIP-6780 semantics live in the host). True if first destruct of `addr`
    /// in this transaction (used for nothing in Cancun gas, kept for tracing).
    virtual bool selfdestruct(const Address& addr, const Address& beneficiary) = 0;
    /// CALL*/CREATE*: executes a nested message (value transfer, snapshots, precompiles).
    virtual ExecResult call(const Message& msg) = 0;
    /// Block and transaction context.
    virtual const TxContext& get_tx_context() const = 0;
    /// BLOCKHASH for a number within the last 256 blocks (the caller checks the range).
    virtual Hash256 get_block_hash(int64_t number) const = 0;
    /// LOG0..LOG4.
    virtual void emit_log(const Address& addr, BytesView data, std::span<const Hash256> topics) = 0;
    /// Marks an account warm; returns its previous status (EIP-2929).
    virtual AccessStatus access_account(const Address& addr) = 0;
    /// Marks a storage slot warm; returns its previous status (EIP-2929).
    virtual AccessStatus access_storage(const Address& addr, const U256& key) = 0;
    /// TLOAD (EIP-1153).
    virtual U256 get_transient_storage(const Address& addr, const U256& key) const = 0;
    /// TSTORE (EIP-1153).
    virtual void set_transient_storage(const Address& addr, const U256& key, const U256& value) = 0;
};

}  // namespace tern::evm
