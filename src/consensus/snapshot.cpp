#include "consensus/snapshot.hpp"

#include "chain/block.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/keccak.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"
#include "execution/block_env.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace tern::consensus {
namespace {

namespace fs = std::filesystem;

enum RecordTag : uint64_t
{
    kTagHead = 1,
    kTagAccount = 2,
    kTagStorage = 3,
    kTagCode = 4,
    kTagBlob = 5,
};

void encode_u256(Bytes& out, const U256& v)
{
    const Hash256 h = v.to_hash();
    rlp::encode_bytes(out, rlp::trim_leading_zeros(h.view()));
}

std::string rlp_error(std::string_view what, rlp::DecodingError e)
{
    return "snapshot chunk: bad " + std::string(what) + " (" + std::string(rlp::to_string(e)) + ")";
}

Result<SnapshotRecord, std::string> decode_record(BytesView& in)
{
    auto list = rlp::decode_list(in);
    if (!list)
        return rlp_error("record", list.error());
    BytesView p = *list;
    auto tag = rlp::decode_u64(p);
    if (!tag)
        return rlp_error("record tag", tag.error());
    switch (*tag)
    {
        case kTagHead:
        {
            auto bytes = rlp::decode_bytes(p);
            if (!bytes)
                return rlp_error("head", bytes.error());
            if (!p.empty())
                return std::string("snapshot chunk: trailing data in a head record");
            auto head = db::decode_imported_head(*bytes);
            if (!head)
                return "snapshot chunk: " + head.error();
            return SnapshotRecord(std::move(*head));
        }
        case kTagAccount:
        {
            AccountRecord a;
            auto addr = rlp::decode_fixed<Address>(p);
            if (!addr)
                return rlp_error("account address", addr.error());
            auto nonce = rlp::decode_u64(p);
            if (!nonce)
                return rlp_error("account nonce", nonce.error());
            auto balance = rlp::decode_u256(p);
            if (!balance)
                return rlp_error("account balance", balance.error());
            auto code_hash = rlp::decode_fixed<Hash256>(p);
            if (!code_hash)
                return rlp_error("account code hash", code_hash.error());
            if (!p.empty())
                return std::string("snapshot chunk: trailing data in an account record");
            a.address = *addr;
            a.info.nonce = *nonce;
            a.info.balance = *balance;
            a.info.code_hash = *code_hash;
            return SnapshotRecord(std::move(a));
        }
        case kTagStorage:
        {
            StorageRecord s;
            auto addr = rlp::decode_fixed<Address>(p);
            if (!addr)
                return rlp_error("storage address", addr.error());
            s.address = *addr;
            auto slots = rlp::decode_list(p);
            if (!slots)
                return rlp_error("storage slots", slots.error());
            if (!p.empty())
                return std::string("snapshot chunk: trailing data in a storage record");
            while (!slots->empty())
            {
                auto key = rlp::decode_u256(*slots);
                if (!key)
                    return rlp_error("storage slot", key.error());
                auto value = rlp::decode_u256(*slots);
                if (!value)
                    return rlp_error("storage value", value.error());
                if (!*value)
                    return std::string("snapshot chunk: zero storage value");
                s.slots.emplace_back(*key, *value);
            }
            if (s.slots.empty())
                return std::string("snapshot chunk: empty storage record");
            return SnapshotRecord(std::move(s));
        }
        case kTagCode:
        {
            auto code = rlp::decode_bytes(p);
            if (!code)
                return rlp_error("code", code.error());
            if (!p.empty())
                return std::string("snapshot chunk: trailing data in a code record");
            return SnapshotRecord(CodeRecord{Bytes(code->begin(), code->end())});
        }
        case kTagBlob:
        {
            auto blob = rlp::decode_bytes(p);
            if (!blob)
                return rlp_error("blob", blob.error());
            if (!p.empty())
                return std::string("snapshot chunk: trailing data in a blob record");
            return SnapshotRecord(BlobRecord{Bytes(blob->begin(), blob->end())});
        }
        default:
            return "snapshot chunk: unknown record tag " + std::to_string(*tag);
    }
}

/// Reads a whole small file (nullopt if it cannot).
std::optional<Bytes> read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    Bytes out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        return std::nullopt;
    return out;
}

Result<bool, std::string> write_file(const fs::path& path, BytesView data)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out)
        return "cannot write " + path.string();
    return true;
}

