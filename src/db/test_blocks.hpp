#pragma once

#include "chain/block.hpp"
#include "core/bytes.hpp"
#include "db/chain_db.hpp"
#include "execution/receipt.hpp"
#include "state/account.hpp"

#include <rocksdb/db.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
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

/// The files of `dir` whose name ends with `suffix`, by name (RocksDB numbers them: the last
/// is the newest).
inline std::vector<std::string> files_ending(const std::string& dir, std::string_view suffix)
{
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
    {
        const std::string name = e.path().filename().string();
        if (name.size() >= suffix.size() && name.ends_with(suffix))
            out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// The SST files of the closed database at `dir` that hold column family `cf`.
inline std::vector<std::string> sst_files_of(const std::string& dir, const std::string& cf)
{
    std::vector<std::string> out;
    for (const auto& file : files_ending(dir, ".sst"))
    {
        rocksdb::SstFileReader reader{rocksdb::Options()};
        if (!reader.Open(file).ok())
            continue;
        if (const auto props = reader.GetTableProperties();
            props && props->column_family_name == cf)
            out.push_back(file);
    }
    return out;
}

/// Bytes of data blocks at the start of SST `file` (its last data block ends there).
inline uint64_t sst_data_size(const std::string& file)
{
    rocksdb::SstFileReader reader{rocksdb::Options()};
    if (!reader.Open(file).ok())
        std::abort();
    return reader.GetTableProperties()->data_size;
}

/// XORs `count` bytes of `file` from `offset` with 0xff (a damaged disk, in place).
inline void flip_bytes(const std::string& file, uint64_t offset, size_t count)
{
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    if (!f)
        std::abort();
    std::string buf(count, '\0');
    f.seekg(static_cast<std::streamoff>(offset));
    f.read(buf.data(), static_cast<std::streamsize>(count));
    if (f.gcount() != static_cast<std::streamsize>(count))
        std::abort();
    for (auto& c : buf)
        c = static_cast<char>(c ^ 0xff);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(buf.data(), static_cast<std::streamsize>(count));
}

/// A small tmpfs mounted on a fresh directory (disk-full tests), unmounted and removed when the
/// object goes away. Mounting needs root (CAP_SYS_ADMIN): check mounted(), and skip with
/// why_not() when it failed.
class Tmpfs
{
public:
    /// Mounts a tmpfs of `bytes`.
    explicit Tmpfs(size_t bytes)
    {
        const std::string opts = "size=" + std::to_string(bytes);
        if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, opts.c_str()) == 0)
            mounted_ = true;
        else
            why_not_ = std::string("cannot mount a tmpfs (needs root / CAP_SYS_ADMIN): ") +
                       std::strerror(errno);
    }
    ~Tmpfs()
    {
        if (mounted_)
            ::umount2(dir_.path().c_str(), MNT_DETACH);
    }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;

    /// True when the tmpfs is mounted.
    bool mounted() const noexcept { return mounted_; }
    /// Why mounting failed.
    const std::string& why_not() const noexcept { return why_not_; }
    /// The mount point.
    const std::string& path() const noexcept { return dir_.path(); }

    /// Fills the file system with `name` until a write fails (ENOSPC); returns the bytes
    /// written.
    size_t fill(const std::string& name = "filler") const
    {
        const std::string file = dir_.path() + "/" + name;
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0)
            return 0;
        const std::string chunk(4096, 'x');
        size_t total = 0;
        while (true)
        {
            const ssize_t n = ::write(fd, chunk.data(), chunk.size());
            if (n <= 0)
                break;
            total += static_cast<size_t>(n);
        }
        ::close(fd);
        return total;
    }

    /// Removes the filler file (space returns).
    void free(const std::string& name = "filler") const
    {
        std::error_code ec;
        std::filesystem::remove(dir_.path() + "/" + name, ec);
    }

private:
    TempDir dir_;
    bool mounted_ = false;
    std::string why_not_;
};

}  // namespace tern::db::testing
