// LSTM, GRU and RNN (ops_recurrent.cpp) against a plain double-precision reference written
// from the ONNX equations: every optional input, bidirectional and reverse runs,
// sequence_lens (zero outputs past a row's length), layout 1, clip, input_forget,
// linear_before_reset, activation lists with alpha/beta, omitted outputs, refusals and costs.

#include "ml/op.hpp"
#include "ml/ops_float.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tern::ml {
namespace {

Attribute int_attr(int64_t v)
{
    Attribute a;
    a.kind = Attribute::Kind::Int;
    a.i = v;
    return a;
}
Attribute float_attr(float v)
{
    Attribute a;
    a.kind = Attribute::Kind::Float;
    a.f = v;
    return a;
}
Attribute floats_attr(std::vector<float> v)
{
    Attribute a;
    a.kind = Attribute::Kind::Floats;
    a.floats = std::move(v);
    return a;
}
Attribute string_attr(std::string v)
{
    Attribute a;
    a.kind = Attribute::Kind::String;
    a.s = std::move(v);
    return a;
}
Attribute strings_attr(std::vector<std::string> v)
{
    Attribute a;
    a.kind = Attribute::Kind::Strings;
    a.strings = std::move(v);
    return a;
}

using Attrs = std::vector<std::pair<std::string, Attribute>>;

Node make_node(const std::string& op, Attrs attrs, int64_t opset = 14, size_t outputs = 3)
{
    Node n;
    n.op = find_op(op);
    n.op_type = op;
    n.name = op;
    n.opset = opset;
    std::sort(attrs.begin(), attrs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    n.attrs = std::move(attrs);
    n.outputs.assign(op == "LSTM" ? outputs : std::min<size_t>(outputs, 2), 0);
    return n;
}

using Run = Result<std::vector<Tensor>, std::string>;

// Infers, then runs with outputs allocated like the engine (empty tensors for omitted ones).
Run run_node(Node node, std::vector<const Tensor*> inputs)
{
    if (!node.op)
        return "op " + node.op_type + " not registered";
    node.inputs.assign(inputs.size(), 0);
    for (size_t k = 0; k < inputs.size(); ++k)
        if (!inputs[k])
            node.inputs[k] = -1;
    std::vector<ValueInfo> infos(inputs.size());
    std::vector<const ValueInfo*> ptrs;
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        if (inputs[k])
        {
            infos[k].dtype = inputs[k]->dtype;
            infos[k].shape = inputs[k]->shape;
        }
        ptrs.push_back(inputs[k] ? &infos[k] : nullptr);
    }
    std::vector<ValueInfo> outs(node.outputs.size());
    if (auto st = node.op->infer(node, ptrs, outs); !st)
        return st.error();
    std::vector<Tensor> results;
    for (size_t k = 0; k < outs.size(); ++k)
        results.push_back(node.outputs[k] >= 0 ? Tensor::zeros(outs[k].dtype, outs[k].shape)
                                               : Tensor{});
    if (auto st = node.op->run(node, inputs, results); !st)
        return st.error();
    return results;
}

Tensor random_floats(std::vector<int64_t> shape, float scale, uint64_t seed)
{
    Tensor t = Tensor::zeros(DType::FLOAT, std::move(shape));
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (float& v : t.as<float>())
    {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        const auto i = static_cast<int32_t>((s * 0x2545F4914F6CDD1DULL) >> 44) - (1 << 19);
        v = static_cast<float>(i) / static_cast<float>(1 << 19) * scale;
    }
    return t;
}

bool has(const Run& r, std::string_view text)
{
    return !r && r.error().find(text) != std::string::npos;
}

// ---------------------------------------------------------------------------------------
// Reference (layout 0, double precision, straight from the ONNX equations).

using Fn = std::function<double(double)>;

double sigmoid(double x)
{
    return 1.0 / (1.0 + std::exp(-x));
}

struct Ref
{
    std::string cell;  // "LSTM", "GRU", "RNN"
    int64_t seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1;
    bool reverse = false;
    bool input_forget = false;
    bool linear_before_reset = false;
    double clip = 0;                    // 0: none
    std::vector<int64_t> lens;          // empty: all seq
    std::vector<std::vector<Fn>> acts;  // per direction
    const Tensor *x = nullptr, *w = nullptr, *r = nullptr, *b = nullptr, *h0 = nullptr,
                 *c0 = nullptr, *p = nullptr;
    // Outputs.
    std::vector<double> y, yh, yc;

