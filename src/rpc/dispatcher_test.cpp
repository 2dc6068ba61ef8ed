#include "rpc/dispatcher.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace tern::rpc;
using json = nlohmann::json;

namespace {

/// Collects what a connection would be sent.
class FakeSink : public NotificationSink
{
public:
    bool push(std::shared_ptr<const std::string> message) override
    {
        std::lock_guard lock(mu);
        messages.push_back(json::parse(*message));
        return open;
    }
    std::mutex mu;
    std::vector<json> messages;
    bool open = true;
};

class DispatcherTest : public ::testing::Test
{
protected:
    DispatcherTest() : d(limits()) { register_methods(d); }

    static DispatchLimits limits()
    {
        DispatchLimits l;
        l.max_batch_items = 5;
        l.max_batch_response_bytes = 100;
        l.max_depth = 16;
        return l;
    }

    static void register_methods(Dispatcher& d)
    {
        d.add("echo", [](const json& params, CallContext&) { return params; });
        d.add("method_name", [](const json&, CallContext& ctx) { return ctx.method(); });
        d.add("revert", [](const json&, CallContext&) -> json {
            throw Error{3, "execution reverted", json("0x08c379a0")};
        });
        d.add("crash", [](const json&, CallContext&) -> json { throw std::runtime_error("boom"); });
        d.add("wrong_shape", [](const json& params, CallContext&) -> json {
            return params.at(0).get<std::string>();  // type_error on a number
        });
        d.add_result("result_error", [](const json&, CallContext&) -> tern::Result<json, Error> {
            return Error::server("nonce too low");
        });
        d.add_result("result_ok", [](const json&, CallContext&) -> tern::Result<json, Error> {
            return json("0x1");
        });
        d.add("big", [](const json& params, CallContext&) -> json {
            return std::string(params.at(0).get<size_t>(), 'x');
        });
        d.add("eth_subscribe", [](const json& params, CallContext& ctx) -> json {
            return ctx.subscribe(params.at(0).get<std::string>(),
                                 params.size() > 1 ? params[1] : json(nullptr));
        });
        d.add_unsubscribe("eth_unsubscribe");
    }

    json run(std::string_view body)
    {
        const auto out = d.handle(body, ctx);
        if (!out)
            return json("<none>");
        return json::parse(*out);
    }

    Dispatcher d;
    CallContext ctx;
};

json call(int id, std::string method, json params = json::array())
{
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", std::move(method)}, {"params", params}};
}

}  // namespace

TEST_F(DispatcherTest, SingleCall)
{
    const auto r = run(R"({"jsonrpc":"2.0","id":7,"method":"echo","params":[1,"a",{"b":null}]})");
    EXPECT_EQ(r, json::parse(R"({"jsonrpc":"2.0","id":7,"result":[1,"a",{"b":null}]})"));
}

TEST_F(DispatcherTest, ResponseTextOrderAndIds)
{
    // geth's member order: jsonrpc, id, result.
    EXPECT_EQ(*d.handle(R"({"jsonrpc":"2.0","id":"abc","method":"echo","params":[]})", ctx),
              R"({"jsonrpc":"2.0","id":"abc","result":[]})");
    EXPECT_EQ(*d.handle(R"({"jsonrpc":"2.0","id":null,"method":"echo","params":[]})", ctx),
              R"({"jsonrpc":"2.0","id":null,"result":[]})");
    EXPECT_EQ(*d.handle(R"({"jsonrpc":"2.0","id":-3,"method":"echo"})", ctx),
              R"({"jsonrpc":"2.0","id":-3,"result":[]})");
}

TEST_F(DispatcherTest, ParamsAbsentNullObjectOrScalar)
{
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","id":1,"method":"echo"})")["result"], json::array());
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":null})")["result"],
              json::array());
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":1}})")["result"],
              json::parse(R"({"a":1})"));
    const auto r = run(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":"x"})");
    EXPECT_EQ(r["error"]["code"], -32602);
    EXPECT_EQ(r["id"], 1);
}

