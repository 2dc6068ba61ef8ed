#include "chain/state_root_tracker.hpp"

#include "core/keccak.hpp"
#include "core/rlp_decode.hpp"
#include "execution/state_root.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace tern;
using namespace tern::chain;

namespace {

/// Counts storage scans so tests can check that loading is lazy.
class CountingSource final : public StateSource
{
public:
    explicit CountingSource(const state::MemoryBackend& b) : inner_(b) {}
    void for_each_account(const AccountVisitor& fn) const override
    {
        ++account_scans;
        inner_.for_each_account(fn);
    }
    void for_each_storage(const Address& addr, const StorageVisitor& fn) const override
    {
        ++storage_scans;
        inner_.for_each_storage(addr, fn);
    }
    mutable int account_scans = 0;
    mutable int storage_scans = 0;

private:
    MemoryStateSource inner_;
};

/// A random diff over a small address space, consistent with `backend` (deletions only of
/// existing accounts).
state::StateDiff random_diff(std::mt19937_64& rng, const state::MemoryBackend& backend)
{
    state::StateDiff diff;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i)
    {
        const Address addr = address_from_u64(1 + rng() % 25);
        state::AccountDiff d;
        d.address = addr;
        const bool exists = backend.accounts().contains(addr);
        const auto op = rng() % 10;
        if (op == 0 && exists)
            d.deleted = true;
        else
        {
            d.info.nonce = rng() % 5;
            d.info.balance = U256{rng() % 1000};
            if (rng() % 4 == 0)
                d.info.code_hash = keccak256(addr.view());
            if (op == 1)
                d.storage_cleared = true;
            const int slots = static_cast<int>(rng() % 6);
            for (int s = 0; s < slots; ++s)
                d.storage[U256{rng() % 12}] = rng() % 3 == 0 ? U256{} : U256{rng()};
        }
        diff.accounts[addr] = d;
    }
    return diff;
}

TEST(StateRootTracker, EmptyState)
{
    StateRootTracker t;
    EXPECT_EQ(t.root(), kEmptyTrieRoot);
    state::MemoryBackend b;
    t.rebuild(MemoryStateSource(b));
    EXPECT_EQ(t.root(), kEmptyTrieRoot);
    EXPECT_FALSE(t.storage_root(address_from_u64(1)));
}

TEST(StateRootTracker, RebuildMatchesStateRoot)
{
    state::MemoryBackend b;
    for (uint64_t i = 1; i <= 50; ++i)
    {
        std::map<U256, U256> storage;
        for (uint64_t s = 0; s < i % 7; ++s)
            storage[U256{s}] = U256{i * 100 + s};
        const Bytes code = i % 3 == 0 ? Bytes{0x60, static_cast<uint8_t>(i)} : Bytes{};
        b.put_account(address_from_u64(i), i, U256{i * 1000}, code, storage);
    }
    CountingSource src(b);
    StateRootTracker t;
    t.rebuild(src);
    EXPECT_EQ(t.root(), execution::state_root(b));
    EXPECT_EQ(src.account_scans, 1);
    EXPECT_EQ(*t.storage_root(address_from_u64(6)),
              execution::storage_root(b.accounts().at(address_from_u64(6)).storage));
    EXPECT_EQ(t.loaded_storage_tries(), 0u);  // storage tries load lazily
}

TEST(StateRootTracker, RandomDiffsMatchFullRecompute)
{
    std::mt19937_64 rng(7);
    state::MemoryBackend b;
    for (uint64_t i = 1; i <= 10; ++i)
        b.put_account(address_from_u64(i), 0, U256{i}, {},
                      {{U256{1}, U256{i}}, {U256{2}, U256{5}}});
    CountingSource src(b);
    StateRootTracker t;
    t.rebuild(src);
    for (int block = 0; block < 200; ++block)
    {
        const auto diff = random_diff(rng, b);
        const Hash256 staged = t.stage(diff, src);
        if (block % 5 == 4)
        {
            // A failed commit: the head is unchanged and the same diff can be staged again.
            t.discard();
            EXPECT_FALSE(t.has_staged());
            ASSERT_EQ(t.root(), execution::state_root(b));
            ASSERT_EQ(t.stage(diff, src), staged);
        }
        b.apply(diff);
        ASSERT_EQ(staged, execution::state_root(b)) << "block " << block;
        t.commit();
        ASSERT_EQ(t.root(), staged);
        for (uint64_t i = 1; i <= 25; ++i)
        {
            const auto it = b.accounts().find(address_from_u64(i));
            const auto r = t.storage_root(address_from_u64(i));
            if (it == b.accounts().end())
                ASSERT_FALSE(r);
            else
                ASSERT_EQ(*r, execution::storage_root(it->second.storage)) << i;
        }
    }
    // Only storage tries of accounts whose storage changed were ever scanned, once each.
    EXPECT_LE(src.storage_scans, 10 + 10);
}

