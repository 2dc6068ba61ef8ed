#include "state/state.hpp"
#include "state/memory_backend.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::state;

namespace {
const Address kA = address_from_u64(0xa);
const Address kB = address_from_u64(0xb);
const Address kC = address_from_u64(0xc);

MemoryBackend make_backend()
{
    MemoryBackend b;
    const uint8_t code[] = {0x60, 0x00, 0x00};
    b.put_account(kA, 1, U256{1000}, code, {{U256{1}, U256{11}}, {U256{2}, U256{0}}});
    b.put_account(kB, 0, U256{0}, {});  // empty account
    return b;
}
}  // namespace

TEST(State, ReadsThroughBackend)
{
    const auto backend = make_backend();
    State s{backend};
    EXPECT_TRUE(s.exists(kA));
    EXPECT_EQ(s.nonce(kA), 1u);
    EXPECT_EQ(s.balance(kA), U256{1000});
    EXPECT_EQ(s.code(kA).size(), 3u);
    EXPECT_EQ(s.storage(kA, U256{1}), U256{11});
    EXPECT_EQ(s.storage(kA, U256{2}), U256{0});
    EXPECT_TRUE(s.has_storage(kA));
    EXPECT_TRUE(s.exists(kB));
    EXPECT_TRUE(s.is_dead(kB));
    EXPECT_FALSE(s.exists(kC));
    EXPECT_TRUE(s.is_dead(kC));
    EXPECT_EQ(s.code_hash(kC), kEmptyCodeHash);
}

TEST(State, RevertUndoesEveryKindOfChange)
{
    const auto backend = make_backend();
    State s{backend};
    s.access_account(kA);
    const auto snap = s.snapshot();
    s.set_balance(kA, U256{5});
    s.set_nonce(kA, 7);
    s.set_storage(kA, U256{1}, U256{99});
    s.set_transient_storage(kA, U256{3}, U256{4});
    EXPECT_FALSE(s.access_account(kC));
    EXPECT_FALSE(s.access_storage(kA, U256{1}));
    s.create_account(kC);
    s.set_code(kC, Bytes{0x00});
    s.mark_created(kC);
    s.mark_destructed(kC);
    s.touch(kB);
    s.add_log({kA, {}, Bytes{1, 2}});

    EXPECT_EQ(s.balance(kA), U256{5});
    EXPECT_EQ(s.storage(kA, U256{1}), U256{99});
    EXPECT_EQ(s.original_storage(kA, U256{1}), U256{11});
    EXPECT_EQ(s.transient_storage(kA, U256{3}), U256{4});
    EXPECT_TRUE(s.is_warm(kC));
    EXPECT_TRUE(s.exists(kC));
    EXPECT_EQ(s.logs().size(), 1u);

    s.revert(snap);
    EXPECT_EQ(s.balance(kA), U256{1000});
    EXPECT_EQ(s.nonce(kA), 1u);
    EXPECT_EQ(s.storage(kA, U256{1}), U256{11});
    EXPECT_EQ(s.transient_storage(kA, U256{3}), U256{0});
    EXPECT_TRUE(s.is_warm(kA));  // warmed before the snapshot
    EXPECT_FALSE(s.is_warm(kC));
    EXPECT_FALSE(s.access_storage(kA, U256{1}));  // cold again
    EXPECT_FALSE(s.exists(kC));
    EXPECT_FALSE(s.is_created(kC));
    EXPECT_FALSE(s.is_destructed(kC));
    EXPECT_TRUE(s.logs().empty());
    EXPECT_EQ(s.code(kC).size(), 0u);

    // Touch was reverted: B survives finalisation even though it is empty.
    s.finalize_transaction();
    const auto diff = s.commit();
    EXPECT_FALSE(diff.accounts.contains(kB));
}

TEST(State, NestedSnapshots)
{
    const auto backend = make_backend();
    State s{backend};
    s.set_storage(kA, U256{1}, U256{1});
    const auto outer = s.snapshot();
    s.set_storage(kA, U256{1}, U256{2});
    const auto inner = s.snapshot();
    s.set_storage(kA, U256{1}, U256{3});
    s.revert(inner);
    EXPECT_EQ(s.storage(kA, U256{1}), U256{2});
    s.revert(outer);
    EXPECT_EQ(s.storage(kA, U256{1}), U256{1});
}