TEST_F(DispatcherTest, MethodNotFound)
{
    const auto r = run(R"({"jsonrpc":"2.0","id":1,"method":"eth_nope","params":[]})");
    EXPECT_EQ(r, json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,
        "message":"the method eth_nope does not exist/is not available"}})"));
}

TEST_F(DispatcherTest, RemovedMethodIsNotFound)
{
    EXPECT_TRUE(d.remove("echo"));
    EXPECT_FALSE(d.remove("echo"));
    EXPECT_FALSE(d.has("echo"));
    const auto r = run(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[]})");
    EXPECT_EQ(r["error"]["code"], -32601);
    EXPECT_EQ(r["error"]["message"], "the method echo does not exist/is not available");
}

TEST_F(DispatcherTest, ParseError)
{
    for (const char* body : {"{", "", "   ", "{\"jsonrpc\":\"2.0\",}", "[1,", "nul", "\xff"})
    {
        const auto r = run(body);
        EXPECT_EQ(r, json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,
            "message":"parse error"}})"))
            << body;
    }
}

TEST_F(DispatcherTest, InvalidRequests)
{
    const json invalid_null = json::parse(
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}})");
    const json invalid_1 = json::parse(
        R"({"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"invalid request"}})");
    EXPECT_EQ(run(R"({"jsonrpc":"1.0","id":1,"method":"echo"})"), invalid_1);
    EXPECT_EQ(run(R"({"id":1,"method":"echo"})"), invalid_1);
    EXPECT_EQ(run(R"({"jsonrpc":2.0,"id":1,"method":"echo"})"), invalid_1);
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","id":1,"method":5})"), invalid_1);
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","id":1,"method":""})"), invalid_1);
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","id":1})"), invalid_1);  // a response, not a request
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","id":{"a":1},"method":"echo"})"), invalid_null);
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","id":[1],"method":"echo"})"), invalid_null);
    EXPECT_EQ(run(R"({"jsonrpc":"1.0","method":"echo"})"), invalid_null);  // not a notification
    EXPECT_EQ(run("1"), invalid_null);
    EXPECT_EQ(run(R"("x")"), invalid_null);
    EXPECT_EQ(run("null"), invalid_null);
    EXPECT_EQ(run("[1]"), json::array({invalid_null}));
}

TEST_F(DispatcherTest, Notifications)
{
    int calls = 0;
    d.add("count", [&](const json&, CallContext&) -> json { return ++calls; });
    EXPECT_EQ(d.handle(R"({"jsonrpc":"2.0","method":"count"})", ctx), std::nullopt);
    EXPECT_EQ(calls, 1);
    // Errors of notifications are not reported either.
    EXPECT_EQ(d.handle(R"({"jsonrpc":"2.0","method":"nope"})", ctx), std::nullopt);
    EXPECT_EQ(d.handle(R"({"jsonrpc":"2.0","method":"crash"})", ctx), std::nullopt);
    EXPECT_EQ(
        d.handle(R"([{"jsonrpc":"2.0","method":"count"},{"jsonrpc":"2.0","method":"count"}])", ctx),
        std::nullopt);
    EXPECT_EQ(calls, 3);
}

TEST_F(DispatcherTest, Batch)
{
    json batch = json::array({call(1, "echo", {1}), json{{"jsonrpc", "2.0"}, {"method", "echo"}},
                              call(2, "nope"), 5, call(3, "revert")});
    const auto r = run(batch.dump());
    ASSERT_TRUE(r.is_array());
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0]["id"], 1);
    EXPECT_EQ(r[0]["result"], json::array({1}));
    EXPECT_EQ(r[1]["id"], 2);
    EXPECT_EQ(r[1]["error"]["code"], -32601);
    EXPECT_EQ(r[2]["id"], nullptr);
    EXPECT_EQ(r[2]["error"]["code"], -32600);
    EXPECT_EQ(r[3]["id"], 3);
    EXPECT_EQ(r[3]["error"]["code"], 3);
}

TEST_F(DispatcherTest, EmptyBatch)
{
    EXPECT_EQ(run("[]"), json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,
        "message":"empty batch"}})"));
    EXPECT_EQ(run(" [ ] "), run("[]"));
}

