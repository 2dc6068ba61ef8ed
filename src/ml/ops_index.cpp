// Index and generator ops: ConstantOfShape, Range, Trilu, OneHot, CumSum, TopK, NonZero,
// GatherElements, GatherND, ScatterND, ScatterElements (and its opset 9-10 name Scatter),
// DepthToSpace, SpaceToDepth.
// Shapes that depend on values (ConstantOfShape, Range, OneHot depth, TopK k, NonZero) need
// those values at plan time ("dynamic shape cannot be bounded" otherwise). Indices out of range
// are a deterministic run error, like Gather's. Float results are rounded once from double and
// NaNs canonicalized.

#include "ml/op.hpp"
#include "ml/ops_float.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>

namespace tern::ml {
namespace {

using Infos = std::span<const ValueInfo* const>;
using Outs = std::span<ValueInfo>;
using Ins = std::span<const Tensor* const>;
using Results = std::span<Tensor>;

/// Dims above this are refused by infer before any arithmetic can overflow (the caller's
/// element limit is far smaller).
constexpr int64_t kMaxDim = int64_t{1} << 40;

// Known int values of an input, or the standard refusal.
Result<std::vector<int64_t>, std::string> known_ints(const Node& node,
                                                     const ValueInfo* vi,
                                                     std::string_view what)
{
    if (!vi)
        return node_error(node, "missing " + std::string(what)).error();
    if (!vi->value)
        return node_error(node, "dynamic shape cannot be bounded (" + std::string(what) +
                                    " must be an initializer or constant)")
            .error();
    if (vi->dtype != DType::INT64 && vi->dtype != DType::INT32)
        return node_error(node, std::string(what) + " must be int32 or int64").error();
    return to_int64s(*vi->value);
}

bool is_index_type(DType t) noexcept
{
    return t == DType::INT64 || t == DType::INT32;
}

// Element i of a numeric tensor as double (float or integer).
double num_at(const Tensor& t, size_t i) noexcept
{
    if (t.dtype == DType::FLOAT)
        return t.as<float>()[i];
    return static_cast<double>(int_at(t, i));
}

// Product of dims [from, to) of `s`.
int64_t prod(std::span<const int64_t> s, size_t from, size_t to) noexcept
{
    int64_t n = 1;
    for (size_t d = from; d < to; ++d)
        n *= s[d];
    return n;
}

OpCost cost_io(const Node&, Infos in, std::span<const ValueInfo> out)
{
    OpCost c;
    for (const auto* vi : in)
        if (vi)
            c.elements += static_cast<uint64_t>(vi->elements());
    for (const auto& o : out)
        c.elements += static_cast<uint64_t>(o.elements());
    return c;
}

OpCost cost_out(const Node&, Infos, std::span<const ValueInfo> out)
{
    OpCost c;
    for (const auto& o : out)
        c.elements += static_cast<uint64_t>(o.elements());
    return c;
}

// ---- ConstantOfShape

Status infer_constant_of_shape(const Node& node, Infos in, Outs out)
{
    auto shape = known_ints(node, opt_input(in, 0), "shape");
    if (!shape)
        return shape.error();
    if (in[0]->shape.size() != 1)
        return node_error(node, "shape must be 1-D");
    for (auto d : *shape)
        if (d < 0 || d > kMaxDim)
            return node_error(node, "invalid dim " + std::to_string(d) + " in shape");
    if (checked_elements(*shape, kMaxDim) < 0)
        return node_error(node, "shape " + shape_string(*shape) + " too large");
    out[0].dtype = DType::FLOAT;
    if (const auto* a = node.attr("value"))
    {
        if (a->kind != Attribute::Kind::Tensor || !a->t || a->t->elements() != 1)
            return node_error(node, "value must be a one-element tensor");
        out[0].dtype = a->t->dtype;
    }
    out[0].shape = std::move(*shape);
    return Ok{};
}

Status run_constant_of_shape(const Node& node, Ins, Results out)
{
    const auto* a = node.attr("value");
    if (!a)
        return Ok{};  // zeros
    const auto& v = a->t->data;
    const size_t es = v.size();
    const auto n = static_cast<size_t>(out[0].elements());
    for (size_t i = 0; i < n; ++i)
        std::memcpy(out[0].data.data() + i * es, v.data(), es);
    if (out[0].dtype == DType::FLOAT)
        canonicalize_nans(out[0]);
    return Ok{};
}

// ---- Range: output[i] = start + i * delta, count = max(ceil((limit - start) / delta), 0)

Result<int64_t, std::string> range_count(const Node& node, Infos in)
{
    for (size_t k = 0; k < 3; ++k)
    {
        const auto* vi = opt_input(in, k);
        if (!vi)
            return node_error(node, "missing input " + std::to_string(k)).error();
        if (!vi->value)
            return node_error(node,
                              "dynamic shape cannot be bounded (start, limit and delta must be "
                              "initializers or constants)")
                .error();
        if (vi->elements() != 1 || vi->shape.size() > 1)
            return node_error(node, "start, limit and delta must be scalars").error();
        if (vi->dtype != in[0]->dtype)
            return node_error(node, "start, limit and delta differ in type").error();
    }
    const DType t = in[0]->dtype;
    if (t != DType::FLOAT && t != DType::INT32 && t != DType::INT64 && t != DType::INT16)
        return node_error(node, "unsupported type " + std::string(dtype_name(t))).error();
    const double start = num_at(*in[0]->value, 0);
    const double limit = num_at(*in[1]->value, 0);
    const double delta = num_at(*in[2]->value, 0);
    if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
        return node_error(node, "delta must be non-zero and all values finite").error();
    double count = 0;
    if (t == DType::FLOAT)
        count = std::ceil((limit - start) / delta);
    else
    {
        // Exact integer arithmetic (the values fit in int64).
        const auto s = int_at(*in[0]->value, 0);
        const auto l = int_at(*in[1]->value, 0);
        const auto d = int_at(*in[2]->value, 0);
        const double span = static_cast<double>(l) - static_cast<double>(s);
        if (std::fabs(span) > static_cast<double>(kMaxDim))
            return node_error(node, "range too large").error();
        const int64_t diff = l - s;
        int64_t q = diff / d;
        if (diff % d != 0 && ((diff < 0) == (d < 0)))
            ++q;
        count = static_cast<double>(q);
    }
    if (count > static_cast<double>(kMaxDim))
        return node_error(node, "range too large").error();
    return count > 0 ? static_cast<int64_t>(count) : int64_t{0};
}

Status infer_range(const Node& node, Infos in, Outs out)
{
    auto n = range_count(node, in);
    if (!n)
        return n.error();
    out[0].dtype = in[0]->dtype;
    out[0].shape = {*n};
    return Ok{};
}

Status run_range(const Node&, Ins in, Results out)
{
    auto& y = out[0];
    const int64_t n = y.elements();
    if (y.dtype == DType::FLOAT)
    {
        const double s = in[0]->as<float>()[0];
        const double d = in[2]->as<float>()[0];
        auto q = y.as<float>();
        for (int64_t i = 0; i < n; ++i)
            q[static_cast<size_t>(i)] = to_float(s + static_cast<double>(i) * d);
        return Ok{};
    }
    const int64_t s = int_at(*in[0], 0);
    const int64_t d = int_at(*in[2], 0);
    visit_dtype(y.dtype, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
        {
            auto q = y.as<T>();
            for (int64_t i = 0; i < n; ++i)
                q[static_cast<size_t>(i)] = static_cast<T>(s + i * d);
        }
    });
    return Ok{};
}

// ---- Trilu: keeps j - i >= k (upper) or j - i <= k (lower) of the last two dims

Status infer_trilu(const Node& node, Infos in, Outs out)
{
    if (in[0]->shape.size() < 2)
        return node_error(node, "input must have rank >= 2");
    if (const auto* k = opt_input(in, 1))
        if (!is_index_type(k->dtype) || k->elements() != 1)
            return node_error(node, "k must be an int64 scalar");
    return infer_same_as_first(node, in, out);
}

Status run_trilu(const Node& node, Ins in, Results out)
{
    const auto& x = *in[0];
    int64_t k = opt_input(in, 1) ? int_at(*in[1], 0) : 0;
    k = std::clamp<int64_t>(k, -kMaxDim, kMaxDim);
    const bool upper = node.attr_int("upper", 1) != 0;
    const size_t r = x.shape.size();
    const int64_t rows = x.shape[r - 2];
    const int64_t cols = x.shape[r - 1];
    const int64_t mats = prod(x.shape, 0, r - 2);
    const size_t es = dtype_size(x.dtype);
    for (int64_t m = 0; m < mats; ++m)
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j)
            {
                const bool keep = upper ? j - i >= k : j - i <= k;
                if (keep)
                {
                    const auto off = static_cast<size_t>((m * rows + i) * cols + j) * es;
                    std::memcpy(out[0].data.data() + off, x.data.data() + off, es);
                }
            }
    return Ok{};
}

