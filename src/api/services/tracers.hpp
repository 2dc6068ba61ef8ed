#pragma once

// geth's built-in tracers over evm::Tracer: the struct (opcode) logger and callTracer, with
// geth's JSON output (debug_traceTransaction, debug_traceCall).

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/tracer.hpp"
#include "rpc/byte_budget.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tern::api {

/// geth's error text for a frame that ended with `status`. `opcode` is the frame's last
/// instruction and `stack_size` the stack height before it (used by the invalid-opcode and stack
/// messages); `code_store` marks a creation whose init code succeeded but whose code deposit
/// failed ("contract creation code storage out of gas").
std::string trace_error_message(evm::Status status,
                                uint8_t opcode,
                                size_t stack_size,
                                bool code_store = false);

/// Options of the struct logger (geth's logger.Config as sent in TraceConfig).
struct StructLoggerConfig
{
    bool enable_memory = false;       ///< enableMemory
    bool disable_stack = false;       ///< disableStack
    bool disable_storage = false;     ///< disableStorage
    bool enable_return_data = false;  ///< enableReturnData
    uint64_t limit = 0;               ///< most steps recorded (0 = all)
    /// Guard against traces that would exhaust memory: recording stops and result() fails when
    /// the steps would hold more than this many bytes at the peak (their json tree and three times
    /// its text, as allocated; 0 = no guard). Not part of geth's options.
    uint64_t max_bytes = uint64_t{256} << 20;
    /// The node-wide budget every trace running at once draws the same bytes from (the node's
    /// rpc_trace_total_bytes), so that concurrent traces are bounded in total, not only one by
    /// one; null: none. It must outlive the logger.
    rpc::ByteBudget* shared = nullptr;
};

/// geth's default tracer (the "struct logger" / opcode logger): one entry per executed
/// instruction with pc, op, gas, gasCost, depth, stack, memory, storage, refund and error.
/// Trace one message (one transaction) per instance.
class StructLogger final : public evm::Tracer
{
public:
    /// A logger with `config`.
    explicit StructLogger(StructLoggerConfig config = {});
    ~StructLogger() override;

    void on_step(const evm::StepContext& step) noexcept override;
    void on_frame_end(evm::Status status, int64_t gas_left) noexcept override;
    void on_call_enter(const evm::Message& msg) noexcept override;
    void on_call_exit(const evm::Message& msg,
                      const evm::ExecResult& result,
                      BytesView output) noexcept override;

    /// geth's ExecutionResult: {gas, failed, returnValue, structLogs}; `gas_used` is the
    /// transaction's gas used (after the refund). Throws std::runtime_error if recording failed
    /// or the trace is over config.max_bytes. Call once: it frees the recorded steps as it
    /// builds their json.
    nlohmann::json result(uint64_t gas_used);

    /// Number of recorded steps.
    size_t size() const noexcept;

    /// Memory the recorded steps will hold at the peak (their json tree and 3x its text, as
    /// malloc allocates them): what config.max_bytes bounds.
    uint64_t held_bytes() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Options of callTracer (geth's tracerConfig).
struct CallTracerConfig
{
    bool only_top_call = false;  ///< onlyTopCall: no sub-calls
    bool with_log = false;       ///< withLog: logs per frame (dropped for failed frames)
    /// As StructLoggerConfig::max_bytes: result() fails when the frames (their inputs,
    /// outputs, logs, json tree and three times its text) would hold more (0 = no guard).
    uint64_t max_bytes = uint64_t{256} << 20;
    /// As StructLoggerConfig::shared.
    rpc::ByteBudget* shared = nullptr;
};

/// geth's callTracer: the tree of message calls {type, from, to, value, gas, gasUsed, input,
/// output, error, revertReason, calls, logs: [{address, topics, data, position, index}]}. Trace
/// one message (one transaction) per instance.
class CallTracer final : public evm::Tracer
{
public:
    /// A tracer with `config`.
    explicit CallTracer(CallTracerConfig config = {});
    ~CallTracer() override;

    void on_step(const evm::StepContext& step) noexcept override;
    void on_frame_end(evm::Status status, int64_t gas_left) noexcept override;
    void on_call_enter(const evm::Message& msg) noexcept override;
    void on_call_exit(const evm::Message& msg,
                      const evm::ExecResult& result,
                      BytesView output) noexcept override;
    void on_log(const Address& addr,
                BytesView data,
                std::span<const Hash256> topics) noexcept override;
    void on_selfdestruct(const Address& addr,
                         const Address& beneficiary,
                         const U256& balance) noexcept override;

    /// The top call frame as geth's JSON; its gas is `gas_limit` (the transaction's) and its
    /// gasUsed `gas_used` (the receipt's). Logs (withLog) are numbered like the receipt's
    /// logIndex from `first_log_index` (the logs of the block's earlier transactions; 0 for a
    /// call). Throws std::runtime_error if recording failed, the trace is over
    /// config.max_bytes or no message was traced. Call once: it moves the recorded tree.
    nlohmann::json result(uint64_t gas_limit, uint64_t gas_used, uint64_t first_log_index = 0);

    /// Memory the recorded frames will hold at the peak: what config.max_bytes bounds.
    uint64_t held_bytes() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tern::api