TEST_F(DispatcherTest, BatchTooLarge)
{
    json batch = json::array();
    batch.push_back(json{{"jsonrpc", "2.0"}, {"method", "echo"}});  // notification first
    for (int i = 0; i < 5; ++i)
        batch.push_back(call(100 + i, "echo"));
    const auto r = run(batch.dump());
    // geth: an array with one error that carries the id of the first call.
    EXPECT_EQ(r, json::parse(R"([{"jsonrpc":"2.0","id":100,"error":{"code":-32600,
        "message":"batch too large"}}])"));

    json notifications = json::array();
    for (int i = 0; i < 6; ++i)
        notifications.push_back(json{{"jsonrpc", "2.0"}, {"method", "echo"}});
    EXPECT_EQ(run(notifications.dump())[0]["id"], nullptr);

    batch.erase(batch.begin());  // 5 items: at the limit
    EXPECT_EQ(run(batch.dump()).size(), 5u);
}

TEST_F(DispatcherTest, BatchResponseTooLarge)
{
    const json batch = json::array({call(1, "big", {60}), call(2, "big", {60}),
                                    json{{"jsonrpc", "2.0"}, {"method", "echo"}},
                                    call(3, "big", {1}), call(4, "echo")});
    const auto r = run(batch.dump());
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0]["result"], std::string(60, 'x'));
    // The call that crosses the limit keeps its result (as geth); later calls get -32003.
    EXPECT_EQ(r[1]["result"], std::string(60, 'x'));
    EXPECT_EQ(r[2], json::parse(R"({"jsonrpc":"2.0","id":3,"error":{"code":-32003,
        "message":"response too large"}})"));
    EXPECT_EQ(r[3]["id"], 4);
    EXPECT_EQ(r[3]["error"]["code"], -32003);
}

TEST_F(DispatcherTest, HandlerErrors)
{
    EXPECT_EQ(run(call(1, "revert").dump()),
              json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":3,
                  "message":"execution reverted","data":"0x08c379a0"}})"));
    const auto crash = run(call(2, "crash").dump());
    EXPECT_EQ(crash["error"]["code"], -32603);
    EXPECT_EQ(crash["error"]["message"], "boom");
    const auto shape = run(call(3, "wrong_shape", {1}).dump());
    EXPECT_EQ(shape["error"]["code"], -32602);
    const auto missing = run(call(4, "wrong_shape").dump());
    EXPECT_EQ(missing["error"]["code"], -32602);
    EXPECT_EQ(run(call(5, "result_error").dump()),
              json::parse(R"({"jsonrpc":"2.0","id":5,"error":{"code":-32000,
                  "message":"nonce too low"}})"));
    EXPECT_EQ(run(call(6, "result_ok").dump())["result"], "0x1");
    // No "data" member unless the error has data.
    EXPECT_EQ(*d.handle(call(7, "result_error").dump(), ctx),
              R"({"jsonrpc":"2.0","id":7,"error":{"code":-32000,"message":"nonce too low"}})");
}

TEST_F(DispatcherTest, MethodNameInContext)
{
    EXPECT_EQ(run(call(1, "method_name").dump())["result"], "method_name");
}

TEST_F(DispatcherTest, InvalidUtf8InResultIsReplaced)
{
    d.add("bad_utf8", [](const json&, CallContext&) -> json { return std::string("a\xff"); });
    const auto r = d.handle(call(1, "bad_utf8").dump(), ctx);
    ASSERT_TRUE(r);
    EXPECT_FALSE(json::parse(*r, nullptr, false).is_discarded());
}

TEST_F(DispatcherTest, NestingDepthLimit)
{
    const std::string deep = std::string(17, '[') + std::string(17, ']');
    EXPECT_EQ(run(deep)["error"]["code"], -32700);
    // A deep structure inside params is refused the same way, before parsing.
    const std::string deep_params = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":)" +
                                    std::string(20, '[') + std::string(20, ']') + "}";
    EXPECT_EQ(run(deep_params)["error"]["code"], -32700);
    // Brackets inside strings do not count.
    const std::string in_string = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[")" +
                                  std::string(100, '[') + R"(\"]"]})";
    EXPECT_EQ(run(in_string)["result"][0], std::string(100, '[') + "\"]");
}

