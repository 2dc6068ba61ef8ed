#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tern::rpc {

/// Deepest nesting of arrays and objects accepted in JSON that comes from a client: deeper
/// documents are refused before they are parsed, because copying, comparing, serialising and
/// destroying a nlohmann::json recurses once per level (an 80,000-deep value overflows a
/// thread's stack).
inline constexpr size_t kMaxJsonDepth = 128;

/// Why client JSON was refused.
enum class JsonError : uint8_t
{
    Malformed,  ///< not JSON
    TooDeep,    ///< nested deeper than the limit
};

/// Greatest nesting depth of arrays/objects in `text` (strings skipped); used to refuse input
/// that would recurse deeply when serialised or compared.
size_t json_nesting_depth(std::string_view text) noexcept;

/// The one parser for JSON a client sent: request bodies (rpc::Dispatcher) and every string
/// parameter that is itself parsed as JSON (eth_signTypedData's typed data). Refuses nesting
/// deeper than `max_depth` (0: no limit) before parsing, then parses without exceptions. Only
/// std::bad_alloc escapes.
[[nodiscard]] Result<nlohmann::json, JsonError> parse_client_json(std::string_view text,
                                                                  size_t max_depth = kMaxJsonDepth);

}  // namespace tern::rpc
