// ConvTranspose (float): the gradient of Conv with respect to its input, as PyTorch exports
// nn.ConvTranspose1d/2d/3d (decoders, upsampling). Each input element scatters
// X[n, c, i] * W[c, m, t] into Y[n, group(c) * M/group + m, i * stride + t * dilation - pad];
// the sums run over (c, i, t) in that order, bias last, so every build adds in the same order.

#include "ml/ops_float.hpp"

#include <array>

namespace tern::ml {

namespace {

/// Attribute values beyond this are refused (keeps every product below 2^62).
constexpr int64_t kMaxAttr = int64_t{1} << 20;

/// Validated ConvTranspose geometry, padded to 3 spatial dims (missing dims have size 1).
struct TransposeGeometry
{
    int64_t group = 1;
    int64_t out_channels = 0;  ///< M
    std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1};
    std::array<int64_t, 3> stride{1, 1, 1}, dil{1, 1, 1}, pad{0, 0, 0};
    size_t rank = 0;  ///< spatial dims of the node
};

Result<TransposeGeometry, std::string> transpose_geometry(const Node& node,
                                                          std::span<const int64_t> x,
                                                          std::span<const int64_t> w)
{
    if (x.size() < 3 || x.size() > 5 || w.size() != x.size())
        return node_error(node, "X and W must both be [N, C, spatial...] with 1 to 3 spatial dims")
            .error();
    TransposeGeometry g;
    g.rank = x.size() - 2;
    const size_t r = g.rank;
    g.group = node.attr_int("group", 1);
    if (g.group < 1 || g.group > kMaxAttr || x[1] != w[0] || x[1] % g.group != 0)
        return node_error(node, "W's first dim must be X's channels, divisible by group").error();
    g.out_channels = w[1] * g.group;
    const auto list = [&](std::string_view name, int64_t def, size_t n) {
        auto v = node.attr_ints(name);
        return v ? *v : std::vector<int64_t>(n, def);
    };
    const auto strides = list("strides", 1, r);
    const auto dilations = list("dilations", 1, r);
    const auto out_pad = list("output_padding", 0, r);
    const auto pads = list("pads", 0, 2 * r);
    const auto kernel = list("kernel_shape", 0, 0);
    const auto output_shape = list("output_shape", 0, 0);
    if (strides.size() != r || dilations.size() != r || out_pad.size() != r ||
        pads.size() != 2 * r || (!kernel.empty() && kernel.size() != r) ||
        (!output_shape.empty() && output_shape.size() != r && output_shape.size() != r + 2))
        return node_error(node, "attribute lengths do not match the spatial rank").error();
    const auto auto_pad = node.attr_string("auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
        auto_pad != "SAME_LOWER")
        return node_error(node, "unsupported auto_pad " + auto_pad).error();
    for (size_t i = 0; i < r; ++i)
    {
        const int64_t in = x[i + 2], k = w[i + 2], s = strides[i], d = dilations[i];
        if (!kernel.empty() && kernel[i] != k)
            return node_error(node, "kernel_shape does not match W").error();
        if (s < 1 || s > kMaxAttr || d < 1 || d > kMaxAttr || k < 1 || k > kMaxAttr ||
            out_pad[i] < 0 || out_pad[i] >= std::max(s, d) || pads[i] < 0 || pads[i] > kMaxAttr ||
            pads[i + r] < 0 || pads[i + r] > kMaxAttr || in < 0 || in > kMaxAttr)
            return node_error(node, "kernel/strides/dilations/pads/output_padding out of range")
                .error();
        const int64_t full = s * (in - 1) + out_pad[i] + (k - 1) * d + 1;  // before padding
        int64_t begin = pads[i], end = pads[i + r];
        int64_t out = 0;
        if (!output_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER")
        {
            out = !output_shape.empty() ? output_shape[output_shape.size() - r + i] : in * s;
            const int64_t total = full - out;  // negative: the output extends past the taps
            if (out < 1 || out > kMaxAttr * kMaxAttr || total < -kMaxAttr)
                return node_error(node, "output_shape cannot be reached").error();
            // ONNX (floor division): SAME_UPPER puts the odd pad at the end, otherwise at the
            // start.
            const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
            begin = auto_pad == "SAME_UPPER" ? half : total - half;
            end = total - begin;
        }
        else
        {
            if (auto_pad == "VALID")
                begin = end = 0;
            out = full - begin - end;
        }
        if (out < 1)
            return node_error(node, "pads leave no output").error();
        g.in[3 - r + i] = in;
        g.out[3 - r + i] = out;
        g.k[3 - r + i] = k;
        g.stride[3 - r + i] = s;
        g.dil[3 - r + i] = d;
        g.pad[3 - r + i] = begin;
    }
    return g;
}

}  // namespace

Status infer_conv_transpose(const Node& node,
                            std::span<const ValueInfo* const> inputs,
                            std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs, 2); !st)
        return st;
    auto g = transpose_geometry(node, inputs[0]->shape, inputs[1]->shape);
    if (!g)
        return g.error();
    if (const auto* b = opt_input(inputs, 2))
        if (b->dtype != DType::FLOAT || b->shape != std::vector<int64_t>{g->out_channels})
            return node_error(node,
                              "B must be float of shape [" + std::to_string(g->out_channels) + "]");
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = {inputs[0]->shape[0], g->out_channels};
    for (size_t i = 0; i < g->rank; ++i)
        outputs[0].shape.push_back(g->out[3 - g->rank + i]);
    return Ok{};
}

