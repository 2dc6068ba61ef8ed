// The float op table and the elementwise ops, activations, Softmax and LayerNormalization
// (see ops_float.hpp for the determinism rules).

#include "ml/ops_float.hpp"

#include "ml/broadcast.hpp"
#include "ml/detmath.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace tern::ml {

void canonicalize_nans(Tensor& t) noexcept
{
    constexpr float kNaN = std::bit_cast<float>(uint32_t{0x7fc00000});
    for (float& v : t.as<float>())
        if (v != v)
            v = kNaN;
}

void canonicalize_float_outputs(std::span<Tensor> outputs) noexcept
{
    for (auto& o : outputs)
        if (o.dtype == DType::FLOAT)
            canonicalize_nans(o);
}

Status require_float(const Node& node, std::span<const ValueInfo* const> inputs, size_t count)
{
    for (size_t k = 0; k < count; ++k)
    {
        const ValueInfo* in = opt_input(inputs, k);
        if (!in)
            return node_error(node, "missing input " + std::to_string(k));
        if (in->dtype != DType::FLOAT)
            return node_error(node, "input " + std::to_string(k) + " must be float, got " +
                                        std::string(dtype_name(in->dtype)));
    }
    return Ok{};
}

Status infer_float_unary(const Node& node,
                         std::span<const ValueInfo* const> inputs,
                         std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs); !st)
        return st;
    return infer_same_as_first(node, inputs, outputs);
}

