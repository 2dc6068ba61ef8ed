#pragma once

// The one HTTP/JSON-RPC client of the `tern` subcommands: `tern chain up/status/add-node`
// (readiness checks, CometBFT's /status and /commit) and `tern model` (calls and transactions).
// One connection per request, closed after it; plenty for a CLI.

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::tools {

/// Where an HTTP request failed.
enum class HttpStage
{
    Resolve,   ///< the host name did not resolve
    Connect,   ///< no connection (refused, unreachable, timeout while connecting)
    Transfer,  ///< writing the request or reading the answer (includes the deadline passing)
};

/// A failed HTTP request: the stage and the system's message.
struct HttpError
{
    HttpStage stage = HttpStage::Transfer;
    std::string message;
};

/// An HTTP answer of any status.
struct HttpResponse
{
    unsigned status = 0;
    std::string body;
};

/// One HTTP/1.1 request (POST with a JSON body, or GET) to host:port, `Connection: close`, all
/// of it within `timeout`.
[[nodiscard]] Result<HttpResponse, HttpError> http_request(const std::string& host,
                                                           const std::string& port,
                                                           bool post,
                                                           const std::string& target,
                                                           const std::string& body,
                                                           std::chrono::milliseconds timeout);

/// "http://host[:port][/path]" split up (port default 80, path default "/").
struct HttpUrl
{
    std::string host;
    std::string port = "80";
    std::string target = "/";
};

/// Parses an http:// URL (a URL without scheme is taken as http); errors: "only http:// RPC URLs
/// are supported: URL", "bad RPC URL: URL".
[[nodiscard]] Result<HttpUrl, std::string> parse_http_url(const std::string& url);

/// A failed JSON-RPC call: the transport failed, the answer was not JSON-RPC, or it carried an
/// `error`.
struct RpcError
{
    enum class Kind
    {
        Transport,  ///< see `http`
        NotJson,    ///< the body is not a JSON object (`status`: the HTTP status)
        Error,      ///< a JSON-RPC error answer (`message`: its message, else the error's JSON)
    };
    Kind kind = Kind::Transport;
    HttpError http;
    unsigned status = 0;
    std::string message;
};

/// A JSON-RPC 2.0 client of one HTTP endpoint.
class RpcClient
{
public:
    /// A client of host:port, POSTing to `target`, each request within `timeout`.
    RpcClient(std::string host,
              std::string port,
              std::string target = "/",
              std::chrono::milliseconds timeout = std::chrono::seconds(3));
    /// A client of `url`, parse_http_url's syntax.
    RpcClient(const HttpUrl& url, std::chrono::milliseconds timeout)
        : RpcClient(url.host, url.port, url.target, timeout)
    {}

    /// The `result` member of the answer to `method` (null when absent), or why there is none.
    [[nodiscard]] Result<nlohmann::json, RpcError> call(const std::string& method,
                                                        const nlohmann::json& params);

    /// call() when it answers with HTTP 200 and a `result`; nullopt on any failure (status and
    /// readiness checks, where a failure only means "not yet").
    [[nodiscard]] std::optional<nlohmann::json> try_call(const std::string& method,
                                                         const nlohmann::json& params);

    /// The `result` of a JSON-RPC-shaped answer to GET `route` (CometBFT's /status, /commit,
    /// /net_info); nullopt unless HTTP 200 with a `result`.
    [[nodiscard]] std::optional<nlohmann::json> get(const std::string& route);

    /// The host requests go to.
    [[nodiscard]] const std::string& host() const noexcept { return host_; }
    /// The port requests go to.
    [[nodiscard]] const std::string& port() const noexcept { return port_; }

private:
    std::string host_;
    std::string port_;
    std::string target_;
    std::chrono::milliseconds timeout_;
    uint64_t id_ = 0;
};

/// A number from another process's JSON (decimal, or hex with base 16 and an optional 0x); 0 if
/// malformed, so odd answers never abort a command.
[[nodiscard]] uint64_t to_u64(const std::string& s, int base = 10);

}  // namespace tern::tools
