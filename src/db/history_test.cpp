#include "db/chain_db.hpp"

#include "core/keccak.hpp"
#include "db/test_blocks.hpp"
#include "execution/state_root.hpp"
#include "state/memory_backend.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace tern;
using namespace tern::db;
using namespace tern::db::testing;

namespace {

/// A chain in a ChainDb plus the reference state after every block (MemoryBackend copies).
struct Chain
{
    std::unique_ptr<ChainDb> db;
    chain::BlockHeader head;
    std::vector<state::MemoryBackend> states;  ///< states[n] = state after block n

    explicit Chain(ChainDbOptions o = {}, const state::StateDiff& alloc = {})
    {
        auto r = ChainDb::open(o);
        EXPECT_TRUE(r.has_value());
        db = std::move(r.value());
        const auto g = make_genesis();
        EXPECT_TRUE(db->init_genesis(g, alloc));
        head = g.header;
        states.emplace_back();
        states.back().apply(alloc);
    }

    void commit(const state::StateDiff& diff)
    {
        std::vector<execution::Receipt> receipts;
        const auto b = make_block(head, 1, receipts);
        const auto r = db->commit_block(b, receipts, diff);
        ASSERT_TRUE(r) << r.error().message;
        head = b.header;
        states.push_back(states.back());
        states.back().apply(diff);
    }
};

state::AccountDiff& touch(state::StateDiff& d, const Address& a, uint64_t balance)
{
    auto& ad = d.accounts[a];
    ad.address = a;
    ad.info.balance = balance;
    return ad;
}

state::StateDiff del(const Address& a)
{
    state::StateDiff d;
    auto& ad = d.accounts[a];
    ad.address = a;
    ad.deleted = true;
    return d;
}

std::map<U256, U256> storage_of(const StateView& v, const Address& a)
{
    std::map<U256, U256> out;
    v.for_each_storage(a, [&](const U256& k, const U256& val) { out.emplace(k, val); });
    return out;
}

std::map<U256, U256> storage_of(const state::MemoryBackend& m, const Address& a)
{
    const auto it = m.accounts().find(a);
    return it == m.accounts().end() ? std::map<U256, U256>{} : it->second.storage;
}

/// Checks every read of `view` against the reference over `addresses` and slots 0..slots-1.
void expect_same_state(const StateView& view,
                       const state::MemoryBackend& ref,
                       const std::vector<Address>& addresses,
                       uint64_t slots)
{
    for (const auto& a : addresses)
    {
        SCOPED_TRACE(::testing::Message()
                     << "block " << view.block_number() << " address " << int(a.bytes[19]));
        EXPECT_EQ(view.read_account(a), ref.read_account(a));
        EXPECT_EQ(view.has_storage(a), ref.has_storage(a));
        for (uint64_t s = 0; s < slots; ++s)
            EXPECT_EQ(view.read_storage(a, s), ref.read_storage(a, s)) << "slot " << s;
        EXPECT_EQ(storage_of(view, a), storage_of(ref, a));
    }
}

}  // namespace

TEST(History, ValueChangedSeveralTimes)
{
    Chain c;
    const Address a = addr(1);
    for (uint64_t n = 1; n <= 5; ++n)
    {
        state::StateDiff d;
        touch(d, a, 100 * n).storage[7] = n * 10;
        c.commit(d);
    }
    for (uint64_t n = 0; n <= 5; ++n)
    {
        auto v = c.db->state_at(n);
        ASSERT_TRUE(v);
        EXPECT_EQ((*v)->block_number(), n);
        EXPECT_EQ((*v)->read_storage(a, 7), U256{n * 10});
        if (n == 0)
            EXPECT_FALSE((*v)->read_account(a));
        else
            EXPECT_EQ((*v)->read_account(a)->balance, U256{100 * n});
    }
    auto future = c.db->state_at(6);
    ASSERT_FALSE(future);
    EXPECT_EQ(future.error().code, DbErrorCode::HistoryUnavailable);
    EXPECT_EQ(future.error().message, "historical state not available");
}

