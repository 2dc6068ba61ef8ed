// Attention (opsets 23-25, float): scaled dot-product attention as transformer exports write
// it, with 3-D ([batch, seq, heads x head]) or 4-D ([batch, heads, seq, head]) Q, K and V;
// multi-head, grouped-query and multi-query heads (q_num_heads a multiple of kv_num_heads); a
// bool or additive float attn_mask (its last dim may be shorter than the keys: the rest is
// masked); is_causal with ONNX's bottom-right alignment (offset = past length, or
// nonpad_kv_seqlen - q length per batch row); the sliding window of opset 25; past_key /
// past_value concatenated into present_key / present_value; nonpad_kv_seqlen; softcap; scale;
// and the qk_matmul_output of every mode. A row with every key masked gives zeros.
//
// Determinism: Q and K are each scaled by sqrt(scale) in float (as the reference does), every
// dot product is summed in double in index order and rounded once, the softmax is Softmax's
// (float exp from detmath, a double sum in key order), and P x V sums in double in key order.

#include "ml/broadcast.hpp"
#include "ml/detmath.hpp"
#include "ml/ops_float.hpp"

#include <cmath>
#include <limits>

namespace tern::ml {
namespace {

using Infos = std::span<const ValueInfo* const>;

struct AttentionShape
{
    bool three_d = false;
    int64_t batch = 0, q_heads = 0, kv_heads = 0;
    int64_t q_len = 0, kv_len = 0, past = 0;  // keys: past + kv_len
    int64_t head = 0, v_head = 0;
    std::vector<int64_t> mask_shape;  // empty: no mask; else right-aligned to 4 dims
    bool mask_bool = false;
    bool nonpad = false;
    float sqrt_scale = 1;
    float softcap = 0;
    bool causal = false;
    int64_t left_window = -1, right_window = -1;
    int64_t qk_mode = 0;

