// The node on a database that fails (issue 10, finding 9): a damaged block is a -32603 answer
// and the node keeps serving; damage at the head, or a recovery that lost acknowledged blocks,
// refuses the start with a clear message; a full disk refuses sends with -32000 while reads go
// on, and the node takes transactions again once space returns, losing nothing acknowledged.

#include "node/node.hpp"

#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "db/chain_db.hpp"
#include "db/test_blocks.hpp"
#include "node/dev_engine.hpp"
#include "node/test_util.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;
using tern::db::testing::files_ending;
using tern::db::testing::flip_bytes;
using tern::db::testing::sst_files_of;
using tern::db::testing::TempDir;
using tern::db::testing::Tmpfs;

namespace {

NodeConfig config_at(const std::string& dir)
{
    NodeConfig c;
    c.port = 0;
    c.rpc_threads = 4;
    c.data_dir = dir;
    return c;
}

/// A persistent node on `dir` for one test phase.
class Running
{
public:
    explicit Running(NodeConfig config) : node_(std::make_unique<Node>(std::move(config)))
    {
        const auto r = node_->start();
        if (r)
            port_ = *r;
        else
            error_ = r.error();
    }
    ~Running() { node_->stop(); }

    bool ok() const noexcept { return error_.empty(); }
    const std::string& error() const noexcept { return error_; }
    uint16_t port() const noexcept { return port_; }
    Node& node() noexcept { return *node_; }

    /// A value transfer of `wei` from dev account 0 (nonce `nonce`) to account 1, signed.
    std::string transfer(uint64_t nonce, uint64_t wei = 1, size_t data_bytes = 0) const
    {
        const auto accounts = chain::default_dev_accounts();
        Transaction t;
        t.type = TxType::DynamicFee;
        t.chain_id = 31337;
        t.nonce = nonce;
        t.gas_limit = 21000 + 16 * data_bytes;
        t.to = accounts[1].address;
        t.value = U256{wei};
        t.data = Bytes(data_bytes, 0x5a);
        return sign_raw(t, accounts[0].secret_key);
    }

    /// Sends transfer `nonce`; returns the whole response.
    json send(uint64_t nonce) const
    {
        return call_rpc(port_, "eth_sendRawTransaction", {transfer(nonce)});
    }

private:
    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
    std::string error_;
};

std::string dev_address(size_t i)
{
    return to_hex(chain::default_dev_accounts()[i].address.view());
}

/// Sends `count` transfers (nonces from `first`), each answered after its block.
void send_transfers(const Running& node, uint64_t first, uint64_t count)
{
    for (uint64_t n = first; n < first + count; ++n)
        ASSERT_TRUE(node.send(n).contains("result")) << n;
}

/// A chain of 30 blocks (one transfer each) at `dir`, flushed to SST files.
void make_chain(const std::string& dir)
{
    Running node{config_at(dir)};
    ASSERT_TRUE(node.ok()) << node.error();
    send_transfers(node, 0, 30);
    ASSERT_TRUE(node.node().db().flush());
}

}  // namespace

TEST(NodeStorage, DamagedOldBlockIsAnInternalErrorAndTheNodeKeepsServing)
{
    TempDir dir;
    make_chain(dir.path());
    const auto headers = sst_files_of(dir.path(), "headers");
    ASSERT_EQ(headers.size(), 1u);
    flip_bytes(headers[0], 16, 8);  // the oldest headers (block 30, the head, is intact)

    Running node{config_at(dir.path())};
    ASSERT_TRUE(node.ok()) << node.error();
    for (int i = 0; i < 3; ++i)  // again and again: an answer each time, never a crash
    {
        const auto r = call_rpc(node.port(), "eth_getBlockByNumber", {"0x1", false});
        ASSERT_TRUE(r.contains("error")) << r.dump();
        EXPECT_EQ(r["error"]["code"], -32603);
        EXPECT_EQ(r["error"]["message"], "database read failed: header of block 1 (corruption)");
    }
    EXPECT_EQ(result(node.port(), "eth_blockNumber", json::array()), "0x1e");
    EXPECT_EQ(result(node.port(), "eth_getBlockByNumber", {"latest", false})["number"], "0x1e");
    EXPECT_TRUE(result(node.port(), "eth_getBalance", {dev_address(1), "latest"}).is_string());
    // It still makes blocks, unless a compaction has read the damaged file meanwhile: RocksDB
    // then refuses writes, and the node says so instead of accepting transactions it cannot
    // commit (reads go on). Which of the two happens depends on RocksDB's background timing.
    const auto started = std::chrono::steady_clock::now();
    send_transfers(node, 30, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10))
        << "a send waited out the inclusion timeout";
    if (result(node.port(), "eth_blockNumber", json::array()) != "0x1f")
    {
        const auto r = node.send(31);
        ASSERT_TRUE(r.contains("error")) << r.dump();
        EXPECT_EQ(r["error"]["code"], -32000);
        EXPECT_TRUE(
            r["error"]["message"].get<std::string>().starts_with("not accepting transactions: "))
            << r.dump();
        EXPECT_EQ(result(node.port(), "eth_blockNumber", json::array()), "0x1e");
    }
}

