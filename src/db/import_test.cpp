// Snapshot import (state sync): staging, finish, abort, crash recovery, and the views a
// snapshot is cut from.
#include "core/keccak.hpp"
#include "db/chain_db.hpp"
#include "db/test_blocks.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace tern;
using namespace tern::db;
using namespace tern::db::testing;

namespace {

state::AccountInfo account(uint64_t nonce, uint64_t balance, Hash256 code_hash = kEmptyCodeHash)
{
    state::AccountInfo a;
    a.nonce = nonce;
    a.balance = U256{balance};
    a.code_hash = code_hash;
    return a;
}

/// A source chain: genesis funding addr(1), then `blocks` blocks changing accounts and storage.
struct SourceChain
{
    std::unique_ptr<ChainDb> db;
    std::vector<chain::Block> blocks;  ///< blocks[n] = block n
    std::vector<std::vector<execution::Receipt>> receipts;

    explicit SourceChain(uint64_t count, const std::string& path = "")
    {
        db = ChainDb::open(opts(path)).value();
        chain::Block g = make_genesis();
        state::StateDiff alloc;
        alloc.accounts[addr(1)].info = account(0, 1000);
        EXPECT_TRUE(db->init_genesis(g, alloc));
        blocks.push_back(g);
        receipts.emplace_back();
        for (uint64_t n = 1; n <= count; ++n)
        {
            std::vector<execution::Receipt> r;
            chain::Block b = make_block(blocks.back().header, n % 3, r);
            state::StateDiff diff;
            auto& a = diff.accounts[addr(n % 4)];
            a.info = account(n, 1000 + n);
            a.storage[U256{n % 5}] = U256{n * 10};
            EXPECT_TRUE(db->commit_block(b, r, diff));
            blocks.push_back(b);
            receipts.push_back(r);
        }
    }

    /// The head, its receipts and the headers of every earlier block.
    ImportedHead head() const
    {
        ImportedHead h;
        h.block = blocks.back();
        h.receipts = receipts.back();
        for (size_t n = 0; n + 1 < blocks.size(); ++n)
            h.ancestors.push_back(blocks[n].header);
        return h;
    }

    /// The head state as one import batch.
    ImportBatch state() const
    {
        ImportBatch b;
        db->for_each_account([&](const Address& a, const state::AccountInfo& info) {
            b.accounts.emplace_back(a, info);
            db->for_each_storage(
                a, [&](const U256& k, const U256& v) { b.storage.emplace_back(a, k, v); });
        });
        b.code.push_back(Bytes{0x60, 0x00});
        return b;
    }
};

/// A fresh database holding the same genesis as SourceChain (alloc: addr(1)).
std::unique_ptr<ChainDb> fresh(const std::string& path = "", bool stop_after_marker = false)
{
    auto o = opts(path);
    o.import_stop_after_marker = stop_after_marker;
    auto db = ChainDb::open(o).value();
    if (!db->initialized())
    {
        state::StateDiff alloc;
        alloc.accounts[addr(1)].info = account(0, 1000);
        EXPECT_TRUE(db->init_genesis(make_genesis(), alloc));
    }
    return db;
}

std::map<Address, state::AccountInfo> accounts_of(const ChainDb& db)
{
    std::map<Address, state::AccountInfo> out;
    db.for_each_account([&](const Address& a, const state::AccountInfo& i) { out[a] = i; });
    return out;
}

}  // namespace

TEST(DbImport, FinishedImportIsTheNewHeadWithoutEarlierBlocks)
{
    SourceChain src(6);
    auto db = fresh();
    ASSERT_TRUE(db->begin_import());
    ASSERT_TRUE(db->import_state(src.state()));
    EXPECT_EQ(db->head_number(), 0u);  // staged only: the live state is still genesis
    EXPECT_EQ(db->read_account(addr(2)), std::nullopt);
    ASSERT_TRUE(db->finish_import(src.head()));

    EXPECT_EQ(db->head_number(), 6u);
    EXPECT_EQ(db->head_hash(), src.blocks[6].header.hash());
    EXPECT_EQ(accounts_of(*db), accounts_of(*src.db));
    EXPECT_EQ(db->read_storage(addr(3), U256{3}), U256{30});
    EXPECT_EQ(db->staged_entry_count(), 0u);
    // Block 6 in full; earlier blocks only by hash (BLOCKHASH), genesis as before.
    ASSERT_TRUE(db->block(6));
    EXPECT_EQ(db->block(6)->transactions.size(), src.blocks[6].transactions.size());
    EXPECT_EQ(db->receipts(6)->size(), src.receipts[6].size());
    EXPECT_EQ(db->block_hash(5), src.blocks[5].header.hash());
    EXPECT_EQ(db->block_hash(1), src.blocks[1].header.hash());
    EXPECT_FALSE(db->header(5));
    EXPECT_FALSE(db->receipts(5));
    EXPECT_TRUE(db->header(0));
    EXPECT_EQ(db->oldest_state_block(), 6u);
    EXPECT_FALSE(db->state_at(5));
    // The next block commits on top.
    std::vector<execution::Receipt> r;
    const auto next = make_block(src.blocks[6].header, 2, r);
    EXPECT_TRUE(db->commit_block(next, r, {}));
    EXPECT_EQ(db->head_number(), 7u);
}

