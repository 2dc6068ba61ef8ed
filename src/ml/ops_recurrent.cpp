// Recurrent operators LSTM, GRU and RNN (ONNX opsets 7 and 14, layout from 14; older opsets
// load with the same meaning):
// directions forward, reverse and bidirectional; optional B, sequence_lens, initial_h,
// initial_c, P (peepholes); input_forget, linear_before_reset, clip, hidden_size; the
// activation list (Relu, Tanh, Sigmoid, HardSigmoid, LeakyRelu, ThresholdedRelu, ScaledTanh,
// Affine, Elu, Softsign, Softplus) with activation_alpha/beta; Y, Y_h and Y_c all optional.
//
// Determinism (ops_float.hpp rules): each batch row runs its own steps; every gate value is
// the dot product of X_t with a W row (k = 0, 1, ... in order, float from +0), plus the dot
// product of H_t-1 with an R row (same order), plus Wb, plus Rb (plus the peephole term),
// added left to right; transcendentals come from ml/detmath; canonical NaN in every output.

#include "ml/detmath.hpp"
#include "ml/ops_float.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace tern::ml {
namespace {

/// Which recurrent cell a node is.
enum class Cell : uint8_t
{
    Lstm,
    Gru,
    Rnn,
};

/// Gates per cell (rows of W and R per direction, in hidden_size units): LSTM iofc, GRU zrh,
/// RNN one.
int64_t gate_count(Cell c) noexcept
{
    return c == Cell::Lstm ? 4 : c == Cell::Gru ? 3 : 1;
}

/// Activation functions per direction: LSTM f, g, h; GRU f, g; RNN f.
size_t act_count(Cell c) noexcept
{
    return c == Cell::Lstm ? 3 : c == Cell::Gru ? 2 : 1;
}

/// Activation evaluations per hidden unit and step (the cost model's transcendental count):
/// LSTM i, f, o, c~ and h(C); GRU z, r, h~; RNN one.
uint64_t act_evaluations(Cell c) noexcept
{
    return c == Cell::Lstm ? 5 : c == Cell::Gru ? 3 : 1;
}

/// One activation function of the list with its alpha and beta.
struct Activation
{
    /// The supported functions.
    enum class Fn : uint8_t
    {
        Relu,
        Tanh,
        Sigmoid,
        HardSigmoid,
        LeakyRelu,
        ThresholdedRelu,
        ScaledTanh,
        Affine,
        Elu,
        Softsign,
        Softplus,
    };
    /// Function.
    Fn fn = Fn::Tanh;
    /// Its alpha (unused by some).
    float alpha = 0;
    /// Its beta (unused by some).
    float beta = 0;
};

/// Everything infer validated, re-derived by run from the actual tensors.
struct Spec
{
    /// Cell kind.
    Cell cell = Cell::Rnn;
    /// seq_length.
    int64_t seq = 0;
    /// batch_size.
    int64_t batch = 0;
    /// input_size.
    int64_t input = 0;
    /// hidden_size.
    int64_t hidden = 0;
    /// 1 or 2.
    int64_t dirs = 1;
    /// Layout 1 (batch first).
    bool batch_first = false;
    /// direction == "reverse" (single direction running backwards).
    bool reverse = false;
    /// A clip threshold is set.
    bool has_clip = false;
    /// The threshold.
    float clip = 0;
    /// LSTM input_forget.
    bool input_forget = false;
    /// GRU linear_before_reset.
    bool linear_before_reset = false;
    /// act_count(cell) activations per direction, direction 0 first.
    std::vector<Activation> acts;
};

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
    {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/// The activation list: defaults, or the activations attribute (act_count per direction, or
/// act_count once for both directions) with activation_alpha/beta consumed in list order by
/// the functions that take them (the operators' own defaults once a list runs out).
Status parse_activations(const Node& node, Spec& s)
{
    const size_t n = act_count(s.cell);
    std::vector<std::string> names;
    if (auto a = node.attr_strings("activations"))
        names = std::move(*a);
    else if (const auto* one = node.attr("activations");
             one && one->kind == Attribute::Kind::String)
        names = {one->s};
    else if (node.attr("activations"))
        return node_error(node, "activations must be a list of strings");
    else
    {
        static constexpr std::string_view kLstm[] = {"Sigmoid", "Tanh", "Tanh"};
        static constexpr std::string_view kGru[] = {"Sigmoid", "Tanh"};
        for (size_t k = 0; k < n; ++k)
            names.emplace_back(s.cell == Cell::Lstm  ? kLstm[k]
                               : s.cell == Cell::Gru ? kGru[k]
                                                     : std::string_view("Tanh"));
    }
    const auto want = n * static_cast<size_t>(s.dirs);
    if (names.size() != want && names.size() != n)
        return node_error(node, "activations must list " + std::to_string(n) +
                                    " functions per direction, got " +
                                    std::to_string(names.size()));
    const auto alphas = node.attr_floats("activation_alpha").value_or(std::vector<float>{});
    const auto betas = node.attr_floats("activation_beta").value_or(std::vector<float>{});
    size_t ai = 0;
    size_t bi = 0;
    auto take = [](const std::vector<float>& v, size_t& i, float def) {
        return i < v.size() ? v[i++] : def;
    };
    using Fn = Activation::Fn;
    struct Known
    {
        std::string_view name;
        Fn fn;
        bool uses_alpha;
        float alpha;
        bool uses_beta;
        float beta;
    };
    static constexpr Known kKnown[] = {
        {"Relu", Fn::Relu, false, 0, false, 0},
        {"Tanh", Fn::Tanh, false, 0, false, 0},
        {"Sigmoid", Fn::Sigmoid, false, 0, false, 0},
        {"HardSigmoid", Fn::HardSigmoid, true, 0.2f, true, 0.5f},
        {"LeakyRelu", Fn::LeakyRelu, true, 0.01f, false, 0},
        {"ThresholdedRelu", Fn::ThresholdedRelu, true, 1.0f, false, 0},
        {"ScaledTanh", Fn::ScaledTanh, true, 1.0f, true, 1.0f},
        {"Affine", Fn::Affine, true, 1.0f, true, 0.0f},
        {"Elu", Fn::Elu, true, 1.0f, false, 0},
        {"Softsign", Fn::Softsign, false, 0, false, 0},
        {"Softplus", Fn::Softplus, false, 0, false, 0},
    };
    s.acts.clear();
    for (const auto& name : names)
    {
        const Known* k = nullptr;
        for (const auto& cand : kKnown)
            if (iequals(cand.name, name))
                k = &cand;
        if (!k)
            return node_error(node, "unsupported activation '" + name +
                                        "' (supported: Relu, Tanh, Sigmoid, HardSigmoid, "
                                        "LeakyRelu, ThresholdedRelu, ScaledTanh, Affine, Elu, "
                                        "Softsign, Softplus)");
        Activation a;
        a.fn = k->fn;
        a.alpha = k->uses_alpha ? take(alphas, ai, k->alpha) : 0.0f;
        a.beta = k->uses_beta ? take(betas, bi, k->beta) : 0.0f;
        s.acts.push_back(a);
    }
    // One list for both directions: the reverse one uses the same functions and parameters.
    for (size_t k = 0; s.acts.size() < want; ++k)
        s.acts.push_back(s.acts[k]);
    return Ok{};
}

/// log(1 + t) for t >= 0 in double, accurate for small t (Goldberg's log(u) t / (u - 1)).
double log1p_d(double t) noexcept
{
    const double u = 1.0 + t;
    if (u == 1.0)
        return t;
    return detmath::log_d(u) * t / (u - 1.0);
}

float apply(const Activation& a, float x) noexcept
{
    using Fn = Activation::Fn;
    switch (a.fn)
    {
        case Fn::Relu:
            return x < 0.0f ? 0.0f : x;
        case Fn::Tanh:
            return detmath::tanh(x);
        case Fn::Sigmoid:
            return detmath::sigmoid(x);
        case Fn::HardSigmoid:
        {
            const float v = a.alpha * x + a.beta;
            const float lo = v < 0.0f ? 0.0f : v;
            return lo > 1.0f ? 1.0f : lo;
        }
        case Fn::LeakyRelu:
            return x < 0.0f ? a.alpha * x : x;
        case Fn::ThresholdedRelu:
            return x >= a.alpha ? x : 0.0f;  // the RNN spec's x >= alpha
        case Fn::ScaledTanh:
            return a.alpha * detmath::tanh(a.beta * x);
        case Fn::Affine:
            return a.alpha * x + a.beta;
        case Fn::Elu:
            return x < 0.0f ? to_float(static_cast<double>(a.alpha) * detmath::expm1_d(x)) : x;
        case Fn::Softsign:
            return x / (1.0f + std::fabs(x));
        case Fn::Softplus:
        {
            if (x != x)
                return x;
            const double d = x;
            return to_float((d > 0 ? d : 0.0) + log1p_d(detmath::exp_d(-std::fabs(d))));
        }
    }
    return x;
}

Cell cell_of(const Node& node) noexcept
{
    return node.op_type == "LSTM" ? Cell::Lstm : node.op_type == "GRU" ? Cell::Gru : Cell::Rnn;
}

// Input positions.
constexpr size_t kX = 0;
constexpr size_t kW = 1;
constexpr size_t kR = 2;
constexpr size_t kB = 3;
constexpr size_t kLens = 4;
constexpr size_t kInitH = 5;
constexpr size_t kInitC = 6;
constexpr size_t kP = 7;

Status check_shape(const Node& node,
                   const ValueInfo* v,
                   const char* what,
                   const std::vector<int64_t>& want)
{
    if (v->dtype != DType::FLOAT)
        return node_error(node, std::string(what) + " must be float");
    if (v->shape != want)
        return node_error(node, std::string(what) + " must have shape " + shape_string(want) +
                                    ", got " + shape_string(v->shape));
    return Ok{};
}

/// Shape of a state tensor (initial_h, initial_c, Y_h, Y_c) for the layout.
std::vector<int64_t> state_shape(const Spec& s)
{
    return s.batch_first ? std::vector<int64_t>{s.batch, s.dirs, s.hidden}
                         : std::vector<int64_t>{s.dirs, s.batch, s.hidden};
}

/// node_error's message (make_spec returns a Result of Spec).
std::string spec_error(const Node& node, std::string_view msg)
{
    return node_error(node, msg).error();
}

/// Validates attributes and input shapes (everything run relies on).
Result<Spec, std::string> make_spec(const Node& node, std::span<const ValueInfo* const> inputs)
{
    Spec s;
    s.cell = cell_of(node);
    const int64_t gates = gate_count(s.cell);
    for (size_t k : {kX, kW, kR})
        if (k >= inputs.size() || !inputs[k])
            return spec_error(node, "inputs X, W and R are required");
    const auto layout = node.attr_int("layout", 0);
    if (layout != 0 && layout != 1)
        return spec_error(node, "layout must be 0 or 1");
    if (layout == 1 && node.opset < 14)
        return spec_error(node, "layout needs opset 14");
    s.batch_first = layout == 1;
    const auto direction = node.attr_string("direction", "forward");
    if (direction == "bidirectional")
        s.dirs = 2;
    else if (direction == "reverse")
        s.reverse = true;
    else if (direction != "forward")
        return spec_error(
            node, "direction must be forward, reverse or bidirectional, got '" + direction + "'");
    if (const auto* c = node.attr("clip"))
    {
        if (c->kind != Attribute::Kind::Float || !(c->f > 0.0f))
            return spec_error(node, "clip must be a positive float");
        s.has_clip = true;
        s.clip = c->f;
    }
    const auto input_forget = node.attr_int("input_forget", 0);
    if (s.cell == Cell::Lstm)
        s.input_forget = input_forget != 0;
    if (s.cell == Cell::Gru)
        s.linear_before_reset = node.attr_int("linear_before_reset", 0) != 0;

    const auto* x = inputs[kX];
    const auto* w = inputs[kW];
    const auto* r = inputs[kR];
    if (x->dtype != DType::FLOAT || w->dtype != DType::FLOAT || r->dtype != DType::FLOAT)
        return spec_error(node, "X, W and R must be float");
    if (x->shape.size() != 3)
        return spec_error(node, "X must be 3-D, got " + shape_string(x->shape));
    s.seq = s.batch_first ? x->shape[1] : x->shape[0];
    s.batch = s.batch_first ? x->shape[0] : x->shape[1];
    s.input = x->shape[2];
    if (w->shape.size() != 3 || w->shape[0] != s.dirs || w->shape[2] != s.input)
        return spec_error(node, "W must have shape [" + std::to_string(s.dirs) + ", " +
                                    std::to_string(gates) + "*hidden_size, " +
                                    std::to_string(s.input) + "], got " + shape_string(w->shape));
    if (w->shape[1] % gates != 0)
        return spec_error(node, "W's second dim must be a multiple of " + std::to_string(gates));
    s.hidden = w->shape[1] / gates;
    if (const auto* hs = node.attr("hidden_size"))
    {
        if (hs->kind != Attribute::Kind::Int || hs->i != s.hidden)
            return spec_error(node,
                              "hidden_size does not match W (" + std::to_string(s.hidden) + ")");
    }
    if (s.hidden < 1)
        return spec_error(node, "hidden_size must be positive");
    if (auto st = check_shape(node, r, "R", {s.dirs, gates * s.hidden, s.hidden}); !st)
        return st.error();
    if (const auto* b = opt_input(inputs, kB))
        if (auto st = check_shape(node, b, "B", {s.dirs, 2 * gates * s.hidden}); !st)
            return st.error();
    if (const auto* l = opt_input(inputs, kLens))
    {
        if (l->dtype != DType::INT32 && l->dtype != DType::INT64)
            return spec_error(node, "sequence_lens must be int32");
        if (l->shape != std::vector<int64_t>{s.batch})
            return spec_error(node, "sequence_lens must have shape [" + std::to_string(s.batch) +
                                        "], got " + shape_string(l->shape));
    }
    if (const auto* h = opt_input(inputs, kInitH))
        if (auto st = check_shape(node, h, "initial_h", state_shape(s)); !st)
            return st.error();
    if (s.cell == Cell::Lstm)
    {
        if (const auto* c = opt_input(inputs, kInitC))
            if (auto st = check_shape(node, c, "initial_c", state_shape(s)); !st)
                return st.error();
        if (const auto* p = opt_input(inputs, kP))
            if (auto st = check_shape(node, p, "P", {s.dirs, 3 * s.hidden}); !st)
                return st.error();
    }
    if (auto st = parse_activations(node, s); !st)
        return st.error();
    return s;
}

Status infer_recurrent(const Node& node,
                       std::span<const ValueInfo* const> inputs,
                       std::span<ValueInfo> outputs)
{
    auto s = make_spec(node, inputs);
    if (!s)
        return s.error();
    for (size_t k = 0; k < outputs.size(); ++k)
    {
        outputs[k].dtype = DType::FLOAT;
        if (k == 0)
            outputs[k].shape = s->batch_first
                                   ? std::vector<int64_t>{s->batch, s->seq, s->dirs, s->hidden}
                                   : std::vector<int64_t>{s->seq, s->dirs, s->batch, s->hidden};
        else
            outputs[k].shape = state_shape(*s);
    }
    return Ok{};
}

/// Clamps a pre-activation to [-clip, clip] when clip is set (NaN stays).
inline float clipped(const Spec& s, float v) noexcept
{
    if (!s.has_clip)
        return v;
    return v < -s.clip ? -s.clip : (v > s.clip ? s.clip : v);
}

/// out[j] = sum over k (in order) of v[k] * m[j * n + k], for j < rows.
void mat_vec(const float* m, const float* v, int64_t rows, int64_t n, float* out) noexcept
{
    for (int64_t j = 0; j < rows; ++j)
    {
        const float* row = m + j * n;
        float acc = 0.0f;
        for (int64_t k = 0; k < n; ++k)
            acc += v[k] * row[k];
        out[j] = acc;
    }
}

/// The output slot k when the node has it (omitted optional outputs arrive empty).
float* output_data(const Node& node, std::span<Tensor> outputs, size_t k, int64_t elements)
{
    if (k >= outputs.size() || k >= node.outputs.size() || node.outputs[k] < 0)
        return nullptr;
    auto& t = outputs[k];
    if (t.dtype != DType::FLOAT || t.elements() != elements ||
        t.data.size() != static_cast<size_t>(elements) * sizeof(float))
        return nullptr;
    return t.as<float>().data();
}

Status run_recurrent(const Node& node,
                     std::span<const Tensor* const> inputs,
                     std::span<Tensor> outputs)
{
    const auto known = known_infos(inputs);
    auto spec = make_spec(node, known.ptrs);
    if (!spec)
        return spec.error();
    const Spec& s = *spec;
    const int64_t H = s.hidden;
    const int64_t I = s.input;
    const int64_t G = gate_count(s.cell);
    const int64_t GH = G * H;

    // Per-batch lengths, validated before any work.
    std::vector<int64_t> lens(static_cast<size_t>(s.batch), s.seq);
    if (const auto* l = opt_input(inputs, kLens))
        for (int64_t b = 0; b < s.batch; ++b)
        {
            const auto v = int_at(*l, static_cast<size_t>(b));
            if (v < 0 || v > s.seq)
                return node_error(node, "sequence_lens[" + std::to_string(b) +
                                            "] = " + std::to_string(v) + " is outside [0, " +
                                            std::to_string(s.seq) + "]");
            lens[static_cast<size_t>(b)] = v;
        }

    const float* X = inputs[kX]->as<float>().data();
    const float* W = inputs[kW]->as<float>().data();
    const float* R = inputs[kR]->as<float>().data();
    const Tensor* bias = opt_input(inputs, kB);
    const Tensor* init_h = opt_input(inputs, kInitH);
    const Tensor* init_c = s.cell == Cell::Lstm ? opt_input(inputs, kInitC) : nullptr;
    const Tensor* peep = s.cell == Cell::Lstm ? opt_input(inputs, kP) : nullptr;

    const int64_t state_elems = s.dirs * s.batch * H;
    float* Y = output_data(node, outputs, 0, s.seq * state_elems);
    float* Yh = output_data(node, outputs, 1, state_elems);
    float* Yc = s.cell == Cell::Lstm ? output_data(node, outputs, 2, state_elems) : nullptr;

    const std::vector<float> zeros(static_cast<size_t>(2 * GH), 0.0f);
    std::vector<float> gx(static_cast<size_t>(GH));
    std::vector<float> gh(static_cast<size_t>(GH));
    std::vector<float> h(static_cast<size_t>(H));
    std::vector<float> c(static_cast<size_t>(H));
    std::vector<float> tmp(static_cast<size_t>(H));
    const size_t na = act_count(s.cell);

    for (int64_t d = 0; d < s.dirs; ++d)
    {
        const bool backwards = s.reverse || d == 1;
        const float* Wd = W + d * GH * I;
        const float* Rd = R + d * GH * H;
        const float* wb = bias ? bias->as<float>().data() + d * 2 * GH : zeros.data();
        const float* rb = wb + GH;
        const float* P = peep ? peep->as<float>().data() + d * 3 * H : nullptr;
        const Activation* act = s.acts.data() + static_cast<size_t>(d) * na;
        for (int64_t b = 0; b < s.batch; ++b)
        {
            // State index of (d, b) in initial_h / Y_h for the layout.
            const int64_t si = (s.batch_first ? b * s.dirs + d : d * s.batch + b) * H;
            for (int64_t j = 0; j < H; ++j)
            {
                h[j] = init_h ? init_h->as<float>()[si + j] : 0.0f;
                c[j] = init_c ? init_c->as<float>()[si + j] : 0.0f;
            }
            const int64_t len = lens[static_cast<size_t>(b)];
            for (int64_t step = 0; step < len; ++step)
            {
                const int64_t t = backwards ? len - 1 - step : step;
                const float* xt = X + (s.batch_first ? b * s.seq + t : t * s.batch + b) * I;
                mat_vec(Wd, xt, GH, I, gx.data());
                const bool gru_reset_first = s.cell == Cell::Gru && !s.linear_before_reset;
                // H_t-1 times R rows (all gates, or z and r only when the GRU's h~ needs
                // r (.) H_t-1 first).
                mat_vec(Rd, h.data(), gru_reset_first ? 2 * H : GH, H, gh.data());
                if (s.cell == Cell::Lstm)
                {
                    // Gate blocks i, o, f, c; peepholes i, o, f.
                    for (int64_t j = 0; j < H; ++j)
                    {
                        auto pre = [&](int64_t g) {
                            const int64_t q = g * H + j;
                            return gx[q] + gh[q] + wb[q] + rb[q];
                        };
                        float vi = pre(0);
                        if (P)
                            vi = vi + P[j] * c[j];
                        const float it = apply(act[0], clipped(s, vi));
                        float ft;
                        if (s.input_forget)
                            ft = 1.0f - it;
                        else
                        {
                            float vf = pre(2);
                            if (P)
                                vf = vf + P[2 * H + j] * c[j];
                            ft = apply(act[0], clipped(s, vf));
                        }
                        const float ct = apply(act[1], clipped(s, pre(3)));
                        const float cn = ft * c[j] + it * ct;
                        float vo = pre(1);
                        if (P)
                            vo = vo + P[H + j] * cn;
                        const float ot = apply(act[0], clipped(s, vo));
                        c[j] = cn;
                        tmp[j] = ot * apply(act[2], clipped(s, cn));
                    }
                }
                else if (s.cell == Cell::Gru)
                {
                    // Gate blocks z, r, h; gx/gh hold z and r pre-activations, then r.
                    for (int64_t j = 0; j < H; ++j)
                    {
                        const float vz = gx[j] + gh[j] + wb[j] + rb[j];
                        const int64_t q = H + j;
                        const float vr = gx[q] + gh[q] + wb[q] + rb[q];
                        gh[j] = apply(act[0], clipped(s, vz));  // z
                        gh[q] = apply(act[0], clipped(s, vr));  // r
                    }
                    float* hh = gh.data() + 2 * H;
                    if (!s.linear_before_reset)
                    {
                        for (int64_t j = 0; j < H; ++j)
                            tmp[j] = gh[H + j] * h[j];
                        mat_vec(Rd + 2 * H * H, tmp.data(), H, H, hh);
                    }
                    for (int64_t j = 0; j < H; ++j)
                    {
                        const int64_t q = 2 * H + j;
                        float v;
                        if (s.linear_before_reset)
                            v = gx[q] + wb[q] + gh[H + j] * (hh[j] + rb[q]);
                        else
                            v = gx[q] + hh[j] + wb[q] + rb[q];
                        const float ht = apply(act[1], clipped(s, v));
                        const float z = gh[j];
                        tmp[j] = (1.0f - z) * ht + z * h[j];
                    }
                }
                else
                {
                    for (int64_t j = 0; j < H; ++j)
                        tmp[j] = apply(act[0], clipped(s, gx[j] + gh[j] + wb[j] + rb[j]));
                }
                for (int64_t j = 0; j < H; ++j)
                    h[j] = tmp[j];
                if (Y)
                {
                    const int64_t yi = (s.batch_first ? (b * s.seq + t) * s.dirs + d
                                                      : (t * s.dirs + d) * s.batch + b) *
                                       H;
                    for (int64_t j = 0; j < H; ++j)
                        Y[yi + j] = h[j];
                }
            }
            for (int64_t j = 0; j < H; ++j)
            {
                if (Yh)
                    Yh[si + j] = h[j];
                if (Yc)
                    Yc[si + j] = c[j];
            }
        }
    }
    for (size_t k = 0; k < outputs.size(); ++k)
        if (output_data(node, outputs, k, outputs[k].elements()))
            canonicalize_nans(outputs[k]);
    return Ok{};
}

/// seq * batch * dirs * gates * hidden * (input + hidden) MACs for the products, plus
/// kTranscendentalMacs per activation evaluation (charged for every step: the cost cannot
/// depend on sequence_lens' values); elements of all inputs and outputs plus 4 per state
/// element (dirs * batch * hidden: h and c set up and stored, even with no steps).
OpCost cost_recurrent(const Node& node,
                      std::span<const ValueInfo* const> inputs,
                      std::span<const ValueInfo> outputs)
{
    OpCost c;
    auto s = make_spec(node, inputs);
    if (!s)
        return c;
    const auto steps =
        sat_mul(sat_mul(static_cast<uint64_t>(s->seq), static_cast<uint64_t>(s->batch)),
                static_cast<uint64_t>(s->dirs));
    const auto units = sat_mul(steps, static_cast<uint64_t>(s->hidden));
    const auto width = static_cast<uint64_t>(s->input) + static_cast<uint64_t>(s->hidden);
    const auto products =
        sat_mul(sat_mul(units, static_cast<uint64_t>(gate_count(s->cell))), width);
    const auto acts = sat_mul(sat_mul(units, act_evaluations(s->cell)), kTranscendentalMacs);
    c.macs = products;
    c.special_macs = acts;
    uint64_t e = 0;
    auto add = [&e](uint64_t v) {
        e = sat_add(e, v);
    };
    for (const auto* in : inputs)
        if (in)
            add(static_cast<uint64_t>(in->elements()));
    for (const auto& o : outputs)
        add(static_cast<uint64_t>(o.elements()));
    // The state of every (direction, batch row) is set up and stored even when seq_length
    // is 0 or the outputs are omitted: h and c, read and written.
    add(sat_mul(sat_mul(static_cast<uint64_t>(s->dirs), static_cast<uint64_t>(s->batch)),
                sat_mul(static_cast<uint64_t>(s->hidden), 4)));
    c.elements = e;
    return c;
}

// clang-format off
constexpr OpDef kRecurrentOps[] = {
    // name, inputs min/max, outputs min/max, infer, run, cost
    {"LSTM", 3, 8, 0, 3, infer_recurrent, run_recurrent, cost_recurrent},
    {"GRU", 3, 6, 0, 2, infer_recurrent, run_recurrent, cost_recurrent},
    {"RNN", 3, 6, 0, 2, infer_recurrent, run_recurrent, cost_recurrent},
};
// clang-format on

}  // namespace

std::span<const OpDef> recurrent_ops() noexcept
{
    return kRecurrentOps;
}

}  // namespace tern::ml
