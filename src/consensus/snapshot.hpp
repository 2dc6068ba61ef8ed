#pragma once

#include "abci/application.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "db/chain_db.hpp"
#include "execution/chain_features.hpp"
#include "state/account.hpp"
#include "state/memory_backend.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

/// State-sync snapshots of a Tern chain (docs/consensus.md "State sync"): how the committed
/// state at a height is cut into verifiable chunks (format 1), where they are kept, and how a
/// fresh node imports them through CometBFT's OfferSnapshot / ApplySnapshotChunk. Format 2
/// (file storage) adds the blobs the chain features' state refers to.
namespace tern::consensus {

namespace pb = ::tern::abci;

/// The only snapshot format this build writes and accepts: 2, format 1 with blob records.
inline constexpr uint32_t kSnapshotFormat = 2;
/// Default target size of a chunk.
inline constexpr size_t kDefaultChunkBytes = 4 << 20;
/// Largest chunk a peer may send (CometBFT's chunk message limit is 16e6 bytes with framing).
inline constexpr size_t kMaxChunkBytes = 15'000'000;
/// Headers of this many blocks before the snapshot height are carried (BLOCKHASH's window).
inline constexpr uint64_t kSnapshotAncestors = 256;

/// A snapshot as ListSnapshots describes it.
struct SnapshotInfo
{
    uint64_t height = 0;
    uint32_t format = kSnapshotFormat;
    std::vector<Hash256> chunk_hashes;  ///< keccak of each chunk, in order
    Hash256 hash;                       ///< keccak over the concatenated chunk hashes
    Bytes metadata;                     ///< RLP list of the chunk hashes
};

/// The snapshot hash of a chunk list: keccak(hash_0 ++ hash_1 ++ ...).
Hash256 snapshot_hash(const std::vector<Hash256>& chunk_hashes);
/// Metadata of a chunk list: RLP [hash_0, hash_1, ...].
Bytes encode_snapshot_metadata(const std::vector<Hash256>& chunk_hashes);
/// Inverse of encode_snapshot_metadata (strict).
Result<std::vector<Hash256>, std::string> decode_snapshot_metadata(BytesView metadata);

/// A SnapshotInfo filled from its chunk hashes (hash and metadata computed).
SnapshotInfo make_snapshot_info(uint64_t height, std::vector<Hash256> chunk_hashes);

/// Record: an account (its code, if any, came in an earlier Code record).
struct AccountRecord
{
    Address address;
    state::AccountInfo info;
};

/// Record: some storage slots of the account of the preceding Account record, ascending.
struct StorageRecord
{
    Address address;
    std::vector<std::pair<U256, U256>> slots;  ///< (slot, non-zero value)
};

/// Record: a contract code blob.
struct CodeRecord
{
    Bytes code;
};

/// Record: a blob the chain features' state refers to (a file-storage chunk), stored under its
/// keccak hash.
struct BlobRecord
{
    Bytes blob;
};

/// One record of a chunk: [1, head] | [2, address, nonce, balance, code_hash] |
/// [3, address, [slot, value, slot, value, ...]] | [4, code] | [5, blob].
using SnapshotRecord =
    std::variant<db::ImportedHead, AccountRecord, StorageRecord, CodeRecord, BlobRecord>;

/// Decodes a chunk (the concatenation of its RLP records). Strict: any malformed record, an
/// unknown tag, a zero storage value or a chunk above kMaxChunkBytes is an error. Chunks come
/// from peers: this is the fuzzed entry point.
Result<std::vector<SnapshotRecord>, std::string> decode_chunk(BytesView chunk);

/// Appends the encoding of `record` to `out`.
void encode_record(Bytes& out, const SnapshotRecord& record);

/// Block `height` of `db` with its receipts, and the headers of the kSnapshotAncestors blocks
/// before it (fewer near genesis): a snapshot's head record. Nullopt if `db` lacks them.
std::optional<db::ImportedHead> export_head(const db::ChainDb& db, uint64_t height);

/// Whether a snapshot's head record is the block CometBFT trusts at `height`, so that nothing
/// a peer sends besides the state goes unchecked: H's number is `height` and its hash (keccak
/// of the RLP header) is `app_hash`; the ancestors chain up to it (db::check_imported_chain,
/// so BLOCKHASH answers are covered by H's hash); H's body matches its header (transactions
/// and withdrawals roots) and its senders are the ones the signatures recover for `chain_id`;
/// the receipts match H's receipts root, logs bloom and gas used, and their per-transaction gas
/// the cumulative gas. The state itself is checked against H's state root after the last chunk.
Result<bool, std::string> verify_snapshot_head(const db::ImportedHead& head,
                                               uint64_t height,
                                               const Hash256& app_hash,
                                               uint64_t chain_id);

/// Cuts the state `state` (at head.block's height) into format-2 chunks of about
/// `chunk_bytes` and hands each to `sink` in order: the head record, then for every account in
/// address order its code (first use of a code hash only), the account, and its storage in
/// slot order; then the blobs the state of `features` (may be null) refers to, each once, in
/// the order the features visit them. Deterministic: the same state and head give the same
/// bytes. `cancel` (may be null) stops the build when it becomes true (the result is then an
/// error).
Result<SnapshotInfo, std::string> build_snapshot(
    const db::StateView& state,
    const db::ImportedHead& head,
    size_t chunk_bytes,
    const std::function<void(Bytes chunk)>& sink,
    const std::atomic<bool>* cancel = nullptr,
    const execution::ChainFeatures* features = nullptr);

/// Where a node keeps its snapshots: files `<dir>/<height>/{manifest,<index>}` (a snapshot
/// being written lives in `<dir>/tmp-<height>/` and is renamed when complete), or memory when
/// `dir` is empty. Thread-safe.
class SnapshotStore
{
public:
    /// A store over `dir` (created; complete snapshots found there are listed, partial ones
    /// removed), or in memory.
    explicit SnapshotStore(std::string dir);

