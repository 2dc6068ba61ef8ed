#include "execution/fee_policy.hpp"

#include "core/hex.hpp"
#include "evm/vm.hpp"
#include "execution/transition.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::execution;

namespace {

Address addr(std::string_view hex)
{
    return *fixed_from_hex<Address>(hex);
}

/// A "0x" hex number.
U256 u(std::string_view hex)
{
    U256 v;
    for (const char c : hex.substr(2))
        v = v * U256{16} + U256{static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10)};
    return v;
}

const Address kDev0 = addr("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
const Address kCoinbase = address_from_u64(0xc0b);
const Address kSink = address_from_u64(0x70);

/// A transfer of 5 wei from kDev0 with a 1 gwei tip and a 2 gwei fee cap, at `nonce`.
Transaction transfer(uint64_t nonce = 0, uint64_t gas_limit = 21'000)
{
    Transaction tx;
    tx.type = TxType::DynamicFee;
    tx.chain_id = 1;
    tx.nonce = nonce;
    tx.to = kSink;
    tx.value = U256{5};
    tx.gas_limit = gas_limit;
    tx.max_fee_per_gas = U256{2'000'000'000};
    tx.max_priority_fee_per_gas = U256{1'000'000'000};
    return tx;
}

struct Outcome
{
    Result<TxExecution, InvalidTx> result;
    state::MemoryBackend post;
};

/// Runs `tx` from kDev0 holding `balance` (at `nonce`) in a block with `fees`.
Outcome run(const Transaction& tx, const FeePolicy& fees, const U256& balance, uint64_t nonce = 0)
{
    state::MemoryBackend pre;
    pre.put_account(kDev0, nonce, balance, {});
    BlockEnv env;
    env.coinbase = kCoinbase;
    env.number = 1;
    env.gas_limit = 30'000'000;
    env.fees = fees;
    evm::Vm vm;
    state::State st{pre};
    auto r = execute_transaction(st, env, tx, kDev0, vm, TransitionOptions{});
    auto post = pre;
    post.apply(st.commit());
    return {std::move(r), std::move(post)};
}

}  // namespace

// Vectors computed with @skaleproject/pow 0.3.2's own arithmetic (bn.js and web3-utils'
// soliditySha3: the address as 20 bytes, nonce and gas price as uint256), the client SKALE
// publishes for this formula.
TEST(SkalePowGas, ExternalGasMatchesTheJavaScriptMiner)
{
    EXPECT_EQ(pow_external_gas(kDev0, 0, U256{1}, U256{1}), U256{2});
    EXPECT_EQ(pow_external_gas(kDev0, 7, U256{1'000'000'000}, U256{1}), U256{1});
    EXPECT_EQ(pow_external_gas(addr("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"), 1,
                               u("0x18ee90ff6c373e0ee4e3f0ad2"), U256{1000}),
              U256{0});
    EXPECT_EQ(pow_external_gas(Address{}, 0, U256{0}, U256{1}), U256{3});
    // A gas price the miner found for 100,000 gas at nonce 3.
    const U256 mined = u("0x5c83201487dcb990c8f98f87e6b4f0f3b114daa820a23d8fcc8ba5fd6a247988");
    EXPECT_EQ(pow_external_gas(kDev0, 3, mined, U256{1}), u("0x37292"));
    // A higher difficulty divides the external gas.
    EXPECT_EQ(pow_external_gas(kDev0, 3, mined, U256{2}), u("0x37292") / U256{2});
}

TEST(SkalePowGas, SolutionMustCoverTheGasLimit)
{
    const U256 mined = u("0x5c83201487dcb990c8f98f87e6b4f0f3b114daa820a23d8fcc8ba5fd6a247988");
    Transaction tx = transfer(3, 100'000);
    tx.type = TxType::Legacy;
    tx.max_fee_per_gas = tx.max_priority_fee_per_gas = mined;
    const FeePolicy pow{false, U256{1}};
    EXPECT_TRUE(pays_with_work(pow, tx, kDev0));
    EXPECT_TRUE(fee_exempt(pow, tx, kDev0));
    EXPECT_EQ(effective_gas_price(pow, tx, kDev0, U256{}), U256{});
    tx.gas_limit = 0x37292 + 1;  // more than the external gas
    EXPECT_FALSE(pays_with_work(pow, tx, kDev0));
    tx.gas_limit = 100'000;
    tx.nonce = 4;  // the solution is for nonce 3
    EXPECT_FALSE(pays_with_work(pow, tx, kDev0));
    tx.nonce = 3;
    EXPECT_FALSE(pays_with_work(pow, tx, addr("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")));
    EXPECT_FALSE(pays_with_work(FeePolicy{}, tx, kDev0));  // difficulty 0: off
}

TEST(ZeroFeeChain, NoFeeIsDebitedWhateverTheTransactionOffers)
{
    // A 1 gwei tip on a zero-fee chain, from an account holding just the value.
    auto [r, post] = run(transfer(), FeePolicy{true, U256{}}, U256{5});
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->receipt.success);
    EXPECT_EQ(r->receipt.gas_used, 21'000u);
    EXPECT_EQ(post.read_account(kDev0)->balance, U256{});
    EXPECT_EQ(post.read_account(kSink)->balance, U256{5});
    EXPECT_FALSE(post.read_account(kCoinbase).has_value());  // no tip paid
    EXPECT_EQ(effective_gas_price(FeePolicy{true, U256{}}, transfer(), kDev0, U256{}), U256{});
}

TEST(ZeroFeeChain, BalanceMustStillCoverTheValue)
{
    auto [r, post] = run(transfer(), FeePolicy{true, U256{}}, U256{4});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, InvalidTxKind::InsufficientFunds);
    ASSERT_TRUE(r.error().want.has_value());
    EXPECT_EQ(*r.error().want, U256{5});  // the value only
}

TEST(ZeroFeeChain, GasPriceOpcodeReadsZero)
{
    // GASPRICE; PUSH0; SSTORE: the contract stores the gas price it sees at slot 0.
    state::MemoryBackend pre;
    pre.put_account(kDev0, 0, U256{}, {});
    const Bytes code = *from_hex("0x3a5f55");
    pre.put_account(kSink, 1, U256{}, code, {{U256{0}, U256{99}}});
    BlockEnv env;
    env.gas_limit = 30'000'000;
    env.fees.free = true;
    evm::Vm vm;
    state::State st{pre};
    Transaction tx = transfer();
    tx.value = U256{};
    tx.gas_limit = 50'000;
    auto r = execute_transaction(st, env, tx, kDev0, vm, TransitionOptions{});
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->receipt.success);
    auto post = pre;
    post.apply(st.commit());
    EXPECT_EQ(post.read_storage(kSink, U256{0}), U256{});
}

TEST(ChargedChain, FeesAreChargedAsOnEthereum)
{
    auto [r, post] = run(transfer(), FeePolicy{}, U256{1'000'000'000'000'000ULL});
    ASSERT_TRUE(r.has_value()) << r.error().message();
    // base fee 0: the price is the 1 gwei tip, paid to the coinbase.
    EXPECT_EQ(post.read_account(kCoinbase)->balance, U256{21'000ULL * 1'000'000'000ULL});
    auto [r2, post2] = run(transfer(), FeePolicy{}, U256{5});
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error().kind, InvalidTxKind::InsufficientFunds);
}

TEST(SkalePowGas, ZeroBalanceSenderPaysWithWork)
{
    const U256 mined = u("0x5c83201487dcb990c8f98f87e6b4f0f3b114daa820a23d8fcc8ba5fd6a247988");
    Transaction tx = transfer(3, 100'000);
    tx.type = TxType::Legacy;
    tx.value = U256{};
    tx.max_fee_per_gas = tx.max_priority_fee_per_gas = mined;
    const FeePolicy pow{false, U256{1}};
    auto [r, post] = run(tx, pow, U256{}, 3);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->receipt.success) << static_cast<int>(r->status);
    EXPECT_EQ(post.read_account(kDev0)->balance, U256{});
    EXPECT_EQ(post.read_account(kDev0)->nonce, 4u);
    // A random gas price from the same empty account is refused.
    tx.max_fee_per_gas = tx.max_priority_fee_per_gas = U256{1'000'000'007};
    auto [r2, post2] = run(tx, pow, U256{}, 3);
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error().kind, InvalidTxKind::InsufficientFunds);
}
