#include "api/handlers/filter_api.hpp"
#include "api/method_table.hpp"

#include "node/dev_engine.hpp"
#include "node/log_contract_test_util.hpp"
#include "node/node.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <set>
#include <thread>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

class FilterApiTest : public ::testing::Test
{
protected:
    /// Starts a node with the filter API; `block_time` 0 is automine; `tweak` adjusts the
    /// node's configuration (limits).
    void start(uint64_t block_time = 0,
               FilterOptions options = {},
               const std::function<void(NodeConfig&)>& tweak = {})
    {
        NodeConfig c;
        c.port = 0;
        c.rpc_threads = 2;
        c.block_time = block_time;
        if (tweak)
            tweak(c);
        node_ = std::make_unique<Node>(c);
        node_->add_setup([options](Node& n) {
            MethodTable t;
            add_filter_methods(t, n.backend(), options);
            n.serve(std::move(t));
        });
        const auto r = node_->start();
        ASSERT_TRUE(r) << r.error();
        port_ = *r;
    }
    void TearDown() override
    {
        if (node_)
            node_->stop();
    }

    json call(const std::string& method, json params = json::array())
    {
        return call_rpc(port_, method, std::move(params));
    }
    /// Sends raw transactions in one batch (automine: one block); returns when it is committed.
    void send_batch(const std::vector<std::string>& raws)
    {
        for (const auto& item : send_raw_batch(port_, raws))
            ASSERT_TRUE(item.contains("result")) << item.dump();
    }
    json ok(const std::string& method, json params = json::array())
    {
        return result(port_, method, std::move(params));
    }
    /// Sends a raw transaction (automine: returns once its block is committed); returns its hash.
    std::string send(const std::string& raw) { return ok("eth_sendRawTransaction", {raw}); }
    /// Deploys a log contract from account 0.
    Address deploy()
    {
        auto [raw, addr] = signer_.deploy(0);
        send(raw);
        return addr;
    }
    std::string block_hash(uint64_t n)
    {
        return ok("eth_getBlockByNumber", {qty_hex(n), false})["hash"];
    }
    uint64_t head() { return qty(ok("eth_blockNumber")); }

    /// The topics (as numbers) of `logs`, in order.
    static std::vector<uint64_t> topics_of(const json& logs)
    {
        std::vector<uint64_t> out;
        for (const auto& l : logs)
            out.push_back(qty(l["topics"][0]));
        return out;
    }

    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
    TxSigner signer_;
};

void expect_error(const json& response, int code, const std::string& message)
{
    ASSERT_TRUE(response.contains("error")) << response.dump();
    EXPECT_EQ(response["error"]["code"], code) << response.dump();
    EXPECT_EQ(response["error"]["message"], message) << response.dump();
}

TEST_F(FilterApiTest, BlockFilterReportsEachNewBlockOnce)
{
    start();
    const json id = ok("eth_newBlockFilter");
    ASSERT_TRUE(id.is_string());
    EXPECT_TRUE(std::regex_match(id.get<std::string>(), std::regex("0x[1-9a-f][0-9a-f]*"))) << id;
    EXPECT_EQ(ok("eth_getFilterChanges", {id}), json::array());

    deploy();  // block 1; the poll right after the send must see it
    EXPECT_EQ(ok("eth_getFilterChanges", {id}), json::array({block_hash(1)}));
    EXPECT_EQ(ok("eth_getFilterChanges", {id}), json::array());

    ASSERT_TRUE(node_->engine().mine());
    ASSERT_TRUE(node_->engine().mine());
    EXPECT_EQ(ok("eth_getFilterChanges", {id}), json::array({block_hash(2), block_hash(3)}));

    // A filter made later starts at the head of that moment.
    const json late = ok("eth_newBlockFilter");
    EXPECT_NE(late, id);
    EXPECT_EQ(ok("eth_getFilterChanges", {late}), json::array());
    ASSERT_TRUE(node_->engine().mine());
    EXPECT_EQ(ok("eth_getFilterChanges", {late}), json::array({block_hash(4)}));
    EXPECT_EQ(ok("eth_getFilterChanges", {id}), json::array({block_hash(4)}));
}

