// Resize (float), as PyTorch exports nn.Upsample / F.interpolate: nearest (all four
// nearest_mode roundings), n-linear and n-cubic (cubic_coeff_a, exclude_outside; up to three
// resized axes), with the half_pixel, half_pixel_symmetric, pytorch_half_pixel,
// align_corners, asymmetric and tf_half_pixel_for_nn coordinate modes, the axes attribute and
// keep_aspect_ratio_policy (opset 18). Scales or sizes must be known at plan time.
// Coordinates and weights are computed in double from the integer positions and the scale;
// the interpolation sums the taps of every axis (a tensor product) in a fixed order in double
// and rounds once to float: the same bits on every build. Antialias and tf_crop_and_resize
// are refused.

#include "ml/ops_float.hpp"

#include <algorithm>
#include <cmath>

namespace tern::ml {

namespace {

enum class Coord : uint8_t
{
    HalfPixel,
    HalfPixelSymmetric,
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

enum class Mode : uint8_t
{
    Nearest,
    Linear,
    Cubic,
};

struct ResizePlan
{
    Mode mode = Mode::Nearest;
    bool linear = false;  ///< linear or cubic (interpolating) mode
    double cubic_a = -0.75;
    bool exclude_outside = false;
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
    if (mode != "nearest" && mode != "linear" && mode != "cubic")
        return node_error(node, "unsupported mode " + mode + " (nearest, linear, cubic)").error();
    p.mode = mode == "linear" ? Mode::Linear : mode == "cubic" ? Mode::Cubic : Mode::Nearest;
    p.linear = p.mode != Mode::Nearest;
    p.cubic_a = node.attr_float("cubic_coeff_a", -0.75f);
    p.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
    const std::string coord = node.attr_string("coordinate_transformation_mode",
                                               node.opset < 11 ? "asymmetric" : "half_pixel");
    if (coord == "half_pixel")
        p.coord = Coord::HalfPixel;
    else if (coord == "half_pixel_symmetric")
        p.coord = Coord::HalfPixelSymmetric;
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
    if (node.attr_int("antialias", 0) != 0)
        return node_error(node, "unsupported antialias").error();
    const std::string policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
        return node_error(node, "unsupported keep_aspect_ratio_policy " + policy).error();
    // axes (opset 18): scales and sizes name only these dims; the others keep their size.
    std::vector<size_t> axes;
    if (auto a = node.attr_ints("axes"))
    {
        std::vector<bool> seen(x.size(), false);
        for (auto v : *a)
        {
            const auto ax = normalize_axis(v, x.size());
            if (!ax || seen[*ax])
                return node_error(node, "axes out of range or repeated").error();
            seen[*ax] = true;
            axes.push_back(*ax);
        }
    }
    else
        for (size_t i = 0; i < x.size(); ++i)
            axes.push_back(i);

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
        const auto sizes = to_int64s(*sizes_in->value);
        if (sizes.size() != axes.size())
            return node_error(node, "sizes must have one value per resized dim").error();
        p.out = x;
        p.scale.assign(x.size(), 1.0);
        p.length.assign(x.size(), 0.0);
        for (size_t i = 0; i < x.size(); ++i)
            p.length[i] = static_cast<double>(x[i]);
        for (size_t k = 0; k < axes.size(); ++k)
        {
            const size_t i = axes[k];
            if (sizes[k] < 1 || x[i] < 1 || sizes[k] > (int64_t{1} << 26))
                return node_error(node, "sizes out of range").error();
            p.out[i] = sizes[k];
            p.scale[i] = static_cast<double>(sizes[k]) / static_cast<double>(x[i]);
            p.length[i] = static_cast<double>(sizes[k]);
        }
        if (policy != "stretch")
        {
            // One scale for every resized dim: the smallest (not_larger) or largest
            // (not_smaller) ratio; sizes round half up.
            double scale = p.scale[axes[0]];
            for (auto i : axes)
                scale = policy == "not_larger" ? std::min(scale, p.scale[i])
                                               : std::max(scale, p.scale[i]);
            for (auto i : axes)
            {
                const int64_t o =
                    static_cast<int64_t>(std::floor(scale * static_cast<double>(x[i]) + 0.5));
                if (o < 1 || o > (int64_t{1} << 26))
                    return node_error(node, "sizes out of range").error();
                p.out[i] = o;
                p.scale[i] = scale;
                p.length[i] = static_cast<double>(o);
            }
        }
    }
    else if (*scales)
    {
        if ((*scales)->size() != axes.size())
            return node_error(node, "scales must have one value per resized dim").error();
        std::vector<double> full(x.size(), 1.0);
        for (size_t k = 0; k < axes.size(); ++k)
            full[axes[k]] = (**scales)[k];
        for (size_t i = 0; i < x.size(); ++i)
        {
            const double s = full[i];
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
            return node_error(node, "linear and cubic modes resize at most 3 dims").error();
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
        case Coord::HalfPixelSymmetric:
        {
            // The output's centre on the input's: differs from half_pixel when the output
            // length was rounded down from in x scale.
            const double adjustment = static_cast<double>(p.out[axis]) / len;
            const double offset = static_cast<double>(in) / 2 * (1 - adjustment);
            return offset + (x + 0.5) / s - 0.5;
        }
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

    // Per axis and output position, its taps: (input index, weight), one for nearest, two
    // for linear, four for cubic (fewer where a weight is zero by construction).
    struct Tap
    {
        int64_t index;
        double w;
    };
    std::vector<std::vector<std::vector<Tap>>> taps(rank);
    std::vector<int64_t> in_stride(rank, 1);
    for (size_t a = rank; a-- > 1;)
        in_stride[a - 1] = in_stride[a] * X.shape[a];
    for (size_t a = 0; a < rank; ++a)
    {
        const int64_t in = X.shape[a];
        for (int64_t o = 0; o < p.out[a]; ++o)
        {
            const double c = source_coord(p, a, o, in);
            auto& t = taps[a].emplace_back();
            if (p.mode == Mode::Nearest)
                t.push_back({nearest_index(p, c, in), 1.0});
            else if (p.mode == Mode::Linear)
            {
                const double cc = std::min(std::max(c, 0.0), static_cast<double>(in - 1));
                const int64_t lo = static_cast<int64_t>(std::floor(cc));
                const int64_t hi = std::min(lo + 1, in - 1);
                const double w = cc - static_cast<double>(lo);
                t.push_back({lo, 1.0 - w});
                if (hi != lo)
                    t.push_back({hi, w});
            }
            else
            {
                // ONNX's cubic convolution: taps base-1 .. base+2 around the coordinate (the
                // pixel left of it when it is an integer), edge-clamped; exclude_outside drops
                // the taps outside the input and renormalizes.
                const double fl = std::floor(c);
                const double r = c == fl ? 1.0 : c - fl;
                const int64_t base = static_cast<int64_t>(c - r);
                const double A = p.cubic_a;
                const double u = 1 - r;
                const double w[4] = {
                    ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
                    ((A + 2) * r - (A + 3)) * r * r + 1,
                    ((A + 2) * u - (A + 3)) * u * u + 1,
                    ((A * (u + 1) - 5 * A) * (u + 1) + 8 * A) * (u + 1) - 4 * A,
                };
                double sum = 0;
                for (int k = 0; k < 4; ++k)
                {
                    const int64_t i = base - 1 + k;
                    const bool outside = i < 0 || i >= in;
                    if (p.exclude_outside && outside)
                        continue;
                    sum += w[k];
                }
                for (int k = 0; k < 4; ++k)
                {
                    const int64_t i = base - 1 + k;
                    const bool outside = i < 0 || i >= in;
                    if (p.exclude_outside && outside)
                        continue;
                    t.push_back(
                        {std::clamp<int64_t>(i, 0, in - 1), p.exclude_outside ? w[k] / sum : w[k]});
                }
            }
        }
    }
    std::vector<int64_t> idx(rank, 0);
    std::vector<size_t> pick(rank, 0);
    const int64_t total = Y.elements();
    for (int64_t e = 0; e < total; ++e)
    {
        // Every combination of the axes' taps, axis 0 varying fastest (a fixed order); the
        // weight is the product over the axes in axis order.
        double acc = 0;
        std::fill(pick.begin(), pick.end(), 0);
        while (true)
        {
            double w = 1;
            int64_t off = 0;
            for (size_t a = 0; a < rank; ++a)
            {
                const Tap& t = taps[a][static_cast<size_t>(idx[a])][pick[a]];
                w *= t.w;
                off += t.index * in_stride[a];
            }
            if (w != 0)
                acc += w * static_cast<double>(x[off]);
            size_t a = 0;
            for (; a < rank; ++a)
            {
                if (++pick[a] < taps[a][static_cast<size_t>(idx[a])].size())
                    break;
                pick[a] = 0;
            }
            if (a == rank)
                break;
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
    // Each output element reads up to 2^rank corners in linear mode, 4^rank in cubic.
    const std::string mode = node.attr_string("mode", "nearest");
    OpCost c;
    const uint64_t out = static_cast<uint64_t>(outputs[0].elements());
    const size_t rank = inputs[0]->shape.size();
    c.macs = mode == "linear"  ? sat_mul(out, uint64_t{1} << rank)
             : mode == "cubic" ? sat_mul(out, uint64_t{1} << (2 * rank))
                               : 0;
    c.elements = static_cast<uint64_t>(inputs[0]->elements()) + out;
    return c;
}

}  // namespace tern::ml
