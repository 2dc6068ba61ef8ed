#include "rpc/server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

using namespace tern::rpc;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;
using Clock = std::chrono::steady_clock;

tcp::endpoint local(uint16_t port)
{
    return {net::ip::make_address("127.0.0.1"), port};
}

/// Connects `socket` to the server, from `from` (another loopback address such as 127.0.0.2
/// plays a second client; "": the default).
void connect_from(tcp::socket& socket, uint16_t port, const std::string& from)
{
    if (!from.empty())
    {
        socket.open(tcp::v4());
        socket.bind({net::ip::make_address(from), 0});
    }
    socket.connect(local(port));
}

http::request<http::string_body> post_request(std::string body,
                                              std::string content_type = "application/json")
{
    http::request<http::string_body> req{http::verb::post, "/", 11};
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty())
        req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

/// A keep-alive HTTP client with timeouts (async ops on its own io_context).
class HttpClient
{
public:
    explicit HttpClient(uint16_t port, const std::string& from = {})
    {
        connect_from(stream_.socket(), port, from);
    }

    http::response<http::string_body> send(http::request<http::string_body> req,
                                           std::chrono::milliseconds timeout = 10s)
    {
        error_code write_ec, read_ec;
        bool done = false;
        http::response<http::string_body> res;
        stream_.expires_after(timeout);
        http::async_write(stream_, req, [&](error_code ec, size_t) {
            write_ec = ec;
            if (ec)
            {
                done = true;
                return;
            }
            http::async_read(stream_, buffer_, res, [&](error_code ec2, size_t) {
                read_ec = ec2;
                done = true;
            });
        });
        ioc_.restart();
        ioc_.run();
        if (!done || write_ec || read_ec)
            throw std::runtime_error("http: " + (write_ec ? write_ec : read_ec).message());
        return res;
    }

    http::response<http::string_body> post(std::string body,
                                           std::string content_type = "application/json")
    {
        return send(post_request(std::move(body), std::move(content_type)));
    }

    json rpc(const json& request)
    {
        const auto res = post(request.dump());
        if (res.result() != http::status::ok)
            throw std::runtime_error("status " + std::to_string(res.result_int()));
        return json::parse(res.body());
    }

private:
    net::io_context ioc_;
    beast::tcp_stream stream_{ioc_};
    beast::flat_buffer buffer_;
};

/// A raw TCP client for partial/malformed requests.
class RawClient
{
public:
    explicit RawClient(uint16_t port, const std::string& from = {})
    {
        connect_from(stream_.socket(), port, from);
    }

    /// Closes the connection (the client goes away).
    void close()
    {
        error_code ec;
        stream_.socket().close(ec);
    }

    void write(std::string_view data)
    {
        error_code result;
        stream_.expires_after(5s);
        net::async_write(stream_, net::buffer(data), [&](error_code ec, size_t) { result = ec; });
        ioc_.restart();
        ioc_.run();
        if (result)
            throw std::runtime_error("raw write: " + result.message());
    }

    /// Reads until `marker` appears (true) or the connection closes / times out (false).
    bool read_until(std::string_view marker, std::chrono::milliseconds timeout = 5s)
    {
        const auto deadline = Clock::now() + timeout;
        while (data.find(marker) == std::string::npos)
        {
            if (!read_some(deadline))
                return false;
        }
        return true;
    }

    /// Reads until the server closes the connection (true) or `timeout` passes (false).
    bool closed_within(std::chrono::milliseconds timeout)
    {
        const auto deadline = Clock::now() + timeout;
        while (read_some(deadline))
        {}
        return closed;
    }

    std::string data;
    bool closed = false;

private:
    bool read_some(Clock::time_point deadline)
    {
        if (closed)
            return false;
        const auto now = Clock::now();
        if (now >= deadline)
            return false;
        stream_.expires_after(deadline - now);
        char buf[65536];
        error_code result;
        size_t n = 0;
        stream_.async_read_some(net::buffer(buf), [&](error_code ec, size_t got) {
            result = ec;
            n = got;
        });
        ioc_.restart();
        ioc_.run();
        data.append(buf, n);
        if (result == beast::error::timeout)
            return false;
        if (result)
        {
            closed = true;
            return false;
        }
        return true;
    }

    net::io_context ioc_;
    beast::tcp_stream stream_{ioc_};
};

