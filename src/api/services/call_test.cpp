#include "api/services/call.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "state/memory_backend.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::api;

namespace {

const Address kFrom = address_from_u64(0xf00);
const Address kContract = address_from_u64(0xc0de);
const Address kChild = address_from_u64(0xc41d);

execution::BlockEnv env()
{
    execution::BlockEnv e;
    e.number = 1;
    e.timestamp = 1000;
    e.gas_limit = 30'000'000;
    e.chain_id = U256{31337};
    e.block_hash = [](int64_t) {
        return Hash256{};
    };
    return e;
}

CallRequest request(const Address& to, Bytes data = {})
{
    CallRequest r;
    r.from = kFrom;
    r.to = to;
    r.gas = 10'000'000;
    r.data = std::move(data);
    return r;
}

TEST(Call, ReturnsOutputAndLogs)
{
    state::MemoryBackend backend;
    // PUSH1 42 PUSH1 0 MSTORE PUSH1 0 PUSH1 0 LOG0 PUSH1 32 PUSH1 0 RETURN
    backend.put_account(kContract, 1, U256{}, *from_hex("602a60005260006000a060206000f3"));
    evm::Vm vm;
    const auto r = simulate_call(backend, env(), request(kContract), vm);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, evm::Status::Success);
    const auto w = U256{42}.to_hash();
    EXPECT_EQ(r->output, Bytes(w.bytes.begin(), w.bytes.end()));
    EXPECT_EQ(r->logs.size(), 1u);
}

TEST(Call, PrechecksWithGethMessages)
{
    state::MemoryBackend backend;
    evm::Vm vm;
    auto low = request(kContract);
    low.gas = 20000;
    const auto r1 = simulate_call(backend, env(), low, vm);
    ASSERT_FALSE(r1);
    EXPECT_EQ(r1.error().message, "intrinsic gas too low: have 20000, want 21000");

    auto value = request(kContract);
    value.value = U256{5};
    const auto r2 = simulate_call(backend, env(), value, vm);
    ASSERT_FALSE(r2);
    EXPECT_EQ(r2.error().message,
              "insufficient funds for gas * price + value: address "
              "0x0000000000000000000000000000000000000f00 have 0 want 5");

    auto fees = request(kContract);
    fees.fees_given = true;
    fees.max_fee_per_gas = U256{1};
    fees.max_priority_fee_per_gas = U256{2};
    EXPECT_FALSE(simulate_call(backend, env(), fees, vm));
}

TEST(Call, OverridesReplaceAndPatchStorage)
{
    state::MemoryBackend backend;
    backend.put_account(kContract, 1, U256{7}, {}, {{U256{1}, U256{10}}, {U256{2}, U256{20}}});
    StateOverrides o;
    o[kContract].state_diff[U256{2}] = U256{99};
    o[kContract].balance = U256{8};
    {
        OverrideReader r{backend, o};
        EXPECT_EQ(r.read_storage(kContract, U256{1}), U256{10});
        EXPECT_EQ(r.read_storage(kContract, U256{2}), U256{99});
        EXPECT_EQ(r.read_account(kContract)->balance, U256{8});
        EXPECT_EQ(r.read_account(kContract)->nonce, 1u);
    }
    o[kContract].state = std::map<U256, U256>{{U256{3}, U256{30}}};
    {
        OverrideReader r{backend, o};
        EXPECT_EQ(r.read_storage(kContract, U256{1}), U256{});
        EXPECT_EQ(r.read_storage(kContract, U256{3}), U256{30});
    }
    StateOverrides code;
    code[kChild].code = Bytes{0x60, 0x01};
    OverrideReader r{backend, code};
    const auto info = r.read_account(kChild);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->code_hash, keccak256(Bytes{0x60, 0x01}));
    EXPECT_EQ(*r.read_code(info->code_hash), (Bytes{0x60, 0x01}));
}

/// The least gas limit with which `req` succeeds (bisection over simulate_call).
uint64_t least_gas(const state::StateReader& reader, CallRequest req, evm::Vm& vm)
{
    const auto succeeds = [&](uint64_t gas) {
        req.gas = gas;
        const auto r = simulate_call(reader, env(), req, vm);
        return r && r->status == evm::Status::Success;
    };
    uint64_t lo = 21000;  // fails (or is the intrinsic minimum)
    uint64_t hi = 30'000'000;
    EXPECT_TRUE(succeeds(hi));
    if (succeeds(lo))
        return lo;
    while (lo + 1 < hi)
    {
        const uint64_t mid = lo + (hi - lo) / 2;
        (succeeds(mid) ? hi : lo) = mid;
    }
    return hi;
}