// ---- OneHot

Result<int64_t, std::string> onehot_depth(const Node& node, const ValueInfo* d)
{
    if (!d)
        return node_error(node, "missing depth").error();
    if (!d->value)
        return node_error(node,
                          "dynamic shape cannot be bounded (depth must be an initializer "
                          "or constant)")
            .error();
    if (d->elements() != 1 || d->dtype == DType::BOOL)
        return node_error(node, "depth must be one number").error();
    const double v = num_at(*d->value, 0);
    if (!(v >= 1) || v > static_cast<double>(kMaxDim))
        return node_error(node, "depth must be positive").error();
    return static_cast<int64_t>(v);
}

Status infer_onehot(const Node& node, Infos in, Outs out)
{
    auto depth = onehot_depth(node, opt_input(in, 1));
    if (!depth)
        return depth.error();
    const auto* vals = opt_input(in, 2);
    if (!vals || vals->elements() != 2 || vals->shape.size() != 1)
        return node_error(node, "values must be [off, on]");
    if (in[0]->dtype == DType::BOOL)
        return node_error(node, "indices must be numeric");
    const auto& s = in[0]->shape;
    const auto ax = normalize_axis(node.attr_int("axis", -1), s.size() + 1);
    if (!ax)
        return node_error(node, "axis out of range");
    out[0].dtype = vals->dtype;
    out[0].shape = s;
    out[0].shape.insert(out[0].shape.begin() + static_cast<ptrdiff_t>(*ax), *depth);
    return Ok{};
}