/// A WebSocket client with timeouts.
class WsClient
{
public:
    explicit WsClient(uint16_t port,
                      std::string origin = {},
                      const std::string& from = {},
                      const std::string& host = "127.0.0.1")
    {
        connect_from(beast::get_lowest_layer(ws_).socket(), port, from);
        if (!origin.empty())
            ws_.set_option(websocket::stream_base::decorator(
                [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
        beast::get_lowest_layer(ws_).expires_after(5s);
        error_code result;
        ws_.async_handshake(host, "/", [&](error_code ec) { result = ec; });
        ioc_.run();
        if (result)
            throw std::runtime_error("ws handshake: " + result.message());
        beast::get_lowest_layer(ws_).expires_never();
    }

    void send(const std::string& text)
    {
        error_code result;
        ws_.text(true);
        ws_.async_write(net::buffer(text), [&](error_code ec, size_t) { result = ec; });
        ioc_.restart();
        ioc_.run();
        if (result)
            throw std::runtime_error("ws write: " + result.message());
    }

    /// The next message, or nullopt on timeout (the client is then unusable) or error
    /// (`error` set; the server closed the connection).
    std::optional<std::string> recv(std::chrono::milliseconds timeout = 5s)
    {
        bool done = false;
        error_code result;
        ws_.async_read(buffer_, [&](error_code ec, size_t) {
            result = ec;
            done = true;
        });
        ioc_.restart();
        ioc_.run_for(timeout);
        if (!done)
        {
            timed_out = true;
            return std::nullopt;
        }
        if (result)
        {
            error = result;
            return std::nullopt;
        }
        std::string out = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        return out;
    }

    json recv_json()
    {
        const auto m = recv();
        if (!m)
            throw std::runtime_error("ws: no message (" + error.message() + ")");
        return json::parse(*m);
    }

    json rpc(const json& request)
    {
        send(request.dump());
        return recv_json();
    }

    /// Closes the TCP connection without a close handshake (the client goes away).
    void drop()
    {
        error_code ec;
        beast::get_lowest_layer(ws_).socket().close(ec);
    }

    error_code error;
    bool timed_out = false;

private:
    net::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_{ioc_};
    beast::flat_buffer buffer_;
};

json call(int id, std::string method, json params = json::array())
{
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", std::move(method)}, {"params", params}};
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 3s)
{
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline)
    {
        if (pred())
            return true;
        std::this_thread::sleep_for(10ms);
    }
    return pred();
}

class ServerTest : public ::testing::Test
{
protected:
    ServerTest()
    {
        d.add("echo", [](const json& params, CallContext&) { return params; });
        d.add("transport", [](const json&, CallContext& ctx) -> json {
            return ctx.transport() == Transport::WebSocket ? "ws" : "http";
        });
        d.add("revert", [](const json&, CallContext&) -> json {
            throw Error{3, "execution reverted", json("0x08c379a0")};
        });
        d.add("slow", [](const json& params, CallContext&) -> json {
            std::this_thread::sleep_for(std::chrono::milliseconds(params.at(0).get<int>()));
            return "done";
        });
        d.add("big", [](const json& params, CallContext&) -> json {
            return std::string(params.at(0).get<size_t>(), 'x');
        });
        d.add("eth_subscribe", [](const json& params, CallContext& ctx) -> json {
            return ctx.subscribe(params.at(0).get<std::string>());
        });
        d.add_unsubscribe("eth_unsubscribe");
        // A heavy call: waits `params[0]` ms, or less when the client goes away.
        d.add("spin", [this](const json& params, CallContext& ctx) -> json {
            if (params.size() > 2)
            {
                std::lock_guard lock(spin_mu);
                spin_tags.push_back(params[2].get<int>());
            }
            ++spins_started;
            const auto until = Clock::now() + std::chrono::milliseconds(params.at(0).get<int>());
            while (Clock::now() < until)
            {
                if (ctx.cancelled())
                {
                    ++spins_cancelled;
                    return "cancelled";
                }
                std::this_thread::sleep_for(1ms);
            }
            return "done";
        });
        EXPECT_TRUE(d.set_cost("spin", Cost::Heavy));
        // Publishes while the call is still running: the notification must follow the response.
        d.add("publish_inside", [this](const json& params, CallContext&) -> json {
            d.subscriptions().publish(params.at(0).get<std::string>(), "inside");
            return "published";
        });
    }

    void start(ServerConfig cfg = {})
    {
        cfg.host = "127.0.0.1";
        cfg.port = 0;
        server = std::make_unique<Server>(d, cfg);
        auto r = server->start();
        ASSERT_TRUE(r) << r.error();
        port = *r;
        ASSERT_NE(port, 0);
        ASSERT_EQ(server->port(), port);
    }

    void TearDown() override
    {
        if (server)
            server->stop();
    }

    Dispatcher d;
    std::unique_ptr<Server> server;
    uint16_t port = 0;
    std::atomic<int> spins_started{0};
    std::atomic<int> spins_cancelled{0};
    std::mutex spin_mu;
    std::vector<int> spin_tags;  // params[2] of the spins that started
};

}  // namespace

TEST_F(ServerTest, HttpPost)
{
    start();
    EXPECT_TRUE(server->running());
    EXPECT_EQ(server->http_url(), "http://127.0.0.1:" + std::to_string(port));
    HttpClient c(port);
    const auto res = c.post(call(1, "echo", {1, "a"}).dump());
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(json::parse(res.body()), json::parse(R"({"jsonrpc":"2.0","id":1,"result":[1,"a"]})"));
    EXPECT_EQ(c.rpc(call(2, "transport"))["result"], "http");
    // Content-type parameters are accepted.
    EXPECT_EQ(c.post(call(3, "echo").dump(), "application/json; charset=utf-8").result(),
              http::status::ok);
}

TEST_F(ServerTest, HttpBatchAndErrors)
{
    start();
    HttpClient c(port);
    const json batch =
        json::array({call(1, "echo", {1}), json{{"jsonrpc", "2.0"}, {"method", "echo"}},
                     call(2, "revert"), call(3, "nope")});
    const auto r = c.rpc(batch);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0]["result"], json::array({1}));
    EXPECT_EQ(r[1]["error"], json::parse(R"({"code":3,"message":"execution reverted",
        "data":"0x08c379a0"})"));
    EXPECT_EQ(r[2]["error"]["message"], "the method nope does not exist/is not available");

    // Malformed JSON: 200 with -32700 and id null; the connection keeps serving.
    const auto bad = c.post("{\"jsonrpc\":");
    EXPECT_EQ(bad.result(), http::status::ok);
    EXPECT_EQ(
        json::parse(bad.body()),
        json::parse(
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})"));
    EXPECT_EQ(c.rpc(json{{"jsonrpc", "1.0"}, {"id", 9}, {"method", "echo"}})["error"]["code"],
              -32600);
    EXPECT_EQ(c.rpc(call(4, "echo", {4}))["result"], json::array({4}));

    // Only notifications: empty 200.
    const auto none = c.post(R"({"jsonrpc":"2.0","method":"echo"})");
    EXPECT_EQ(none.result(), http::status::ok);
    EXPECT_EQ(none.body(), "");
}

TEST_F(ServerTest, HttpBatchTooLarge)
{
    start();
    HttpClient c(port);
    json batch = json::array();
    for (int i = 0; i < 1001; ++i)
        batch.push_back(call(i + 1, "echo"));
    const auto r = c.rpc(batch);
    EXPECT_EQ(r, json::parse(R"([{"jsonrpc":"2.0","id":1,"error":{"code":-32600,
        "message":"batch too large"}}])"));
    batch.erase(batch.begin());
    EXPECT_EQ(c.rpc(batch).size(), 1000u);
}

