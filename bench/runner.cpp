#include "bench/runner.hpp"

#include "evm/vm.hpp"

#include <algorithm>

namespace tern::bench {
namespace {

/// Runs code through Tern's interpreter.
class VmExecutor final : public CodeExecutor
{
public:
    evm::ExecResult execute(evm::Host& host, const evm::Message& msg, BytesView code) override
    {
        return vm_.execute(host, msg, code);
    }

private:
    evm::Vm vm_;
};

}  // namespace

int64_t RunOutcome::receipt_gas(int64_t intrinsic) const noexcept
{
    const int64_t used = intrinsic + gas_used;
    return used - std::min(std::max<int64_t>(gas_refund, 0), used / 5);
}

/// The interpreter and the host over one workload's state.
struct WorkloadRunner::Engine
{
    explicit Engine(const Workload& w) : host(w, executor) {}
    VmExecutor executor;
    BenchHost host;
};

WorkloadRunner::WorkloadRunner(const Workload& w)
    : workload_(w),
      engine_(std::make_unique<Engine>(w)),
      intrinsic_(intrinsic_gas(w.calldata)),
      frame_gas_(std::max<int64_t>(w.gas_limit - intrinsic_, 0))
{}

WorkloadRunner::~WorkloadRunner() = default;

void WorkloadRunner::reset()
{
    engine_->host.reset();
}

RunOutcome WorkloadRunner::run()
{
    evm::Message msg;
    msg.kind = evm::CallKind::Call;
    msg.depth = 0;
    msg.gas = frame_gas_;
    msg.recipient = workload_.to;
    msg.code_address = workload_.to;
    msg.sender = workload_.sender;
    msg.input = workload_.calldata;
    msg.value = 0;

    const BytesView code = engine_->host.code_of(workload_.to);
    evm::ExecResult r = engine_->executor.execute(engine_->host, msg, code);

    RunOutcome out;
    out.status = r.status;
    out.gas_used = frame_gas_ - r.gas_left;
    out.gas_refund = r.status == evm::Status::Success ? r.gas_refund : 0;
    out.output = std::move(r.output);
    out.logs = engine_->host.log_count();
    out.calls = engine_->host.call_count();
    return out;
}

}  // namespace tern::bench
