#include "execution/transition.hpp"

#include "core/abi.hpp"
#include "core/hex.hpp"
#include "evm/vm.hpp"
#include "execution/host.hpp"
#include "execution/receipt.hpp"
#include "execution/state_root.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::execution;

namespace {

const Address kSender = address_from_u64(0x5e4d);
const Address kCoinbase = address_from_u64(0xc0b);
const Address kContract = address_from_u64(0xc0de);
const U256 kEther = U256{1'000'000'000'000'000'000ULL};

Bytes hex(std::string_view s)
{
    return *from_hex(s);
}

BlockEnv block_env()
{
    BlockEnv b;
    b.coinbase = kCoinbase;
    b.number = 1;
    b.timestamp = 1000;
    b.gas_limit = 30'000'000;
    b.base_fee = U256{7};
    return b;
}

Transaction call_tx(const Address& to, uint64_t gas_limit = 100'000)
{
    Transaction tx;
    tx.type = TxType::DynamicFee;
    tx.chain_id = 1;
    tx.to = to;
    tx.gas_limit = gas_limit;
    tx.max_fee_per_gas = U256{10};
    tx.max_priority_fee_per_gas = U256{2};
    return tx;
}

/// Runs one transaction over `pre`; returns the receipt or error and the post state.
struct Run
{
    Result<Receipt, InvalidTx> result;
    state::MemoryBackend post;
};

Run run(const state::MemoryBackend& pre, const Transaction& tx, BlockEnv env = block_env())
{
    evm::Vm vm;
    state::State st{pre};
    auto r = apply_transaction(st, env, tx, kSender, vm);
    auto post = pre;
    post.apply(st.commit());
    return {std::move(r), std::move(post)};
}

state::MemoryBackend funded(BytesView contract_code = {}, std::map<U256, U256> storage = {})
{
    state::MemoryBackend b;
    b.put_account(kSender, 0, kEther, {});
    if (!contract_code.empty() || !storage.empty())
        b.put_account(kContract, 1, U256{0}, contract_code, storage);
    return b;
}

}  // namespace

TEST(Addresses, CreateAndCreate2)
{
    const auto sender = *fixed_from_hex<Address>("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
    EXPECT_EQ(to_hex(create_address(sender, 0)), "0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d");
    EXPECT_EQ(to_hex(create_address(sender, 1)), "0x343c43a37d37dff08ae8c4a11544c718abb4fcf8");
    // EIP-1014 example 0.
    EXPECT_EQ(to_hex(create2_address(Address{}, Hash256{}, hex("00"))),
              "0x4d1a2e2bb4f88f0250f26ffff098b0b30b26bf38");
}

TEST(BlockEnv, BlobBaseFee)
{
    EXPECT_EQ(blob_base_fee(0), U256{1});
    EXPECT_EQ(fake_exponential(U256{1}, U256{3338477}, U256{3338477}), U256{2});  // floor(e)
    EXPECT_EQ(fake_exponential(U256{100}, U256{0}, U256{7}), U256{100});
}

TEST(Receipt, EmptyLogsHashAndBloom)
{
    EXPECT_EQ(to_hex(logs_hash({})),
              "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");
    Bloom b{};
    bloom_add(b, address_from_u64(0).view());
    int bits = 0;
    for (auto byte : b)
        bits += __builtin_popcount(byte);
    EXPECT_GE(bits, 1);
    EXPECT_LE(bits, 3);
}

TEST(StateRoot, EmptyAndSingleAccount)
{
    state::MemoryBackend b;
    EXPECT_EQ(state_root(b), kEmptyTrieRoot);
    EXPECT_EQ(storage_root({{U256{1}, U256{0}}}), kEmptyTrieRoot);
    b.put_account(address_from_u64(1), 0, U256{1}, {});
    EXPECT_NE(state_root(b), kEmptyTrieRoot);
}

TEST(Transition, FeeAccountingForSimpleTransfer)
{
    const Address to = address_from_u64(0x70);
    auto tx = call_tx(to, 30'000);
    tx.value = U256{5};
    auto [r, post] = run(funded(), tx);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->success);
    EXPECT_EQ(r->gas_used, 21000u);
    EXPECT_EQ(r->cumulative_gas_used, 21000u);
    // effective price = min(10, 7 + 2) = 9; base fee 7 burnt, tip 2 to the coinbase.
    EXPECT_EQ(post.read_account(kSender)->balance, kEther - U256{5} - U256{21000 * 9});
    EXPECT_EQ(post.read_account(kSender)->nonce, 1u);
    EXPECT_EQ(post.read_account(kCoinbase)->balance, U256{21000 * 2});
    EXPECT_EQ(post.read_account(to)->balance, U256{5});
}

TEST(Transition, TipCappedByMaxFee)
{
    auto tx = call_tx(address_from_u64(0x70), 21000);
    tx.max_fee_per_gas = U256{8};  // 7 base + only 1 of the 2 priority fits
    auto [r, post] = run(funded(), tx);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(post.read_account(kSender)->balance, kEther - U256{21000 * 8});
    EXPECT_EQ(post.read_account(kCoinbase)->balance, U256{21000});
}

TEST(Transition, ZeroTipLeavesEmptyCoinbaseAbsent)
{
    auto tx = call_tx(address_from_u64(0x70), 21000);
    tx.max_priority_fee_per_gas = U256{0};
    auto [r, post] = run(funded(), tx);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(post.read_account(kCoinbase).has_value());  // touched, empty: EIP-161
    EXPECT_FALSE(post.read_account(address_from_u64(0x70)).has_value());
}

TEST(Transition, RefundCappedAtOneFifth)
{
    // PUSH1 0 PUSH1 0 SSTORE STOP on slot 0 = 1: 21000 + 3 + 3 + 2100 (cold) + 2900 = 26006,
    // refund 4800 <= 26006 / 5.
    auto [r, post] = run(funded(hex("600060005500"), {{U256{0}, U256{1}}}), call_tx(kContract));
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->success);
    EXPECT_EQ(r->gas_used, 26006u - 4800u);
    EXPECT_FALSE(post.has_storage(kContract));
    EXPECT_EQ(post.read_account(kSender)->balance, kEther - U256{(26006 - 4800) * 9});
}

TEST(Transition, RevertKeepsStateButChargesGas)
{
    // PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 REVERT: 21000 + 6 + 22100 + 6 = 43112.
    auto [r, post] = run(funded(hex("600160005560006000fd")), call_tx(kContract));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->success);
    EXPECT_EQ(r->gas_used, 43112u);
    EXPECT_FALSE(post.has_storage(kContract));
    EXPECT_EQ(post.read_account(kSender)->nonce, 1u);
}

