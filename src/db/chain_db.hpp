#pragma once

#include "chain/block.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "db/codec.hpp"
#include "execution/receipt.hpp"
#include "state/account.hpp"
#include "state/reader.hpp"
#include "transaction/transaction.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace tern::db {

/// Why a database operation failed.
enum class DbErrorCode : uint8_t
{
    Io,                   ///< RocksDB reported an I/O error (message carries its status text)
    Corruption,           ///< stored bytes failed their checksum or could not be decoded
    HistoryUnavailable,   ///< state at a block outside the history window (or in the future)
    GenesisMismatch,      ///< the database holds a different genesis
    NotInitialized,       ///< no genesis written yet
    InvalidBlock,         ///< commit_block: not the child of the head (number or parent hash)
    IncompatibleVersion,  ///< the database was written with another schema version
    NotEmpty,             ///< a snapshot import needs a database with nothing past genesis
    NoSpace,              ///< a write failed because the disk is full
    /// open(): recovering the database would take the head back past blocks acknowledged
    /// before (damaged write-ahead log, or lost writes); refused unless accept_lost_blocks.
    LostBlocks,
    HeadInconsistent,  ///< check_head(): the head block's stored parts do not agree
};

/// A database error: a code for callers to branch on and a human-readable message.
struct DbError
{
    DbErrorCode code = DbErrorCode::Io;
    std::string message;
};

/// Success marker for operations with no value (Result<Ok, DbError>).
struct Ok
{};

/// A read of stored data failed (RocksDB I/O error, checksum mismatch, undecodable value):
/// thrown by the ChainDb lookups that have no error channel of their own (header(), block(),
/// transaction(), ..., and the head-state reads of ChainDb itself). The JSON-RPC dispatcher
/// answers it with -32603 and its message; the engines stop producing blocks. The failure is
/// logged where it happens (stderr, rate-limited).
class DbReadError : public std::runtime_error
{
public:
    /// An exception carrying `error` (what() is its message).
    explicit DbReadError(DbError error);
    /// The code and message.
    const DbError& error() const noexcept { return error_; }

private:
    DbError error_;
};

/// How to open a ChainDb.
struct ChainDbOptions
{
    /// Directory of the RocksDB database; empty = in memory (a private rocksdb::NewMemEnv, same
    /// code path, gone when the ChainDb is destroyed).
    std::string path;
    /// Number of past blocks whose state stays readable through state_at(): blocks
    /// head - history_blocks .. head (0 counts as 1). Ignored when `archive` is set; shrinking it
    /// on reopen applies at once, the deletion of older history catches up over later commits.
    uint64_t history_blocks = 128;
    /// Keep the history of every block (never prune).
    bool archive = false;
    /// Test hook: finish_import() returns an error right after its first write (the import
    /// marker), as if the process had been killed there; reopening completes the import.
    bool import_stop_after_marker = false;
    /// fsync the WAL on every commit_block: the power-loss setting (a committed block survives
    /// an OS crash or power cut). Without it each commit still goes through the write-ahead
    /// log before commit_block returns, so a killed process (kill -9) never loses a committed
    /// block; an OS crash or power loss can lose the last ones, which the next open() detects
    /// (head mark) and refuses unless accept_lost_blocks.
    bool sync_writes = false;
    /// open(): when recovery would take the head back past blocks acknowledged before (a
    /// damaged write-ahead log, or writes lost to a power cut without sync_writes), recover to
    /// the last consistent block anyway, logging the blocks lost, instead of refusing
    /// (LostBlocks). The operator's explicit choice; on a CometBFT validator CometBFT then
    /// replays the lost blocks from its block store.
    bool accept_lost_blocks = false;
    /// RocksDB block cache size in bytes (0 = RocksDB default).
    size_t block_cache_bytes = 64 << 20;
};

/// Where an included transaction lives, with its decoded form and sender.
struct TxLookup
{
    uint64_t block_number = 0;
    Hash256 block_hash;
    uint32_t index = 0;  ///< position in the block
    Transaction tx;
    Address sender;
    Hash256 hash;
};

