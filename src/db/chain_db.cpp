#include "db/chain_db.hpp"

#include "core/hex.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"
#include "db/codec.hpp"
#include "db/head_mark.hpp"
#include "db/rocksdb_logger.hpp"
#include "transaction/codec.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>

namespace tern::db {
namespace {

/// Bumped whenever a stored layout changes; a database of another version is refused.
constexpr uint64_t kSchemaVersion = 1;

/// History of at most this many blocks is pruned per commit (catching up after the window was
/// shrunk between runs spreads over several commits instead of one huge batch).
constexpr uint64_t kMaxPrunedBlocksPerCommit = 64;

/// Entries of the code cache before it is cleared (code is immutable, so never stale).
constexpr size_t kCodeCacheEntries = 8192;

/// Path of the database inside the private in-memory Env.
constexpr const char* kMemoryPath = "/tern-memory-db";

/// Column families, in the order of kCfNames.
enum Cf : size_t
{
    kMeta,            ///< "schema", "genesis", "head", "pruned", "config"
    kAccounts,        ///< address -> codec::encode_account
    kStorage,         ///< address ++ slot -> codec::encode_slot (non-zero only)
    kCode,            ///< code hash -> code
    kHeaders,         ///< number -> header RLP
    kCanonical,       ///< number -> block hash
    kHashNumbers,     ///< block hash -> number
    kTransactions,    ///< number ++ index -> sender (20) ++ raw transaction
    kTxLookup,        ///< transaction hash -> number ++ index
    kBodies,          ///< number -> chain::encode_body({}, withdrawals), only if any
    kReceipts,        ///< number -> codec::encode_receipts
    kAccountHistory,  ///< address ++ number -> account before block `number` ("" = absent)
    kStorageHistory,  ///< address ++ slot ++ number -> slot before block `number` ("" = zero)
    kChanges,         ///< number -> the history keys block `number` wrote (for pruning)
    kImportAccounts,  ///< staged snapshot import: as kAccounts
    kImportStorage,   ///< staged snapshot import: as kStorage
    kImportCode,      ///< staged snapshot import: as kCode
    kBlobs,           ///< keccak hash -> blob (state::StateDiff::blobs: file-storage chunks)
    kImportBlobs,     ///< staged snapshot import: as kBlobs
    kCfCount,
};

constexpr const char* kCfNames[kCfCount] = {
    "default",        "accounts",        "storage",         "code",         "headers",
    "canonical",      "hash_numbers",    "transactions",    "tx_lookup",    "bodies",
    "receipts",       "account_history", "storage_history", "changes",      "import_accounts",
    "import_storage", "import_code",     "blobs",           "import_blobs",
};

constexpr std::string_view kMetaSchema = "schema";
constexpr std::string_view kMetaGenesis = "genesis";
constexpr std::string_view kMetaHead = "head";
constexpr std::string_view kMetaPruned = "pruned";
constexpr std::string_view kMetaConfig = "config";
constexpr std::string_view kMetaImport = "import";  ///< ImportedHead of an import being finished

/// Above every key of every column family (the longest key is 60 bytes): the end of a
/// DeleteRange that empties a family.
const std::string kAllKeysEnd(64, '\xff');

/// Entries per batch when finish_import copies the staged state into the flat state.
constexpr size_t kImportCopyBatch = 16384;

rocksdb::Slice slice(std::string_view s) noexcept
{
    return {s.data(), s.size()};
}

rocksdb::Slice slice(BytesView b) noexcept
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

template <size_t N>
rocksdb::Slice slice(const codec::Key<N>& k) noexcept
{
    return slice(k.view());
}

BytesView view(const rocksdb::Slice& s) noexcept
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

BytesView view(const std::string& s) noexcept
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string u64_value(uint64_t v)
{
    const auto k = codec::number_key(v);
    return std::string(k.view());
}

/// Read failures so far (process-wide): the log's rate limit.
std::atomic<uint64_t> g_read_failures{0};

/// A read of `what` failed (`detail`: RocksDB's status or why the value does not decode):
/// logs it (the first 20, then every 1000th, so that a client asking for a damaged block again
/// and again cannot flood the log) and throws DbReadError. The client's message names what
/// could not be read but not RocksDB's text (file paths stay in the log).
[[noreturn]] void read_failed(DbErrorCode code, const std::string& what, const std::string& detail)
{
    const uint64_t n = g_read_failures.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n <= 20 || n % 1000 == 0)
        std::fprintf(stderr, "tern db: read failed (%llu so far): %s: %s\n",
                     static_cast<unsigned long long>(n), what.c_str(), detail.c_str());
    const char* kind = code == DbErrorCode::Corruption ? "corruption" : "I/O error";
    throw DbReadError(DbError{code, "database read failed: " + what + " (" + kind + ")"});
}

/// The DbErrorCode of a failed RocksDB status.
DbErrorCode code_of(const rocksdb::Status& s) noexcept
{
    if (s.IsCorruption())
        return DbErrorCode::Corruption;
    if (s.IsNoSpace())
        return DbErrorCode::NoSpace;
    return DbErrorCode::Io;
}

DbError io_error(const char* what, const rocksdb::Status& s)
{
    if (s.IsNoSpace())
        return DbError{DbErrorCode::NoSpace,
                       std::string(what) + ": the disk is full (" + s.ToString() + ")"};
    return DbError{code_of(s), std::string(what) + ": " + s.ToString()};
}

DbError history_unavailable()
{
    return DbError{DbErrorCode::HistoryUnavailable, "historical state not available"};
}

bool has_prefix(const rocksdb::Slice& key, BytesView prefix) noexcept
{
    return key.size() >= prefix.size() &&
           std::memcmp(key.data(), prefix.data(), prefix.size()) == 0;
}

/// What the entry `key` of column family `c` is, for error messages ("header of block 5");
/// an empty key names the family (a failed scan).
std::string describe(Cf c, const rocksdb::Slice& key)
{
    const BytesView k = view(key);
    const auto number = [&] {
        return std::to_string(codec::get_u64(k.data()));
    };
    if (k.empty())
        return std::string("column family ") + kCfNames[c];
    switch (c)
    {
        case kHeaders:
            if (k.size() == 8)
                return "header of block " + number();
            break;
        case kCanonical:
            if (k.size() == 8)
                return "hash of block " + number();
            break;
        case kBodies:
            if (k.size() == 8)
                return "withdrawals of block " + number();
            break;
        case kReceipts:
            if (k.size() == 8)
                return "receipts of block " + number();
            break;
        case kChanges:
            if (k.size() == 8)
                return "change list of block " + number();
            break;
        case kTransactions:
            if (k.size() == 12)
                return "transaction " + std::to_string(codec::get_u64(k.data() + 4) & 0xffffffff) +
                       " of block " + number();
            break;
        case kTxLookup:
            return "transaction index entry " + to_hex(k);
        case kHashNumbers:
            return "number of block " + to_hex(k);
        case kAccounts:
        case kImportAccounts:
            return "account " + to_hex(k);
        case kStorage:
        case kImportStorage:
            if (k.size() == 52)
                return "storage slot " + to_hex(k.subspan(20)) + " of " + to_hex(k.first(20));
            if (k.size() == 20)
                return "storage of " + to_hex(k);
            break;
        case kCode:
        case kImportCode:
            return "code " + to_hex(k);
        case kBlobs:
        case kImportBlobs:
            return "blob " + to_hex(k);
        case kAccountHistory:
        case kStorageHistory:
            if (k.size() >= 20)
                return "history of " + to_hex(k.first(20));
            break;
        case kMeta:
            return "metadata " + std::string(reinterpret_cast<const char*>(k.data()), k.size());
        default:
            break;
    }
    return std::string(kCfNames[c]) + " entry " + to_hex(k);
}

}  // namespace

struct ChainDb::Impl
{
    ChainDbOptions options;
    std::unique_ptr<rocksdb::Env> mem_env;  ///< in-memory mode only; outlives `db`
    rocksdb::DB* db = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> cfs;

    mutable std::mutex head_mutex;
    bool initialized = false;
    uint64_t head = 0;
    Hash256 head_hash;
    uint64_t pruned = 0;  ///< history of blocks <= pruned is deleted

    std::mutex write_mutex;  ///< one commit at a time