TEST_F(FilterApiTest, LogFilterChangesMatchAddressesAndTopics)
{
    start();
    const Address a = deploy();  // block 1
    const Address b = deploy();  // block 2

    const json all = ok("eth_newFilter", {json::object()});
    const json only_a = ok("eth_newFilter", {{{"address", hex(a)}}});
    const json a_or_b = ok("eth_newFilter", {{{"address", {hex(a), hex(b)}}}});
    const json five_or_seven =
        ok("eth_newFilter", {{{"topics", json::array({json::array({word(5), word(7)})})}}});
    const json wildcard = ok("eth_newFilter", {{{"address", hex(b)}, {"topics", {nullptr}}}});
    const json or_with_null =
        ok("eth_newFilter", {{{"topics", json::array({json::array({word(1), nullptr})})}}});
    const json two_topics = ok("eth_newFilter", {{{"topics", {nullptr, word(5)}}}});
    const json other_address = ok("eth_newFilter", {{{"address", hex(signer_.address(9))}}});
    std::set<json> ids{all,      only_a,       a_or_b,     five_or_seven,
                       wildcard, or_with_null, two_topics, other_address};
    EXPECT_EQ(ids.size(), 8u) << "filter ids are unique";

    const std::string t3 = send(signer_.emit(0, a, 5));  // block 3
    send(signer_.emit(1, b, 6));                         // block 4
    send(signer_.emit(2, a, 7));                         // block 5

    const json logs = ok("eth_getFilterChanges", {all});
    ASSERT_EQ(logs.size(), 3u) << logs.dump();
    EXPECT_EQ(topics_of(logs), (std::vector<uint64_t>{5, 6, 7}));
    EXPECT_EQ(logs[0]["address"], hex(a));
    EXPECT_EQ(logs[0]["blockNumber"], "0x3");
    EXPECT_EQ(logs[0]["blockHash"], block_hash(3));
    EXPECT_EQ(logs[0]["transactionHash"], t3);
    EXPECT_EQ(logs[0]["transactionIndex"], "0x0");
    EXPECT_EQ(logs[0]["logIndex"], "0x0");
    EXPECT_EQ(logs[0]["data"], "0x");
    EXPECT_EQ(logs[0]["removed"], false);
    EXPECT_EQ(logs[1]["address"], hex(b));

    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {only_a})), (std::vector<uint64_t>{5, 7}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {a_or_b})), (std::vector<uint64_t>{5, 6, 7}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {five_or_seven})),
              (std::vector<uint64_t>{5, 7}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {wildcard})), (std::vector<uint64_t>{6}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {or_with_null})),
              (std::vector<uint64_t>{5, 6, 7}));
    EXPECT_EQ(ok("eth_getFilterChanges", {two_topics}), json::array());
    EXPECT_EQ(ok("eth_getFilterChanges", {other_address}), json::array());

    // Reported once: the next polls are empty until new logs arrive.
    EXPECT_EQ(ok("eth_getFilterChanges", {all}), json::array());
    EXPECT_EQ(ok("eth_getFilterChanges", {only_a}), json::array());
    send(signer_.emit(0, a, 8));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {all})), (std::vector<uint64_t>{8}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {only_a})), (std::vector<uint64_t>{8}));
    // Blocks without matching logs give nothing.
    ASSERT_TRUE(node_->engine().mine());
    EXPECT_EQ(ok("eth_getFilterChanges", {all}), json::array());
}

TEST_F(FilterApiTest, GetFilterLogsRunsTheWholeQuery)
{
    start();
    const Address a = deploy();   // 1
    const Address b = deploy();   // 2
    send(signer_.emit(0, a, 1));  // 3
    send(signer_.emit(0, b, 2));  // 4
    send(signer_.emit(0, a, 3));  // 5

    const json history = ok("eth_newFilter", {{{"fromBlock", "0x0"}, {"address", hex(a)}}});
    EXPECT_EQ(topics_of(ok("eth_getFilterLogs", {history})), (std::vector<uint64_t>{1, 3}));
    // Changes are only what is new since the filter was made.
    EXPECT_EQ(ok("eth_getFilterChanges", {history}), json::array());
    // ... and eth_getFilterLogs does not consume them.
    send(signer_.emit(0, a, 4));  // 6
    EXPECT_EQ(topics_of(ok("eth_getFilterLogs", {history})), (std::vector<uint64_t>{1, 3, 4}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {history})), (std::vector<uint64_t>{4}));

    const json latest = ok("eth_newFilter", {json::object()});
    EXPECT_EQ(topics_of(ok("eth_getFilterLogs", {latest})), (std::vector<uint64_t>{4}));

    const json range = ok("eth_newFilter", {{{"fromBlock", "0x4"}, {"toBlock", "0x5"}}});
    EXPECT_EQ(topics_of(ok("eth_getFilterLogs", {range})), (std::vector<uint64_t>{2, 3}));

    const json by_hash = ok("eth_newFilter", {{{"blockHash", block_hash(4)}}});
    EXPECT_EQ(topics_of(ok("eth_getFilterLogs", {by_hash})), (std::vector<uint64_t>{2}));
    send(signer_.emit(0, b, 9));
    EXPECT_EQ(ok("eth_getFilterChanges", {by_hash}), json::array()) << "only block 4 matches";

    // Only log filters have logs.
    const json blocks = ok("eth_newBlockFilter");
    expect_error(call("eth_getFilterLogs", {blocks}), -32000, "filter not found");
    expect_error(call("eth_getFilterLogs", {"0x1234"}), -32000, "filter not found");
}

