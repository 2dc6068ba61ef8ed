// Comparison/logic ops (ops_logic.cpp) and the elementwise ops of ops_float_unary.cpp: edge
// cases the ONNX backend tests do not pin (NaN, signed zeros, ties, integer extremes, errors),
// activations against double-precision libm references (the test may use libm; the engine
// may not), Mish (opset 18, absent from ONNX 1.12's test data) and costs.

#include "ml/ops_float.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
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

Node make_node(const std::string& op,
               std::vector<std::pair<std::string, Attribute>> attrs = {},
               int64_t opset = 17)
{
    Node n;
    n.op = find_op(op);
    n.op_type = op;
    n.name = "t";
    n.opset = opset;
    std::sort(attrs.begin(), attrs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    n.attrs = std::move(attrs);
    n.outputs.assign(1, 0);
    return n;
}

/// Runs one node through its OpDef (infer, allocate, run) like the executor does.
Result<Tensor, std::string> run_node(Node node, std::vector<const Tensor*> inputs)
{
    if (!node.op)
        return "op " + node.op_type + " not registered";
    node.inputs.assign(inputs.size(), 0);
    std::vector<ValueInfo> infos(inputs.size());
    std::vector<const ValueInfo*> ptrs;
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        infos[k].dtype = inputs[k]->dtype;
        infos[k].shape = inputs[k]->shape;
        ptrs.push_back(&infos[k]);
    }
    std::vector<ValueInfo> outs(1);
    if (auto st = node.op->infer(node, ptrs, outs); !st)
        return st.error();
    std::vector<Tensor> results{Tensor::zeros(outs[0].dtype, outs[0].shape)};
    if (auto st = node.op->run(node, inputs, results); !st)
        return st.error();
    return std::move(results[0]);
}

Tensor floats(std::vector<int64_t> shape, std::vector<float> v)
{
    return Tensor::from<float>(DType::FLOAT, std::move(shape), v);
}

Tensor bools(std::vector<int64_t> shape, std::vector<uint8_t> v)
{
    return Tensor::from<uint8_t>(DType::BOOL, std::move(shape), v);
}

template <typename T>
Tensor ints(DType t, std::vector<int64_t> shape, std::vector<T> v)
{
    return Tensor::from<T>(t, std::move(shape), v);
}

std::vector<float> values(const Tensor& t)
{
    auto s = t.as<float>();
    return {s.begin(), s.end()};
}

std::vector<uint8_t> bytes(const Tensor& t)
{
    return t.data;
}

uint32_t bits(float x)
{
    return std::bit_cast<uint32_t>(x);
}

constexpr uint32_t kCanonicalNaN = 0x7fc00000;
constexpr float kInf = std::numeric_limits<float>::infinity();

/// Distance in ulps between two floats (monotonic integer mapping of the bit patterns).
int64_t ulps(float a, float b)
{
    auto key = [](float f) {
        const auto u = static_cast<int64_t>(bits(f) & 0x7fffffffu);
        return (bits(f) >> 31) ? -u : u;
    };
    return std::abs(key(a) - key(b));
}

