#include "consensus/comet_app.hpp"

#include "chain/dev_accounts.hpp"
#include "chain/genesis.hpp"
#include "consensus/bundle.hpp"
#include "consensus/comet_engine.hpp"
#include "consensus/comet_tx_size.hpp"
#include "consensus/test_util.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "db/chain_db.hpp"
#include "db/test_blocks.hpp"
#include "node/dev_engine.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"
#include "rpc/server.hpp"
#include "txpool/txpool.hpp"

#include <gtest/gtest.h>

#include <sodium.h>
#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <thread>

using namespace tern;
using namespace tern::consensus;
using namespace tern::consensus::test;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kTime = 1'700'000'000;

/// A signed EIP-1559 transfer (or call) from dev account `from`: raw canonical bytes.
std::string signed_tx(size_t from,
                      uint64_t nonce,
                      uint64_t value = 1,
                      uint64_t gas = 21000,
                      uint64_t chain_id = kChainId,
                      std::optional<Address> to = std::nullopt)
{
    return signed_raw(from, nonce, to.value_or(chain::default_dev_accounts()[9].address), {}, gas,
                      value, chain_id);
}

Hash256 hash_of(const std::string& raw)
{
    return keccak256({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
}

BytesView view_of_str(const std::string& s)
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string bytes_str(BytesView b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// A CometNode, or (comet_engine false) a node with the dev engine.
struct TestNode : CometNode
{
    TestNode(const std::string& genesis,
             const std::string& data_dir,
             bool comet_engine,
             CometAppConfig app_config = {},
             const std::function<void(CometEngineConfig&)>& tweak = {})
        : CometNode(genesis, data_dir, std::move(app_config), tweak, comet_engine)
    {}
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

TEST_F(CometAppTest, InfoAndInitChainReportTheGenesisBlockHash)
{
    TestNode n(genesis, "", true);
    const auto info = n.app().info({});
    const std::string genesis_hash = bytes_str(n.node->db().header(0)->hash().view());
    EXPECT_EQ(info.last_block_height(), 0);
    EXPECT_EQ(info.last_block_app_hash(), genesis_hash);

    pb::RequestInitChain init;
    init.set_chain_id("tern-7777");
    init.set_initial_height(1);
    const auto r = n.app().init_chain(init);
    EXPECT_EQ(r.app_hash(), genesis_hash);
    EXPECT_NE(r.app_hash(), bytes_str(n.node->db().header(0)->state_root.view()));

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
    // The app hash is the block hash (it commits to the state and receipts roots).
    EXPECT_EQ(res.app_hash(), bytes_str(a.head_hash().view()));
    EXPECT_EQ(res.app_hash(), bytes_str(a.header(1)->hash().view()));
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
        app_hash = bytes_str(n.node->db().header(2)->hash().view());
    }
    TestNode n(genesis, data, true);
    const auto info = n.app().info({});
    EXPECT_EQ(info.last_block_height(), 2);
    EXPECT_EQ(info.last_block_app_hash(), app_hash);
}

TEST_F(CometAppTest, EmptyBlocksKeepTheAppHashSoAnIdleChainCanStop)
{
    const std::string data = (dir.path / "data").string();
    const auto hash_of = [](TestNode& n, uint64_t h) {
        return bytes_str(n.node->db().header(h)->hash().view());
    };
    std::string first;
    {
        TestNode n(genesis, data, true);
        // An empty block 1 (nothing changes): the genesis hash stays the app hash.
        EXPECT_EQ(run_height(n.app(), 1, {}).app_hash(), hash_of(n, 0));
        first = run_height(n.app(), 2, {signed_tx(0, 0)}).app_hash();
        EXPECT_EQ(first, hash_of(n, 2));
        // The empty block after it (CometBFT's block carrying the new app hash) keeps it, so
        // CometBFT sees no change and waits for transactions.
        EXPECT_EQ(run_height(n.app(), 3, {}).app_hash(), first);
        EXPECT_EQ(run_height(n.app(), 4, {}).app_hash(), first);
        EXPECT_NE(hash_of(n, 4), first);
        EXPECT_EQ(n.app().info({}).last_block_app_hash(), first);
        EXPECT_EQ(app_hash_block(n.node->db()),
                  std::make_pair(uint64_t{2}, n.node->db().header(2)->hash()));
    }
    TestNode n(genesis, data, true);
    const auto info = n.app().info({});
    EXPECT_EQ(info.last_block_height(), 4);
    EXPECT_EQ(info.last_block_app_hash(), first);  // found again after a restart
    // A block with a transaction: its own hash.
    const std::string fifth = run_height(n.app(), 5, {signed_tx(0, 1)}).app_hash();
    EXPECT_EQ(fifth, hash_of(n, 5));
    // A transaction already included is not proposed again: an empty block, no change.
    EXPECT_EQ(run_height(n.app(), 6, {signed_tx(0, 1)}).app_hash(), fifth);
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
    EXPECT_EQ(expected.app_hash(), bytes_str(ref.node->db().head_hash().view()));
    EXPECT_EQ(n.app().info({}).last_block_height(), 1);
    EXPECT_EQ(n.app().info({}).last_block_app_hash(), expected.app_hash());
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
        two += comet_tx_overhead_size(txs[i].size());
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
        [&](const producer::CommittedBlock& b) { seen.push_back(b.block.header.number); });
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

namespace {

std::string bundle_of(const std::vector<std::string>& txs)
{
    std::vector<std::string_view> views(txs.begin(), txs.end());
    return encode_bundle(views);
}

}  // namespace

TEST_F(CometAppTest, CheckTxOnBundlesIsAllOrNothingAndRecheckKeepsThemWhilePending)
{
    TestNode n(genesis, "", true);
    auto& app = n.app();
    auto& pool = n.node->pool();
    pb::RequestCheckTx req;

    const std::vector<std::string> good{signed_tx(0, 0), signed_tx(0, 1), signed_tx(1, 0)};
    req.set_tx(bundle_of(good));
    const auto ok = app.check_tx(req);
    EXPECT_EQ(ok.code(), 0u) << ok.log();
    EXPECT_EQ(ok.gas_wanted(), 3 * 21000);
    for (const auto& t : good)
        EXPECT_TRUE(pool.contains(hash_of(t)));

    // One bad inner transaction: rejected with its message; the good one it added is removed.
    const std::string fine = signed_tx(2, 0);
    req.set_tx(bundle_of({fine, signed_tx(3, 0, 1, 20000)}));
    const auto bad = app.check_tx(req);
    EXPECT_EQ(bad.code(), static_cast<uint32_t>(TxCode::Rejected));
    EXPECT_TRUE(bad.log().starts_with("intrinsic gas too low")) << bad.log();
    EXPECT_FALSE(pool.contains(hash_of(fine)));

    req.set_tx(std::string(1, static_cast<char>(kBundleMarker)) + "\xc0");
    EXPECT_EQ(app.check_tx(req).code(), static_cast<uint32_t>(TxCode::Undecodable));

    // Recheck: kept while an inner transaction is pending, dropped once all are included.
    (void)run_height(app, 1, {good[0]});
    req.set_tx(bundle_of(good));
    req.set_type(pb::RECHECK);
    const auto kept = app.check_tx(req);
    EXPECT_EQ(kept.code(), 0u) << kept.log();
    EXPECT_EQ(kept.gas_wanted(), 2 * 21000);
    (void)run_height(app, 2, {good[1], good[2]});
    const auto dropped = app.check_tx(req);
    EXPECT_NE(dropped.code(), 0u);
    EXPECT_TRUE(dropped.log().starts_with("nonce too low")) << dropped.log();
}

TEST_F(CometAppTest, PrepareFlattensBundlesAndSinglesIntoOrderedSingles)
{
    TestNode n(genesis, "", true);
    auto& app = n.app();
    const std::string a0 = signed_tx(0, 0), a1 = signed_tx(0, 1), a2 = signed_tx(0, 2);
    const std::string b0 = signed_tx(1, 0), c0 = signed_tx(2, 0), c5 = signed_tx(2, 5);
    pb::RequestPrepareProposal prep;
    prep.set_max_tx_bytes(1 << 20);
    prep.set_height(1);
    prep.add_txs(bundle_of({a1, b0}));  // a1 before a0: held until a0 is placed
    prep.add_txs(a0);
    prep.add_txs(bundle_of({a2, b0, c5}));  // b0 again; c5 behind a gap
    prep.add_txs(c0);
    prep.add_txs(std::string(1, static_cast<char>(kBundleMarker)));  // malformed: skipped
    const auto proposal = app.prepare_proposal(prep);
    ASSERT_EQ(proposal.txs_size(), 5);
    std::vector<std::string> got(proposal.txs().begin(), proposal.txs().end());
    for (const auto& t : got)
        EXPECT_FALSE(is_bundle(t));
    const auto pos = [&](const std::string& t) {
        return std::find(got.begin(), got.end(), t) - got.begin();
    };
    EXPECT_LT(pos(a0), pos(a1));
    EXPECT_LT(pos(a1), pos(a2));
    EXPECT_LT(pos(b0), 5);
    EXPECT_LT(pos(c0), 5);
    EXPECT_EQ(pos(c5), 5);  // held back

    const auto res =
        run_height(app, 1, std::vector<std::string>(prep.txs().begin(), prep.txs().end()));
    EXPECT_EQ(res.tx_results_size(), 5);
    EXPECT_EQ(n.node->db().block(1)->transactions.size(), 5u);
}

TEST_F(CometAppTest, ProcessAndFinalizeAcceptBundles)
{
    TestNode n(genesis, "", true);
    auto& app = n.app();
    const std::string a0 = signed_tx(0, 0), a1 = signed_tx(0, 1), b0 = signed_tx(1, 0);
    const std::string c0 = signed_tx(2, 0), c5 = signed_tx(2, 5);

    pb::RequestProcessProposal proc;
    proc.set_height(1);
    proc.add_txs(bundle_of({a0, a1}));
    proc.add_txs(b0);
    EXPECT_EQ(app.process_proposal(proc).status(), pb::ResponseProcessProposal::ACCEPT);
    proc.add_txs(bundle_of({c5}));  // a gap inside a bundle
    EXPECT_EQ(app.process_proposal(proc).status(), pb::ResponseProcessProposal::REJECT);
    proc.clear_txs();
    proc.add_txs(std::string(1, static_cast<char>(kBundleMarker)) + "\xc0");
    EXPECT_EQ(app.process_proposal(proc).status(), pb::ResponseProcessProposal::REJECT);

    pb::RequestFinalizeBlock fin;
    fin.set_height(1);
    *fin.mutable_time() = at(kTime);
    fin.add_txs(bundle_of({a0, a1}));
    fin.add_txs(b0);
    fin.add_txs(bundle_of({c0, c5}));
    const auto r = app.finalize_block(fin);
    ASSERT_EQ(r.tx_results_size(), 3);
    EXPECT_EQ(r.tx_results(0).code(), 0u) << r.tx_results(0).log();
    EXPECT_EQ(r.tx_results(0).gas_used(), 42000);
    EXPECT_EQ(r.tx_results(0).gas_wanted(), 42000);
    EXPECT_EQ(r.tx_results(0).data(),
              bytes_str(hash_of(a0).view()) + bytes_str(hash_of(a1).view()));
    EXPECT_EQ(r.tx_results(1).code(), 0u);
    EXPECT_EQ(r.tx_results(1).gas_used(), 21000);
    EXPECT_EQ(r.tx_results(2).code(), static_cast<uint32_t>(TxCode::Excluded));  // c5
    EXPECT_EQ(r.tx_results(2).gas_used(), 21000);                                // c0 ran
    (void)app.commit({});
    const auto block = n.node->db().block(1);
    ASSERT_EQ(block->transactions.size(), 4u);
    EXPECT_EQ(block->transactions[0].nonce, 0u);
    EXPECT_EQ(block->transactions[1].nonce, 1u);
}

namespace {

/// A stand-in for CometBFT's RPC: records what broadcast_tx_sync receives; refuses bundles when
/// told to.
struct FakeCometRpc
{
    rpc::Dispatcher dispatcher;
    std::unique_ptr<rpc::Server> server;
    std::mutex mutex;
    std::vector<std::string> received;
    std::atomic<bool> refuse_bundles{false};
    std::set<std::string> refuse;   ///< single transactions CheckTx refuses (under `mutex`)
    std::atomic<bool> full{false};  ///< answer "mempool is full" to everything
    std::condition_variable gate_cv;
    bool gate_open = true;  ///< when false, broadcasts wait (under `mutex`)
    size_t waiting = 0;     ///< broadcasts held at the closed gate (under `mutex`)

    FakeCometRpc()
    {
        dispatcher.add(
            "broadcast_tx_sync", [this](const nlohmann::json& params, rpc::CallContext&) {
                const std::string b64 = params.at("tx").get<std::string>();
                std::string tx(b64.size(), '\0');
                size_t len = 0;
                EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(tx.data()), tx.size(),
                                            b64.data(), b64.size(), nullptr, &len, nullptr,
                                            sodium_base64_VARIANT_ORIGINAL),
                          0);
                tx.resize(len);
                std::unique_lock lock{mutex};
                ++waiting;
                gate_cv.notify_all();
                gate_cv.wait(lock, [&] { return gate_open; });
                --waiting;
                received.push_back(tx);
                if (full)
                    throw rpc::Error{-32603, "Internal error", nlohmann::json("mempool is full")};
                if (refuse_bundles && is_bundle(tx))
                    return nlohmann::json{{"code", 9}, {"log", "bundles refused"}};
                if (refuse.contains(tx))
                    return nlohmann::json{{"code", 2}, {"log", "nonce too low"}};
                return nlohmann::json{{"code", 0}, {"log", ""}};
            });
        rpc::ServerConfig c;
        c.port = 0;
        c.threads = 2;
        server = std::make_unique<rpc::Server>(dispatcher, c);
        EXPECT_TRUE(server->start());
    }
    ~FakeCometRpc()
    {
        open_gate();
        server->stop();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
    std::vector<std::string> take()
    {
        std::lock_guard lock{mutex};
        return std::exchange(received, {});
    }
    /// Closes the gate: broadcasts wait in the handler until open_gate().
    void close_gate()
    {
        std::lock_guard lock{mutex};
        gate_open = false;
    }
    void open_gate()
    {
        {
            std::lock_guard lock{mutex};
            gate_open = true;
        }
        gate_cv.notify_all();
    }
    /// Waits until `n` broadcasts are held at the closed gate.
    bool wait_held(size_t n)
    {
        std::unique_lock lock{mutex};
        return gate_cv.wait_for(lock, std::chrono::seconds(5), [&] { return waiting >= n; });
    }
};

/// Submits `raw` through the engine as eth_sendRawTransaction would (no JSON-RPC batch).
Result<Hash256, std::string> submit_raw(TestNode& n, const std::string& raw)
{
    const auto d = n.app().decode(raw);
    if (!d)
        return d.error();
    return n.node->engine().submit((*d)->tx, (*d)->sender, nullptr);
}

/// Submits every transaction of `txs` from its own thread at once; each must be accepted with
/// its hash.
void submit_concurrently(TestNode& n, const std::vector<std::string>& txs)
{
    std::vector<std::optional<Result<Hash256, std::string>>> results(txs.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < txs.size(); ++i)
        threads.emplace_back([&, i] { results[i] = submit_raw(n, txs[i]); });
    for (auto& t : threads)
        t.join();
    for (size_t i = 0; i < txs.size(); ++i)
    {
        ASSERT_TRUE(*results[i]) << results[i]->error();
        EXPECT_EQ(**results[i], hash_of(txs[i]));
    }
}

}  // namespace

TEST_F(CometAppTest, EngineBundlesConcurrentSubmissionsAndSendsALoneOneAtOnce)
{
    FakeCometRpc comet;
    const auto url = comet.url();
    {
        TestNode n(genesis, "", true, {}, [&](CometEngineConfig& ec) { ec.cometbft_rpc = url; });
        const auto t0 = std::chrono::steady_clock::now();
        const std::string lone = signed_tx(0, 0);
        const auto r = submit_raw(n, lone);
        ASSERT_TRUE(r) << r.error();
        EXPECT_EQ(*r, hash_of(lone));
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
        const auto sent = comet.take();
        ASSERT_EQ(sent.size(), 1u);
        EXPECT_EQ(sent[0], lone);  // a single transaction, not a bundle
        // Resubmitting it: geth's "already known", nothing broadcast.
        const auto again = submit_raw(n, lone);
        ASSERT_FALSE(again);
        EXPECT_EQ(again.error(), "already known");
        // The pool's checks answer before anything is broadcast.
        const auto low = submit_raw(n, signed_tx(1, 0, 1, 20000));
        ASSERT_FALSE(low);
        EXPECT_TRUE(low.error().starts_with("intrinsic gas too low")) << low.error();
        EXPECT_TRUE(comet.take().empty());
    }
    TestNode n(genesis, "", true, {}, [&](CometEngineConfig& ec) {
        ec.cometbft_rpc = url;
        ec.bundle_wait = std::chrono::milliseconds(300);  // every thread arrives within it
        ec.bundle_max_txs = 3;
    });
    std::vector<std::string> txs;
    for (size_t i = 0; i < 4; ++i)
        for (uint64_t nonce = 0; nonce < 2; ++nonce)
            txs.push_back(signed_tx(i, nonce));
    submit_concurrently(n, txs);
    // Threads that start late are answered before their bundle is broadcast.
    ASSERT_TRUE(n.comet->flush(std::chrono::seconds(5)));
    // 8 transactions, at most 3 per bundle: 3 broadcasts, every transaction in exactly one.
    const auto sent = comet.take();
    EXPECT_EQ(sent.size(), 3u);
    std::multiset<std::string> inner;
    for (const auto& s : sent)
    {
        const auto parts = split_comet_tx(s);
        ASSERT_TRUE(parts);
        const std::vector<std::string_view>& views = *parts;
        for (size_t k = 0; k < views.size(); ++k)
            inner.emplace(views[k]);
    }
    EXPECT_EQ(inner, std::multiset<std::string>(txs.begin(), txs.end()));
}

TEST_F(CometAppTest, EngineFallsBackToSingleTransactionsWhenABundleIsRefused)
{
    FakeCometRpc comet;
    comet.refuse_bundles = true;
    TestNode n(genesis, "", true, {}, [&](CometEngineConfig& ec) {
        ec.cometbft_rpc = comet.url();
        ec.bundle_wait = std::chrono::milliseconds(300);
    });
    const std::vector<std::string> txs{signed_tx(0, 0), signed_tx(1, 0)};
    submit_concurrently(n, txs);
    ASSERT_TRUE(n.comet->flush(std::chrono::seconds(5)));
    const auto sent = comet.take();
    ASSERT_EQ(sent.size(), 3u);  // the bundle, then each alone
    EXPECT_TRUE(is_bundle(sent[0]));
    EXPECT_EQ(std::multiset<std::string>(sent.begin() + 1, sent.end()),
              std::multiset<std::string>(txs.begin(), txs.end()));
}

TEST_F(CometAppTest, JsonRpcBatchOfSendsIsBroadcastAsOneBundleAtItsEnd)
{
    FakeCometRpc comet;
    TestNode n(genesis, "", true, {}, [&](CometEngineConfig& ec) {
        ec.cometbft_rpc = comet.url();
        ec.bundle_wait = std::chrono::seconds(5);  // a batch does not wait for company
    });
    const std::vector<std::string> txs{signed_tx(0, 0), signed_tx(0, 1), signed_tx(1, 0)};
    nlohmann::json batch = nlohmann::json::array();
    for (size_t i = 0; i < txs.size(); ++i)
        batch.push_back({{"jsonrpc", "2.0"},
                         {"id", i},
                         {"method", "eth_sendRawTransaction"},
                         {"params", {to_hex(view_of_str(txs[i]))}}});
    batch.push_back({{"jsonrpc", "2.0"},
                     {"id", 9},
                     {"method", "eth_sendRawTransaction"},
                     {"params", {to_hex(view_of_str(signed_tx(2, 0, 1, 20000)))}}});
    rpc::CallContext ctx;
    const auto t0 = std::chrono::steady_clock::now();
    const auto out = n.node->dispatcher().handle(batch.dump(), ctx);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    ASSERT_TRUE(out);
    const auto answers = nlohmann::json::parse(*out);
    ASSERT_EQ(answers.size(), 4u);
    for (size_t i = 0; i < txs.size(); ++i)
        EXPECT_EQ(answers[i].value("result", ""), to_hex(hash_of(txs[i]).view())) << answers[i];
    EXPECT_TRUE(answers[3].contains("error"));
    ASSERT_TRUE(n.comet->flush(std::chrono::seconds(5)));
    const auto sent = comet.take();
    ASSERT_EQ(sent.size(), 1u);
    const auto inner = split_comet_tx(sent[0]);
    ASSERT_TRUE(inner);
    EXPECT_EQ(std::vector<std::string>(inner->begin(), inner->end()), txs);
}

TEST_F(CometAppTest, InitChainAcceptsTheSameGenesisInAppState)
{
    TestNode n(genesis, "", true);
    std::ifstream in{genesis};
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    pb::RequestInitChain init;
    init.set_chain_id("tern-7777");
    init.set_initial_height(1);
    // Another rendering of the same genesis (CometBFT passes app_state's bytes as written).
    init.set_app_state_bytes(nlohmann::json::parse(text).dump());
    const auto r = n.app().init_chain(init);
    const auto spec = chain::parse_genesis_text(text);
    ASSERT_TRUE(spec);
    EXPECT_EQ(r.app_hash(), bytes_str(chain::genesis_block(*spec).header.hash().view()));
    EXPECT_EQ(r.app_hash(), bytes_str(n.node->db().header(0)->hash().view()));
}

TEST_F(CometAppTest, InitChainRefusesAnAppStateGenesisThatDiffers)
{
    TestNode n(genesis, "", true);
    std::ifstream in{genesis};
    const auto doc = nlohmann::json::parse(in);
    pb::RequestInitChain init;
    init.set_chain_id("tern-7777");
    init.set_initial_height(1);
    auto expect_refused = [&](const std::string& app_state, const std::string& message) {
        init.set_app_state_bytes(app_state);
        try
        {
            (void)n.app().init_chain(init);
            ADD_FAILURE() << "accepted: " << app_state;
        }
        catch (const std::runtime_error& e)
        {
            EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
        }
    };
    auto other_alloc = doc;
    other_alloc["alloc"][to_hex(chain::default_dev_accounts()[5].address.view())] = {
        {"balance", "1"}};
    expect_refused(other_alloc.dump(), "differs from this node's genesis");
    auto other_chain = doc;
    other_chain["config"]["chainId"] = kChainId + 1;  // same block 0, other rules
    expect_refused(other_chain.dump(), "chain id 7778) differs");
    auto other_gas_limit = doc;
    other_gas_limit["tern"] = {{"gasLimit", "0x5208"}};  // same block 0, other rules
    expect_refused(other_gas_limit.dump(), "differs from this node's genesis");
    expect_refused("not json", "app_state of CometBFT's genesis is not an EVM genesis");
}

namespace {

/// Collects an engine's log lines.
struct LogLines
{
    std::mutex mutex;
    std::vector<std::string> lines;
    std::function<void(std::string_view)> sink()
    {
        return [this](std::string_view line) {
            std::lock_guard lock{mutex};
            lines.emplace_back(line);
        };
    }
    bool contains(std::string_view needle)
    {
        std::lock_guard lock{mutex};
        return std::ranges::any_of(
            lines, [&](const std::string& l) { return l.find(needle) != std::string::npos; });
    }
};

/// Runs `f` on a thread; the future is ready once it returned.
template <typename F>
auto async_call(F f)
{
    return std::async(std::launch::async, std::move(f));
}

}  // namespace

TEST_F(CometAppTest, EngineAnswersAfterAdmissionWhileTheBroadcastIsInFlight)
{
    FakeCometRpc comet;
    TestNode n(genesis, "", true, {},
               [&](CometEngineConfig& ec) { ec.cometbft_rpc = comet.url(); });
    // Until CometBFT accepted a broadcast, a send waits for it (here: accepted at once).
    const auto first = submit_raw(n, signed_tx(0, 0));
    ASSERT_TRUE(first) << first.error();
    EXPECT_EQ(comet.take().size(), 1u);

    comet.close_gate();  // CometBFT now takes its time with every broadcast
    const std::string tx = signed_tx(0, 1);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = submit_raw(n, tx);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(*r, hash_of(tx));  // answered although the broadcast has not been answered
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    EXPECT_TRUE(n.node->pool().contains(hash_of(tx)));  // "accepted by this node's pool"
    ASSERT_TRUE(comet.wait_held(1));
    EXPECT_FALSE(n.comet->flush(std::chrono::milliseconds(50)));

    // Invalid transactions still get geth's message at once, nothing broadcast for them.
    const auto known = submit_raw(n, tx);
    ASSERT_FALSE(known);
    EXPECT_EQ(known.error(), "already known");
    const auto low = submit_raw(n, signed_tx(0, 2, 1, 20000));
    ASSERT_FALSE(low);
    EXPECT_TRUE(low.error().starts_with("intrinsic gas too low")) << low.error();
    const auto ahead = submit_raw(n, signed_tx(2, 100));  // beyond the nonce window
    ASSERT_FALSE(ahead);
    EXPECT_TRUE(ahead.error().starts_with("nonce too high")) << ahead.error();
    const auto other = submit_raw(n, signed_tx(1, 0));
    ASSERT_TRUE(other) << other.error();

    comet.open_gate();
    ASSERT_TRUE(n.comet->flush(std::chrono::seconds(5)));
    std::multiset<std::string> inner;
    for (const auto& s : comet.take())
    {
        const auto parts = split_comet_tx(s);
        ASSERT_TRUE(parts);
        for (const auto v : *parts)
            inner.emplace(v);
    }
    EXPECT_EQ(inner, (std::multiset<std::string>{tx, signed_tx(1, 0)}));
}

TEST_F(CometAppTest, EngineRemovesWhatCometbftRefusesAfterTheAnswerAndLogsIt)
{
    FakeCometRpc comet;
    LogLines logs;
    TestNode n(genesis, "", true, {}, [&](CometEngineConfig& ec) {
        ec.cometbft_rpc = comet.url();
        ec.bundle_wait = std::chrono::milliseconds(300);
        ec.log = logs.sink();
    });
    ASSERT_TRUE(submit_raw(n, signed_tx(0, 0)));
    comet.take();
    comet.refuse_bundles = true;
    const std::string good = signed_tx(1, 0);
    const std::string bad = signed_tx(2, 0);
    {
        std::lock_guard lock{comet.mutex};
        comet.refuse.insert(bad);
    }
    submit_concurrently(n, {good, bad});  // both answered with their hashes
    ASSERT_TRUE(n.comet->flush(std::chrono::seconds(5)));
    const auto sent = comet.take();
    ASSERT_EQ(sent.size(), 3u);  // the bundle, then each alone
    EXPECT_TRUE(is_bundle(sent[0]));
    EXPECT_TRUE(n.node->pool().contains(hash_of(good)));
    EXPECT_FALSE(n.node->pool().contains(hash_of(bad)));  // no ghost in the local pool
    EXPECT_TRUE(logs.contains("refused by CometBFT"));
    EXPECT_TRUE(logs.contains(to_hex(hash_of(bad).view())));
    EXPECT_FALSE(logs.contains(to_hex(hash_of(good).view())));
}

TEST_F(CometAppTest, EngineWaitsForCometbftAgainAfterItWasFull)
{
    FakeCometRpc comet;
    TestNode n(genesis, "", true, {},
               [&](CometEngineConfig& ec) { ec.cometbft_rpc = comet.url(); });
    ASSERT_TRUE(submit_raw(n, signed_tx(0, 0)));
    comet.full = true;
    // Answered from the pool; the broadcast then fails, so the transaction leaves the pool.
    const std::string lost = signed_tx(1, 0);
    ASSERT_TRUE(submit_raw(n, lost));
    ASSERT_TRUE(n.comet->flush(std::chrono::seconds(5)));
    EXPECT_FALSE(n.node->pool().contains(hash_of(lost)));
    // Now sends wait for CometBFT's answer: the client sees the full mempool.
    const auto r = submit_raw(n, signed_tx(2, 0));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), "txpool is full");
    EXPECT_FALSE(n.node->pool().contains(hash_of(signed_tx(2, 0))));
    comet.full = false;
    ASSERT_TRUE(submit_raw(n, signed_tx(2, 0)));
    comet.close_gate();  // answered without waiting again
    ASSERT_TRUE(submit_raw(n, signed_tx(3, 0)));
    comet.open_gate();
}