TEST_F(FilterApiTest, LiveRangeBoundsTheChanges)
{
    start();
    const Address a = deploy();  // 1
    const uint64_t h = head();
    const json mid =
        ok("eth_newFilter", {{{"fromBlock", qty_hex(h + 2)}, {"toBlock", qty_hex(h + 2)}}});
    const json open_end =
        ok("eth_newFilter", {{{"fromBlock", qty_hex(h + 2)}, {"toBlock", "latest"}}});
    const json earliest = ok("eth_newFilter", {{{"fromBlock", "earliest"}}});
    send(signer_.emit(0, a, 1));  // h+1
    send(signer_.emit(0, a, 2));  // h+2
    send(signer_.emit(0, a, 3));  // h+3
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {mid})), (std::vector<uint64_t>{2}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {open_end})), (std::vector<uint64_t>{2, 3}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {earliest})), (std::vector<uint64_t>{1, 2, 3}));
    send(signer_.emit(0, a, 4));
    EXPECT_EQ(ok("eth_getFilterChanges", {mid}), json::array());
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {open_end})), (std::vector<uint64_t>{4}));
}

TEST_F(FilterApiTest, RefusesBadCriteriaLikeGeth)
{
    start();
    // geth since v1.16.8 (go-ethereum#33320): -32602, -32000 before.
    expect_error(call("eth_newFilter", {{{"fromBlock", "pending"}}}), -32602,
                 "pending logs are not supported");
    expect_error(call("eth_newFilter", {{{"toBlock", "pending"}}}), -32602,
                 "pending logs are not supported");
    expect_error(call("eth_newFilter", {{{"fromBlock", "0x5"}, {"toBlock", "0x2"}}}), -32602,
                 "invalid block range params");
    expect_error(call("eth_newFilter", {{{"toBlock", "0x2"}}}), -32602,
                 "invalid block range params");
    expect_error(call("eth_newFilter", {{{"fromBlock", "safe"}}}), -32602,
                 "invalid block range params");
    expect_error(call("eth_newFilter", {{{"blockHash", word(1)}, {"fromBlock", "0x1"}}}), -32602,
                 "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose "
                 "one or the other");
    const auto bad_topic = call("eth_newFilter", {{{"topics", {"0x12"}}}});
    ASSERT_TRUE(bad_topic.contains("error"));
    EXPECT_EQ(bad_topic["error"]["code"], -32602);
    expect_error(call("eth_newFilter", json::array()), -32602,
                 "missing value for required argument 0");
    expect_error(call("eth_newBlockFilter", {1}), -32602, "too many arguments, want at most 0");
    expect_error(call("eth_newFilter", json::object()), -32602, "non-array args");
}

TEST_F(FilterApiTest, UninstallAndUnknownIds)
{
    start();
    const json id = ok("eth_newBlockFilter");
    EXPECT_EQ(ok("eth_uninstallFilter", {id}), true);
    EXPECT_EQ(ok("eth_uninstallFilter", {id}), false);
    expect_error(call("eth_getFilterChanges", {id}), -32000, "filter not found");
    expect_error(call("eth_getFilterChanges", {"0xdeadbeef"}), -32000, "filter not found");
    EXPECT_EQ(ok("eth_uninstallFilter", {"0xdeadbeef"}), false);
    expect_error(call("eth_getFilterChanges", {5}), -32602,
                 "invalid argument 0: json: cannot unmarshal number into Go value of type rpc.ID");
    expect_error(call("eth_getFilterChanges", json::array()), -32602,
                 "missing value for required argument 0");
    expect_error(call("eth_uninstallFilter", json::array()), -32602,
                 "missing value for required argument 0");

    // Uninstalling one filter leaves the others.
    const json a = ok("eth_newFilter", {json::object()});
    const json b = ok("eth_newPendingTransactionFilter");
    EXPECT_EQ(ok("eth_uninstallFilter", {a}), true);
    EXPECT_EQ(ok("eth_getFilterChanges", {b}), json::array());
    expect_error(call("eth_getFilterLogs", {a}), -32000, "filter not found");
}

