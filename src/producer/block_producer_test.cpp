#include "producer/block_producer.hpp"

#include "state/memory_backend.hpp"
#include "transaction/codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace tern;
using namespace tern::producer;
using tern::txpool::PooledTransaction;
using tern::txpool::PooledTxPtr;

namespace {

Address addr(uint64_t v)
{
    Address a;
    for (int i = 0; i < 8; ++i)
        a.bytes[19 - i] = static_cast<uint8_t>(v >> (8 * i));
    return a;
}

const Address kA = addr(0xA);
const Address kB = addr(0xB);
const Address kC = addr(0xC);
const U256 kRich = U256{1'000'000'000'000'000'000ULL};

/// A transfer as a pooled candidate (hash unique per sender, nonce and tag).
PooledTxPtr cand(const Address& from, uint64_t nonce, uint64_t gas = 21000, uint64_t tag = 0)
{
    Transaction tx;
    tx.type = TxType::Legacy;
    tx.chain_id = 31337;
    tx.nonce = nonce;
    tx.gas_limit = gas;
    tx.to = addr(0x7070);
    tx.value = U256{1 + tag};
    tx.r = U256::from_address(from) + U256{1};
    tx.s = U256{1};
    auto p = std::make_shared<PooledTransaction>();
    p->tx = tx;
    p->sender = from;
    p->hash = transaction_hash(tx);
    p->size = encode_transaction(tx).size();
    return p;
}

/// (sender, nonce) pairs of a list, for readable expectations.
std::vector<std::pair<Address, uint64_t>> keys(const std::vector<PooledTxPtr>& txs)
{
    std::vector<std::pair<Address, uint64_t>> out;
    for (const auto& t : txs)
        out.emplace_back(t->sender, t->tx.nonce);
    return out;
}

struct OrderTest : ::testing::Test
{
    state::MemoryBackend state;
    OrderTest()
    {
        for (const Address& a : {kA, kB, kC})
            state.put_account(a, 0, kRich, {});
    }
};

}  // namespace

TEST_F(OrderTest, FirstComeAcrossSendersNonceOrderWithin)
{
    // Arrival: A1, B0, A0, C0  ->  B0 (arrived 1st among executable), A0 A1 (A0 arrived 2nd, A1
    // follows right after its predecessor), C0.
    const std::vector<PooledTxPtr> in{cand(kA, 1), cand(kB, 0), cand(kA, 0), cand(kC, 0)};
    const auto out = order_transactions(in, state);
    using K = std::vector<std::pair<Address, uint64_t>>;
    EXPECT_EQ(keys(out), (K{{kB, 0}, {kA, 0}, {kA, 1}, {kC, 0}}));
}

TEST_F(OrderTest, GapsAreHeldBackAndStaleNoncesDropped)
{
    state.put_account(kA, 5, kRich, {});
    // A: 4 (below the state nonce: dropped), 5, 7 (gap at 6: held back), B: 1 (gap at 0).
    const std::vector<PooledTxPtr> in{cand(kA, 4), cand(kA, 7), cand(kB, 1), cand(kA, 5)};
    const auto out = order_transactions(in, state);
    using K = std::vector<std::pair<Address, uint64_t>>;
    EXPECT_EQ(keys(out), (K{{kA, 5}}));
}

TEST_F(OrderTest, FirstArrivalOfANonceWins)
{
    const auto first = cand(kA, 0, 21000, 1);
    const auto second = cand(kA, 0, 21000, 2);
    const std::vector<PooledTxPtr> in{first, second, first};
    const auto out = order_transactions(in, state);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0]->hash, first->hash);
}

TEST_F(OrderTest, ShuffledBurstComesOutInNonceOrder)
{
    std::vector<PooledTxPtr> in;
    for (uint64_t n = 0; n < 20; ++n)
        in.push_back(cand(kA, n));
    std::mt19937_64 rng(7);
    std::shuffle(in.begin(), in.end(), rng);
    const auto out = order_transactions(in, state);
    ASSERT_EQ(out.size(), 20u);
    for (uint64_t n = 0; n < 20; ++n)
        EXPECT_EQ(out[n]->tx.nonce, n);
}

TEST_F(OrderTest, SameOrderAsThePoolForRandomArrivals)
{
    // The pool (the dev engine's order) and order_transactions (CometBFT proposals) must agree:
    // the same arrivals give the same block order.
    std::mt19937_64 rng(99);
    const std::vector<Address> senders{kA, kB, kC, addr(0xD)};
    for (int round = 0; round < 200; ++round)
    {
        state::MemoryBackend st;
        for (const Address& a : senders)
            st.put_account(a, rng() % 3, kRich, {});
        txpool::TxPool pool;
        std::vector<PooledTxPtr> arrivals;
        std::set<std::pair<Address, uint64_t>> used;
        for (int i = 0; i < 30; ++i)
        {
            const Address& from = senders[rng() % senders.size()];
            const uint64_t nonce = rng() % 10;
            if (!used.emplace(from, nonce).second)
                continue;  // replacements are ordered differently (documented)
            const auto c = cand(from, nonce);
            if (pool.add(c->tx, from, st))
                arrivals.push_back(c);
        }
        const auto expected = pool.pending();
        const auto got = order_transactions(arrivals, st);
        ASSERT_EQ(got.size(), expected.size()) << "round " << round;
        for (size_t i = 0; i < got.size(); ++i)
            EXPECT_EQ(got[i]->hash, expected[i]->hash) << "round " << round << " index " << i;
    }
}