/// Manifest file: RLP [height, format, metadata].
Bytes encode_manifest(const SnapshotInfo& info)
{
    Bytes payload;
    rlp::encode_uint(payload, info.height);
    rlp::encode_uint(payload, info.format);
    rlp::encode_bytes(payload, info.metadata);
    return rlp::wrap_list(payload);
}

std::optional<SnapshotInfo> decode_manifest(BytesView in)
{
    auto list = rlp::decode_list(in);
    if (!list || !in.empty())
        return std::nullopt;
    BytesView p = *list;
    auto height = rlp::decode_u64(p);
    auto format = rlp::decode_u64(p);
    auto metadata = rlp::decode_bytes(p);
    if (!height || !format || !metadata || !p.empty() || *format != kSnapshotFormat)
        return std::nullopt;
    auto hashes = decode_snapshot_metadata(*metadata);
    if (!hashes)
        return std::nullopt;
    return make_snapshot_info(*height, std::move(*hashes));
}

std::string height_name(uint64_t height)
{
    return std::to_string(height);
}

}  // namespace

Hash256 snapshot_hash(const std::vector<Hash256>& chunk_hashes)
{
    Bytes all;
    all.reserve(chunk_hashes.size() * 32);
    for (const auto& h : chunk_hashes)
        all.insert(all.end(), h.bytes.begin(), h.bytes.end());
    return keccak256(all);
}

Bytes encode_snapshot_metadata(const std::vector<Hash256>& chunk_hashes)
{
    Bytes payload;
    for (const auto& h : chunk_hashes)
        rlp::encode_bytes(payload, h.view());
    return rlp::wrap_list(payload);
}

Result<std::vector<Hash256>, std::string> decode_snapshot_metadata(BytesView metadata)
{
    auto list = rlp::decode_list(metadata);
    if (!list || !metadata.empty())
        return std::string("snapshot metadata is not one RLP list");
    std::vector<Hash256> out;
    BytesView p = *list;
    while (!p.empty())
    {
        auto h = rlp::decode_fixed<Hash256>(p);
        if (!h)
            return std::string("snapshot metadata: bad chunk hash");
        out.push_back(*h);
    }
    return out;
}

SnapshotInfo make_snapshot_info(uint64_t height, std::vector<Hash256> chunk_hashes)
{
    SnapshotInfo info;
    info.height = height;
    info.format = kSnapshotFormat;
    info.hash = snapshot_hash(chunk_hashes);
    info.metadata = encode_snapshot_metadata(chunk_hashes);
    info.chunk_hashes = std::move(chunk_hashes);
    return info;
}

Result<std::vector<SnapshotRecord>, std::string> decode_chunk(BytesView chunk)
{
    if (chunk.size() > kMaxChunkBytes)
        return std::string("snapshot chunk larger than ") + std::to_string(kMaxChunkBytes) +
               " bytes";
    std::vector<SnapshotRecord> out;
    while (!chunk.empty())
    {
        auto r = decode_record(chunk);
        if (!r)
            return r.error();
        out.push_back(std::move(*r));
    }
    return out;
}

