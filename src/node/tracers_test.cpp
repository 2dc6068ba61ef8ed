// The tracers driven directly with synthetic events (the RPC-level behaviour is in
// debug_api_test.cpp): size guard, step limit, geth's error texts and revert reasons.

#include "node/tracers.hpp"

#include "core/hex.hpp"
#include "node/call.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace tern;
using namespace tern::node;

namespace {

/// Feeds `n` PUSH1 steps of a top-level frame with a 3-item stack, then ends it.
void feed(evm::Tracer& t, int n)
{
    evm::Message msg;
    msg.gas = 1'000'000;
    const U256 stack[3] = {U256{1}, U256{2}, U256{3}};
    t.on_call_enter(msg);
    int64_t gas = msg.gas;
    for (int i = 0; i < n; ++i)
    {
        evm::StepContext s;
        s.pc = static_cast<uint64_t>(2 * i);
        s.opcode = 0x60;
        s.gas = gas;
        s.stack = stack;
        s.msg = &msg;
        t.on_step(s);
        gas -= 3;
    }
    t.on_frame_end(evm::Status::Success, gas);
    evm::ExecResult r;
    r.gas_left = gas;
    t.on_call_exit(msg, r, {});
}

TEST(StructLogger, SizeGuardFailsTheTraceInsteadOfExhaustingMemory)
{
    StructLoggerConfig small;
    small.max_bytes = 10'000;
    StructLogger guarded{small};
    feed(guarded, 1'000);
    EXPECT_LT(guarded.size(), 1'000u);
    try
    {
        (void)guarded.result(21'000);
        FAIL() << "expected a too-large error";
    }
    catch (const std::runtime_error& e)
    {
        EXPECT_NE(std::string(e.what()).find("trace too large"), std::string::npos) << e.what();
    }

    StructLogger plain;
    feed(plain, 1'000);
    const auto j = plain.result(21'000);
    ASSERT_EQ(j["structLogs"].size(), 1'000u);
    EXPECT_EQ(j["structLogs"][999]["gasCost"], 3);
    EXPECT_EQ(j["structLogs"][999]["stack"], nlohmann::json::array({"0x1", "0x2", "0x3"}));
}

TEST(StructLogger, LimitKeepsTheFirstSteps)
{
    StructLoggerConfig c;
    c.limit = 7;
    StructLogger t{c};
    feed(t, 100);
    const auto j = t.result(0);
    ASSERT_EQ(j["structLogs"].size(), 7u);
    EXPECT_EQ(j["structLogs"][6]["pc"], 12);
    EXPECT_EQ(j["structLogs"][6]["gasCost"], 3);
}

TEST(Tracers, GethErrorTexts)
{
    EXPECT_EQ(trace_error_message(evm::Status::StackUnderflow, 0x01, 1),
              "stack underflow (1 <=> 2)");
    EXPECT_EQ(trace_error_message(evm::Status::StackOverflow, 0x60, 1024),
              "stack limit reached 1024 (1023)");
    EXPECT_EQ(trace_error_message(evm::Status::UndefinedInstruction, 0xef, 0),
              "invalid opcode: opcode 0xef not defined");
    EXPECT_EQ(trace_error_message(evm::Status::InvalidInstruction, 0xfe, 0),
              "invalid opcode: INVALID");
    EXPECT_EQ(trace_error_message(evm::Status::OutOfGas, 0xf3, 2, true),
              "contract creation code storage out of gas");
    EXPECT_EQ(trace_error_message(evm::Status::StaticModeViolation, 0x55, 2), "write protection");
    EXPECT_EQ(trace_error_message(evm::Status::Revert, 0xfd, 2), "execution reverted");
    EXPECT_EQ(trace_error_message(evm::Status::Success, 0x00, 0), "");
    // Where the tracers' wording differs from eth_call's (node/call.cpp status_message).
    EXPECT_EQ(trace_error_message(evm::Status::ArgumentOutOfRange, 0xf0, 3),
              "nonce uint64 overflow");
    EXPECT_EQ(status_message(evm::Status::ArgumentOutOfRange), "gas uint64 overflow");
    EXPECT_EQ(trace_error_message(evm::Status::OutOfGas, 0x01, 2), "out of gas");
    // The rest is shared with eth_call.
    for (const auto s : {evm::Status::BadJumpDestination, evm::Status::InvalidMemoryAccess,
                         evm::Status::CallDepthExceeded, evm::Status::InsufficientBalance,
                         evm::Status::PrecompileFailure, evm::Status::ContractValidationFailure,
                         evm::Status::CreateCollision, evm::Status::InitcodeSizeExceeded,
                         evm::Status::CodeSizeExceeded, evm::Status::InternalError})
        EXPECT_EQ(trace_error_message(s, 0xf1, 7), status_message(s));
    EXPECT_EQ(trace_error_message(evm::Status::BadJumpDestination, 0x56, 1),
              "invalid jump destination");
    EXPECT_EQ(trace_error_message(evm::Status::CallDepthExceeded, 0xf1, 7),
              "max call depth exceeded");
}

TEST(Tracers, RevertReasons)
{
    const auto error = from_hex(
        "0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000"
        "00000000000000000000000000000000000000000000000009746f6f20736d616c6c00000000000000000000"
        "00000000000000000000000000");
    ASSERT_TRUE(error);
    EXPECT_EQ(unpack_revert_reason(*error), "too small");
    const auto panic =
        from_hex("0x4e487b710000000000000000000000000000000000000000000000000000000000000011");
    EXPECT_EQ(unpack_revert_reason(*panic), "arithmetic underflow or overflow");
    const auto odd =
        from_hex("0x4e487b710000000000000000000000000000000000000000000000000000000000000099");
    EXPECT_EQ(unpack_revert_reason(*odd), "unknown panic code: 0x99");
    EXPECT_EQ(unpack_revert_reason(*from_hex("0x12345678")), std::nullopt);
    EXPECT_EQ(unpack_revert_reason(*from_hex("0x08c379a0")), std::nullopt);  // truncated
}

}  // namespace
