// Float Conv, MaxPool, AveragePool and GlobalAveragePool over 1 to 3 spatial dims (see
// ops_float.hpp for the determinism rules). 1-D and 2-D inputs run as 3-D with leading
// spatial dims of 1.

#include "ml/conv_geometry.hpp"
#include "ml/ops_float.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace tern::ml {
namespace {

constexpr size_t kMaxSpatial = 3;

/// Sliding-window geometry, padded to 3 spatial dims (leading dims of size 1).
struct Window
{
    size_t spatial = 0;
    std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, stride{1, 1, 1}, dil{1, 1, 1},
        pad{0, 0, 0}, pad_end{0, 0, 0};

    int64_t in_size() const { return in[0] * in[1] * in[2]; }
    int64_t out_size() const { return out[0] * out[1] * out[2]; }
    int64_t k_size() const { return k[0] * k[1] * k[2]; }
};

/// The 3-D window of a validated ConvGeometry (conv_geometry.hpp).
Window to_window(const ConvGeometry& g)
{
    Window w;
    w.spatial = g.in_spatial.size();
    const size_t off = kMaxSpatial - w.spatial;
    for (size_t d = 0; d < w.spatial; ++d)
    {
        w.in[off + d] = g.in_spatial[d];
        w.out[off + d] = g.out_spatial[d];
        w.k[off + d] = g.kernel[d];
        w.stride[off + d] = g.strides[d];
        w.dil[off + d] = g.dilations[d];
        w.pad[off + d] = g.pads_begin[d];
        w.pad_end[off + d] = g.pads_end[d];
    }
    return w;
}

/// Geometry of a MaxPool/AveragePool node on X of shape (N, C, spatial...): Conv's rules plus
/// ceil_mode (the last window may hang over the end, but never start in the end padding)
/// and pads smaller than the (dilated) kernel.
Result<Window, std::string> pool_geometry(const Node& node, std::span<const int64_t> x)
{
    if (x.size() < 3 || x.size() > 2 + kMaxSpatial)
        return node_error(node, "input must be (N, C, D1[, D2[, D3]]), got " + shape_string(x))
            .error();
    const auto kernel = node.attr_ints("kernel_shape");
    if (!kernel || kernel->size() != x.size() - 2)
        return node_error(node, "kernel_shape must have one value per spatial dim").error();
    ConvGeometry g;
    if (auto st = spatial_geometry(node, x.subspan(2), *kernel, g); !st)
        return st.error();
    const bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
    const bool explicit_pads = node.attr_string("auto_pad", "NOTSET") == "NOTSET";
    for (size_t d = 0; d < g.kernel.size(); ++d)
    {
        const int64_t eff = (g.kernel[d] - 1) * g.dilations[d] + 1;
        if (g.pads_begin[d] >= eff || g.pads_end[d] >= eff)
            return node_error(node, "pads must be smaller than the kernel").error();
        if (ceil_mode && explicit_pads)
        {
            const int64_t span = g.in_spatial[d] + g.pads_begin[d] + g.pads_end[d] - eff;
            const int64_t st = g.strides[d];
            int64_t out = (span + st - 1) / st + 1;
            if ((out - 1) * st >= g.in_spatial[d] + g.pads_begin[d])
                --out;
            g.out_spatial[d] = out;
        }
    }
    return to_window(g);
}

/// The first and one-past-last output index whose window tap `t` (input index o * stride +
/// t * dil - pad) lands inside [0, in).
std::pair<int64_t, int64_t> valid_range(const Window& w, size_t d, int64_t t)
{
    const int64_t base = t * w.dil[d] - w.pad[d];  // input index at output 0
    // o * stride + base >= 0  <=>  o >= ceil(-base / stride)
    int64_t lo = base >= 0 ? 0 : (-base + w.stride[d] - 1) / w.stride[d];
    // o * stride + base <= in - 1  <=>  o <= floor((in - 1 - base) / stride)
    const int64_t top = w.in[d] - 1 - base;
    int64_t hi = top < 0 ? 0 : top / w.stride[d] + 1;
    lo = std::min(lo, w.out[d]);
    hi = std::clamp(hi, lo, w.out[d]);
    return {lo, hi};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Conv: Y[n, m, o] = sum over (c in m's group, kernel offset t) in that order of
// W[m, c, t] * X[n, c, o * stride + t * dilation - pad] (taps in the padding contribute
// nothing), then + B[m]. Direct loops with the output row innermost (vectorizable, order kept).

Status infer_conv(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs, 2); !st)
        return st;
    auto g = conv_geometry(node, inputs[0]->shape, inputs[1]->shape);
    if (!g)
        return g.error();
    if (const auto* b = opt_input(inputs, 2))
    {
        if (b->dtype != DType::FLOAT || b->shape != std::vector<int64_t>{g->out_channels})
            return node_error(node,
                              "B must be float of shape [" + std::to_string(g->out_channels) + "]");
    }
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = g->output_shape();
    return Ok{};
}

namespace {

/// Output positions per im2col tile (bounds the column buffer to C/group x kernel x 256).
constexpr int64_t kConvTile = 256;

/// True when no weight is inf or NaN (the GEMM path needs it: see conv_gemm).
bool all_finite(const float* v, int64_t n)
{
    for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(v[i]))
            return false;
    return true;
}

/// col[(c, kd, kh, kw)][p] = the input tap of output position p0 + p (0 in the padding), for
/// the Cg channels of one group starting at xg.
void im2col_tile(const Window& w,
                 const std::array<std::vector<std::pair<int64_t, int64_t>>, 3>& ranges,
                 const float* xg,
                 int64_t Cg,
                 int64_t p0,
                 int64_t t,
                 float* col)
{
    const int64_t IS = w.in_size();
    const int64_t O2 = w.out[2];
    const int64_t O12 = w.out[1] * w.out[2];
    float* cp = col;
    for (int64_t c = 0; c < Cg; ++c)
    {
        const float* xc = xg + c * IS;
        for (int64_t kd = 0; kd < w.k[0]; ++kd)
            for (int64_t kh = 0; kh < w.k[1]; ++kh)
                for (int64_t kw = 0; kw < w.k[2]; ++kw, cp += t)
                {
                    const auto [d0, d1] = ranges[0][static_cast<size_t>(kd)];
                    const auto [h0, h1] = ranges[1][static_cast<size_t>(kh)];
                    const auto [w0, w1] = ranges[2][static_cast<size_t>(kw)];
                    const int64_t wb = kw * w.dil[2] - w.pad[2];
                    // Output position p0 as (od, oh, ow0), then advanced row by row (no
                    // divisions per row).
                    int64_t od = p0 / O12;
                    int64_t oh = (p0 / O2) % w.out[1];
                    int64_t ow0 = p0 % O2;
                    for (int64_t p = 0; p < t;
                         ow0 = 0, oh = oh + 1 == w.out[1] ? 0 : oh + 1, od = oh == 0 ? od + 1 : od)
                    {
                        // One output row's run of positions inside the tile.
                        const int64_t len = std::min(t - p, O2 - ow0);
                        float* dst = cp + p;
                        p += len;
                        if (od < d0 || od >= d1 || oh < h0 || oh >= h1)
                        {
                            std::fill(dst, dst + len, 0.0f);
                            continue;
                        }
                        const int64_t id = od * w.stride[0] + kd * w.dil[0] - w.pad[0];
                        const int64_t ih = oh * w.stride[1] + kh * w.dil[1] - w.pad[1];
                        const float* xr = xc + (id * w.in[1] + ih) * w.in[2] + wb;
                        const int64_t a = std::clamp(w0, ow0, ow0 + len);
                        const int64_t b = std::clamp(w1, a, ow0 + len);
                        std::fill(dst, dst + (a - ow0), 0.0f);
                        if (w.stride[2] == 1)
                            std::copy(xr + a, xr + b, dst + (a - ow0));
                        else
                            for (int64_t ow = a; ow < b; ++ow)
                                dst[ow - ow0] = xr[ow * w.stride[2]];
                        std::fill(dst + (b - ow0), dst + len, 0.0f);
                    }
                }
    }
}

/// Conv as GEMMs (sgemm_ldc) over tiles of output positions: W's rows (Mg x Cg * kernel) times
/// the im2col tile give each output the sum over (c, kd, kh, kw) in the direct loop's order,
/// starting from +0. A padding tap adds w * 0 = +-0 to a sum that is never -0 (it starts at
/// +0), which changes nothing unless w is inf or NaN; so the caller checks the weights are
/// finite, and the bits equal the direct loop's.
void conv_gemm(const Window& w,
               const std::array<std::vector<std::pair<int64_t, int64_t>>, 3>& ranges,
               int64_t N,
               int64_t C,
               int64_t M,
               int64_t group,
               const float* x,
               const float* wt,
               float* y)
{
    const int64_t Cg = C / group;
    const int64_t Mg = M / group;
    const int64_t KK = Cg * w.k_size();
    const int64_t IS = w.in_size();
    const int64_t OS = w.out_size();
    const int64_t tile = std::min(kConvTile, OS);
    std::vector<float> col(static_cast<size_t>(KK * tile));
    for (int64_t n = 0; n < N; ++n)
        for (int64_t g = 0; g < group; ++g)
            for (int64_t p0 = 0; p0 < OS; p0 += tile)
            {
                const int64_t t = std::min(tile, OS - p0);
                im2col_tile(w, ranges, x + (n * C + g * Cg) * IS, Cg, p0, t, col.data());
                sgemm_ldc(Mg, t, KK, wt + g * Mg * KK, KK, 1, col.data(), t, 1,
                          y + (n * M + g * Mg) * OS + p0, OS);
            }
}

}  // namespace