TEST(JsonNestingDepth, Counts)
{
    EXPECT_EQ(json_nesting_depth(""), 0u);
    EXPECT_EQ(json_nesting_depth("1"), 0u);
    EXPECT_EQ(json_nesting_depth("[]"), 1u);
    EXPECT_EQ(json_nesting_depth(R"({"a":[1,{"b":[]}],"c":{}})"), 4u);
    EXPECT_EQ(json_nesting_depth(R"(["[[[", "\"[[", "\\"])"), 1u);
    EXPECT_EQ(json_nesting_depth("]]]][["), 2u);
}

TEST_F(DispatcherTest, DirectCall)
{
    EXPECT_EQ(d.call("echo", json::array({1}), ctx), json::array({1}));
    try
    {
        (void)d.call("result_error", json::array(), ctx);
        FAIL();
    }
    catch (const Error& e)
    {
        EXPECT_EQ(e.code, -32000);
        EXPECT_EQ(e.message, "nonce too low");
    }
    try
    {
        (void)d.call("nope", json::array(), ctx);
        FAIL();
    }
    catch (const Error& e)
    {
        EXPECT_EQ(e.code, -32601);
    }
}

TEST_F(DispatcherTest, MethodsListed)
{
    EXPECT_TRUE(d.has("echo"));
    EXPECT_FALSE(d.has("ech"));
    const auto m = d.methods();
    EXPECT_TRUE(std::is_sorted(m.begin(), m.end()));
    EXPECT_NE(std::find(m.begin(), m.end(), "eth_unsubscribe"), m.end());
}

TEST_F(DispatcherTest, SubscribeWithoutConnection)
{
    const auto r = run(call(1, "eth_subscribe", {"newHeads"}).dump());
    EXPECT_EQ(r, json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,
        "message":"notifications not supported"}})"));
    const auto u = run(call(2, "eth_unsubscribe", {"0x1"}).dump());
    EXPECT_EQ(u["error"]["code"], -32000);
    EXPECT_EQ(u["error"]["message"], "subscription not found");
}

TEST_F(DispatcherTest, SubscribePublishUnsubscribe)
{
    auto sink = std::make_shared<FakeSink>();
    auto other = std::make_shared<FakeSink>();
    CallContext conn(Transport::WebSocket, "1.2.3.4:5", &d.subscriptions(), sink);
    CallContext conn2(Transport::WebSocket, "1.2.3.4:6", &d.subscriptions(), other);
    EXPECT_TRUE(conn.can_subscribe());

    const auto sub = json::parse(*d.handle(call(1, "eth_subscribe", {"newHeads"}).dump(), conn));
    const std::string id = sub["result"];
    EXPECT_EQ(id.rfind("0x", 0), 0u);
    EXPECT_EQ(d.subscriptions().count("newHeads"), 1u);

    EXPECT_EQ(d.subscriptions().publish("newHeads", json{{"number", "0x1"}}), 1u);
    EXPECT_EQ(d.subscriptions().publish("logs", json{{"x", 1}}), 0u);
    ASSERT_EQ(sink->messages.size(), 1u);
    EXPECT_EQ(sink->messages[0],
              (json{{"jsonrpc", "2.0"},
                    {"method", "eth_subscription"},
                    {"params", {{"subscription", id}, {"result", {{"number", "0x1"}}}}}}));

    // Another connection cannot remove it.
    const auto foreign = json::parse(*d.handle(call(2, "eth_unsubscribe", {id}).dump(), conn2));
    EXPECT_EQ(foreign["error"]["message"], "subscription not found");
    const auto bad = json::parse(*d.handle(call(2, "eth_unsubscribe", {5}).dump(), conn));
    EXPECT_EQ(bad["error"]["code"], -32602);
    const auto none = json::parse(*d.handle(call(2, "eth_unsubscribe").dump(), conn));
    EXPECT_EQ(none["error"]["code"], -32602);

    const auto ok = json::parse(*d.handle(call(3, "eth_unsubscribe", {id}).dump(), conn));
    EXPECT_EQ(ok["result"], true);
    const auto again = json::parse(*d.handle(call(4, "eth_unsubscribe", {id}).dump(), conn));
    EXPECT_EQ(again["error"]["message"], "subscription not found");
    EXPECT_EQ(d.subscriptions().publish("newHeads", json(1)), 0u);
    EXPECT_EQ(sink->messages.size(), 1u);
}

TEST_F(DispatcherTest, NotificationMethodFollowsNamespace)
{
    auto sink = std::make_shared<FakeSink>();
    d.add("tern_subscribe",
          [](const json&, CallContext& ctx) -> json { return ctx.subscribe("blocks"); });
    CallContext conn(Transport::WebSocket, "", &d.subscriptions(), sink);
    (void)d.handle(call(1, "tern_subscribe").dump(), conn);
    d.subscriptions().publish("blocks", 1);
    ASSERT_EQ(sink->messages.size(), 1u);
    EXPECT_EQ(sink->messages[0]["method"], "tern_subscription");
}

TEST(DispatcherDefer, BatchWorkRunsOnceAfterTheLastItemInOrder)
{
    Dispatcher d;
    std::vector<std::string> log;
    d.add("step", [&log](const json& params, CallContext& ctx) -> json {
        const auto name = params.at(0).get<std::string>();
        log.push_back("handle " + name);
        ctx.defer([&log, name] { log.push_back("deferred " + name); });
        return name;
    });
    d.add("fail", [&log](const json&, CallContext& ctx) -> json {
        ctx.defer([&log] { log.push_back("deferred fail"); });
        ctx.defer([] { throw std::runtime_error("swallowed"); });
        throw Error::server("failed");
    });
    CallContext ctx;
    const json batch = json::array({call(1, "step", {"a"}), call(2, "fail"),
                                    json{{"jsonrpc", "2.0"}, {"method", "step"}, {"params", {"n"}}},
                                    call(3, "step", {"b"})});
    const auto out = d.handle(batch.dump(), ctx);
    ASSERT_TRUE(out);
    const auto r = json::parse(*out);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0]["result"], "a");
    EXPECT_EQ(r[1]["error"]["message"], "failed");
    EXPECT_EQ(r[2]["result"], "b");
    // Every handler ran before any deferred work; the work ran in queue order, also that of
    // a failed call and of a notification, and an exception in one item does not stop the rest.
    EXPECT_EQ(log, (std::vector<std::string>{"handle a", "handle n", "handle b", "deferred a",
                                             "deferred fail", "deferred n", "deferred b"}));
    // Done once: a second message on the same context does not run it again.
    log.clear();
    EXPECT_TRUE(d.handle(call(4, "step", {"c"}).dump(), ctx));
    EXPECT_EQ(log, (std::vector<std::string>{"handle c", "deferred c"}));
}

