// A database that fails loudly and safely: damaged SST blocks are read errors (never an abort),
// the head is checked for consistency, and a full disk stops writes while reads go on, until
// space returns (issue 10, finding 9).

#include "db/chain_db.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "db/test_blocks.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace tern;
using namespace tern::db;
using namespace tern::db::testing;

namespace {

std::unique_ptr<ChainDb> open_db(const ChainDbOptions& o)
{
    auto db = ChainDb::open(o);
    EXPECT_TRUE(db.has_value()) << (db ? "" : db.error().message);
    return db ? std::move(db.value()) : nullptr;
}

/// 200 funded accounts (several SST data blocks of accounts).
state::StateDiff many_accounts()
{
    state::StateDiff d;
    for (uint64_t i = 0; i < 200; ++i)
    {
        auto& a = d.accounts[addr(i)];
        a.address = addr(i);
        a.info.balance = 1000 + i;
        a.storage[1] = i + 1;
    }
    return d;
}

/// Block n's state change: the balance and a slot of addr(199).
state::StateDiff bump(uint64_t n)
{
    state::StateDiff d;
    auto& a = d.accounts[addr(199)];
    a.address = addr(199);
    a.info.balance = 5000 + n;
    a.storage[2] = n;
    return d;
}

/// Commits `count` blocks of 3 transactions on the head.
void commit_blocks(ChainDb& db, uint64_t count)
{
    for (uint64_t i = 0; i < count; ++i)
    {
        const auto parent = db.header(db.head_number());
        ASSERT_TRUE(parent);
        std::vector<execution::Receipt> receipts;
        const auto b = make_block(*parent, 3, receipts);
        ASSERT_TRUE(db.commit_block(b, receipts, bump(b.header.number)));
    }
}

/// The DbReadError `fn` throws (fails the test if it throws none).
template <typename F>
DbError read_error_of(F&& fn)
{
    try
    {
        fn();
    }
    catch (const DbReadError& e)
    {
        return e.error();
    }
    ADD_FAILURE() << "no DbReadError";
    return {};
}

/// A database of 60 blocks (flushed to SST files) at `dir`.
void make_chain(const std::string& dir)
{
    auto db = open_db(opts(dir));
    ASSERT_TRUE(db->init_genesis(make_genesis(), many_accounts()));
    commit_blocks(*db, 60);
    ASSERT_TRUE(db->flush());
}

}  // namespace

TEST(DbFailure, DamagedSstBlockOfOldHeadersIsAReadErrorNotAnAbort)
{
    TempDir dir;
    make_chain(dir.path());
    const auto files = sst_files_of(dir.path(), "headers");
    ASSERT_EQ(files.size(), 1u);
    flip_bytes(files[0], 16, 8);  // inside the first data block: the oldest headers

    auto db = open_db(opts(dir.path()));
    ASSERT_TRUE(db);
    EXPECT_TRUE(db->check_head()) << db->check_head().error().message;  // the head is intact
    EXPECT_TRUE(db->header(60));
    const auto e = read_error_of([&] { (void)db->header(1); });
    EXPECT_EQ(e.code, DbErrorCode::Corruption);
    EXPECT_EQ(e.message, "database read failed: header of block 1 (corruption)");
    EXPECT_EQ(read_error_of([&] { (void)db->block(1); }).code, DbErrorCode::Corruption);
    EXPECT_EQ(read_error_of([&] { (void)db->header_by_hash(*db->block_hash(1)); }).code,
              DbErrorCode::Corruption);
    // again (a client asking once more), and the rest of the chain still reads
    EXPECT_EQ(read_error_of([&] { (void)db->header(1); }).code, DbErrorCode::Corruption);
    EXPECT_TRUE(db->receipts(1));
    EXPECT_TRUE(db->transaction_at(1, 0));
    // writes go on
    commit_blocks(*db, 1);
    EXPECT_EQ(db->head_number(), 61u);
}

