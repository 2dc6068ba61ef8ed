// Index, generator and reduction ops (ops_index.cpp, ops_reduce.cpp): edge cases ONNX's backend
// tests miss — bad indices, negative axes, ties, NaN, value-dependent shapes refused when the
// value is unknown, huge shapes refused by infer.

#include "ml/op.hpp"
#include "ml/ops_float.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
Attribute ints_attr(std::vector<int64_t> v)
{
    Attribute a;
    a.kind = Attribute::Kind::Ints;
    a.ints = std::move(v);
    return a;
}
Attribute string_attr(std::string v)
{
    Attribute a;
    a.kind = Attribute::Kind::String;
    a.s = std::move(v);
    return a;
}

Node make_node(const std::string& op,
               std::vector<std::pair<std::string, Attribute>> attrs = {},
               int64_t opset = 18,
               size_t outputs = 1)
{
    Node n;
    n.op = find_op(op);
    n.op_type = op;
    n.name = op;
    n.opset = opset;
    std::sort(attrs.begin(), attrs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    n.attrs = std::move(attrs);
    n.outputs.assign(outputs, 0);
    return n;
}

// Infers with every input's value known (constants) unless `dynamic`, then runs.
Result<std::vector<Tensor>, std::string> run_node(Node node,
                                                  std::vector<const Tensor*> inputs,
                                                  bool dynamic = false)
{
    if (!node.op)
        return "op " + node.op_type + " not registered";
    node.inputs.assign(inputs.size(), 0);
    std::vector<ValueInfo> infos(inputs.size());
    std::vector<const ValueInfo*> ptrs;
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        if (inputs[k])
        {
            infos[k].dtype = inputs[k]->dtype;
            infos[k].shape = inputs[k]->shape;
            if (!dynamic)
                infos[k].value = std::make_shared<const Tensor>(*inputs[k]);
        }
        ptrs.push_back(inputs[k] ? &infos[k] : nullptr);
    }
    std::vector<ValueInfo> outs(node.outputs.size());
    if (auto st = node.op->infer(node, ptrs, outs); !st)
        return st.error();
    std::vector<Tensor> results;
    for (const auto& o : outs)
    {
        if (o.elements() > (1 << 24))
            return std::string("test: output too large");
        results.push_back(Tensor::zeros(o.dtype, o.shape));
    }
    if (auto st = node.op->run(node, inputs, results); !st)
        return st.error();
    for (size_t k = 0; k < outs.size(); ++k)
        if (outs[k].value)
            results[k] = *outs[k].value;
    return results;
}

Tensor floats(std::vector<int64_t> shape, std::vector<float> v)
{
    return Tensor::from<float>(DType::FLOAT, std::move(shape), v);
}
Tensor i64(std::vector<int64_t> shape, std::vector<int64_t> v)
{
    return Tensor::from<int64_t>(DType::INT64, std::move(shape), v);
}
std::vector<float> fv(const Tensor& t)
{
    auto s = t.as<float>();
    return {s.begin(), s.end()};
}
std::vector<int64_t> iv(const Tensor& t)
{
    return to_int64s(t);
}
bool has(const Result<std::vector<Tensor>, std::string>& r, std::string_view text)
{
    return !r && r.error().find(text) != std::string::npos;
}