    mutable std::mutex code_mutex;
    mutable std::unordered_map<Hash256, state::CodePtr> code_cache;

    HeadMarkFile mark;                ///< on disk only: the last acknowledged head
    bool mark_failed_logged = false;  ///< (write_mutex) a failed mark write was logged
    std::vector<std::string> notes;   ///< what open() recovered from

    ~Impl()
    {
        if (db)
        {
            for (auto* cf : cfs)
                db->DestroyColumnFamilyHandle(cf);
            db->Close();
            delete db;
        }
    }

    rocksdb::ColumnFamilyHandle* cf(Cf c) const noexcept { return cfs[c]; }

    /// Read options: block checksums verified (RocksDB's default, stated: a damaged SST block
    /// is a Corruption status, never data).
    static rocksdb::ReadOptions read_options(const rocksdb::Snapshot* snap) noexcept
    {
        rocksdb::ReadOptions ro;
        ro.snapshot = snap;
        ro.verify_checksums = true;
        return ro;
    }

    /// Point read; false if absent. Throws DbReadError when it fails.
    bool get(Cf c,
             const rocksdb::Slice& key,
             std::string& out,
             const rocksdb::Snapshot* snap = nullptr) const
    {
        const auto s = db->Get(read_options(snap), cf(c), key, &out);
        if (s.IsNotFound())
            return false;
        if (!s.ok())
            read_failed(code_of(s), describe(c, key), s.ToString());
        return true;
    }

    /// Point read into a pinned slice (no copy of the value); false if absent. Throws
    /// DbReadError when it fails.
    bool get(Cf c, const rocksdb::Slice& key, rocksdb::PinnableSlice& out) const
    {
        const auto s = db->Get(read_options(nullptr), cf(c), key, &out);
        if (s.IsNotFound())
            return false;
        if (!s.ok())
            read_failed(code_of(s), describe(c, key), s.ToString());
        return true;
    }

    /// A stored value of `c` at `key` that does not decode: throws DbReadError (Corruption).
    [[noreturn]] static void undecodable(Cf c, const rocksdb::Slice& key)
    {
        read_failed(DbErrorCode::Corruption, describe(c, key), "undecodable value");
    }