TEST_F(FilterApiTest, FiltersExpireWhenNotPolled)
{
    FilterOptions options;
    options.timeout = 2s;
    options.max_filters = 3;
    start(0, options);
    const json idle = ok("eth_newBlockFilter");
    const json polled = ok("eth_newFilter", {json::object()});
    const json logs_only = ok("eth_newFilter", {json::object()});
    expect_error(call("eth_newBlockFilter"), -32000, "too many filters");

    std::this_thread::sleep_for(1200ms);
    EXPECT_EQ(ok("eth_getFilterChanges", {polled}), json::array());
    // eth_getFilterLogs does not keep a filter alive (geth).
    EXPECT_EQ(ok("eth_getFilterLogs", {logs_only}), json::array());
    std::this_thread::sleep_for(1200ms);
    expect_error(call("eth_getFilterChanges", {idle}), -32000, "filter not found");
    expect_error(call("eth_getFilterLogs", {logs_only}), -32000, "filter not found");
    EXPECT_EQ(ok("eth_getFilterChanges", {polled}), json::array());
    // Expired filters free their slots.
    EXPECT_TRUE(ok("eth_newBlockFilter").is_string());
}

TEST_F(FilterApiTest, PendingTransactionFilters)
{
    start(3600);  // no automine: transactions stay pending until mine()
    const json hashes = ok("eth_newPendingTransactionFilter");
    const json full = ok("eth_newPendingTransactionFilter", {true});
    const json explicit_hashes = ok("eth_newPendingTransactionFilter", {false});
    const json blocks = ok("eth_newBlockFilter");
    EXPECT_EQ(ok("eth_getFilterChanges", {hashes}), json::array());

    auto [deploy_raw, contract] = signer_.deploy(0);
    const std::string h1 = send(deploy_raw);
    const std::string h2 = send(signer_.raw(1, signer_.address(2), {}));
    // A transaction behind a nonce gap is not pending: not reported.
    signer_.raw(3, signer_.address(2), {});  // nonce 0, never sent
    const std::string gapped = send(signer_.raw(3, signer_.address(2), {}));

    EXPECT_EQ(ok("eth_getFilterChanges", {hashes}), json::array({h1, h2}));
    EXPECT_EQ(ok("eth_getFilterChanges", {hashes}), json::array());
    EXPECT_EQ(ok("eth_getFilterChanges", {explicit_hashes}), json::array({h1, h2}));
    const json objects = ok("eth_getFilterChanges", {full});
    ASSERT_EQ(objects.size(), 2u) << objects.dump();
    EXPECT_EQ(objects[0]["hash"], h1);
    EXPECT_EQ(objects[0]["from"], hex(signer_.address(0)));
    EXPECT_TRUE(objects[0]["to"].is_null());
    EXPECT_TRUE(objects[0]["blockHash"].is_null());
    EXPECT_TRUE(objects[0]["blockNumber"].is_null());
    EXPECT_EQ(objects[1]["hash"], h2);
    EXPECT_EQ(objects[1]["nonce"], "0x0");

    EXPECT_EQ(ok("eth_getFilterChanges", {blocks}), json::array());
    ASSERT_TRUE(node_->engine().mine());
    EXPECT_EQ(ok("eth_getFilterChanges", {blocks}), json::array({block_hash(1)}));
    EXPECT_EQ(ok("eth_getFilterChanges", {hashes}), json::array()) << "mined: nothing new pending";
    EXPECT_NE(gapped, h1);

    expect_error(call("eth_newPendingTransactionFilter", {"yes"}), -32602,
                 "invalid argument 0: json: cannot unmarshal string into Go value of type bool");
}

// ---- issue 10: log query limits and per-client filter caps ----

