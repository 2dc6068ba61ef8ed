#include "db/chain_db.hpp"

#include "core/keccak.hpp"
#include "db/test_blocks.hpp"
#include "transaction/codec.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace tern;
using namespace tern::db;
using namespace tern::db::testing;

namespace {

std::unique_ptr<ChainDb> open_db(ChainDbOptions o = {})
{
    auto db = ChainDb::open(o);
    EXPECT_TRUE(db.has_value()) << (db ? "" : db.error().message);
    return std::move(db.value());
}

state::StateDiff genesis_alloc()
{
    state::StateDiff d;
    auto& a = d.accounts[addr(1)];
    a.address = addr(1);
    a.info.balance = 1000;
    a.info.nonce = 1;
    auto& c = d.accounts[addr(2)];
    c.address = addr(2);
    const Bytes code = {0x60, 0x00, 0x60, 0x00, 0xf3};
    c.code = std::make_shared<const Bytes>(code);
    c.info.code_hash = keccak256(code);
    c.storage[1] = 11;
    c.storage[2] = 22;
    c.storage[3] = 0;  // zero slots are not stored
    return d;
}

void expect_receipts_eq(const std::vector<execution::Receipt>& a,
                        const std::vector<execution::Receipt>& b)
{
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
    {
        EXPECT_EQ(a[i].type, b[i].type);
        EXPECT_EQ(a[i].success, b[i].success);
        EXPECT_EQ(a[i].gas_used, b[i].gas_used);
        EXPECT_EQ(a[i].cumulative_gas_used, b[i].cumulative_gas_used);
        EXPECT_EQ(a[i].blob_gas_used, b[i].blob_gas_used);
        EXPECT_EQ(a[i].logs, b[i].logs);
        EXPECT_EQ(a[i].bloom, b[i].bloom);
    }
}

/// One balance/storage change of addr(1): the typical block diff of the tests.
state::StateDiff bump(uint64_t n)
{
    state::StateDiff d;
    auto& a = d.accounts[addr(1)];
    a.address = addr(1);
    a.info.nonce = n;
    a.info.balance = 1000 + n;
    a.storage[5] = n;
    return d;
}

}  // namespace

TEST(ChainDb, InMemoryGenesis)
{
    auto db = open_db();
    EXPECT_FALSE(db->initialized());
    EXPECT_FALSE(db->genesis_hash());
    const auto g = make_genesis();
    const Bytes config = {1, 2, 3};
    ASSERT_TRUE(db->init_genesis(g, genesis_alloc(), config));
    EXPECT_TRUE(db->initialized());
    EXPECT_EQ(db->head_number(), 0u);
    EXPECT_EQ(db->head_hash(), g.header.hash());
    EXPECT_EQ(db->genesis_hash(), g.header.hash());
    EXPECT_EQ(db->chain_config(), config);
    EXPECT_EQ(db->block_hash(0), g.header.hash());
    EXPECT_EQ(db->block_number(g.header.hash()), 0u);
    EXPECT_EQ(db->header(0), g.header);
    EXPECT_EQ(db->header_by_hash(g.header.hash()), g.header);
    EXPECT_EQ(db->transaction_count(0), 0u);
    ASSERT_TRUE(db->receipts(0));
    EXPECT_TRUE(db->receipts(0)->empty());
    EXPECT_FALSE(db->header(1));
    EXPECT_FALSE(db->receipts(1));
    EXPECT_FALSE(db->transaction_count(1));

    const auto a1 = db->read_account(addr(1));
    ASSERT_TRUE(a1);
    EXPECT_EQ(a1->nonce, 1u);
    EXPECT_EQ(a1->balance, U256{1000});
    EXPECT_EQ(a1->code_hash, kEmptyCodeHash);
    EXPECT_FALSE(db->read_account(addr(3)));
    const auto a2 = db->read_account(addr(2));
    ASSERT_TRUE(a2);
    const auto code = db->read_code(a2->code_hash);
    ASSERT_TRUE(code);
    EXPECT_EQ(*code, (Bytes{0x60, 0x00, 0x60, 0x00, 0xf3}));
    EXPECT_EQ(db->read_code(a2->code_hash), code);  // cached: same buffer
    EXPECT_EQ(db->read_code(kEmptyCodeHash), nullptr);
    EXPECT_EQ(db->read_code(keccak256(Bytes{1})), nullptr);
    EXPECT_EQ(db->read_storage(addr(2), 1), U256{11});
    EXPECT_EQ(db->read_storage(addr(2), 2), U256{22});
    EXPECT_EQ(db->read_storage(addr(2), 3), U256{0});
    EXPECT_TRUE(db->has_storage(addr(2)));
    EXPECT_FALSE(db->has_storage(addr(1)));

    std::vector<Address> accounts;
    db->for_each_account(
        [&](const Address& a, const state::AccountInfo&) { accounts.push_back(a); });
    EXPECT_EQ(accounts, (std::vector<Address>{addr(1), addr(2)}));
    std::vector<std::pair<U256, U256>> slots;
    db->for_each_storage(addr(2), [&](const U256& k, const U256& v) { slots.emplace_back(k, v); });
    EXPECT_EQ(slots, (std::vector<std::pair<U256, U256>>{{1, 11}, {2, 22}}));

    // the same genesis again is a no-op, another one is refused
    EXPECT_TRUE(db->init_genesis(g, genesis_alloc()));
    const auto other = make_genesis(5);
    const auto r = db->init_genesis(other, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, DbErrorCode::GenesisMismatch);
}

