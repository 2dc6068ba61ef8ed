#include "api/handlers/subscription_api.hpp"

#include "node/dev_engine.hpp"
#include "node/log_contract_test_util.hpp"
#include "node/node.hpp"
#include "rpc/dispatcher.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <functional>
#include <regex>
#include <thread>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// A JSON-RPC WebSocket client: requests with ids, notifications kept in arrival order.
class WsClient
{
public:
    explicit WsClient(uint16_t port)
    {
        beast::get_lowest_layer(ws_).expires_after(5s);
        beast::get_lowest_layer(ws_).connect(
            tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        beast::error_code result;
        ws_.async_handshake("127.0.0.1", "/", [&](beast::error_code ec) { result = ec; });
        ioc_.run();
        if (result)
            throw std::runtime_error("ws handshake: " + result.message());
        beast::get_lowest_layer(ws_).expires_never();
    }

    /// The next message, or nullopt after `timeout` (the client is then unusable).
    std::optional<json> next(std::chrono::milliseconds timeout = 5s)
    {
        bool done = false;
        beast::error_code result;
        ws_.async_read(buffer_, [&](beast::error_code ec, size_t) {
            result = ec;
            done = true;
        });
        ioc_.restart();
        ioc_.run_for(timeout);
        if (!done || result)
            return std::nullopt;
        json out = json::parse(beast::buffers_to_string(buffer_.data()));
        buffer_.consume(buffer_.size());
        return out;
    }

    /// Sends a request and returns its response; notifications read meanwhile are kept.
    json call(const std::string& method, json params = json::array())
    {
        const int id = next_id_++;
        const json req{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
        beast::error_code result;
        ws_.text(true);
        ws_.async_write(net::buffer(req.dump()),
                        [&](beast::error_code ec, size_t) { result = ec; });
        ioc_.restart();
        ioc_.run();
        if (result)
            throw std::runtime_error("ws write: " + result.message());
        while (true)
        {
            auto m = next();
            if (!m)
                throw std::runtime_error("ws: no response to " + method);
            if (m->contains("id") && (*m)["id"] == id)
                return *m;
            notifications.push_back(std::move(*m));
        }
    }

    /// The result of a call that must succeed.
    json ok(const std::string& method, json params = json::array())
    {
        auto r = call(method, std::move(params));
        if (!r.contains("result"))
            throw std::runtime_error(method + " failed: " + r.dump());
        return r["result"];
    }

    /// Every notification queued so far: a round trip flushes what the server sent before it.
    std::vector<json> drain()
    {
        call("eth_blockNumber");
        return std::exchange(notifications, {});
    }

    /// Closes the connection.
    void close()
    {
        beast::error_code ec;
        ws_.close(beast::websocket::close_code::normal, ec);
    }

    std::vector<json> notifications;

private:
    net::io_context ioc_;
    beast::websocket::stream<beast::tcp_stream> ws_{ioc_};
    beast::flat_buffer buffer_;
    int next_id_ = 1;
};

/// Notifications of subscription `id`, as their results.
std::vector<json> of(const std::vector<json>& notes, const json& id)
{
    std::vector<json> out;
    for (const auto& n : notes)
        if (n["params"]["subscription"] == id)
            out.push_back(n["params"]["result"]);
    return out;
}

void expect_error(const json& response, int code, const std::string& message)
{
    ASSERT_TRUE(response.contains("error")) << response.dump();
    EXPECT_EQ(response["error"]["code"], code) << response.dump();
    EXPECT_EQ(response["error"]["message"], message) << response.dump();
}

class SubscriptionApiTest : public ::testing::Test
{
protected:
    /// Starts a node with the subscription API; blocks come from mine() unless `automine`, so
    /// every notification of a block is queued when mine() returns.
    void start(bool automine = false, const std::function<void(NodeConfig&)>& tweak = {})
    {
        NodeConfig c;
        c.port = 0;
        c.rpc_threads = 2;
        c.block_time = automine ? 0 : 3600;
        if (tweak)
            tweak(c);
        node_ = std::make_unique<Node>(c);
        const auto r = node_->start();
        ASSERT_TRUE(r) << r.error();
        port_ = *r;
    }
    void TearDown() override
    {
        if (node_)
            node_->stop();
    }

    json http_ok(const std::string& method, json params = json::array())
    {
        return result(port_, method, std::move(params));
    }
    std::string send(const std::string& raw) { return http_ok("eth_sendRawTransaction", {raw}); }
    /// Seals a block with whatever is pending; returns its number.
    uint64_t mine()
    {
        const auto r = node_->engine().mine();
        if (!r)
            throw std::runtime_error(r.error());
        return *r;
    }
    json block(uint64_t n) { return http_ok("eth_getBlockByNumber", {qty_hex(n), false}); }

    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
    TxSigner signer_;
};

TEST_F(SubscriptionApiTest, HttpHasNoNotifications)
{
    start();
    const auto r = call_rpc(port_, "eth_subscribe", {"newHeads"});
    expect_error(r, -32601, "notifications not supported");
    // Checked before the name, like geth.
    expect_error(call_rpc(port_, "eth_subscribe", {"nonsense"}), -32601,
                 "notifications not supported");
    EXPECT_EQ(node_->dispatcher().subscriptions().size(), 0u);
}

TEST_F(SubscriptionApiTest, NewHeadsAndLogsInBlockOrder)
{
    start();
    WsClient ws(port_);
    const json heads = ws.ok("eth_subscribe", {"newHeads"});
    const json all_logs = ws.ok("eth_subscribe", {"logs", json::object()});
    const json sevens = ws.ok("eth_subscribe", {"logs", {{"topics", {word(7)}}}});
    const json none = ws.ok("eth_subscribe", {"logs", {{"address", hex(signer_.address(5))}}});
    for (const json& id : {heads, all_logs, sevens, none})
        EXPECT_TRUE(std::regex_match(id.get<std::string>(), std::regex("0x[1-9a-f][0-9a-f]*")))
            << id;

    auto [deploy_raw, contract] = signer_.deploy(0);
    send(deploy_raw);
    ASSERT_EQ(mine(), 1u);
    const std::string t5 = send(signer_.emit(0, contract, 5));
    ASSERT_EQ(mine(), 2u);
    const std::string t7 = send(signer_.emit(0, contract, 7));
    const std::string t8 = send(signer_.emit(1, contract, 8));
    ASSERT_EQ(mine(), 3u);
    ASSERT_EQ(mine(), 4u);  // empty block: a head, no logs

    const auto notes = ws.drain();
    for (const auto& n : notes)
    {
        EXPECT_EQ(n["jsonrpc"], "2.0");
        EXPECT_EQ(n["method"], "eth_subscription");
        EXPECT_FALSE(n.contains("id"));
    }
    // Block order across all subscriptions; a block's header before its logs.
    uint64_t last_head = 0;
    for (const auto& n : notes)
    {
        const json& r = n["params"]["result"];
        if (n["params"]["subscription"] == heads)
        {
            EXPECT_EQ(qty(r["number"]), last_head + 1);
            last_head = qty(r["number"]);
        }
        else
            EXPECT_EQ(qty(r["blockNumber"]), last_head) << "log after its block's header";
    }

    const auto got_heads = of(notes, heads);
    ASSERT_EQ(got_heads.size(), 4u);
    for (uint64_t n = 1; n <= 4; ++n)
    {
        const json& h = got_heads[n - 1];
        const json b = block(n);
        EXPECT_EQ(h["hash"], b["hash"]);
        EXPECT_EQ(h["parentHash"], b["parentHash"]);
        for (const char* k : {"stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom", "miner",
                              "gasLimit", "gasUsed", "timestamp", "baseFeePerGas", "extraData"})
            EXPECT_EQ(h[k], b[k]) << k;
        EXPECT_FALSE(h.contains("transactions"));
        EXPECT_FALSE(h.contains("uncles"));
    }

    const auto logs = of(notes, all_logs);
    ASSERT_EQ(logs.size(), 3u);
    EXPECT_EQ(logs[0]["topics"], json::array({word(5)}));
    EXPECT_EQ(logs[0]["address"], hex(contract));
    EXPECT_EQ(logs[0]["transactionHash"], t5);
    EXPECT_EQ(logs[0]["blockHash"], got_heads[1]["hash"]);
    EXPECT_EQ(logs[0]["blockNumber"], "0x2");
    EXPECT_EQ(logs[0]["logIndex"], "0x0");
    EXPECT_EQ(logs[0]["removed"], false);
    EXPECT_EQ(logs[1]["transactionHash"], t7);
    EXPECT_EQ(logs[2]["transactionHash"], t8);
    EXPECT_EQ(logs[2]["transactionIndex"], "0x1");
    EXPECT_EQ(logs[2]["logIndex"], "0x1");
    // Same objects as eth_getLogs.
    EXPECT_EQ(json(logs), http_ok("eth_getLogs", {{{"fromBlock", "0x0"}}}));

    const auto only_sevens = of(notes, sevens);
    ASSERT_EQ(only_sevens.size(), 1u);
    EXPECT_EQ(only_sevens[0], logs[1]);
    EXPECT_TRUE(of(notes, none).empty());
}

TEST_F(SubscriptionApiTest, LogCriteriaAndRange)
{
    start();
    auto [deploy_a, a] = signer_.deploy(0);
    auto [deploy_b, b] = signer_.deploy(0);
    send(deploy_a);
    send(deploy_b);
    ASSERT_EQ(mine(), 1u);

    WsClient ws(port_);
    const json only_b = ws.ok("eth_subscribe", {"logs", {{"address", {hex(b)}}}});
    const json a_or_b = ws.ok("eth_subscribe", {"logs", {{"address", {hex(a), hex(b)}}}});
    const json two_or_three = ws.ok(
        "eth_subscribe", {"logs", {{"topics", json::array({json::array({word(2), word(3)})})}}});
    const json block3 =
        ws.ok("eth_subscribe", {"logs", {{"fromBlock", "0x3"}, {"toBlock", "0x3"}}});
    const json from3 = ws.ok("eth_subscribe", {"logs", {{"fromBlock", "0x3"}}});
    const json null_criteria = ws.ok("eth_subscribe", {"logs", nullptr});

    send(signer_.emit(0, a, 1));
    ASSERT_EQ(mine(), 2u);
    send(signer_.emit(0, b, 2));
    ASSERT_EQ(mine(), 3u);
    send(signer_.emit(0, a, 3));
    ASSERT_EQ(mine(), 4u);

    const auto notes = ws.drain();
    const auto topics = [&](const json& id) {
        std::vector<uint64_t> out;
        for (const auto& l : of(notes, id))
            out.push_back(qty(l["topics"][0]));
        return out;
    };
    EXPECT_EQ(topics(only_b), (std::vector<uint64_t>{2}));
    EXPECT_EQ(topics(a_or_b), (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_EQ(topics(two_or_three), (std::vector<uint64_t>{2, 3}));
    EXPECT_EQ(topics(block3), (std::vector<uint64_t>{2}));
    EXPECT_EQ(topics(from3), (std::vector<uint64_t>{2, 3}));
    EXPECT_EQ(topics(null_criteria), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(SubscriptionApiTest, PendingTransactions)
{
    start();
    WsClient ws(port_);
    const json hashes = ws.ok("eth_subscribe", {"newPendingTransactions"});
    const json full = ws.ok("eth_subscribe", {"newPendingTransactions", true});
    const json explicit_hashes = ws.ok("eth_subscribe", {"newPendingTransactions", false});

    const std::string h1 = send(signer_.raw(0, signer_.address(1), {}));
    const std::string h2 = send(signer_.raw(2, signer_.address(1), {}));
    auto notes = ws.drain();
    EXPECT_EQ(of(notes, hashes), (std::vector<json>{h1, h2}));
    EXPECT_EQ(of(notes, explicit_hashes), (std::vector<json>{h1, h2}));
    const auto objects = of(notes, full);
    ASSERT_EQ(objects.size(), 2u);
    EXPECT_EQ(objects[0]["hash"], h1);
    EXPECT_EQ(objects[0]["from"], hex(signer_.address(0)));
    EXPECT_EQ(objects[0]["to"], hex(signer_.address(1)));
    EXPECT_TRUE(objects[0]["blockHash"].is_null());
    EXPECT_EQ(objects[1]["hash"], h2);

    // Mining them is no new pending transaction.
    mine();
    notes = ws.drain();
    EXPECT_TRUE(of(notes, hashes).empty());

    expect_error(ws.call("eth_subscribe", {"newPendingTransactions", "yes"}), -32602,
                 "invalid argument 1: json: cannot unmarshal string into Go value of type bool");
}

TEST_F(SubscriptionApiTest, AutomineDeliversHeadsAndLogs)
{
    start(true);
    WsClient ws(port_);
    const json heads = ws.ok("eth_subscribe", {"newHeads"});
    const json logs = ws.ok("eth_subscribe", {"logs", json::object()});
    auto [deploy_raw, contract] = signer_.deploy(0);
    send(deploy_raw);
    const std::string tx = send(signer_.emit(0, contract, 9));
    // Automine notifies from the engine thread after the commit: wait for both blocks.
    std::vector<json> notes;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (of(notes, logs).empty() && std::chrono::steady_clock::now() < deadline)
    {
        auto more = ws.drain();
        notes.insert(notes.end(), more.begin(), more.end());
        if (of(notes, logs).empty())
            std::this_thread::sleep_for(20ms);
    }
    const auto got_heads = of(notes, heads);
    ASSERT_EQ(got_heads.size(), 2u);
    EXPECT_EQ(got_heads[0]["number"], "0x1");
    EXPECT_EQ(got_heads[1]["number"], "0x2");
    const auto got_logs = of(notes, logs);
    ASSERT_EQ(got_logs.size(), 1u);
    EXPECT_EQ(got_logs[0]["transactionHash"], tx);
    EXPECT_EQ(got_logs[0]["blockHash"], got_heads[1]["hash"]);
}

TEST_F(SubscriptionApiTest, UnsubscribeStopsNotifications)
{
    start();
    WsClient ws(port_);
    const json heads = ws.ok("eth_subscribe", {"newHeads"});
    const json other = ws.ok("eth_subscribe", {"newHeads"});
    EXPECT_NE(heads, other);
    EXPECT_EQ(ws.ok("eth_unsubscribe", {heads}), true);
    expect_error(ws.call("eth_unsubscribe", {heads}), -32000, "subscription not found");
    mine();
    const auto notes = ws.drain();
    EXPECT_TRUE(of(notes, heads).empty());
    EXPECT_EQ(of(notes, other).size(), 1u);

    // Another connection cannot cancel this one's subscription.
    WsClient stranger(port_);
    expect_error(stranger.call("eth_unsubscribe", {other}), -32000, "subscription not found");
    mine();
    EXPECT_EQ(of(ws.drain(), other).size(), 1u);

    // Closing the connection drops its subscriptions.
    const json logs = ws.ok("eth_subscribe", {"logs", json::object()});
    EXPECT_EQ(node_->dispatcher().subscriptions().size(), 2u);
    ws.close();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (node_->dispatcher().subscriptions().size() != 0 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(node_->dispatcher().subscriptions().size(), 0u);
    mine();  // publishing to nobody is fine
    EXPECT_NE(logs, other);
}

TEST_F(SubscriptionApiTest, RefusesBadSubscriptionsLikeGeth)
{
    start();
    WsClient ws(port_);
    expect_error(ws.call("eth_subscribe", {"nonsense"}), -32601,
                 "no \"nonsense\" subscription in eth namespace");
    expect_error(ws.call("eth_subscribe", json::array()), -32602,
                 "expected subscription name as first argument");
    expect_error(ws.call("eth_subscribe", {5}), -32602,
                 "expected subscription name as first argument");
    expect_error(ws.call("eth_subscribe", {"newHeads", true}), -32602,
                 "too many arguments, want at most 1");
    expect_error(ws.call("eth_subscribe", {"logs"}), -32602,
                 "missing value for required argument 1");
    expect_error(ws.call("eth_subscribe", {"logs", {{"fromBlock", "pending"}}}), -32602,
                 "pending logs are not supported");
    expect_error(ws.call("eth_subscribe", {"logs", {{"fromBlock", "0x9"}, {"toBlock", "0x1"}}}),
                 -32602, "invalid block range params");
    expect_error(ws.call("eth_subscribe", {"logs", {{"topics", {"0x1"}}}}), -32602,
                 "invalid argument 1: hex string has length 1, want 64 for common.Hash");
    expect_error(ws.call("eth_subscribe", {"logs", 7}), -32602,
                 "invalid argument 1: json: cannot unmarshal non-object into Go value of type "
                 "filters.FilterCriteria");
    EXPECT_EQ(node_->dispatcher().subscriptions().size(), 0u);
    // "syncing" is accepted (a dev node never syncs).
    EXPECT_TRUE(ws.ok("eth_subscribe", {"syncing"}).is_string());
}

// Issue 10: subscriptions had no cap at all. One connection has its own cap; the total over
// all connections is the last resort, and a closed connection gives its share back.
TEST_F(SubscriptionApiTest, CapsPerConnectionAndInAll)
{
    start(false, [](NodeConfig& c) {
        c.rpc_max_subscriptions_per_connection = 3;
        c.rpc_max_subscriptions = 5;
    });
    WsClient a(port_);
    WsClient b(port_);
    WsClient c(port_);
    for (int i = 0; i < 3; ++i)
        a.ok("eth_subscribe", {"newHeads"});
    expect_error(a.call("eth_subscribe", {"newHeads"}), -32000,
                 "too many subscriptions on this connection (limit 3)");
    const json b1 = b.ok("eth_subscribe", {"newHeads"});
    b.ok("eth_subscribe", {"logs", json::object()});
    expect_error(c.call("eth_subscribe", {"newHeads"}), -32000, "too many subscriptions");
    EXPECT_EQ(b.ok("eth_unsubscribe", {b1}), true);
    EXPECT_TRUE(c.ok("eth_subscribe", {"newHeads"}).is_string());
    a.close();
    bool freed = false;
    for (int i = 0; i < 100 && !freed; ++i)
    {
        freed = c.call("eth_subscribe", {"newHeads"}).contains("result");
        if (!freed)
            std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(freed) << "closing a frees its three";
    // eth_unsubscribe takes one argument (geth).
    expect_error(c.call("eth_unsubscribe", {"0x1", "0x2"}), -32602,
                 "too many arguments, want at most 1");
}

// The "logs" subscription holds to geth's --rpc.logquerylimit like eth_getLogs.
TEST_F(SubscriptionApiTest, LogCriteriaLimit)
{
    start(false, [](NodeConfig& c) { c.rpc_max_log_criteria = 2; });
    WsClient ws(port_);
    const json three = {word(1), word(2), word(3)};
    expect_error(ws.call("eth_subscribe", {"logs", {{"topics", json::array({three})}}}), -32000,
                 "exceed max addresses or topics per search position");
    EXPECT_TRUE(
        ws.ok("eth_subscribe", {"logs", {{"topics", json::array({json::array({word(1)})})}}})
            .is_string());
}

}  // namespace