Status run_onehot(const Node& node, Ins in, Results out)
{
    const auto& ind = *in[0];
    const auto& vals = *in[2];
    auto& y = out[0];
    const size_t ax = *normalize_axis(node.attr_int("axis", -1), y.shape.size());
    const int64_t depth = y.shape[ax];
    const int64_t outer = prod(ind.shape, 0, ax);
    const int64_t inner = prod(ind.shape, ax, ind.shape.size());
    const size_t es = dtype_size(vals.dtype);
    const uint8_t* off = vals.data.data();
    const uint8_t* on = vals.data.data() + es;
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t d = 0; d < depth; ++d)
            for (int64_t i = 0; i < inner; ++i)
            {
                double v = num_at(ind, static_cast<size_t>(o * inner + i));
                v = std::trunc(v);
                if (v < 0)
                    v += static_cast<double>(depth);
                const bool hot = v == static_cast<double>(d);
                std::memcpy(y.data.data() + static_cast<size_t>((o * depth + d) * inner + i) * es,
                            hot ? on : off, es);
            }
    if (y.dtype == DType::FLOAT)
        canonicalize_nans(y);
    return Ok{};
}

// ---- CumSum (exclusive, reverse): running sums along the axis in index order (reversed for
// reverse), float in double rounded per output, integers wrapping.

Status infer_cumsum(const Node& node, Infos in, Outs out)
{
    const auto* ax = opt_input(in, 1);
    if (!ax || !is_index_type(ax->dtype) || ax->elements() != 1)
        return node_error(node, "axis must be an int32/int64 scalar");
    if (in[0]->dtype == DType::BOOL || in[0]->shape.empty())
        return node_error(node, "x must be a numeric tensor of rank >= 1");
    if (ax->value && !normalize_axis(int_at(*ax->value, 0), in[0]->shape.size()))
        return node_error(node, "axis out of range");
    return infer_same_as_first(node, in, out);
}

template <typename T>
void cumsum_typed(const Tensor& x, Tensor& y, size_t ax, bool exclusive, bool reverse)
{
    const int64_t outer = prod(x.shape, 0, ax);
    const int64_t dim = x.shape[ax];
    const int64_t inner = prod(x.shape, ax + 1, x.shape.size());
    const auto p = x.as<T>();
    auto q = y.as<T>();
    using Acc = std::conditional_t<std::is_same_v<T, float>, double, uint64_t>;  // ints wrap
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i)
        {
            Acc acc = 0;
            for (int64_t s = 0; s < dim; ++s)
            {
                const int64_t k = reverse ? dim - 1 - s : s;
                const auto at = static_cast<size_t>((o * dim + k) * inner + i);
                Acc v;
                if constexpr (std::is_same_v<T, float>)
                    v = p[at];
                else
                    v = static_cast<Acc>(static_cast<int64_t>(p[at]));
                if (!exclusive)
                    acc += v;
                if constexpr (std::is_same_v<T, float>)
                    q[at] = to_float(acc);
                else
                    q[at] = static_cast<T>(acc);
                if (exclusive)
                    acc += v;
            }
        }
}

Status run_cumsum(const Node& node, Ins in, Results out)
{
    const auto ax = normalize_axis(int_at(*in[1], 0), in[0]->shape.size());
    if (!ax)
        return node_error(node, "axis out of range");
    const bool exclusive = node.attr_int("exclusive", 0) != 0;
    const bool reverse = node.attr_int("reverse", 0) != 0;
    visit_dtype(in[0]->dtype, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (!std::is_same_v<T, bool>)
            cumsum_typed<T>(*in[0], out[0], *ax, exclusive, reverse);
    });
    if (out[0].dtype == DType::FLOAT)
        canonicalize_nans(out[0]);
    return Ok{};
}