TEST_F(OrderTest, FitSkipsTheRestOfASenderThatDoesNotFit)
{
    // Gas 100k: A0 (50k) fits, B0 (60k) does not -> B1 skipped too, C0 (40k) fits.
    const std::vector<PooledTxPtr> ordered{cand(kA, 0, 50'000), cand(kB, 0, 60'000),
                                           cand(kB, 1, 21'000), cand(kC, 0, 40'000)};
    const auto out = fit_transactions(ordered, 100'000);
    using K = std::vector<std::pair<Address, uint64_t>>;
    EXPECT_EQ(keys(out), (K{{kA, 0}, {kC, 0}}));
}

TEST_F(OrderTest, FitRespectsByteLimit)
{
    const std::vector<PooledTxPtr> ordered{cand(kA, 0), cand(kB, 0), cand(kC, 0)};
    // Sized as a length-prefixed field (what CometBFT's block data counts, consensus/).
    const auto size_of = [](const PooledTransaction& p) {
        return p.size + 2;
    };
    const size_t one = size_of(*ordered[0]);
    EXPECT_EQ(fit_transactions(ordered, 1'000'000, 2 * one, size_of).size(), 2u);
    EXPECT_EQ(fit_transactions(ordered, 1'000'000, 2 * one - 1, size_of).size(), 1u);
}

// ---- sender_quota.hpp: fairness on zero-fee chains --------------------------------------------

#include "producer/sender_quota.hpp"

TEST(SenderQuota, PercentOfTheBlockGasLimit)
{
    EXPECT_EQ(sender_gas_quota(30'000'000, 10), 3'000'000u);
    EXPECT_EQ(sender_gas_quota(268'435'455, 10), 26'843'545u);
    EXPECT_EQ(sender_gas_quota(30'000'000, 0), 0u);    // off
    EXPECT_EQ(sender_gas_quota(30'000'000, 100), 0u);  // the whole block: no quota
}

TEST(SenderQuota, AFloodingSenderGetsItsQuotaAndOthersTheRest)
{
    const execution::FeePolicy free{true, U256{}};
    std::vector<PooledTxPtr> ordered;
    for (uint64_t n = 0; n < 10; ++n)
        ordered.push_back(cand(kA, n));  // the flood arrived first
    ordered.push_back(cand(kB, 0));
    ordered.push_back(cand(kC, 0, 500'000));  // a big first transaction always fits
    ordered.push_back(cand(kC, 1));
    const auto kept = apply_sender_quota(ordered, 3 * 21'000, free);
    EXPECT_EQ(keys(kept), (std::vector<std::pair<Address, uint64_t>>{
                              {kA, 0}, {kA, 1}, {kA, 2}, {kB, 0}, {kC, 0}}));
    // On a charging chain everyone pays: no quota.
    EXPECT_EQ(apply_sender_quota(ordered, 3 * 21'000, execution::FeePolicy{}).size(),
              ordered.size());
    EXPECT_EQ(apply_sender_quota(ordered, 0, free).size(), ordered.size());
}

TEST(SenderQuota, ProofOfWorkGasPassesTheQuota)
{
    // Difficulty 1 and a gas price whose external gas covers 21000 at nonce 1 for kA: found by
    // trying prices (the formula is checked against SKALE's miner in fee_policy_test.cpp).
    const execution::FeePolicy fees{true, U256{1}};
    auto worked = [&](uint64_t nonce) {
        for (uint64_t price = 1;; ++price)
        {
            auto p = cand(kA, nonce);
            auto tx = p->tx;
            tx.max_fee_per_gas = tx.max_priority_fee_per_gas = U256{price};
            if (execution::pays_with_work(fees, tx, kA))
            {
                auto q = std::make_shared<PooledTransaction>(*p);
                q->tx = tx;
                return PooledTxPtr{q};
            }
        }
    };
    const std::vector<PooledTxPtr> ordered{cand(kA, 0), worked(1), cand(kA, 2)};
    EXPECT_FALSE(counts_against_quota(fees, *ordered[1]));
    // The quota holds one free transfer: the worked one passes, the next free one waits.
    EXPECT_EQ(keys(apply_sender_quota(ordered, 21'000, fees)),
              (std::vector<std::pair<Address, uint64_t>>{{kA, 0}, {kA, 1}}));
}