Status run_conv(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    const Tensor& X = *inputs[0];
    const Tensor& W = *inputs[1];
    const Tensor* B = opt_input(inputs, 2);
    Tensor& Y = outputs[0];
    if (Y.elements() == 0)
        return Ok{};
    const ConvGeometry g = conv_geometry(node, X.shape, W.shape).value();
    const Window w = to_window(g);
    const int64_t group = g.group;
    const int64_t N = X.shape[0];
    const int64_t C = X.shape[1];
    const int64_t M = W.shape[0];
    const int64_t Cg = C / group;
    const int64_t Mg = M / group;
    const int64_t IS = w.in_size();
    const int64_t OS = w.out_size();
    const int64_t KS = w.k_size();
    const float* x = X.as<float>().data();
    const float* wt = W.as<float>().data();
    const float* bias = B ? B->as<float>().data() : nullptr;
    float* y = Y.as<float>().data();
    // Valid output ranges per tap, per dim (independent of channels).
    std::array<std::vector<std::pair<int64_t, int64_t>>, 3> ranges;
    for (size_t d = 0; d < 3; ++d)
        for (int64_t t = 0; t < w.k[d]; ++t)
            ranges[d].push_back(valid_range(w, d, t));
    if (KS > 0 && Cg > 0 && all_finite(wt, W.elements()))
    {
        conv_gemm(w, ranges, N, C, M, group, x, wt, y);
        if (bias)
            for (int64_t n = 0; n < N; ++n)
                for (int64_t m = 0; m < M; ++m)
                {
                    float* yp = y + (n * M + m) * OS;
                    for (int64_t i = 0; i < OS; ++i)
                        yp[i] = yp[i] + bias[m];
                }
        canonicalize_nans(Y);
        return Ok{};
    }
    for (int64_t n = 0; n < N; ++n)
        for (int64_t m = 0; m < M; ++m)
        {
            const int64_t g = m / Mg;
            float* yp = y + (n * M + m) * OS;
            std::fill(yp, yp + OS, 0.0f);
            for (int64_t cg = 0; cg < Cg; ++cg)
            {
                const float* xp = x + (n * C + g * Cg + cg) * IS;
                const float* wp = wt + (m * Cg + cg) * KS;
                for (int64_t kd = 0; kd < w.k[0]; ++kd)
                    for (int64_t kh = 0; kh < w.k[1]; ++kh)
                        for (int64_t kw = 0; kw < w.k[2]; ++kw)
                        {
                            const float wv = wp[(kd * w.k[1] + kh) * w.k[2] + kw];
                            const auto [d0, d1] = ranges[0][static_cast<size_t>(kd)];
                            const auto [h0, h1] = ranges[1][static_cast<size_t>(kh)];
                            const auto [w0, w1] = ranges[2][static_cast<size_t>(kw)];
                            const int64_t wb = kw * w.dil[2] - w.pad[2];
                            for (int64_t od = d0; od < d1; ++od)
                            {
                                const int64_t id = od * w.stride[0] + kd * w.dil[0] - w.pad[0];
                                for (int64_t oh = h0; oh < h1; ++oh)
                                {
                                    const int64_t ih = oh * w.stride[1] + kh * w.dil[1] - w.pad[1];
                                    const float* xr = xp + (id * w.in[1] + ih) * w.in[2] + wb;
                                    float* yr = yp + (od * w.out[1] + oh) * w.out[2];
                                    if (w.stride[2] == 1)
                                        for (int64_t ow = w0; ow < w1; ++ow)
                                            yr[ow] += wv * xr[ow];
                                    else
                                        for (int64_t ow = w0; ow < w1; ++ow)
                                            yr[ow] += wv * xr[ow * w.stride[2]];
                                }
                            }
                        }
            }
            if (bias)
                for (int64_t i = 0; i < OS; ++i)
                    yp[i] = yp[i] + bias[m];
        }
    canonicalize_nans(Y);
    return Ok{};
}