void encode_record(Bytes& out, const SnapshotRecord& record)
{
    Bytes payload;
    if (const auto* head = std::get_if<db::ImportedHead>(&record))
    {
        rlp::encode_uint(payload, kTagHead);
        rlp::encode_bytes(payload, db::encode_imported_head(*head));
    }
    else if (const auto* a = std::get_if<AccountRecord>(&record))
    {
        rlp::encode_uint(payload, kTagAccount);
        rlp::encode_bytes(payload, a->address.view());
        rlp::encode_uint(payload, a->info.nonce);
        encode_u256(payload, a->info.balance);
        rlp::encode_bytes(payload, a->info.code_hash.view());
    }
    else if (const auto* s = std::get_if<StorageRecord>(&record))
    {
        rlp::encode_uint(payload, kTagStorage);
        rlp::encode_bytes(payload, s->address.view());
        Bytes slots;
        for (const auto& [k, v] : s->slots)
        {
            encode_u256(slots, k);
            encode_u256(slots, v);
        }
        rlp::encode_list_header(payload, slots.size());
        payload.insert(payload.end(), slots.begin(), slots.end());
    }
    else if (const auto* c = std::get_if<CodeRecord>(&record))
    {
        rlp::encode_uint(payload, kTagCode);
        rlp::encode_bytes(payload, c->code);
    }
    else
    {
        rlp::encode_uint(payload, kTagBlob);
        rlp::encode_bytes(payload, std::get<BlobRecord>(record).blob);
    }
    rlp::encode_list_header(out, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
}

std::optional<db::ImportedHead> export_head(const db::ChainDb& db, uint64_t height)
{
    auto block = db.block(height);
    auto receipts = db.receipts(height);
    if (!block || !receipts || height == 0)
        return std::nullopt;
    db::ImportedHead head;
    head.block = std::move(*block);
    head.receipts = std::move(*receipts);
    for (uint64_t n = height > kSnapshotAncestors ? height - kSnapshotAncestors : 0; n < height;
         ++n)
    {
        auto h = db.header(n);
        if (!h)
            return std::nullopt;
        head.ancestors.push_back(std::move(*h));
    }
    return head;
}

Result<bool, std::string> verify_snapshot_head(const db::ImportedHead& head,
                                               uint64_t height,
                                               const Hash256& app_hash,
                                               uint64_t chain_id)
{
    const auto& header = head.block.header;
    if (header.number != height)
        return "the snapshot's block is " + std::to_string(header.number) + ", offered as " +
               std::to_string(height);
    if (header.hash() != app_hash)
        return std::string("the snapshot's block header does not hash to the trusted app hash");
    if (auto chained = db::check_imported_chain(head); !chained)
        return "the snapshot's block hashes: " + chained.error();
    const auto& block = head.block;
    if (chain::transactions_root(block.transactions) != header.transactions_root ||
        chain::withdrawals_root(block.withdrawals) != header.withdrawals_root)
        return std::string("the snapshot's block body does not match its header");
    chain::Block recovered;
    recovered.transactions = block.transactions;
    if (!chain::recover_senders(recovered, chain_id) || recovered.senders != block.senders)
        return std::string("the snapshot's block senders are not its transactions' signers");
    const auto& receipts = head.receipts;
    if (chain::receipts_root(receipts) != header.receipts_root ||
        chain::block_bloom(receipts) != header.logs_bloom ||
        (receipts.empty() ? 0 : receipts.back().cumulative_gas_used) != header.gas_used)
        return std::string("the snapshot's block receipts do not match its header");
    uint64_t prev = 0;
    for (size_t i = 0; i < receipts.size(); ++i)
    {
        const auto& r = receipts[i];
        const auto& tx = block.transactions[i];
        if (r.type != tx.type || r.gas_used != r.cumulative_gas_used - prev ||
            r.blob_gas_used != execution::kGasPerBlob * tx.blob_versioned_hashes.size())
            return "the snapshot's receipt " + std::to_string(i) +
                   " does not match its transaction";
        prev = r.cumulative_gas_used;
    }
    return true;
}

Result<SnapshotInfo, std::string> build_snapshot(const db::StateView& state,
                                                 const db::ImportedHead& head,
                                                 size_t chunk_bytes,
                                                 const std::function<void(Bytes chunk)>& sink,
                                                 const std::atomic<bool>* cancel,
                                                 const execution::ChainFeatures* features)
{
    chunk_bytes = std::clamp<size_t>(chunk_bytes, 1, kMaxChunkBytes);
    // Slots per storage record: records stay well below a chunk (a slot is at most 68 bytes).
    const size_t slots_per_record = std::clamp<size_t>(chunk_bytes / 128, 1, 4096);
    std::vector<Hash256> hashes;
    Bytes chunk;
    Bytes record;
    std::string error;
    const auto flush = [&] {
        hashes.push_back(keccak256(chunk));
        sink(std::move(chunk));
        chunk = Bytes{};
    };
    const auto add = [&](const SnapshotRecord& r) {
        record.clear();
        encode_record(record, r);
        if (record.size() > kMaxChunkBytes && error.empty())
            error = "a snapshot record exceeds the chunk limit";
        if (!chunk.empty() && chunk.size() + record.size() > chunk_bytes)
            flush();
        chunk.insert(chunk.end(), record.begin(), record.end());
    };
    add(head);
    std::set<Hash256> emitted_code;
    StorageRecord pending;
    state.for_each_account([&](const Address& addr, const state::AccountInfo& info) {
        if (!error.empty() || (cancel && cancel->load(std::memory_order_relaxed)))
            return;
        if (info.code_hash != kEmptyCodeHash && emitted_code.insert(info.code_hash).second)
        {
            const auto code = state.read_code(info.code_hash);
            if (!code)
            {
                error = "code of an account is missing from the database";
                return;
            }
            add(CodeRecord{*code});
        }
        add(AccountRecord{addr, info});
        pending.address = addr;
        pending.slots.clear();
        state.for_each_storage(addr, [&](const U256& k, const U256& v) {
            pending.slots.emplace_back(k, v);
            if (pending.slots.size() == slots_per_record)
            {
                add(pending);
                pending.slots.clear();
            }
        });
        if (!pending.slots.empty())
            add(pending);
    });
    // The blobs the features' state refers to, each once.
    std::set<Hash256> emitted_blobs;
    if (features && error.empty())
        for (const auto& f : features->features())
        {
            if (!f.referenced_blobs)
                continue;
            f.referenced_blobs(state, [&](const Hash256& h) {
                if (!error.empty() || (cancel && cancel->load(std::memory_order_relaxed)) ||
                    !emitted_blobs.insert(h).second)
                    return;
                const auto blob = state.read_blob(h);
                if (!blob)
                {
                    error = "a blob the state refers to is missing from the database";
                    return;
                }
                add(BlobRecord{*blob});
            });
        }
    if (cancel && cancel->load())
        return std::string("snapshot build cancelled");
    if (!error.empty())
        return error;
    if (!chunk.empty())
        flush();
    return make_snapshot_info(head.block.header.number, std::move(hashes));
}

// ---- SnapshotStore ----

SnapshotStore::SnapshotStore(std::string dir) : dir_(std::move(dir))
{
    if (dir_.empty())
        return;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    for (const auto& entry : fs::directory_iterator(dir_, ec))
    {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("tmp-"))
        {
            fs::remove_all(entry.path(), ec);
            continue;
        }
        const auto manifest = read_file(entry.path() / "manifest");
        if (!manifest)
            continue;
        auto info = decode_manifest(*manifest);
        if (info && height_name(info->height) == name)
            complete_.emplace(info->height, std::move(*info));
    }
}