TEST(DbFailure, DamagedStateIsAViewFaultAndAReadError)
{
    TempDir dir;
    make_chain(dir.path());
    const auto files = sst_files_of(dir.path(), "accounts");
    ASSERT_EQ(files.size(), 1u);
    flip_bytes(files[0], 16, 8);  // the lowest addresses: addr(0)...

    auto db = open_db(opts(dir.path()));
    ASSERT_TRUE(db);
    {
        // a view (what executions read through) answers "absent" and remembers the fault
        const auto view = db->head_state();
        EXPECT_FALSE(view->fault());
        EXPECT_FALSE(view->read_account(addr(0)));
        const auto fault = view->fault();
        ASSERT_TRUE(fault);
        EXPECT_EQ(fault->code, DbErrorCode::Corruption);
        EXPECT_EQ(fault->message,
                  "database read failed: account " + to_hex(addr(0).view()) + " (corruption)");
        EXPECT_THROW(view->throw_if_faulted(), DbReadError);
        // a scan stops at the damage, with the fault
        const auto scan = db->head_state();
        size_t seen = 0;
        scan->for_each_account([&](const Address&, const state::AccountInfo&) { ++seen; });
        EXPECT_LT(seen, 200u);
        EXPECT_TRUE(scan->fault());
        // a past state reads the same flat entries
        auto past = db->state_at(59);
        ASSERT_TRUE(past);
        EXPECT_FALSE((*past)->read_account(addr(1)));
        EXPECT_TRUE((*past)->fault());
    }
    // the ChainDb's own head reads throw
    EXPECT_EQ(read_error_of([&] { (void)db->read_account(addr(0)); }).code,
              DbErrorCode::Corruption);
    EXPECT_EQ(read_error_of([&] {
                  db->for_each_account([](const Address&, const state::AccountInfo&) {});
              }).code,
              DbErrorCode::Corruption);
    // an account outside the damaged block still reads
    const auto view = db->head_state();
    EXPECT_TRUE(view->read_account(addr(199)));
    EXPECT_FALSE(view->fault());
}

TEST(DbFailure, CheckHeadNamesWhatIsWrong)
{
    TempDir dir;
    make_chain(dir.path());
    {
        auto db = open_db(opts(dir.path()));
        ASSERT_TRUE(db->check_head());
    }
    // the head's receipts replaced by block 59's (valid, but not this block's)
    {
        auto db = open_db(opts(dir.path()));
        const auto other = db->receipts(59);
        ASSERT_TRUE(other);
        db.reset();
        const Bytes enc = codec::encode_receipts(*other);
        put_raw(dir.path(), "receipts", std::string(codec::number_key(60).view()),
                std::string(reinterpret_cast<const char*>(enc.data()), enc.size()));
    }
    {
        auto db = open_db(opts(dir.path()));
        const auto r = db->check_head();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, DbErrorCode::HeadInconsistent);
        EXPECT_EQ(r.error().message,
                  "head block 60: its receipts do not give the header's receipts root");
    }
    // a head transaction gone
    {
        const auto key = codec::tx_key(60, 2);
        put_raw(dir.path(), "transactions", std::string(key.view()), "");
        auto db = open_db(opts(dir.path()));
        const auto r = db->check_head();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().message,
                  "head block 60: database read failed: transaction 2 of "
                  "block 60 (corruption)");
    }
    // the head header's SST block damaged
    {
        TempDir other;
        make_chain(other.path());
        const auto files = sst_files_of(other.path(), "headers");
        ASSERT_EQ(files.size(), 1u);
        // the last data block holds the newest headers
        flip_bytes(files[0], sst_data_size(files[0]) - 16, 8);
        auto db = open_db(opts(other.path()));
        ASSERT_TRUE(db);
        const auto r = db->check_head();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, DbErrorCode::Corruption);
        EXPECT_TRUE(r.error().message.starts_with("head block 60: database read failed: "))
            << r.error().message;
    }
}

