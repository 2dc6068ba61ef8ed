// Structural ops (data movement, shapes, casts): dtype-generic where ONNX allows.

#include "ml/broadcast.hpp"
#include "ml/op.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace tern::ml {
namespace {

using Infos = std::span<const ValueInfo* const>;
using Outs = std::span<ValueInfo>;
using Ins = std::span<const Tensor* const>;
using Results = std::span<Tensor>;

// Kernel of every op whose output has the input's bytes (reshape-like ops).
Status run_copy(const Node&, Ins in, Results out)
{
    out[0].data = in[0]->data;
    return Ok{};
}

// Known int64 values of a shape-like input, or the standard refusal.
Result<std::vector<int64_t>, std::string> const_ints(const Node& node,
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
        return node_error(node, std::string(what) + " must be int64").error();
    return to_int64s(*vi->value);
}

// Axes from the attribute (opset < `input_since`) or from input `k`; nullopt when absent.
Result<std::optional<std::vector<int64_t>>, std::string> axes_of(const Node& node,
                                                                 Infos in,
                                                                 size_t k,
                                                                 int64_t input_since)
{
    if (node.opset < input_since)
        return node.attr_ints("axes");
    const auto* vi = opt_input(in, k);
    if (!vi)
        return std::optional<std::vector<int64_t>>{};
    auto v = const_ints(node, vi, "axes");
    if (!v)
        return v.error();
    return std::optional<std::vector<int64_t>>(std::move(*v));
}

// ---- Identity

Status infer_identity(const Node& node, Infos in, Outs out)
{
    if (auto st = infer_same_as_first(node, in, out); !st)
        return st;
    out[0].value = in[0]->value;
    return Ok{};
}

// ---- Flatten

Status infer_flatten(const Node& node, Infos in, Outs out)
{
    const auto& s = in[0]->shape;
    const auto r = static_cast<int64_t>(s.size());
    int64_t axis = node.attr_int("axis", 1);
    if (axis < -r || axis > r)
        return node_error(node, "axis out of range");
    if (axis < 0)
        axis += r;
    int64_t a = 1;
    int64_t b = 1;
    for (int64_t i = 0; i < r; ++i)
        (i < axis ? a : b) *= s[static_cast<size_t>(i)];
    out[0].dtype = in[0]->dtype;
    out[0].shape = {a, b};
    return Ok{};
}

// ---- Reshape

Status infer_reshape(const Node& node, Infos in, Outs out)
{
    std::vector<int64_t> target;
    if (node.opset < 5)
    {
        auto a = node.attr_ints("shape");
        if (!a)
            return node_error(node, "missing shape attribute");
        target = std::move(*a);
    }
    else
    {
        auto v = const_ints(node, opt_input(in, 1), "shape");
        if (!v)
            return v.error();
        target = std::move(*v);
    }
    const bool allowzero = node.attr_int("allowzero", 0) != 0;
    const auto& s = in[0]->shape;
    const int64_t total = in[0]->elements();
    int64_t known = 1;
    int infer_at = -1;
    for (size_t i = 0; i < target.size(); ++i)
    {
        if (target[i] == 0 && !allowzero)
        {
            if (i >= s.size())
                return node_error(node, "shape 0 refers to a missing input dim");
            target[i] = s[i];
        }
        if (target[i] == -1)
        {
            if (infer_at >= 0)
                return node_error(node, "more than one -1 in shape");
            infer_at = static_cast<int>(i);
            continue;
        }
        if (target[i] < 0)
            return node_error(node, "negative dim in shape");
        if (target[i] != 0 && known > std::numeric_limits<int64_t>::max() / target[i])
            return node_error(node, "shape too large");
        known *= target[i];
    }
    if (infer_at >= 0)
    {
        if (known == 0 || total % known != 0)
            return node_error(
                node, "cannot infer -1 for " + shape_string(s) + " -> " + shape_string(target));
        target[static_cast<size_t>(infer_at)] = total / known;
    }
    else if (known != total)
        return node_error(node,
                          "cannot reshape " + shape_string(s) + " to " + shape_string(target));
    out[0].dtype = in[0]->dtype;
    out[0].shape = std::move(target);
    return Ok{};
}

// ---- Squeeze / Unsqueeze

Status infer_squeeze(const Node& node, Infos in, Outs out)
{
    auto axes = axes_of(node, in, 1, 13);
    if (!axes)
        return axes.error();
    const auto& s = in[0]->shape;
    std::vector<bool> drop(s.size(), false);
    if (!*axes)
    {
        for (size_t i = 0; i < s.size(); ++i)
            drop[i] = s[i] == 1;
    }
    else
        for (auto a : **axes)
        {
            auto ax = normalize_axis(a, s.size());
            if (!ax)
                return node_error(node, "axis out of range");
            if (s[*ax] != 1)
                return node_error(node, "cannot squeeze a dim that is not 1");
            drop[*ax] = true;
        }
    out[0].dtype = in[0]->dtype;
    out[0].shape.clear();
    for (size_t i = 0; i < s.size(); ++i)
        if (!drop[i])
            out[0].shape.push_back(s[i]);
    return Ok{};
}

Status infer_unsqueeze(const Node& node, Infos in, Outs out)
{
    auto axes = axes_of(node, in, 1, 13);
    if (!axes)
        return axes.error();
    if (!*axes)
        return node_error(node, "missing axes");
    const auto& s = in[0]->shape;
    const size_t r = s.size() + (*axes)->size();
    if (r > 64)
        return node_error(node, "rank too large");
    std::vector<bool> add(r, false);
    for (auto a : **axes)
    {
        auto ax = normalize_axis(a, r);
        if (!ax || add[*ax])
            return node_error(node, "axis out of range or repeated");
        add[*ax] = true;
    }
    out[0].dtype = in[0]->dtype;
    out[0].shape.clear();
    size_t j = 0;
    for (size_t i = 0; i < r; ++i)
        out[0].shape.push_back(add[i] ? 1 : s[j++]);
    return Ok{};
}

// ---- Transpose

Status infer_transpose(const Node& node, Infos in, Outs out)
{
    const auto& s = in[0]->shape;
    std::vector<int64_t> perm;
    if (auto p = node.attr_ints("perm"))
        perm = std::move(*p);
    else
        for (size_t i = s.size(); i-- > 0;)
            perm.push_back(static_cast<int64_t>(i));
    if (perm.size() != s.size())
        return node_error(node, "perm length differs from rank");
    std::vector<bool> seen(s.size(), false);
    out[0].dtype = in[0]->dtype;
    out[0].shape.clear();
    for (auto p : perm)
    {
        if (p < 0 || p >= static_cast<int64_t>(s.size()) || seen[static_cast<size_t>(p)])
            return node_error(node, "perm is not a permutation");
        seen[static_cast<size_t>(p)] = true;
        out[0].shape.push_back(s[static_cast<size_t>(p)]);
    }
    return Ok{};
}

template <typename T>
void transpose_typed(const Tensor& x, Tensor& y, std::span<const int64_t> perm)
{
    const size_t r = x.shape.size();
    std::vector<int64_t> in_strides(r, 1);
    for (size_t i = r; i-- > 1;)
        in_strides[i - 1] = in_strides[i] * x.shape[i];
    std::vector<int64_t> st(r);  // input stride of each output dim
    for (size_t i = 0; i < r; ++i)
        st[i] = in_strides[static_cast<size_t>(perm[i])];
    const T* src = reinterpret_cast<const T*>(x.data.data());
    T* dst = reinterpret_cast<T*>(y.data.data());
    const int64_t n = y.elements();
    if (n == 0)
        return;
    if (r == 0)
    {
        dst[0] = src[0];
        return;
    }
    std::vector<int64_t> idx(r, 0);
    int64_t off = 0;
    const int64_t inner = y.shape[r - 1];
    const int64_t inner_stride = st[r - 1];
    for (int64_t o = 0; o < n; o += inner)
    {
        int64_t p = off;
        for (int64_t k = 0; k < inner; ++k, p += inner_stride)
            dst[o + k] = src[p];
        for (size_t d = r - 1; d-- > 0;)
        {
            ++idx[d];
            off += st[d];
            if (idx[d] < y.shape[d])
                break;
            off -= st[d] * idx[d];
            idx[d] = 0;
        }
    }
}

Status run_transpose(const Node& node, Ins in, Results out)
{
    std::vector<int64_t> perm;
    if (auto p = node.attr_ints("perm"))
        perm = std::move(*p);
    else
        for (size_t i = in[0]->shape.size(); i-- > 0;)
            perm.push_back(static_cast<int64_t>(i));
    switch (dtype_size(in[0]->dtype))
    {
        case 1:
            transpose_typed<uint8_t>(*in[0], out[0], perm);
            break;
        case 2:
            transpose_typed<uint16_t>(*in[0], out[0], perm);
            break;
        case 4:
            transpose_typed<uint32_t>(*in[0], out[0], perm);
            break;
        default:
            transpose_typed<uint64_t>(*in[0], out[0], perm);
            break;
    }
    return Ok{};
}

// ---- Concat

Status infer_concat(const Node& node, Infos in, Outs out)
{
    const ValueInfo* first = nullptr;
    for (const auto* vi : in)
        if (vi)
        {
            first = vi;
            break;
        }
    if (!first)
        return node_error(node, "no inputs");
    const auto ax = normalize_axis(node.attr_int("axis", 0), first->shape.size());
    if (!ax || !node.attr("axis"))
        return node_error(node, "axis missing or out of range");
    auto shape = first->shape;
    shape[*ax] = 0;
    for (const auto* vi : in)
    {
        if (!vi)
            return node_error(node, "omitted input");
        if (vi->dtype != first->dtype || vi->shape.size() != shape.size())
            return node_error(node, "inputs differ in dtype or rank");
        for (size_t d = 0; d < shape.size(); ++d)
            if (d != *ax && vi->shape[d] != shape[d])
                return node_error(node, "inputs differ in a dim other than axis");
        shape[*ax] += vi->shape[*ax];
    }
    out[0].dtype = first->dtype;
    out[0].shape = std::move(shape);
    return Ok{};
}

Status run_concat(const Node& node, Ins in, Results out)
{
    const auto& s = out[0].shape;
    const size_t ax = *normalize_axis(node.attr_int("axis", 0), s.size());
    const size_t es = dtype_size(out[0].dtype);
    int64_t outer = 1;
    for (size_t d = 0; d < ax; ++d)
        outer *= s[d];
    int64_t inner = static_cast<int64_t>(es);
    for (size_t d = ax + 1; d < s.size(); ++d)
        inner *= s[d];
    uint8_t* dst = out[0].data.data();
    for (int64_t o = 0; o < outer; ++o)
        for (const auto* t : in)
        {
            const auto chunk = static_cast<size_t>(t->shape[ax] * inner);
            if (chunk)
                std::memcpy(dst, t->data.data() + static_cast<size_t>(o) * chunk, chunk);
            dst += chunk;
        }
    return Ok{};
}

// ---- Gather

Status infer_gather(const Node& node, Infos in, Outs out)
{
    if (!opt_input(in, 1))
        return node_error(node, "missing indices");
    const auto& s = in[0]->shape;
    const auto ax = normalize_axis(node.attr_int("axis", 0), s.size());
    if (!ax)
        return node_error(node, "axis out of range");
    if (in[1]->dtype != DType::INT64 && in[1]->dtype != DType::INT32)
        return node_error(node, "indices must be int32 or int64");
    out[0].dtype = in[0]->dtype;
    out[0].shape.assign(s.begin(), s.begin() + static_cast<ptrdiff_t>(*ax));
    out[0].shape.insert(out[0].shape.end(), in[1]->shape.begin(), in[1]->shape.end());
    out[0].shape.insert(out[0].shape.end(), s.begin() + static_cast<ptrdiff_t>(*ax) + 1, s.end());
    return Ok{};
}

Status run_gather(const Node& node, Ins in, Results out)
{
    const auto& s = in[0]->shape;
    const size_t ax = *normalize_axis(node.attr_int("axis", 0), s.size());
    const size_t es = dtype_size(in[0]->dtype);
    int64_t outer = 1;
    for (size_t d = 0; d < ax; ++d)
        outer *= s[d];
    size_t inner = es;
    for (size_t d = ax + 1; d < s.size(); ++d)
        inner *= static_cast<size_t>(s[d]);
    const int64_t dim = s[ax];
    const auto idx = to_int64s(*in[1]);
    uint8_t* dst = out[0].data.data();
    for (int64_t o = 0; o < outer; ++o)
        for (auto i : idx)
        {
            if (i < -dim || i >= dim)
                return node_error(node, "index " + std::to_string(i) + " out of range");
            if (i < 0)
                i += dim;
            if (inner)
                std::memcpy(dst, in[0]->data.data() + (static_cast<size_t>(o * dim + i)) * inner,
                            inner);
            dst += inner;
        }
    return Ok{};
}

// ---- Slice

struct SliceSpec
{
    std::vector<int64_t> start, step, count;  // per dim
};

Result<SliceSpec, std::string> slice_spec(const Node& node, Infos in)
{
    std::vector<int64_t> starts, ends, axes, steps;
    if (node.opset < 10)
    {
        auto s = node.attr_ints("starts");
        auto e = node.attr_ints("ends");
        if (!s || !e)
            return node_error(node, "missing starts/ends").error();
        starts = *s;
        ends = *e;
        if (auto a = node.attr_ints("axes"))
            axes = *a;
    }
    else
    {
        if (!opt_input(in, 1) || !opt_input(in, 2))
            return node_error(node, "missing starts/ends").error();
        auto s = const_ints(node, in[1], "starts");
        if (!s)
            return s.error();
        auto e = const_ints(node, in[2], "ends");
        if (!e)
            return e.error();
        starts = *s;
        ends = *e;
        if (const auto* a = opt_input(in, 3))
        {
            auto v = const_ints(node, a, "axes");
            if (!v)
                return v.error();
            axes = *v;
        }
        if (const auto* st = opt_input(in, 4))
        {
            auto v = const_ints(node, st, "steps");
            if (!v)
                return v.error();
            steps = *v;
        }
    }
    const auto& shape = in[0]->shape;
    const size_t r = shape.size();
    if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i)
            axes.push_back(static_cast<int64_t>(i));
    if (steps.empty())
        steps.assign(starts.size(), 1);
    if (starts.size() != ends.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
        return node_error(node, "starts/ends/axes/steps lengths differ").error();
    SliceSpec sp;
    sp.start.assign(r, 0);
    sp.step.assign(r, 1);
    sp.count = shape;
    std::vector<bool> seen(r, false);
    for (size_t k = 0; k < axes.size(); ++k)
    {
        const auto ax = normalize_axis(axes[k], r);
        if (!ax || seen[*ax])
            return node_error(node, "axis out of range or repeated").error();
        seen[*ax] = true;
        const int64_t dim = shape[*ax];
        const int64_t step = steps[k];
        if (step == 0 || step == std::numeric_limits<int64_t>::min())
            return node_error(node, "invalid step").error();
        auto clampi = [](int64_t v, int64_t lo, int64_t hi) {
            return std::clamp(v, lo, hi);
        };
        int64_t s = starts[k];
        int64_t e = ends[k];
        if (s < 0)
            s += dim;
        if (e < 0)
            e += dim;
        int64_t count = 0;
        if (dim == 0)
            s = 0;
        else if (step > 0)
        {
            s = clampi(s, 0, dim);
            e = clampi(e, 0, dim);
            count = e > s ? (e - s - 1) / step + 1 : 0;
        }
        else
        {
            s = clampi(s, 0, dim - 1);
            e = clampi(e, -1, dim - 1);
            count = s > e ? (s - e - 1) / -step + 1 : 0;
        }
        sp.start[*ax] = s;
        sp.step[*ax] = step;
        sp.count[*ax] = count;
    }
    return sp;
}

Status infer_slice(const Node& node, Infos in, Outs out)
{
    auto sp = slice_spec(node, in);
    if (!sp)
        return sp.error();
    out[0].dtype = in[0]->dtype;
    out[0].shape = sp->count;
    return Ok{};
}

Status run_slice(const Node& node, Ins in, Results out)
{
    // Re-derive the spec from the (constant) inputs' values.
    const auto known = known_infos(in);
    auto sp = slice_spec(node, known.ptrs);
    if (!sp)
        return sp.error();
    const auto& x = *in[0];
    const size_t r = x.shape.size();
    const size_t es = dtype_size(x.dtype);
    const int64_t n = out[0].elements();
    if (n == 0)
        return Ok{};
    const auto strides = row_major_strides(x.shape);
    uint8_t* dst = out[0].data.data();
    const uint8_t* src = x.data.data();
    // Rows of the innermost dim: one memcpy each when it is contiguous (step 1), else a
    // strided copy; the outer dims step through their index.
    const int64_t row = r == 0 ? 1 : sp->count[r - 1];
    const int64_t inner_step = r == 0 ? 0 : sp->step[r - 1] * strides[r - 1];
    std::vector<int64_t> outer(sp->count.begin(), sp->count.end());
    if (r > 0)
        outer.back() = 1;
    std::vector<int64_t> idx(r, 0);
    for (int64_t o = 0; o < n; o += row)
    {
        int64_t off = 0;
        for (size_t d = 0; d < r; ++d)
            off += (sp->start[d] + idx[d] * sp->step[d]) * strides[d];
        uint8_t* q = dst + static_cast<size_t>(o) * es;
        if (inner_step == 1)
            std::memcpy(q, src + static_cast<size_t>(off) * es, static_cast<size_t>(row) * es);
        else
            for (int64_t i = 0; i < row; ++i)
                std::memcpy(q + static_cast<size_t>(i) * es,
                            src + static_cast<size_t>(off + i * inner_step) * es, es);
        advance_index(idx, outer);
    }
    return Ok{};
}

// ---- ArgMax

Status infer_argmax(const Node& node, Infos in, Outs out)
{
    const auto& s = in[0]->shape;
    if (in[0]->dtype == DType::BOOL)
        return node_error(node, "bool input not supported");
    const auto ax = normalize_axis(node.attr_int("axis", 0), s.size());
    if (!ax)
        return node_error(node, "axis out of range");
    if (s[*ax] == 0)
        return node_error(node, "empty axis");
    out[0].dtype = DType::INT64;
    out[0].shape = s;
    if (node.attr_int("keepdims", 1) != 0)
        out[0].shape[*ax] = 1;
    else
        out[0].shape.erase(out[0].shape.begin() + static_cast<ptrdiff_t>(*ax));
    return Ok{};
}

template <typename T, bool kMin>
void arg_extreme(const Tensor& x, Tensor& y, size_t ax, bool last)
{
    int64_t outer = 1;
    for (size_t d = 0; d < ax; ++d)
        outer *= x.shape[d];
    int64_t inner = 1;
    for (size_t d = ax + 1; d < x.shape.size(); ++d)
        inner *= x.shape[d];
    const int64_t dim = x.shape[ax];
    const T* p = reinterpret_cast<const T*>(x.data.data());
    int64_t* q = reinterpret_cast<int64_t*>(y.data.data());
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i)
        {
            const T* base = p + o * dim * inner + i;
            int64_t best = 0;
            T bv = base[0];
            for (int64_t k = 1; k < dim; ++k)
            {
                const T v = base[k * inner];
                const bool better = kMin ? v < bv : v > bv;
                if (better || (last && v == bv))
                {
                    bv = v;
                    best = k;
                }
            }
            q[o * inner + i] = best;
        }
}

