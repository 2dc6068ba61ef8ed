#include "chain/chain_config.hpp"

#include "chain/genesis.hpp"
#include "chain/json_fields.hpp"
#include "chain/test_rules.hpp"
#include "core/hex.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace tern;
using namespace tern::chain;
using nlohmann::json;

namespace {

ChainConfig sample()
{
    return chain::testing::sample_rules();
}

BytesView view(const std::string& s)
{
    return chain::testing::text_bytes(s);
}

TEST(ChainConfigCodec, StoredCopyRoundTrips)
{
    const auto c = sample();
    const auto back = decode_chain_config(view(encode_chain_config(c)));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, c);
    const auto defaults = decode_chain_config(view(encode_chain_config(ChainConfig{})));
    ASSERT_TRUE(defaults) << defaults.error();
    EXPECT_EQ(*defaults, ChainConfig{});
}

// The copy that node.cpp stored before the codec was shared (gasLimit a number) still opens
// (with the ML keys it held: mlchain/settings_test.cpp).
TEST(ChainConfigCodec, ReadsTheFormatsStoredBefore)
{
    const std::string before =
        R"({"baseFeePerGas":"0x3b9aca00","baseFeeRule":"eip1559","chainId":4242,)"
        R"("coinbase":"0x0000000000000000000000000000000000c0ffee","gasLimit":45000000,)"
        R"("minGasPrice":"0x7"})";
    const auto c = decode_chain_config(view(before));
    ASSERT_TRUE(c) << c.error();
    auto want = sample();
    want.pow_difficulty = U256{};  // proof-of-work gas came later; off
    EXPECT_EQ(*c, want);           // and a copy without feeRule charged fees
    const auto zero = decode_chain_config(view(R"({"chainId":1})"));
    ASSERT_TRUE(zero) << zero.error();
    EXPECT_EQ(zero->fee_rule, FeeRule::Charged);
}

// docs/economics.md: a new chain is free unless its rules price gas; a free chain that prices
// gas is refused with the way out.
TEST(ChainConfigCodec, FeeRuleDefaultsToFreeUnlessGasHasAPrice)
{
    const auto read = [](json obj) {
        return chain_config_from_json(obj, ChainConfig{}, ChainConfigKeys::TernSection, "tern");
    };
    EXPECT_EQ(ChainConfig{}.fee_rule, FeeRule::Free);
    EXPECT_EQ(read(json::object())->fee_rule, FeeRule::Free);
    EXPECT_EQ(read({{"minGasPrice", "0x1"}})->fee_rule, FeeRule::Charged);
    EXPECT_EQ(read({{"baseFeeRule", "eip1559"}})->fee_rule, FeeRule::Charged);
    EXPECT_EQ(read({{"feeRule", "charged"}})->fee_rule, FeeRule::Charged);
    const auto refused = read({{"feeRule", "free"}, {"baseFeePerGas", "0x7"}});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(),
              "tern.feeRule: \"free\" charges no fee, yet the rules set a price for gas "
              "(baseFeeRule \"eip1559\", baseFeePerGas or minGasPrice above 0): set feeRule "
              "\"charged\"");
    EXPECT_EQ(read({{"feeRule", "cheap"}}).error(),
              "tern.feeRule: expected \"free\" or \"charged\"");
    const auto pow = read({{"powDifficulty", "0x10"}});
    ASSERT_TRUE(pow) << pow.error();
    EXPECT_EQ(fee_policy(*pow), (execution::FeePolicy{true, U256{16}}));
    // A geth genesis whose header sets a base fee charges it.
    const json geth = {{"config", {{"chainId", 5}}}, {"baseFeePerGas", "0x3b9aca00"}};
    const auto spec = parse_genesis(geth);
    ASSERT_TRUE(spec) << spec.error();
    EXPECT_EQ(spec->config.fee_rule, FeeRule::Charged);
}

TEST(ChainConfigCodec, StoredCopyErrors)
{
    EXPECT_FALSE(decode_chain_config(view("not json")));
    const auto no_id = decode_chain_config(view(R"({"gasLimit":30000000})"));
    ASSERT_FALSE(no_id);
    EXPECT_EQ(no_id.error(), "stored chain rules: chainId: missing");
    const auto bad = decode_chain_config(view(R"({"chainId":1,"baseFeeRule":"weird"})"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), "stored chain rules: baseFeeRule: expected \"fixed\" or \"eip1559\"");
}

