#include "txpool/txpool.hpp"

#include "core/hex.hpp"
#include "state/memory_backend.hpp"
#include "transaction/codec.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

namespace tern::txpool {
namespace {

const Address kA = address_from_u64(0xA);
const Address kB = address_from_u64(0xB);
const Address kC = address_from_u64(0xC);
const Address kTo = address_from_u64(0x7070);
const U256 kRich = U256{1'000'000'000'000'000'000ULL};

/// A 21000-gas transfer from the pool's point of view (signature fields are not checked here).
Transaction transfer(uint64_t nonce, uint64_t price = 0, uint64_t value = 1)
{
    Transaction tx;
    tx.type = TxType::Legacy;
    tx.chain_id = 31337;
    tx.nonce = nonce;
    tx.max_fee_per_gas = U256{price};
    tx.max_priority_fee_per_gas = U256{price};
    tx.gas_limit = 21000;
    tx.to = kTo;
    tx.value = U256{value};
    tx.r = U256{1};
    tx.s = U256{1};
    return tx;
}

Transaction dynamic(uint64_t nonce, uint64_t max_fee, uint64_t tip)
{
    Transaction tx = transfer(nonce);
    tx.type = TxType::DynamicFee;
    tx.max_fee_per_gas = U256{max_fee};
    tx.max_priority_fee_per_gas = U256{tip};
    return tx;
}

struct Fixture : ::testing::Test
{
    state::MemoryBackend state;

    Fixture()
    {
        for (const Address& a : {kA, kB, kC})
            state.put_account(a, 0, kRich, {});
    }

    void set_nonce(const Address& a, uint64_t nonce, const U256& balance = kRich)
    {
        state.put_account(a, nonce, balance, {});
    }

    static std::vector<Hash256> hashes(const std::vector<PooledTxPtr>& txs)
    {
        std::vector<Hash256> out;
        for (const auto& t : txs)
            out.push_back(t->hash);
        return out;
    }

    /// Adds `tx` as sent by `from`. Signatures are not checked by the pool, but real ones differ
    /// per sender, and so do hashes: r is derived from the sender to keep that property.
    Result<AddResult, PoolError> add(TxPool& pool, Transaction tx, const Address& from)
    {
        tx.r = U256::from_address(from) + U256{1};
        return pool.add(std::move(tx), from, state);
    }

    /// Adds and expects success; returns the hash.
    Hash256 ok(TxPool& pool, const Transaction& tx, const Address& from)
    {
        auto r = add(pool, tx, from);
        EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
        return r ? r->hash : Hash256{};
    }

    /// Adds and expects a rejection; returns it.
    PoolError err(TxPool& pool, const Transaction& tx, const Address& from)
    {
        auto r = add(pool, tx, from);
        EXPECT_FALSE(r.has_value());
        return r ? PoolError{} : r.error();
    }
};

using TxPoolTest = Fixture;

// ---- ordering -----------------------------------------------------------------------------------

TEST_F(TxPoolTest, PendingIsFirstComeAcrossSenders)
{
    TxPool pool;
    const Hash256 a0 = ok(pool, transfer(0), kA);
    const Hash256 b0 = ok(pool, transfer(0, 1'000'000), kB);  // paying more does not help
    const Hash256 a1 = ok(pool, transfer(1), kA);
    const Hash256 c0 = ok(pool, transfer(0), kC);
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{a0, b0, a1, c0}));
    EXPECT_EQ(pool.status().pending, 4u);
    EXPECT_EQ(pool.status().queued, 0u);
}

TEST_F(TxPoolTest, LaterNonceArrivingFirstIsEmittedRightAfterItsPredecessor)
{
    TxPool pool;
    auto a1 = add(pool, transfer(1), kA);  // gap: queued
    ASSERT_TRUE(a1);
    EXPECT_FALSE(a1->pending);
    EXPECT_TRUE(a1->promoted.empty());
    const Hash256 b0 = ok(pool, transfer(0), kB);
    auto a0 = add(pool, transfer(0), kA);  // fills the gap
    ASSERT_TRUE(a0);
    EXPECT_TRUE(a0->pending);
    EXPECT_EQ(hashes(a0->promoted), (std::vector<Hash256>{a0->hash, a1->hash}));
    const Hash256 c0 = ok(pool, transfer(0), kC);
    // A1 arrived first but waits for A0, then goes right after it, before C0.
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{b0, a0->hash, a1->hash, c0}));
}

