#include "evm/vm.hpp"

#include "evm/execution_state.hpp"
#include "evm/instructions.hpp"
#include "evm/opcodes.hpp"

namespace tern::evm {

namespace {

using instr::CodeIter;
using instr::Result;
using instr::TermResult;

/// Stack and gas checks of one instruction, from its compile-time traits.
template <int In, int Out, int Gas>
[[gnu::always_inline]] inline Status check_requirements(ptrdiff_t stack_size, int64_t& gas) noexcept
{
    if constexpr (Out > In)
    {
        if (stack_size + (Out - In) > kStackLimit) [[unlikely]]
            return Status::StackOverflow;
    }
    if constexpr (In > 0)
    {
        if (stack_size < In) [[unlikely]]
            return Status::StackUnderflow;
    }
    if constexpr (Gas > 0)
    {
        if ((gas -= Gas) < 0) [[unlikely]]
            return Status::OutOfGas;
    }
    return Status::Success;
}

// invoke(): adapts each implementation shape to "next pc, or nullptr to halt".

[[gnu::always_inline]] inline CodeIter invoke(void (*f)(StackTop) noexcept,
                                              U256* top,
                                              CodeIter pc,
                                              int64_t& /*gas*/,
                                              ExecutionState& /*state*/) noexcept
{
    f(StackTop{top});
    return pc + 1;
}

[[gnu::always_inline]] inline CodeIter invoke(void (*f)(StackTop, ExecutionState&) noexcept,
                                              U256* top,
                                              CodeIter pc,
                                              int64_t& /*gas*/,
                                              ExecutionState& state) noexcept
{
    f(StackTop{top}, state);
    return pc + 1;
}

[[gnu::always_inline]] inline CodeIter invoke(Result (*f)(StackTop,
                                                          int64_t,
                                                          ExecutionState&) noexcept,
                                              U256* top,
                                              CodeIter pc,
                                              int64_t& gas,
                                              ExecutionState& state) noexcept
{
    const Result r = f(StackTop{top}, gas, state);
    gas = r.gas_left;
    if (r.status != Status::Success) [[unlikely]]
    {
        state.status = r.status;
        return nullptr;
    }
    return pc + 1;
}

[[gnu::always_inline]] inline CodeIter invoke(TermResult (*f)(StackTop,
                                                              int64_t,
                                                              ExecutionState&) noexcept,
                                              U256* top,
                                              CodeIter /*pc*/,
                                              int64_t& gas,
                                              ExecutionState& state) noexcept
{
    const TermResult r = f(StackTop{top}, gas, state);
    gas = r.gas_left;
    state.status = r.status;
    return nullptr;
}

[[gnu::always_inline]] inline CodeIter invoke(CodeIter (*f)(StackTop,
                                                            ExecutionState&,
                                                            CodeIter) noexcept,
                                              U256* top,
                                              CodeIter pc,
                                              int64_t& /*gas*/,
                                              ExecutionState& state) noexcept
{
    return f(StackTop{top}, state, pc);
}

/// Implementation of opcode byte B: op_undefined unless TERN_EVM_OPCODES defines it in Cancun
/// (the fork the interpreter runs; kOpcodeTraits is Cancun's too).
template <uint8_t B>
struct OpImpl
{
    static constexpr auto fn = instr::op_undefined;
};
/// `Impl` if its opcode is in force in Cancun, else op_undefined (a row of a later fork).
template <bool InCancun, auto Impl>
struct CancunImpl
{
    static constexpr auto fn = Impl;
};
template <auto Impl>
struct CancunImpl<false, Impl>
{
    static constexpr auto fn = instr::op_undefined;
};
#define TERN_EVM_X(NAME, BYTE, IN, OUT, GAS, SINCE, IMPL)                                    \
    template <>                                                                              \
    struct OpImpl<BYTE>                                                                      \
    {                                                                                        \
        static constexpr auto fn = CancunImpl<Fork::SINCE <= Fork::Cancun, instr::IMPL>::fn; \
    };
TERN_EVM_OPCODES(TERN_EVM_X)
#undef TERN_EVM_X

/// Reports the instruction at `pc` to the frame's tracer (traced loop only; out of line so the
/// traced loop keeps its registers).
[[gnu::noinline]] void trace_step(ExecutionState& state,
                                  CodeIter pc,
                                  const U256* top,
                                  int64_t gas) noexcept
{
    StepContext step;
    step.pc = static_cast<uint64_t>(pc - state.analysis->padded_code());
    step.opcode = *pc;
    step.gas = gas;
    step.refund = state.gas_refund;
    step.stack = {state.stack_space + 1, static_cast<size_t>(top - state.stack_space)};
    step.memory = {state.memory.data(), state.memory.size()};
    step.return_data = state.return_data;
    step.msg = state.msg;
    step.host = state.host;
    state.tracer->on_step(step);
}

// Computed-goto dispatch (GCC/Clang "labels as values"): one indirect jump per handler, which
// predicts better than a single switch jump. Other compilers get the switch.
#if defined(__GNUC__) && !defined(TERN_EVM_NO_CGOTO)
#    define TERN_EVM_CGOTO 1
#else
#    define TERN_EVM_CGOTO 0
#endif

/// The three interpreter loops: Plain for block execution (no tracing or deadline code at
/// all), Checked for RPC executions with a deadline, Traced for traces (the deadline, if any,
/// is checked at run time: tracing costs far more than the check).
enum class Loop : uint8_t
{
    Plain,
    Checked,
    Traced,
};

/// True for the instructions where a loop with a deadline checks it: every loop passes a jump,
/// every recursion a call or creation.
constexpr bool is_checkpoint(uint8_t op) noexcept
{
    switch (op)
    {
        case 0x56:  // JUMP
        case 0x57:  // JUMPI
        case 0xf0:  // CREATE
        case 0xf1:  // CALL
        case 0xf2:  // CALLCODE
        case 0xf4:  // DELEGATECALL
        case 0xf5:  // CREATE2
        case 0xfa:  // STATICCALL
            return true;
        default:
            return false;
    }
}

/// A checkpoint of loop L: true when the frame must stop at the deadline.
template <Loop L>
[[gnu::always_inline]] inline bool deadline_reached(ExecutionState& state) noexcept
{
    if constexpr (L == Loop::Checked)
        return state.deadline->tick();
    else
        return state.deadline != nullptr && state.deadline->tick();
}

// One instruction of byte B: (Checked/Traced loops at checkpoints: the deadline; Traced: the
// tracer hook,) stack/gas checks from the traits, the implementation, the stack height change.
// Ends the frame (returns the gas left) on a halt.
#define TERN_EVM_STEP(B)                                                                 \
    {                                                                                    \
        if constexpr (L != Loop::Plain && is_checkpoint(B))                              \
        {                                                                                \
            if (deadline_reached<L>(state)) [[unlikely]]                                 \
            {                                                                            \
                state.status = Status::Interrupted;                                      \
                return gas;                                                              \
            }                                                                            \
        }                                                                                \
        if constexpr (L == Loop::Traced)                                                 \
            trace_step(state, pc, top, gas);                                             \
        constexpr OpcodeTraits tr = kOpcodeTraits[B];                                    \
        if (const Status s = check_requirements<tr.stack_in, tr.stack_out, tr.base_gas>( \
                top - state.stack_space, gas);                                           \
            s != Status::Success) [[unlikely]]                                           \
        {                                                                                \
            state.status = s;                                                            \
            return gas;                                                                  \
        }                                                                                \
        pc = invoke(OpImpl<B>::fn, top, pc, gas, state);                                 \
        if (pc == nullptr)                                                               \
            return gas;                                                                  \
        top += tr.stack_out - tr.stack_in;                                               \
    }

#if TERN_EVM_CGOTO
#    pragma GCC diagnostic push
#    pragma GCC diagnostic ignored "-Wpedantic"
#endif

/// The interpreter loop, generated from the opcode traits for all 256 bytes. Returns the gas
/// left; the final status is in state.status. Instantiated three times (Loop): Plain is the
/// normal loop (no tracing or deadline code at all), Checked stops at the deadline, Traced also
/// calls the frame's tracer before each instruction.
template <Loop L>
TERN_EVM_NO_SLP int64_t interpret(ExecutionState& state, int64_t gas) noexcept
{
    // The stack bottom is not kept in a local: it is the state's address (stack_space is the
    // first member), which saves a register in the loop.
    U256* top = state.stack_space;
    CodeIter pc = state.analysis->padded_code();

#if TERN_EVM_CGOTO
#    define TERN_EVM_LABEL_ADDR(B) &&L_##B,
    static const void* const kDispatch[256] = {TERN_EVM_ALL_BYTES(TERN_EVM_LABEL_ADDR)};
#    undef TERN_EVM_LABEL_ADDR
    goto* kDispatch[*pc];
#    define TERN_EVM_HANDLER(B) L_##B : TERN_EVM_STEP(B) goto* kDispatch[*pc];
    TERN_EVM_ALL_BYTES(TERN_EVM_HANDLER)
#    undef TERN_EVM_HANDLER
#else
    for (;;)
    {
        switch (*pc)
        {
#    define TERN_EVM_CASE(B) \
        case B:              \
            TERN_EVM_STEP(B) \
            break;
            TERN_EVM_ALL_BYTES(TERN_EVM_CASE)
#    undef TERN_EVM_CASE
        }
    }
#endif
}

#if TERN_EVM_CGOTO
#    pragma GCC diagnostic pop
#endif
#undef TERN_EVM_STEP

}  // namespace

Vm::Vm() = default;
Vm::~Vm() = default;

std::unique_ptr<ExecutionState> Vm::acquire_state()
{
    if (free_states_.empty())
        return std::make_unique<ExecutionState>();
    auto s = std::move(free_states_.back());
    free_states_.pop_back();
    return s;
}

void Vm::release_state(std::unique_ptr<ExecutionState> state) noexcept
{
    // Do not let one memory-hungry frame pin a large buffer in the pool.
    if (state->memory.capacity() > kMaxRetainedMemory)
        state->memory.release();
    state->return_data = Bytes{};
    free_states_.push_back(std::move(state));
}

std::shared_ptr<const CodeAnalysis> Vm::analysis_for(const Hash256& code_hash, BytesView code)
{
    if (auto it = cache_.find(code_hash); it != cache_.end())
        return it->second;
    if (cache_.size() >= kMaxCachedAnalyses)
        cache_.clear();  // frames still running hold their own references
    auto a = std::make_shared<const CodeAnalysis>(code);
    cache_.emplace(code_hash, a);
    return a;
}

ExecResult Vm::execute(Host& host, const Message& msg, BytesView code)
{
    if (code.empty())
        return ExecResult{Status::Success, msg.gas, 0, {}, {}};
    const CodeAnalysis analysis{code};
    return run(host, msg, analysis);
}

ExecResult Vm::execute(Host& host, const Message& msg, BytesView code, const Hash256& code_hash)
{
    if (code.empty())
        return ExecResult{Status::Success, msg.gas, 0, {}, {}};
    const auto analysis = analysis_for(code_hash, code);
    return run(host, msg, *analysis);
}

ExecResult Vm::run(Host& host, const Message& msg, const CodeAnalysis& analysis)
{
    auto state = acquire_state();
    state->reset(host, msg, analysis);
    state->tracer = tracer_;
    int64_t gas_left = 0;
    if (plain_) [[likely]]
        gas_left = interpret<Loop::Plain>(*state, msg.gas);  // as cheap as before deadlines
    else
    {
        state->deadline = check_.deadline() != nullptr ? &check_ : nullptr;
        if (tracer_ == nullptr)
            gas_left = interpret<Loop::Checked>(*state, msg.gas);
        else
        {
            gas_left = interpret<Loop::Traced>(*state, msg.gas);
            tracer_->on_frame_end(state->status, gas_left);
        }
    }

    ExecResult result;
    result.status = state->status;
    if (result.status == Status::Success || result.status == Status::Revert)
    {
        result.gas_left = gas_left;
        if (state->output_size != 0)
        {
            const uint8_t* p = state->memory.data() + state->output_offset;
            result.output.assign(p, p + state->output_size);
        }
        if (result.status == Status::Success)
            result.gas_refund = state->gas_refund;
    }
    release_state(std::move(state));
    return result;
}

}  // namespace tern::evm
