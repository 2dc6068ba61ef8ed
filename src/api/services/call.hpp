#pragma once

#include "core/bytes.hpp"
#include "core/deadline.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"
#include "evm/vm.hpp"
#include "execution/block_env.hpp"
#include "state/reader.hpp"
#include "state/state.hpp"
#include "transaction/transaction.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tern::api {

/// One account's eth_call state override (geth's OverrideAccount).
struct AccountOverride
{
    std::optional<U256> balance;
    std::optional<uint64_t> nonce;
    std::optional<Bytes> code;
    /// Replaces the whole storage (`state`).
    std::optional<std::map<U256, U256>> state;
    /// Patches single slots (`stateDiff`).
    std::map<U256, U256> state_diff;
};

/// State overrides by address.
using StateOverrides = std::map<Address, AccountOverride>;

/// eth_call's block overrides (geth's override.BlockOverrides): fields of the block the call
/// runs in. `difficulty` is accepted and has no effect after the merge (as in geth).
struct BlockOverrides
{
    std::optional<uint64_t> number;
    std::optional<U256> difficulty;
    std::optional<uint64_t> time;
    std::optional<uint64_t> gas_limit;
    std::optional<Address> fee_recipient;
    std::optional<Hash256> prev_randao;
    std::optional<U256> base_fee_per_gas;
    std::optional<U256> blob_base_fee;
};

/// A StateReader that applies state overrides on top of another reader.
class OverrideReader final : public state::StateReader
{
public:
    /// Reads `base` patched by `overrides`; both outlive the reader.
    OverrideReader(const state::StateReader& base, const StateOverrides& overrides);

    std::optional<state::AccountInfo> read_account(const Address& addr) const override;
    U256 read_storage(const Address& addr, const U256& key) const override;
    bool has_storage(const Address& addr) const override;
    state::CodePtr read_code(const Hash256& code_hash) const override;
    state::CodePtr read_blob(const Hash256& hash) const override { return base_.read_blob(hash); }

private:
    const state::StateReader& base_;
    const StateOverrides& overrides_;
    std::map<Hash256, state::CodePtr> codes_;
};

/// A StateReader that records which accounts and slots were read (eth_createAccessList).
class RecordingReader final : public state::StateReader
{
public:
    /// Records reads passed through to `base`, which outlives the reader.
    explicit RecordingReader(const state::StateReader& base) : base_(base) {}

    std::optional<state::AccountInfo> read_account(const Address& addr) const override;
    U256 read_storage(const Address& addr, const U256& key) const override;
    bool has_storage(const Address& addr) const override;
    state::CodePtr read_code(const Hash256& code_hash) const override;
    state::CodePtr read_blob(const Hash256& hash) const override { return base_.read_blob(hash); }

    /// Accounts read, in address order.
    const std::set<Address>& accounts() const noexcept { return accounts_; }
    /// Slots read per account, in slot order.
    const std::map<Address, std::set<U256>>& slots() const noexcept { return slots_; }

private:
    const state::StateReader& base_;
    mutable std::set<Address> accounts_;
    mutable std::map<Address, std::set<U256>> slots_;
};

/// A message to simulate (eth_call, eth_estimateGas, eth_createAccessList), defaults applied.
struct CallRequest
{
    TxType type = TxType::Legacy;
    Address from;
    std::optional<Address> to;
    uint64_t gas = 0;
    /// True when the caller gave gasPrice or maxFeePerGas/maxPriorityFeePerGas: fees are then
    /// checked against the base fee and charged; otherwise the message is free (geth NoBaseFee).
    bool fees_given = false;
    U256 max_fee_per_gas;
    U256 max_priority_fee_per_gas;
    U256 value;
    Bytes data;
    std::vector<AccessListEntry> access_list;
    U256 max_fee_per_blob_gas;
    std::vector<Hash256> blob_hashes;
    /// The message's nonce when the caller gave one; otherwise the sender's. Only proof-of-work
    /// gas reads it (execution::pays_with_work): eth_call checks no nonce.
    std::optional<uint64_t> nonce;
};

