#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"

#include <cstdint>
#include <span>

namespace tern::evm {

/// What the interpreter shows a tracer before each instruction. Views are valid only during
/// the on_step() call.
struct StepContext
{
    uint64_t pc = 0;               ///< offset of the instruction in the code
    uint8_t opcode = 0;            ///< the instruction's byte
    int64_t gas = 0;               ///< gas left before the instruction (nothing charged yet)
    int64_t refund = 0;            ///< this frame's refund counter so far (may be negative)
    std::span<const U256> stack;   ///< the stack, bottom item first
    BytesView memory;              ///< the frame's memory (size a multiple of 32)
    BytesView return_data;         ///< output of the frame's last sub-call
    const Message* msg = nullptr;  ///< the message being executed (depth, recipient, ...)
    Host* host = nullptr;          ///< the host (e.g. to read the slot an SLOAD will read)
};

/// Observer of an execution, for debug_trace* (geth's tracing hooks). Opt-in and zero-cost when
/// absent: Vm::set_tracer() switches the Vm to a separately instantiated interpreter loop that
/// reports every instruction; the untraced loop has no tracing code at all. The execution host
/// (execution::ExecHost) reports message calls, logs and self-destructs of a Vm with a tracer.
///
/// Event order for a call frame with code: on_call_enter (host) -> on_step per instruction
/// (Vm), nested frames in between -> on_frame_end (Vm) -> on_call_exit (host). Messages without
/// code (precompiles, plain accounts) and calls that fail before running (depth, balance) get
/// only on_call_enter/on_call_exit.
///
/// Hooks are noexcept: a tracer that cannot record (e.g. out of memory) must remember that and
/// report it after execution.
class Tracer
{
public:
    virtual ~Tracer() = default;

    /// Before each instruction of a frame run by the traced Vm.
    virtual void on_step(const StepContext& step) noexcept = 0;

    /// After the last instruction of a frame: the interpreter's status and gas left (which may
    /// be negative on a gas failure), before the host applies its own rules (code deposit,
    /// reverting the state).
    virtual void on_frame_end(Status status, int64_t gas_left) noexcept
    {
        (void)status;
        (void)gas_left;
    }

    /// A message (any depth, 0 = the transaction's) is about to be executed by the host.
    virtual void on_call_enter(const Message& msg) noexcept { (void)msg; }

    /// The host finished `msg` with `result`. `output` is the code deployed by a successful
    /// creation, otherwise result.output.
    virtual void on_call_exit(const Message& msg,
                              const ExecResult& result,
                              BytesView output) noexcept
    {
        (void)msg;
        (void)result;
        (void)output;
    }

    /// A LOG0..LOG4 of the frame that is running.
    virtual void on_log(const Address& addr,
                        BytesView data,
                        std::span<const Hash256> topics) noexcept
    {
        (void)addr;
        (void)data;
        (void)topics;
    }

    /// SELFDESTRUCT of `addr` (balance `balance` before) to `beneficiary`.
    virtual void on_selfdestruct(const Address& addr,
                                 const Address& beneficiary,
                                 const U256& balance) noexcept
    {
        (void)addr;
        (void)beneficiary;
        (void)balance;
    }
};

}  // namespace tern::evm
