#include "chain/genesis.hpp"

#include "chain/dev_accounts.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/hex.hpp"
#include "execution/state_root.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

using namespace tern;
using namespace tern::chain;
using nlohmann::json;

namespace {

/// A genesis file as `geth --dev dumpgenesis` style tools write it.
const char* kGethGenesis = R"({
  "config": {
    "chainId": 1337,
    "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
    "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0,
    "muirGlacierBlock": 0, "berlinBlock": 0, "londonBlock": 0, "arrowGlacierBlock": 0,
    "grayGlacierBlock": 0, "shanghaiTime": 0, "cancunTime": 0,
    "terminalTotalDifficulty": 0, "terminalTotalDifficultyPassed": true,
    "blobSchedule": {"cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477}}
  },
  "nonce": "0x42",
  "timestamp": "0x6553f100",
  "extraData": "0x7465726e",
  "gasLimit": "0x1c9c380",
  "difficulty": "0x0",
  "mixHash": "0x0000000000000000000000000000000000000000000000000000000000000001",
  "coinbase": "0x0000000000000000000000000000000000000abc",
  "baseFeePerGas": "0x3b9aca00",
  "alloc": {
    "f39Fd6e51aad88F6F4ce6aB8827279cffFb92266": {"balance": "1000000000000000000000"},
    "0x0000000000000000000000000000000000001234": {
      "balance": "0x1",
      "nonce": "0x5",
      "code": "0x6001600055",
      "storage": {
        "0x00": "0x01",
        "0x0000000000000000000000000000000000000000000000000000000000000002": "0x1234",
        "0x03": "0x00"
      }
    }
  },
  "number": "0x0",
  "gasUsed": "0x0",
  "parentHash": "0x0000000000000000000000000000000000000000000000000000000000000000"
})";

Result<GenesisSpec, std::string> parse_with(const std::function<void(json&)>& edit)
{
    json doc = json::parse(kGethGenesis);
    edit(doc);
    return parse_genesis(doc);
}

/// Expects parsing to fail with a message containing `needle`.
void expect_refused(const std::function<void(json&)>& edit, const std::string& needle)
{
    auto r = parse_with(edit);
    ASSERT_FALSE(r) << "accepted; expected an error containing: " << needle;
    EXPECT_NE(r.error().find(needle), std::string::npos) << r.error();
}