Status run_conv_transpose(const Node& node,
                          std::span<const Tensor* const> inputs,
                          std::span<Tensor> outputs)
{
    const Tensor& X = *inputs[0];
    const Tensor& W = *inputs[1];
    const Tensor* B = opt_input(inputs, 2);
    Tensor& Y = outputs[0];
    const TransposeGeometry g = transpose_geometry(node, X.shape, W.shape).value();
    const int64_t N = X.shape[0], C = X.shape[1], M = g.out_channels;
    const int64_t Cg = C / g.group, Mg = M / g.group;
    const int64_t IS = g.in[0] * g.in[1] * g.in[2];
    const int64_t OS = g.out[0] * g.out[1] * g.out[2];
    const int64_t KS = g.k[0] * g.k[1] * g.k[2];
    const float* x = X.as<float>().data();
    const float* wt = W.as<float>().data();
    float* y = Y.as<float>().data();  // zeroed
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
        {
            const int64_t grp = c / Cg;
            const float* xp = x + (n * C + c) * IS;
            for (int64_t m = 0; m < Mg; ++m)
            {
                const float* wp = wt + (c * Mg + m) * KS;
                float* yp = y + (n * M + grp * Mg + m) * OS;
                for (int64_t id = 0; id < g.in[0]; ++id)
                    for (int64_t ih = 0; ih < g.in[1]; ++ih)
                        for (int64_t iw = 0; iw < g.in[2]; ++iw)
                        {
                            const float xv = xp[(id * g.in[1] + ih) * g.in[2] + iw];
                            for (int64_t kd = 0; kd < g.k[0]; ++kd)
                            {
                                const int64_t od = id * g.stride[0] + kd * g.dil[0] - g.pad[0];
                                if (od < 0 || od >= g.out[0])
                                    continue;
                                for (int64_t kh = 0; kh < g.k[1]; ++kh)
                                {
                                    const int64_t oh = ih * g.stride[1] + kh * g.dil[1] - g.pad[1];
                                    if (oh < 0 || oh >= g.out[1])
                                        continue;
                                    const float* wr = wp + (kd * g.k[1] + kh) * g.k[2];
                                    float* yr = yp + (od * g.out[1] + oh) * g.out[2];
                                    for (int64_t kw = 0; kw < g.k[2]; ++kw)
                                    {
                                        const int64_t ow =
                                            iw * g.stride[2] + kw * g.dil[2] - g.pad[2];
                                        if (ow >= 0 && ow < g.out[2])
                                            yr[ow] += xv * wr[kw];
                                    }
                                }
                            }
                        }
            }
        }
    if (B)
    {
        const float* bias = B->as<float>().data();
        for (int64_t n = 0; n < N; ++n)
            for (int64_t m = 0; m < M; ++m)
                for (int64_t i = 0; i < OS; ++i)
                    y[(n * M + m) * OS + i] = y[(n * M + m) * OS + i] + bias[m];
    }
    canonicalize_nans(Y);
    return Ok{};
}

OpCost cost_conv_transpose(const Node&,
                           std::span<const ValueInfo* const> inputs,
                           std::span<const ValueInfo> outputs)
{
    // Every input element meets every tap of every output channel of its group: X's elements
    // times W's elements per input channel.
    const auto& ws = inputs[1]->shape;
    uint64_t per_in = 1;
    for (size_t d = 1; d < ws.size(); ++d)
        per_in = sat_mul(per_in, static_cast<uint64_t>(ws[d]));
    OpCost c;
    c.macs = sat_mul(static_cast<uint64_t>(inputs[0]->elements()), per_in);
    for (const auto* in : inputs)
        if (in)
            c.elements += static_cast<uint64_t>(in->elements());
    c.elements += static_cast<uint64_t>(outputs[0].elements());
    return c;
}

}  // namespace tern::ml
