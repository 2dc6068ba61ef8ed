// Float GEMM kernel and the Gemm / MatMul operators (see ops_float.hpp for the rules).

#include "ml/broadcast.hpp"
#include "ml/kernels.hpp"
#include "ml/ops_float.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace tern::ml {
namespace {

/// Micro-kernel tile: kMr rows of A times a panel of kNr columns of B, kept in registers
/// for the whole k loop (the compiler vectorizes the kNr-wide rows; each element's sum still
/// runs k = 0, 1, ... in order). 4 x 8 floats are 8 SSE registers, so the tile fits baseline
/// x86-64's 16 (a 4 x 16 tile spills and runs 40% slower).
constexpr int64_t kMr = 4;
constexpr int64_t kNr = 8;

/// c (rows x kNr tile, row stride ldc, only `cols` columns stored) = A rows [i0, i0+kMr) times
/// the packed panel bp (K x kNr, row-major).
void micro_kernel(int64_t K,
                  const float* a,
                  int64_t a_rs,
                  int64_t a_cs,
                  const float* bp,
                  float* c,
                  int64_t ldc,
                  int64_t cols)
{
    float acc[kMr][kNr] = {};
    for (int64_t k = 0; k < K; ++k)
    {
        const float* b = bp + k * kNr;
        for (int64_t r = 0; r < kMr; ++r)
        {
            const float av = a[r * a_rs + k * a_cs];
            for (int64_t j = 0; j < kNr; ++j)
                acc[r][j] += av * b[j];
        }
    }
    for (int64_t r = 0; r < kMr; ++r)
        for (int64_t j = 0; j < cols; ++j)
            c[r * ldc + j] = acc[r][j];
}

/// Rows one at a time, streaming B's rows (used for few rows, where packing would cost as
/// much as the product): c[j] += A(i, k) * B(k, j) for k = 0, 1, ...
void row_kernel(int64_t N,
                int64_t K,
                const float* a,
                int64_t a_cs,
                const float* b,
                int64_t b_rs,
                float* c)
{
    std::fill(c, c + N, 0.0f);
    for (int64_t k = 0; k < K; ++k)
    {
        const float av = a[k * a_cs];
        const float* br = b + k * b_rs;
        for (int64_t j = 0; j < N; ++j)
            c[j] += av * br[j];
    }
}

/// The portable kernel: sgemm_ldc's contract, blocked for baseline x86-64's SSE registers.
void sgemm_scalar(int64_t M,
                  int64_t N,
                  int64_t K,
                  const float* a,
                  int64_t a_rs,
                  int64_t a_cs,
                  const float* b,
                  int64_t b_rs,
                  int64_t b_cs,
                  float* c,
                  int64_t ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (M < kMr)
    {
        std::vector<float> packed;
        b = row_major_b(K, N, b, b_rs, b_cs, packed);
        for (int64_t i = 0; i < M; ++i)
            row_kernel(N, K, a + i * a_rs, a_cs, b, b_rs, c + i * ldc);
        return;
    }
    // Pack B into column panels of kNr (zero-padded: padding columns are never stored).
    const int64_t panels = (N + kNr - 1) / kNr;
    std::vector<float> bp(static_cast<size_t>(panels * K * kNr), 0.0f);
    for (int64_t p = 0; p < panels; ++p)
    {
        float* dst = bp.data() + p * K * kNr;
        const int64_t cols = std::min(kNr, N - p * kNr);
        for (int64_t k = 0; k < K; ++k)
            for (int64_t j = 0; j < cols; ++j)
                dst[k * kNr + j] = b[k * b_rs + (p * kNr + j) * b_cs];
    }
    const int64_t full_rows = M - M % kMr;
    for (int64_t p = 0; p < panels; ++p)
    {
        const int64_t cols = std::min(kNr, N - p * kNr);
        const float* panel = bp.data() + p * K * kNr;
        for (int64_t i = 0; i < full_rows; i += kMr)
            micro_kernel(K, a + i * a_rs, a_rs, a_cs, panel, c + i * ldc + p * kNr, ldc, cols);
        for (int64_t i = full_rows; i < M; ++i)
        {
            // Leftover rows: same per-element order as the micro-kernel.
            float acc[kNr] = {};
            for (int64_t k = 0; k < K; ++k)
            {
                const float av = a[i * a_rs + k * a_cs];
                for (int64_t j = 0; j < kNr; ++j)
                    acc[j] += av * panel[k * kNr + j];
            }
            std::copy(acc, acc + cols, c + i * ldc + p * kNr);
        }
    }
}

}  // namespace

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
               int64_t ldc)
{
    if (kernel_isa() != KernelIsa::Scalar)
        sgemm_avx2(M, N, K, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc);
    else
        sgemm_scalar(M, N, K, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc);
}