TEST(MlIndexOps, ConstantOfShapeAndRange)
{
    const Tensor shape = i64({2}, {2, 3});
    Attribute v;
    v.kind = Attribute::Kind::Tensor;
    v.t = std::make_shared<const Tensor>(i64({1}, {7}));
    auto c = run_node(make_node("ConstantOfShape", {{"value", v}}), {&shape});
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ((*c)[0].shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(iv((*c)[0]), std::vector<int64_t>(6, 7));
    auto z = run_node(make_node("ConstantOfShape"), {&shape});
    ASSERT_TRUE(z);
    EXPECT_EQ(fv((*z)[0]), std::vector<float>(6, 0.0f));
    EXPECT_TRUE(has(run_node(make_node("ConstantOfShape"), {&shape}, true),
                    "dynamic shape cannot be bounded"));
    const Tensor neg = i64({1}, {-1});
    EXPECT_TRUE(has(run_node(make_node("ConstantOfShape"), {&neg}), "invalid dim"));
    const Tensor huge = i64({1}, {int64_t{1} << 50});
    EXPECT_TRUE(has(run_node(make_node("ConstantOfShape"), {&huge}), "invalid dim"));
    const Tensor wide = i64({3}, {int64_t{1} << 30, int64_t{1} << 30, int64_t{1} << 30});
    EXPECT_TRUE(has(run_node(make_node("ConstantOfShape"), {&wide}), "too large"));

    const Tensor s = i64({}, {10});
    const Tensor l = i64({}, {1});
    const Tensor d = i64({}, {-4});
    auto r = run_node(make_node("Range"), {&s, &l, &d});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(iv((*r)[0]), (std::vector<int64_t>{10, 6, 2}));
    const Tensor zero = i64({}, {0});
    EXPECT_FALSE(run_node(make_node("Range"), {&s, &l, &zero}));
    const Tensor big = i64({}, {std::numeric_limits<int64_t>::max()});
    const Tensor small = i64({}, {std::numeric_limits<int64_t>::min()});
    const Tensor one = i64({}, {1});
    EXPECT_TRUE(has(run_node(make_node("Range"), {&small, &big, &one}), "range too large"));
    EXPECT_TRUE(has(run_node(make_node("Range"), {&s, &l, &d}, true), "dynamic shape"));
    const Tensor fs = floats({}, {1.0f});
    const Tensor fl = floats({}, {2.0f});
    const Tensor fd = floats({}, {0.25f});
    auto rf = run_node(make_node("Range"), {&fs, &fl, &fd});
    ASSERT_TRUE(rf);
    EXPECT_EQ(fv((*rf)[0]), (std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f}));
    EXPECT_FALSE(run_node(make_node("Range"), {&fs, &l, &fd}));  // mixed types
}