TEST(State, FinalizeClearsTouchedEmptyAndDestructed)
{
    const auto backend = make_backend();
    State s{backend};
    s.touch(kB);  // empty pre-state account: EIP-161 deletes it
    s.touch(kC);  // absent account touched: stays absent
    s.create_account(address_from_u64(0xd));
    s.set_nonce(address_from_u64(0xd), 1);
    s.mark_created(address_from_u64(0xd));
    s.set_storage(address_from_u64(0xd), U256{5}, U256{6});
    s.mark_destructed(address_from_u64(0xd));
    s.set_storage(kA, U256{1}, U256{12});
    s.set_transient_storage(kA, U256{1}, U256{1});
    s.access_account(kA);
    s.finalize_transaction();

    EXPECT_FALSE(s.exists(kB));
    EXPECT_FALSE(s.exists(kC));
    EXPECT_FALSE(s.exists(address_from_u64(0xd)));
    EXPECT_EQ(s.storage(address_from_u64(0xd), U256{5}), U256{0});
    EXPECT_EQ(s.original_storage(kA, U256{1}), U256{12});
    EXPECT_EQ(s.transient_storage(kA, U256{1}), U256{0});
    EXPECT_FALSE(s.is_warm(kA));

    auto backend2 = make_backend();
    const auto diff = s.commit();
    backend2.apply(diff);
    EXPECT_FALSE(backend2.read_account(kB).has_value());
    EXPECT_FALSE(backend2.read_account(kC).has_value());
    EXPECT_FALSE(backend2.read_account(address_from_u64(0xd)).has_value());
    EXPECT_EQ(backend2.read_storage(kA, U256{1}), U256{12});
    EXPECT_EQ(backend2.read_account(kA)->nonce, 1u);
}

TEST(State, CommitCarriesCodeAndStorageDeletion)
{
    auto backend = make_backend();
    State s{backend};
    s.create_account(kC);
    s.set_nonce(kC, 1);
    s.set_code(kC, Bytes{0x60, 0x01});
    s.set_storage(kA, U256{1}, U256{0});
    s.finalize_transaction();
    backend.apply(s.commit());
    EXPECT_EQ(backend.read_code(backend.read_account(kC)->code_hash)->size(), 2u);
    EXPECT_FALSE(backend.has_storage(kA));
}

TEST(State, TouchedNonEmptyAccountSurvives)
{
    const auto backend = make_backend();
    State s{backend};
    s.touch(kA);
    s.add_balance(kB, U256{1});
    s.touch(kB);
    s.finalize_transaction();
    EXPECT_TRUE(s.exists(kA));
    EXPECT_TRUE(s.exists(kB));
    EXPECT_EQ(s.balance(kB), U256{1});
}

TEST(State, BlobsAreJournaledAndCommitted)
{
    MemoryBackend backend;
    State s{backend};
    const Bytes kept = {1, 2, 3};
    const Bytes dropped = {4, 5};
    const Hash256 kept_hash = s.put_blob(kept);
    EXPECT_EQ(kept_hash, keccak256(kept));
    const Snapshot before = s.snapshot();
    const Hash256 dropped_hash = s.put_blob(dropped);
    ASSERT_TRUE(s.blob(dropped_hash));
    s.revert(before);
    EXPECT_FALSE(s.blob(dropped_hash));  // a reverted put leaves nothing behind
    ASSERT_TRUE(s.blob(kept_hash));
    EXPECT_EQ(*s.blob(kept_hash), kept);
    s.finalize_transaction();
    EXPECT_TRUE(s.blob(kept_hash));  // blobs outlive the transaction until the commit

    const StateDiff diff = s.commit();
    ASSERT_EQ(diff.blobs.size(), 1u);
    EXPECT_EQ(*diff.blobs.at(kept_hash), kept);
    EXPECT_FALSE(backend.read_blob(kept_hash));
    backend.apply(diff);
    ASSERT_TRUE(backend.read_blob(kept_hash));
    EXPECT_EQ(*backend.read_blob(kept_hash), kept);
    EXPECT_EQ(*s.blob(kept_hash), kept);  // now read through the backend
    EXPECT_TRUE(s.commit().blobs.empty());
}
