// ML engine determinism check: runs a fixed set of models on fixed inputs and prints a
// Keccak-256 digest of every model's output bytes, plus one of the deterministic math
// functions over a sweep of float bit patterns. Builds at -O0, -O3, -O3 -march=native, with
// sanitizers or with another compiler must all print the same digests; tests/ml-determinism/
// expected.txt holds them and `--expect FILE` compares (exit 1 naming what differs).
//
//   tern-ml-determinism [--expect expected.txt] [--testdata /usr/share/libonnx-testdata/data]
//                       [--scalar | --avx2]   (force the portable kernels, or AVX2 without
//                                          VNNI, on a CPU that has more: ml/kernels.hpp)
//
// Models: ONNX backend-test models (float and quantized ops, with their own input data) and
// generated random-weight models — an MLP, a LeNet-style CNN, a transformer-style block with
// LayerNormalization/GELU/Softmax, and an elementwise model fed NaN, infinities, signed zeros
// and subnormals (NaN canonicalization, overflow paths).

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "ml/detmath.hpp"
#include "ml/engine.hpp"
#include "ml/kernels.hpp"
#include "ml/onnx_proto.hpp"
#include "tests/ml-determinism/models.hpp"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace tern;
using namespace tern::ml;
using namespace tern::ml::testmodels;

namespace {

// ---------------------------------------------------------------------------------------
// ONNX backend-test models with their first data set.

const char* const kOnnxTests[] = {
    "node/test_conv_with_strides_and_asymmetric_padding",
    "node/test_conv_with_autopad_same",
    "node/test_softmax_large_number",
    "node/test_softmax_axis_0",
    "node/test_layer_normalization_4d_axis1",
    "node/test_layer_normalization_3d_axis_negative_2_epsilon",
    "node/test_erf",
    "node/test_gemm_all_attributes",
    "node/test_matmul_4d",
    "node/test_averagepool_2d_pads_count_include_pad",
    "node/test_averagepool_3d_default",
    "node/test_maxpool_2d_ceil",
    "node/test_maxpool_with_argmax_2d_precomputed_pads",
    "node/test_sigmoid",
    "node/test_tanh",
    "node/test_leakyrelu",
    "node/test_clip",
    "node/test_div_bcast",
    "node/test_globalaveragepool",
    "node/test_qlinearmatmul_3D",
    "node/test_qlinearconv",
    "node/test_matmulinteger",
    "node/test_quantizelinear_axis",
    "node/test_dequantizelinear_axis",
    "pytorch-converted/test_Conv2d_groups",
    "pytorch-converted/test_Conv3d_dilated_strided",
    "pytorch-converted/test_Conv1d_pad2",
    "pytorch-converted/test_Conv2d_depthwise_with_multiplier",
    "pytorch-converted/test_MaxPool3d_stride_padding",
    "pytorch-converted/test_AvgPool3d_stride",
    "pytorch-converted/test_Linear",
    "pytorch-converted/test_softmax_functional_dim3",
    "pytorch-converted/test_Tanh",
    "node/test_softplus",
    "node/test_selu",
    "node/test_round",
    "node/test_mod_mixed_sign_float32",
    "node/test_instancenorm_epsilon",
    "node/test_reduce_l2_keep_dims_random",
    "node/test_depthtospace_crd_mode",
    "node/test_where_long_example",
    "pytorch-converted/test_ELU",
    "node/test_convtranspose_dilations",
    "node/test_convtranspose_output_shape",
    "pytorch-converted/test_ConvTranspose2d",
};

std::string read_file(const fs::path& p)
{
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

bool onnx_case(const fs::path& root, const std::string& name, Case& c, std::string& err)
{
    const fs::path dir = root / name;
    const std::string model = read_file(dir / "model.onnx");
    if (model.empty())
    {
        err = "missing " + (dir / "model.onnx").string();
        return false;
    }
    c.name = "onnx/" + name;
    c.model.assign(model.begin(), model.end());
    for (int i = 0;; ++i)
    {
        const fs::path p = dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb");
        if (!fs::exists(p))
            break;
        onnx::TensorProto tp;
        if (!tp.ParseFromString(read_file(p)))
        {
            err = "cannot parse " + p.string();
            return false;
        }
        auto t = tensor_from_proto(tp, Limits{});
        if (!t)
        {
            err = p.string() + ": " + t.error();
            return false;
        }
        c.inputs.push_back(std::move(*t));
    }
    return true;
}

// ---------------------------------------------------------------------------------------

void append_tensor(std::vector<uint8_t>& buf, const Tensor& t)
{
    buf.push_back(static_cast<uint8_t>(t.dtype));
    buf.push_back(static_cast<uint8_t>(t.shape.size()));
    for (auto d : t.shape)
        for (int i = 0; i < 8; ++i)
            buf.push_back(static_cast<uint8_t>(static_cast<uint64_t>(d) >> (8 * i)));
    buf.insert(buf.end(), t.data.begin(), t.data.end());
}

std::string digest(const std::vector<uint8_t>& buf)
{
    return to_hex(keccak256(BytesView(buf.data(), buf.size())).view(), false);
}

/// Digest of every detmath function over every 4099th float bit pattern (~1M inputs each).
std::string detmath_digest()
{
    float (*const fns[])(float) = {detmath::exp,     detmath::log,  detmath::tanh,     detmath::erf,
                                   detmath::sigmoid, detmath::gelu, detmath::gelu_tanh};
    std::vector<uint8_t> buf;
    for (auto f : fns)
        for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 4099)
        {
            const uint32_t w =
                std::bit_cast<uint32_t>(f(std::bit_cast<float>(static_cast<uint32_t>(u))));
            for (int i = 0; i < 4; ++i)
                buf.push_back(static_cast<uint8_t>(w >> (8 * i)));
        }
    return digest(buf);
}

/// Digest of sin and cos over every 4099th float bit pattern (all exponents: their argument
/// reduction is the part that differs between libms).
std::string sincos_digest()
{
    std::vector<uint8_t> buf;
    for (auto f : {detmath::sin, detmath::cos})
        for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 4099)
        {
            const uint32_t w =
                std::bit_cast<uint32_t>(f(std::bit_cast<float>(static_cast<uint32_t>(u))));
            for (int i = 0; i < 4; ++i)
                buf.push_back(static_cast<uint8_t>(w >> (8 * i)));
        }
    return digest(buf);
}

}  // namespace

