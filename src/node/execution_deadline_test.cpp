// The RPC execution deadline (NodeConfig::rpc_evm_timeout, geth's --rpc.evmtimeout) and the
// client's cancellation, end to end over JSON-RPC: every RPC-driven execution stops with geth's
// error, block execution never does.

#include "node/node.hpp"

#include "api/handlers/debug_api.hpp"
#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "execution/host.hpp"
#include "node/test_node.hpp"
#include "node/test_util.hpp"
#include "rpc/dispatcher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

/// JUMPDEST PUSH0 JUMP: loops until the gas runs out.
constexpr const char* kLoop = "0x5b5f56";
/// A loop of STATICCALLs to ecAdd (0x06) on zeros, forever.
constexpr const char* kEcAddLoop = "0x5b60405f60805f60065afa505f56";
/// Copies the call data to memory and STATICCALLs precompile 0xPP with it.
std::string precompile_caller(uint8_t precompile)
{
    return "0x365f5f3760405f365f60" + to_hex(BytesView{&precompile, 1}, false) + "5afa00";
}
/// Where the tests install code with a state override.
constexpr const char* kTarget = "0x000000000000000000000000000000000000c0de";
/// More gas than any execution uses: with --rpc-gas-cap 0 only the deadline stops it.
constexpr const char* kHugeGas = "0x7fffffffffffffff";
/// Generous slack for "stopped soon after the deadline" (never a tight timing assertion).
constexpr auto kSlack = 3s;

class ExecutionDeadlineTest : public ::testing::Test
{
protected:
    void SetUp() override { start(200ms); }
    void TearDown() override { node_->stop(); }

    void start(std::chrono::nanoseconds timeout)
    {
        if (node_)
            node_->stop();
        NodeConfig c;
        c.rpc_gas_cap = 0;  // no gas cap: the loops would run (practically) forever
        c.rpc_evm_timeout = timeout;
        node_ = start_test_node(c, port_);
    }

    /// [call, "latest", {kTarget: {code}}] with `data` and kHugeGas.
    static json call_params(const std::string& code, const std::string& data = "0x")
    {
        return json::array({json{{"to", kTarget}, {"data", data}, {"gas", kHugeGas}}, "latest",
                            json{{kTarget, {{"code", code}}}}});
    }

    /// Calls `method` and returns its error, checking it came within `limit` + slack.
    json timed_error(const std::string& method,
                     const json& params,
                     std::chrono::milliseconds limit = 200ms)
    {
        const auto start = Clock::now();
        const json r = call_rpc(port_, method, params);
        const auto took = Clock::now() - start;
        EXPECT_LT(took, limit + kSlack) << method;
        EXPECT_TRUE(r.contains("error")) << r.dump();
        return r.contains("error") ? r["error"] : json();
    }

    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
};

const json kAborted = {{"code", -32000}, {"message", "execution aborted (timeout = 200ms)"}};
const json kTraceTimeout = {{"code", -32000}, {"message", "execution timeout"}};

TEST_F(ExecutionDeadlineTest, EthCallOfAnInfiniteLoopStopsWithGethsError)
{
    EXPECT_EQ(timed_error("eth_call", call_params(kLoop)), kAborted);
}

TEST_F(ExecutionDeadlineTest, EthCallOfPrecompileLoopsAndLongPrecompilesStops)
{
    // Many cheap precompile calls: the interpreter's checkpoints stop the loop.
    EXPECT_EQ(timed_error("eth_call", call_params(kEcAddLoop)), kAborted);
    // One blake2f of 2^32 - 1 rounds (~40 s): the precompile checks the deadline itself.
    Bytes blake(213, 0);
    blake[0] = blake[1] = blake[2] = blake[3] = 0xff;
    EXPECT_EQ(timed_error("eth_call", call_params(precompile_caller(9), to_hex(blake))), kAborted);
    // One modexp with a 256 KiB exponent and a 2048-bit modulus (seconds of work).
    Bytes modexp;
    for (const uint64_t len : {256u, 256u * 1024, 256u})
    {
        const Hash256 w = U256{len}.to_hash();
        modexp.insert(modexp.end(), w.bytes.begin(), w.bytes.end());
    }
    modexp.resize(modexp.size() + 256, 0x03);         // base
    modexp.resize(modexp.size() + 256 * 1024, 0xff);  // exponent
    modexp.resize(modexp.size() + 256, 0xfd);         // modulus
    EXPECT_EQ(timed_error("eth_call", call_params(precompile_caller(5), to_hex(modexp))), kAborted);
}

