// Latency and gas of the on-chain example models (examples/ml/models): the engine alone (model
// parsed once, one run per iteration) and the whole inference precompile call (ABI decoding,
// the registry record read from the journaled state, the parsed-model cache, tensor decoding,
// cost, run, encoding) with the gas the call is charged. docs/performance.md "ML inference".

#include "core/abi.hpp"
#include "core/keccak.hpp"
#include "evm/vm.hpp"
#include "execution/host.hpp"
#include "ml/codec.hpp"
#include "ml/engine.hpp"
#include "mlchain/feature.hpp"
#include "mlchain/ml_precompiles.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using namespace tern;

Bytes read_model(const std::string& name)
{
    const std::string path = std::string(TERN_EXAMPLES_DIR) + "/ml/models/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(1);
    }
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

/// A digit image (test-set sample 0 of examples/ml/models/digits_test_sample.json).
const std::vector<uint8_t> kDigit = {0, 0, 0, 15, 12, 1, 0, 0, 0, 0, 5, 16, 16, 6, 0, 0,
                                     0, 0, 2, 16, 16, 3, 0, 0, 0, 0, 2, 16, 16, 1, 0, 0,
                                     0, 0, 6, 16, 13, 0, 0, 0, 0, 0, 1, 16, 16, 2, 0, 0,
                                     0, 0, 3, 16, 15, 3, 0, 0, 0, 0, 0, 15, 16, 1, 0, 0};

/// The input each example model takes, built from kDigit (the persona model gets word counts).
std::vector<ml::Tensor> input_for(const std::string& name)
{
    if (name == "digits_mlp_int8.onnx")
        return {ml::Tensor::from(ml::DType::UINT8, {1, 64}, kDigit)};
    if (name == "persona_mood_int8.onnx")
    {
        std::vector<uint8_t> counts(64, 0);
        counts[3] = 2;
        counts[17] = 1;
        counts[40] = 1;
        return {ml::Tensor::from(ml::DType::UINT8, {1, 64}, counts)};
    }
    std::vector<float> x;
    for (uint8_t p : kDigit)
        x.push_back(static_cast<float>(p) / 16.0f);
    const std::vector<int64_t> shape = name == "digits_cnn_f32.onnx"
                                           ? std::vector<int64_t>{1, 1, 8, 8}
                                           : std::vector<int64_t>{1, 64};
    return {ml::Tensor::from(ml::DType::FLOAT, shape, x)};
}

void BM_Engine(benchmark::State& state, const std::string& name)
{
    const Bytes bytes = read_model(name);
    const ml::Limits limits;
    const auto model = ml::load_model(bytes, limits);
    if (!model)
    {
        state.SkipWithError(model.error().c_str());
        return;
    }
    const auto inputs = input_for(name);
    const auto report = ml::cost_report(**model, inputs, limits);
    if (!report)
    {
        state.SkipWithError(report.error().c_str());
        return;
    }
    for (auto _ : state)
    {
        auto out = ml::run(**model, inputs, limits);
        benchmark::DoNotOptimize(out);
    }
    state.counters["engine_gas"] = static_cast<double>(report->gas);
    state.counters["MACs"] = static_cast<double>(report->gemm_macs + report->macs +
                                                 report->int_macs + report->special_macs);
    state.counters["model_bytes"] = static_cast<double>(bytes.size());
}

/// The model uploaded into a registry's storage (by running the registry itself).
struct Chain
{
    mlchain::MlPrecompiles ml{mlchain::MlConfig{}};
    execution::ChainFeatures features = mlchain::features_of(ml);
    state::MemoryBackend backend;
    state::State state{backend};
    evm::Vm vm;
    evm::TxContext ctx;
    execution::BlockEnv env;

    explicit Chain(const Bytes& model)
    {
        env.features = &features;
        const Hash256 h = keccak256(model);
        const U256 hw = U256::from_hash(h);
        call(mlchain::kModelRegistryAddress,
             abi::encode_call("beginUpload(bytes32,uint32)", std::vector{hw, U256{model.size()}}));
        call(mlchain::kModelRegistryAddress,
             abi::encode_call("uploadChunk(bytes32,uint32,bytes)", std::vector{hw, U256{}},
                              BytesView(model)));
        const auto r = call(mlchain::kModelRegistryAddress,
                            abi::encode_call("finishUpload(bytes32)", std::vector{hw}));
        if (r.status != evm::Status::Success)
        {
            std::fprintf(stderr, "upload failed\n");
            std::exit(1);
        }
    }

    evm::ExecResult call(const Address& to, const Bytes& input, int64_t gas = 30'000'000)
    {
        evm::Message msg;
        msg.gas = gas;
        msg.sender = address_from_u64(0xbe4c);
        msg.recipient = to;
        msg.code_address = to;
        msg.input = input;
        execution::ExecHost host{state, vm, ctx, env};
        auto r = host.call(msg);
        state.finalize_transaction();
        return r;
    }
};

void BM_Precompile(benchmark::State& state, const std::string& name)
{
    const Bytes bytes = read_model(name);
    Chain chain{bytes};
    const auto inputs = input_for(name);
    const Bytes data =
        abi::encode_call("infer(bytes32,bytes)", std::vector{U256::from_hash(keccak256(bytes))},
                         BytesView(ml::encode_tensors(inputs)));
    int64_t gas_used = 0;
    for (auto _ : state)
    {
        const auto r = chain.call(mlchain::kInferenceAddress, data);
        if (r.status != evm::Status::Success)
        {
            state.SkipWithError("infer failed");
            return;
        }
        gas_used = 30'000'000 - r.gas_left;
        benchmark::DoNotOptimize(r);
    }
    state.counters["call_gas"] = static_cast<double>(gas_used);
}

void BM_Upload(benchmark::State& state, const std::string& name)
{
    const Bytes bytes = read_model(name);
    for (auto _ : state)
    {
        Chain chain{bytes};
        benchmark::DoNotOptimize(chain);
    }
    state.counters["model_bytes"] = static_cast<double>(bytes.size());
}

const char* const kModels[] = {"digits_mlp_int8.onnx", "digits_mlp_f32.onnx", "digits_cnn_f32.onnx",
                               "persona_mood_int8.onnx"};

[[maybe_unused]] const bool kRegistered = [] {
    for (const char* m : kModels)
    {
        const std::string name = m;
        benchmark::RegisterBenchmark(("engine/" + name).c_str(), BM_Engine, name)
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(("precompile/" + name).c_str(), BM_Precompile, name)
            ->Unit(benchmark::kMicrosecond);
    }
    benchmark::RegisterBenchmark("upload/digits_mlp_f32.onnx", BM_Upload,
                                 std::string("digits_mlp_f32.onnx"))
        ->Unit(benchmark::kMicrosecond);
    return true;
}();

}  // namespace

BENCHMARK_MAIN();