    void run()
    {
        const int64_t H = hidden, I = input;
        const int64_t G = cell == "LSTM" ? 4 : cell == "GRU" ? 3 : 1;
        y.assign(static_cast<size_t>(seq * dirs * batch * H), 0.0);
        yh.assign(static_cast<size_t>(dirs * batch * H), 0.0);
        yc = yh;
        auto at = [](const Tensor* t, int64_t i) {
            return t ? static_cast<double>(t->as<float>()[static_cast<size_t>(i)]) : 0.0;
        };
        auto cl = [&](double v) {
            return clip > 0 ? std::clamp(v, -clip, clip) : v;
        };
        for (int64_t d = 0; d < dirs; ++d)
        {
            const auto& f = acts[static_cast<size_t>(d)];
            for (int64_t bi = 0; bi < batch; ++bi)
            {
                std::vector<double> h(static_cast<size_t>(H)), c(static_cast<size_t>(H));
                for (int64_t j = 0; j < H; ++j)
                {
                    h[j] = at(h0, (d * batch + bi) * H + j);
                    c[j] = at(c0, (d * batch + bi) * H + j);
                }
                const int64_t len = lens.empty() ? seq : lens[static_cast<size_t>(bi)];
                for (int64_t s = 0; s < len; ++s)
                {
                    const int64_t t = (reverse || d == 1) ? len - 1 - s : s;
                    // xw(g, j) = X_t . W_g[j] + Wb_g[j]; hr(g, j, v) = v . R_g[j] + Rb_g[j].
                    auto xw = [&](int64_t g, int64_t j) {
                        double acc = at(b, d * 2 * G * H + g * H + j);
                        for (int64_t k = 0; k < I; ++k)
                            acc += at(x, (t * batch + bi) * I + k) *
                                   at(w, (d * G * H + g * H + j) * I + k);
                        return acc;
                    };
                    auto hr = [&](int64_t g, int64_t j, const std::vector<double>& v) {
                        double acc = at(b, d * 2 * G * H + G * H + g * H + j);
                        for (int64_t k = 0; k < H; ++k)
                            acc += v[k] * at(r, (d * G * H + g * H + j) * H + k);
                        return acc;
                    };
                    std::vector<double> hn(static_cast<size_t>(H)), cn(static_cast<size_t>(H));
                    if (cell == "LSTM")
                    {
                        for (int64_t j = 0; j < H; ++j)
                        {
                            const double pi = at(p, d * 3 * H + j);
                            const double po = at(p, d * 3 * H + H + j);
                            const double pf = at(p, d * 3 * H + 2 * H + j);
                            const double it = f[0](cl(xw(0, j) + hr(0, j, h) + pi * c[j]));
                            const double ft = input_forget
                                                  ? 1.0 - it
                                                  : f[0](cl(xw(2, j) + hr(2, j, h) + pf * c[j]));
                            const double ct = f[1](cl(xw(3, j) + hr(3, j, h)));
                            cn[j] = ft * c[j] + it * ct;
                            const double ot = f[0](cl(xw(1, j) + hr(1, j, h) + po * cn[j]));
                            hn[j] = ot * f[2](cl(cn[j]));
                        }
                    }
                    else if (cell == "GRU")
                    {
                        std::vector<double> z(static_cast<size_t>(H)), rr(static_cast<size_t>(H));
                        for (int64_t j = 0; j < H; ++j)
                        {
                            z[j] = f[0](cl(xw(0, j) + hr(0, j, h)));
                            rr[j] = f[0](cl(xw(1, j) + hr(1, j, h)));
                        }
                        std::vector<double> rh(static_cast<size_t>(H));
                        for (int64_t j = 0; j < H; ++j)
                            rh[j] = rr[j] * h[j];
                        for (int64_t j = 0; j < H; ++j)
                        {
                            const double ht = linear_before_reset
                                                  ? f[1](cl(xw(2, j) + rr[j] * hr(2, j, h)))
                                                  : f[1](cl(xw(2, j) + hr(2, j, rh)));
                            hn[j] = (1 - z[j]) * ht + z[j] * h[j];
                        }
                    }
                    else
                    {
                        for (int64_t j = 0; j < H; ++j)
                            hn[j] = f[0](cl(xw(0, j) + hr(0, j, h)));
                    }
                    h = hn;
                    if (cell == "LSTM")
                        c = cn;
                    for (int64_t j = 0; j < H; ++j)
                        y[static_cast<size_t>(((t * dirs + d) * batch + bi) * H + j)] = h[j];
                }
                for (int64_t j = 0; j < H; ++j)
                {
                    yh[static_cast<size_t>((d * batch + bi) * H + j)] = h[j];
                    yc[static_cast<size_t>((d * batch + bi) * H + j)] = c[j];
                }
            }
        }
    }
};

void expect_near(const Tensor& got, const std::vector<double>& want, const char* what)
{
    ASSERT_EQ(static_cast<size_t>(got.elements()), want.size()) << what;
    const auto g = got.as<float>();
    for (size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(g[i], want[i], 2e-6 + 2e-6 * std::fabs(want[i])) << what << " at " << i;
}

const Fn kSig = sigmoid;
const Fn kTanh = [](double v) {
    return std::tanh(v);
};

TEST(MlRecurrentOps, LstmBidirectionalAllInputs)
{
    const int64_t S = 4, B = 3, I = 5, H = 3;
    const Tensor x = random_floats({S, B, I}, 2.0f, 1);
    const Tensor w = random_floats({2, 4 * H, I}, 0.6f, 2);
    const Tensor r = random_floats({2, 4 * H, H}, 0.6f, 3);
    const Tensor bias = random_floats({2, 8 * H}, 0.5f, 4);
    const Tensor lens = Tensor::from<int32_t>(DType::INT32, {B}, std::vector<int32_t>{4, 2, 0});
    const Tensor h0 = random_floats({2, B, H}, 1.0f, 5);
    const Tensor c0 = random_floats({2, B, H}, 1.0f, 6);
    const Tensor p = random_floats({2, 3 * H}, 0.5f, 7);
    auto out = run_node(make_node("LSTM", {{"direction", string_attr("bidirectional")},
                                           {"hidden_size", int_attr(H)}}),
                        {&x, &w, &r, &bias, &lens, &h0, &c0, &p});
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{S, 2, B, H}));
    EXPECT_EQ((*out)[1].shape, (std::vector<int64_t>{2, B, H}));
    Ref ref;
    ref.cell = "LSTM";
    ref.seq = S, ref.batch = B, ref.input = I, ref.hidden = H, ref.dirs = 2;
    ref.lens = {4, 2, 0};
    ref.acts = {{kSig, kTanh, kTanh}, {kSig, kTanh, kTanh}};
    ref.x = &x, ref.w = &w, ref.r = &r, ref.b = &bias, ref.h0 = &h0, ref.c0 = &c0, ref.p = &p;
    ref.run();
    expect_near((*out)[0], ref.y, "Y");
    expect_near((*out)[1], ref.yh, "Y_h");
    expect_near((*out)[2], ref.yc, "Y_c");
    // Past a row's length Y is zero; a zero-length row keeps its initial state.
    EXPECT_EQ((*out)[0].as<float>()[((2 * 2 + 0) * B + 1) * H], 0.0f);
    EXPECT_EQ((*out)[1].as<float>()[2 * H], h0.as<float>()[2 * H]);
}

