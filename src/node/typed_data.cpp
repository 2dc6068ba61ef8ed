#include "node/typed_data.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/uint256.hpp"

#include <cstring>
#include <set>
#include <stdexcept>
#include <vector>

namespace tern::node {
namespace {

using nlohmann::json;

[[noreturn]] void fail(std::string message)
{
    throw TypedDataError{std::move(message)};
}

/// The base type of an array type ("Foo[2][]" -> "Foo[2]"); empty if not an array.
std::string array_element(const std::string& type)
{
    if (type.empty() || type.back() != ']')
        return {};
    const auto open = type.rfind('[');
    if (open == std::string::npos)
        fail("invalid type " + type);
    return type.substr(0, open);
}

/// The struct name inside a possibly-array type ("Foo[][3]" -> "Foo").
std::string base_name(const std::string& type)
{
    const auto open = type.find('[');
    return open == std::string::npos ? type : type.substr(0, open);
}

const json& fields_of(const json& types, const std::string& name)
{
    const auto it = types.find(name);
    if (it == types.end() || !it->is_array())
        fail("unknown type " + name);
    return *it;
}

/// Deepest nesting of struct and array types (and of values) accepted: the encoders recurse
/// once per level, and typed data comes from RPC clients.
constexpr int kMaxDepth = 64;
/// Most struct types one encodeType may pull in.
constexpr size_t kMaxTypes = 1024;

void collect_deps(const json& types, const std::string& name, std::set<std::string>& out)
{
    // Iterative (a chain of types must not recurse once per type).
    std::vector<std::string> todo{name};
    while (!todo.empty())
    {
        const std::string current = std::move(todo.back());
        todo.pop_back();
        if (out.contains(current))
            continue;
        if (out.size() >= kMaxTypes)
            fail("too many types");
        out.insert(current);
        for (const auto& f : fields_of(types, current))
        {
            if (!f.is_object() || !f.contains("type") || !f["type"].is_string() ||
                !f.contains("name") || !f["name"].is_string())
                fail("invalid field in type " + current);
            const std::string base = base_name(f["type"].get<std::string>());
            if (types.contains(base) && !out.contains(base))
                todo.push_back(base);
        }
    }
}

std::string encode_type(const json& types, const std::string& primary)
{
    std::set<std::string> deps;
    collect_deps(types, primary, deps);
    deps.erase(primary);
    std::string out;
    const auto append = [&](const std::string& name) {
        out += name + "(";
        bool first = true;
        for (const auto& f : fields_of(types, name))
        {
            if (!first)
                out += ",";
            first = false;
            out += f.at("type").get<std::string>() + " " + f.at("name").get<std::string>();
        }
        out += ")";
    };
    append(primary);
    for (const auto& d : deps)
        append(d);
    return out;
}

/// Parses an integer value (JSON number, decimal or hex string, optional leading '-') into
/// a two's-complement word.
U256 parse_integer(const json& v, const std::string& type)
{
    bool negative = false;
    U256 magnitude;
    if (v.is_number_unsigned())
        magnitude = U256{v.get<uint64_t>()};
    else if (v.is_number_integer())
    {
        const int64_t i = v.get<int64_t>();
        negative = i < 0;
        magnitude = U256{negative ? static_cast<uint64_t>(-(i + 1)) + 1 : static_cast<uint64_t>(i)};
    }
    else if (v.is_string())
    {
        std::string s = v.get<std::string>();
        if (!s.empty() && s[0] == '-')
        {
            negative = true;
            s.erase(0, 1);
        }
        if (s.empty())
            fail("invalid integer for " + type);
        const auto parsed = U256::from_string(s);
        if (!parsed)
            fail("invalid integer " + v.get<std::string>() + " for " + type);
        magnitude = *parsed;
    }
    else
        fail("invalid integer for " + type);
    return negative ? U256{} - magnitude : magnitude;
}

Bytes parse_bytes(const json& v, const std::string& type)
{
    if (!v.is_string())
        fail("invalid bytes value for " + type);
    const auto s = v.get<std::string>();
    if (s.rfind("0x", 0) != 0 && s.rfind("0X", 0) != 0)
        fail("invalid bytes value for " + type + ": missing 0x prefix");
    auto b = from_hex(s);
    if (!b)
        fail("invalid hex for " + type);
    return *b;
}

Hash256 struct_hash(const json& types, const std::string& type, const json& value, int depth);

/// The 32-byte encoding of one field value (encodeData element); `depth` counts the enclosing
/// structs and arrays.
Hash256 encode_value(const json& types, const std::string& type, const json& value, int depth)
{
    if (depth > kMaxDepth)
        fail("typed data nested too deeply");
    if (const auto elem = array_element(type); !elem.empty())
    {
        if (!value.is_array())
            fail("expected array for " + type);
        Bytes concat;
        for (const auto& item : value)
        {
            const auto h = encode_value(types, elem, item, depth + 1);
            concat.insert(concat.end(), h.bytes.begin(), h.bytes.end());
        }
        return keccak256(concat);
    }
    if (types.contains(type))
    {
        if (!value.is_object())
            fail("expected object for " + type);
        return struct_hash(types, type, value, depth + 1);
    }
    if (type == "string")
    {
        if (!value.is_string())
            fail("expected string");
        const auto s = value.get<std::string>();
        return keccak256(as_bytes(s));
    }
    if (type == "bytes")
        return keccak256(parse_bytes(value, type));
    if (type == "bool")
    {
        bool b = false;
        if (value.is_boolean())
            b = value.get<bool>();
        else if (value.is_string() && (value == "true" || value == "false"))
            b = value == "true";
        else
            fail("invalid bool value");
        return U256{b ? 1u : 0u}.to_hash();
    }
    if (type == "address")
    {
        if (!value.is_string())
            fail("invalid address value");
        const auto& text = value.get_ref<const std::string&>();
        const auto a = text.size() == 42 ? fixed_from_hex<Address>(text) : std::nullopt;
        if (!a)
            fail("invalid address value " + value.get<std::string>());
        return U256::from_address(*a).to_hash();
    }
    if (type.rfind("bytes", 0) == 0)
    {
        const int n = std::atoi(type.c_str() + 5);
        if (n < 1 || n > 32)
            fail("invalid type " + type);
        const Bytes b = parse_bytes(value, type);
        if (b.size() > static_cast<size_t>(n))
            fail("value too long for " + type);
        Hash256 h;
        std::memcpy(h.bytes.data(), b.data(), b.size());
        return h;
    }
    if (type.rfind("uint", 0) == 0 || type.rfind("int", 0) == 0)
    {
        const bool is_signed = type[0] == 'i';
        const std::string bits_str = type.substr(is_signed ? 3 : 4);
        const int bits = bits_str.empty() ? 256 : std::atoi(bits_str.c_str());
        if (bits < 8 || bits > 256 || bits % 8 != 0)
            fail("invalid type " + type);
        const U256 v = parse_integer(value, type);
        if (bits < 256)
        {
            const U256 limit = U256{1} << static_cast<uint64_t>(bits - (is_signed ? 1 : 0));
            if (!is_signed && v >= limit)
                fail("integer out of range for " + type);
            if (is_signed && !(v < limit || v >= U256{} - limit))
                fail("integer out of range for " + type);
        }
        return v.to_hash();
    }
    fail("unknown type " + type);
}

Hash256 struct_hash(const json& types, const std::string& type, const json& value, int depth)
{
    if (depth > kMaxDepth)
        fail("typed data nested too deeply");
    if (!value.is_object())
        fail("expected object for " + type);
    const std::string enc = encode_type(types, type);
    Bytes buf;
    const auto type_hash = keccak256(as_bytes(enc));
    buf.insert(buf.end(), type_hash.bytes.begin(), type_hash.bytes.end());
    for (const auto& f : fields_of(types, type))
    {
        const auto name = f.at("name").get<std::string>();
        const auto ftype = f.at("type").get<std::string>();
        const auto it = value.find(name);
        // A missing value encodes as a zero word (as eth-sig-util's V4 does for structs; it
        // also keeps a self-referencing type from recursing without end).
        Hash256 h;
        if (it != value.end() && !it->is_null())
            h = encode_value(types, ftype, *it, depth);
        buf.insert(buf.end(), h.bytes.begin(), h.bytes.end());
    }
    return keccak256(buf);
}

json with_domain_type(const json& typed)
{
    json types = typed.at("types");
    if (!types.is_object())
        fail("types must be an object");
    if (!types.contains("EIP712Domain"))
    {
        json fields = json::array();
        const json& domain = typed.contains("domain") ? typed["domain"] : json::object();
        const std::pair<const char*, const char*> known[] = {{"name", "string"},
                                                             {"version", "string"},
                                                             {"chainId", "uint256"},
                                                             {"verifyingContract", "address"},
                                                             {"salt", "bytes32"}};
        for (const auto& [name, type] : known)
            if (domain.contains(name))
                fields.push_back(json{{"name", name}, {"type", type}});
        types["EIP712Domain"] = fields;
    }
    return types;
}

}  // namespace

Result<Hash256, TypedDataError> typed_struct_hash(const json& types,
                                                  const std::string& type,
                                                  const json& value)
{
    try
    {
        return struct_hash(types, type, value, 0);
    }
    catch (const TypedDataError& e)
    {
        return e;
    }
    catch (const json::exception& e)
    {
        return TypedDataError{std::string("invalid typed data: ") + e.what()};
    }
}

Result<std::string, TypedDataError> typed_encode_type(const json& types, const std::string& type)
{
    try
    {
        return encode_type(types, type);
    }
    catch (const TypedDataError& e)
    {
        return e;
    }
    catch (const json::exception& e)
    {
        return TypedDataError{std::string("invalid typed data: ") + e.what()};
    }
}

Result<Hash256, TypedDataError> typed_data_hash(const json& typed)
{
    try
    {
        if (!typed.is_object() || !typed.contains("types") || !typed.contains("primaryType"))
            fail("typed data must have types and primaryType");
        const json types = with_domain_type(typed);
        const json domain = typed.contains("domain") ? typed["domain"] : json::object();
        const auto primary = typed.at("primaryType").get<std::string>();
        Bytes buf{0x19, 0x01};
        const auto domain_hash = struct_hash(types, "EIP712Domain", domain, 0);
        buf.insert(buf.end(), domain_hash.bytes.begin(), domain_hash.bytes.end());
        if (primary != "EIP712Domain")
        {
            const json message = typed.contains("message") ? typed["message"] : json::object();
            const auto h = struct_hash(types, primary, message, 0);
            buf.insert(buf.end(), h.bytes.begin(), h.bytes.end());
        }
        return keccak256(buf);
    }
    catch (const TypedDataError& e)
    {
        return e;
    }
    catch (const json::exception& e)
    {
        return TypedDataError{std::string("invalid typed data: ") + e.what()};
    }
}

}  // namespace tern::node