TEST(DispatcherDefer, InBatchIsTrueOnlyForTheItemsOfABatchOfSeveral)
{
    Dispatcher d;
    std::vector<bool> seen;
    d.add("probe", [&seen](const json&, CallContext& ctx) -> json {
        seen.push_back(ctx.in_batch());
        return nullptr;
    });
    CallContext ctx;
    (void)d.handle(json::array({call(1, "probe"), call(2, "probe")}).dump(), ctx);
    (void)d.handle(call(3, "probe").dump(), ctx);  // same context afterwards: not a batch
    (void)d.handle(json::array({call(4, "probe")}).dump(), ctx);  // a batch of one
    EXPECT_EQ(seen, (std::vector<bool>{true, true, false, false}));
    EXPECT_FALSE(ctx.in_batch());
}

TEST(DispatcherDefer, SingleRequestAndDirectCallRunWorkBeforeReturning)
{
    Dispatcher d;
    int done = 0;
    d.add("work", [&done](const json&, CallContext& ctx) -> json {
        ctx.defer([&done] { ++done; });
        return done;  // not yet run while the handler executes
    });
    CallContext ctx;
    const auto out = d.handle(call(1, "work").dump(), ctx);
    ASSERT_TRUE(out);
    EXPECT_EQ(json::parse(*out)["result"], 0);
    EXPECT_EQ(done, 1);
    EXPECT_EQ(d.call("work", json::array(), ctx), 1);
    EXPECT_EQ(done, 2);
    // Deferred work may queue more work; it runs in the same pass.
    d.add("chain", [&done](const json&, CallContext& ctx) -> json {
        ctx.defer([&done, &ctx] {
            ++done;
            ctx.defer([&done] { done += 10; });
        });
        return true;
    });
    EXPECT_TRUE(d.handle(call(2, "chain").dump(), ctx));
    EXPECT_EQ(done, 13);
}