// ArgMax / ArgMin (NaN never wins a comparison, so the first non-NaN extreme is chosen).
template <bool kMin>
Status run_arg_extreme(const Node& node, Ins in, Results out)
{
    const auto& x = *in[0];
    const size_t ax = *normalize_axis(node.attr_int("axis", 0), x.shape.size());
    const bool last = node.attr_int("select_last_index", 0) != 0;
    visit_dtype(x.dtype, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (!std::is_same_v<T, bool>)
            arg_extreme<T, kMin>(x, out[0], ax, last);
    });
    return Ok{};
}

// ---- Dropout (inference: identity; the optional mask output is all true)

Status infer_dropout(const Node& node, Infos in, Outs out)
{
    if (const auto* training = opt_input(in, 2))
    {
        if (!training->value || training->dtype != DType::BOOL)
            return node_error(node,
                              "training mode is unsupported (random): training_mode must "
                              "be a constant false");
        if (to_int64s(*training->value) != std::vector<int64_t>{0})
            return node_error(node, "training mode is unsupported (random)");
    }
    out[0].dtype = in[0]->dtype;
    out[0].shape = in[0]->shape;
    if (out.size() > 1)
    {
        out[1].dtype = DType::BOOL;
        out[1].shape = in[0]->shape;
    }
    return Ok{};
}