TEST_F(TxPoolTest, GapsHoldQueuedTransactionsUntilFilled)
{
    TxPool pool;
    const Hash256 a0 = ok(pool, transfer(0), kA);
    const Hash256 a2 = ok(pool, transfer(2), kA);
    const Hash256 a4 = ok(pool, transfer(4), kA);
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{a0}));
    EXPECT_EQ(pool.status().pending, 1u);
    EXPECT_EQ(pool.status().queued, 2u);
    EXPECT_EQ(pool.pending_nonce(kA), 1u);
    auto content = pool.content_from(kA);
    EXPECT_EQ(hashes(content.pending), (std::vector<Hash256>{a0}));
    EXPECT_EQ(hashes(content.queued), (std::vector<Hash256>{a2, a4}));

    auto a1 = add(pool, transfer(1), kA);
    ASSERT_TRUE(a1);
    EXPECT_EQ(hashes(a1->promoted), (std::vector<Hash256>{a1->hash, a2}));
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{a0, a1->hash, a2}));
    EXPECT_EQ(pool.status().pending, 3u);
    EXPECT_EQ(pool.status().queued, 1u);
    EXPECT_EQ(pool.pending_nonce(kA), 3u);
    EXPECT_FALSE(pool.pending_nonce(kB).has_value());
}