    std::unique_ptr<rocksdb::Iterator> iterator(Cf c, const rocksdb::Snapshot* snap) const
    {
        return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(read_options(snap), cf(c)));
    }

    /// After a scan of `c` (Valid() turned false) from `from` (empty: the whole family):
    /// throws DbReadError if it stopped on an error rather than at the end.
    static void check(const rocksdb::Iterator& it, Cf c, const rocksdb::Slice& from = {})
    {
        if (!it.status().ok())
            read_failed(code_of(it.status()), describe(c, from), it.status().ToString());
    }

    uint64_t meta_u64(std::string_view key, const rocksdb::Snapshot* snap) const
    {
        std::string v;
        if (!get(kMeta, slice(key), v, snap))
            return 0;
        if (v.size() != 8)
            undecodable(kMeta, slice(key));
        return codec::get_u64(view(v).data());
    }

    uint64_t window() const noexcept { return std::max<uint64_t>(1, options.history_blocks); }

    uint64_t oldest(uint64_t head_number, uint64_t pruned_to) const noexcept
    {
        if (options.archive)
            return pruned_to;
        const uint64_t w = window();
        return std::max(pruned_to, head_number > w ? head_number - w : 0);
    }

    // ---- state reads (head when snap is null and at_head) ----

    std::optional<state::AccountInfo> flat_account(const Address& addr,
                                                   const rocksdb::Snapshot* snap) const
    {
        std::string v;
        if (!get(kAccounts, slice(addr.view()), v, snap))
            return std::nullopt;
        auto a = codec::decode_account(view(v));
        if (!a)
            undecodable(kAccounts, slice(addr.view()));
        return a;
    }

    U256 flat_storage(const Address& addr, const U256& key, const rocksdb::Snapshot* snap) const
    {
        std::string v;
        const auto k = codec::storage_key(addr, key);
        if (!get(kStorage, slice(k), v, snap))
            return U256{};
        auto s = codec::decode_slot(view(v));
        if (!s)
            undecodable(kStorage, slice(k));
        return *s;
    }

    bool flat_has_storage(const Address& addr, const rocksdb::Snapshot* snap) const
    {
        auto it = iterator(kStorage, snap);
        it->Seek(slice(addr.view()));
        const bool found = it->Valid() && has_prefix(it->key(), addr.view());
        check(*it, kStorage, slice(addr.view()));
        return found;
    }

    void flat_for_each_storage(const Address& addr,
                               const rocksdb::Snapshot* snap,
                               const std::function<void(const U256&, const U256&)>& fn,
                               Cf c = kStorage) const
    {
        auto it = iterator(c, snap);
        for (it->Seek(slice(addr.view())); it->Valid() && has_prefix(it->key(), addr.view());
             it->Next())
        {
            auto v = codec::decode_slot(view(it->value()));
            if (!v || it->key().size() != 52)
                undecodable(c, it->key());
            const U256 slot = U256::from_be_bytes(view(it->key()).data() + 20, 32);
            fn(slot, *v);
        }
        check(*it, c, slice(addr.view()));
    }

    /// Every account of the flat column family `c` (kAccounts or the staged kImportAccounts).
    void flat_for_each_account(Cf c, const rocksdb::Snapshot* snap, const AccountVisitor& fn) const
    {
        auto it = iterator(c, snap);
        for (it->SeekToFirst(); it->Valid(); it->Next())
        {
            auto a = codec::decode_account(view(it->value()));
            if (!a || it->key().size() != 20)
                undecodable(c, it->key());
            Address addr;
            std::memcpy(addr.data(), it->key().data(), 20);
            fn(addr, *a);
        }
        check(*it, c);
    }

    std::optional<state::AccountInfo> account_at(const Address& addr,
                                                 uint64_t number,
                                                 const rocksdb::Snapshot* snap) const
    {
        auto it = iterator(kAccountHistory, snap);
        it->Seek(slice(codec::account_history_key(addr, number + 1)));
        if (it->Valid() && has_prefix(it->key(), addr.view()))
        {
            if (it->value().empty())
                return std::nullopt;
            auto a = codec::decode_account(view(it->value()));
            if (!a)
                undecodable(kAccountHistory, it->key());
            return a;
        }
        check(*it, kAccountHistory, slice(addr.view()));
        return flat_account(addr, snap);
    }

    U256 storage_at(const Address& addr,
                    const U256& key,
                    uint64_t number,
                    const rocksdb::Snapshot* snap) const
    {
        auto it = iterator(kStorageHistory, snap);
        it->Seek(slice(codec::storage_history_key(addr, key, number + 1)));
        const auto prefix = codec::storage_key(addr, key);
        if (it->Valid() && has_prefix(it->key(), view(slice(prefix))))
        {
            auto v = codec::decode_slot(view(it->value()));
            if (!v)
                undecodable(kStorageHistory, it->key());
            return *v;
        }
        check(*it, kStorageHistory, slice(addr.view()));
        return flat_storage(addr, key, snap);
    }

    /// Non-zero storage of `addr` after block `number`: the flat slots, overridden by the
    /// value before the first later change of every slot changed after `number`.
    std::map<U256, U256> storage_map_at(const Address& addr,
                                        uint64_t number,
                                        const rocksdb::Snapshot* snap) const
    {
        std::map<U256, U256> changed;  // slots changed after `number`: their value at `number`
        auto it = iterator(kStorageHistory, snap);
        it->Seek(slice(addr.view()));
        while (it->Valid() && has_prefix(it->key(), addr.view()))
        {
            if (it->key().size() != 60)
                undecodable(kStorageHistory, it->key());
            const U256 slot = U256::from_be_bytes(view(it->key()).data() + 20, 32);
            it->Seek(slice(codec::storage_history_key(addr, slot, number + 1)));
            const auto prefix = codec::storage_key(addr, slot);
            if (it->Valid() && has_prefix(it->key(), view(slice(prefix))))
            {
                auto v = codec::decode_slot(view(it->value()));
                if (!v)
                    undecodable(kStorageHistory, it->key());
                changed[slot] = *v;
            }
            if (slot == U256::max())
                break;
            it->Seek(slice(codec::storage_key(addr, slot + U256{1})));
        }
        check(*it, kStorageHistory, slice(addr.view()));
        std::map<U256, U256> out;
        flat_for_each_storage(addr, snap, [&](const U256& k, const U256& v) {
            if (!changed.contains(k))
                out.emplace(k, v);
        });
        for (const auto& [k, v] : changed)
            if (v)
                out.emplace(k, v);
        return out;
    }

    state::CodePtr code(const Hash256& hash) const
    {
        if (hash == kEmptyCodeHash)
            return nullptr;
        {
            std::lock_guard lock(code_mutex);
            if (auto it = code_cache.find(hash); it != code_cache.end())
                return it->second;
        }
        std::string v;
        if (!get(kCode, slice(hash.view()), v))
            return nullptr;
        auto code = std::make_shared<const Bytes>(v.begin(), v.end());
        std::lock_guard lock(code_mutex);
        if (code_cache.size() >= kCodeCacheEntries)
            code_cache.clear();
        code_cache.emplace(hash, code);
        return code;
    }

    /// The blob with `hash` (not cached: blobs are large and read in streams).
    state::CodePtr blob(const Hash256& hash, const rocksdb::Snapshot* snap) const
    {
        // Pinned: one copy out of the block cache, not two.
        rocksdb::PinnableSlice v;
        const auto st = db->Get(read_options(snap), cf(kBlobs), slice(hash.view()), &v);
        if (st.IsNotFound())
            return nullptr;
        if (!st.ok())
            read_failed(code_of(st), describe(kBlobs, slice(hash.view())), st.ToString());
        const auto* p = reinterpret_cast<const uint8_t*>(v.data());
        return std::make_shared<const Bytes>(p, p + v.size());
    }

    /// Every blob in hash order, as of `snap` (null: now).
    void for_each_blob(const rocksdb::Snapshot* snap, const BlobVisitor& fn) const
    {
        auto it = iterator(kBlobs, snap);
        for (it->SeekToFirst(); it->Valid(); it->Next())
        {
            if (it->key().size() != 32)
                undecodable(kBlobs, it->key());
            Hash256 h;
            std::memcpy(h.data(), it->key().data(), 32);
            fn(h, view(it->value()));
        }
        check(*it, kBlobs);
    }

    // ---- writes ----

    /// Adds the state changes of `diff` to `batch`. With `history_number`, also the previous
    /// value of every changed account and slot under that block, and the change list.
    void write_state(rocksdb::WriteBatch& batch,
                     const state::StateDiff& diff,
                     std::optional<uint64_t> history_number,
                     Bytes& changes) const
    {
        for (const auto& [hash, blob] : diff.blobs)
            if (blob)
                batch.Put(cf(kBlobs), slice(hash.view()), slice(*blob));
        for (const auto& [addr, ad] : diff.accounts)
        {
            std::map<U256, U256> previous_slots;  // slot -> value before the block
            if (history_number)
            {
                std::string prev;
                if (!get(kAccounts, slice(addr.view()), prev))
                    prev.clear();
                batch.Put(cf(kAccountHistory),
                          slice(codec::account_history_key(addr, *history_number)), prev);
                codec::append_change(changes, addr, nullptr);
            }
            const bool wipe = ad.deleted || ad.storage_cleared;
            if (wipe)
            {
                // (clang 14 cannot capture a structured binding: name it)
                flat_for_each_storage(addr, nullptr, [&, &a = addr](const U256& k, const U256& v) {
                    batch.Delete(cf(kStorage), slice(codec::storage_key(a, k)));
                    previous_slots.emplace(k, v);
                });
            }
            if (ad.deleted)
                batch.Delete(cf(kAccounts), slice(addr.view()));
            else
            {
                const auto enc = codec::encode_account(ad.info);
                batch.Put(cf(kAccounts), slice(addr.view()), slice(BytesView(enc)));
                if (ad.code && ad.info.code_hash != kEmptyCodeHash)
                    batch.Put(cf(kCode), slice(ad.info.code_hash.view()), slice(*ad.code));
                for (const auto& [k, v] : ad.storage)
                {
                    if (history_number && !previous_slots.contains(k))
                        previous_slots.emplace(k, wipe ? U256{} : flat_storage(addr, k, nullptr));
                    const auto key = codec::storage_key(addr, k);
                    if (v)
                        batch.Put(cf(kStorage), slice(key), slice(codec::encode_slot(v)));
                    else if (!wipe)
                        batch.Delete(cf(kStorage), slice(key));
                }
            }
            if (history_number)
            {
                for (const auto& [k, v] : previous_slots)
                {
                    batch.Put(cf(kStorageHistory),
                              slice(codec::storage_history_key(addr, k, *history_number)),
                              slice(codec::encode_slot(v)));
                    codec::append_change(changes, addr, &k);
                }
            }
        }
    }

    /// Adds header, canonical hash, hash index, transactions, withdrawals and receipts.
    void write_block(rocksdb::WriteBatch& batch,
                     const chain::Block& block,
                     const Hash256& hash,
                     std::span<const execution::Receipt> receipts) const
    {
        const uint64_t n = block.header.number;
        const auto nk = codec::number_key(n);
        batch.Put(cf(kHeaders), slice(nk), slice(block.header.encode()));
        batch.Put(cf(kCanonical), slice(nk), slice(hash.view()));
        batch.Put(cf(kHashNumbers), slice(hash.view()), slice(nk));
        for (size_t i = 0; i < block.transactions.size(); ++i)
        {
            const auto& tx = block.transactions[i];
            Bytes value(block.senders[i].bytes.begin(), block.senders[i].bytes.end());
            const Bytes raw = encode_transaction(tx);
            value.insert(value.end(), raw.begin(), raw.end());
            const auto tk = codec::tx_key(n, static_cast<uint32_t>(i));
            batch.Put(cf(kTransactions), slice(tk), slice(value));
            batch.Put(cf(kTxLookup), slice(keccak256(raw).view()), slice(tk));
        }
        if (!block.withdrawals.empty())
            batch.Put(cf(kBodies), slice(nk), slice(chain::encode_body({}, block.withdrawals)));
        batch.Put(cf(kReceipts), slice(nk), slice(codec::encode_receipts(receipts)));
    }

    /// Adds the deletion of history that left the window once `new_head` is the head; returns
    /// the new pruned mark.
    uint64_t prune(rocksdb::WriteBatch& batch, uint64_t new_head, uint64_t pruned_to) const
    {
        if (options.archive || new_head <= window())
            return pruned_to;
        const uint64_t target =
            std::min(new_head - window(), pruned_to + kMaxPrunedBlocksPerCommit);
        for (uint64_t b = pruned_to + 1; b <= target; ++b)
        {
            const auto nk = codec::number_key(b);
            std::string v;
            if (!get(kChanges, slice(nk), v))
                continue;
            auto changes = codec::decode_changes(view(v));
            if (!changes)
                undecodable(kChanges, slice(nk));
            for (const auto& c : *changes)
            {
                if (c.slot)
                    batch.Delete(cf(kStorageHistory),
                                 slice(codec::storage_history_key(c.address, *c.slot, b)));
                else
                    batch.Delete(cf(kAccountHistory),
                                 slice(codec::account_history_key(c.address, b)));
            }
            batch.Delete(cf(kChanges), slice(nk));
        }
        return std::max(pruned_to, target);
    }

    /// Records block `n` (`hash`) as acknowledged in the head mark, after the batch making it
    /// the head was written (write_mutex held). A failed mark write is logged once: the mark
    /// then lags, which only weakens the check at the next open.
    void acknowledge(uint64_t n, const Hash256& hash)
    {
        if (!mark.is_open() || mark.write(HeadMark{n, hash}) || mark_failed_logged)
            return;
        mark_failed_logged = true;
        std::fprintf(stderr, "tern db: cannot update %s/%s (block %llu): %s\n",
                     options.path.c_str(), HeadMarkFile::kFileName,
                     static_cast<unsigned long long>(n), std::strerror(errno));
    }

    Result<Ok, DbError> write(rocksdb::WriteBatch& batch) const
    {
        rocksdb::WriteOptions wo;
        wo.sync = options.sync_writes && !mem_env;
        const auto s = db->Write(wo, &batch);
        if (!s.ok())
            return io_error("write", s);
        return Ok{};
    }

    /// Empties column family `c` in `batch`.
    void clear(rocksdb::WriteBatch& batch, Cf c) const
    {
        batch.DeleteRange(cf(c), rocksdb::Slice(), slice(kAllKeysEnd));
    }

    bool cf_empty(Cf c) const
    {
        auto it = iterator(c, nullptr);
        it->SeekToFirst();
        const bool empty = !it->Valid();
        check(*it, c);
        return empty;
    }

    /// Drops staged import data (if any) and a leftover marker-less import.
    Result<Ok, DbError> drop_staged()
    {
        if (cf_empty(kImportAccounts) && cf_empty(kImportStorage) && cf_empty(kImportCode) &&
            cf_empty(kImportBlobs))
            return Ok{};
        rocksdb::WriteBatch batch;
        for (Cf c : {kImportAccounts, kImportStorage, kImportCode, kImportBlobs})
            clear(batch, c);
        return write(batch);
    }

    /// The second half of finish_import (also run by open() when it finds the marker): copies
    /// the staged state into the (already emptied) flat state, then writes block H, the
    /// ancestors' hashes and the head pointer, removes the marker and the staged data. Idempotent.
    Result<Ok, DbError> complete_import()
    {
        std::string marker;
        if (!get(kMeta, slice(kMetaImport), marker))
            return Ok{};
        auto imported = decode_imported_head(view(marker));
        if (!imported)
            return DbError{DbErrorCode::Corruption, "import marker: " + imported.error()};
        const std::pair<Cf, Cf> copies[] = {{kImportAccounts, kAccounts},
                                            {kImportStorage, kStorage},
                                            {kImportCode, kCode},
                                            {kImportBlobs, kBlobs}};
        for (const auto& [from, to] : copies)
        {
            rocksdb::WriteBatch batch;
            auto it = iterator(from, nullptr);
            for (it->SeekToFirst(); it->Valid(); it->Next())
            {
                batch.Put(cf(to), it->key(), it->value());
                if (static_cast<size_t>(batch.Count()) >= kImportCopyBatch)
                {
                    if (auto r = write(batch); !r)
                        return r;
                    batch.Clear();
                }
            }
            check(*it, from);
            if (auto r = write(batch); !r)
                return r;
        }
        const chain::Block& block = imported->block;
        const uint64_t n = block.header.number;
        const Hash256 hash = block.header.hash();
        rocksdb::WriteBatch batch;
        write_block(batch, block, hash, imported->receipts);
        for (const auto& h : imported->ancestors)
            if (h.number > 0)
                batch.Put(cf(kCanonical), slice(codec::number_key(h.number)),
                          slice(h.hash().view()));
        for (Cf c : {kImportAccounts, kImportStorage, kImportCode, kImportBlobs, kAccountHistory,
                     kStorageHistory, kChanges})
            clear(batch, c);
        batch.Put(cf(kMeta), slice(kMetaHead), u64_value(n));
        batch.Put(cf(kMeta), slice(kMetaPruned), u64_value(n));
        batch.Delete(cf(kMeta), slice(kMetaImport));
        if (auto r = write(batch); !r)
            return r;
        acknowledge(n, hash);
        std::lock_guard lock(head_mutex);
        head = n;
        head_hash = hash;
        pruned = n;
        return Ok{};
    }

    std::optional<TxLookup> tx_at(const codec::Key<12>& key) const
    {
        std::string v;
        if (!get(kTransactions, slice(key), v))
            return std::nullopt;
        if (v.size() < 20)
            undecodable(kTransactions, slice(key));
        TxLookup out;
        out.block_number = codec::get_u64(key.bytes.data());
        out.index = 0;
        for (size_t i = 8; i < 12; ++i)
            out.index = (out.index << 8) | key.bytes[i];
        std::memcpy(out.sender.data(), v.data(), 20);
        const BytesView raw = view(v).subspan(20);
        auto tx = decode_transaction(raw, TxDecodeOptions{.allow_blob = true});
        if (!tx)
            undecodable(kTransactions, slice(key));
        out.tx = std::move(*tx);
        out.hash = keccak256(raw);
        std::string h;
        const auto nk = codec::number_key(out.block_number);
        if (!get(kCanonical, slice(nk), h) || h.size() != 32)
            undecodable(kCanonical, slice(nk));
        std::memcpy(out.block_hash.data(), h.data(), 32);
        return out;
    }
};

