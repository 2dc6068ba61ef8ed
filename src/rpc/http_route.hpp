#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::rpc {

/// A GET (or HEAD) request for a route of the JSON-RPC port besides JSON-RPC itself (the
/// FileStorage file route, /fs/...): what a route handler needs of it.
struct HttpGet
{
    std::string_view target;         ///< the request target, "/fs/…?query" (not decoded)
    std::string_view range;          ///< the Range header ("" if absent)
    std::string_view if_none_match;  ///< the If-None-Match header ("" if absent)
};

/// Appends the next piece of a streamed body to `out`; sets `done` with the last one. False:
/// the body cannot be completed (the connection is then closed, the client sees it short).
using BodyStream = std::function<bool(std::string& out, bool& done)>;

/// What a route answers: a status, its headers, and the body (left out for HEAD): `body`, or,
/// for large ones, `stream` with `content_length` bytes in all (written piece by piece, so a
/// reader holds one piece of memory, not the whole body).
struct HttpReply
{
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;  ///< besides Content-Type/Length
    std::string body;
    BodyStream stream;
    uint64_t content_length = 0;  ///< with `stream`
};

/// One route: the requests whose target starts with `prefix` ("/fs/") go to `handle`, which
/// runs on an io thread (keep it to reads of committed state; it must not block long).
struct HttpRoute
{
    std::string prefix;
    std::function<HttpReply(const HttpGet&)> handle;
};

}  // namespace tern::rpc
