#pragma once

// Numpy-style (ONNX "multidirectional") broadcasting for elementwise ops.
//
//   InferFn:  infer_broadcast (all inputs one dtype, output = broadcast shape, same dtype)
//   kernel:   broadcast_apply<float, float, float>(*in[0], *in[1], out[0],
//                                                  [](float a, float b) { return a + b; });
//
// Iteration order is fixed (row-major over the output), so results are deterministic.

#include "ml/op.hpp"
#include "ml/tensor.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tern::ml {

/// Broadcast shape of `a` and `b`, or an error naming both shapes.
Result<std::vector<int64_t>, std::string> broadcast_shapes(std::span<const int64_t> a,
                                                           std::span<const int64_t> b);

/// InferFn for elementwise ops over any number of inputs of one dtype: output 0 has that
/// dtype and the broadcast shape of all inputs.
Status infer_broadcast(const Node& node,
                       std::span<const ValueInfo* const> inputs,
                       std::span<ValueInfo> outputs);

/// InferFn like infer_broadcast but output 0 is BOOL (comparisons).
Status infer_broadcast_bool(const Node& node,
                            std::span<const ValueInfo* const> inputs,
                            std::span<ValueInfo> outputs);

/// Strides (in elements) of `shape` aligned right to an output of rank `out_rank`; a
/// broadcast dim (size 1 where the output is larger, or missing) gets stride 0.
std::vector<int64_t> broadcast_strides(std::span<const int64_t> shape,
                                       std::span<const int64_t> out_shape);

/// out[i] = f(a[ia], b[ib]) over out's shape, a and b broadcast to it. out must be allocated
/// with the broadcast shape (infer_broadcast did that).
template <typename TA, typename TB, typename TO, typename F>
void broadcast_apply(const Tensor& a, const Tensor& b, Tensor& out, F f)
{
    const TA* pa = reinterpret_cast<const TA*>(a.data.data());
    const TB* pb = reinterpret_cast<const TB*>(b.data.data());
    TO* po = reinterpret_cast<TO*>(out.data.data());
    const int64_t n = out.elements();
    if (n == 0)
        return;
    if (a.shape == out.shape && b.shape == out.shape)
    {
        for (int64_t i = 0; i < n; ++i)
            po[i] = f(pa[i], pb[i]);
        return;
    }
    if (a.shape == out.shape && b.elements() == 1)
    {
        const TB vb = pb[0];
        for (int64_t i = 0; i < n; ++i)
            po[i] = f(pa[i], vb);
        return;
    }
    if (b.shape == out.shape && a.elements() == 1)
    {
        const TA va = pa[0];
        for (int64_t i = 0; i < n; ++i)
            po[i] = f(va, pb[i]);
        return;
    }
    const size_t r = out.shape.size();
    const auto sa = broadcast_strides(a.shape, out.shape);
    const auto sb = broadcast_strides(b.shape, out.shape);
    const int64_t inner = out.shape[r - 1];
    const int64_t ia_step = sa[r - 1];
    const int64_t ib_step = sb[r - 1];
    std::vector<int64_t> idx(r, 0);
    int64_t oa = 0;
    int64_t ob = 0;
    for (int64_t o = 0; o < n; o += inner)
    {
        int64_t xa = oa;
        int64_t xb = ob;
        for (int64_t k = 0; k < inner; ++k, xa += ia_step, xb += ib_step)
            po[o + k] = f(pa[xa], pb[xb]);
        // Advance the outer index (all dims but the last), odometer style.
        for (size_t d = r - 1; d-- > 0;)
        {
            ++idx[d];
            oa += sa[d];
            ob += sb[d];
            if (idx[d] < out.shape[d])
                break;
            oa -= sa[d] * idx[d];
            ob -= sb[d] * idx[d];
            idx[d] = 0;
        }
    }
}

/// out[i] = f(in[i]) for same-shape tensors.
template <typename TI, typename TO, typename F>
void unary_apply(const Tensor& in, Tensor& out, F f)
{
    const TI* pi = reinterpret_cast<const TI*>(in.data.data());
    TO* po = reinterpret_cast<TO*>(out.data.data());
    const int64_t n = out.elements();
    for (int64_t i = 0; i < n; ++i)
        po[i] = f(pi[i]);
}

}  // namespace tern::ml