Status run_dropout(const Node&, Ins in, Results out)
{
    out[0].data = in[0]->data;
    if (out.size() > 1)
        std::fill(out[1].data.begin(), out[1].data.end(), uint8_t{1});
    return Ok{};
}

// ---- Size

Status infer_size(const Node&, Infos in, Outs out)
{
    out[0].dtype = DType::INT64;
    out[0].shape = {};
    out[0].value = std::make_shared<const Tensor>(
        Tensor::from<int64_t>(DType::INT64, {}, std::vector<int64_t>{in[0]->elements()}));
    return Ok{};
}

// ---- Expand

Status infer_expand(const Node& node, Infos in, Outs out)
{
    auto shape = const_ints(node, opt_input(in, 1), "shape");
    if (!shape)
        return shape.error();
    for (auto d : *shape)
        if (d < 0)
            return node_error(node, "negative dim in shape");
    auto s = broadcast_shapes(in[0]->shape, *shape);
    if (!s)
        return node_error(node, s.error());
    out[0].dtype = in[0]->dtype;
    out[0].shape = std::move(*s);
    return Ok{};
}

Status run_expand(const Node&, Ins in, Results out)
{
    const auto& x = *in[0];
    visit_dtype(x.dtype, [&](auto tag) {
        using T = std::conditional_t<std::is_same_v<decltype(tag), bool>, uint8_t, decltype(tag)>;
        broadcast_apply<T, T, T>(x, x, out[0], [](T a, T) { return a; });
    });
    return Ok{};
}