/// Callback of ChainDb::for_each_account: address and account, in address order.
using AccountVisitor = std::function<void(const Address&, const state::AccountInfo&)>;
/// Called with each stored blob: its keccak hash and its bytes (valid during the call).
using BlobVisitor = std::function<void(const Hash256& hash, BytesView blob)>;
/// Callback of ChainDb::for_each_storage: slot key and (non-zero) value, in key order.
using StorageVisitor = std::function<void(const U256& key, const U256& value)>;

/// A StateReader pinned to one block's state (a RocksDB snapshot: later commits are invisible).
/// Returned by ChainDb::state_at() and ChainDb::head_state(); must not outlive its ChainDb.
///
/// Reads never throw (the EVM calls them from noexcept code): a read that fails (I/O error,
/// corruption) is logged, answered as absent / zero / no more entries, and remembered as the
/// view's fault(). Whoever returns or commits something computed from a view checks it first
/// (throw_if_faulted()), as geth checks StateDB.Error() after executing.
class StateView : public state::StateReader
{
public:
    /// The block whose post-state this view reads.
    virtual uint64_t block_number() const noexcept = 0;
    /// Storage of `addr` at this block, in slot order (non-zero values only).
    virtual void for_each_storage(const Address& addr, const StorageVisitor& fn) const = 0;
    /// Every account at this block, in address order (state-sync snapshots).
    virtual void for_each_account(const AccountVisitor& fn) const = 0;
    /// Every stored blob (state::StateDiff::blobs), in hash order (state-sync snapshots). The
    /// blob store is not versioned: a view also sees blobs of blocks up to when it was taken.
    virtual void for_each_blob(const BlobVisitor& fn) const = 0;
    /// Canonical hash of block `number` (nullopt past this view's block or unknown): BLOCKHASH
    /// inside an execution on this view.
    virtual std::optional<Hash256> block_hash(uint64_t number) const = 0;

    /// The first read of this view that failed, if any.
    std::optional<DbError> fault() const;
    /// Throws DbReadError with fault() if a read of this view failed.
    void throw_if_faulted() const;

protected:
    /// Remembers `error` (the first one only).
    void record_fault(const DbError& error) const noexcept;

private:
    mutable std::atomic<bool> faulted_{false};
    mutable std::mutex fault_mutex_;
    mutable std::optional<DbError> fault_;
};

/// What the JSON-RPC API reads of a chain: blocks, receipts, the transaction index and the
/// state at a block (geth's ethapi.Backend reads). ChainDb is the implementation; tests of the
/// API implement it in memory. The lookups answer nullopt for what is not stored and throw
/// DbReadError when what is stored cannot be read. ChainDb is final, so calls made through a
/// ChainDb are direct.
class ChainReader : public state::StateReader, public chain::StateSource
{
public:
    /// Number of the latest committed block.
    virtual uint64_t head_number() const noexcept = 0;
    /// Header of the block `number` (nullopt if not committed).
    virtual std::optional<chain::BlockHeader> header(uint64_t number) const = 0;
    /// Header of the block with `hash`.
    virtual std::optional<chain::BlockHeader> header_by_hash(const Hash256& hash) const = 0;
    /// Hash of block `number` (nullopt if not committed).
    virtual std::optional<Hash256> block_hash(uint64_t number) const = 0;
    /// Number of the block with `hash`.
    virtual std::optional<uint64_t> block_number(const Hash256& hash) const = 0;
    /// Number of transactions in block `number`.
    virtual std::optional<size_t> transaction_count(uint64_t number) const = 0;
    /// The full block `number` (header, transactions, senders, withdrawals).
    virtual std::optional<chain::Block> block(uint64_t number) const = 0;
    /// Receipts of block `number` (blooms recomputed unless `blooms` is Skip).
    virtual std::optional<std::vector<execution::Receipt>> receipts(
        uint64_t number,
        codec::Blooms blooms = codec::Blooms::Compute) const = 0;
    /// Receipt `index` of block `number` with what comes before it in the block.
    virtual Result<std::optional<codec::ReceiptAt>, DbError> receipt_at(uint64_t number,
                                                                        uint32_t index) const = 0;
    /// An included transaction by hash (nullopt if unknown).
    virtual std::optional<TxLookup> transaction(const Hash256& tx_hash) const = 0;
    /// Transaction `index` of block `number`.
    virtual std::optional<TxLookup> transaction_at(uint64_t number, uint32_t index) const = 0;
    /// A consistent view of the head state.
    virtual std::unique_ptr<StateView> head_state() const = 0;
    /// The state after block `number` (HistoryUnavailable outside the history window).
    virtual Result<std::unique_ptr<StateView>, DbError> state_at(uint64_t number) const = 0;
    /// Lowest block whose state state_at() can still give.
    virtual uint64_t oldest_state_block() const noexcept = 0;
};

