#include "consensus/comet_rpc.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::consensus;
using nlohmann::json;

TEST(CometRpc, Base64MatchesTheStandardAlphabetWithPadding)
{
    const auto enc = [](std::string_view s) {
        return base64_encode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
    };
    EXPECT_EQ(enc(""), "");
    EXPECT_EQ(enc("f"), "Zg==");
    EXPECT_EQ(enc("fo"), "Zm8=");
    EXPECT_EQ(enc("foo"), "Zm9v");
    const uint8_t high[] = {0xfb, 0xff};
    EXPECT_EQ(base64_encode(high), "+/8=");
}

TEST(CometRpc, BroadcastAnswersMapToGethMessages)
{
    EXPECT_EQ(
        broadcast_error(json::parse(
            R"({"jsonrpc":"2.0","id":1,"result":{"code":0,"data":"","log":"","hash":"AB"}})")),
        "");
    EXPECT_EQ(broadcast_error(json::parse(
                  R"({"result":{"code":2,"log":"nonce too low: next nonce 3, tx nonce 1"}})")),
              "nonce too low: next nonce 3, tx nonce 1");
    EXPECT_EQ(broadcast_error(json::parse(R"({"result":{"code":7,"log":""}})")),
              "transaction rejected (code 7)");
    EXPECT_EQ(
        broadcast_error(json::parse(
            R"({"error":{"code":-32603,"message":"Internal error","data":"tx already exists in cache"}})")),
        "already known");
    const json full{{"error",
                     {{"code", -32603},
                      {"message", "Internal error"},
                      {"data", "mempool is full: number of txs 5 (max: 5)"}}}};
    EXPECT_EQ(broadcast_error(full), "txpool is full");
    EXPECT_EQ(
        broadcast_error(json::parse(R"({"error":{"code":-32603,"message":"Internal error"}})")),
        "consensus: Internal error");
    EXPECT_EQ(broadcast_error(json::parse(R"({"id":1})")),
              "consensus: broadcast_tx_sync: no result");
}

TEST(CometRpc, UnreachableNodeIsAnError)
{
    CometRpc rpc("http://127.0.0.1:1", std::chrono::milliseconds(500));
    const auto r = rpc.call("status", json::object());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("cannot reach CometBFT RPC"), std::string::npos);
    CometRpc none("");
    EXPECT_FALSE(none.call("status", json::object()));
}