TEST(MlElementwiseOps, ComparisonsNaNSignedZeroAndBroadcast)
{
    const Tensor a = floats({2, 3}, {NAN, 0.0f, -1, 2, -0.0f, kInf});
    const Tensor b = floats({3}, {NAN, -0.0f, 1});
    auto eq = run_node(make_node("Equal"), {&a, &b});
    ASSERT_TRUE(eq) << eq.error();
    EXPECT_EQ(eq->dtype, DType::BOOL);
    EXPECT_EQ(eq->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(bytes(*eq), (std::vector<uint8_t>{0, 1, 0, 0, 1, 0}));
    auto lt = run_node(make_node("Less"), {&a, &b});
    ASSERT_TRUE(lt);
    EXPECT_EQ(bytes(*lt), (std::vector<uint8_t>{0, 0, 1, 0, 0, 0}));
    auto le = run_node(make_node("LessOrEqual"), {&a, &b});
    ASSERT_TRUE(le);
    EXPECT_EQ(bytes(*le), (std::vector<uint8_t>{0, 1, 1, 0, 1, 0}));
    auto gt = run_node(make_node("Greater"), {&a, &b});
    ASSERT_TRUE(gt);
    EXPECT_EQ(bytes(*gt), (std::vector<uint8_t>{0, 0, 0, 0, 0, 1}));
    auto ge = run_node(make_node("GreaterOrEqual"), {&a, &b});
    ASSERT_TRUE(ge);
    EXPECT_EQ(bytes(*ge), (std::vector<uint8_t>{0, 1, 0, 0, 1, 1}));

    const Tensor i = ints<int64_t>(DType::INT64, {2}, {INT64_MIN, 5});
    const Tensor j = ints<int64_t>(DType::INT64, {}, {5});
    auto ige = run_node(make_node("GreaterOrEqual"), {&i, &j});
    ASSERT_TRUE(ige);
    EXPECT_EQ(bytes(*ige), (std::vector<uint8_t>{0, 1}));

    const Tensor p = bools({2}, {0, 1});
    const Tensor q = bools({2}, {1, 1});
    auto beq = run_node(make_node("Equal"), {&p, &q});
    ASSERT_TRUE(beq);
    EXPECT_EQ(bytes(*beq), (std::vector<uint8_t>{0, 1}));
    EXPECT_FALSE(run_node(make_node("Less"), {&p, &q}));   // no order on bool
    EXPECT_FALSE(run_node(make_node("Equal"), {&a, &i}));  // mixed dtypes
    const Tensor c = floats({4}, {1, 2, 3, 4});
    EXPECT_FALSE(run_node(make_node("Equal"), {&a, &c}));  // shapes do not broadcast
    EXPECT_FALSE(run_node(make_node("Equal", {{"broadcast", int_attr(1)}}, 6), {&a, &b}));
    EXPECT_FALSE(run_node(make_node("Less", {{"axis", int_attr(0)}}, 6), {&a, &b}));
    EXPECT_TRUE(run_node(make_node("Equal", {{"broadcast", int_attr(0)}}, 6), {&a, &a}));
}

TEST(MlElementwiseOps, LogicAndWhere)
{
    const Tensor p = bools({2, 2}, {0, 1, 0, 1});
    const Tensor q = bools({2, 1}, {0, 1});
    auto a = run_node(make_node("And"), {&p, &q});
    ASSERT_TRUE(a);
    EXPECT_EQ(bytes(*a), (std::vector<uint8_t>{0, 0, 0, 1}));
    auto o = run_node(make_node("Or"), {&p, &q});
    ASSERT_TRUE(o);
    EXPECT_EQ(bytes(*o), (std::vector<uint8_t>{0, 1, 1, 1}));
    auto x = run_node(make_node("Xor"), {&p, &q});
    ASSERT_TRUE(x);
    EXPECT_EQ(bytes(*x), (std::vector<uint8_t>{0, 1, 1, 0}));
    auto n = run_node(make_node("Not"), {&p});
    ASSERT_TRUE(n);
    EXPECT_EQ(bytes(*n), (std::vector<uint8_t>{1, 0, 1, 0}));
    const Tensor f = floats({2}, {1, 0});
    EXPECT_FALSE(run_node(make_node("And"), {&f, &f}));
    EXPECT_FALSE(run_node(make_node("Not"), {&f}));

    // Where: condition [2, 1], X [3], Y scalar -> [2, 3].
    const Tensor X = ints<int32_t>(DType::INT32, {3}, {1, 2, 3});
    const Tensor Y = ints<int32_t>(DType::INT32, {}, {-7});
    auto w = run_node(make_node("Where"), {&q, &X, &Y});
    ASSERT_TRUE(w) << w.error();
    EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
    const auto wv = w->as<int32_t>();
    EXPECT_EQ((std::vector<int32_t>(wv.begin(), wv.end())),
              (std::vector<int32_t>{-7, -7, -7, 1, 2, 3}));
    // Float: NaNs come out canonical; bool X/Y work too.
    const Tensor fn = floats({2}, {std::bit_cast<float>(0xffc01234u), 5});
    const Tensor fz = floats({1}, {0});
    auto wf = run_node(make_node("Where"), {&p, &fn, &fz});
    ASSERT_TRUE(wf);
    EXPECT_EQ(bits(values(*wf)[0]), 0u);
    EXPECT_EQ(bits(values(*wf)[1]), 0x40a00000u);
    auto wb = run_node(make_node("Where"), {&p, &q, &p});
    ASSERT_TRUE(wb);
    EXPECT_EQ(wb->dtype, DType::BOOL);
    const Tensor c1 = floats({1}, {1});
    auto nan_x = run_node(make_node("Where"), {&q, &fn, &fn});
    ASSERT_TRUE(nan_x);
    EXPECT_EQ(bits(values(*nan_x)[0]), kCanonicalNaN);
    EXPECT_FALSE(run_node(make_node("Where"), {&c1, &X, &Y}));  // condition not bool
    EXPECT_FALSE(run_node(make_node("Where"), {&q, &X, &fz}));  // X/Y dtypes differ
}

TEST(MlElementwiseOps, RoundingAndSign)
{
    const Tensor x = floats({12}, {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, -0.3f, 0.49999997f, 8388609.0f,
                                   -kInf, NAN, -0.0f, 3.7f});
    auto r = run_node(make_node("Round"), {&x});
    ASSERT_TRUE(r);
    const auto v = values(*r);
    EXPECT_EQ(bits(v[0]), bits(0.0f));
    EXPECT_EQ(v[1], 2.0f);
    EXPECT_EQ(v[2], 2.0f);
    EXPECT_EQ(bits(v[3]), bits(-0.0f));
    EXPECT_EQ(v[4], -2.0f);
    EXPECT_EQ(bits(v[5]), bits(-0.0f));
    EXPECT_EQ(v[6], 0.0f);
    EXPECT_EQ(v[7], 8388609.0f);
    EXPECT_EQ(v[8], -kInf);
    EXPECT_EQ(bits(v[9]), kCanonicalNaN);
    EXPECT_EQ(bits(v[10]), bits(-0.0f));
    EXPECT_EQ(v[11], 4.0f);
    auto fl = run_node(make_node("Floor"), {&x});
    ASSERT_TRUE(fl);
    EXPECT_EQ(values(*fl)[3], -1.0f);
    EXPECT_EQ(values(*fl)[11], 3.0f);
    auto ce = run_node(make_node("Ceil"), {&x});
    ASSERT_TRUE(ce);
    EXPECT_EQ(bits(values(*ce)[3]), bits(-0.0f));
    EXPECT_EQ(values(*ce)[11], 4.0f);
    auto sg = run_node(make_node("Sign"), {&x});
    ASSERT_TRUE(sg);
    EXPECT_EQ(values(*sg)[3], -1.0f);
    EXPECT_EQ(values(*sg)[8], -1.0f);
    EXPECT_EQ(bits(values(*sg)[9]), kCanonicalNaN);
    EXPECT_EQ(bits(values(*sg)[10]), bits(-0.0f));
    const Tensor i8 = ints<int8_t>(DType::INT8, {3}, {-128, 0, 127});
    auto si = run_node(make_node("Sign"), {&i8});
    ASSERT_TRUE(si);
    EXPECT_EQ(si->as<int8_t>()[0], -1);
    EXPECT_EQ(si->as<int8_t>()[1], 0);
    EXPECT_EQ(si->as<int8_t>()[2], 1);
    EXPECT_FALSE(run_node(make_node("Round"), {&i8}));  // float only
}

TEST(MlElementwiseOps, VariadicMinMaxSumMean)
{
    const Tensor a = floats({2, 2}, {1, NAN, -0.0f, 4});
    const Tensor b = floats({2}, {0.0f, 3});
    const Tensor c = floats({}, {2});
    auto mx = run_node(make_node("Max"), {&a, &b, &c});
    ASSERT_TRUE(mx) << mx.error();
    EXPECT_EQ(mx->shape, (std::vector<int64_t>{2, 2}));
    auto v = values(*mx);
    EXPECT_EQ(v[0], 2.0f);
    EXPECT_EQ(bits(v[1]), kCanonicalNaN);  // NaN propagates (numpy.maximum)
    EXPECT_EQ(v[2], 2.0f);
    EXPECT_EQ(v[3], 4.0f);
    auto mn = run_node(make_node("Min"), {&a, &b});
    ASSERT_TRUE(mn);
    v = values(*mn);
    EXPECT_EQ(v[0], 0.0f);
    EXPECT_EQ(bits(v[1]), kCanonicalNaN);
    EXPECT_EQ(bits(v[2]), bits(-0.0f));  // -0 vs +0: the earlier input wins
    const Tensor n1 = floats({1}, {NAN});
    const Tensor one = floats({1}, {1});
    auto mn2 = run_node(make_node("Min"), {&one, &n1});
    ASSERT_TRUE(mn2);
    EXPECT_EQ(bits(values(*mn2)[0]), kCanonicalNaN);
    auto single = run_node(make_node("Max"), {&b});
    ASSERT_TRUE(single);
    EXPECT_EQ(values(*single), values(b));

    const Tensor i = ints<int16_t>(DType::INT16, {3}, {-5, 7, INT16_MIN});
    const Tensor j = ints<int16_t>(DType::INT16, {1}, {0});
    auto imax = run_node(make_node("Max"), {&i, &j});
    ASSERT_TRUE(imax);
    EXPECT_EQ(imax->as<int16_t>()[0], 0);
    EXPECT_EQ(imax->as<int16_t>()[1], 7);
    auto imin = run_node(make_node("Min"), {&i, &j});
    ASSERT_TRUE(imin);
    EXPECT_EQ(imin->as<int16_t>()[2], INT16_MIN);

    // Sum is a left fold in float: (1e8 + 1) + -1e8 = 0 (the 1 is lost), not 1.
    const Tensor s0 = floats({1}, {1e8f});
    const Tensor s1 = floats({1}, {1});
    const Tensor s2 = floats({1}, {-1e8f});
    auto sum = run_node(make_node("Sum"), {&s0, &s1, &s2});
    ASSERT_TRUE(sum);
    EXPECT_EQ(values(*sum)[0], 0.0f);
    auto mean = run_node(make_node("Mean"), {&a, &b, &c});
    ASSERT_TRUE(mean);
    EXPECT_EQ(values(*mean)[0], 1.0f);
    EXPECT_EQ(values(*mean)[3], 3.0f);
    EXPECT_FALSE(run_node(make_node("Sum"), {&i, &j}));  // float only
    EXPECT_FALSE(run_node(make_node("Max"), {&a, &i}));  // mixed dtypes
}

TEST(MlElementwiseOps, ModSignsExtremesAndErrors)
{
    const Tensor a = ints<int32_t>(DType::INT32, {5}, {-7, 7, -7, INT32_MIN, 6});
    const Tensor b = ints<int32_t>(DType::INT32, {5}, {3, -3, -3, -1, 3});
    auto py = run_node(make_node("Mod"), {&a, &b});
    ASSERT_TRUE(py) << py.error();
    auto pv = py->as<int32_t>();
    EXPECT_EQ((std::vector<int32_t>(pv.begin(), pv.end())),
              (std::vector<int32_t>{2, -2, -1, 0, 0}));
    auto c = run_node(make_node("Mod", {{"fmod", int_attr(1)}}), {&a, &b});
    ASSERT_TRUE(c);
    auto cv = c->as<int32_t>();
    EXPECT_EQ((std::vector<int32_t>(cv.begin(), cv.end())),
              (std::vector<int32_t>{-1, 1, -1, 0, 0}));
    const Tensor u = ints<uint8_t>(DType::UINT8, {2}, {250, 7});
    const Tensor ud = ints<uint8_t>(DType::UINT8, {1}, {7});
    auto um = run_node(make_node("Mod"), {&u, &ud});
    ASSERT_TRUE(um);
    EXPECT_EQ(um->as<uint8_t>()[0], 250 % 7);
    const Tensor z = ints<int32_t>(DType::INT32, {1}, {0});
    auto dz = run_node(make_node("Mod"), {&a, &z});
    ASSERT_FALSE(dz);
    EXPECT_NE(dz.error().find("division by zero"), std::string::npos);

    const Tensor x = floats({4}, {5.5f, -5.5f, kInf, 1});
    const Tensor y = floats({4}, {-2, 2, 1, 0});
    auto f = run_node(make_node("Mod", {{"fmod", int_attr(1)}}), {&x, &y});
    ASSERT_TRUE(f);
    const auto fv = values(*f);
    EXPECT_EQ(fv[0], 1.5f);
    EXPECT_EQ(fv[1], -1.5f);
    EXPECT_EQ(bits(fv[2]), kCanonicalNaN);
    EXPECT_EQ(bits(fv[3]), kCanonicalNaN);
    EXPECT_FALSE(run_node(make_node("Mod"), {&x, &y}));  // float needs fmod = 1
    EXPECT_FALSE(run_node(make_node("Mod", {{"fmod", int_attr(2)}}), {&a, &b}));
}

double ref_softplus(double x)
{
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

TEST(MlElementwiseOps, ActivationsMatchDoubleReference)
{
    // Every 97th float in [-40, 40] plus the ends of the range.
    std::vector<float> xs;
    for (uint32_t u = 0; u < 0x80000000u; u += 97 * 1024)
    {
        const float f = std::bit_cast<float>(u);
        if (f > 40)
            break;
        xs.push_back(f);
        xs.push_back(-f);
    }
    for (float f : {-kInf, kInf, -1e30f, 1e30f, -100.0f, 100.0f, 3.4e38f, -3.4e38f})
        xs.push_back(f);
    const Tensor X = floats({static_cast<int64_t>(xs.size())}, xs);
    struct Case
    {
        const char* op;
        double (*ref)(double);
    };
    const Case cases[] = {
        {"Softplus", ref_softplus},
        {"Elu",
         [](double x) {
             return x < 0 ? std::expm1(x) : x;
         }},
        {"Selu",
         [](double x) {
             const double a = 1.67326319217681884765625;
             const double g = 1.05070102214813232421875;
             return x > 0 ? g * x : g * a * std::expm1(x);
         }},
        {"Celu",
         [](double x) {
             return x > 0 ? x : std::expm1(x);
         }},
        {"Mish",
         [](double x) {
             return x * std::tanh(ref_softplus(x));
         }},
        {"Softsign",
         [](double x) {
             return x / (1 + std::fabs(x));
         }},
    };
    for (const auto& c : cases)
    {
        auto r = run_node(make_node(c.op), {&X});
        ASSERT_TRUE(r) << c.op << ": " << r.error();
        const auto v = values(*r);
        for (size_t i = 0; i < xs.size(); ++i)
        {
            const double want = c.ref(xs[i]);
            if (std::isnan(want) || std::isinf(xs[i]))
                continue;  // checked below
            EXPECT_LE(ulps(v[i], static_cast<float>(want)), 1)
                << c.op << "(" << xs[i] << ") = " << v[i] << ", want " << want;
        }
    }
    // Infinities.
    const Tensor inf = floats({2}, {-kInf, kInf});
    auto sp = run_node(make_node("Softplus"), {&inf});
    ASSERT_TRUE(sp);
    EXPECT_EQ(values(*sp), (std::vector<float>{0, kInf}));
    auto mi = run_node(make_node("Mish"), {&inf});
    ASSERT_TRUE(mi);
    EXPECT_EQ(bits(values(*mi)[0]), bits(-0.0f));
    EXPECT_EQ(values(*mi)[1], kInf);
    auto el = run_node(make_node("Elu", {{"alpha", float_attr(2)}}), {&inf});
    ASSERT_TRUE(el);
    EXPECT_EQ(values(*el), (std::vector<float>{-2, kInf}));
    auto ss = run_node(make_node("Softsign"), {&inf});
    ASSERT_TRUE(ss);
    EXPECT_EQ(bits(values(*ss)[0]), kCanonicalNaN);  // inf / inf, as the spec's formula says

    const Tensor h = floats({6}, {-4, -3, 0, 1, 3, NAN});
    auto hs = run_node(make_node("HardSwish"), {&h});
    ASSERT_TRUE(hs);
    EXPECT_EQ(bits(values(*hs)[0]), bits(-0.0f));
    EXPECT_EQ(values(*hs)[4], 3.0f);
    EXPECT_EQ(bits(values(*hs)[5]), kCanonicalNaN);
    auto hsig = run_node(
        make_node("HardSigmoid", {{"alpha", float_attr(0.5f)}, {"beta", float_attr(0)}}), {&h});
    ASSERT_TRUE(hsig);
    EXPECT_EQ(values(*hsig)[3], 0.5f);
    EXPECT_EQ(values(*hsig)[4], 1.0f);
    EXPECT_EQ(bits(values(*hsig)[5]), kCanonicalNaN);
    auto tr = run_node(make_node("ThresholdedRelu", {{"alpha", float_attr(1)}}), {&h});
    ASSERT_TRUE(tr);
    EXPECT_EQ(values(*tr), (std::vector<float>{0, 0, 0, 0, 3, 0}));  // NaN > alpha is false
    auto celu = run_node(make_node("Celu", {{"alpha", float_attr(2)}}), {&h});
    ASSERT_TRUE(celu);
    EXPECT_FLOAT_EQ(values(*celu)[0], static_cast<float>(2 * std::expm1(-2.0)));
    EXPECT_FALSE(run_node(make_node("Celu", {{"alpha", float_attr(0)}}), {&h}));
    const Tensor i = ints<int32_t>(DType::INT32, {1}, {1});
    EXPECT_FALSE(run_node(make_node("Elu"), {&i}));
}

TEST(MlElementwiseOps, Costs)
{
    const auto names = supported_ops();
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end())
        << "an op is in two tables";
    ValueInfo x{DType::FLOAT, {10, 30}, nullptr};
    std::vector<const ValueInfo*> ins{&x};
    std::vector<ValueInfo> outs{x};
    auto cost = [&](const char* op) {
        Node n = make_node(op);
        return n.op->cost ? n.op->cost(n, ins, outs) : OpCost{.elements = 600};
    };
    EXPECT_EQ(cost("Softplus").special_macs, 300 * 2 * kTranscendentalMacs);
    for (const char* op : {"Elu", "Selu", "Celu", "Mish", "Sin", "Cos"})
        EXPECT_EQ(cost(op).special_macs, 300 * kTranscendentalMacs) << op;
    for (const char* op : {"HardSigmoid", "HardSwish",
                           "Softsign",    "ThresholdedRelu",
                           "Floor",       "Ceil",
                           "Round",       "Sign",
                           "Min",         "Max",
                           "Sum",         "Mean",
                           "Mod",         "Equal",
                           "Less",        "Greater",
                           "LessOrEqual", "GreaterOrEqual",
                           "Not",         "And",
                           "Or",          "Xor",
                           "Where"})
    {
        ASSERT_NE(find_op(op), nullptr) << op;
        EXPECT_EQ(cost(op).macs + cost(op).special_macs, 0u) << op;
    }
}

}  // namespace
}  // namespace tern::ml