namespace {

// ---------------------------------------------------------------------------------------
// Elementwise arithmetic: Add, Sub, Mul, Div on float and the integer types. Integer results
// wrap modulo 2^bits (two's complement, as ONNX runtimes do); integer division truncates and
// fails on a zero divisor.

enum class Arith : uint8_t
{
    Add,
    Sub,
    Mul,
    Div,
};

template <typename T>
T int_arith(Arith op, T a, T b, bool& div_by_zero) noexcept
{
    const auto ua = static_cast<uint64_t>(a);
    const auto ub = static_cast<uint64_t>(b);
    switch (op)
    {
        case Arith::Add:
            return static_cast<T>(ua + ub);
        case Arith::Sub:
            return static_cast<T>(ua - ub);
        case Arith::Mul:
            return static_cast<T>(ua * ub);
        case Arith::Div:
            if (b == 0)
            {
                div_by_zero = true;
                return 0;
            }
            if constexpr (std::is_signed_v<T>)
                if (a == std::numeric_limits<T>::min() && b == -1)
                    return a;  // wraps
            return static_cast<T>(a / b);
    }
    return 0;
}

template <typename T>
Status run_int_arith(const Node& node, Arith op, const Tensor& a, const Tensor& b, Tensor& y)
{
    bool div_by_zero = false;
    broadcast_apply<T, T, T>(a, b, y,
                             [&](T x, T z) { return int_arith<T>(op, x, z, div_by_zero); });
    if (div_by_zero)
        return node_error(node, "integer division by zero");
    return Ok{};
}

template <Arith op>
Status run_arith(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const Tensor& a = *inputs[0];
    const Tensor& b = *inputs[1];
    Tensor& y = outputs[0];
    switch (a.dtype)
    {
        case DType::FLOAT:
            broadcast_apply<float, float, float>(a, b, y, [](float x, float z) {
                switch (op)
                {
                    case Arith::Add:
                        return x + z;
                    case Arith::Sub:
                        return x - z;
                    case Arith::Mul:
                        return x * z;
                    case Arith::Div:
                        return x / z;
                }
                return 0.0f;
            });
            canonicalize_nans(y);
            return Ok{};
        case DType::INT8:
            return run_int_arith<int8_t>(node, op, a, b, y);
        case DType::UINT8:
            return run_int_arith<uint8_t>(node, op, a, b, y);
        case DType::INT16:
            return run_int_arith<int16_t>(node, op, a, b, y);
        case DType::UINT16:
            return run_int_arith<uint16_t>(node, op, a, b, y);
        case DType::INT32:
            return run_int_arith<int32_t>(node, op, a, b, y);
        case DType::INT64:
            return run_int_arith<int64_t>(node, op, a, b, y);
        case DType::BOOL:
            break;
    }
    return node_error(node, "unsupported dtype");
}

Status infer_arith(const Node& node,
                   std::span<const ValueInfo* const> inputs,
                   std::span<ValueInfo> outputs)
{
    if (auto st = infer_broadcast(node, inputs, outputs); !st)
        return st;
    if (outputs[0].dtype == DType::BOOL)
        return node_error(node, "bool operands are not supported");
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Unary float activations.

template <float (*F)(float)>
Status run_float_fn(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    unary_apply<float, float>(*inputs[0], outputs[0], F);
    canonicalize_nans(outputs[0]);
    return Ok{};
}

/// A unary float op through a detmath array function (detmath.hpp, "Array versions": AVX2 when
/// the kernels are, the scalar function's bits either way).
template <void (*FN)(const float*, float*, size_t) noexcept>
Status run_float_fn_n(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const std::span<const float> x = inputs[0]->as<float>();
    const std::span<float> y = outputs[0].as<float>();
    FN(x.data(), y.data(), std::min(x.size(), y.size()));
    canonicalize_nans(outputs[0]);
    return Ok{};
}

Status run_leaky_relu(const Node& node,
                      std::span<const Tensor* const> inputs,
                      std::span<Tensor> outputs)
{
    const float alpha = node.attr_float("alpha", 0.01f);
    unary_apply<float, float>(*inputs[0], outputs[0],
                              [alpha](float x) { return x < 0 ? alpha * x : x; });
    canonicalize_nans(outputs[0]);
    return Ok{};
}

Status run_gelu(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const std::string approx = node.attr_string("approximate", "none");
    const std::span<const float> x = inputs[0]->as<float>();
    const std::span<float> y = outputs[0].as<float>();
    (approx == "tanh" ? detmath::gelu_tanh_n : detmath::gelu_n)(x.data(), y.data(),
                                                                std::min(x.size(), y.size()));
    canonicalize_nans(outputs[0]);
    return Ok{};
}

Status infer_gelu(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    const std::string approx = node.attr_string("approximate", "none");
    if (approx != "none" && approx != "tanh")
        return node_error(node, "approximate must be \"none\" or \"tanh\", got \"" + approx + "\"");
    return infer_float_unary(node, inputs, outputs);
}

// ---------------------------------------------------------------------------------------
// Relu and Clip: float and the integer types.

bool relu_clip_dtype(DType t) noexcept
{
    return t != DType::BOOL;
}

Status infer_relu(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    if (!inputs[0] || !relu_clip_dtype(inputs[0]->dtype))
        return node_error(node, "input must be float or integer");
    return infer_same_as_first(node, inputs, outputs);
}

template <typename T>
void relu_typed(const Tensor& x, Tensor& y)
{
    unary_apply<T, T>(x, y, [](T v) { return v < T(0) ? T(0) : v; });  // NaN stays NaN
}

template <typename F>
Status dispatch_numeric(const Node& node, DType t, F&& f)
{
    switch (t)
    {
        case DType::FLOAT:
            return f(float{});
        case DType::INT8:
            return f(int8_t{});
        case DType::UINT8:
            return f(uint8_t{});
        case DType::INT16:
            return f(int16_t{});
        case DType::UINT16:
            return f(uint16_t{});
        case DType::INT32:
            return f(int32_t{});
        case DType::INT64:
            return f(int64_t{});
        case DType::BOOL:
            break;
    }
    return node_error(node, "unsupported dtype");
}

Status run_relu(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    auto st = dispatch_numeric(node, inputs[0]->dtype, [&](auto zero) -> Status {
        relu_typed<decltype(zero)>(*inputs[0], outputs[0]);
        return Ok{};
    });
    if (st && outputs[0].dtype == DType::FLOAT)
        canonicalize_nans(outputs[0]);
    return st;
}

Status infer_clip(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    if (!inputs[0] || !relu_clip_dtype(inputs[0]->dtype))
        return node_error(node, "input must be float or integer");
    for (size_t k = 1; k < 3; ++k)
        if (const auto* b = opt_input(inputs, k))
        {
            if (b->dtype != inputs[0]->dtype)
                return node_error(
                    node, std::string(k == 1 ? "min" : "max") + " must have the input's dtype");
            if (b->elements() != 1)
                return node_error(node, std::string(k == 1 ? "min" : "max") +
                                            " must be a scalar, got shape " +
                                            shape_string(b->shape));
        }
    if (node.opset < 11 && inputs[0]->dtype != DType::FLOAT)
        return node_error(node, "Clip before opset 11 takes float only");
    return infer_same_as_first(node, inputs, outputs);
}

Status run_clip(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const Tensor& x = *inputs[0];
    auto st = dispatch_numeric(node, x.dtype, [&](auto zero) -> Status {
        using T = decltype(zero);
        T lo = std::numeric_limits<T>::lowest();
        T hi = std::numeric_limits<T>::max();
        if constexpr (std::is_same_v<T, float>)
        {
            lo = -std::numeric_limits<float>::infinity();
            hi = std::numeric_limits<float>::infinity();
            if (node.opset < 11)
            {
                lo = node.attr_float("min", lo);
                hi = node.attr_float("max", hi);
            }
        }
        if (const Tensor* t = opt_input(inputs, 1))
            lo = t->as<T>()[0];
        if (const Tensor* t = opt_input(inputs, 2))
            hi = t->as<T>()[0];
        // max(x, lo) then min(., hi): min > max gives max everywhere (ONNX); NaN stays NaN.
        unary_apply<T, T>(x, outputs[0], [lo, hi](T v) {
            const T a = v < lo ? lo : v;
            return a > hi ? hi : a;
        });
        return Ok{};
    });
    if (st && outputs[0].dtype == DType::FLOAT)
        canonicalize_nans(outputs[0]);
    return st;
}

// ---------------------------------------------------------------------------------------
// Softmax: y = exp(x - max) / sum(exp(x - max)) over an axis (opset >= 13) or over the
// flattened dims from `axis` on (opset < 13, default axis 1). The max and the sum run in
// index order; the sum is accumulated in double and each output divided in double, rounded
// once.

struct SoftmaxGeometry
{
    int64_t outer = 1;  // blocks before the reduced dims
    int64_t n = 1;      // reduced length
    int64_t inner = 1;  // stride between reduced elements (1 for opset < 13)
};

Result<SoftmaxGeometry, std::string> softmax_geometry(const Node& node,
                                                      std::span<const int64_t> shape)
{
    const bool legacy = node.opset > 0 && node.opset < 13;
    const int64_t axis_attr = node.attr_int("axis", legacy ? 1 : -1);
    if (shape.empty())
        return std::string("input must have rank >= 1");
    const auto axis = normalize_axis(axis_attr, shape.size());
    if (!axis)
        return "axis " + std::to_string(axis_attr) + " out of range for rank " +
               std::to_string(shape.size());
    SoftmaxGeometry g;
    for (size_t d = 0; d < *axis; ++d)
        g.outer *= shape[d];
    if (legacy)
    {
        for (size_t d = *axis; d < shape.size(); ++d)
            g.n *= shape[d];
        return g;
    }
    g.n = shape[*axis];
    for (size_t d = *axis + 1; d < shape.size(); ++d)
        g.inner *= shape[d];
    return g;
}

Status infer_softmax(const Node& node,
                     std::span<const ValueInfo* const> inputs,
                     std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs); !st)
        return st;
    if (auto g = softmax_geometry(node, inputs[0]->shape); !g)
        return node_error(node, g.error());
    return infer_same_as_first(node, inputs, outputs);
}

