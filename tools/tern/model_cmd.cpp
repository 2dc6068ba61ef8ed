#include "model_cmd.hpp"

#include "core/abi.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "ml/codec.hpp"
#include "ml/engine.hpp"
#include "ml/model.hpp"
#include "ml/npy.hpp"
#include "ml/ops_float.hpp"
#include "mlchain/feature.hpp"
#include "mlchain/ml_precompiles.hpp"
#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/tx_sender.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

namespace tern::tools {
namespace {

std::string hex(BytesView b)
{
    return to_hex(b);
}

/// eth_call of the registry with `data`; the returned bytes.
Bytes registry_call(NodeRpc& rpc, const Bytes& data)
{
    auto out = rpc.eth_call(mlchain::kModelRegistryAddress, data);
    if (!out)
        fail("eth_call: " + out.error());
    return std::move(*out);
}

/// A limit the registry reports (`maxModelBytes()`), or `fallback` from a node that predates
/// the call.
uint64_t chain_limit(NodeRpc& rpc, const char* signature, uint64_t fallback)
{
    const auto out = rpc.eth_call(mlchain::kModelRegistryAddress, abi::encode_call(signature, {}));
    if (!out || out->size() != 32)
        return fallback;
    const U256 v = U256::from_be(*out);
    return v.fits_u64() && v != U256{} ? v.low64() : fallback;
}

/// Gas a registry transaction needs: intrinsic (21000 + 16 per calldata byte), a cold account
/// access, the precompile's own schedule (docs/ml.md) and headroom.
uint64_t gas_for(const Bytes& data, uint64_t precompile_gas)
{
    return 21'000 + 16 * data.size() + 2'600 + precompile_gas + 50'000;
}

void upload(const std::string& file, const std::string& rpc_url, std::string key_hex, size_t chunk)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        fail("cannot read " + file);
    const Bytes model(std::istreambuf_iterator<char>(in), {});
    const Hash256 hash = keccak256(model);

    NodeRpc rpc{rpc_url};

    // 1. The engine must accept it under this chain's limits (the registry runs the same check
    // on finishUpload), before any transaction is sent.
    ml::Limits limits;
    limits.max_model_bytes = chain_limit(rpc, "maxModelBytes()", limits.max_model_bytes);
    if (model.size() > limits.max_model_bytes)
        fail(file + " has " + std::to_string(model.size()) +
             " bytes, above this chain's limit of " + std::to_string(limits.max_model_bytes) +
             " (tern.mlMaxModelBytes)");
    if (const auto loaded = ml::load_model(model, limits); !loaded)
        fail(file + " is not a model Tern can run: " + loaded.error());
    chunk = std::max<size_t>(32, chunk / 32 * 32);

    // 2. The signing key: --key, else dev account 0 of the test mnemonic.
    const Hash256 key = signing_key(key_hex);
    const auto exists =
        registry_call(rpc, abi::encode_call("exists(bytes32)", std::vector{U256::from_hash(hash)}));
    if (exists.size() == 32 && exists[31] == 1)
    {
        std::printf("model %s is already in the registry\n%s\n", hex(hash.view()).c_str(),
                    hex(hash.view()).c_str());
        return;
    }
    TxSender sender{rpc, key};