    int64_t total() const noexcept { return past + kv_len; }
};

Result<AttentionShape, std::string> attention_shape(const Node& node, Infos in)
{
    const auto fail = [&](const std::string& msg) {
        return node_error(node, msg).error();
    };
    for (size_t k = 0; k < 3; ++k)
        if (!in[k] || in[k]->dtype != DType::FLOAT)
            return fail("Q, K and V must be float");
    const auto& q = in[0]->shape;
    const auto& k = in[1]->shape;
    const auto& v = in[2]->shape;
    if (q.size() != k.size() || q.size() != v.size() || (q.size() != 3 && q.size() != 4))
        return fail("Q, K and V must all be 3-D or all 4-D");
    AttentionShape s;
    s.three_d = q.size() == 3;
    s.batch = q[0];
    if (k[0] != s.batch || v[0] != s.batch)
        return fail("Q, K and V have different batch sizes");
    if (s.three_d)
    {
        s.q_heads = node.attr_int("q_num_heads", 0);
        s.kv_heads = node.attr_int("kv_num_heads", 0);
        if (s.q_heads < 1 || s.kv_heads < 1)
            return fail("3-D inputs need q_num_heads and kv_num_heads");
        if (q[2] % s.q_heads != 0 || k[2] % s.kv_heads != 0 || v[2] % s.kv_heads != 0)
            return fail("hidden sizes must be multiples of the head counts");
        s.q_len = q[1];
        s.kv_len = k[1];
        if (v[1] != s.kv_len)
            return fail("K and V have different sequence lengths");
        s.head = q[2] / s.q_heads;
        if (k[2] / s.kv_heads != s.head)
            return fail("Q and K have different head sizes");
        s.v_head = v[2] / s.kv_heads;
    }
    else
    {
        s.q_heads = q[1];
        s.kv_heads = k[1];
        if (v[1] != s.kv_heads)
            return fail("K and V have different head counts");
        if ((node.attr("q_num_heads") && node.attr_int("q_num_heads", 0) != s.q_heads) ||
            (node.attr("kv_num_heads") && node.attr_int("kv_num_heads", 0) != s.kv_heads))
            return fail("q_num_heads / kv_num_heads disagree with the 4-D inputs");
        s.q_len = q[2];
        s.kv_len = k[2];
        if (v[2] != s.kv_len)
            return fail("K and V have different sequence lengths");
        s.head = q[3];
        if (k[3] != s.head)
            return fail("Q and K have different head sizes");
        s.v_head = v[3];
    }
    if (s.q_heads < 1 || s.kv_heads < 1 || s.q_heads % s.kv_heads != 0)
        return fail("q heads must be a multiple of kv heads");
    if (s.head < 1)
        return fail("empty head size");

    const ValueInfo* mask = opt_input(in, 3);
    const ValueInfo* past_k = opt_input(in, 4);
    const ValueInfo* past_v = opt_input(in, 5);
    const ValueInfo* nonpad = opt_input(in, 6);
    if ((past_k == nullptr) != (past_v == nullptr))
        return fail("past_key and past_value go together");
    if (past_k)
    {
        if (past_k->dtype != DType::FLOAT || past_v->dtype != DType::FLOAT)
            return fail("past_key and past_value must be float");
        const auto& pk = past_k->shape;
        const auto& pv = past_v->shape;
        if (pk.size() != 4 || pv.size() != 4 || pk[0] != s.batch || pv[0] != s.batch ||
            pk[1] != s.kv_heads || pv[1] != s.kv_heads || pk[3] != s.head || pv[3] != s.v_head ||
            pk[2] != pv[2])
            return fail("past_key / past_value must be [batch, kv heads, past, head size]");
        s.past = pk[2];
    }
    if (nonpad)
    {
        if (past_k)
            return fail("nonpad_kv_seqlen cannot be combined with past_key / past_value");
        if (nonpad->dtype != DType::INT64 || nonpad->shape != std::vector<int64_t>{s.batch})
            return fail("nonpad_kv_seqlen must be int64 [batch]");
        s.nonpad = true;
    }
    if (mask)
    {
        if (mask->dtype != DType::FLOAT && mask->dtype != DType::BOOL)
            return fail("attn_mask must be bool or float");
        if (mask->shape.empty() || mask->shape.size() > 4)
            return fail("attn_mask must have rank 1 to 4");
        s.mask_shape.assign(4 - mask->shape.size(), 1);
        s.mask_shape.insert(s.mask_shape.end(), mask->shape.begin(), mask->shape.end());
        const int64_t want[3] = {s.batch, s.q_heads, s.q_len};
        for (size_t d = 0; d < 3; ++d)
            if (s.mask_shape[d] != 1 && s.mask_shape[d] != want[d])
                return fail("attn_mask does not broadcast to [batch, q heads, q length, keys]");
        if (s.mask_shape[3] < 1 || s.mask_shape[3] > s.total())
            return fail("attn_mask's last dim must be 1 to the key count");
        s.mask_bool = mask->dtype == DType::BOOL;
    }
    const float scale = node.attr("scale")
                            ? node.attr_float("scale", 1.0f)
                            : static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.head)));
    if (!(scale >= 0) || std::isinf(scale))
        return fail("scale must be a finite non-negative number");
    s.sqrt_scale = static_cast<float>(std::sqrt(static_cast<double>(scale)));
    s.softcap = node.attr_float("softcap", 0.0f);
    if (!(s.softcap >= 0) || std::isinf(s.softcap))
        return fail("softcap must be a finite non-negative number");
    s.causal = node.attr_int("is_causal", 0) != 0;
    s.left_window = node.attr_int("left_window_size", -1);
    s.right_window = node.attr_int("right_window_size", -1);
    if (s.left_window < -1 || s.right_window < -1)
        return fail("window sizes must be -1 or non-negative");
    s.qk_mode = node.attr_int("qk_matmul_output_mode", 0);
    if (s.qk_mode < 0 || s.qk_mode > 3)
        return fail("qk_matmul_output_mode must be 0 to 3");
    const int64_t precision = node.attr_int("softmax_precision", 0);
    if (precision != 0 && precision != static_cast<int64_t>(DType::FLOAT))
        return fail("unsupported softmax_precision (float only)");
    return s;
}

Status infer_attention(const Node& node, Infos in, std::span<ValueInfo> out)
{
    auto s = attention_shape(node, in);
    if (!s)
        return s.error();
    out[0].dtype = DType::FLOAT;
    out[0].shape = s->three_d ? std::vector<int64_t>{s->batch, s->q_len, s->q_heads * s->v_head}
                              : std::vector<int64_t>{s->batch, s->q_heads, s->q_len, s->v_head};
    if (out.size() > 1)
        out[1] = {DType::FLOAT, {s->batch, s->kv_heads, s->total(), s->head}, nullptr};
    if (out.size() > 2)
        out[2] = {DType::FLOAT, {s->batch, s->kv_heads, s->total(), s->v_head}, nullptr};
    if (out.size() > 3)
        out[3] = {DType::FLOAT, {s->batch, s->q_heads, s->q_len, s->total()}, nullptr};
    return Ok{};
}

