// Runs ethereum/tests TrieTests (and the transactions roots of a few blockchain-test blocks)
// against the trie builder. Fixture folder: TERN_FIXTURES_DIR (compile definition, overridable by
// the environment variable of the same name).
#include "core/hex.hpp"
#include "trie/trie_builder.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace tern;
using namespace tern::trie;
using nlohmann::json;

namespace {
std::filesystem::path fixtures_dir()
{
    if (const char* env = std::getenv("TERN_FIXTURES_DIR"); env != nullptr && *env != '\0')
        return env;
    return TERN_FIXTURES_DIR;
}

json load(const std::filesystem::path& rel)
{
    const auto path = fixtures_dir() / rel;
    std::ifstream in(path);
    if (!in)
        return json();
    return json::parse(in);
}

/// Fixture strings: "0x..." is hex, anything else the raw characters.
Bytes decode_string(const std::string& s)
{
    if (s.rfind("0x", 0) == 0)
    {
        auto b = from_hex(s);
        EXPECT_TRUE(b.has_value()) << s;
        return b.value_or(Bytes{});
    }
    return to_bytes(as_bytes(s));
}

/// Applies a fixture's "in" (list of [key, value|null] in order, or a key->value map) and
/// returns the number of cases that ran.
void apply_input(TrieBuilder& t, const json& in)
{
    if (in.is_array())
    {
        for (const auto& kv : in)
        {
            const Bytes key = decode_string(kv.at(0).get<std::string>());
            if (kv.at(1).is_null())
                t.erase(key);
            else
                t.put(key, decode_string(kv.at(1).get<std::string>()));
        }
    }
    else
    {
        for (const auto& [k, v] : in.items())
        {
            const Bytes key = decode_string(k);
            if (v.is_null())
                t.erase(key);
            else
                t.put(key, decode_string(v.get<std::string>()));
        }
    }
}

/// Runs every case of a TrieTests file; returns how many ran.
size_t run_root_file(const char* file, KeyMode mode)
{
    const json doc = load(std::filesystem::path("TrieTests") / file);
    if (doc.is_null())
        return 0;
    size_t n = 0;
    for (const auto& [name, test] : doc.items())
    {
        TrieBuilder t(mode);
        apply_input(t, test.at("in"));
        EXPECT_EQ(to_hex(t.root()), test.at("root").get<std::string>()) << file << " " << name;
        ++n;
    }
    return n;
}
}  // namespace

TEST(TrieFixtures, TrieTest)
{
    EXPECT_EQ(run_root_file("trietest.json", KeyMode::kPlain), 5u);
}

TEST(TrieFixtures, TrieAnyOrder)
{
    EXPECT_EQ(run_root_file("trieanyorder.json", KeyMode::kPlain), 7u);
}

TEST(TrieFixtures, TrieTestSecure)
{
    EXPECT_EQ(run_root_file("trietest_secureTrie.json", KeyMode::kSecure), 3u);
}

TEST(TrieFixtures, TrieAnyOrderSecure)
{
    EXPECT_EQ(run_root_file("trieanyorder_secureTrie.json", KeyMode::kSecure), 7u);
}

TEST(TrieFixtures, HexEncodedSecure)
{
    EXPECT_EQ(run_root_file("hex_encoded_securetrie_test.json", KeyMode::kSecure), 3u);
}

TEST(TrieFixtures, NextPrev)
{
    // "in" is a key list; each test is [key, prev, next] with "" meaning none.
    const json doc = load("TrieTests/trietestnextprev.json");
    ASSERT_FALSE(doc.is_null());
    size_t n = 0;
    for (const auto& [name, test] : doc.items())
    {
        TrieBuilder t;
        for (const auto& k : test.at("in"))
            t.put(decode_string(k.get<std::string>()), as_bytes("x"));
        for (const auto& c : test.at("tests"))
        {
            const Bytes key = decode_string(c.at(0).get<std::string>());
            const Bytes want_prev = decode_string(c.at(1).get<std::string>());
            const Bytes want_next = decode_string(c.at(2).get<std::string>());
            EXPECT_EQ(t.prev_key(key).value_or(Bytes{}), want_prev) << name << " " << c.dump();
            EXPECT_EQ(t.next_key(key).value_or(Bytes{}), want_next) << name << " " << c.dump();
            ++n;
        }
    }
    EXPECT_EQ(n, 12u);
}

namespace {
/// Minimal RLP walker for the test only: one item at `pos` of `in`.
struct RlpItem
{
    bool is_list;
    size_t begin;          ///< first byte of the header
    size_t payload_begin;  ///< first byte of the payload
    size_t end;            ///< one past the payload
};

RlpItem read_item(BytesView in, size_t pos)
{
    const uint8_t p = in[pos];
    auto long_len = [&](size_t n) {
        size_t len = 0;
        for (size_t i = 0; i < n; ++i)
            len = len << 8 | in[pos + 1 + i];
        return len;
    };
    if (p < 0x80)
        return {false, pos, pos, pos + 1};
    if (p <= 0xb7)
        return {false, pos, pos + 1, pos + 1 + (p - 0x80u)};
    if (p < 0xc0)
    {
        const size_t n = p - 0xb7u;
        return {false, pos, pos + 1 + n, pos + 1 + n + long_len(n)};
    }
    if (p <= 0xf7)
        return {true, pos, pos + 1, pos + 1 + (p - 0xc0u)};
    const size_t n = p - 0xf7u;
    return {true, pos, pos + 1 + n, pos + 1 + n + long_len(n)};
}

/// Checks the transactionsTrie of block `index` of blockchain test `test` in `file`.
void check_transactions_root(const char* file, const char* test, size_t index, size_t expect_txs)
{
    const json doc = load(std::filesystem::path("BlockchainTests/ValidBlocks") / file);
    ASSERT_FALSE(doc.is_null()) << file;
    const json& block = doc.at(test).at("blocks").at(index);
    const Bytes rlp = *from_hex(block.at("rlp").get<std::string>());
    const RlpItem whole = read_item(rlp, 0);
    ASSERT_TRUE(whole.is_list);
    ASSERT_EQ(whole.end, rlp.size());
    const RlpItem header = read_item(rlp, whole.payload_begin);
    const RlpItem txs = read_item(rlp, header.end);
    ASSERT_TRUE(txs.is_list);
    std::vector<Bytes> items;
    for (size_t pos = txs.payload_begin; pos < txs.end;)
    {
        const RlpItem tx = read_item(rlp, pos);
        // Legacy transactions are RLP lists and go in whole; typed ones are wrapped in an RLP
        // string whose content (type byte ++ payload) is the trie value.
        const size_t from = tx.is_list ? tx.begin : tx.payload_begin;
        items.emplace_back(rlp.begin() + static_cast<std::ptrdiff_t>(from),
                           rlp.begin() + static_cast<std::ptrdiff_t>(tx.end));
        pos = tx.end;
    }
    EXPECT_EQ(items.size(), expect_txs);
    EXPECT_EQ(to_hex(ordered_trie_root(items)),
              block.at("blockHeader").at("transactionsTrie").get<std::string>());
}
}  // namespace

TEST(TrieFixtures, TransactionsRootOfBlocks)
{
    check_transactions_root("bcEIP1559/intrinsic.json", "intrinsic_Cancun", 0, 61);
    check_transactions_root("bcValidBlockTest/eip2930.json", "eip2930_Cancun", 0, 14);
    check_transactions_root("bcStateTests/refundReset.json", "refundReset_Cancun", 0, 7);
}
