// Execution deadlines (Vm::set_deadline): the checking interpreter loop stops at the deadline
// or when the cancellation flag is set, in every frame of the execution; without a deadline
// (block execution) nothing changes.

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tern::evm::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using VmDeadline = EvmTest;

/// JUMPDEST PUSH0 JUMP: loops until the gas runs out.
const Code kInfiniteLoop{"5b5f56"};
/// Gas no test would ever run out of.
constexpr int64_t kUnlimited = int64_t{1} << 62;
/// Generous slack for "stopped soon after the deadline" (never a tight timing assertion).
constexpr auto kSlack = 3s;

TEST_F(VmDeadline, InfiniteLoopStopsAtTheDeadline)
{
    const Deadline deadline = Deadline::after(200ms);
    const ScopedDeadline scoped{vm, deadline};
    const auto start = Clock::now();
    const auto r = exec(kInfiniteLoop, kUnlimited);
    const auto took = Clock::now() - start;
    EXPECT_EQ(r.status, Status::Interrupted);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_TRUE(vm.interrupted());
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 200ms + kSlack);
}

TEST_F(VmDeadline, CancelFlagStopsARunningExecution)
{
    std::atomic<bool> cancel{false};
    const Deadline deadline = Deadline::after(0s, &cancel);  // no time limit, only the flag
    const ScopedDeadline scoped{vm, deadline};
    std::thread client([&] {
        std::this_thread::sleep_for(100ms);
        cancel.store(true);
    });
    const auto start = Clock::now();
    const auto r = exec(kInfiniteLoop, kUnlimited);
    const auto took = Clock::now() - start;
    client.join();
    EXPECT_EQ(r.status, Status::Interrupted);
    EXPECT_TRUE(vm.interrupted());
    EXPECT_LT(took, 100ms + kSlack);
}

TEST_F(VmDeadline, EveryFrameStopsNotJustTheInnermost)
{
    // The callee loops forever; the caller calls it in a loop of its own, ignoring failures.
    const Address looper = address_from_u64(0x100);
    host.accounts[looper].code = kInfiniteLoop.bytes;
    // JUMPDEST; CALL(gas, looper, 0, 0, 0, 0, 0); POP; PUSH0; JUMP
    const Code caller = Code{}
                            .op(Op::JUMPDEST)
                            .push(0)
                            .push(0)
                            .push(0)
                            .push(0)
                            .push(0)
                            .push(looper)
                            .op(Op::GAS)
                            .op(Op::CALL)
                            .op(Op::POP)
                            .op(Op::PUSH0)
                            .op(Op::JUMP);
    const Deadline deadline = Deadline::after(200ms);
    const ScopedDeadline scoped{vm, deadline};
    const auto start = Clock::now();
    const auto r = exec(caller, kUnlimited);
    EXPECT_EQ(r.status, Status::Interrupted);
    EXPECT_LT(Clock::now() - start, 200ms + kSlack);
    EXPECT_EQ(host.calls.size(), 1u);  // the caller stopped at its next checkpoint
}

TEST_F(VmDeadline, UnexpiredDeadlineChangesNothing)
{
    // A loop of 1000 iterations with a call each: same status, gas and output as without one.
    const Address child = address_from_u64(0x200);
    host.accounts[child].code = Code{}.push(1).push(2).op(Op::ADD).ret_top().bytes;
    // counter = 1000; JUMPDEST(5); CALL child; POP; counter -= 1; JUMPI(5, counter); return it
    Code loop = Code{}.push(1000);
    const size_t top = loop.size();
    loop.op(Op::JUMPDEST)
        .push(0)
        .push(0)
        .push(0)
        .push(0)
        .push(0)
        .push(child)
        .op(Op::GAS)
        .op(Op::CALL)
        .op(Op::POP)
        .push(1)
        .op(Op::SWAP1)
        .op(Op::SUB)
        .op(Op::DUP1)
        .push(top)
        .op(Op::JUMPI)
        .ret_top();
    const auto plain = exec(loop);
    ASSERT_EQ(plain.status, Status::Success);
    host.warm_accounts.erase(child);  // the same EIP-2929 state as the first run
    const Deadline deadline = Deadline::after(1h);
    const ScopedDeadline scoped{vm, deadline};
    const auto checked = exec(loop);
    EXPECT_EQ(checked.status, plain.status);
    EXPECT_EQ(checked.gas_left, plain.gas_left);
    EXPECT_EQ(checked.output, plain.output);
    EXPECT_FALSE(vm.interrupted());
}

TEST_F(VmDeadline, ScopedDeadlineLeavesTheVmWithoutOne)
{
    {
        const Deadline deadline = Deadline::after(1ms);
        const ScopedDeadline scoped{vm, deadline};
        EXPECT_EQ(vm.deadline(), &deadline);
        std::this_thread::sleep_for(5ms);
        EXPECT_EQ(exec(kInfiniteLoop, kUnlimited).status, Status::Interrupted);
    }
    EXPECT_EQ(vm.deadline(), nullptr);
    // Block execution: no deadline, the loop runs to its gas.
    const auto r = exec(kInfiniteLoop, 100'000);
    EXPECT_EQ(r.status, Status::OutOfGas);
    EXPECT_FALSE(vm.interrupted());
}

TEST_F(VmDeadline, TracedExecutionStopsToo)
{
    struct CountingTracer final : Tracer
    {
        uint64_t steps = 0;
        void on_step(const StepContext&) noexcept override { ++steps; }
    } tracer;
    vm.set_tracer(&tracer);
    const Deadline deadline = Deadline::after(100ms);
    const ScopedDeadline scoped{vm, deadline};
    const auto r = exec(kInfiniteLoop, kUnlimited);
    vm.set_tracer(nullptr);
    EXPECT_EQ(r.status, Status::Interrupted);
    EXPECT_GT(tracer.steps, 0u);
}

}  // namespace
}  // namespace tern::evm::test