TEST(Genesis, ParsesGethGenesis)
{
    auto r = parse_genesis_text(kGethGenesis);
    ASSERT_TRUE(r) << r.error();
    const GenesisSpec& g = *r;
    EXPECT_EQ(g.config.chain_id, 1337u);
    EXPECT_EQ(g.nonce, 0x42u);
    EXPECT_EQ(g.timestamp, 0x6553f100u);
    EXPECT_EQ(g.extra_data, (Bytes{'t', 'e', 'r', 'n'}));
    EXPECT_EQ(g.gas_limit, 30'000'000u);
    EXPECT_EQ(g.config.gas_limit, 30'000'000u);
    EXPECT_EQ(g.mix_hash[31], 1);
    EXPECT_EQ(g.coinbase, address_from_u64(0xabc));
    EXPECT_EQ(g.config.coinbase, address_from_u64(0xabc));
    EXPECT_EQ(g.base_fee, U256{1'000'000'000});
    EXPECT_EQ(g.config.base_fee, U256{1'000'000'000});
    EXPECT_EQ(g.config.base_fee_rule, BaseFeeRule::Fixed);
    EXPECT_TRUE(g.warnings.empty());
    ASSERT_EQ(g.alloc.size(), 2u);
    const auto& dev =
        g.alloc.at(*fixed_from_hex<Address>("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    EXPECT_EQ(dev.balance.to_dec(), "1000000000000000000000");
    const auto& c = g.alloc.at(address_from_u64(0x1234));
    EXPECT_EQ(c.nonce, 5u);
    EXPECT_EQ(c.code, (Bytes{0x60, 0x01, 0x60, 0x00, 0x55}));
    ASSERT_EQ(c.storage.size(), 2u);  // the zero slot is dropped
    EXPECT_EQ(c.storage.at(U256{0}), U256{1});
    EXPECT_EQ(c.storage.at(U256{2}), U256{0x1234});
}

TEST(Genesis, MinimalGenesisGetsTernDefaults)
{
    auto r = parse_genesis_text(R"({"config": {"chainId": "0x7a69"}, "alloc": {}})");
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->config.chain_id, 31337u);
    EXPECT_EQ(r->gas_limit, kDefaultGasLimit);
    EXPECT_EQ(r->config.gas_limit, kDefaultGasLimit);
    EXPECT_EQ(r->base_fee, U256{});
    EXPECT_EQ(r->config.base_fee, U256{});
    EXPECT_EQ(r->config.min_gas_price, U256{});
    EXPECT_TRUE(r->alloc.empty());
    const Block b = genesis_block(*r);
    EXPECT_EQ(b.header.state_root, kEmptyTrieRoot);
    EXPECT_EQ(b.header.number, 0u);
}

TEST(Genesis, TernSection)
{
    auto r = parse_with([](json& d) {
        d["tern"] = {{"baseFeeRule", "eip1559"},
                     {"baseFeePerGas", "7"},
                     {"minGasPrice", "1000"},
                     {"gasLimit", "0x3938700"},
                     {"coinbase", "0x00000000000000000000000000000000000000cc"}};
    });
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->config.base_fee_rule, BaseFeeRule::Eip1559);
    EXPECT_EQ(r->config.base_fee, U256{7});
    EXPECT_EQ(r->base_fee, U256{1'000'000'000});  // block 0 keeps the header's base fee
    EXPECT_EQ(r->config.min_gas_price, U256{1000});
    EXPECT_EQ(r->config.gas_limit, 60'000'000u);
    EXPECT_EQ(r->gas_limit, 30'000'000u);
    EXPECT_EQ(r->config.coinbase, address_from_u64(0xcc));

    // Without the header fields, the tern values apply to block 0 too.
    auto m = parse_genesis_text(
        R"({"config": {"chainId": 5}, "tern": {"baseFeePerGas": "0x9", "gasLimit": 50000000}})");
    ASSERT_TRUE(m) << m.error();
    EXPECT_EQ(m->base_fee, U256{9});
    EXPECT_EQ(m->gas_limit, 50'000'000u);
}

TEST(Genesis, RefusesWhatItCannotHonour)
{
    expect_refused([](json& d) { d["config"].erase("chainId"); }, "config.chainId: missing");
    expect_refused([](json& d) { d["config"]["chainId"] = 0; }, "config.chainId");
    expect_refused([](json& d) { d["config"]["londonBlock"] = 5; }, "config.londonBlock");
    expect_refused([](json& d) { d["config"]["berlinBlock"] = nullptr; }, "config.berlinBlock");
    expect_refused([](json& d) { d["config"]["cancunTime"] = "0x6553f101"; }, "config.cancunTime");
    expect_refused([](json& d) { d["config"]["pragueTime"] = 0; }, "config.pragueTime");
    expect_refused([](json& d) { d["config"]["osakaTime"] = 99999999999; }, "config.osakaTime");
    expect_refused([](json& d) { d["config"]["blobSchedule"]["prague"] = json::object(); },
                   "blobSchedule.prague");
    expect_refused([](json& d) { d["config"]["blobSchedule"]["cancun"]["max"] = 9; },
                   "blobSchedule.cancun.max");
    expect_refused([](json& d) { d["config"]["someFutureBlock"] = 10; }, "someFutureBlock");
    expect_refused([](json& d) { d.erase("config"); }, "config: missing");
    expect_refused([](json& d) { d["alloc"]["0x1234"] = {{"balance", "1"}}; }, "alloc.0x1234");
    expect_refused(
        [](json& d) {
            d["alloc"]["0x0000000000000000000000000000000000000001"] = {{"balance", "abc"}};
        },
        "balance");
    expect_refused(
        [](json& d) {
            d["alloc"]["0x0000000000000000000000000000000000000001"] = {{"balance", "-1"}};
        },
        "balance");
    expect_refused(
        [](json& d) {
            d["alloc"]["0x0000000000000000000000000000000000000001"] = {{"balance", "0x1"},
                                                                        {"code", "0x6g"}};
        },
        "code: invalid hex");
    expect_refused(
        [](json& d) {
            d["alloc"]["0x0000000000000000000000000000000000000001"] = {{"balance", "0x1"},
                                                                        {"code", "0x600"}};
        },
        "odd number");
    expect_refused(
        [](json& d) {
            d["alloc"]["0x0000000000000000000000000000000000000001"] = {
                {"balance", "0x1"}, {"code", "0x" + std::string(2 * 24577, 'f')}};
        },
        "code size limit");
    expect_refused(
        [](json& d) {
            d["alloc"]["0x0000000000000000000000000000000000000001"] = {{"balanse", "0x1"}};
        },
        "unknown field");
    expect_refused(
        [](json& d) {
            d["alloc"]["0x0000000000000000000000000000000000000001"] = {
                {"balance", "0x1"}, {"storage", {{"0x" + std::string(66, '1'), "0x1"}}}};
        },
        "expected 32 bytes");
    expect_refused(
        [](json& d) {
            d["alloc"]["0x0000000000000000000000000000000000001234"] = {{"balance", "1"}};
            d["alloc"]["0x0000000000000000000000000000000000001234"] = {{"balance", "2"}};
            d["alloc"]["0X0000000000000000000000000000000000001234"] = {{"balance", "1"}};
        },
        "duplicate address");
    expect_refused([](json& d) { d["number"] = "0x1"; }, "number");
    expect_refused([](json& d) { d["nonce"] = "0x10000000000000000"; }, "64 bits");
    expect_refused([](json& d) { d["mixHash"] = "0x01"; }, "mixHash");
    expect_refused([](json& d) { d["tern"] = {{"gasPrice", "1"}}; }, "tern.gasPrice");
    expect_refused([](json& d) { d["tern"] = {{"baseFeeRule", "dynamic"}}; }, "baseFeeRule");
    expect_refused([](json& d) { d["tern"] = {{"gasLimit", 100}}; }, "tern.gasLimit");
    // The ML keys' own checks: mlchain/settings_test.cpp (MlSettings.GenesisRefusesBadValues).
    expect_refused([](json& d) { d["gasLimit"] = 20000; }, "gasLimit");

    auto bad = parse_genesis_text("{ not json");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().find("malformed JSON"), std::string::npos);
    auto arr = parse_genesis_text("[]");
    ASSERT_FALSE(arr);
}

TEST(Genesis, CancunTimeAtOrBeforeGenesisIsAccepted)
{
    auto r = parse_with([](json& d) {
        d["config"]["shanghaiTime"] = "0x6553f100";
        d["config"]["cancunTime"] = 1000;
    });
    EXPECT_TRUE(r) << r.error();
    auto absent = parse_with([](json& d) {
        d["config"].erase("cancunTime");
        d["config"].erase("londonBlock");
    });
    EXPECT_TRUE(absent) << absent.error();
}

TEST(Genesis, WarnsAboutIgnoredSections)
{
    auto r = parse_with([](json& d) {
        d["config"]["clique"] = {{"period", 5}, {"epoch", 30000}};
        d["config"]["ethash"] = json::object();
        d["config"]["fancyOption"] = true;
        d["someTopLevel"] = 1;
    });
    ASSERT_TRUE(r) << r.error();
    ASSERT_EQ(r->warnings.size(), 4u);
    EXPECT_NE(r->warnings[0].find("clique"), std::string::npos);
}

TEST(Genesis, BlockAndStateRoot)
{
    auto r = parse_genesis_text(kGethGenesis);
    ASSERT_TRUE(r);
    state::MemoryBackend backend;
    load_genesis_state(*r, backend);
    const Block b = genesis_block(*r);
    EXPECT_EQ(b.header.state_root, execution::state_root(backend));
    EXPECT_NE(b.header.state_root, kEmptyTrieRoot);
    EXPECT_EQ(b.header.gas_limit, 30'000'000u);
    EXPECT_EQ(b.header.timestamp, 0x6553f100u);
    EXPECT_EQ(b.header.nonce, 0x42u);
    EXPECT_EQ(b.header.base_fee, U256{1'000'000'000});
    EXPECT_EQ(b.header.coinbase, address_from_u64(0xabc));
    EXPECT_EQ(b.header.extra_data, r->extra_data);
    EXPECT_EQ(b.header.withdrawals_root, kEmptyTrieRoot);
    EXPECT_TRUE(b.transactions.empty());

    // The diff form gives the same state.
    const auto diff = genesis_state_diff(*r);
    ASSERT_EQ(diff.accounts.size(), 2u);
    state::MemoryBackend applied;
    applied.apply(diff);
    EXPECT_EQ(execution::state_root(applied), b.header.state_root);
    StateRootTracker tracker;
    EXPECT_EQ(tracker.stage(diff, EmptyStateSource{}), b.header.state_root);
    const auto& c = diff.accounts.at(address_from_u64(0x1234));
    ASSERT_TRUE(c.code);
    EXPECT_EQ(c.info.code_hash, keccak256(*c.code));
    ASSERT_NE(applied.read_code(c.info.code_hash), nullptr);
}

TEST(Genesis, JsonRoundTrip)
{
    auto r = parse_with([](json& d) {
        d["tern"] = {{"baseFeeRule", "eip1559"}, {"minGasPrice", "5"}, {"gasLimit", 40000000}};
        d["excessBlobGas"] = "0x20000";
    });
    ASSERT_TRUE(r) << r.error();
    auto again = parse_genesis(genesis_to_json(*r));
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(again->config, r->config);
    EXPECT_EQ(again->alloc, r->alloc);
    EXPECT_EQ(genesis_block(*again).header, genesis_block(*r).header);
    EXPECT_TRUE(again->warnings.empty());
}

TEST(Genesis, LoadFile)
{
    const std::string path = ::testing::TempDir() + "tern_genesis_test.json";
    {
        std::ofstream out(path);
        out << kGethGenesis;
    }
    auto r = load_genesis_file(path);
    std::remove(path.c_str());
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->config.chain_id, 1337u);
    auto missing = load_genesis_file(path);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("cannot read"), std::string::npos);
}

TEST(Genesis, DevGenesis)
{
    const GenesisSpec g = dev_genesis(31337, 1700000000);
    EXPECT_EQ(g.config.chain_id, 31337u);
    EXPECT_EQ(g.config.base_fee, U256{});
    EXPECT_EQ(g.base_fee, U256{});
    EXPECT_EQ(g.config.base_fee_rule, BaseFeeRule::Fixed);
    EXPECT_EQ(g.gas_limit, kDefaultGasLimit);
    EXPECT_EQ(g.timestamp, 1700000000u);
    ASSERT_EQ(g.alloc.size(), kDevAccountCount + 1);
    for (const auto& a : default_dev_accounts())
        EXPECT_EQ(g.alloc.at(a.address).balance, kDevAccountBalance);
    const auto& beacon = g.alloc.at(kBeaconRootsAddress);
    EXPECT_EQ(beacon.nonce, 1u);
    EXPECT_EQ(to_hex(beacon.code),
              "0x3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f3580"
              "1560495762001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b6200"
              "1fff42064281555f359062001fff015500");
    EXPECT_EQ(to_hex(kBeaconRootsAddress), "0x000f3df6d732807ef1319fb7b8bb8522d0beac02");
    // Deterministic: same inputs, same genesis hash; another chain id keeps the state.
    EXPECT_EQ(genesis_block(g).header.hash(),
              genesis_block(dev_genesis(31337, 1700000000)).header.hash());
    EXPECT_EQ(genesis_block(dev_genesis(1, 1700000000)).header.state_root,
              genesis_block(g).header.state_root);
}

}  // namespace