Result<bool, std::string> SnapshotStore::put_chunk(uint64_t height, uint32_t index, BytesView chunk)
{
    if (dir_.empty())
    {
        std::lock_guard lock(mutex_);
        auto& chunks = memory_pending_[height];
        if (chunks.size() <= index)
            chunks.resize(index + 1);
        chunks[index] = Bytes(chunk.begin(), chunk.end());
        return true;
    }
    const fs::path tmp = fs::path(dir_) / ("tmp-" + height_name(height));
    std::error_code ec;
    fs::create_directories(tmp, ec);
    if (ec)
        return "cannot create " + tmp.string() + ": " + ec.message();
    return write_file(tmp / std::to_string(index), chunk);
}

Result<bool, std::string> SnapshotStore::commit(const SnapshotInfo& info, size_t keep_recent)
{
    std::vector<uint64_t> dropped;
    {
        std::lock_guard lock(mutex_);
        if (dir_.empty())
        {
            auto it = memory_pending_.find(info.height);
            if (it == memory_pending_.end() || it->second.size() != info.chunk_hashes.size())
                return std::string("snapshot chunks missing");
            memory_chunks_[info.height] = std::move(it->second);
            memory_pending_.erase(it);
        }
        else
        {
            const fs::path tmp = fs::path(dir_) / ("tmp-" + height_name(info.height));
            const fs::path final_dir = fs::path(dir_) / height_name(info.height);
            if (auto r = write_file(tmp / "manifest", encode_manifest(info)); !r)
                return r;
            std::error_code ec;
            fs::remove_all(final_dir, ec);
            fs::rename(tmp, final_dir, ec);
            if (ec)
                return "cannot rename " + tmp.string() + ": " + ec.message();
        }
        complete_[info.height] = info;
        while (keep_recent > 0 && complete_.size() > keep_recent)
        {
            dropped.push_back(complete_.begin()->first);
            memory_chunks_.erase(complete_.begin()->first);
            complete_.erase(complete_.begin());
        }
    }
    for (const uint64_t h : dropped)
    {
        if (dir_.empty())
            continue;
        std::error_code ec;
        fs::remove_all(fs::path(dir_) / height_name(h), ec);
    }
    return true;
}