TEST(ChainConfigCodec, TernSectionHasEveryRuleButTheChainId)
{
    const auto j = chain_config_to_json(sample(), ChainConfigKeys::TernSection);
    EXPECT_FALSE(j.contains("chainId"));
    EXPECT_EQ(j["baseFeeRule"], "eip1559");
    EXPECT_EQ(j["baseFeePerGas"], "0x3b9aca00");
    EXPECT_EQ(j["gasLimit"], "0x2aea540");
    EXPECT_EQ(j["coinbase"], "0x0000000000000000000000000000000000c0ffee");
    ChainConfig base;
    base.chain_id = 4242;
    const auto back = chain_config_from_json(j, base, ChainConfigKeys::TernSection, "tern");
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, sample());

    const auto refused = chain_config_from_json(json{{"chainId", 5}}, ChainConfig{},
                                                ChainConfigKeys::TernSection, "tern");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(),
              "tern.chainId: unknown field (expected baseFeeRule, baseFeePerGas, minGasPrice, "
              "gasLimit, coinbase, feeRule, powDifficulty)");
}

TEST(ChainConfigCodec, ValidatesEachRule)
{
    const auto error = [](json obj) {
        const auto r = chain_config_from_json(obj, ChainConfig{}, ChainConfigKeys::All, "x");
        return r ? std::string("accepted") : r.error();
    };
    EXPECT_EQ(error({{"chainId", 0}}), "x.chainId: must be positive");
    EXPECT_EQ(error({{"gasLimit", 100}}), "x.gasLimit: below 21000: no transaction would fit");
    EXPECT_EQ(error({{"coinbase", "0x12"}}), "x.coinbase: expected 20 bytes, got 1");
    EXPECT_EQ(error({{"minGasPrice", -1}}), "x.minGasPrice: negative number");
    EXPECT_EQ(error(json::array()), "x: expected an object");
    // Numbers: hex or decimal strings, or JSON integers.
    ChainConfig charged;
    charged.fee_rule = FeeRule::Charged;
    const auto r = chain_config_from_json(json{{"minGasPrice", "1000"}, {"gasLimit", "0x5208"}},
                                          charged, ChainConfigKeys::All, "");
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->min_gas_price, U256{1000});
    EXPECT_EQ(r->gas_limit, 21000u);
}

// The genesis' `tern` section and genesis_to_json use the same codec: a spec's rules survive the
// round trip, and a dev genesis takes block 0's gas limit and base fee from its rules.
TEST(ChainConfigCodec, GenesisUsesTheSameCodec)
{
    GenesisSpec spec = dev_genesis(sample(), 5);
    EXPECT_EQ(spec.gas_limit, 45'000'000u);
    EXPECT_EQ(spec.base_fee, U256{1'000'000'000});
    const json doc = genesis_to_json(spec);
    EXPECT_EQ(doc["tern"], chain_config_to_json(sample(), ChainConfigKeys::TernSection));
    EXPECT_EQ(doc["config"]["chainId"], 4242);
    const auto back = parse_genesis(doc);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->config, sample());
}

}  // namespace

namespace {

/// A chain feature's key as a feature's folder declares one (mlchain::config_keys()).
constexpr FeatureKey kFeatureKeys[] = {
    {"colour",
     [](const json& v, const std::string& where) {
         if (v != "red" && v != "blue")
             json_fields::fail(where, "expected \"red\" or \"blue\"");
     }},
};

}  // namespace

// Issue 11: a chain feature brings its own keys; the codec checks them with the feature's
// check, keeps them in feature_settings, writes them back, and refuses them when not given.
TEST(ChainConfigCodec, FeatureKeysAreTheFeaturesOwn)
{
    const auto read =
        chain_config_from_json(json{{"colour", "red"}, {"gasLimit", "0x5208"}}, ChainConfig{},
                               ChainConfigKeys::TernSection, "tern", kFeatureKeys);
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(read->feature_settings.at("colour"), R"("red")");
    EXPECT_EQ(chain_config_to_json(*read, ChainConfigKeys::TernSection)["colour"], "red");
    const auto back = decode_chain_config(view(encode_chain_config(*read)), kFeatureKeys);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, *read);

    const auto bad = chain_config_from_json(json{{"colour", "green"}}, ChainConfig{},
                                            ChainConfigKeys::TernSection, "tern", kFeatureKeys);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), R"(tern.colour: expected "red" or "blue")");
    const auto unknown = chain_config_from_json(json{{"colour", "red"}}, ChainConfig{},
                                                ChainConfigKeys::TernSection, "tern");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error(),
              "tern.colour: unknown field (expected baseFeeRule, baseFeePerGas, minGasPrice, "
              "gasLimit, coinbase, feeRule, powDifficulty)");
    const auto listed = chain_config_from_json(json{{"nope", 1}}, ChainConfig{},
                                               ChainConfigKeys::TernSection, "tern", kFeatureKeys);
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error(),
              "tern.nope: unknown field (expected baseFeeRule, baseFeePerGas, minGasPrice, "
              "gasLimit, coinbase, feeRule, powDifficulty, colour)");
}
