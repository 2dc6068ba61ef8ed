#include "api/handlers/eth_api.hpp"

#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "db/chain_db.hpp"
#include "execution/host.hpp"
#include "execution/receipt.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"
#include "transaction/codec.hpp"
#include "txpool/txpool.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;

namespace {

/// Submission through JSON-RPC batches on an automine node (block time 0, wait for inclusion).
class BatchSubmitTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        NodeConfig c;
        c.port = 0;
        c.rpc_threads = 2;
        node_ = std::make_unique<Node>(c);
        const auto r = node_->start();
        ASSERT_TRUE(r) << r.error();
        port_ = *r;
        accounts_ = chain::default_dev_accounts();
    }
    void TearDown() override { node_->stop(); }

    /// A signed 1-wei transfer from dev account `from` with `nonce`.
    std::string transfer(size_t from, uint64_t nonce)
    {
        Transaction t;
        t.type = TxType::DynamicFee;
        t.chain_id = 31337;
        t.nonce = nonce;
        t.gas_limit = 21000;
        t.to = address_from_u64(0xbeef);
        t.value = U256{1};
        return sign_raw(t, accounts_[from].secret_key);
    }

    /// The hash of a raw "0x..." transaction, as eth_sendRawTransaction returns it.
    static std::string hash_of(const std::string& raw)
    {
        return to_hex(transaction_hash(*decode_transaction(*from_hex(raw))).view());
    }

    /// POSTs a batch of eth_sendRawTransaction calls (ids 0..n-1); returns the response array.
    json send_batch(const std::vector<std::string>& raws) { return send_raw_batch(port_, raws); }

    /// Hashes of every transaction on the chain, in block and index order.
    std::vector<std::string> chain_tx_hashes()
    {
        std::vector<std::string> out;
        for (uint64_t n = 1; n <= node_->db().head_number(); ++n)
        {
            const auto block = node_->db().block(n);
            if (!block)
                throw std::runtime_error("block missing");
            for (const auto& tx : block->transactions)
                out.push_back(to_hex(transaction_hash(tx).view()));
        }
        return out;
    }

    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
    std::vector<chain::DevAccount> accounts_;
};

}  // namespace

TEST_F(BatchSubmitTest, BatchOfSendsLandsInOneBlockInOrder)
{
    // A first send returns once its block is sealed: the engine is then idle (no longer busy
    // with the wake-up of start()).
    const auto warm_up = transfer(9, 0);
    ASSERT_EQ(result(port_, "eth_sendRawTransaction", {warm_up}), hash_of(warm_up));
    ASSERT_EQ(node_->db().head_number(), 1u);
    // 60 transfers from five senders interleaved: sender i%5, nonce i/5.
    constexpr size_t kCount = 60;
    std::vector<std::string> raws;
    for (size_t i = 0; i < kCount; ++i)
        raws.push_back(transfer(i % 5, i / 5));
    const json r = send_batch(raws);
    ASSERT_TRUE(r.is_array()) << r.dump();
    ASSERT_EQ(r.size(), kCount);
    for (size_t i = 0; i < kCount; ++i)
    {
        EXPECT_EQ(r[i]["id"], i);
        EXPECT_EQ(r[i]["result"], hash_of(raws[i])) << r[i].dump();
    }
    // All in one block, or a few when the engine was already sealing (e.g. woken by another
    // client) while the batch arrived; waiting per item would have sealed 60. Batch order kept.
    EXPECT_GE(node_->db().head_number(), 2u);
    EXPECT_LE(node_->db().head_number(), 4u);
    std::vector<std::string> expected{hash_of(warm_up)};
    for (const auto& raw : raws)
        expected.push_back(hash_of(raw));
    EXPECT_EQ(chain_tx_hashes(), expected);
    // The batch returned after inclusion: every receipt is there at once.
    for (size_t i = 0; i < kCount; i += 7)
    {
        const auto receipt = result(port_, "eth_getTransactionReceipt", {hash_of(raws[i])});
        ASSERT_TRUE(receipt.is_object()) << i;
        EXPECT_EQ(receipt["status"], "0x1");
    }
}

TEST_F(BatchSubmitTest, RefusedItemsKeepTheirSlotAndTheRestLand)
{
    const std::vector<std::string> raws = {transfer(0, 0), transfer(0, 0), "0x1234", transfer(1, 0),
                                           transfer(0, 1)};
    const json r = send_batch(raws);
    ASSERT_EQ(r.size(), raws.size()) << r.dump();
    EXPECT_EQ(r[0]["result"], hash_of(raws[0]));
    EXPECT_EQ(r[1]["error"]["code"], -32000);
    EXPECT_EQ(r[1]["error"]["message"], "already known");
    EXPECT_EQ(r[2]["error"]["code"], -32000);
    EXPECT_EQ(r[3]["result"], hash_of(raws[3]));
    EXPECT_EQ(r[4]["result"], hash_of(raws[4]));
    EXPECT_LE(node_->db().head_number(), 2u);
    EXPECT_EQ(chain_tx_hashes(),
              (std::vector<std::string>{hash_of(raws[0]), hash_of(raws[3]), hash_of(raws[4])}));
    EXPECT_EQ(node_->pool().size(), 0u);
}