TEST(ChainDb, TwoInMemoryDatabasesAreIndependent)
{
    auto a = open_db();
    auto b = open_db();
    ASSERT_TRUE(a->init_genesis(make_genesis(), genesis_alloc()));
    EXPECT_FALSE(b->initialized());
    EXPECT_FALSE(b->read_account(addr(1)));
    ASSERT_TRUE(b->init_genesis(make_genesis(7), {}));
    EXPECT_NE(a->head_hash(), b->head_hash());
}

TEST(ChainDb, CommitBlockAndLookups)
{
    auto db = open_db();
    const auto g = make_genesis();
    ASSERT_TRUE(db->init_genesis(g, genesis_alloc()));
    std::vector<execution::Receipt> receipts;
    const auto b1 = make_block(g.header, 3, receipts);
    ASSERT_TRUE(db->commit_block(b1, receipts, bump(1)));

    EXPECT_EQ(db->head_number(), 1u);
    EXPECT_EQ(db->head_hash(), b1.header.hash());
    EXPECT_EQ(db->header(1), b1.header);
    EXPECT_EQ(db->header_by_hash(b1.header.hash()), b1.header);
    EXPECT_EQ(db->transaction_count(1), 3u);
    const auto blk = db->block(1);
    ASSERT_TRUE(blk);
    EXPECT_EQ(blk->header, b1.header);
    ASSERT_EQ(blk->transactions.size(), 3u);
    for (size_t i = 0; i < 3; ++i)
        EXPECT_EQ(transaction_hash(blk->transactions[i]), transaction_hash(b1.transactions[i]));
    EXPECT_EQ(blk->senders, b1.senders);
    EXPECT_TRUE(blk->withdrawals.empty());
    const auto by_hash = db->block_by_hash(b1.header.hash());
    ASSERT_TRUE(by_hash);
    EXPECT_EQ(by_hash->header, b1.header);
    EXPECT_FALSE(db->block_by_hash(Hash256{}));

    const auto stored = db->receipts(1);
    ASSERT_TRUE(stored);
    expect_receipts_eq(*stored, receipts);
    EXPECT_EQ(chain::receipts_root(*stored), b1.header.receipts_root);

    for (uint32_t i = 0; i < 3; ++i)
    {
        const Hash256 h = transaction_hash(b1.transactions[i]);
        const auto t = db->transaction(h);
        ASSERT_TRUE(t);
        EXPECT_EQ(t->block_number, 1u);
        EXPECT_EQ(t->block_hash, b1.header.hash());
        EXPECT_EQ(t->index, i);
        EXPECT_EQ(t->sender, b1.senders[i]);
        EXPECT_EQ(t->hash, h);
        EXPECT_EQ(encode_transaction(t->tx), encode_transaction(b1.transactions[i]));
        const auto at = db->transaction_at(1, i);
        ASSERT_TRUE(at);
        EXPECT_EQ(at->hash, h);
    }
    EXPECT_FALSE(db->transaction_at(1, 3));
    EXPECT_FALSE(db->transaction(Hash256{}));

    EXPECT_EQ(db->read_account(addr(1))->balance, U256{1001});
    EXPECT_EQ(db->read_storage(addr(1), 5), U256{1});
    EXPECT_EQ(db->read_storage(addr(2), 1), U256{11});  // untouched
}

