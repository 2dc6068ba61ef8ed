#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "state/account.hpp"
#include "state/reader.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tern::state {

/// A log record (LOG0..LOG4) as it goes into receipts.
struct Log
{
    Address address;
    std::vector<Hash256> topics;
    Bytes data;

    friend bool operator==(const Log&, const Log&) = default;
};

/// A point in the journal to return to with State::revert().
struct Snapshot
{
    size_t journal_size = 0;
};

/// The journaled world state a transaction executes against. Reads go through a StateReader
/// (the backing store) and are cached; every change is recorded in a journal so a failing call
/// frame can be undone exactly with revert(snapshot): account fields, code, storage, transient
/// storage (EIP-1153), warm accounts and slots (EIP-2929), touched accounts (EIP-161), the
/// created-in-this-transaction set (EIP-6780), self-destructs and logs.
///
/// Lifecycle: run a transaction, call finalize_transaction() (self-destruct deletion, EIP-161
/// clearing, new "original" storage values, per-transaction sets reset), repeat for the next
/// transaction, and commit() the net changes to the backend.
class State
{
public:
    /// A state over `reader`, which must outlive it.
    explicit State(const StateReader& reader) : reader_(reader) {}

    State(const State&) = delete;
    State& operator=(const State&) = delete;

    // ---- account reads ----

    /// True if the account is present in the state (possibly empty).
    bool exists(const Address& addr) const;
    /// EIP-161 "dead": the account does not exist, or has nonce 0, balance 0 and no code.
    bool is_dead(const Address& addr) const;
    /// Nonce (0 for absent accounts).
    uint64_t nonce(const Address& addr) const;
    /// Balance (0 for absent accounts).
    const U256& balance(const Address& addr) const;
    /// Code hash (kEmptyCodeHash for absent accounts and accounts without code).
    const Hash256& code_hash(const Address& addr) const;
    /// Code (empty for absent accounts); stays valid until that account's code changes.
    BytesView code(const Address& addr) const;
    /// True if the account has any non-zero storage (committed or current), for EIP-7610.
    bool has_storage(const Address& addr) const;
    /// Current value of a storage slot.
    U256 storage(const Address& addr, const U256& key) const;
    /// Value of a storage slot at the start of the current transaction (EIP-2200 "original").
    U256 original_storage(const Address& addr, const U256& key) const;

    // ---- account writes (journaled) ----

    /// Makes the account exist (nonce 0, balance 0, no code) if it does not.
    void create_account(const Address& addr);
    /// EIP-161 touch: the account exists afterwards and is deleted at the end of the
    /// transaction if it is empty then.
    void touch(const Address& addr);
    /// Sets the nonce; the account must exist.
    void set_nonce(const Address& addr, uint64_t nonce);
    /// Sets the balance; creates the account if needed.
    void set_balance(const Address& addr, const U256& balance);
    /// Adds to the balance (mod 2^256 never wraps in practice: total supply is far below).
    void add_balance(const Address& addr, const U256& amount);
    /// Subtracts from the balance; the caller has checked it is sufficient.
    void sub_balance(const Address& addr, const U256& amount);
    /// Sets the code of an existing account.
    void set_code(const Address& addr, BytesView code);
    /// Sets a storage slot of an existing account.
    void set_storage(const Address& addr, const U256& key, const U256& value);

    // ---- content-addressed blobs (journaled) ----

    /// Stores `data` under its keccak hash, which it returns (a chain feature keeps the hash in
    /// its storage; that is what the state root covers). Reverting past this call forgets it.
    Hash256 put_blob(Bytes data);
    /// The blob with `hash`: one put in this State, or the backend's; null if unknown.
    CodePtr blob(const Hash256& hash) const;

    // ---- transaction-scoped data (journaled) ----

    /// Marks the account warm; returns true if it already was (EIP-2929).
    bool access_account(const Address& addr);
    /// Marks the slot warm; returns true if it already was (EIP-2929).
    bool access_storage(const Address& addr, const U256& key);
    /// True if the account is warm.
    bool is_warm(const Address& addr) const { return warm_accounts_.contains(addr); }
    /// TLOAD (EIP-1153).
    U256 transient_storage(const Address& addr, const U256& key) const;
    /// TSTORE (EIP-1153).
    void set_transient_storage(const Address& addr, const U256& key, const U256& value);
    /// Records that the account was created in this transaction (EIP-6780).
    void mark_created(const Address& addr);
    /// True if the account was created in this transaction.
    bool is_created(const Address& addr) const;
    /// Marks the account for deletion at the end of the transaction; true the first time.
    bool mark_destructed(const Address& addr);
    /// True if marked for deletion.
    bool is_destructed(const Address& addr) const;
    /// Appends a log record.
    void add_log(Log log);
    /// Logs of the current transaction so far.
    const std::vector<Log>& logs() const noexcept { return logs_; }

    // ---- journal ----

    /// The current journal position.
    Snapshot snapshot() const noexcept { return {journal_.size()}; }
    /// Undoes every change made since `s`.
    void revert(Snapshot s);

    /// Ends the transaction: deletes self-destructed accounts and touched empty accounts
    /// (EIP-161), makes current storage the new "original", clears warm sets, transient
    /// storage, created/destructed marks, logs and the journal.
    void finalize_transaction();

    /// The net changes since construction or the previous commit, in address order; the
    /// State then treats them as committed (call after finalize_transaction()).
    StateDiff commit();

private:
    struct Slot
    {
        U256 original;  ///< value at transaction start
        U256 current;
        bool dirty = false;  ///< written since the last commit
    };

    struct Account
    {
        bool exists = false;
        uint64_t nonce = 0;
        U256 balance;
        Hash256 code_hash = kEmptyCodeHash;
        CodePtr code;  ///< loaded lazily
        bool code_dirty = false;
        bool storage_cleared = false;  ///< committed storage no longer applies
        int8_t backend_storage = -1;   ///< cached StateReader::has_storage: -1 unknown, 0/1
        bool touched = false;
        bool created = false;
        bool destructed = false;
        std::unordered_map<U256, Slot, U256Hash> storage;
    };

    enum class Kind : uint8_t
    {
        Create,
        Touch,
        Nonce,
        Balance,
        Code,
        Storage,
        Transient,
        WarmAccount,
        WarmSlot,
        Created,
        Destructed,
        LogAdded,
        Blob,
    };

    struct Entry
    {
        Kind kind;
        Address addr;
        U256 key;
        U256 prev;  ///< previous balance / storage / transient value; nonce in prev.w[0]
        CodePtr prev_code;
        Hash256 prev_code_hash;
    };

    Account& load(const Address& addr) const;
    Account& load_existing(const Address& addr);
    Slot& load_slot(const Address& addr, Account& acc, const U256& key) const;
    void delete_account(const Address& addr, Account& acc);
    void mark_dirty(const Address& addr) { dirty_.insert(addr); }

    const StateReader& reader_;
    mutable std::unordered_map<Address, Account> cache_;
    std::set<Address> dirty_;
    std::unordered_set<Address> warm_accounts_;
    std::unordered_set<std::pair<Address, U256>, AddressSlotHash> warm_slots_;
    std::unordered_map<std::pair<Address, U256>, U256, AddressSlotHash> transient_;
    std::vector<Log> logs_;
    std::vector<Entry> journal_;
    /// Blobs put since the last commit (Kind::Blob entries name the ones a revert removes).
    std::map<Hash256, CodePtr> blobs_;
};

}  // namespace tern::state
