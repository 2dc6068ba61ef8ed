#include "chain/block_builder.hpp"

#include "chain/dev_accounts.hpp"
#include "chain/genesis.hpp"
#include "core/keccak.hpp"
#include "crypto/secp256k1.hpp"
#include "evm/vm.hpp"
#include "execution/host.hpp"
#include "execution/state_root.hpp"
#include "transaction/codec.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::chain;

namespace {

constexpr uint64_t kChainId = 31337;

Transaction sign(Transaction tx, const Hash256& key)
{
    const auto sig = crypto::sign(signing_hash(tx), key);
    EXPECT_TRUE(sig.has_value());
    tx.r = U256::from_hash(sig->r);
    tx.s = U256::from_hash(sig->s);
    tx.y_parity = sig->recovery_id;
    return tx;
}

Transaction transfer(uint64_t nonce, const Address& to, uint64_t value, const Hash256& key)
{
    Transaction tx;
    tx.type = TxType::DynamicFee;
    tx.chain_id = kChainId;
    tx.nonce = nonce;
    tx.gas_limit = 21000;
    tx.to = to;
    tx.value = U256{value};
    return sign(tx, key);
}

/// A dev chain in memory: genesis state, tracker, headers.
struct DevChain
{
    GenesisSpec spec = dev_genesis(kChainId, 1'700'000'000);
    state::MemoryBackend backend;
    MemoryStateSource source{backend};
    StateRootTracker tracker;
    std::vector<BlockHeader> headers;
    std::vector<DevAccount> accounts = default_dev_accounts();
    evm::Vm vm;

    DevChain()
    {
        load_genesis_state(spec, backend);
        tracker.rebuild(source);
        headers.push_back(genesis_block(spec).header);
    }

    BlockBuilder builder(uint64_t timestamp)
    {
        return BlockBuilder(
            headers.back(), backend, kChainId,
            next_block_attributes(spec.config, headers.back(), timestamp),
            [this](uint64_t n) { return headers.at(n).hash(); }, vm);
    }

    BuiltBlock seal(BlockBuilder& b)
    {
        BuiltBlock built = b.finish(tracker, source);
        backend.apply(built.diff);
        tracker.commit();
        headers.push_back(built.block.header);
        return built;
    }
};

TEST(BlockBuilder, NextBlockAttributes)
{
    ChainConfig cfg;
    cfg.coinbase = address_from_u64(0xc0);
    cfg.gas_limit = 12'345'678;
    cfg.base_fee = U256{3};
    BlockHeader parent;
    parent.number = 4;
    parent.gas_limit = 30'000'000;
    parent.gas_used = 30'000'000;
    parent.base_fee = U256{1'000'000'000};
    auto a = next_block_attributes(cfg, parent, 99);
    EXPECT_EQ(a.timestamp, 99u);
    EXPECT_EQ(a.coinbase, cfg.coinbase);
    EXPECT_EQ(a.gas_limit, 12'345'678u);
    EXPECT_EQ(a.base_fee, U256{3});
    EXPECT_EQ(a.prev_randao, keccak256(parent.hash().view()));
    EXPECT_TRUE(a.withdrawals.empty());
    EXPECT_EQ(a.parent_beacon_block_root, Hash256{});
    cfg.base_fee_rule = BaseFeeRule::Eip1559;
    EXPECT_EQ(next_block_attributes(cfg, parent, 99).base_fee, U256{1'125'000'000});
}

TEST(BlockBuilder, ZeroFeeTransferBlock)
{
    DevChain c;
    const Address alice = c.accounts[0].address;
    const Address bob = address_from_u64(0xb0b);
    BlockBuilder b = c.builder(1'700'000'012);
    EXPECT_EQ(b.env().number, 1);
    EXPECT_EQ(b.env().base_fee, U256{});
    auto r = b.try_add(transfer(0, bob, 1000, c.accounts[0].secret_key), alice);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_TRUE((*r)->success);
    EXPECT_EQ((*r)->gas_used, 21000u);
    EXPECT_EQ(b.gas_used(), 21000u);
    EXPECT_EQ(b.gas_left(), kDefaultGasLimit - 21000);
    EXPECT_EQ(b.size(), 1u);

    const BuiltBlock built = c.seal(b);
    const BlockHeader& h = built.block.header;
    EXPECT_EQ(h.number, 1u);
    EXPECT_EQ(h.parent_hash, c.headers[0].hash());
    EXPECT_EQ(h.timestamp, 1'700'000'012u);
    EXPECT_EQ(h.gas_used, 21000u);
    EXPECT_EQ(h.gas_limit, kDefaultGasLimit);
    EXPECT_EQ(h.base_fee, U256{});
    EXPECT_EQ(h.ommers_hash, kEmptyOmmersHash);
    EXPECT_EQ(h.withdrawals_root, kEmptyTrieRoot);
    EXPECT_EQ(h.state_root, execution::state_root(c.backend));
    EXPECT_EQ(h.transactions_root, transactions_root(built.block.transactions));
    EXPECT_EQ(h.receipts_root, receipts_root(built.receipts));
    EXPECT_EQ(built.hash, h.hash());
    ASSERT_EQ(built.block.senders.size(), 1u);
    EXPECT_EQ(built.block.senders[0], alice);
    // Zero gas price: alice paid only the value.
    EXPECT_EQ(c.backend.read_account(alice)->balance, kDevAccountBalance - U256{1000});
    EXPECT_EQ(c.backend.read_account(alice)->nonce, 1u);
    EXPECT_EQ(c.backend.read_account(bob)->balance, U256{1000});
    // The block round-trips through its encoding.
    auto dec = decode_block(encode_block(built.block));
    ASSERT_TRUE(dec);
    EXPECT_EQ(dec->header.hash(), built.hash);
}

TEST(BlockBuilder, BeaconRootsSystemCallRuns)
{
    DevChain c;
    BlockBuilder b = c.builder(1'700'000'012);
    const BuiltBlock built = c.seal(b);
    // EIP-4788: slot timestamp % 8191 holds the timestamp (the root slot stays zero: the dev
    // chain's parent beacon root is zero).
    const auto& d = built.diff.accounts.at(kBeaconRootsAddress);
    EXPECT_EQ(d.storage.at(U256{1'700'000'012 % 8191}), U256{1'700'000'012});
    // The system address is not created.
    EXPECT_FALSE(c.backend.read_account(address_from_u64(0)));
    for (const auto& [addr, _] : built.diff.accounts)
        EXPECT_EQ(addr, kBeaconRootsAddress);
    EXPECT_EQ(built.block.header.state_root, execution::state_root(c.backend));
}

TEST(BlockBuilder, InvalidTransactionsLeaveNoTrace)
{
    DevChain c;
    const Address alice = c.accounts[0].address;
    const Hash256& key = c.accounts[0].secret_key;
    BlockBuilder b = c.builder(1'700'000'001);
    // Nonce gap.
    auto r = b.try_add(transfer(1, alice, 1, key), alice);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, execution::InvalidTxKind::NonceMismatch);
    // Not enough funds (value above the balance).
    Transaction rich;
    rich.type = TxType::Legacy;
    rich.chain_id = kChainId;
    rich.gas_limit = 21000;
    rich.to = alice;
    rich.value = kDevAccountBalance + U256{1};
    r = b.try_add(sign(rich, key), alice);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, execution::InvalidTxKind::InsufficientFunds);
    // Gas limit above the block's.
    Transaction big = rich;
    big.value = U256{};
    big.gas_limit = kDefaultGasLimit + 1;
    r = b.try_add(sign(big, key), alice);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, execution::InvalidTxKind::GasLimitExceedsBlock);
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(b.gas_used(), 0u);
    // A valid one afterwards still works, with nonce 0.
    r = b.try_add(transfer(0, alice, 1, key), alice);
    ASSERT_TRUE(r) << r.error().message();
    r = b.try_add(transfer(1, alice, 1, key), alice);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ((*r)->cumulative_gas_used, 42000u);
    const BuiltBlock built = c.seal(b);
    EXPECT_EQ(built.block.transactions.size(), 2u);
    EXPECT_EQ(built.receipts.size(), 2u);
    EXPECT_EQ(c.backend.read_account(alice)->nonce, 2u);
}

TEST(BlockBuilder, BlockGasLimitFillsUp)
{
    DevChain c;
    c.spec.config.gas_limit = 50'000;  // room for two transfers
    BlockBuilder b = c.builder(1'700'000'001);
    const Address alice = c.accounts[0].address;
    const Hash256& key = c.accounts[0].secret_key;
    ASSERT_TRUE(b.try_add(transfer(0, alice, 0, key), alice));
    ASSERT_TRUE(b.try_add(transfer(1, alice, 0, key), alice));
    auto r = b.try_add(transfer(2, alice, 0, key), alice);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, execution::InvalidTxKind::GasLimitExceedsBlock);
    EXPECT_EQ(b.gas_left(), 8000u);
    EXPECT_EQ(c.seal(b).block.header.gas_limit, 50'000u);
}

TEST(BlockBuilder, ChainOfBlocksWithBlockhashAndLogs)
{
    DevChain c;
    const Address alice = c.accounts[1].address;
    const Hash256& key = c.accounts[1].secret_key;
    // Contract: LOG1(topic = BLOCKHASH(NUMBER - 1)), then SSTORE(NUMBER, BLOCKHASH(NUMBER - 1)).
    //   PUSH1 1 NUMBER SUB BLOCKHASH DUP1 PUSH1 0 PUSH1 0 LOG1 NUMBER SSTORE STOP
    const Bytes runtime = {0x60, 0x01, 0x43, 0x03, 0x40, 0x80, 0x60,
                           0x00, 0x60, 0x00, 0xa1, 0x43, 0x55, 0x00};
    // Init code: copy runtime to memory and return it.
    Bytes init = {0x60, static_cast<uint8_t>(runtime.size()), 0x60, 0x0c, 0x60, 0x00, 0x39,
                  0x60, static_cast<uint8_t>(runtime.size()), 0x60, 0x00, 0xf3};
    init.insert(init.end(), runtime.begin(), runtime.end());
    Transaction create;
    create.type = TxType::DynamicFee;
    create.chain_id = kChainId;
    create.gas_limit = 200'000;
    create.data = init;
    {
        BlockBuilder b = c.builder(1'700'000'001);
        auto r = b.try_add(sign(create, key), alice);
        ASSERT_TRUE(r) << r.error().message();
        ASSERT_TRUE((*r)->success);
        c.seal(b);
    }
    const Address contract = execution::create_address(alice, 0);
    ASSERT_TRUE(c.backend.read_account(contract));
    for (uint64_t n = 2; n <= 4; ++n)
    {
        BlockBuilder b = c.builder(1'700'000'000 + n);
        Transaction call;
        call.type = TxType::Legacy;
        call.chain_id = kChainId;
        call.nonce = n - 1;
        call.gas_limit = 100'000;
        call.to = contract;
        auto r = b.try_add(sign(call, key), alice);
        ASSERT_TRUE(r) << r.error().message();
        ASSERT_TRUE((*r)->success);
        ASSERT_EQ((*r)->logs.size(), 1u);
        EXPECT_EQ((*r)->logs[0].topics[0], c.headers[n - 1].hash());
        const BuiltBlock built = c.seal(b);
        EXPECT_EQ(built.block.header.number, n);
        EXPECT_EQ(built.block.header.parent_hash, c.headers[n - 1].hash());
        EXPECT_EQ(built.block.header.state_root, execution::state_root(c.backend));
        EXPECT_NE(built.block.header.logs_bloom, execution::Bloom{});
        EXPECT_EQ(c.backend.read_storage(contract, U256{n}),
                  U256::from_hash(c.headers[n - 1].hash()));
    }
}

TEST(BlockBuilder, WithdrawalsCreditGwei)
{
    DevChain c;
    BlockAttributes attrs = next_block_attributes(c.spec.config, c.headers.back(), 1'700'000'001);
    attrs.withdrawals.push_back({0, 7, address_from_u64(0x77), 5});
    attrs.withdrawals.push_back({1, 8, address_from_u64(0x78), 0});  // zero: no account
    BlockBuilder b(c.headers.back(), c.backend, kChainId, attrs, nullptr, c.vm);
    const BuiltBlock built = c.seal(b);
    EXPECT_EQ(c.backend.read_account(address_from_u64(0x77))->balance, U256{5'000'000'000});
    EXPECT_FALSE(c.backend.read_account(address_from_u64(0x78)));
    EXPECT_EQ(built.block.header.withdrawals_root, withdrawals_root(built.block.withdrawals));
    EXPECT_NE(built.block.header.withdrawals_root, kEmptyTrieRoot);
    EXPECT_EQ(built.block.header.state_root, execution::state_root(c.backend));
}

TEST(BlockBuilder, FinishWithRootFunctionAgreesWithTracker)
{
    DevChain c;
    const Address alice = c.accounts[2].address;
    BlockBuilder b1 = c.builder(1'700'000'001);
    ASSERT_TRUE(b1.try_add(transfer(0, address_from_u64(5), 9, c.accounts[2].secret_key), alice));
    BlockBuilder b2 = c.builder(1'700'000'001);
    ASSERT_TRUE(b2.try_add(transfer(0, address_from_u64(5), 9, c.accounts[2].secret_key), alice));
    const BuiltBlock via_tracker = b1.finish(c.tracker, c.source);
    c.tracker.discard();
    const BuiltBlock via_fn = b2.finish([&](const state::StateDiff& diff) {
        state::MemoryBackend copy = c.backend;
        copy.apply(diff);
        return execution::state_root(copy);
    });
    EXPECT_EQ(via_tracker.hash, via_fn.hash);
    // Discarded: the tracker's head is still genesis.
    EXPECT_EQ(c.tracker.root(), c.headers[0].state_root);
}

TEST(BlockBuilder, BlobGasPerBlockIsCapped)
{
    DevChain c;
    const Address alice = c.accounts[3].address;
    const Hash256& key = c.accounts[3].secret_key;
    BlockBuilder b = c.builder(1'700'000'001);
    auto blob_tx = [&](uint64_t nonce, size_t blobs) {
        Transaction tx;
        tx.type = TxType::Blob;
        tx.chain_id = kChainId;
        tx.nonce = nonce;
        tx.gas_limit = 21000;
        tx.to = address_from_u64(9);
        tx.max_fee_per_blob_gas = U256{10};
        for (size_t i = 0; i < blobs; ++i)
        {
            Hash256 h;
            h[0] = 0x01;
            h[31] = static_cast<uint8_t>(i);
            tx.blob_versioned_hashes.push_back(h);
        }
        return sign(tx, key);
    };
    ASSERT_TRUE(b.try_add(blob_tx(0, 4), alice));
    auto r = b.try_add(blob_tx(1, 3), alice);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, execution::InvalidTxKind::BlobTooMany);
    ASSERT_TRUE(b.try_add(blob_tx(1, 2), alice));
    const BuiltBlock built = c.seal(b);
    EXPECT_EQ(built.block.header.blob_gas_used, 6 * execution::kGasPerBlob);
    // The next block's excess blob gas follows EIP-4844.
    BlockBuilder next = c.builder(1'700'000'002);
    EXPECT_EQ(next.env().excess_blob_gas, 3 * execution::kGasPerBlob);
}

}  // namespace