OpCost cost_conv(const Node&,
                 std::span<const ValueInfo* const> inputs,
                 std::span<const ValueInfo> outputs)
{
    const auto& ws = inputs[1]->shape;
    uint64_t per_out = 1;  // taps per output: C/group * kernel size = W's elements / M
    for (size_t d = 1; d < ws.size(); ++d)
        per_out = sat_mul(per_out, static_cast<uint64_t>(ws[d]));
    OpCost c;
    const uint64_t macs = sat_mul(static_cast<uint64_t>(outputs[0].elements()), per_out);
    // The GEMM path runs when the weights are finite (run_conv); weights known only at run time
    // may take the direct loops, and are priced as them.
    const auto* w = inputs[1]->value.get();
    if (w && all_finite(w->as<float>().data(), w->elements()))
        c.gemm_macs = macs;
    else
        c.macs = macs;
    for (const auto* in : inputs)
        if (in)
            c.elements += static_cast<uint64_t>(in->elements());
    c.elements += static_cast<uint64_t>(outputs[0].elements());
    return c;
}

// ---------------------------------------------------------------------------------------
// MaxPool / AveragePool: windows walked in row-major tap order; taps outside the input are
// skipped. MaxPool keeps the first maximum (strict >), its optional Indices output is the
// flat index into X (storage_order 0: row-major; 1: spatial dims column-major). AveragePool
// sums in double and divides by the taps inside the input (count_include_pad 0) or inside
// the padded input (1), rounding once.