TEST_F(ExecutionDeadlineTest, EstimateGasSharesOneDeadlineForTheWholeSearch)
{
    EXPECT_EQ(timed_error("eth_estimateGas", call_params(kLoop)), kAborted);
    // A search of ~10 executions of a call that fits in the deadline on its own: one blake2f of
    // 2M rounds (~40 ms), then a revert unless 10M gas are left (so the search doubles from the
    // gas used).
    const std::string counted =
        "0x63001e848060e01b5f52"  // memory: the rounds (2,000,000) of a blake2f input
        "60405f60d55f60095afa50"  // STATICCALL blake2f; POP
        "629896805a10601f5700"    // if GAS < 10,000,000 jump to the revert; STOP
        "5b5f5ffd";
    const auto start = Clock::now();
    const json ok = call_rpc(port_, "eth_call", call_params(counted));
    const auto one = Clock::now() - start;
    if (ok.contains("error") && ok["error"] == kAborted)
        GTEST_SKIP() << "one execution does not fit in the deadline on this machine now (busy, or "
                        "a sanitizer build): the search cannot be told apart from one call";
    ASSERT_TRUE(ok.contains("result")) << ok.dump();
    json params = call_params(counted);
    params[0].erase("gas");
    const json e = call_rpc(port_, "eth_estimateGas", params);
    if (one * 8 < 200ms)
        GTEST_SKIP() << "one execution takes only "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(one).count()
                     << " ms here: the search fits in the deadline";
    EXPECT_EQ(e["error"], kAborted) << e.dump();
}

TEST_F(ExecutionDeadlineTest, CreateAccessListStops)
{
    json params = call_params(kLoop);
    params.erase(2);  // eth_createAccessList takes no state overrides: create the loop instead
    params[0].erase("to");
    params[0]["data"] = "0x5b5f56";
    EXPECT_EQ(timed_error("eth_createAccessList", params), kAborted);
}

TEST_F(ExecutionDeadlineTest, TraceCallOfALongLoopStops)
{
    const auto with = [](json config) {
        json p = call_params(kLoop);
        p[2] = json{{"stateOverrides", p[2]}};
        p[2].update(config);
        return p;
    };
    EXPECT_EQ(timed_error("debug_traceCall", with({{"tracer", "callTracer"}})), kTraceTimeout);
    EXPECT_EQ(timed_error("debug_traceCall", with({{"limit", 10}})), kTraceTimeout);
    // A client's timeout cannot lengthen the node's.
    EXPECT_EQ(timed_error("debug_traceCall", with({{"limit", 10}, {"timeout", "1h"}})),
              kTraceTimeout);
    const json bad = call_rpc(port_, "debug_traceCall", with({{"timeout", "soon"}}));
    EXPECT_EQ(bad["error"]["message"], "time: invalid duration \"soon\"");
}

TEST_F(ExecutionDeadlineTest, TraceConfigTimeoutShortensTheNodesTimeout)
{
    start(std::chrono::hours(1));
    json p = call_params(kLoop);
    p[2] = json{{"stateOverrides", p[2]}, {"tracer", "callTracer"}, {"timeout", "100ms"}};
    EXPECT_EQ(timed_error("debug_traceCall", p, 100ms), kTraceTimeout);
}

TEST_F(ExecutionDeadlineTest, BlockExecutionIgnoresTheDeadlineAndTracesOfItStop)
{
    start(50ms);
    // Init code: one blake2f of 20M rounds (~0.4 s), then slot 0 = its success flag.
    const std::string init = "0x6301312d0060e01b5f5260405f60d55f60095afa5f5500";
    const auto accounts = chain::default_dev_accounts();
    Transaction t;
    t.type = TxType::DynamicFee;
    t.chain_id = 31337;
    t.gas_limit = 25'000'000;
    t.data = *from_hex(init);
    const auto start_send = Clock::now();
    const std::string hash =
        result(port_, "eth_sendRawTransaction", {sign_raw(t, accounts[0].secret_key)});
    const auto mined_in = Clock::now() - start_send;
    const json receipt = result(port_, "eth_getTransactionReceipt", {hash});
    ASSERT_EQ(receipt["status"], "0x1") << receipt.dump();
    EXPECT_GT(qty(receipt["gasUsed"]), 20'000'000u);
    const Address created = execution::create_address(accounts[0].address, 0);
    EXPECT_EQ(result(port_, "eth_getStorageAt", {to_hex(created.view()), "0x0", "latest"}),
              "0x" + std::string(63, '0') + "1");  // the blake2f call succeeded
    EXPECT_GT(mined_in, 50ms);                     // the block took longer than the RPC deadline

    // The same execution as an eth_call, or a trace of the transaction, is stopped.
    const json call = call_rpc(
        port_, "eth_call",
        {json{{"from", to_hex(accounts[0].address.view())}, {"data", init}, {"gas", "0x17d7840"}},
         "latest"});
    EXPECT_EQ(call["error"]["message"], "execution aborted (timeout = 50ms)") << call.dump();
    const json trace =
        call_rpc(port_, "debug_traceTransaction", {hash, json{{"tracer", "callTracer"}}});
    EXPECT_EQ(trace["error"], kTraceTimeout) << trace.dump();
    const json block =
        call_rpc(port_, "debug_traceBlockByNumber", {"0x1", json{{"tracer", "callTracer"}}});
    EXPECT_EQ(block["error"], kTraceTimeout) << block.dump();
}

TEST_F(ExecutionDeadlineTest, ClientGoneStopsARunningCall)
{
    start(0s);  // no time limit: only the cancellation stops the loop
    rpc::CallContext ctx;
    std::thread transport([&ctx] {
        std::this_thread::sleep_for(100ms);
        ctx.cancel();  // what the server does when the connection closes
    });
    const auto start = Clock::now();
    EXPECT_THROW((void)node_->dispatcher().call("eth_call", call_params(kLoop), ctx), rpc::Error);
    EXPECT_LT(Clock::now() - start, 100ms + kSlack);
    transport.join();
}

}  // namespace