namespace {

/// A StateView over a RocksDB snapshot: at the head it reads the flat state, below it the
/// history entries first. A failed read is recorded as the view's fault and answered as
/// absent / zero / the end of the scan (see StateView).
class SnapshotView final : public StateView
{
public:
    SnapshotView(const ChainDb::Impl& impl,
                 const rocksdb::Snapshot* snap,
                 uint64_t number,
                 bool at_head)
        : impl_(impl), snap_(snap), number_(number), at_head_(at_head)
    {}
    ~SnapshotView() override { impl_.db->ReleaseSnapshot(snap_); }
    SnapshotView(const SnapshotView&) = delete;
    SnapshotView& operator=(const SnapshotView&) = delete;

    uint64_t block_number() const noexcept override { return number_; }

    std::optional<state::AccountInfo> read_account(const Address& addr) const override
    {
        try
        {
            return at_head_ ? impl_.flat_account(addr, snap_)
                            : impl_.account_at(addr, number_, snap_);
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
            return std::nullopt;
        }
    }

    U256 read_storage(const Address& addr, const U256& key) const override
    {
        try
        {
            return at_head_ ? impl_.flat_storage(addr, key, snap_)
                            : impl_.storage_at(addr, key, number_, snap_);
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
            return U256{};
        }
    }

    bool has_storage(const Address& addr) const override
    {
        try
        {
            return at_head_ ? impl_.flat_has_storage(addr, snap_)
                            : !impl_.storage_map_at(addr, number_, snap_).empty();
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
            return false;
        }
    }

    state::CodePtr read_code(const Hash256& code_hash) const override
    {
        try
        {
            return impl_.code(code_hash);
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
            return nullptr;
        }
    }

    state::CodePtr read_blob(const Hash256& hash) const override
    {
        try
        {
            return impl_.blob(hash, snap_);
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
            return nullptr;
        }
    }

    void for_each_blob(const BlobVisitor& fn) const override
    {
        try
        {
            impl_.for_each_blob(snap_, fn);
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
        }
    }

    std::optional<Hash256> block_hash(uint64_t number) const override
    {
        if (number > number_)
            return std::nullopt;
        try
        {
            std::string v;
            const auto nk = codec::number_key(number);
            if (!impl_.get(kCanonical, slice(nk), v, snap_))
                return std::nullopt;
            if (v.size() != 32)
                ChainDb::Impl::undecodable(kCanonical, slice(nk));
            Hash256 h;
            std::memcpy(h.data(), v.data(), 32);
            return h;
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
            return std::nullopt;
        }
    }

    void for_each_storage(const Address& addr, const StorageVisitor& fn) const override
    {
        try
        {
            if (at_head_)
            {
                impl_.flat_for_each_storage(addr, snap_, fn);
                return;
            }
            for (const auto& [k, v] : impl_.storage_map_at(addr, number_, snap_))
                fn(k, v);
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
        }
    }

    void for_each_account(const AccountVisitor& fn) const override
    {
        try
        {
            visit_accounts(fn);
        }
        catch (const DbReadError& e)
        {
            record_fault(e.error());
        }
    }

private:
    void visit_accounts(const AccountVisitor& fn) const
    {
        if (at_head_)
        {
            impl_.flat_for_each_account(kAccounts, snap_, fn);
            return;
        }
        // The accounts at `number_`: those of the flat state plus those changed (so possibly
        // deleted) after it, each read as of `number_`.
        std::set<Address> addresses;
        impl_.flat_for_each_account(kAccounts, snap_,
                                    [&](const Address& a, const auto&) { addresses.insert(a); });
        auto it = impl_.iterator(kAccountHistory, snap_);
        for (it->SeekToFirst(); it->Valid(); it->Next())
        {
            if (it->key().size() != 28)
                ChainDb::Impl::undecodable(kAccountHistory, it->key());
            if (codec::get_u64(view(it->key()).data() + 20) <= number_)
                continue;
            Address a;
            std::memcpy(a.data(), it->key().data(), 20);
            addresses.insert(a);
        }
        ChainDb::Impl::check(*it, kAccountHistory);
        for (const auto& a : addresses)
            if (const auto info = impl_.account_at(a, number_, snap_))
                fn(a, *info);
    }

