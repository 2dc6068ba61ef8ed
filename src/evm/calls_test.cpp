// CALL family: gas (EIP-2929 access, value transfer, account creation, EIP-150 63/64, stipend),
// light failures, return data, context of DELEGATECALL/CALLCODE, static mode, refunds.

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

namespace tern::evm::test {
namespace {

using Calls = EvmTest;

const Address kCallee = address_from_u64(0xca11ee);

struct CallArgs
{
    U256 gas = 0;
    Address to = kCallee;
    U256 value = 0;
    U256 in_offset = 0;
    U256 in_size = 0;
    U256 out_offset = 0;
    U256 out_size = 0;
};

/// Pushes the arguments of `op` (7 for CALL/CALLCODE, 6 otherwise) and the opcode.
Code call(Op op, const CallArgs& a)
{
    Code c;
    c.push(a.out_size).push(a.out_offset).push(a.in_size).push(a.in_offset);
    if (op == Op::CALL || op == Op::CALLCODE)
        c.push(a.value);
    c.push(a.to).push(a.gas).op(op);
    return c;
}

TEST_F(Calls, ColdCallNoValue)
{
    // 7 pushes (21) + 100 + 2500 cold; callee has no code and gets 0 gas.
    EXPECT_EQ(gas_used(call(Op::CALL, {})), 21 + 2600);
    ASSERT_EQ(host.calls.size(), 1u);
    EXPECT_EQ(host.calls[0].msg.gas, 0);
    EXPECT_EQ(host.calls[0].msg.depth, 1);
    EXPECT_EQ(host.calls[0].msg.recipient, kCallee);
    EXPECT_EQ(host.calls[0].msg.code_address, kCallee);
    EXPECT_EQ(host.calls[0].msg.sender, kContract);
    EXPECT_FALSE(host.calls[0].msg.is_static);
    EXPECT_EQ(host.calls[0].msg.kind, CallKind::Call);
}

TEST_F(Calls, WarmCall)
{
    host.warm_accounts.insert(kCallee);
    EXPECT_EQ(gas_used(call(Op::CALL, {})), 21 + 100);
}

TEST_F(Calls, ValueToNewAccount)
{
    host.accounts[kContract].balance = 10;
    // 9000 value + 25000 new account; the 2300 stipend comes back unused.
    EXPECT_EQ(gas_used(call(Op::CALL, {.value = 1})), 21 + 2600 + 9000 + 25000 - 2300);
    ASSERT_EQ(host.calls.size(), 1u);
    EXPECT_EQ(host.calls[0].msg.gas, 2300);
    EXPECT_EQ(host.calls[0].msg.value, U256{1});
    EXPECT_EQ(host.accounts[kCallee].balance, U256{1});
}

TEST_F(Calls, ValueToExistingAccount)
{
    host.accounts[kContract].balance = 10;
    host.accounts[kCallee];
    EXPECT_EQ(gas_used(call(Op::CALL, {.gas = 1000, .value = 1})), 21 + 2600 + 9000 - 2300);
    EXPECT_EQ(host.calls[0].msg.gas, 1000 + 2300);
}

TEST_F(Calls, NewAccountWithoutValueIsFree)
{
    EXPECT_EQ(gas_used(call(Op::CALL, {.to = address_from_u64(0x5555)})), 21 + 2600);
}

TEST_F(Calls, InsufficientBalanceIsLightFailure)
{
    host.accounts[kContract].balance = 0;
    host.accounts[kCallee];
    const int64_t used = gas_used(call(Op::CALL, {.gas = 5000, .value = 1}));
    EXPECT_EQ(used, 21 + 2600 + 9000 - 2300);
    EXPECT_TRUE(host.calls.empty());
    EXPECT_EQ(result_word(call(Op::CALL, {.gas = 5000, .value = 1}).ret_top()), U256{0});
}

TEST_F(Calls, DepthLimitIsLightFailure)
{
    msg.depth = 1024;
    EXPECT_EQ(gas_used(call(Op::CALL, {.gas = 5000})), 21 + 2600);
    EXPECT_TRUE(host.calls.empty());
    msg.depth = 1024;
    EXPECT_EQ(result_word(call(Op::CALL, {.gas = 5000}).ret_top()), U256{0});
    // One below the limit still calls.
    msg.depth = 1023;
    EXPECT_EQ(result_word(call(Op::CALL, {.gas = 5000}).ret_top()), U256{1});
    EXPECT_EQ(host.calls.back().msg.depth, 1024);
}

TEST_F(Calls, AllButOne64th)
{
    const int64_t gas = 100'000;
    exec(call(Op::CALL, {.gas = U256::max()}), gas);
    const int64_t g = gas - 21 - 2600;
    ASSERT_EQ(host.calls.size(), 1u);
    EXPECT_EQ(host.calls[0].msg.gas, g - g / 64);

    host.calls.clear();
    host.warm_accounts = {kContract};
    exec(call(Op::CALL, {.gas = 5000}), gas);
    EXPECT_EQ(host.calls[0].msg.gas, 5000);
}

TEST_F(Calls, ReturnDataAndOutputCopy)
{
    host.accounts[kCallee].code = Code{}.push(U256::max()).ret_top().bytes;
    // Output area [31, 33): two bytes land in memory; the return data keeps all 32.
    const Code c = call(Op::CALL, {.gas = 100000, .out_offset = 31, .out_size = 2})
                       .op(Op::POP)
                       .op(Op::RETURNDATASIZE)
                       .push(64)
                       .op(Op::MSTORE)
                       .ret(0, 96);
    const auto r = exec(c);
    ASSERT_EQ(r.status, Status::Success);
    ASSERT_EQ(r.output.size(), 96u);
    EXPECT_EQ(r.output[30], 0x00);
    EXPECT_EQ(r.output[31], 0xff);
    EXPECT_EQ(r.output[32], 0xff);
    EXPECT_EQ(r.output[33], 0x00);
    EXPECT_EQ(U256::from_be(BytesView{r.output}.subspan(64, 32)), U256{32});

    host.accounts[kCallee].code = Code{}.push(0x4242).ret_top().bytes;
    // RETURNDATACOPY of the last 2 bytes.
    const Code c2 =
        call(Op::CALL, {.gas = 100000}).push(2).push(30).push(0).op(Op::RETURNDATACOPY).ret(0, 2);
    const auto r2 = exec(c2);
    ASSERT_EQ(r2.status, Status::Success);
    EXPECT_EQ(r2.output, (Bytes{0x42, 0x42}));

    // One byte past the end is an exceptional halt.
    const auto r3 =
        exec(call(Op::CALL, {.gas = 100000}).push(3).push(30).push(0).op(Op::RETURNDATACOPY));
    EXPECT_EQ(r3.status, Status::InvalidMemoryAccess);
    EXPECT_EQ(r3.gas_left, 0);
}

TEST_F(Calls, OutputCopiedToMemory)
{
    host.accounts[kCallee].code = Code{}.push(0x4242).ret_top().bytes;
    const auto r = exec(
        call(Op::CALL, {.gas = 100000, .out_offset = 0, .out_size = 32}).op(Op::POP).ret(0, 32));
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(U256::from_be(r.output), U256{0x4242});
}

TEST_F(Calls, FailedCalleeConsumesItsGasAndPushesZero)
{
    host.accounts[kCallee].code = Code{}.op(Op::INVALID).bytes;
    host.warm_accounts.insert(kCallee);
    EXPECT_EQ(gas_used(call(Op::CALL, {.gas = 1000})), 21 + 100 + 1000);
    EXPECT_EQ(result_word(call(Op::CALL, {.gas = 1000}).ret_top()), U256{0});
    // Return data of a failed (non-revert) call is empty.
    EXPECT_EQ(result_word(call(Op::CALL, {.gas = 1000}).op(Op::RETURNDATASIZE).ret_top()), U256{0});
}

TEST_F(Calls, RevertedCalleeReturnsGasAndData)
{
    host.accounts[kCallee].code = Code{}.mstore(0, 7).push(32).push(0).op(Op::REVERT).bytes;
    host.warm_accounts.insert(kCallee);
    // Callee uses 18 gas and reverts; the rest comes back.
    EXPECT_EQ(gas_used(call(Op::CALL, {.gas = 1000})), 21 + 100 + 18);
    EXPECT_EQ(result_word(call(Op::CALL, {.gas = 1000}).ret_top()), U256{0});
    EXPECT_EQ(result_word(call(Op::CALL, {.gas = 1000}).op(Op::RETURNDATASIZE).ret_top()),
              U256{32});
}

TEST_F(Calls, ReturnDataClearedByNextCall)
{
    host.accounts[kCallee].code = Code{}.push(1).ret_top().bytes;
    const Address empty = address_from_u64(0xe);
    const Code c = call(Op::CALL, {.gas = 100000})
                       .op(Op::POP)
                       .append(call(Op::CALL, {.gas = 100000, .to = empty}))
                       .op(Op::POP)
                       .op(Op::RETURNDATASIZE)
                       .ret_top();
    EXPECT_EQ(result_word(c), U256{0});
}

TEST_F(Calls, DelegatecallKeepsContext)
{
    msg.value = 55;
    host.accounts[kCallee].code = Code{}.op(Op::CALLER).ret_top().bytes;
    EXPECT_EQ(result_word(call(Op::DELEGATECALL, {.gas = 100000})
                              .op(Op::POP)
                              .push(32)
                              .push(0)
                              .push(0)
                              .op(Op::RETURNDATACOPY)
                              .ret(0, 32)),
              U256::from_address(kSender));
    const auto& m = host.calls.back().msg;
    EXPECT_EQ(m.kind, CallKind::DelegateCall);
    EXPECT_EQ(m.recipient, kContract);
    EXPECT_EQ(m.sender, kSender);
    EXPECT_EQ(m.code_address, kCallee);
    EXPECT_EQ(m.value, U256{55});
    // No value cost, no stipend.
    host.warm_accounts.insert(kCallee);
    host.accounts[kCallee].code.clear();
    EXPECT_EQ(gas_used(call(Op::DELEGATECALL, {})), 18 + 100);
}

TEST_F(Calls, CallcodeRunsInOwnContext)
{
    host.accounts[kContract].balance = 100;
    host.warm_accounts.insert(kCallee);
    // Value to self: 9000, no new-account charge (even though the code account is absent).
    EXPECT_EQ(gas_used(call(Op::CALLCODE, {.value = 5})), 21 + 100 + 9000 - 2300);
    const auto& m = host.calls.back().msg;
    EXPECT_EQ(m.kind, CallKind::CallCode);
    EXPECT_EQ(m.recipient, kContract);
    EXPECT_EQ(m.sender, kContract);
    EXPECT_EQ(m.code_address, kCallee);
    EXPECT_EQ(m.value, U256{5});
    EXPECT_EQ(m.gas, 2300);
}

TEST_F(Calls, StaticcallSetsStaticAndBlocksWrites)
{
    host.accounts[kCallee].code = Code{}.sstore(0, 1).bytes;
    EXPECT_EQ(result_word(call(Op::STATICCALL, {.gas = 100000}).ret_top()), U256{0});
    EXPECT_TRUE(host.calls.back().msg.is_static);
    EXPECT_EQ(host.calls.back().msg.value, U256{0});
    EXPECT_TRUE(host.accounts[kCallee].storage.empty());
    // Reads are fine.
    host.accounts[kCallee].code = Code{}.push(0).op(Op::SLOAD).ret_top().bytes;
    EXPECT_EQ(result_word(call(Op::STATICCALL, {.gas = 100000}).ret_top()), U256{1});
}

TEST_F(Calls, StaticModeViolations)
{
    msg.is_static = true;
    host.accounts[kContract].balance = 100;
    const Code violations[] = {
        Code{}.sstore(0, 1),
        Code{}.push(0).push(0).op(Op::LOG0),
        Code{}.push(0).push(0).push(0).push(0).push(0).op(Op::LOG3),
        Code{}.push(0).push(0).push(0).op(Op::CREATE),
        Code{}.push(0).push(0).push(0).push(0).op(Op::CREATE2),
        Code{}.op(Op::CALLER).op(Op::SELFDESTRUCT),
        Code{}.push(1).push(0).op(Op::TSTORE),
        call(Op::CALL, {.value = 1}),
    };
    for (const auto& c : violations)
    {
        const auto r = exec(c);
        EXPECT_EQ(r.status, Status::StaticModeViolation) << to_hex(c.bytes);
        EXPECT_EQ(r.gas_left, 0);
    }
    // Allowed in static mode: CALL without value, CALLCODE with value, reads.
    EXPECT_EQ(exec(call(Op::CALL, {})).status, Status::Success);
    EXPECT_TRUE(host.calls.back().msg.is_static);
    EXPECT_EQ(exec(call(Op::CALLCODE, {.value = 1})).status, Status::Success);
    EXPECT_EQ(exec(Code{}.push(0).op(Op::TLOAD).push(0).op(Op::SLOAD)).status, Status::Success);
}

TEST_F(Calls, RefundOfSuccessfulCalleeIsAdded)
{
    host.accounts[kCallee].storage[U256{0}] = {U256{1}, U256{1}};
    host.accounts[kCallee].code = Code{}.sstore(0, 0).bytes;
    auto r = exec(call(Op::CALL, {.gas = 100000}));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_refund, 4800);