/// Checks that `gas` works and is at most geth's 1.5% above the least gas limit that works:
/// (gas - least) / gas < 0.015.
void expect_within_tolerance(const state::StateReader& reader,
                             CallRequest req,
                             uint64_t gas,
                             evm::Vm& vm)
{
    const uint64_t least = least_gas(reader, req, vm);
    EXPECT_GE(gas, least);
    EXPECT_LT((gas - least) * 1000, gas * kEstimateErrorPerMille) << gas << " vs " << least;
    req.gas = gas;
    const auto ok = simulate_call(reader, env(), req, vm);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, evm::Status::Success);
}

TEST(Call, EstimateCoversRefundsAndTheCallRule)
{
    state::MemoryBackend backend;
    // Child: clears slot 0 (refund) and burns some gas in a loop.
    backend.put_account(kChild, 1, U256{}, *from_hex("6000600055"), {{U256{0}, U256{1}}});
    // Parent: CALL child with all gas, revert if it failed, then store 1 in slot 5.
    // PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH2 c41d GAS CALL ISZERO PUSH1 x JUMPI
    // PUSH1 1 PUSH1 5 SSTORE STOP JUMPDEST PUSH1 0 PUSH1 0 REVERT
    backend.put_account(kContract, 1, U256{},
                        *from_hex("6000600060006000600061c41d5af115601957600160055500"
                                  "5b60006000fd"));
    evm::Vm vm;
    const auto req = request(kContract);
    const auto est = estimate_gas(backend, env(), req, 30'000'000, vm);
    ASSERT_TRUE(est) << est.error().message << (est.error().reverted ? " reverted" : "");
    const auto run = simulate_call(backend, env(), req, vm);
    ASSERT_TRUE(run);
    EXPECT_GT(est->gas, run->gas_used);  // refunds and 63/64 need more than is used
    expect_within_tolerance(backend, req, est->gas, vm);
}

TEST(Call, EstimateStopsWithinGethsTolerance)
{
    state::MemoryBackend backend;
    // Reverts unless 1,000,000 gas are left at its GAS: uses ~21k, needs 1,021,005.
    // PUSH3 1000000 GAS LT PUSH1 10 JUMPI STOP JUMPDEST PUSH0 PUSH0 REVERT
    backend.put_account(kContract, 1, U256{}, *from_hex("620f42405a10600a57005b5f5ffd"));
    evm::Vm vm;
    const auto req = request(kContract);
    const auto est = estimate_gas(backend, env(), req, 50'000'000, vm);
    ASSERT_TRUE(est) << est.error().message;
    EXPECT_EQ(least_gas(backend, req, vm), 1'021'005u);
    expect_within_tolerance(backend, req, est->gas, vm);
    // geth's search: the run at the cap, the optimistic guess, doubling from the gas used up to
    // 1,515,520, then 6 bisections until (hi - lo) / hi < 1.5%; searching to the exact value
    // took 27 runs.
    EXPECT_EQ(est->executions, 14u);
}

TEST(Call, EstimateErrors)
{
    state::MemoryBackend backend;
    backend.put_account(kContract, 1, U256{}, *from_hex("60006000fd"));  // always reverts
    backend.put_account(kChild, 1, U256{}, *from_hex("5b600056"));       // infinite loop
    evm::Vm vm;
    const auto reverted = estimate_gas(backend, env(), request(kContract), 1'000'000, vm);
    ASSERT_FALSE(reverted);
    EXPECT_TRUE(reverted.error().reverted);
    const auto oog = estimate_gas(backend, env(), request(kChild), 1'000'000, vm);
    ASSERT_FALSE(oog);
    EXPECT_FALSE(oog.error().reverted);
    EXPECT_EQ(oog.error().message, "gas required exceeds allowance (1000000)");
    // A transfer to an account without code: 21000.
    const auto transfer =
        estimate_gas(backend, env(), request(address_from_u64(0x1234)), 1'000'000, vm);
    ASSERT_TRUE(transfer);
    EXPECT_EQ(transfer->gas, 21000u);
}

TEST(Call, AccessListOfSlotsAndAccounts)
{
    state::MemoryBackend backend;
    // SLOAD 7 on itself, BALANCE of 0xc41d.
    backend.put_account(kContract, 1, U256{}, *from_hex("6007545061c41d3150"));
    evm::Vm vm;
    const auto r = create_access_list(backend, env(), request(kContract), vm);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->access_list.size(), 2u);
    EXPECT_EQ(r->access_list[0].address, kContract);
    ASSERT_EQ(r->access_list[0].storage_keys.size(), 1u);
    EXPECT_EQ(r->access_list[0].storage_keys[0], U256{7}.to_hash());
    EXPECT_EQ(r->access_list[1].address, kChild);
    EXPECT_TRUE(r->access_list[1].storage_keys.empty());
    EXPECT_FALSE(r->error);
}

}  // namespace
