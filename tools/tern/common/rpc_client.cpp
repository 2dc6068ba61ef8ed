#include "tools/tern/common/rpc_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cerrno>
#include <cstdlib>

namespace tern::tools {

using json = nlohmann::json;

Result<HttpResponse, HttpError> http_request(const std::string& host,
                                             const std::string& port,
                                             bool post,
                                             const std::string& target,
                                             const std::string& body,
                                             std::chrono::milliseconds timeout)
{
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    namespace http = beast::http;
    asio::io_context ioc;
    boost::system::error_code ec;
    asio::ip::tcp::resolver resolver{ioc};
    const auto endpoints = resolver.resolve(host, port, ec);
    if (ec)
        return HttpError{HttpStage::Resolve, ec.message()};
    beast::tcp_stream stream{ioc};
    http::request<http::string_body> req{post ? http::verb::post : http::verb::get, target, 11};
    req.set(http::field::host, host);
    req.set(http::field::connection, "close");
    if (post)
    {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    HttpError error{HttpStage::Connect, "no answer"};
    bool ok = false;
    // One deadline for connecting, writing and reading.
    stream.expires_after(timeout);
    stream.async_connect(endpoints, [&](beast::error_code e, const auto&) {
        if (e)
        {
            error = {HttpStage::Connect, e.message()};
            return;
        }
        http::async_write(stream, req, [&](beast::error_code e2, size_t) {
            if (e2)
            {
                error = {HttpStage::Transfer, e2.message()};
                return;
            }
            http::async_read(stream, buffer, res, [&](beast::error_code e3, size_t) {
                if (e3)
                    error = {HttpStage::Transfer, e3.message()};
                ok = !e3;
            });
        });
    });
    ioc.run();
    if (!ok)
        return error;
    return HttpResponse{res.result_int(), std::move(res.body())};
}

Result<HttpUrl, std::string> parse_http_url(const std::string& url)
{
    std::string rest = url;
    if (rest.starts_with("http://"))
        rest = rest.substr(7);
    else if (rest.find("://") != std::string::npos)
        return "only http:// RPC URLs are supported: " + url;
    HttpUrl out;
    const auto slash = rest.find('/');
    out.target = slash == std::string::npos ? "/" : rest.substr(slash);
    const std::string hostport = rest.substr(0, slash);
    const auto colon = hostport.rfind(':');
    out.host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
    out.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
    if (out.host.empty())
        return "bad RPC URL: " + url;
    return out;
}

RpcClient::RpcClient(std::string host,
                     std::string port,
                     std::string target,
                     std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(std::move(port)), target_(std::move(target)), timeout_(timeout)
{}

namespace {

RpcError rpc_error(RpcError::Kind kind, HttpError http, unsigned status, std::string message)
{
    RpcError e;
    e.kind = kind;
    e.http = std::move(http);
    e.status = status;
    e.message = std::move(message);
    return e;
}

}  // namespace

Result<json, RpcError> RpcClient::call(const std::string& method, const json& params)
{
    const json req = {{"jsonrpc", "2.0"}, {"id", ++id_}, {"method", method}, {"params", params}};
    auto res = http_request(host_, port_, true, target_, req.dump(), timeout_);
    if (!res)
        return rpc_error(RpcError::Kind::Transport, res.error(), 0, "");
    const json body = json::parse(res->body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return rpc_error(RpcError::Kind::NotJson, HttpError{}, res->status, "");
    if (body.contains("error"))
    {
        const json& e = body["error"];
        std::string message = e.is_object() ? e.value("message", e.dump()) : e.dump();
        return rpc_error(RpcError::Kind::Error, HttpError{}, res->status, std::move(message));
    }
    return body.value("result", json{});
}

namespace {

/// The `result` member of a 200 answer (nullopt: another status, not JSON, or no result).
std::optional<json> result_of(const Result<HttpResponse, HttpError>& res)
{
    if (!res || res->status != 200)
        return std::nullopt;
    const json body = json::parse(res->body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("result"))
        return std::nullopt;
    return body["result"];
}

}  // namespace

std::optional<json> RpcClient::try_call(const std::string& method, const json& params)
{
    const json req = {{"jsonrpc", "2.0"}, {"id", ++id_}, {"method", method}, {"params", params}};
    return result_of(http_request(host_, port_, true, target_, req.dump(), timeout_));
}

std::optional<json> RpcClient::get(const std::string& route)
{
    return result_of(http_request(host_, port_, false, route, "", timeout_));
}

uint64_t to_u64(const std::string& s, int base)
{
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, base);
    return errno != 0 || end == s.c_str() || *end != '\0' ? 0 : v;
}

}  // namespace tern::tools