TEST(StateRootTracker, StagingTwiceAccumulates)
{
    state::MemoryBackend b;
    b.put_account(address_from_u64(1), 0, U256{1}, {}, {{U256{1}, U256{1}}});
    StateRootTracker t;
    t.rebuild(MemoryStateSource(b));
    state::StateDiff d1;
    d1.accounts[address_from_u64(1)] = {
        address_from_u64(1), false, {1, U256{2}, kEmptyCodeHash}, nullptr, false,
        {{U256{2}, U256{9}}}};
    state::StateDiff d2;
    d2.accounts[address_from_u64(1)] = {
        address_from_u64(1), false, {2, U256{3}, kEmptyCodeHash}, nullptr, false,
        {{U256{1}, U256{0}}}};
    t.stage(d1, MemoryStateSource(b));
    const Hash256 r = t.stage(d2, MemoryStateSource(b));
    b.apply(d1);
    b.apply(d2);
    EXPECT_EQ(r, execution::state_root(b));
    t.commit();
    EXPECT_EQ(t.root(), r);
}

TEST(StateRootTracker, FromEmptyWithoutSource)
{
    // A tracker that saw every account being created never needs to scan.
    state::MemoryBackend b;
    StateRootTracker t;
    EmptyStateSource none;
    state::StateDiff genesis;
    for (uint64_t i = 1; i <= 5; ++i)
    {
        state::AccountDiff d;
        d.address = address_from_u64(i);
        d.info.balance = U256{i};
        d.storage[U256{i}] = U256{i};
        genesis.accounts[d.address] = d;
    }
    EXPECT_EQ(t.stage(genesis, none), [&] {
        b.apply(genesis);
        return execution::state_root(b);
    }());
    t.commit();
    state::StateDiff next;
    state::AccountDiff d;
    d.address = address_from_u64(3);
    d.info.balance = U256{77};
    d.storage[U256{9}] = U256{1};
    next.accounts[d.address] = d;
    const Hash256 r = t.stage(next, none);
    t.commit();
    b.apply(next);
    EXPECT_EQ(r, execution::state_root(b));
}

TEST(StateRootTracker, ProofsAtHead)
{
    state::MemoryBackend b;
    for (uint64_t i = 1; i <= 20; ++i)
        b.put_account(address_from_u64(i), 0, U256{i}, {},
                      {{U256{i}, U256{i}}, {U256{99}, U256{1}}});
    StateRootTracker t;
    MemoryStateSource src(b);
    t.rebuild(src);
    const auto ap = t.account_proof(address_from_u64(4));
    ASSERT_FALSE(ap.empty());
    EXPECT_EQ(keccak256(ap.front()), t.root());
    auto leaf = rlp::decode_item_exact(ap.back());
    ASSERT_TRUE(leaf);
    ASSERT_EQ(leaf->items.size(), 2u);
    const Bytes account_rlp = leaf->items[1].bytes;
    EXPECT_EQ(account_rlp, execution::encode_account(b.accounts().at(address_from_u64(4)).info,
                                                     *t.storage_root(address_from_u64(4))));
    const auto sp = t.storage_proof(address_from_u64(4), U256{99}, src);
    ASSERT_FALSE(sp.empty());
    EXPECT_EQ(keccak256(sp.front()), *t.storage_root(address_from_u64(4)));
    EXPECT_TRUE(t.storage_proof(address_from_u64(500), U256{1}, src).empty());
}

}  // namespace
