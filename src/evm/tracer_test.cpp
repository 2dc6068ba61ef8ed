// evm::Tracer: the traced interpreter loop reports every instruction (pc, opcode, gas before,
// stack, memory, depth, refund) and each frame's end, and executes exactly like the untraced one.

#include "evm/tracer.hpp"
#include "evm/test_host.hpp"

#include <gtest/gtest.h>

namespace tern::evm::test {
namespace {

struct Step
{
    uint64_t pc;
    uint8_t op;
    int64_t gas;
    int32_t depth;
    int64_t refund;
    std::vector<U256> stack;
    size_t memory_size;
    size_t return_data_size;
};

struct FrameEnd
{
    Status status;
    int64_t gas_left;
};

class Recorder final : public Tracer
{
public:
    void on_step(const StepContext& s) noexcept override
    {
        steps.push_back({s.pc, s.opcode, s.gas, s.msg->depth, s.refund,
                         std::vector<U256>(s.stack.begin(), s.stack.end()), s.memory.size(),
                         s.return_data.size()});
    }
    void on_frame_end(Status status, int64_t gas_left) noexcept override
    {
        ends.push_back({status, gas_left});
    }

    std::vector<Step> steps;
    std::vector<FrameEnd> ends;
};

class Traced : public EvmTest
{
protected:
    /// Runs `code` untraced and traced on fresh copies of the host state; expects identical
    /// results and returns the traced one.
    ExecResult both(const Code& code, int64_t gas = 1'000'000)
    {
        const auto saved = host.accounts;
        const auto warm = host.warm_accounts;
        const auto plain = exec(code, gas);
        const auto plain_accounts = host.accounts;
        const auto plain_logs = host.logs.size();
        host.accounts = saved;
        host.warm_accounts = warm;
        host.warm_slots.clear();
        host.logs.clear();
        vm.set_tracer(&rec);
        const auto traced = exec(code, gas);
        vm.set_tracer(nullptr);
        EXPECT_EQ(traced.status, plain.status);
        EXPECT_EQ(traced.gas_left, plain.gas_left);
        EXPECT_EQ(traced.gas_refund, plain.gas_refund);
        EXPECT_EQ(traced.output, plain.output);
        EXPECT_EQ(host.logs.size(), plain_logs);
        for (const auto& [addr, acc] : plain_accounts)
        {
            EXPECT_EQ(host.accounts[addr].balance, acc.balance);
            EXPECT_EQ(host.accounts[addr].storage.size(), acc.storage.size());
            for (const auto& [k, v] : acc.storage)
                EXPECT_EQ(host.accounts[addr].storage[k].current, v.current);
        }
        return traced;
    }

    Recorder rec;
};

TEST_F(Traced, ReportsEachInstructionBeforeItRuns)
{
    // PUSH1 2, PUSH1 3, ADD, then ret_top: PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN.
    const auto r = both(Code{}.push(2).push(3).op(Op::ADD).ret_top(), 100'000);
    ASSERT_EQ(r.status, Status::Success);
    ASSERT_EQ(rec.steps.size(), 8u);
    const std::vector<uint64_t> pcs = {0, 2, 4, 5, 7, 8, 10, 12};
    const std::vector<uint8_t> ops = {0x60, 0x60, 0x01, 0x60, 0x52, 0x60, 0x60, 0xf3};
    for (size_t i = 0; i < 8; ++i)
    {
        EXPECT_EQ(rec.steps[i].pc, pcs[i]);
        EXPECT_EQ(rec.steps[i].op, ops[i]);
        EXPECT_EQ(rec.steps[i].depth, 0);
    }
    EXPECT_EQ(rec.steps[0].gas, 100'000);
    EXPECT_EQ(rec.steps[1].gas, 100'000 - 3);
    EXPECT_EQ(rec.steps[2].gas, 100'000 - 6);
    EXPECT_EQ(rec.steps[2].stack, (std::vector<U256>{2, 3}));
    EXPECT_EQ(rec.steps[3].stack, (std::vector<U256>{5}));
    EXPECT_EQ(rec.steps[4].memory_size, 0u);
    EXPECT_EQ(rec.steps[5].memory_size, 32u);  // after the MSTORE
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].status, Status::Success);
    EXPECT_EQ(rec.ends[0].gas_left, r.gas_left);
}

TEST_F(Traced, RunningOffTheEndIsAStopStep)
{
    both(Code{}.push(1), 1'000);
    ASSERT_EQ(rec.steps.size(), 2u);
    EXPECT_EQ(rec.steps[1].pc, 2u);
    EXPECT_EQ(rec.steps[1].op, 0x00);
}

TEST_F(Traced, FailuresEndTheFrameWithTheirStatus)
{
    both(Code{}.op(Op::ADD));
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].status, Status::StackUnderflow);
    ASSERT_EQ(rec.steps.size(), 1u);
    EXPECT_EQ(rec.steps[0].stack.size(), 0u);

    rec = {};
    both(Code{}.push(1).push(2), 4);  // out of gas on the second PUSH
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].status, Status::OutOfGas);
    EXPECT_EQ(rec.steps.size(), 2u);
    EXPECT_EQ(rec.steps[1].gas, 1);
    EXPECT_LT(rec.ends[0].gas_left, 0);  // the gas the failing step wanted is visible