/// Outcome of an executed message.
struct CallResult
{
    evm::Status status = evm::Status::Success;
    Bytes output;           ///< return data, or revert data
    uint64_t gas_used = 0;  ///< after the refund
    uint64_t gas_refund = 0;
    std::vector<state::Log> logs;
    Address created;  ///< address of a successful creation
};

/// A message that could not run at all (geth's pre-check errors, with geth's messages), or one
/// stopped by the Vm's deadline (Vm::set_deadline): then `aborted` is set and the message is
/// geth's "execution aborted (timeout = 5s)".
struct CallError
{
    std::string message;
    bool aborted = false;
};

/// geth's error for an execution stopped at its deadline: "execution aborted (timeout = 5s)"
/// (the timeout as Go prints durations; "0s" when only the client's disconnect stopped it).
std::string aborted_message(const Deadline& deadline);

/// Runs `req` against `reader` in block `env` and discards the state: geth's eth_call rules
/// (no nonce or EOA checks, gas price 0 and no base fee check without fee fields, balance must
/// cover gas * price + value). With a deadline on `vm` (the RPC handlers set one), an execution
/// it stops is a CallError with `aborted` set, whatever the frames returned.
Result<CallResult, CallError> simulate_call(const state::StateReader& reader,
                                            const execution::BlockEnv& env,
                                            const CallRequest& req,
                                            evm::Vm& vm);

/// geth's message for a failed (not reverted) execution status, e.g. "out of gas".
std::string status_message(evm::Status status);

/// Result of gas estimation.
struct EstimateResult
{
    uint64_t gas = 0;
    uint32_t executions = 0;  ///< executions of the message the search took
};

/// How far above the least working gas limit an estimate may be, in per mille: geth's
/// estimateGasErrorRatio (0.015). Wallets add 20-25% anyway; the tolerance saves executions.
inline constexpr uint64_t kEstimateErrorPerMille = 15;

/// An estimation failure: a revert (with its data) or an error message.
struct EstimateError
{
    bool reverted = false;
    Bytes revert_data;
    std::string message;
};

/// A gas limit in [intrinsic, cap] with which `req` succeeds, at most kEstimateErrorPerMille
/// above the smallest one (geth's search: 21000 for plain transfers, else one run at the cap,
/// an optimistic guess of (used + refund + 2300) * 64 / 63, then bisection skewed low, stopped
/// within the tolerance). `req.gas` (when non-zero) caps the search. A deadline on `vm`
/// bounds the whole search: a stopped run ends it with the aborted error.
Result<EstimateResult, EstimateError> estimate_gas(const state::StateReader& reader,
                                                   const execution::BlockEnv& env,
                                                   CallRequest req,
                                                   uint64_t cap,
                                                   evm::Vm& vm);

/// Access list of the accounts and slots `req` touches (without from, to, precompiles and
/// the coinbase) and the gas used with it.
struct AccessListResult
{
    std::vector<AccessListEntry> access_list;
    uint64_t gas_used = 0;
    std::optional<std::string> error;  ///< execution failure message (list still given)
};

/// eth_createAccessList.
Result<AccessListResult, CallError> create_access_list(const state::StateReader& reader,
                                                       const execution::BlockEnv& env,
                                                       CallRequest req,
                                                       evm::Vm& vm);

/// A pool of interpreters (one per concurrent call: a Vm is single-threaded).
class VmPool
{
public:
    /// A borrowed Vm, returned to the pool on destruction.
    class Lease
    {
    public:
        Lease(VmPool& pool, std::unique_ptr<evm::Vm> vm) : pool_(pool), vm_(std::move(vm)) {}
        ~Lease();
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        /// The borrowed interpreter.
        evm::Vm& operator*() noexcept { return *vm_; }

    private:
        VmPool& pool_;
        std::unique_ptr<evm::Vm> vm_;
    };

    VmPool();
    ~VmPool();
    /// Borrows a Vm (a new one if none is free).
    Lease acquire();

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<evm::Vm>> free_;
};

}  // namespace tern::api
