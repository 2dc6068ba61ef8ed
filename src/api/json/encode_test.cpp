#include "api/json/encode.hpp"

#include "core/hex.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::api;
namespace enc = tern::api::json_rpc;

namespace {

TEST(Encode, Quantities)
{
    EXPECT_EQ(enc::quantity(uint64_t{0}), "0x0");
    EXPECT_EQ(enc::quantity(uint64_t{255}), "0xff");
    EXPECT_EQ(enc::quantity(UINT64_MAX), "0xffffffffffffffff");
    EXPECT_EQ(enc::quantity(U256::max()), "0x" + std::string(64, 'f'));
    EXPECT_EQ(enc::hex_data(Bytes{}), "0x");
    EXPECT_EQ(enc::hex_data(Bytes{0, 1}), "0x0001");
}

TEST(Encode, LegacyTransactionV)
{
    Transaction tx;
    tx.type = TxType::Legacy;
    tx.chain_id = 31337;
    tx.y_parity = 1;
    tx.max_fee_per_gas = tx.max_priority_fee_per_gas = U256{7};
    const auto j = enc::transaction(tx, Address{}, Hash256{}, std::nullopt);
    EXPECT_EQ(j["v"], enc::quantity(uint64_t{31337 * 2 + 36}));
    EXPECT_EQ(j["chainId"], "0x7a69");
    EXPECT_EQ(j["gasPrice"], "0x7");
    EXPECT_FALSE(j.contains("yParity"));
    EXPECT_FALSE(j.contains("accessList"));
    EXPECT_TRUE(j["blockHash"].is_null());
    EXPECT_TRUE(j["to"].is_null());

    tx.chain_id.reset();
    EXPECT_EQ(enc::transaction(tx, Address{}, Hash256{}, std::nullopt)["v"], "0x1c");
}

TEST(Encode, DynamicFeeGasPrice)
{
    Transaction tx;
    tx.type = TxType::DynamicFee;
    tx.chain_id = 1;
    tx.max_fee_per_gas = U256{100};
    tx.max_priority_fee_per_gas = U256{5};
    const auto pending = enc::transaction(tx, Address{}, Hash256{}, std::nullopt);
    EXPECT_EQ(pending["gasPrice"], "0x64");
    EXPECT_EQ(pending["yParity"], "0x0");
    EXPECT_EQ(pending["accessList"], nlohmann::json::array());
    const auto mined =
        enc::transaction(tx, Address{}, Hash256{}, enc::TxLocation{Hash256{}, 3, 0, U256{10}});
    EXPECT_EQ(mined["gasPrice"], "0xf");  // 10 + min(5, 90)
    EXPECT_EQ(mined["blockNumber"], "0x3");
    EXPECT_EQ(execution::effective_gas_price({}, tx, Address{}, U256{98}),
              U256{100});  // capped by max fee
    // On a zero-fee chain an included transaction paid nothing.
    const auto free =
        enc::transaction(tx, Address{}, Hash256{}, enc::TxLocation{Hash256{}, 3, 0, U256{}},
                         execution::FeePolicy{true, U256{}});
    EXPECT_EQ(free["gasPrice"], "0x0");
    EXPECT_EQ(free["maxFeePerGas"], "0x64");  // the signed field as it is
}

TEST(Encode, ReceiptContractAddressAndLogs)
{
    Transaction tx;
    tx.type = TxType::DynamicFee;
    tx.nonce = 0;
    execution::Receipt r;
    r.success = true;
    r.gas_used = 50000;
    r.cumulative_gas_used = 71000;
    r.logs.push_back(state::Log{address_from_u64(1), {Hash256{}}, Bytes{1}});
    const Address sender = *fixed_from_hex<Address>("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    const auto j =
        enc::receipt(r, tx, sender, Hash256{}, enc::TxLocation{Hash256{}, 2, 1, U256{}}, 3, 0, {});
    // CREATE address of the first transaction of the first dev account.
    EXPECT_EQ(j["contractAddress"], "0x5fbdb2315678afecb367f032d93f642f64180aa3");
    EXPECT_EQ(j["status"], "0x1");
    EXPECT_EQ(j["logs"][0]["logIndex"], "0x3");
    EXPECT_EQ(j["logs"][0]["transactionIndex"], "0x1");
    EXPECT_EQ(j["logs"][0]["removed"], false);
    EXPECT_EQ(j["cumulativeGasUsed"], "0x11558");
}

TEST(Encode, BlockObject)
{
    chain::Block b;
    b.header.number = 1;
    b.header.nonce = 0x42;
    const auto j = enc::block(b, Hash256{}, {}, false, {});
    EXPECT_EQ(j["nonce"], "0x0000000000000042");
    EXPECT_EQ(j["transactions"], nlohmann::json::array());
    EXPECT_EQ(j["uncles"], nlohmann::json::array());
    EXPECT_EQ(j["withdrawals"], nlohmann::json::array());
    EXPECT_EQ(j["size"], enc::quantity(static_cast<uint64_t>(chain::encode_block(b).size())));
}

}  // namespace