/// Softmax, or LogSoftmax when `log`: (x - max) - log(sum), the log taken in double.
Status run_softmax_impl(const Node& node,
                        std::span<const Tensor* const> inputs,
                        std::span<Tensor> outputs,
                        bool log)
{
    const auto g = softmax_geometry(node, inputs[0]->shape).value();
    const float* x = inputs[0]->as<float>().data();
    float* y = outputs[0].as<float>().data();
    for (int64_t o = 0; o < g.outer; ++o)
        for (int64_t i = 0; i < g.inner; ++i)
        {
            const int64_t base = o * g.n * g.inner + i;
            float mx = -std::numeric_limits<float>::infinity();
            for (int64_t k = 0; k < g.n; ++k)
            {
                const float v = x[base + k * g.inner];
                mx = v > mx || v != v ? v : mx;  // a NaN wins (and stays)
            }
            double sum = 0;
            if (!log && g.inner == 1)
            {
                // Contiguous: the differences, then exp over the row (detmath::exp_n, the same
                // bits as detmath::exp), then the sum in the same order.
                for (int64_t k = 0; k < g.n; ++k)
                    y[base + k] = x[base + k] - mx;
                detmath::exp_n(y + base, y + base, static_cast<size_t>(g.n));
                for (int64_t k = 0; k < g.n; ++k)
                    sum += y[base + k];
            }
            else
                for (int64_t k = 0; k < g.n; ++k)
                {
                    const float d = x[base + k * g.inner] - mx;
                    const float e = detmath::exp(d);
                    y[base + k * g.inner] = log ? d : e;
                    sum += e;
                }
            const double log_sum = log ? detmath::log_d(sum) : 0.0;
            for (int64_t k = 0; k < g.n; ++k)
            {
                float& v = y[base + k * g.inner];
                v = static_cast<float>(log ? static_cast<double>(v) - log_sum
                                           : static_cast<double>(v) / sum);
            }
        }
    canonicalize_nans(outputs[0]);
    return Ok{};
}

