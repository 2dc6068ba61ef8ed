#include "api/handlers/debug_api.hpp"

#include "api/backend.hpp"
#include "api/json/encode.hpp"
#include "api/json/params.hpp"
#include "api/method_table.hpp"
#include "api/services/call.hpp"
#include "api/services/chain_access.hpp"
#include "api/services/tracers.hpp"
#include "chain/block.hpp"
#include "chain/block_builder.hpp"
#include "core/duration.hpp"
#include "db/chain_db.hpp"
#include "evm/vm.hpp"
#include "rpc/dispatcher.hpp"
#include "transaction/codec.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tern::api {
namespace {

using nlohmann::json;
namespace enc = json_rpc;
using params::BlockId;

/// Parsed TraceConfig (and TraceCallConfig's stateOverrides).
struct TraceOptions
{
    enum class Kind : uint8_t
    {
        StructLogger,
        CallTracer,
        Noop,
    };
    Kind kind = Kind::StructLogger;
    StructLoggerConfig logger;
    CallTracerConfig call;
    StateOverrides overrides;
    BlockOverrides block_overrides;
    /// TraceConfig.timeout (a Go duration); zero when absent. It can only shorten the node's
    /// --rpc-evm-timeout.
    std::chrono::nanoseconds timeout{};
};

/// geth's error of a trace stopped at its deadline (tracer.Stop(errors.New("execution
/// timeout"))), -32000.
rpc::Error timeout_error()
{
    return rpc::Error::server("execution timeout");
}

/// geth's json error for a mistyped TraceConfig field.
rpc::Error type_error(size_t index, const std::string& field, const char* go_type)
{
    return params::invalid(
        index, "json: cannot unmarshal into Go struct field " + field + " of type " + go_type);
}

bool flag(const json& obj, const char* key, size_t index, const char* type)
{
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return false;
    if (!it->is_boolean())
        throw type_error(index, std::string(type) + "." + key, "bool");
    return it->get<bool>();
}

TraceOptions parse_options(const json& v, size_t index, bool call_config, Backend& backend)
{
    TraceOptions o;
    o.logger.max_bytes = backend.limits().rpc_trace_max_bytes;
    o.call.max_bytes = backend.limits().rpc_trace_max_bytes;
    o.logger.shared = &backend.trace_budget();
    o.call.shared = &backend.trace_budget();
    if (v.is_null())
        return o;
    if (!v.is_object())
        throw params::invalid(index, "json: cannot unmarshal " + std::string(v.type_name()) +
                                         " into Go value of type tracers.TraceConfig");
    const char* type = call_config ? "TraceCallConfig" : "TraceConfig";
    o.logger.enable_memory = flag(v, "enableMemory", index, type);
    o.logger.disable_stack = flag(v, "disableStack", index, type);
    o.logger.disable_storage = flag(v, "disableStorage", index, type);
    o.logger.enable_return_data = flag(v, "enableReturnData", index, type);
    if (const auto it = v.find("limit"); it != v.end() && !it->is_null())
    {
        if (!it->is_number_integer() || it->get<int64_t>() < 0)
            throw type_error(index, std::string(type) + ".limit", "int");
        o.logger.limit = it->get<uint64_t>();
    }
    if (const auto it = v.find("tracer"); it != v.end() && !it->is_null())
    {
        if (!it->is_string())
            throw type_error(index, std::string(type) + ".tracer", "string");
        const auto name = it->get<std::string>();
        if (name == "callTracer")
            o.kind = TraceOptions::Kind::CallTracer;
        else if (name == "noopTracer")
            o.kind = TraceOptions::Kind::Noop;
        else if (!name.empty())
            throw rpc::Error::server("tracer not found: " + name +
                                     " (supported: callTracer, noopTracer, or none for the "
                                     "struct logger)");
    }
    if (const auto it = v.find("tracerConfig"); it != v.end() && !it->is_null())
    {
        if (!it->is_object())
            throw type_error(index, std::string(type) + ".tracerConfig", "json.RawMessage");
        if (o.kind == TraceOptions::Kind::CallTracer)
        {
            o.call.only_top_call = flag(*it, "onlyTopCall", index, "native.callTracerConfig");
            o.call.with_log = flag(*it, "withLog", index, "native.callTracerConfig");
        }
    }
    if (const auto it = v.find("timeout"); it != v.end() && !it->is_null())
    {
        if (!it->is_string())
            throw type_error(index, std::string(type) + ".timeout", "string");
        const auto d = parse_go_duration(it->get<std::string>());
        if (!d)
            throw rpc::Error::server(d.error());  // geth: time.ParseDuration's error
        o.timeout = *d;
        if (o.timeout <= std::chrono::nanoseconds::zero())
            throw timeout_error();  // geth: a context that is already past its deadline
    }
    if (call_config)
    {
        if (const auto it = v.find("stateOverrides"); it != v.end() && !it->is_null())
            o.overrides = params::state_overrides(*it, index);
        if (const auto it = v.find("blockOverrides"); it != v.end())
            o.block_overrides = params::block_overrides(*it, index);
    }
    return o;
}

/// The tracer chosen by the options, installed on a Vm for its lifetime.
class ScopedTracer
{
public:
    ScopedTracer(const TraceOptions& options, evm::Vm& vm) : vm_(vm)
    {
        switch (options.kind)
        {
            case TraceOptions::Kind::StructLogger:
                logger_ = std::make_unique<StructLogger>(options.logger);
                vm.set_tracer(logger_.get());
                break;
            case TraceOptions::Kind::CallTracer:
                call_ = std::make_unique<CallTracer>(options.call);
                vm.set_tracer(call_.get());
                break;
            case TraceOptions::Kind::Noop:
                break;
        }
    }
    ~ScopedTracer() { vm_.set_tracer(nullptr); }
    ScopedTracer(const ScopedTracer&) = delete;
    ScopedTracer& operator=(const ScopedTracer&) = delete;