TEST(History, SlotDeleted)
{
    Chain c;
    const Address a = addr(1);
    state::StateDiff d1;
    auto& ad = touch(d1, a, 1);
    ad.storage[1] = 5;
    ad.storage[2] = 6;
    c.commit(d1);
    state::StateDiff d2;
    touch(d2, a, 1).storage[1] = 0;
    c.commit(d2);
    state::StateDiff d3;
    touch(d3, a, 1).storage[2] = 0;
    c.commit(d3);

    EXPECT_EQ((*c.db->state_at(1))->read_storage(a, 1), U256{5});
    EXPECT_EQ((*c.db->state_at(2))->read_storage(a, 1), U256{0});
    EXPECT_EQ((*c.db->state_at(2))->read_storage(a, 2), U256{6});
    EXPECT_TRUE((*c.db->state_at(2))->has_storage(a));
    EXPECT_FALSE((*c.db->state_at(3))->has_storage(a));
    EXPECT_FALSE((*c.db->state_at(0))->has_storage(a));
    EXPECT_FALSE(c.db->has_storage(a));
    EXPECT_EQ(storage_of(**c.db->state_at(1), a), (std::map<U256, U256>{{1, 5}, {2, 6}}));
    EXPECT_EQ(storage_of(**c.db->state_at(2), a), (std::map<U256, U256>{{2, 6}}));
}

TEST(History, AccountDeletedAndRecreated)
{
    Chain c;
    const Address a = addr(1);
    const Bytes code = {0x60, 0x01};
    state::StateDiff d1;
    auto& ad = touch(d1, a, 10);
    ad.code = std::make_shared<const Bytes>(code);
    ad.info.code_hash = keccak256(code);
    ad.info.nonce = 1;
    ad.storage[1] = 100;
    ad.storage[2] = 200;
    c.commit(d1);      // 1: created with code and storage
    c.commit(del(a));  // 2: deleted
    c.commit({});      // 3: nothing
    state::StateDiff d4;
    touch(d4, a, 20).storage[2] = 300;
    c.commit(d4);  // 4: recreated without code, one slot

    auto s1 = std::move(c.db->state_at(1).value());
    EXPECT_EQ(s1->read_account(a)->code_hash, keccak256(code));
    EXPECT_EQ(s1->read_storage(a, 1), U256{100});
    EXPECT_EQ(*s1->read_code(keccak256(code)), code);
    for (uint64_t n : {2, 3})
    {
        auto s = std::move(c.db->state_at(n).value());
        EXPECT_FALSE(s->read_account(a));
        EXPECT_EQ(s->read_storage(a, 1), U256{0});
        EXPECT_EQ(s->read_storage(a, 2), U256{0});
        EXPECT_FALSE(s->has_storage(a));
    }
    auto s4 = std::move(c.db->state_at(4).value());
    EXPECT_EQ(s4->read_account(a)->balance, U256{20});
    EXPECT_EQ(s4->read_account(a)->code_hash, kEmptyCodeHash);
    EXPECT_EQ(s4->read_storage(a, 1), U256{0});
    EXPECT_EQ(s4->read_storage(a, 2), U256{300});
    EXPECT_EQ(c.db->read_storage(a, 1), U256{0});
    EXPECT_EQ(storage_of(*s4, a), (std::map<U256, U256>{{2, 300}}));
}

