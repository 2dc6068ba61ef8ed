// More reductions and normalizations: ReduceProd, ReduceL1, ReduceL2, ReduceLogSumExp,
// ReduceSumSquare, ReduceLogSum (shapes and axes exactly as ReduceSum/Mean/Max/Min:
// infer_reduce in ops_float_extra.cpp), InstanceNormalization and GroupNormalization.
// Accumulation in double in input (row-major) order, one rounding per output, exp/log from
// detmath, canonical NaN.

#include "ml/detmath.hpp"
#include "ml/ops_float.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace tern::ml {
namespace {

using Infos = std::span<const ValueInfo* const>;
using Outs = std::span<ValueInfo>;
using Ins = std::span<const Tensor* const>;
using Results = std::span<Tensor>;

enum class Red : uint8_t
{
    Prod,
    L1,
    L2,
    SumSquare,
    LogSum,
    LogSumExp,
};

// Calls f(output_index, value) for every input element in row-major order.
template <typename F>
void for_each_reduced(const Tensor& x, const std::vector<bool>& reduced, F&& f)
{
    const size_t rank = x.rank();
    std::vector<int64_t> ostride(rank, 0);
    int64_t s = 1;
    for (size_t d = rank; d-- > 0;)
        if (!reduced[d])
        {
            ostride[d] = s;
            s *= x.shape[d];
        }
    const float* p = x.as<float>().data();
    const int64_t n = x.elements();
    std::vector<int64_t> idx(rank, 0);
    int64_t o = 0;
    for (int64_t i = 0; i < n; ++i)
    {
        f(static_cast<size_t>(o), static_cast<double>(p[i]));
        for (size_t d = rank; d-- > 0;)
        {
            ++idx[d];
            o += ostride[d];
            if (idx[d] < x.shape[d])
                break;
            o -= ostride[d] * idx[d];
            idx[d] = 0;
        }
    }
}

template <Red kind>
Status run_reduce_more(const Node& node, Ins in, Results out)
{
    const Tensor& X = *in[0];
    Tensor& Y = out[0];
    std::vector<ValueInfo> infos(in.size());
    std::vector<const ValueInfo*> ptrs;
    for (size_t k = 0; k < in.size(); ++k)
    {
        if (in[k])
        {
            infos[k].dtype = in[k]->dtype;
            infos[k].shape = in[k]->shape;
            infos[k].value = std::shared_ptr<const Tensor>(std::shared_ptr<const Tensor>(), in[k]);
        }
        ptrs.push_back(in[k] ? &infos[k] : nullptr);
    }
    bool noop = false;
    auto reduced = reduce_axes(node, ptrs, X.rank(), noop).value();
    if (noop)
    {
        // noop_with_empty_axes and no axes: the output is the input (ONNX's wording).
        Y.data = X.data;
        canonicalize_nans(Y);
        return Ok{};
    }
    const auto n_out = static_cast<size_t>(Y.elements());
    std::vector<double> acc(n_out, kind == Red::Prod ? 1.0 : 0.0);
    std::vector<double> mx;
    if constexpr (kind == Red::LogSumExp)
    {
        // Pass 1: the maximum (NaN propagates), so exp never overflows.
        mx.assign(n_out, -std::numeric_limits<double>::infinity());
        for_each_reduced(X, reduced, [&](size_t o, double v) {
            double& m = mx[o];
            if (v != v || m != m)
                m = std::numeric_limits<double>::quiet_NaN();
            else if (v > m)
                m = v;
        });
    }
    for_each_reduced(X, reduced, [&](size_t o, double v) {
        double& a = acc[o];
        if constexpr (kind == Red::Prod)
            a *= v;
        else if constexpr (kind == Red::L1)
            a += std::fabs(v);
        else if constexpr (kind == Red::L2 || kind == Red::SumSquare)
            a += v * v;
        else if constexpr (kind == Red::LogSum)
            a += v;
        else
        {
            const double m = mx[o];
            if (std::isfinite(m))
                a += detmath::exp_d(v - m);
        }
    });
    float* y = Y.as<float>().data();
    for (size_t i = 0; i < n_out; ++i)
    {
        double v = acc[i];
        if constexpr (kind == Red::L2)
            v = std::sqrt(v);
        else if constexpr (kind == Red::LogSum)
            v = v < 0    ? std::numeric_limits<double>::quiet_NaN()
                : v == 0 ? -std::numeric_limits<double>::infinity()
                         : detmath::log_d(v);
        else if constexpr (kind == Red::LogSumExp)
            v = std::isfinite(mx[i]) ? mx[i] + detmath::log_d(v) : mx[i];
        y[i] = to_float(v);
    }
    canonicalize_nans(Y);
    return Ok{};
}

// Input elements read, outputs written; the logs and exps counted as transcendental MACs.
template <Red kind>
OpCost cost_reduce_more(const Node&, Infos in, std::span<const ValueInfo> out)
{
    OpCost c;
    const auto n_in = static_cast<uint64_t>(in[0]->elements());
    const auto n_out = static_cast<uint64_t>(out[0].elements());
    c.elements = n_in + n_out;
    if constexpr (kind == Red::LogSumExp)
        c.special_macs = sat_mul(n_in + n_out, kTranscendentalMacs);
    else if constexpr (kind == Red::LogSum)
        c.special_macs = sat_mul(n_out, kTranscendentalMacs);
    else
        c.macs = n_in;
    return c;
}

// ---- InstanceNormalization / GroupNormalization: y = (x - mean) / sqrt(var + eps) * scale + B
// over each (n, channel) or (n, group); mean and var (population) in double, two passes.

// Normalizes `count` elements at x into y with per-element scale/bias from channel `c0 +
// i / inner`.
void normalize_block(const float* x,
                     float* y,
                     int64_t count,
                     int64_t inner,
                     const float* scale,
                     const float* bias,
                     int64_t c0,
                     double eps,
                     bool per_channel)
{
    double sum = 0;
    for (int64_t i = 0; i < count; ++i)
        sum += x[i];
    const double mean = count ? sum / static_cast<double>(count) : 0.0;
    double sq = 0;
    for (int64_t i = 0; i < count; ++i)
    {
        const double d = x[i] - mean;
        sq += d * d;
    }
    const double var = count ? sq / static_cast<double>(count) : 0.0;
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < count; ++i)
    {
        const int64_t c = per_channel ? c0 + i / inner : c0;
        y[i] = to_float((x[i] - mean) * inv * static_cast<double>(scale[c]) +
                        static_cast<double>(bias[c]));
    }
}

