// More float ops found in exported models beyond the core set: Pow, PRelu,
// ReduceSum/Mean/Max/Min and BatchNormalization (inference); Exp, Log, Sqrt, Neg, Abs,
// Reciprocal and LogSoftmax are rows in ops_float.cpp, GlobalMaxPool in ops_float_conv.cpp. Same
// determinism rules as ops_float.hpp: detmath for transcendentals, fixed (index-order) reductions
// in double, canonical NaN.

#include "ml/broadcast.hpp"
#include "ml/detmath.hpp"
#include "ml/ops_float.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace tern::ml {
namespace {

// ---------------------------------------------------------------------------------------
// Pow: x^y in double, rounded once. Integer exponents use exact-ish repeated squaring (so
// x^2, x^3 and negative bases work); other exponents exp(y log x). C's pow rules for the
// special cases.

double pow_d(double x, double y) noexcept
{
    if (y == 0 || x == 1)
        return 1.0;
    if (x != x || y != y)
        return std::numeric_limits<double>::quiet_NaN();
    const bool y_int = std::fabs(y) < 0x1p53 && y == static_cast<double>(static_cast<int64_t>(y));
    if (y_int && std::fabs(y) <= 1024)
    {
        auto n = static_cast<int64_t>(std::fabs(y));
        double base = x;
        double r = 1.0;
        while (n > 0)
        {
            if (n & 1)
                r *= base;
            base *= base;
            n >>= 1;
        }
        return y < 0 ? 1.0 / r : r;
    }
    if (x < 0)
    {
        if (!y_int)
            return std::numeric_limits<double>::quiet_NaN();
        // |y| > 1024 integer: magnitude overflows or underflows; sign from parity.
        const bool odd = std::fabs(y) < 0x1p53 && (static_cast<int64_t>(y) & 1) != 0;
        const double m = pow_d(-x, y);
        return odd ? -m : m;
    }
    if (x == 0)
        return y > 0 ? 0.0 : std::numeric_limits<double>::infinity();
    if (x == std::numeric_limits<double>::infinity())
        return y > 0 ? x : 0.0;
    return detmath::exp_d(y * detmath::log_d(x));
}

}  // namespace

Status infer_pow(const Node& node,
                 std::span<const ValueInfo* const> inputs,
                 std::span<ValueInfo> outputs)
{
    const auto* x = opt_input(inputs, 0);
    const auto* y = opt_input(inputs, 1);
    auto numeric = [](const ValueInfo* v) {
        return v &&
               (v->dtype == DType::FLOAT || v->dtype == DType::INT32 || v->dtype == DType::INT64);
    };
    if (!numeric(x) || !numeric(y))
        return node_error(node, "base and exponent must be float, int32 or int64");
    auto s = broadcast_shapes(x->shape, y->shape);
    if (!s)
        return node_error(node, s.error());
    outputs[0].dtype = x->dtype;
    outputs[0].shape = std::move(*s);
    return Ok{};
}

namespace {

/// Integer result of an integer-base Pow: the double power truncated toward zero and
/// saturated (NaN gives 0), as ONNX Runtime's cast of std::pow behaves for in-range values.
template <typename T>
T to_int(double d) noexcept
{
    if (d != d)
        return 0;
    if (d >= static_cast<double>(std::numeric_limits<T>::max()))
        return std::numeric_limits<T>::max();
    if (d <= static_cast<double>(std::numeric_limits<T>::min()))
        return std::numeric_limits<T>::min();
    return static_cast<T>(d);
}

template <typename TX>
void pow_typed(const Tensor& x, const Tensor& y, Tensor& out)
{
    auto f = [](TX a, auto b) {
        const double r = pow_d(static_cast<double>(a), static_cast<double>(b));
        if constexpr (std::is_same_v<TX, float>)
            return to_float(r);
        else
            return to_int<TX>(r);
    };
    if (y.dtype == DType::FLOAT)
        broadcast_apply<TX, float, TX>(x, y, out, f);
    else if (y.dtype == DType::INT32)
        broadcast_apply<TX, int32_t, TX>(x, y, out, f);
    else
        broadcast_apply<TX, int64_t, TX>(x, y, out, f);
}

}  // namespace

