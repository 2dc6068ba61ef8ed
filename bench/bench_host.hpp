#pragma once

#include "bench/workloads.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tern::bench {

/// Runs code for a message: the interpreter entry point, behind an interface so the host does not
/// depend on how the interpreter is built (and tests can drive the host with a fake).
class CodeExecutor
{
public:
    virtual ~CodeExecutor() = default;
    /// Executes `code` (whose keccak256 is `code_hash`, the key of the interpreter's analysis
    /// cache) for `msg` with `host` as its world.
    virtual evm::ExecResult execute(evm::Host& host,
                                    const evm::Message& msg,
                                    BytesView code,
                                    const Hash256& code_hash) = 0;
};

/// A small in-memory Host for benchmarks: a workload's pre-state plus a journal, so that every
/// benchmark iteration starts from the same state (reset()) and failed nested calls roll back.
/// Nested calls run through the CodeExecutor; CREATE/CREATE2 and precompiles are not supported
/// (no workload uses them) and fail with InternalError/PrecompileFailure.
/// Deliberately simple (hash maps, no caching tricks): the benchmark measures the interpreter.
class BenchHost final : public evm::Host
{
public:
    /// Builds the host over `w`'s pre-state; `executor` must outlive the host.
    BenchHost(const Workload& w, CodeExecutor& executor);

    /// Restores the pre-state and the transaction-start access lists (sender, recipient,
    /// coinbase and precompiles warm, EIP-2929/3651), clears transient storage and logs.
    void reset();

    /// Number of LOG records emitted since reset() (benchmarks expect none or a known count).
    size_t log_count() const noexcept { return logs_; }

    /// Number of nested calls (depth > 0) made through call() since reset().
    size_t call_count() const noexcept { return calls_; }

    /// The block/transaction context built from the workload.
    const evm::TxContext& tx_context() const noexcept { return tx_context_; }

    bool account_exists(const Address& addr) const override;
    U256 get_storage(const Address& addr, const U256& key) const override;
    evm::StorageStatus set_storage(const Address& addr,
                                   const U256& key,
                                   const U256& value) override;
    U256 get_balance(const Address& addr) const override;
    size_t get_code_size(const Address& addr) const override;
    Hash256 get_code_hash(const Address& addr) const override;
    BytesView get_code(const Address& addr) const override;
    bool selfdestruct(const Address& addr, const Address& beneficiary) override;
    evm::ExecResult call(const evm::Message& msg) override;
    const evm::TxContext& get_tx_context() const override;
    Hash256 get_block_hash(int64_t number) const override;
    void emit_log(const Address& addr, BytesView data, std::span<const Hash256> topics) override;
    evm::AccessStatus access_account(const Address& addr) override;
    evm::AccessStatus access_storage(const Address& addr, const U256& key) override;
    U256 get_transient_storage(const Address& addr, const U256& key) const override;
    void set_transient_storage(const Address& addr, const U256& key, const U256& value) override;

private:
    /// A storage slot: its value at transaction start and now.
    struct Slot
    {
        U256 original;
        U256 current;
    };

    /// Live account state; storage holds every slot touched (or pre-set) so far.
    struct Account
    {
        U256 balance;
        uint64_t nonce = 0;
        std::shared_ptr<const Bytes> code;
        Hash256 code_hash;
        std::unordered_map<U256, Slot> storage;
        std::unordered_map<U256, U256> transient;
    };

    /// Undo record for the journal.
    struct JournalEntry
    {
        enum class Kind : uint8_t
        {
            Storage,
            Transient,
            Balance,
            WarmAccount,
            WarmSlot,
            Created,
        };
        Kind kind;
        Address addr;
        U256 key;
        U256 prev;
    };

    struct SlotKeyHash
    {
        size_t operator()(const std::pair<Address, U256>& k) const noexcept
        {
            return std::hash<Address>{}(k.first) ^ (std::hash<U256>{}(k.second) * 31);
        }
    };

    const Account* find(const Address& addr) const;
    Account& get_or_create(const Address& addr);
    void revert_to(size_t mark);

    CodeExecutor& executor_;
    std::vector<AccountSpec> pre_;
    std::vector<std::shared_ptr<const Bytes>> pre_code_;  ///< parallel to pre_, built once
    std::vector<Hash256> pre_code_hash_;                  ///< parallel to pre_
    std::unordered_map<Address, Account> accounts_;
    std::unordered_set<Address> warm_accounts_;
    std::unordered_set<std::pair<Address, U256>, SlotKeyHash> warm_slots_;
    std::vector<JournalEntry> journal_;
    evm::TxContext tx_context_;
    Address sender_;
    Address to_;
    size_t logs_ = 0;
    size_t calls_ = 0;
};

}  // namespace tern::bench
