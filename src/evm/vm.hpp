#pragma once

#include "core/bytes.hpp"
#include "core/deadline.hpp"
#include "evm/analysis.hpp"
#include "evm/deadline_check.hpp"
#include "evm/host.hpp"
#include "evm/tracer.hpp"

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

namespace tern::evm {

struct ExecutionState;

/// The EVM interpreter for fork Cancun. Owns everything mutable the interpreter needs: a cache
/// of code analyses keyed by code hash, and a pool of per-frame states (stack + memory) reused
/// across calls so nested frames do not allocate. One Vm per thread/chain; not thread-safe.
///
/// Re-entrant: Host::call may call execute() again for a nested frame.
class Vm
{
public:
    Vm();
    ~Vm();
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    /// Executes `code` for `msg` (analysed on the fly, not cached; use this for init code).
    ExecResult execute(Host& host, const Message& msg, BytesView code);

    /// Executes `code` for `msg`, reusing the cached analysis for `code_hash`, which must be
    /// keccak256(code) (the account's code hash).
    ExecResult execute(Host& host, const Message& msg, BytesView code, const Hash256& code_hash);

    /// Cached analysis of `code` whose hash is `code_hash` (analysed and stored on a miss).
    std::shared_ptr<const CodeAnalysis> analysis_for(const Hash256& code_hash, BytesView code);

    /// Number of cached analyses.
    size_t cache_size() const noexcept { return cache_.size(); }

    /// Drops all cached analyses (those in use stay alive until their frames end).
    void clear_cache() noexcept { cache_.clear(); }

    /// Upper bound on cached analyses; the cache is emptied when it would grow past it.
    static constexpr size_t kMaxCachedAnalyses = 8192;

    /// Frame memory larger than this is freed when the frame ends instead of kept for reuse.
    static constexpr size_t kMaxRetainedMemory = 1 << 20;

    /// Installs `tracer` (nullptr removes it): frames then run in the traced interpreter loop
    /// and report to it, and the execution host reports calls/logs. The tracer must outlive
    /// its use; without one the interpreter runs the untraced loop.
    void set_tracer(Tracer* tracer) noexcept
    {
        tracer_ = tracer;
        plain_ = tracer_ == nullptr && check_.deadline() == nullptr;
    }

    /// The installed tracer, or nullptr.
    Tracer* tracer() const noexcept { return tracer_; }

    /// Makes the executions that follow stop when `deadline` expires (nullptr removes it), for
    /// RPC-driven executions (eth_call, estimates, traces): frames then run in an interpreter
    /// loop that checks it at jumps, calls and creations (the clock every
    /// DeadlineCheck::kInterval of them) and end with Status::Interrupted; the execution host
    /// passes it to long precompiles. Without one (block execution) the loop is the plain one,
    /// which has no checking code at all. `deadline` must outlive its use; setting it clears
    /// interrupted().
    void set_deadline(const Deadline* deadline) noexcept
    {
        check_.arm(deadline);
        plain_ = tracer_ == nullptr && check_.deadline() == nullptr;
    }

    /// The deadline in force, or nullptr.
    const Deadline* deadline() const noexcept { return check_.deadline(); }

    /// True once an execution stopped at the deadline since set_deadline(): its results are not
    /// an answer (an RPC error, never a state change).
    bool interrupted() const noexcept { return check_.expired(); }

    /// Records that work outside the interpreter (a precompile) stopped at the deadline, so the
    /// frames above it stop at their next checkpoint instead of carrying on.
    void note_interrupted() noexcept { check_.expire(); }

private:
    ExecResult run(Host& host, const Message& msg, const CodeAnalysis& analysis);
    std::unique_ptr<ExecutionState> acquire_state();
    void release_state(std::unique_ptr<ExecutionState> state) noexcept;

    std::unordered_map<Hash256, std::shared_ptr<const CodeAnalysis>> cache_;
    std::vector<std::unique_ptr<ExecutionState>> free_states_;
    Tracer* tracer_ = nullptr;
    DeadlineCheck check_;
    bool plain_ = true;  ///< neither a tracer nor a deadline: the plain loop (block execution)
};

/// Installs a deadline on a Vm for the lifetime of the guard (an RPC handler's execution) and
/// removes it again, so a pooled Vm never carries one into another use.
class ScopedDeadline
{
public:
    /// Sets `deadline` (which outlives the guard) on `vm`.
    ScopedDeadline(Vm& vm, const Deadline& deadline) noexcept : vm_(vm)
    {
        vm.set_deadline(&deadline);
    }
    ~ScopedDeadline() { vm_.set_deadline(nullptr); }
    ScopedDeadline(const ScopedDeadline&) = delete;
    ScopedDeadline& operator=(const ScopedDeadline&) = delete;

private:
    Vm& vm_;
};

}  // namespace tern::evm