    /// Stops tracing (the Vm runs untraced again).
    void detach() noexcept { vm_.set_tracer(nullptr); }

    /// The tracer's JSON result for a message with `gas_limit` that used `gas_used`, whose first
    /// log has index `first_log_index` in the block.
    json result(uint64_t gas_limit, uint64_t gas_used, uint64_t first_log_index = 0) const
    {
        try
        {
            if (logger_)
                return logger_->result(gas_used);
            if (call_)
                return call_->result(gas_limit, gas_used, first_log_index);
            return json::object();
        }
        catch (const std::runtime_error& e)
        {
            throw rpc::Error::server(e.what());
        }
    }

private:
    evm::Vm& vm_;
    std::unique_ptr<StructLogger> logger_;
    std::unique_ptr<CallTracer> call_;
};

class DebugApi
{
public:
    explicit DebugApi(Backend& backend) : backend_(backend), chain_(backend) {}

    /// Adds the methods; they execute, so all run on the heavy lane.
    void add_to(MethodTable& t)
    {
        constexpr auto heavy = rpc::Cost::Heavy;
        t.add(
            "debug_traceTransaction",
            [this](const json& p, rpc::CallContext& ctx) { return trace_transaction(p, ctx); },
            heavy);
        t.add(
            "debug_traceCall",
            [this](const json& p, rpc::CallContext& ctx) { return trace_call(p, ctx); }, heavy);
        t.add(
            "debug_traceBlockByNumber",
            [this](const json& p, rpc::CallContext& ctx) { return trace_block(p, false, ctx); },
            heavy);
        t.add(
            "debug_traceBlockByHash",
            [this](const json& p, rpc::CallContext& ctx) { return trace_block(p, true, ctx); },
            heavy);
    }

private:
    json trace_transaction(const json& p, rpc::CallContext& ctx)
    {
        params::expect_count(p, 1, 2);
        const Hash256 hash = params::hash(params::at(p, 0), 0);
        const auto options = parse_options(params::at(p, 1), 1, false, backend_);
        const auto lookup = backend_.chain().transaction(hash);
        if (!lookup)
            throw rpc::Error::server("transaction not found");
        const auto block = backend_.chain().block(lookup->block_number);
        if (!block)
            throw rpc::Error::server("block not found");
        auto results = replay(*block, lookup->index, options, ctx);
        return std::move(results.front()["result"]);
    }

    json trace_block(const json& p, bool by_hash, rpc::CallContext& ctx)
    {
        params::expect_count(p, 1, 2);
        BlockId id;
        if (by_hash)
        {
            id.kind = BlockId::Kind::Hash;
            id.hash = params::hash(params::at(p, 0), 0);
        }
        else
            id = params::block_id(params::at(p, 0), 0, false);
        const auto options = parse_options(params::at(p, 1), 1, false, backend_);
        const auto ref = chain_.find_block(id);
        const auto block = ref ? backend_.chain().block(ref->number) : std::nullopt;
        if (!block)
            throw rpc::Error::server(by_hash
                                         ? "block " + enc::hash(id.hash) + " not found"
                                         : "block #" + std::to_string(id.number) + " not found");
        return replay(*block, std::nullopt, options, ctx);
    }

