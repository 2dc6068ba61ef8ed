#include "db/chain_db.hpp"

#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"
#include "db/codec.hpp"
#include "transaction/codec.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
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
    kCfCount,
};

constexpr const char* kCfNames[kCfCount] = {
    "default",        "accounts",        "storage",         "code",      "headers",
    "canonical",      "hash_numbers",    "transactions",    "tx_lookup", "bodies",
    "receipts",       "account_history", "storage_history", "changes",   "import_accounts",
    "import_storage", "import_code",
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

/// A read failed for a reason other than "not found" (I/O error, corruption): the node cannot
/// continue on a store it cannot read, and the StateReader interface has no error channel.
[[noreturn]] void fatal(const char* what, const std::string& detail)
{
    std::fprintf(stderr, "tern db: %s: %s\n", what, detail.c_str());
    std::abort();
}

DbError io_error(const char* what, const rocksdb::Status& s)
{
    return DbError{DbErrorCode::Io, std::string(what) + ": " + s.ToString()};
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

    /// Point read; false if absent. Aborts on I/O errors.
    bool get(Cf c,
             const rocksdb::Slice& key,
             std::string& out,
             const rocksdb::Snapshot* snap = nullptr) const
    {
        rocksdb::ReadOptions ro;
        ro.snapshot = snap;
        const auto s = db->Get(ro, cf(c), key, &out);
        if (s.IsNotFound())
            return false;
        if (!s.ok())
            fatal("read", s.ToString());
        return true;
    }

    /// Point read into a pinned slice (no copy of the value); false if absent. Aborts on I/O
    /// errors.
    bool get(Cf c, const rocksdb::Slice& key, rocksdb::PinnableSlice& out) const
    {
        const auto s = db->Get(rocksdb::ReadOptions(), cf(c), key, &out);
        if (s.IsNotFound())
            return false;
        if (!s.ok())
            fatal("read", s.ToString());
        return true;
    }

    std::unique_ptr<rocksdb::Iterator> iterator(Cf c, const rocksdb::Snapshot* snap) const
    {
        rocksdb::ReadOptions ro;
        ro.snapshot = snap;
        return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(ro, cf(c)));
    }

    static void check(const rocksdb::Iterator& it)
    {
        if (!it.status().ok())
            fatal("iterate", it.status().ToString());
    }

    uint64_t meta_u64(std::string_view key, const rocksdb::Snapshot* snap) const
    {
        std::string v;
        if (!get(kMeta, slice(key), v, snap))
            return 0;
        if (v.size() != 8)
            fatal("meta", std::string(key) + " has the wrong size");
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
            fatal("decode", "account");
        return a;
    }

    U256 flat_storage(const Address& addr, const U256& key, const rocksdb::Snapshot* snap) const
    {
        std::string v;
        if (!get(kStorage, slice(codec::storage_key(addr, key)), v, snap))
            return U256{};
        auto s = codec::decode_slot(view(v));
        if (!s)
            fatal("decode", "storage slot");
        return *s;
    }

    bool flat_has_storage(const Address& addr, const rocksdb::Snapshot* snap) const
    {
        auto it = iterator(kStorage, snap);
        it->Seek(slice(addr.view()));
        const bool found = it->Valid() && has_prefix(it->key(), addr.view());
        check(*it);
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
            const U256 slot = U256::from_be_bytes(view(it->key()).data() + 20, 32);
            auto v = codec::decode_slot(view(it->value()));
            if (!v)
                fatal("decode", "storage slot");
            fn(slot, *v);
        }
        check(*it);
    }

    /// Every account of the flat column family `c` (kAccounts or the staged kImportAccounts).
    void flat_for_each_account(Cf c, const rocksdb::Snapshot* snap, const AccountVisitor& fn) const
    {
        auto it = iterator(c, snap);
        for (it->SeekToFirst(); it->Valid(); it->Next())
        {
            if (it->key().size() != 20)
                fatal("decode", "account key");
            Address addr;
            std::memcpy(addr.data(), it->key().data(), 20);
            auto a = codec::decode_account(view(it->value()));
            if (!a)
                fatal("decode", "account");
            fn(addr, *a);
        }
        check(*it);
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
                fatal("decode", "account history");
            return a;
        }
        check(*it);
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
                fatal("decode", "storage history");
            return *v;
        }
        check(*it);
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
            const U256 slot = U256::from_be_bytes(view(it->key()).data() + 20, 32);
            it->Seek(slice(codec::storage_history_key(addr, slot, number + 1)));
            const auto prefix = codec::storage_key(addr, slot);
            if (it->Valid() && has_prefix(it->key(), view(slice(prefix))))
            {
                auto v = codec::decode_slot(view(it->value()));
                if (!v)
                    fatal("decode", "storage history");
                changed[slot] = *v;
            }
            if (slot == U256::max())
                break;
            it->Seek(slice(codec::storage_key(addr, slot + U256{1})));
        }
        check(*it);
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

    // ---- writes ----

    /// Adds the state changes of `diff` to `batch`. With `history_number`, also the previous
    /// value of every changed account and slot under that block, and the change list.
    void write_state(rocksdb::WriteBatch& batch,
                     const state::StateDiff& diff,
                     std::optional<uint64_t> history_number,
                     Bytes& changes) const
    {
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
                fatal("decode", "change list");
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
        check(*it);
        return empty;
    }

    /// Drops staged import data (if any) and a leftover marker-less import.
    Result<Ok, DbError> drop_staged()
    {
        if (cf_empty(kImportAccounts) && cf_empty(kImportStorage) && cf_empty(kImportCode))
            return Ok{};
        rocksdb::WriteBatch batch;
        for (Cf c : {kImportAccounts, kImportStorage, kImportCode})
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
        const std::pair<Cf, Cf> copies[] = {
            {kImportAccounts, kAccounts}, {kImportStorage, kStorage}, {kImportCode, kCode}};
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
            check(*it);
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
        for (Cf c : {kImportAccounts, kImportStorage, kImportCode, kAccountHistory, kStorageHistory,
                     kChanges})
            clear(batch, c);
        batch.Put(cf(kMeta), slice(kMetaHead), u64_value(n));
        batch.Put(cf(kMeta), slice(kMetaPruned), u64_value(n));
        batch.Delete(cf(kMeta), slice(kMetaImport));
        if (auto r = write(batch); !r)
            return r;
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
            fatal("decode", "transaction");
        TxLookup out;
        out.block_number = codec::get_u64(key.bytes.data());
        out.index = 0;
        for (size_t i = 8; i < 12; ++i)
            out.index = (out.index << 8) | key.bytes[i];
        std::memcpy(out.sender.data(), v.data(), 20);
        const BytesView raw = view(v).subspan(20);
        auto tx = decode_transaction(raw, TxDecodeOptions{.allow_blob = true});
        if (!tx)
            fatal("decode", "transaction");
        out.tx = std::move(*tx);
        out.hash = keccak256(raw);
        std::string h;
        if (!get(kCanonical, slice(codec::number_key(out.block_number)), h) || h.size() != 32)
            fatal("read", "canonical hash of a stored transaction's block");
        std::memcpy(out.block_hash.data(), h.data(), 32);
        return out;
    }
};