Status infer_pool(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs)
{
    const auto* x = opt_input(inputs, 0);
    const bool int8_max =
        x && node.op_type == "MaxPool" && (x->dtype == DType::INT8 || x->dtype == DType::UINT8);
    if (!int8_max)
        if (auto st = require_float(node, inputs); !st)
            return st;
    const auto& xs = inputs[0]->shape;
    auto w = pool_geometry(node, xs);
    if (!w)
        return w.error();
    const int64_t order = node.attr_int("storage_order", 0);
    if (order != 0 && order != 1)
        return node_error(node, "storage_order must be 0 or 1");
    std::vector<int64_t> shape = {xs[0], xs[1]};
    for (size_t d = 0; d < w->spatial; ++d)
        shape.push_back(w->out[kMaxSpatial - w->spatial + d]);
    outputs[0].dtype = x->dtype;
    outputs[0].shape = shape;
    if (outputs.size() > 1)
    {
        outputs[1].dtype = DType::INT64;
        outputs[1].shape = shape;
    }
    return Ok{};
}

namespace {

/// Walks every (n, c) plane and output position in order, handing `visit` the input plane
/// offset, the output index and the window origin (input index of tap 0, per dim).
template <typename F>
void for_each_window(const Window& w, int64_t planes, F visit)
{
    const int64_t IS = w.in_size();
    int64_t oi = 0;
    for (int64_t p = 0; p < planes; ++p)
        for (int64_t od = 0; od < w.out[0]; ++od)
            for (int64_t oh = 0; oh < w.out[1]; ++oh)
                for (int64_t ow = 0; ow < w.out[2]; ++ow, ++oi)
                    visit(p * IS, oi,
                          std::array<int64_t, 3>{od * w.stride[0] - w.pad[0],
                                                 oh * w.stride[1] - w.pad[1],
                                                 ow * w.stride[2] - w.pad[2]});
}

/// Calls tap(id, ih, iw) for every tap of the window at origin `o` that lies inside the
/// input, in row-major tap order.
template <typename F>
void for_each_tap(const Window& w, const std::array<int64_t, 3>& o, F tap)
{
    for (int64_t a = 0; a < w.k[0]; ++a)
    {
        const int64_t id = o[0] + a * w.dil[0];
        if (id < 0 || id >= w.in[0])
            continue;
        for (int64_t b = 0; b < w.k[1]; ++b)
        {
            const int64_t ih = o[1] + b * w.dil[1];
            if (ih < 0 || ih >= w.in[1])
                continue;
            for (int64_t c = 0; c < w.k[2]; ++c)
            {
                const int64_t iw = o[2] + c * w.dil[2];
                if (iw >= 0 && iw < w.in[2])
                    tap(id, ih, iw);
            }
        }
    }
}

Window pool_window(const Node& node, const Tensor& X)
{
    return pool_geometry(node, X.shape).value();
}

}  // namespace