TEST_F(TxPoolTest, PendingRespectsCountAndGasBudgets)
{
    TxPool pool;
    const Hash256 a0 = ok(pool, transfer(0), kA);
    Transaction big = transfer(0);
    big.gas_limit = 100'000;
    const Hash256 b0 = ok(pool, big, kB);
    const Hash256 b1 = ok(pool, transfer(1), kB);
    const Hash256 c0 = ok(pool, transfer(0), kC);
    EXPECT_EQ(hashes(pool.pending(2)), (std::vector<Hash256>{a0, b0}));
    // B0 does not fit 50k gas: B1 must wait for it, C0 still fits.
    EXPECT_EQ(hashes(pool.pending(10, 50'000)), (std::vector<Hash256>{a0, c0}));
    EXPECT_EQ(hashes(pool.pending(10, 21'000)), (std::vector<Hash256>{a0}));
    EXPECT_EQ(pool.pending(10, 0).size(), 0u);
    (void)b1;
}

// ---- replacement --------------------------------------------------------------------------------

TEST_F(TxPoolTest, ZeroFeeTransactionIsReplacedByAnEqualPrice)
{
    TxPool pool;
    const Hash256 a0 = ok(pool, transfer(0, 0, 1), kA);
    const Hash256 b0 = ok(pool, transfer(0), kB);
    auto r = add(pool, transfer(0, 0, 2), kA);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->replaced.has_value());
    EXPECT_EQ(*r->replaced, a0);
    EXPECT_TRUE(r->pending);
    EXPECT_EQ(hashes(r->promoted), (std::vector<Hash256>{r->hash}));
    EXPECT_EQ(pool.get(a0), nullptr);
    EXPECT_EQ(pool.size(), 2u);
    // The replacement is a new arrival: it goes after B0.
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{b0, r->hash}));
}

TEST_F(TxPoolTest, GethReplacementRuleWhenZeroFeeReplacementIsOff)
{
    Config cfg;
    cfg.allow_zero_fee_replacement = false;
    TxPool pool(cfg);
    ok(pool, transfer(0, 0, 1), kA);
    EXPECT_EQ(err(pool, transfer(0, 0, 2), kA).message, "replacement transaction underpriced");
    ok(pool, transfer(0, 1, 2), kA);  // threshold 0 * 110% = 0, strictly higher: accepted
}

TEST_F(TxPoolTest, ReplacementNeedsTenPercentOnBothFeeFields)
{
    TxPool pool;
    ok(pool, dynamic(0, 100, 100), kA);
    EXPECT_EQ(err(pool, dynamic(0, 109, 109), kA).code, PoolErrorCode::ReplaceUnderpriced);
    EXPECT_EQ(err(pool, dynamic(0, 110, 109), kA).code, PoolErrorCode::ReplaceUnderpriced);
    EXPECT_EQ(err(pool, dynamic(0, 200, 100), kA).code, PoolErrorCode::ReplaceUnderpriced);
    EXPECT_EQ(err(pool, dynamic(0, 100, 100), kA).code, PoolErrorCode::AlreadyKnown);
    EXPECT_EQ(err(pool, transfer(0, 50), kA).code, PoolErrorCode::ReplaceUnderpriced);
    auto r = add(pool, dynamic(0, 110, 110), kA);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->replaced.has_value());
    EXPECT_EQ(pool.size(), 1u);
    // Small prices: both fields must still strictly increase (1 -> 1 with 10% is 1.1 -> 1).
    ok(pool, dynamic(1, 1, 1), kA);
    EXPECT_EQ(err(pool, transfer(1, 1, 5), kA).code, PoolErrorCode::ReplaceUnderpriced);
    ok(pool, dynamic(1, 2, 2), kA);
}

TEST_F(TxPoolTest, ReplacingAQueuedTransactionKeepsItQueued)
{
    TxPool pool;
    const Hash256 old = ok(pool, transfer(3), kA);
    auto r = add(pool, transfer(3, 0, 7), kA);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->pending);
    EXPECT_TRUE(r->promoted.empty());
    EXPECT_EQ(*r->replaced, old);
    EXPECT_EQ(pool.status().queued, 1u);
    EXPECT_EQ(pool.status().pending, 0u);
}

// ---- limits -------------------------------------------------------------------------------------

TEST_F(TxPoolTest, PerSenderLimits)
{
    Config cfg;
    cfg.max_pending_per_sender = 2;
    cfg.max_queued_per_sender = 1;
    TxPool pool(cfg);
    ok(pool, transfer(0), kA);
    ok(pool, transfer(1), kA);
    auto e = err(pool, transfer(2), kA);
    EXPECT_EQ(e.code, PoolErrorCode::AccountLimitExceeded);
    EXPECT_EQ(e.message, "account limit exceeded: pooled 2 pending txs");
    ok(pool, transfer(5), kA);
    e = err(pool, transfer(6), kA);
    EXPECT_EQ(e.message, "account limit exceeded: pooled 1 queued txs");
    // Replacements take no new slot.
    ok(pool, transfer(1, 0, 9), kA);
    ok(pool, transfer(5, 0, 9), kA);
    // Other senders are unaffected.
    ok(pool, transfer(0), kB);
}

TEST_F(TxPoolTest, PoolBytesAreBounded)
{
    // Room for two 10 KB transactions, not three; a removal or a replacement frees its bytes.
    Config cfg;
    const auto big = [](uint64_t nonce) {
        Transaction tx = transfer(nonce);
        tx.data = Bytes(10'000, 0x01);
        tx.gas_limit = 1'000'000;
        return tx;
    };
    cfg.max_bytes = 2 * encode_transaction(big(0)).size() + 100;
    TxPool pool(cfg);
    const Hash256 first = ok(pool, big(0), kA);
    ok(pool, big(0), kB);
    auto e = err(pool, big(0), kC);
    EXPECT_EQ(e.code, PoolErrorCode::TxPoolOverflow);
    EXPECT_EQ(e.message, "txpool is full");
    ok(pool, transfer(0), kC);  // a small one still fits
    ok(
        pool,
        [&] {
            Transaction tx = big(0);
            tx.value = U256{2};
            return tx;
        }(),
        kB);  // replacing takes no more bytes than it frees
    EXPECT_TRUE(pool.remove(first));
    ok(pool, big(1), kC);
}

TEST_F(TxPoolTest, PoolWideLimits)
{
    Config cfg;
    cfg.max_pending = 2;
    cfg.max_queued = 1;
    TxPool pool(cfg);
    ok(pool, transfer(0), kA);
    ok(pool, transfer(0), kB);
    auto e = err(pool, transfer(0), kC);
    EXPECT_EQ(e.code, PoolErrorCode::TxPoolOverflow);
    EXPECT_EQ(e.message, "txpool is full");
    ok(pool, transfer(2), kC);
    EXPECT_EQ(err(pool, transfer(3), kC).message, "txpool is full");
    EXPECT_EQ(pool.size(), 3u);
}

// ---- every error message ------------------------------------------------------------------------

TEST_F(TxPoolTest, ErrorMessagesMatchGeth)
{
    ChainHead head;
    head.gas_limit = 1'000'000;
    head.base_fee = U256{7};
    Config cfg;
    cfg.min_gas_price = U256{10};
    cfg.max_tx_size = 1000;
    TxPool pool(cfg, head);
    // EIP-55 test vector: error details show checksummed addresses like geth's Address.Hex().
    const Address sender = *fixed_from_hex<Address>("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    state.put_account(sender, 5, U256{1'000'000}, {});

    const Hash256 known = ok(pool, transfer(5, 10, 0), sender);
    auto e = err(pool, transfer(5, 10, 0), sender);
    EXPECT_EQ(e.code, PoolErrorCode::AlreadyKnown);
    EXPECT_EQ(e.message, "already known");
    (void)known;

    Transaction blob = dynamic(6, 10, 10);
    blob.type = TxType::Blob;
    EXPECT_EQ(err(pool, blob, sender).message,
              "transaction type not supported: tx type 3 not supported by this pool");
    Transaction setcode = dynamic(6, 10, 10);
    setcode.type = TxType::SetCode;
    EXPECT_EQ(err(pool, setcode, sender).code, PoolErrorCode::TxTypeNotSupported);

    Transaction big = transfer(6, 10);
    big.data.assign(2000, 1);
    big.gas_limit = 900'000;
    big.r = U256::from_address(sender) + U256{1};  // as add() will sign it
    const size_t size = encode_transaction(big).size();
    EXPECT_EQ(err(pool, big, sender).message,
              "oversized data: transaction size " + std::to_string(size) + ", limit 1000");

    {
        Config loose = cfg;
        loose.max_tx_size = 128 * 1024;
        TxPool p2(loose, head);
        Transaction create = transfer(6, 10);
        create.to.reset();
        create.data.assign(49153, 0);
        EXPECT_EQ(err(p2, create, sender).message,
                  "max initcode size exceeded: code size 49153, limit 49152");
    }

    Transaction heavy = transfer(6, 10);
    heavy.gas_limit = 1'000'001;
    EXPECT_EQ(err(pool, heavy, sender).message, "exceeds block gas limit");

    EXPECT_EQ(err(pool, dynamic(6, 10, 11), sender).message,
              "max priority fee per gas higher than max fee per gas");

    Transaction maxnonce = transfer(UINT64_MAX, 10);
    EXPECT_EQ(err(pool, maxnonce, sender).message, "nonce has max value");

    Transaction low_gas = transfer(6, 10);
    low_gas.gas_limit = 20'999;
    EXPECT_EQ(err(pool, low_gas, sender).message,
              "intrinsic gas too low: gas 20999, minimum needed 21000");
    Transaction calldata = transfer(6, 10);
    calldata.data = {0, 1};  // 4 + 16
    EXPECT_EQ(err(pool, calldata, sender).message,
              "intrinsic gas too low: gas 21000, minimum needed 21020");

    EXPECT_EQ(err(pool, dynamic(6, 6, 0), sender).message,
              "max fee per gas less than block base fee: address "
              "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed, maxFeePerGas: 6, baseFee: 7");

    // Effective price min(max fee, base fee + tip) = min(20, 7 + 2) = 9 < 10.
    e = err(pool, dynamic(6, 20, 2), sender);
    EXPECT_EQ(e.code, PoolErrorCode::Underpriced);
    EXPECT_EQ(e.message, "transaction underpriced: effective gas price 9, minimum needed 10");
    Transaction d6 = dynamic(6, 20, 3);  // 7 + 3 = 10
    d6.value = U256{};
    ok(pool, d6, sender);

    EXPECT_EQ(err(pool, transfer(4, 10), sender).message,
              "nonce too low: next nonce 5, tx nonce 4");

    Transaction rich = transfer(7, 10, 1'000'000);
    EXPECT_EQ(err(pool, rich, sender).message,
              "insufficient funds for gas * price + value: balance 1000000, tx cost 1210000, "
              "overshot 210000");
    // Pooled: nonce 5 costs 210000, nonce 6 420000. A third costing 210000 + 400000 fits alone
    // but not with the pooled ones.
    EXPECT_EQ(err(pool, transfer(7, 10, 400'000), sender).message,
              "insufficient funds for gas * price + value: balance 1000000, queued cost 630000, "
              "tx cost 610000, overshot 240000");
    // Replacing nonce 6 (cost 420000 -> 1000000) overdraws with nonce 5 still pooled.
    EXPECT_EQ(err(pool, transfer(6, 20, 580'000), sender).message,
              "insufficient funds for gas * price + value: balance 1000000, queued cost 630000, "
              "tx bumped 580000, overshot 210000");

    EXPECT_EQ(err(pool, dynamic(6, 21, 3), sender).message, "replacement transaction underpriced");

    // EIP-3607: a sender with code is refused; an EIP-7702 delegation is not code for this rule.
    const Address contract = *fixed_from_hex<Address>("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359");
    state.put_account(contract, 0, kRich, Bytes{0x60, 0x00});
    EXPECT_EQ(err(pool, transfer(0, 10), contract).message,
              "sender not an eoa: address 0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359, len(code): "
              "2");
    const Address delegated = address_from_u64(0xDE1E);
    Bytes designator{0xef, 0x01, 0x00};
    designator.resize(23, 0x11);
    state.put_account(delegated, 0, kRich, designator);
    ok(pool, transfer(0, 10), delegated);
}

TEST_F(TxPoolTest, ErrorCodesHaveGethStrings)
{
    EXPECT_EQ(to_string(PoolErrorCode::InsufficientFunds),
              "insufficient funds for gas * price + value");
    EXPECT_EQ(to_string(PoolErrorCode::NonceTooLow), "nonce too low");
    EXPECT_EQ(to_string(PoolErrorCode::IntrinsicGas), "intrinsic gas too low");
    EXPECT_EQ(to_string(PoolErrorCode::GasUintOverflow), "gas uint64 overflow");
    EXPECT_EQ(to_string(PoolErrorCode::SenderNoEoa), "sender not an eoa");
}

TEST_F(TxPoolTest, UnknownSenderHasZeroNonceAndBalance)
{
    TxPool pool;
    const Address nobody = address_from_u64(0xDEAD);
    ok(pool, transfer(0, 0, 0), nobody);  // free and valueless: acceptable
    EXPECT_EQ(err(pool, transfer(1, 0, 1), nobody).message,
              "insufficient funds for gas * price + value: balance 0, tx cost 1, overshot 1");
}

TEST_F(TxPoolTest, CostOverflowIsInsufficientFunds)
{
    TxPool pool;
    Transaction tx = transfer(0);
    tx.max_fee_per_gas = U256::max();
    tx.max_priority_fee_per_gas = U256::max();
    EXPECT_EQ(err(pool, tx, kA).code, PoolErrorCode::InsufficientFunds);
}

// ---- after a block ------------------------------------------------------------------------------

TEST_F(TxPoolTest, RemoveIncludedDropsMinedAndPromotes)
{
    TxPool pool;
    const Hash256 a0 = ok(pool, transfer(0), kA);
    const Hash256 a1 = ok(pool, transfer(1), kA);
    const Hash256 b0 = ok(pool, transfer(0), kB);
    const Hash256 a3 = ok(pool, transfer(3), kA);
    std::vector<std::vector<Hash256>> notified;
    pool.set_listener(
        [&](const std::vector<PooledTxPtr>& txs) { notified.push_back(hashes(txs)); });

    // A block with A0, A1, and A2 (sent by another path) leaves A at nonce 3: A3 becomes
    // executable.
    set_nonce(kA, 3);
    const std::vector<Address> senders{kA, kA, kA};
    const auto promoted = pool.remove_included(state, pool.head(), senders);
    EXPECT_EQ(hashes(promoted), (std::vector<Hash256>{a3}));
    ASSERT_EQ(notified.size(), 1u);
    EXPECT_EQ(notified[0], (std::vector<Hash256>{a3}));
    EXPECT_EQ(pool.get(a0), nullptr);
    EXPECT_EQ(pool.get(a1), nullptr);
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{b0, a3}));
    EXPECT_EQ(pool.status().pending, 2u);
    EXPECT_EQ(pool.status().queued, 0u);

    set_nonce(kA, 4);
    set_nonce(kB, 1);
    const std::vector<Address> both{kB, kA};
    EXPECT_TRUE(pool.remove_included(state, pool.head(), both).empty());
    EXPECT_EQ(pool.size(), 0u);
    EXPECT_FALSE(pool.pending_nonce(kA).has_value());
}

TEST_F(TxPoolTest, OrderIsRecomputedAfterTheFrontIsMined)
{
    TxPool pool;
    const Hash256 a1 = ok(pool, transfer(1), kA);  // arrives first, waits for A0
    const Hash256 b0 = ok(pool, transfer(0), kB);
    const Hash256 a0 = ok(pool, transfer(0), kA);
    const Hash256 c0 = ok(pool, transfer(0), kC);
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{b0, a0, a1, c0}));
    set_nonce(kA, 1);  // only A0 made it into the block
    const std::vector<Address> senders{kA};
    (void)pool.remove_included(state, pool.head(), senders);
    // A1 is now unblocked and the earliest arrival.
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{a1, b0, c0}));
}

TEST_F(TxPoolTest, RemoveIncludedDropsWhatTheBalanceNoLongerPays)
{
    TxPool pool;
    set_nonce(kA, 0, U256{1000});
    const Hash256 a0 = ok(pool, transfer(0, 0, 400), kA);
    const Hash256 a1 = ok(pool, transfer(1, 0, 500), kA);
    const Hash256 a2 = ok(pool, transfer(2, 0, 50), kA);
    // A's balance fell to 460: A0 (400) fits, A0 + A1 (900) not, A0 + A2 (450) fits but A2
    // waits behind the gap.
    set_nonce(kA, 0, U256{460});
    const std::vector<Address> senders{kA};
    (void)pool.remove_included(state, pool.head(), senders);
    EXPECT_NE(pool.get(a0), nullptr);
    EXPECT_EQ(pool.get(a1), nullptr);
    ASSERT_NE(pool.get(a2), nullptr);
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{a0}));
    EXPECT_EQ(hashes(pool.content_from(kA).queued), (std::vector<Hash256>{a2}));
    // Refilling the gap promotes A2 again.
    auto r = add(pool, transfer(1, 0, 10), kA);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(hashes(r->promoted), (std::vector<Hash256>{r->hash, a2}));
}

