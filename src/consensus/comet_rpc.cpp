#include "consensus/comet_rpc.hpp"

#include <sodium.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace tern::consensus {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// One keep-alive connection with its own io_context (calls are synchronous).
struct CometRpc::Connection
{
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
};

std::string base64_encode(BytesView data)
{
    std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), data.data(), data.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

CometRpc::CometRpc(std::string url, std::chrono::milliseconds timeout) : timeout_(timeout)
{
    constexpr std::string_view kScheme = "http://";
    std::string_view rest = url;
    if (rest.starts_with(kScheme))
        rest.remove_prefix(kScheme.size());
    if (const auto slash = rest.find('/'); slash != std::string_view::npos)
        rest = rest.substr(0, slash);
    const auto colon = rest.rfind(':');
    if (colon != std::string_view::npos)
    {
        host_ = std::string(rest.substr(0, colon));
        port_ = std::string(rest.substr(colon + 1));
    }
}

CometRpc::~CometRpc() = default;

std::unique_ptr<CometRpc::Connection> CometRpc::take()
{
    std::lock_guard lock{mutex_};
    if (idle_.empty())
        return nullptr;
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
}

void CometRpc::give_back(std::unique_ptr<Connection> c)
{
    std::lock_guard lock{mutex_};
    if (idle_.size() < 64)
        idle_.push_back(std::move(c));
}

Result<nlohmann::json, std::string> CometRpc::call(const std::string& method,
                                                   const nlohmann::json& params)
{
    if (host_.empty())
        return std::string("consensus: no CometBFT RPC address configured");
    const nlohmann::json body{
        {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    http::request<http::string_body> req{http::verb::post, "/", 11};
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body.dump();
    req.prepare_payload();

    std::string last_error;
    // A reused connection may have been closed by the server meanwhile: retry once, fresh.
    for (int attempt = 0; attempt < 2; ++attempt)
    {
        auto c = attempt == 0 ? take() : nullptr;
        const bool reused = c != nullptr;
        beast::error_code ec;
        if (!c)
        {
            c = std::make_unique<Connection>();
            asio::ip::tcp::resolver resolver{c->io};
            const auto endpoints = resolver.resolve(host_, port_, ec);
            if (!ec)
            {
                c->stream.expires_after(timeout_);
                c->stream.connect(endpoints, ec);
            }
            if (ec)
                return "consensus: cannot reach CometBFT RPC at " + host_ + ":" + port_ + ": " +
                       ec.message();
        }
        c->stream.expires_after(timeout_);
        http::write(c->stream, req, ec);
        http::response<http::string_body> res;
        if (!ec)
            http::read(c->stream, c->buffer, res, ec);
        if (ec)
        {
            last_error = ec.message();
            if (reused)
                continue;
            return "consensus: CometBFT RPC " + method + ": " + last_error;
        }
        const bool keep = res.keep_alive();
        auto parsed = nlohmann::json::parse(res.body(), nullptr, false);
        if (keep)
            give_back(std::move(c));
        if (parsed.is_discarded() || !parsed.is_object())
            return "consensus: CometBFT RPC " + method + ": unexpected answer (HTTP " +
                   std::to_string(res.result_int()) + ")";
        return parsed;
    }
    return "consensus: CometBFT RPC " + method + ": " + last_error;
}

std::string broadcast_error(const nlohmann::json& j)
{
    if (const auto e = j.find("error"); e != j.end() && e->is_object())
    {
        const std::string data = e->value("data", "");
        if (data.find("already exists in cache") != std::string::npos)
            return "already known";
        if (data.find("mempool is full") != std::string::npos)
            return "txpool is full";
        return "consensus: " + (data.empty() ? e->value("message", "broadcast failed") : data);
    }
    const auto res = j.find("result");
    if (res == j.end() || !res->is_object())
        return "consensus: broadcast_tx_sync: no result";
    const uint32_t code = res->value("code", 0u);
    if (code != 0)
    {
        const std::string log = res->value("log", "");
        return log.empty() ? "transaction rejected (code " + std::to_string(code) + ")" : log;
    }
    return {};
}

std::string CometRpc::broadcast_tx_sync(BytesView tx)
{
    const auto r = call("broadcast_tx_sync", {{"tx", base64_encode(tx)}});
    if (!r)
        return r.error();
    return broadcast_error(*r);
}

}  // namespace tern::consensus