/// The chain data a state-sync import brings besides the state: block H (the new head, with
/// its senders and receipts) and the headers of the blocks before it (BLOCKHASH's window, and
/// H's parent), whose hashes become the canonical hashes of those blocks; blocks before H get
/// no stored header, body or receipts.
struct ImportedHead
{
    chain::Block block;  ///< block H with senders
    std::vector<execution::Receipt> receipts;
    /// Headers of blocks H-k .. H-1 (k >= 1), oldest first: each one's hash is the next one's
    /// parent hash, the last one's is H's parent hash.
    std::vector<chain::BlockHeader> ancestors;
};

/// RLP [block, [sender...], receipts (codec form), [header...]]: how an ImportedHead is stored
/// in the import marker and carried in snapshots.
Bytes encode_imported_head(const ImportedHead& head);
/// Inverse of encode_imported_head (strict: trailing bytes, bad RLP, or senders / receipts not
/// matching the transactions one to one are errors).
Result<ImportedHead, std::string> decode_imported_head(BytesView in);
/// Whether `head` hangs together as a chain: H is past genesis, the ancestors are numbered
/// H-k .. H-1 and each one's hash is the next one's parent hash (the last one's: H's), so H's
/// hash commits to all of them; senders and receipts match the transactions one to one. The
/// reason otherwise. (Whether H itself is the right block is the caller's check.)
Result<bool, std::string> check_imported_chain(const ImportedHead& head);

/// State written by one ChainDb::import_state call (any order; storage values non-zero).
struct ImportBatch
{
    std::vector<std::pair<Address, state::AccountInfo>> accounts;
    /// (address, slot, value) with value != 0.
    std::vector<std::tuple<Address, U256, U256>> storage;
    std::vector<Bytes> code;   ///< code blobs (stored under their keccak hash)
    std::vector<Bytes> blobs;  ///< content-addressed blobs (stored under their keccak hash)
};

/// The node's persistent store on RocksDB: flat head state (accounts, storage, code), per-block
/// history of changed values (for state at recent blocks), headers, bodies, receipts, the
/// transaction index and chain metadata. Every block is written in one atomic WriteBatch, so
/// after a crash the database holds exactly the blocks whose commit_block returned (or whose
/// batch reached the WAL), never part of one.
///
/// Failing loudly: RocksDB verifies block checksums on every read (paranoid checks on), and a
/// read that fails is an error (DbReadError, a view's fault(), a DbError), never an abort.
/// The WAL is replayed in kTolerateCorruptedTailRecords mode (a record torn by kill -9 is
/// dropped, any other damage refuses to open), and a head mark file beside the database
/// (TERN-HEAD, rewritten after every commit) lets open() notice a recovery that went back past
/// a block it had acknowledged: LostBlocks, naming them, unless accept_lost_blocks.
///
/// The ChainDb itself is a StateReader of the head state (the latest committed block) and the
/// chain::StateSource the state-root tracker scans. Reads are thread-safe; commit_block /
/// init_genesis must come from one writer at a time (the node's chain mutex), and head reads
/// during a commit see either the old or the new block per read (use head_state() for a
/// consistent multi-read view).
class ChainDb final : public ChainReader
{
public:
    /// Opens (creating if missing) the database. Fails if RocksDB cannot open it or it was
    /// written by an incompatible schema version.
    static Result<std::unique_ptr<ChainDb>, DbError> open(const ChainDbOptions& options);