TEST(ChainDb, WithdrawalsRoundTrip)
{
    auto db = open_db();
    const auto g = make_genesis();
    ASSERT_TRUE(db->init_genesis(g, {}));
    std::vector<execution::Receipt> receipts;
    auto b1 = make_block(g.header, 0, receipts);
    b1.withdrawals.push_back(chain::Withdrawal{1, 2, addr(3), 4});
    ASSERT_TRUE(db->commit_block(b1, receipts, {}));
    const auto blk = db->block(1);
    ASSERT_TRUE(blk);
    EXPECT_EQ(blk->withdrawals, b1.withdrawals);
}

TEST(ChainDb, RejectsBlocksNotOnTheHead)
{
    auto db = open_db();
    const auto g = make_genesis();
    std::vector<execution::Receipt> receipts;
    const auto b1 = make_block(g.header, 1, receipts);
    auto r = db->commit_block(b1, receipts, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, DbErrorCode::NotInitialized);

    ASSERT_TRUE(db->init_genesis(g, {}));
    auto b2 = make_block(b1.header, 1, receipts);  // number 2 on a head of 0
    r = db->commit_block(b2, receipts, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, DbErrorCode::InvalidBlock);

    auto wrong_parent = b1;
    wrong_parent.header.parent_hash.bytes[0] ^= 1;
    r = db->commit_block(wrong_parent, receipts, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, DbErrorCode::InvalidBlock);

    r = db->commit_block(b1, {}, {});  // receipts missing
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, DbErrorCode::InvalidBlock);

    EXPECT_EQ(db->head_number(), 0u);
    ASSERT_TRUE(db->commit_block(b1, receipts, {}));
    r = db->commit_block(b1, receipts, {});  // twice
    ASSERT_FALSE(r);
    EXPECT_EQ(db->head_number(), 1u);
}

