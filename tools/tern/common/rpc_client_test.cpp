#include "tools/tern/common/rpc_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <istream>
#include <string>
#include <thread>

namespace tern::tools {
namespace {

namespace asio = boost::asio;
using json = nlohmann::json;

/// A one-shot HTTP server on 127.0.0.1: answers the first request with `status` and `body`, and
/// keeps what it received.
class TinyServer
{
public:
    TinyServer(unsigned status, std::string body)
        : acceptor_(ioc_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
    {
        thread_ = std::thread([this, status, body = std::move(body)] {
            asio::ip::tcp::socket socket{ioc_};
            acceptor_.accept(socket);
            asio::streambuf buf;
            asio::read_until(socket, buf, "\r\n\r\n");
            std::istream in{&buf};
            std::string head;
            for (std::string line; std::getline(in, line) && line != "\r";)
                head += line + "\n";
            request_head_ = head;
            size_t length = 0;
            if (const auto at = head.find("Content-Length: "); at != std::string::npos)
                length = std::stoul(head.substr(at + 16));
            std::string rest{std::istreambuf_iterator<char>(in), {}};
            if (rest.size() < length)
            {
                std::string more(length - rest.size(), '\0');
                asio::read(socket, asio::buffer(more));
                rest += more;
            }
            request_body_ = rest;
            const std::string answer = "HTTP/1.1 " + std::to_string(status) +
                                       " X\r\nContent-Type: application/json\r\nContent-Length: " +
                                       std::to_string(body.size()) +
                                       "\r\nConnection: close\r\n\r\n" + body;
            asio::write(socket, asio::buffer(answer));
        });
    }
    ~TinyServer()
    {
        if (thread_.joinable())
            thread_.join();
    }

    std::string port() const { return std::to_string(acceptor_.local_endpoint().port()); }
    /// The request line and headers (after the client is done).
    const std::string& head()
    {
        thread_.join();
        return request_head_;
    }
    const std::string& body() const { return request_body_; }

private:
    asio::io_context ioc_;
    asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
    std::string request_head_;
    std::string request_body_;
};

/// A port nothing listens on (bound, then closed).
std::string closed_port()
{
    asio::io_context ioc;
    asio::ip::tcp::acceptor a{ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    const auto port = a.local_endpoint().port();
    a.close();
    return std::to_string(port);
}

TEST(RpcClient, CallReturnsTheResult)
{
    TinyServer server{200, R"({"jsonrpc":"2.0","id":1,"result":"0x1e61"})"};
    RpcClient rpc{"127.0.0.1", server.port(), "/rpc"};
    const auto r = rpc.call("eth_chainId", json::array());
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, "0x1e61");
    const std::string& head = server.head();
    EXPECT_EQ(head.rfind("POST /rpc HTTP/1.1", 0), 0u) << head;
    EXPECT_NE(head.find("Content-Type: application/json"), std::string::npos);
    const json sent = json::parse(server.body());
    EXPECT_EQ(sent["method"], "eth_chainId");
    EXPECT_EQ(sent["jsonrpc"], "2.0");
    EXPECT_EQ(sent["params"], json::array());
}

TEST(RpcClient, ErrorAnswers)
{
    {
        TinyServer server{200,
                          R"({"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nope"}})"};
        RpcClient rpc{"127.0.0.1", server.port()};
        const auto r = rpc.call("eth_call", json::array());
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, RpcError::Kind::Error);
        EXPECT_EQ(r.error().message, "nope");
    }
    {
        TinyServer server{502, "<html>bad gateway</html>"};
        RpcClient rpc{"127.0.0.1", server.port()};
        const auto r = rpc.call("eth_call", json::array());
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, RpcError::Kind::NotJson);
        EXPECT_EQ(r.error().status, 502u);
    }
    {
        // Not 200: try_call gives nothing even with a result in the body.
        TinyServer server{500, R"({"jsonrpc":"2.0","id":1,"result":1})"};
        RpcClient rpc{"127.0.0.1", server.port()};
        EXPECT_FALSE(rpc.try_call("x", json::array()));
    }
}

TEST(RpcClient, TransportErrors)
{
    RpcClient refused{"127.0.0.1", closed_port(), "/", std::chrono::milliseconds(2000)};
    const auto r = refused.call("eth_chainId", json::array());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, RpcError::Kind::Transport);
    EXPECT_EQ(r.error().http.stage, HttpStage::Connect);
    EXPECT_FALSE(refused.try_call("eth_chainId", json::array()));
    EXPECT_FALSE(refused.get("/status"));

    RpcClient unresolvable{"no-such-host.invalid", "80", "/", std::chrono::milliseconds(2000)};
    const auto u = unresolvable.call("eth_chainId", json::array());
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().http.stage, HttpStage::Resolve);
}

TEST(RpcClient, GetOfACometBftRoute)
{
    TinyServer server{200, R"({"jsonrpc":"2.0","id":-1,"result":{"n_peers":"3"}})"};
    RpcClient comet{"127.0.0.1", server.port()};
    const auto r = comet.get("/net_info");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["n_peers"], "3");
    EXPECT_EQ(server.head().rfind("GET /net_info HTTP/1.1", 0), 0u);
}

TEST(ParseHttpUrl, Forms)
{
    const auto a = parse_http_url("http://127.0.0.1:8545");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, "8545");
    EXPECT_EQ(a->target, "/");
    const auto b = parse_http_url("node.example/rpc/v1");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host, "node.example");
    EXPECT_EQ(b->port, "80");
    EXPECT_EQ(b->target, "/rpc/v1");
    const auto c = parse_http_url("https://node.example");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), "only http:// RPC URLs are supported: https://node.example");
    const auto d = parse_http_url("http://:8545");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error(), "bad RPC URL: http://:8545");
}

TEST(ToU64, DecimalHexAndJunk)
{
    EXPECT_EQ(to_u64("42"), 42u);
    EXPECT_EQ(to_u64("0x1f", 16), 31u);
    EXPECT_EQ(to_u64("1f", 16), 31u);
    EXPECT_EQ(to_u64(""), 0u);
    EXPECT_EQ(to_u64("12x"), 0u);
    EXPECT_EQ(to_u64("99999999999999999999999"), 0u);
}

}  // namespace
}  // namespace tern::tools
