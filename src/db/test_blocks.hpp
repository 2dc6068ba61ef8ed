#pragma once

#include "chain/block.hpp"
#include "core/bytes.hpp"
#include "db/chain_db.hpp"
#include "execution/receipt.hpp"
#include "state/account.hpp"

#include <rocksdb/db.h>

#include <unistd.h>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

/// Helpers for the db tests: addresses, synthetic transactions, receipts and blocks.
namespace tern::db::testing {

/// Options for a database at `path` ("" = in memory).
inline ChainDbOptions opts(const std::string& path,
                           uint64_t history_blocks = 128,
                           bool archive = false,
                           bool sync_writes = false)
{
    ChainDbOptions o;
    o.path = path;
    o.history_blocks = history_blocks;
    o.archive = archive;
    o.sync_writes = sync_writes;
    return o;
}

/// An address whose last bytes are `n`.
inline Address addr(uint64_t n)
{
    return address_from_u64(0x1000 + n);
}

/// An EIP-1559 transaction with arbitrary (but encodable) fields; `tag` makes it unique.
inline Transaction make_tx(uint64_t tag)
{
    Transaction tx;
    tx.type = TxType::DynamicFee;
    tx.chain_id = 1337;
    tx.nonce = tag;
    tx.max_priority_fee_per_gas = 1;
    tx.max_fee_per_gas = 2;
    tx.gas_limit = 21000;
    tx.to = addr(tag % 7);
    tx.value = tag * 3;
    tx.data = {static_cast<uint8_t>(tag), 0xab};
    tx.y_parity = 1;
    tx.r = tag + 1;
    tx.s = tag + 2;
    return tx;
}

/// A receipt with one log per `tag % 3`.
inline execution::Receipt make_receipt(uint64_t tag, uint64_t cumulative)
{
    execution::Receipt r;
    r.type = TxType::DynamicFee;
    r.success = tag % 4 != 0;
    r.gas_used = 21000 + tag;
    r.cumulative_gas_used = cumulative;
    for (uint64_t i = 0; i < tag % 3; ++i)
    {
        state::Log log;
        log.address = addr(tag);
        Hash256 topic;
        topic.bytes[0] = static_cast<uint8_t>(i);
        topic.bytes[31] = static_cast<uint8_t>(tag);
        log.topics.push_back(topic);
        log.data = {1, 2, static_cast<uint8_t>(tag)};
        r.logs.push_back(log);
    }
    r.bloom = execution::logs_bloom(r.logs);
    return r;
}

/// Block `number` on top of `parent` with `tx_count` synthetic transactions; receipts go to
/// `receipts`.
inline chain::Block make_block(const chain::BlockHeader& parent,
                               size_t tx_count,
                               std::vector<execution::Receipt>& receipts)
{
    chain::Block b;
    b.header.parent_hash = parent.hash();
    b.header.number = parent.number + 1;
    b.header.gas_limit = 30'000'000;
    b.header.timestamp = parent.timestamp + 1;
    receipts.clear();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < tx_count; ++i)
    {
        const uint64_t tag = b.header.number * 1000 + i;
        b.transactions.push_back(make_tx(tag));
        b.senders.push_back(addr(100 + tag % 5));
        cumulative += 21000 + tag;
        receipts.push_back(make_receipt(tag, cumulative));
    }
    b.header.gas_used = cumulative;
    b.header.transactions_root = chain::transactions_root(b.transactions);
    b.header.receipts_root = chain::receipts_root(receipts);
    b.header.logs_bloom = chain::block_bloom(receipts);
    return b;
}

/// A genesis block header with the given state root.
inline chain::Block make_genesis(uint64_t timestamp = 0)
{
    chain::Block g;
    g.header.gas_limit = 30'000'000;
    g.header.timestamp = timestamp;
    g.header.extra_data = {0x74, 0x65, 0x72, 0x6e};
    return g;
}

/// Writes `key` -> `value` into column family `cf` of the closed database at `path` through
/// RocksDB directly (bypassing ChainDb: tests of how it reads damaged or foreign data).
inline void put_raw(const std::string& path,
                    const std::string& cf,
                    std::string_view key,
                    std::string_view value)
{
    std::vector<std::string> names;
    if (!rocksdb::DB::ListColumnFamilies({}, path, &names).ok())
        std::abort();
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names)
        cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open({}, path, cfs, &handles, &raw).ok())
        std::abort();
    bool written = false;
    for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == cf)
            written = raw->Put({}, handles[i], key, value).ok();
    for (auto* h : handles)
        raw->DestroyColumnFamilyHandle(h);
    delete raw;
    if (!written)
        std::abort();
}

/// A fresh temporary directory, removed when the object goes away.
class TempDir
{
public:
    TempDir()
    {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "tern-db-test-XXXXXX").string();
        if (!mkdtemp(tmpl.data()))
            std::abort();
        path_ = tmpl;
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    /// The directory path.
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

}  // namespace tern::db::testing
