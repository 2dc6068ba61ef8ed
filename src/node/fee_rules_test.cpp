// The fee and chain-id methods answer from the chain rules in force (the genesis file's, or the
// ones stored in the database), not from the node's settings (issue 11: a genesis with a 1 gwei
// EIP-1559 base fee and a 1 gwei minimum price had eth_gasPrice answer 0x0).

#include "chain/dev_accounts.hpp"
#include "chain/genesis.hpp"
#include "core/hex.hpp"
#include "db/chain_db.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;

namespace {

constexpr uint64_t kGwei = 1'000'000'000;

/// A temporary directory, removed at the end of the test.
struct TempDir
{
    std::filesystem::path path;
    explicit TempDir(const std::string& name)
        : path(std::filesystem::temp_directory_path() /
               ("tern_fee_rules_" + name + "_" + std::to_string(::getpid())))
    {
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

/// A genesis file funding the first dev account, with chain id 4242 and `tern` as its section.
std::string write_genesis(const std::filesystem::path& dir, const json& tern, const char* base_fee)
{
    const auto dev0 = chain::default_dev_accounts()[0].address;
    json doc{{"config", {{"chainId", 4242}}},
             {"baseFeePerGas", base_fee},
             {"alloc", {{to_hex(dev0.view()), {{"balance", "0x56bc75e2d63100000"}}}}},
             {"tern", tern}};
    const auto path = dir / "genesis.json";
    std::ofstream(path) << doc.dump(2);
    return path.string();
}

NodeConfig config_with_genesis(const std::string& genesis, const std::string& data_dir = "")
{
    NodeConfig c;
    c.port = 0;
    c.rpc_threads = 2;
    c.genesis_file = genesis;
    c.data_dir = data_dir;
    return c;
}

U256 u256(const json& v)
{
    return *U256::from_string(v.get<std::string>());
}

U256 block_base_fee(uint16_t port, const std::string& tag)
{
    return u256(result(port, "eth_getBlockByNumber", {tag, false})["baseFeePerGas"]);
}

/// eth_feeHistory's base fee of the block after the latest.
U256 next_base_fee(uint16_t port)
{
    const auto h = result(port, "eth_feeHistory", {"0x1", "latest", json::array()});
    EXPECT_EQ(h["baseFeePerGas"].size(), 2u);
    return u256(h["baseFeePerGas"].back());
}

/// Sends a legacy transfer priced from eth_gasPrice and an EIP-1559 one priced from
/// eth_maxPriorityFeePerGas + 2 * base fee, as wallets do; both must be mined, each in the block
/// eth_feeHistory announced the base fee of.
void wallet_transfers_are_mined(uint16_t port, uint64_t chain_id, uint64_t first_nonce)
{
    const auto key = chain::default_dev_accounts()[0].secret_key;
    for (int kind = 0; kind < 2; ++kind)
    {
        const U256 base_fee = block_base_fee(port, "latest");
        const U256 announced = next_base_fee(port);
        Transaction t;
        t.chain_id = chain_id;
        t.nonce = first_nonce + static_cast<uint64_t>(kind);
        t.gas_limit = 21000;
        t.to = address_from_u64(0xbeef);
        t.value = U256{1};
        if (kind == 0)
        {
            t.type = TxType::Legacy;
            t.max_fee_per_gas = t.max_priority_fee_per_gas =
                u256(result(port, "eth_gasPrice", json::array()));
        }
        else
        {
            t.type = TxType::DynamicFee;
            t.max_priority_fee_per_gas =
                u256(result(port, "eth_maxPriorityFeePerGas", json::array()));
            t.max_fee_per_gas = t.max_priority_fee_per_gas + base_fee * U256{2};
        }
        const auto sent = call_rpc(port, "eth_sendRawTransaction", {sign_raw(t, key)});
        ASSERT_TRUE(sent.contains("result")) << (kind == 0 ? "legacy: " : "1559: ") << sent.dump();
        const auto receipt = result(port, "eth_getTransactionReceipt", {sent["result"]});
        ASSERT_TRUE(receipt.is_object());
        EXPECT_EQ(receipt["status"], "0x1");
        EXPECT_EQ(block_base_fee(port, receipt["blockNumber"]), announced);
    }
}

// The reproduction of the issue: EIP-1559 from a 1 gwei genesis base fee, 1 gwei minimum price.
TEST(FeeRules, GasPriceFollowsTheGenesisRules)
{
    TempDir dir("eip1559");
    const auto genesis = write_genesis(
        dir.path, {{"baseFeeRule", "eip1559"}, {"minGasPrice", "0x3b9aca00"}}, "0x3b9aca00");
    uint16_t port = 0;
    Node node{config_with_genesis(genesis)};
    const auto started = node.start();
    ASSERT_TRUE(started) << started.error();
    port = *started;

    EXPECT_EQ(result(port, "eth_chainId", json::array()), "0x1092");
    EXPECT_EQ(result(port, "net_version", json::array()), "4242");
    const U256 base_fee = block_base_fee(port, "latest");
    EXPECT_EQ(base_fee, U256{kGwei});
    // London's rule: an empty parent lowers the base fee by 1/8.
    const U256 next = next_base_fee(port);
    EXPECT_EQ(next, U256{kGwei - kGwei / 8});
    const U256 price = u256(result(port, "eth_gasPrice", json::array()));
    const U256 tip = u256(result(port, "eth_maxPriorityFeePerGas", json::array()));
    EXPECT_GE(price, base_fee);
    EXPECT_GE(price, U256{kGwei});  // the pool's minimum
    EXPECT_EQ(price, next + tip);
    wallet_transfers_are_mined(port, 4242, 0);
    EXPECT_EQ(result(port, "eth_blockNumber", json::array()), "0x2");
    // A price below the minimum is refused by the pool, whatever the base fee.
    Transaction cheap;
    cheap.type = TxType::Legacy;
    cheap.chain_id = 4242;
    cheap.nonce = 2;
    cheap.gas_limit = 21000;
    cheap.to = address_from_u64(0xbeef);
    cheap.max_fee_per_gas = cheap.max_priority_fee_per_gas = U256{kGwei - 1};
    const auto refused = call_rpc(port, "eth_sendRawTransaction",
                                  {sign_raw(cheap, chain::default_dev_accounts()[0].secret_key)});
    EXPECT_TRUE(refused.contains("error")) << refused.dump();
    node.stop();
}

// A fixed base fee with a higher minimum price: the price is the minimum, the tip the rest; the
// coinbase is the genesis'.
TEST(FeeRules, FixedBaseFeeAndMinimumPriceFromGenesis)
{
    TempDir dir("fixed");
    const std::string coinbase = "0x00000000000000000000000000000000000c0ffe";
    const auto genesis = write_genesis(dir.path,
                                       {{"baseFeeRule", "fixed"},
                                        {"baseFeePerGas", "0x3b9aca00"},
                                        {"minGasPrice", "0x77359400"},
                                        {"coinbase", coinbase}},
                                       "0x3b9aca00");
    Node node{config_with_genesis(genesis)};
    const auto started = node.start();
    ASSERT_TRUE(started) << started.error();
    const uint16_t port = *started;
    EXPECT_EQ(result(port, "eth_gasPrice", json::array()), U256{2 * kGwei}.to_hex());
    EXPECT_EQ(result(port, "eth_maxPriorityFeePerGas", json::array()), U256{kGwei}.to_hex());
    EXPECT_EQ(next_base_fee(port), U256{kGwei});
    EXPECT_EQ(result(port, "eth_coinbase", json::array()), coinbase);
    wallet_transfers_are_mined(port, 4242, 0);
    EXPECT_EQ(block_base_fee(port, "latest"), U256{kGwei});
    node.stop();
}

// A persistent chain restarted without its genesis file (so with the dev defaults: zero fees,
// chain id 31337) keeps the stored rules, and the fee methods answer from them.
TEST(FeeRules, StoredRulesWinOnRestart)
{
    TempDir dir("restart");
    const auto genesis = write_genesis(
        dir.path, {{"baseFeeRule", "eip1559"}, {"minGasPrice", "0x3b9aca00"}}, "0x3b9aca00");
    const std::string data_dir = (dir.path / "db").string();
    {
        Node node{config_with_genesis(genesis, data_dir)};
        const auto started = node.start();
        ASSERT_TRUE(started) << started.error();
        wallet_transfers_are_mined(*started, 4242, 0);
    }
    Node node{config_with_genesis("", data_dir)};
    const auto started = node.start();
    ASSERT_TRUE(started) << started.error();
    const uint16_t port = *started;
    EXPECT_EQ(result(port, "eth_chainId", json::array()), "0x1092");
    EXPECT_EQ(result(port, "net_version", json::array()), "4242");
    EXPECT_GE(u256(result(port, "eth_gasPrice", json::array())), U256{kGwei});
    EXPECT_GE(u256(result(port, "eth_gasPrice", json::array())), block_base_fee(port, "latest"));
    wallet_transfers_are_mined(port, 4242, 2);
    bool chain_id_notice = false;
    for (const auto& n : node.notices())
        chain_id_notice = chain_id_notice || n.find("chain id") != std::string::npos;
    EXPECT_TRUE(chain_id_notice);
    node.stop();
}

}  // namespace
