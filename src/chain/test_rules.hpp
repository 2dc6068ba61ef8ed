#pragma once

// Test helper: chain rules with every core rule off its default, for codec tests here and in
// the chain features' folders (mlchain/settings_test.cpp).

#include "chain/chain_config.hpp"
#include "core/bytes.hpp"

#include <string>

namespace tern::chain::testing {

/// Rules whose every core rule differs from ChainConfig{}'s (no feature settings).
inline ChainConfig sample_rules()
{
    ChainConfig c;
    c.chain_id = 4242;
    c.base_fee_rule = BaseFeeRule::Eip1559;
    c.base_fee = U256{1'000'000'000};
    c.min_gas_price = U256{7};
    c.gas_limit = 45'000'000;
    c.coinbase = address_from_u64(0xc0ffee);
    c.fee_rule = FeeRule::Charged;
    c.pow_difficulty = U256{3};
    return c;
}

/// The bytes of `s` (a stored copy of the rules as text).
inline BytesView text_bytes(const std::string& s)
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace tern::chain::testing
