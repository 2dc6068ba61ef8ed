#include "api/json/params.hpp"

#include "core/hex.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::api;
using nlohmann::json;
using params::BlockId;

namespace {

/// Runs `fn` and returns the rpc::Error it throws (code 0 if none).
template <typename Fn>
rpc::Error error_of(Fn fn)
{
    try
    {
        fn();
    }
    catch (const rpc::Error& e)
    {
        return e;
    }
    return rpc::Error{0, "", std::nullopt};
}

TEST(Params, Quantities)
{
    EXPECT_EQ(params::quantity_u64("0x0", 0), 0u);
    EXPECT_EQ(params::quantity_u64("0x1a", 0), 26u);
    EXPECT_EQ(params::quantity(json("0xffffffffffffffffffff"), 0),
              *U256::from_string("0xffffffffffffffffffff"));
    const auto leading = error_of([] { params::quantity_u64("0x01", 2); });
    EXPECT_EQ(leading.code, -32602);
    EXPECT_EQ(leading.message.rfind("invalid argument 2: ", 0), 0u) << leading.message;
    EXPECT_EQ(error_of([] { params::quantity_u64("12", 0); }).code, -32602);
    EXPECT_EQ(error_of([] { params::quantity_u64("0x", 0); }).code, -32602);
    EXPECT_EQ(error_of([] { params::quantity_u64(5, 0); }).code, -32602);
    EXPECT_EQ(error_of([] { params::quantity_u64("0x" + std::string(70, 'f'), 0); }).message,
              "invalid argument 0: json: cannot unmarshal hex number > 64 bits into Go value of "
              "type hexutil.Uint64");
}

TEST(Params, DataAddressesHashes)
{
    EXPECT_EQ(params::data("0x", 0), Bytes{});
    EXPECT_EQ(params::data("0x0102", 0), (Bytes{1, 2}));
    EXPECT_EQ(error_of([] { params::data("0x123", 0); }).code, -32602);
    EXPECT_EQ(error_of([] { params::data("0xzz", 0); }).code, -32602);
    EXPECT_EQ(params::address("0x000000000000000000000000000000000000beef", 0),
              address_from_u64(0xbeef));
    EXPECT_EQ(error_of([] { params::address("0xbeef", 0); }).message,
              "invalid argument 0: hex string has length 4, want 40 for common.Address");
    EXPECT_EQ(error_of([] { params::hash("0x00", 1); }).code, -32602);
    EXPECT_EQ(params::storage_key("0x1", 0), U256{1});
    EXPECT_EQ(params::storage_key("ff", 0), U256{255});
    // geth's decodeHash: plain errors (-32000), one prefix only.
    const auto twice = error_of([] { params::storage_key("0x0x01", 1); });
    EXPECT_EQ(twice.code, -32000);
    EXPECT_EQ(twice.message, "unable to decode storage key: hex string invalid");
    EXPECT_EQ(error_of([] { params::storage_key("0x" + std::string(66, '1'), 1); }).message,
              "unable to decode storage key: hex string too long, want at most 32 bytes");
}

TEST(Params, BlockIds)
{
    EXPECT_EQ(params::block_id(nullptr, 0, true).kind, BlockId::Kind::Latest);
    EXPECT_EQ(params::block_id("earliest", 0, true).kind, BlockId::Kind::Earliest);
    EXPECT_EQ(params::block_id("pending", 0, true).kind, BlockId::Kind::Pending);
    EXPECT_EQ(params::block_id("safe", 0, true).kind, BlockId::Kind::Safe);
    EXPECT_EQ(params::block_id("finalized", 0, true).kind, BlockId::Kind::Finalized);
    const auto n = params::block_id("0x10", 0, true);
    EXPECT_EQ(n.kind, BlockId::Kind::Number);
    EXPECT_EQ(n.number, 16u);
    const std::string h = "0x" + std::string(64, 'a');
    EXPECT_EQ(params::block_id(h, 0, true).kind, BlockId::Kind::Hash);
    const auto obj = params::block_id({{"blockHash", h}, {"requireCanonical", true}}, 0, true);
    EXPECT_EQ(obj.kind, BlockId::Kind::Hash);
    EXPECT_TRUE(obj.require_canonical);
    EXPECT_EQ(params::block_id({{"blockNumber", "0x2"}}, 0, true).number, 2u);
    EXPECT_EQ(error_of([] { params::block_id("banana", 0, false); }).message,
              "invalid argument 0: hex string without 0x prefix");
    // hexutil.DecodeUint64's own messages, as geth reports them for block numbers.
    EXPECT_EQ(error_of([] { params::block_id("0x01", 1, true); }).message,
              "invalid argument 1: hex number with leading zero digits");
    EXPECT_EQ(error_of([] { params::block_id("0x8000000000000000", 1, true); }).message,
              "invalid argument 1: blocknumber too high");
    EXPECT_EQ(error_of([] { params::block_id("0x8000000000000000", 1, false); }).message,
              "invalid argument 1: block number larger than int64");
    EXPECT_EQ(error_of([] { params::block_id("0x" + std::string(70, 'f'), 1, true); }).message,
              "invalid argument 1: hex number > 64 bits");
    EXPECT_EQ(error_of([&] { params::block_id(h, 0, false); }).code, -32602);
    EXPECT_EQ(error_of([&] {
                  params::block_id({{"blockHash", h}, {"blockNumber", "0x1"}}, 0, true);
              }).code,
              -32602);
}

TEST(Params, TxArgs)
{
    const auto a = params::tx_args({{"from", "0x000000000000000000000000000000000000000a"},
                                    {"to", nullptr},
                                    {"gas", "0x5208"},
                                    {"input", "0x01"},
                                    {"accessList", json::array()}},
                                   0);
    EXPECT_EQ(*a.from, address_from_u64(10));
    EXPECT_FALSE(a.to);
    EXPECT_EQ(*a.gas, 21000u);
    EXPECT_EQ(*a.data, Bytes{1});
    EXPECT_TRUE(a.access_list);
    EXPECT_EQ(*params::tx_args({{"data", "0x02"}}, 0).data, Bytes{2});
    EXPECT_EQ(error_of([] {
                  params::tx_args({{"data", "0x02"}, {"input", "0x03"}}, 0);
              }).code,
              -32602);
    EXPECT_EQ(error_of([] { params::tx_args("x", 0); }).code, -32602);
}

TEST(Params, StateOverrides)
{
    const auto o = params::state_overrides(
        {{"0x000000000000000000000000000000000000000a",
          {{"balance", "0x10"},
           {"nonce", "0x2"},
           {"code", "0x6000"},
           {"state", {{"0x" + std::string(64, '0'), "0x" + std::string(63, '0') + "1"}}}}}},
        2);
    const auto& acc = o.at(address_from_u64(10));
    EXPECT_EQ(*acc.balance, U256{16});
    EXPECT_EQ(*acc.nonce, 2u);
    EXPECT_EQ(*acc.code, (Bytes{0x60, 0x00}));
    EXPECT_EQ(acc.state->at(U256{}), U256{1});
    EXPECT_EQ(error_of([] {
                  params::state_overrides(
                      {{"0x000000000000000000000000000000000000000a",
                        {{"state", json::object()}, {"stateDiff", json::object()}}}},
                      2);
              }).code,
              -32000);
}

TEST(Params, Counts)
{
    EXPECT_EQ(error_of([] { params::expect_count(json::array(), 1, 2); }).message,
              "missing value for required argument 0");
    EXPECT_EQ(error_of([] {
                  params::expect_count(json{1, 2, 3}, 1, 2);
              }).message,
              "too many arguments, want at most 2");
    EXPECT_EQ(error_of([] { params::expect_count(json{1}, 1, 2); }).code, 0);
}

}  // namespace