TEST(MlRecurrentOps, LstmInputForgetClipLayout1AndOmittedOutputs)
{
    const int64_t S = 3, B = 2, I = 4, H = 2;
    const Tensor x = random_floats({S, B, I}, 3.0f, 11);
    const Tensor w = random_floats({1, 4 * H, I}, 1.5f, 12);
    const Tensor r = random_floats({1, 4 * H, H}, 1.5f, 13);
    const Tensor h0 = random_floats({1, B, H}, 1.0f, 14);
    Attrs attrs = {{"input_forget", int_attr(1)},
                   {"clip", float_attr(0.75f)},
                   {"direction", string_attr("reverse")}};
    auto out = run_node(make_node("LSTM", attrs), {&x, &w, &r, nullptr, nullptr, &h0});
    ASSERT_TRUE(out) << out.error();
    Ref ref;
    ref.cell = "LSTM";
    ref.seq = S, ref.batch = B, ref.input = I, ref.hidden = H;
    ref.reverse = true, ref.input_forget = true, ref.clip = 0.75;
    ref.acts = {{kSig, kTanh, kTanh}};
    ref.x = &x, ref.w = &w, ref.r = &r, ref.h0 = &h0;
    ref.run();
    expect_near((*out)[0], ref.y, "Y");
    expect_near((*out)[1], ref.yh, "Y_h");
    expect_near((*out)[2], ref.yc, "Y_c");

    // The same in layout 1: the same bits, transposed.
    Tensor xb = Tensor::zeros(DType::FLOAT, {B, S, I});
    for (int64_t t = 0; t < S; ++t)
        for (int64_t b = 0; b < B; ++b)
            for (int64_t k = 0; k < I; ++k)
                xb.as<float>()[(b * S + t) * I + k] = x.as<float>()[(t * B + b) * I + k];
    Tensor hb = Tensor::zeros(DType::FLOAT, {B, 1, H});
    std::copy(h0.as<float>().begin(), h0.as<float>().end(), hb.as<float>().begin());
    attrs.emplace_back("layout", int_attr(1));
    Node n = make_node("LSTM", attrs);
    n.outputs = {0, -1, 0};  // Y_h omitted
    auto bw = run_node(n, {&xb, &w, &r, nullptr, nullptr, &hb});
    ASSERT_TRUE(bw) << bw.error();
    EXPECT_EQ((*bw)[0].shape, (std::vector<int64_t>{B, S, 1, H}));
    EXPECT_TRUE((*bw)[1].data.empty());
    for (int64_t t = 0; t < S; ++t)
        for (int64_t b = 0; b < B; ++b)
            for (int64_t j = 0; j < H; ++j)
                EXPECT_EQ((*bw)[0].as<float>()[(b * S + t) * H + j],
                          (*out)[0].as<float>()[(t * B + b) * H + j]);
    EXPECT_EQ((*bw)[2].as<float>()[0], (*out)[2].as<float>()[0]);
    EXPECT_TRUE(has(run_node(make_node("LSTM", attrs, 7), {&xb, &w, &r}), "opset 14"));
}

