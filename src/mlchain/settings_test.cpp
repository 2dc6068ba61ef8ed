// The ML feature's keys in the chain rules (mlInference, mlMaxModelBytes): declared in this
// folder (feature.cpp), read by the one codec of src/chain when given mlchain::config_keys().
// These cases lived in chain_config_test.cpp and genesis_test.cpp while the keys were the
// codec's own.

#include "mlchain/feature.hpp"

#include "chain/chain_config.hpp"
#include "chain/genesis.hpp"
#include "chain/test_rules.hpp"
#include "core/hex.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace tern;
using namespace tern::chain;
using nlohmann::json;
using tern::mlchain::config_keys;
using tern::mlchain::ml_settings;

namespace {

/// chain_config_test's rules with the ML keys set off their defaults.
ChainConfig sample()
{
    ChainConfig c = chain::testing::sample_rules();
    mlchain::set_ml_settings(c, {.inference = false, .max_model_bytes = 1234});
    return c;
}

BytesView view(const std::string& s)
{
    return chain::testing::text_bytes(s);
}

TEST(MlSettings, DefaultsWhenTheRulesDoNotSetThem)
{
    const auto s = ml_settings(ChainConfig{});
    EXPECT_TRUE(s.inference);
    EXPECT_EQ(s.max_model_bytes, uint64_t{8} << 20);
    const auto set = ml_settings(sample());
    EXPECT_FALSE(set.inference);
    EXPECT_EQ(set.max_model_bytes, 1234u);
}

TEST(MlSettings, StoredCopyRoundTrips)
{
    const auto c = sample();
    const auto back = decode_chain_config(view(encode_chain_config(c)), config_keys());
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, c);
}

// The copy that node.cpp stored before the codec was shared (gasLimit a number, the ML keys
// written by the codec itself), and the one of chains stored before the ML settings existed:
// both still open.
TEST(MlSettings, ReadsTheFormatsStoredBefore)
{
    const std::string before =
        R"({"baseFeePerGas":"0x3b9aca00","baseFeeRule":"eip1559","chainId":4242,)"
        R"("coinbase":"0x0000000000000000000000000000000000c0ffee","gasLimit":45000000,)"
        R"("minGasPrice":"0x7","mlInference":false,"mlMaxModelBytes":1234})";
    const auto c = decode_chain_config(view(before), config_keys());
    ASSERT_TRUE(c) << c.error();
    auto want = sample();
    want.pow_difficulty = U256{};                  // stored before proof-of-work gas: off
    want.feature_settings.erase("mlMaxCallCost");  // stored before issue 14
    want.feature_settings.erase("mlGasSchedule");  // stored before the recalibration
    EXPECT_EQ(*c, want);
    EXPECT_EQ(ml_settings(*c).max_call_cost, 30'000'000u);  // the limit it was made with
    EXPECT_EQ(ml_settings(*c).gas_schedule, 1u);            // and the prices

    const std::string without_ml =
        R"({"baseFeePerGas":"0x0","baseFeeRule":"fixed","chainId":777,)"
        R"("coinbase":"0x0000000000000000000000000000000000000000","gasLimit":30000000,)"
        R"("minGasPrice":"0x0"})";
    const auto old = decode_chain_config(view(without_ml), config_keys());
    ASSERT_TRUE(old) << old.error();
    ChainConfig expected;
    expected.chain_id = 777;
    expected.fee_rule = chain::FeeRule::Charged;  // stored before the fee rule: every chain charged
    EXPECT_EQ(*old, expected);
    EXPECT_TRUE(ml_settings(*old).inference);
}

TEST(MlSettings, TernSectionHoldsThem)
{
    const auto j = chain_config_to_json(sample(), ChainConfigKeys::TernSection);
    EXPECT_EQ(j["mlInference"], false);
    EXPECT_EQ(j["mlMaxModelBytes"], 1234);
    ChainConfig base;
    base.chain_id = 4242;
    const auto back =
        chain_config_from_json(j, base, ChainConfigKeys::TernSection, "tern", config_keys());
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, sample());

    const auto refused = chain_config_from_json(
        json{{"chainId", 5}}, ChainConfig{}, ChainConfigKeys::TernSection, "tern", config_keys());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(),
              "tern.chainId: unknown field (expected baseFeeRule, baseFeePerGas, minGasPrice, "
              "gasLimit, coinbase, feeRule, powDifficulty, mlInference, mlMaxModelBytes, "
              "mlMaxCallCost, mlGasSchedule)");
}

