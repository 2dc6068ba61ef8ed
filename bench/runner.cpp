#include "bench/runner.hpp"

#include "core/keccak.hpp"
#include "evm/vm.hpp"

#ifdef TERN_BENCH_WITH_EXEC_HOST
#    include "execution/block_env.hpp"
#    include "execution/host.hpp"
#    include "state/memory_backend.hpp"
#    include "state/state.hpp"
#endif

#include <algorithm>
#include <string>

namespace tern::bench {

/// An interpreter plus a host over one workload's state.
struct WorkloadRunner::Engine
{
    virtual ~Engine() = default;
    /// Restores the pre-state and the transaction-start warm set.
    virtual void reset() = 0;
    /// Executes the first frame (through the host, like a transaction's top-level call).
    virtual evm::ExecResult call(const evm::Message& msg) = 0;
    /// LOG records since reset().
    virtual size_t logs() const = 0;
    /// Nested calls since reset() (0 when the host does not count them).
    virtual size_t calls() const = 0;
    /// The interpreter (for its deadline).
    virtual evm::Vm& vm() = 0;
};

namespace {

/// Runs code through Tern's interpreter, with the analysis cached by code hash.
class VmExecutor final : public CodeExecutor
{
public:
    evm::ExecResult execute(evm::Host& host,
                            const evm::Message& msg,
                            BytesView code,
                            const Hash256& code_hash) override
    {
        return vm_.execute(host, msg, code, code_hash);
    }

    /// The interpreter.
    evm::Vm& vm() noexcept { return vm_; }

private:
    evm::Vm vm_;
};

/// The in-memory bench host.
class BenchEngine final : public WorkloadRunner::Engine
{
public:
    explicit BenchEngine(const Workload& w) : host_(w, executor_) {}
    void reset() override { host_.reset(); }
    evm::ExecResult call(const evm::Message& msg) override { return host_.call(msg); }
    size_t logs() const override { return host_.log_count(); }
    size_t calls() const override { return host_.call_count(); }
    evm::Vm& vm() override { return executor_.vm(); }

private:
    VmExecutor executor_;
    BenchHost host_;
};

#ifdef TERN_BENCH_WITH_EXEC_HOST
/// The node's execution host over a journaled state on an in-memory backend.
class ExecEngine final : public WorkloadRunner::Engine
{
public:
    explicit ExecEngine(const Workload& w) : sender_(w.sender), to_(w.to)
    {
        for (const AccountSpec& a : w.accounts)
            backend_.put_account(a.address, a.nonce, a.balance, a.code, a.storage);
        block_.coinbase = w.block.coinbase;
        block_.number = w.block.number;
        block_.timestamp = w.block.timestamp;
        block_.gas_limit = w.block.gas_limit;
        block_.prev_randao = w.block.prev_randao;
        block_.base_fee = w.block.base_fee;
        block_.chain_id = w.block.chain_id;
        block_.block_hash = [](int64_t n) {
            return keccak256(as_bytes(std::to_string(n)));
        };
        ctx_.gas_price = w.gas_price;
        ctx_.origin = w.sender;
        ctx_.coinbase = block_.coinbase;
        ctx_.block_number = block_.number;
        ctx_.block_timestamp = block_.timestamp;
        ctx_.block_gas_limit = block_.gas_limit;
        ctx_.prev_randao = block_.prev_randao;
        ctx_.chain_id = block_.chain_id;
        ctx_.base_fee = block_.base_fee;
        ctx_.blob_base_fee = execution::blob_base_fee(0);
        reset();
    }

    void reset() override
    {
        host_.reset();
        state_.reset();
        state_ = std::make_unique<state::State>(backend_);
        state_->access_account(sender_);
        state_->access_account(to_);
        for (uint64_t i = 1; i <= 0x0a; ++i)
            state_->access_account(address_from_u64(i));
        state_->access_account(block_.coinbase);
        host_ = std::make_unique<execution::ExecHost>(*state_, vm_, ctx_, block_);
    }
    evm::ExecResult call(const evm::Message& msg) override { return host_->call(msg); }
    size_t logs() const override { return state_->logs().size(); }
    size_t calls() const override { return 0; }
    evm::Vm& vm() override { return vm_; }

private:
    Address sender_;
    Address to_;
    state::MemoryBackend backend_;
    evm::Vm vm_;
    execution::BlockEnv block_;
    evm::TxContext ctx_;
    std::unique_ptr<state::State> state_;
    std::unique_ptr<execution::ExecHost> host_;
};
#endif

}  // namespace

bool exec_host_available() noexcept
{
#ifdef TERN_BENCH_WITH_EXEC_HOST
    return true;
#else
    return false;
#endif
}

HostKind default_host_kind() noexcept
{
    return exec_host_available() ? HostKind::Exec : HostKind::Bench;
}

const char* host_kind_name(HostKind kind) noexcept
{
    return kind == HostKind::Exec ? "exec" : "bench";
}

int64_t RunOutcome::receipt_gas(int64_t intrinsic) const noexcept
{
    const int64_t used = intrinsic + gas_used;
    return used - std::min(std::max<int64_t>(gas_refund, 0), used / 5);
}

WorkloadRunner::WorkloadRunner(const Workload& w, HostKind kind)
    : workload_(w),
      kind_(exec_host_available() ? kind : HostKind::Bench),
      intrinsic_(intrinsic_gas(w.calldata)),
      frame_gas_(std::max<int64_t>(w.gas_limit - intrinsic_, 0))
{
#ifdef TERN_BENCH_WITH_EXEC_HOST
    if (kind_ == HostKind::Exec)
        engine_ = std::make_unique<ExecEngine>(w);
#endif
    if (!engine_)
        engine_ = std::make_unique<BenchEngine>(w);
}

WorkloadRunner::~WorkloadRunner() = default;

void WorkloadRunner::reset()
{
    engine_->reset();
}

void WorkloadRunner::set_deadline(const Deadline* deadline)
{
    engine_->vm().set_deadline(deadline);
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

    evm::ExecResult r = engine_->call(msg);

    RunOutcome out;
    out.status = r.status;
    out.gas_used = frame_gas_ - r.gas_left;
    out.gas_refund = r.status == evm::Status::Success ? r.gas_refund : 0;
    out.output = std::move(r.output);
    out.logs = engine_->logs();
    out.calls = engine_->calls();
    return out;
}

}  // namespace tern::bench