template <typename T>
void maxpool_typed(const Node& node, const Tensor& X, std::span<Tensor> outputs)
{
    const Window w = pool_window(node, X);
    const bool col_major = node.attr_int("storage_order", 0) == 1;
    const T* x = X.as<T>().data();
    T* y = outputs[0].as<T>().data();
    int64_t* idx =
        outputs.size() > 1 && !outputs[1].data.empty() ? outputs[1].as<int64_t>().data() : nullptr;
    for_each_window(w, X.shape[0] * X.shape[1], [&](int64_t base, int64_t oi, auto o) {
        T best = std::numeric_limits<T>::lowest();
        int64_t best_at = -1;
        for_each_tap(w, o, [&](int64_t id, int64_t ih, int64_t iw) {
            const int64_t at = (id * w.in[1] + ih) * w.in[2] + iw;
            const T v = x[base + at];
            if (v > best || best_at < 0)
            {
                best = v;
                best_at = col_major ? id + ih * w.in[0] + iw * w.in[0] * w.in[1] : at;
            }
        });
        y[oi] = best;
        if (idx)
            idx[oi] = best_at < 0 ? -1 : base + best_at;
    });
}

Status run_maxpool(const Node& node,
                   std::span<const Tensor* const> inputs,
                   std::span<Tensor> outputs)
{
    const Tensor& X = *inputs[0];
    if (outputs[0].elements() == 0)
        return Ok{};
    switch (X.dtype)
    {
        case DType::FLOAT:
            maxpool_typed<float>(node, X, outputs);
            canonicalize_nans(outputs[0]);
            return Ok{};
        case DType::INT8:
            maxpool_typed<int8_t>(node, X, outputs);
            return Ok{};
        case DType::UINT8:
            maxpool_typed<uint8_t>(node, X, outputs);
            return Ok{};
        default:
            return node_error(node, "unsupported dtype");
    }
}

