#pragma once

// Stored files over HTTP on the JSON-RPC port, read-only, as SKALE nodes serve them:
// GET /fs/<owner address without 0x>/<path> (docs/filestorage.md "Over HTTP").

#include "chain/chain_config.hpp"
#include "rpc/http_route.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tern::state {
class StateReader;
}

namespace tern::api {
class Backend;
}

namespace tern::filestorage {

/// The route's prefix.
inline constexpr std::string_view kHttpPrefix = "/fs/";

/// Answers `get` (a target under kHttpPrefix) from the committed state `state`: a completed
/// file with its Content-Type (by extension), ETag (its hash), Accept-Ranges and one byte range
/// (206, or 416 with `bytes */size`); 304 when If-None-Match names its ETag; a directory as
/// the JSON list filestorage.js's listDirectory returns; 404 for what is missing or unfinished;
/// 400 for a malformed target or a "." / ".." component.
/// A file's body comes as a stream of 1 MiB pieces over `state`, which must outlive the reply.
rpc::HttpReply serve_file(const state::StateReader& state, const rpc::HttpGet& get);

/// The whole body of `reply` (its stream read to the end; tests and tools).
std::string drain(rpc::HttpReply& reply);

/// The feature's HTTP route: serve_file over the head state of `backend`'s chain.
void add_http_routes(std::vector<rpc::HttpRoute>& routes,
                     api::Backend& backend,
                     const chain::ChainConfig& rules);

/// The Content-Type of a file named `name`, by its extension (application/octet-stream when
/// unknown).
std::string_view content_type_of(std::string_view name);

}  // namespace tern::filestorage
