// eth_call's 4th parameter, eth_estimateGas's 4th and debug_traceCall's
// config.blockOverrides: geth's BlockOverrides, per field, and what geth refuses.

#include "node/node.hpp"

#include "api/handlers/debug_api.hpp"
#include "core/hex.hpp"
#include "node/test_node.hpp"
#include "node/test_util.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;

namespace {

constexpr const char* kTarget = "0x000000000000000000000000000000000000c0de";

/// Code that returns the word opcode `op` pushes: OP PUSH0 MSTORE PUSH1 32 PUSH0 RETURN.
std::string returns(uint8_t op)
{
    return "0x" + to_hex(BytesView{&op, 1}, false) + "5f5260205ff3";
}

/// A 32-byte word as eth_call returns it.
std::string word(const std::string& hex_value)
{
    const auto v = U256::from_string(hex_value);
    return to_hex(v->to_hash().view());
}

class BlockOverridesTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        // geth's fee checks against the (overridden) base fee: a chain that charges.
        NodeConfig c;
        c.dev_chain.fee_rule = chain::FeeRule::Charged;
        node_ = start_test_node(c, port_);
    }
    void TearDown() override { node_->stop(); }

    /// eth_call of `code` (installed at kTarget) with `overrides` as the 4th parameter.
    json call(const std::string& code, const json& overrides, json tx = json::object())
    {
        tx["to"] = kTarget;
        return call_rpc(port_, "eth_call",
                        {tx, "latest", json{{kTarget, {{"code", code}}}}, overrides});
    }

    /// The word `code` returns with `overrides`.
    std::string value(const std::string& code, const json& overrides)
    {
        const json r = call(code, overrides);
        EXPECT_TRUE(r.contains("result")) << r.dump();
        return r.value("result", "");
    }

    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
};

TEST_F(BlockOverridesTest, EachFieldReachesTheExecution)
{
    EXPECT_EQ(value(returns(0x43), {{"number", "0x3e8"}}), word("0x3e8"));            // NUMBER
    EXPECT_EQ(value(returns(0x42), {{"time", "0x77359400"}}), word("0x77359400"));    // TIMESTAMP
    EXPECT_EQ(value(returns(0x45), {{"gasLimit", "0x1c9c380"}}), word("0x1c9c380"));  // GASLIMIT
    const std::string coinbase = "0x00000000000000000000000000000000000000ff";
    EXPECT_EQ(value(returns(0x41), {{"feeRecipient", coinbase}}), word("0xff"));  // COINBASE
    const std::string randao = "0x" + std::string(62, '0') + "2a";
    EXPECT_EQ(value(returns(0x44), {{"prevRandao", randao}}), randao);       // PREVRANDAO
    EXPECT_EQ(value(returns(0x4a), {{"blobBaseFee", "0x7"}}), word("0x7"));  // BLOBBASEFEE
    // BASEFEE, and the fee check against it when fees are given.
    const json fees = {{"from", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"},  // dev account 0
                       {"gas", "0x186a0"},
                       {"maxFeePerGas", "0x77359400"},
                       {"maxPriorityFeePerGas", "0x0"}};
    const json ok = call(returns(0x48), {{"baseFeePerGas", "0x3b9aca00"}}, fees);
    EXPECT_EQ(ok["result"], word("0x3b9aca00")) << ok.dump();
    const json low = call(returns(0x48), {{"baseFeePerGas", "0xb2d05e00"}}, fees);
    EXPECT_EQ(low["error"]["code"], -32000);
    EXPECT_TRUE(low["error"]["message"].get<std::string>().starts_with(
        "max fee per gas less than block base fee"))
        << low.dump();
    // difficulty is accepted and changes nothing after the merge (PREVRANDAO stays).
    const std::string plain = value(returns(0x44), nullptr);
    EXPECT_EQ(value(returns(0x44), {{"difficulty", "0x1"}}), plain);
    // Without overrides: the head block's values.
    EXPECT_EQ(value(returns(0x43), nullptr), word("0x0"));
    EXPECT_EQ(value(returns(0x43), json::object()), word("0x0"));
}

TEST_F(BlockOverridesTest, KeysMatchLikeGosJson)
{
    // encoding/json: field names match case-insensitively; unknown keys are ignored.
    EXPECT_EQ(value(returns(0x43), {{"Number", "0x5"}}), word("0x5"));
    EXPECT_EQ(value(returns(0x43), {{"number", "0x6"}, {"nonsense", 1}}), word("0x6"));
}

TEST_F(BlockOverridesTest, RefusedLikeGeth)
{
    const json beacon = call(returns(0x43), {{"beaconRoot", "0x" + std::string(64, '0')}});
    EXPECT_EQ(beacon["error"], json({{"code", -32000},
                                     {"message",
                                      "block override \"beaconRoot\" is not supported for this RPC "
                                      "method"}}));
    const json withdrawals = call(returns(0x43), {{"withdrawals", json::array()}});
    EXPECT_EQ(withdrawals["error"]["message"],
              "block override \"withdrawals\" is not supported for this RPC method");
    const json typed = call(returns(0x43), {{"number", 5}});
    EXPECT_EQ(typed["error"],
              json({{"code", -32602},
                    {"message",
                     "invalid argument 3: json: cannot unmarshal number into Go value "
                     "of type *hexutil.Big"}}));
    const json shape = call(returns(0x43), json::array());
    EXPECT_EQ(shape["error"]["message"],
              "invalid argument 3: json: cannot unmarshal array into Go value of type "
              "override.BlockOverrides");
    const json hex = call(returns(0x42), {{"time", "12"}});
    EXPECT_EQ(hex["error"]["code"], -32602);
    const json huge = call(returns(0x43), {{"number", "0x10000000000000000"}});
    EXPECT_EQ(huge["error"]["code"], -32602);
}

TEST_F(BlockOverridesTest, EstimateGasAndTraceCallTakeThemToo)
{
    // Reverts unless NUMBER == 1000: NUMBER PUSH2 1000 EQ PUSH1 11 JUMPI PUSH0 PUSH0 REVERT
    // JUMPDEST STOP.
    const std::string code = "0x436103e814600b575f5ffd5b00";
    const json state = {{kTarget, {{"code", code}}}};
    const json tx = {{"to", kTarget}};
    const json without = call_rpc(port_, "eth_estimateGas", {tx, "latest", state});
    EXPECT_EQ(without["error"]["code"], 3) << without.dump();
    const json with =
        call_rpc(port_, "eth_estimateGas", {tx, "latest", state, {{"number", "0x3e8"}}});
    ASSERT_TRUE(with.contains("result")) << with.dump();
    EXPECT_GT(qty(with["result"]), 21000u);
    const json bad = call_rpc(port_, "eth_estimateGas",
                              {tx, "latest", state, {{"beaconRoot", "0x" + std::string(64, '0')}}});
    EXPECT_EQ(bad["error"]["code"], -32000);

    const json trace = call_rpc(port_, "debug_traceCall",
                                {tx,
                                 "latest",
                                 {{"tracer", "callTracer"},
                                  {"stateOverrides", {{kTarget, {{"code", returns(0x43)}}}}},
                                  {"blockOverrides", {{"number", "0x3e8"}}}}});
    ASSERT_TRUE(trace.contains("result")) << trace.dump();
    EXPECT_EQ(trace["result"]["output"], word("0x3e8"));
}

}  // namespace