// geth keeps the id as raw JSON and echoes it byte for byte; a parsed number would print 1e2 as
// 100.0, 1.50 as 1.5, -0 as 0 and a 23-digit integer as a float.
TEST_F(DispatcherTest, NumericIdsAreEchoedAsSent)
{
    for (const std::string id :
         {"1e2", "1.50", "-0", "12345678901234567890123", "1E+2", "-1.0e-3", "0", "7", "-3",
          "18446744073709551615", R"("0x1")", R"("a\"b")", "null"})
    {
        const std::string ok = R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"echo"})";
        EXPECT_EQ(*d.handle(ok, ctx), R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":[]})");
        const std::string bad = R"({"id":)" + id + R"(,"jsonrpc":"2.0","method":"eth_nope"})";
        EXPECT_EQ(d.handle(bad, ctx)->substr(0, 23 + id.size()),
                  R"({"jsonrpc":"2.0","id":)" + id + ",")
            << id;
    }
    // Whitespace, a BOM, an escaped key, nested ids and duplicate keys (the last one counts, as
    // in the parsed value).
    EXPECT_EQ(*d.handle("\xEF\xBB\xBF { \"params\" : {\"id\":2.0} , \"id\" :\t1e2 ,"
                        "\"jsonrpc\":\"2.0\",\"method\":\"method_name\"}",
                        ctx),
              R"({"jsonrpc":"2.0","id":1e2,"result":"method_name"})");
    EXPECT_EQ(*d.handle(R"({"jsonrpc":"2.0","\u0069d":1.0,"method":"method_name"})", ctx),
              R"({"jsonrpc":"2.0","id":1.0,"result":"method_name"})");
    EXPECT_EQ(*d.handle(R"({"jsonrpc":"2.0","id":5,"id":5.0,"method":"method_name"})", ctx),
              R"({"jsonrpc":"2.0","id":5.0,"result":"method_name"})");
    // Batches: each item keeps its own text; invalid requests too.
    EXPECT_EQ(*d.handle(R"([{"jsonrpc":"2.0","id":1.50,"method":"echo"},
        {"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"1.0","id":-0},
        {"jsonrpc":"2.0","id":[1.0],"method":"echo"},{"jsonrpc":"2.0","id":2e0,"method":"revert"}])",
                        ctx),
              R"([{"jsonrpc":"2.0","id":1.50,"result":[]},)"
              R"({"jsonrpc":"2.0","id":-0,"error":{"code":-32600,"message":"invalid request"}},)"
              R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}},)"
              R"({"jsonrpc":"2.0","id":2e0,"error":{"code":3,"message":"execution reverted",)"
              R"("data":"0x08c379a0"}}])");
    // Batch too large carries the first call's id as sent.
    std::string many = "[";
    for (int i = 0; i < 6; ++i)
        many += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","id":1e1,"method":"echo"})";
    EXPECT_EQ(
        *d.handle(many + "]", ctx),
        R"([{"jsonrpc":"2.0","id":1e1,"error":{"code":-32600,"message":"batch too large"}}])");
    // Only ids that need it are kept.
    EXPECT_TRUE(d.parse(R"({"jsonrpc":"2.0","id":1,"method":"echo"})").raw_ids.empty());
    EXPECT_TRUE(d.parse(R"([{"jsonrpc":"2.0","id":"x","method":"echo"}])").raw_ids.empty());
    EXPECT_EQ(d.parse(R"([{"id":1},{"id":1.0}])").raw_ids, (std::vector<std::string>{"", "1.0"}));
}

