// ONNX's own backend tests (Debian libonnx-testdata): every test directory whose model uses
// only supported ops and dtypes is loaded, run on each test_data_set_*, and compared with the
// expected outputs — exact for integer/bool outputs, |got - want| <= atol + rtol * |want| for
// float (ONNX's defaults rtol 1e-3, atol 1e-7, with the exceptions listed below).
//
// TERN_ONNX_FILTER=substring restricts the run; TERN_ONNX_VERBOSE=1 prints every directory;
// TERN_ONNX_TESTDATA=dir replaces the test-data root (e.g. tests converted to float32).

#include "ml/engine.hpp"
#include "ml/onnx_proto.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace tern::ml;

namespace {

// Tests that cannot pass by design, with the reason (they count as skipped).
const std::map<std::string, std::string, std::less<>> kExcluded = {
    {"test_training_dropout", "training-mode Dropout is random: refused by design"},
    {"test_training_dropout_default", "training-mode Dropout is random: refused by design"},
    {"test_training_dropout_default_mask", "training-mode Dropout is random: refused by design"},
    {"test_training_dropout_mask", "training-mode Dropout is random: refused by design"},
    {"test_training_dropout_zero_ratio", "training-mode Dropout is random: refused by design"},
    {"test_training_dropout_zero_ratio_mask", "training-mode Dropout is random: refused by design"},
    {"test_batchnorm_epsilon_training_mode", "training-mode BatchNormalization: inference only"},
    {"test_batchnorm_example_training_mode", "training-mode BatchNormalization: inference only"},
};

// Per-test float tolerance overrides {rtol, atol}, with the reason.
const std::map<std::string, std::pair<double, double>, std::less<>> kTolerance = {};

std::string read_file(const fs::path& p)
{
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

Limits test_limits()
{
    Limits l;
    l.max_model_bytes = 64 << 20;
    l.max_tensor_elements = 1 << 26;
    l.max_cost = ~uint64_t{0};
    l.max_nodes = 1 << 16;
    return l;
}

// Numeric order of input_N.pb / output_N.pb.
std::vector<fs::path> numbered(const fs::path& dir, const std::string& prefix)
{
    std::vector<std::pair<int, fs::path>> v;
    for (const auto& e : fs::directory_iterator(dir))
    {
        const auto name = e.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size() + 3 && name.ends_with(".pb"))
            v.emplace_back(std::atoi(name.c_str() + prefix.size()), e.path());
    }
    std::sort(v.begin(), v.end());
    std::vector<fs::path> out;
    for (auto& [i, p] : v)
        out.push_back(p);
    return out;
}

enum class Outcome
{
    Pass,
    Fail,
    Unsupported,
    Excluded,
};

std::string compare(const Tensor& got, const Tensor& want, double rtol, double atol)
{
    if (got.dtype != want.dtype)
        return "dtype " + std::string(dtype_name(got.dtype)) +
               " != " + std::string(dtype_name(want.dtype));
    if (got.shape != want.shape)
        return "shape " + shape_string(got.shape) + " != " + shape_string(want.shape);
    if (got.dtype != DType::FLOAT)
    {
        if (got.data != want.data)
        {
            const size_t es = dtype_size(got.dtype);
            size_t bad = 0;
            size_t first = 0;
            for (size_t i = 0; i < got.data.size() / es; ++i)
                if (std::memcmp(&got.data[i * es], &want.data[i * es], es) != 0 && !bad++)
                    first = i;
            return std::to_string(bad) + " integer elements differ (first at " +
                   std::to_string(first) + ": " + std::to_string(int_at(got, first)) +
                   " != " + std::to_string(int_at(want, first)) + ")";
        }
        return {};
    }
    const auto g = got.as<float>();
    const auto w = want.as<float>();
    size_t bad = 0;
    std::string first;
    for (size_t i = 0; i < w.size(); ++i)
    {
        const double a = g[i];
        const double b = w[i];
        const bool ok = (std::isnan(a) && std::isnan(b)) || a == b ||
                        std::abs(a - b) <= atol + rtol * std::abs(b);
        if (!ok && !bad++)
            first =
                "at " + std::to_string(i) + ": " + std::to_string(a) + " vs " + std::to_string(b);
    }
    if (bad)
        return std::to_string(bad) + " float elements out of tolerance (first " + first + ")";
    return {};
}

bool is_unsupported(const std::string& err)
{
    return err.find("unsupported") != std::string::npos ||
           err.find("not supported") != std::string::npos;
}

// The model with graph inputs `bound` turned into initializers holding `values` (shape
// inputs of Reshape/Slice/... that the tests feed at run time; on chain they must be
// constants, so the runner binds them to test the op's semantics).
std::string bind_inputs(const std::string& bytes,
                        const std::vector<size_t>& bound,
                        const std::vector<Tensor>& values)
{
    onnx::ModelProto m;
    m.ParseFromString(bytes);
    auto* g = m.mutable_graph();
    std::vector<std::string> names;
    for (const auto& in : g->input())
        names.push_back(in.name());
    for (auto k : bound)
        *g->add_initializer() = tensor_to_proto(values[k], names[k]);
    google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> kept;
    for (int i = 0; i < g->input_size(); ++i)
        if (std::find(bound.begin(), bound.end(), static_cast<size_t>(i)) == bound.end())
            *kept.Add() = g->input(i);
    g->mutable_input()->Swap(&kept);
    std::string out;
    m.SerializeToString(&out);
    return out;
}

size_t g_bound_runs = 0;

Outcome run_dir(const fs::path& dir, std::string& why)
{
    const auto name = dir.filename().string();
    if (auto it = kExcluded.find(name); it != kExcluded.end())
    {
        why = it->second;
        return Outcome::Excluded;
    }
    const auto limits = test_limits();
    const auto bytes = read_file(dir / "model.onnx");
    auto model =
        load_model(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), limits);
    if (!model)
    {
        why = model.error();
        return is_unsupported(why) ? Outcome::Unsupported : Outcome::Fail;
    }
    double rtol = 1e-3;
    double atol = 1e-7;
    if (auto it = kTolerance.find(name); it != kTolerance.end())
        std::tie(rtol, atol) = it->second;
    bool any = false;
    for (const auto& set : fs::directory_iterator(dir))
    {
        if (!set.is_directory() || set.path().filename().string().rfind("test_data_set", 0) != 0)
            continue;
        any = true;
        std::vector<Tensor> inputs;
        std::vector<Tensor> wants;
        for (auto* list : {&inputs, &wants})
            for (const auto& p : numbered(set.path(), list == &inputs ? "input_" : "output_"))
            {
                onnx::TensorProto proto;
                const auto data = read_file(p);
                if (!proto.ParseFromString(data))
                {
                    why = "cannot parse " + p.string();
                    return Outcome::Fail;
                }
                auto t = tensor_from_proto(proto, limits);
                if (!t)
                {
                    why = t.error();
                    return is_unsupported(why) ? Outcome::Unsupported : Outcome::Fail;
                }
                list->push_back(std::move(*t));
            }
        // Inputs listed in the data set may include optional ones the model omits.
        if (inputs.size() != (*model)->inputs.size())
        {
            why = "data set has " + std::to_string(inputs.size()) + " inputs, model takes " +
                  std::to_string((*model)->inputs.size());
            return Outcome::Fail;
        }
        auto got = run(**model, inputs, limits);
        // Bind every integer input but the first as a constant and retry; if the shapes still
        // depend on inputs (Range's start/limit/delta, OneHot's float depth, NonZero's data),
        // bind every input.
        for (int all = 0; all < 2 && !got &&
                          got.error().find("dynamic shape cannot be bounded") != std::string::npos;
             ++all)
        {
            std::vector<size_t> bound;
            std::vector<Tensor> rest;
            for (size_t k = 0; k < inputs.size(); ++k)
                if (all || (k > 0 && is_integer(inputs[k].dtype)))
                    bound.push_back(k);
                else
                    rest.push_back(inputs[k]);
            const auto rebound = bind_inputs(bytes, bound, inputs);
            auto m2 = load_model(
                std::span(reinterpret_cast<const uint8_t*>(rebound.data()), rebound.size()),
                limits);
            if (!m2)
            {
                why = m2.error();
                return Outcome::Fail;
            }
            got = run(**m2, rest, limits);
            ++g_bound_runs;
        }
        if (!got)
        {
            why = got.error();
            return is_unsupported(why) ? Outcome::Unsupported : Outcome::Fail;
        }
        if (got->size() != wants.size())
        {
            why = "got " + std::to_string(got->size()) + " outputs, want " +
                  std::to_string(wants.size());
            return Outcome::Fail;
        }
        for (size_t k = 0; k < wants.size(); ++k)
            if (auto d = compare((*got)[k], wants[k], rtol, atol); !d.empty())
            {
                why = set.path().filename().string() + " output " + std::to_string(k) + ": " + d;
                return Outcome::Fail;
            }
    }
    if (!any)
    {
        why = "no test data sets";
        return Outcome::Unsupported;
    }
    return Outcome::Pass;
}