TEST_F(CometAppTest, EngineSendersWaitWhenTheBroadcasterIsFarBehind)
{
    FakeCometRpc comet;
    TestNode n(genesis, "", true, {}, [&](CometEngineConfig& ec) {
        ec.cometbft_rpc = comet.url();
        ec.bundle_max_txs = 2;
        ec.max_queued_txs = 2;
    });
    ASSERT_TRUE(submit_raw(n, signed_tx(0, 0)));
    comet.close_gate();
    ASSERT_TRUE(submit_raw(n, signed_tx(0, 1)));  // taken by the broadcaster, held
    ASSERT_TRUE(comet.wait_held(1));
    ASSERT_TRUE(submit_raw(n, signed_tx(0, 2)));  // queued
    ASSERT_TRUE(submit_raw(n, signed_tx(0, 3)));  // queued: the queue is full now
    auto blocked = async_call([&] { return submit_raw(n, signed_tx(0, 4)); });
    EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
    comet.open_gate();
    ASSERT_EQ(blocked.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    const auto r = blocked.get();
    ASSERT_TRUE(r) << r.error();
    ASSERT_TRUE(n.comet->flush(std::chrono::seconds(5)));
    size_t broadcast = 0;
    for (const auto& s : comet.take())
        broadcast += split_comet_tx(s)->size();
    EXPECT_EQ(broadcast, 5u);
}

TEST_F(CometAppTest, CommitOnAFullDiskIsNotAcknowledgedAndTheBlockReplaysAfterRestart)
{
    db::testing::Tmpfs fs(16 << 20);
    if (!fs.mounted())
        GTEST_SKIP() << fs.why_not();
    const std::string data = fs.path() + "/data";
    const std::vector<std::string> txs{signed_tx(0, 0), signed_tx(1, 0, 3)};
    TestNode ref(genesis, "", true);
    const auto expected = run_height(ref.app(), 1, txs);
    pb::RequestFinalizeBlock fin;
    fin.set_height(1);
    *fin.mutable_time() = at(kTime);
    for (const auto& t : txs)
        fin.add_txs(t);
    {
        TestNode n(genesis, data, true);
        ASSERT_GT(fs.fill(), 0u);
        EXPECT_FALSE(n.node->db().flush());  // the disk is full: RocksDB stops taking writes
        EXPECT_EQ(n.app().finalize_block(fin).app_hash(), expected.app_hash());
        try
        {
            (void)n.app().commit({});
            ADD_FAILURE() << "Commit acknowledged a block it could not store";
        }
        catch (const std::runtime_error& e)
        {
            const std::string what = e.what();
            EXPECT_TRUE(what.starts_with("cannot commit block 1: write: the disk is full")) << what;
            EXPECT_NE(what.find("; halting (CometBFT replays the block when the node is "
                                "restarted with free disk space)"),
                      std::string::npos)
                << what;
        }
        EXPECT_EQ(n.node->db().head_number(), 0u);
        EXPECT_EQ(n.app().info({}).last_block_height(), 0);
    }
    // restarted with space: CometBFT's handshake replays height 1 to the same block
    fs.free();
    TestNode n(genesis, data, true);
    EXPECT_EQ(n.app().info({}).last_block_height(), 0);
    EXPECT_EQ(n.app().finalize_block(fin).app_hash(), expected.app_hash());
    (void)n.app().commit({});
    EXPECT_EQ(n.node->db().head_hash(), ref.node->db().head_hash());
    EXPECT_EQ(n.app().info({}).last_block_height(), 1);
}