TEST_F(DispatcherTest, CostMarksMessagesHeavy)
{
    EXPECT_EQ(d.cost("echo"), Cost::Cheap);
    EXPECT_FALSE(d.parse(R"({"jsonrpc":"2.0","id":1,"method":"echo"})").heavy);
    EXPECT_FALSE(d.set_cost("nope", Cost::Heavy));
    ASSERT_TRUE(d.set_cost("big", Cost::Heavy));
    EXPECT_EQ(d.cost("big"), Cost::Heavy);
    // Re-registering keeps the cost.
    d.add("big", [](const json&, CallContext&) -> json { return "again"; });
    EXPECT_EQ(d.cost("big"), Cost::Heavy);
    EXPECT_TRUE(d.parse(R"({"jsonrpc":"2.0","id":1,"method":"big"})").heavy);
    EXPECT_TRUE(d.parse(R"([{"jsonrpc":"2.0","id":1,"method":"echo"},
                           {"jsonrpc":"2.0","method":"big"}])")
                    .heavy);
    EXPECT_FALSE(d.parse(R"([{"jsonrpc":"2.0","id":1,"method":"echo"},{"method":7},3])").heavy);
    EXPECT_FALSE(d.parse("{oops").heavy);
    ASSERT_TRUE(d.set_cost("big", Cost::Cheap));
    EXPECT_FALSE(d.parse(R"({"jsonrpc":"2.0","id":1,"method":"big"})").heavy);
}

TEST_F(DispatcherTest, RefuseAnswersEveryCall)
{
    const Error busy{code::limit_exceeded, "busy", std::nullopt};
    EXPECT_EQ(*d.refuse(d.parse(R"({"jsonrpc":"2.0","id":1e2,"method":"echo"})"), busy),
              R"({"jsonrpc":"2.0","id":1e2,"error":{"code":-32005,"message":"busy"}})");
    EXPECT_FALSE(d.refuse(d.parse(R"({"jsonrpc":"2.0","method":"echo"})"), busy));
    EXPECT_EQ(*d.refuse(d.parse(R"([{"jsonrpc":"2.0","id":1,"method":"echo"},
                                    {"jsonrpc":"2.0","method":"echo"},
                                    {"jsonrpc":"2.0","id":"b","method":"x"}])"),
                        busy),
              R"([{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"busy"}},)"
              R"({"jsonrpc":"2.0","id":"b","error":{"code":-32005,"message":"busy"}}])");
    EXPECT_EQ(json::parse(*d.refuse(d.parse("{oops"), busy))["error"]["code"], -32700);
}

TEST(DispatcherCancel, BatchStopsAtTheNextItemOnceCancelled)
{
    Dispatcher d;
    int calls = 0;
    d.add("work", [&](const json&, CallContext& ctx) -> json {
        if (++calls == 2)
            ctx.cancel();  // the client left during the second item
        return calls;
    });
    CallContext ctx;
    const auto out = d.handle(
        R"([{"jsonrpc":"2.0","id":1,"method":"work"},{"jsonrpc":"2.0","id":2,"method":"work"},
            {"jsonrpc":"2.0","id":3,"method":"work"},{"jsonrpc":"2.0","id":4,"method":"work"}])",
        ctx);
    EXPECT_EQ(calls, 2);
    ASSERT_TRUE(out);
    EXPECT_EQ(json::parse(*out).size(), 2u);
}

TEST(CallContextTest, ClientIp)
{
    EXPECT_EQ(CallContext(Transport::Http, "10.1.2.3:5555").client_ip(), "10.1.2.3");
    EXPECT_EQ(CallContext(Transport::WebSocket, "[::1]:80").client_ip(), "::1");
    EXPECT_EQ(CallContext(Transport::Http, "fe80::1").client_ip(), "fe80::1");
    EXPECT_EQ(CallContext().client_ip(), "");
    CallContext ctx(Transport::Http, "1.2.3.4:1");
    EXPECT_EQ(ctx.connection_id(), 0u);
    ctx.set_connection_id(42);
    EXPECT_EQ(ctx.connection_id(), 42u);
}