Status run_pow(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const Tensor& x = *inputs[0];
    const Tensor& y = *inputs[1];
    if (x.dtype == DType::FLOAT)
    {
        pow_typed<float>(x, y, outputs[0]);
        canonicalize_nans(outputs[0]);
    }
    else if (x.dtype == DType::INT32)
        pow_typed<int32_t>(x, y, outputs[0]);
    else
        pow_typed<int64_t>(x, y, outputs[0]);
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// PRelu: y = x < 0 ? slope * x : x, slope broadcast to X (unidirectional). Before opset 7 a
// 1-D slope of X's channel count applies along dim 1 (the legacy rule PyTorch exports use).

namespace {

/// The slope shape after the legacy channel rule.
std::vector<int64_t> prelu_slope_shape(const Node& node,
                                       const std::vector<int64_t>& x,
                                       const std::vector<int64_t>& slope)
{
    if (node.opset > 0 && node.opset < 7 && slope.size() == 1 && x.size() >= 2 &&
        slope[0] == x[1] && slope[0] != 1)
    {
        std::vector<int64_t> s(x.size() - 1, 1);
        s[0] = slope[0];
        return s;
    }
    return slope;
}

}  // namespace

Status infer_prelu(const Node& node,
                   std::span<const ValueInfo* const> inputs,
                   std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs, 2); !st)
        return st;
    const auto slope = prelu_slope_shape(node, inputs[0]->shape, inputs[1]->shape);
    auto s = broadcast_shapes(inputs[0]->shape, slope);
    if (!s || *s != inputs[0]->shape)
        return node_error(node, "slope " + shape_string(inputs[1]->shape) +
                                    " does not broadcast to X " + shape_string(inputs[0]->shape));
    return infer_same_as_first(node, inputs, outputs);
}