    /// Re-executes `block` on its parent's state: the beacon-root system call, then its
    /// transactions in order. Traces transaction `only` (or every one) and returns
    /// [{txHash, result}] for the traced ones. One deadline covers the whole request (the
    /// earlier transactions' replay included).
    json replay(const chain::Block& block,
                std::optional<uint32_t> only,
                const TraceOptions& options,
                rpc::CallContext& ctx)
    {
        const uint64_t number = block.header.number;
        if (number == 0)
            throw rpc::Error::server("genesis is not traceable");
        BlockId parent_id;
        parent_id.kind = BlockId::Kind::Number;
        parent_id.number = number - 1;
        const BlockRef parent = chain_.require_block(parent_id);
        const auto parent_state = chain_.state_at(parent);

        chain::BlockAttributes attributes;
        attributes.timestamp = block.header.timestamp;
        attributes.coinbase = block.header.coinbase;
        attributes.prev_randao = block.header.mix_hash;
        attributes.gas_limit = block.header.gas_limit;
        attributes.base_fee = block.header.base_fee;
        attributes.extra_data = block.header.extra_data;
        attributes.parent_beacon_block_root = block.header.parent_beacon_block_root;
        attributes.withdrawals = block.withdrawals;
        attributes.features = backend_.rules().features.get();
        attributes.fees = chain::fee_policy(backend_.rules());

        auto lease = backend_.vms().acquire();
        evm::Vm& vm = *lease;
        const db::StateView* view = parent_state.get();
        const Deadline deadline = chain_.execution_deadline(ctx, options.timeout);
        const evm::ScopedDeadline scoped{vm, deadline};
        chain::BlockBuilder builder{parent.header,
                                    *parent_state,
                                    backend_.rules().chain_id,
                                    std::move(attributes),
                                    [view](uint64_t n) {
                                        const auto h = view->block_hash(n);
                                        return h ? *h : Hash256{};
                                    },
                                    vm};

        json out = json::array();
        uint64_t logs_before = 0;  // logs of the block's earlier transactions
        const size_t count = only ? *only + 1 : block.transactions.size();
        if (count > block.transactions.size() || block.senders.size() < count)
            throw rpc::Error::internal("transaction index out of range");
        for (size_t i = 0; i < count; ++i)
        {
            const auto& tx = block.transactions[i];
            if (only && i != *only)
            {
                const auto r = builder.try_add(tx, block.senders[i]);
                parent_state->throw_if_faulted();
                if (vm.interrupted())
                    throw timeout_error();
                if (!r)
                    throw rpc::Error::internal("replaying transaction " + std::to_string(i) +
                                               " failed: " + r.error().message());
                logs_before += (*r)->logs.size();
                continue;
            }
            json item = json::object();
            item["txHash"] = enc::hash(transaction_hash(tx));
            ScopedTracer tracer{options, vm};
            const auto r = builder.try_add(tx, block.senders[i]);
            tracer.detach();
            parent_state->throw_if_faulted();
            if (vm.interrupted())
                throw timeout_error();
            if (!r)
                throw rpc::Error::internal("replaying transaction " + std::to_string(i) +
                                           " failed: " + r.error().message());
            item["result"] = tracer.result(tx.gas_limit, (*r)->gas_used, logs_before);
            logs_before += (*r)->logs.size();
            out.push_back(std::move(item));
        }
        parent_state->throw_if_faulted();
        return out;
    }

    json trace_call(const json& p, rpc::CallContext& ctx)
    {
        params::expect_count(p, 1, 3);
        const auto args = params::tx_args(params::at(p, 0), 0);
        const BlockRef block = chain_.require_block(params::block_id(params::at(p, 1), 1, true));
        const auto options = parse_options(params::at(p, 2), 2, true, backend_);
        const auto state = chain_.state_at(block);
        const auto header = ChainAccess::with_overrides(block.header, options.block_overrides);
        const uint64_t default_gas =
            backend_.limits().rpc_gas_cap ? backend_.limits().rpc_gas_cap : header.gas_limit;
        const CallRequest req = chain_.call_request(args, header, default_gas);
        const OverrideReader reader{*state, options.overrides};
        const auto env = chain_.block_env(block.header, *state, options.block_overrides);
        auto lease = backend_.vms().acquire();
        const Deadline deadline = chain_.execution_deadline(ctx, options.timeout);
        const evm::ScopedDeadline scoped{*lease, deadline};
        ScopedTracer tracer{options, *lease};
        const auto r = simulate_call(reader, env, req, *lease);
        tracer.detach();
        state->throw_if_faulted();
        if (!r)
        {
            if (r.error().aborted)
                throw timeout_error();
            throw rpc::Error::server(r.error().message);
        }
        return tracer.result(req.gas, r->gas_used);
    }

    Backend& backend_;
    ChainAccess chain_;
};

}  // namespace

void add_debug_methods(MethodTable& table, Backend& backend)
{
    auto api = std::make_shared<DebugApi>(backend);
    api->add_to(table);
    table.retain(api);  // the handlers point into it
}

}  // namespace tern::api