// ---- TopK: the k largest (or smallest) along the axis, in order; ties go to the lower index,
// NaN ranks above every number. sorted=0 also returns sorted order (allowed: unspecified).

Result<int64_t, std::string> topk_k(const Node& node, Infos in)
{
    if (node.opset < 10)
    {
        const auto* a = node.attr("k");
        if (!a || a->kind != Attribute::Kind::Int)
            return node_error(node, "missing k").error();
        return a->i;
    }
    auto k = known_ints(node, opt_input(in, 1), "k");
    if (!k)
        return k.error();
    if (k->size() != 1)
        return node_error(node, "k must have one element").error();
    return (*k)[0];
}

Status infer_topk(const Node& node, Infos in, Outs out)
{
    auto k = topk_k(node, in);
    if (!k)
        return k.error();
    const auto& s = in[0]->shape;
    if (in[0]->dtype == DType::BOOL)
        return node_error(node, "bool input not supported");
    const auto ax = normalize_axis(node.attr_int("axis", -1), s.size());
    if (!ax)
        return node_error(node, "axis out of range");
    if (*k < 0 || *k > s[*ax])
        return node_error(
            node, "k " + std::to_string(*k) + " outside [0, " + std::to_string(s[*ax]) + "]");
    out[0].dtype = in[0]->dtype;
    out[0].shape = s;
    out[0].shape[*ax] = *k;
    if (out.size() > 1)
    {
        out[1].dtype = DType::INT64;
        out[1].shape = out[0].shape;
    }
    return Ok{};
}

template <typename T>
void topk_typed(const Tensor& x, Tensor* vals, Tensor* idxs, size_t ax, int64_t k, bool largest)
{
    const int64_t outer = prod(x.shape, 0, ax);
    const int64_t dim = x.shape[ax];
    const int64_t inner = prod(x.shape, ax + 1, x.shape.size());
    const auto p = x.as<T>();
    std::vector<int64_t> order(static_cast<size_t>(dim));
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i)
        {
            auto at = [&](int64_t j) {
                return p[static_cast<size_t>((o * dim + j) * inner + i)];
            };
            // Strict total order: value (NaN highest), then lower index first.
            auto before = [&](int64_t a, int64_t b) {
                const T va = at(a);
                const T vb = at(b);
                if constexpr (std::is_same_v<T, float>)
                {
                    const bool na = va != va;
                    const bool nb = vb != vb;
                    if (na || nb)
                    {
                        if (na && nb)
                            return a < b;
                        return largest ? na : nb;
                    }
                }
                if (va != vb)
                    return largest ? va > vb : va < vb;
                return a < b;
            };
            std::iota(order.begin(), order.end(), int64_t{0});
            std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
            for (int64_t j = 0; j < k; ++j)
            {
                const auto dst = static_cast<size_t>((o * k + j) * inner + i);
                if (vals)
                    vals->as<T>()[dst] = at(order[static_cast<size_t>(j)]);
                if (idxs)
                    idxs->as<int64_t>()[dst] = order[static_cast<size_t>(j)];
            }
        }
}

Status run_topk(const Node& node, Ins in, Results out)
{
    const auto& x = *in[0];
    const size_t ax = *normalize_axis(node.attr_int("axis", -1), x.shape.size());
    const int64_t k = out[0].shape[ax];
    const bool largest = node.attr_int("largest", 1) != 0;
    Tensor* idx = out.size() > 1 ? &out[1] : nullptr;
    visit_dtype(x.dtype, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (!std::is_same_v<T, bool>)
            topk_typed<T>(x, &out[0], idx, ax, k, largest);
    });
    if (out[0].dtype == DType::FLOAT)
        canonicalize_nans(out[0]);
    return Ok{};
}

// Sorting: input elements times log2(axis length) comparisons.
OpCost cost_topk(const Node& node, Infos in, std::span<const ValueInfo> out)
{
    OpCost c = cost_io(node, in, out);
    const auto& s = in[0]->shape;
    const auto ax = normalize_axis(node.attr_int("axis", -1), s.size());
    uint64_t lg = 1;
    if (ax)
        while ((uint64_t{1} << lg) < static_cast<uint64_t>(s[*ax]) && lg < 63)
            ++lg;
    c.macs = sat_mul(static_cast<uint64_t>(in[0]->elements()), lg);
    return c;
}

// ---- NonZero: [rank, count] int64 indices of the non-zero elements in row-major order. The
// count depends on the data, so the input must be known at plan time; the result is computed
// by infer.