TEST(MlRecurrentOps, GruBothResetModes)
{
    const int64_t S = 5, B = 3, I = 3, H = 4;
    const Tensor x = random_floats({S, B, I}, 2.0f, 21);
    const Tensor w = random_floats({2, 3 * H, I}, 0.7f, 22);
    const Tensor r = random_floats({2, 3 * H, H}, 0.7f, 23);
    const Tensor bias = random_floats({2, 6 * H}, 0.5f, 24);
    const Tensor lens = Tensor::from<int32_t>(DType::INT32, {B}, std::vector<int32_t>{3, 5, 1});
    const Tensor h0 = random_floats({2, B, H}, 1.0f, 25);
    for (int64_t lbr : {0, 1})
    {
        auto out = run_node(make_node("GRU", {{"direction", string_attr("bidirectional")},
                                              {"linear_before_reset", int_attr(lbr)}}),
                            {&x, &w, &r, &bias, &lens, &h0});
        ASSERT_TRUE(out) << out.error();
        ASSERT_EQ(out->size(), 2u);
        Ref ref;
        ref.cell = "GRU";
        ref.seq = S, ref.batch = B, ref.input = I, ref.hidden = H, ref.dirs = 2;
        ref.linear_before_reset = lbr != 0;
        ref.lens = {3, 5, 1};
        ref.acts = {{kSig, kTanh}, {kSig, kTanh}};
        ref.x = &x, ref.w = &w, ref.r = &r, ref.b = &bias, ref.h0 = &h0;
        ref.run();
        expect_near((*out)[0], ref.y, "Y");
        expect_near((*out)[1], ref.yh, "Y_h");
    }
}