    const ChainDb::Impl& impl_;
    const rocksdb::Snapshot* snap_;
    uint64_t number_;
    bool at_head_;
};

/// The staged state of a snapshot import (ChainDb::staged_state).
class StagedSource final : public chain::StateSource
{
public:
    explicit StagedSource(const ChainDb::Impl& impl) : impl_(impl) {}
    void for_each_account(const AccountVisitor& fn) const override
    {
        impl_.flat_for_each_account(kImportAccounts, nullptr, fn);
    }
    void for_each_storage(const Address& addr, const StorageVisitor& fn) const override
    {
        impl_.flat_for_each_storage(addr, nullptr, fn, kImportStorage);
    }

private:
    const ChainDb::Impl& impl_;
};

}  // namespace

Bytes encode_imported_head(const ImportedHead& head)
{
    Bytes payload;
    rlp::encode_bytes(payload, chain::encode_block(head.block));
    Bytes senders;
    for (const auto& a : head.block.senders)
        rlp::encode_bytes(senders, a.view());
    rlp::encode_list_header(payload, senders.size());
    payload.insert(payload.end(), senders.begin(), senders.end());
    rlp::encode_bytes(payload, codec::encode_receipts(head.receipts));
    Bytes headers;
    for (const auto& h : head.ancestors)
        h.encode_to(headers);
    rlp::encode_list_header(payload, headers.size());
    payload.insert(payload.end(), headers.begin(), headers.end());
    return rlp::wrap_list(payload);
}

Result<ImportedHead, std::string> decode_imported_head(BytesView in)
{
    const auto bad = [](std::string_view what) {
        return "imported head: bad " + std::string(what);
    };
    auto list = rlp::decode_list(in);
    if (!list || !in.empty())
        return bad("list");
    BytesView p = *list;
    ImportedHead out;
    auto block_rlp = rlp::decode_bytes(p);
    if (!block_rlp)
        return bad("block");
    auto block = chain::decode_block(*block_rlp);
    if (!block)
        return bad("block: " + block.error().message());
    out.block = std::move(*block);
    auto senders = rlp::decode_list(p);
    if (!senders)
        return bad("senders");
    while (!senders->empty())
    {
        auto a = rlp::decode_fixed<Address>(*senders);
        if (!a)
            return bad("sender");
        out.block.senders.push_back(*a);
    }
    auto receipts_rlp = rlp::decode_bytes(p);
    if (!receipts_rlp)
        return bad("receipts");
    auto receipts = codec::decode_receipts(*receipts_rlp);
    if (!receipts)
        return bad("receipts");
    out.receipts = std::move(*receipts);
    auto headers = rlp::decode_list(p);
    if (!headers || !p.empty())
        return bad("ancestors");
    while (!headers->empty())
    {
        auto h = chain::BlockHeader::decode_from(*headers);
        if (!h)
            return bad("ancestor header: " + h.error().message());
        out.ancestors.push_back(std::move(*h));
    }
    if (out.block.senders.size() != out.block.transactions.size() ||
        out.receipts.size() != out.block.transactions.size())
        return bad("block: senders and receipts must match the transactions");
    return out;
}

Result<bool, std::string> check_imported_chain(const ImportedHead& head)
{
    const auto& header = head.block.header;
    if (header.number == 0)
        return std::string("the imported head is the genesis block");
    if (head.ancestors.empty() || head.ancestors.size() > header.number)
        return std::string("the imported ancestors must be 1 to H blocks ending with H's parent");
    Hash256 child_parent = header.parent_hash;  // what the next-newer block says
    for (size_t i = head.ancestors.size(); i-- > 0;)
    {
        const auto& h = head.ancestors[i];
        if (h.number != header.number - (head.ancestors.size() - i))
            return std::string("the imported ancestors are not numbered H-k .. H-1");
        if (h.hash() != child_parent)
            return "imported ancestor " + std::to_string(h.number) +
                   " is not the parent of the block after it";
        child_parent = h.parent_hash;
    }
    if (head.block.senders.size() != head.block.transactions.size() ||
        head.receipts.size() != head.block.transactions.size())
        return std::string("senders and receipts must match the transactions one to one");
    return true;
}

ChainDb::ChainDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ChainDb::~ChainDb() = default;

namespace {

/// Leaves the recovery from a background error (a full disk) to ChainDb::resume(), which the
/// node calls every second: RocksDB's own recovery (its SstFileManager) waits until a write
/// buffer's worth (64 MiB) is free, so a small or nearly full disk never recovered.
class ManualRecovery final : public rocksdb::EventListener
{
public:
    void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason,
                              rocksdb::Status,
                              bool* auto_recovery) override
    {
        *auto_recovery = false;
    }
};

/// Where a point-in-time recovery of the database at `path` would take the head: its block
/// number (nullopt: no chain), read from a read-only open (nothing is written, so refusing
/// afterwards leaves the database as it was).
Result<std::optional<uint64_t>, std::string> point_in_time_head(
    rocksdb::DBOptions db_options,
    const std::string& path,
    const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors)
{
    db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    const auto s = rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &handles, &db);
    if (!s.ok())
        return s.ToString();
    std::optional<uint64_t> head;
    std::string v;
    const rocksdb::ReadOptions ro;
    if (db->Get(ro, handles[kMeta], slice(kMetaGenesis), &v).ok() &&
        db->Get(ro, handles[kMeta], slice(kMetaHead), &v).ok() && v.size() == 8)
        head = codec::get_u64(view(v).data());
    for (auto* h : handles)
        db->DestroyColumnFamilyHandle(h);
    delete db;
    return head;
}

/// "block 5" or "blocks 5..9".
std::string blocks_text(uint64_t from, uint64_t to)
{
    return from == to ? "block " + std::to_string(from)
                      : "blocks " + std::to_string(from) + ".." + std::to_string(to);
}

}  // namespace