TEST(NodeStorage, DamagedHistoryFailsTheReadsThatNeedIt)
{
    TempDir dir;
    make_chain(dir.path());
    const auto history = sst_files_of(dir.path(), "account_history");
    ASSERT_EQ(history.size(), 1u);
    const uint64_t data = tern::db::testing::sst_data_size(history[0]);
    for (uint64_t at = 16; at + 8 < data; at += 512)  // every data block
        flip_bytes(history[0], at, 8);

    Running node{config_at(dir.path())};
    ASSERT_TRUE(node.ok()) << node.error();
    // the balance of account 1 after block 1 is read through its history (it changed since)
    const auto balance = call_rpc(node.port(), "eth_getBalance", {dev_address(1), "0x1"});
    ASSERT_TRUE(balance.contains("error")) << balance.dump();
    EXPECT_EQ(balance["error"]["code"], -32603);
    EXPECT_TRUE(balance["error"]["message"].get<std::string>().starts_with(
        "database read failed: history of "))
        << balance.dump();
    // an execution on that state is refused too, not answered from the zeros it read
    const auto call = call_rpc(node.port(), "eth_call",
                               {{{"from", dev_address(1)}, {"to", dev_address(2)}}, "0x1"});
    ASSERT_TRUE(call.contains("error")) << call.dump();
    EXPECT_EQ(call["error"]["code"], -32603);
    // the head state does not need the history
    EXPECT_TRUE(result(node.port(), "eth_getBalance", {dev_address(1), "latest"}).is_string());
}

TEST(NodeStorage, DamagedHeadStateRefusesToStart)
{
    TempDir dir;
    make_chain(dir.path());
    const auto accounts = sst_files_of(dir.path(), "accounts");
    ASSERT_EQ(accounts.size(), 1u);
    flip_bytes(accounts[0], 16, 8);

    Running node{config_at(dir.path())};
    ASSERT_FALSE(node.ok());
    EXPECT_EQ(node.error(),
              "database: the head state cannot be read: database read failed: column family "
              "accounts (corruption)");
}

TEST(NodeStorage, InconsistentHeadRefusesToStart)
{
    TempDir dir;
    make_chain(dir.path());
    // the head's receipt rewritten with another status (valid, but not this block's)
    {
        auto db = std::move(db::ChainDb::open(db::testing::opts(dir.path())).value());
        auto other = db->receipts(30);
        ASSERT_TRUE(other && other->size() == 1);
        (*other)[0].success = !(*other)[0].success;
        db.reset();
        const Bytes enc = db::codec::encode_receipts(*other);
        db::testing::put_raw(dir.path(), "receipts", std::string(db::codec::number_key(30).view()),
                             std::string(reinterpret_cast<const char*>(enc.data()), enc.size()));
    }
    Running node{config_at(dir.path())};
    ASSERT_FALSE(node.ok());
    EXPECT_EQ(node.error(),
              "database: head block 30: its receipts do not give the header's receipts root");
}