void SnapshotStore::drop_pending(uint64_t height)
{
    std::lock_guard lock(mutex_);
    memory_pending_.erase(height);
    if (!dir_.empty())
    {
        std::error_code ec;
        fs::remove_all(fs::path(dir_) / ("tmp-" + height_name(height)), ec);
    }
}

std::vector<SnapshotInfo> SnapshotStore::list() const
{
    std::lock_guard lock(mutex_);
    std::vector<SnapshotInfo> out;
    for (auto it = complete_.rbegin(); it != complete_.rend(); ++it)
        out.push_back(it->second);
    return out;
}

std::optional<Bytes> SnapshotStore::load_chunk(uint64_t height,
                                               uint32_t format,
                                               uint32_t index) const
{
    std::lock_guard lock(mutex_);
    const auto it = complete_.find(height);
    if (format != kSnapshotFormat || it == complete_.end() ||
        index >= it->second.chunk_hashes.size())
        return std::nullopt;
    if (dir_.empty())
        return memory_chunks_.at(height)[index];
    return read_file(fs::path(dir_) / height_name(height) / std::to_string(index));
}

// ---- SnapshotRestorer ----

namespace {

/// True if a feature of `features` keeps blob references in the storage of `addr`.
bool is_blob_account(const execution::ChainFeatures* features, const Address& addr)
{
    if (!features)
        return false;
    for (const auto& f : features->features())
        for (const auto& a : f.blob_accounts)
            if (a == addr)
                return true;
    return false;
}

}  // namespace

void SnapshotRestorer::keep_blob_account()
{
    if (!blob_account_info_ || !last_account_)
        return;
    blob_accounts_.put_account(*last_account_, blob_account_info_->nonce,
                               blob_account_info_->balance, {}, blob_account_storage_);
    blob_account_info_.reset();
    blob_account_storage_.clear();
}

pb::ResponseOfferSnapshot::Result SnapshotRestorer::offer(const pb::Snapshot& snapshot,
                                                          BytesView app_hash)
{
    if (active_)
    {
        (void)db_.abort_import();
        active_ = false;
    }
    if (snapshot.format() != kSnapshotFormat)
        return pb::ResponseOfferSnapshot::REJECT_FORMAT;
    const BytesView metadata{reinterpret_cast<const uint8_t*>(snapshot.metadata().data()),
                             snapshot.metadata().size()};
    auto hashes = decode_snapshot_metadata(metadata);
    if (!hashes || hashes->empty() || hashes->size() != snapshot.chunks() ||
        snapshot.height() == 0 || app_hash.size() != 32 ||
        snapshot.hash() !=
            std::string(reinterpret_cast<const char*>(snapshot_hash(*hashes).data()), 32))
        return pb::ResponseOfferSnapshot::REJECT;
    if (db_.head_number() != 0 || !db_.begin_import())
        return pb::ResponseOfferSnapshot::REJECT;
    active_ = true;
    height_ = snapshot.height();
    std::copy(app_hash.begin(), app_hash.end(), app_hash_.bytes.begin());
    chunk_hashes_ = std::move(*hashes);
    next_ = 0;
    head_.reset();
    last_account_.reset();
    last_slot_.reset();
    codes_.clear();
    needed_codes_.clear();
    blobs_.clear();
    blob_accounts_ = state::MemoryBackend{};
    blob_account_storage_.clear();
    blob_account_info_.reset();
    return pb::ResponseOfferSnapshot::ACCEPT;
}

ApplyOutcome SnapshotRestorer::reject(std::string why)
{
    (void)db_.abort_import();
    active_ = false;
    ApplyOutcome out;
    out.result = pb::ResponseApplySnapshotChunk::REJECT_SNAPSHOT;
    out.log = std::move(why);
    return out;
}