/// Ranges as block-number quantities.
json range(uint64_t from, uint64_t to)
{
    return {{"fromBlock", qty_hex(from)}, {"toBlock", qty_hex(to)}};
}

// eth_getLogs and eth_getFilterLogs: geth's block-range error and criteria limit, and the
// providers' result limit (16 concurrent unfiltered queries over 120k logs held 3 GB).
TEST_F(FilterApiTest, LogQueriesHaveRangeResultAndCriteriaLimits)
{
    start(0, {}, [](NodeConfig& c) {
        c.rpc_max_log_range = 4;
        c.rpc_max_log_results = 3;
        c.rpc_max_log_criteria = 2;
    });
    const Address a = deploy();  // block 1
    for (uint64_t i = 1; i <= 5; ++i)
        send(signer_.emit(0, a, i));  // blocks 2..6, one log each
    send_batch({signer_.emit(1, a, 11), signer_.emit(2, a, 12), signer_.emit(3, a, 13),
                signer_.emit(4, a, 14)});  // block 7, four logs
    ASSERT_EQ(head(), 7u);

    // Under the limits: fine.
    EXPECT_EQ(topics_of(ok("eth_getLogs", {range(2, 4)})), (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_EQ(topics_of(ok("eth_getLogs", {{{"blockHash", block_hash(3)}}})),
              (std::vector<uint64_t>{2}));
    // The range: toBlock - fromBlock at most 4 (geth's rule and wording).
    expect_error(call("eth_getLogs", {range(1, 6)}), -32602, "exceed maximum block range 4");
    expect_error(call("eth_getLogs", {{{"fromBlock", "earliest"}}}), -32602,
                 "exceed maximum block range 4");
    // The results: more than 3, with the range that fits.
    expect_error(call("eth_getLogs", {range(2, 6)}), -32005,
                 "query returned more than 3 results. Try with this block range [0x2, 0x4].");
    expect_error(call("eth_getLogs", {{{"blockHash", block_hash(7)}}}), -32005,
                 "query returned more than 3 results");
    // Criteria: at most 2 addresses, 2 alternatives per topic position (geth's
    // --rpc.logquerylimit); more than 4 positions is geth's parse error.
    const json three = {hex(a), hex(signer_.address(1)), hex(signer_.address(2))};
    const std::string over_criteria = "exceed max addresses or topics per search position";
    expect_error(call("eth_getLogs", {{{"address", three}}}), -32000, over_criteria);
    expect_error(call("eth_getLogs",
                      {{{"topics", json::array({json::array({word(1), word(2), word(3)})})}}}),
                 -32000, over_criteria);
    expect_error(call("eth_newFilter", {{{"address", three}}}), -32000, over_criteria);
    expect_error(call("eth_getLogs", {{{"topics", {nullptr, nullptr, nullptr, nullptr, nullptr}}}}),
                 -32602, "invalid argument 0: exceed max topics");
    EXPECT_EQ(
        ok("eth_getLogs", {{{"address", {hex(a), hex(a)}}, {"blockHash", block_hash(2)}}}).size(),
        1u);

    // eth_getFilterLogs runs the filter's query under the same limits.
    const json wide = ok("eth_newFilter", {range(0, 6)});
    expect_error(call("eth_getFilterLogs", {wide}), -32602, "exceed maximum block range 4");
    const json many = ok("eth_newFilter", {{{"fromBlock", "0x2"}, {"toBlock", "0x6"}}});
    expect_error(call("eth_getFilterLogs", {many}), -32005,
                 "query returned more than 3 results. Try with this block range [0x2, 0x4].");
    const json few = ok("eth_newFilter", {range(5, 6)});
    EXPECT_EQ(topics_of(ok("eth_getFilterLogs", {few})), (std::vector<uint64_t>{4, 5}));
}

// eth_getFilterChanges never fails at the limits: a poll reports at most the range limit's
// blocks and the result limit's logs (ending at a block boundary; a block alone over the limit
// comes whole), and the next poll goes on from there.
TEST_F(FilterApiTest, FilterChangesStopAtTheResultLimitAndResume)
{
    start(0, {}, [](NodeConfig& c) {
        c.rpc_max_log_range = 100;
        c.rpc_max_log_results = 3;
    });
    const Address a = deploy();
    const json all = ok("eth_newFilter", {json::object()});
    const json two =
        ok("eth_newFilter", {{{"topics", json::array({json::array({word(2), word(5)})})}}});
    for (uint64_t i = 1; i <= 5; ++i)
        send(signer_.emit(0, a, i));
    send_batch({signer_.emit(1, a, 11), signer_.emit(2, a, 12), signer_.emit(3, a, 13),
                signer_.emit(4, a, 14)});
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {all})), (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {all})), (std::vector<uint64_t>{4, 5}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {all})),
              (std::vector<uint64_t>{11, 12, 13, 14}));
    EXPECT_EQ(ok("eth_getFilterChanges", {all}), json::array());
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {two})), (std::vector<uint64_t>{2, 5}));
}