TEST(MlSettings, ValidatesEachKey)
{
    const auto error = [](json obj) {
        const auto r =
            chain_config_from_json(obj, ChainConfig{}, ChainConfigKeys::All, "x", config_keys());
        return r ? std::string("accepted") : r.error();
    };
    EXPECT_EQ(error({{"mlMaxModelBytes", 0}}),
              "x.mlMaxModelBytes: must be between 1 and 4294967295");
    EXPECT_EQ(error({{"mlInference", "yes"}}), "x.mlInference: expected true or false");
    EXPECT_EQ(error({{"mlMaxModelBytes", "0x10000"}}), "accepted");
    EXPECT_EQ(error({{"mlMaxCallCost", 0}}),
              "x.mlMaxCallCost: must be between 1 and 9223372036854775807");
    EXPECT_EQ(error({{"mlMaxCallCost", 250000000}}), "accepted");
    EXPECT_EQ(error({{"mlGasSchedule", 3}}), "x.mlGasSchedule: must be 1 or 2");
    EXPECT_EQ(error({{"mlGasSchedule", 0}}), "x.mlGasSchedule: must be 1 or 2");
    EXPECT_EQ(error({{"mlGasSchedule", 2}}), "accepted");
    // Without the feature's keys they are unknown to the codec.
    const auto unknown = chain_config_from_json(json{{"mlInference", true}}, ChainConfig{},
                                                ChainConfigKeys::All, "x");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().find("x.mlInference: unknown field"), std::string::npos);
}

/// A small genesis with a `tern` section.
Result<GenesisSpec, std::string> parse_with_tern(json tern)
{
    json doc = {{"config", {{"chainId", 1337}}},
                {"gasLimit", "0x1c9c380"},
                {"alloc", json::object()},
                {"tern", std::move(tern)}};
    return parse_genesis(doc, config_keys());
}

TEST(MlSettings, GenesisRefusesBadValues)
{
    for (const auto& [tern, needle] : std::vector<std::pair<json, std::string>>{
             {{{"mlInference", "yes"}}, "tern.mlInference"},
             {{{"mlMaxModelBytes", 0}}, "tern.mlMaxModelBytes"}})
    {
        const auto r = parse_with_tern(tern);
        ASSERT_FALSE(r) << "accepted; expected an error containing: " << needle;
        EXPECT_NE(r.error().find(needle), std::string::npos) << r.error();
    }
}

TEST(MlSettings, GenesisJsonRoundTrip)
{
    auto r = parse_with_tern({{"baseFeeRule", "eip1559"},
                              {"minGasPrice", "5"},
                              {"gasLimit", 40000000},
                              {"mlInference", false},
                              {"mlMaxModelBytes", 65536},
                              {"mlMaxCallCost", 99000000},
                              {"mlGasSchedule", 2}});
    ASSERT_TRUE(r) << r.error();
    auto again = parse_genesis(genesis_to_json(*r), config_keys());
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(again->config, r->config);
    EXPECT_FALSE(ml_settings(again->config).inference);
    EXPECT_EQ(ml_settings(again->config).max_model_bytes, 65536u);
    EXPECT_EQ(ml_settings(again->config).max_call_cost, 99'000'000u);
    EXPECT_EQ(ml_settings(again->config).gas_schedule, 2u);
    // Chains made before issue 14 keep their limits; new ones get the AI chain's.
    const auto old = parse_with_tern(json::object());
    ASSERT_TRUE(old) << old.error();
    EXPECT_EQ(ml_settings(old->config).max_model_bytes, 8u << 20);
    EXPECT_EQ(ml_settings(old->config).max_call_cost, 30'000'000u);
    EXPECT_EQ(ml_settings(old->config).gas_schedule, 1u);
    EXPECT_EQ(mlchain::ai_chain_ml_settings().max_model_bytes, 16u << 20);
    EXPECT_EQ(mlchain::ai_chain_ml_settings().max_call_cost, 250'000'000u);
    EXPECT_EQ(mlchain::ai_chain_ml_settings().gas_schedule, 2u);
}

}  // namespace