    ~ChainDb() override;
    ChainDb(const ChainDb&) = delete;
    ChainDb& operator=(const ChainDb&) = delete;

    // ---- genesis and metadata ----

    /// Writes block 0 and its state (`alloc`: each account's info, code and storage) if the
    /// database is empty; if it already holds a chain, succeeds only when its genesis hash
    /// equals `genesis.header.hash()` (GenesisMismatch otherwise) and writes nothing.
    /// `chain_config` is an opaque blob (the node's config) stored beside the genesis.
    Result<Ok, DbError> init_genesis(const chain::Block& genesis,
                                     const state::StateDiff& alloc,
                                     BytesView chain_config = {});

    /// True once a genesis has been written.
    bool initialized() const noexcept;
    /// Hash of block 0 (nullopt before init_genesis).
    std::optional<Hash256> genesis_hash() const;
    /// The blob given to init_genesis (nullopt if none).
    std::optional<Bytes> chain_config() const;

    // ---- blocks ----
    //
    // The lookups below answer nullopt for what is not stored and throw DbReadError when what is
    // stored cannot be read (I/O error, checksum mismatch, undecodable).

    /// Commits one block on top of the head: its state changes (flat state, code, history of
    /// previous values), header, body, receipts, transaction index and the new head pointer, in
    /// one atomic WriteBatch; then prunes history that left the window. Fails with
    /// InvalidBlock unless block.header.number == head + 1 and parent_hash == head hash, with
    /// NoSpace / Io when the batch cannot be written (then RocksDB refuses writes until
    /// resume()). Throws DbReadError, writing nothing, when a value the batch replaces or
    /// prunes cannot be read.
    Result<Ok, DbError> commit_block(const chain::Block& block,
                                     std::span<const execution::Receipt> receipts,
                                     const state::StateDiff& diff);

    /// Number of the latest committed block (0 after genesis; 0 before init as well).
    uint64_t head_number() const noexcept override;
    /// Hash of the latest committed block.
    Hash256 head_hash() const noexcept;

    /// Header of the block `number` (nullopt if not committed).
    std::optional<chain::BlockHeader> header(uint64_t number) const override;
    /// Header of the block with `hash`.
    std::optional<chain::BlockHeader> header_by_hash(const Hash256& hash) const override;
    /// Hash of block `number` (nullopt if not committed). Cheap: no header decoding.
    std::optional<Hash256> block_hash(uint64_t number) const override;
    /// Number of the block with `hash`.
    std::optional<uint64_t> block_number(const Hash256& hash) const override;
    /// Number of transactions in block `number`.
    std::optional<size_t> transaction_count(uint64_t number) const override;
    /// The full block `number` (header, transactions, senders, withdrawals).
    std::optional<chain::Block> block(uint64_t number) const override;
    /// The full block with `hash`.
    std::optional<chain::Block> block_by_hash(const Hash256& hash) const;
    /// Receipts of block `number` (blooms recomputed from the logs unless `blooms` is Skip);
    /// nullopt if not committed.
    std::optional<std::vector<execution::Receipt>> receipts(
        uint64_t number,
        codec::Blooms blooms = codec::Blooms::Compute) const override;
    /// Receipt `index` of block `number` with the previous receipt's cumulative gas and the
    /// number of logs before it (eth_getTransactionReceipt), read without decoding the block's
    /// other receipts (codec::decode_receipt_at). nullopt if the block is not committed or has
    /// no receipt `index`; Corruption if the stored receipts are malformed.
    Result<std::optional<codec::ReceiptAt>, DbError> receipt_at(uint64_t number,
                                                                uint32_t index) const override;
    /// An included transaction by hash (nullopt if unknown).
    std::optional<TxLookup> transaction(const Hash256& tx_hash) const override;
    /// Transaction `index` of block `number`.
    std::optional<TxLookup> transaction_at(uint64_t number, uint32_t index) const override;

    // ---- state ----
    //
    // The ChainDb's own head-state reads throw DbReadError on a failed read: they are for code
    // outside EVM execution (the tracker, queries); executions read through a StateView.