// ---- Tile

Status infer_tile(const Node& node, Infos in, Outs out)
{
    auto reps = const_ints(node, opt_input(in, 1), "repeats");
    if (!reps)
        return reps.error();
    const auto& s = in[0]->shape;
    if (reps->size() != s.size())
        return node_error(node, "repeats length differs from the rank");
    out[0].dtype = in[0]->dtype;
    out[0].shape = s;
    for (size_t i = 0; i < s.size(); ++i)
    {
        const int64_t r = (*reps)[i];
        if (r < 0 || (s[i] != 0 && r > (int64_t{1} << 40) / s[i]))
            return node_error(node, "invalid repeats");
        out[0].shape[i] = s[i] * r;
    }
    return Ok{};
}

Status run_tile(const Node&, Ins in, Results out)
{
    const auto& x = *in[0];
    auto& y = out[0];
    const size_t r = x.shape.size();
    const size_t es = dtype_size(x.dtype);
    const int64_t n = y.elements();
    if (n == 0)
        return Ok{};
    const auto strides = row_major_strides(x.shape);
    std::vector<int64_t> idx(r, 0);
    for (int64_t o = 0; o < n; ++o)
    {
        int64_t off = 0;
        for (size_t d = 0; d < r; ++d)
            off += (idx[d] % x.shape[d]) * strides[d];
        std::memcpy(y.data.data() + static_cast<size_t>(o) * es,
                    x.data.data() + static_cast<size_t>(off) * es, es);
        advance_index(idx, y.shape);
    }
    return Ok{};
}