Status run_softmax(const Node& node,
                   std::span<const Tensor* const> inputs,
                   std::span<Tensor> outputs)
{
    return run_softmax_impl(node, inputs, outputs, false);
}

Status run_log_softmax(const Node& node,
                       std::span<const Tensor* const> inputs,
                       std::span<Tensor> outputs)
{
    return run_softmax_impl(node, inputs, outputs, true);
}

// ---------------------------------------------------------------------------------------
// LayerNormalization (opset 17): over the dims from `axis` on, mean and variance (two passes,
// double, index order), y = (x - mean) / sqrt(var + epsilon) * scale + bias in double, rounded
// once. Optional outputs Mean and InvStdDev have shape X.shape[:axis] + [1, ...].

Status infer_layernorm(const Node& node,
                       std::span<const ValueInfo* const> inputs,
                       std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs, 2); !st)
        return st;
    const auto& xs = inputs[0]->shape;
    const int64_t axis_attr = node.attr_int("axis", -1);
    const auto axis = normalize_axis(axis_attr, xs.size());
    if (!axis)
        return node_error(node, "axis " + std::to_string(axis_attr) + " out of range for rank " +
                                    std::to_string(xs.size()));
    const std::vector<int64_t> norm(xs.begin() + static_cast<std::ptrdiff_t>(*axis), xs.end());
    for (size_t k = 1; k < 3; ++k)
    {
        const auto* p = opt_input(inputs, k);
        if (!p)
            continue;
        if (p->dtype != DType::FLOAT)
            return node_error(node, "Scale and B must be float");
        auto s = broadcast_shapes(p->shape, norm);
        if (!s || *s != norm)
            return node_error(node, std::string(k == 1 ? "Scale" : "B") + " of shape " +
                                        shape_string(p->shape) + " does not broadcast to " +
                                        shape_string(norm));
    }
    const int64_t stash = node.attr_int("stash_type", 1);
    if (stash != 1)
        return node_error(node, "stash_type must be 1 (float), got " + std::to_string(stash));
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = xs;
    std::vector<int64_t> stat_shape(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(*axis));
    stat_shape.resize(xs.size(), 1);
    for (size_t k = 1; k < outputs.size(); ++k)
    {
        outputs[k].dtype = DType::FLOAT;
        outputs[k].shape = stat_shape;
    }
    return Ok{};
}