TEST(ChainDb, ReopenRoundTrip)
{
    TempDir dir;
    const auto g = make_genesis();
    std::vector<chain::Block> blocks;
    std::vector<std::vector<execution::Receipt>> all_receipts;
    {
        auto db = open_db(opts(dir.path()));
        ASSERT_TRUE(db->init_genesis(g, genesis_alloc(), Bytes{9}));
        chain::BlockHeader parent = g.header;
        for (uint64_t n = 1; n <= 5; ++n)
        {
            std::vector<execution::Receipt> receipts;
            auto b = make_block(parent, n % 3, receipts);
            ASSERT_TRUE(db->commit_block(b, receipts, bump(n)));
            parent = b.header;
            blocks.push_back(b);
            all_receipts.push_back(receipts);
        }
    }
    auto db = open_db(opts(dir.path()));
    EXPECT_TRUE(db->initialized());
    EXPECT_EQ(db->head_number(), 5u);
    EXPECT_EQ(db->head_hash(), blocks.back().header.hash());
    EXPECT_EQ(db->genesis_hash(), g.header.hash());
    EXPECT_EQ(db->chain_config(), Bytes{9});
    for (uint64_t n = 1; n <= 5; ++n)
    {
        EXPECT_EQ(db->header(n), blocks[n - 1].header);
        EXPECT_EQ(db->transaction_count(n), n % 3);
        expect_receipts_eq(*db->receipts(n), all_receipts[n - 1]);
        for (const auto& tx : blocks[n - 1].transactions)
            EXPECT_EQ(db->transaction(transaction_hash(tx))->block_number, n);
    }
    EXPECT_EQ(db->read_account(addr(1))->balance, U256{1005});
    EXPECT_EQ(db->read_storage(addr(1), 5), U256{5});
    EXPECT_EQ(db->read_storage(addr(2), 2), U256{22});
    EXPECT_TRUE(db->read_code(db->read_account(addr(2))->code_hash));
    auto past = db->state_at(2);
    ASSERT_TRUE(past);
    EXPECT_EQ((*past)->read_storage(addr(1), 5), U256{2});

    EXPECT_TRUE(db->init_genesis(g, genesis_alloc()));
    EXPECT_EQ(db->head_number(), 5u);  // nothing rewritten
    const auto r = db->init_genesis(make_genesis(1), {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, DbErrorCode::GenesisMismatch);

    // continue the chain after reopening
    std::vector<execution::Receipt> receipts;
    const auto b6 = make_block(blocks.back().header, 1, receipts);
    ASSERT_TRUE(db->commit_block(b6, receipts, bump(6)));
    EXPECT_EQ(db->head_number(), 6u);
}

TEST(ChainDb, CreatesMissingParentDirectories)
{
    TempDir dir;
    const std::string nested = dir.path() + "/a/b/chain";
    {
        auto db = open_db(opts(nested));
        ASSERT_TRUE(db->init_genesis(make_genesis(), genesis_alloc()));
    }
    auto db = open_db(opts(nested));
    EXPECT_TRUE(db->initialized());
    const auto file = dir.path() + "/file";
    std::fclose(std::fopen(file.c_str(), "w"));
    const auto r = ChainDb::open(opts(file + "/db"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, DbErrorCode::Io);
}

TEST(ChainDb, OpenFailsWhileLocked)
{
    TempDir dir;
    auto db = open_db(opts(dir.path()));
    const auto second = ChainDb::open(opts(dir.path()));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, DbErrorCode::Io);
    EXPECT_FALSE(second.error().message.empty());
}

TEST(ChainDb, SyncedWrites)
{
    TempDir dir;
    {
        auto db = open_db(opts(dir.path(), 128, false, true));
        const auto g = make_genesis();
        ASSERT_TRUE(db->init_genesis(g, {}));
        std::vector<execution::Receipt> receipts;
        const auto b1 = make_block(g.header, 2, receipts);
        ASSERT_TRUE(db->commit_block(b1, receipts, bump(1)));
    }
    auto db = open_db(opts(dir.path()));
    EXPECT_EQ(db->head_number(), 1u);
}

TEST(ChainDb, HeadStateIsASnapshot)
{
    auto db = open_db();
    const auto g = make_genesis();
    ASSERT_TRUE(db->init_genesis(g, genesis_alloc()));
    auto view = db->head_state();
    EXPECT_EQ(view->block_number(), 0u);
    std::vector<execution::Receipt> receipts;
    const auto b1 = make_block(g.header, 0, receipts);
    auto diff = bump(1);
    auto& c = diff.accounts[addr(2)];
    c.address = addr(2);
    c.info = *db->read_account(addr(2));
    c.storage_cleared = true;
    ASSERT_TRUE(db->commit_block(b1, receipts, diff));

    EXPECT_EQ(db->read_account(addr(1))->balance, U256{1001});
    EXPECT_EQ(view->read_account(addr(1))->balance, U256{1000});
    EXPECT_EQ(view->read_storage(addr(1), 5), U256{0});
    EXPECT_TRUE(view->has_storage(addr(2)));
    EXPECT_FALSE(db->has_storage(addr(2)));
    size_t slots = 0;
    view->for_each_storage(addr(2), [&](const U256&, const U256&) { ++slots; });
    EXPECT_EQ(slots, 2u);
    auto head = db->head_state();
    EXPECT_EQ(head->block_number(), 1u);
    EXPECT_EQ(head->read_storage(addr(1), 5), U256{1});
}

TEST(ChainDb, ConcurrentReadersSeeWholeBlocks)
{
    // One writer commits blocks; readers take views and check that every view shows one
    // block's state entirely (balance, nonce and slot 5 of addr(1) all equal the view's block).
    auto db = open_db(opts("", 8));
    const auto g = make_genesis();
    ASSERT_TRUE(db->init_genesis(g, {}));
    constexpr uint64_t kBlocks = 300;
    std::atomic<bool> done{false};
    std::atomic<uint64_t> checks{0};
    std::atomic<uint64_t> failures{0};
    auto reader = [&](uint64_t seed) {
        uint64_t x = seed;
        while (!done.load())
        {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            std::unique_ptr<StateView> v;
            if (x % 2)
                v = db->head_state();
            else
            {
                const uint64_t head = db->head_number();
                auto r = db->state_at(head - std::min<uint64_t>(head, (x >> 8) % 8));
                if (!r)
                    continue;  // the window moved on meanwhile
                v = std::move(r.value());
            }
            const uint64_t n = v->block_number();
            const auto a = v->read_account(addr(1));
            const bool ok = n == 0 ? !a
                                   : a && a->balance == U256{1000 + n} && a->nonce == n &&
                                         v->read_storage(addr(1), 5) == U256{n};
            if (!ok)
                failures.fetch_add(1);
            checks.fetch_add(1);
        }
    };
    std::thread r1(reader, 1);
    std::thread r2(reader, 2);
    chain::BlockHeader parent = g.header;
    for (uint64_t n = 1; n <= kBlocks; ++n)
    {
        std::vector<execution::Receipt> receipts;
        const auto b = make_block(parent, 1, receipts);
        ASSERT_TRUE(db->commit_block(b, receipts, bump(n)));
        parent = b.header;
    }
    done = true;
    r1.join();
    r2.join();
    EXPECT_EQ(failures.load(), 0u);
    EXPECT_GT(checks.load(), 0u);
}

TEST(ChainDb, RefusesAnotherSchemaVersion)
{
    TempDir dir;
    {
        auto db = open_db(opts(dir.path()));
        ASSERT_TRUE(db->init_genesis(make_genesis(), {}));
    }
    // overwrite meta "schema" with version 99 through RocksDB directly
    put_raw(dir.path(), "default", "schema", std::string("\0\0\0\0\0\0\0\x63", 8));
    const auto r = ChainDb::open(opts(dir.path()));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, DbErrorCode::IncompatibleVersion);
}