TEST(DbImport, RefusedPastGenesisAndWithAncestorsThatDoNotLink)
{
    SourceChain src(3);
    EXPECT_EQ(src.db->begin_import().error().code, DbErrorCode::NotEmpty);
    auto db = fresh();
    ASSERT_TRUE(db->begin_import());
    auto head = src.head();
    EXPECT_TRUE(check_imported_chain(head));
    head.ancestors.pop_back();  // block 2's header missing
    EXPECT_FALSE(check_imported_chain(head));
    EXPECT_EQ(db->finish_import(head).error().code, DbErrorCode::InvalidBlock);
    head = src.head();
    head.ancestors.back().gas_used += 1;  // not the parent of block 3
    EXPECT_EQ(db->finish_import(head).error().code, DbErrorCode::InvalidBlock);
    head = src.head();
    head.ancestors[1].timestamp += 1;  // block 1 is not block 2's parent (the chain breaks)
    EXPECT_EQ(db->finish_import(head).error().code, DbErrorCode::InvalidBlock);
    head = src.head();
    head.ancestors.erase(head.ancestors.begin());  // blocks 1..2 only: still a chain
    EXPECT_TRUE(check_imported_chain(head));
    head.ancestors.front().number = 0;  // misnumbered
    EXPECT_FALSE(check_imported_chain(head));
    head = src.head();
    head.ancestors.insert(head.ancestors.begin(), head.ancestors.front());  // more than H
    EXPECT_FALSE(check_imported_chain(head));
    head = src.head();
    head.receipts.emplace_back();  // one more receipt than transactions
    EXPECT_FALSE(check_imported_chain(head));
    EXPECT_EQ(db->head_number(), 0u);
}

TEST(DbImport, RefusedWithAnotherGenesis)
{
    SourceChain src(3);
    auto db = fresh();
    ASSERT_TRUE(db->begin_import());
    // A chain whose block 0 differs, linked consistently up to the head.
    auto head = src.head();
    head.ancestors[0].extra_data = Bytes{0x01};
    for (size_t i = 1; i < head.ancestors.size(); ++i)
        head.ancestors[i].parent_hash = head.ancestors[i - 1].hash();
    head.block.header.parent_hash = head.ancestors.back().hash();
    ASSERT_TRUE(check_imported_chain(head));
    EXPECT_EQ(db->finish_import(head).error().code, DbErrorCode::GenesisMismatch);
    EXPECT_EQ(db->head_number(), 0u);
}

TEST(DbImport, AbortAndAKilledImportLeaveTheGenesisDatabase)
{
    SourceChain src(4);
    TempDir dir;
    {
        auto db = fresh(dir.path());
        ASSERT_TRUE(db->begin_import());
        ASSERT_TRUE(db->import_state(src.state()));
        EXPECT_GT(db->staged_entry_count(), 0u);
        ASSERT_TRUE(db->abort_import());
        EXPECT_EQ(db->staged_entry_count(), 0u);
        ASSERT_TRUE(db->begin_import());
        ASSERT_TRUE(db->import_state(src.state()));
    }  // "killed" mid-import: staged data, no marker
    auto db = fresh(dir.path());
    EXPECT_EQ(db->head_number(), 0u);
    EXPECT_EQ(db->staged_entry_count(), 0u);
    const auto accounts = accounts_of(*db);
    ASSERT_EQ(accounts.size(), 1u);
    EXPECT_EQ(accounts.begin()->second.balance, U256{1000});
}

TEST(DbImport, ImportKilledAfterItsMarkerIsCompletedOnReopen)
{
    SourceChain src(5);
    TempDir dir;
    {
        auto db = fresh(dir.path(), /*stop_after_marker=*/true);
        ASSERT_TRUE(db->begin_import());
        ASSERT_TRUE(db->import_state(src.state()));
        EXPECT_FALSE(db->finish_import(src.head()));
    }
    auto db = fresh(dir.path());
    EXPECT_EQ(db->head_number(), 5u);
    EXPECT_EQ(db->head_hash(), src.blocks[5].header.hash());
    EXPECT_EQ(accounts_of(*db), accounts_of(*src.db));
    EXPECT_EQ(db->staged_entry_count(), 0u);
    EXPECT_TRUE(db->read_code(keccak256(Bytes{0x60, 0x00})));
}

TEST(DbImport, ImportedHeadEncodingRoundTrips)
{
    SourceChain src(4);
    const auto head = src.head();
    const Bytes enc = encode_imported_head(head);
    auto dec = decode_imported_head(enc);
    ASSERT_TRUE(dec) << dec.error();
    EXPECT_EQ(dec->block.header.hash(), head.block.header.hash());
    EXPECT_EQ(dec->block.senders, head.block.senders);
    EXPECT_EQ(dec->ancestors, head.ancestors);
    EXPECT_EQ(encode_imported_head(*dec), enc);
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(decode_imported_head(longer));
    EXPECT_FALSE(decode_imported_head(BytesView(enc).first(enc.size() - 1)));
}

TEST(DbImport, ViewsListTheAccountsOfTheirBlock)
{
    SourceChain src(6);
    // At block 2 only addr(1) (genesis) and the accounts blocks 1, 2 wrote exist.
    auto at2 = src.db->state_at(2);
    ASSERT_TRUE(at2);
    std::vector<Address> seen;
    (*at2)->for_each_account([&](const Address& a, const state::AccountInfo& info) {
        seen.push_back(a);
        EXPECT_EQ(info, *(*at2)->read_account(a));
    });
    EXPECT_EQ(seen, (std::vector<Address>{addr(1), addr(2)}));
    EXPECT_EQ((*at2)->read_account(addr(2))->nonce, 2u);
    std::vector<Address> head_seen;
    src.db->head_state()->for_each_account(
        [&](const Address& a, const state::AccountInfo&) { head_seen.push_back(a); });
    EXPECT_EQ(head_seen, (std::vector<Address>{addr(0), addr(1), addr(2), addr(3)}));
}