Status run_averagepool(const Node& node,
                       std::span<const Tensor* const> inputs,
                       std::span<Tensor> outputs)
{
    const Tensor& X = *inputs[0];
    if (outputs[0].elements() == 0)
        return Ok{};
    const Window w = pool_window(node, X);
    const bool include_pad = node.attr_int("count_include_pad", 0) != 0;
    const float* x = X.as<float>().data();
    float* y = outputs[0].as<float>().data();
    for_each_window(w, X.shape[0] * X.shape[1], [&](int64_t base, int64_t oi, auto o) {
        double sum = 0;
        int64_t inside = 0;
        std::array<int64_t, 3> padded{0, 0, 0};  // taps inside the padded input, per dim
        for (size_t d = 0; d < 3; ++d)
            for (int64_t t = 0; t < w.k[d]; ++t)
            {
                const int64_t i = o[d] + t * w.dil[d];
                padded[d] += i >= -w.pad[d] && i < w.in[d] + w.pad_end[d];
            }
        for_each_tap(w, o, [&](int64_t id, int64_t ih, int64_t iw) {
            sum += x[base + (id * w.in[1] + ih) * w.in[2] + iw];
            ++inside;
        });
        const int64_t count = include_pad ? padded[0] * padded[1] * padded[2] : inside;
        y[oi] = static_cast<float>(sum / static_cast<double>(count));
    });
    canonicalize_nans(outputs[0]);
    return Ok{};
}

OpCost cost_pool(const Node& node,
                 std::span<const ValueInfo* const> inputs,
                 std::span<const ValueInfo> outputs)
{
    uint64_t taps = 1;
    if (auto k = node.attr_ints("kernel_shape"))
        for (auto d : *k)
            taps = sat_mul(taps, static_cast<uint64_t>(d));
    OpCost c;
    c.macs = sat_mul(static_cast<uint64_t>(outputs[0].elements()), taps);
    c.elements = static_cast<uint64_t>(inputs[0]->elements());
    for (const auto& o : outputs)
        c.elements += static_cast<uint64_t>(o.elements());
    return c;
}

// ---------------------------------------------------------------------------------------
// GlobalAveragePool / GlobalMaxPool: mean (summed in double in index order) or max of each
// (n, c) plane.

Status infer_global_pool(const Node& node,
                         std::span<const ValueInfo* const> inputs,
                         std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs); !st)
        return st;
    const auto& xs = inputs[0]->shape;
    if (xs.size() < 3)
        return node_error(node, "input must be (N, C, D1, ...), got " + shape_string(xs));
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = xs;
    std::fill(outputs[0].shape.begin() + 2, outputs[0].shape.end(), 1);
    return Ok{};
}

namespace {

/// y[p] = reduce(plane p of X, plane size) for every (n, c) plane.
template <typename F>
Status run_global(std::span<const Tensor* const> inputs, std::span<Tensor> outputs, F reduce)
{
    const Tensor& X = *inputs[0];
    const int64_t planes = X.shape[0] * X.shape[1];
    if (planes == 0)
        return Ok{};
    const int64_t n = X.elements() / planes;
    const float* x = X.as<float>().data();
    float* y = outputs[0].as<float>().data();
    for (int64_t p = 0; p < planes; ++p)
        y[p] = reduce(x + p * n, n);
    canonicalize_nans(outputs[0]);
    return Ok{};
}

}  // namespace

Status run_global_averagepool(const Node&,
                              std::span<const Tensor* const> inputs,
                              std::span<Tensor> outputs)
{
    return run_global(inputs, outputs, [](const float* v, int64_t n) {
        double sum = 0;
        for (int64_t i = 0; i < n; ++i)
            sum += v[i];
        return static_cast<float>(sum / static_cast<double>(n));
    });
}

// GlobalMaxPool: max of each plane in index order; a NaN wins.
Status run_global_maxpool(const Node&,
                          std::span<const Tensor* const> inputs,
                          std::span<Tensor> outputs)
{
    return run_global(inputs, outputs, [](const float* v, int64_t n) {
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < n && m == m; ++i)
            m = v[i] > m || v[i] != v[i] ? v[i] : m;
        return m;
    });
}

}  // namespace tern::ml