/// Element offset of (b, h, t, d) in a tensor of `heads` heads of `size` over `len` steps, in
/// 3-D ([b, t, h * size]) or 4-D ([b, h, t, size]) layout.
int64_t at(bool three_d,
           int64_t heads,
           int64_t len,
           int64_t size,
           int64_t b,
           int64_t h,
           int64_t t,
           int64_t d) noexcept
{
    return three_d ? ((b * len + t) * heads + h) * size + d
                   : ((b * heads + h) * len + t) * size + d;
}

Status run_attention(const Node& node, std::span<const Tensor* const> in, std::span<Tensor> out)
{
    const auto known = known_infos(in);
    const AttentionShape s = attention_shape(node, known.ptrs).value();
    const float* Q = in[0]->as<float>().data();
    const float* K = in[1]->as<float>().data();
    const float* V = in[2]->as<float>().data();
    const Tensor* mask = opt_input(in, 3);
    const float* PK = opt_input(in, 4) ? in[4]->as<float>().data() : nullptr;
    const float* PV = opt_input(in, 5) ? in[5]->as<float>().data() : nullptr;
    const int64_t* nonpad = s.nonpad ? in[6]->as<int64_t>().data() : nullptr;
    const int64_t T = s.total();
    const int64_t group = s.q_heads / s.kv_heads;
    constexpr float kNegInf = -std::numeric_limits<float>::infinity();

    // Present key/value: past then the new steps ([b, kv heads, T, size]).
    const auto present = [&](const float* past, const float* now, int64_t size, Tensor* dst) {
        if (!dst || dst->data.empty())
            return;
        float* p = dst->as<float>().data();
        for (int64_t b = 0; b < s.batch; ++b)
            for (int64_t h = 0; h < s.kv_heads; ++h)
                for (int64_t t = 0; t < T; ++t)
                    for (int64_t d = 0; d < size; ++d)
                        p[((b * s.kv_heads + h) * T + t) * size + d] =
                            t < s.past ? past[((b * s.kv_heads + h) * s.past + t) * size + d]
                                       : now[at(s.three_d, s.kv_heads, s.kv_len, size, b, h,
                                                t - s.past, d)];
    };
    present(PK, K, s.head, out.size() > 1 ? &out[1] : nullptr);
    present(PV, V, s.v_head, out.size() > 2 ? &out[2] : nullptr);
    float* qk_out = out.size() > 3 && !out[3].data.empty() ? out[3].as<float>().data() : nullptr;
    float* Y = out[0].as<float>().data();

    const auto key = [&](const float* past, const float* now, int64_t size, int64_t b, int64_t h,
                         int64_t t, int64_t d) {
        return t < s.past ? past[((b * s.kv_heads + h) * s.past + t) * size + d]
                          : now[at(s.three_d, s.kv_heads, s.kv_len, size, b, h, t - s.past, d)];
    };
    const auto mask_at = [&](int64_t b, int64_t h, int64_t i, int64_t j) -> float {
        if (!mask)
            return 0.0f;
        const auto& m = s.mask_shape;
        if (j >= m[3])
            return kNegInf;  // past the mask's keys
        const int64_t off =
            (((m[0] == 1 ? 0 : b) * m[1] + (m[1] == 1 ? 0 : h)) * m[2] + (m[2] == 1 ? 0 : i)) *
                m[3] +
            j;
        if (s.mask_bool)
            return mask->data[static_cast<size_t>(off)] != 0 ? 0.0f : kNegInf;
        return mask->as<float>()[static_cast<size_t>(off)];
    };

    std::vector<float> qs(static_cast<size_t>(s.head));
    std::vector<float> scores(static_cast<size_t>(T));
    std::vector<float> bias(static_cast<size_t>(T));
    std::vector<float> probs(static_cast<size_t>(T));
    for (int64_t b = 0; b < s.batch; ++b)
    {
        // The causal frontier's offset: the past length, or the batch row's valid keys minus
        // the queries (external cache), else 0.
        const int64_t offset = s.past > 0 ? s.past : nonpad ? nonpad[b] - s.q_len : 0;
        for (int64_t h = 0; h < s.q_heads; ++h)
        {
            const int64_t kvh = h / group;
            for (int64_t i = 0; i < s.q_len; ++i)
            {
                for (int64_t d = 0; d < s.head; ++d)
                    qs[static_cast<size_t>(d)] =
                        Q[at(s.three_d, s.q_heads, s.q_len, s.head, b, h, i, d)] * s.sqrt_scale;
                bool any_key = false;
                for (int64_t j = 0; j < T; ++j)
                {
                    double dot = 0;
                    for (int64_t d = 0; d < s.head; ++d)
                        dot += static_cast<double>(qs[static_cast<size_t>(d)]) *
                               static_cast<double>(key(PK, K, s.head, b, kvh, j, d) * s.sqrt_scale);
                    float sc = to_float(dot);
                    if (s.softcap > 0)
                        sc = s.softcap * detmath::tanh(sc / s.softcap);
                    float bj = mask_at(b, h, i, j);
                    const int64_t p = i + offset;  // the query's absolute position
                    if (s.causal && j > p)
                        bj = kNegInf;
                    if (s.left_window >= 0 && p - j > s.left_window)
                        bj = kNegInf;
                    if (s.right_window >= 0 && j - p > s.right_window)
                        bj = kNegInf;
                    if (nonpad && j >= nonpad[b])
                        bj = kNegInf;
                    scores[static_cast<size_t>(j)] = sc;
                    bias[static_cast<size_t>(j)] = bj;
                    any_key = any_key || bj != kNegInf;
                }
                // Softmax over the keys of score + bias (zeros when every key is masked).
                float mx = kNegInf;
                for (int64_t j = 0; j < T; ++j)
                {
                    const float v = scores[static_cast<size_t>(j)] + bias[static_cast<size_t>(j)];
                    probs[static_cast<size_t>(j)] = v;
                    mx = v > mx || v != v ? v : mx;
                }
                if (qk_out)
                {
                    float* row = qk_out + ((b * s.q_heads + h) * s.q_len + i) * T;
                    for (int64_t j = 0; j < T; ++j)
                        row[j] = s.qk_mode == 2 ? probs[static_cast<size_t>(j)]
                                                : scores[static_cast<size_t>(j)];
                }
                if (!any_key || mx == kNegInf)
                    std::fill(probs.begin(), probs.end(), 0.0f);
                else
                {
                    // exp over the row (detmath::exp_n: detmath::exp's bits, AVX2 when
                    // available), then the sum in the same order.
                    for (auto& v : probs)
                        v = v - mx;
                    detmath::exp_n(probs.data(), probs.data(), probs.size());
                    double sum = 0;
                    for (const float v : probs)
                        sum += v;
                    for (auto& v : probs)
                        v = static_cast<float>(static_cast<double>(v) / sum);
                }
                if (qk_out && s.qk_mode == 3)
                    std::copy(probs.begin(), probs.end(),
                              qk_out + ((b * s.q_heads + h) * s.q_len + i) * T);
                for (int64_t d = 0; d < s.v_head; ++d)
                {
                    double acc = 0;
                    for (int64_t j = 0; j < T; ++j)
                        acc += static_cast<double>(probs[static_cast<size_t>(j)]) *
                               static_cast<double>(key(PV, V, s.v_head, b, kvh, j, d));
                    const int64_t o =
                        s.three_d ? (b * s.q_len + i) * s.q_heads * s.v_head + h * s.v_head + d
                                  : ((b * s.q_heads + h) * s.q_len + i) * s.v_head + d;
                    Y[o] = to_float(acc);
                }
            }
        }
    }
    canonicalize_float_outputs(out);
    return Ok{};
}

