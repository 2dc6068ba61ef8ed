// Gas per CPU second of every class of work the ML gas schedule prices (docs/performance.md
// "Gas per CPU second"): float and integer MACs, transcendental evaluations, elements touched
// (data movement), nodes, loop iterations and the per-call base. Each case is a small model
// dominated by one class; the `gas/s` counter says how much gas one core retires per second
// on it under the schedule chosen (TERN_GAS_SCHEDULE=1 or 2, default 2). A schedule is even
// when that counter is within 2x across all cases. TERN_ML_KERNELS=scalar or avx2 forces a
// kernel set (default: the best the CPU has; the schedule is priced for AVX2).
//
//   build/release/bench/ml/tern-bench-ml-gas [--benchmark_filter=...]

#include "ml/engine.hpp"
#include "ml/kernels.hpp"
#include "tests/ml-determinism/models.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace tern::ml;
using namespace tern::ml::testmodels;

namespace {

Limits limits()
{
    Limits l;
    l.max_cost = ~uint64_t{0};
    l.max_tensor_elements = 1 << 24;
    const char* env = std::getenv("TERN_GAS_SCHEDULE");
    const GasSchedule* s = gas_schedule(env ? std::strtoull(env, nullptr, 10) : 2);
    l.schedule = s ? *s : kGasSchedule2;
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

Tensor ints(std::vector<int64_t> shape, std::vector<int64_t> v)
{
    return Tensor::from<int64_t>(DType::INT64, std::move(shape), v);
}

/// Loads `g` once and runs it on `inputs` every iteration; counters: gas and gas/s.
void run_graph(benchmark::State& state, const Graph& g, const std::vector<Tensor>& inputs)
{
    if (const char* k = std::getenv("TERN_ML_KERNELS"))
        set_kernel_isa(std::string(k) == "scalar" ? KernelIsa::Scalar
                       : std::string(k) == "avx2" ? KernelIsa::Avx2
                                                  : KernelIsa::Avx2Vnni);
    const Limits l = limits();
    auto model = load_model(g.bytes(), l);
    if (!model)
    {
        state.SkipWithError(model.error().c_str());
        return;
    }
    auto report = cost_report(**model, inputs, l);
    if (!report)
    {
        state.SkipWithError(report.error().c_str());
        return;
    }
    for (auto _ : state)
    {
        auto out = run(**model, inputs, l);
        if (!out)
        {
            state.SkipWithError(out.error().c_str());
            return;
        }
        benchmark::DoNotOptimize(out->data());
    }
    state.counters["gas"] = static_cast<double>(report->gas);
    state.counters["gas/s"] = benchmark::Counter(static_cast<double>(report->gas),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// ---- float MACs

void BM_FloatMacs_MatMul(benchmark::State& state)
{
    Graph g("matmul");
    g.node("MatMul", {g.input("a", {128, 256}), g.weight({256, 256}, 0.1f)}, "y");
    g.output("y", {128, 256});
    run_graph(state, g, {random_tensor({128, 256}, 1.0f, 1)});
}
BENCHMARK(BM_FloatMacs_MatMul);

void BM_FloatMacs_MatMulRow(benchmark::State& state)
{
    Graph g("matmul_row");
    g.node("MatMul", {g.input("a", {1, 512}), g.weight({512, 512}, 0.1f)}, "y");
    g.output("y", {1, 512});
    run_graph(state, g, {random_tensor({1, 512}, 1.0f, 2)});
}
BENCHMARK(BM_FloatMacs_MatMulRow);

void BM_FloatMacs_Conv(benchmark::State& state)
{
    Graph g("conv");
    auto* n = g.node(
        "Conv",
        {g.input("x", {1, 16, 32, 32}), g.weight({32, 16, 3, 3}, 0.1f), g.weight({32}, 0.1f)}, "y");
    Graph::attr_string(n, "auto_pad", "SAME_UPPER");
    g.output("y", {1, 32, 32, 32});
    run_graph(state, g, {random_tensor({1, 16, 32, 32}, 1.0f, 3)});
}
BENCHMARK(BM_FloatMacs_Conv);

void BM_FloatMacs_LSTM(benchmark::State& state)
{
    Graph g("lstm");
    auto* n = g.node(
        "LSTM",
        {g.input("x", {16, 4, 64}), g.weight({1, 256, 64}, 0.2f), g.weight({1, 256, 64}, 0.2f)},
        "y");
    Graph::attr_int(n, "hidden_size", 64);
    g.output("y", {16, 1, 4, 64});
    run_graph(state, g, {random_tensor({16, 4, 64}, 1.0f, 4)});
}
BENCHMARK(BM_FloatMacs_LSTM);

void BM_FloatMacs_LayerNorm(benchmark::State& state)
{
    Graph g("layernorm");
    g.node("LayerNormalization",
           {g.input("x", {64, 1024}), g.weight({1024}, 1.0f), g.weight({1024}, 0.1f)}, "y");
    g.output("y", {64, 1024});
    run_graph(state, g, {random_tensor({64, 1024}, 4.0f, 5)});
}
BENCHMARK(BM_FloatMacs_LayerNorm);

// ---- integer MACs

void BM_IntMacs_MatMulInteger(benchmark::State& state)
{
    Graph g("matmulinteger");
    g.node("MatMulInteger",
           {g.input("a", {128, 256}, DType::UINT8),
            g.constant(random_bytes(DType::INT8, {256, 256}, 6)),
            g.constant(Tensor::from<uint8_t>(DType::UINT8, {}, std::vector<uint8_t>{128})),
            g.constant(Tensor::from<uint8_t>(DType::INT8, {}, std::vector<uint8_t>{0}))},
           "y");
    g.output("y", {128, 256}, DType::INT32);
    run_graph(state, g, {random_bytes(DType::UINT8, {128, 256}, 7)});
}
BENCHMARK(BM_IntMacs_MatMulInteger);

void BM_IntMacs_QLinearMatMul(benchmark::State& state)
{
    Graph g("qlinearmatmul");
    const auto f = [&](float v) {
        return g.constant(Tensor::from<float>(DType::FLOAT, {}, std::vector<float>{v}));
    };
    const auto b = [&](DType t, uint8_t v) {
        return g.constant(Tensor::from<uint8_t>(t, {}, std::vector<uint8_t>{v}));
    };
    g.node("QLinearMatMul",
           {g.input("a", {128, 256}, DType::UINT8), f(0.02f), b(DType::UINT8, 128),
            g.constant(random_bytes(DType::INT8, {256, 256}, 8)), f(0.01f), b(DType::INT8, 0),
            f(0.5f), b(DType::UINT8, 128)},
           "y");
    g.output("y", {128, 256}, DType::UINT8);
    run_graph(state, g, {random_bytes(DType::UINT8, {128, 256}, 9)});
}
BENCHMARK(BM_IntMacs_QLinearMatMul);

void BM_IntMacs_ConvInteger(benchmark::State& state)
{
    Graph g("convinteger");
    auto* n = g.node("ConvInteger",
                     {g.input("x", {1, 16, 32, 32}, DType::UINT8),
                      g.constant(random_bytes(DType::INT8, {32, 16, 3, 3}, 10))},
                     "y");
    Graph::attr_ints(n, "pads", {1, 1, 1, 1});
    g.output("y", {1, 32, 32, 32}, DType::INT32);
    run_graph(state, g, {random_bytes(DType::UINT8, {1, 16, 32, 32}, 11)});
}
BENCHMARK(BM_IntMacs_ConvInteger);

void BM_IntMacs_QLinearConv(benchmark::State& state)
{
    Graph g("qlinearconv");
    const auto f = [&](float v) {
        return g.constant(Tensor::from<float>(DType::FLOAT, {}, std::vector<float>{v}));
    };
    const auto b = [&](DType t, uint8_t v) {
        return g.constant(Tensor::from<uint8_t>(t, {}, std::vector<uint8_t>{v}));
    };
    auto* n = g.node("QLinearConv",
                     {g.input("x", {1, 16, 32, 32}, DType::UINT8), f(0.02f), b(DType::UINT8, 128),
                      g.constant(random_bytes(DType::INT8, {32, 16, 3, 3}, 17)), f(0.01f),
                      b(DType::INT8, 0), f(0.5f), b(DType::UINT8, 128)},
                     "y");
    Graph::attr_ints(n, "pads", {1, 1, 1, 1});
    g.output("y", {1, 32, 32, 32}, DType::UINT8);
    run_graph(state, g, {random_bytes(DType::UINT8, {1, 16, 32, 32}, 18)});
}
BENCHMARK(BM_IntMacs_QLinearConv);

// ---- transcendental evaluations (64 x 1024 floats)

void BM_Special(benchmark::State& state, const std::string& op)
{
    Graph g(op);
    g.node(op, {g.input("x", {64, 1024})}, "y");
    g.output("y", {64, 1024});
    run_graph(state, g, {random_tensor({64, 1024}, 4.0f, 12)});
}
BENCHMARK_CAPTURE(BM_Special, Sigmoid, std::string("Sigmoid"));
BENCHMARK_CAPTURE(BM_Special, Tanh, std::string("Tanh"));
BENCHMARK_CAPTURE(BM_Special, Erf, std::string("Erf"));
BENCHMARK_CAPTURE(BM_Special, Softmax, std::string("Softmax"));
BENCHMARK_CAPTURE(BM_Special, Softplus, std::string("Softplus"));
BENCHMARK_CAPTURE(BM_Special, Sin, std::string("Sin"));

// ---- elements touched (data movement and cheap arithmetic, 64 x 1024 floats)

void BM_Elements(benchmark::State& state, const std::string& op)
{
    Graph g(op);
    auto x = g.input("x", {64, 1024});
    std::vector<int64_t> out_shape{64, 1024};
    if (op == "Add")
        g.node(op, {x, g.weight({1024}, 1.0f)}, "y");
    else if (op == "Transpose")
    {
        g.node(op, {x}, "y");
        out_shape = {1024, 64};
    }
    else if (op == "Concat")
    {
        Graph::attr_int(g.node(op, {x, x}, "y"), "axis", 1);
        out_shape = {64, 2048};
    }
    else if (op == "Gather")
        g.node(op, {x, g.constant(ints({64}, std::vector<int64_t>(64, 3)))}, "y");
    else if (op == "Slice")
    {
        g.node(op,
               {x, g.constant(ints({1}, {0})), g.constant(ints({1}, {512})),
                g.constant(ints({1}, {1}))},
               "y");
        out_shape = {64, 512};
    }
    else if (op == "Where")
        g.node(op,
               {g.op("Greater",
                     {x, g.constant(Tensor::from<float>(DType::FLOAT, {}, std::vector<float>{0}))}),
                x, g.weight({1024}, 1.0f)},
               "y");
    else if (op == "Cast")
    {
        Graph::attr_int(g.node(op, {x}, "y"), "to", static_cast<int64_t>(DType::INT32));
        g.output("y", out_shape, DType::INT32);
        run_graph(state, g, {random_tensor({64, 1024}, 4.0f, 13)});
        return;
    }
    else
        g.node(op, {x}, "y");
    g.output("y", out_shape);
    run_graph(state, g, {random_tensor({64, 1024}, 4.0f, 13)});
}
BENCHMARK_CAPTURE(BM_Elements, Relu, std::string("Relu"));
BENCHMARK_CAPTURE(BM_Elements, Add, std::string("Add"));
BENCHMARK_CAPTURE(BM_Elements, Transpose, std::string("Transpose"));
BENCHMARK_CAPTURE(BM_Elements, Concat, std::string("Concat"));
BENCHMARK_CAPTURE(BM_Elements, Gather, std::string("Gather"));
BENCHMARK_CAPTURE(BM_Elements, Slice, std::string("Slice"));
BENCHMARK_CAPTURE(BM_Elements, Where, std::string("Where"));
BENCHMARK_CAPTURE(BM_Elements, Cast, std::string("Cast"));

// ---- nodes, iterations and the base

/// A chain of 512 Adds on one-element tensors: the cost of a node itself.
void BM_Nodes_Chain(benchmark::State& state)
{
    Graph g("chain");
    std::string v = g.input("x", {1});
    const auto one = g.constant(Tensor::from<float>(DType::FLOAT, {1}, std::vector<float>{1}));
    for (int i = 0; i < 512; ++i)
        v = g.op("Add", {v, one});
    g.node("Identity", {v}, "y");
    g.output("y", {1});
    run_graph(state, g, {random_tensor({1}, 1.0f, 14)});
}
BENCHMARK(BM_Nodes_Chain);

/// A Loop of 1000 iterations of one Add on a one-element value.
void BM_Nodes_Loop(benchmark::State& state)
{
    Graph body("body");
    body.counter = 1000;
    body.input("i", {}, DType::INT64);
    body.input("cond", {}, DType::BOOL);
    body.input("acc", {1});
    body.node("Identity", {"cond"}, "cond_out");
    body.node("Add", {"acc", "acc"}, "acc_out");
    body.output("cond_out", {}, DType::BOOL);
    body.output("acc_out", {1});
    Graph g("loop");
    auto* loop = g.node("Loop", {g.constant(ints({}, {1000})), "", g.input("x", {1})}, "y");
    auto* a = loop->add_attribute();
    a->set_name("body");
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = *body.g;
    g.output("y", {1});
    run_graph(state, g, {random_tensor({1}, 1.0f, 15)});
}
BENCHMARK(BM_Nodes_Loop);

/// One Identity on one element: the call itself (plan and run bookkeeping).
void BM_Base(benchmark::State& state)
{
    Graph g("identity");
    g.node("Identity", {g.input("x", {1})}, "y");
    g.output("y", {1});
    run_graph(state, g, {random_tensor({1}, 1.0f, 16)});
}
BENCHMARK(BM_Base);

}  // namespace

BENCHMARK_MAIN();
