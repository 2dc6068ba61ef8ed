#include "node/node.hpp"

#include "api/handlers/debug_api.hpp"
#include "api/handlers/filter_api.hpp"
#include "api/json/typed_data.hpp"
#include "api/services/keys.hpp"
#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "crypto/secp256k1.hpp"
#include "db/chain_db.hpp"
#include "execution/host.hpp"
#include "node/dev_engine.hpp"
#include "node/test_util.hpp"
#include "txpool/txpool.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;

namespace {

/// Init code of the test contract. Runtime: empty calldata returns slot 0; a 32-byte word X
/// reverts with Error("zero") if X == 0, else stores X in slot 0 and emits LOG1(topic X).
constexpr const char* kInitCode =
    "0x607b80600b6000396000f3361560175760003580156023578060005560006000a1005b6000546000526020"
    "6000f35b7f08c379a000000000000000000000000000000000000000000000000000000000600052602060045"
    "260046024527f7a65726f0000000000000000000000000000000000000000000000000000000060445260646"
    "000fd";
constexpr const char* kRuntime =
    "0x361560175760003580156023578060005560006000a1005b60005460005260206000f35b7f08c379a000"
    "000000000000000000000000000000000000000000000000000000600052602060045260046024527f7a65726f"
    "0000000000000000000000000000000000000000000000000000000060445260646000fd";

NodeConfig test_config()
{
    NodeConfig c;
    c.port = 0;
    c.rpc_threads = 2;
    return c;
}

std::string word(uint64_t v)
{
    return to_hex(U256{v}.to_hash().view());
}

class NodeTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        node_ = std::make_unique<Node>(test_config());
        const auto r = node_->start();
        ASSERT_TRUE(r) << r.error();
        port_ = *r;
        accounts_ = chain::default_dev_accounts();
    }
    void TearDown() override { node_->stop(); }

    /// A signed EIP-1559 transaction from dev account `from`.
    std::string tx(size_t from,
                   uint64_t nonce,
                   std::optional<Address> to,
                   const Bytes& data,
                   uint64_t gas = 200'000,
                   uint64_t value = 0)
    {
        Transaction t;
        t.type = TxType::DynamicFee;
        t.chain_id = 31337;
        t.nonce = nonce;
        t.gas_limit = gas;
        t.to = to;
        t.value = U256{value};
        t.data = data;
        return sign_raw(t, accounts_[from].secret_key);
    }

    /// Deploys the test contract from account 0 (nonce 0); returns its address.
    Address deploy()
    {
        const auto hash =
            result(port_, "eth_sendRawTransaction", {tx(0, 0, std::nullopt, *from_hex(kInitCode))});
        const auto receipt = result(port_, "eth_getTransactionReceipt", {hash});
        EXPECT_EQ(receipt["status"], "0x1");
        const Address expected = execution::create_address(accounts_[0].address, 0);
        EXPECT_EQ(receipt["contractAddress"], to_hex(expected.view()));
        return expected;
    }

    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
    std::vector<chain::DevAccount> accounts_;
};