TEST(MlRecurrentOps, ActivationListsWithAlphaBeta)
{
    const int64_t S = 3, B = 2, I = 3, H = 3;
    const Tensor x = random_floats({S, B, I}, 2.0f, 31);
    const Tensor w3 = random_floats({2, 3 * H, I}, 1.0f, 32);
    const Tensor r3 = random_floats({2, 3 * H, H}, 1.0f, 33);
    // GRU forward: HardSigmoid(alpha 0.3, beta 0.4), Elu(alpha 0.7): alphas are consumed in
    // list order by the functions that take them; reverse direction: Softsign, Softplus.
    auto gru = run_node(
        make_node("GRU",
                  {{"direction", string_attr("bidirectional")},
                   {"activations", strings_attr({"HardSigmoid", "Elu", "Softsign", "softplus"})},
                   {"activation_alpha", floats_attr({0.3f, 0.7f})},
                   {"activation_beta", floats_attr({0.4f})}}),
        {&x, &w3, &r3});
    ASSERT_TRUE(gru) << gru.error();
    Ref ref;
    ref.cell = "GRU";
    ref.seq = S, ref.batch = B, ref.input = I, ref.hidden = H, ref.dirs = 2;
    ref.acts = {{[](double v) { return std::clamp(0.3 * v + 0.4, 0.0, 1.0); },
                 [](double v) {
                     return v < 0 ? 0.7 * (std::exp(v) - 1) : v;
                 }},
                {[](double v) { return v / (1 + std::fabs(v)); },
                 [](double v) {
                     return std::log1p(std::exp(v));
                 }}};
    ref.x = &x, ref.w = &w3, ref.r = &r3;
    ref.run();
    expect_near((*gru)[0], ref.y, "GRU Y");

    // RNN: one list for both directions (LeakyRelu 0.2), clip 0.5; then ScaledTanh, Affine,
    // ThresholdedRelu and Relu per direction.
    const Tensor w1 = random_floats({2, H, I}, 1.0f, 34);
    const Tensor r1 = random_floats({2, H, H}, 1.0f, 35);
    auto rnn = run_node(make_node("RNN", {{"direction", string_attr("bidirectional")},
                                          {"activations", strings_attr({"LeakyRelu"})},
                                          {"activation_alpha", floats_attr({0.2f})},
                                          {"clip", float_attr(0.5f)}}),
                        {&x, &w1, &r1});
    ASSERT_TRUE(rnn) << rnn.error();
    Ref rr;
    rr.cell = "RNN";
    rr.seq = S, rr.batch = B, rr.input = I, rr.hidden = H, rr.dirs = 2, rr.clip = 0.5;
    const Fn leaky = [](double v) {
        return v < 0 ? 0.2 * v : v;
    };
    rr.acts = {{leaky}, {leaky}};
    rr.x = &x, rr.w = &w1, rr.r = &r1;
    rr.run();
    expect_near((*rnn)[0], rr.y, "RNN Y");
    expect_near((*rnn)[1], rr.yh, "RNN Y_h");

    auto rnn2 = run_node(make_node("RNN", {{"direction", string_attr("bidirectional")},
                                           {"activations", strings_attr({"ScaledTanh", "Affine"})},
                                           {"activation_alpha", floats_attr({1.5f, 0.5f})},
                                           {"activation_beta", floats_attr({0.5f, 0.25f})}}),
                         {&x, &w1, &r1});
    ASSERT_TRUE(rnn2) << rnn2.error();
    rr.clip = 0;
    rr.acts = {{[](double v) {
                   return 1.5 * std::tanh(0.5 * v);
               }},
               {[](double v) {
                   return 0.5 * v + 0.25;
               }}};
    rr.run();
    expect_near((*rnn2)[0], rr.y, "RNN ScaledTanh/Affine Y");

    const Tensor w1f = random_floats({1, H, I}, 1.0f, 36);
    const Tensor r1f = random_floats({1, H, H}, 1.0f, 37);
    auto rnn3 = run_node(make_node("RNN", {{"direction", string_attr("reverse")},
                                           {"activations", strings_attr({"ThresholdedRelu"})},
                                           {"activation_alpha", floats_attr({0.1f})}}),
                         {&x, &w1f, &r1f});
    ASSERT_TRUE(rnn3) << rnn3.error();
    Ref r3f;
    r3f.cell = "RNN";
    r3f.seq = S, r3f.batch = B, r3f.input = I, r3f.hidden = H, r3f.reverse = true;
    r3f.acts = {{[](double v) {
        return v >= 0.1 ? v : 0.0;
    }}};
    r3f.x = &x, r3f.w = &w1f, r3f.r = &r1f;
    r3f.run();
    expect_near((*rnn3)[0], r3f.y, "RNN ThresholdedRelu Y");
}

