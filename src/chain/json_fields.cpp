#include "chain/json_fields.hpp"

#include "core/hex.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace tern::chain::json_fields {

using nlohmann::json;

void fail(const std::string& where, const std::string& what)
{
    throw JsonFieldError{where + ": " + what};
}

U256 parse_u256(const json& j, const std::string& where)
{
    if (j.is_number_unsigned())
        return U256{j.get<uint64_t>()};
    if (j.is_number_integer())
    {
        if (j.get<int64_t>() < 0)
            fail(where, "negative number");
        return U256{static_cast<uint64_t>(j.get<int64_t>())};
    }
    if (!j.is_string())
        fail(where, "expected a number (\"0x\" hex or decimal string)");
    const auto& s = j.get_ref<const std::string&>();
    if (s.empty())
        fail(where, "empty number");
    auto v = U256::from_string(s);
    if (!v)
        fail(where, "not a number or larger than 256 bits: \"" + s + "\"");
    return *v;
}

uint64_t parse_u64(const json& j, const std::string& where)
{
    const U256 v = parse_u256(j, where);
    if (!v.fits_u64())
        fail(where, "does not fit in 64 bits");
    return v.low64();
}

Bytes parse_bytes(const json& j, const std::string& where)
{
    if (!j.is_string())
        fail(where, "expected a hex string");
    std::string_view s = j.get_ref<const std::string&>();
    if (s.starts_with("0x") || s.starts_with("0X"))
        s.remove_prefix(2);
    if (s.size() % 2 != 0)
        fail(where, "odd number of hex digits");
    auto b = from_hex(s);
    if (!b)
        fail(where, "invalid hex");
    return std::move(*b);
}

Address parse_address(const json& j, const std::string& where)
{
    return parse_fixed<Address>(j, where, false);
}

U256 parse_word(const json& j, const std::string& where)
{
    return U256::from_hash(parse_fixed<Hash256>(j, where, true));
}

}  // namespace tern::chain::json_fields