// ---- Pad (constant, edge, reflect; negative pads crop)

struct PadSpec
{
    std::vector<int64_t> begin, end;
    std::string mode;
};

Result<PadSpec, std::string> pad_spec(const Node& node, Infos in)
{
    const auto& s = in[0]->shape;
    const size_t r = s.size();
    PadSpec p;
    p.mode = node.attr_string("mode", "constant");
    std::vector<int64_t> pads;
    std::vector<int64_t> axes;
    if (node.opset < 11)
    {
        auto a = node.attr_ints(node.opset < 2 ? "paddings" : "pads");
        if (!a)
            return node_error(node, "missing pads").error();
        pads = *a;
    }
    else
    {
        auto v = const_ints(node, opt_input(in, 1), "pads");
        if (!v)
            return v.error();
        pads = *v;
        if (const auto* ax = opt_input(in, 3))
        {
            auto a = const_ints(node, ax, "axes");
            if (!a)
                return a.error();
            axes = *a;
        }
    }
    if (axes.empty())
        for (size_t i = 0; i < r; ++i)
            axes.push_back(static_cast<int64_t>(i));
    if (pads.size() != 2 * axes.size())
        return node_error(node, "pads length does not match the axes").error();
    p.begin.assign(r, 0);
    p.end.assign(r, 0);
    for (size_t k = 0; k < axes.size(); ++k)
    {
        const auto ax = normalize_axis(axes[k], r);
        constexpr int64_t kMax = int64_t{1} << 32;
        if (!ax || pads[k] < -kMax || pads[k] > kMax || pads[k + axes.size()] < -kMax ||
            pads[k + axes.size()] > kMax)
            return node_error(node, "pad axis or amount out of range").error();
        p.begin[*ax] = pads[k];
        p.end[*ax] = pads[k + axes.size()];
    }
    if (p.mode != "constant" && p.mode != "edge" && p.mode != "reflect")
        return node_error(node, "unsupported pad mode " + p.mode).error();
    for (size_t i = 0; i < r; ++i)
    {
        const int64_t d = s[i];
        if (d + p.begin[i] + p.end[i] < 0)
            return node_error(node, "pads crop below zero").error();
        const int64_t grow = std::max(p.begin[i], p.end[i]);
        if (p.mode == "edge" && grow > 0 && d == 0)
            return node_error(node, "edge padding of an empty dim").error();
        if (p.mode == "reflect" && grow > 0 && grow > d - 1)
            return node_error(node, "reflect padding larger than the dim - 1").error();
    }
    return p;
}

