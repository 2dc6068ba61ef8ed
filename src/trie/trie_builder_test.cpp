#include "trie/trie_builder.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

using namespace tern;
using namespace tern::trie;

namespace {
Bytes b(std::string_view s)
{
    return to_bytes(as_bytes(s));
}

Bytes hx(std::string_view s)
{
    return *from_hex(s);
}

/// RLP list of already-encoded items, built by hand for expected values.
Bytes list(std::initializer_list<Bytes> items)
{
    Bytes payload;
    for (const auto& i : items)
        payload.insert(payload.end(), i.begin(), i.end());
    return rlp::wrap_list(payload);
}

Bytes str(BytesView s)
{
    return rlp::encode(s);
}

/// Reference to a child node: inline if its RLP is short, else RLP(keccak(node)).
Bytes ref(const Bytes& node)
{
    if (node.size() < 32)
        return node;
    return str(keccak256(node).view());
}

const Bytes kEmpty = {0x80};
}  // namespace

TEST(TrieBuilder, EmptyIsEmptyTrieRoot)
{
    TrieBuilder t;
    EXPECT_EQ(t.root(), kEmptyTrieRoot);
    EXPECT_EQ(compute_root({}), kEmptyTrieRoot);
    EXPECT_EQ(ordered_trie_root({}), kEmptyTrieRoot);
    t.put(b("a"), b("x"));
    t.erase(b("a"));
    EXPECT_EQ(t.root(), kEmptyTrieRoot);
    EXPECT_EQ(t.size(), 0u);
}

TEST(TrieBuilder, SingleLeafIsHashedEvenWhenShort)
{
    TrieBuilder t;
    t.put(b("dog"), b("puppy"));
    // Leaf: [hp(even leaf) = 0x20 ++ "dog", "puppy"]
    const Bytes leaf = list({str(hx("0x20646f67")), str(b("puppy"))});
    ASSERT_LT(leaf.size(), 32u);
    EXPECT_EQ(t.root(), keccak256(leaf));
}

TEST(TrieBuilder, BranchWithInlineChildrenAndValue)
{
    // Keys "" (value at the branch), 0x10 and 0x20: a branch at depth 0 holding two leaves.
    TrieBuilder t;
    t.put({}, b("root-value"));
    t.put(hx("0x10"), b("a"));
    t.put(hx("0x20"), b("b"));
    // Leaves after nibble 1 / 2: remaining path is the single nibble 0 -> odd leaf 0x30.
    const Bytes leaf1 = list({str(hx("0x30")), str(b("a"))});
    const Bytes leaf2 = list({str(hx("0x30")), str(b("b"))});
    std::vector<Bytes> items(17, kEmpty);
    items[1] = ref(leaf1);
    items[2] = ref(leaf2);
    items[16] = str(b("root-value"));
    Bytes payload;
    for (const auto& i : items)
        payload.insert(payload.end(), i.begin(), i.end());
    EXPECT_EQ(t.root(), keccak256(rlp::wrap_list(payload)));
}

TEST(TrieBuilder, ExtensionWithHashedBranchChildren)
{
    // Two 4-byte keys sharing 0xabcd, with long values so the leaves are referenced by hash.
    const Bytes k1 = hx("0xabcd1234"), k2 = hx("0xabcd5678");
    const Bytes v1(40, 0x11), v2(40, 0x22);
    TrieBuilder t;
    t.put(k2, v2);
    t.put(k1, v1);
    const Bytes leaf1 = list({str(hx("0x3234")), str(v1)});  // path after nibble 1: 2,3,4
    const Bytes leaf2 = list({str(hx("0x3678")), str(v2)});
    ASSERT_GE(leaf1.size(), 32u);
    std::vector<Bytes> items(17, kEmpty);
    items[1] = ref(leaf1);
    items[5] = ref(leaf2);
    Bytes payload;
    for (const auto& i : items)
        payload.insert(payload.end(), i.begin(), i.end());
    const Bytes branch = rlp::wrap_list(payload);
    const Bytes ext = list({str(hx("0x00abcd")), ref(branch)});
    EXPECT_EQ(t.root(), keccak256(ext));
}

TEST(TrieBuilder, OddExtensionAndInlineBranch)
{
    // Keys 0x12 0x13 share one nibble: extension path [1] (0x11), branch at nibble 2/3 with
    // empty-path leaves (0x20).
    TrieBuilder t;
    t.put(hx("0x12"), b("x"));
    t.put(hx("0x13"), b("y"));
    const Bytes l2 = list({str(hx("0x20")), str(b("x"))});
    const Bytes l3 = list({str(hx("0x20")), str(b("y"))});
    std::vector<Bytes> items(17, kEmpty);
    items[2] = l2;
    items[3] = l3;
    Bytes payload;
    for (const auto& i : items)
        payload.insert(payload.end(), i.begin(), i.end());
    const Bytes branch = rlp::wrap_list(payload);
    ASSERT_LT(branch.size(), 32u);
    const Bytes ext = list({str(hx("0x11")), branch});
    EXPECT_EQ(t.root(), keccak256(ext));
}

TEST(TrieBuilder, WikiDogsExample)
{
    // The classic example: do, dog, doge, horse.
    TrieBuilder t;
    t.put(b("do"), b("verb"));
    t.put(b("dog"), b("puppy"));
    t.put(b("doge"), b("coin"));
    t.put(b("horse"), b("stallion"));
    EXPECT_EQ(to_hex(t.root()),
              "0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84");
}