Status run_prelu(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    Tensor slope = *inputs[1];
    slope.shape = prelu_slope_shape(node, inputs[0]->shape, slope.shape);
    broadcast_apply<float, float, float>(*inputs[0], slope, outputs[0],
                                         [](float x, float s) { return x < 0 ? s * x : x; });
    canonicalize_nans(outputs[0]);
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Reductions over a set of axes: every input element is added to its output in input
// (row-major) order; sums in double. Empty reductions: Sum 0, Mean NaN, Max -inf, Min +inf.

namespace {

enum class Reduce : uint8_t
{
    Sum,
    Mean,
    Max,
    Min,
};

}  // namespace

/// Axes from the attribute (before opset 18; ReduceSum before 13) or the constant second
/// input; nullopt in the result means "all axes".
Result<std::vector<bool>, std::string> reduce_axes(const Node& node,
                                                   std::span<const ValueInfo* const> inputs,
                                                   size_t rank,
                                                   bool& noop)
{
    std::vector<int64_t> axes;
    const ValueInfo* ax = opt_input(inputs, 1);
    if (ax)
    {
        if (!ax->value)
            return std::string("dynamic shape cannot be bounded: axes must be a constant");
        if (ax->dtype != DType::INT64 || ax->shape.size() != 1)
            return std::string("axes must be a 1-D int64 tensor");
        axes = to_int64s(*ax->value);
    }
    else if (auto a = node.attr_ints("axes"))
        axes = *a;
    noop = false;
    std::vector<bool> reduced(rank, axes.empty());
    if (axes.empty() && node.attr_int("noop_with_empty_axes", 0) != 0)
    {
        noop = true;
        std::fill(reduced.begin(), reduced.end(), false);
        return reduced;
    }
    for (auto a : axes)
    {
        const auto n = normalize_axis(a, rank);
        if (!n)
            return "axis " + std::to_string(a) + " out of range for rank " + std::to_string(rank);
        if (reduced[*n] && !axes.empty())
            return "axis " + std::to_string(a) + " repeated";
        reduced[*n] = true;
    }
    return reduced;
}

Status infer_reduce(const Node& node,
                    std::span<const ValueInfo* const> inputs,
                    std::span<ValueInfo> outputs)
{
    // ReduceMax and ReduceMin also take bool (opset 20): any and all.
    const bool boolean = inputs[0] && inputs[0]->dtype == DType::BOOL &&
                         (node.op_type == "ReduceMax" || node.op_type == "ReduceMin");
    if (auto st = boolean ? Status{Ok{}} : require_float(node, inputs); !st)
        return st;
    const auto& xs = inputs[0]->shape;
    bool noop = false;
    auto r = reduce_axes(node, inputs, xs.size(), noop);
    if (!r)
        return node_error(node, r.error());
    const bool keep = node.attr_int("keepdims", 1) != 0;
    std::vector<int64_t> shape;
    for (size_t d = 0; d < xs.size(); ++d)
        if (!(*r)[d])
            shape.push_back(xs[d]);
        else if (keep)
            shape.push_back(1);
    outputs[0].dtype = boolean ? DType::BOOL : DType::FLOAT;
    outputs[0].shape = std::move(shape);
    return Ok{};
}

namespace {

/// ReduceMax (any) or ReduceMin (all) of a bool tensor; an empty reduction gives false for
/// Max and true for Min (the identities).
Status run_reduce_bool(const Tensor& X,
                       Tensor& Y,
                       const std::vector<bool>& reduced,
                       bool noop,
                       bool any)
{
    if (noop)
    {
        Y.data = X.data;
        return Ok{};
    }
    const size_t rank = X.rank();
    std::vector<int64_t> ostride(rank, 0);
    int64_t s = 1;
    for (size_t d = rank; d-- > 0;)
        if (!reduced[d])
        {
            ostride[d] = s;
            s *= X.shape[d];
        }
    std::fill(Y.data.begin(), Y.data.end(), any ? 0 : 1);
    std::vector<int64_t> idx(rank, 0);
    int64_t o = 0;
    const int64_t n_in = X.elements();
    for (int64_t i = 0; i < n_in; ++i)
    {
        const bool v = X.data[static_cast<size_t>(i)] != 0;
        auto& y = Y.data[static_cast<size_t>(o)];
        y = any ? (y | v) : (y & v);
        for (size_t d = rank; d-- > 0;)
        {
            ++idx[d];
            o += ostride[d];
            if (idx[d] < X.shape[d])
                break;
            o -= ostride[d] * idx[d];
            idx[d] = 0;
        }
    }
    return Ok{};
}

template <Reduce kind>
Status run_reduce(const Node& node,
                  std::span<const Tensor* const> inputs,
                  std::span<Tensor> outputs)
{
    const Tensor& X = *inputs[0];
    Tensor& Y = outputs[0];
    const size_t rank = X.rank();
    std::vector<ValueInfo> infos(inputs.size());
    std::vector<const ValueInfo*> ptrs;
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        if (inputs[k])
        {
            infos[k].dtype = inputs[k]->dtype;
            infos[k].shape = inputs[k]->shape;
            infos[k].value =
                std::shared_ptr<const Tensor>(std::shared_ptr<const Tensor>(), inputs[k]);
        }
        ptrs.push_back(inputs[k] ? &infos[k] : nullptr);
    }
    bool noop = false;
    const auto reduced = reduce_axes(node, ptrs, rank, noop).value();
    if (X.dtype == DType::BOOL)
        return run_reduce_bool(X, Y, reduced, noop, kind == Reduce::Max);
    const float* x = X.as<float>().data();
    float* y = Y.as<float>().data();
    const int64_t n_out = Y.elements();
    const int64_t n_in = X.elements();
    if (noop)
    {
        std::copy(x, x + n_in, y);
        canonicalize_nans(Y);
        return Ok{};
    }
    // Output stride of each input dim (0 for reduced dims).
    std::vector<int64_t> ostride(rank, 0);
    int64_t s = 1;
    for (size_t d = rank; d-- > 0;)
        if (!reduced[d])
        {
            ostride[d] = s;
            s *= X.shape[d];
        }
    const double init = kind == Reduce::Max   ? -std::numeric_limits<double>::infinity()
                        : kind == Reduce::Min ? std::numeric_limits<double>::infinity()
                                              : 0.0;
    std::vector<double> acc(static_cast<size_t>(n_out), init);
    std::vector<int64_t> idx(rank, 0);
    int64_t o = 0;
    for (int64_t i = 0; i < n_in; ++i)
    {
        double& a = acc[static_cast<size_t>(o)];
        const double v = x[i];
        if constexpr (kind == Reduce::Sum || kind == Reduce::Mean)
            a += v;
        else if constexpr (kind == Reduce::Max)
            a = (v > a || v != v || a != a) ? (a != a ? a : v) : a;
        else
            a = (v < a || v != v || a != a) ? (a != a ? a : v) : a;
        for (size_t d = rank; d-- > 0;)
        {
            ++idx[d];
            o += ostride[d];
            if (idx[d] < X.shape[d])
                break;
            o -= ostride[d] * idx[d];
            idx[d] = 0;
        }
    }
    const double count = n_out == 0 ? 1.0 : static_cast<double>(n_in) / static_cast<double>(n_out);
    for (int64_t i = 0; i < n_out; ++i)
    {
        double v = acc[static_cast<size_t>(i)];
        if constexpr (kind == Reduce::Mean)
            v = v / (n_in == 0 ? 0.0 : count);
        y[i] = to_float(v);
    }
    canonicalize_nans(Y);
    return Ok{};
}

}  // namespace

