// Replays ethereum/tests BlockchainTests/ValidBlocks (Cancun) through BlockBuilder and
// StateRootTracker: each block is rebuilt from its parent, its header attributes and its
// transactions, and the rebuilt block must hash to the fixture's hash (so the state root,
// receipts root, bloom, gas used and every other field match); the last block hash and the
// post-state must match too. Fixture folder: TERN_FIXTURES_DIR.
#include "chain/block_builder.hpp"
#include "chain/genesis.hpp"
#include "core/hex.hpp"
#include "evm/vm.hpp"
#include "execution/state_root.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

Hash256 hex_hash(const json& j)
{
    return fixed_from_hex<Hash256>(j.get<std::string>()).value_or(Hash256{});
}

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

/// Runs one test; returns an empty string on success, else what went wrong.
std::string run_test(const std::string& name, const json& t, evm::Vm& vm, size_t& blocks_run)
{
    auto spec = parse_genesis(genesis_json(t));
    if (!spec)
        return spec.error();
    state::MemoryBackend backend;
    load_genesis_state(*spec, backend);
    MemoryStateSource source(backend);
    StateRootTracker tracker;
    tracker.rebuild(source);

    std::vector<BlockHeader> chain{genesis_block(*spec).header};
    std::vector<Hash256> hashes{chain.back().hash()};
    if (hashes.back() != hex_hash(t.at("genesisBlockHeader").at("hash")))
        return "genesis hash";

    for (const auto& jb : t.at("blocks"))
    {
        auto bytes = from_hex(jb.at("rlp").get<std::string>());
        auto decoded = decode_block(*bytes);
        if (!decoded)
            return "decode: " + decoded.error().message();
        Block& fixture = *decoded;
        if (!recover_senders(fixture, 1))
            return "senders";
        const BlockHeader& fh = fixture.header;
        const BlockHeader& parent = chain.back();
        if (fh.parent_hash != hashes.back())
            return "fixture parent is not the previous block (forks are not replayed)";
        if (eip1559_next_base_fee(parent) != fh.base_fee)
            return "EIP-1559 base fee rule disagrees with the fixture";

        BlockAttributes attrs;
        attrs.timestamp = fh.timestamp;
        attrs.coinbase = fh.coinbase;
        attrs.prev_randao = fh.mix_hash;
        attrs.gas_limit = fh.gas_limit;
        attrs.base_fee = fh.base_fee;
        attrs.extra_data = fh.extra_data;
        attrs.parent_beacon_block_root = fh.parent_beacon_block_root;
        attrs.withdrawals = fixture.withdrawals;
        BlockBuilder builder(
            parent, backend, 1, attrs,
            [&](uint64_t n) { return n < hashes.size() ? hashes[n] : Hash256{}; }, vm);
        for (size_t i = 0; i < fixture.transactions.size(); ++i)
        {
            auto r = builder.try_add(fixture.transactions[i], fixture.senders[i]);
            if (!r)
                return "tx " + std::to_string(i) + " rejected: " + r.error().message();
        }
        BuiltBlock built = builder.finish(tracker, source);
        const BlockHeader& bh = built.block.header;
        if (bh.state_root != fh.state_root)
            return "block " + std::to_string(fh.number) + " state root";
        if (bh.receipts_root != fh.receipts_root)
            return "block " + std::to_string(fh.number) + " receipts root";
        if (bh.logs_bloom != fh.logs_bloom)
            return "block " + std::to_string(fh.number) + " bloom";
        if (bh.gas_used != fh.gas_used)
            return "block " + std::to_string(fh.number) + " gas used";
        if (bh.excess_blob_gas != fh.excess_blob_gas || bh.blob_gas_used != fh.blob_gas_used)
            return "block " + std::to_string(fh.number) + " blob gas";
        if (built.hash != hex_hash(jb.at("blockHeader").at("hash")))
            return "block " + std::to_string(fh.number) + " hash";
        if (encode_block(built.block) != *bytes)
            return "block " + std::to_string(fh.number) + " encoding";
        backend.apply(built.diff);
        tracker.commit();
        if (tracker.root() != execution::state_root(backend))
            return "tracker root after commit";
        chain.push_back(bh);
        hashes.push_back(built.hash);
        ++blocks_run;
    }
    if (hashes.back() != hex_hash(t.at("lastblockhash")))
        return "last block hash";
    // Post-state: every account of the fixture with its balance, nonce and storage (or only
    // its hash for large post-states).
    if (t.contains("postStateHash"))
    {
        if (execution::state_root(backend) != hex_hash(t.at("postStateHash")))
            return "post state hash";
        return {};
    }
    const auto& post = t.at("postState");
    size_t n = 0;
    for (const auto& [addr_hex, acc] : post.items())
    {
        ++n;
        const Address addr = *fixed_from_hex<Address>(addr_hex);
        const auto it = backend.accounts().find(addr);
        if (it == backend.accounts().end())
            return "post: missing account " + addr_hex;
        if (it->second.info.balance != *U256::from_string(acc.at("balance").get<std::string>()))
            return "post: balance of " + addr_hex;
        if (U256{it->second.info.nonce} != *U256::from_string(acc.at("nonce").get<std::string>()))
            return "post: nonce of " + addr_hex;
        if (it->second.storage.size() != acc.at("storage").size())
            return "post: storage size of " + addr_hex;
    }
    if (n != backend.accounts().size())
        return "post: account count";
    (void)name;
    return {};
}

TEST(BlockBuilderFixtures, ReplayValidBlocks)
{
    const auto files = fixture_files();
    ASSERT_FALSE(files.empty()) << "no fixtures under " << fixtures_dir();
    evm::Vm vm;
    size_t tests = 0;
    size_t blocks = 0;
    std::vector<std::string> failures;
    for (const auto& path : files)
    {
        std::ifstream in(path);
        const json doc = json::parse(in);
        for (const auto& [name, t] : doc.items())
        {
            if (t.at("network").get<std::string>() != "Cancun")
                continue;
            ++tests;
            const std::string err = run_test(name, t, vm, blocks);
            if (!err.empty())
                failures.push_back(path.filename().string() + " " + name + ": " + err);
        }
    }
    for (const auto& f : failures)
        ADD_FAILURE() << f;
    EXPECT_GT(tests, 400u);
    std::printf("replayed %zu tests, %zu blocks, %zu failures\n", tests, blocks, failures.size());
}

}  // namespace
