#include "mlchain/feature.hpp"

#include "chain/json_fields.hpp"
#include "mlchain/ml_precompiles.hpp"

#include <nlohmann/json.hpp>

namespace tern::mlchain {

namespace {

using nlohmann::json;

constexpr const char* kInferenceKey = "mlInference";
constexpr const char* kMaxModelBytesKey = "mlMaxModelBytes";
constexpr const char* kMaxCallCostKey = "mlMaxCallCost";
constexpr const char* kGasScheduleKey = "mlGasSchedule";

constexpr chain::FeatureKey kConfigKeys[] = {
    {kInferenceKey,
     [](const json& v, const std::string& where) {
         if (!v.is_boolean())
             chain::json_fields::fail(where, "expected true or false");
     }},
    {kMaxModelBytesKey,
     [](const json& v, const std::string& where) {
         const uint64_t n = chain::json_fields::parse_u64(v, where);
         if (n == 0 || n > UINT32_MAX)
             chain::json_fields::fail(where, "must be between 1 and 4294967295");
     }},
    {kMaxCallCostKey,
     [](const json& v, const std::string& where) {
         const uint64_t n = chain::json_fields::parse_u64(v, where);
         if (n == 0 || n > static_cast<uint64_t>(INT64_MAX))
             chain::json_fields::fail(where, "must be between 1 and 9223372036854775807");
     }},
    {kGasScheduleKey,
     [](const json& v, const std::string& where) {
         if (!ml::gas_schedule(chain::json_fields::parse_u64(v, where)))
             chain::json_fields::fail(where, "must be 1 or 2");
     }},
};

execution::ChainFeature ml_feature(std::shared_ptr<MlPrecompiles> precompiles)
{
    execution::ChainFeature f;
    f.name = kFeatureName;
    f.addresses = {kModelRegistryAddress, kInferenceAddress};
    f.precompiles = std::move(precompiles);
    f.warm_at_start = false;  // EIP-2929 warms Ethereum's precompiles only (as before issue 11)
    return f;
}

}  // namespace

std::span<const chain::FeatureKey> config_keys() noexcept
{
    return kConfigKeys;
}

MlSettings ml_settings(const chain::ChainConfig& config)
{
    MlSettings out;
    const auto& set = config.feature_settings;
    if (const auto it = set.find(kInferenceKey); it != set.end())
        out.inference = json::parse(it->second).get<bool>();
    if (const auto it = set.find(kMaxModelBytesKey); it != set.end())
        out.max_model_bytes = chain::json_fields::parse_u64(json::parse(it->second), it->first);
    if (const auto it = set.find(kMaxCallCostKey); it != set.end())
        out.max_call_cost = chain::json_fields::parse_u64(json::parse(it->second), it->first);
    if (const auto it = set.find(kGasScheduleKey); it != set.end())
        out.gas_schedule = chain::json_fields::parse_u64(json::parse(it->second), it->first);
    return out;
}

MlSettings ai_chain_ml_settings() noexcept
{
    MlSettings s;
    s.max_model_bytes = 16 << 20;
    s.max_call_cost = 250'000'000;
    s.gas_schedule = 2;
    return s;
}

void set_ml_settings(chain::ChainConfig& config, const MlSettings& settings)
{
    config.feature_settings[kInferenceKey] = json(settings.inference).dump();
    config.feature_settings[kMaxModelBytesKey] = json(settings.max_model_bytes).dump();
    config.feature_settings[kMaxCallCostKey] = json(settings.max_call_cost).dump();
    config.feature_settings[kGasScheduleKey] = json(settings.gas_schedule).dump();
}

std::optional<execution::FeatureError> register_feature(execution::ChainFeatures& features,
                                                        const chain::ChainConfig& config)
{
    const MlSettings settings = ml_settings(config);
    if (!settings.inference)
        return std::nullopt;
    MlConfig ml;
    ml.limits.max_model_bytes = settings.max_model_bytes;
    ml.limits.max_cost = settings.max_call_cost;
    // The codec checked the number (config_keys).
    ml.limits.schedule = *ml::gas_schedule(settings.gas_schedule);
    return features.add(ml_feature(std::make_shared<MlPrecompiles>(ml)));
}

execution::ChainFeatures features_of(MlPrecompiles& ml)
{
    execution::ChainFeatures features;
    // Aliasing constructor with no owner: the registry points at `ml` without owning it.
    const auto err =
        features.add(ml_feature(std::shared_ptr<MlPrecompiles>(std::shared_ptr<void>{}, &ml)));
    (void)err;  // the ML addresses are never Ethereum's (ChainFeatures' tests, feature_test)
    return features;
}

}  // namespace tern::mlchain