    // 3. begin, chunks, finish: signed locally, sent in nonce order, then awaited.
    std::vector<std::pair<Bytes, uint64_t>> calls;  // call data, precompile gas
    calls.emplace_back(abi::encode_call("beginUpload(bytes32,uint32)",
                                        std::vector{U256::from_hash(hash), U256{model.size()}}),
                       mlchain::gas::kBegin);
    for (size_t off = 0; off < model.size(); off += chunk)
    {
        const size_t n = std::min(chunk, model.size() - off);
        calls.emplace_back(abi::encode_call("uploadChunk(bytes32,uint32,bytes)",
                                            std::vector{U256::from_hash(hash), U256{off}},
                                            BytesView(model).subspan(off, n)),
                           mlchain::gas::kChunk + (n + 31) / 32 * mlchain::gas::kPerWordStored);
    }
    calls.emplace_back(
        abi::encode_call("finishUpload(bytes32)", std::vector{U256::from_hash(hash)}),
        mlchain::gas::kFinish + (model.size() + 31) / 32 * mlchain::gas::kPerWordVerified);
    for (size_t i = 0; i < calls.size(); ++i)
    {
        const uint64_t gas = gas_for(calls[i].first, calls[i].second);
        sender.send(mlchain::kModelRegistryAddress, std::move(calls[i].first), gas,
                    "transaction " + std::to_string(i + 1) + "/" + std::to_string(calls.size()));
    }
    sender.confirm();
    std::printf("uploaded %s (%zu bytes) in %zu transactions from %s\n%s\n", file.c_str(),
                model.size(), calls.size(), hex(sender.address().view()).c_str(),
                hex(hash.view()).c_str());
}

Bytes read_bytes(const std::string& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        fail("cannot read " + file);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

/// One element of a JSON input as `dtype` (a number in range; for bool also true/false).
std::optional<std::string> put_json_value(const nlohmann::json& v, ml::DType dtype, uint8_t* at)
{
    using ml::DType;
    if (dtype == DType::BOOL && v.is_boolean())
    {
        *at = v.get<bool>() ? 1 : 0;
        return std::nullopt;
    }
    if (!v.is_number())
        return "expected a number, got " + v.dump();
    if (dtype == DType::FLOAT)
    {
        const float f = ml::to_float(v.get<double>());
        std::memcpy(at, &f, 4);
        return std::nullopt;
    }
    const double d = v.get<double>();
    if (!v.is_number_integer() && d != std::floor(d))
        return "expected an integer for " + std::string(ml::dtype_name(dtype)) + ", got " +
               v.dump();
    const auto in = [&](double lo, double hi) {
        return d >= lo && d <= hi;
    };
    switch (dtype)
    {
        case DType::UINT8:
        case DType::BOOL:
            if (!in(0, dtype == DType::BOOL ? 1 : 255))
                break;
            *at = static_cast<uint8_t>(d);
            return std::nullopt;
        case DType::INT8:
            if (!in(-128, 127))
                break;
            *at = static_cast<uint8_t>(static_cast<int8_t>(d));
            return std::nullopt;
        case DType::UINT16:
        case DType::INT16:
        {
            if (!(dtype == DType::UINT16 ? in(0, 65535) : in(-32768, 32767)))
                break;
            const auto x = static_cast<uint16_t>(static_cast<int32_t>(d));
            std::memcpy(at, &x, 2);
            return std::nullopt;
        }
        case DType::INT32:
        {
            if (!in(-2147483648.0, 2147483647.0))
                break;
            const auto x = static_cast<int32_t>(d);
            std::memcpy(at, &x, 4);
            return std::nullopt;
        }
        case DType::INT64:
        {
            const int64_t x =
                v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
            if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX})
                break;
            std::memcpy(at, &x, 8);
            return std::nullopt;
        }
        default:
            break;
    }
    return v.dump() + " is out of range for " + std::string(ml::dtype_name(dtype));
}

/// A tensor of `dtype` from JSON: nested arrays (the shape from the nesting) or an object
/// {"shape": [...], "data": [flat values]}.
ml::Tensor tensor_from_json(const nlohmann::json& j, ml::DType dtype, const std::string& what)
{
    std::vector<int64_t> shape;
    std::vector<const nlohmann::json*> flat;
    if (j.is_object())
    {
        if (!j.contains("shape") || !j.contains("data") || !j["shape"].is_array() ||
            !j["data"].is_array())
            fail(what + ": expected {\"shape\": [...], \"data\": [...]} or nested arrays");
        for (const auto& d : j["shape"])
        {
            if (!d.is_number_unsigned())
                fail(what + ": shape dims must be non-negative integers");
            shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
        }
        for (const auto& v : j["data"])
            flat.push_back(&v);
    }
    else
    {
        // Nested arrays: every level must be rectangular.
        const nlohmann::json* level = &j;
        while (level->is_array())
        {
            shape.push_back(static_cast<int64_t>(level->size()));
            if (level->empty())
                break;
            level = &(*level)[0];
        }
        const auto walk = [&](auto&& self, const nlohmann::json& v, size_t depth) -> void {
            if (depth == shape.size())
            {
                flat.push_back(&v);
                return;
            }
            if (!v.is_array() || static_cast<int64_t>(v.size()) != shape[depth])
                fail(what + ": nested arrays are not rectangular");
            for (const auto& x : v)
                self(self, x, depth + 1);
        };
        walk(walk, j, 0);
    }
    const int64_t n = ml::checked_elements(shape, int64_t{1} << 26);
    if (n < 0 || static_cast<size_t>(n) != flat.size())
        fail(what + ": " + std::to_string(flat.size()) + " values do not fill the shape");
    ml::Tensor t = ml::Tensor::zeros(dtype, std::move(shape));
    const size_t size = ml::dtype_size(dtype);
    for (size_t i = 0; i < flat.size(); ++i)
        if (auto err = put_json_value(*flat[i], dtype, t.data.data() + i * size))
            fail(what + ": value " + std::to_string(i) + ": " + *err);
    return t;
}