TEST(History, StorageClearedBySelfDestruct)
{
    Chain c;
    const Address a = addr(1);
    state::StateDiff d1;
    auto& ad = touch(d1, a, 10);
    ad.storage[1] = 1;
    ad.storage[2] = 2;
    ad.storage[3] = 3;
    c.commit(d1);
    state::StateDiff d2;  // re-created in one block: old storage dropped, slot 3 written anew
    auto& ad2 = touch(d2, a, 11);
    ad2.storage_cleared = true;
    ad2.storage[3] = 33;
    ad2.storage[4] = 44;
    c.commit(d2);

    EXPECT_EQ(storage_of(**c.db->state_at(1), a), (std::map<U256, U256>{{1, 1}, {2, 2}, {3, 3}}));
    EXPECT_EQ(storage_of(**c.db->state_at(2), a), (std::map<U256, U256>{{3, 33}, {4, 44}}));
    EXPECT_EQ(c.db->read_storage(a, 1), U256{0});
    EXPECT_EQ(c.db->read_storage(a, 3), U256{33});
    EXPECT_EQ((*c.db->state_at(1))->read_storage(a, 3), U256{3});
    EXPECT_EQ((*c.db->state_at(1))->read_storage(a, 4), U256{0});
}

TEST(History, RandomChangesMatchReference)
{
    // Random diffs over 6 accounts x 6 slots (updates, slot deletes, account deletes, storage
    // clears, code); every past state must read exactly as the reference state of that block.
    std::mt19937_64 rng(42);
    Chain c(opts("", 128, true));
    std::vector<Address> addresses;
    for (uint64_t i = 0; i < 6; ++i)
        addresses.push_back(addr(i));
    constexpr uint64_t kSlots = 6;
    constexpr uint64_t kBlocks = 60;
    for (uint64_t n = 1; n <= kBlocks; ++n)
    {
        state::StateDiff d;
        const auto touched = rng() % 4;
        for (uint64_t t = 0; t < touched; ++t)
        {
            const Address a = addresses[rng() % addresses.size()];
            const auto op = rng() % 10;
            if (op == 0)
            {
                d.accounts.erase(a);
                d.accounts.emplace(a, del(a).accounts.at(a));
                continue;
            }
            auto& ad = touch(d, a, rng() % 1000);
            ad.deleted = false;
            ad.info.nonce = rng() % 5;
            if (op == 1)
                ad.storage_cleared = true;
            if (op == 2)
            {
                const Bytes code = {static_cast<uint8_t>(rng()), 0x00};
                ad.code = std::make_shared<const Bytes>(code);
                ad.info.code_hash = keccak256(code);
            }
            const auto writes = rng() % 4;
            for (uint64_t w = 0; w < writes; ++w)
                ad.storage[rng() % kSlots] = (rng() % 3 == 0) ? 0 : rng() % 50;
        }
        c.commit(d);
    }
    for (uint64_t n = 0; n <= kBlocks; ++n)
    {
        auto v = c.db->state_at(n);
        ASSERT_TRUE(v);
        expect_same_state(**v, c.states[n], addresses, kSlots);
    }
    expect_same_state(*c.db->head_state(), c.states.back(), addresses, kSlots);
    std::vector<Address> head_accounts;
    c.db->for_each_account(
        [&](const Address& a, const state::AccountInfo&) { head_accounts.push_back(a); });
    std::vector<Address> ref_accounts;
    for (const auto& [a, _] : c.states.back().accounts())
        ref_accounts.push_back(a);
    EXPECT_EQ(head_accounts, ref_accounts);
}

TEST(History, PruningKeepsTheWindow)
{
    Chain c(opts("", 4));
    const Address a = addr(1);
    for (uint64_t n = 1; n <= 10; ++n)
    {
        state::StateDiff d;
        touch(d, a, n).storage[1] = n;
        c.commit(d);
    }
    EXPECT_EQ(c.db->oldest_state_block(), 6u);
    for (uint64_t n = 6; n <= 10; ++n)
    {
        auto v = c.db->state_at(n);
        ASSERT_TRUE(v) << n;
        EXPECT_EQ((*v)->read_storage(a, 1), U256{n});
        EXPECT_EQ((*v)->read_account(a)->balance, U256{n});
    }
    for (uint64_t n : {0, 1, 5})
    {
        auto v = c.db->state_at(n);
        ASSERT_FALSE(v) << n;
        EXPECT_EQ(v.error().code, DbErrorCode::HistoryUnavailable);
        EXPECT_EQ(v.error().message, "historical state not available");
    }
    // history of blocks 7..10 is kept (2 entries each: the account and slot 1)
    EXPECT_EQ(c.db->history_entry_count(), 8u);
}