TEST_F(TxPoolTest, OtherSendersAreNotRevalidatedWithoutAHeadChange)
{
    TxPool pool;
    const Hash256 b0 = ok(pool, transfer(0), kB);
    set_nonce(kB, 1);
    const std::vector<Address> senders{kA};
    (void)pool.remove_included(state, pool.head(), senders);
    EXPECT_NE(pool.get(b0), nullptr);  // B was not in the block: untouched
    (void)pool.reset(state, pool.head());
    EXPECT_EQ(pool.get(b0), nullptr);  // a full reset sees B's new nonce
}

TEST_F(TxPoolTest, HeadChangeRevalidatesEverySender)
{
    TxPool pool;
    Transaction heavy = transfer(0, 5);
    heavy.gas_limit = 500'000;
    const Hash256 a0 = ok(pool, heavy, kA);
    const Hash256 b0 = ok(pool, transfer(0, 3), kB);
    const Hash256 c0 = ok(pool, transfer(0, 9), kC);
    ChainHead next;
    next.gas_limit = 100'000;  // A0 no longer fits a block
    next.base_fee = U256{4};   // B0 no longer pays the base fee
    (void)pool.remove_included(state, next, std::span<const Address>{});
    EXPECT_EQ(pool.get(a0), nullptr);
    EXPECT_EQ(pool.get(b0), nullptr);
    EXPECT_NE(pool.get(c0), nullptr);
    EXPECT_EQ(pool.head(), next);

    // A laxer head (lower base fee, higher gas limit) invalidates nothing: no full scan, so a
    // sender outside the block keeps its transactions until it is revalidated.
    set_nonce(kC, 1);
    ChainHead lax;
    lax.gas_limit = 200'000;
    lax.base_fee = U256{1};
    (void)pool.remove_included(state, lax, std::span<const Address>{});
    EXPECT_NE(pool.get(c0), nullptr);
    EXPECT_EQ(pool.head(), lax);
}