Status infer_nonzero(const Node& node, Infos in, Outs out)
{
    const auto* x = in[0];
    if (!x->value)
        return node_error(node,
                          "dynamic shape cannot be bounded (NonZero's output size depends "
                          "on the data: the input must be an initializer or constant)");
    const Tensor& t = *x->value;
    const size_t r = t.shape.size();
    const auto n = static_cast<size_t>(t.elements());
    const size_t es = dtype_size(t.dtype);
    std::vector<size_t> hits;
    for (size_t i = 0; i < n; ++i)
    {
        bool nz = false;
        if (t.dtype == DType::FLOAT)
            nz = t.as<float>()[i] != 0.0f;  // NaN is non-zero, -0 is zero
        else
            for (size_t b = 0; b < es; ++b)
                nz = nz || t.data[i * es + b] != 0;
        if (nz)
            hits.push_back(i);
    }
    const auto count = static_cast<int64_t>(hits.size());
    std::vector<int64_t> v(r * hits.size());
    const auto strides = row_major_strides(t.shape);
    for (size_t h = 0; h < hits.size(); ++h)
    {
        auto rem = static_cast<int64_t>(hits[h]);
        for (size_t d = 0; d < r; ++d)
        {
            v[d * hits.size() + h] = rem / strides[d];
            rem %= strides[d];
        }
    }
    out[0].dtype = DType::INT64;
    out[0].shape = {static_cast<int64_t>(r), count};
    out[0].value = std::make_shared<const Tensor>(
        Tensor::from<int64_t>(DType::INT64, out[0].shape, std::move(v)));
    return Ok{};
}

Status run_nonzero(const Node& node, Ins in, Results out)
{
    // Only reached when the engine executes a node whose value infer already computed.
    const auto known = known_infos(in);
    std::vector<ValueInfo> o(1);
    if (auto st = infer_nonzero(node, known.ptrs, o); !st)
        return st;
    out[0] = *o[0].value;
    return Ok{};
}

// ---- GatherElements / ScatterElements

Status check_elements_shapes(const Node& node, Infos in, size_t& ax)
{
    const auto* data = in[0];
    const auto* ind = opt_input(in, 1);
    if (!ind || !is_index_type(ind->dtype))
        return node_error(node, "indices must be int32 or int64");
    const auto& s = data->shape;
    if (ind->shape.size() != s.size() || s.empty())
        return node_error(node, "indices must have the data's rank (>= 1)");
    const auto a = normalize_axis(node.attr_int("axis", 0), s.size());
    if (!a)
        return node_error(node, "axis out of range");
    ax = *a;
    for (size_t d = 0; d < s.size(); ++d)
        if (d != ax && ind->shape[d] > s[d])
            return node_error(node, "indices dim " + std::to_string(d) + " exceeds the data's");
    return Ok{};
}

Status infer_gather_elements(const Node& node, Infos in, Outs out)
{
    size_t ax = 0;
    if (auto st = check_elements_shapes(node, in, ax); !st)
        return st;
    out[0].dtype = in[0]->dtype;
    out[0].shape = in[1]->shape;
    return Ok{};
}

// Calls f(dst_index, src_index) for every element of `ind` with src the data offset it
// addresses (axis coordinate replaced by the index); error on an index out of range.
template <typename F>
Status for_each_element_index(const Node& node,
                              const Tensor& data,
                              const Tensor& ind,
                              size_t ax,
                              F&& f)
{
    const auto n = ind.elements();
    if (n == 0)
        return Ok{};
    const auto ds = row_major_strides(data.shape);
    const int64_t dim = data.shape[ax];
    std::vector<int64_t> idx(ind.shape.size(), 0);
    for (int64_t e = 0; e < n; ++e)
    {
        int64_t i = int_at(ind, static_cast<size_t>(e));
        if (i < -dim || i >= dim)
            return node_error(node, "index " + std::to_string(i) + " out of range");
        if (i < 0)
            i += dim;
        int64_t off = 0;
        for (size_t d = 0; d < idx.size(); ++d)
            off += (d == ax ? i : idx[d]) * ds[d];
        f(static_cast<size_t>(e), static_cast<size_t>(off));
        advance_index(idx, ind.shape);
    }
    return Ok{};
}

Status run_gather_elements(const Node& node, Ins in, Results out)
{
    const size_t ax = *normalize_axis(node.attr_int("axis", 0), in[0]->shape.size());
    const size_t es = dtype_size(in[0]->dtype);
    uint8_t* dst = out[0].data.data();
    const uint8_t* src = in[0]->data.data();
    return for_each_element_index(node, *in[0], *in[1], ax, [&](size_t e, size_t off) {
        std::memcpy(dst + e * es, src + off * es, es);
    });
}

enum class Reduction : uint8_t
{
    None,
    Add,
    Mul,
    Max,
    Min,
};

