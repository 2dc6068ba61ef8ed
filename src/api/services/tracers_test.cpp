// The tracers driven directly with synthetic events (the RPC-level behaviour is in
// debug_api_test.cpp): size guard, step limit, geth's error texts and revert reasons.

#include "api/services/tracers.hpp"

#include "api/services/call.hpp"
#include "core/hex.hpp"
#include "core/sanitizer.hpp"

#include <gtest/gtest.h>

#include <malloc.h>
#if TERN_ADDRESS_SANITIZER
// From the sanitizer runtime (GCC 12 does not install its header).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include <algorithm>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::api;

namespace {

/// Feeds `n` steps of `opcode` costing `cost` each (pc advancing by `pc_step`) with `stack` and
/// `memory` to a top-level frame, then ends it.
void feed_steps(evm::Tracer& t,
                size_t n,
                std::span<const U256> stack,
                BytesView memory = {},
                uint8_t opcode = 0x60,
                int64_t cost = 3,
                uint64_t pc_step = 2)
{
    evm::Message msg;
    msg.gas = 1'000'000'000;
    t.on_call_enter(msg);
    int64_t gas = msg.gas;
    for (size_t i = 0; i < n; ++i)
    {
        evm::StepContext s;
        s.pc = pc_step * i;
        s.opcode = opcode;
        s.gas = gas;
        s.stack = stack;
        s.memory = memory;
        s.msg = &msg;
        t.on_step(s);
        gas -= cost;
    }
    t.on_frame_end(evm::Status::Success, gas);
    evm::ExecResult r;
    r.gas_left = gas;
    t.on_call_exit(msg, r, {});
}

/// Feeds `n` PUSH1 steps of a top-level frame with a 3-item stack, then ends it.
void feed(evm::Tracer& t, int n)
{
    const U256 stack[3] = {U256{1}, U256{2}, U256{3}};
    feed_steps(t, static_cast<size_t>(n), stack);
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

/// Heap bytes in use (glibc's allocator statistics: arena chunks and mmapped blocks; under
/// AddressSanitizer, whose allocator replaces glibc's, its count of allocated bytes).
int64_t heap_in_use()
{
#if TERN_ADDRESS_SANITIZER
    return static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
#else
    const auto m = mallinfo2();
    return static_cast<int64_t>(m.uordblks + m.hblkhd);
#endif
}

/// Shape of synthetic steps: stack items and memory bytes per step.
struct Shape
{
    const char* name;
    size_t stack_items;
    U256 item;
    size_t memory_bytes;
    bool disable_stack;
};

/// Feeds `n` JUMPDEST steps of `shape` (stack and memory as given) to `t`.
void feed_shaped(evm::Tracer& t, const Shape& shape, size_t n)
{
    const std::vector<U256> stack(shape.stack_items, shape.item);
    const Bytes memory(shape.memory_bytes, 0xab);
    feed_steps(t, n, stack, memory, 0x5b, 1, 1);
}

// The guard counts the memory a trace really holds: the recorded steps, then the json tree
// result() builds and the text the dispatcher writes from it (its dump, grown by doubling, and
// the response it is copied into). Before, it counted an estimate of the text only, and the tree
// alone took several times that (a 256 MiB guard let one trace reach ~600 MB). Here: a trace that
// fills the guard holds no more than it at any point (within 10%), and the guard is not wildly
// pessimistic either; one step more fails with "trace too large".
TEST(StructLogger, GuardBoundsTheMemoryATraceHolds)
{
    const Shape shapes[] = {
        {"small stack", 3, U256{7}, 0, false},
        {"deep stack of words", 300, U256::max(), 0, false},
        {"no stack", 0, U256{}, 0, true},
        {"memory", 2, U256{1} << 100, 4096, false},
    };
    constexpr uint64_t kCap = 24 << 20;
    for (const auto& shape : shapes)
    {
        SCOPED_TRACE(shape.name);
        StructLoggerConfig c;
        c.max_bytes = kCap;
        c.disable_stack = shape.disable_stack;
        c.enable_memory = shape.memory_bytes != 0;
        // How many steps fit: feed far more than fit and count what was recorded.
        size_t fit = 0;
        {
            StructLogger probe{c};
            feed_shaped(probe, shape, 10'000'000);
            fit = probe.size();
            EXPECT_THROW((void)probe.result(0), std::runtime_error);
        }
        ASSERT_GT(fit, 100u);

        const int64_t base = heap_in_use();
        auto logger = std::make_unique<StructLogger>(c);
        feed_shaped(*logger, shape, fit);
        ASSERT_EQ(logger->size(), fit);
        const uint64_t counted = logger->held_bytes();
        EXPECT_LE(counted, kCap);
        const int64_t recorded = heap_in_use() - base;
        nlohmann::json j = logger->result(0);
        const int64_t with_tree = heap_in_use() - base;  // tree + the emptied entries
        logger.reset();                                  // the handler returns the json
        std::string out = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":";
        int64_t with_text = 0;
        {
            const std::string text = j.dump();  // the dispatcher's dump(*result) ...
            out += text;                        // ... appended to the response
            with_text = heap_in_use() - base;   // the tree, the text and the response
        }
        const int64_t peak = std::max({recorded, with_tree, with_text});
        EXPECT_LE(peak, static_cast<int64_t>(kCap + kCap / 20))
            << "recorded " << recorded << " tree " << with_tree << " text " << with_text;
        EXPECT_GE(peak, static_cast<int64_t>(kCap / 2)) << "counted " << counted;
        EXPECT_EQ(j["structLogs"].size(), fit);
    }
}

/// Feeds a top-level call making `n` sub-calls with `input_bytes` of input each to `t`.
void feed_calls(evm::Tracer& t, size_t n, size_t input_bytes)
{
    const Bytes input(input_bytes, 0x5a);
    evm::Message top;
    top.gas = 1'000'000'000;
    t.on_call_enter(top);
    for (size_t i = 0; i < n; ++i)
    {
        evm::Message sub;
        sub.depth = 1;
        sub.gas = 1'000'000;
        sub.input = input;
        t.on_call_enter(sub);
        evm::ExecResult r;
        r.gas_left = sub.gas;
        t.on_call_exit(sub, r, {});
    }
    evm::ExecResult r;
    r.gas_left = top.gas;
    t.on_call_exit(top, r, {});
}

// The same guard for callTracer: many calls passing the same (cheap) memory as input would
// otherwise record it again for every call.
TEST(TraceBudget, TracesRunningAtOnceShareOneBudget)
{
    // Two traces that each fit their own cap but not both in the node-wide budget: the second
    // fails with the budget's message; once the first is gone its bytes are free again.
    const Shape shape{"deep stack of words", 300, U256::max(), 0, false};
    rpc::ByteBudget budget{12 << 20};
    StructLoggerConfig c;
    c.max_bytes = 8 << 20;
    c.shared = &budget;
    auto first = std::make_unique<StructLogger>(c);
    feed_shaped(*first, shape, 1'000'000);
    EXPECT_GT(budget.used(), 6u << 20);  // it stopped at its own cap, holding most of it
    EXPECT_LE(budget.used(), 8u << 20);
    {
        StructLogger second{c};
        feed_shaped(second, shape, 1'000'000);
        EXPECT_LE(budget.used(), 12u << 20);
        try
        {
            (void)second.result(0);
            FAIL() << "expected the budget to refuse the second trace";
        }
        catch (const std::runtime_error& e)
        {
            EXPECT_EQ(std::string(e.what()),
                      "trace too large: the traces running at once would hold more than 12 MiB "
                      "of memory (retry later)");
        }
    }
    first.reset();
    EXPECT_EQ(budget.used(), 0u);  // both gave their bytes back

    CallTracerConfig cc;
    cc.shared = &budget;
    {
        CallTracer t{cc};
        feed_calls(t, 300, 1024);
        EXPECT_GT(budget.used(), 0u);
        EXPECT_EQ(t.result(0, 0)["calls"].size(), 300u);
    }
    EXPECT_EQ(budget.used(), 0u);
}

TEST(CallTracer, GuardBoundsTheMemoryATraceHolds)
{
    constexpr uint64_t kCap = 16 << 20;
    CallTracerConfig c;
    c.max_bytes = kCap;
    {
        CallTracer over{c};
        feed_calls(over, 100'000, 1024);
        EXPECT_LE(over.held_bytes(), kCap);
        try
        {
            (void)over.result(0, 0);
            FAIL() << "expected a too-large error";
        }
        catch (const std::runtime_error& e)
        {
            EXPECT_NE(std::string(e.what()).find("trace too large"), std::string::npos);
        }
    }
    // One that fits: what it really holds (recorded frames, then the json and its text) stays
    // within the guard.
    const size_t fit = 1'200;
    const int64_t base = heap_in_use();
    auto t = std::make_unique<CallTracer>(c);
    feed_calls(*t, fit, 1024);
    const uint64_t counted = t->held_bytes();
    ASSERT_LE(counted, kCap);
    const int64_t recorded = heap_in_use() - base;
    nlohmann::json j = t->result(0, 0);
    const int64_t with_tree = heap_in_use() - base;
    t.reset();
    std::string out = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":";
    int64_t with_text = 0;
    {
        const std::string text = j.dump();
        out += text;
        with_text = heap_in_use() - base;
    }
    const int64_t peak = std::max({recorded, with_tree, with_text});
    EXPECT_LE(peak, static_cast<int64_t>(counted + counted / 20))
        << "recorded " << recorded << " tree " << with_tree << " text " << with_text;
    EXPECT_GE(peak, static_cast<int64_t>(counted / 2)) << "counted " << counted;
    EXPECT_EQ(j["calls"].size(), fit);
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
    // Where the tracers' wording differs from eth_call's (api/services/call.cpp status_message).
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

}  // namespace