Status infer_instancenorm(const Node& node, Infos in, Outs out)
{
    if (auto st = require_float(node, in, 3); !st)
        return st;
    const auto& s = in[0]->shape;
    if (s.size() < 3)
        return node_error(node, "input must be [N, C, D1, ...]");
    for (size_t k = 1; k < 3; ++k)
        if (in[k]->shape != std::vector<int64_t>{s[1]})
            return node_error(node, "scale and B must have shape [" + std::to_string(s[1]) + "]");
    return infer_same_as_first(node, in, out);
}

Status run_instancenorm(const Node& node, Ins in, Results out)
{
    const auto& X = *in[0];
    const int64_t N = X.shape[0];
    const int64_t C = X.shape[1];
    if (N * C == 0)
        return Ok{};
    const int64_t inner = X.elements() / (N * C);
    const double eps = node.attr_float("epsilon", 1e-5f);
    const float* x = X.as<float>().data();
    float* y = out[0].as<float>().data();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
        {
            const int64_t base = (n * C + c) * inner;
            normalize_block(x + base, y + base, inner, inner, in[1]->as<float>().data(),
                            in[2]->as<float>().data(), c, eps, false);
        }
    canonicalize_nans(out[0]);
    return Ok{};
}

Status infer_groupnorm(const Node& node, Infos in, Outs out)
{
    if (auto st = require_float(node, in, 3); !st)
        return st;
    const auto& s = in[0]->shape;
    if (s.size() < 2)
        return node_error(node, "input must be [N, C, ...]");
    const int64_t g = node.attr_int("num_groups", 0);
    if (g < 1 || s[1] % g != 0)
        return node_error(node, "num_groups must be >= 1 and divide C");
    // Opset 18 scales per group, 21 per channel.
    const int64_t want = node.opset >= 21 ? s[1] : g;
    for (size_t k = 1; k < 3; ++k)
        if (in[k]->shape != std::vector<int64_t>{want})
            return node_error(node, "scale and bias must have shape [" + std::to_string(want) +
                                        "] at opset " + std::to_string(node.opset));
    if (node.attr_int("stash_type", 1) != 1)
        return node_error(node, "unsupported stash_type (only float accumulation is defined)");
    return infer_same_as_first(node, in, out);
}