TEST(ChainDb, ReceiptAtMatchesStoredReceipts)
{
    TempDir dir;
    const auto g = make_genesis();
    std::vector<execution::Receipt> receipts;
    const auto b1 = make_block(g.header, 9, receipts);
    {
        auto db = open_db(opts(dir.path()));
        ASSERT_TRUE(db->init_genesis(g, genesis_alloc()));
        // mixed types; receipts 0, 3 and 6 have no logs (make_receipt: tag % 3 logs)
        static constexpr TxType kTypes[] = {TxType::Legacy, TxType::AccessList, TxType::DynamicFee,
                                            TxType::Blob};
        for (size_t i = 0; i < receipts.size(); ++i)
            receipts[i].type = kTypes[i % 4];
        receipts[3].blob_gas_used = 131072;
        ASSERT_TRUE(db->commit_block(b1, receipts, bump(1)));

        const auto stored = db->receipts(1);
        ASSERT_TRUE(stored);
        uint64_t logs_before = 0;
        for (uint32_t i = 0; i < receipts.size(); ++i)
        {
            const auto at = db->receipt_at(1, i);
            ASSERT_TRUE(at) << at.error().message;
            ASSERT_TRUE(*at) << i;
            expect_receipts_eq({(*at)->receipt}, {(*stored)[i]});
            EXPECT_EQ((*at)->previous_cumulative_gas,
                      i == 0 ? 0 : receipts[i - 1].cumulative_gas_used);
            EXPECT_EQ((*at)->first_log_index, logs_before);
            logs_before += receipts[i].logs.size();
        }
        for (uint32_t past : {9u, 10u, UINT32_MAX})
        {
            const auto at = db->receipt_at(1, past);
            ASSERT_TRUE(at);
            EXPECT_FALSE(*at);
        }
        // genesis has no receipts; block 2 is not committed
        for (uint64_t n : {0, 2})
        {
            const auto at = db->receipt_at(n, 0);
            ASSERT_TRUE(at);
            EXPECT_FALSE(*at);
        }
    }
    // damaged stored receipts: a Corruption error, not a crash
    const std::string key(codec::number_key(1).view());
    const Bytes enc = codec::encode_receipts(receipts);
    const std::string truncated(reinterpret_cast<const char*>(enc.data()), enc.size() - 1);
    put_raw(dir.path(), "receipts", key, truncated);
    {
        auto db = open_db(opts(dir.path()));
        for (uint32_t i : {0u, 8u, 9u})
        {
            const auto at = db->receipt_at(1, i);
            ASSERT_FALSE(at);
            EXPECT_EQ(at.error().code, DbErrorCode::Corruption);
            EXPECT_EQ(at.error().message, "block 1 receipts: malformed list");
        }
    }
    std::string bad_type(reinterpret_cast<const char*>(enc.data()), enc.size());
    // the first receipt's type byte (after the outer and the receipt's list headers): 7
    const size_t outer = enc[0] >= 0xf8 ? 1 + (enc[0] - 0xf7) : 1;
    const size_t type_at = outer + (enc[outer] >= 0xf8 ? 1 + (enc[outer] - 0xf7) : 1);
    ASSERT_EQ(enc[type_at], 0x80);  // legacy: 0
    bad_type[type_at] = 0x07;
    put_raw(dir.path(), "receipts", key, bad_type);
    {
        auto db = open_db(opts(dir.path()));
        for (uint32_t i : {0u, 5u})
        {
            const auto at = db->receipt_at(1, i);
            ASSERT_FALSE(at);
            EXPECT_EQ(at.error().code, DbErrorCode::Corruption);
            EXPECT_EQ(at.error().message, "block 1 receipts: malformed receipt 0");
        }
    }
}