TEST_F(ServerTest, HttpMethodsContentTypeAndCors)
{
    ServerConfig cfg;
    cfg.cors_origins = {"*"};
    start(cfg);
    HttpClient c(port);

    const auto wrong_type = c.post(call(1, "echo").dump(), "text/plain");
    EXPECT_EQ(wrong_type.result(), http::status::unsupported_media_type);
    EXPECT_EQ(wrong_type.body(), "invalid content type, only application/json is supported\n");
    EXPECT_EQ(c.post(call(1, "echo").dump(), "").result(), http::status::unsupported_media_type);

    auto put = post_request(call(1, "echo").dump());
    put.method(http::verb::put);
    EXPECT_EQ(c.send(put).result(), http::status::method_not_allowed);

    http::request<http::string_body> get{http::verb::get, "/", 11};
    get.set(http::field::host, "localhost");
    const auto health = c.send(get);
    EXPECT_EQ(health.result(), http::status::ok);
    EXPECT_EQ(health.body(), "");

    http::request<http::string_body> preflight{http::verb::options, "/", 11};
    preflight.set(http::field::host, "localhost");
    preflight.set(http::field::origin, "http://localhost:3000");
    preflight.set(http::field::access_control_request_method, "POST");
    preflight.set(http::field::access_control_request_headers, "content-type");
    const auto pre = c.send(preflight);
    EXPECT_EQ(pre.result(), http::status::no_content);
    EXPECT_EQ(pre[http::field::access_control_allow_origin], "*");
    EXPECT_NE(pre[http::field::access_control_allow_methods].find("POST"), std::string::npos);
    EXPECT_EQ(pre[http::field::access_control_allow_headers], "content-type");

    auto with_origin = post_request(call(1, "echo").dump());
    with_origin.set(http::field::origin, "http://localhost:3000");
    const auto cors = c.send(with_origin);
    EXPECT_EQ(cors.result(), http::status::ok);
    EXPECT_EQ(cors[http::field::access_control_allow_origin], "*");
}

TEST_F(ServerTest, CorsRestrictedOrigins)
{
    ServerConfig cfg;
    cfg.cors_origins = {"http://good.example"};
    start(cfg);
    HttpClient c(port);
    auto good = post_request(call(1, "echo").dump());
    good.set(http::field::origin, "http://good.example");
    EXPECT_EQ(c.send(good)[http::field::access_control_allow_origin], "http://good.example");
    auto evil = post_request(call(1, "echo").dump());
    evil.set(http::field::origin, "http://evil.example");
    const auto res = c.send(evil);
    EXPECT_EQ(res.count(http::field::access_control_allow_origin), 0u);
}

