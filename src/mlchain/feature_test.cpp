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