    /// Head state: nullopt if the account does not exist.
    std::optional<state::AccountInfo> read_account(const Address& addr) const override;
    /// Head state: a slot's value (zero if absent).
    U256 read_storage(const Address& addr, const U256& key) const override;
    /// Head state: true if `addr` has a non-zero storage slot.
    bool has_storage(const Address& addr) const override;
    /// Code by hash (cached; code is never deleted); null for kEmptyCodeHash / unknown.
    state::CodePtr read_code(const Hash256& code_hash) const override;
    state::CodePtr read_blob(const Hash256& hash) const override;

    /// A consistent view of the head state (snapshot; later commits are invisible to it).
    /// Throws DbReadError if the head pointer cannot be read.
    std::unique_ptr<StateView> head_state() const override;
    /// The state after block `number`; HistoryUnavailable ("historical state not available")
    /// unless number is in [oldest_state_block(), head].
    Result<std::unique_ptr<StateView>, DbError> state_at(uint64_t number) const override;
    /// Lowest block whose state state_at() can still give.
    uint64_t oldest_state_block() const noexcept override;

    /// Every account of the head state, in address order (state-root tracker, dumps).
    void for_each_account(const AccountVisitor& fn) const override;
    /// Head storage of `addr`, in slot order (non-zero values only).
    void for_each_storage(const Address& addr, const StorageVisitor& fn) const override;

    // ---- snapshot import (state sync) ----
    //
    // A fresh node (nothing past genesis) imports block H's state: begin_import(), then
    // import_state() batches into staging column families (the live state is untouched, readers
    // see the genesis chain), staged_state() to check the state root, then finish_import():
    // it writes a marker, replaces the flat state with the staged one and writes H's header,
    // body, receipts, the ancestors' hashes and the head pointer. A crash before the marker leaves
    // the genesis database (open() drops the staged data); after it, open() completes the
    // import. So a killed import is either absent or complete.

    /// Starts an import (dropping any staged data): NotEmpty unless the head is block 0.
    Result<Ok, DbError> begin_import();
    /// Adds state to the staged import (one atomic batch).
    Result<Ok, DbError> import_state(const ImportBatch& batch);
    /// The staged import as a StateSource (accounts in address order; the state-root check).
    std::unique_ptr<chain::StateSource> staged_state() const;
    /// Makes the staged state and `head` the database's head (see above). InvalidBlock when
    /// check_imported_chain fails, GenesisMismatch when the ancestors start at block 0 with
    /// another genesis; NotEmpty past genesis.
    Result<Ok, DbError> finish_import(const ImportedHead& head);
    /// Drops the staged import (the database stays at genesis).
    Result<Ok, DbError> abort_import();
    /// Number of staged entries (accounts, slots, code); for tests.
    uint64_t staged_entry_count() const;

    /// Number of stored history entries (accounts and slots); for tests and diagnostics (scans
    /// the history column families).
    uint64_t history_entry_count() const;

    /// The options the database was opened with.
    const ChainDbOptions& options() const noexcept;

    // ---- failures ----

    /// Checks that the head block hangs together: its canonical hash is its header's hash, it
    /// links to its parent, its transactions give the header's transactions root and its
    /// receipts decode, one per transaction, and give the receipts root. HeadInconsistent (or
    /// the read error) naming what is wrong otherwise. The node runs it at start.
    Result<Ok, DbError> check_head() const;

    /// After a write failed (disk full, I/O error: RocksDB then refuses writes), asks RocksDB to
    /// resume (DB::Resume: flushes the memtables, starts a new WAL). Ok once writes work
    /// again (also when nothing had failed); the error while they still cannot. RocksDB's own
    /// automatic recovery is off (it waited for 64 MiB of free space): the caller retries.
    Result<Ok, DbError> resume();

    /// What open() recovered from, for the operator (empty when nothing happened): e.g. the
    /// blocks lost by an accepted point-in-time recovery.
    const std::vector<std::string>& recovery_notes() const noexcept;

    /// Flushes the memtables into SST files (tests; tools).
    Result<Ok, DbError> flush();

    struct Impl;

private:
    explicit ChainDb(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tern::db
