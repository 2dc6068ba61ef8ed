// Float ops: kernels against straightforward references (bit-exact where the summation order
// is the documented one), shape inference errors, cost, NaN canonicalization, and GELU
// (opset 20, absent from ONNX 1.12's test data) through a real ONNX model against a double
// reference.

#include "ml/ops_float.hpp"
#include "ml/detmath.hpp"
#include "ml/engine.hpp"
#include "ml/kernels.hpp"
#include "ml/onnx_proto.hpp"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace tern::ml {
namespace {

Attribute int_attr(int64_t v)
{
    Attribute a;
    a.kind = Attribute::Kind::Int;
    a.i = v;
    return a;
}
Attribute float_attr(float v)
{
    Attribute a;
    a.kind = Attribute::Kind::Float;
    a.f = v;
    return a;
}
Attribute ints_attr(std::vector<int64_t> v)
{
    Attribute a;
    a.kind = Attribute::Kind::Ints;
    a.ints = std::move(v);
    return a;
}
Attribute string_attr(std::string v)
{
    Attribute a;
    a.kind = Attribute::Kind::String;
    a.s = std::move(v);
    return a;
}

Node make_node(const std::string& op,
               std::vector<std::pair<std::string, Attribute>> attrs = {},
               int64_t opset = 17,
               size_t outputs = 1)
{
    Node n;
    n.op = find_op(op);
    n.op_type = op;
    n.name = "t";
    n.opset = opset;
    std::sort(attrs.begin(), attrs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    n.attrs = std::move(attrs);
    n.outputs.assign(outputs, 0);
    return n;
}

/// Runs one node through its OpDef (infer, allocate, run) like the executor does.
Result<std::vector<Tensor>, std::string> run_node(Node node, std::vector<const Tensor*> inputs)
{
    if (!node.op)
        return "op " + node.op_type + " not registered";
    node.inputs.assign(inputs.size(), 0);
    std::vector<ValueInfo> infos(inputs.size());
    std::vector<const ValueInfo*> info_ptrs;
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        if (inputs[k])
        {
            infos[k].dtype = inputs[k]->dtype;
            infos[k].shape = inputs[k]->shape;
        }
        info_ptrs.push_back(inputs[k] ? &infos[k] : nullptr);
    }
    std::vector<ValueInfo> outs(node.outputs.size());
    if (auto st = node.op->infer(node, info_ptrs, outs); !st)
        return st.error();
    std::vector<Tensor> results;
    for (const auto& o : outs)
        results.push_back(Tensor::zeros(o.dtype, o.shape));
    if (auto st = node.op->run(node, inputs, results); !st)
        return st.error();
    return results;
}

Tensor floats(std::vector<int64_t> shape, std::vector<float> v)
{
    return Tensor::from<float>(DType::FLOAT, std::move(shape), v);
}

Tensor random_floats(std::vector<int64_t> shape, uint32_t seed)
{
    std::mt19937 rng(seed);
    Tensor t = Tensor::zeros(DType::FLOAT, std::move(shape));
    for (float& v : t.as<float>())
        v = static_cast<float>(static_cast<int32_t>(rng() % 2001) - 1000) / 256.0f;
    return t;
}

std::vector<float> values(const Tensor& t)
{
    auto s = t.as<float>();
    return {s.begin(), s.end()};
}

uint32_t bits(float x)
{
    return std::bit_cast<uint32_t>(x);
}

TEST(MlFloatOps, AllListedOpsAreRegistered)
{
    for (const char* op : {"Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Clip", "Sigmoid",
                           "Tanh", "Erf", "Gelu", "Softmax", "LayerNormalization", "Gemm", "MatMul",
                           "Conv", "MaxPool", "AveragePool", "GlobalAveragePool"})
        EXPECT_NE(find_op(op), nullptr) << op;
}

TEST(MlFloatOps, SgemmBlockingDoesNotChangeBits)
{
    // The blocked kernel (panels of 8 columns, tiles of 4 rows, row kernel for M < 4) must
    // give exactly the plain triple loop with k increasing.
    for (auto [M, N, K] : std::vector<std::array<int64_t, 3>>{
             {1, 1, 1}, {1, 37, 19}, {3, 16, 5}, {4, 16, 8}, {5, 17, 33}, {9, 40, 7}, {13, 3, 64}})
        for (bool ta : {false, true})
            for (bool tb : {false, true})
            {
                const Tensor A = random_floats({M * K}, 1);
                const Tensor B = random_floats({K * N}, 2);
                const float* a = A.as<float>().data();
                const float* b = B.as<float>().data();
                const int64_t a_rs = ta ? 1 : K, a_cs = ta ? M : 1;
                const int64_t b_rs = tb ? 1 : N, b_cs = tb ? K : 1;
                std::vector<float> c(static_cast<size_t>(M * N), -1.0f);
                sgemm(M, N, K, a, a_rs, a_cs, b, b_rs, b_cs, c.data());
                for (int64_t i = 0; i < M; ++i)
                    for (int64_t j = 0; j < N; ++j)
                    {
                        float acc = 0;
                        for (int64_t k = 0; k < K; ++k)
                            acc += a[i * a_rs + k * a_cs] * b[k * b_rs + j * b_cs];
                        ASSERT_EQ(bits(c[static_cast<size_t>(i * N + j)]), bits(acc))
                            << M << "x" << N << "x" << K << " ta " << ta << " tb " << tb << " at "
                            << i << "," << j;
                    }
            }
}

TEST(MlFloatOps, GemmAttributesAndBroadcastC)
{
    const Tensor A = floats({3, 2}, {1, 2, 3, 4, 5, 6});  // transA: A' is 2x3
    const Tensor B = floats({2, 3}, {1, 0, 1, 0, 1, 1});  // transB: B' is 3x2
    const Tensor C = floats({2, 1}, {10, 20});
    auto r = run_node(make_node("Gemm", {{"transA", int_attr(1)},
                                         {"transB", int_attr(1)},
                                         {"alpha", float_attr(2)},
                                         {"beta", float_attr(0.5f)}}),
                      {&A, &B, &C});
    ASSERT_TRUE(r) << r.error();
    // A' = [[1,3,5],[2,4,6]], B' = [[1,0],[0,1],[1,1]]: A'B' = [[6,8],[8,10]].
    EXPECT_EQ((*r)[0].shape, (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(values((*r)[0]), (std::vector<float>{17, 21, 26, 30}));

    const Tensor Cbad = floats({3}, {1, 2, 3});
    auto bad = run_node(make_node("Gemm", {{"transA", int_attr(1)}, {"transB", int_attr(1)}}),
                        {&A, &B, &Cbad});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().find("does not broadcast"), std::string::npos) << bad.error();
    auto mismatch = run_node(make_node("Gemm"), {&A, &A});
    ASSERT_FALSE(mismatch);
    EXPECT_NE(mismatch.error().find("inner dims differ"), std::string::npos) << mismatch.error();
}

TEST(MlFloatOps, MatMulBatchedBroadcastAndVectors)
{
    const Tensor A = random_floats({2, 1, 3, 4}, 3);
    const Tensor B = random_floats({5, 4, 2}, 4);
    auto r = run_node(make_node("MatMul"), {&A, &B});
    ASSERT_TRUE(r) << r.error();
    const Tensor& Y = (*r)[0];
    ASSERT_EQ(Y.shape, (std::vector<int64_t>{2, 5, 3, 2}));
    const float* a = A.as<float>().data();
    const float* b = B.as<float>().data();
    for (int64_t p = 0; p < 2; ++p)
        for (int64_t q = 0; q < 5; ++q)
            for (int64_t i = 0; i < 3; ++i)
                for (int64_t j = 0; j < 2; ++j)
                {
                    float acc = 0;
                    for (int64_t k = 0; k < 4; ++k)
                        acc += a[p * 12 + i * 4 + k] * b[q * 8 + k * 2 + j];
                    EXPECT_EQ(
                        bits(Y.as<float>()[static_cast<size_t>(((p * 5 + q) * 3 + i) * 2 + j)]),
                        bits(acc));
                }
    const Tensor v = floats({4}, {1, 2, 3, 4});
    const Tensor M = random_floats({4, 3}, 5);
    auto vm = run_node(make_node("MatMul"), {&v, &M});
    ASSERT_TRUE(vm);
    EXPECT_EQ((*vm)[0].shape, (std::vector<int64_t>{3}));
    const Tensor ones = floats({3}, {1, 1, 1});
    auto mv = run_node(make_node("MatMul"), {&M, &ones});
    ASSERT_TRUE(mv);
    EXPECT_EQ((*mv)[0].shape, (std::vector<int64_t>{4}));
    auto bad = run_node(make_node("MatMul"), {&M, &M});
    ASSERT_FALSE(bad);
}

/// Reference Conv in the documented order: (c, kd, kh, kw) ascending, padding taps skipped,
/// bias added last. 2-D only.
std::vector<float> ref_conv2d(const Tensor& X,
                              const Tensor& W,
                              const Tensor* B,
                              int64_t group,
                              std::array<int64_t, 2> stride,
                              std::array<int64_t, 2> dil,
                              std::array<int64_t, 4> pads,
                              std::array<int64_t, 2> out)
{
    const int64_t N = X.shape[0], C = X.shape[1], H = X.shape[2], Wd = X.shape[3];
    const int64_t M = W.shape[0], Cg = W.shape[1], KH = W.shape[2], KW = W.shape[3];
    const float* x = X.as<float>().data();
    const float* w = W.as<float>().data();
    std::vector<float> y;
    for (int64_t n = 0; n < N; ++n)
        for (int64_t m = 0; m < M; ++m)
        {
            const int64_t g = m / (M / group);
            for (int64_t oh = 0; oh < out[0]; ++oh)
                for (int64_t ow = 0; ow < out[1]; ++ow)
                {
                    float acc = 0;
                    for (int64_t c = 0; c < Cg; ++c)
                        for (int64_t kh = 0; kh < KH; ++kh)
                            for (int64_t kw = 0; kw < KW; ++kw)
                            {
                                const int64_t ih = oh * stride[0] + kh * dil[0] - pads[0];
                                const int64_t iw = ow * stride[1] + kw * dil[1] - pads[1];
                                if (ih < 0 || ih >= H || iw < 0 || iw >= Wd)
                                    continue;
                                acc += w[((m * Cg + c) * KH + kh) * KW + kw] *
                                       x[((n * C + g * Cg + c) * H + ih) * Wd + iw];
                            }
                    if (B)
                        acc = acc + B->as<float>()[static_cast<size_t>(m)];
                    y.push_back(acc);
                }
        }
    (void)C;
    return y;
}

TEST(MlFloatOps, ConvGroupsStridesDilationsPadsBitExact)
{
    const Tensor X = random_floats({2, 4, 9, 11}, 6);
    const Tensor W = random_floats({6, 2, 3, 2}, 7);
    const Tensor B = random_floats({6}, 8);
    auto r = run_node(make_node("Conv", {{"group", int_attr(2)},
                                         {"strides", ints_attr({2, 1})},
                                         {"dilations", ints_attr({1, 3})},
                                         {"pads", ints_attr({1, 2, 0, 1})}}),
                      {&X, &W, &B});
    ASSERT_TRUE(r) << r.error();
    // H: (9 + 1 + 0 - 3) / 2 + 1 = 4; W: (11 + 2 + 1 - 4) / 1 + 1 = 11.
    ASSERT_EQ((*r)[0].shape, (std::vector<int64_t>{2, 6, 4, 11}));
    const auto want = ref_conv2d(X, W, &B, 2, {2, 1}, {1, 3}, {1, 2, 0, 1}, {4, 11});
    const auto got = values((*r)[0]);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(bits(got[i]), bits(want[i])) << i;

    // SAME_LOWER puts the odd padding at the start.
    const Tensor W2 = random_floats({3, 4, 2, 2}, 9);
    auto same = run_node(make_node("Conv", {{"auto_pad", string_attr("SAME_LOWER")},
                                            {"strides", ints_attr({2, 2})}}),
                         {&X, &W2});
    ASSERT_TRUE(same) << same.error();
    EXPECT_EQ((*same)[0].shape, (std::vector<int64_t>{2, 3, 5, 6}));

    auto bad_group = run_node(make_node("Conv", {{"group", int_attr(3)}}), {&X, &W});
    ASSERT_FALSE(bad_group);
    auto absurd = run_node(make_node("Conv", {{"strides", ints_attr({0, 1})}}), {&X, &W});
    ASSERT_FALSE(absurd);
    auto huge = run_node(make_node("Conv", {{"pads", ints_attr({1LL << 40, 0, 0, 0})}}), {&X, &W});
    ASSERT_FALSE(huge);
}

TEST(MlFloatOps, ConvGemmPathBitExactOnEveryKernelSet)
{
    // The im2col + GEMM path (tiles of 256 positions, 6-row tiles, strided output) against the
    // direct-order reference, with full-mantissa values so any reordering would show; an inf
    // weight takes the direct loop (w * 0 in the padding would be NaN there).
    const KernelIsa saved = kernel_isa();
    auto full = [](std::vector<int64_t> shape, uint32_t seed) {
        std::mt19937 rng(seed);
        std::uniform_real_distribution<float> d(-3.0f, 3.0f);
        Tensor t = Tensor::zeros(DType::FLOAT, std::move(shape));
        for (float& v : t.as<float>())
            v = d(rng);
        return t;
    };
    struct Case
    {
        std::vector<int64_t> x, w;
        int64_t group;
        std::array<int64_t, 2> stride, dil;
        std::array<int64_t, 4> pads;
    };
    const std::vector<Case> cases = {
        {{1, 3, 23, 19}, {13, 3, 3, 3}, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}},
        {{2, 4, 9, 11}, {6, 2, 3, 2}, 2, {2, 1}, {1, 3}, {1, 2, 0, 1}},
        {{1, 8, 17, 17}, {8, 1, 5, 5}, 8, {1, 2}, {2, 1}, {3, 0, 2, 4}},
        {{1, 5, 31, 9}, {7, 5, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},
    };
    uint32_t seed = 40;
    for (const auto& c : cases)
        for (bool inf_weight : {false, true})
        {
            const Tensor X = full(c.x, seed++);
            Tensor W = full(c.w, seed++);
            if (inf_weight)
                W.as<float>()[1] = std::numeric_limits<float>::infinity();
            const Tensor B = full({c.w[0]}, seed++);
            const int64_t oh =
                (c.x[2] + c.pads[0] + c.pads[2] - ((c.w[2] - 1) * c.dil[0] + 1)) / c.stride[0] + 1;
            const int64_t ow =
                (c.x[3] + c.pads[1] + c.pads[3] - ((c.w[3] - 1) * c.dil[1] + 1)) / c.stride[1] + 1;
            const auto want = ref_conv2d(X, W, &B, c.group, c.stride, c.dil, c.pads, {oh, ow});
            for (KernelIsa isa : {KernelIsa::Scalar, KernelIsa::Avx2, KernelIsa::Avx2Vnni})
            {
                set_kernel_isa(isa);
                auto r = run_node(
                    make_node("Conv",
                              {{"group", int_attr(c.group)},
                               {"strides", ints_attr({c.stride[0], c.stride[1]})},
                               {"dilations", ints_attr({c.dil[0], c.dil[1]})},
                               {"pads", ints_attr({c.pads[0], c.pads[1], c.pads[2], c.pads[3]})}}),
                    {&X, &W, &B});
                ASSERT_TRUE(r) << r.error();
                const auto got = values((*r)[0]);
                ASSERT_EQ(got.size(), want.size());
                for (size_t i = 0; i < got.size(); ++i)
                {
                    // NaNs are canonicalized by the op, not by the reference.
                    if (std::isnan(want[i]))
                    {
                        ASSERT_TRUE(std::isnan(got[i])) << i;
                        continue;
                    }
                    ASSERT_EQ(bits(got[i]), bits(want[i]))
                        << "case " << c.x[1] << "->" << c.w[0] << " inf " << inf_weight << " isa "
                        << static_cast<int>(isa) << " at " << i;
                }
            }
        }
    set_kernel_isa(saved);
}

TEST(MlFloatOps, PoolsCeilModeIndicesAndErrors)
{
    const Tensor X = floats({1, 1, 3, 3}, {1, 9, 2, 4, 5, 8, 7, 3, 6});
    auto mp = run_node(make_node("MaxPool",
                                 {{"kernel_shape", ints_attr({2, 2})},
                                  {"strides", ints_attr({2, 2})},
                                  {"ceil_mode", int_attr(1)}},
                                 12, 2),
                       {&X});
    ASSERT_TRUE(mp) << mp.error();
    EXPECT_EQ((*mp)[0].shape, (std::vector<int64_t>{1, 1, 2, 2}));
    EXPECT_EQ(values((*mp)[0]), (std::vector<float>{9, 8, 7, 6}));
    EXPECT_EQ((*mp)[1].as<int64_t>()[0], 1);
    EXPECT_EQ((*mp)[1].as<int64_t>()[3], 8);

    auto ap = run_node(make_node("AveragePool", {{"kernel_shape", ints_attr({2, 2})},
                                                 {"pads", ints_attr({1, 1, 1, 1})},
                                                 {"count_include_pad", int_attr(1)}}),
                       {&X});
    ASSERT_TRUE(ap) << ap.error();
    EXPECT_EQ((*ap)[0].shape, (std::vector<int64_t>{1, 1, 4, 4}));
    EXPECT_EQ((*ap)[0].as<float>()[0], 0.25f);  // one real tap of four
    auto ap_ex = run_node(make_node("AveragePool", {{"kernel_shape", ints_attr({2, 2})},
                                                    {"pads", ints_attr({1, 1, 1, 1})}}),
                          {&X});
    ASSERT_TRUE(ap_ex);
    EXPECT_EQ((*ap_ex)[0].as<float>()[0], 1.0f);  // only the real tap counts

    auto gap = run_node(make_node("GlobalAveragePool"), {&X});
    ASSERT_TRUE(gap);
    EXPECT_EQ((*gap)[0].shape, (std::vector<int64_t>{1, 1, 1, 1}));
    EXPECT_EQ((*gap)[0].as<float>()[0], 5.0f);

    auto pads_too_big = run_node(make_node("MaxPool", {{"kernel_shape", ints_attr({2, 2})},
                                                       {"pads", ints_attr({2, 0, 0, 0})}}),
                                 {&X});
    ASSERT_FALSE(pads_too_big);
    auto no_kernel = run_node(make_node("AveragePool"), {&X});
    ASSERT_FALSE(no_kernel);
}

TEST(MlFloatOps, SoftmaxAxisSemanticsByOpset)
{
    const Tensor X = floats({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
    auto s13 = run_node(make_node("Softmax", {}, 13), {&X});  // axis -1: pairs
    ASSERT_TRUE(s13);
    const float e = detmath::exp(-1.0f);
    const float lo = static_cast<float>(e / (1.0 + e));
    const float hi = static_cast<float>(1.0 / (1.0 + e));
    EXPECT_EQ(values((*s13)[0]), (std::vector<float>{lo, hi, lo, hi, lo, hi, lo, hi}));
    auto s11 = run_node(make_node("Softmax", {}, 11), {&X});  // axis 1: rows of 4 flattened
    ASSERT_TRUE(s11);
    float sum = 0;
    for (int i = 0; i < 4; ++i)
        sum += (*s11)[0].as<float>()[static_cast<size_t>(i)];
    EXPECT_NEAR(sum, 1.0f, 1e-6f);
    EXPECT_GT((*s11)[0].as<float>()[3], (*s11)[0].as<float>()[1]);
    // Large inputs do not overflow (max subtracted); -inf gives exact zeros.
    const Tensor big = floats({3}, {1000, 1000, -INFINITY});
    auto sb = run_node(make_node("Softmax", {}, 13), {&big});
    ASSERT_TRUE(sb);
    EXPECT_EQ(values((*sb)[0]), (std::vector<float>{0.5f, 0.5f, 0.0f}));
}

TEST(MlFloatOps, LayerNormalizationOutputsAndBroadcastScale)
{
    const Tensor X = floats({2, 3}, {1, 2, 3, -1, 0, 7});
    const Tensor S = floats({1}, {2});
    const Tensor B = floats({3}, {0, 1, 0});
    auto r = run_node(make_node("LayerNormalization", {{"epsilon", float_attr(0)}}, 17, 3),
                      {&X, &S, &B});
    ASSERT_TRUE(r) << r.error();
    const double inv = 1.0 / std::sqrt(2.0 / 3.0);
    EXPECT_EQ(values((*r)[0])[0], static_cast<float>(-1.0 * inv * 2));
    EXPECT_EQ(values((*r)[0])[1], 1.0f);
    EXPECT_EQ((*r)[1].shape, (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(values((*r)[1]), (std::vector<float>{2, 2}));
    EXPECT_EQ(values((*r)[2])[0], static_cast<float>(inv));
    const Tensor Sbad = floats({2}, {1, 1});
    EXPECT_FALSE(run_node(make_node("LayerNormalization"), {&X, &Sbad}));
}

TEST(MlFloatOps, ArithmeticDtypesNaNsAndIntegerErrors)
{
    const Tensor z = floats({2}, {0, INFINITY});
    const Tensor inf = floats({1}, {INFINITY});
    auto r = run_node(make_node("Mul"), {&z, &inf});  // 0 * inf: x86 makes -NaN
    ASSERT_TRUE(r);
    EXPECT_EQ(bits(values((*r)[0])[0]), 0x7fc00000u);
    auto d = run_node(make_node("Sub"), {&inf, &inf});
    ASSERT_TRUE(d);
    EXPECT_EQ(bits(values((*d)[0])[0]), 0x7fc00000u);

    const Tensor a = Tensor::from<int32_t>(DType::INT32, {2}, std::vector<int32_t>{INT32_MAX, 7});
    const Tensor b = Tensor::from<int32_t>(DType::INT32, {2}, std::vector<int32_t>{1, -2});
    auto add = run_node(make_node("Add"), {&a, &b});
    ASSERT_TRUE(add);
    EXPECT_EQ((*add)[0].as<int32_t>()[0], INT32_MIN);  // wraps
    auto div = run_node(make_node("Div"), {&a, &b});
    ASSERT_TRUE(div);
    EXPECT_EQ((*div)[0].as<int32_t>()[1], -3);  // truncates
    const Tensor zero = Tensor::from<int32_t>(DType::INT32, {1}, std::vector<int32_t>{0});
    auto dz = run_node(make_node("Div"), {&a, &zero});
    ASSERT_FALSE(dz);
    EXPECT_NE(dz.error().find("division by zero"), std::string::npos);
    const Tensor f = floats({2}, {1, 2});
    EXPECT_FALSE(run_node(make_node("Add"), {&a, &f}));  // mixed dtypes
}

TEST(MlFloatOps, ActivationsAndClip)
{
    const Tensor X = floats({5}, {-2, -0.5f, 0, 0.5f, NAN});
    auto relu = run_node(make_node("Relu"), {&X});
    ASSERT_TRUE(relu);
    EXPECT_EQ(values((*relu)[0])[0], 0.0f);
    EXPECT_EQ(values((*relu)[0])[3], 0.5f);
    EXPECT_EQ(bits(values((*relu)[0])[4]), 0x7fc00000u);
    auto lrelu = run_node(make_node("LeakyRelu", {{"alpha", float_attr(0.5f)}}), {&X});
    ASSERT_TRUE(lrelu);
    EXPECT_EQ(values((*lrelu)[0])[0], -1.0f);
    const Tensor lo = floats({}, {-1});
    const Tensor hi = floats({}, {0.25f});
    auto clip = run_node(make_node("Clip", {}, 13), {&X, &lo, &hi});
    ASSERT_TRUE(clip);
    EXPECT_EQ(values((*clip)[0])[0], -1.0f);
    EXPECT_EQ(values((*clip)[0])[3], 0.25f);
    auto clip6 =
        run_node(make_node("Clip", {{"min", float_attr(0)}, {"max", float_attr(0.1f)}}, 6), {&X});
    ASSERT_TRUE(clip6);
    EXPECT_EQ(values((*clip6)[0])[3], 0.1f);
    auto sig = run_node(make_node("Sigmoid"), {&X});
    ASSERT_TRUE(sig);
    EXPECT_EQ(values((*sig)[0])[2], 0.5f);
}

TEST(MlFloatOps, ExtraOpsPowReduceBatchNorm)
{
    const Tensor base = floats({5}, {-2, -2, 0, 2, 4});
    const Tensor expo = floats({5}, {3, 0.5f, -1, 0.5f, 2});
    auto p = run_node(make_node("Pow"), {&base, &expo});
    ASSERT_TRUE(p) << p.error();
    const auto pv = values((*p)[0]);
    EXPECT_EQ(pv[0], -8.0f);                 // integer exponent, negative base
    EXPECT_EQ(bits(pv[1]), 0x7fc00000u);     // negative base, fractional exponent
    EXPECT_EQ(pv[2], INFINITY);              // 0^-1
    EXPECT_EQ(pv[3], 1.41421356237309515f);  // correctly rounded sqrt(2)
    EXPECT_EQ(pv[4], 16.0f);

    const Tensor X = floats({2, 3}, {1, 2, 6, -1, NAN, 4});
    auto mean = run_node(
        make_node("ReduceMean", {{"axes", ints_attr({1})}, {"keepdims", int_attr(0)}}, 13), {&X});
    ASSERT_TRUE(mean) << mean.error();
    EXPECT_EQ((*mean)[0].shape, (std::vector<int64_t>{2}));
    EXPECT_EQ(values((*mean)[0])[0], 3.0f);
    EXPECT_EQ(bits(values((*mean)[0])[1]), 0x7fc00000u);
    auto mx = run_node(make_node("ReduceMax", {{"axes", ints_attr({0})}}, 13), {&X});
    ASSERT_TRUE(mx);
    EXPECT_EQ((*mx)[0].shape, (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(values((*mx)[0])[0], 1.0f);
    EXPECT_EQ(bits(values((*mx)[0])[1]), 0x7fc00000u);  // NaN propagates
    const Tensor four = floats({2, 2}, {1, 2, 3, 4});
    auto all = run_node(make_node("ReduceSum", {}, 11), {&four});
    ASSERT_TRUE(all);
    EXPECT_EQ(values((*all)[0]), (std::vector<float>{10}));
    auto bad_axis = run_node(make_node("ReduceMin", {{"axes", ints_attr({2})}}, 13), {&X});
    ASSERT_FALSE(bad_axis);

    const Tensor img = floats({1, 2, 1, 2}, {1, 2, 3, 4});
    const Tensor sc = floats({2}, {1, 2});
    const Tensor b = floats({2}, {0, 1});
    const Tensor m = floats({2}, {1, 3});
    const Tensor v = floats({2}, {4, 0.25f});
    auto bn = run_node(make_node("BatchNormalization", {{"epsilon", float_attr(0)}}, 15),
                       {&img, &sc, &b, &m, &v});
    ASSERT_TRUE(bn) << bn.error();
    EXPECT_EQ(values((*bn)[0]), (std::vector<float>{0, 0.5f, 1, 5}));
    auto train = run_node(make_node("BatchNormalization", {{"training_mode", int_attr(1)}}, 15),
                          {&img, &sc, &b, &m, &v});
    ASSERT_FALSE(train);
    EXPECT_NE(train.error().find("training_mode"), std::string::npos);
}

TEST(MlFloatOps, RefusesBadShapesAndAttributes)
{
    const Tensor X = random_floats({1, 2, 5, 5}, 11);
    const Tensor W = random_floats({3, 2, 3, 3}, 12);
    const Tensor W1d = random_floats({3, 2, 3}, 13);
    const Tensor v = floats({3}, {1, 2, 3});
    struct BadCase
    {
        Node node;
        std::vector<const Tensor*> inputs;
        const char* what;
    };
    const std::vector<BadCase> cases = {
        {make_node("Conv"), {&X, &W1d}, "W rank differs from X"},
        {make_node("Conv", {{"kernel_shape", ints_attr({2, 2})}}), {&X, &W}, "kernel_shape != W"},
        {make_node("Conv", {{"dilations", ints_attr({1 << 30, 1})}}), {&X, &W}, "absurd dilation"},
        {make_node("Conv", {{"auto_pad", string_attr("MAYBE")}}), {&X, &W}, "unknown auto_pad"},
        {make_node("Conv"), {&X, &W, &v}, "bias not [M]... (3 is M: valid)"},
        {make_node("MaxPool", {{"kernel_shape", ints_attr({9, 9})}}), {&X}, "kernel > input"},
        {make_node("MaxPool", {{"kernel_shape", ints_attr({2})}}), {&X}, "kernel rank"},
        {make_node("AveragePool",
                   {{"kernel_shape", ints_attr({2, 2})}, {"pads", ints_attr({-1, 0, 0, 0})}}),
         {&X},
         "negative pad"},
        {make_node("MaxPool",
                   {{"kernel_shape", ints_attr({2, 2})}, {"storage_order", int_attr(7)}}),
         {&X},
         "storage_order"},
        {make_node("Softmax", {{"axis", int_attr(4)}}, 13), {&X}, "softmax axis"},
        {make_node("LayerNormalization", {{"axis", int_attr(-5)}}), {&X, &v}, "layernorm axis"},
        {make_node("LayerNormalization", {{"stash_type", int_attr(16)}}), {&v, &v}, "stash"},
        {make_node("ReduceSum", {{"axes", ints_attr({1, 1})}}, 11), {&X}, "repeated axis"},
        {make_node("Pow"), {&X, &v}, "pow broadcast"},
        {make_node("PRelu"), {&v, &X}, "slope larger than X"},
        {make_node("GlobalAveragePool"), {&v}, "rank 1"},
        {make_node("Gemm"), {&X, &W}, "Gemm rank 4"},
        {make_node("Clip", {}, 13), {&X, &v}, "non-scalar min"},
        {make_node("Gelu", {{"approximate", string_attr("erf")}}, 20), {&v}, "gelu approx"},
    };
    for (const auto& c : cases)
    {
        auto r = run_node(c.node, c.inputs);
        if (std::string(c.what).find("valid") != std::string::npos)
        {
            EXPECT_TRUE(r) << c.what << ": " << r.error();
            continue;
        }
        ASSERT_FALSE(r) << c.what;
        EXPECT_NE(r.error().find(c.node.op_type), std::string::npos) << c.what << ": " << r.error();
    }
}

// ---------------------------------------------------------------------------------------
// GELU (opset 20) through a real ONNX model, against a double-precision reference.

std::vector<uint8_t> gelu_model(const std::string& approximate)
{
    onnx::ModelProto m;
    m.set_ir_version(9);
    auto* opset = m.add_opset_import();
    opset->set_domain("");
    opset->set_version(20);
    auto* g = m.mutable_graph();
    g->set_name("gelu");
    auto* node = g->add_node();
    node->set_op_type("Gelu");
    node->add_input("x");
    node->add_output("y");
    if (!approximate.empty())
    {
        auto* a = node->add_attribute();
        a->set_name("approximate");
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(approximate);
    }
    for (auto [io, name] : {std::pair{g->add_input(), "x"}, std::pair{g->add_output(), "y"}})
    {
        io->set_name(name);
        auto* tt = io->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(onnx::TensorProto::FLOAT);
        tt->mutable_shape()->add_dim()->set_dim_param("n");
    }
    const std::string bytes = m.SerializeAsString();
    return {bytes.begin(), bytes.end()};
}

TEST(MlFloatOps, GeluMatchesDoubleReference)
{
    std::vector<float> xs;
    for (float x = -12.0f; x <= 12.0f; x += 1.0f / 64)
        xs.push_back(x);
    xs.push_back(-30.0f);
    xs.push_back(1e30f);
    const Tensor X = floats({static_cast<int64_t>(xs.size())}, xs);
    for (const std::string approx : {"", "none", "tanh"})
    {
        const auto bytes = gelu_model(approx);
        auto model = load_model(bytes, Limits{});
        ASSERT_TRUE(model) << model.error();
        auto out = run(**model, std::span<const Tensor>(&X, 1), Limits{});
        ASSERT_TRUE(out) << out.error();
        const auto y = values((*out)[0]);
        for (size_t i = 0; i < xs.size(); ++i)
        {
            const double x = xs[i];
            double want = 0;
            if (approx == "tanh")
            {
                // The spec's 0.5 x (1 + tanh(u)) cancels in double for x < -9; check it with
                // an absolute tolerance and the identical x / (1 + e^-2u) relatively.
                const double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
                EXPECT_NEAR(y[i], 0.5 * x * (1.0 + std::tanh(u)), 1e-6 * std::fabs(x)) << x;
                want = x / (1.0 + std::exp(-2.0 * u));
            }
            else
                want = 0.5 * x * std::erfc(-x / std::sqrt(2.0));
            // Within 1e-6 relative everywhere, the far negative tail included.
            EXPECT_NEAR(y[i], want, 1e-6 * std::fabs(want) + 1e-44) << approx << " x=" << x;
        }
    }
    // An unknown approximation is refused with a message naming it (at load or at run).
    auto bad = load_model(gelu_model("fast"), Limits{});
    if (bad)
    {
        auto o = run(**bad, std::span<const Tensor>(&X, 1), Limits{});
        ASSERT_FALSE(o);
        EXPECT_NE(o.error().find("approximate"), std::string::npos) << o.error();
    }
}

TEST(MlFloatOps, CostCountsMacsAndTranscendentals)
{
    Node gemm = make_node("Gemm");
    ValueInfo a{DType::FLOAT, {8, 32}, nullptr};
    ValueInfo b{DType::FLOAT, {32, 16}, nullptr};
    std::vector<const ValueInfo*> ins{&a, &b};
    std::vector<ValueInfo> outs{ValueInfo{DType::FLOAT, {8, 16}, nullptr}};
    EXPECT_EQ(gemm.op->cost(gemm, ins, outs).gemm_macs, 8u * 16 * 32);
    Node conv = make_node("Conv");
    ValueInfo x{DType::FLOAT, {1, 3, 10, 10}, nullptr};
    ValueInfo w{DType::FLOAT, {4, 3, 3, 3}, nullptr};
    std::vector<const ValueInfo*> cins{&x, &w};
    std::vector<ValueInfo> couts{ValueInfo{DType::FLOAT, {1, 4, 8, 8}, nullptr}};
    // Weights known only at run time may take the direct loops: priced as other float work;
    // constant finite weights run on the GEMM.
    EXPECT_EQ(conv.op->cost(conv, cins, couts).macs, 4u * 64 * 27);
    EXPECT_EQ(conv.op->cost(conv, cins, couts).gemm_macs, 0u);
    ValueInfo wc = w;
    wc.value = std::make_shared<const Tensor>(Tensor::zeros(DType::FLOAT, {4, 3, 3, 3}));
    std::vector<const ValueInfo*> kins{&x, &wc};
    EXPECT_EQ(conv.op->cost(conv, kins, couts).gemm_macs, 4u * 64 * 27);
    EXPECT_EQ(conv.op->cost(conv, kins, couts).macs, 0u);
    Tensor bad = Tensor::zeros(DType::FLOAT, {4, 3, 3, 3});
    bad.as<float>()[5] = std::numeric_limits<float>::infinity();
    wc.value = std::make_shared<const Tensor>(std::move(bad));
    EXPECT_EQ(conv.op->cost(conv, kins, couts).macs, 4u * 64 * 27);
    Node tanh = make_node("Tanh");
    std::vector<const ValueInfo*> tins{&x};
    std::vector<ValueInfo> touts{x};
    EXPECT_EQ(tanh.op->cost(tanh, tins, touts).special_macs, 300 * kTranscendentalMacs);
    // Saturates instead of wrapping on absurd shapes.
    EXPECT_EQ(sat_mul(uint64_t{1} << 40, uint64_t{1} << 40), UINT64_MAX);
}

}  // namespace
}  // namespace tern::ml