TEST(History, ArchiveKeepsEverything)
{
    Chain c(opts("", 2, true));
    for (uint64_t n = 1; n <= 10; ++n)
    {
        state::StateDiff d;
        touch(d, addr(1), n);
        c.commit(d);
    }
    EXPECT_EQ(c.db->oldest_state_block(), 0u);
    EXPECT_EQ(c.db->history_entry_count(), 10u);
    EXPECT_FALSE((*c.db->state_at(0))->read_account(addr(1)));
    EXPECT_EQ((*c.db->state_at(3))->read_account(addr(1))->balance, U256{3});
}

TEST(History, ShrinkingTheWindowOnReopenPrunesGradually)
{
    TempDir dir;
    const Address a = addr(1);
    chain::BlockHeader head;
    {
        Chain c(opts(dir.path(), 128, true));
        for (uint64_t n = 1; n <= 200; ++n)
        {
            state::StateDiff d;
            touch(d, a, n);
            c.commit(d);
        }
        head = c.head;
        EXPECT_EQ(c.db->history_entry_count(), 200u);
    }
    auto db = std::move(ChainDb::open(opts(dir.path(), 10)).value());
    // the window applies at once; the deletion catches up a bounded number of blocks per commit
    EXPECT_EQ(db->oldest_state_block(), 190u);
    EXPECT_FALSE(db->state_at(150));
    for (uint64_t n = 201; n <= 205; ++n)
    {
        std::vector<execution::Receipt> receipts;
        const auto b = make_block(head, 0, receipts);
        state::StateDiff d;
        touch(d, a, n);
        ASSERT_TRUE(db->commit_block(b, receipts, d));
        head = b.header;
    }
    EXPECT_EQ(db->oldest_state_block(), 195u);
    EXPECT_EQ(db->history_entry_count(), 10u);
    EXPECT_EQ((*db->state_at(195))->read_account(a)->balance, U256{195});
    EXPECT_FALSE(db->state_at(194));
}

TEST(History, StateAtSurvivesLaterCommits)
{
    Chain c(opts("", 1));
    state::StateDiff d;
    touch(d, addr(1), 1);
    c.commit(d);
    auto v = std::move(c.db->state_at(0).value());
    for (uint64_t n = 2; n <= 5; ++n)  // prunes block 1's history; the snapshot keeps it
    {
        state::StateDiff dn;
        touch(dn, addr(1), n);
        c.commit(dn);
    }
    EXPECT_FALSE(v->read_account(addr(1)));
    EXPECT_FALSE(c.db->state_at(0));
}

TEST(History, ChainDbIsTheStateRootTrackersSource)
{
    // Random blocks; the tracker driven through the db (stage with the db as source, commit
    // after the block is written) and a tracker rebuilt from the db both match the reference.
    std::mt19937_64 rng(7);
    Chain c;
    chain::StateRootTracker incremental;
    for (uint64_t n = 1; n <= 30; ++n)
    {
        state::StateDiff d;
        for (int t = 0; t < 3; ++t)
        {
            const Address a = addr(rng() % 5);
            if (rng() % 8 == 0)
            {
                d.accounts[a] = del(a).accounts.at(a);
                continue;
            }
            auto& ad = touch(d, a, rng() % 100);
            ad.deleted = false;
            ad.storage_cleared = rng() % 6 == 0;
            for (int w = 0; w < 3; ++w)
                ad.storage[rng() % 8] = rng() % 4;
        }
        const Hash256 root = incremental.stage(d, *c.db);
        c.commit(d);
        incremental.commit();
        EXPECT_EQ(root, execution::state_root(c.states.back())) << n;
    }
    chain::StateRootTracker rebuilt;
    rebuilt.rebuild(*c.db);
    EXPECT_EQ(rebuilt.root(), execution::state_root(c.states.back()));
}