/// `p` (broadcastable to `norm`) expanded to norm's element count.
std::vector<float> expand_to(const Tensor& p, const std::vector<int64_t>& norm, int64_t n)
{
    std::vector<float> out(static_cast<size_t>(n));
    Tensor dst = Tensor::zeros(DType::FLOAT, norm);
    Tensor zeros = Tensor::zeros(DType::FLOAT, {});
    broadcast_apply<float, float, float>(p, zeros, dst, [](float a, float) { return a; });
    std::memcpy(out.data(), dst.data.data(), out.size() * sizeof(float));
    return out;
}

Status run_layernorm(const Node& node,
                     std::span<const Tensor* const> inputs,
                     std::span<Tensor> outputs)
{
    const Tensor& X = *inputs[0];
    const auto axis = *normalize_axis(node.attr_int("axis", -1), X.rank());
    const double eps = node.attr_float("epsilon", 1e-5f);
    const std::vector<int64_t> norm(X.shape.begin() + static_cast<std::ptrdiff_t>(axis),
                                    X.shape.end());
    int64_t n = 1;
    for (auto d : norm)
        n *= d;
    const int64_t rows = n == 0 ? 0 : X.elements() / n;
    const std::vector<float> scale = expand_to(*inputs[1], norm, n);
    const Tensor* B = opt_input(inputs, 2);
    const std::vector<float> bias = B ? expand_to(*B, norm, n) : std::vector<float>();
    const float* x = X.as<float>().data();
    float* y = outputs[0].as<float>().data();
    float* mean_out =
        outputs.size() > 1 && !outputs[1].data.empty() ? outputs[1].as<float>().data() : nullptr;
    float* inv_out =
        outputs.size() > 2 && !outputs[2].data.empty() ? outputs[2].as<float>().data() : nullptr;
    for (int64_t r = 0; r < rows; ++r)
    {
        const float* xr = x + r * n;
        float* yr = y + r * n;
        double sum = 0;
        for (int64_t j = 0; j < n; ++j)
            sum += xr[j];
        const double mean = sum / static_cast<double>(n);
        double sq = 0;
        for (int64_t j = 0; j < n; ++j)
        {
            const double d = xr[j] - mean;
            sq += d * d;
        }
        const double inv = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
        for (int64_t j = 0; j < n; ++j)
        {
            double v = (xr[j] - mean) * inv * scale[static_cast<size_t>(j)];
            if (B)
                v += bias[static_cast<size_t>(j)];
            yr[j] = static_cast<float>(v);
        }
        if (mean_out)
            mean_out[r] = static_cast<float>(mean);
        if (inv_out)
            inv_out[r] = static_cast<float>(inv);
    }
    canonicalize_float_outputs(outputs);
    return Ok{};
}