Status run_reduce_sum(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out)
{
    return run_reduce<Reduce::Sum>(n, in, out);
}
Status run_reduce_mean(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out)
{
    return run_reduce<Reduce::Mean>(n, in, out);
}
Status run_reduce_max(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out)
{
    return run_reduce<Reduce::Max>(n, in, out);
}
Status run_reduce_min(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out)
{
    return run_reduce<Reduce::Min>(n, in, out);
}

// ---------------------------------------------------------------------------------------
// BatchNormalization, inference form: y = (x - mean) / sqrt(var + epsilon) * scale + B per
// channel (dim 1), in double, rounded once. training_mode = 1 is refused.

Status infer_batchnorm(const Node& node,
                       std::span<const ValueInfo* const> inputs,
                       std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs, 5); !st)
        return st;
    if (node.attr_int("training_mode", 0) != 0)
        return node_error(node, "training_mode is not supported (inference only)");
    if (outputs.size() > 1)
        return node_error(node, "running mean/var outputs (training) are not supported");
    const auto& xs = inputs[0]->shape;
    if (xs.size() < 2)
        return node_error(node, "X must have rank >= 2, got " + shape_string(xs));
    for (size_t k = 1; k < 5; ++k)
        if (inputs[k]->shape != std::vector<int64_t>{xs[1]})
            return node_error(node, "scale, B, mean and var must have shape [" +
                                        std::to_string(xs[1]) + "], got " +
                                        shape_string(inputs[k]->shape));
    return infer_same_as_first(node, inputs, outputs);
}

Status run_batchnorm(const Node& node,
                     std::span<const Tensor* const> inputs,
                     std::span<Tensor> outputs)
{
    const Tensor& X = *inputs[0];
    const int64_t N = X.shape[0];
    const int64_t C = X.shape[1];
    if (N * C == 0)
        return Ok{};
    const int64_t inner = X.elements() / (N * C);
    const double eps = node.attr_float("epsilon", 1e-5f);
    const float* x = X.as<float>().data();
    const float* scale = inputs[1]->as<float>().data();
    const float* bias = inputs[2]->as<float>().data();
    const float* mean = inputs[3]->as<float>().data();
    const float* var = inputs[4]->as<float>().data();
    float* y = outputs[0].as<float>().data();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
        {
            const double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
            const double m = mean[c];
            const double sc = scale[c];
            const double b = bias[c];
            const int64_t base = (n * C + c) * inner;
            for (int64_t i = 0; i < inner; ++i)
                y[base + i] = to_float((x[base + i] - m) * inv * sc + b);
        }
    canonicalize_nans(outputs[0]);
    return Ok{};
}

}  // namespace tern::ml
