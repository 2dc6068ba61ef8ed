#include "rpc/json_parse.hpp"

#include <algorithm>

namespace tern::rpc {

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
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded())
        return JsonError::Malformed;
    return doc;
}

}  // namespace tern::rpc
