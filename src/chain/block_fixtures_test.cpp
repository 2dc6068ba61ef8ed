// Conformance of the block codecs against ethereum/tests BlockchainTests/ValidBlocks (Cancun):
// every genesis and block RLP decodes strictly, re-encodes to the same bytes, hashes to the
// fixture's hash, and its transactions and withdrawals roots match the header. Fixture folder:
// TERN_FIXTURES_DIR (compile definition, overridable by the environment variable).
#include "chain/block.hpp"
#include "chain/genesis.hpp"
#include "core/hex.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::chain;
using nlohmann::json;

namespace {

std::filesystem::path fixtures_dir()
{
    if (const char* env = std::getenv("TERN_FIXTURES_DIR"); env != nullptr && *env != '\0')
        return env;
    return TERN_FIXTURES_DIR;
}

std::vector<std::filesystem::path> fixture_files()
{
    std::vector<std::filesystem::path> out;
    const auto dir = fixtures_dir() / "BlockchainTests" / "ValidBlocks";
    if (!std::filesystem::exists(dir))
        return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".json")
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

Bytes hex_bytes(const json& j)
{
    auto b = from_hex(j.get<std::string>());
    EXPECT_TRUE(b.has_value());
    return b.value_or(Bytes{});
}

Hash256 hex_hash(const json& j)
{
    auto h = fixed_from_hex<Hash256>(j.get<std::string>());
    EXPECT_TRUE(h.has_value());
    return h.value_or(Hash256{});
}

/// Checks one block's RLP against its JSON header; returns false (with failures) on mismatch.
void check_block(const std::string& name, const Bytes& rlp, const json& header)
{
    auto block = decode_block(rlp);
    ASSERT_TRUE(block) << name << ": " << block.error().message();
    EXPECT_EQ(encode_block(*block), rlp) << name;
    EXPECT_EQ(block->header.hash(), hex_hash(header.at("hash"))) << name;
    EXPECT_EQ(block->header.state_root, hex_hash(header.at("stateRoot"))) << name;
    EXPECT_EQ(block->header.receipts_root, hex_hash(header.at("receiptTrie"))) << name;
    EXPECT_EQ(transactions_root(block->transactions), block->header.transactions_root) << name;
    EXPECT_EQ(withdrawals_root(block->withdrawals), block->header.withdrawals_root) << name;

    // The header alone round-trips too.
    const Bytes h = block->header.encode();
    auto again = BlockHeader::decode(h);
    ASSERT_TRUE(again) << name;
    EXPECT_EQ(*again, block->header);

    // The body alone round-trips.
    const Bytes body = encode_body(block->transactions, block->withdrawals);
    auto b2 = decode_body(body);
    ASSERT_TRUE(b2) << name;
    EXPECT_EQ(b2->transactions.size(), block->transactions.size());
    EXPECT_EQ(encode_body(b2->transactions, b2->withdrawals), body);

    // Senders recover (chain id 1 in the fixtures).
    EXPECT_TRUE(recover_senders(*block, 1)) << name;
    EXPECT_EQ(block->senders.size(), block->transactions.size());
}

/// The fixture's genesis as a geth genesis file (chain id 1, its pre-state as alloc).
json genesis_json(const json& t)
{
    const json& h = t.at("genesisBlockHeader");
    json doc;
    doc["config"] = {{"chainId", 1}};
    doc["alloc"] = t.at("pre");
    for (const char* k :
         {"nonce", "timestamp", "extraData", "gasLimit", "difficulty", "mixHash", "coinbase",
          "baseFeePerGas", "excessBlobGas", "blobGasUsed", "parentHash", "number", "gasUsed"})
        doc[k] = h.at(k);
    return doc;
}

TEST(BlockFixtures, GenesisFromAllocMatchesGenesisHash)
{
    const auto files = fixture_files();
    ASSERT_FALSE(files.empty()) << "no fixtures under " << fixtures_dir();
    size_t tests = 0;
    for (const auto& path : files)
    {
        std::ifstream in(path);
        const json doc = json::parse(in);
        for (const auto& [name, t] : doc.items())
        {
            if (t.at("network").get<std::string>() != "Cancun")
                continue;
            ++tests;
            auto spec = parse_genesis(genesis_json(t));
            ASSERT_TRUE(spec) << name << ": " << spec.error();
            const Block g = genesis_block(*spec);
            ASSERT_EQ(g.header.state_root, hex_hash(t.at("genesisBlockHeader").at("stateRoot")))
                << name;
            ASSERT_EQ(g.header.hash(), hex_hash(t.at("genesisBlockHeader").at("hash"))) << name;
            ASSERT_EQ(encode_block(g), hex_bytes(t.at("genesisRLP"))) << name;
        }
    }
    EXPECT_GT(tests, 400u);
}

TEST(BlockFixtures, ValidBlocksHashesAndRoots)
{
    const auto files = fixture_files();
    ASSERT_FALSE(files.empty()) << "no fixtures under " << fixtures_dir();
    size_t tests = 0;
    size_t blocks = 0;
    for (const auto& path : files)
    {
        std::ifstream in(path);
        const json doc = json::parse(in);
        for (const auto& [name, t] : doc.items())
        {
            if (t.at("network").get<std::string>() != "Cancun")
                continue;
            ++tests;
            check_block(name + " genesis", hex_bytes(t.at("genesisRLP")),
                        t.at("genesisBlockHeader"));
            for (const auto& b : t.at("blocks"))
            {
                if (!b.contains("blockHeader"))
                    continue;
                ++blocks;
                check_block(name + " block " + std::to_string(blocks), hex_bytes(b.at("rlp")),
                            b.at("blockHeader"));
            }
            if (::testing::Test::HasFailure())
                return;
        }
    }
    EXPECT_GT(tests, 400u);
    EXPECT_GT(blocks, 800u);
    std::printf("checked %zu tests, %zu blocks\n", tests, blocks);
}

}  // namespace