ApplyOutcome SnapshotRestorer::apply(uint32_t index, BytesView chunk, const std::string& sender)
{
    ApplyOutcome out;
    if (!active_)
    {
        out.result = pb::ResponseApplySnapshotChunk::ABORT;
        out.log = "no snapshot is being restored";
        return out;
    }
    if (index < next_)
        return out;  // applied already
    if (index > next_)
    {
        out.result = pb::ResponseApplySnapshotChunk::RETRY_SNAPSHOT;
        out.log = "chunk " + std::to_string(index) + " before chunk " + std::to_string(next_);
        return out;
    }
    if (keccak256(chunk) != chunk_hashes_[index])
    {
        out.result = pb::ResponseApplySnapshotChunk::RETRY;
        out.refetch_chunks.push_back(index);
        if (!sender.empty())
            out.reject_senders.push_back(sender);
        out.log = "chunk " + std::to_string(index) + " does not match the snapshot metadata";
        return out;
    }
    auto records = decode_chunk(chunk);
    if (!records)
        return reject(records.error());
    if (auto r = stage(*records, index == 0); !r)
        return reject(r.error());
    if (++next_ < chunk_hashes_.size())
        return out;
    auto verified = verify_complete();
    if (!verified)
        return reject(verified.error());
    active_ = false;
    out.tracker = std::move(*verified);
    out.complete = std::move(head_);
    head_.reset();
    return out;
}

Result<bool, std::string> SnapshotRestorer::stage(std::vector<SnapshotRecord>& records,
                                                  bool first_chunk)
{
    db::ImportBatch batch;
    for (size_t i = 0; i < records.size(); ++i)
    {
        auto& record = records[i];
        if (auto* head = std::get_if<db::ImportedHead>(&record))
        {
            if (!first_chunk || i != 0)
                return std::string("the head record must open the first chunk");
            // Checked at once: a forged head is rejected before the state is downloaded.
            if (auto v = verify_snapshot_head(*head, height_, app_hash_, chain_id_); !v)
                return v.error();
            head_ = std::move(*head);
            continue;
        }
        if (!head_)
            return std::string("the first chunk must open with the head record");
        if (auto* a = std::get_if<AccountRecord>(&record))
        {
            if (last_account_ && !(*last_account_ < a->address))
                return std::string("accounts out of address order");
            keep_blob_account();
            last_account_ = a->address;
            if (is_blob_account(features_, a->address))
                blob_account_info_ = a->info;
            last_slot_.reset();
            if (a->info.code_hash != kEmptyCodeHash)
                needed_codes_.insert(a->info.code_hash);
            batch.accounts.emplace_back(a->address, a->info);
        }
        else if (auto* s = std::get_if<StorageRecord>(&record))
        {
            if (!last_account_ || s->address != *last_account_)
                return std::string("storage record not after its account");
            for (const auto& [k, v] : s->slots)
            {
                if (last_slot_ && !(*last_slot_ < k))
                    return std::string("storage slots out of order");
                last_slot_ = k;
                batch.storage.emplace_back(s->address, k, v);
                if (blob_account_info_)
                    blob_account_storage_.emplace(k, v);
            }
        }
        else if (auto* c = std::get_if<CodeRecord>(&record))
        {
            codes_.insert(keccak256(c->code));
            batch.code.push_back(std::move(c->code));
        }
        else
        {
            auto& blob = std::get<BlobRecord>(record).blob;
            if (!blobs_.insert(keccak256(blob)).second)
                return std::string("a blob comes twice");
            batch.blobs.push_back(std::move(blob));
        }
    }
    if (auto r = db_.import_state(batch); !r)
        return "database: " + r.error().message;
    return true;
}

Result<chain::StateRootTracker, std::string> SnapshotRestorer::verify_complete()
{
    if (!head_)
        return std::string("the snapshot has no head record");
    const auto& header = head_->block.header;
    for (const auto& h : needed_codes_)
        if (!codes_.contains(h))
            return std::string("the snapshot lacks the code of an account");
    // The blobs: exactly those the features' (staged) state refers to.
    keep_blob_account();
    std::set<Hash256> referenced;
    if (features_)
        for (const auto& f : features_->features())
            if (f.referenced_blobs)
                f.referenced_blobs(blob_accounts_, [&](const Hash256& h) { referenced.insert(h); });
    for (const auto& h : referenced)
        if (!blobs_.contains(h))
            return std::string(
                "the snapshot lacks a blob its state refers to (a stored file's chunk)");
    if (referenced.size() != blobs_.size())
        return std::string("the snapshot carries a blob its state does not refer to");
    chain::StateRootTracker tracker;
    tracker.rebuild(*db_.staged_state());
    if (tracker.root() != header.state_root)
        return std::string("the state root of the snapshot's state is not its block's");
    return tracker;
}

}  // namespace tern::consensus