TEST(TrieBuilder, LastPutWinsAndDeleteThenReAdd)
{
    TrieBuilder a;
    a.put(b("abc"), b("123"));
    a.put(b("abcd"), b("abcd"));
    a.put(b("abc"), b("abc"));
    TrieBuilder expected;
    expected.put(b("abcd"), b("abcd"));
    expected.put(b("abc"), b("abc"));
    EXPECT_EQ(a.root(), expected.root());
    EXPECT_EQ(to_hex(a.root()),
              "0x7a320748f780ad9ad5b0837302075ce0eeba6c26e3d8562c67ccc0f1b273298a");

    // Root is recomputable after more puts (re-normalising a sorted list plus new items).
    a.erase(b("abcd"));
    a.put(b("abcd"), b("again"));
    a.erase(b("abc"));
    TrieBuilder only;
    only.put(b("abcd"), b("again"));
    EXPECT_EQ(a.root(), only.root());
    EXPECT_EQ(a.size(), 1u);
    EXPECT_NE(a.root(), expected.root());
}

TEST(TrieBuilder, InsertionOrderDoesNotMatter)
{
    std::mt19937_64 rng(42);
    std::vector<std::pair<Bytes, Bytes>> pairs;
    for (int i = 0; i < 300; ++i)
    {
        Bytes k(1 + rng() % 6), v(1 + rng() % 50);
        for (auto& x : k)
            x = static_cast<uint8_t>(rng() % 4);  // small alphabet: many shared prefixes
        for (auto& x : v)
            x = static_cast<uint8_t>(rng());
        pairs.emplace_back(std::move(k), std::move(v));
    }
    // Make keys unique so that order cannot change which duplicate wins.
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end(),
                            [](const auto& x, const auto& y) { return x.first == y.first; }),
                pairs.end());
    const Hash256 r = compute_root(pairs);
    for (int round = 0; round < 5; ++round)
    {
        std::shuffle(pairs.begin(), pairs.end(), rng);
        EXPECT_EQ(compute_root(pairs), r);
    }
    EXPECT_NE(r, kEmptyTrieRoot);
}

TEST(TrieBuilder, RootOfSortedMatchesBuilder)
{
    std::vector<std::pair<Bytes, Bytes>> pairs = {
        {b("a"), b("1")}, {b("ab"), b("2")}, {b("b"), b("3")}};
    std::vector<EntryView> views;
    for (const auto& [k, v] : pairs)
        views.push_back({k, v});
    EXPECT_EQ(root_of_sorted(views), compute_root(pairs));
}

TEST(TrieBuilder, SecureHashesKeys)
{
    TrieBuilder secure(KeyMode::kSecure);
    secure.put(b("dog"), b("puppy"));
    TrieBuilder plain;
    const Hash256 hk = keccak256(as_bytes("dog"));
    plain.put(hk.view(), b("puppy"));
    EXPECT_EQ(secure.root(), plain.root());
    const std::vector<std::pair<Bytes, Bytes>> pairs = {{b("dog"), b("puppy")}};
    EXPECT_EQ(compute_secure_root(pairs), plain.root());
}

TEST(TrieBuilder, NextPrevOverSortedKeys)
{
    TrieBuilder t;
    t.put(b("wallace"), b("1"));
    t.put(b("cat"), b("1"));
    t.put(b("doge"), b("1"));
    t.put(b("gone"), b("1"));
    t.erase(b("gone"));
    EXPECT_EQ(t.next_key(b("")), b("cat"));
    EXPECT_EQ(t.next_key(b("cat")), b("doge"));
    EXPECT_EQ(t.next_key(b("dogerton")), b("wallace"));
    EXPECT_FALSE(t.next_key(b("wallace")).has_value());
    EXPECT_FALSE(t.prev_key(b("cat")).has_value());
    EXPECT_EQ(t.prev_key(b("catering")), b("cat"));
    EXPECT_EQ(t.prev_key(b("wallace")), b("doge"));
    EXPECT_EQ(t.prev_key(b("z")), b("wallace"));
}

TEST(OrderedTrieRoot, MatchesExplicitRlpIndexKeys)
{
    // Past index 127 the key encoding changes (0x81 xx), then 0x82 xx xx past 255; ordering of
    // rlp(i) is not numeric order (rlp(0) = 0x80 sorts after 1..127).
    std::vector<Bytes> items;
    TrieBuilder manual;
    for (uint64_t i = 0; i < 300; ++i)
    {
        items.push_back(b("item-" + std::to_string(i * 7919)));
        Bytes key;
        rlp::encode_uint(key, i);
        manual.put(key, items.back());
    }
    EXPECT_EQ(ordered_trie_root(items), manual.root());
    Bytes k0;
    rlp::encode_uint(k0, 0);
    EXPECT_EQ(k0, Bytes{0x80});
    // Dropping the last item changes the root.
    std::vector<Bytes> fewer(items.begin(), items.end() - 1);
    EXPECT_NE(ordered_trie_root(fewer), manual.root());
}

TEST(OrderedTrieRoot, SingleItem)
{
    const std::vector<Bytes> items = {b("hello")};
    const Bytes leaf = list({str(hx("0x2080")), str(b("hello"))});
    EXPECT_EQ(ordered_trie_root(items), keccak256(leaf));
}
