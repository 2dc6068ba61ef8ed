#include "rpc/json_parse.hpp"

#include <simdjson.h>

#include <algorithm>

namespace tern::rpc {

namespace {

/// Documents up to this size are parsed by a parser kept per thread; larger ones (a 1 MiB
/// FileStorage chunk is a 2 MB body) by one that is freed afterwards, so no thread keeps
/// megabytes of parser buffers.
constexpr size_t kKeptParserBytes = 64 * 1024;

/// The nlohmann value of a simdjson element, with nlohmann's own number types (non-negative
/// integers unsigned, negative ones signed). Recursion is bounded by the depth check.
nlohmann::json convert(simdjson::dom::element e)
{
    switch (e.type())
    {
        case simdjson::dom::element_type::ARRAY:
        {
            nlohmann::json out = nlohmann::json::array();
            const simdjson::dom::array items = e.get_array().value_unsafe();
            for (simdjson::dom::element item : items)
                out.push_back(convert(item));
            return out;
        }
        case simdjson::dom::element_type::OBJECT:
        {
            nlohmann::json out = nlohmann::json::object();
            const simdjson::dom::object fields = e.get_object().value_unsafe();
            for (simdjson::dom::key_value_pair field : fields)
                out[std::string(field.key)] = convert(field.value);  // the last duplicate wins
            return out;
        }
        case simdjson::dom::element_type::INT64:
        {
            const int64_t v = e.get_int64().value_unsafe();
            return v >= 0 ? nlohmann::json(static_cast<uint64_t>(v)) : nlohmann::json(v);
        }
        case simdjson::dom::element_type::UINT64:
            return e.get_uint64().value_unsafe();
        case simdjson::dom::element_type::DOUBLE:
            return e.get_double().value_unsafe();
        case simdjson::dom::element_type::STRING:
            return std::string(e.get_string().value_unsafe());
        case simdjson::dom::element_type::BOOL:
            return e.get_bool().value_unsafe();
        case simdjson::dom::element_type::NULL_VALUE:
            break;
    }
    return nullptr;
}

/// simdjson's parse of `text` (a copy of each string at memcpy speed instead of nlohmann's
/// per-character lexer), or nullopt where it does not take the text (malformed JSON, integers
/// beyond 64 bits, "-0"...): nlohmann then decides, so what is accepted and how numbers come
/// out is nlohmann's.
std::optional<nlohmann::json> fast_parse(std::string_view text)
{
    const auto run = [&](simdjson::dom::parser& parser) -> std::optional<nlohmann::json> {
        simdjson::dom::element root;
        if (parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(root))
            return std::nullopt;
        return convert(root);
    };
    if (text.size() <= kKeptParserBytes)
    {
        thread_local simdjson::dom::parser kept;
        return run(kept);
    }
    simdjson::dom::parser once;
    return run(once);
}

/// True if `text` holds a "-0" number (simdjson and nlohmann type it differently).
bool has_negative_zero(std::string_view text) noexcept
{
    for (size_t i = text.find("-0"); i != std::string_view::npos; i = text.find("-0", i + 1))
        if (i + 2 == text.size() || !(text[i + 2] >= '0' && text[i + 2] <= '9'))
            return true;
    return false;
}

}  // namespace

size_t json_nesting_depth(std::string_view text) noexcept
{
    size_t depth = 0;
    size_t max_depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i)
    {
        const char c = text[i];
        if (in_string)
        {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c)
        {
            case '"':
                in_string = true;
                break;
            case '[':
            case '{':
                max_depth = std::max(max_depth, ++depth);
                break;
            case ']':
            case '}':
                if (depth > 0)
                    --depth;
                break;
            default:
                break;
        }
    }
    return max_depth;
}

Result<nlohmann::json, JsonError> parse_client_json(std::string_view text, size_t max_depth)
{
    if (max_depth != 0 && json_nesting_depth(text) > max_depth)
        return JsonError::TooDeep;
    if (!has_negative_zero(text))
        if (auto fast = fast_parse(text))
            return std::move(*fast);
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded())
        return JsonError::Malformed;
    return doc;
}

}  // namespace tern::rpc