namespace {

/// A StateView over a RocksDB snapshot: at the head it reads the flat state, below it the
/// history entries first.
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
        return at_head_ ? impl_.flat_account(addr, snap_) : impl_.account_at(addr, number_, snap_);
    }

    U256 read_storage(const Address& addr, const U256& key) const override
    {
        return at_head_ ? impl_.flat_storage(addr, key, snap_)
                        : impl_.storage_at(addr, key, number_, snap_);
    }

    bool has_storage(const Address& addr) const override
    {
        return at_head_ ? impl_.flat_has_storage(addr, snap_)
                        : !impl_.storage_map_at(addr, number_, snap_).empty();
    }

    state::CodePtr read_code(const Hash256& code_hash) const override
    {
        return impl_.code(code_hash);
    }

    void for_each_storage(const Address& addr, const StorageVisitor& fn) const override
    {
        if (at_head_)
        {
            impl_.flat_for_each_storage(addr, snap_, fn);
            return;
        }
        for (const auto& [k, v] : impl_.storage_map_at(addr, number_, snap_))
            fn(k, v);
    }

    void for_each_account(const AccountVisitor& fn) const override
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
                fatal("decode", "account history key");
            if (codec::get_u64(view(it->key()).data() + 20) <= number_)
                continue;
            Address a;
            std::memcpy(a.data(), it->key().data(), 20);
            addresses.insert(a);
        }
        ChainDb::Impl::check(*it);
        for (const auto& a : addresses)
            if (const auto info = impl_.account_at(a, number_, snap_))
                fn(a, *info);
    }

private:
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