/// Code that reverts with `payload` as its output (CODECOPY of the bytes after a 14-byte
/// prologue: PUSH2 len PUSH1 14 PUSH1 0 CODECOPY PUSH2 len PUSH1 0 REVERT).
Bytes reverting_with(BytesView payload)
{
    const auto n = static_cast<uint16_t>(payload.size());
    const uint8_t hi = static_cast<uint8_t>(n >> 8);
    const uint8_t lo = static_cast<uint8_t>(n & 0xff);
    const uint8_t prologue[] = {0x61, hi,   lo, 0x60, 0x0e, 0x60, 0x00,
                                0x39, 0x61, hi, lo,   0x60, 0x00, 0xfd};
    Bytes code(sizeof(prologue) + payload.size());
    std::copy(std::begin(prologue), std::end(prologue), code.begin());
    std::copy(payload.begin(), payload.end(), code.begin() + sizeof(prologue));
    return code;
}

// skaled's receipts carry the reason of a reverted transaction (SKALE's client libraries read
// `revertReason`): the Error(string) text or a panic's, cut at kMaxRevertReasonBytes; nothing
// for other outputs or for a failure that is not a revert.
TEST(Transition, RevertedReceiptKeepsItsReason)
{
    const auto reason_of = [](BytesView payload) {
        auto [r, post] = run(funded(reverting_with(payload)), call_tx(kContract, 100'000));
        EXPECT_TRUE(r.has_value());
        EXPECT_FALSE(r->success);
        return r->revert_reason;
    };
    EXPECT_EQ(reason_of(tern::abi::encode_error("bump refused")), "bump refused");
    EXPECT_EQ(reason_of(tern::abi::encode_panic(0x12)), tern::abi::panic_reason(U256{0x12}));
    EXPECT_EQ(reason_of(hex("deadbeef")), "");  // a custom error: no text
    EXPECT_EQ(reason_of({}), "");               // a bare revert
    const std::string longer(kMaxRevertReasonBytes + 100, 'x');
    EXPECT_EQ(reason_of(tern::abi::encode_error(longer)), std::string(kMaxRevertReasonBytes, 'x'));

    auto [r, post] = run(funded(hex("fe")), call_tx(kContract, 50'000));  // INVALID
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->revert_reason.empty());
    auto [ok, post2] = run(funded(), call_tx(address_from_u64(0x70), 21000));
    ASSERT_TRUE(ok.has_value());
    EXPECT_TRUE(ok->revert_reason.empty());
}

TEST(Transition, FailureConsumesAllGas)
{
    auto [r, post] = run(funded(hex("fe")), call_tx(kContract, 50'000));  // INVALID
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->success);
    EXPECT_EQ(r->gas_used, 50'000u);
}

TEST(Transition, LogsAndBloom)
{
    // PUSH1 0xaa PUSH1 0 MSTORE8 PUSH1 7 (topic) PUSH1 1 PUSH1 0 LOG1 STOP
    auto [r, post] = run(funded(hex("60aa600053600760016000a100")), call_tx(kContract));
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->logs.size(), 1u);
    EXPECT_EQ(r->logs[0].address, kContract);
    EXPECT_EQ(r->logs[0].data, hex("aa"));
    ASSERT_EQ(r->logs[0].topics.size(), 1u);
    EXPECT_EQ(r->logs[0].topics[0], U256{7}.to_hash());
    Bloom expected{};
    bloom_add(expected, kContract.view());
    bloom_add(expected, U256{7}.to_hash().view());
    EXPECT_EQ(r->bloom, expected);
}

TEST(Transition, CreateDeploysCode)
{
    // Init code returns the one-byte runtime 0x00: PUSH1 0 PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN
    Transaction tx = call_tx({}, 100'000);
    tx.to.reset();
    tx.data = hex("600060005360016000f3");
    auto [r, post] = run(funded(), tx);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->success);
    const auto created = create_address(kSender, 0);
    ASSERT_TRUE(post.read_account(created).has_value());
    EXPECT_EQ(post.read_account(created)->nonce, 1u);
    EXPECT_EQ(*post.read_code(post.read_account(created)->code_hash), hex("00"));
    // 53000 + 10 bytes (3 zero) calldata: 3*4 + 7*16 = 124, initcode word 2; execution 18 gas
    // incl. memory 3; deposit 200.
    EXPECT_EQ(r->gas_used, 53000u + 124 + 2 + 18 + 200);
}

TEST(Transition, CreateRejectsEfPrefixAndCollision)
{
    Transaction tx = call_tx({}, 100'000);
    tx.to.reset();
    tx.data = hex("60ef60005360016000f3");  // deploys 0xEF: EIP-3541
    auto [r, post] = run(funded(), tx);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->success);
    EXPECT_EQ(r->gas_used, 100'000u);
    EXPECT_FALSE(post.read_account(create_address(kSender, 0)).has_value());

    auto pre = funded();
    pre.put_account(create_address(kSender, 0), 0, U256{0}, hex("00"));
    tx.data = hex("00");
    auto [r2, post2] = run(pre, tx);
    ASSERT_TRUE(r2.has_value());
    EXPECT_FALSE(r2->success);
    EXPECT_EQ(r2->gas_used, 100'000u);
    EXPECT_EQ(post2.read_account(kSender)->nonce, 1u);
}

TEST(Transition, SelfdestructFollowsEip6780)
{
    const Address beneficiary = address_from_u64(0xbe);
    // PUSH20 beneficiary SELFDESTRUCT on a pre-existing contract: balance moves, code stays.
    Bytes code = hex("73");
    code.insert(code.end(), beneficiary.bytes.begin(), beneficiary.bytes.end());
    code.push_back(0xff);
    auto pre = funded();
    pre.put_account(kContract, 1, U256{77}, code);
    auto [r, post] = run(pre, call_tx(kContract));
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->success);
    ASSERT_TRUE(post.read_account(kContract).has_value());
    EXPECT_EQ(post.read_account(kContract)->balance, U256{0});
    EXPECT_EQ(post.read_account(beneficiary)->balance, U256{77});

    // Created in the same transaction (init code: CALLER SELFDESTRUCT): the account is gone.
    Transaction tx = call_tx({}, 100'000);
    tx.to.reset();
    tx.value = U256{3};
    tx.data = hex("33ff");
    auto [r2, post2] = run(funded(), tx);
    ASSERT_TRUE(r2.has_value());
    EXPECT_TRUE(r2->success);
    EXPECT_FALSE(post2.read_account(create_address(kSender, 0)).has_value());
}

TEST(Transition, InvalidTransactionsLeaveStateUnchanged)
{
    auto expect_invalid = [](const state::MemoryBackend& pre, const Transaction& tx,
                             InvalidTxKind kind, BlockEnv env = block_env()) {
        auto [r, post] = run(pre, tx, env);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().kind, kind) << r.error().message();
        EXPECT_EQ(state_root(post), state_root(pre));
    };
    const Address to = address_from_u64(0x70);

    auto tx = call_tx(to);
    tx.nonce = 1;
    expect_invalid(funded(), tx, InvalidTxKind::NonceMismatch);

    tx = call_tx(to);
    tx.value = kEther;
    expect_invalid(funded(), tx, InvalidTxKind::InsufficientFunds);

    tx = call_tx(to);
    tx.max_fee_per_gas = U256{6};
    tx.max_priority_fee_per_gas = U256{1};
    expect_invalid(funded(), tx, InvalidTxKind::FeeCapBelowBaseFee);

    tx = call_tx(to, 20'000);
    expect_invalid(funded(), tx, InvalidTxKind::Stateless);

    tx = call_tx(to, 40'000'000);
    expect_invalid(funded(), tx, InvalidTxKind::GasLimitExceedsBlock);

    auto pre = funded();
    pre.put_account(kSender, 0, kEther, hex("00"));
    expect_invalid(pre, call_tx(to), InvalidTxKind::SenderNotEoa);

    tx = call_tx(to);
    tx.type = TxType::Blob;
    tx.max_fee_per_blob_gas = U256{1};
    expect_invalid(funded(), tx, InvalidTxKind::BlobNoHashes);
    Hash256 h{};
    h[0] = 0x02;
    tx.blob_versioned_hashes = {h};
    expect_invalid(funded(), tx, InvalidTxKind::BlobBadVersion);
    h[0] = 0x01;
    tx.blob_versioned_hashes = std::vector<Hash256>(7, h);
    expect_invalid(funded(), tx, InvalidTxKind::BlobTooMany);
    tx.blob_versioned_hashes = {h};
    tx.max_fee_per_blob_gas = U256{0};
    expect_invalid(funded(), tx, InvalidTxKind::BlobFeeCapTooLow);
    tx.max_fee_per_blob_gas = U256{1};
    tx.to.reset();
    expect_invalid(funded(), tx, InvalidTxKind::BlobCreate);
}

TEST(Transition, BlobGasIsChargedAndBurnt)
{
    auto tx = call_tx(address_from_u64(0x70), 21000);
    tx.type = TxType::Blob;
    tx.max_fee_per_blob_gas = U256{5};
    Hash256 h{};
    h[0] = 0x01;
    tx.blob_versioned_hashes = {h, h};
    auto [r, post] = run(funded(), tx);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->blob_gas_used, 2 * kGasPerBlob);
    // Blob base fee is 1 at zero excess: 2 * 131072 burnt, regardless of the cap of 5.
    EXPECT_EQ(post.read_account(kSender)->balance,
              kEther - U256{21000 * 9} - U256{2 * kGasPerBlob});
    EXPECT_EQ(post.read_account(kCoinbase)->balance, U256{21000 * 2});
}

namespace {

/// eth_call's options (node::simulate_call).
TransitionOptions call_options(bool charge_fees)
{
    TransitionOptions o;
    o.check_nonce = false;
    o.charge_fees = charge_fees;
    o.check_inclusion = false;
    o.settle = false;
    return o;
}

}  // namespace

TEST(Transition, DefaultOptionsAreBlockExecution)
{
    // execute_transaction with default options is apply_transaction, output and refund added.
    const auto code = hex("602a5f5260205ff3");  // return 42
    const auto pre = funded(code);
    evm::Vm vm;
    state::State st{pre};
    const auto r = execute_transaction(st, block_env(), call_tx(kContract), kSender, vm, {});
    ASSERT_TRUE(r.has_value()) << r.error().message();
    auto [want, post] = run(pre, call_tx(kContract));
    ASSERT_TRUE(want.has_value());
    EXPECT_EQ(r->receipt.gas_used, want->gas_used);
    EXPECT_EQ(r->receipt.bloom, want->bloom);
    EXPECT_EQ(r->status, evm::Status::Success);
    const auto word = U256{42}.to_hash();
    EXPECT_EQ(r->output, Bytes(word.bytes.begin(), word.bytes.end()));
    auto got = pre;
    got.apply(st.commit());
    EXPECT_EQ(state_root(got), state_root(post));
}

TEST(Transition, CallOptionsRelaxInclusionRules)
{
    evm::Vm vm;
    const Address to = address_from_u64(0x70);
    const auto exec = [&](const state::MemoryBackend& pre, const Transaction& tx, bool fees) {
        state::State st{pre};
        return execute_transaction(st, block_env(), tx, kSender, vm, call_options(fees));
    };

    // Wrong nonce, a sender with code, a gas limit above the block's: all fine for a call.
    auto tx = call_tx(to, 40'000'000);
    tx.nonce = 5;
    auto pre = funded();
    pre.put_account(kSender, 3, kEther, hex("00"));
    auto r = exec(pre, tx, false);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->receipt.gas_used, 21000u);

    // No fees: a fee cap below the base fee and an empty balance are fine; value is not.
    tx = call_tx(to);
    tx.max_fee_per_gas = U256{1};
    tx.max_priority_fee_per_gas = U256{1};
    EXPECT_TRUE(exec(state::MemoryBackend{}, tx, false).has_value());
    r = exec(funded(), tx, true);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, InvalidTxKind::FeeCapBelowBaseFee);
    tx.value = U256{1};
    r = exec(state::MemoryBackend{}, tx, false);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, InvalidTxKind::InsufficientFunds);
    EXPECT_EQ(r.error().have, U256{});
    EXPECT_EQ(r.error().want, U256{1});

    // With fees: the priority fee above the max fee is refused before the base fee check.
    tx = call_tx(to);
    tx.max_fee_per_gas = U256{1};
    tx.max_priority_fee_per_gas = U256{2};
    r = exec(funded(), tx, true);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().stateless.code, TxErrorCode::PriorityFeeGreaterThanMaxFee);

    // Intrinsic gas too low, with have and want.
    tx = call_tx(to, 20'000);
    r = exec(funded(), tx, false);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().stateless.code, TxErrorCode::IntrinsicGasTooLow);
    EXPECT_EQ(r.error().have, U256{20'000});
    EXPECT_EQ(r.error().want, U256{21'000});

    // A sender nonce of 2^64-1 is still refused.
    pre = state::MemoryBackend{};
    pre.put_account(kSender, UINT64_MAX, kEther, {});
    r = exec(pre, call_tx(to), false);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, InvalidTxKind::NonceMax);
}

TEST(Transition, WarmAtStartSet)
{
    std::vector<Address> seen;
    const Address to = address_from_u64(0x70);
    for_each_warm_account(kSender, to, kCoinbase, warm_precompiles(),
                          [&](const Address& a) { seen.push_back(a); });
    ASSERT_EQ(seen.size(), 13u);
    EXPECT_EQ(seen.front(), kSender);
    EXPECT_EQ(seen[1], to);
    EXPECT_EQ(seen[2], address_from_u64(1));
    EXPECT_EQ(seen[11], address_from_u64(10));
    EXPECT_EQ(seen.back(), kCoinbase);

    const state::MemoryBackend pre;
    state::State st{pre};
    const std::vector<AccessListEntry> list{{address_from_u64(0x99), {U256{5}.to_hash()}}};
    warm_at_start(st, kSender, std::nullopt, kCoinbase, warm_precompiles(), list);
    EXPECT_TRUE(st.is_warm(kSender));
    EXPECT_TRUE(st.is_warm(kCoinbase));
    EXPECT_TRUE(st.is_warm(address_from_u64(10)));
    EXPECT_FALSE(st.is_warm(address_from_u64(11)));
    EXPECT_FALSE(st.is_warm(to));
    EXPECT_TRUE(st.is_warm(address_from_u64(0x99)));
    EXPECT_TRUE(st.access_storage(address_from_u64(0x99), U256{5}));
}