Result<Reduction, std::string> reduction_of(const Node& node)
{
    const auto r = node.attr_string("reduction", "none");
    if (r == "none")
        return Reduction::None;
    if (node.opset >= 16 && r == "add")
        return Reduction::Add;
    if (node.opset >= 16 && r == "mul")
        return Reduction::Mul;
    if (node.opset >= 18 && r == "max")
        return Reduction::Max;
    if (node.opset >= 18 && r == "min")
        return Reduction::Min;
    return node_error(node,
                      "unsupported reduction " + r + " at opset " + std::to_string(node.opset))
        .error();
}

// dst = dst (op) src for element type T.
template <typename T>
void combine(uint8_t* dst, const uint8_t* src, Reduction red)
{
    T a;
    T b;
    std::memcpy(&a, dst, sizeof(T));
    std::memcpy(&b, src, sizeof(T));
    T r = b;
    if constexpr (std::is_same_v<T, bool>)
    {
        if (red == Reduction::Add || red == Reduction::Max)
            r = a || b;
        else if (red == Reduction::Mul || red == Reduction::Min)
            r = a && b;
    }
    else if constexpr (std::is_same_v<T, float>)
    {
        const double x = a;
        const double y = b;
        if (red == Reduction::Add)
            r = to_float(x + y);
        else if (red == Reduction::Mul)
            r = to_float(x * y);
        else if (red == Reduction::Max)
            r = (x != x || y != y) ? std::numeric_limits<float>::quiet_NaN() : (b > a ? b : a);
        else if (red == Reduction::Min)
            r = (x != x || y != y) ? std::numeric_limits<float>::quiet_NaN() : (b < a ? b : a);
    }
    else
    {
        using U = std::make_unsigned_t<T>;
        if (red == Reduction::Add)
            r = static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
        else if (red == Reduction::Mul)
            r = static_cast<T>(static_cast<uint64_t>(static_cast<U>(a)) *
                               static_cast<uint64_t>(static_cast<U>(b)));
        else if (red == Reduction::Max)
            r = std::max(a, b);
        else if (red == Reduction::Min)
            r = std::min(a, b);
    }
    std::memcpy(dst, &r, sizeof(T));
}

void combine_any(DType t, uint8_t* dst, const uint8_t* src, Reduction red)
{
    visit_dtype(t, [&](auto tag) { combine<decltype(tag)>(dst, src, red); });
}

Status infer_scatter_elements(const Node& node, Infos in, Outs out)
{
    size_t ax = 0;
    if (auto st = check_elements_shapes(node, in, ax); !st)
        return st;
    const auto* upd = opt_input(in, 2);
    if (!upd || upd->dtype != in[0]->dtype || upd->shape != in[1]->shape)
        return node_error(node, "updates must have the data's type and the indices' shape");
    if (auto r = reduction_of(node); !r)
        return r.error();
    return infer_same_as_first(node, in, out);
}

Status run_scatter_elements(const Node& node, Ins in, Results out)
{
    const size_t ax = *normalize_axis(node.attr_int("axis", 0), in[0]->shape.size());
    const Reduction red = reduction_of(node).value();
    const size_t es = dtype_size(in[0]->dtype);
    out[0].data = in[0]->data;
    uint8_t* dst = out[0].data.data();
    const uint8_t* upd = in[2]->data.data();
    auto st = for_each_element_index(node, *in[0], *in[1], ax, [&](size_t e, size_t off) {
        if (red == Reduction::None)
            std::memcpy(dst + off * es, upd + e * es, es);
        else
            combine_any(out[0].dtype, dst + off * es, upd + e * es, red);
    });
    if (st && out[0].dtype == DType::FLOAT)
        canonicalize_nans(out[0]);
    return st;
}

// ---- GatherND / ScatterND

Status infer_gather_nd(const Node& node, Infos in, Outs out)
{
    const auto* ind = opt_input(in, 1);
    if (!ind || !is_index_type(ind->dtype))
        return node_error(node, "indices must be int32 or int64");
    const auto& s = in[0]->shape;
    const auto& is = ind->shape;
    const int64_t b = node.attr_int("batch_dims", 0);
    if (s.empty() || is.empty())
        return node_error(node, "data and indices must have rank >= 1");
    if (b < 0 || static_cast<size_t>(b) >= std::min(s.size(), is.size()))
        return node_error(node, "batch_dims out of range");
    const auto ub = static_cast<size_t>(b);
    for (size_t d = 0; d < ub; ++d)
        if (s[d] != is[d])
            return node_error(node, "batch dims of data and indices differ");
    const int64_t m = is.back();
    if (m < 1 || static_cast<size_t>(m) > s.size() - ub)
        return node_error(node, "indices' last dim out of range");
    out[0].dtype = in[0]->dtype;
    out[0].shape.assign(is.begin(), is.end() - 1);
    out[0].shape.insert(out[0].shape.end(), s.begin() + static_cast<ptrdiff_t>(ub + m), s.end());
    return Ok{};
}

