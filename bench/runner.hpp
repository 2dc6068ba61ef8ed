#pragma once

#include "bench/bench_host.hpp"
#include "bench/workloads.hpp"
#include "core/deadline.hpp"
#include "evm/host.hpp"

#include <cstdint>
#include <memory>

namespace tern::bench {

/// What one execution of a workload produced.
struct RunOutcome
{
    evm::Status status = evm::Status::InternalError;
    int64_t gas_used = 0;    ///< execution gas of the first frame (excludes intrinsic gas)
    int64_t gas_refund = 0;  ///< refund counter at the end (not yet capped)
    Bytes output;            ///< return or revert data
    size_t logs = 0;         ///< LOG records emitted
    size_t calls = 0;        ///< nested calls made

    /// Gas a transaction receipt would show: intrinsic + execution - capped refund (EIP-3529).
    int64_t receipt_gas(int64_t intrinsic) const noexcept;
};

/// Which Host the interpreter runs against.
enum class HostKind : uint8_t
{
    Exec,   ///< the node's execution host over a journaled state (src/execution), if built
    Bench,  ///< bench/bench_host: a small in-memory host (always available)
};

/// True if the execution layer's host was available at build time.
bool exec_host_available() noexcept;

/// The host used unless asked otherwise: Exec when available, else Bench.
HostKind default_host_kind() noexcept;

/// "exec" or "bench".
const char* host_kind_name(HostKind kind) noexcept;

/// Executes one workload through Tern's interpreter, repeatedly: reset() restores the pre-state,
/// run() executes the call. Owns the interpreter, the host and the message.
class WorkloadRunner
{
public:
    /// Prepares a host of `kind` over `w`'s pre-state; `w` must outlive the runner. Bench is
    /// used if `kind` is Exec and the execution layer was not built.
    explicit WorkloadRunner(const Workload& w, HostKind kind = default_host_kind());
    ~WorkloadRunner();
    WorkloadRunner(const WorkloadRunner&) = delete;
    WorkloadRunner& operator=(const WorkloadRunner&) = delete;

    /// Restores the pre-state (call between runs; not part of the measured time).
    void reset();

    /// Executes the workload's call once from the current state.
    RunOutcome run();

    /// Runs the executions that follow under `deadline` (nullptr: none, the default), as
    /// eth_call does: the interpreter then takes its deadline-checking loop.
    void set_deadline(const Deadline* deadline);

    /// Gas given to the first frame: the transaction gas limit less intrinsic gas.
    int64_t frame_gas() const noexcept { return frame_gas_; }

    /// Intrinsic gas of the workload's transaction.
    int64_t intrinsic() const noexcept { return intrinsic_; }

    /// The host this runner uses.
    HostKind host_kind() const noexcept { return kind_; }

    /// Interface of the two engines (interpreter + host); public so runner.cpp can define them.
    struct Engine;

private:
    const Workload& workload_;
    HostKind kind_;
    std::unique_ptr<Engine> engine_;
    int64_t intrinsic_ = 0;
    int64_t frame_gas_ = 0;
};

}  // namespace tern::bench
