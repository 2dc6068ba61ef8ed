// More elementwise ops real exporters emit: the activations HardSigmoid, HardSwish, Softplus,
// Softsign, Elu, Selu, Celu, ThresholdedRelu and Mish; Floor, Ceil, Round (half to even) and
// Sign; the variadic broadcasting Min, Max, Mean and Sum; Mod; Sin and Cos (detmath). Same
// determinism rules as ops_float.hpp: only correctly rounded IEEE operations (floor, ceil and fmod
// are exact), exp/log from detmath evaluated in double and rounded once, fixed (input-order) folds,
// and canonical NaN in every float output.

#include "ml/broadcast.hpp"
#include "ml/detmath.hpp"
#include "ml/ops_float.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace tern::ml {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// One exp (Elu, Selu, Celu, Mish) or one sin/cos.
constexpr auto cost_exp = cost_transcendental<kTranscendentalMacs>;
/// One exp and one log (Softplus).
constexpr auto cost_exp_log = cost_transcendental<2 * kTranscendentalMacs>;

template <typename F>
Status map_float(const Tensor& x, Tensor& y, F f)
{
    unary_apply<float, float>(x, y, f);
    canonicalize_nans(y);
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Activations.

/// log(1 + t) for t >= 0 in double, accurate for small t: log(u) * t / (u - 1) with u = 1 + t
/// rounded (the rounding error of u cancels; Goldberg 1991, theorem 4).
double log1p_d(double t) noexcept
{
    const double u = 1.0 + t;
    if (u == 1.0)
        return t;
    return detmath::log_d(u) * t / (u - 1.0);
}

/// Softplus log(1 + e^x) = max(x, 0) + log(1 + e^-|x|) in double.
double softplus_d(double x) noexcept
{
    const double ax = std::fabs(x);
    return (x > 0 ? x : 0.0) + log1p_d(detmath::exp_d(-ax));
}

float softplus(float x) noexcept
{
    if (x != x)
        return kNaN;
    return to_float(softplus_d(x));
}

/// Mish x * tanh(softplus(x)) = x * n / (n + 2) with n = e^x (e^x + 2) (no cancellation);
/// from x > 20 the factor is 1 in double.
float mish(float x) noexcept
{
    if (x != x)
        return kNaN;
    if (x > 20)
        return x;
    const double t = detmath::exp_d(x);
    if (t == 0)
        return -0.0f;  // x below -745: the product underflows (also the limit at -inf)
    const double n = t * (t + 2.0);
    return to_float(static_cast<double>(x) * (n / (n + 2.0)));
}

float softsign(float x) noexcept
{
    return x / (1.0f + std::fabs(x));
}

/// max(0, min(1, alpha x + beta)) in float (two roundings, like the spec's formula); NaN stays.
float hard_sigmoid(float x, float alpha, float beta) noexcept
{
    const float v = alpha * x + beta;
    const float lo = v < 0.0f ? 0.0f : v;
    return lo > 1.0f ? 1.0f : lo;
}

Status run_hard_sigmoid(const Node& node,
                        std::span<const Tensor* const> inputs,
                        std::span<Tensor> outputs)
{
    const float alpha = node.attr_float("alpha", 0.2f);
    const float beta = node.attr_float("beta", 0.5f);
    return map_float(*inputs[0], outputs[0],
                     [alpha, beta](float x) { return hard_sigmoid(x, alpha, beta); });
}

Status run_hard_swish(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    constexpr float kSixth = 1.0f / 6.0f;
    return map_float(*inputs[0], outputs[0],
                     [](float x) { return x * hard_sigmoid(x, kSixth, 0.5f); });
}

/// Swish (opset 24): x * sigmoid(alpha * x), in float like the other activations.
Status run_swish(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const float alpha = node.attr_float("alpha", 1.0f);
    return map_float(*inputs[0], outputs[0],
                     [alpha](float x) { return x * detmath::sigmoid(alpha * x); });
}

Status run_elu(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const double alpha = node.attr_float("alpha", 1.0f);
    return map_float(*inputs[0], outputs[0], [alpha](float x) {
        return x < 0 ? to_float(alpha * detmath::expm1_d(x)) : x;
    });
}

Status run_selu(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const double alpha = node.attr_float("alpha", 1.67326319217681884765625f);
    const double gamma = node.attr_float("gamma", 1.05070102214813232421875f);
    return map_float(*inputs[0], outputs[0], [alpha, gamma](float x) {
        if (x != x)
            return kNaN;
        if (x > 0)
            return to_float(gamma * x);
        return to_float(gamma * (alpha * detmath::expm1_d(x)));
    });
}

Status infer_celu(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    if (node.attr_float("alpha", 1.0f) == 0.0f)
        return node_error(node, "alpha must not be 0");
    return infer_float_unary(node, inputs, outputs);
}

Status run_celu(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const double alpha = node.attr_float("alpha", 1.0f);
    return map_float(*inputs[0], outputs[0], [alpha](float x) {
        if (x != x)
            return kNaN;
        // max(0, x) + min(0, alpha (e^(x/alpha) - 1)), in double.
        const double neg = alpha * detmath::expm1_d(x / alpha);
        return to_float((x > 0 ? static_cast<double>(x) : 0.0) + (neg < 0 ? neg : 0.0));
    });
}

Status run_thresholded_relu(const Node& node,
                            std::span<const Tensor* const> inputs,
                            std::span<Tensor> outputs)
{
    const float alpha = node.attr_float("alpha", 1.0f);
    return map_float(*inputs[0], outputs[0], [alpha](float x) { return x > alpha ? x : 0.0f; });
}

template <float (*F)(float)>
Status run_fn(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    return map_float(*inputs[0], outputs[0], F);
}

// ---------------------------------------------------------------------------------------
// Rounding.

float floor_f(float x) noexcept
{
    return std::floor(x);  // exact
}

float ceil_f(float x) noexcept
{
    return std::ceil(x);  // exact
}

/// Nearest integer, ties to even, sign of zero kept (numpy.round, ONNX Round); independent of
/// the FPU rounding mode.
float round_half_even(float x) noexcept
{
    const float ax = std::fabs(x);
    if (!(ax < 0x1p23f))
        return x;  // already an integer, infinity or NaN
    const float r = std::floor(ax);
    const float frac = ax - r;  // exact
    float v = r;
    if (frac > 0.5f || (frac == 0.5f && (static_cast<int32_t>(r) & 1) != 0))
        v = r + 1.0f;
    return std::copysign(v, x);
}

// ---------------------------------------------------------------------------------------
// Sign (float and integer types).

Status infer_sign(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    if (!inputs[0] || inputs[0]->dtype == DType::BOOL)
        return node_error(node, "input must be float or integer");
    return infer_same_as_first(node, inputs, outputs);
}

Status run_sign(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    visit_dtype(inputs[0]->dtype, [&](auto zero) {
        using T = decltype(zero);
        if constexpr (!std::is_same_v<T, bool>)
            unary_apply<T, T>(*inputs[0], outputs[0], [](T v) -> T {
                if (v > T(0))
                    return T(1);
                if constexpr (std::is_signed_v<T>)
                    if (v < T(0))
                        return static_cast<T>(-1);
                return v;  // zeros (with their sign) and NaN
            });
    });
    if (outputs[0].dtype == DType::FLOAT)
        canonicalize_nans(outputs[0]);
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Variadic Min, Max, Sum, Mean: all inputs broadcast to one shape; the result is a left fold
// in input order (((x0 op x1) op x2) ...). Min/Max propagate NaN (numpy.minimum/maximum);
// between equal values (-0 and +0) the earlier input wins. Mean is the float Sum divided by
// the input count.

enum class Fold : uint8_t
{
    Min,
    Max,
    Sum,
    Mean,
};

template <Fold op>
Status infer_fold(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    if (auto st = infer_broadcast(node, inputs, outputs); !st)
        return st;
    const DType t = outputs[0].dtype;
    if (t == DType::BOOL)
        return node_error(node, "bool operands are not supported");
    if ((op == Fold::Sum || op == Fold::Mean) && t != DType::FLOAT)
        return node_error(node, "inputs must be float, got " + std::string(dtype_name(t)));
    return Ok{};
}

template <Fold op, typename T>
T fold_step(T a, T b) noexcept
{
    if constexpr (op == Fold::Sum || op == Fold::Mean)
        return a + b;
    else
    {
        if constexpr (std::is_floating_point_v<T>)
            if (a != a || b != b)
                return kNaN;
        if constexpr (op == Fold::Min)
            return b < a ? b : a;
        else
            return b > a ? b : a;
    }
}

template <Fold op>
Status run_fold(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    Tensor& y = outputs[0];
    visit_dtype(y.dtype, [&](auto zero) {
        using T = decltype(zero);
        constexpr bool kSumLike = op == Fold::Sum || op == Fold::Mean;
        if constexpr (!std::is_same_v<T, bool> && (!kSumLike || std::is_same_v<T, float>))
        {
            // y = x0 broadcast to the output shape, then y = y op x_k for k = 1, 2, ...
            const Tensor scalar = Tensor::zeros(y.dtype, {});
            broadcast_apply<T, T, T>(*inputs[0], scalar, y, [](T a, T) { return a; });
            for (size_t k = 1; k < inputs.size(); ++k)
                broadcast_apply<T, T, T>(y, *inputs[k], y, fold_step<op, T>);
            if constexpr (op == Fold::Mean)
            {
                const auto n = static_cast<float>(inputs.size());
                for (T& v : y.as<T>())
                    v = v / n;
            }
        }
    });
    if (y.dtype == DType::FLOAT)
        canonicalize_nans(y);
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Mod: fmod = 0 gives the remainder with the divisor's sign (Python's %); fmod = 1 the
// remainder with the dividend's sign (C's fmod / truncated %). Floats require fmod = 1 before
// opset 28; from 28 fmod = 0 is A - floor(A / B) * B, computed exactly as C's fmod plus B when
// the signs differ (a zero result takes B's sign). An integer zero divisor fails, like Div.

Status infer_mod(const Node& node,
                 std::span<const ValueInfo* const> inputs,
                 std::span<ValueInfo> outputs)
{
    if (auto st = infer_broadcast(node, inputs, outputs); !st)
        return st;
    const int64_t fmod = node.attr_int("fmod", 0);
    if (fmod != 0 && fmod != 1)
        return node_error(node, "fmod must be 0 or 1, got " + std::to_string(fmod));
    const DType t = outputs[0].dtype;
    if (t == DType::BOOL)
        return node_error(node, "bool operands are not supported");
    if (t == DType::FLOAT && fmod != 1 && node.opset < 28)
        return node_error(node, "float operands require fmod = 1 before opset 28");
    return Ok{};
}

template <typename T>
T int_mod(T a, T b, bool python, bool& div_by_zero) noexcept
{
    if (b == 0)
    {
        div_by_zero = true;
        return 0;
    }
    if constexpr (std::is_signed_v<T>)
        if (b == -1)
            return 0;  // also avoids the overflow of MIN % -1
    T r = static_cast<T>(a % b);
    if constexpr (std::is_signed_v<T>)
        if (python && r != 0 && ((r < 0) != (b < 0)))
            r = static_cast<T>(r + b);
    return r;
}

Status run_mod(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const bool python = node.attr_int("fmod", 0) == 0;
    bool div_by_zero = false;
    visit_dtype(outputs[0].dtype, [&](auto zero) {
        using T = decltype(zero);
        if constexpr (std::is_same_v<T, float>)
            broadcast_apply<float, float, float>(
                *inputs[0], *inputs[1], outputs[0], [python](float a, float b) {
                    float r = std::fmod(a, b);  // exact
                    if (python && r == 0.0f)
                        r = std::copysign(0.0f, b);
                    else if (python && !std::isnan(r) && std::signbit(r) != std::signbit(b))
                        r += b;
                    return r;
                });
        else if constexpr (!std::is_same_v<T, bool>)
            broadcast_apply<T, T, T>(*inputs[0], *inputs[1], outputs[0], [&](T a, T b) {
                return int_mod<T>(a, b, python, div_by_zero);
            });
    });
    if (div_by_zero)
        return node_error(node, "integer division by zero");
    if (outputs[0].dtype == DType::FLOAT)
        canonicalize_nans(outputs[0]);
    return Ok{};
}

// clang-format off
constexpr OpDef kElementwiseOps[] = {
    // name, inputs min/max, outputs min/max, infer, run, cost
    {"HardSigmoid", 1, 1, 1, 1, infer_float_unary, run_hard_sigmoid, nullptr},
    {"HardSwish", 1, 1, 1, 1, infer_float_unary, run_hard_swish, nullptr},
    {"Softplus", 1, 1, 1, 1, infer_float_unary, run_fn<softplus>, cost_exp_log},
    {"Softsign", 1, 1, 1, 1, infer_float_unary, run_fn<softsign>, nullptr},
    {"Elu", 1, 1, 1, 1, infer_float_unary, run_elu, cost_exp},
    {"Selu", 1, 1, 1, 1, infer_float_unary, run_selu, cost_exp},
    {"Celu", 1, 1, 1, 1, infer_celu, run_celu, cost_exp},
    {"ThresholdedRelu", 1, 1, 1, 1, infer_float_unary, run_thresholded_relu, nullptr},
    {"Mish", 1, 1, 1, 1, infer_float_unary, run_fn<mish>, cost_exp},
    {"Swish", 1, 1, 1, 1, infer_float_unary, run_swish, cost_exp},
    {"Floor", 1, 1, 1, 1, infer_float_unary, run_fn<floor_f>, nullptr},
    {"Ceil", 1, 1, 1, 1, infer_float_unary, run_fn<ceil_f>, nullptr},
    {"Round", 1, 1, 1, 1, infer_float_unary, run_fn<round_half_even>, nullptr},
    {"Sign", 1, 1, 1, 1, infer_sign, run_sign, nullptr},
    {"Min", 1, 255, 1, 1, infer_fold<Fold::Min>, run_fold<Fold::Min>, nullptr},
    {"Max", 1, 255, 1, 1, infer_fold<Fold::Max>, run_fold<Fold::Max>, nullptr},
    {"Sum", 1, 255, 1, 1, infer_fold<Fold::Sum>, run_fold<Fold::Sum>, nullptr},
    {"Mean", 1, 255, 1, 1, infer_fold<Fold::Mean>, run_fold<Fold::Mean>, nullptr},
    {"Mod", 2, 2, 1, 1, infer_mod, run_mod, nullptr},
    {"Sin", 1, 1, 1, 1, infer_float_unary, run_fn<detmath::sin>, cost_exp},
    {"Cos", 1, 1, 1, 1, infer_float_unary, run_fn<detmath::cos>, cost_exp},
};
// clang-format on

}  // namespace

std::span<const OpDef> elementwise_ops() noexcept
{
    return kElementwiseOps;
}

}  // namespace tern::ml
