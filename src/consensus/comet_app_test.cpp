#include "consensus/comet_app.hpp"

#include "chain/dev_accounts.hpp"
#include "consensus/comet_engine.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "db/chain_db.hpp"
#include "node/dev_engine.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"
#include "txpool/txpool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

using namespace tern;
using namespace tern::consensus;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kChainId = 7777;
constexpr int64_t kTime = 1'700'000'000;

/// A fresh temporary directory, removed at the end of the test.
struct TempDir
{
    fs::path path;
    TempDir()
    {
        static int counter = 0;
        path = fs::temp_directory_path() /
               ("tern-consensus-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

/// A geth-format genesis funding the first four dev accounts (1000 ether each).
std::string write_genesis(const fs::path& dir)
{
    const auto accounts = chain::default_dev_accounts();
    nlohmann::json alloc = nlohmann::json::object();
    for (size_t i = 0; i < 4; ++i)
        alloc[to_hex(accounts[i].address.view())] = {{"balance", "1000000000000000000000"}};
    const nlohmann::json g{{"config", {{"chainId", kChainId}}},
                           {"timestamp", "0x0"},
                           {"gasLimit", "0x1c9c380"},
                           {"alloc", alloc}};
    const fs::path file = dir / "genesis.json";
    std::ofstream(file) << g.dump(2);
    return file.string();
}

/// A signed EIP-1559 transfer (or call) from dev account `from`: raw canonical bytes.
std::string signed_tx(size_t from,
                      uint64_t nonce,
                      uint64_t value = 1,
                      uint64_t gas = 21000,
                      uint64_t chain_id = kChainId,
                      std::optional<Address> to = std::nullopt)
{
    const auto accounts = chain::default_dev_accounts();
    Transaction t;
    t.type = TxType::DynamicFee;
    t.chain_id = chain_id;
    t.nonce = nonce;
    t.gas_limit = gas;
    t.to = to.value_or(accounts[9].address);
    t.value = U256{value};
    const auto hex = node::test::sign_raw(t, accounts[from].secret_key);
    const auto bytes = from_hex(hex);
    return {reinterpret_cast<const char*>(bytes->data()), bytes->size()};
}

Hash256 hash_of(const std::string& raw)
{
    return keccak256({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
}

std::string bytes_str(BytesView b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// A node with the CometBFT engine (ABCI server on a free port; no CometBFT process: the tests
/// drive the application directly), or with the dev engine.
struct TestNode
{
    std::unique_ptr<node::Node> node;
    CometEngine* comet = nullptr;

    TestNode(const std::string& genesis,
             const std::string& data_dir,
             bool comet_engine,
             CometAppConfig app_config = {})
    {
        node::NodeConfig c;
        c.port = 0;
        c.rpc_threads = 2;
        c.genesis_file = genesis;
        c.data_dir = data_dir;
        c.block_time = 3600;  // the dev engine seals only when told (mine)
        node = std::make_unique<node::Node>(c);
        if (comet_engine)
        {
            CometEngineConfig ec;
            ec.app = app_config;
            ec.abci_address = "tcp://127.0.0.1:0";
            ec.cometbft_rpc = "http://127.0.0.1:1";  // nothing there
            node->set_engine_factory([this, ec](node::Node& n) {
                auto e = std::make_unique<CometEngine>(ec, n);
                comet = e.get();
                return e;
            });
        }
        const auto r = node->start();
        EXPECT_TRUE(r) << (r ? "" : r.error());
    }
    ~TestNode() { node->stop(); }

    CometApp& app() { return comet->app(); }
};

google::protobuf::Timestamp at(int64_t seconds)
{
    google::protobuf::Timestamp t;
    t.set_seconds(seconds);
    t.set_nanos(123'000'000);
    return t;
}

/// Runs Prepare (with `arrivals` as the mempool's offer) → Process → Finalize → Commit for the
/// next height; returns Finalize's response.
pb::ResponseFinalizeBlock run_height(CometApp& app,
                                     int64_t height,
                                     const std::vector<std::string>& arrivals,
                                     int64_t time = kTime)
{
    pb::RequestPrepareProposal prep;
    prep.set_max_tx_bytes(1 << 20);
    prep.set_height(height);
    *prep.mutable_time() = at(time);
    for (const auto& t : arrivals)
        prep.add_txs(t);
    const auto proposal = app.prepare_proposal(prep);

    pb::RequestProcessProposal proc;
    proc.set_height(height);
    *proc.mutable_time() = at(time);
    *proc.mutable_txs() = proposal.txs();
    EXPECT_EQ(app.process_proposal(proc).status(), pb::ResponseProcessProposal::ACCEPT);

    pb::RequestFinalizeBlock fin;
    fin.set_height(height);
    *fin.mutable_time() = at(time);
    *fin.mutable_txs() = proposal.txs();
    auto res = app.finalize_block(fin);
    (void)app.commit({});
    return res;
}

class CometAppTest : public ::testing::Test
{
protected:
    TempDir dir;
    std::string genesis = write_genesis(dir.path);
};

}  // namespace

TEST_F(CometAppTest, InfoAndInitChainReportTheGenesisStateRoot)
{
    TestNode n(genesis, "", true);
    const auto info = n.app().info({});
    EXPECT_EQ(info.last_block_height(), 0);
    EXPECT_TRUE(info.last_block_app_hash().empty());

    pb::RequestInitChain init;
    init.set_chain_id("tern-7777");
    init.set_initial_height(1);
    const auto r = n.app().init_chain(init);
    EXPECT_EQ(r.app_hash(), bytes_str(n.node->db().header(0)->state_root.view()));

    init.set_initial_height(5);  // block number = height needs height 1 first
    EXPECT_THROW((void)n.app().init_chain(init), std::runtime_error);
}

TEST_F(CometAppTest, HeightProducesTheSameBlockAsTheDevEngine)
{
    // Arrivals: account 1's nonces out of order, account 0, account 2 — both engines apply the
    // same ordering rule and execution path.
    const std::vector<std::string> arrivals{signed_tx(1, 1), signed_tx(0, 0), signed_tx(1, 0),
                                            signed_tx(2, 0, 5), signed_tx(0, 1, 7)};
    TestNode comet(genesis, "", true);
    const auto res = run_height(comet.app(), 1, arrivals);
    ASSERT_EQ(res.tx_results_size(), 5);
    for (const auto& t : res.tx_results())
        EXPECT_EQ(t.code(), 0u) << t.log();

    TestNode dev(genesis, "", false);
    const auto accounts = chain::default_dev_accounts();
    for (const auto& raw : arrivals)
    {
        auto d = comet.app().decode(raw);  // decoding only; the dev node has its own pool
        ASSERT_TRUE(d);
        ASSERT_TRUE(dev.node->engine().submit((*d)->tx, (*d)->sender, nullptr));
    }
    ASSERT_TRUE(dev.node->engine().mine(static_cast<uint64_t>(kTime)));

    auto& a = comet.node->db();
    auto& b = dev.node->db();
    ASSERT_EQ(a.head_number(), 1u);
    ASSERT_EQ(b.head_number(), 1u);
    EXPECT_EQ(a.head_hash(), b.head_hash());
    EXPECT_EQ(a.header(1)->state_root, b.header(1)->state_root);
    EXPECT_EQ(a.header(1)->timestamp, static_cast<uint64_t>(kTime));
    EXPECT_EQ(res.app_hash(), bytes_str(a.header(1)->state_root.view()));
    // Block order: account 0's nonce 0 (2nd arrival), then account 1's nonces 0 and 1 (its
    // nonce 0 arrived 3rd, nonce 1 waits for it), account 2, account 0's nonce 1 (5th).
    const auto block = a.block(1);
    ASSERT_EQ(block->transactions.size(), 5u);
    const std::vector<std::pair<Address, uint64_t>> want{{accounts[0].address, 0},
                                                         {accounts[1].address, 0},
                                                         {accounts[1].address, 1},
                                                         {accounts[2].address, 0},
                                                         {accounts[0].address, 1}};
    for (size_t i = 0; i < want.size(); ++i)
    {
        EXPECT_EQ(block->senders[i], want[i].first) << i;
        EXPECT_EQ(block->transactions[i].nonce, want[i].second) << i;
    }
    // Included transactions leave the mirrored pool.
    EXPECT_EQ(comet.node->pool().size(), 0u);
}

TEST_F(CometAppTest, TimestampNeverGoesBelowTheParent)
{
    TestNode n(genesis, "", true);
    (void)run_height(n.app(), 1, {signed_tx(0, 0)}, kTime);
    (void)run_height(n.app(), 2, {}, kTime - 100);
    EXPECT_EQ(n.node->db().header(2)->timestamp, static_cast<uint64_t>(kTime));
}

TEST_F(CometAppTest, InfoAfterRestartReportsTheCommittedHead)
{
    const std::string data = (dir.path / "data").string();
    std::string app_hash;
    {
        TestNode n(genesis, data, true);
        app_hash = run_height(n.app(), 1, {signed_tx(0, 0)}).app_hash();
        (void)run_height(n.app(), 2, {signed_tx(0, 1)});
        app_hash = bytes_str(n.node->db().header(2)->state_root.view());
    }
    TestNode n(genesis, data, true);
    const auto info = n.app().info({});
    EXPECT_EQ(info.last_block_height(), 2);
    EXPECT_EQ(info.last_block_app_hash(), app_hash);
}

TEST_F(CometAppTest, CrashBetweenFinalizeAndCommitReplaysToTheSameBlock)
{
    const std::vector<std::string> txs{signed_tx(0, 0), signed_tx(1, 0, 3)};
    // Reference: the height run straight through.
    TestNode ref(genesis, "", true);
    const auto expected = run_height(ref.app(), 1, txs);

    const std::string data = (dir.path / "data").string();
    std::string first_hash;
    {
        TestNode n(genesis, data, true);
        pb::RequestFinalizeBlock fin;
        fin.set_height(1);
        *fin.mutable_time() = at(kTime);
        for (const auto& t : txs)
            fin.add_txs(t);
        first_hash = n.app().finalize_block(fin).app_hash();
        // No Commit: the process "dies" here.
    }
    EXPECT_EQ(first_hash, expected.app_hash());
    TestNode n(genesis, data, true);
    EXPECT_EQ(n.app().info({}).last_block_height(), 0);  // CometBFT replays height 1
    pb::RequestFinalizeBlock fin;
    fin.set_height(1);
    *fin.mutable_time() = at(kTime);
    for (const auto& t : txs)
        fin.add_txs(t);
    EXPECT_EQ(n.app().finalize_block(fin).app_hash(), expected.app_hash());
    (void)n.app().commit({});
    EXPECT_EQ(n.node->db().head_hash(), ref.node->db().head_hash());
    EXPECT_EQ(n.app().info({}).last_block_height(), 1);
}

TEST_F(CometAppTest, FinalizeRefusesAHeightThatIsNotNext)
{
    TestNode n(genesis, "", true);
    pb::RequestFinalizeBlock fin;
    fin.set_height(3);
    EXPECT_THROW((void)n.app().finalize_block(fin), std::runtime_error);
}

TEST_F(CometAppTest, CheckTxAcceptsNoncesAheadWithinTheWindow)
{
    CometAppConfig cfg;
    cfg.nonce_window = 8;
    cfg.max_gap_rechecks = 2;
    TestNode n(genesis, "", true, cfg);
    auto& app = n.app();
    pb::RequestCheckTx req;

    req.set_tx(signed_tx(0, 3));  // gap 0..2: accepted, queued in the pool
    EXPECT_EQ(app.check_tx(req).code(), 0u) << app.check_tx(req).log();
    EXPECT_TRUE(n.node->pool().contains(hash_of(req.tx())));
    EXPECT_EQ(n.node->pool().status().queued, 1u);

    req.set_tx(signed_tx(0, 9));  // next nonce 0, window 8
    const auto far = app.check_tx(req);
    EXPECT_EQ(far.code(), static_cast<uint32_t>(TxCode::NonceGap));
    EXPECT_EQ(far.log(), "nonce too high: next nonce 0, tx nonce 9");

    req.set_tx(signed_tx(0, 0, 1, 20000));  // the pool's checks, geth's words
    const auto low_gas = app.check_tx(req);
    EXPECT_EQ(low_gas.code(), static_cast<uint32_t>(TxCode::Rejected));
    EXPECT_TRUE(low_gas.log().starts_with("intrinsic gas too low")) << low_gas.log();

    req.set_tx(signed_tx(0, 0, 1, 21000, 1));  // another chain
    const auto wrong_chain = app.check_tx(req);
    EXPECT_EQ(wrong_chain.code(), static_cast<uint32_t>(TxCode::Undecodable));
    EXPECT_EQ(wrong_chain.log(), "invalid chain id for signer");

    req.set_tx("\x01\x02garbage");
    EXPECT_EQ(app.check_tx(req).code(), static_cast<uint32_t>(TxCode::Undecodable));

    // Recheck: the gapped transaction survives max_gap_rechecks rechecks, then is dropped.
    req.set_tx(signed_tx(0, 3));
    req.set_type(pb::RECHECK);
    EXPECT_EQ(app.check_tx(req).code(), 0u);
    EXPECT_EQ(app.check_tx(req).code(), 0u);
    EXPECT_EQ(app.check_tx(req).code(), static_cast<uint32_t>(TxCode::NonceGap));
    EXPECT_FALSE(n.node->pool().contains(hash_of(req.tx())));
}

TEST_F(CometAppTest, RecheckDropsTransactionsIncludedElsewhere)
{
    TestNode n(genesis, "", true);
    auto& app = n.app();
    pb::RequestCheckTx req;
    const std::string mine = signed_tx(0, 0, 1);
    req.set_tx(mine);
    ASSERT_EQ(app.check_tx(req).code(), 0u);
    // Another validator's proposal spends nonce 0 with a different transaction.
    (void)run_height(app, 1, {signed_tx(0, 0, 2)});
    EXPECT_FALSE(n.node->pool().contains(hash_of(mine)));
    req.set_type(pb::RECHECK);
    const auto r = app.check_tx(req);
    EXPECT_EQ(r.code(), static_cast<uint32_t>(TxCode::Rejected));
    EXPECT_TRUE(r.log().starts_with("nonce too low")) << r.log();
}

TEST_F(CometAppTest, ShuffledBurstOfNoncesIsProposedInOrder)
{
    TestNode n(genesis, "", true);
    auto& app = n.app();
    std::vector<std::string> burst;
    for (uint64_t i = 0; i < 20; ++i)
        burst.push_back(signed_tx(0, i));
    std::vector<std::string> arrivals = burst;
    std::mt19937_64 rng(4);
    std::shuffle(arrivals.begin(), arrivals.end(), rng);
    pb::RequestCheckTx req;
    for (const auto& t : arrivals)
    {
        req.set_tx(t);
        ASSERT_EQ(app.check_tx(req).code(), 0u) << app.check_tx(req).log();
    }
    // Without nonce 10 everything after it is held back.
    std::vector<std::string> offered;
    for (const auto& t : arrivals)
        if (t != burst[10])
            offered.push_back(t);
    pb::RequestPrepareProposal prep;
    prep.set_max_tx_bytes(1 << 20);
    prep.set_height(1);
    for (const auto& t : offered)
        prep.add_txs(t);
    const auto held = app.prepare_proposal(prep);
    ASSERT_EQ(held.txs_size(), 10);
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(held.txs(i), burst[static_cast<size_t>(i)]);

    const auto res = run_height(app, 1, arrivals);
    ASSERT_EQ(res.tx_results_size(), 20);
    const auto block = n.node->db().block(1);
    ASSERT_EQ(block->transactions.size(), 20u);
    for (uint64_t i = 0; i < 20; ++i)
        EXPECT_EQ(block->transactions[i].nonce, i);
}

TEST_F(CometAppTest, PrepareRespectsMaxTxBytes)
{
    TestNode n(genesis, "", true);
    const std::vector<std::string> txs{signed_tx(0, 0), signed_tx(1, 0), signed_tx(2, 0)};
    pb::RequestPrepareProposal prep;
    prep.set_height(1);
    size_t two = 0;
    for (size_t i = 0; i < 2; ++i)
        two += node::comet_tx_overhead_size(txs[i].size());
    prep.set_max_tx_bytes(static_cast<int64_t>(two));
    for (const auto& t : txs)
        prep.add_txs(t);
    EXPECT_EQ(n.app().prepare_proposal(prep).txs_size(), 2);
}

TEST_F(CometAppTest, ProcessProposalRejectsWhatCannotExecuteInOrder)
{
    TestNode n(genesis, "", true);
    auto& app = n.app();
    const auto check = [&](const std::vector<std::string>& txs) {
        pb::RequestProcessProposal proc;
        proc.set_height(1);
        for (const auto& t : txs)
            proc.add_txs(t);
        return app.process_proposal(proc).status();
    };
    using S = pb::ResponseProcessProposal;
    EXPECT_EQ(check({}), S::ACCEPT);
    EXPECT_EQ(check({signed_tx(0, 0), signed_tx(0, 1)}), S::ACCEPT);
    EXPECT_EQ(check({signed_tx(0, 1), signed_tx(0, 0)}), S::REJECT);  // out of order
    EXPECT_EQ(check({signed_tx(0, 0), signed_tx(0, 2)}), S::REJECT);  // gap
    EXPECT_EQ(check({signed_tx(0, 0), signed_tx(0, 0)}), S::REJECT);  // duplicate
    EXPECT_EQ(check({signed_tx(0, 0, 1, 21000, 1)}), S::REJECT);      // other chain
    EXPECT_EQ(check({std::string("\xc0", 1)}), S::REJECT);            // not a transaction
    EXPECT_EQ(check({signed_tx(0, 0, 1, 20'000'000), signed_tx(1, 0, 1, 20'000'000)}),
              S::REJECT);  // gas limits above the block's
}

TEST_F(CometAppTest, FinalizeExcludesInvalidTransactionsWithGethMessages)
{
    TestNode n(genesis, "", true);
    pb::RequestFinalizeBlock fin;
    fin.set_height(1);
    *fin.mutable_time() = at(kTime);
    fin.add_txs(signed_tx(0, 0, 1));
    fin.add_txs(std::string("\xc0", 1));
    fin.add_txs(signed_tx(0, 5));  // nonce mismatch
    const auto r = n.app().finalize_block(fin);
    ASSERT_EQ(r.tx_results_size(), 3);
    EXPECT_EQ(r.tx_results(0).code(), 0u);
    EXPECT_EQ(r.tx_results(0).gas_used(), 21000);
    EXPECT_EQ(r.tx_results(1).code(), static_cast<uint32_t>(TxCode::Undecodable));
    EXPECT_EQ(r.tx_results(2).code(), static_cast<uint32_t>(TxCode::Excluded));
    EXPECT_FALSE(r.tx_results(2).log().empty());
    (void)n.app().commit({});
    EXPECT_EQ(n.node->db().block(1)->transactions.size(), 1u);
}

TEST_F(CometAppTest, CommitPublishesToBlockListenersAndSetsRetainHeight)
{
    CometAppConfig cfg;
    cfg.retain_blocks = 2;
    TestNode n(genesis, "", true, cfg);
    std::vector<uint64_t> seen;
    n.node->producer().on_block(
        [&](const node::CommittedBlock& b) { seen.push_back(b.block.header.number); });
    for (int64_t h = 1; h <= 3; ++h)
    {
        pb::RequestFinalizeBlock fin;
        fin.set_height(h);
        *fin.mutable_time() = at(kTime + h);
        (void)n.app().finalize_block(fin);
        const auto c = n.app().commit({});
        EXPECT_EQ(c.retain_height(), h > 2 ? h - 1 : 0);
    }
    EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(CometAppTest, QueryAnswersAccountAndHead)
{
    TestNode n(genesis, "", true);
    (void)run_height(n.app(), 1, {signed_tx(0, 0)});
    const auto accounts = chain::default_dev_accounts();
    pb::RequestQuery q;
    q.set_path("/account/" + to_hex(accounts[0].address.view()));
    const auto acct = n.app().query(q);
    EXPECT_EQ(acct.code(), 0u);
    EXPECT_EQ(acct.height(), 1);
    // RLP long list (0xf8, length), nonce 1 first.
    ASSERT_GT(acct.value().size(), 3u);
    EXPECT_EQ(static_cast<uint8_t>(acct.value()[0]), 0xf8);
    EXPECT_EQ(static_cast<uint8_t>(acct.value()[2]), 0x01);

    q.set_path("/account/0x00000000000000000000000000000000000000ee");
    EXPECT_EQ(n.app().query(q).code(), 0u);
    EXPECT_TRUE(n.app().query(q).value().empty());

    q.set_path("/head");
    const auto head = n.app().query(q);
    EXPECT_EQ(head.code(), 0u);
    EXPECT_NE(head.value().find(bytes_str(n.node->db().head_hash().view())), std::string::npos);

    q.set_path("/nope");
    EXPECT_EQ(n.app().query(q).code(), 1u);
}

TEST_F(CometAppTest, EngineRefusesMineAndReportsUnreachableCometbft)
{
    TestNode n(genesis, "", true);
    EXPECT_FALSE(n.node->engine().mine());
    const auto d = n.app().decode(signed_tx(0, 0));
    ASSERT_TRUE(d);
    const auto r = n.node->engine().submit((*d)->tx, (*d)->sender, nullptr);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("cannot reach CometBFT RPC"), std::string::npos) << r.error();
}