Status infer_pad(const Node& node, Infos in, Outs out)
{
    auto p = pad_spec(node, in);
    if (!p)
        return p.error();
    if (const auto* cv = opt_input(in, 2))
        if (cv->dtype != in[0]->dtype || cv->elements() != 1)
            return node_error(node, "constant_value must be one element of the data type");
    out[0].dtype = in[0]->dtype;
    out[0].shape = in[0]->shape;
    for (size_t i = 0; i < out[0].shape.size(); ++i)
        out[0].shape[i] += p->begin[i] + p->end[i];
    return Ok{};
}

Status run_pad(const Node& node, Ins in, Results out)
{
    const auto known = known_infos(in);
    auto p = pad_spec(node, known.ptrs);
    if (!p)
        return p.error();
    const auto& x = *in[0];
    auto& y = out[0];
    const size_t r = x.shape.size();
    const size_t es = dtype_size(x.dtype);
    // The constant's bytes (input 2, or the float `value` attribute of opset < 11).
    std::vector<uint8_t> fill(es, 0);
    if (const auto* cv = opt_input(in, 2))
        fill = cv->data;
    else if (x.dtype == DType::FLOAT)
    {
        const float v = node.attr_float("value", 0.0f);
        std::memcpy(fill.data(), &v, es);
    }
    const int64_t n = y.elements();
    if (n == 0)
        return Ok{};
    const auto strides = row_major_strides(x.shape);
    std::vector<int64_t> idx(r, 0);
    for (int64_t o = 0; o < n; ++o)
    {
        int64_t off = 0;
        bool outside = false;
        for (size_t d = 0; d < r; ++d)
        {
            int64_t i = idx[d] - p->begin[d];
            const int64_t dim = x.shape[d];
            if (i < 0 || i >= dim)
            {
                if (p->mode == "constant")
                {
                    outside = true;
                    break;
                }
                if (p->mode == "edge")
                    i = i < 0 ? 0 : dim - 1;
                else
                    i = i < 0 ? -i : 2 * (dim - 1) - i;
            }
            off += i * strides[d];
        }
        std::memcpy(y.data.data() + static_cast<size_t>(o) * es,
                    outside ? fill.data() : x.data.data() + static_cast<size_t>(off) * es, es);
        advance_index(idx, y.shape);
    }
    return Ok{};
}

// ---- Split

Result<std::vector<int64_t>, std::string> split_sizes(const Node& node,
                                                      Infos in,
                                                      size_t outputs,
                                                      int64_t dim)
{
    std::vector<int64_t> sizes;
    if (node.opset < 13)
    {
        if (auto a = node.attr_ints("split"))
            sizes = *a;
    }
    else if (const auto* sp = opt_input(in, 1))
    {
        auto v = const_ints(node, sp, "split");
        if (!v)
            return v.error();
        sizes = *v;
    }
    if (sizes.empty())
    {
        // Equal parts; opset 18's num_outputs allows a smaller last part.
        const auto k = static_cast<int64_t>(outputs);
        const int64_t part = (dim + k - 1) / k;
        if (node.opset < 18 && dim % k != 0)
            return node_error(node, "axis not divisible by the number of outputs").error();
        for (int64_t i = 0; i < k; ++i)
            sizes.push_back(std::max<int64_t>(0, std::min(part, dim - i * part)));
    }
    int64_t total = 0;
    for (auto v : sizes)
    {
        if (v < 0 || v > dim)
            return node_error(node, "invalid split size").error();
        total += v;
    }
    if (sizes.size() != outputs || total != dim)
        return node_error(node, "split sizes do not match the axis or outputs").error();
    return sizes;
}

Status infer_split(const Node& node, Infos in, Outs out)
{
    const auto& s = in[0]->shape;
    const auto ax = normalize_axis(node.attr_int("axis", 0), s.size());
    if (!ax)
        return node_error(node, "axis out of range");
    auto sizes = split_sizes(node, in, out.size(), s[*ax]);
    if (!sizes)
        return sizes.error();
    for (size_t k = 0; k < out.size(); ++k)
    {
        out[k].dtype = in[0]->dtype;
        out[k].shape = s;
        out[k].shape[*ax] = (*sizes)[k];
    }
    return Ok{};
}

