// Resize (float), as PyTorch exports nn.Upsample / F.interpolate: nearest (all four
// nearest_mode roundings) and n-linear (up to three resized axes), with the half_pixel,
// pytorch_half_pixel, align_corners, asymmetric and tf_half_pixel_for_nn coordinate modes.
// Scales or sizes must be known at plan time. Coordinates and weights are computed in double
// from the integer positions and the scale, the interpolation sums corners in a fixed order in
// double and rounds once to float: the same bits on every build.

#include "ml/ops_float.hpp"

#include <cmath>

namespace tern::ml {

namespace {

enum class Coord : uint8_t
{
    HalfPixel,
    PytorchHalfPixel,
    AlignCorners,
    Asymmetric,
    TfHalfPixelForNn,
};

enum class Nearest : uint8_t
{
    RoundPreferFloor,
    RoundPreferCeil,
    Floor,
    Ceil,
};

struct ResizePlan
{
    bool linear = false;
    Coord coord = Coord::HalfPixel;
    Nearest nearest = Nearest::RoundPreferFloor;
    std::vector<int64_t> out;
    std::vector<double> scale;  ///< per axis, out / in when sizes were given
    /// The resized length the coordinate modes use: in x scale (unfloored) for scales, out
    /// for sizes (ONNX's length_resized).
    std::vector<double> length;
};

/// Known float values of input `k` (nullopt: absent or empty, as ONNX allows).
Result<std::optional<std::vector<double>>, std::string> const_floats(const Node& node,
                                                                     const ValueInfo* vi,
                                                                     const char* what)
{
    if (!vi || vi->elements() == 0)
        return std::optional<std::vector<double>>{};
    if (!vi->value)
        return node_error(node, "dynamic shape cannot be bounded (" + std::string(what) +
                                    " must be an initializer or constant)")
            .error();
    if (vi->dtype != DType::FLOAT)
        return node_error(node, std::string(what) + " must be float").error();
    std::vector<double> v;
    for (float f : vi->value->as<float>())
        v.push_back(f);
    return std::optional(std::move(v));
}

Result<ResizePlan, std::string> resize_plan(const Node& node, std::span<const ValueInfo* const> in)
{
    ResizePlan p;
    const auto& x = in[0]->shape;
    const std::string mode = node.attr_string("mode", "nearest");
    if (mode != "nearest" && mode != "linear")
        return node_error(node, "unsupported mode " + mode + " (nearest, linear)").error();
    p.linear = mode == "linear";
    const std::string coord = node.attr_string("coordinate_transformation_mode",
                                               node.opset < 11 ? "asymmetric" : "half_pixel");
    if (coord == "half_pixel")
        p.coord = Coord::HalfPixel;
    else if (coord == "pytorch_half_pixel")
        p.coord = Coord::PytorchHalfPixel;
    else if (coord == "align_corners")
        p.coord = Coord::AlignCorners;
    else if (coord == "asymmetric")
        p.coord = Coord::Asymmetric;
    else if (coord == "tf_half_pixel_for_nn")
        p.coord = Coord::TfHalfPixelForNn;
    else
        return node_error(node, "unsupported coordinate_transformation_mode " + coord).error();
    const std::string nearest = node.attr_string("nearest_mode", "round_prefer_floor");
    if (nearest == "round_prefer_floor")
        p.nearest = Nearest::RoundPreferFloor;
    else if (nearest == "round_prefer_ceil")
        p.nearest = Nearest::RoundPreferCeil;
    else if (nearest == "floor")
        p.nearest = Nearest::Floor;
    else if (nearest == "ceil")
        p.nearest = Nearest::Ceil;
    else
        return node_error(node, "unsupported nearest_mode " + nearest).error();
    if (node.attr_int("antialias", 0) != 0 || node.attr("axes") != nullptr ||
        node.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch")
        return node_error(node, "unsupported antialias, axes or keep_aspect_ratio_policy").error();

    // Opset 10: (X, scales); from 11: (X, roi, scales, sizes).
    const ValueInfo* scales_in = node.opset < 11 ? opt_input(in, 1) : opt_input(in, 2);
    const ValueInfo* sizes_in = node.opset < 11 ? nullptr : opt_input(in, 3);
    auto scales = const_floats(node, scales_in, "scales");
    if (!scales)
        return scales.error();
    if (sizes_in && sizes_in->elements() > 0)
    {
        if (*scales)
            return node_error(node, "give scales or sizes, not both").error();
        if (!sizes_in->value)
            return node_error(node,
                              "dynamic shape cannot be bounded (sizes must be an "
                              "initializer or constant)")
                .error();
        if (sizes_in->dtype != DType::INT64)
            return node_error(node, "sizes must be int64").error();
        p.out = to_int64s(*sizes_in->value);
        if (p.out.size() != x.size())
            return node_error(node, "sizes must have one value per dim").error();
        for (size_t i = 0; i < x.size(); ++i)
        {
            if (p.out[i] < 1 || x[i] < 1 || p.out[i] > (int64_t{1} << 26))
                return node_error(node, "sizes out of range").error();
            p.scale.push_back(static_cast<double>(p.out[i]) / static_cast<double>(x[i]));
            p.length.push_back(static_cast<double>(p.out[i]));
        }
    }
    else if (*scales)
    {
        if ((*scales)->size() != x.size())
            return node_error(node, "scales must have one value per dim").error();
        for (size_t i = 0; i < x.size(); ++i)
        {
            const double s = (**scales)[i];
            if (!(s > 0) || s > 1 << 16)
                return node_error(node, "scales must be positive and at most 65536").error();
            // ONNX: floor(input_dim * scale), computed on the float32 product.
            const int64_t o = static_cast<int64_t>(
                std::floor(static_cast<double>(static_cast<float>(x[i]) * static_cast<float>(s))));
            if (o < 1 || o > (int64_t{1} << 26))
                return node_error(node, "scales give an empty or absurd output").error();
            p.out.push_back(o);
            p.scale.push_back(s);
            p.length.push_back(static_cast<double>(x[i]) * s);
        }
    }
    else
        return node_error(node, "needs scales or sizes").error();
    if (p.linear)
    {
        size_t resized = 0;
        for (size_t i = 0; i < x.size(); ++i)
            resized += p.out[i] != x[i] || p.scale[i] != 1.0;
        if (resized > 3)
            return node_error(node, "linear mode resizes at most 3 dims").error();
    }
    return p;
}

/// The input coordinate of output position `o` on one axis.
double source_coord(const ResizePlan& p, size_t axis, int64_t o, int64_t in)
{
    const double x = static_cast<double>(o);
    const double s = p.scale[axis];
    const double len = p.length[axis];
    switch (p.coord)
    {
        case Coord::HalfPixel:
            return (x + 0.5) / s - 0.5;
        case Coord::PytorchHalfPixel:
            return len > 1 ? (x + 0.5) / s - 0.5 : 0.0;
        case Coord::AlignCorners:
            return len == 1 ? 0.0 : x * static_cast<double>(in - 1) / (len - 1);
        case Coord::Asymmetric:
            return x / s;
        case Coord::TfHalfPixelForNn:
            return (x + 0.5) / s;
    }
    return x;
}

int64_t nearest_index(const ResizePlan& p, double c, int64_t in)
{
    double r = 0;
    switch (p.nearest)
    {
        case Nearest::RoundPreferFloor:
            r = (c - std::floor(c) == 0.5) ? std::floor(c) : std::round(c);
            break;
        case Nearest::RoundPreferCeil:
            r = (c - std::floor(c) == 0.5) ? std::ceil(c) : std::round(c);
            break;
        case Nearest::Floor:
            r = std::floor(c);
            break;
        case Nearest::Ceil:
            r = std::ceil(c);
            break;
    }
    if (r < 0)
        return 0;
    if (r > static_cast<double>(in - 1))
        return in - 1;
    return static_cast<int64_t>(r);
}

}  // namespace

Status infer_resize(const Node& node,
                    std::span<const ValueInfo* const> inputs,
                    std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs, 1); !st)
        return st;
    if (inputs[0]->shape.empty())
        return node_error(node, "X must have at least one dim");
    auto p = resize_plan(node, inputs);
    if (!p)
        return p.error();
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = p->out;
    return Ok{};
}