Result<std::unique_ptr<ChainDb>, DbError> ChainDb::open(const ChainDbOptions& options)
{
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    const auto note = [&impl](std::string text) {
        std::fprintf(stderr, "tern db: %s\n", text.c_str());
        impl->notes.push_back(std::move(text));
    };

    rocksdb::Options opts;
    opts.create_if_missing = true;
    opts.create_missing_column_families = true;
    opts.max_background_jobs = 2;
    // Column families written rarely (code, bodies) would otherwise keep old WAL files alive
    // until the default limit (4x all write buffers, gigabytes): bound the WAL, and so the
    // replay time after a crash, and the memtable memory across all families.
    opts.max_total_wal_size = 128 << 20;
    opts.db_write_buffer_size = 256 << 20;
    opts.keep_log_file_num = 4;
    // Fail loudly: checks on open and on every background read, a failed write stops writes
    // (rather than appending after a torn record); replaying the WAL tolerates only a record
    // torn by a crash while it was written, any other damage refuses to open.
    opts.paranoid_checks = true;
    opts.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    opts.listeners.push_back(std::make_shared<ManualRecovery>());
    std::string path = options.path;
    const bool on_disk = !path.empty();
    if (on_disk)
    {
        std::error_code ec;
        std::filesystem::create_directories(path, ec);
        if (ec)
            return DbError{DbErrorCode::Io,
                           "cannot create the database directory " + path + ": " + ec.message()};
    }
    else
    {
        impl->mem_env.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
        opts.env = impl->mem_env.get();
        path = kMemoryPath;
    }
    opts.info_log = RocksDbLogger::open(on_disk ? path + "/LOG" : "");
    opts.info_log_level = rocksdb::InfoLogLevel::INFO_LEVEL;
    rocksdb::BlockBasedTableOptions table;
    if (options.block_cache_bytes)
        table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.checksum = rocksdb::kCRC32c;  // per block, verified on every read
    opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const char* name : kCfNames)
        descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(opts));

    // The last acknowledged head, from outside the WAL.
    std::optional<HeadMark> mark;
    const std::string mark_path = on_disk ? path + "/" + HeadMarkFile::kFileName : "";
    if (on_disk)
    {
        auto read = HeadMarkFile::read(mark_path);
        if (!read)
            note(read.error() + ": lost blocks cannot be detected at this start");
        else
            mark = *read;
    }

    auto s = rocksdb::DB::Open(rocksdb::DBOptions(opts), path, descriptors, &impl->cfs, &impl->db);
    bool loss_reported = false;  // an accepted point-in-time recovery named the lost blocks
    if (s.IsCorruption() && on_disk)
    {
        // RocksDB refused to replay a damaged WAL (or another file is damaged). Where would a
        // point-in-time recovery (replay up to the damage) take the chain?
        impl->cfs.clear();
        impl->db = nullptr;
        const auto recovered = point_in_time_head(rocksdb::DBOptions(opts), path, descriptors);
        if (!recovered)
            return DbError{DbErrorCode::Corruption,
                           "the database in " + path + " cannot be opened (" + s.ToString() +
                               ") nor recovered to an earlier block (" + recovered.error() + ")"};
        const std::optional<uint64_t> to = *recovered;
        std::string what = "the database in " + path + " is damaged (" + s.ToString() +
                           "): recovering takes the chain back to " +
                           (to ? "block " + std::to_string(*to) : std::string("no chain at all"));
        const bool loses = !mark || !to || *to < mark->number;
        if (loses && mark)
            what += ", losing " + blocks_text(to ? *to + 1 : 0, mark->number) +
                    ", which had been acknowledged";
        else if (loses)
            what += std::string(", and whether acknowledged blocks are lost cannot be told (no ") +
                    HeadMarkFile::kFileName + ")";
        if (loses && !options.accept_lost_blocks)
            return DbError{DbErrorCode::LostBlocks, what};
        opts.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
        s = rocksdb::DB::Open(rocksdb::DBOptions(opts), path, descriptors, &impl->cfs, &impl->db);
        if (s.ok())
            note(what + (loses ? " (loss accepted)" : "; nothing acknowledged was lost"));
        loss_reported = true;
    }
    if (!s.ok())
        return io_error(("cannot open the database in " + path).c_str(), s);

    try
    {
        std::string v;
        if (impl->get(kMeta, slice(kMetaSchema), v))
        {
            if (v.size() != 8 || codec::get_u64(view(v).data()) != kSchemaVersion)
                return DbError{DbErrorCode::IncompatibleVersion,
                               "database schema version differs from this build's (" +
                                   std::to_string(kSchemaVersion) + ")"};
        }
        if (impl->get(kMeta, slice(kMetaGenesis), v))
        {
            impl->initialized = true;
            impl->head = impl->meta_u64(kMetaHead, nullptr);
            impl->pruned = impl->meta_u64(kMetaPruned, nullptr);
            std::string h;
            if (!impl->get(kCanonical, slice(codec::number_key(impl->head)), h) || h.size() != 32)
                return DbError{DbErrorCode::Corruption, "head block hash missing (block " +
                                                            std::to_string(impl->head) + ")"};
            std::memcpy(impl->head_hash.data(), h.data(), 32);
        }
        // A snapshot import killed after its marker is completed, one killed before is dropped.
        if (auto r = impl->complete_import(); !r)
            return r.error();
        if (auto r = impl->drop_staged(); !r)
            return r.error();
    }
    catch (const DbReadError& e)
    {
        return e.error();
    }

    // A recovery that tolerated a "torn" tail may still have dropped acknowledged blocks (the
    // tail was complete but damaged, or never reached the disk before a power cut).
    if (mark && !loss_reported && (!impl->initialized || impl->head < mark->number))
    {
        const uint64_t from = impl->initialized ? impl->head + 1 : 0;
        std::string what =
            "the database in " + path + " recovered to " +
            (impl->initialized ? "block " + std::to_string(impl->head) : std::string("no chain")) +
            " but " + blocks_text(from, mark->number) + " had been acknowledged (" +
            HeadMarkFile::kFileName +
            "): the end of the write-ahead log was lost (damaged, or not on disk at a power cut "
            "without sync_writes)";
        if (!options.accept_lost_blocks)
            return DbError{DbErrorCode::LostBlocks, what};
        note(what + " (loss accepted)");
    }
    else if (mark && impl->initialized)
    {
        std::string h;
        try
        {
            if (impl->get(kCanonical, slice(codec::number_key(mark->number)), h) &&
                h.size() == 32 && std::memcmp(h.data(), mark->hash.data(), 32) != 0)
                note(std::string("warning: ") + HeadMarkFile::kFileName + " names block " +
                     std::to_string(mark->number) + " with another hash than the database's");
        }
        catch (const DbReadError& e)
        {
            return e.error();
        }
    }
    if (on_disk)
    {
        auto file = HeadMarkFile::open(mark_path);
        if (!file)
            note(file.error() + ": lost blocks cannot be detected at the next start");
        else
        {
            impl->mark = std::move(*file);
            if (impl->initialized)
                impl->acknowledge(impl->head, impl->head_hash);
        }
    }
    return std::unique_ptr<ChainDb>(new ChainDb(std::move(impl)));
}

Result<Ok, DbError> ChainDb::init_genesis(const chain::Block& genesis,
                                          const state::StateDiff& alloc,
                                          BytesView chain_config)
{
    std::lock_guard write_lock(impl_->write_mutex);
    const Hash256 hash = genesis.header.hash();
    std::optional<Hash256> existing;
    try
    {
        existing = genesis_hash();
    }
    catch (const DbReadError& e)
    {
        return e.error();
    }
    if (existing)
    {
        if (*existing != hash)
            return DbError{DbErrorCode::GenesisMismatch,
                           "database already contains an incompatible genesis block"};
        return Ok{};
    }
    if (genesis.header.number != 0)
        return DbError{DbErrorCode::InvalidBlock, "genesis block number must be 0"};
    if (genesis.senders.size() != genesis.transactions.size() || !genesis.transactions.empty())
        return DbError{DbErrorCode::InvalidBlock, "genesis block must have no transactions"};

    rocksdb::WriteBatch batch;
    Bytes unused;
    impl_->write_state(batch, alloc, std::nullopt, unused);
    impl_->write_block(batch, genesis, hash, {});
    batch.Put(impl_->cf(kMeta), slice(kMetaSchema), u64_value(kSchemaVersion));
    batch.Put(impl_->cf(kMeta), slice(kMetaGenesis), slice(hash.view()));
    batch.Put(impl_->cf(kMeta), slice(kMetaHead), u64_value(0));
    batch.Put(impl_->cf(kMeta), slice(kMetaPruned), u64_value(0));
    if (!chain_config.empty())
        batch.Put(impl_->cf(kMeta), slice(kMetaConfig), slice(chain_config));
    if (auto r = impl_->write(batch); !r)
        return r;
    impl_->acknowledge(0, hash);

    std::lock_guard lock(impl_->head_mutex);
    impl_->initialized = true;
    impl_->head = 0;
    impl_->head_hash = hash;
    impl_->pruned = 0;
    return Ok{};
}

bool ChainDb::initialized() const noexcept
{
    std::lock_guard lock(impl_->head_mutex);
    return impl_->initialized;
}

std::optional<Hash256> ChainDb::genesis_hash() const
{
    std::string v;
    if (!impl_->get(kMeta, slice(kMetaGenesis), v))
        return std::nullopt;
    if (v.size() != 32)
        Impl::undecodable(kMeta, slice(kMetaGenesis));
    Hash256 h;
    std::memcpy(h.data(), v.data(), 32);
    return h;
}

std::optional<Bytes> ChainDb::chain_config() const
{
    std::string v;
    if (!impl_->get(kMeta, slice(kMetaConfig), v))
        return std::nullopt;
    return Bytes(v.begin(), v.end());
}

