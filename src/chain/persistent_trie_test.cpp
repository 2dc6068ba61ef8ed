#include "chain/persistent_trie.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/rlp_decode.hpp"
#include "trie/trie_builder.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

using namespace tern;
using namespace tern::chain;

namespace {

Hash256 key_of(uint64_t i)
{
    const uint8_t b[8] = {static_cast<uint8_t>(i),
                          static_cast<uint8_t>(i >> 8),
                          static_cast<uint8_t>(i >> 16),
                          static_cast<uint8_t>(i >> 24),
                          0,
                          0,
                          0,
                          1};
    return keccak256(BytesView{b, 8});
}

Hash256 reference_root(const std::map<Hash256, Bytes>& m)
{
    trie::TrieBuilder b;
    for (const auto& [k, v] : m)
        b.put(k.view(), v);
    return b.root();
}

TEST(PersistentTrie, EmptyAndSingle)
{
    PersistentTrie t;
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.root_hash(), kEmptyTrieRoot);
    EXPECT_EQ(t.get(key_of(1)), nullptr);
    const Bytes v = {0x01};
    t.put(key_of(1), v);
    EXPECT_EQ(t.size(), 1u);
    ASSERT_NE(t.get(key_of(1)), nullptr);
    EXPECT_EQ(*t.get(key_of(1)), v);
    EXPECT_EQ(t.root_hash(), reference_root({{key_of(1), v}}));
    t.erase(key_of(2));  // absent: no change
    EXPECT_EQ(t.size(), 1u);
    t.erase(key_of(1));
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.root_hash(), kEmptyTrieRoot);
}

TEST(PersistentTrie, SharedPrefixKeys)
{
    // Keys sharing long prefixes force extensions and deep branches.
    std::map<Hash256, Bytes> ref;
    PersistentTrie t;
    Hash256 base = key_of(7);
    for (int i = 0; i < 40; ++i)
    {
        Hash256 k = base;
        k[31] = static_cast<uint8_t>(i);      // differ in the last byte
        k[16] = static_cast<uint8_t>(i % 3);  // and sometimes in the middle
        const Bytes v(static_cast<size_t>(1 + i % 40), static_cast<uint8_t>(i + 1));
        t.put(k, v);
        ref[k] = v;
        ASSERT_EQ(t.root_hash(), reference_root(ref)) << i;
    }
    for (int i = 0; i < 40; i += 2)
    {
        Hash256 k = base;
        k[31] = static_cast<uint8_t>(i);
        k[16] = static_cast<uint8_t>(i % 3);
        t.erase(k);
        ref.erase(k);
        ASSERT_EQ(t.root_hash(), reference_root(ref)) << i;
    }
    EXPECT_EQ(t.size(), ref.size());
}

TEST(PersistentTrie, RandomOperationsMatchReference)
{
    std::mt19937_64 rng(42);
    PersistentTrie t;
    std::map<Hash256, Bytes> ref;
    for (int round = 0; round < 60; ++round)
    {
        const int ops = 1 + static_cast<int>(rng() % 80);
        for (int i = 0; i < ops; ++i)
        {
            const Hash256 k = key_of(rng() % 300);
            if (rng() % 3 == 0)
            {
                t.erase(k);
                ref.erase(k);
            }
            else
            {
                Bytes v(1 + rng() % 70);
                for (auto& b : v)
                    b = static_cast<uint8_t>(rng());
                t.put(k, v);
                ref[k] = v;
            }
        }
        ASSERT_EQ(t.size(), ref.size());
        ASSERT_EQ(t.root_hash(), reference_root(ref)) << "round " << round;
        for (const auto& [k, v] : ref)
        {
            const Bytes* got = t.get(k);
            ASSERT_NE(got, nullptr);
            ASSERT_EQ(*got, v);
        }
    }
    // Delete everything.
    for (const auto& [k, v] : ref)
        t.erase(k);
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.root_hash(), kEmptyTrieRoot);
}