int main(int argc, char** argv)
{
    std::string expect_path;
    fs::path testdata = "/usr/share/libonnx-testdata/data";
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        if (a == "--expect" && i + 1 < argc)
            expect_path = argv[++i];
        else if (a == "--testdata" && i + 1 < argc)
            testdata = argv[++i];
        else if (a == "--scalar")
            set_kernel_isa(KernelIsa::Scalar);  // the portable kernels even on an AVX2 CPU
        else if (a == "--avx2")
            set_kernel_isa(KernelIsa::Avx2);  // AVX2 without the VNNI integer kernel
        else
        {
            std::fprintf(stderr, "usage: %s [--expect FILE] [--testdata DIR] [--scalar|--avx2]\n",
                         argv[0]);
            return 2;
        }
    }

    std::vector<std::pair<std::string, std::string>> results;  // name, digest or error
    results.emplace_back("detmath/sweep", detmath_digest());
    results.emplace_back("detmath/sincos", sincos_digest());
    std::vector<Case> cases = {mlp(),          lenet(),        transformer_block(),
                               specials(),     extras(),       logic_elementwise(),
                               index_reduce(), resize_modes(), resize_cubic(),
                               newer_opsets(), attention(),    recurrent(),
                               control_flow(), classic_ml(),   quant_gemm()};
    for (const char* name : kOnnxTests)
    {
        Case c;
        std::string err;
        if (!onnx_case(testdata, name, c, err))
        {
            results.emplace_back(std::string("onnx/") + name, "error: " + err);
            continue;
        }
        cases.push_back(std::move(c));
    }
    std::vector<uint8_t> all;
    const bool dump = std::getenv("TERN_ML_DET_DUMP") != nullptr;
    for (const auto& c : cases)
    {
        auto model = load_model(c.model, Limits{});
        if (!model)
        {
            results.emplace_back(c.name, "error: " + model.error());
            continue;
        }
        auto out = run(**model, c.inputs, Limits{});
        if (!out)
        {
            results.emplace_back(c.name, "error: " + out.error());
            continue;
        }
        std::vector<uint8_t> buf;
        for (const auto& t : *out)
        {
            append_tensor(buf, t);
            if (dump && t.dtype == DType::FLOAT)
            {
                // TERN_ML_DET_DUMP=1: the first values of each float output (debugging).
                std::fprintf(stderr, "%s %s:", c.name.c_str(), shape_string(t.shape).c_str());
                for (size_t i = 0; i < t.as<float>().size() && i < 6; ++i)
                    std::fprintf(stderr, " %g", static_cast<double>(t.as<float>()[i]));
                std::fprintf(stderr, "\n");
            }
        }
        all.insert(all.end(), buf.begin(), buf.end());
        results.emplace_back(c.name, digest(buf));
    }
    results.emplace_back("all-models", digest(all));

    std::map<std::string, std::string> expected;
    if (!expect_path.empty())
    {
        std::istringstream in(read_file(expect_path));
        std::string name, value;
        while (in >> name >> value)
            expected[name] = value;
        if (expected.empty())
        {
            std::fprintf(stderr, "cannot read %s\n", expect_path.c_str());
            return 2;
        }
    }
    int bad = 0;
    for (const auto& [name, value] : results)
    {
        std::printf("%s %s\n", name.c_str(), value.c_str());
        if (value.rfind("error", 0) == 0)
            ++bad;
        else if (!expect_path.empty() && expected[name] != value)
        {
            std::fprintf(stderr, "DIFFERS: %s: got %s, expected %s\n", name.c_str(), value.c_str(),
                         expected[name].c_str());
            ++bad;
        }
    }
    if (!expect_path.empty() && expected.size() != results.size())
    {
        std::fprintf(stderr, "expected %zu digests, computed %zu\n", expected.size(),
                     results.size());
        ++bad;
    }
    if (bad)
        std::fprintf(stderr, "%d of %zu digests wrong or failed\n", bad, results.size());
    return bad ? 1 : 0;
}