Status run_split(const Node& node, Ins in, Results out)
{
    const auto& x = *in[0];
    const size_t ax = *normalize_axis(node.attr_int("axis", 0), x.shape.size());
    const size_t es = dtype_size(x.dtype);
    int64_t outer = 1;
    for (size_t d = 0; d < ax; ++d)
        outer *= x.shape[d];
    size_t inner = es;
    for (size_t d = ax + 1; d < x.shape.size(); ++d)
        inner *= static_cast<size_t>(x.shape[d]);
    const uint8_t* src = x.data.data();
    for (int64_t o = 0; o < outer; ++o)
        for (auto& y : out)
        {
            const size_t chunk = static_cast<size_t>(y.shape[ax]) * inner;
            if (chunk)
                std::memcpy(y.data.data() + static_cast<size_t>(o) * chunk, src, chunk);
            src += chunk;
        }
    return Ok{};
}

// ---- Cast

Status infer_cast(const Node& node, Infos in, Outs out)
{
    const int64_t to = node.attr_int("to", 0);
    if (!is_supported_dtype(to))
        return node_error(node, "unsupported target type " + std::to_string(to));
    out[0].dtype = static_cast<DType>(to);
    out[0].shape = in[0]->shape;
    return Ok{};
}

/// CastLike (opset 15): Cast to the type of the second input.
Status infer_cast_like(const Node&, Infos in, Outs out)
{
    out[0].dtype = in[1]->dtype;
    out[0].shape = in[0]->shape;
    return Ok{};
}

// Float -> integer: truncation toward zero, saturated to the target range, NaN -> 0
// (ONNX leaves out-of-range casts undefined; this choice is deterministic and UB-free).
template <typename T>
T float_to_int(float v) noexcept
{
    // Comparing v itself with the (integer) bounds is the same as comparing trunc(v), and the
    // in-range conversion truncates: no libm call (trunc is a call on baseline x86-64).
    if (std::isnan(v))
        return 0;
    if (static_cast<double>(v) <= static_cast<double>(std::numeric_limits<T>::min()))
        return std::numeric_limits<T>::min();
    if (static_cast<double>(v) >= static_cast<double>(std::numeric_limits<T>::max()))
        return std::numeric_limits<T>::max();
    return static_cast<T>(v);
}

/// One element of type From converted to To (the rules above; bool is 0 or 1).
template <typename To, typename From>
To convert(From v) noexcept
{
    if constexpr (std::is_same_v<To, bool>)
        return v != From{0};
    else if constexpr (std::is_same_v<From, float>)
    {
        if constexpr (std::is_same_v<To, float>)
            return v;
        else
            return float_to_int<To>(v);
    }
    else if constexpr (std::is_same_v<To, float>)
        return static_cast<float>(static_cast<int64_t>(v));
    else
        return static_cast<To>(static_cast<int64_t>(v));  // modular narrowing (C++20)
}

/// y = x converted element by element, with the source type fixed outside the loop.
template <typename To>
void cast_typed(const Tensor& x, Tensor& y)
{
    const auto n = static_cast<size_t>(y.elements());
    To* q = reinterpret_cast<To*>(y.data.data());
    const auto loop = [&](auto zero) {
        using From = decltype(zero);
        const From* p = reinterpret_cast<const From*>(x.data.data());
        for (size_t i = 0; i < n; ++i)
            q[i] = convert<To, From>(p[i]);
    };
    switch (x.dtype)
    {
        case DType::FLOAT:
            return loop(float{});
        case DType::UINT8:
            return loop(uint8_t{});
        case DType::INT8:
            return loop(int8_t{});
        case DType::UINT16:
            return loop(uint16_t{});
        case DType::INT16:
            return loop(int16_t{});
        case DType::INT32:
            return loop(int32_t{});
        case DType::INT64:
            return loop(int64_t{});
        case DType::BOOL:
            return loop(uint8_t{});  // stored 0 or 1
    }
}

Status run_cast(const Node&, Ins in, Results out)
{
    const auto& x = *in[0];
    auto& y = out[0];
    if (x.dtype == y.dtype)
    {
        y.data = x.data;
        return Ok{};
    }
    switch (y.dtype)
    {
        case DType::FLOAT:
            cast_typed<float>(x, y);
            break;
        case DType::UINT8:
            cast_typed<uint8_t>(x, y);
            break;
        case DType::INT8:
            cast_typed<int8_t>(x, y);
            break;
        case DType::UINT16:
            cast_typed<uint16_t>(x, y);
            break;
        case DType::INT16:
            cast_typed<int16_t>(x, y);
            break;
        case DType::INT32:
            cast_typed<int32_t>(x, y);
            break;
        case DType::INT64:
            cast_typed<int64_t>(x, y);
            break;
        case DType::BOOL:
            cast_typed<bool>(x, y);
            break;
    }
    return Ok{};
}

// ---- Shape