Result<Ok, DbError> ChainDb::commit_block(const chain::Block& block,
                                          std::span<const execution::Receipt> receipts,
                                          const state::StateDiff& diff)
{
    std::lock_guard write_lock(impl_->write_mutex);
    uint64_t head = 0;
    uint64_t pruned = 0;
    Hash256 head_hash;
    {
        std::lock_guard lock(impl_->head_mutex);
        if (!impl_->initialized)
            return DbError{DbErrorCode::NotInitialized, "no genesis block"};
        head = impl_->head;
        head_hash = impl_->head_hash;
        pruned = impl_->pruned;
    }
    const uint64_t n = block.header.number;
    if (n != head + 1)
        return DbError{DbErrorCode::InvalidBlock, "block number " + std::to_string(n) +
                                                      " does not follow the head " +
                                                      std::to_string(head)};
    if (block.header.parent_hash != head_hash)
        return DbError{DbErrorCode::InvalidBlock, "parent hash is not the head block's hash"};
    if (block.senders.size() != block.transactions.size() ||
        receipts.size() != block.transactions.size())
        return DbError{DbErrorCode::InvalidBlock,
                       "senders and receipts must match the transactions one to one"};

    const Hash256 hash = block.header.hash();
    rocksdb::WriteBatch batch;
    // Building the batch reads the values it replaces (history) and the change lists it prunes:
    // a failed read throws DbReadError before anything is written.
    Bytes changes;
    impl_->write_state(batch, diff, n, changes);
    if (!changes.empty())
        batch.Put(impl_->cf(kChanges), slice(codec::number_key(n)), slice(changes));
    impl_->write_block(batch, block, hash, receipts);
    const uint64_t new_pruned = impl_->prune(batch, n, pruned);
    batch.Put(impl_->cf(kMeta), slice(kMetaHead), u64_value(n));
    if (new_pruned != pruned)
        batch.Put(impl_->cf(kMeta), slice(kMetaPruned), u64_value(new_pruned));
    if (auto r = impl_->write(batch); !r)
        return r;
    impl_->acknowledge(n, hash);

    std::lock_guard lock(impl_->head_mutex);
    impl_->head = n;
    impl_->head_hash = hash;
    impl_->pruned = new_pruned;
    return Ok{};
}

uint64_t ChainDb::head_number() const noexcept
{
    std::lock_guard lock(impl_->head_mutex);
    return impl_->head;
}

Hash256 ChainDb::head_hash() const noexcept
{
    std::lock_guard lock(impl_->head_mutex);
    return impl_->head_hash;
}

std::optional<chain::BlockHeader> ChainDb::header(uint64_t number) const
{
    std::string v;
    const auto nk = codec::number_key(number);
    if (!impl_->get(kHeaders, slice(nk), v))
        return std::nullopt;
    auto h = chain::BlockHeader::decode(view(v));
    if (!h)
        Impl::undecodable(kHeaders, slice(nk));
    return std::move(*h);
}

std::optional<chain::BlockHeader> ChainDb::header_by_hash(const Hash256& hash) const
{
    const auto n = block_number(hash);
    return n ? header(*n) : std::nullopt;
}

std::optional<Hash256> ChainDb::block_hash(uint64_t number) const
{
    std::string v;
    const auto nk = codec::number_key(number);
    if (!impl_->get(kCanonical, slice(nk), v))
        return std::nullopt;
    if (v.size() != 32)
        Impl::undecodable(kCanonical, slice(nk));
    Hash256 h;
    std::memcpy(h.data(), v.data(), 32);
    return h;
}

std::optional<uint64_t> ChainDb::block_number(const Hash256& hash) const
{
    std::string v;
    if (!impl_->get(kHashNumbers, slice(hash.view()), v))
        return std::nullopt;
    if (v.size() != 8)
        Impl::undecodable(kHashNumbers, slice(hash.view()));
    return codec::get_u64(view(v).data());
}

std::optional<size_t> ChainDb::transaction_count(uint64_t number) const
{
    if (!block_hash(number))
        return std::nullopt;
    const auto nk = codec::number_key(number);
    auto it = impl_->iterator(kTransactions, nullptr);
    size_t count = 0;
    for (it->Seek(slice(nk)); it->Valid() && has_prefix(it->key(), view(slice(nk))); it->Next())
        ++count;
    Impl::check(*it, kTransactions);
    return count;
}

std::optional<chain::Block> ChainDb::block(uint64_t number) const
{
    auto h = header(number);
    if (!h)
        return std::nullopt;
    chain::Block b;
    b.header = std::move(*h);
    const auto nk = codec::number_key(number);
    auto it = impl_->iterator(kTransactions, nullptr);
    for (it->Seek(slice(nk)); it->Valid() && has_prefix(it->key(), view(slice(nk))); it->Next())
    {
        const BytesView v = view(it->value());
        if (v.size() < 20)
            Impl::undecodable(kTransactions, it->key());
        Address sender;
        std::memcpy(sender.data(), v.data(), 20);
        auto tx = decode_transaction(v.subspan(20), TxDecodeOptions{.allow_blob = true});
        if (!tx)
            Impl::undecodable(kTransactions, it->key());
        b.transactions.push_back(std::move(*tx));
        b.senders.push_back(sender);
    }
    Impl::check(*it, kTransactions);
    std::string w;
    if (impl_->get(kBodies, slice(nk), w))
    {
        auto body = chain::decode_body(view(w));
        if (!body)
            Impl::undecodable(kBodies, slice(nk));
        b.withdrawals = std::move(body->withdrawals);
    }
    return b;
}

std::optional<chain::Block> ChainDb::block_by_hash(const Hash256& hash) const
{
    const auto n = block_number(hash);
    return n ? block(*n) : std::nullopt;
}

std::optional<std::vector<execution::Receipt>> ChainDb::receipts(uint64_t number,
                                                                 codec::Blooms blooms) const
{
    std::string v;
    const auto nk = codec::number_key(number);
    if (!impl_->get(kReceipts, slice(nk), v))
        return std::nullopt;
    auto r = codec::decode_receipts(view(v), blooms);
    if (!r)
        Impl::undecodable(kReceipts, slice(nk));
    return r;
}

Result<std::optional<codec::ReceiptAt>, DbError> ChainDb::receipt_at(uint64_t number,
                                                                     uint32_t index) const
{
    rocksdb::PinnableSlice v;  // pinned in the block cache: the block's receipts are not copied
    try
    {
        if (!impl_->get(kReceipts, slice(codec::number_key(number)), v))
            return std::optional<codec::ReceiptAt>{};
    }
    catch (const DbReadError& e)
    {
        return e.error();
    }
    auto r = codec::decode_receipt_at(view(v), index);
    if (!r)
        return DbError{DbErrorCode::Corruption,
                       "block " + std::to_string(number) + " " + r.error()};
    return std::move(*r);
}

std::optional<TxLookup> ChainDb::transaction(const Hash256& tx_hash) const
{
    std::string v;
    if (!impl_->get(kTxLookup, slice(tx_hash.view()), v))
        return std::nullopt;
    if (v.size() != 12)
        Impl::undecodable(kTxLookup, slice(tx_hash.view()));
    codec::Key<12> key;
    std::memcpy(key.bytes.data(), v.data(), 12);
    return impl_->tx_at(key);
}

std::optional<TxLookup> ChainDb::transaction_at(uint64_t number, uint32_t index) const
{
    return impl_->tx_at(codec::tx_key(number, index));
}

std::optional<state::AccountInfo> ChainDb::read_account(const Address& addr) const
{
    return impl_->flat_account(addr, nullptr);
}

U256 ChainDb::read_storage(const Address& addr, const U256& key) const
{
    return impl_->flat_storage(addr, key, nullptr);
}

bool ChainDb::has_storage(const Address& addr) const
{
    return impl_->flat_has_storage(addr, nullptr);
}

state::CodePtr ChainDb::read_code(const Hash256& code_hash) const
{
    return impl_->code(code_hash);
}

state::CodePtr ChainDb::read_blob(const Hash256& hash) const
{
    return impl_->blob(hash, nullptr);
}

std::unique_ptr<StateView> ChainDb::head_state() const
{
    const rocksdb::Snapshot* snap = impl_->db->GetSnapshot();
    uint64_t head = 0;
    try
    {
        head = impl_->meta_u64(kMetaHead, snap);
    }
    catch (const DbReadError&)
    {
        impl_->db->ReleaseSnapshot(snap);
        throw;
    }
    return std::make_unique<SnapshotView>(*impl_, snap, head, true);
}