TEST_F(FilterApiTest, FilterChangesSpanAtMostTheRangeLimit)
{
    // A poll spans at most toBlock - fromBlock = 1: two blocks.
    start(0, {}, [](NodeConfig& c) { c.rpc_max_log_range = 1; });
    const Address b = deploy();
    const json f = ok("eth_newFilter", {json::object()});
    for (uint64_t i = 1; i <= 5; ++i)
        send(signer_.emit(0, b, i));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {f})), (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {f})), (std::vector<uint64_t>{3, 4}));
    EXPECT_EQ(topics_of(ok("eth_getFilterChanges", {f})), (std::vector<uint64_t>{5}));
}

// Issue 10: 10,000 eth_newFilter from one client made everyone else's filters fail for five
// minutes. Each client (IP) now has its own cap; the global cap is the last resort.
TEST_F(FilterApiTest, OneClientAtItsCapCannotFailAnothersNewFilter)
{
    start();  // defaults: 1,000 per client, 10,000 in all
    rpc::CallContext flooder(rpc::Transport::Http, "10.0.0.1:40000");
    rpc::CallContext other(rpc::Transport::Http, "10.0.0.2:40001");
    auto& d = node_->dispatcher();
    size_t installed = 0;
    std::string refusal;
    for (int i = 0; i < 10'000; ++i)
    {
        try
        {
            d.call("eth_newBlockFilter", json::array(), flooder);
            ++installed;
        }
        catch (const rpc::Error& e)
        {
            refusal = e.message;
        }
    }
    EXPECT_EQ(installed, 1000u);
    EXPECT_EQ(refusal, "too many filters from this client (limit 1000)");
    try
    {
        EXPECT_TRUE(d.call("eth_newFilter", json::array({json::object()}), other).is_string());
    }
    catch (const rpc::Error& e)
    {
        ADD_FAILURE() << "another client's eth_newFilter failed: " << e.message;
    }
    EXPECT_TRUE(ok("eth_newBlockFilter").is_string()) << "and over HTTP from 127.0.0.1";
}

TEST_F(FilterApiTest, PerClientAndGlobalCapsOverHttp)
{
    FilterOptions options;
    options.max_filters_per_client = 3;
    options.max_filters = 5;
    start(0, options);
    const auto new_filter = [&](const char* from) {
        return call_rpc(port_, "eth_newBlockFilter", json::array(), from);
    };
    std::vector<json> mine;
    for (int i = 0; i < 3; ++i)
        mine.push_back(new_filter("127.0.0.1")["result"]);
    expect_error(new_filter("127.0.0.1"), -32000, "too many filters from this client (limit 3)");
    EXPECT_TRUE(new_filter("127.0.0.2")["result"].is_string());
    EXPECT_TRUE(new_filter("127.0.0.2")["result"].is_string());
    expect_error(new_filter("127.0.0.3"), -32000, "too many filters");
    // Uninstalling (from anywhere: ids are secrets) frees the installer's slot.
    EXPECT_EQ(call_rpc(port_, "eth_uninstallFilter", {mine[0]}, "127.0.0.3")["result"], true);
    EXPECT_TRUE(new_filter("127.0.0.3")["result"].is_string());
    expect_error(new_filter("127.0.0.1"), -32000, "too many filters");
}

// Expired filters give their client's slots back.
TEST_F(FilterApiTest, ExpiredFiltersFreeTheirClientsSlots)
{
    FilterOptions options;
    options.timeout = 200ms;
    options.max_filters_per_client = 2;
    start(0, options);
    ok("eth_newBlockFilter");
    ok("eth_newBlockFilter");
    expect_error(call("eth_newBlockFilter"), -32000, "too many filters from this client (limit 2)");
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(ok("eth_newBlockFilter").is_string());
}

}  // namespace
