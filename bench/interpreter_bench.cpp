// tern-bench-interpreter: Google Benchmark program running Tern's interpreter over
//  - the Solidity workloads of bench/contracts (compiled runtime code + call data), and
//  - the standard EVM benchmark state tests (snailtracer, blake2b, sha1, weierstrudel, ...).
// Reports time per execution and gas/s (counter gas_rate).
//
// Extra flags (besides Google Benchmark's own):
//   --contracts-dir=DIR         folder with workloads.json (default: the source tree's)
//   --evm-benchmarks-dir=DIR    state-test benchmarks folder (default: configured path)
//   --dump-workloads=FILE       run each workload once, write JSON (code, input, gas, status,
//                               output) for bench/evm-vs-anvil, and exit
//   --list-workloads            print the workload names and exit
//   --host=exec|bench           the Host under the interpreter: the node's execution host
//                               (default when built) or bench/bench_host's in-memory one
//   --deadline                  also run each workload as eth_call does, under an RPC
//                               execution deadline (far away): the interpreter's checking
//                               loop; those benchmarks are named <workload>/deadline

#include "bench/runner.hpp"
#include "bench/workloads.hpp"
#include "core/hex.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef TERN_BENCH_CONTRACTS_DIR
#    define TERN_BENCH_CONTRACTS_DIR "bench/contracts"
#endif
#ifndef TERN_EVM_BENCHMARKS_DIR
#    define TERN_EVM_BENCHMARKS_DIR "../shared/evm-benchmarks"
#endif

namespace {

using tern::bench::RunOutcome;
using tern::bench::Workload;
using tern::bench::WorkloadRunner;

/// Name of an execution status for reports.
const char* status_name(tern::evm::Status s)
{
    using tern::evm::Status;
    switch (s)
    {
        case Status::Success:
            return "success";
        case Status::Revert:
            return "revert";
        case Status::OutOfGas:
            return "out_of_gas";
        case Status::InvalidInstruction:
            return "invalid_instruction";
        case Status::UndefinedInstruction:
            return "undefined_instruction";
        case Status::StackOverflow:
            return "stack_overflow";
        case Status::StackUnderflow:
            return "stack_underflow";
        case Status::BadJumpDestination:
            return "bad_jump_destination";
        case Status::InvalidMemoryAccess:
            return "invalid_memory_access";
        case Status::StaticModeViolation:
            return "static_mode_violation";
        case Status::CallDepthExceeded:
            return "call_depth_exceeded";
        case Status::InsufficientBalance:
            return "insufficient_balance";
        case Status::ArgumentOutOfRange:
            return "argument_out_of_range";
        case Status::PrecompileFailure:
            return "precompile_failure";
        case Status::ContractValidationFailure:
            return "contract_validation_failure";
        case Status::CreateCollision:
            return "create_collision";
        case Status::InitcodeSizeExceeded:
            return "initcode_size_exceeded";
        case Status::CodeSizeExceeded:
            return "code_size_exceeded";
        case Status::InternalError:
            return "internal_error";
        case Status::Interrupted:
            return "interrupted";
    }
    return "unknown";
}

/// The benchmark body: one iteration = one execution of the workload's call from the pre-state;
/// with `deadline`, under it (the loop eth_call runs).
void run_workload(benchmark::State& state,
                  const Workload* w,
                  tern::bench::HostKind host,
                  const tern::Deadline* deadline)
{
    WorkloadRunner runner(*w, host);
    runner.set_deadline(deadline);
    const RunOutcome first = runner.run();
    if (first.status != tern::evm::Status::Success)
    {
        state.SkipWithError(
            (std::string("execution failed: ") + status_name(first.status)).c_str());
        return;
    }
    for (auto _ : state)
    {
        state.PauseTiming();
        runner.reset();
        state.ResumeTiming();
        RunOutcome r = runner.run();
        benchmark::DoNotOptimize(r.gas_used);
        benchmark::DoNotOptimize(r.output.data());
    }
    const auto iterations = static_cast<double>(state.iterations());
    state.counters["gas_used"] = static_cast<double>(first.gas_used);
    state.counters["gas_rate"] = benchmark::Counter(
        static_cast<double>(first.gas_used) * iterations, benchmark::Counter::kIsRate);
}

/// Runs every workload once and writes what bench/evm-vs-anvil needs to replay it elsewhere.
int dump_workloads(const std::vector<Workload>& workloads,
                   tern::bench::HostKind host,
                   const std::string& path)
{
    nlohmann::json list = nlohmann::json::array();
    for (const Workload& w : workloads)
    {
        WorkloadRunner runner(w, host);
        const RunOutcome r = runner.run();
        nlohmann::json accounts = nlohmann::json::array();
        for (const auto& a : w.accounts)
        {
            nlohmann::json storage = nlohmann::json::object();
            for (const auto& [k, v] : a.storage)
                storage[k.to_hex()] = v.to_hex();
            accounts.push_back({{"address", tern::to_hex(a.address)},
                                {"balance", a.balance.to_hex()},
                                {"nonce", a.nonce},
                                {"code", tern::to_hex(a.code)},
                                {"storage", storage}});
        }
        list.push_back({{"name", w.name},
                        {"description", w.description},
                        {"sender", tern::to_hex(w.sender)},
                        {"to", tern::to_hex(w.to)},
                        {"calldata", tern::to_hex(w.calldata)},
                        {"gas_limit", w.gas_limit},
                        {"intrinsic_gas", runner.intrinsic()},
                        {"accounts", accounts},
                        {"status", status_name(r.status)},
                        {"gas_used", r.gas_used},
                        {"gas_refund", r.gas_refund},
                        {"receipt_gas", r.receipt_gas(runner.intrinsic())},
                        {"output", tern::to_hex(r.output)},
                        {"logs", r.logs},
                        {"calls", r.calls}});
        std::fprintf(stderr, "%-45s %-10s gas %lld\n", w.name.c_str(), status_name(r.status),
                     static_cast<long long>(r.gas_used));
    }
    std::ofstream out(path);
    if (!out)
    {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        return 1;
    }
    out << nlohmann::json{{"host", tern::bench::host_kind_name(host)}, {"workloads", list}}.dump(1)
        << "\n";
    return out.good() ? 0 : 1;
}

/// Takes `--name=value` out of argv (so Google Benchmark does not reject it); returns the value.
bool take_flag(int& argc, char** argv, std::string_view name, std::string& value)
{
    for (int i = 1; i < argc; ++i)
    {
        std::string_view a = argv[i];
        if (a == name ||
            (a.size() > name.size() && a.substr(0, name.size()) == name && a[name.size()] == '='))
        {
            value = a.size() > name.size() ? std::string(a.substr(name.size() + 1)) : "";
            for (int j = i; j + 1 < argc; ++j)
                argv[j] = argv[j + 1];
            --argc;
            return true;
        }
    }
    return false;
}

}  // namespace

