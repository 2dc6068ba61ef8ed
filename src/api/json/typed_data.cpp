#include "api/json/typed_data.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/uint256.hpp"

#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

namespace tern::api {
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
/// Work one digest may cost, in steps: a field encoded, an array element, a field of a type
/// read for encodeType (plus a step per 64 bytes of its name and type). A missing field
/// encodes as a zero word without recursing, so without a budget a type of 50,000 fields and a
/// message of 500,000 empty structs of it (5 MB) would cost 2.5e10 steps. 2^18 steps take at
/// most ~0.3 s; honest typed data (permits, orders, votes) needs a few thousand.
constexpr size_t kMaxSteps = size_t{1} << 18;

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

/// The 32-byte encoding of an atomic (non-struct, non-array) value.
Hash256 encode_atomic(const std::string& type, const json& value)
{
    if (type == "string")
    {
        if (!value.is_string())
            fail("expected string");
        const auto& s = value.get_ref<const std::string&>();
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

/// hashStruct over one `types` object, with the work bounded: recursion by kMaxDepth, the
/// type graph by kMaxTypes, the total by kMaxSteps; each struct type's typeHash is computed
/// once per digest.
class Encoder
{
public:
    explicit Encoder(const json& types) : types_(types) {}

    /// hashStruct(type, value); `depth` counts the enclosing structs and arrays.
    Hash256 struct_hash(const std::string& type, const json& value, int depth)
    {
        if (depth > kMaxDepth)
            fail("typed data nested too deeply");
        if (!value.is_object())
            fail("expected object for " + type);
        Bytes buf;
        const Hash256 th = type_hash(type);
        buf.insert(buf.end(), th.bytes.begin(), th.bytes.end());
        for (const auto& f : fields_of(types_, type))
        {
            charge(1);
            const auto& name = f.at("name").get_ref<const std::string&>();
            const auto& ftype = f.at("type").get_ref<const std::string&>();
            const auto it = value.find(name);
            // A missing value encodes as a zero word (as eth-sig-util's V4 does for structs;
            // it also keeps a self-referencing type from recursing without end).
            Hash256 h;
            if (it != value.end() && !it->is_null())
                h = encode_value(ftype, *it, depth);
            buf.insert(buf.end(), h.bytes.begin(), h.bytes.end());
        }
        return keccak256(buf);
    }

    /// encodeType(primary): the primary type, then its dependencies sorted by name.
    std::string encode_type(const std::string& primary)
    {
        std::set<std::string> deps;
        collect_deps(primary, deps);
        deps.erase(primary);
        std::string out;
        const auto append = [&](const std::string& name) {
            out += name + "(";
            bool first = true;
            for (const auto& f : fields_of(types_, name))
            {
                if (!first)
                    out += ",";
                first = false;
                out += f.at("type").get_ref<const std::string&>() + " " +
                       f.at("name").get_ref<const std::string&>();
            }
            out += ")";
        };
        append(primary);
        for (const auto& d : deps)
            append(d);
        return out;
    }

private:
    /// Counts `steps` of work; fails once the digest has cost more than kMaxSteps.
    void charge(size_t steps)
    {
        steps_ += steps;
        if (steps_ > kMaxSteps)
            fail("typed data too large");
    }

    /// keccak256(encodeType(type)), computed once per type.
    Hash256 type_hash(const std::string& type)
    {
        if (const auto it = type_hashes_.find(type); it != type_hashes_.end())
            return it->second;
        const Hash256 h = keccak256(as_bytes(encode_type(type)));
        type_hashes_.emplace(type, h);
        return h;
    }

    void collect_deps(const std::string& name, std::set<std::string>& out)
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
            for (const auto& f : fields_of(types_, current))
            {
                if (!f.is_object() || !f.contains("type") || !f["type"].is_string() ||
                    !f.contains("name") || !f["name"].is_string())
                    fail("invalid field in type " + current);
                const auto& ftype = f["type"].get_ref<const std::string&>();
                // Each dependency's fields are also written out by encodeType.
                charge(1 + (ftype.size() + f["name"].get_ref<const std::string&>().size()) / 64);
                const std::string base = base_name(ftype);
                if (types_.contains(base) && !out.contains(base))
                    todo.push_back(base);
            }
        }
    }

    /// The 32-byte encoding of one field value (encodeData element).
    Hash256 encode_value(const std::string& type, const json& value, int depth)
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
                charge(1);
                const auto h = encode_value(elem, item, depth + 1);
                concat.insert(concat.end(), h.bytes.begin(), h.bytes.end());
            }
            return keccak256(concat);
        }
        if (types_.contains(type))
        {
            if (!value.is_object())
                fail("expected object for " + type);
            return struct_hash(type, value, depth + 1);
        }
        return encode_atomic(type, value);
    }

    const json& types_;
    std::map<std::string, Hash256, std::less<>> type_hashes_;
    size_t steps_ = 0;
};