    rec = {};
    both(Code{}.push(3).op(Op::JUMP));
    EXPECT_EQ(rec.ends.back().status, Status::BadJumpDestination);
}

TEST_F(Traced, NestedFramesHaveTheirDepthAndTheirOwnEnd)
{
    const Address callee = address_from_u64(0xca11ee);
    host.accounts[callee].code = Code{}.sstore(1, 1).sstore(1, 0).push(7).ret_top().bytes;
    Code c;
    c.push(0).push(0).push(0).push(0).push(0).push(callee).push(100'000).op(Op::CALL);
    c.op(Op::RETURNDATASIZE).ret_top();
    const auto r = both(c);
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(U256::from_be(r.output), U256{32});
    ASSERT_EQ(rec.ends.size(), 2u);  // callee first, then the caller
    bool child = false;
    int64_t last_child_refund = 0;
    for (const auto& s : rec.steps)
        if (s.depth == 1)
        {
            child = true;
            last_child_refund = s.refund;
        }
    EXPECT_TRUE(child);
    EXPECT_EQ(last_child_refund, 19'900);  // 0 -> 1 -> 0 in the callee
    // After the call the caller sees the callee's return data.
    const auto after = std::find_if(rec.steps.begin(), rec.steps.end(),
                                    [](const Step& s) { return s.op == 0x3d; });
    ASSERT_NE(after, rec.steps.end());
    EXPECT_EQ(after->depth, 0);
    EXPECT_EQ(after->return_data_size, 32u);
    EXPECT_EQ(after->refund, 19'900);  // merged into the caller's counter
}

TEST_F(Traced, LightCallFailuresGoThroughTheHost)
{
    // CALL with more value than the contract has: untraced, the interpreter fails it without
    // asking the host; traced, the host sees (and fails) it, with the same outcome.
    const Address callee = address_from_u64(0xca11ee);
    Code c;
    c.push(0).push(0).push(0).push(0).push(1'000).push(callee).push(0).op(Op::CALL).ret_top();
    host.accounts[kContract].balance = 1;
    const auto r = exec(c);
    EXPECT_TRUE(host.calls.empty());
    host.calls.clear();
    host.warm_accounts = {kSender, kContract};
    vm.set_tracer(&rec);
    const auto t = exec(c);
    vm.set_tracer(nullptr);
    ASSERT_EQ(host.calls.size(), 1u);
    EXPECT_EQ(host.calls[0].msg.value, U256{1'000});
    EXPECT_EQ(t.status, r.status);
    EXPECT_EQ(t.gas_left, r.gas_left);
    EXPECT_EQ(t.output, r.output);
    EXPECT_EQ(U256::from_be(t.output), U256{0});
}

TEST_F(Traced, RemovingTheTracerStopsReports)
{
    vm.set_tracer(&rec);
    EXPECT_EQ(vm.tracer(), &rec);
    vm.set_tracer(nullptr);
    exec(Code{}.push(1).push(2).op(Op::ADD));
    EXPECT_TRUE(rec.steps.empty());
    EXPECT_TRUE(rec.ends.empty());
}

}  // namespace
}  // namespace tern::evm::test