TEST_F(NodeTest, BasicInfo)
{
    EXPECT_EQ(result(port_, "eth_chainId", json::array()), "0x7a69");
    EXPECT_EQ(result(port_, "net_version", json::array()), "31337");
    EXPECT_EQ(result(port_, "eth_blockNumber", json::array()), "0x0");
    EXPECT_EQ(result(port_, "net_listening", json::array()), true);
    EXPECT_EQ(result(port_, "net_peerCount", json::array()), "0x0");
    EXPECT_EQ(result(port_, "eth_syncing", json::array()), false);
    EXPECT_EQ(result(port_, "eth_gasPrice", json::array()), "0x0");
    EXPECT_EQ(result(port_, "eth_maxPriorityFeePerGas", json::array()), "0x0");
    EXPECT_TRUE(
        result(port_, "web3_clientVersion", json::array()).get<std::string>().starts_with("Tern/"));
    EXPECT_EQ(result(port_, "web3_sha3", {"0x"}),
              "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    const auto accounts = result(port_, "eth_accounts", json::array());
    ASSERT_EQ(accounts.size(), 10u);
    EXPECT_EQ(accounts[0], "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    EXPECT_EQ(result(port_, "eth_getBalance", {accounts[0], "latest"}), "0x21e19e0c9bab2400000");
    EXPECT_EQ(result(port_, "eth_getTransactionCount", {accounts[0], "pending"}), "0x0");

    const auto genesis = result(port_, "eth_getBlockByNumber", {"earliest", false});
    EXPECT_EQ(genesis["number"], "0x0");
    for (const char* field : {"baseFeePerGas", "withdrawalsRoot", "blobGasUsed", "excessBlobGas",
                              "parentBeaconBlockRoot", "mixHash", "size", "totalDifficulty",
                              "stateRoot", "logsBloom", "miner", "nonce", "sha3Uncles"})
        EXPECT_TRUE(genesis.contains(field)) << field;
    EXPECT_EQ(genesis["withdrawals"], json::array());
    EXPECT_EQ(genesis["baseFeePerGas"], "0x0");
    EXPECT_EQ(result(port_, "eth_getBlockByHash", {genesis["hash"], false})["number"], "0x0");
    EXPECT_TRUE(result(port_, "eth_getBlockByNumber", {"0x5", false}).is_null());
}

TEST_F(NodeTest, DeployCallReceiptsLogs)
{
    const Address contract = deploy();
    const std::string addr = to_hex(contract.view());
    EXPECT_EQ(result(port_, "eth_blockNumber", json::array()), "0x1");
    EXPECT_EQ(result(port_, "eth_getCode", {addr, "latest"}), kRuntime);
    EXPECT_EQ(result(port_, "eth_getCode", {addr, "0x0"}), "0x");

    // Store 5 with a transaction: a receipt with one log.
    const auto hash =
        result(port_, "eth_sendRawTransaction", {tx(0, 1, contract, *from_hex(word(5)))});
    const auto receipt = result(port_, "eth_getTransactionReceipt", {hash});
    EXPECT_EQ(receipt["status"], "0x1");
    EXPECT_EQ(receipt["blockNumber"], "0x2");
    EXPECT_EQ(receipt["transactionIndex"], "0x0");
    EXPECT_EQ(receipt["type"], "0x2");
    EXPECT_EQ(receipt["to"], addr);
    EXPECT_TRUE(receipt["contractAddress"].is_null());
    EXPECT_EQ(receipt["effectiveGasPrice"], "0x0");
    ASSERT_EQ(receipt["logs"].size(), 1u);
    EXPECT_EQ(receipt["logs"][0]["address"], addr);
    EXPECT_EQ(receipt["logs"][0]["topics"][0], word(5));
    EXPECT_EQ(receipt["logs"][0]["logIndex"], "0x0");
    EXPECT_EQ(receipt["logs"][0]["transactionHash"], hash);

    // Read it back.
    EXPECT_EQ(result(port_, "eth_call", {{{"to", addr}}, "latest"}), word(5));
    EXPECT_EQ(result(port_, "eth_getStorageAt", {addr, "0x0", "latest"}), word(5));
    EXPECT_EQ(result(port_, "eth_call", {{{"to", addr}}, "0x1"}), word(0));  // past state
    // EIP-1898 block objects.
    const auto b1 = result(port_, "eth_getBlockByNumber", {"0x1", false});
    EXPECT_EQ(result(port_, "eth_call", {{{"to", addr}}, {{"blockHash", b1["hash"]}}}), word(0));
    EXPECT_EQ(result(port_, "eth_call", {{{"to", addr}}, {{"blockNumber", "0x2"}}}), word(5));

    // Block with the full transaction, index lookups, counts.
    const auto block = result(port_, "eth_getBlockByNumber", {"0x2", true});
    ASSERT_EQ(block["transactions"].size(), 1u);
    EXPECT_EQ(block["transactions"][0]["hash"], hash);
    EXPECT_EQ(block["transactions"][0]["from"], to_hex(accounts_[0].address.view()));
    EXPECT_EQ(block["hash"], receipt["blockHash"]);
    EXPECT_NE(block["logsBloom"], std::string("0x") + std::string(512, '0'));
    EXPECT_EQ(result(port_, "eth_getBlockTransactionCountByNumber", {"0x2"}), "0x1");
    EXPECT_EQ(result(port_, "eth_getBlockTransactionCountByHash", {block["hash"]}), "0x1");
    EXPECT_EQ(result(port_, "eth_getTransactionByBlockNumberAndIndex", {"0x2", "0x0"})["hash"],
              hash);
    EXPECT_EQ(
        result(port_, "eth_getTransactionByBlockHashAndIndex", {block["hash"], "0x0"})["hash"],
        hash);
    const auto tx_obj = result(port_, "eth_getTransactionByHash", {hash});
    EXPECT_EQ(tx_obj["blockNumber"], "0x2");
    EXPECT_EQ(tx_obj["nonce"], "0x1");
    EXPECT_EQ(tx_obj["chainId"], "0x7a69");
    EXPECT_TRUE(tx_obj.contains("yParity"));
    EXPECT_EQ(result(port_, "eth_getBlockReceipts", {"0x2"})[0]["transactionHash"], hash);

    // Logs by topic and address.
    const auto logs = result(
        port_, "eth_getLogs",
        {{{"fromBlock", "0x0"}, {"toBlock", "latest"}, {"address", addr}, {"topics", {word(5)}}}});
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(logs[0]["blockNumber"], "0x2");
    EXPECT_TRUE(
        result(port_, "eth_getLogs", {{{"fromBlock", "0x0"}, {"topics", {word(6)}}}}).empty());

    EXPECT_EQ(
        result(port_, "eth_getTransactionCount", {to_hex(accounts_[0].address.view()), "latest"}),
        "0x2");
}

TEST_F(NodeTest, RevertDataAndEstimateGas)
{
    const Address contract = deploy();
    const std::string addr = to_hex(contract.view());
    const auto r = call_rpc(port_, "eth_call", {{{"to", addr}, {"data", word(0)}}, "latest"});
    ASSERT_TRUE(r.contains("error")) << r.dump();
    EXPECT_EQ(r["error"]["code"], 3);
    EXPECT_EQ(r["error"]["message"], "execution reverted: zero");
    EXPECT_TRUE(r["error"]["data"].get<std::string>().starts_with("0x08c379a0"));

    const auto e = call_rpc(port_, "eth_estimateGas", {{{"to", addr}, {"data", word(0)}}});
    ASSERT_TRUE(e.contains("error"));
    EXPECT_EQ(e["error"]["code"], 3);

    // The estimate is enough and within geth's 1.5% of the least: 2% less is not enough.
    const std::string from = to_hex(accounts_[1].address.view());
    const uint64_t gas =
        qty(result(port_, "eth_estimateGas", {{{"from", from}, {"to", addr}, {"data", word(9)}}}));
    EXPECT_GT(gas, 21000u + 20000u);
    const auto low = call_rpc(
        port_, "eth_call",
        {{{"from", from}, {"to", addr}, {"data", word(9)}, {"gas", test::qty_hex(gas * 98 / 100)}},
         "latest"});
    EXPECT_TRUE(low.contains("error")) << low.dump();
    const auto hash =
        result(port_, "eth_sendRawTransaction", {tx(1, 0, contract, *from_hex(word(9)), gas)});
    EXPECT_EQ(result(port_, "eth_getTransactionReceipt", {hash})["status"], "0x1");

    // A plain transfer is exactly 21000.
    EXPECT_EQ(result(port_, "eth_estimateGas",
                     {{{"from", from},
                       {"to", "0x000000000000000000000000000000000000beef"},
                       {"value", "0x1"}}}),
              "0x5208");

    // A reverting transaction is included with status 0.
    const auto failed =
        result(port_, "eth_sendRawTransaction", {tx(1, 1, contract, *from_hex(word(0)), 100000)});
    EXPECT_EQ(result(port_, "eth_getTransactionReceipt", {failed})["status"], "0x0");
}

TEST_F(NodeTest, PoolErrors)
{
    const Address to = address_from_u64(0xbeef);
    result(port_, "eth_sendRawTransaction", {tx(0, 0, to, {}, 21000, 1)});
    const auto again = call_rpc(port_, "eth_sendRawTransaction", {tx(0, 0, to, {}, 21000, 2)});
    ASSERT_TRUE(again.contains("error"));
    EXPECT_EQ(again["error"]["code"], -32000);
    EXPECT_TRUE(again["error"]["message"].get<std::string>().starts_with("nonce too low"))
        << again.dump();

    const auto low_gas = call_rpc(port_, "eth_sendRawTransaction", {tx(0, 1, to, {}, 20000)});
    EXPECT_TRUE(low_gas["error"]["message"].get<std::string>().starts_with("intrinsic gas too low"))
        << low_gas.dump();

    const auto bad = call_rpc(port_, "eth_sendRawTransaction", {"0x1234"});
    EXPECT_EQ(bad["error"]["code"], -32000);
    const auto param = call_rpc(port_, "eth_getBalance", {"0x12", "latest"});
    EXPECT_EQ(param["error"]["code"], -32602);
    const auto missing = call_rpc(port_, "eth_getBalance", {to_hex(to.view()), "0x99"});
    EXPECT_EQ(missing["error"]["message"], "header not found");

    // Wrong chain id.
    Transaction t;
    t.type = TxType::DynamicFee;
    t.chain_id = 1;
    t.gas_limit = 21000;
    t.to = to;
    const auto wrong =
        call_rpc(port_, "eth_sendRawTransaction", {sign_raw(t, accounts_[0].secret_key)});
    EXPECT_EQ(wrong["error"]["message"], "invalid chain id for signer");
}

TEST_F(NodeTest, SendTransactionAndSign)
{
    const std::string from = to_hex(accounts_[3].address.view());
    const auto hash = result(port_, "eth_sendTransaction",
                             {{{"from", from},
                               {"to", "0x000000000000000000000000000000000000beef"},
                               {"value", "0x64"}}});
    const auto receipt = result(port_, "eth_getTransactionReceipt", {hash});
    EXPECT_EQ(receipt["from"], from);
    EXPECT_EQ(receipt["gasUsed"], "0x5208");
    EXPECT_EQ(
        result(port_, "eth_getBalance", {"0x000000000000000000000000000000000000beef", "latest"}),
        "0x64");

    // Deployment with estimated gas.
    const auto deploy_hash =
        result(port_, "eth_sendTransaction", {{{"from", from}, {"data", kInitCode}}});
    EXPECT_EQ(result(port_, "eth_getTransactionReceipt", {deploy_hash})["status"], "0x1");

    const auto unknown =
        call_rpc(port_, "eth_sendTransaction",
                 {{{"from", "0x0000000000000000000000000000000000000001"}, {"to", from}}});
    EXPECT_EQ(unknown["error"]["message"], "unknown account");

    // eth_sign: the signature recovers to the account.
    const auto sig = *from_hex(result(port_, "eth_sign", {from, "0xdeadbeef"}).get<std::string>());
    ASSERT_EQ(sig.size(), 65u);
    Hash256 r, s;
    std::copy(sig.begin(), sig.begin() + 32, r.bytes.begin());
    std::copy(sig.begin() + 32, sig.begin() + 64, s.bytes.begin());
    const Bytes msg{0xde, 0xad, 0xbe, 0xef};
    const auto signer = crypto::recover_address(personal_message_hash(msg), r, s,
                                                static_cast<uint8_t>(sig[64] - 27));
    ASSERT_TRUE(signer);
    EXPECT_EQ(*signer, accounts_[3].address);
}

TEST_F(NodeTest, SignTypedDataV4)
{
    const json typed = json::parse(R"({
      "types": {"Person": [{"name": "name", "type": "string"}, {"name": "age", "type": "uint8"}]},
      "primaryType": "Person",
      "domain": {"name": "Test", "chainId": 31337},
      "message": {"name": "Alice", "age": 30}
    })");
    const std::string from = to_hex(accounts_[2].address.view());
    const auto digest = typed_data_hash(typed);
    ASSERT_TRUE(digest);
    // As an object and as a JSON string (what MetaMask-style clients send).
    for (const json& arg : {typed, json(typed.dump())})
    {
        const auto sig =
            *from_hex(result(port_, "eth_signTypedData_v4", {from, arg}).get<std::string>());
        ASSERT_EQ(sig.size(), 65u);
        Hash256 r, s;
        std::copy(sig.begin(), sig.begin() + 32, r.bytes.begin());
        std::copy(sig.begin() + 32, sig.begin() + 64, s.bytes.begin());
        const auto signer =
            crypto::recover_address(*digest, r, s, static_cast<uint8_t>(sig[64] - 27));
        ASSERT_TRUE(signer);
        EXPECT_EQ(*signer, accounts_[2].address);
    }
    const auto bad = call_rpc(port_, "eth_signTypedData_v4", {from, {{"types", 1}}});
    EXPECT_EQ(bad["error"]["code"], -32602);
}

TEST_F(NodeTest, StateOverridesAndAccessList)
{
    const std::string target = "0x00000000000000000000000000000000000c0de0";
    // Override code and storage: the runtime returns slot 0.
    const json overrides = {{target, {{"code", kRuntime}, {"stateDiff", {{word(0), word(42)}}}}}};
    EXPECT_EQ(result(port_, "eth_call", {{{"to", target}}, "latest", overrides}), word(42));
    // Balance override makes a large value transfer possible.
    const json rich = {
        {"0x0000000000000000000000000000000000000abc", {{"balance", "0xffffffffffffffffffff"}}}};
    EXPECT_EQ(result(port_, "eth_call",
                     {{{"from", "0x0000000000000000000000000000000000000abc"},
                       {"to", target},
                       {"value", "0xfffffffffffffffff"}},
                      "latest",
                      rich}),
              "0x");
    const auto poor = call_rpc(
        port_, "eth_call",
        {{{"from", "0x0000000000000000000000000000000000000abc"}, {"to", target}, {"value", "0x1"}},
         "latest"});
    EXPECT_TRUE(poor["error"]["message"].get<std::string>().starts_with("insufficient funds"));

    const Address contract = deploy();
    const auto list = result(port_, "eth_createAccessList",
                             {{{"from", to_hex(accounts_[1].address.view())},
                               {"to", to_hex(contract.view())},
                               {"data", word(3)}},
                              "latest"});
    ASSERT_EQ(list["accessList"].size(), 1u) << list.dump();
    EXPECT_EQ(list["accessList"][0]["address"], to_hex(contract.view()));
    EXPECT_EQ(list["accessList"][0]["storageKeys"][0], word(0));
}

TEST_F(NodeTest, FeeHistory)
{
    result(port_, "eth_sendRawTransaction", {tx(0, 0, address_from_u64(0xbeef), {}, 21000, 1)});
    const auto h = result(port_, "eth_feeHistory", {"0x2", "latest", {25, 75}});
    EXPECT_EQ(h["oldestBlock"], "0x0");
    EXPECT_EQ(h["baseFeePerGas"].size(), 3u);
    EXPECT_EQ(h["gasUsedRatio"].size(), 2u);
    EXPECT_EQ(h["reward"].size(), 2u);
    EXPECT_EQ(h["reward"][1].size(), 2u);
}

TEST(NodeEngine, BlockGasLimitSplitsBlocks)
{
    NodeConfig c = test_config();
    c.dev_chain.gas_limit = 50'000;  // two transfers per block
    c.sender_block_gas_percent = 0;  // one sender fills them (no per-sender quota)
    Node node{c};
    ASSERT_TRUE(node.start());
    const auto accounts = chain::default_dev_accounts();
    // Fill the pool directly while holding the chain lock (the engine cannot seal meanwhile),
    // then let the engine seal.
    std::unique_lock chain_lock{node.chain_mutex()};
    for (uint64_t n = 0; n < 5; ++n)
    {
        Transaction t;
        t.type = TxType::DynamicFee;
        t.chain_id = 31337;
        t.nonce = n;
        t.gas_limit = 21000;
        t.to = address_from_u64(0xbeef);
        const auto raw = *from_hex(sign_raw(t, accounts[0].secret_key));
        auto decoded = decode_transaction(raw);
        ASSERT_TRUE(decoded);
        const auto head = node.db().head_state();
        ASSERT_TRUE(node.pool().add(*decoded, accounts[0].address, *head));
    }
    chain_lock.unlock();
    node.engine().notify();  // what ChainAccess::submit does after adding
    for (int i = 0; i < 200 && node.pool().size() != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(node.pool().size(), 0u);
    EXPECT_EQ(node.db().head_number(), 3u);
    EXPECT_EQ(node.db().transaction_count(1), 2u);
    EXPECT_EQ(node.db().transaction_count(2), 2u);
    EXPECT_EQ(node.db().transaction_count(3), 1u);
    node.stop();
}

// Issue 10: expensive calls occupied the io threads until even eth_blockNumber waited. The node
// marks them heavy (the RPC server runs them on its heavy lane), whoever registered them.
TEST(NodeRpc, ExpensiveMethodsAreHeavy)
{
    Node node{test_config()};
    const auto port = node.start();
    ASSERT_TRUE(port) << port.error();
    const auto& d = node.dispatcher();
    for (const char* m :
         {"eth_call", "eth_estimateGas", "eth_createAccessList", "eth_getLogs", "eth_getFilterLogs",
          "eth_getProof", "debug_traceCall", "debug_traceTransaction", "debug_traceBlockByNumber",
          "debug_traceBlockByHash"})
    {
        EXPECT_TRUE(d.has(m)) << m;
        EXPECT_EQ(d.cost(m), rpc::Cost::Heavy) << m;
    }
    for (const char* m :
         {"eth_blockNumber", "eth_getBalance", "eth_getTransactionReceipt",
          "eth_sendRawTransaction", "eth_sendTransaction", "eth_getFilterChanges", "eth_subscribe"})
        EXPECT_EQ(d.cost(m), rpc::Cost::Cheap) << m;
    // Served through the heavy lane like before.
    EXPECT_EQ(result(*port, "eth_call", {{{"to", "0x000000000000000000000000000000000000beef"}}}),
              "0x");
    EXPECT_EQ(result(*port, "eth_getLogs", {{{"fromBlock", "0x0"}}}), json::array());
    node.stop();
}

TEST(NodeEngine, TwoNodesInOneProcess)
{
    Node a{test_config()};
    Node b{test_config()};
    const auto pa = a.start();
    const auto pb = b.start();
    ASSERT_TRUE(pa && pb);
    EXPECT_NE(*pa, *pb);
    const auto accounts = chain::default_dev_accounts();
    Transaction t;
    t.type = TxType::DynamicFee;
    t.chain_id = 31337;
    t.gas_limit = 21000;
    t.to = address_from_u64(0xbeef);
    t.value = U256{7};
    result(*pa, "eth_sendRawTransaction", {sign_raw(t, accounts[0].secret_key)});
    EXPECT_EQ(result(*pa, "eth_blockNumber", json::array()), "0x1");
    EXPECT_EQ(result(*pb, "eth_blockNumber", json::array()), "0x0");
    EXPECT_EQ(result(*pb, "eth_getBalance", {"0x000000000000000000000000000000000000beef"}), "0x0");
    a.stop();
    EXPECT_EQ(result(*pb, "eth_chainId", json::array()), "0x7a69");
    b.stop();
}

// A validator's defaults (tern node): no unlocked account. eth_accounts is [] and every signing
// method answers as geth without accounts: "unknown account" (-32000).
TEST(NodeKeys, WithoutUnlockedAccountsNothingIsSigned)
{
    NodeConfig c = test_config();
    c.dev_accounts = 0;
    Node node{c};
    const auto port = node.start();
    ASSERT_TRUE(port) << port.error();
    EXPECT_EQ(result(*port, "eth_accounts", json::array()), json::array());
    const std::string dev0 = to_hex(chain::default_dev_accounts()[0].address.view());
    const json typed = json::parse(R"({"types":{"EIP712Domain":[]},"primaryType":"EIP712Domain",
        "domain":{},"message":{}})");
    for (const auto& [method, params] : std::vector<std::pair<std::string, json>>{
             {"eth_sendTransaction", {{{"from", dev0}, {"to", dev0}}}},
             {"eth_sign", {dev0, "0xdeadbeef"}},
             {"personal_sign", {"0xdeadbeef", dev0}},
             {"eth_signTypedData_v4", {dev0, typed}},
             {"eth_signTypedData_v4", {dev0, typed.dump()}},
             // Typed data as a string nested 100k deep: not even parsed without the account.
             {"eth_signTypedData_v4",
              {dev0, std::string(100'000, '[') + std::string(100'000, ']')}}})
    {
        const auto r = call_rpc(*port, method, params);
        EXPECT_EQ(r["error"]["code"], -32000) << method << ": " << r.dump();
        EXPECT_EQ(r["error"]["message"], "unknown account") << method;
    }
    node.stop();
}

// rpc_api (geth's --http.api): namespaces left out answer "method not found"; rpc_modules lists
// what is served; an unknown name is a notice, not an error.
TEST(NodeRpcApi, NamespacesLeftOutAreNotServed)
{
    NodeConfig c = test_config();
    c.rpc_api = {"eth", "net", "web3", "nosuch"};
    Node node{c};
    const auto port = node.start();
    ASSERT_TRUE(port) << port.error();
    EXPECT_EQ(node.rpc_namespaces(), (std::vector<std::string>{"eth", "net", "rpc", "web3"}));
    EXPECT_EQ(result(*port, "rpc_modules", json::array()),
              json::parse(R"({"eth":"1.0","net":"1.0","rpc":"1.0","web3":"1.0"})"));
    EXPECT_EQ(result(*port, "eth_chainId", json::array()), "0x7a69");
    EXPECT_EQ(result(*port, "net_version", json::array()), "31337");
    for (const char* method :
         {"debug_traceCall", "debug_traceTransaction", "evm_mine", "personal_sign"})
    {
        const auto r = call_rpc(*port, method, json::array());
        EXPECT_EQ(r["error"]["code"], -32601) << method;
        EXPECT_EQ(r["error"]["message"],
                  std::string("the method ") + method + " does not exist/is not available");
    }
    ASSERT_EQ(node.notices().size(), 1u);
    EXPECT_NE(node.notices()[0].find("no namespace 'nosuch'"), std::string::npos)
        << node.notices()[0];
    node.stop();

    // Empty (tern dev): everything registered is served.
    Node all{test_config()};
    const auto all_port = all.start();
    ASSERT_TRUE(all_port);
    EXPECT_EQ(all.rpc_namespaces(),
              (std::vector<std::string>{"debug", "eth", "evm", "net", "personal", "rpc", "web3"}));
    EXPECT_EQ(result(*all_port, "rpc_modules", json::array()).size(), 7u);
    all.stop();
}

TEST(NodeEngine, BlockTimeSealsEmptyBlocks)
{
    NodeConfig c = test_config();
    c.block_time = 1;
    c.wait_for_inclusion = true;
    Node node{c};
    ASSERT_TRUE(node.start());
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));
    EXPECT_GE(node.db().head_number(), 2u);
    node.stop();
}