TEST(ChainDb, BlobsCommitWithTheBlockAndSurviveReopen)
{
    TempDir dir;
    ChainDbOptions o;
    o.path = dir.path();
    const Bytes blob(3000, 0xab);
    const Hash256 h = keccak256(blob);
    {
        auto db = open_db(o);
        const auto g = make_genesis();
        ASSERT_TRUE(db->init_genesis(g, genesis_alloc()));
        EXPECT_FALSE(db->read_blob(h));
        std::vector<execution::Receipt> receipts;
        const auto b1 = make_block(g.header, 1, receipts);
        auto diff = bump(1);
        diff.blobs.emplace(h, std::make_shared<const Bytes>(blob));
        const auto before = db->head_state();
        ASSERT_TRUE(db->commit_block(b1, receipts, diff));
        EXPECT_FALSE(before->read_blob(h));  // a view taken before the block does not see it
        ASSERT_TRUE(db->read_blob(h));
        EXPECT_EQ(*db->head_state()->read_blob(h), blob);
        std::vector<Hash256> seen;
        db->head_state()->for_each_blob([&](const Hash256& k, BytesView v) {
            seen.push_back(k);
            EXPECT_EQ(Bytes(v.begin(), v.end()), blob);
        });
        EXPECT_EQ(seen, std::vector<Hash256>{h});
    }
    auto db = open_db(o);
    ASSERT_TRUE(db->read_blob(h));
    EXPECT_EQ(*db->read_blob(h), blob);
    const auto past = db->state_at(0);
    ASSERT_TRUE(past);
    EXPECT_TRUE((*past)->read_blob(h));  // immutable: one store serves every block's view
}