TEST(PersistentTrie, SnapshotsAreIndependent)
{
    PersistentTrie a;
    for (uint64_t i = 0; i < 100; ++i)
        a.put(key_of(i), Bytes{static_cast<uint8_t>(i + 1)});
    const Hash256 root_a = a.root_hash();
    PersistentTrie b = a;  // O(1) snapshot
    b.put(key_of(5), Bytes{0xff, 0xee});
    b.erase(key_of(6));
    b.put(key_of(1000), Bytes{1});
    EXPECT_EQ(a.root_hash(), root_a);
    EXPECT_EQ(*a.get(key_of(5)), Bytes{6});
    ASSERT_NE(a.get(key_of(6)), nullptr);
    EXPECT_EQ(a.get(key_of(1000)), nullptr);
    EXPECT_NE(b.root_hash(), root_a);
    EXPECT_EQ(a.size(), 100u);
    EXPECT_EQ(b.size(), 100u);
    // Undoing b's changes gives a's root again.
    b.put(key_of(5), Bytes{6});
    b.put(key_of(6), Bytes{7});
    b.erase(key_of(1000));
    EXPECT_EQ(b.root_hash(), root_a);
    // Putting an equal value keeps the same root.
    b.put(key_of(5), Bytes{6});
    EXPECT_EQ(b.root_hash(), root_a);
    // Empty value erases.
    b.put(key_of(5), Bytes{});
    EXPECT_EQ(b.get(key_of(5)), nullptr);
}

TEST(PersistentTrie, ProofWalksToTheLeaf)
{
    PersistentTrie t;
    for (uint64_t i = 0; i < 50; ++i)
        t.put(key_of(i), Bytes(40, static_cast<uint8_t>(i)));
    const Hash256 root = t.root_hash();
    const auto proof = t.prove(key_of(17));
    ASSERT_GE(proof.size(), 2u);
    EXPECT_EQ(keccak256(proof[0]), root);
    // Each node's hash appears in its parent.
    for (size_t i = 1; i < proof.size(); ++i)
    {
        const Hash256 h = keccak256(proof[i]);
        const auto& parent = proof[i - 1];
        const auto it = std::search(parent.begin(), parent.end(), h.bytes.begin(), h.bytes.end());
        EXPECT_NE(it, parent.end()) << i;
    }
    // The last node is a leaf holding the value.
    auto leaf = rlp::decode_item_exact(proof.back());
    ASSERT_TRUE(leaf);
    ASSERT_EQ(leaf->items.size(), 2u);
    EXPECT_EQ(leaf->items[1].bytes, Bytes(40, 17));
    // Absent keys still get a (non-membership) path.
    EXPECT_FALSE(t.prove(key_of(999)).empty());
    EXPECT_TRUE(PersistentTrie{}.prove(key_of(1)).empty());
}

}  // namespace

namespace {

TEST(PersistentTrie, InPlaceUpdatesNeverLeakIntoSnapshots)
{
    // Interleave snapshots and updates: every snapshot keeps the root it had when taken.
    std::mt19937_64 rng(99);
    PersistentTrie t;
    std::vector<std::pair<PersistentTrie, Hash256>> snaps;
    std::map<Hash256, Bytes> ref;
    for (int round = 0; round < 300; ++round)
    {
        const Hash256 k = key_of(rng() % 64);
        if (rng() % 4 == 0)
        {
            t.erase(k);
            ref.erase(k);
        }
        else
        {
            const Bytes v(1 + rng() % 40, static_cast<uint8_t>(rng()));
            t.put(k, v);
            ref[k] = v;
        }
        if (rng() % 5 == 0)
        {
            const Hash256 root = t.root_hash();
            ASSERT_EQ(root, reference_root(ref));
            snaps.emplace_back(t, root);
        }
        if (rng() % 7 == 0 && !snaps.empty())
            snaps.erase(snaps.begin() + static_cast<std::ptrdiff_t>(rng() % snaps.size()));
    }
    ASSERT_EQ(t.root_hash(), reference_root(ref));
    for (const auto& [s, root] : snaps)
        EXPECT_EQ(s.root_hash(), root);
    // Updating a snapshot does not touch the original either.
    if (!snaps.empty())
    {
        const Hash256 before = t.root_hash();
        PersistentTrie s = snaps.front().first;
        snaps.clear();
        for (uint64_t i = 0; i < 64; ++i)
            s.put(key_of(i), Bytes{0x42});
        EXPECT_EQ(t.root_hash(), before);
    }
}

}  // namespace