// RMSNormalization (opset 23): over the dims from `axis` on, y = x / sqrt(mean(x^2) +
// epsilon) * scale, the mean in double in index order, rounded once (shapes as
// LayerNormalization's without B and the statistics outputs).
Status run_rmsnorm(const Node& node,
                   std::span<const Tensor* const> inputs,
                   std::span<Tensor> outputs)
{
    const Tensor& X = *inputs[0];
    const auto axis = *normalize_axis(node.attr_int("axis", -1), X.rank());
    const double eps = node.attr_float("epsilon", 1e-5f);
    const std::vector<int64_t> norm(X.shape.begin() + static_cast<std::ptrdiff_t>(axis),
                                    X.shape.end());
    int64_t n = 1;
    for (auto d : norm)
        n *= d;
    const int64_t rows = n == 0 ? 0 : X.elements() / n;
    const std::vector<float> scale = expand_to(*inputs[1], norm, n);
    const float* x = X.as<float>().data();
    float* y = outputs[0].as<float>().data();
    for (int64_t r = 0; r < rows; ++r)
    {
        const float* xr = x + r * n;
        float* yr = y + r * n;
        double sq = 0;
        for (int64_t j = 0; j < n; ++j)
            sq += static_cast<double>(xr[j]) * xr[j];
        const double inv = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
        for (int64_t j = 0; j < n; ++j)
            yr[j] = to_float(xr[j] * inv * scale[static_cast<size_t>(j)]);
    }
    canonicalize_nans(outputs[0]);
    return Ok{};
}

OpCost cost_layernorm(const Node&,
                      std::span<const ValueInfo* const> inputs,
                      std::span<const ValueInfo> outputs)
{
    OpCost c;
    const auto n = static_cast<uint64_t>(inputs[0]->elements());
    c.macs = sat_mul(n, kLayerNormMacs);
    c.elements = 2 * n;
    for (size_t k = 1; k < outputs.size(); ++k)
        c.elements += static_cast<uint64_t>(outputs[k].elements());
    return c;
}

constexpr auto cost_exp = cost_transcendental<kTranscendentalMacs>;
constexpr auto cost_erf = cost_transcendental<kErfMacs>;

float neg(float x)
{
    return -x;
}

// Neg and Abs also take signed integers (ONNX allows them; exported shape arithmetic negates
// int64 values). Integers wrap: -INT_MIN is INT_MIN, as two's complement hardware gives.
Status infer_signed_unary(const Node& node,
                          std::span<const ValueInfo* const> inputs,
                          std::span<ValueInfo> outputs)
{
    const auto* x = opt_input(inputs, 0);
    if (x && (x->dtype == DType::INT8 || x->dtype == DType::INT16 || x->dtype == DType::INT32 ||
              x->dtype == DType::INT64))
        return infer_same_as_first(node, inputs, outputs);
    return infer_float_unary(node, inputs, outputs);
}

template <bool kAbs, float (*F)(float)>
Status run_signed_unary(const Node& node,
                        std::span<const Tensor* const> inputs,
                        std::span<Tensor> outputs)
{
    if (inputs[0]->dtype == DType::FLOAT)
        return run_float_fn<F>(node, inputs, outputs);
    visit_dtype(inputs[0]->dtype, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
        {
            using U = std::make_unsigned_t<T>;
            const auto x = inputs[0]->as<T>();
            auto y = outputs[0].as<T>();
            for (size_t i = 0; i < x.size(); ++i)
            {
                const U u = static_cast<U>(x[i]);
                y[i] = (kAbs && x[i] >= 0) ? x[i] : static_cast<T>(static_cast<U>(U{0} - u));
            }
        }
    });
    return Ok{};
}
float abs_f(float x)
{
    return std::bit_cast<float>(std::bit_cast<uint32_t>(x) & 0x7fffffffu);
}
float reciprocal(float x)
{
    return 1.0f / x;
}
float sqrt_f(float x)
{
    return std::sqrt(x);  // IEEE-754 correctly rounded
}