TEST(MlRecurrentOps, Refusals)
{
    const Tensor x = random_floats({2, 1, 3}, 1.0f, 41);
    const Tensor w = random_floats({1, 2, 3}, 1.0f, 42);
    const Tensor r = random_floats({1, 2, 2}, 1.0f, 43);
    EXPECT_TRUE(run_node(make_node("RNN", {}), {&x, &w, &r}));
    EXPECT_TRUE(
        has(run_node(make_node("RNN", {{"direction", string_attr("sideways")}}), {&x, &w, &r}),
            "direction"));
    EXPECT_TRUE(
        has(run_node(make_node("RNN", {{"activations", strings_attr({"Gelu"})}}), {&x, &w, &r}),
            "unsupported activation 'Gelu'"));
    EXPECT_TRUE(has(
        run_node(make_node("RNN", {{"activations", strings_attr({"Tanh", "Tanh"})}}), {&x, &w, &r}),
        "1 functions per direction"));
    EXPECT_TRUE(has(run_node(make_node("RNN", {{"hidden_size", int_attr(3)}}), {&x, &w, &r}),
                    "hidden_size"));
    EXPECT_TRUE(has(run_node(make_node("RNN", {{"clip", float_attr(-1)}}), {&x, &w, &r}), "clip"));
    EXPECT_TRUE(
        has(run_node(make_node("RNN", {{"direction", string_attr("bidirectional")}}), {&x, &w, &r}),
            "W must have shape"));
    EXPECT_TRUE(has(run_node(make_node("GRU", {}), {&x, &w, &r}), "multiple of 3"));
    const Tensor bad_r = random_floats({1, 2, 3}, 1.0f, 44);
    EXPECT_TRUE(has(run_node(make_node("RNN", {}), {&x, &w, &bad_r}), "R must have shape"));
    const Tensor bad_b = random_floats({1, 2}, 1.0f, 45);
    EXPECT_TRUE(has(run_node(make_node("RNN", {}), {&x, &w, &r, &bad_b}), "B must have shape"));
    const Tensor bad_h = random_floats({1, 2, 2}, 1.0f, 46);
    EXPECT_TRUE(
        has(run_node(make_node("RNN", {}), {&x, &w, &r, nullptr, nullptr, &bad_h}), "initial_h"));
    const Tensor flens = random_floats({1}, 1.0f, 47);
    EXPECT_TRUE(
        has(run_node(make_node("RNN", {}), {&x, &w, &r, nullptr, &flens}), "sequence_lens"));
    // Lengths are data: checked when the kernel runs.
    const Tensor long_len = Tensor::from<int32_t>(DType::INT32, {1}, std::vector<int32_t>{3});
    EXPECT_TRUE(
        has(run_node(make_node("RNN", {}), {&x, &w, &r, nullptr, &long_len}), "outside [0, 2]"));
    const Tensor neg_len = Tensor::from<int32_t>(DType::INT32, {1}, std::vector<int32_t>{-1});
    EXPECT_TRUE(has(run_node(make_node("RNN", {}), {&x, &w, &r, nullptr, &neg_len}), "outside"));
    const Tensor x2 = random_floats({2, 3}, 1.0f, 48);
    EXPECT_TRUE(has(run_node(make_node("RNN", {}), {&x2, &w, &r}), "X must be 3-D"));
    EXPECT_TRUE(has(run_node(make_node("RNN", {}), {&x, &w}), "required"));
}

