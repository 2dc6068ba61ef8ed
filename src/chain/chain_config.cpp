#include "chain/chain_config.hpp"

#include "chain/json_fields.hpp"
#include "core/hex.hpp"
#include "core/protocol.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>

namespace tern::chain {
namespace {

using nlohmann::json;
using namespace json_fields;

/// One rule's JSON key, reader (validating) and writer.
struct Field
{
    const char* key;
    bool in_tern_section;
    void (*read)(const json& value, ChainConfig& c, const std::string& where);
    json (*write)(const ChainConfig& c);
};

constexpr Field kFields[] = {
    {"chainId", false,
     [](const json& v, ChainConfig& c, const std::string& w) {
         c.chain_id = parse_u64(v, w);
         if (c.chain_id == 0)
             fail(w, "must be positive");
     },
     [](const ChainConfig& c) {
         return json(c.chain_id);
     }},
    {"baseFeeRule", true,
     [](const json& v, ChainConfig& c, const std::string& w) {
         if (v == "fixed")
             c.base_fee_rule = BaseFeeRule::Fixed;
         else if (v == "eip1559")
             c.base_fee_rule = BaseFeeRule::Eip1559;
         else
             fail(w, "expected \"fixed\" or \"eip1559\"");
     },
     [](const ChainConfig& c) {
         return json(c.base_fee_rule == BaseFeeRule::Fixed ? "fixed" : "eip1559");
     }},
    {"baseFeePerGas", true,
     [](const json& v, ChainConfig& c, const std::string& w) { c.base_fee = parse_u256(v, w); },
     [](const ChainConfig& c) {
         return json(c.base_fee.to_hex());
     }},
    {"minGasPrice", true,
     [](const json& v, ChainConfig& c, const std::string& w) {
         c.min_gas_price = parse_u256(v, w);
     },
     [](const ChainConfig& c) {
         return json(c.min_gas_price.to_hex());
     }},
    {"gasLimit", true,
     [](const json& v, ChainConfig& c, const std::string& w) {
         c.gas_limit = parse_u64(v, w);
         if (c.gas_limit < protocol::kTxGas)
             fail(w, "below 21000: no transaction would fit");
     },
     [](const ChainConfig& c) {
         return json(U256{c.gas_limit}.to_hex());
     }},
    {"coinbase", true,
     [](const json& v, ChainConfig& c, const std::string& w) { c.coinbase = parse_address(v, w); },
     [](const ChainConfig& c) {
         return json(to_hex(c.coinbase));
     }},
    {"feeRule", true,
     [](const json& v, ChainConfig& c, const std::string& w) {
         if (v == "free")
             c.fee_rule = FeeRule::Free;
         else if (v == "charged")
             c.fee_rule = FeeRule::Charged;
         else
             fail(w, "expected \"free\" or \"charged\"");
     },
     [](const ChainConfig& c) {
         return json(c.fee_rule == FeeRule::Free ? "free" : "charged");
     }},
    {"powDifficulty", true,
     [](const json& v, ChainConfig& c, const std::string& w) {
         c.pow_difficulty = parse_u256(v, w);
     },
     [](const ChainConfig& c) {
         return json(c.pow_difficulty.to_hex());
     }},
};

bool holds(const Field& f, ChainConfigKeys keys)
{
    return keys == ChainConfigKeys::All || f.in_tern_section;
}

/// "baseFeeRule, baseFeePerGas, ..." for the unknown-key error.
std::string key_list(ChainConfigKeys keys, FeatureKeys features)
{
    std::string out;
    for (const auto& f : kFields)
        if (holds(f, keys))
            out += (out.empty() ? "" : ", ") + std::string(f.key);
    for (const auto& f : features)
        out += (out.empty() ? "" : ", ") + std::string(f.key);
    return out;
}

}  // namespace

execution::FeePolicy fee_policy(const ChainConfig& config) noexcept
{
    return execution::FeePolicy{config.fee_rule == FeeRule::Free, config.pow_difficulty};
}

bool asks_for_fees(const ChainConfig& config) noexcept
{
    return config.base_fee_rule == BaseFeeRule::Eip1559 || config.base_fee != U256{} ||
           config.min_gas_price != U256{};
}

json chain_config_to_json(const ChainConfig& config, ChainConfigKeys keys)
{
    json out = json::object();
    for (const auto& f : kFields)
        if (holds(f, keys))
            out[f.key] = f.write(config);
    for (const auto& [key, text] : config.feature_settings)
        out[key] = json::parse(text);
    return out;
}

Result<ChainConfig, std::string> chain_config_from_json(const json& obj,
                                                        const ChainConfig& base,
                                                        ChainConfigKeys keys,
                                                        std::string_view where,
                                                        FeatureKeys features)
{
    const std::string prefix = where.empty() ? std::string() : std::string(where) + ".";
    try
    {
        if (!obj.is_object())
            fail(where.empty() ? std::string("chain rules") : std::string(where),
                 "expected an object");
        ChainConfig c = base;
        for (const auto& [key, value] : obj.items())
        {
            const Field* field = nullptr;
            for (const auto& f : kFields)
                if (holds(f, keys) && key == f.key)
                    field = &f;
            const std::string w = prefix + key;
            if (field)
            {
                field->read(value, c, w);
                continue;
            }
            const FeatureKey* feature = nullptr;
            for (const auto& f : features)
                if (key == f.key)
                    feature = &f;
            if (!feature)
                fail(w, "unknown field (expected " + key_list(keys, features) + ")");
            feature->check(value, w);
            c.feature_settings[key] = value.dump();
        }
        if (!obj.contains("feeRule") && keys == ChainConfigKeys::TernSection)
            c.fee_rule = asks_for_fees(c) ? FeeRule::Charged : FeeRule::Free;
        if (c.fee_rule == FeeRule::Free && asks_for_fees(c))
            fail(prefix + "feeRule",
                 "\"free\" charges no fee, yet the rules set a price for gas (baseFeeRule "
                 "\"eip1559\", baseFeePerGas or minGasPrice above 0): set feeRule \"charged\"");
        return c;
    }
    catch (const JsonFieldError& e)
    {
        return e.message;
    }
    catch (const json::exception& e)
    {
        return prefix + e.what();
    }
}

std::string encode_chain_config(const ChainConfig& config)
{
    return chain_config_to_json(config, ChainConfigKeys::All).dump();
}

Result<ChainConfig, std::string> decode_chain_config(BytesView blob, FeatureKeys features)
{
    const auto j = json::parse(blob.begin(), blob.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return std::string("stored chain rules: not a JSON object");
    if (!j.contains("chainId"))
        return std::string("stored chain rules: chainId: missing");
    // Chains stored before the fee rule existed charged fees.
    ChainConfig base;
    if (!j.contains("feeRule"))
        base.fee_rule = FeeRule::Charged;
    auto c = chain_config_from_json(j, base, ChainConfigKeys::All, "", features);
    if (!c)
        return "stored chain rules: " + c.error();
    return c;
}

}  // namespace tern::chain
