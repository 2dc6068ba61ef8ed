#include "api/json/params.hpp"

#include "core/hex.hpp"
#include "core/hex_digit.hpp"

#include <algorithm>
#include <cctype>
#include <climits>

namespace tern::api::params {

using nlohmann::json;

namespace {

const json& null_json()
{
    static const json kNull;  // immutable
    return kNull;
}

const char* json_kind(const json& v)
{
    switch (v.type())
    {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "bool";
        case json::value_t::string:
            return "string";
        case json::value_t::array:
            return "array";
        case json::value_t::object:
            return "object";
        default:
            return "number";
    }
}

bool has_0x(const std::string& s)
{
    return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/// Checks the "0x" prefix and hex digits of a data-like string; returns the digits.
std::string_view hex_digits(const json& v, size_t index, const char* go_type)
{
    if (!v.is_string())
        unmarshal_error(index, v, go_type);
    const auto& s = v.get_ref<const std::string&>();
    if (!has_0x(s))
        throw invalid(index, std::string("json: cannot unmarshal hex string without 0x prefix "
                                         "into Go value of type ") +
                                 go_type);
    const std::string_view digits = std::string_view(s).substr(2);
    for (char c : digits)
        if (hex_digit(c) < 0)
            throw invalid(index, std::string("json: cannot unmarshal invalid hex string into Go "
                                             "value of type ") +
                                     go_type);
    return digits;
}

template <typename T>
T fixed(const json& v, size_t index, const char* go_type)
{
    const std::string_view digits = hex_digits(v, index, go_type);
    if (digits.size() != 2 * T::size())
        throw invalid(index, "hex string has length " + std::to_string(digits.size()) + ", want " +
                                 std::to_string(2 * T::size()) + " for " + go_type);
    return *fixed_from_hex<T>(digits);
}

/// hexutil.DecodeUint64's checks, in its order; the plain error message, or "" if valid.
std::string uint64_error(const std::string& s)
{
    if (s.empty())
        return "empty hex string";
    if (!has_0x(s))
        return "hex string without 0x prefix";
    const std::string digits = s.substr(2);
    if (digits.empty())
        return "hex string \"0x\"";
    if (digits.size() > 1 && digits[0] == '0')
        return "hex number with leading zero digits";
    if (digits.size() > 16)
        return "hex number > 64 bits";
    for (char c : digits)
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return "invalid hex string";
    return "";
}

U256 parse_quantity(const json& v, size_t index, const char* go_type)
{
    if (!v.is_string())
        unmarshal_error(index, v, go_type);
    const auto& s = v.get_ref<const std::string&>();
    if (!has_0x(s))
        throw invalid(index, std::string("json: cannot unmarshal hex string without 0x prefix "
                                         "into Go value of type ") +
                                 go_type);
    const std::string digits = s.substr(2);
    if (digits.empty())
        throw invalid(index, std::string("json: cannot unmarshal hex string \"0x\" into Go "
                                         "value of type ") +
                                 go_type);
    if (digits.size() > 1 && digits[0] == '0')
        throw invalid(index, std::string("json: cannot unmarshal hex number with leading zero "
                                         "digits into Go value of type ") +
                                 go_type);
    if (digits.size() > 64)
        throw invalid(index, std::string("json: cannot unmarshal hex number > 256 bits into Go "
                                         "value of type ") +
                                 go_type);
    for (char c : digits)
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            throw invalid(index, std::string("json: cannot unmarshal invalid hex string into Go "
                                             "value of type ") +
                                     go_type);
    return *U256::from_string("0x" + digits);
}

}  // namespace

void unmarshal_error(size_t index, const json& v, const char* go_type)
{
    throw invalid(index, std::string("json: cannot unmarshal ") + json_kind(v) +
                             " into Go value of type " + go_type);
}

rpc::Error invalid(size_t index, const std::string& message)
{
    return rpc::Error::invalid_params("invalid argument " + std::to_string(index) + ": " + message);
}

const json& at(const json& params, size_t i)
{
    if (params.is_array() && i < params.size())
        return params[i];
    return null_json();
}

void expect_count(const json& params, size_t required, size_t max)
{
    const size_t n = params.is_array() ? params.size() : 0;
    if (n > max)
        throw rpc::Error::invalid_params("too many arguments, want at most " + std::to_string(max));
    // Trailing nulls count as absent (geth).
    for (size_t i = 0; i < required; ++i)
        if (i >= n || (params[i].is_null()))
            throw rpc::Error::invalid_params("missing value for required argument " +
                                             std::to_string(i));
}

Address address(const json& v, size_t index)
{
    return fixed<Address>(v, index, "common.Address");
}

Hash256 hash(const json& v, size_t index)
{
    return fixed<Hash256>(v, index, "common.Hash");
}

uint64_t quantity_u64(const json& v, size_t index)
{
    if (!v.is_string())
        unmarshal_error(index, v, "hexutil.Uint64");
    const auto& s = v.get_ref<const std::string&>();
    const std::string err = uint64_error(s);
    if (!err.empty())
        throw invalid(index,
                      "json: cannot unmarshal " + err + " into Go value of type hexutil.Uint64");
    return U256::from_string(s)->low64();
}

U256 quantity(const json& v, size_t index)
{
    return parse_quantity(v, index, "*hexutil.Big");
}

Bytes data(const json& v, size_t index)
{
    const std::string_view digits = hex_digits(v, index, "hexutil.Bytes");
    if (digits.size() % 2 != 0)
        throw invalid(index,
                      "json: cannot unmarshal hex string of odd length into Go value of "
                      "type hexutil.Bytes");
    return *from_hex(digits);
}

U256 storage_key(const json& v, size_t index)
{
    if (!v.is_string())
        unmarshal_error(index, v, "string");
    const auto& s = v.get_ref<const std::string&>();
    // geth's decodeHash: one optional prefix, odd lengths padded, at most 32 bytes.
    const std::string digits = has_0x(s) ? s.substr(2) : s;
    for (char c : digits)
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            throw rpc::Error::server("unable to decode storage key: hex string invalid");
    if ((digits.size() + 1) / 2 > 32)
        throw rpc::Error::server(
            "unable to decode storage key: hex string too long, want at most 32 bytes");
    return U256::from_be(*from_hex(digits));
}

BlockId block_id(const json& v, size_t index, bool allow_hash)
{
    BlockId id;
    if (v.is_null())
        return id;
    if (v.is_string())
    {
        const auto& s = v.get_ref<const std::string&>();
        if (s == "latest")
            id.kind = BlockId::Kind::Latest;
        else if (s == "earliest")
            id.kind = BlockId::Kind::Earliest;
        else if (s == "pending")
            id.kind = BlockId::Kind::Pending;
        else if (s == "safe")
            id.kind = BlockId::Kind::Safe;
        else if (s == "finalized")
            id.kind = BlockId::Kind::Finalized;
        else if (allow_hash && s.size() == 66 && has_0x(s))
        {
            id.kind = BlockId::Kind::Hash;
            id.hash = hash(v, index);
        }
        else
        {
            // geth reports hexutil.DecodeUint64's own errors for block numbers.
            const std::string err = uint64_error(s);
            if (!err.empty())
                throw invalid(index, err);
            const uint64_t n = U256::from_string(s)->low64();
            if (n > static_cast<uint64_t>(INT64_MAX))
                throw invalid(
                    index, allow_hash ? "blocknumber too high" : "block number larger than int64");
            id.kind = BlockId::Kind::Number;
            id.number = n;
        }
        return id;
    }
    if (v.is_object() && allow_hash)
    {
        const bool has_hash = v.contains("blockHash") && !v["blockHash"].is_null();
        const bool has_number = v.contains("blockNumber") && !v["blockNumber"].is_null();
        if (has_hash && has_number)
            throw invalid(index,
                          "cannot specify both BlockHash and BlockNumber, choose one or "
                          "the other");
        if (has_hash)
        {
            id.kind = BlockId::Kind::Hash;
            id.hash = hash(v["blockHash"], index);
            if (v.contains("requireCanonical"))
            {
                if (!v["requireCanonical"].is_boolean())
                    throw invalid(index, "json: cannot unmarshal requireCanonical");
                id.require_canonical = v["requireCanonical"].get<bool>();
            }
            return id;
        }
        if (has_number)
            return block_id(v["blockNumber"], index, false);
        throw invalid(index, "hex string without 0x prefix");
    }
    unmarshal_error(index, v, "rpc.BlockNumber");
}

std::vector<AccessListEntry> access_list(const json& v, size_t index)
{
    if (!v.is_array())
        unmarshal_error(index, v, "types.AccessList");
    std::vector<AccessListEntry> out;
    for (const auto& e : v)
    {
        if (!e.is_object())
            unmarshal_error(index, e, "types.AccessTuple");
        AccessListEntry entry;
        entry.address = address(e.contains("address") ? e["address"] : json(), index);
        if (e.contains("storageKeys") && !e["storageKeys"].is_null())
        {
            if (!e["storageKeys"].is_array())
                unmarshal_error(index, e["storageKeys"], "[]common.Hash");
            for (const auto& k : e["storageKeys"])
                entry.storage_keys.push_back(hash(k, index));
        }
        out.push_back(std::move(entry));
    }
    return out;
}

TxArgs tx_args(const json& v, size_t index)
{
    if (!v.is_object())
        unmarshal_error(index, v, "ethapi.TransactionArgs");
    TxArgs a;
    const auto field = [&](const char* name) -> const json* {
        const auto it = v.find(name);
        if (it == v.end() || it->is_null())
            return nullptr;
        return &*it;
    };
    if (const auto* f = field("from"))
        a.from = address(*f, index);
    if (const auto* f = field("to"))
        a.to = address(*f, index);
    if (const auto* f = field("gas"))
        a.gas = quantity_u64(*f, index);
    if (const auto* f = field("gasPrice"))
        a.gas_price = quantity(*f, index);
    if (const auto* f = field("maxFeePerGas"))
        a.max_fee_per_gas = quantity(*f, index);
    if (const auto* f = field("maxPriorityFeePerGas"))
        a.max_priority_fee_per_gas = quantity(*f, index);
    if (const auto* f = field("value"))
        a.value = quantity(*f, index);
    if (const auto* f = field("nonce"))
        a.nonce = quantity_u64(*f, index);
    const json* input = field("input");
    const json* data_field = field("data");
    if (input && data_field)
    {
        const Bytes a1 = data(*input, index);
        const Bytes a2 = data(*data_field, index);
        if (a1 != a2)
            throw invalid(index,
                          "both \"data\" and \"input\" are set and not equal. Please use "
                          "\"input\" to pass transaction call data");
        a.data = a1;
    }
    else if (input)
        a.data = data(*input, index);
    else if (data_field)
        a.data = data(*data_field, index);
    if (const auto* f = field("accessList"))
        a.access_list = access_list(*f, index);
    if (const auto* f = field("chainId"))
        a.chain_id = quantity(*f, index);
    if (const auto* f = field("type"))
        a.type = quantity_u64(*f, index);
    if (const auto* f = field("maxFeePerBlobGas"))
        a.max_fee_per_blob_gas = quantity(*f, index);
    if (const auto* f = field("blobVersionedHashes"))
    {
        if (!f->is_array())
            unmarshal_error(index, *f, "[]common.Hash");
        for (const auto& h : *f)
            a.blob_hashes.push_back(hash(h, index));
    }
    return a;
}

StateOverrides state_overrides(const json& v, size_t index)
{
    StateOverrides out;
    if (v.is_null())
        return out;
    if (!v.is_object())
        unmarshal_error(index, v, "ethapi.StateOverride");
    for (const auto& item : v.items())
    {
        const std::string& key = item.key();
        const json& o = item.value();
        const Address addr = address(json(key), index);
        if (!o.is_object())
            unmarshal_error(index, o, "ethapi.OverrideAccount");
        AccountOverride acc;
        const auto field = [&](const char* name) -> const json* {
            const auto it = o.find(name);
            if (it == o.end() || it->is_null())
                return nullptr;
            return &*it;
        };
        if (const auto* f = field("balance"))
            acc.balance = quantity(*f, index);
        if (const auto* f = field("nonce"))
            acc.nonce = quantity_u64(*f, index);
        if (const auto* f = field("code"))
            acc.code = data(*f, index);
        const auto slots = [&](const json& m) {
            if (!m.is_object())
                unmarshal_error(index, m, "map[common.Hash]common.Hash");
            std::map<U256, U256> r;
            for (const auto& [k, val] : m.items())
                r[U256::from_hash(hash(json(k), index))] = U256::from_hash(hash(val, index));
            return r;
        };
        const json* state = field("state");
        const json* diff = field("stateDiff");
        if (state && diff)
            throw rpc::Error::server("account " + to_hex(addr.view()) +
                                     " has both 'state' and 'stateDiff'");
        if (state)
            acc.state = slots(*state);
        if (diff)
            acc.state_diff = slots(*diff);
        out[addr] = std::move(acc);
    }
    return out;
}

BlockOverrides block_overrides(const json& v, size_t index)
{
    BlockOverrides out;
    if (v.is_null())
        return out;
    if (!v.is_object())
        unmarshal_error(index, v, "override.BlockOverrides");
    // Go's encoding/json matches keys to the (untagged) field names case-insensitively and
    // ignores keys that match no field; geth then refuses the two it parses but cannot apply.
    const auto is = [](const std::string& key, std::string_view name) {
        return key.size() == name.size() &&
               std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) ==
                          std::tolower(static_cast<unsigned char>(b));
               });
    };
    const auto at_most_i64 = [&](uint64_t x, const char* field) {
        if (x > static_cast<uint64_t>(INT64_MAX))
            throw invalid(index, std::string("block override \"") + field + "\" out of range");
        return x;
    };
    for (const auto& [key, value] : v.items())
    {
        if (value.is_null())
            continue;
        if (is(key, "number"))
        {
            const U256 n = parse_quantity(value, index, "*hexutil.Big");
            if (!n.fits_u64())
                throw invalid(index, "block override \"number\" out of range");
            out.number = at_most_i64(n.low64(), "number");
        }
        else if (is(key, "difficulty"))
            out.difficulty = parse_quantity(value, index, "*hexutil.Big");
        else if (is(key, "time"))
            out.time = at_most_i64(quantity_u64(value, index), "time");
        else if (is(key, "gasLimit"))
            out.gas_limit = at_most_i64(quantity_u64(value, index), "gasLimit");
        else if (is(key, "feeRecipient"))
            out.fee_recipient = address(value, index);
        else if (is(key, "prevRandao"))
            out.prev_randao = hash(value, index);
        else if (is(key, "baseFeePerGas"))
            out.base_fee_per_gas = parse_quantity(value, index, "*hexutil.Big");
        else if (is(key, "blobBaseFee"))
            out.blob_base_fee = parse_quantity(value, index, "*hexutil.Big");
        else if (is(key, "beaconRoot"))
        {
            (void)hash(value, index);
            throw rpc::Error::server(
                "block override \"beaconRoot\" is not supported for this RPC method");
        }
        else if (is(key, "withdrawals"))
        {
            if (!value.is_array())
                unmarshal_error(index, value, "types.Withdrawals");
            throw rpc::Error::server(
                "block override \"withdrawals\" is not supported for this RPC method");
        }
    }
    return out;
}

}  // namespace tern::api::params