    /// Stores chunk `index` of the snapshot being written at `height`.
    Result<bool, std::string> put_chunk(uint64_t height, uint32_t index, BytesView chunk);
    /// Completes the snapshot `info` (its chunks were put) and keeps only the newest
    /// `keep_recent` snapshots (0 keeps all).
    Result<bool, std::string> commit(const SnapshotInfo& info, size_t keep_recent);
    /// Drops the chunks of an unfinished snapshot at `height`.
    void drop_pending(uint64_t height);

    /// The complete snapshots, newest first.
    std::vector<SnapshotInfo> list() const;
    /// Chunk `index` of the snapshot at `height` in `format` (nullopt if absent).
    std::optional<Bytes> load_chunk(uint64_t height, uint32_t format, uint32_t index) const;

private:
    std::string dir_;
    mutable std::mutex mutex_;
    std::map<uint64_t, SnapshotInfo> complete_;
    std::map<uint64_t, std::vector<Bytes>> memory_chunks_;  ///< memory mode: height -> chunks
    std::map<uint64_t, std::vector<Bytes>> memory_pending_;
};

/// What ApplySnapshotChunk answers, and the head to install once the last chunk verified.
struct ApplyOutcome
{
    pb::ResponseApplySnapshotChunk::Result result = pb::ResponseApplySnapshotChunk::ACCEPT;
    std::vector<uint32_t> refetch_chunks;
    std::vector<std::string> reject_senders;
    /// Set with ACCEPT on the last chunk: the verified head; the caller calls
    /// ChainDb::finish_import(*complete) and resets its head caches.
    std::optional<db::ImportedHead> complete;
    /// With `complete`: the state-root tracker built from the imported state (the node's
    /// tracker can take it instead of rescanning the database).
    std::optional<chain::StateRootTracker> tracker;
    std::string log;  ///< why it was not accepted (for the operator)
};

/// The importing side of state sync on one database: OfferSnapshot accepts a format-1
/// snapshot on a database with nothing past genesis; ApplySnapshotChunk (chunks in order)
/// checks each chunk against the offered metadata (a mismatch: RETRY, refetch it, reject its
/// sender), decodes and validates its records (address order, storage after its account,
/// ascending slots, known code) and stages them (ChainDb::import_state). The head record (first
/// in chunk 0) must be the block whose hash is the app hash CometBFT trusts
/// (verify_snapshot_head); after the last chunk the state root of the staged state must equal
/// that block's state root, and the blobs received must be exactly those the staged state of
/// the chain features refers to (each blob is stored under the keccak of its bytes, so a
/// forged chunk is one nothing refers to). Content that fails: REJECT_SNAPSHOT with the staged
/// data dropped.
/// Called from the snapshot connection (one thread).
class SnapshotRestorer
{
public:
    /// A restorer importing into `db` (which outlives it) for the chain `chain_id` (sender
    /// recovery of the head block's transactions) with `features` (may be null; outlives it:
    /// which blobs the state refers to).
    SnapshotRestorer(db::ChainDb& db,
                     uint64_t chain_id,
                     const execution::ChainFeatures* features = nullptr)
        : db_(db), chain_id_(chain_id), features_(features)
    {}

    /// OfferSnapshot: ACCEPT (and start a fresh import, dropping any earlier one),
    /// REJECT_FORMAT for another format, REJECT for a database past genesis or a snapshot whose
    /// metadata or hash does not add up.
    pb::ResponseOfferSnapshot::Result offer(const pb::Snapshot& snapshot, BytesView app_hash);

    /// ApplySnapshotChunk for chunk `index` from peer `sender`.
    ApplyOutcome apply(uint32_t index, BytesView chunk, const std::string& sender);

    /// True between an accepted offer and the end of its import.
    bool active() const noexcept { return active_; }

private:
    /// Drops the import (staged data) and answers REJECT_SNAPSHOT with `why`.
    ApplyOutcome reject(std::string why);
    /// Validates and stages one decoded chunk; an error message on bad content.
    Result<bool, std::string> stage(std::vector<SnapshotRecord>& records, bool first_chunk);
    /// After the last chunk: code and state-root checks; the tracker of the state.
    Result<chain::StateRootTracker, std::string> verify_complete();

    db::ChainDb& db_;
    uint64_t chain_id_;
    const execution::ChainFeatures* features_;
    bool active_ = false;
    uint64_t height_ = 0;
    Hash256 app_hash_;
    std::vector<Hash256> chunk_hashes_;
    uint32_t next_ = 0;  ///< next chunk to apply
    std::optional<db::ImportedHead> head_;
    std::optional<Address> last_account_;
    std::optional<U256> last_slot_;   ///< of last_account_
    std::set<Hash256> codes_;         ///< code hashes received
    std::set<Hash256> needed_codes_;  ///< code hashes accounts refer to
    std::set<Hash256> blobs_;         ///< blob hashes received
    /// The staged state of the features' blob accounts (what their blob walks read).
    state::MemoryBackend blob_accounts_;
    std::map<U256, U256> blob_account_storage_;  ///< of last_account_, while it is one
    std::optional<state::AccountInfo> blob_account_info_;
    /// Moves the collected account (if it is a blob account) into blob_accounts_.
    void keep_blob_account();
};

}  // namespace tern::consensus