TEST_F(TxPoolTest, ResetPromotesAndDrops)
{
    TxPool pool;
    const Hash256 a2 = ok(pool, transfer(2), kA);
    const Hash256 b0 = ok(pool, transfer(0), kB);
    set_nonce(kA, 2);
    set_nonce(kB, 1);
    const auto promoted = pool.reset(state, pool.head());
    EXPECT_EQ(hashes(promoted), (std::vector<Hash256>{a2}));
    EXPECT_EQ(pool.get(b0), nullptr);
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{a2}));
}

TEST_F(TxPoolTest, AddForwardsASenderWhenTheHeadMovedFirst)
{
    TxPool pool;
    const Hash256 a0 = ok(pool, transfer(0), kA);
    const Hash256 a2 = ok(pool, transfer(2), kA);
    set_nonce(kA, 1);  // block with A0 committed, remove_included() not called yet
    std::vector<Hash256> notified;
    pool.set_listener([&](const std::vector<PooledTxPtr>& txs) {
        for (const auto& t : txs)
            notified.push_back(t->hash);
    });
    auto r = add(pool, transfer(1), kA);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(pool.get(a0), nullptr);
    EXPECT_EQ(hashes(r->promoted), (std::vector<Hash256>{r->hash, a2}));
    EXPECT_EQ(notified, (std::vector<Hash256>{r->hash, a2}));
    // A stale view (nonce 0) does not let an already-mined nonce back in.
    set_nonce(kA, 0);
    EXPECT_EQ(err(pool, transfer(0, 0, 5), kA).message, "nonce too low: next nonce 1, tx nonce 0");
}