TEST_F(ServerTest, OversizeBody)
{
    ServerConfig cfg;
    cfg.max_body_bytes = 1024;
    start(cfg);
    {
        HttpClient c(port);
        const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[")" +
                                 std::string(2000, 'a') + "\"]}";
        const auto res = c.post(body);
        EXPECT_EQ(res.result(), http::status::payload_too_large);
        EXPECT_EQ(res.body(),
                  "content length too large (" + std::to_string(body.size()) + ">1024)\n");
    }
    {
        // Chunked: the limit applies while reading.
        RawClient raw(port);
        raw.write(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n800\r\n" +
            std::string(0x800, ' ') + "\r\n");
        EXPECT_TRUE(raw.read_until("\r\n\r\n"));
        EXPECT_EQ(raw.data.rfind("HTTP/1.1 413", 0), 0u) << raw.data;
    }
    // Others are still served.
    HttpClient c(port);
    EXPECT_EQ(c.rpc(call(2, "echo"))["id"], 2);
}

TEST_F(ServerTest, HeaderTooLarge)
{
    ServerConfig cfg;
    cfg.max_header_bytes = 1024;
    start(cfg);
    RawClient raw(port);
    raw.write("POST / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(4000, 'b') +
              "\r\n\r\n");
    EXPECT_TRUE(raw.read_until("\r\n\r\n"));
    EXPECT_EQ(raw.data.rfind("HTTP/1.1 431", 0), 0u) << raw.data;
}

TEST_F(ServerTest, MalformedHttpGets400AndServerKeepsServing)
{
    start();
    RawClient raw(port);
    raw.write("BLAH\x01 / HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(raw.read_until("\r\n\r\n"));
    EXPECT_EQ(raw.data.rfind("HTTP/1.1 400", 0), 0u) << raw.data;
    EXPECT_TRUE(raw.closed_within(3s));
    HttpClient c(port);
    EXPECT_EQ(c.rpc(call(1, "echo"))["id"], 1);
}

TEST_F(ServerTest, Expect100Continue)
{
    start();
    RawClient raw(port);
    const std::string body = call(5, "echo", {5}).dump();
    raw.write(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: "
        "100-continue\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n");
    ASSERT_TRUE(raw.read_until("\r\n\r\n"));
    EXPECT_EQ(raw.data.rfind("HTTP/1.1 100 Continue", 0), 0u) << raw.data;
    raw.write(body);
    EXPECT_TRUE(raw.read_until(R"("result":[5]})"));
}

TEST_F(ServerTest, KeepAliveAndHttp10)
{
    start();
    {
        HttpClient c(port);
        for (int i = 0; i < 20; ++i)
            EXPECT_EQ(c.rpc(call(i, "echo"))["id"], i);
        EXPECT_EQ(server->connections(), 1u);
    }
    RawClient raw(port);
    const std::string body = call(1, "echo").dump();
    raw.write("POST / HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_TRUE(raw.closed_within(3s));
    EXPECT_NE(raw.data.find(R"("id":1)"), std::string::npos) << raw.data;
}

TEST_F(ServerTest, SlowClientIsClosedOthersServed)
{
    ServerConfig cfg;
    cfg.request_timeout = 400ms;
    cfg.threads = 2;
    start(cfg);
    RawClient slow(port);
    slow.write(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{\"jsonrpc\"");
    const auto t0 = Clock::now();
    {
        HttpClient c(port);
        EXPECT_EQ(c.rpc(call(1, "echo"))["id"], 1);
        EXPECT_LT(Clock::now() - t0, 300ms);
    }
    EXPECT_TRUE(slow.closed_within(3s));
    EXPECT_GE(Clock::now() - t0, 300ms);
    EXPECT_TRUE(eventually([&] { return server->connections() == 0; }));
}

TEST_F(ServerTest, SlowHeaderIsClosed)
{
    ServerConfig cfg;
    cfg.request_timeout = 300ms;
    start(cfg);
    RawClient slow(port);
    slow.write("POST / HT");
    EXPECT_TRUE(slow.closed_within(3s));
}

TEST_F(ServerTest, IdleConnectionIsClosed)
{
    ServerConfig cfg;
    cfg.idle_timeout = 300ms;
    start(cfg);
    RawClient idle(port);
    EXPECT_TRUE(idle.closed_within(3s));
    EXPECT_TRUE(idle.data.empty());
}

TEST_F(ServerTest, MaxConnections)
{
    ServerConfig cfg;
    cfg.max_connections = 2;
    start(cfg);
    auto a = std::make_unique<HttpClient>(port);
    HttpClient b(port);
    EXPECT_EQ(a->rpc(call(1, "echo"))["id"], 1);
    EXPECT_EQ(b.rpc(call(2, "echo"))["id"], 2);
    RawClient third(port);
    EXPECT_TRUE(third.closed_within(3s));
    EXPECT_TRUE(third.data.empty());
    a.reset();
    ASSERT_TRUE(eventually([&] { return server->connections() == 1; }));
    HttpClient c(port);
    EXPECT_EQ(c.rpc(call(3, "echo"))["id"], 3);
}

TEST_F(ServerTest, ConcurrentClients)
{
    ServerConfig cfg;
    cfg.threads = 4;
    start(cfg);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            try
            {
                if (t % 2 == 0)
                {
                    HttpClient c(port);
                    for (int i = 0; i < 50; ++i)
                    {
                        const int id = t * 1000 + i;
                        const auto r = c.rpc(call(id, "echo", {t, i}));
                        ok += r["id"] == id && r["result"] == json::array({t, i});
                    }
                }
                else
                {
                    WsClient c(port);
                    for (int i = 0; i < 50; ++i)
                    {
                        const int id = t * 1000 + i;
                        const auto r = c.rpc(call(id, "echo", {t, i}));
                        ok += r["id"] == id && r["result"] == json::array({t, i});
                    }
                }
            }
            catch (const std::exception& e)
            {
                ADD_FAILURE() << e.what();
            }
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(ok, 400);
}

TEST_F(ServerTest, HandlersRunInParallel)
{
    ServerConfig cfg;
    cfg.threads = 4;
    start(cfg);
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            HttpClient c(port);
            ok += c.rpc(call(1, "slow", {400}))["result"] == "done";
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(ok, 4);
    EXPECT_LT(Clock::now() - t0, 1200ms);  // serial would take 1600 ms
}

TEST_F(ServerTest, WebSocketRequests)
{
    start();
    WsClient ws(port);
    EXPECT_EQ(ws.rpc(call(1, "echo", {"x"})),
              json::parse(R"({"jsonrpc":"2.0","id":1,"result":["x"]})"));
    EXPECT_EQ(ws.rpc(call(2, "transport"))["result"], "ws");
    const auto batch = ws.rpc(json::array({call(3, "echo"), call(4, "revert")}));
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[1]["error"]["code"], 3);
    // Malformed input: error response, the connection stays open.
    ws.send("{oops");
    EXPECT_EQ(ws.recv_json()["error"]["code"], -32700);
    // A notification gets no response: the next message is the next call's.
    ws.send(R"({"jsonrpc":"2.0","method":"echo"})");
    EXPECT_EQ(ws.rpc(call(5, "echo"))["id"], 5);
    EXPECT_EQ(server->connections(), 1u);
}

TEST_F(ServerTest, WebSocketMessageTooBig)
{
    ServerConfig cfg;
    cfg.max_ws_message_bytes = 1024;
    start(cfg);
    WsClient ws(port);
    ws.send(call(1, "echo", {std::string(2000, 'a')}).dump());
    EXPECT_FALSE(ws.recv());
    EXPECT_FALSE(ws.timed_out);
    WsClient other(port);
    EXPECT_EQ(other.rpc(call(2, "echo"))["id"], 2);
}

TEST_F(ServerTest, WebSocketOrigins)
{
    ServerConfig cfg;
    cfg.ws_origins = {"http://good.example"};
    start(cfg);
    EXPECT_THROW(WsClient(port, "http://evil.example"), std::runtime_error);
    WsClient ok(port, "http://good.example");
    EXPECT_EQ(ok.rpc(call(1, "echo"))["id"], 1);
}

TEST_F(ServerTest, Subscriptions)
{
    start();
    WsClient ws(port);
    const auto sub = ws.rpc(call(1, "eth_subscribe", {"newHeads"}));
    const std::string id = sub["result"];
    ASSERT_EQ(d.subscriptions().count("newHeads"), 1u);

    // Published from another thread (the node's engine).
    std::thread engine([&] { d.subscriptions().publish("newHeads", json{{"number", "0x1"}}); });
    engine.join();
    EXPECT_EQ(ws.recv_json(),
              (json{{"jsonrpc", "2.0"},
                    {"method", "eth_subscription"},
                    {"params", {{"subscription", id}, {"result", {{"number", "0x1"}}}}}}));

    // Published during a call on the same connection: the response comes first.
    EXPECT_EQ(ws.rpc(call(2, "publish_inside", {"newHeads"}))["result"], "published");
    EXPECT_EQ(ws.recv_json()["params"]["result"], "inside");

    // Order of many notifications is kept.
    for (int i = 0; i < 100; ++i)
        d.subscriptions().publish("newHeads", i);
    for (int i = 0; i < 100; ++i)
        ASSERT_EQ(ws.recv_json()["params"]["result"], i);

    EXPECT_EQ(ws.rpc(call(3, "eth_unsubscribe", {id}))["result"], true);
    EXPECT_EQ(ws.rpc(call(4, "eth_unsubscribe", {id}))["error"]["message"],
              "subscription not found");
    EXPECT_EQ(d.subscriptions().publish("newHeads", 1), 0u);
    EXPECT_EQ(ws.rpc(call(5, "echo"))["id"], 5);  // no notification in between
}

TEST_F(ServerTest, SubscriptionsRemovedOnClose)
{
    start();
    {
        WsClient ws(port);
        ws.rpc(call(1, "eth_subscribe", {"a"}));
        ws.rpc(call(2, "eth_subscribe", {"b"}));
        EXPECT_EQ(d.subscriptions().size(), 2u);
    }
    EXPECT_TRUE(eventually([&] { return d.subscriptions().size() == 0; }));
    EXPECT_TRUE(eventually([&] { return server->connections() == 0; }));
}

TEST_F(ServerTest, SubscribeOverHttpIsRefused)
{
    start();
    HttpClient c(port);
    EXPECT_EQ(c.rpc(call(1, "eth_subscribe", {"newHeads"})),
              json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,
                  "message":"notifications not supported"}})"));
}

TEST_F(ServerTest, SubscriberThatDoesNotReadIsDropped)
{
    ServerConfig cfg;
    cfg.max_ws_queued_bytes = 256 * 1024;
    start(cfg);
    WsClient ws(port);
    ws.rpc(call(1, "eth_subscribe", {"big"}));
    const json payload = std::string(64 * 1024, 'z');
    for (int i = 0; i < 600 && d.subscriptions().size() > 0; ++i)
        d.subscriptions().publish("big", payload);
    EXPECT_TRUE(eventually([&] { return d.subscriptions().size() == 0; }, 5s));
    HttpClient c(port);
    EXPECT_EQ(c.rpc(call(2, "echo"))["id"], 2);
}

TEST_F(ServerTest, StopClosesConnections)
{
    start();
    WsClient ws(port);
    ws.rpc(call(1, "eth_subscribe", {"t"}));
    HttpClient http_client(port);
    http_client.rpc(call(2, "echo"));
    RawClient idle(port);
    ASSERT_TRUE(eventually([&] { return server->connections() == 3; }));

    const auto t0 = Clock::now();
    server->stop();
    EXPECT_LT(Clock::now() - t0, 2s);
    EXPECT_FALSE(server->running());
    EXPECT_EQ(server->connections(), 0u);
    EXPECT_EQ(d.subscriptions().size(), 0u);
    EXPECT_TRUE(idle.closed_within(2s));
    EXPECT_FALSE(ws.recv(2s));
    EXPECT_FALSE(ws.timed_out);
    EXPECT_EQ(d.subscriptions().publish("t", 1), 0u);
    server->stop();  // idempotent
}

TEST_F(ServerTest, TwoServersAndPortInUse)
{
    start();
    Dispatcher d2;
    d2.add("who", [](const json&, CallContext&) -> json { return "second"; });
    ServerConfig cfg;
    cfg.port = 0;
    Server second(d2, cfg);
    const auto p2 = second.start();
    ASSERT_TRUE(p2) << p2.error();
    EXPECT_NE(*p2, port);
    HttpClient c1(port);
    HttpClient c2(*p2);
    EXPECT_EQ(c1.rpc(call(1, "who"))["error"]["code"], -32601);
    EXPECT_EQ(c2.rpc(call(1, "who"))["result"], "second");

    ServerConfig clash;
    clash.port = port;
    Server third(d2, clash);
    const auto r = third.start();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("cannot listen on 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << r.error();
    second.stop();
}

TEST_F(ServerTest, RestartAfterStop)
{
    start();
    server->stop();
    const auto r = server->start();
    ASSERT_TRUE(r) << r.error();
    HttpClient c(*r);
    EXPECT_EQ(c.rpc(call(1, "echo"))["id"], 1);
}

// ---- heavy lane and cancellation ----------------------------------------------------------------

namespace {

std::string http_post_text(const std::string& body)
{
    return "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

// Issue 10: 32 expensive calls on the io threads blocked eth_blockNumber for a minute. Heavy
// methods now run on their own bounded pool; cheap ones always find an io thread.
TEST_F(ServerTest, CheapCallsAnswerWhileTheHeavyLaneIsFull)
{
    ServerConfig cfg;
    cfg.threads = 2;
    cfg.heavy_threads = 2;
    cfg.heavy_queue = 2;
    start(cfg);
    std::vector<std::unique_ptr<RawClient>> heavy;
    for (int i = 0; i < 4; ++i)
    {
        heavy.push_back(std::make_unique<RawClient>(port));
        heavy.back()->write(http_post_text(call(i, "spin", {20'000, "", i}).dump()));
    }
    ASSERT_TRUE(
        eventually([&] { return server->heavy_running() == 2 && server->heavy_queued() == 2; }, 5s))
        << server->heavy_running() << " " << server->heavy_queued() << " " << spins_started
        << " conns " << server->connections();

    const auto t0 = Clock::now();
    HttpClient c(port);
    EXPECT_EQ(c.rpc(call(7, "echo", {7}))["result"], json::array({7}));
    WsClient ws(port);
    EXPECT_EQ(ws.rpc(call(8, "echo", {8}))["result"], json::array({8}));
    EXPECT_LT(Clock::now() - t0, 1s);  // generous: it takes milliseconds

    // The queue is full: geth has no such limit; -32005 is EIP-1474's "limit exceeded".
    EXPECT_EQ(c.rpc(call(9, "spin", {1})),
              json::parse(R"({"jsonrpc":"2.0","id":9,"error":{"code":-32005,
                  "message":"too many concurrent requests"}})"));
    EXPECT_EQ(ws.rpc(json::array({call(10, "spin", {1}), call(11, "echo")})),
              json::parse(R"([{"jsonrpc":"2.0","id":10,"error":{"code":-32005,
                  "message":"too many concurrent requests"}},{"jsonrpc":"2.0","id":11,
                  "error":{"code":-32005,"message":"too many concurrent requests"}}])"));

    // The clients leave: the running calls are cancelled, the queued ones never start. (The
    // queued ones leave first: a running call that stops frees its worker for the next job at
    // once, which would start if its client's departure were not seen yet.)
    std::vector<int> running;
    {
        std::lock_guard lock(spin_mu);
        running = spin_tags;
    }
    ASSERT_EQ(running.size(), 2u);
    for (int i = 0; i < 4; ++i)
        if (std::find(running.begin(), running.end(), i) == running.end())
            heavy[i]->close();
    std::this_thread::sleep_for(200ms);
    const auto t1 = Clock::now();
    for (int i : running)
        heavy[i]->close();
    EXPECT_TRUE(eventually([&] { return spins_cancelled == 2; }, 3s));
    EXPECT_TRUE(eventually(
        [&] { return server->heavy_running() == 0 && server->heavy_queued() == 0; }, 3s));
    EXPECT_LT(Clock::now() - t1, 2s);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(spins_started, 2);
    EXPECT_EQ(c.rpc(call(12, "spin", {1}))["result"], "done");
}

TEST_F(ServerTest, HttpHeavyCallKeepsPipelinedRequests)
{
    start();
    RawClient raw(port);
    // Two requests in one write: the second arrives while the first runs on the heavy lane.
    raw.write(http_post_text(call(1, "spin", {200}).dump()) +
              http_post_text(call(2, "echo", {2}).dump()));
    ASSERT_TRUE(raw.read_until(R"("id":2,"result":[2]})"));
    const size_t first = raw.data.find(R"("id":1,"result":"done")");
    ASSERT_NE(first, std::string::npos) << raw.data;
    EXPECT_LT(first, raw.data.find(R"("id":2)"));
    EXPECT_EQ(spins_cancelled, 0);
}

// Issue 10: a batch kept burning CPU after its client left.
TEST_F(ServerTest, HttpBatchStopsWhenTheClientLeaves)
{
    start();
    json batch = json::array();
    for (int i = 0; i < 10; ++i)
        batch.push_back(call(i, "spin", {2000}));
    RawClient raw(port);
    raw.write(http_post_text(batch.dump()));
    ASSERT_TRUE(eventually([&] { return spins_started >= 1; }));
    raw.close();
    ASSERT_TRUE(eventually([&] { return spins_cancelled == 1; }, 2s));
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(spins_started, 1);  // the remaining items were skipped
    EXPECT_TRUE(eventually([&] { return server->heavy_running() == 0; }));
}

TEST_F(ServerTest, WebSocketKeepsReadingWhileAHeavyCallRuns)
{
    start();
    WsClient ws(port);
    ws.send(call(1, "spin", {400}).dump());
    ws.send(call(2, "echo", {2}).dump());
    // Responses in completion order, as geth's.
    EXPECT_EQ(ws.recv_json()["id"], 2);
    EXPECT_EQ(ws.recv_json(), json::parse(R"({"jsonrpc":"2.0","id":1,"result":"done"})"));

    // Closing the connection cancels what it has in flight.
    ws.send(call(3, "spin", {20'000}).dump());
    ASSERT_TRUE(eventually([&] { return spins_started == 2; }));
    ws.drop();
    EXPECT_TRUE(eventually([&] { return spins_cancelled == 1; }, 2s));
    EXPECT_TRUE(eventually([&] { return server->connections() == 0; }));
}

TEST_F(ServerTest, WebSocketInflightCapPausesReading)
{
    ServerConfig cfg;
    cfg.heavy_threads = 4;
    cfg.max_ws_inflight = 1;
    start(cfg);
    WsClient ws(port);
    const auto t0 = Clock::now();
    ws.send(call(1, "spin", {300}).dump());
    ws.send(call(2, "spin", {300}).dump());
    ws.send(call(3, "echo").dump());
    // One at a time: the second is read once the first is answered, the echo after that.
    EXPECT_EQ(ws.recv_json()["id"], 1);
    EXPECT_EQ(ws.recv_json()["id"], 2);
    EXPECT_EQ(ws.recv_json()["id"], 3);
    EXPECT_GE(Clock::now() - t0, 600ms);
}

// ---- memory ------------------------------------------------------------------------------------

// Issue 10: each WebSocket kept a buffer as large as its largest message (100 x 30 MiB held
// 3.6 GB).
TEST_F(ServerTest, WebSocketBuffersShrinkAfterLargeMessages)
{
    start();
    constexpr int kClients = 16;
    constexpr size_t kBig = 1024 * 1024;
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < kClients; ++i)
        clients.push_back(std::make_unique<WsClient>(port));
    for (int i = 0; i < kClients; ++i)
    {
        const auto r = clients[i]->rpc(call(i, "echo", {std::string(kBig, 'a')}));
        ASSERT_EQ(r["result"][0].get_ref<const std::string&>().size(), kBig);
    }
    // The connections stay open; what they hold is back to small buffers.
    EXPECT_EQ(server->connections(), size_t(kClients));
    EXPECT_TRUE(eventually([&] { return server->buffered_bytes() < kClients * 64 * 1024; }))
        << server->buffered_bytes();
    EXPECT_TRUE(eventually([&] { return server->inflight_bytes() == 0; }));
    for (auto& c : clients)
        EXPECT_EQ(c->rpc(call(1, "echo"))["id"], 1);
}

TEST_F(ServerTest, HttpBuffersShrinkAfterLargeRequests)
{
    start();
    HttpClient c(port);
    const auto r = c.rpc(call(1, "echo", {std::string(2 * 1024 * 1024, 'b')}));
    ASSERT_EQ(r["result"][0].get_ref<const std::string&>().size(), 2u * 1024 * 1024);
    EXPECT_TRUE(eventually([&] { return server->buffered_bytes() <= 64 * 1024; }))
        << server->buffered_bytes();
    EXPECT_TRUE(eventually([&] { return server->inflight_bytes() == 0; }));
}

// A node-wide budget for request and response bytes in flight: over it, new requests are
// refused instead of growing memory.
TEST_F(ServerTest, InflightByteBudgetRefusesNewRequests)
{
    ServerConfig cfg;
    cfg.max_inflight_bytes = 100'000;
    start(cfg);
    const std::string pad(60'000, 'p');
    RawClient holder(port);  // 60 KB held while its heavy call runs
    holder.write(http_post_text(call(1, "spin", {20'000, pad}).dump()));
    ASSERT_TRUE(eventually([&] { return spins_started == 1; }));
    EXPECT_GE(server->inflight_bytes(), 60'000u);

    HttpClient c(port);
    const auto refused = c.post(call(2, "echo", {pad}).dump());
    EXPECT_EQ(refused.result(), http::status::service_unavailable);
    EXPECT_EQ(refused.body(), "server busy: too much request data in flight\n");
    WsClient ws(port);
    EXPECT_EQ(ws.rpc(call(3, "echo", {pad})),
              json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32005,
                  "message":"server busy: too much request data in flight"}})"));
    // Small requests still fit.
    EXPECT_EQ(ws.rpc(call(4, "echo", {4}))["result"], json::array({4}));

    holder.close();
    ASSERT_TRUE(eventually([&] { return server->inflight_bytes() == 0; }));
    HttpClient again(port);
    EXPECT_EQ(again.rpc(call(5, "echo", {pad}))["id"], 5);
    // Its response counts until the server has seen the write complete.
    ASSERT_TRUE(eventually([&] { return server->inflight_bytes() == 0; }));
    EXPECT_EQ(ws.rpc(call(6, "echo", {pad}))["id"], 6);
}

// Notifications count against the budget too: past it, a subscriber that is behind is dropped
// long before its own queue limit.
TEST_F(ServerTest, SubscriberBehindIsDroppedWhenTheBudgetIsSpent)
{
    ServerConfig cfg;
    cfg.max_inflight_bytes = 1024 * 1024;
    cfg.max_ws_queued_bytes = 64 * 1024 * 1024;
    start(cfg);
    WsClient ws(port);  // subscribes, then never reads
    ws.rpc(call(1, "eth_subscribe", {"big"}));
    const json payload = std::string(64 * 1024, 'z');
    for (int i = 0; i < 400 && d.subscriptions().size() > 0; ++i)
        d.subscriptions().publish("big", payload);
    EXPECT_TRUE(eventually([&] { return d.subscriptions().size() == 0; }, 5s));
    EXPECT_TRUE(eventually([&] { return server->inflight_bytes() == 0; }, 5s))
        << server->inflight_bytes();
    HttpClient c(port);
    EXPECT_EQ(c.rpc(call(2, "echo"))["id"], 2);
}

// ---- connection caps ---------------------------------------------------------------------------

// Issue 10: 1,000 idle sockets from one client shut everyone else out. Each address now has
// its own cap (127.0.0.2 plays the attacker; loopback counts like any other address).
TEST_F(ServerTest, PerAddressConnectionCapLeavesOthersServed)
{
    ServerConfig cfg;
    cfg.max_connections_per_ip = 3;
    start(cfg);
    std::vector<std::unique_ptr<RawClient>> idle;
    for (int i = 0; i < 3; ++i)
        idle.push_back(std::make_unique<RawClient>(port, "127.0.0.2"));
    ASSERT_TRUE(eventually([&] { return server->connections() == 3; }));
    RawClient over(port, "127.0.0.2");
    EXPECT_TRUE(over.closed_within(3s));
    EXPECT_TRUE(over.data.empty());
    HttpClient other(port, "127.0.0.1");
    EXPECT_EQ(other.rpc(call(1, "echo"))["id"], 1);
    // A slot freed by the attacker is its own again.
    idle.pop_back();
    ASSERT_TRUE(eventually([&] { return server->connections() == 3; }));
    HttpClient back(port, "127.0.0.2");
    EXPECT_EQ(back.rpc(call(2, "echo"))["id"], 2);
}

TEST_F(ServerTest, PerAddressWebSocketCap)
{
    ServerConfig cfg;
    cfg.max_ws_per_ip = 2;
    start(cfg);
    WsClient a(port, {}, "127.0.0.2");
    WsClient b(port, {}, "127.0.0.2");
    EXPECT_THROW(WsClient(port, {}, "127.0.0.2"), std::runtime_error);
    WsClient other(port, {}, "127.0.0.1");
    EXPECT_EQ(other.rpc(call(1, "echo"))["id"], 1);
    // HTTP from the capped address is still served.
    HttpClient http_client(port, "127.0.0.2");
    EXPECT_EQ(http_client.rpc(call(2, "echo"))["id"], 2);
    RawClient raw(port, "127.0.0.2");
    raw.write(
        "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    ASSERT_TRUE(raw.read_until("\r\n\r\n"));
    EXPECT_EQ(raw.data.rfind("HTTP/1.1 429", 0), 0u) << raw.data;
}

// ---- request rate per client address -------------------------------------------------------

// Issue 13: on a zero-fee chain one client must not take the node's capacity. Over its rate an
// address gets 429 with each call's -32005 and a Retry-After; other addresses are served.
TEST_F(ServerTest, RateLimitPerAddressOverHttp)
{
    ServerConfig cfg;
    cfg.requests_per_second_per_ip = 1;
    cfg.request_burst_per_ip = 3;
    start(cfg);
    HttpClient c(port, "127.0.0.2");
    EXPECT_EQ(c.rpc(call(1, "echo"))["id"], 1);
    EXPECT_EQ(c.rpc(json::array({call(2, "echo"), call(3, "echo")})).size(), 2u);  // 2 calls

    const auto over = c.post(call(4, "echo").dump());
    EXPECT_EQ(over.result(), http::status::too_many_requests);
    EXPECT_EQ(over[http::field::content_type], "application/json");
    EXPECT_EQ(over[http::field::retry_after], "1");
    EXPECT_EQ(json::parse(over.body()),
              json::parse(R"({"jsonrpc":"2.0","id":4,"error":{"code":-32005,
                  "message":"rate limit exceeded"}})"));
    // A batch: one error per call, and the wait for all of them (2 calls at 1/s).
    const auto batch = c.post(json::array({call(5, "echo"), call(6, "echo")}).dump());
    EXPECT_EQ(batch.result(), http::status::too_many_requests);
    EXPECT_EQ(batch[http::field::retry_after], "2");
    const auto errors = json::parse(batch.body());
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[1]["id"], 6);
    EXPECT_EQ(errors[1]["error"]["code"], -32005);
    // Notifications only: still an answer, id null.
    const auto note = c.post(R"({"jsonrpc":"2.0","method":"echo"})");
    EXPECT_EQ(note.result(), http::status::too_many_requests);
    EXPECT_EQ(json::parse(note.body())["id"], nullptr);
    const auto garbled = c.post("{\"jsonrpc\":");  // counted too, and answered the same
    EXPECT_EQ(garbled.result(), http::status::too_many_requests);
    EXPECT_EQ(json::parse(garbled.body())["error"]["code"], -32005);

    // Another address has its own bucket; a new connection of the limited one does not help.
    HttpClient other(port, "127.0.0.1");
    EXPECT_EQ(other.rpc(call(7, "echo"))["id"], 7);
    HttpClient again(port, "127.0.0.2");
    EXPECT_EQ(again.post(call(8, "echo").dump()).result(), http::status::too_many_requests);
    // Once the bucket has refilled a little, the same keep-alive connection is served again.
    std::this_thread::sleep_for(1100ms);
    EXPECT_EQ(c.rpc(call(9, "echo"))["id"], 9);
}

// WebSocket messages count too: over the rate each call gets -32005 and the socket stays open.
TEST_F(ServerTest, RateLimitPerAddressOverWebSocket)
{
    ServerConfig cfg;
    cfg.requests_per_second_per_ip = 1;
    cfg.request_burst_per_ip = 2;
    start(cfg);
    WsClient ws(port, {}, "127.0.0.2");
    EXPECT_EQ(ws.rpc(call(1, "echo"))["id"], 1);
    EXPECT_EQ(ws.rpc(call(2, "spin", {1}))["result"], "done");  // heavy calls count the same
    EXPECT_EQ(ws.rpc(call(3, "echo")), json::parse(R"({"jsonrpc":"2.0","id":3,"error":{
                  "code":-32005,"message":"rate limit exceeded"}})"));
    const auto batch = ws.rpc(json::array({call(4, "echo"), call(5, "echo")}));
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0]["error"]["code"], -32005);
    EXPECT_EQ(batch[1]["id"], 5);
    EXPECT_EQ(spins_started, 1);
    // HTTP from the same address shares its bucket; other addresses are served.
    HttpClient http_client(port, "127.0.0.2");
    EXPECT_EQ(http_client.post(call(6, "echo").dump()).result(), http::status::too_many_requests);
    WsClient other(port, {}, "127.0.0.1");
    EXPECT_EQ(other.rpc(call(7, "echo"))["id"], 7);
    // The limited socket is still open and works once its bucket refilled.
    std::this_thread::sleep_for(1100ms);
    EXPECT_EQ(ws.rpc(call(8, "echo"))["result"], json::array());
}

// geth never closes a WebSocket that answers pings; Tern closes one that sent nothing for
// ws_idle_close and has no subscription, so idle sockets do not hold slots forever.
TEST_F(ServerTest, IdleWebSocketIsClosedEvenIfItAnswersPings)
{
    ServerConfig cfg;
    cfg.ws_idle_timeout = 800ms;  // a ping after 400 ms without traffic; clients that read answer
    cfg.ws_idle_close = 1000ms;
    start(cfg);
    WsClient idle(port);
    WsClient busy(port);
    WsClient subscribed(port);
    subscribed.rpc(call(1, "eth_subscribe", {"t"}));
    const auto t0 = Clock::now();
    std::thread keep([&] {
        for (int i = 0; i < 20 && Clock::now() - t0 < 1800ms; ++i)
        {
            try
            {
                busy.rpc(call(i, "echo"));
            }
            catch (const std::exception& e)
            {
                ADD_FAILURE() << i << " " << e.what();
                return;
            }
            std::this_thread::sleep_for(100ms);
        }
    });
    std::optional<std::string> sub_message;
    std::thread listen([&] { sub_message = subscribed.recv(1800ms); });
    EXPECT_FALSE(idle.recv(4s));   // reads (so it answers the pings) until the server closes it
    EXPECT_FALSE(idle.timed_out);  // closed by the server, not timed out
    EXPECT_GE(Clock::now() - t0, 900ms);
    keep.join();
    listen.join();
    EXPECT_FALSE(sub_message);
    EXPECT_TRUE(subscribed.timed_out);  // still open: it has a subscription
    EXPECT_EQ(server->connections(), 2u);
}

// ---- safe defaults ----------------------------------------------------------------------------

TEST_F(ServerTest, DefaultsNoCorsAndTheHostCheck)
{
    start();
    HttpClient c(port);
    auto with_origin = post_request(call(1, "echo").dump());
    with_origin.set(http::field::origin, "http://evil.example");
    const auto res = c.send(with_origin);
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.count(http::field::access_control_allow_origin), 0u);

    // DNS rebinding: a page of evil.example whose name resolves to 127.0.0.1.
    for (const char* host : {"evil.example:8545", "evil.example", "localhost.evil.example"})
    {
        RawClient raw(port);
        const std::string body = call(1, "echo").dump();
        raw.write(std::string("POST / HTTP/1.1\r\nHost: ") + host +
                  "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n" + body);
        ASSERT_TRUE(raw.read_until("invalid host specified\n")) << raw.data;
        EXPECT_EQ(raw.data.rfind("HTTP/1.1 403", 0), 0u) << raw.data;
    }
    for (const std::string host : {"localhost:8545", "LOCALHOST", "127.0.0.1:1", "[::1]:8545"})
    {
        auto req = post_request(call(2, "echo").dump());
        req.set(http::field::host, host);
        EXPECT_EQ(c.send(req).result(), http::status::ok) << host;
    }
    // WebSocket: the Host check too, and geth's origin default (loopback pages only).
    EXPECT_THROW(WsClient(port, {}, {}, "evil.example"), std::runtime_error);
    EXPECT_THROW(WsClient(port, "http://evil.example"), std::runtime_error);
    WsClient local_page(port, "http://localhost:5173", {}, "localhost:8545");
    EXPECT_EQ(local_page.rpc(call(3, "echo"))["id"], 3);
    WsClient no_origin(port);
    EXPECT_EQ(no_origin.rpc(call(4, "echo"))["id"], 4);
}

TEST_F(ServerTest, VhostsConfigured)
{
    ServerConfig cfg;
    cfg.vhosts = {"rpc.example"};
    start(cfg);
    HttpClient c(port);
    auto req = post_request(call(1, "echo").dump());
    req.set(http::field::host, "rpc.example:443");
    EXPECT_EQ(c.send(req).result(), http::status::ok);
    req.set(http::field::host, "localhost");
    EXPECT_EQ(c.send(req).result(), http::status::forbidden);
}

// Issue 10: the cometbft child inherited Tern's listening sockets. No socket of the server
// (listening or accepted) survives an exec.
TEST_F(ServerTest, SocketsAreNotInheritedByChildProcesses)
{
    start();
    HttpClient c(port);
    EXPECT_EQ(c.rpc(call(1, "echo"))["id"], 1);  // an accepted socket exists now

    // The server's sockets: local port = the server's (clients have other local ports).
    std::vector<std::string> inodes;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    {
        std::error_code ec;
        const auto target = std::filesystem::read_symlink(entry.path(), ec).string();
        if (ec || !target.starts_with("socket:"))
            continue;
        const int fd = std::stoi(entry.path().filename().string());
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
            addr.ss_family != AF_INET)
            continue;
        if (ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port) != port)
            continue;
        EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC) << "fd " << fd << " " << target;
        inodes.push_back(target);
    }
    EXPECT_GE(inodes.size(), 2u);  // the listener and the accepted connection

    // A child that lists its descriptors after exec.
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
    {
        ::dup2(out[1], 1);
        ::execl("/bin/sh", "sh", "-c", "ls -l /proc/self/fd", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    std::string listing;
    char buf[4096];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
        listing.append(buf, static_cast<size_t>(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << listing;
    EXPECT_NE(listing.find("/proc/"), std::string::npos) << listing;
    for (const auto& inode : inodes)
        EXPECT_EQ(listing.find(inode), std::string::npos) << inode << " leaked:\n" << listing;
}