TEST_F(BatchSubmitTest, SingleSendsStillWaitForTheirOwnBlock)
{
    for (uint64_t n = 0; n < 3; ++n)
    {
        const auto raw = transfer(2, n);
        EXPECT_EQ(result(port_, "eth_sendRawTransaction", {raw}), hash_of(raw));
        // Sealed before the call returned.
        EXPECT_EQ(chain_tx_hashes().size(), n + 1);
        EXPECT_EQ(result(port_, "eth_getTransactionReceipt", {hash_of(raw)})["status"], "0x1");
    }
}

TEST_F(BatchSubmitTest, EthSendTransactionBatchSharesABlock)
{
    json batch = json::array();
    for (size_t i = 0; i < 4; ++i)
        batch.push_back({{"jsonrpc", "2.0"},
                         {"id", i},
                         {"method", "eth_sendTransaction"},
                         {"params",
                          {{{"from", to_hex(accounts_[i].address.view())},
                            {"to", "0x000000000000000000000000000000000000beef"},
                            {"value", "0x1"},
                            {"gas", "0x5208"}}}}});
    const json r = json::parse(http_post(port_, batch.dump()));
    ASSERT_EQ(r.size(), 4u) << r.dump();
    for (const auto& item : r)
        EXPECT_TRUE(item.contains("result")) << item.dump();
    EXPECT_LE(node_->db().head_number(), 2u);
    EXPECT_EQ(chain_tx_hashes().size(), 4u);
}

TEST_F(BatchSubmitTest, ReceiptBloomIsThatOfItsOwnLogs)
{
    // Init code that emits LOG1(topic 0x2a) and deploys nothing: 602a 6000 6000 a1 00.
    Transaction create;
    create.type = TxType::DynamicFee;
    create.chain_id = 31337;
    create.gas_limit = 100'000;
    create.data = Bytes{0x60, 0x2a, 0x60, 0x00, 0x60, 0x00, 0xa1, 0x00};
    const std::vector<std::string> raws = {sign_raw(create, accounts_[3].secret_key),
                                           transfer(4, 0)};
    const json r = send_batch(raws);
    ASSERT_EQ(r.size(), 2u) << r.dump();
    state::Log log;
    log.address = execution::create_address(accounts_[3].address, 0);
    log.topics.push_back(U256{0x2a}.to_hash());
    const execution::Bloom want = execution::logs_bloom(std::span(&log, 1));
    const auto with_log = result(port_, "eth_getTransactionReceipt", {hash_of(raws[0])});
    ASSERT_EQ(with_log["logs"].size(), 1u);
    EXPECT_EQ(with_log["logsBloom"], to_hex(BytesView(want.data(), want.size())));
    const auto without = result(port_, "eth_getTransactionReceipt", {hash_of(raws[1])});
    EXPECT_EQ(without["logsBloom"], "0x" + std::string(512, '0'));
}

TEST_F(BatchSubmitTest, ReceiptEqualsItsBlockReceiptsEntry)
{
    // eth_getTransactionReceipt reads one receipt (skimming the ones before it);
    // eth_getBlockReceipts decodes them all: the same objects (gas used, log indices, bloom),
    // for every type, with and without logs.
    auto create = [&](TxType type, size_t from, uint64_t nonce, Bytes init) {
        Transaction t;
        t.type = type;
        t.chain_id = 31337;
        t.nonce = nonce;
        t.gas_limit = 100'000;
        t.data = std::move(init);
        return sign_raw(t, accounts_[from].secret_key);
    };
    // LOG1(topic 0x2a) and LOG2(0x01, 0x02), each deploying nothing
    const Bytes log1{0x60, 0x2a, 0x60, 0x00, 0x60, 0x00, 0xa1, 0x00};
    const Bytes log2{0x60, 0x02, 0x60, 0x01, 0x60, 0x00, 0x60, 0x00, 0xa2,
                     0x60, 0x2a, 0x60, 0x00, 0x60, 0x00, 0xa1, 0x00};
    const std::vector<std::string> raws = {create(TxType::DynamicFee, 3, 0, log1),
                                           transfer(4, 0),
                                           create(TxType::Legacy, 3, 1, log2),
                                           create(TxType::AccessList, 2, 0, log1),
                                           transfer(4, 1),
                                           create(TxType::DynamicFee, 3, 2, log2)};
    const json r = send_batch(raws);
    ASSERT_EQ(r.size(), raws.size()) << r.dump();
    uint64_t checked_with_earlier_logs = 0;
    for (const auto& raw : raws)
    {
        const auto receipt = result(port_, "eth_getTransactionReceipt", {hash_of(raw)});
        ASSERT_TRUE(receipt.is_object()) << raw;
        const auto block = result(port_, "eth_getBlockReceipts", {receipt["blockNumber"]});
        const uint64_t index = std::stoull(receipt["transactionIndex"].get<std::string>(), {}, 16);
        ASSERT_LT(index, block.size());
        EXPECT_EQ(receipt, block[index]) << receipt.dump();
        if (!receipt["logs"].empty() && receipt["logs"][0]["logIndex"] != "0x0")
            ++checked_with_earlier_logs;
    }
    EXPECT_GT(checked_with_earlier_logs, 0u);  // some receipt's logs did not start the block's
}
