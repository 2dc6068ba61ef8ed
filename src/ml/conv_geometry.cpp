#include "ml/conv_geometry.hpp"

namespace tern::ml {
namespace {

// Attribute values above this are refused (keeps index arithmetic far from overflow).
constexpr int64_t kMaxAttr = int64_t{1} << 24;

}  // namespace

std::vector<int64_t> ConvGeometry::output_shape() const
{
    std::vector<int64_t> s{batch, out_channels};
    s.insert(s.end(), out_spatial.begin(), out_spatial.end());
    return s;
}

Status spatial_geometry(const Node& node,
                        std::span<const int64_t> in_spatial,
                        std::span<const int64_t> kernel,
                        ConvGeometry& g)
{
    const size_t r = in_spatial.size();
    auto list = [&](std::string_view name, int64_t def, size_t n) {
        auto v = node.attr_ints(name);
        return v ? *v : std::vector<int64_t>(n, def);
    };
    g.in_spatial.assign(in_spatial.begin(), in_spatial.end());
    g.kernel.assign(kernel.begin(), kernel.end());
    g.strides = list("strides", 1, r);
    g.dilations = list("dilations", 1, r);
    const auto pads = list("pads", 0, 2 * r);
    if (g.strides.size() != r || g.dilations.size() != r || pads.size() != 2 * r)
        return node_error(node, "strides/dilations/pads length does not match the rank");
    const auto auto_pad = node.attr_string("auto_pad", "NOTSET");
    g.pads_begin.assign(r, 0);
    g.pads_end.assign(r, 0);
    g.out_spatial.assign(r, 0);
    for (size_t i = 0; i < r; ++i)
    {
        const int64_t s = g.strides[i];
        const int64_t d = g.dilations[i];
        const int64_t k = g.kernel[i];
        if (s < 1 || s > kMaxAttr || d < 1 || d > kMaxAttr || k < 1 || k > kMaxAttr ||
            pads[i] < 0 || pads[i] > kMaxAttr || pads[i + r] < 0 || pads[i + r] > kMaxAttr)
            return node_error(node, "kernel/strides/dilations/pads out of range");
        const int64_t dk = (k - 1) * d + 1;
        const int64_t in = in_spatial[i];
        int64_t out = 0;
        if (auto_pad == "NOTSET")
        {
            g.pads_begin[i] = pads[i];
            g.pads_end[i] = pads[i + r];
            const int64_t span = in + pads[i] + pads[i + r] - dk;
            out = span < 0 ? 0 : span / s + 1;
        }
        else if (auto_pad == "VALID")
            out = in >= dk ? (in - dk) / s + 1 : 0;
        else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER")
        {
            out = (in + s - 1) / s;
            const int64_t total = std::max<int64_t>(0, (out - 1) * s + dk - in);
            const int64_t small = total / 2;
            g.pads_begin[i] = auto_pad == "SAME_UPPER" ? small : total - small;
            g.pads_end[i] = total - g.pads_begin[i];
        }
        else
            return node_error(node, "unsupported auto_pad " + auto_pad);
        if (out < 1)
            return node_error(node, "kernel larger than the padded input");
        g.out_spatial[i] = out;
    }
    return Ok{};
}

Result<ConvGeometry, std::string> conv_geometry(const Node& node,
                                                std::span<const int64_t> x,
                                                std::span<const int64_t> w)
{
    if (x.size() < 3 || x.size() > 5 || w.size() != x.size())
        return node_error(node, "x and w must have the same rank, 3 to 5").error();
    ConvGeometry g;
    g.batch = x[0];
    g.in_channels = x[1];
    g.out_channels = w[0];
    g.group = node.attr_int("group", 1);
    if (g.group < 1 || g.group > kMaxAttr || g.in_channels != w[1] * g.group ||
        g.out_channels % g.group != 0)
        return node_error(node, "channels do not match group").error();
    if (auto ks = node.attr_ints("kernel_shape"))
        if (!std::equal(ks->begin(), ks->end(), w.begin() + 2, w.end()) ||
            ks->size() != w.size() - 2)
            return node_error(node, "kernel_shape does not match the weights").error();
    if (auto st = spatial_geometry(node, x.subspan(2), w.subspan(2), g); !st)
        return st.error();
    return g;
}

}  // namespace tern::ml