int main(int argc, char** argv)
{
    std::string contracts_dir = TERN_BENCH_CONTRACTS_DIR;
    std::string evmbench_dir = TERN_EVM_BENCHMARKS_DIR;
    std::string dump_path;
    std::string unused;
    std::string host_name;
    tern::bench::HostKind host = tern::bench::default_host_kind();
    if (take_flag(argc, argv, "--host", host_name))
    {
        if (host_name == "bench")
            host = tern::bench::HostKind::Bench;
        else if (host_name == "exec" && tern::bench::exec_host_available())
            host = tern::bench::HostKind::Exec;
        else
        {
            std::fprintf(stderr, "--host: 'bench'%s expected\n",
                         tern::bench::exec_host_available() ? " or 'exec'" : "");
            return 1;
        }
    }
    take_flag(argc, argv, "--contracts-dir", contracts_dir);
    take_flag(argc, argv, "--evm-benchmarks-dir", evmbench_dir);
    const bool dump = take_flag(argc, argv, "--dump-workloads", dump_path);
    const bool list = take_flag(argc, argv, "--list-workloads", unused);
    const bool with_deadline = take_flag(argc, argv, "--deadline", unused);

    std::vector<Workload> workloads;
    auto contracts = tern::bench::load_contract_workloads(contracts_dir);
    if (!contracts)
    {
        std::fprintf(stderr, "contract workloads: %s\n", contracts.error().c_str());
        return 1;
    }
    workloads = std::move(*contracts);
    auto evmbench = tern::bench::load_state_test_workloads(evmbench_dir);
    if (evmbench)
        workloads.insert(workloads.end(), std::make_move_iterator(evmbench->begin()),
                         std::make_move_iterator(evmbench->end()));
    else
        std::fprintf(stderr, "evm-benchmarks skipped: %s\n", evmbench.error().c_str());

    if (list)
    {
        for (const Workload& w : workloads)
            std::printf("%s\t%s\n", w.name.c_str(), w.description.c_str());
        return 0;
    }
    if (dump)
        return dump_workloads(workloads, host, dump_path);

    static const tern::Deadline far = tern::Deadline::after(std::chrono::hours(24));
    for (const Workload& w : workloads)
    {
        benchmark::RegisterBenchmark(w.name.c_str(), run_workload, &w, host, nullptr)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        if (with_deadline)
            benchmark::RegisterBenchmark((w.name + "/deadline").c_str(), run_workload, &w, host,
                                         &far)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
    }

    benchmark::AddCustomContext("tern_host", tern::bench::host_kind_name(host));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