Status run_resize(const Node& node,
                  std::span<const Tensor* const> inputs,
                  std::span<Tensor> outputs)
{
    // The plan as shape inference made it (scales and sizes are constants).
    const auto known = known_infos(inputs);
    const ResizePlan p = resize_plan(node, known.ptrs).value();
    const Tensor& X = *inputs[0];
    Tensor& Y = outputs[0];
    const size_t rank = X.shape.size();
    const float* x = X.as<float>().data();
    float* y = Y.as<float>().data();

    // Per axis and output position: nearest index, or (low, high, weight of high).
    struct Tap
    {
        int64_t lo, hi;
        double w;
    };
    std::vector<std::vector<Tap>> taps(rank);
    std::vector<int64_t> in_stride(rank, 1);
    for (size_t a = rank; a-- > 1;)
        in_stride[a - 1] = in_stride[a] * X.shape[a];
    for (size_t a = 0; a < rank; ++a)
    {
        const int64_t in = X.shape[a];
        for (int64_t o = 0; o < p.out[a]; ++o)
        {
            const double c = source_coord(p, a, o, in);
            if (!p.linear)
            {
                const int64_t i = nearest_index(p, c, in);
                taps[a].push_back({i, i, 0.0});
                continue;
            }
            const double cc = std::min(std::max(c, 0.0), static_cast<double>(in - 1));
            const int64_t lo = static_cast<int64_t>(std::floor(cc));
            const int64_t hi = std::min(lo + 1, in - 1);
            taps[a].push_back({lo, hi, cc - static_cast<double>(lo)});
        }
    }
    std::vector<int64_t> idx(rank, 0);
    const int64_t total = Y.elements();
    for (int64_t e = 0; e < total; ++e)
    {
        // Corners of the resized axes, in a fixed order (bit a of `corner`: axis a's high tap).
        double acc = 0;
        const size_t corners = p.linear ? size_t{1} << rank : 1;
        for (size_t corner = 0; corner < corners; ++corner)
        {
            double w = 1;
            int64_t off = 0;
            bool skip = false;
            for (size_t a = 0; a < rank && !skip; ++a)
            {
                const Tap& t = taps[a][static_cast<size_t>(idx[a])];
                const bool high = (corner >> a) & 1;
                if (p.linear && t.lo == t.hi && t.w == 0 && high)
                    skip = true;  // an axis that does not interpolate has one corner
                const double wa = p.linear ? (high ? t.w : 1.0 - t.w) : 1.0;
                w *= wa;
                off += (high ? t.hi : t.lo) * in_stride[a];
            }
            if (!skip && w != 0)
                acc += w * static_cast<double>(x[off]);
        }
        y[e] = to_float(acc);
        for (size_t a = rank; a-- > 0;)
        {
            if (++idx[a] < p.out[a])
                break;
            idx[a] = 0;
        }
    }
    canonicalize_nans(Y);
    return Ok{};
}

OpCost cost_resize(const Node& node,
                   std::span<const ValueInfo* const> inputs,
                   std::span<const ValueInfo> outputs)
{
    // Each output element reads up to 2^rank corners in linear mode.
    const bool linear = node.attr_string("mode", "nearest") == "linear";
    OpCost c;
    const uint64_t out = static_cast<uint64_t>(outputs[0].elements());
    c.macs = linear ? sat_mul(out, uint64_t{1} << inputs[0]->shape.size()) : 0;
    c.elements = static_cast<uint64_t>(inputs[0]->elements()) + out;
    return c;
}

}  // namespace tern::ml
