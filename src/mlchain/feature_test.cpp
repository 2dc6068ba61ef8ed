#include "mlchain/feature.hpp"

#include "mlchain/ml_precompiles.hpp"

#include <gtest/gtest.h>

using namespace tern;

TEST(MlFeature, RegistersRegistryAndInferenceNotWarm)
{
    chain::ChainConfig config;
    execution::ChainFeatures features;
    ASSERT_FALSE(mlchain::register_feature(features, config).has_value());
    ASSERT_EQ(features.features().size(), 1u);
    EXPECT_EQ(features.features()[0].name, "ml");
    EXPECT_FALSE(features.features()[0].warm_at_start);
    EXPECT_TRUE(features.features()[0].predeploys.empty());
    EXPECT_NE(features.find(mlchain::kModelRegistryAddress), nullptr);
    EXPECT_EQ(features.find(mlchain::kModelRegistryAddress),
              features.find(mlchain::kInferenceAddress));
    // The warm set stays Ethereum's (as before the registry).
    EXPECT_EQ(features.warm_set(evm::kDefaultFork).size(),
              execution::warm_precompiles(nullptr).size());
}

TEST(MlFeature, OffRegistersNothing)
{
    chain::ChainConfig config;
    mlchain::set_ml_settings(config, {.inference = false});
    execution::ChainFeatures features;
    ASSERT_FALSE(mlchain::register_feature(features, config).has_value());
    EXPECT_TRUE(features.empty());
}

TEST(MlFeature, RegisteringTwiceIsRefused)
{
    chain::ChainConfig config;
    execution::ChainFeatures features;
    ASSERT_FALSE(mlchain::register_feature(features, config).has_value());
    const auto err = mlchain::register_feature(features, config);
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->kind, execution::FeatureErrorKind::AddressTaken);
}

TEST(MlFeature, FeaturesOfPointsAtTheInstance)
{
    mlchain::MlPrecompiles ml{mlchain::MlConfig{}};
    const auto features = mlchain::features_of(ml);
    EXPECT_EQ(features.find(mlchain::kInferenceAddress), &ml);
}

// The chain's rules choose the engine's limits and gas schedule: absent keys keep the prices
// of older chains (schedule 1), an AI chain's rules give schedule 2.
TEST(MlFeature, TheRulesChooseTheLimitsAndTheGasSchedule)
{
    const auto limits_of = [](const chain::ChainConfig& config) {
        execution::ChainFeatures features;
        EXPECT_FALSE(mlchain::register_feature(features, config).has_value());
        const auto* ml =
            dynamic_cast<const mlchain::MlPrecompiles*>(features.find(mlchain::kInferenceAddress));
        EXPECT_NE(ml, nullptr);
        return ml ? ml->config().limits : ml::Limits{};
    };
    const ml::Limits old = limits_of(chain::ChainConfig{});
    EXPECT_EQ(old.max_cost, 30'000'000u);
    EXPECT_EQ(old.schedule.per_node, ml::kGasSchedule1.per_node);
    EXPECT_EQ(old.schedule.elements_per_64, ml::kGasSchedule1.elements_per_64);

    chain::ChainConfig ai;
    mlchain::set_ml_settings(ai, mlchain::ai_chain_ml_settings());
    const ml::Limits now = limits_of(ai);
    EXPECT_EQ(now.max_cost, 250'000'000u);
    EXPECT_EQ(now.max_model_bytes, 16u << 20);
    EXPECT_EQ(now.schedule.per_node, ml::kGasSchedule2.per_node);
    EXPECT_EQ(now.schedule.float_macs_per_64, ml::kGasSchedule2.float_macs_per_64);
    EXPECT_EQ(now.schedule.int_macs_per_64, ml::kGasSchedule2.int_macs_per_64);
}