TEST_F(TxPoolTest, RemoveDemotesLaterNonces)
{
    TxPool pool;
    const Hash256 a0 = ok(pool, transfer(0), kA);
    const Hash256 a1 = ok(pool, transfer(1), kA);
    const Hash256 a2 = ok(pool, transfer(2), kA);
    EXPECT_TRUE(pool.remove(a1));
    EXPECT_FALSE(pool.remove(a1));
    EXPECT_EQ(hashes(pool.pending()), (std::vector<Hash256>{a0}));
    EXPECT_EQ(hashes(pool.content_from(kA).queued), (std::vector<Hash256>{a2}));
    EXPECT_EQ(pool.status().pending, 1u);
    EXPECT_EQ(pool.status().queued, 1u);
    EXPECT_TRUE(pool.remove(a0));
    EXPECT_TRUE(pool.remove(a2));
    EXPECT_EQ(pool.size(), 0u);
    EXPECT_TRUE(pool.content().empty());
}

TEST_F(TxPoolTest, GetContentAndClear)
{
    TxPool pool;
    auto r = add(pool, dynamic(0, 5, 1), kA);
    ASSERT_TRUE(r);
    const auto got = pool.get(r->hash);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->sender, kA);
    EXPECT_EQ(got->tx.nonce, 0u);
    EXPECT_EQ(got->hash, transaction_hash(got->tx));
    EXPECT_EQ(got->size, encode_transaction(got->tx).size());
    EXPECT_EQ(got->cost, U256{21000 * 5 + 1});
    EXPECT_TRUE(pool.contains(r->hash));
    ok(pool, transfer(3), kB);
    const Content c = pool.content();
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c.at(kA).pending.size(), 1u);
    EXPECT_EQ(c.at(kB).queued.size(), 1u);
    pool.clear();
    EXPECT_EQ(pool.size(), 0u);
    EXPECT_EQ(pool.status().pending + pool.status().queued, 0u);
    EXPECT_TRUE(pool.pending().empty());
}

