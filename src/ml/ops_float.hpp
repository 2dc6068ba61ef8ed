#pragma once

// Float32 operators (internal to src/ml): elementwise arithmetic, activations, Softmax,
// LayerNormalization, Gemm/MatMul and Conv/pooling. The table float_ops() (ops_float.cpp)
// lists them; the kernels live in ops_float.cpp, ops_float_gemm.cpp and ops_float_conv.cpp.
//
// Determinism rules every kernel here follows (docs/ml.md "Determinism"):
//  * each output element is computed by a fixed sequence of IEEE operations: sums run in a
//    fixed order (increasing k for dot products, (channel, kernel offset) for Conv, row-major
//    for windows and reductions), never reassociated, no FMA (-ffp-contract=off);
//  * exp, tanh, erf, sigmoid and GELU come from ml/detmath (no libm);
//  * every NaN an output holds is the canonical quiet NaN 0x7fc00000 (CPUs and compilers
//    disagree on NaN signs and payloads, e.g. x86 makes 0 * inf = -NaN, ARM +NaN).

#include "ml/op.hpp"
#include "ml/tensor.hpp"

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace tern::ml {

/// Gas-model weight of one exp/tanh/sigmoid evaluation (Sigmoid, Tanh, Softmax), in MAC
/// equivalents (OpCost::special_macs): measured ~75 MACs of the blocked GEMM per element
/// (bench/ml, docs/performance.md), rounded down to a power of two.
inline constexpr uint64_t kTranscendentalMacs = 64;
/// Same for erf-based ops (Erf, Gelu): ~105 MACs measured.
inline constexpr uint64_t kErfMacs = 96;
/// Same for LayerNormalization, per element (two reduction passes and the affine map).
inline constexpr uint64_t kLayerNormMacs = 16;

/// Rounds a double to float like IEEE conversion, without the undefined behaviour C++ gives
/// out-of-range conversions (|d| beyond FLT_MAX + half an ulp becomes +-inf).
inline float to_float(double d) noexcept
{
    constexpr double kOverflow = 0x1.ffffffp127;
    if (d >= kOverflow)
        return std::numeric_limits<float>::infinity();
    if (d <= -kOverflow)
        return -std::numeric_limits<float>::infinity();
    if (d > 0x1.fffffep127)
        return 0x1.fffffep127f;
    if (d < -0x1.fffffep127)
        return -0x1.fffffep127f;
    return static_cast<float>(d);
}

/// Replaces every NaN in a FLOAT tensor with the canonical quiet NaN 0x7fc00000.
void canonicalize_nans(Tensor& t) noexcept;

/// canonicalize_nans on every FLOAT tensor of `outputs` (ops with several outputs).
void canonicalize_float_outputs(std::span<Tensor> outputs) noexcept;

/// Error unless inputs 0 .. count-1 are present and FLOAT.
Status require_float(const Node& node, std::span<const ValueInfo* const> inputs, size_t count = 1);

/// Shapes of unary float ops: output = input 0, which must be FLOAT.
Status infer_float_unary(const Node& node,
                         std::span<const ValueInfo* const> inputs,
                         std::span<ValueInfo> outputs);

/// Cost of elementwise ops that evaluate `Macs` MAC-equivalents of transcendentals per
/// element (charged for every element: the cost cannot depend on the data).
template <uint64_t Macs>
OpCost cost_transcendental(const Node&,
                           std::span<const ValueInfo* const> inputs,
                           std::span<const ValueInfo> outputs)
{
    OpCost c;
    const auto n = static_cast<uint64_t>(outputs[0].elements());
    c.special_macs = sat_mul(n, Macs);
    c.elements = static_cast<uint64_t>(inputs[0]->elements()) + n;
    return c;
}

/// C = A * B for row-major C (M x N): C[i][j] = sum over k = 0..K-1 (in that order, float
/// accumulation from +0) of A(i, k) * B(k, j), where A(i, k) = a[i * a_rs + k * a_cs] and
/// B(k, j) = b[k * b_rs + j * b_cs]. The result bits do not depend on blocking or vector width.
void sgemm(int64_t M,
           int64_t N,
           int64_t K,
           const float* a,
           int64_t a_rs,
           int64_t a_cs,
           const float* b,
           int64_t b_rs,
           int64_t b_cs,
           float* c);

/// sgemm with C's row stride ldc (>= N), so a GEMM can write a column block of a wider
/// matrix (Conv's tiles of output positions). Same bits as sgemm on every kernel set
/// (kernels.hpp: AVX2 when the CPU has it, else the portable kernel).
void sgemm_ldc(int64_t M,
               int64_t N,
               int64_t K,
               const float* a,
               int64_t a_rs,
               int64_t a_cs,
               const float* b,
               int64_t b_rs,
               int64_t b_cs,
               float* c,
               int64_t ldc);

// ops_float_gemm.cpp
/// Gemm shapes: 2-D A and B (transA/transB), C broadcastable to [M, N].
Status infer_gemm(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// Gemm: alpha * (A' B') + beta * C through sgemm.
Status run_gemm(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// Gemm cost: M * N * K MACs.
OpCost cost_gemm(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);
/// MatMul shapes: numpy rules (1-D promotion, broadcast batch dims).
Status infer_matmul(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// MatMul: one sgemm per broadcast batch matrix.
Status run_matmul(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// MatMul cost: output elements * K MACs.
OpCost cost_matmul(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);

// ops_float_conv.cpp
/// Conv shapes via conv_geometry (groups, strides, dilations, pads, auto_pad), B of [M].
Status infer_conv(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// Conv: direct loops, sum over (channel, kernel offset) in order, bias last.
Status run_conv(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// Conv cost: output elements * C/group * kernel elements MACs.
OpCost cost_conv(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);
// ops_float_resize.cpp
/// Resize shapes: sizes, or floor(dim * scale), both constants; nearest or linear.
Status infer_resize(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// Resize: nearest or n-linear (corners summed in double in a fixed order).
Status run_resize(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// Resize cost: output elements (x 2^rank corners in linear mode, as MACs) plus input.
OpCost cost_resize(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);
// ops_float_convtranspose.cpp
/// ConvTranspose shapes: W [C, M/group, kernel...], output_shape / auto_pad / pads /
/// output_padding as ONNX defines them, B of [M].
Status infer_conv_transpose(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// ConvTranspose: each input element scattered over its taps, sums over (c, i, t), bias last.
Status run_conv_transpose(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// ConvTranspose cost: X's elements * W's elements per input channel MACs.
OpCost cost_conv_transpose(const Node&,
                           std::span<const ValueInfo* const>,
                           std::span<const ValueInfo>);
/// MaxPool/AveragePool shapes: Conv geometry plus ceil_mode; pads below the kernel.
Status infer_pool(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// MaxPool (float, int8, uint8) with the optional Indices output.
Status run_maxpool(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// AveragePool: double sum over the taps inside the (padded) input.
Status run_averagepool(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// Pool cost: output elements * window taps.
OpCost cost_pool(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);
/// GlobalAveragePool/GlobalMaxPool shapes: [N, C, 1, ...].
Status infer_global_pool(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// GlobalAveragePool: mean of each plane (double sum).
Status run_global_averagepool(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// GlobalMaxPool: max of each plane (NaN wins).
Status run_global_maxpool(const Node&, std::span<const Tensor* const>, std::span<Tensor>);

// ops_float_extra.cpp
/// Pow shapes: float/int32/int64 base and exponent, broadcast; output has the base type.
Status infer_pow(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// Pow in double (repeated squaring for integer exponents), rounded once.
Status run_pow(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// PRelu shapes: slope broadcast to X (channel rule before opset 7).
Status infer_prelu(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// PRelu: x < 0 ? slope * x : x.
Status run_prelu(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// Reduced-dim mask of a Reduce* node: axes from the attribute (before opset 18; ReduceSum
/// before 13) or the constant second input, empty meaning all (or none with
/// noop_with_empty_axes, which sets `noop`); errors for bad or repeated axes.
Result<std::vector<bool>, std::string> reduce_axes(const Node& node,
                                                   std::span<const ValueInfo* const> inputs,
                                                   size_t rank,
                                                   bool& noop);
/// ReduceSum/Mean/Max/Min shapes: constant axes (attribute or input), keepdims.
Status infer_reduce(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// ReduceSum: double sums in input order.
Status run_reduce_sum(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// ReduceMean: double sums in input order divided by the count.
Status run_reduce_mean(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// ReduceMax: NaN propagates; empty gives -inf.
Status run_reduce_max(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// ReduceMin: NaN propagates; empty gives +inf.
Status run_reduce_min(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
/// BatchNormalization shapes (inference only; training_mode refused).
Status infer_batchnorm(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
/// BatchNormalization: per-channel affine map in double, rounded once.
Status run_batchnorm(const Node&, std::span<const Tensor* const>, std::span<Tensor>);

}  // namespace tern::ml
