// ML engine microbenchmarks: latency and gas per call for single ops and small models.
//
//   build/release/bench/ml/tern-bench-ml [--benchmark_filter=...]
//
// Counters: gas (the engine's cost() for the call), MACs, MAC/s (throughput) and gas/s (how
// much gas one core retires per second on this op: the gas schedule is fair when this is
// roughly the same for every op). docs/performance.md ("ML inference") records a run.

#include "ml/codec.hpp"
#include "ml/engine.hpp"
#include "tests/ml-determinism/models.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using namespace tern::ml;
using namespace tern::ml::testmodels;

namespace {

Limits bench_limits()
{
    Limits l;
    l.max_cost = ~uint64_t{0};
    l.max_tensor_elements = 1 << 24;
    return l;
}

Tensor random_bytes(DType dtype, std::vector<int64_t> shape, uint64_t seed)
{
    Rng rng{seed * 0x9E3779B97F4A7C15ULL + 7};
    Tensor t = Tensor::zeros(dtype, std::move(shape));
    for (auto& b : t.data)
        b = static_cast<uint8_t>(rng.next() >> 56);
    return t;
}

Tensor scalar_float(float v)
{
    return Tensor::from<float>(DType::FLOAT, {}, std::vector<float>{v});
}

Tensor scalar_byte(DType dtype, uint8_t v)
{
    return Tensor::from<uint8_t>(dtype, {}, std::vector<uint8_t>{v});
}

/// Google Benchmark's run name of a benchmark with `args` ranges: "BM_FloatConv/1/6/28/5".
std::string run_name(const char* fn, const benchmark::State& state, int args)
{
    std::string name = fn;
    for (int i = 0; i < args; ++i)
    {
        name += '/';
        name += std::to_string(state.range(i));
    }
    return name;
}

/// With TERN_BENCH_DUMP=DIR, writes the case's model (DIR/<benchmark>.onnx) and its inputs in
/// the on-chain tensor encoding (DIR/<benchmark>.inputs) so bench/ml/vs_onnxruntime.mjs runs
/// onnxruntime on exactly what Tern ran.
void dump_case(const Case& c)
{
    const char* dir = std::getenv("TERN_BENCH_DUMP");
    if (dir == nullptr || *dir == 0)
        return;
    std::string name = c.name;  // the benchmark's run name, "BM_FloatMatMul/128/256/256"
    for (char& ch : name)
        if (ch == '/' || ch == ':')
            ch = '_';
    const std::string base = std::string(dir) + "/" + name;
    std::ofstream(base + ".onnx", std::ios::binary)
        .write(reinterpret_cast<const char*>(c.model.data()),
               static_cast<std::streamsize>(c.model.size()));
    const auto inputs = encode_tensors(c.inputs);
    std::ofstream(base + ".inputs", std::ios::binary)
        .write(reinterpret_cast<const char*>(inputs.data()),
               static_cast<std::streamsize>(inputs.size()));
}

/// Loads the case once and runs it every iteration; reports gas and MACs.
void run_case(benchmark::State& state, const Case& c)
{
    dump_case(c);
    const Limits limits = bench_limits();
    auto model = load_model(c.model, limits);
    if (!model)
    {
        state.SkipWithError(model.error().c_str());
        return;
    }
    auto report = cost_report(**model, c.inputs, limits);
    if (!report)
    {
        state.SkipWithError(report.error().c_str());
        return;
    }
    for (auto _ : state)
    {
        auto out = run(**model, c.inputs, limits);
        if (!out)
        {
            state.SkipWithError(out.error().c_str());
            return;
        }
        benchmark::DoNotOptimize(out->data());
    }
    const double macs = static_cast<double>(report->gemm_macs + report->macs + report->int_macs +
                                            report->special_macs);
    state.counters["gas"] = static_cast<double>(report->gas);
    state.counters["MACs"] = macs;
    state.counters["MAC/s"] =
        benchmark::Counter(macs, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["gas/s"] = benchmark::Counter(static_cast<double>(report->gas),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// Sizes M x K x N of the GEMM benchmarks.
void gemm_sizes(benchmark::internal::Benchmark* b)
{
    b->Args({1, 256, 256})->Args({64, 64, 64})->Args({128, 256, 256})->Args({512, 512, 512});
}

void BM_MatMulInteger(benchmark::State& state)
{
    const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    Graph g("matmulinteger");
    auto a = g.input("a", {M, K}, DType::UINT8);
    auto b = g.constant(random_bytes(DType::INT8, {K, N}, 1));
    auto az = g.constant(scalar_byte(DType::UINT8, 128));
    auto bz = g.constant(scalar_byte(DType::INT8, 0));
    g.node("MatMulInteger", {a, b, az, bz}, "y");
    g.output("y", {M, N}, DType::INT32);
    run_case(state, {run_name("BM_MatMulInteger", state, 3),
                     g.bytes(),
                     {random_bytes(DType::UINT8, {M, K}, 2)}});
}
BENCHMARK(BM_MatMulInteger)->Apply(gemm_sizes);

void BM_QLinearMatMul(benchmark::State& state)
{
    const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    Graph g("qlinearmatmul");
    auto a = g.input("a", {M, K}, DType::UINT8);
    const std::vector<std::string> ins = {
        a,
        g.constant(scalar_float(0.02f)),
        g.constant(scalar_byte(DType::UINT8, 128)),
        g.constant(random_bytes(DType::INT8, {K, N}, 3)),
        g.constant(scalar_float(0.01f)),
        g.constant(scalar_byte(DType::INT8, 0)),
        g.constant(scalar_float(0.5f)),
        g.constant(scalar_byte(DType::UINT8, 128)),
    };
    g.node("QLinearMatMul", ins, "y");
    g.output("y", {M, N}, DType::UINT8);
    run_case(state, {run_name("BM_QLinearMatMul", state, 3),
                     g.bytes(),
                     {random_bytes(DType::UINT8, {M, K}, 4)}});
}
BENCHMARK(BM_QLinearMatMul)->Apply(gemm_sizes);

void BM_FloatMatMul(benchmark::State& state)
{
    const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    Graph g("matmul");
    auto a = g.input("a", {M, K});
    g.node("MatMul", {a, g.weight({K, N}, 0.1f)}, "y");
    g.output("y", {M, N});
    run_case(state,
             {run_name("BM_FloatMatMul", state, 3), g.bytes(), {random_tensor({M, K}, 1.0f, 5)}});
}
BENCHMARK(BM_FloatMatMul)->Apply(gemm_sizes);

/// Conv of C -> M channels, k x k kernel, "same" padding, on an H x H image.
void BM_FloatConv(benchmark::State& state)
{
    const int64_t C = state.range(0), M = state.range(1), H = state.range(2), k = state.range(3);
    Graph g("conv");
    auto x = g.input("x", {1, C, H, H});
    auto* n = g.node("Conv", {x, g.weight({M, C, k, k}, 0.1f), g.weight({M}, 0.1f)}, "y");
    Graph::attr_string(n, "auto_pad", "SAME_UPPER");
    g.output("y", {1, M, H, H});
    run_case(
        state,
        {run_name("BM_FloatConv", state, 4), g.bytes(), {random_tensor({1, C, H, H}, 1.0f, 6)}});
}
BENCHMARK(BM_FloatConv)
    ->Args({1, 6, 28, 5})
    ->Args({6, 16, 14, 5})
    ->Args({16, 32, 32, 3})
    ->Args({64, 64, 28, 3});

/// Elementwise/row ops on 64 x 1024 floats (65,536 elements).
void BM_FloatUnary(benchmark::State& state, const std::string& op)
{
    Graph g(op);
    auto x = g.input("x", {64, 1024});
    if (op == "LayerNormalization")
        g.node(op, {x, g.weight({1024}, 1.0f), g.weight({1024}, 0.1f)}, "y");
    else
        g.node(op, {x}, "y");
    g.output("y", {64, 1024});
    std::string name = "BM_FloatUnary/";
    name += op;
    run_case(state, {name, g.bytes(), {random_tensor({64, 1024}, 4.0f, 7)}});
}
BENCHMARK_CAPTURE(BM_FloatUnary, Relu, std::string("Relu"));
BENCHMARK_CAPTURE(BM_FloatUnary, Sigmoid, std::string("Sigmoid"));
BENCHMARK_CAPTURE(BM_FloatUnary, Tanh, std::string("Tanh"));
BENCHMARK_CAPTURE(BM_FloatUnary, Erf, std::string("Erf"));
BENCHMARK_CAPTURE(BM_FloatUnary, Gelu, std::string("Gelu"));
BENCHMARK_CAPTURE(BM_FloatUnary, Softmax, std::string("Softmax"));
BENCHMARK_CAPTURE(BM_FloatUnary, LayerNormalization, std::string("LayerNormalization"));

void BM_Model(benchmark::State& state, const char* name, Case (*make)())
{
    Case c = make();
    c.name = "BM_Model/";
    c.name += name;
    run_case(state, c);
}
BENCHMARK_CAPTURE(BM_Model, mlp_100k, "mlp_100k", mlp_100k);
BENCHMARK_CAPTURE(BM_Model, lenet_1, "lenet_1", [] { return lenet(1); });
BENCHMARK_CAPTURE(BM_Model, transformer_block, "transformer_block", transformer_block);

}  // namespace

BENCHMARK_MAIN();