TEST(MlIndexOps, TriluOneHotCumSum)
{
    const Tensor x = floats({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const Tensor k = i64({}, {1});
    auto up = run_node(make_node("Trilu"), {&x, &k});
    ASSERT_TRUE(up);
    EXPECT_EQ(fv((*up)[0]), (std::vector<float>{0, 2, 3, 0, 0, 6, 0, 0, 0}));
    const Tensor km = i64({}, {-1});
    auto lo = run_node(make_node("Trilu", {{"upper", int_attr(0)}}), {&x, &km});
    ASSERT_TRUE(lo);
    EXPECT_EQ(fv((*lo)[0]), (std::vector<float>{0, 0, 0, 4, 0, 0, 7, 8, 0}));
    const Tensor vec = floats({3}, {1, 2, 3});
    EXPECT_FALSE(run_node(make_node("Trilu"), {&vec}));

    // Out-of-range indices give all-off rows; negative ones count from the end.
    const Tensor ind = i64({4}, {0, -1, 3, -4});
    const Tensor depth = i64({}, {3});
    const Tensor vals = floats({2}, {0, 1});
    auto oh = run_node(make_node("OneHot", {{"axis", int_attr(-1)}}), {&ind, &depth, &vals});
    ASSERT_TRUE(oh) << oh.error();
    EXPECT_EQ((*oh)[0].shape, (std::vector<int64_t>{4, 3}));
    EXPECT_EQ(fv((*oh)[0]), (std::vector<float>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
    auto oh0 = run_node(make_node("OneHot", {{"axis", int_attr(0)}}), {&ind, &depth, &vals});
    ASSERT_TRUE(oh0);
    EXPECT_EQ((*oh0)[0].shape, (std::vector<int64_t>{3, 4}));
    EXPECT_FALSE(run_node(make_node("OneHot", {{"axis", int_attr(2)}}), {&ind, &depth, &vals}));
    EXPECT_TRUE(has(run_node(make_node("OneHot"), {&ind, &depth, &vals}, true), "dynamic"));
    const Tensor zero = i64({}, {0});
    EXPECT_FALSE(run_node(make_node("OneHot"), {&ind, &zero, &vals}));

    const Tensor c = i64({2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor ax = i64({}, {-1});
    auto cs = run_node(make_node("CumSum", {{"exclusive", int_attr(1)}, {"reverse", int_attr(1)}}),
                       {&c, &ax});
    ASSERT_TRUE(cs);
    EXPECT_EQ(iv((*cs)[0]), (std::vector<int64_t>{5, 3, 0, 11, 6, 0}));
    const Tensor ax0 = i64({}, {0});
    auto cs0 = run_node(make_node("CumSum"), {&c, &ax0});
    ASSERT_TRUE(cs0);
    EXPECT_EQ(iv((*cs0)[0]), (std::vector<int64_t>{1, 2, 3, 5, 7, 9}));
    const Tensor bad = i64({}, {2});
    EXPECT_FALSE(run_node(make_node("CumSum"), {&c, &bad}));        // known: infer refuses
    EXPECT_FALSE(run_node(make_node("CumSum"), {&c, &bad}, true));  // unknown: run refuses
}

TEST(MlIndexOps, TopKTiesAndNaN)
{
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const Tensor x = floats({6}, {3, 1, 3, nan, -2, 1});
    const Tensor k = i64({1}, {4});
    auto top = run_node(make_node("TopK", {}, 11, 2), {&x, &k});
    ASSERT_TRUE(top) << top.error();
    EXPECT_EQ(iv((*top)[1]), (std::vector<int64_t>{3, 0, 2, 1}));  // NaN first, ties by index
    auto low = run_node(make_node("TopK", {{"largest", int_attr(0)}}, 11, 2), {&x, &k});
    ASSERT_TRUE(low);
    EXPECT_EQ(iv((*low)[1]), (std::vector<int64_t>{4, 1, 5, 0}));
    EXPECT_EQ(fv((*low)[0]), (std::vector<float>{-2, 1, 1, 3}));
    const Tensor m = floats({2, 3}, {1, 5, 5, 9, 0, 9});
    const Tensor k1 = i64({1}, {1});
    auto ax0 = run_node(make_node("TopK", {{"axis", int_attr(-2)}}, 11, 2), {&m, &k1});
    ASSERT_TRUE(ax0);
    EXPECT_EQ(iv((*ax0)[1]), (std::vector<int64_t>{1, 0, 1}));
    const Tensor k9 = i64({1}, {9});
    EXPECT_FALSE(run_node(make_node("TopK", {}, 11, 2), {&x, &k9}));
    EXPECT_TRUE(has(run_node(make_node("TopK", {}, 11, 2), {&x, &k}, true), "dynamic"));
    auto legacy = run_node(make_node("TopK", {{"k", int_attr(2)}}, 1, 2), {&m});
    ASSERT_TRUE(legacy);
    EXPECT_EQ(iv((*legacy)[1]), (std::vector<int64_t>{1, 2, 0, 2}));
}

TEST(MlIndexOps, NonZeroNeedsAKnownInput)
{
    const Tensor x = floats({2, 2}, {0, 1, -0.0f, 2});
    auto nz = run_node(make_node("NonZero"), {&x});
    ASSERT_TRUE(nz) << nz.error();
    EXPECT_EQ((*nz)[0].shape, (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(iv((*nz)[0]), (std::vector<int64_t>{0, 1, 1, 1}));
    EXPECT_TRUE(has(run_node(make_node("NonZero"), {&x}, true), "dynamic shape cannot be bounded"));
}

TEST(MlIndexOps, GatherScatterBadIndices)
{
    const Tensor data = floats({2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor ind = i64({2, 2}, {-1, 0, 2, 1});
    auto ge = run_node(make_node("GatherElements", {{"axis", int_attr(1)}}), {&data, &ind});
    ASSERT_TRUE(ge) << ge.error();
    EXPECT_EQ(fv((*ge)[0]), (std::vector<float>{3, 1, 6, 5}));
    const Tensor oob = i64({1, 1}, {3});
    EXPECT_TRUE(has(run_node(make_node("GatherElements", {{"axis", int_attr(1)}}), {&data, &oob}),
                    "out of range"));
    const Tensor tall = i64({3, 1}, {0, 0, 0});
    EXPECT_FALSE(run_node(make_node("GatherElements", {{"axis", int_attr(1)}}), {&data, &tall}));

    const Tensor nd = i64({2, 2}, {1, 2, 0, -3});
    auto g = run_node(make_node("GatherND"), {&data, &nd});
    ASSERT_TRUE(g);
    EXPECT_EQ(fv((*g)[0]), (std::vector<float>{6, 1}));
    const Tensor nd_bad = i64({1, 2}, {2, 0});
    EXPECT_TRUE(has(run_node(make_node("GatherND"), {&data, &nd_bad}), "out of range"));
    const Tensor batch = i64({2, 1}, {2, 0});
    auto gb = run_node(make_node("GatherND", {{"batch_dims", int_attr(1)}}), {&data, &batch});
    ASSERT_TRUE(gb);
    EXPECT_EQ(fv((*gb)[0]), (std::vector<float>{3, 4}));
    const Tensor deep = i64({1, 3}, {0, 0, 0});
    EXPECT_FALSE(run_node(make_node("GatherND"), {&data, &deep}));

    // ScatterND with duplicate indices: reductions apply in index order.
    const Tensor sidx = i64({3, 1}, {1, 1, -2});
    const Tensor upd = floats({3, 3}, {1, 1, 1, 2, 2, 2, 10, 10, 10});
    auto add = run_node(make_node("ScatterND", {{"reduction", string_attr("add")}}, 16),
                        {&data, &sidx, &upd});
    ASSERT_TRUE(add) << add.error();
    EXPECT_EQ(fv((*add)[0]), (std::vector<float>{11, 12, 13, 7, 8, 9}));
    auto mx = run_node(make_node("ScatterND", {{"reduction", string_attr("max")}}, 18),
                       {&data, &sidx, &upd});
    ASSERT_TRUE(mx);
    EXPECT_EQ(fv((*mx)[0]), (std::vector<float>{10, 10, 10, 4, 5, 6}));
    EXPECT_TRUE(has(run_node(make_node("ScatterND", {{"reduction", string_attr("max")}}, 16),
                             {&data, &sidx, &upd}),
                    "unsupported reduction"));
    const Tensor sbad = i64({3, 1}, {1, 2, 0});
    EXPECT_TRUE(has(run_node(make_node("ScatterND"), {&data, &sbad, &upd}), "out of range"));
    const Tensor upd_short = floats({3, 2}, {1, 1, 1, 1, 1, 1});
    EXPECT_FALSE(run_node(make_node("ScatterND"), {&data, &sidx, &upd_short}));

    const Tensor eidx = i64({1, 2}, {2, 2});
    const Tensor eupd = floats({1, 2}, {10, 3});
    auto mul = run_node(
        make_node("ScatterElements", {{"axis", int_attr(-1)}, {"reduction", string_attr("mul")}}),
        {&data, &eidx, &eupd});
    ASSERT_TRUE(mul) << mul.error();
    EXPECT_EQ(fv((*mul)[0]), (std::vector<float>{1, 2, 90, 4, 5, 6}));
    const Tensor ebad = i64({1, 2}, {0, -4});
    EXPECT_TRUE(
        has(run_node(make_node("ScatterElements", {{"axis", int_attr(1)}}), {&data, &ebad, &eupd}),
            "out of range"));
}

TEST(MlIndexOps, DepthSpaceRoundTrip)
{
    std::vector<float> v(2 * 8 * 2 * 3);
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = static_cast<float>(i);
    const Tensor x = floats({2, 8, 2, 3}, v);
    for (const char* mode : {"DCR", "CRD"})
    {
        auto d2s = run_node(
            make_node("DepthToSpace", {{"blocksize", int_attr(2)}, {"mode", string_attr(mode)}}),
            {&x});
        ASSERT_TRUE(d2s) << d2s.error();
        EXPECT_EQ((*d2s)[0].shape, (std::vector<int64_t>{2, 2, 4, 6}));
        if (std::string(mode) == "DCR")
        {
            auto back =
                run_node(make_node("SpaceToDepth", {{"blocksize", int_attr(2)}}), {&(*d2s)[0]});
            ASSERT_TRUE(back);
            EXPECT_EQ((*back)[0], x);
        }
    }
    // CRD: output (n, c, h*2+i, w*2+j) = input (n, c*4 + i*2 + j, h, w).
    auto crd = run_node(
        make_node("DepthToSpace", {{"blocksize", int_attr(2)}, {"mode", string_attr("CRD")}}),
        {&x});
    ASSERT_TRUE(crd);
    EXPECT_EQ(fv((*crd)[0])[1 * 24 + 1 * 6 + 1], v[((0 * 8 + 1 * 4 + 1 * 2 + 1) * 2 + 0) * 3 + 0]);
    EXPECT_FALSE(run_node(make_node("DepthToSpace", {{"blocksize", int_attr(3)}}), {&x}));
    EXPECT_FALSE(run_node(make_node("SpaceToDepth", {{"blocksize", int_attr(4)}}), {&x}));
    EXPECT_FALSE(run_node(
        make_node("DepthToSpace", {{"blocksize", int_attr(2)}, {"mode", string_attr("XYZ")}}),
        {&x}));
}

TEST(MlReduceOps, MoreReductions)
{
    const Tensor x = floats({2, 3}, {1, -2, 3, 4, 5, -6});
    auto prod = run_node(make_node("ReduceProd", {{"axes", ints_attr({-1})}}, 13), {&x});
    ASSERT_TRUE(prod) << prod.error();
    EXPECT_EQ(fv((*prod)[0]), (std::vector<float>{-6, -120}));
    auto l1 = run_node(make_node("ReduceL1", {{"keepdims", int_attr(0)}}, 13), {&x});
    ASSERT_TRUE(l1);
    EXPECT_EQ(fv((*l1)[0]), (std::vector<float>{21}));
    EXPECT_TRUE((*l1)[0].shape.empty());
    const Tensor axes = i64({1}, {0});
    auto l2 = run_node(make_node("ReduceL2"), {&x, &axes});
    ASSERT_TRUE(l2);
    EXPECT_FLOAT_EQ(fv((*l2)[0])[0], std::sqrt(17.0f));
    auto ss = run_node(make_node("ReduceSumSquare"), {&x, &axes});
    ASSERT_TRUE(ss);
    EXPECT_EQ(fv((*ss)[0]), (std::vector<float>{17, 29, 45}));
    // LogSumExp subtracts the max first: no overflow for large inputs.
    const Tensor big = floats({2}, {1000, 1000});
    auto lse = run_node(make_node("ReduceLogSumExp", {}, 13), {&big});
    ASSERT_TRUE(lse);
    EXPECT_NEAR(fv((*lse)[0])[0], 1000.0f + std::log(2.0f), 1e-3);
    const Tensor ninf = floats({1}, {-std::numeric_limits<float>::infinity()});
    auto lse_inf = run_node(make_node("ReduceLogSumExp", {}, 13), {&ninf});
    ASSERT_TRUE(lse_inf);
    EXPECT_EQ(fv((*lse_inf)[0])[0], -std::numeric_limits<float>::infinity());
    auto ls = run_node(make_node("ReduceLogSum", {{"axes", ints_attr({1})}}, 13), {&big});
    EXPECT_FALSE(ls);  // axis 1 of a 1-D input
    const Tensor empty_axes = i64({0}, {});
    auto noop = run_node(make_node("ReduceLogSum", {{"noop_with_empty_axes", int_attr(1)}}),
                         {&x, &empty_axes});
    ASSERT_TRUE(noop);
    EXPECT_EQ((*noop)[0], x);
    EXPECT_TRUE(has(run_node(make_node("ReduceProd"), {&x, &axes}, true), "dynamic shape"));
}

TEST(MlReduceOps, InstanceAndGroupNormalization)
{
    const Tensor x = floats({1, 2, 2}, {1, 3, 10, 10});
    const Tensor scale = floats({2}, {2, 1});
    const Tensor bias = floats({2}, {0, 5});
    auto in = run_node(make_node("InstanceNormalization"), {&x, &scale, &bias});
    ASSERT_TRUE(in) << in.error();
    const auto y = fv((*in)[0]);
    EXPECT_NEAR(y[0], -2 / std::sqrt(1 + 1e-5), 1e-5);
    EXPECT_NEAR(y[1], 2 / std::sqrt(1 + 1e-5), 1e-5);
    EXPECT_EQ(y[2], 5.0f);
    const Tensor wrong = floats({3}, {1, 1, 1});
    EXPECT_FALSE(run_node(make_node("InstanceNormalization"), {&x, &wrong, &bias}));

    // Two groups of one channel each equal instance normalization (opset 21 per-channel scale).
    auto g21 = run_node(make_node("GroupNormalization", {{"num_groups", int_attr(2)}}, 21),
                        {&x, &scale, &bias});
    ASSERT_TRUE(g21) << g21.error();
    EXPECT_EQ((*g21)[0], (*in)[0]);
    // One group over both channels, opset 18 per-group scale.
    const Tensor s1 = floats({1}, {1});
    const Tensor b1 = floats({1}, {0});
    auto g18 = run_node(make_node("GroupNormalization", {{"num_groups", int_attr(1)}}, 18),
                        {&x, &s1, &b1});
    ASSERT_TRUE(g18);
    double mean = 6, var = (25 + 9 + 16 + 16) / 4.0;
    EXPECT_NEAR(fv((*g18)[0])[0], (1 - mean) / std::sqrt(var + 1e-5), 1e-5);
    EXPECT_FALSE(run_node(make_node("GroupNormalization", {{"num_groups", int_attr(1)}}, 21),
                          {&x, &s1, &b1}));
    EXPECT_FALSE(run_node(make_node("GroupNormalization", {{"num_groups", int_attr(3)}}, 18),
                          {&x, &s1, &b1}));
}

TEST(MlEinsum, MatmulFormsAndRefusals)
{
    auto eq = [](const char* e) {
        return make_node("Einsum", {{"equation", string_attr(e)}}, 12);
    };
    std::vector<float> av(2 * 3 * 4), bv(2 * 4 * 5);
    for (size_t i = 0; i < av.size(); ++i)
        av[i] = static_cast<float>(i % 7) - 3.0f;
    for (size_t i = 0; i < bv.size(); ++i)
        bv[i] = static_cast<float>(i % 5) * 0.5f;
    const Tensor a = floats({2, 3, 4}, av);
    const Tensor b = floats({2, 4, 5}, bv);
    auto bmm = run_node(eq("bij,bjk->bik"), {&a, &b});
    ASSERT_TRUE(bmm) << bmm.error();
    ASSERT_EQ((*bmm)[0].shape, (std::vector<int64_t>{2, 3, 5}));
    for (int64_t t = 0; t < 2; ++t)
        for (int64_t i = 0; i < 3; ++i)
            for (int64_t k = 0; k < 5; ++k)
            {
                float s = 0;
                for (int64_t j = 0; j < 4; ++j)
                    s += av[static_cast<size_t>((t * 3 + i) * 4 + j)] *
                         bv[static_cast<size_t>((t * 4 + j) * 5 + k)];
                EXPECT_EQ(fv((*bmm)[0])[static_cast<size_t>((t * 3 + i) * 5 + k)], s);
            }
    // Output in another order: the transposed product.
    auto bki = run_node(eq("bij,bjk->bki"), {&a, &b});
    ASSERT_TRUE(bki);
    EXPECT_EQ(fv((*bki)[0])[static_cast<size_t>((1 * 5 + 4) * 3 + 2)],
              fv((*bmm)[0])[static_cast<size_t>((1 * 3 + 2) * 5 + 4)]);
    // Attention scores: q k^T per (batch, head).
    const Tensor q = floats({1, 2, 3, 4}, std::vector<float>(av.begin(), av.end()));
    auto att = run_node(eq("bhid,bhjd->bhij"), {&q, &q});
    ASSERT_TRUE(att) << att.error();
    EXPECT_EQ((*att)[0].shape, (std::vector<int64_t>{1, 2, 3, 3}));
    float s01 = 0;
    for (size_t d = 0; d < 4; ++d)
        s01 += av[d] * av[4 + d];
    EXPECT_EQ(fv((*att)[0])[1], s01);
    const Tensor v = floats({3}, {1, 2, 3});
    auto dot = run_node(eq("i,i->"), {&v, &v});
    ASSERT_TRUE(dot);
    EXPECT_EQ(fv((*dot)[0]), (std::vector<float>{14}));
    EXPECT_TRUE((*dot)[0].shape.empty());
    const Tensor m = floats({2, 3}, {1, 2, 3, 4, 5, 6});
    auto tr = run_node(eq("ij->ji"), {&m});
    ASSERT_TRUE(tr);
    EXPECT_EQ(fv((*tr)[0]), (std::vector<float>{1, 4, 2, 5, 3, 6}));
    auto rs = run_node(eq("ij->i"), {&m});
    ASSERT_TRUE(rs);
    EXPECT_EQ(fv((*rs)[0]), (std::vector<float>{6, 15}));
    const Tensor n = floats({3, 2}, {1, 0, 0, 1, 1, 1});
    auto implicit = run_node(eq("ij,jk"), {&m, &n});
    ASSERT_TRUE(implicit) << implicit.error();
    EXPECT_EQ(fv((*implicit)[0]), (std::vector<float>{4, 5, 10, 11}));
    const Tensor sq = floats({2, 2}, {1, 2, 3, 4});
    EXPECT_TRUE(has(run_node(eq("ii->i"), {&sq}), "repeated in one operand"));
    auto et = run_node(eq("...ij->...ji"), {&sq});
    ASSERT_TRUE(et) << et.error();
    EXPECT_EQ(fv((*et)[0]), (std::vector<float>{1, 3, 2, 4}));
    auto ebmm = run_node(eq("...ij,...jk->...ik"), {&a, &b});
    ASSERT_TRUE(ebmm) << ebmm.error();
    EXPECT_EQ((*ebmm)[0], (*bmm)[0]);
    auto eimp = run_node(eq("...ij,...jk"), {&a, &b});
    ASSERT_TRUE(eimp) << eimp.error();
    EXPECT_EQ((*eimp)[0], (*bmm)[0]);
    const Tensor b4 = floats({1, 2, 4, 5}, bv);
    EXPECT_TRUE(has(run_node(eq("...ij,...jk->...ik"), {&a, &b4}), "broadcasting"));
    EXPECT_TRUE(has(run_node(eq("..i.j->ij"), {&sq}), "invalid character"));
    EXPECT_TRUE(has(run_node(eq("ij,kl->ij"), {&sq, &sq}), "summed away"));
    EXPECT_TRUE(has(run_node(eq("ij->ji"), {&sq, &sq}), "one or two operands"));
    EXPECT_TRUE(has(run_node(eq("ij,jk->ik"), {&m, &m}), "has sizes"));
    EXPECT_TRUE(has(run_node(eq("ijk->i"), {&m}), "rank"));
    EXPECT_TRUE(has(run_node(eq("ij->iz"), {&m}), "names one no operand has"));
    const Tensor iv32 = Tensor::from<int32_t>(DType::INT32, {2}, std::vector<int32_t>{1, 2});
    EXPECT_FALSE(run_node(eq("i->i"), {&iv32}));
    const auto* op = find_op("Einsum");
    ValueInfo ai{DType::FLOAT, {2, 3, 4}, nullptr};
    ValueInfo bi{DType::FLOAT, {2, 4, 5}, nullptr};
    std::vector<const ValueInfo*> ins{&ai, &bi};
    std::vector<ValueInfo> outs{ValueInfo{DType::FLOAT, {2, 3, 5}, nullptr}};
    EXPECT_EQ(op->cost(eq("bij,bjk->bik"), ins, outs).gemm_macs, 2u * 3u * 4u * 5u);
}

TEST(MlIndexOps, Costs)
{
    ValueInfo x{DType::FLOAT, {4, 1024}, nullptr};
    ValueInfo k{DType::INT64, {1}, nullptr};
    std::vector<const ValueInfo*> ins{&x, &k};
    std::vector<ValueInfo> outs{ValueInfo{DType::FLOAT, {4, 8}, nullptr},
                                ValueInfo{DType::INT64, {4, 8}, nullptr}};
    const auto* topk = find_op("TopK");
    ASSERT_TRUE(topk && topk->cost);
    const auto c = topk->cost(make_node("TopK", {}, 11, 2), ins, outs);
    EXPECT_EQ(c.macs, 4u * 1024u * 10u);
    const auto* lse = find_op("ReduceLogSumExp");
    ASSERT_TRUE(lse && lse->cost);
    std::vector<const ValueInfo*> one{&x};
    std::vector<ValueInfo> r{ValueInfo{DType::FLOAT, {4, 1}, nullptr}};
    EXPECT_EQ(lse->cost(make_node("ReduceLogSumExp"), one, r).special_macs,
              (4u * 1024u + 4u) * kTranscendentalMacs);
}

}  // namespace
}  // namespace tern::ml