OpCost cost_attention(const Node& node, Infos in, std::span<const ValueInfo> out)
{
    OpCost c;
    auto s = attention_shape(node, in);
    if (!s)
        return c;
    const uint64_t pairs =
        sat_mul(sat_mul(sat_mul(static_cast<uint64_t>(s->batch), static_cast<uint64_t>(s->q_heads)),
                        static_cast<uint64_t>(s->q_len)),
                static_cast<uint64_t>(s->total()));
    c.macs = sat_mul(pairs, static_cast<uint64_t>(s->head + s->v_head));
    c.special_macs = sat_mul(pairs, s->softcap > 0 ? 2 * kTranscendentalMacs : kTranscendentalMacs);
    for (const auto* vi : in)
        if (vi)
            c.elements += static_cast<uint64_t>(vi->elements());
    for (const auto& o : out)
        c.elements += static_cast<uint64_t>(o.elements());
    c.elements += pairs;  // the score row of every query
    return c;
}

// clang-format off
constexpr OpDef kAttentionOps[] = {
    {"Attention", 3, 7, 1, 4, infer_attention, run_attention, cost_attention},
};
// clang-format on

}  // namespace

std::span<const OpDef> attention_ops() noexcept
{
    return kAttentionOps;
}

}  // namespace tern::ml