    host.accounts[kCallee].storage[U256{0}] = {U256{1}, U256{1}};
    host.accounts[kCallee].code = Code{}.sstore(0, 0).push(0).push(0).op(Op::REVERT).bytes;
    r = exec(call(Op::CALL, {.gas = 100000}));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_refund, 0);
}

TEST_F(Calls, InputPassedFromMemory)
{
    host.accounts[kCallee].code = Code{}.push(0).op(Op::CALLDATALOAD).ret_top().bytes;
    const Code c =
        Code{}
            .mstore(0, 0xabcdef)
            .append(call(
                Op::CALL,
                {.gas = 100000, .in_offset = 29, .in_size = 3, .out_offset = 0, .out_size = 32}))
            .ret(0, 32);
    const auto r = exec(c);
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(U256::from_be(r.output), U256{0xabcdef} << 232);
    EXPECT_EQ(host.calls.back().input, (Bytes{0xab, 0xcd, 0xef}));
}

TEST_F(Calls, MemoryForArgumentsAndResultsIsCharged)
{
    host.warm_accounts.insert(kCallee);
    // Output region up to 64 bytes: 2 words = 6 gas.
    EXPECT_EQ(gas_used(call(Op::CALL, {.out_offset = 32, .out_size = 32})), 21 + 100 + 6);
    // Input region 0..96: 3 words = 9 gas; output inside it: nothing extra.
    EXPECT_EQ(gas_used(call(Op::CALL, {.in_size = 96, .out_size = 64})), 21 + 100 + 9);
    // Huge region: out of gas.
    EXPECT_EQ(exec(call(Op::CALL, {.in_offset = U256{1} << 40, .in_size = 1})).status,
              Status::OutOfGas);
}

TEST_F(Calls, NestedCallsReuseFramesCorrectly)
{
    // Callee recursively calls itself 10 times via a counter in calldata-free storage.
    // Simple chain: A calls B, B calls C, C returns 7; each returns what it got.
    const Address b = address_from_u64(0xb);
    const Address c = address_from_u64(0xc);
    host.accounts[c].code = Code{}.push(7).ret_top().bytes;
    host.accounts[b].code = call(Op::CALL, {.gas = 50000, .to = c, .out_offset = 0, .out_size = 32})
                                .op(Op::POP)
                                .ret(0, 32)
                                .bytes;
    const auto r = exec(call(Op::CALL, {.gas = 100000, .to = b, .out_offset = 0, .out_size = 32})
                            .op(Op::POP)
                            .ret(0, 32));
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(U256::from_be(r.output), U256{7});
    EXPECT_EQ(host.calls.size(), 2u);
}

}  // namespace
}  // namespace tern::evm::test