namespace {

/// Mutated fixture blocks: decoding never crashes, and what decodes re-encodes to the input
/// (the decoders are strict, so no two encodings decode to the same block).
TEST(BlockFixtures, MutatedBlocksRoundTripOrFail)
{
    const auto files = fixture_files();
    ASSERT_FALSE(files.empty());
    std::mt19937_64 rng(1);
    size_t decoded = 0;
    size_t inputs = 0;
    for (size_t f = 0; f < files.size(); f += 7)
    {
        std::ifstream in(files[f]);
        const json doc = json::parse(in);
        for (const auto& [name, t] : doc.items())
        {
            for (const auto& b : t.at("blocks"))
            {
                const Bytes orig = hex_bytes(b.at("rlp"));
                for (int m = 0; m < 40; ++m)
                {
                    Bytes x = orig;
                    switch (rng() % 4)
                    {
                        case 0:
                            x[rng() % x.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
                            break;
                        case 1:
                            x.resize(rng() % x.size());
                            break;
                        case 2:
                            x.insert(x.begin() + static_cast<std::ptrdiff_t>(rng() % x.size()),
                                     static_cast<uint8_t>(rng()));
                            break;
                        default:
                            x[rng() % x.size()] = static_cast<uint8_t>(rng());
                            x[rng() % x.size()] = static_cast<uint8_t>(rng());
                            break;
                    }
                    ++inputs;
                    if (auto blk = decode_block(x))
                    {
                        ++decoded;
                        ASSERT_EQ(encode_block(*blk), x) << name;
                    }
                    const BytesView body = x.size() > 600 ? BytesView{x}.subspan(600) : BytesView{};
                    if (auto r = decode_receipt(body))
                    {
                        ASSERT_EQ(encode_receipt(*r), to_bytes(body));
                    }
                }
            }
        }
    }
    EXPECT_GT(inputs, 1000u);
    std::printf("mutated inputs %zu, still decodable %zu\n", inputs, decoded);
}

}  // namespace