TEST(DbFailure, DiskFullStopsWritesKeepsReadsAndResumesWhenSpaceReturns)
{
    Tmpfs fs(16 << 20);
    if (!fs.mounted())
        GTEST_SKIP() << fs.why_not();
    const std::string path = fs.path() + "/db";
    uint64_t acknowledged = 3;
    {
        auto db = open_db(opts(path));
        ASSERT_TRUE(db->init_genesis(make_genesis(), many_accounts()));
        commit_blocks(*db, 3);
        ASSERT_GT(fs.fill(), 0u);
        // blocks of 128 KB of new code each, until the disk refuses one
        std::optional<DbError> failure;
        for (int i = 0; i < 2000 && !failure; ++i)
        {
            const auto parent = db->header(db->head_number());
            ASSERT_TRUE(parent);
            std::vector<execution::Receipt> receipts;
            const auto b = make_block(*parent, 1, receipts);
            auto diff = bump(b.header.number);
            auto& c = diff.accounts[addr(300 + b.header.number)];
            c.address = addr(300 + b.header.number);
            Bytes code(128 * 1024, static_cast<uint8_t>(b.header.number));
            code[0] = static_cast<uint8_t>(b.header.number >> 8);
            c.info.code_hash = keccak256(code);
            c.code = std::make_shared<const Bytes>(std::move(code));
            const auto r = db->commit_block(b, receipts, diff);
            if (r)
                acknowledged = b.header.number;
            else
                failure = r.error();
        }
        ASSERT_TRUE(failure) << "the disk never filled";
        EXPECT_EQ(failure->code, DbErrorCode::NoSpace) << failure->message;
        EXPECT_NE(failure->message.find("the disk is full"), std::string::npos);
        EXPECT_EQ(db->head_number(), acknowledged);

        // reads go on
        EXPECT_TRUE(db->header(acknowledged));
        EXPECT_TRUE(db->check_head());
        EXPECT_EQ(db->head_state()->read_account(addr(199))->balance, U256{5000 + acknowledged});
        // writes stay refused while the disk is full
        {
            const auto parent = db->header(acknowledged);
            std::vector<execution::Receipt> receipts;
            const auto b = make_block(*parent, 1, receipts);
            EXPECT_FALSE(db->commit_block(b, receipts, bump(b.header.number)));
        }
        // space returns: resume, then blocks commit again
        fs.free();
        bool resumed = false;
        for (int i = 0; i < 150 && !resumed; ++i)
        {
            resumed = static_cast<bool>(db->resume());
            if (!resumed)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ASSERT_TRUE(resumed) << db->resume().error().message;
        commit_blocks(*db, 2);
        acknowledged += 2;
        EXPECT_EQ(db->head_number(), acknowledged);
    }
    // nothing acknowledged was lost
    auto db = open_db(opts(path));
    ASSERT_TRUE(db);
    EXPECT_EQ(db->head_number(), acknowledged);
    EXPECT_TRUE(db->check_head());
    EXPECT_EQ(db->read_account(addr(199))->balance, U256{5000 + acknowledged});
}

TEST(DbFailure, OpenOnAFullDiskSaysSo)
{
    Tmpfs fs(4 << 20);
    if (!fs.mounted())
        GTEST_SKIP() << fs.why_not();
    const std::string path = fs.path() + "/db";
    {
        auto db = open_db(opts(path));
        ASSERT_TRUE(db->init_genesis(make_genesis(), many_accounts()));
        commit_blocks(*db, 3);
    }
    fs.fill();
    const auto r = ChainDb::open(opts(path));
    if (r)
    {
        // RocksDB found room enough to open (a new WAL fits in a partly used page): then
        // the chain is intact
        EXPECT_EQ(r.value()->head_number(), 3u);
        return;
    }
    EXPECT_EQ(r.error().code, DbErrorCode::NoSpace) << r.error().message;
    EXPECT_NE(r.error().message.find("the disk is full"), std::string::npos);
    fs.free();
    auto db = open_db(opts(path));
    ASSERT_TRUE(db);
    EXPECT_EQ(db->head_number(), 3u);
}