// clang-format off
constexpr OpDef kFloatOps[] = {
    // name, inputs min/max, outputs min/max, infer, run, cost
    {"Add", 2, 2, 1, 1, infer_arith, run_arith<Arith::Add>, nullptr},
    {"Sub", 2, 2, 1, 1, infer_arith, run_arith<Arith::Sub>, nullptr},
    {"Mul", 2, 2, 1, 1, infer_arith, run_arith<Arith::Mul>, nullptr},
    {"Div", 2, 2, 1, 1, infer_arith, run_arith<Arith::Div>, nullptr},
    {"Relu", 1, 1, 1, 1, infer_relu, run_relu, nullptr},
    {"LeakyRelu", 1, 1, 1, 1, infer_float_unary, run_leaky_relu, nullptr},
    {"Clip", 1, 3, 1, 1, infer_clip, run_clip, nullptr},
    {"Sigmoid", 1, 1, 1, 1, infer_float_unary, run_float_fn_n<detmath::sigmoid_n>, cost_exp},
    {"Tanh", 1, 1, 1, 1, infer_float_unary, run_float_fn_n<detmath::tanh_n>, cost_exp},
    {"Erf", 1, 1, 1, 1, infer_float_unary, run_float_fn_n<detmath::erf_n>, cost_erf},
    {"Gelu", 1, 1, 1, 1, infer_gelu, run_gelu, cost_erf},
    {"Softmax", 1, 1, 1, 1, infer_softmax, run_softmax, cost_exp},
    {"LayerNormalization", 2, 3, 1, 3, infer_layernorm, run_layernorm, cost_layernorm},
    {"RMSNormalization", 2, 2, 1, 1, infer_layernorm, run_rmsnorm, cost_layernorm},
    {"Gemm", 2, 3, 1, 1, infer_gemm, run_gemm, cost_gemm},
    {"MatMul", 2, 2, 1, 1, infer_matmul, run_matmul, cost_matmul},
    {"Conv", 2, 3, 1, 1, infer_conv, run_conv, cost_conv},
    {"Resize", 1, 4, 1, 1, infer_resize, run_resize, cost_resize},
    {"ConvTranspose", 2, 3, 1, 1, infer_conv_transpose, run_conv_transpose, cost_conv_transpose},
    {"MaxPool", 1, 1, 1, 2, infer_pool, run_maxpool, cost_pool},
    {"AveragePool", 1, 1, 1, 1, infer_pool, run_averagepool, cost_pool},
    {"GlobalAveragePool", 1, 1, 1, 1, infer_global_pool, run_global_averagepool, nullptr},
    // Beyond the core set (ops_float_extra.cpp): common in exported models.
    {"Exp", 1, 1, 1, 1, infer_float_unary, run_float_fn_n<detmath::exp_n>, cost_exp},
    {"Log", 1, 1, 1, 1, infer_float_unary, run_float_fn<detmath::log>, cost_exp},
    {"Sqrt", 1, 1, 1, 1, infer_float_unary, run_float_fn<sqrt_f>, nullptr},
    {"Neg", 1, 1, 1, 1, infer_signed_unary, run_signed_unary<false, neg>, nullptr},
    {"Abs", 1, 1, 1, 1, infer_signed_unary, run_signed_unary<true, abs_f>, nullptr},
    {"Reciprocal", 1, 1, 1, 1, infer_float_unary, run_float_fn<reciprocal>, nullptr},
    {"Pow", 2, 2, 1, 1, infer_pow, run_pow, cost_erf},
    {"PRelu", 2, 2, 1, 1, infer_prelu, run_prelu, nullptr},
    {"LogSoftmax", 1, 1, 1, 1, infer_softmax, run_log_softmax, cost_exp},
    {"ReduceSum", 1, 2, 1, 1, infer_reduce, run_reduce_sum, nullptr},
    {"ReduceMean", 1, 2, 1, 1, infer_reduce, run_reduce_mean, nullptr},
    {"ReduceMax", 1, 2, 1, 1, infer_reduce, run_reduce_max, nullptr},
    {"ReduceMin", 1, 2, 1, 1, infer_reduce, run_reduce_min, nullptr},
    {"GlobalMaxPool", 1, 1, 1, 1, infer_global_pool, run_global_maxpool, nullptr},
    {"BatchNormalization", 5, 5, 1, 3, infer_batchnorm, run_batchnorm, cost_layernorm},
};
// clang-format on

}  // namespace

std::span<const OpDef> float_ops() noexcept
{
    return kFloatOps;
}

}  // namespace tern::ml
