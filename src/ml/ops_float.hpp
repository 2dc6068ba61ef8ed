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
#include <span>

namespace tern::ml {

/// Gas-model weight of one exp/tanh/sigmoid evaluation (Sigmoid, Tanh, Softmax), in MAC
/// equivalents (OpCost::macs): measured ~75 MACs of the blocked GEMM per element
/// (bench/ml, docs/performance.md), rounded down to a power of two.
inline constexpr uint64_t kTranscendentalMacs = 64;
/// Same for erf-based ops (Erf, Gelu): ~105 MACs measured.
inline constexpr uint64_t kErfMacs = 96;
/// Same for LayerNormalization, per element (two reduction passes and the affine map).
inline constexpr uint64_t kLayerNormMacs = 16;

/// a * b, saturating at UINT64_MAX (cost arithmetic on attacker-chosen shapes).
uint64_t sat_mul(uint64_t a, uint64_t b) noexcept;

/// Replaces every NaN in a FLOAT tensor with the canonical quiet NaN 0x7fc00000.
void canonicalize_nans(Tensor& t) noexcept;

/// Error unless inputs 0 .. count-1 are present and FLOAT.
Status require_float(const Node& node, std::span<const ValueInfo* const> inputs, size_t count = 1);

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

// ops_float_gemm.cpp
Status infer_gemm(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
Status run_gemm(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
OpCost cost_gemm(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);
Status infer_matmul(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
Status run_matmul(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
OpCost cost_matmul(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);

// ops_float_conv.cpp
Status infer_conv(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
Status run_conv(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
OpCost cost_conv(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);
Status infer_pool(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
Status run_maxpool(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
Status run_averagepool(const Node&, std::span<const Tensor* const>, std::span<Tensor>);
OpCost cost_pool(const Node&, std::span<const ValueInfo* const>, std::span<const ValueInfo>);
Status infer_global_pool(const Node&, std::span<const ValueInfo* const>, std::span<ValueInfo>);
Status run_global_averagepool(const Node&, std::span<const Tensor* const>, std::span<Tensor>);

}  // namespace tern::ml