Result<std::unique_ptr<ChainDb>, DbError> ChainDb::open(const ChainDbOptions& options)
{
    auto impl = std::make_unique<Impl>();
    impl->options = options;

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
    std::string path = options.path;
    if (!path.empty())
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
    rocksdb::BlockBasedTableOptions table;
    if (options.block_cache_bytes)
        table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const char* name : kCfNames)
        descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(opts));
    const auto s =
        rocksdb::DB::Open(rocksdb::DBOptions(opts), path, descriptors, &impl->cfs, &impl->db);
    if (!s.ok())
        return io_error("cannot open the database", s);

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
            return DbError{DbErrorCode::Corruption, "head block hash missing"};
        std::memcpy(impl->head_hash.data(), h.data(), 32);
    }
    // A snapshot import killed after its marker is completed, one killed before is dropped.
    if (auto r = impl->complete_import(); !r)
        return r.error();
    if (auto r = impl->drop_staged(); !r)
        return r.error();
    return std::unique_ptr<ChainDb>(new ChainDb(std::move(impl)));
}

Result<Ok, DbError> ChainDb::init_genesis(const chain::Block& genesis,
                                          const state::StateDiff& alloc,
                                          BytesView chain_config)
{
    std::lock_guard write_lock(impl_->write_mutex);
    const Hash256 hash = genesis.header.hash();
    if (auto existing = genesis_hash())
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
    if (!impl_->get(kMeta, slice(kMetaGenesis), v) || v.size() != 32)
        return std::nullopt;
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
    if (!impl_->get(kHeaders, slice(codec::number_key(number)), v))
        return std::nullopt;
    auto h = chain::BlockHeader::decode(view(v));
    if (!h)
        fatal("decode header", h.error().message());
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
    if (!impl_->get(kCanonical, slice(codec::number_key(number)), v) || v.size() != 32)
        return std::nullopt;
    Hash256 h;
    std::memcpy(h.data(), v.data(), 32);
    return h;
}

std::optional<uint64_t> ChainDb::block_number(const Hash256& hash) const
{
    std::string v;
    if (!impl_->get(kHashNumbers, slice(hash.view()), v) || v.size() != 8)
        return std::nullopt;
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
    Impl::check(*it);
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
            fatal("decode", "transaction");
        Address sender;
        std::memcpy(sender.data(), v.data(), 20);
        auto tx = decode_transaction(v.subspan(20), TxDecodeOptions{.allow_blob = true});
        if (!tx)
            fatal("decode", "transaction");
        b.transactions.push_back(std::move(*tx));
        b.senders.push_back(sender);
    }
    Impl::check(*it);
    std::string w;
    if (impl_->get(kBodies, slice(nk), w))
    {
        auto body = chain::decode_body(view(w));
        if (!body)
            fatal("decode body", body.error().message());
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
    if (!impl_->get(kReceipts, slice(codec::number_key(number)), v))
        return std::nullopt;
    auto r = codec::decode_receipts(view(v), blooms);
    if (!r)
        fatal("decode", "receipts");
    return r;
}

Result<std::optional<codec::ReceiptAt>, DbError> ChainDb::receipt_at(uint64_t number,
                                                                     uint32_t index) const
{
    rocksdb::PinnableSlice v;  // pinned in the block cache: the block's receipts are not copied
    if (!impl_->get(kReceipts, slice(codec::number_key(number)), v))
        return std::optional<codec::ReceiptAt>{};
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
        fatal("decode", "transaction index");
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

std::unique_ptr<StateView> ChainDb::head_state() const
{
    const rocksdb::Snapshot* snap = impl_->db->GetSnapshot();
    const uint64_t head = impl_->meta_u64(kMetaHead, snap);
    return std::make_unique<SnapshotView>(*impl_, snap, head, true);
}

Result<std::unique_ptr<StateView>, DbError> ChainDb::state_at(uint64_t number) const
{
    const rocksdb::Snapshot* snap = impl_->db->GetSnapshot();
    const uint64_t head = impl_->meta_u64(kMetaHead, snap);
    const uint64_t pruned = impl_->meta_u64(kMetaPruned, snap);
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
    for (Cf c : {kImportAccounts, kImportStorage, kImportCode})
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
    const auto& first = head.ancestors.front();
    if (first.number == 0 && first.hash() != genesis_hash())
        return DbError{DbErrorCode::GenesisMismatch, "imported chain has another genesis block"};
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

Result<Ok, DbError> ChainDb::abort_import()
{
    std::lock_guard write_lock(impl_->write_mutex);
    return impl_->drop_staged();
}

uint64_t ChainDb::staged_entry_count() const
{
    uint64_t n = 0;
    for (Cf c : {kImportAccounts, kImportStorage, kImportCode})
    {
        auto it = impl_->iterator(c, nullptr);
        for (it->SeekToFirst(); it->Valid(); it->Next())
            ++n;
        Impl::check(*it);
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
        Impl::check(*it);
    }
    return n;
}

const ChainDbOptions& ChainDb::options() const noexcept
{
    return impl_->options;
}

}  // namespace tern::db