/// The input tensor in `file` (.npy, or JSON) for the model input `io`.
ml::Tensor read_input(const std::string& file, const ml::ModelIo& io)
{
    const std::string what = "input '" + io.name + "' (" + file + ")";
    const Bytes bytes = read_bytes(file);
    if (bytes.size() >= 6 && bytes[0] == 0x93 && bytes[1] == 'N')
    {
        auto t = ml::read_npy(bytes, int64_t{1} << 26);
        if (!t)
            fail(what + ": " + t.error());
        if (t->dtype != io.dtype)
            fail(what + ": the model takes " + std::string(ml::dtype_name(io.dtype)) +
                 ", the file holds " + std::string(ml::dtype_name(t->dtype)));
        return std::move(*t);
    }
    const auto j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (j.is_discarded())
        fail(what + ": neither an .npy file nor JSON");
    return tensor_from_json(j, io.dtype, what);
}

std::string shape_text(const std::vector<int64_t>& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

/// Element `i` of `t` as JSON.
nlohmann::json element(const ml::Tensor& t, size_t i)
{
    using ml::DType;
    const uint8_t* p = t.data.data() + i * ml::dtype_size(t.dtype);
    const auto load = [p]<typename T>(T) {
        T v;
        std::memcpy(&v, p, sizeof v);
        return v;
    };
    switch (t.dtype)
    {
        case DType::FLOAT:
        {
            const float f = load(float{});
            if (std::isfinite(f))
                return static_cast<double>(f);
            return std::isnan(f) ? "nan" : f > 0 ? "inf" : "-inf";
        }
        case DType::UINT8:
            return *p;
        case DType::INT8:
            return static_cast<int8_t>(*p);
        case DType::UINT16:
            return load(uint16_t{});
        case DType::INT16:
            return load(int16_t{});
        case DType::INT32:
            return load(int32_t{});
        case DType::INT64:
            return load(int64_t{});
        case DType::BOOL:
            return *p != 0;
    }
    return nullptr;
}

struct RunOptions
{
    std::string file;
    std::vector<std::string> inputs;  ///< [NAME=]FILE
    bool zeros = false;
    bool json = false;
    bool full = false;
    uint64_t max_model_bytes = mlchain::ai_chain_ml_settings().max_model_bytes;
    uint64_t max_call_cost = mlchain::ai_chain_ml_settings().max_call_cost;
    uint64_t gas_schedule = mlchain::ai_chain_ml_settings().gas_schedule;
};

/// `tern model run`: the engine the chain runs, on the user's machine, with the gas a call
/// would be charged.
void run_model(const RunOptions& o)
{
    const Bytes bytes = read_bytes(o.file);
    ml::Limits limits;
    limits.max_model_bytes = o.max_model_bytes;
    limits.max_cost = o.max_call_cost;
    if (!ml::gas_schedule(o.gas_schedule))
        fail("--gas-schedule must be 1 or 2");
    limits.schedule = *ml::gas_schedule(o.gas_schedule);
    const auto model = ml::load_model(bytes, limits);
    if (!model)
        fail(o.file + " is not a model Tern can run: " + model.error());
    const auto& ios = (*model)->inputs;

    // Inputs: NAME=FILE by name, plain FILEs in the order of the inputs not named.
    std::map<std::string, std::string> by_name;
    std::vector<std::string> in_order;
    for (const auto& spec : o.inputs)
    {
        const auto eq = spec.find('=');
        if (eq != std::string::npos && std::any_of(ios.begin(), ios.end(), [&](const auto& io) {
                return io.name == spec.substr(0, eq);
            }))
            by_name[spec.substr(0, eq)] = spec.substr(eq + 1);
        else
            in_order.push_back(spec);
    }
    std::vector<ml::Tensor> inputs;
    size_t next = 0;
    for (const auto& io : ios)
    {
        if (const auto it = by_name.find(io.name); it != by_name.end())
            inputs.push_back(read_input(it->second, io));
        else if (next < in_order.size())
            inputs.push_back(read_input(in_order[next++], io));
        else if (o.zeros)
        {
            if (!io.rank_known ||
                std::any_of(io.shape.begin(), io.shape.end(), [](int64_t d) { return d < 0; }))
                fail("input '" + io.name + "' has dynamic dims " + shape_text(io.shape) +
                     ": give it with --input");
            inputs.push_back(ml::Tensor::zeros(io.dtype, io.shape));
        }
        else
            fail("no --input for the model's input '" + io.name + "' (" +
                 std::string(ml::dtype_name(io.dtype)) + " " + shape_text(io.shape) +
                 "; or --zeros)");
    }
    if (next < in_order.size())
        fail("more --input files than the model has inputs (" + std::to_string(ios.size()) + ")");

    const auto report = ml::cost_report(**model, inputs, limits);
    if (!report)
        fail("the chain would refuse this call: " + report.error());
    const auto outputs = ml::run(**model, inputs, limits);
    if (!outputs)
        fail("the run failed: " + outputs.error());
    const uint64_t gas =
        mlchain::gas::infer_total(bytes.size(), ml::encode_tensors(inputs).size(), report->gas,
                                  ml::encode_tensors(*outputs).size());

    nlohmann::json out;
    out["model"] = {
        {"file", o.file}, {"bytes", bytes.size()}, {"hash", hex(keccak256(bytes).view())}};
    out["gas"] = {{"infer", gas},
                  {"engine", report->gas},
                  {"gemmMacs", report->gemm_macs},
                  {"macs", report->macs},
                  {"intMacs", report->int_macs},
                  {"specialMacs", report->special_macs},
                  {"elements", report->elements},
                  {"weightBytes", report->weight_bytes},
                  {"nodes", report->nodes}};
    for (size_t k = 0; k < outputs->size(); ++k)
    {
        const auto& t = (*outputs)[k];
        nlohmann::json values = nlohmann::json::array();
        const size_t n = static_cast<size_t>(t.elements());
        const size_t shown = o.json || o.full ? n : std::min<size_t>(n, 16);
        for (size_t i = 0; i < shown; ++i)
            values.push_back(element(t, i));
        out["outputs"].push_back({{"name", (*model)->outputs[k].name},
                                  {"dtype", ml::dtype_name(t.dtype)},
                                  {"shape", t.shape},
                                  {"data", values}});
    }
    if (o.json)
    {
        std::printf("%s\n", out.dump().c_str());
        return;
    }
    std::printf("model %s: %zu bytes, %s\n", o.file.c_str(), bytes.size(),
                out["model"]["hash"].get<std::string>().c_str());
    for (size_t k = 0; k < inputs.size(); ++k)
        std::printf("input %s: %s %s\n", ios[k].name.c_str(),
                    std::string(ml::dtype_name(inputs[k].dtype)).c_str(),
                    shape_text(inputs[k].shape).c_str());
    for (const auto& t : out["outputs"])
    {
        const size_t n = static_cast<size_t>(std::max<int64_t>(1, [&] {
            int64_t e = 1;
            for (const auto& d : t["shape"])
                e *= d.get<int64_t>();
            return e;
        }()));
        std::printf("output %s: %s %s = %s%s\n", t["name"].get<std::string>().c_str(),
                    t["dtype"].get<std::string>().c_str(),
                    shape_text(t["shape"].get<std::vector<int64_t>>()).c_str(),
                    t["data"].dump().c_str(),
                    t["data"].size() < n ? (" (first " + std::to_string(t["data"].size()) + " of " +
                                            std::to_string(n) + "; --full for all)")
                                               .c_str()
                                         : "");
    }
    std::printf(
        "gas: %llu for infer (engine %llu: %llu GEMM, %llu other float, %llu integer and %llu "
        "transcendental MACs, %llu elements, %llu weight bytes, %llu nodes); a transaction "
        "adds 21,000 and its calldata\n",
        static_cast<unsigned long long>(gas), static_cast<unsigned long long>(report->gas),
        static_cast<unsigned long long>(report->gemm_macs),
        static_cast<unsigned long long>(report->macs),
        static_cast<unsigned long long>(report->int_macs),
        static_cast<unsigned long long>(report->special_macs),
        static_cast<unsigned long long>(report->elements),
        static_cast<unsigned long long>(report->weight_bytes),
        static_cast<unsigned long long>(report->nodes));
}

void list(const std::string& rpc_url)
{
    NodeRpc rpc{rpc_url};
    const Bytes count_word = registry_call(rpc, abi::encode_call("modelCount()", {}));
    const uint64_t count = U256::from_be(count_word).low64();
    const Bytes list = registry_call(
        rpc, abi::encode_call("listModels(uint256,uint256)", std::vector{U256{0}, U256{count}}));
    std::printf("%llu model(s)\n", static_cast<unsigned long long>(count));
    for (uint64_t i = 0; i < count && 64 + 32 * (i + 1) <= list.size(); ++i)
    {
        const U256 h = U256::from_be(BytesView(list).subspan(64 + 32 * i, 32));
        const Bytes size =
            registry_call(rpc, abi::encode_call("modelSize(bytes32)", std::vector{h}));
        std::printf("%s  %llu bytes\n", hex(h.to_hash().view()).c_str(),
                    static_cast<unsigned long long>(U256::from_be(size).low64()));
    }
}

}  // namespace