void sgemm(int64_t M,
           int64_t N,
           int64_t K,
           const float* a,
           int64_t a_rs,
           int64_t a_cs,
           const float* b,
           int64_t b_rs,
           int64_t b_cs,
           float* c)
{
    sgemm_ldc(M, N, K, a, a_rs, a_cs, b, b_rs, b_cs, c, N);
}

Status infer_gemm(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs, 2); !st)
        return st;
    const auto& a = inputs[0]->shape;
    const auto& b = inputs[1]->shape;
    if (a.size() != 2 || b.size() != 2)
        return node_error(
            node, "A and B must be 2-D, got " + shape_string(a) + " and " + shape_string(b));
    const bool ta = node.attr_int("transA", 0) != 0;
    const bool tb = node.attr_int("transB", 0) != 0;
    const int64_t M = ta ? a[1] : a[0];
    const int64_t K = ta ? a[0] : a[1];
    const int64_t Kb = tb ? b[1] : b[0];
    const int64_t N = tb ? b[0] : b[1];
    if (K != Kb)
        return node_error(node, "inner dims differ: " + shape_string(a) + " and " +
                                    shape_string(b) + " (transA " + std::to_string(ta) +
                                    ", transB " + std::to_string(tb) + ")");
    if (const auto* c = opt_input(inputs, 2))
    {
        if (c->dtype != DType::FLOAT)
            return node_error(node, "C must be float");
        const std::vector<int64_t> mn = {M, N};
        auto s = broadcast_shapes(c->shape, mn);
        if (!s || *s != mn)
            return node_error(node, "C of shape " + shape_string(c->shape) +
                                        " does not broadcast to " + shape_string(mn));
    }
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = {M, N};
    return Ok{};
}

Status run_gemm(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const Tensor& A = *inputs[0];
    const Tensor& B = *inputs[1];
    Tensor& Y = outputs[0];
    const bool ta = node.attr_int("transA", 0) != 0;
    const bool tb = node.attr_int("transB", 0) != 0;
    const float alpha = node.attr_float("alpha", 1.0f);
    const float beta = node.attr_float("beta", 1.0f);
    const int64_t M = Y.shape[0];
    const int64_t N = Y.shape[1];
    const int64_t K = ta ? A.shape[0] : A.shape[1];
    const float* a = A.as<float>().data();
    const float* b = B.as<float>().data();
    float* y = Y.as<float>().data();
    sgemm(M, N, K, a, ta ? 1 : K, ta ? M : 1, b, tb ? 1 : N, tb ? K : 1, y);
    const Tensor* C = opt_input(inputs, 2);
    if (C)
    {
        const std::vector<int64_t> mn = {M, N};
        const auto st = broadcast_strides(C->shape, mn);
        const float* c = C->as<float>().data();
        for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j)
                y[i * N + j] = alpha * y[i * N + j] + beta * c[i * st[0] + j * st[1]];
    }
    else
    {
        for (int64_t i = 0; i < M * N; ++i)
            y[i] = alpha * y[i];
    }
    canonicalize_nans(Y);
    return Ok{};
}