void run_suite(const std::string& sub)
{
    const char* root_env = std::getenv("TERN_ONNX_TESTDATA");
    const fs::path root = fs::path(root_env ? root_env : TERN_ONNX_TESTDATA_DIR) / sub;
    if (!fs::is_directory(root))
        GTEST_SKIP() << root << " missing (install libonnx-testdata)";
    const char* filter = std::getenv("TERN_ONNX_FILTER");
    const bool verbose = std::getenv("TERN_ONNX_VERBOSE") != nullptr;
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(root))
        if (e.is_directory() && fs::exists(e.path() / "model.onnx") &&
            (!filter || e.path().filename().string().find(filter) != std::string::npos))
            dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    size_t pass = 0, fail = 0, unsupported = 0, excluded = 0;
    for (const auto& dir : dirs)
    {
        std::string why;
        const auto outcome = run_dir(dir, why);
        const auto name = dir.filename().string();
        switch (outcome)
        {
            case Outcome::Pass:
                ++pass;
                if (verbose)
                    std::cout << "PASS " << name << "\n";
                break;
            case Outcome::Fail:
                ++fail;
                ADD_FAILURE() << name << ": " << why;
                break;
            case Outcome::Unsupported:
                ++unsupported;
                if (verbose)
                    std::cout << "SKIP " << name << ": " << why << "\n";
                break;
            case Outcome::Excluded:
                ++excluded;
                if (verbose)
                    std::cout << "EXCL " << name << ": " << why << "\n";
                break;
        }
    }
    std::cout << "onnx backend tests (" << sub << "): " << dirs.size() << " dirs, " << pass
              << " passed, " << fail << " failed, " << unsupported
              << " skipped (unsupported op/dtype), " << excluded << " excluded; " << g_bound_runs
              << " data sets ran with shape inputs bound as constants\n";
    g_bound_runs = 0;
}

}  // namespace

TEST(OnnxBackend, Node)
{
    run_suite("node");
}

TEST(OnnxBackend, PytorchConverted)
{
    run_suite("pytorch-converted");
}

TEST(OnnxBackend, PytorchOperator)
{
    run_suite("pytorch-operator");
}

TEST(OnnxBackend, Simple)
{
    run_suite("simple");
}
