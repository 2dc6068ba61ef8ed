#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace tern::rpc {

/// The raw text of the "id" members of a request body, as sent: geth echoes an id byte for byte
/// (it keeps the raw JSON), while a parsed number prints differently (`1e2` as `100.0`, `-0` as
/// `0`). `text` must be valid JSON (it has been parsed already). For a single request object
/// the result has one element; for a batch, one per item (empty for an item that is not an
/// object or has no id); for anything else it is empty. With duplicate "id" keys the last one
/// counts, as in the parsed value. Views point into `text`.
std::vector<std::string_view> raw_request_ids(std::string_view text);

}  // namespace tern::rpc