OpCost cost_gemm(const Node& node,
                 std::span<const ValueInfo* const> inputs,
                 std::span<const ValueInfo> outputs)
{
    const auto& a = inputs[0]->shape;
    const auto K = static_cast<uint64_t>(node.attr_int("transA", 0) != 0 ? a[0] : a[1]);
    const auto MN = static_cast<uint64_t>(outputs[0].elements());
    OpCost c;
    c.gemm_macs = sat_mul(MN, K);
    for (const auto* in : inputs)
        if (in)
            c.elements += static_cast<uint64_t>(in->elements());
    c.elements += MN;
    return c;
}

namespace {

/// MatMul's operands as batches of matrices (numpy matmul rules).
struct MatMulDims
{
    std::vector<int64_t> a_batch, b_batch, out_batch;
    int64_t M = 0, K = 0, N = 0;
};

Result<MatMulDims, std::string> matmul_dims(std::span<const int64_t> a, std::span<const int64_t> b)
{
    MatMulDims d;
    if (a.empty() || b.empty())
        return std::string("operands must have rank >= 1");
    d.M = a.size() == 1 ? 1 : a[a.size() - 2];
    d.K = a.back();
    const int64_t kb = b.size() == 1 ? b[0] : b[b.size() - 2];
    d.N = b.size() == 1 ? 1 : b.back();
    if (d.K != kb)
        return "inner dims differ: " + shape_string(a) + " and " + shape_string(b);
    if (a.size() > 2)
        d.a_batch.assign(a.begin(), a.end() - 2);
    if (b.size() > 2)
        d.b_batch.assign(b.begin(), b.end() - 2);
    auto s = broadcast_shapes(d.a_batch, d.b_batch);
    if (!s)
        return s.error();
    d.out_batch = std::move(*s);
    return d;
}

}  // namespace

Status infer_matmul(const Node& node,
                    std::span<const ValueInfo* const> inputs,
                    std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs, 2); !st)
        return st;
    const auto& a = inputs[0]->shape;
    const auto& b = inputs[1]->shape;
    auto d = matmul_dims(a, b);
    if (!d)
        return node_error(node, d.error());
    auto shape = d->out_batch;
    if (a.size() > 1)
        shape.push_back(d->M);
    if (b.size() > 1)
        shape.push_back(d->N);
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = std::move(shape);
    return Ok{};
}

Status run_matmul(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const Tensor& A = *inputs[0];
    const Tensor& B = *inputs[1];
    Tensor& Y = outputs[0];
    const auto d = matmul_dims(A.shape, B.shape).value();
    const float* a = A.as<float>().data();
    const float* b = B.as<float>().data();
    float* y = Y.as<float>().data();
    const int64_t batches = checked_elements(d.out_batch, std::numeric_limits<int64_t>::max());
    const auto sa = broadcast_strides(d.a_batch, d.out_batch);
    const auto sb = broadcast_strides(d.b_batch, d.out_batch);
    const size_t r = d.out_batch.size();
    std::vector<int64_t> idx(r, 0);
    int64_t ia = 0;
    int64_t ib = 0;
    for (int64_t o = 0; o < batches; ++o)
    {
        sgemm(d.M, d.N, d.K, a + ia * d.M * d.K, d.K, 1, b + ib * d.K * d.N, d.N, 1,
              y + o * d.M * d.N);
        for (size_t x = r; x-- > 0;)
        {
            ++idx[x];
            ia += sa[x];
            ib += sb[x];
            if (idx[x] < d.out_batch[x])
                break;
            ia -= sa[x] * idx[x];
            ib -= sb[x] * idx[x];
            idx[x] = 0;
        }
    }
    canonicalize_nans(Y);
    return Ok{};
}

OpCost cost_matmul(const Node&,
                   std::span<const ValueInfo* const> inputs,
                   std::span<const ValueInfo> outputs)
{
    OpCost c;
    const auto& a = inputs[0]->shape;
    const uint64_t K = static_cast<uint64_t>(a.back());
    c.gemm_macs = sat_mul(static_cast<uint64_t>(outputs[0].elements()), K);
    c.elements = static_cast<uint64_t>(inputs[0]->elements()) +
                 static_cast<uint64_t>(inputs[1]->elements()) +
                 static_cast<uint64_t>(outputs[0].elements());
    return c;
}

}  // namespace tern::ml