TEST(NodeStorage, LostAcknowledgedBlocksRefuseToStartUnlessAccepted)
{
    TempDir dir;
    {
        Running node{config_at(dir.path())};
        ASSERT_TRUE(node.ok()) << node.error();
        send_transfers(node, 0, 5);
    }
    // the end of the write-ahead log lost (blocks 5, and maybe 4, with it)
    const auto logs = files_ending(dir.path(), ".log");
    ASSERT_FALSE(logs.empty());
    std::filesystem::resize_file(logs.back(), std::filesystem::file_size(logs.back()) - 64);
    {
        Running node{config_at(dir.path())};
        ASSERT_FALSE(node.ok());
        EXPECT_NE(node.error().find("block 5 had been acknowledged"), std::string::npos)
            << node.error();
        EXPECT_NE(node.error().find("--accept-lost-blocks"), std::string::npos) << node.error();
    }
    auto accepting = config_at(dir.path());
    accepting.accept_lost_blocks = true;
    Running node{accepting};
    ASSERT_TRUE(node.ok()) << node.error();
    ASSERT_FALSE(node.node().notices().empty());
    EXPECT_NE(node.node().notices().back().find("(loss accepted)"), std::string::npos);
    const uint64_t head = qty(result(node.port(), "eth_blockNumber", json::array()));
    EXPECT_LT(head, 5u);
    // the chain goes on from the recovered block
    send_transfers(node, head, 1);
    EXPECT_EQ(qty(result(node.port(), "eth_blockNumber", json::array())), head + 1);
}

TEST(NodeStorage, DiskFullRefusesSendsServesReadsAndRecovers)
{
    Tmpfs fs(16 << 20);
    if (!fs.mounted())
        GTEST_SKIP() << fs.why_not();
    const std::string path = fs.path() + "/chain";
    std::string first_hash;
    std::string stuck_hash;
    std::string after_hash;
    {
        Running node{config_at(path)};
        ASSERT_TRUE(node.ok()) << node.error();
        const auto first = node.send(0);
        ASSERT_TRUE(first.contains("result"));
        first_hash = first["result"];
        send_transfers(node, 1, 2);

        // the disk fills up: RocksDB's next flush fails and it stops taking writes
        ASSERT_GT(fs.fill(), 0u);
        EXPECT_FALSE(node.node().db().flush());

        // a send already on its way: its block cannot be committed; it waits in the pool
        auto stuck = std::async(std::launch::async, [&] { return node.send(3); });
        auto& engine = static_cast<DevEngine&>(node.node().engine());
        for (int i = 0; i < 100 && !engine.storage_failure(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ASSERT_TRUE(engine.storage_failure());

        // new sends are refused, saying why
        const auto refused = node.send(4);
        ASSERT_TRUE(refused.contains("error")) << refused.dump();
        EXPECT_EQ(refused["error"]["code"], -32000);
        EXPECT_EQ(refused["error"]["message"],
                  "not accepting transactions: the node's disk is full");
        const auto mined = call_rpc(node.port(), "evm_mine", json::array());
        ASSERT_TRUE(mined.contains("error"));
        EXPECT_EQ(mined["error"]["message"], "cannot seal a block: the node's disk is full");
        // reads are served
        EXPECT_EQ(result(node.port(), "eth_blockNumber", json::array()), "0x3");
        EXPECT_EQ(result(node.port(), "eth_getTransactionReceipt", {first_hash})["status"], "0x1");
        EXPECT_TRUE(result(node.port(), "eth_getBalance", {dev_address(1), "latest"}).is_string());

        // the send on its way was admitted: answered with its hash once the node stopped making
        // blocks (not after the inclusion timeout); it stays in the pool
        const auto answered = stuck.get();
        ASSERT_TRUE(answered.contains("result")) << answered.dump();
        stuck_hash = answered["result"];

        // space returns: the node resumes, commits the waiting send and takes new ones
        fs.free();
        for (int i = 0; i < 300 && engine.storage_failure(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        EXPECT_FALSE(engine.storage_failure());
        json receipt;
        for (int i = 0; i < 100 && receipt.is_null(); ++i)
        {
            receipt = result(node.port(), "eth_getTransactionReceipt", {stuck_hash});
            if (receipt.is_null())
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ASSERT_TRUE(receipt.is_object()) << "the admitted send was never committed";
        EXPECT_EQ(receipt["status"], "0x1");
        const auto after = node.send(4);
        ASSERT_TRUE(after.contains("result")) << after.dump();
        after_hash = after["result"];
        EXPECT_EQ(result(node.port(), "eth_blockNumber", json::array()), "0x5");
    }
    // nothing acknowledged was lost
    Running node{config_at(path)};
    ASSERT_TRUE(node.ok()) << node.error();
    EXPECT_EQ(result(node.port(), "eth_blockNumber", json::array()), "0x5");
    for (const auto& h : {first_hash, stuck_hash, after_hash})
        EXPECT_EQ(result(node.port(), "eth_getTransactionReceipt", {h})["status"], "0x1") << h;
}