/// `object[name]`, or an empty object when absent.
const json& member_or_empty(const json& object, const char* name)
{
    static const json kEmpty = json::object();  // immutable
    const auto it = object.find(name);
    return it == object.end() ? kEmpty : *it;
}

/// The types of `typed`: its `types` object, or when that lacks EIP712Domain a copy with the
/// domain type derived from the domain's fields (kept in `derived`).
const json& with_domain_type(const json& typed, json& derived)
{
    const json& types = typed.at("types");
    if (!types.is_object())
        fail("types must be an object");
    if (types.contains("EIP712Domain"))
        return types;
    json fields = json::array();
    const json& domain = member_or_empty(typed, "domain");
    const std::pair<const char*, const char*> known[] = {{"name", "string"},
                                                         {"version", "string"},
                                                         {"chainId", "uint256"},
                                                         {"verifyingContract", "address"},
                                                         {"salt", "bytes32"}};
    for (const auto& [name, type] : known)
        if (domain.contains(name))
            fields.push_back(json{{"name", name}, {"type", type}});
    derived = types;
    derived["EIP712Domain"] = std::move(fields);
    return derived;
}

/// Runs `f`, turning the encoder's failures (and malformed JSON shapes) into a TypedDataError.
template <typename F>
auto guarded(F&& f) -> Result<decltype(f()), TypedDataError>
{
    try
    {
        return f();
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

}  // namespace

Result<Hash256, TypedDataError> typed_struct_hash(const json& types,
                                                  const std::string& type,
                                                  const json& value)
{
    return guarded([&] { return Encoder(types).struct_hash(type, value, 0); });
}

Result<std::string, TypedDataError> typed_encode_type(const json& types, const std::string& type)
{
    return guarded([&] { return Encoder(types).encode_type(type); });
}

Result<Hash256, TypedDataError> typed_data_hash(const json& typed)
{
    return guarded([&] {
        if (!typed.is_object() || !typed.contains("types") || !typed.contains("primaryType"))
            fail("typed data must have types and primaryType");
        json derived;
        const json& types = with_domain_type(typed, derived);
        const auto primary = typed.at("primaryType").get<std::string>();
        Encoder encoder(types);
        Bytes buf{0x19, 0x01};
        const auto domain_hash =
            encoder.struct_hash("EIP712Domain", member_or_empty(typed, "domain"), 0);
        buf.insert(buf.end(), domain_hash.bytes.begin(), domain_hash.bytes.end());
        if (primary != "EIP712Domain")
        {
            const auto h = encoder.struct_hash(primary, member_or_empty(typed, "message"), 0);
            buf.insert(buf.end(), h.bytes.begin(), h.bytes.end());
        }
        return keccak256(buf);
    });
}

Result<Hash256, TypedDataError> typed_data_param_hash(const json& param, size_t max_depth)
{
    if (!param.is_string())
        return typed_data_hash(param);
    const auto parsed = rpc::parse_client_json(param.get_ref<const std::string&>(), max_depth);
    if (!parsed)
        return TypedDataError{parsed.error() == rpc::JsonError::TooDeep
                                  ? "typed data JSON nested deeper than " +
                                        std::to_string(max_depth) + " levels"
                                  : std::string("invalid typed data JSON")};
    return typed_data_hash(*parsed);
}

}  // namespace tern::api