Status infer_shape(const Node& node, Infos in, Outs out)
{
    const auto& s = in[0]->shape;
    const auto r = static_cast<int64_t>(s.size());
    int64_t start = node.attr_int("start", 0);
    int64_t end = node.attr_int("end", r);
    if (start < 0)
        start += r;
    if (end < 0)
        end += r;
    start = std::clamp<int64_t>(start, 0, r);
    end = std::clamp<int64_t>(end, 0, r);
    std::vector<int64_t> dims;
    for (int64_t i = start; i < end; ++i)
        dims.push_back(s[static_cast<size_t>(i)]);
    out[0].dtype = DType::INT64;
    out[0].shape = {static_cast<int64_t>(dims.size())};
    out[0].value =
        std::make_shared<const Tensor>(Tensor::from<int64_t>(DType::INT64, out[0].shape, dims));
    return Ok{};
}

Status run_from_value(const Node& node, Ins, Results)
{
    // Shape and Constant outputs are always known at plan time; the executor never runs them.
    return node_error(node, "internal: constant node executed");
}

// ---- Constant

Status infer_constant(const Node& node, Infos, Outs out)
{
    std::shared_ptr<const Tensor> v;
    if (const auto* a = node.attr("value"); a && a->kind == Attribute::Kind::Tensor)
        v = a->t;
    else if (const auto* f = node.attr("value_float"); f && f->kind == Attribute::Kind::Float)
        v = std::make_shared<const Tensor>(
            Tensor::from<float>(DType::FLOAT, {}, std::vector<float>{f->f}));
    else if (const auto* i = node.attr("value_int"); i && i->kind == Attribute::Kind::Int)
        v = std::make_shared<const Tensor>(
            Tensor::from<int64_t>(DType::INT64, {}, std::vector<int64_t>{i->i}));
    else if (const auto* fs = node.attr("value_floats"); fs && fs->kind == Attribute::Kind::Floats)
        v = std::make_shared<const Tensor>(Tensor::from<float>(
            DType::FLOAT, {static_cast<int64_t>(fs->floats.size())}, fs->floats));
    else if (const auto* is = node.attr("value_ints"); is && is->kind == Attribute::Kind::Ints)
        v = std::make_shared<const Tensor>(
            Tensor::from<int64_t>(DType::INT64, {static_cast<int64_t>(is->ints.size())}, is->ints));
    else
        return node_error(node, "no supported value attribute");
    out[0].dtype = v->dtype;
    out[0].shape = v->shape;
    out[0].value = std::move(v);
    return Ok{};
}

OpCost cost_free(const Node&, Infos, std::span<const ValueInfo>)
{
    return {};
}

// Reshape-like ops copy bytes: cost is the output size only.
OpCost cost_copy(const Node&, Infos, std::span<const ValueInfo> out)
{
    OpCost c;
    for (const auto& o : out)
        c.elements += static_cast<uint64_t>(o.elements());
    return c;
}

constexpr OpDef kOps[] = {
    {"ArgMax", 1, 1, 1, 1, infer_argmax, run_arg_extreme<false>, nullptr},
    {"ArgMin", 1, 1, 1, 1, infer_argmax, run_arg_extreme<true>, nullptr},
    {"Cast", 1, 1, 1, 1, infer_cast, run_cast, cost_copy},
    {"CastLike", 2, 2, 1, 1, infer_cast_like, run_cast, cost_copy},
    {"Concat", 1, 255, 1, 1, infer_concat, run_concat, cost_copy},
    {"Constant", 0, 0, 1, 1, infer_constant, run_from_value, cost_free},
    {"Dropout", 1, 3, 1, 2, infer_dropout, run_dropout, cost_copy},
    {"Expand", 2, 2, 1, 1, infer_expand, run_expand, cost_copy},
    {"Flatten", 1, 1, 1, 1, infer_flatten, run_copy, cost_copy},
    {"Gather", 2, 2, 1, 1, infer_gather, run_gather, cost_copy},
    {"Identity", 1, 1, 1, 1, infer_identity, run_copy, cost_copy},
    {"Pad", 1, 4, 1, 1, infer_pad, run_pad, cost_copy},
    {"Reshape", 1, 2, 1, 1, infer_reshape, run_copy, cost_copy},
    {"Shape", 1, 1, 1, 1, infer_shape, run_from_value, cost_free},
    {"Size", 1, 1, 1, 1, infer_size, run_from_value, cost_free},
    {"Slice", 1, 5, 1, 1, infer_slice, run_slice, cost_copy},
    {"Split", 1, 2, 1, 255, infer_split, run_split, cost_copy},
    {"Squeeze", 1, 2, 1, 1, infer_squeeze, run_copy, cost_copy},
    {"Tile", 2, 2, 1, 1, infer_tile, run_tile, cost_copy},
    {"Transpose", 1, 1, 1, 1, infer_transpose, run_transpose, cost_copy},
    {"Unsqueeze", 1, 2, 1, 1, infer_unsqueeze, run_copy, cost_copy},
};

}  // namespace

std::span<const OpDef> structural_ops() noexcept
{
    return kOps;
}

}  // namespace tern::ml