TEST(MlRecurrentOps, Costs)
{
    // seq 7, batch 3, input 5, hidden 4, bidirectional.
    ValueInfo x{DType::FLOAT, {7, 3, 5}, nullptr};
    for (const char* op : {"LSTM", "GRU", "RNN"})
    {
        const int64_t g = std::string(op) == "LSTM" ? 4 : std::string(op) == "GRU" ? 3 : 1;
        const uint64_t acts = std::string(op) == "LSTM" ? 5 : std::string(op) == "GRU" ? 3 : 1;
        ValueInfo w{DType::FLOAT, {2, g * 4, 5}, nullptr};
        ValueInfo r{DType::FLOAT, {2, g * 4, 4}, nullptr};
        std::vector<const ValueInfo*> ins{&x, &w, &r};
        Node n = make_node(op, {{"direction", string_attr("bidirectional")}});
        std::vector<ValueInfo> outs(n.outputs.size());
        ASSERT_TRUE(n.op->infer(n, ins, outs));
        const OpCost c = n.op->cost(n, ins, outs);
        const uint64_t units = 7 * 3 * 2 * 4;
        EXPECT_EQ(c.macs, units * g * (5 + 4)) << op;
        EXPECT_EQ(c.special_macs, units * acts * kTranscendentalMacs) << op;
        uint64_t e = static_cast<uint64_t>(x.elements() + w.elements() + r.elements());
        for (const auto& o : outs)
            e += static_cast<uint64_t>(o.elements());
        e += 2 * 3 * 4 * 4;  // state: dirs x batch x hidden, 4 each
        EXPECT_EQ(c.elements, e) << op;
    }
    // Huge shapes saturate instead of wrapping.
    ValueInfo hx{DType::FLOAT, {int64_t{1} << 30, int64_t{1} << 30, 1}, nullptr};
    ValueInfo hw{DType::FLOAT, {1, 4 << 20, 1}, nullptr};
    ValueInfo hr{DType::FLOAT, {1, 4 << 20, 1 << 20}, nullptr};
    std::vector<const ValueInfo*> hins{&hx, &hw, &hr};
    Node n = make_node("LSTM", {});
    std::vector<ValueInfo> outs(3);
    ASSERT_TRUE(n.op->infer(n, hins, outs));
    EXPECT_EQ(n.op->cost(n, hins, outs).macs, ~uint64_t{0});
    EXPECT_EQ(n.op->cost(n, hins, outs).special_macs, ~uint64_t{0});

    // No steps and no outputs still pay for the state loop (batch x hidden).
    ValueInfo ex{DType::FLOAT, {0, 1 << 20, 1}, nullptr};
    ValueInfo ew{DType::FLOAT, {1, 1 << 12, 1}, nullptr};
    ValueInfo er{DType::FLOAT, {1, 1 << 12, 1 << 10}, nullptr};
    std::vector<const ValueInfo*> eins{&ex, &ew, &er};
    Node en = make_node("LSTM", {}, 14, 0);
    std::vector<ValueInfo> eouts;
    ASSERT_TRUE(en.op->infer(en, eins, eouts));
    const OpCost ec = en.op->cost(en, eins, eouts);
    EXPECT_EQ(ec.macs, 0u);
    EXPECT_GE(ec.elements, uint64_t{4} << 30);
}

}  // namespace
}  // namespace tern::ml
