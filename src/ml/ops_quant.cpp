// Integer-quantized ops: QuantizeLinear, DequantizeLinear, MatMulInteger, QLinearMatMul,
// ConvInteger, QLinearConv. Accumulation is exact int32 (wrapping, as ONNX allows);
// requantization is ONNX Runtime's float32 method (requant.hpp), bit-exact everywhere.

#include "ml/broadcast.hpp"
#include "ml/conv_geometry.hpp"
#include "ml/kernels.hpp"
#include "ml/op.hpp"
#include "ml/requant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tern::ml {
namespace {

using Infos = std::span<const ValueInfo* const>;
using Outs = std::span<ValueInfo>;
using Ins = std::span<const Tensor* const>;
using Results = std::span<Tensor>;

bool is_q8(DType t)
{
    return t == DType::UINT8 || t == DType::INT8;
}

int32_t qmin(DType t)
{
    return t == DType::INT8 ? -128 : 0;
}

int32_t qmax(DType t)
{
    return t == DType::INT8 ? 127 : 255;
}

// Element i of an 8-bit tensor (uint8 or int8) as int32.
inline int32_t q8_at(const Tensor& t, size_t i) noexcept
{
    return t.dtype == DType::INT8 ? static_cast<int8_t>(t.data[i]) : t.data[i];
}

// A scale/zero-point parameter: scalar (1 element) or a 1-D vector of `n` entries.
Status check_param(const Node& node, const ValueInfo* vi, int64_t n, std::string_view what)
{
    if (!vi)
        return Ok{};
    const int64_t e = vi->elements();
    if (e == 1 && vi->shape.size() <= 1)
        return Ok{};
    if (vi->shape.size() == 1 && e == n)
        return Ok{};
    return node_error(node, std::string(what) + " must be a scalar or a 1-D tensor of " +
                                std::to_string(n) + " (unsupported shape " +
                                shape_string(vi->shape) + ")");
}

Status check_dtype(const Node& node, const ValueInfo* vi, bool ok, std::string_view what)
{
    if (!vi)
        return node_error(node, "missing " + std::string(what));
    if (!ok)
        return node_error(node, std::string(what) + " has unsupported type " +
                                    std::string(dtype_name(vi->dtype)));
    return Ok{};
}

// Parameter value at index i (0 for a scalar); 0 when absent.
int32_t zp_at(const Tensor* t, size_t i) noexcept
{
    if (!t)
        return 0;
    return q8_at(*t, t->elements() == 1 ? 0 : i);
}

float scale_at(const Tensor& t, size_t i) noexcept
{
    return t.as<float>()[t.elements() == 1 ? 0 : i];
}

// ---- QuantizeLinear / DequantizeLinear

// Per-axis parameters: index of the parameter for each element (axis attribute, default 1).
struct AxisLayout
{
    int64_t inner = 1;  // elements after the axis
    int64_t dim = 1;    // axis size (1 for per-tensor)
};

Result<AxisLayout, std::string> axis_layout(const Node& node,
                                            const ValueInfo& x,
                                            const ValueInfo& scale)
{
    AxisLayout l;
    if (scale.elements() == 1 && scale.shape.size() <= 1)
        return l;
    const auto ax = normalize_axis(node.attr_int("axis", 1), x.shape.size());
    if (!ax || scale.shape.size() != 1 || scale.shape[0] != x.shape[*ax])
        return node_error(node, "per-axis scale does not match the input").error();
    l.dim = x.shape[*ax];
    for (size_t d = *ax + 1; d < x.shape.size(); ++d)
        l.inner *= x.shape[d];
    return l;
}

/// The attributes of newer opsets that the engine's Q/DQ do not implement: blocked
/// quantization (block_size, opset 21), a non-float computation precision or output type
/// (opset 23).
Status refuse_unsupported_q_attrs(const Node& node, bool dequantize)
{
    if (node.attr_int("block_size", 0) != 0)
        return node_error(node, "unsupported: blocked quantization (block_size)");
    if (node.attr_int("precision", 0) != 0 &&
        node.attr_int("precision", 0) != static_cast<int64_t>(DType::FLOAT))
        return node_error(node, "unsupported precision (float only)");
    if (dequantize && node.attr_int("output_dtype", 0) != 0 &&
        node.attr_int("output_dtype", 0) != static_cast<int64_t>(DType::FLOAT))
        return node_error(node, "unsupported output_dtype (float only)");
    return Ok{};
}

Status infer_quantize(const Node& node, Infos in, Outs out)
{
    if (auto st = refuse_unsupported_q_attrs(node, false); !st)
        return st;
    const auto* x = in[0];
    const auto* scale = opt_input(in, 1);
    const auto* zp = opt_input(in, 2);
    if (auto st =
            check_dtype(node, x, x && (x->dtype == DType::FLOAT || x->dtype == DType::INT32), "x");
        !st)
        return st;
    if (auto st = check_dtype(node, scale, scale && scale->dtype == DType::FLOAT, "scale"); !st)
        return st;
    if (zp && !is_q8(zp->dtype))
        return node_error(node, "unsupported zero point type (uint8 or int8 only)");
    if (zp && zp->shape != scale->shape)
        return node_error(node, "scale and zero point shapes differ");
    auto l = axis_layout(node, *x, *scale);
    if (!l)
        return l.error();
    // Without a zero point, output_dtype (opset 21) picks the type: uint8 by default.
    const int64_t want = node.attr_int("output_dtype", 0);
    if (want != 0 && (!is_supported_dtype(want) || !is_q8(static_cast<DType>(want)) ||
                      (zp && static_cast<DType>(want) != zp->dtype)))
        return node_error(node, "output_dtype must be uint8 or int8 (and match the zero point)");
    out[0].dtype = zp ? zp->dtype : want != 0 ? static_cast<DType>(want) : DType::UINT8;
    out[0].shape = x->shape;
    return Ok{};
}

Status run_quantize(const Node& node, Ins in, Results out)
{
    const auto& x = *in[0];
    const auto& scale = *in[1];
    const auto* zp = opt_input(in, 2);
    ValueInfo xi{x.dtype, x.shape, nullptr};
    ValueInfo si{scale.dtype, scale.shape, nullptr};
    const auto l = *axis_layout(node, xi, si);
    auto& y = out[0];
    const int32_t lo = qmin(y.dtype);
    const int32_t hi = qmax(y.dtype);
    const auto n = static_cast<size_t>(x.elements());
    for (size_t i = 0; i < n; ++i)
    {
        const auto c = static_cast<size_t>((static_cast<int64_t>(i) / l.inner) % l.dim);
        const float xv =
            x.dtype == DType::FLOAT ? x.as<float>()[i] : static_cast<float>(x.as<int32_t>()[i]);
        const int32_t z = zp_at(zp, c);
        float v = round_half_even(xv / scale_at(scale, c));
        if (std::isnan(xv / scale_at(scale, c)))
            v = 0;
        v = std::clamp(v + static_cast<float>(z), static_cast<float>(lo), static_cast<float>(hi));
        y.data[i] = static_cast<uint8_t>(static_cast<int32_t>(v));
    }
    return Ok{};
}

Status infer_dequantize(const Node& node, Infos in, Outs out)
{
    if (auto st = refuse_unsupported_q_attrs(node, true); !st)
        return st;
    const auto* x = in[0];
    const auto* scale = opt_input(in, 1);
    const auto* zp = opt_input(in, 2);
    if (auto st = check_dtype(node, x, x && (is_q8(x->dtype) || x->dtype == DType::INT32), "x");
        !st)
        return st;
    if (auto st = check_dtype(node, scale, scale && scale->dtype == DType::FLOAT, "scale"); !st)
        return st;
    if (zp && (zp->dtype != x->dtype || zp->shape != scale->shape))
        return node_error(node, "zero point must match x's type and scale's shape");
    auto l = axis_layout(node, *x, *scale);
    if (!l)
        return l.error();
    out[0].dtype = DType::FLOAT;
    out[0].shape = x->shape;
    return Ok{};
}

Status run_dequantize(const Node& node, Ins in, Results out)
{
    const auto& x = *in[0];
    const auto& scale = *in[1];
    const auto* zp = opt_input(in, 2);
    ValueInfo xi{x.dtype, x.shape, nullptr};
    ValueInfo si{scale.dtype, scale.shape, nullptr};
    const auto l = *axis_layout(node, xi, si);
    auto y = out[0].as<float>();
    const auto n = static_cast<size_t>(x.elements());
    for (size_t i = 0; i < n; ++i)
    {
        const auto c = static_cast<size_t>((static_cast<int64_t>(i) / l.inner) % l.dim);
        int64_t xv = 0;
        int64_t z = 0;
        if (x.dtype == DType::INT32)
        {
            xv = x.as<int32_t>()[i];
            z = zp ? zp->as<int32_t>()[zp->elements() == 1 ? 0 : c] : 0;
        }
        else
        {
            xv = q8_at(x, i);
            z = zp_at(zp, c);
        }
        y[i] = static_cast<float>(xv - z) * scale_at(scale, c);
    }
    return Ok{};
}

// ---- Integer matmul (numpy matmul broadcasting)

struct MatMulShape
{
    int64_t m = 1, k = 1, n = 1;
    std::vector<int64_t> out;
    std::vector<int64_t> batch;            // broadcast batch shape
    std::vector<int64_t> a_batch_strides;  // in matrices, per batch dim
    std::vector<int64_t> b_batch_strides;
};

Result<MatMulShape, std::string> matmul_shape(const Node& node,
                                              std::vector<int64_t> a,
                                              std::vector<int64_t> b)
{
    if (a.empty() || b.empty())
        return node_error(node, "matmul inputs must have rank >= 1").error();
    const bool a1 = a.size() == 1;
    const bool b1 = b.size() == 1;
    if (a1)
        a.insert(a.begin(), 1);
    if (b1)
        b.push_back(1);
    MatMulShape s;
    s.m = a[a.size() - 2];
    s.k = a[a.size() - 1];
    s.n = b[b.size() - 1];
    if (b[b.size() - 2] != s.k)
        return node_error(node, "inner dims differ: " + shape_string(a) + " x " + shape_string(b))
            .error();
    const std::vector<int64_t> ab(a.begin(), a.end() - 2);
    const std::vector<int64_t> bb(b.begin(), b.end() - 2);
    auto batch = broadcast_shapes(ab, bb);
    if (!batch)
        return node_error(node, batch.error()).error();
    s.batch = *batch;
    s.a_batch_strides = broadcast_strides(ab, s.batch);
    s.b_batch_strides = broadcast_strides(bb, s.batch);
    s.out = s.batch;
    if (!a1)
        s.out.push_back(s.m);
    if (!b1)
        s.out.push_back(s.n);
    return s;
}

// C (m x n, wrapping int32) = A (m x k) * B (k x n), row-major. A holds zero-point-subtracted
// values (|a| <= 255, int16); B is raw 8-bit or int16 of the same range. Products fit int32
// exactly; sums are modulo 2^32 (uint32), which is what int32 accumulation means in ONNX. The
// int16 x int16 -> int32 form vectorizes with baseline SSE2 (pmullw/pmulhw).
// With AVX2 (kernels.hpp) and at least 4 rows, the packed AVX2 or VNNI kernel gives the same
// sums.
template <typename TB>
void igemm(int64_t m, int64_t n, int64_t k, const int16_t* a, const TB* b, uint32_t* c)
{
    const KernelIsa isa = kernel_isa();
    if (m >= 4 && isa == KernelIsa::Avx2Vnni && igemm_vnni(m, n, k, a, b, c))
        return;
    if (m >= 4 && isa != KernelIsa::Scalar)
    {
        igemm_avx2(m, n, k, a, b, c);
        return;
    }
    for (int64_t i = 0; i < m; ++i)
    {
        uint32_t* row = c + i * n;
        std::fill(row, row + n, 0u);
        for (int64_t p = 0; p < k; ++p)
        {
            const int32_t av = a[i * k + p];
            if (av == 0)
                continue;
            const TB* brow = b + p * n;
            for (int64_t j = 0; j < n; ++j)
                row[j] += static_cast<uint32_t>(av * static_cast<int32_t>(brow[j]));
        }
    }
}

// A per-thread buffer of n elements (zeros unless the caller writes them all) reused from call
// to call (fresh buffers of a few hundred KiB per op cost page faults); over 4 MiB it is given
// back at the next smaller request. Tag keeps the buffers apart.
template <typename T, int Tag>
std::vector<T>& scratch(size_t n, bool zero = true)
{
    constexpr size_t kKeep = (size_t{4} << 20) / sizeof(T);
    thread_local std::vector<T> v;
    if (v.capacity() > kKeep && n <= kKeep)
        std::vector<T>().swap(v);
    if (zero)
        v.assign(n, T{});
    else
        v.resize(n);  // the caller overwrites every element
    return v;
}

// a - z for the 8-bit tensor a's elements [i0, i0 + k) into dst; returns their sum.
template <typename T>
uint32_t subtract_zp(const uint8_t* a, size_t i0, int64_t k, int32_t z, int16_t* dst)
{
    uint32_t sum = 0;
    for (int64_t p = 0; p < k; ++p)
    {
        const auto v = static_cast<int16_t>(static_cast<T>(a[i0 + static_cast<size_t>(p)]) - z);
        dst[p] = v;
        sum += static_cast<uint32_t>(int32_t{v});
    }
    return sum;
}

// Runs the batched integer matmul into out: acc[batch][m][n] = sum_k (a - a_zp) * (b - b_zp)
// (wrapping). a_zp/b_zp: scalar or per-row (A, length m) / per-column (B, length n). B is
// read raw and its zero point applied afterwards: sum_k a'(b - z) = sum_k a'b - z * sum_k a'.
void int_matmul(const MatMulShape& s,
                const Tensor& a,
                const Tensor* a_zp,
                const Tensor& b,
                const Tensor* b_zp,
                uint32_t* out)
{
    int64_t batches = 1;
    for (auto d : s.batch)
        batches *= d;
    // Zero-point-subtracted copy of A (rows of k).
    const int64_t a_rows = static_cast<int64_t>(a.data.size()) / std::max<int64_t>(s.k, 1);
    auto& av = scratch<int16_t, 0>(a.data.size(), false);
    std::vector<uint32_t> row_sums(static_cast<size_t>(a_rows), 0);
    for (int64_t r = 0; r < a_rows; ++r)
    {
        const int32_t z = zp_at(a_zp, static_cast<size_t>(r % s.m));
        const auto i0 = static_cast<size_t>(r * s.k);
        row_sums[static_cast<size_t>(r)] =
            a.dtype == DType::INT8
                ? subtract_zp<int8_t>(a.data.data(), i0, s.k, z, av.data() + i0)
                : subtract_zp<uint8_t>(a.data.data(), i0, s.k, z, av.data() + i0);
    }
    std::vector<uint32_t> bz(static_cast<size_t>(s.n));
    bool any_bz = false;
    for (int64_t j = 0; j < s.n; ++j)
    {
        bz[static_cast<size_t>(j)] = static_cast<uint32_t>(zp_at(b_zp, static_cast<size_t>(j)));
        any_bz = any_bz || bz[static_cast<size_t>(j)] != 0;
    }
    const size_t r = s.batch.size();
    std::vector<int64_t> idx(r, 0);
    for (int64_t bi = 0; bi < batches; ++bi)
    {
        int64_t ao = 0;
        int64_t bo = 0;
        for (size_t d = 0; d < r; ++d)
        {
            ao += idx[d] * s.a_batch_strides[d];
            bo += idx[d] * s.b_batch_strides[d];
        }
        uint32_t* c = out + bi * s.m * s.n;
        const size_t b_off = static_cast<size_t>(bo * s.k * s.n);
        if (b.dtype == DType::INT8)
            igemm(s.m, s.n, s.k, av.data() + ao * s.m * s.k,
                  reinterpret_cast<const int8_t*>(b.data.data()) + b_off, c);
        else
            igemm(s.m, s.n, s.k, av.data() + ao * s.m * s.k, b.data.data() + b_off, c);
        if (any_bz && s.k > 0)
            for (int64_t i = 0; i < s.m; ++i)
            {
                const uint32_t rs = row_sums[static_cast<size_t>(ao * s.m + i)];
                for (int64_t j = 0; j < s.n; ++j)
                    c[i * s.n + j] -= bz[static_cast<size_t>(j)] * rs;
            }
        for (size_t d = r; d-- > 0;)
        {
            if (++idx[d] < s.batch[d])
                break;
            idx[d] = 0;
        }
    }
}

OpCost cost_int_matmul(const Node& node, Infos in, std::span<const ValueInfo> out)
{
    const size_t b_index = node.op_type == "QLinearMatMul" ? 3 : 1;
    OpCost c;
    const auto* a = in[0];
    const auto* b = opt_input(in, b_index);
    if (!a || !b)
        return c;
    auto s = matmul_shape(node, a->shape, b->shape);
    if (!s)
        return c;
    const auto out_elems = static_cast<uint64_t>(out[0].elements());
    const auto k = static_cast<uint64_t>(std::max<int64_t>(s->k, 1));
    c.int_macs = sat_mul(out_elems, k);
    c.elements = static_cast<uint64_t>(a->elements() + b->elements()) + out_elems;
    return c;
}

Status infer_matmul_integer(const Node& node, Infos in, Outs out)
{
    const auto* a = in[0];
    const auto* b = opt_input(in, 1);
    if (auto st = check_dtype(node, a, a && is_q8(a->dtype), "A"); !st)
        return st;
    if (auto st = check_dtype(node, b, b && is_q8(b->dtype), "B"); !st)
        return st;
    auto s = matmul_shape(node, a->shape, b->shape);
    if (!s)
        return s.error();
    const auto* azp = opt_input(in, 2);
    const auto* bzp = opt_input(in, 3);
    if ((azp && azp->dtype != a->dtype) || (bzp && bzp->dtype != b->dtype))
        return node_error(node, "zero point type differs from its input");
    if (auto st = check_param(node, azp, s->m, "a_zero_point"); !st)
        return st;
    if (auto st = check_param(node, bzp, s->n, "b_zero_point"); !st)
        return st;
    out[0].dtype = DType::INT32;
    out[0].shape = s->out;
    return Ok{};
}

Status run_matmul_integer(const Node& node, Ins in, Results out)
{
    auto s = *matmul_shape(node, in[0]->shape, in[1]->shape);
    // Into a warm scratch buffer, then copied (the kernel writing the freshly allocated output
    // in tile order measured no faster).
    auto& acc = scratch<int32_t, 1>(static_cast<size_t>(out[0].elements()), false);
    int_matmul(s, *in[0], opt_input(in, 2), *in[1], opt_input(in, 3),
               reinterpret_cast<uint32_t*>(acc.data()));
    std::copy(acc.begin(), acc.end(), out[0].as<int32_t>().begin());
    return Ok{};
}

// QLinear* inputs 0..7: (q8, float scale, zp), (q8, float scale, zp), float scale, zp.
Status check_qlinear_types(const Node& node, Infos in)
{
    for (size_t k = 0; k < 8; ++k)
        if (!opt_input(in, k))
            return node_error(node, "missing input " + std::to_string(k));
    if (!is_q8(in[0]->dtype) || !is_q8(in[3]->dtype) || !is_q8(in[7]->dtype))
        return node_error(node, "quantized inputs and output must be uint8 or int8");
    if (in[2]->dtype != in[0]->dtype || in[5]->dtype != in[3]->dtype)
        return node_error(node, "zero point type differs from its input");
    for (size_t k : {1, 4, 6})
        if (in[k]->dtype != DType::FLOAT)
            return node_error(node, "scales must be float");
    return Ok{};
}

// QLinearMatMul inputs: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp.
Status infer_qlinear_matmul(const Node& node, Infos in, Outs out)
{
    if (auto st = check_qlinear_types(node, in); !st)
        return st;
    auto s = matmul_shape(node, in[0]->shape, in[3]->shape);
    if (!s)
        return s.error();
    for (auto [k, n, what] : {std::tuple{size_t{1}, s->m, "a_scale"},
                              {2, s->m, "a_zero_point"},
                              {4, s->n, "b_scale"},
                              {5, s->n, "b_zero_point"},
                              {6, int64_t{1}, "y_scale"},
                              {7, int64_t{1}, "y_zero_point"}})
        if (auto st = check_param(node, in[k], n, what); !st)
            return st;
    out[0].dtype = in[7]->dtype;
    out[0].shape = s->out;
    return Ok{};
}

Status run_qlinear_matmul(const Node& node, Ins in, Results out)
{
    auto s = *matmul_shape(node, in[0]->shape, in[3]->shape);
    auto& acc = scratch<int32_t, 1>(static_cast<size_t>(out[0].elements()), false);
    int_matmul(s, *in[0], in[2], *in[3], in[5], reinterpret_cast<uint32_t*>(acc.data()));
    const float ys = scale_at(*in[6], 0);
    const int32_t yzp = zp_at(in[7], 0);
    const DType yt = out[0].dtype;
    const auto m = static_cast<size_t>(s.m);
    const auto n = static_cast<size_t>(s.n);
    const int32_t lo = qmin(yt);
    const int32_t hi = qmax(yt);
    // Output scale per (row, column): ONNX Runtime's a_scale * b_scale / y_scale in float32,
    // computed once per distinct (a_scale row, column) rather than per element (same values).
    const size_t scale_rows = in[1]->elements() == 1 ? 1 : m;
    std::vector<float> scales(scale_rows * n);
    for (size_t row = 0; row < scale_rows; ++row)
        for (size_t col = 0; col < n; ++col)
            scales[row * n + col] = scale_at(*in[1], row) * scale_at(*in[4], col) / ys;
    const size_t mn = m * n;
    for (size_t base = 0; base < acc.size(); base += mn)
        for (size_t row = 0; row < m; ++row)
        {
            const float* sr = scales.data() + (scale_rows == 1 ? 0 : row * n);
            const size_t o = base + row * n;
            if (kernel_isa() != KernelIsa::Scalar)
            {
                requantize_avx2(acc.data() + o, 0, sr, 1, static_cast<int64_t>(n), yzp, lo, hi,
                                out[0].data.data() + o);
                continue;
            }
            for (size_t col = 0; col < n; ++col)
                out[0].data[o + col] =
                    static_cast<uint8_t>(requantize_float(acc[o + col], sr[col], yzp, lo, hi));
        }
    (void)node;
    return Ok{};
}

// ---- Integer convolution

// acc[n][m][out positions] of (x - x_zp) * (w - w_zp[m]), wrapping int32. Up to 3 spatial
// dims (missing dims are 1). im2col in tiles of output positions, then igemm per group.
std::vector<int32_t> int_conv(const ConvGeometry& g,
                              const Tensor& x,
                              const Tensor* x_zp,
                              const Tensor& w,
                              const Tensor* w_zp)
{
    const size_t r = g.in_spatial.size();
    int64_t in_sz[3] = {1, 1, 1}, k_sz[3] = {1, 1, 1}, o_sz[3] = {1, 1, 1};
    int64_t st[3] = {1, 1, 1}, dl[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
    for (size_t i = 0; i < r; ++i)
    {
        const size_t j = 3 - r + i;
        in_sz[j] = g.in_spatial[i];
        k_sz[j] = g.kernel[i];
        o_sz[j] = g.out_spatial[i];
        st[j] = g.strides[i];
        dl[j] = g.dilations[i];
        pb[j] = g.pads_begin[i];
    }
    const int64_t in_plane = in_sz[0] * in_sz[1] * in_sz[2];
    const int64_t k_plane = k_sz[0] * k_sz[1] * k_sz[2];
    const int64_t o_plane = o_sz[0] * o_sz[1] * o_sz[2];
    const int64_t cg = g.in_channels / g.group;
    const int64_t mg = g.out_channels / g.group;
    const int64_t kk = cg * k_plane;  // reduction length
    const int32_t xz = zp_at(x_zp, 0);
    // Zero-point-subtracted weights, [M][C/group * kernel].
    std::vector<int16_t> wv(w.data.size());
    for (int64_t m = 0; m < g.out_channels; ++m)
    {
        const int32_t z = zp_at(w_zp, static_cast<size_t>(m));
        for (int64_t q = 0; q < kk; ++q)
            wv[static_cast<size_t>(m * kk + q)] =
                static_cast<int16_t>(q8_at(w, static_cast<size_t>(m * kk + q)) - z);
    }
    std::vector<int32_t> acc(static_cast<size_t>(g.batch * g.out_channels * o_plane), 0);
    constexpr int64_t kTile = 256;
    std::vector<int16_t> col(static_cast<size_t>(kk * std::min(kTile, o_plane)));
    std::vector<uint32_t> tmp(static_cast<size_t>(mg * std::min(kTile, o_plane)));
    std::vector<int64_t> base(static_cast<size_t>(3 * std::min(kTile, o_plane)));
    for (int64_t n = 0; n < g.batch; ++n)
        for (int64_t grp = 0; grp < g.group; ++grp)
            for (int64_t p0 = 0; p0 < o_plane; p0 += kTile)
            {
                const int64_t t = std::min(kTile, o_plane - p0);
                for (int64_t p = 0; p < t; ++p)
                {
                    const int64_t q = p0 + p;
                    const int64_t ow = q % o_sz[2];
                    const int64_t oh = (q / o_sz[2]) % o_sz[1];
                    const int64_t od = q / (o_sz[2] * o_sz[1]);
                    base[static_cast<size_t>(3 * p)] = od * st[0] - pb[0];
                    base[static_cast<size_t>(3 * p + 1)] = oh * st[1] - pb[1];
                    base[static_cast<size_t>(3 * p + 2)] = ow * st[2] - pb[2];
                }
                // col[(c, kd, kh, kw)][p] = x - x_zp at the tap, 0 in the padding.
                int16_t* cp = col.data();
                for (int64_t c = 0; c < cg; ++c)
                {
                    const uint8_t* xs =
                        x.data.data() + (n * g.in_channels + grp * cg + c) * in_plane;
                    for (int64_t kd = 0; kd < k_sz[0]; ++kd)
                        for (int64_t kh = 0; kh < k_sz[1]; ++kh)
                            for (int64_t kw = 0; kw < k_sz[2]; ++kw, cp += t)
                                for (int64_t p = 0; p < t; ++p)
                                {
                                    const int64_t id =
                                        base[static_cast<size_t>(3 * p)] + kd * dl[0];
                                    const int64_t ih =
                                        base[static_cast<size_t>(3 * p + 1)] + kh * dl[1];
                                    const int64_t iw =
                                        base[static_cast<size_t>(3 * p + 2)] + kw * dl[2];
                                    if (id < 0 || id >= in_sz[0] || ih < 0 || ih >= in_sz[1] ||
                                        iw < 0 || iw >= in_sz[2])
                                    {
                                        cp[p] = 0;
                                        continue;
                                    }
                                    const uint8_t raw = xs[(id * in_sz[1] + ih) * in_sz[2] + iw];
                                    cp[p] = static_cast<int16_t>((x.dtype == DType::INT8
                                                                      ? static_cast<int8_t>(raw)
                                                                      : static_cast<int32_t>(raw)) -
                                                                 xz);
                                }
                }
                igemm(mg, t, kk, wv.data() + grp * mg * kk, col.data(), tmp.data());
                for (int64_t m = 0; m < mg; ++m)
                    std::copy(tmp.begin() + m * t, tmp.begin() + (m + 1) * t,
                              acc.begin() + ((n * g.out_channels + grp * mg + m) * o_plane + p0));
            }
    return acc;
}

OpCost cost_int_conv(const Node& node, Infos in, std::span<const ValueInfo> out)
{
    const size_t w_index = node.op_type == "QLinearConv" ? 3 : 1;
    OpCost c;
    const auto* x = in[0];
    const auto* w = opt_input(in, w_index);
    if (!x || !w || w->shape.empty())
        return c;
    // MACs = output elements x (C/group x kernel elements) = output elements x w[1:] product.
    uint64_t per_out = 1;
    for (size_t d = 1; d < w->shape.size(); ++d)
        per_out *= static_cast<uint64_t>(w->shape[d]);
    const auto oe = static_cast<uint64_t>(out[0].elements());
    c.macs = sat_mul(oe, per_out);  // im2col + igemm: priced with the other float work
    c.elements = static_cast<uint64_t>(x->elements() + w->elements()) + oe;
    return c;
}

Status infer_conv_integer(const Node& node, Infos in, Outs out)
{
    const auto* x = in[0];
    const auto* w = opt_input(in, 1);
    if (auto st = check_dtype(node, x, x && is_q8(x->dtype), "x"); !st)
        return st;
    if (auto st = check_dtype(node, w, w && is_q8(w->dtype), "w"); !st)
        return st;
    auto g = conv_geometry(node, x->shape, w->shape);
    if (!g)
        return g.error();
    const auto* xzp = opt_input(in, 2);
    const auto* wzp = opt_input(in, 3);
    if ((xzp && xzp->dtype != x->dtype) || (wzp && wzp->dtype != w->dtype))
        return node_error(node, "zero point type differs from its input");
    if (auto st = check_param(node, xzp, 1, "x_zero_point"); !st)
        return st;
    if (auto st = check_param(node, wzp, g->out_channels, "w_zero_point"); !st)
        return st;
    out[0].dtype = DType::INT32;
    out[0].shape = g->output_shape();
    return Ok{};
}

Status run_conv_integer(const Node& node, Ins in, Results out)
{
    const auto g = *conv_geometry(node, in[0]->shape, in[1]->shape);
    const auto acc = int_conv(g, *in[0], opt_input(in, 2), *in[1], opt_input(in, 3));
    std::copy(acc.begin(), acc.end(), out[0].as<int32_t>().begin());
    return Ok{};
}

// QLinearConv inputs: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B (int32, optional).
Status infer_qlinear_conv(const Node& node, Infos in, Outs out)
{
    if (auto st = check_qlinear_types(node, in); !st)
        return st;
    auto g = conv_geometry(node, in[0]->shape, in[3]->shape);
    if (!g)
        return g.error();
    const int64_t m = g->out_channels;
    for (auto [k, n, what] : {std::tuple{size_t{1}, int64_t{1}, "x_scale"},
                              {2, int64_t{1}, "x_zero_point"},
                              {4, m, "w_scale"},
                              {5, m, "w_zero_point"},
                              {6, int64_t{1}, "y_scale"},
                              {7, int64_t{1}, "y_zero_point"}})
        if (auto st = check_param(node, in[k], n, what); !st)
            return st;
    if (const auto* b = opt_input(in, 8))
        if (b->dtype != DType::INT32 || b->shape != std::vector<int64_t>{m})
            return node_error(node, "B must be int32 of shape [M]");
    out[0].dtype = in[7]->dtype;
    out[0].shape = g->output_shape();
    return Ok{};
}

Status run_qlinear_conv(const Node& node, Ins in, Results out)
{
    const auto g = *conv_geometry(node, in[0]->shape, in[3]->shape);
    auto acc = int_conv(g, *in[0], in[2], *in[3], in[5]);
    const auto* bias = opt_input(in, 8);
    const float xs = scale_at(*in[1], 0);
    const float ys = scale_at(*in[6], 0);
    const int32_t yzp = zp_at(in[7], 0);
    const DType yt = out[0].dtype;
    const int64_t planes = g.batch * g.out_channels;
    const size_t plane = planes > 0 ? acc.size() / static_cast<size_t>(planes) : 1;
    const int32_t lo = qmin(yt);
    const int32_t hi = qmax(yt);
    // Output scale per channel: x_scale * w_scale[m] / y_scale in float32, computed once.
    const auto mc = static_cast<size_t>(g.out_channels);
    std::vector<float> scales(mc);
    for (size_t m = 0; m < mc; ++m)
        scales[m] = xs * scale_at(*in[4], m) / ys;
    for (size_t pl = 0; pl < static_cast<size_t>(planes); ++pl)
    {
        const size_t m = pl % mc;
        const uint32_t b = bias ? static_cast<uint32_t>(bias->as<int32_t>()[m]) : 0u;
        const float scale = scales[m];
        if (kernel_isa() != KernelIsa::Scalar)
        {
            requantize_avx2(acc.data() + pl * plane, static_cast<int32_t>(b), &scale, 0,
                            static_cast<int64_t>(plane), yzp, lo, hi,
                            out[0].data.data() + pl * plane);
            continue;
        }
        for (size_t i = pl * plane; i < (pl + 1) * plane; ++i)
        {
            const uint32_t a = static_cast<uint32_t>(acc[i]) + b;
            out[0].data[i] =
                static_cast<uint8_t>(requantize_float(static_cast<int32_t>(a), scale, yzp, lo, hi));
        }
    }
    return Ok{};
}

constexpr OpDef kOps[] = {
    {"ConvInteger", 2, 4, 1, 1, infer_conv_integer, run_conv_integer, cost_int_conv},
    {"DequantizeLinear", 2, 3, 1, 1, infer_dequantize, run_dequantize, nullptr},
    {"MatMulInteger", 2, 4, 1, 1, infer_matmul_integer, run_matmul_integer, cost_int_matmul},
    {"QLinearConv", 8, 9, 1, 1, infer_qlinear_conv, run_qlinear_conv, cost_int_conv},
    {"QLinearMatMul", 8, 8, 1, 1, infer_qlinear_matmul, run_qlinear_matmul, cost_int_matmul},
    {"QuantizeLinear", 2, 3, 1, 1, infer_quantize, run_quantize, nullptr},
};

}  // namespace

std::span<const OpDef> quant_ops() noexcept
{
    return kOps;
}

}  // namespace tern::ml