TEST(NodeEngine, PersistsAcrossRestart)
{
    const auto dir =
        std::filesystem::temp_directory_path() / ("tern_node_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    NodeConfig c = test_config();
    c.data_dir = dir.string();
    c.dev_chain.chain_id = 777;
    std::string hash;
    std::string genesis;
    const auto accounts = chain::default_dev_accounts();
    {
        Node node{c};
        const auto port = node.start();
        ASSERT_TRUE(port) << port.error();
        Transaction t;
        t.type = TxType::DynamicFee;
        t.chain_id = 777;
        t.gas_limit = 21000;
        t.to = address_from_u64(0xbeef);
        t.value = U256{7};
        hash = result(*port, "eth_sendRawTransaction", {sign_raw(t, accounts[0].secret_key)});
        genesis = result(*port, "eth_getBlockByNumber", {"0x0", false})["hash"];
    }
    {
        NodeConfig again = test_config();
        again.data_dir = dir.string();
        Node node{again};
        const auto port = node.start();
        ASSERT_TRUE(port) << port.error();
        EXPECT_EQ(result(*port, "eth_chainId", json::array()), "0x309");
        ASSERT_EQ(node.notices().size(), 1u);  // the default chain id flag was not honoured
        EXPECT_NE(node.notices()[0].find("chain id"), std::string::npos);
        EXPECT_EQ(result(*port, "eth_blockNumber", json::array()), "0x1");
        EXPECT_EQ(result(*port, "eth_getBlockByNumber", {"0x0", false})["hash"], genesis);
        EXPECT_EQ(result(*port, "eth_getTransactionReceipt", {hash})["status"], "0x1");
        EXPECT_EQ(result(*port, "eth_getTransactionCount",
                         {to_hex(accounts[0].address.view()), "latest"}),
                  "0x1");
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