// ---- randomized model check ---------------------------------------------------------------------

/// Recomputes pending() from scratch (content() and each sender's state nonce): per sender the run
/// contiguous from the state nonce, each transaction ordered by the largest arrival over its run
/// prefix, all sorted by (that order, nonce). Also checks pending/queued against content().
std::vector<Hash256> reference_pending(const TxPool& pool, const state::MemoryBackend& state)
{
    std::vector<std::pair<std::pair<uint64_t, uint64_t>, Hash256>> keyed;
    for (const auto& [addr, c] : pool.content())
    {
        std::map<uint64_t, PooledTxPtr> all;
        for (const auto& t : c.pending)
            all.emplace(t->tx.nonce, t);
        for (const auto& t : c.queued)
            all.emplace(t->tx.nonce, t);
        const auto acct = state.read_account(addr);
        uint64_t expected = acct ? acct->nonce : 0;
        uint64_t running = 0;
        size_t run = 0;
        for (const auto& [nonce, t] : all)
        {
            if (nonce != expected)
                break;
            running = std::max(running, t->arrival);
            keyed.push_back({{running, nonce}, t->hash});
            ++expected;
            ++run;
        }
        EXPECT_EQ(run, c.pending.size());
    }
    std::sort(keyed.begin(), keyed.end());
    std::vector<Hash256> out;
    for (const auto& k : keyed)
        out.push_back(k.second);
    return out;
}