void register_model_commands(CLI::App& app)
{
    auto* model = app.add_subcommand("model", "ONNX models in the chain's model registry");
    model->require_subcommand(1);

    struct UploadOptions
    {
        std::string file;
        std::string rpc = "http://127.0.0.1:8545";
        std::string key;
        size_t chunk = 24 * 1024;
    };
    auto opts = std::make_shared<UploadOptions>();
    auto* up = model->add_subcommand(
        "upload", "Check an ONNX model and upload it in chunks; prints its hash");
    up->add_option("file", opts->file, "ONNX model file")->required()->check(CLI::ExistingFile);
    up->add_option("--rpc", opts->rpc, "JSON-RPC URL of a node")->capture_default_str();
    up->add_option("--key", opts->key,
                   "Private key (hex) that signs the transactions (default: dev account 0)");
    up->add_option("--chunk", opts->chunk, "Bytes per upload transaction")->capture_default_str();
    up->callback([opts] { upload(opts->file, opts->rpc, opts->key, opts->chunk); });

    auto ro = std::make_shared<RunOptions>();
    auto* runc = model->add_subcommand(
        "run", "Run a model locally with the chain's engine; prints its outputs and gas");
    runc->add_option("file", ro->file, "ONNX model file")->required()->check(CLI::ExistingFile);
    runc->add_option("--input,-i", ro->inputs,
                     "Input tensor: [NAME=]FILE, an .npy file or JSON (nested arrays, or "
                     "{\"shape\": [...], \"data\": [...]}); plain FILEs fill the inputs in order");
    runc->add_flag("--zeros", ro->zeros, "Zeros for the inputs not given (fixed shapes only)");
    runc->add_flag("--json", ro->json, "Print everything as one JSON object");
    runc->add_flag("--full", ro->full, "Print every output value (default: the first 16)");
    runc->add_option("--max-model-bytes", ro->max_model_bytes, "The chain's mlMaxModelBytes")
        ->capture_default_str();
    runc->add_option("--max-call-cost", ro->max_call_cost, "The chain's mlMaxCallCost")
        ->capture_default_str();
    runc->add_option("--gas-schedule", ro->gas_schedule, "The chain's mlGasSchedule (1 or 2)")
        ->capture_default_str();
    runc->callback([ro] { run_model(*ro); });

    auto rpc = std::make_shared<std::string>("http://127.0.0.1:8545");
    auto* ls = model->add_subcommand("list", "List the models in the registry");
    ls->add_option("--rpc", *rpc, "JSON-RPC URL of a node")->capture_default_str();
    ls->callback([rpc] { list(*rpc); });
}

}  // namespace tern::tools