Result<std::unique_ptr<StateView>, DbError> ChainDb::state_at(uint64_t number) const
{
    const rocksdb::Snapshot* snap = impl_->db->GetSnapshot();
    uint64_t head = 0;
    uint64_t pruned = 0;
    try
    {
        head = impl_->meta_u64(kMetaHead, snap);
        pruned = impl_->meta_u64(kMetaPruned, snap);
    }
    catch (const DbReadError& e)
    {
        impl_->db->ReleaseSnapshot(snap);
        return e.error();
    }
    if (number > head || number < impl_->oldest(head, pruned))
    {
        impl_->db->ReleaseSnapshot(snap);
        return history_unavailable();
    }
    return std::unique_ptr<StateView>(
        std::make_unique<SnapshotView>(*impl_, snap, number, number == head));
}

uint64_t ChainDb::oldest_state_block() const noexcept
{
    std::lock_guard lock(impl_->head_mutex);
    return impl_->oldest(impl_->head, impl_->pruned);
}

void ChainDb::for_each_account(const AccountVisitor& fn) const
{
    impl_->flat_for_each_account(kAccounts, nullptr, fn);
}

void ChainDb::for_each_storage(const Address& addr, const StorageVisitor& fn) const
{
    impl_->flat_for_each_storage(addr, nullptr, fn);
}

Result<Ok, DbError> ChainDb::begin_import()
{
    std::lock_guard write_lock(impl_->write_mutex);
    if (!initialized())
        return DbError{DbErrorCode::NotInitialized, "no genesis block"};
    if (head_number() != 0)
        return DbError{DbErrorCode::NotEmpty, "the database has blocks past genesis"};
    rocksdb::WriteBatch batch;
    for (Cf c : {kImportAccounts, kImportStorage, kImportCode, kImportBlobs})
        impl_->clear(batch, c);
    return impl_->write(batch);
}

Result<Ok, DbError> ChainDb::import_state(const ImportBatch& b)
{
    std::lock_guard write_lock(impl_->write_mutex);
    rocksdb::WriteBatch batch;
    for (const auto& [addr, info] : b.accounts)
        batch.Put(impl_->cf(kImportAccounts), slice(addr.view()),
                  slice(BytesView(codec::encode_account(info))));
    for (const auto& [addr, key, value] : b.storage)
        batch.Put(impl_->cf(kImportStorage), slice(codec::storage_key(addr, key)),
                  slice(codec::encode_slot(value)));
    for (const auto& code : b.code)
        batch.Put(impl_->cf(kImportCode), slice(keccak256(code).view()), slice(code));
    for (const auto& blob : b.blobs)
        batch.Put(impl_->cf(kImportBlobs), slice(keccak256(blob).view()), slice(blob));
    return impl_->write(batch);
}

std::unique_ptr<chain::StateSource> ChainDb::staged_state() const
{
    return std::make_unique<StagedSource>(*impl_);
}

Result<Ok, DbError> ChainDb::finish_import(const ImportedHead& head)
{
    std::lock_guard write_lock(impl_->write_mutex);
    if (!initialized())
        return DbError{DbErrorCode::NotInitialized, "no genesis block"};
    if (head_number() != 0)
        return DbError{DbErrorCode::NotEmpty, "the database has blocks past genesis"};
    if (auto chained = check_imported_chain(head); !chained)
        return DbError{DbErrorCode::InvalidBlock, chained.error()};
    try
    {
        const auto& first = head.ancestors.front();
        if (first.number == 0 && first.hash() != genesis_hash())
            return DbError{DbErrorCode::GenesisMismatch,
                           "imported chain has another genesis block"};
        rocksdb::WriteBatch batch;
        batch.Put(impl_->cf(kMeta), slice(kMetaImport), slice(encode_imported_head(head)));
        impl_->clear(batch, kAccounts);
        impl_->clear(batch, kStorage);
        if (auto r = impl_->write(batch); !r)
            return r;
        if (impl_->options.import_stop_after_marker)
            return DbError{DbErrorCode::Io, "stopped after the import marker (test hook)"};
        return impl_->complete_import();
    }
    catch (const DbReadError& e)
    {
        return e.error();
    }
}

Result<Ok, DbError> ChainDb::abort_import()
{
    std::lock_guard write_lock(impl_->write_mutex);
    try
    {
        return impl_->drop_staged();
    }
    catch (const DbReadError& e)
    {
        return e.error();
    }
}

uint64_t ChainDb::staged_entry_count() const
{
    uint64_t n = 0;
    for (Cf c : {kImportAccounts, kImportStorage, kImportCode, kImportBlobs})
    {
        auto it = impl_->iterator(c, nullptr);
        for (it->SeekToFirst(); it->Valid(); it->Next())
            ++n;
        Impl::check(*it, c);
    }
    return n;
}

uint64_t ChainDb::history_entry_count() const
{
    uint64_t n = 0;
    for (Cf c : {kAccountHistory, kStorageHistory})
    {
        auto it = impl_->iterator(c, nullptr);
        for (it->SeekToFirst(); it->Valid(); it->Next())
            ++n;
        Impl::check(*it, c);
    }
    return n;
}

const ChainDbOptions& ChainDb::options() const noexcept
{
    return impl_->options;
}

Result<Ok, DbError> ChainDb::check_head() const
{
    if (!initialized())
        return Ok{};
    const uint64_t n = head_number();
    const Hash256 hash = head_hash();
    const std::string block = "head block " + std::to_string(n);
    const auto bad = [&](const std::string& what) {
        return DbError{DbErrorCode::HeadInconsistent, block + ": " + what};
    };
    try
    {
        const auto h = header(n);
        if (!h)
            return bad("header missing");
        if (h->number != n || h->hash() != hash)
            return bad("the stored header is not the block the chain names as its head");
        if (block_number(hash) != n)
            return bad("the hash index does not name it");
        if (n > 0 && block_hash(n - 1) != h->parent_hash)
            return bad("its parent hash is not the hash of block " + std::to_string(n - 1));
        const auto b = this->block(n);
        if (!b)
            return bad("body missing");
        if (chain::transactions_root(b->transactions) != h->transactions_root)
            return bad("its transactions do not give the header's transactions root");
        if (chain::withdrawals_root(b->withdrawals) != h->withdrawals_root)
            return bad("its withdrawals do not give the header's withdrawals root");
        const auto r = receipts(n);
        if (!r)
            return bad("receipts missing");
        if (r->size() != b->transactions.size())
            return bad(std::to_string(r->size()) + " receipts for " +
                       std::to_string(b->transactions.size()) + " transactions");
        if (chain::receipts_root(*r) != h->receipts_root)
            return bad("its receipts do not give the header's receipts root");
        if (chain::block_bloom(*r) != h->logs_bloom)
            return bad("its receipts' logs do not give the header's logs bloom");
    }
    catch (const DbReadError& e)
    {
        return DbError{e.error().code, block + ": " + e.error().message};
    }
    return Ok{};
}

Result<Ok, DbError> ChainDb::resume()
{
    const auto s = impl_->db->Resume();
    if (!s.ok())
        return io_error("the database cannot be written", s);
    return Ok{};
}

const std::vector<std::string>& ChainDb::recovery_notes() const noexcept
{
    return impl_->notes;
}

Result<Ok, DbError> ChainDb::flush()
{
    std::vector<rocksdb::ColumnFamilyHandle*> all(impl_->cfs.begin(), impl_->cfs.end());
    const auto s = impl_->db->Flush(rocksdb::FlushOptions(), all);
    if (!s.ok())
        return io_error("flush", s);
    return Ok{};
}

DbReadError::DbReadError(DbError error)
    : std::runtime_error(error.message), error_(std::move(error))
{}

std::optional<DbError> StateView::fault() const
{
    if (!faulted_.load(std::memory_order_acquire))
        return std::nullopt;
    std::lock_guard lock(fault_mutex_);
    return fault_;
}

void StateView::throw_if_faulted() const
{
    if (auto f = fault())
        throw DbReadError(std::move(*f));
}

void StateView::record_fault(const DbError& error) const noexcept
{
    std::lock_guard lock(fault_mutex_);
    if (fault_)
        return;
    try
    {
        fault_ = error;
    }
    catch (...)
    {
        fault_ = DbError{error.code, {}};  // out of memory: the failure without its text
    }
    faulted_.store(true, std::memory_order_release);
}

}  // namespace tern::db