Status run_groupnorm(const Node& node, Ins in, Results out)
{
    const auto& X = *in[0];
    const int64_t N = X.shape[0];
    const int64_t C = X.shape[1];
    const int64_t G = node.attr_int("num_groups", 1);
    if (N * C == 0)
        return Ok{};
    const int64_t inner = X.elements() / (N * C);
    const int64_t per_group = C / G * inner;
    const double eps = node.attr_float("epsilon", 1e-5f);
    const bool per_channel = node.opset >= 21;
    const float* x = X.as<float>().data();
    float* y = out[0].as<float>().data();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t g = 0; g < G; ++g)
        {
            const int64_t base = (n * G + g) * per_group;
            normalize_block(x + base, y + base, per_group, inner, in[1]->as<float>().data(),
                            in[2]->as<float>().data(), per_channel ? g * (C / G) : g, eps,
                            per_channel);
        }
    canonicalize_nans(out[0]);
    return Ok{};
}

OpCost cost_norm(const Node&, Infos in, std::span<const ValueInfo> out)
{
    OpCost c;
    const auto n = static_cast<uint64_t>(in[0]->elements());
    c.elements = n + static_cast<uint64_t>(out[0].elements());
    c.macs = sat_mul(n, kLayerNormMacs);
    return c;
}

// clang-format off
constexpr OpDef kReduceOps[] = {
    {"GroupNormalization", 3, 3, 1, 1, infer_groupnorm, run_groupnorm, cost_norm},
    {"InstanceNormalization", 3, 3, 1, 1, infer_instancenorm, run_instancenorm, cost_norm},
    {"ReduceL1", 1, 2, 1, 1, infer_reduce, run_reduce_more<Red::L1>, cost_reduce_more<Red::L1>},
    {"ReduceL2", 1, 2, 1, 1, infer_reduce, run_reduce_more<Red::L2>, cost_reduce_more<Red::L2>},
    {"ReduceLogSum", 1, 2, 1, 1, infer_reduce, run_reduce_more<Red::LogSum>,
     cost_reduce_more<Red::LogSum>},
    {"ReduceLogSumExp", 1, 2, 1, 1, infer_reduce, run_reduce_more<Red::LogSumExp>,
     cost_reduce_more<Red::LogSumExp>},
    {"ReduceProd", 1, 2, 1, 1, infer_reduce, run_reduce_more<Red::Prod>,
     cost_reduce_more<Red::Prod>},
    {"ReduceSumSquare", 1, 2, 1, 1, infer_reduce, run_reduce_more<Red::SumSquare>,
     cost_reduce_more<Red::SumSquare>},
};
// clang-format on

}  // namespace

std::span<const OpDef> reduce_ops() noexcept
{
    return kReduceOps;
}

}  // namespace tern::ml