Status run_gather_nd(const Node& node, Ins in, Results out)
{
    const auto& data = *in[0];
    const auto& ind = *in[1];
    const auto& s = data.shape;
    const auto ub = static_cast<size_t>(node.attr_int("batch_dims", 0));
    const auto m = static_cast<size_t>(ind.shape.back());
    const size_t es = dtype_size(data.dtype);
    const auto ds = row_major_strides(s);
    const int64_t batches = prod(s, 0, ub);
    const int64_t per_batch = prod(ind.shape, ub, ind.shape.size() - 1);
    const auto slice = static_cast<size_t>(prod(s, ub + m, s.size())) * es;
    const int64_t batch_stride = ub ? ds[ub - 1] : 0;
    uint8_t* dst = out[0].data.data();
    for (int64_t bt = 0; bt < batches; ++bt)
        for (int64_t t = 0; t < per_batch; ++t)
        {
            int64_t off = bt * batch_stride;
            const auto base = static_cast<size_t>(bt * per_batch + t) * m;
            for (size_t j = 0; j < m; ++j)
            {
                int64_t i = int_at(ind, base + j);
                const int64_t dim = s[ub + j];
                if (i < -dim || i >= dim)
                    return node_error(node, "index " + std::to_string(i) + " out of range");
                if (i < 0)
                    i += dim;
                off += i * ds[ub + j];
            }
            if (slice)
                std::memcpy(dst, data.data.data() + static_cast<size_t>(off) * es, slice);
            dst += slice;
        }
    return Ok{};
}

Status infer_scatter_nd(const Node& node, Infos in, Outs out)
{
    const auto* ind = opt_input(in, 1);
    const auto* upd = opt_input(in, 2);
    if (!ind || !is_index_type(ind->dtype))
        return node_error(node, "indices must be int32 or int64");
    const auto& s = in[0]->shape;
    const auto& is = ind->shape;
    if (s.empty() || is.empty())
        return node_error(node, "data and indices must have rank >= 1");
    const int64_t m = is.back();
    if (m < 1 || static_cast<size_t>(m) > s.size())
        return node_error(node, "indices' last dim out of range");
    std::vector<int64_t> us(is.begin(), is.end() - 1);
    us.insert(us.end(), s.begin() + m, s.end());
    if (!upd || upd->dtype != in[0]->dtype || upd->shape != us)
        return node_error(node, "updates must have the data's type and shape " + shape_string(us));
    if (auto r = reduction_of(node); !r)
        return r.error();
    return infer_same_as_first(node, in, out);
}

Status run_scatter_nd(const Node& node, Ins in, Results out)
{
    const auto& data = *in[0];
    const auto& ind = *in[1];
    const auto& s = data.shape;
    const auto m = static_cast<size_t>(ind.shape.back());
    const size_t es = dtype_size(data.dtype);
    const auto ds = row_major_strides(s);
    const Reduction red = reduction_of(node).value();
    const int64_t tuples = prod(ind.shape, 0, ind.shape.size() - 1);
    const auto slice = static_cast<size_t>(prod(s, m, s.size()));
    out[0].data = data.data;
    uint8_t* dst = out[0].data.data();
    const uint8_t* upd = in[2]->data.data();
    for (int64_t t = 0; t < tuples; ++t)
    {
        int64_t off = 0;
        for (size_t j = 0; j < m; ++j)
        {
            int64_t i = int_at(ind, static_cast<size_t>(t) * m + j);
            const int64_t dim = s[j];
            if (i < -dim || i >= dim)
                return node_error(node, "index " + std::to_string(i) + " out of range");
            if (i < 0)
                i += dim;
            off += i * ds[j];
        }
        uint8_t* d = dst + static_cast<size_t>(off) * es;
        const uint8_t* u = upd + static_cast<size_t>(t) * slice * es;
        if (red == Reduction::None)
        {
            if (slice)
                std::memcpy(d, u, slice * es);
        }
        else
            for (size_t e = 0; e < slice; ++e)
                combine_any(data.dtype, d + e * es, u + e * es, red);
    }
    if (out[0].dtype == DType::FLOAT)
        canonicalize_nans(out[0]);
    return Ok{};
}

// ---- DepthToSpace / SpaceToDepth ([N, C, H, W])

Status infer_depth_to_space(const Node& node, Infos in, Outs out)
{
    const auto& s = in[0]->shape;
    const int64_t b = node.attr_int("blocksize", 0);
    const auto mode = node.attr_string("mode", "DCR");
    if (s.size() != 4)
        return node_error(node, "input must be [N, C, H, W]");
    if (b < 1 || b > 1 << 16 || s[1] % (b * b) != 0)
        return node_error(node, "blocksize must be >= 1 and divide C as blocksize^2");
    if (mode != "DCR" && mode != "CRD")
        return node_error(node, "unsupported mode " + mode);
    out[0].dtype = in[0]->dtype;
    out[0].shape = {s[0], s[1] / (b * b), s[2] * b, s[3] * b};
    return Ok{};
}