TEST_F(TxPoolTest, RandomOperationsMatchAFromScratchModel)
{
    std::mt19937_64 rng(12345);
    const std::vector<Address> senders{kA, kB, kC, address_from_u64(0xD)};
    for (const Address& a : senders)
        state.put_account(a, 0, kRich, {});
    Config cfg;
    cfg.max_queued_per_sender = 6;
    TxPool pool(cfg);
    std::map<Address, uint64_t> nonces;
    for (int step = 0; step < 4000; ++step)
    {
        const Address& from = senders[rng() % senders.size()];
        const uint64_t base = nonces[from];
        const int op = static_cast<int>(rng() % 10);
        if (op < 6)
        {
            // Add (or replace) a nonce near the sender's state nonce, sometimes below it.
            const uint64_t nonce = base + rng() % 8 - (base > 0 && rng() % 10 == 0 ? 1 : 0);
            (void)add(pool, transfer(nonce, 0, 1 + rng() % 3), from);
        }
        else if (op < 8)
        {
            // A block mines the first k pending transactions of this sender.
            const uint64_t k = rng() % 3;
            const auto next = pool.pending_nonce(from).value_or(base);
            nonces[from] = std::min(base + k, std::max(next, base));
            state.put_account(from, nonces[from], kRich, {});
            const std::vector<Address> block{from};
            (void)pool.remove_included(state, pool.head(), block);
        }
        else if (op < 9)
        {
            const auto c = pool.content_from(from);
            std::vector<PooledTxPtr> all = c.pending;
            all.insert(all.end(), c.queued.begin(), c.queued.end());
            if (!all.empty())
            {
                EXPECT_TRUE(pool.remove(all[rng() % all.size()]->hash));
            }
        }
        else
        {
            // The state jumps without the pool being told (another path), then a reset.
            if (rng() % 4 == 0)
            {
                nonces[from] = base + rng() % 3;
                state.put_account(from, nonces[from], kRich, {});
                (void)pool.reset(state, pool.head());
            }
        }
        ASSERT_EQ(hashes(pool.pending()), reference_pending(pool, state)) << "step " << step;
        const Status st = pool.status();
        ASSERT_EQ(st.pending + st.queued, pool.size());
        ASSERT_EQ(st.pending, pool.pending().size());
    }
}

TEST_F(TxPoolTest, ConcurrentAddsFromManySenders)
{
    constexpr int kThreads = 4;
    constexpr int kPerThread = 50;
    for (int t = 0; t < kThreads; ++t)
        state.put_account(address_from_u64(1000 + t), 0, kRich, {});
    TxPool pool;
    std::atomic<size_t> notified{0};
    pool.set_listener([&](const std::vector<PooledTxPtr>& txs) { notified += txs.size(); });
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            const Address from = address_from_u64(1000 + t);
            // Odd nonces first (queued), then even ones fill the gaps.
            for (int n = 1; n < kPerThread; n += 2)
                EXPECT_TRUE(add(pool, transfer(n), from));
            for (int n = 0; n < kPerThread; n += 2)
                EXPECT_TRUE(add(pool, transfer(n), from));
            (void)pool.pending();
        });
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(pool.status().pending, static_cast<size_t>(kThreads * kPerThread));
    EXPECT_EQ(pool.status().queued, 0u);
    EXPECT_EQ(notified.load(), static_cast<size_t>(kThreads * kPerThread));
    // Each sender's transactions come out in nonce order.
    std::map<Address, uint64_t> next;
    for (const auto& tx : pool.pending())
        EXPECT_EQ(tx->tx.nonce, next[tx->sender]++);
}

// docs/economics.md: on a zero-fee chain a transaction costs its value only, whatever it offers;
// on a charging chain the same empty sender is refused.
TEST_F(TxPoolTest, ZeroFeeChainCostsTheValueOnly)
{
    const Address empty = address_from_u64(0xe0);
    set_nonce(empty, 0, U256{1});
    Config free;
    free.fees.free = true;
    TxPool pool{free};
    const Hash256 h = ok(pool, dynamic(0, 2'000'000'000, 1'000'000'000), empty);
    EXPECT_TRUE(pool.get(h)->fee_exempt);
    EXPECT_EQ(pool.get(h)->cost, U256{1});
    EXPECT_EQ(err(pool, transfer(1, 5, 1), empty).code, PoolErrorCode::InsufficientFunds);

    TxPool charged;
    EXPECT_EQ(err(charged, dynamic(0, 2'000'000'000, 1'000'000'000), empty).code,
              PoolErrorCode::InsufficientFunds);
}

}  // namespace
}  // namespace tern::txpool
