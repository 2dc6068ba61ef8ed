// Issue 11: a chain feature plugs in with one row (node/chain_features.cpp): its keys in the
// chain rules, its registration (precompiles, predeploys) and its JSON-RPC methods. A fake
// feature's row exercises every part; the real rows (ML) are checked against a genesis.

#include "node/chain_features.hpp"

#include "api/method_table.hpp"
#include "chain/json_fields.hpp"
#include "configcontroller/feature.hpp"
#include "core/hex.hpp"
#include "etherbase/feature.hpp"
#include "filestorage/feature.hpp"
#include "marionette/feature.hpp"
#include "mlchain/feature.hpp"
#include "node/test_node.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace tern;
using namespace tern::node;
using nlohmann::json;

namespace {

const Address kPredeploy = address_from_u64(0xf0f0);

constexpr chain::FeatureKey kFakeKeys[] = {
    {"fakeOn",
     [](const json& v, const std::string& where) {
         if (!v.is_boolean())
             chain::json_fields::fail(where, "expected true or false");
     }},
};

std::span<const chain::FeatureKey> fake_keys() noexcept
{
    return kFakeKeys;
}

bool fake_on(const chain::ChainConfig& rules)
{
    const auto it = rules.feature_settings.find("fakeOn");
    return it != rules.feature_settings.end() && it->second == "true";
}

std::optional<execution::FeatureError> register_fake(execution::ChainFeatures& features,
                                                     const chain::ChainConfig& rules)
{
    if (!fake_on(rules))
        return std::nullopt;
    execution::ChainFeature f;
    f.name = "fake";
    execution::Predeploy p;
    p.address = kPredeploy;
    p.code = from_hex("0x602a60005260206000f3").value();
    p.storage = {{U256{1}, U256{7}}};
    p.balance = U256{5};
    f.predeploys.push_back(std::move(p));
    return features.add(std::move(f));
}

void add_fake_methods(api::MethodTable& table, api::Backend&, const chain::ChainConfig&)
{
    table.add("fake_hello", [](const json&, rpc::CallContext&) { return json("hi"); });
}

constexpr FeatureEntry kEntries[] = {
    {mlchain::kFeatureName, mlchain::config_keys, mlchain::register_feature, nullptr, nullptr},
    {"fake", fake_keys, register_fake, add_fake_methods, nullptr},
};

chain::GenesisSpec genesis_with(json tern)
{
    json doc = {{"config", {{"chainId", 1337}}},
                {"gasLimit", "0x1c9c380"},
                {"alloc", json::object()},
                {"tern", std::move(tern)}};
    auto spec = chain::parse_genesis(doc, chain_feature_keys(kEntries));
    EXPECT_TRUE(spec) << spec.error();
    return spec ? std::move(*spec) : chain::GenesisSpec{};
}

TEST(ChainFeatures, KeysOfEveryRowAreAccepted)
{
    const auto keys = chain_feature_keys(kEntries);
    ASSERT_EQ(keys.size(), mlchain::config_keys().size() + 1);
    EXPECT_STREQ(keys[0].key, "mlInference");
    EXPECT_STREQ(keys.back().key, "fakeOn");
    // The node's own rows: ML's keys, FileStorage's, ConfigController's, Etherbase's,
    // Marionette's.
    EXPECT_EQ(chain_feature_keys().size(),
              mlchain::config_keys().size() + filestorage::config_keys().size() +
                  configcontroller::config_keys().size() + etherbase::config_keys().size() +
                  marionette::config_keys().size());
    const auto spec = genesis_with({{"fakeOn", true}, {"mlInference", false}});
    EXPECT_TRUE(fake_on(spec.config));
    EXPECT_FALSE(mlchain::ml_settings(spec.config).inference);
}

TEST(ChainFeatures, AttachRegistersWhatTheRulesEnable)
{
    auto on = genesis_with({{"fakeOn", true}});
    ASSERT_FALSE(attach_chain_features(on.config, kEntries).has_value());
    ASSERT_TRUE(on.config.features);
    ASSERT_EQ(on.config.features->features().size(), 2u);  // ML (default on) and the fake
    EXPECT_EQ(on.config.features->features()[1].name, "fake");

    auto off = genesis_with({{"mlInference", false}});
    ASSERT_FALSE(attach_chain_features(off.config, kEntries).has_value());
    EXPECT_EQ(off.config.features, nullptr);  // nothing enabled: Ethereum's rules only
}

TEST(ChainFeatures, PredeploysGoIntoTheGenesisAllocation)
{
    auto spec = genesis_with({{"fakeOn", true}});
    ASSERT_FALSE(attach_chain_features(spec.config, kEntries).has_value());
    const auto before = chain::genesis_block(spec).header.state_root;
    EXPECT_TRUE(add_predeploys(spec).empty());
    ASSERT_TRUE(spec.alloc.contains(kPredeploy));
    const auto& account = spec.alloc.at(kPredeploy);
    EXPECT_EQ(to_hex(account.code), "0x602a60005260206000f3");
    EXPECT_EQ(account.storage.at(U256{1}), U256{7});
    EXPECT_EQ(account.balance, U256{5});
    EXPECT_NE(chain::genesis_block(spec).header.state_root, before);

    // An account the genesis sets there is the operator's: kept, and said.
    auto own = genesis_with({{"fakeOn", true}});
    own.alloc[kPredeploy].balance = U256{99};
    ASSERT_FALSE(attach_chain_features(own.config, kEntries).has_value());
    const auto notices = add_predeploys(own);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("fake feature predeploys"), std::string::npos) << notices[0];
    EXPECT_EQ(own.alloc.at(kPredeploy).balance, U256{99});
    EXPECT_TRUE(own.alloc.at(kPredeploy).code.empty());
}

TEST(ChainFeatures, MethodsOfEnabledFeaturesOnly)
{
    uint16_t port = 0;
    auto node = test::start_test_node(NodeConfig{}, port);
    ASSERT_TRUE(port != 0);
    auto on = genesis_with({{"fakeOn", true}});
    ASSERT_FALSE(attach_chain_features(on.config, kEntries).has_value());
    api::MethodTable with;
    add_feature_methods(with, node->backend(), on.config, kEntries);
    EXPECT_TRUE(with.has("fake_hello"));
    EXPECT_EQ(with.namespaces(), (std::vector<std::string>{"fake"}));

    auto off = genesis_with({});
    ASSERT_FALSE(attach_chain_features(off.config, kEntries).has_value());
    api::MethodTable without;
    add_feature_methods(without, node->backend(), off.config, kEntries);
    EXPECT_TRUE(without.methods().empty());
    node->stop();
}

}  // namespace