Status infer_space_to_depth(const Node& node, Infos in, Outs out)
{
    const auto& s = in[0]->shape;
    const int64_t b = node.attr_int("blocksize", 0);
    if (s.size() != 4)
        return node_error(node, "input must be [N, C, H, W]");
    if (b < 1 || b > 1 << 16 || s[2] % b != 0 || s[3] % b != 0)
        return node_error(node, "blocksize must be >= 1 and divide H and W");
    const auto mode = node.opset >= 28 ? node.attr_string("mode", "DCR") : "DCR";
    if (mode != "DCR" && mode != "CRD")
        return node_error(node, "unsupported mode " + mode);
    out[0].dtype = in[0]->dtype;
    out[0].shape = {s[0], s[1] * b * b, s[2] / b, s[3] / b};
    return Ok{};
}

// Moves element (n, c, h, w) of the [N, C, H, W] depth-side tensor D to/from the space-side
// tensor S of [N, C / b^2, H * b, W * b].
template <bool kToSpace>
Status run_depth_space(const Node& node, Ins in, Results out)
{
    const int64_t b = node.attr_int("blocksize", 1);
    // SpaceToDepth has a mode from opset 28 (DCR before).
    const bool crd = (kToSpace || node.opset >= 28) && node.attr_string("mode", "DCR") == "CRD";
    const auto& ds = kToSpace ? in[0]->shape : out[0].shape;  // depth side
    const int64_t N = ds[0], C = ds[1], H = ds[2], W = ds[3];
    const int64_t Co = C / (b * b);
    const size_t es = dtype_size(in[0]->dtype);
    const uint8_t* src = in[0]->data.data();
    uint8_t* dst = out[0].data.data();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
        {
            // Depth channel c = (bh, bw, co) for DCR, (co, bh, bw) for CRD.
            int64_t co, bh, bw;
            if (crd)
            {
                co = c / (b * b);
                bh = (c / b) % b;
                bw = c % b;
            }
            else
            {
                bh = c / (b * Co);
                bw = (c / Co) % b;
                co = c % Co;
            }
            for (int64_t h = 0; h < H; ++h)
                for (int64_t w = 0; w < W; ++w)
                {
                    const int64_t d_off = ((n * C + c) * H + h) * W + w;
                    const int64_t s_off = ((n * Co + co) * H * b + h * b + bh) * W * b + w * b + bw;
                    const auto from = static_cast<size_t>(kToSpace ? d_off : s_off) * es;
                    const auto to = static_cast<size_t>(kToSpace ? s_off : d_off) * es;
                    std::memcpy(dst + to, src + from, es);
                }
        }
    return Ok{};
}

constexpr OpDef kIndexOps[] = {
    {"ConstantOfShape", 1, 1, 1, 1, infer_constant_of_shape, run_constant_of_shape, cost_out},
    {"CumSum", 2, 2, 1, 1, infer_cumsum, run_cumsum, cost_io},
    {"DepthToSpace", 1, 1, 1, 1, infer_depth_to_space, run_depth_space<true>, cost_out},
    {"GatherElements", 2, 2, 1, 1, infer_gather_elements, run_gather_elements, cost_io},
    {"GatherND", 2, 2, 1, 1, infer_gather_nd, run_gather_nd, cost_io},
    {"NonZero", 1, 1, 1, 1, infer_nonzero, run_nonzero, cost_io},
    {"OneHot", 3, 3, 1, 1, infer_onehot, run_onehot, cost_io},
    {"Range", 3, 3, 1, 1, infer_range, run_range, cost_out},
    // Scatter (opsets 9 and 10) is ScatterElements under its old name.
    {"Scatter", 3, 3, 1, 1, infer_scatter_elements, run_scatter_elements, cost_io},
    {"ScatterElements", 3, 3, 1, 1, infer_scatter_elements, run_scatter_elements, cost_io},
    {"ScatterND", 3, 3, 1, 1, infer_scatter_nd, run_scatter_nd, cost_io},
    {"SpaceToDepth", 1, 1, 1, 1, infer_space_to_depth, run_depth_space<false>, cost_out},
    {"TopK", 1, 2, 1, 2, infer_topk, run_topk, cost_topk},
    {"Trilu", 1, 2, 1, 1, infer_trilu, run_trilu, cost_io},
};

}  // namespace

std::span<const OpDef> index_ops() noexcept
{
    return kIndexOps;
}

}  // namespace tern::ml
