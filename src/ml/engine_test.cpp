// Engine tests: loader refusals (bad models never crash and say why), planning limits, cost,
// execution of small graphs built in code.

#include "ml/engine.hpp"
#include "ml/onnx_proto.hpp"

#include <gtest/gtest.h>

using namespace tern::ml;

namespace {

// Small ModelProto builder.
struct Builder
{
    onnx::ModelProto m;
    onnx::GraphProto* g = m.mutable_graph();

    explicit Builder(int64_t opset = 17)
    {
        m.set_ir_version(8);
        auto* imp = m.add_opset_import();
        imp->set_domain("");
        imp->set_version(opset);
    }
    Builder& input(const std::string& name, DType t, std::vector<int64_t> shape)
    {
        auto* vi = g->add_input();
        vi->set_name(name);
        auto* tt = vi->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(static_cast<int>(t));
        auto* sh = tt->mutable_shape();
        for (auto d : shape)
        {
            auto* dim = sh->add_dim();
            if (d >= 0)
                dim->set_dim_value(d);
            else
                dim->set_dim_param("N");
        }
        return *this;
    }
    Builder& output(const std::string& name)
    {
        g->add_output()->set_name(name);
        return *this;
    }
    Builder& init(const std::string& name, const Tensor& t)
    {
        *g->add_initializer() = tensor_to_proto(t, name);
        return *this;
    }
    onnx::NodeProto& node(const std::string& op,
                          std::vector<std::string> ins,
                          std::vector<std::string> outs)
    {
        auto* n = g->add_node();
        n->set_op_type(op);
        n->set_name(op + std::to_string(g->node_size()));
        for (auto& i : ins)
            n->add_input(i);
        for (auto& o : outs)
            n->add_output(o);
        return *n;
    }
    std::string bytes() const
    {
        std::string s;
        m.SerializeToString(&s);
        return s;
    }
};

void set_ints(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v)
        a->add_ints(x);
}

tern::Result<std::shared_ptr<const Model>, std::string> load(const std::string& bytes,
                                                             const Limits& l = {})
{
    return load_model(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), l);
}

std::string load_error(const std::string& bytes, const Limits& l = {})
{
    auto m = load(bytes, l);
    return m ? std::string("<loaded>") : m.error();
}

Tensor f32(std::vector<int64_t> shape, std::vector<float> v)
{
    return Tensor::from<float>(DType::FLOAT, std::move(shape), v);
}

Tensor i64(std::vector<int64_t> shape, std::vector<int64_t> v)
{
    return Tensor::from<int64_t>(DType::INT64, std::move(shape), v);
}

// x[2,3] -> Transpose -> Reshape([3,2]) -> Flatten -> y
Builder small_model()
{
    Builder b;
    b.input("x", DType::FLOAT, {2, 3});
    b.init("shape", i64({2}, {3, 2}));
    b.node("Transpose", {"x"}, {"t"});
    b.node("Reshape", {"t", "shape"}, {"r"});
    b.node("Flatten", {"r"}, {"y"});
    b.output("y");
    return b;
}

}  // namespace

TEST(MlEngine, RunsASmallGraph)
{
    auto m = load(small_model().bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({2, 3}, {1, 2, 3, 4, 5, 6})};
    auto out = run(**m, in, {});
    ASSERT_TRUE(out) << out.error();
    ASSERT_EQ(out->size(), 1u);
    EXPECT_EQ((*out)[0], f32({3, 2}, {1, 4, 2, 5, 3, 6}));
    auto c = cost_report(**m, in, {});
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->nodes, 3u);
    EXPECT_EQ(c->macs, 0u);
    EXPECT_EQ(c->weight_bytes, 16u);
    EXPECT_GE(c->gas, kGasBase);
    auto g = cost(**m, in, {});
    ASSERT_TRUE(g);
    EXPECT_EQ(*g, c->gas);
}

TEST(MlEngine, NodesInAnyFileOrderRunTopologically)
{
    Builder b;
    b.input("x", DType::FLOAT, {2});
    b.node("Identity", {"a"}, {"y"});  // reads a value produced later in the file
    b.node("Identity", {"x"}, {"a"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({2}, {7, 8})};
    auto out = run(**m, in, {});
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ((*out)[0], in[0]);
}

TEST(MlEngine, SymbolicDimsTakeTheCallersShape)
{
    Builder b;
    b.input("x", DType::FLOAT, {-1, 2});
    b.node("Identity", {"x"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({3, 2}, {1, 2, 3, 4, 5, 6})};
    EXPECT_TRUE(run(**m, in, {}));
    std::vector<Tensor> bad{f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})};
    auto r = run(**m, bad, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("must have shape [-1,2]"), std::string::npos) << r.error();
}

TEST(MlEngine, RefusesBadModels)
{
    const auto good = small_model().bytes();
    // Truncated protobuf.
    EXPECT_NE(load_error(good.substr(0, good.size() / 2)).find("not a valid ONNX"),
              std::string::npos);
    EXPECT_NE(load_error("garbage").find("not a valid ONNX"), std::string::npos);
    // Too large for the limit.
    Limits small;
    small.max_model_bytes = 10;
    EXPECT_NE(load_error(good, small).find("above the limit"), std::string::npos);
    // Unsupported operator names the op and node.
    {
        Builder b;
        b.input("x", DType::FLOAT, {2});
        b.node("Loop", {"x"}, {"y"});
        b.output("y");
        EXPECT_EQ(load_error(b.bytes()), "unsupported operator Loop (node Loop1)");
    }
    // Other domains.
    {
        Builder b;
        b.input("x", DType::FLOAT, {2});
        b.node("QLinearAdd", {"x"}, {"y"}).set_domain("com.microsoft");
        b.output("y");
        EXPECT_NE(load_error(b.bytes()).find("unsupported operator com.microsoft::QLinearAdd"),
                  std::string::npos);
    }
    // Cycle.
    {
        Builder b;
        b.input("x", DType::FLOAT, {2});
        b.node("Concat", {"x", "b"}, {"a"});
        b.node("Identity", {"a"}, {"b"});
        b.output("b");
        EXPECT_NE(load_error(b.bytes()).find("cycle"), std::string::npos);
    }
    // Undefined input.
    {
        Builder b;
        b.input("x", DType::FLOAT, {2});
        b.node("Identity", {"nope"}, {"y"});
        b.output("y");
        EXPECT_NE(load_error(b.bytes()).find("input 'nope' is not defined"), std::string::npos);
    }
    // A value defined twice.
    {
        Builder b;
        b.input("x", DType::FLOAT, {2});
        b.node("Identity", {"x"}, {"x"});
        b.output("x");
        EXPECT_NE(load_error(b.bytes()).find("defined twice"), std::string::npos);
    }
    // Wrong arity.
    {
        Builder b;
        b.input("x", DType::FLOAT, {2});
        b.node("Identity", {"x", "x"}, {"y"});
        b.output("y");
        EXPECT_NE(load_error(b.bytes()).find("has 2 inputs"), std::string::npos);
    }
    // Absurd dims on an input, and an initializer whose data does not match its dims.
    {
        Builder b;
        b.input("x", DType::FLOAT, {int64_t{1} << 40});
        b.node("Identity", {"x"}, {"y"});
        b.output("y");
        EXPECT_NE(load_error(b.bytes()).find("absurd dim"), std::string::npos);
    }
    {
        Builder b;
        b.input("x", DType::FLOAT, {2});
        auto t = f32({2}, {1, 2});
        t.shape = {1 << 20, 1 << 20};  // claims 2^40 elements with 8 bytes of data
        b.init("w", t);
        b.node("Identity", {"x"}, {"y"});
        b.output("y");
        EXPECT_NE(load_error(b.bytes()).find("more than the limit"), std::string::npos);
        auto u = f32({2}, {1, 2});
        u.shape = {3};
        Builder c;
        c.input("x", DType::FLOAT, {2});
        c.init("w", u);
        c.node("Identity", {"x"}, {"y"});
        c.output("y");
        EXPECT_NE(load_error(c.bytes()).find("raw_data has 8 bytes"), std::string::npos);
    }
    // Huge initializer (over the element limit).
    {
        Limits l;
        l.max_tensor_elements = 100;
        Builder b;
        b.input("x", DType::FLOAT, {2});
        b.init("w", Tensor::zeros(DType::FLOAT, {101}));
        b.node("Identity", {"x"}, {"y"});
        b.output("y");
        EXPECT_NE(load_error(b.bytes(), l).find("more than the limit of 100"), std::string::npos);
    }
    // Rank above the limit.
    {
        Builder b;
        b.input("x", DType::FLOAT, {1, 1, 1, 1, 1, 1, 1, 1, 1});
        b.node("Identity", {"x"}, {"y"});
        b.output("y");
        EXPECT_NE(load_error(b.bytes()).find("rank above the limit"), std::string::npos);
    }
    // External data.
    {
        Builder b;
        b.input("x", DType::FLOAT, {2});
        auto* t = b.g->add_initializer();
        t->set_name("w");
        t->set_data_type(1);
        t->add_dims(2);
        t->set_data_location(onnx::TensorProto::EXTERNAL);
        b.node("Identity", {"x"}, {"y"});
        b.output("y");
        EXPECT_NE(load_error(b.bytes()).find("external data"), std::string::npos);
    }
    // Too many nodes, no opset, missing output.
    {
        Limits l;
        l.max_nodes = 2;
        EXPECT_NE(load_error(good, l).find("3 nodes"), std::string::npos);
        Builder b;
        b.m.clear_opset_import();
        EXPECT_NE(load_error(b.bytes()).find("no ai.onnx opset"), std::string::npos);
        Builder c;
        c.input("x", DType::FLOAT, {2});
        c.output("nope");
        EXPECT_NE(load_error(c.bytes()).find("graph output 'nope' is not defined"),
                  std::string::npos);
    }
}

TEST(MlEngine, ShapeMismatchesFailAtPlanTime)
{
    Builder b;
    b.input("x", DType::FLOAT, {2, 3});
    b.init("shape", i64({2}, {4, 2}));
    b.node("Reshape", {"x", "shape"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({2, 3}, {1, 2, 3, 4, 5, 6})};
    auto r = cost(**m, in, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("cannot reshape [2,3] to [4,2]"), std::string::npos) << r.error();
}

TEST(MlEngine, DynamicShapesAreRefused)
{
    Builder b;
    b.input("x", DType::FLOAT, {6});
    b.input("shape", DType::INT64, {2});
    b.node("Reshape", {"x", "shape"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({6}, {1, 2, 3, 4, 5, 6}), i64({2}, {2, 3})};
    auto r = run(**m, in, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("dynamic shape cannot be bounded"), std::string::npos);
}

TEST(MlEngine, ShapeArithmeticIsFoldedAtPlanTime)
{
    // y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])): the shape comes from x's shape only.
    Builder b;
    b.input("x", DType::FLOAT, {2, 3, 2});
    b.init("zero", i64({1}, {0}));
    b.init("minus1", i64({1}, {-1}));
    b.node("Shape", {"x"}, {"s"});
    b.node("Gather", {"s", "zero"}, {"n"});
    b.node("Concat", {"n", "minus1"}, {"target"}).add_attribute()->CopyFrom([] {
        onnx::AttributeProto a;
        a.set_name("axis");
        a.set_type(onnx::AttributeProto::INT);
        a.set_i(0);
        return a;
    }());
    b.node("Reshape", {"x", "target"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{Tensor::zeros(DType::FLOAT, {2, 3, 2})};
    auto out = run(**m, in, {});
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{2, 6}));
}

TEST(MlEngine, LimitsOnIntermediatesAndCost)
{
    // Unsqueeze + Concat of x with itself many times grows past the element limit.
    Builder b;
    b.input("x", DType::FLOAT, {64});
    std::string prev = "x";
    for (int i = 0; i < 6; ++i)
    {
        std::string next = "c";
        next += std::to_string(i);
        auto& n = b.node("Concat", {prev, prev}, {next});
        auto* a = n.add_attribute();
        a->set_name("axis");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(0);
        prev = next;
    }
    b.node("Identity", {prev}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{Tensor::zeros(DType::FLOAT, {64})};
    Limits l;
    l.max_tensor_elements = 1024;
    auto r = run(**m, in, l);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("more than the limit of 1024 elements"), std::string::npos)
        << r.error();
    Limits c;
    c.max_cost = kGasBase + 10;
    r = run(**m, in, c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("cost exceeds the limit"), std::string::npos) << r.error();
    auto ok = run(**m, in, {});
    ASSERT_TRUE(ok) << ok.error();
    EXPECT_EQ((*ok)[0].elements(), 64 * 64);
}

TEST(MlEngine, InputChecks)
{
    auto m = load(small_model().bytes());
    ASSERT_TRUE(m);
    EXPECT_NE(run(**m, {}, {}).error().find("takes 1 inputs, got 0"), std::string::npos);
    std::vector<Tensor> wrong_type{Tensor::zeros(DType::INT8, {2, 3})};
    EXPECT_NE(run(**m, wrong_type, {}).error().find("must be float"), std::string::npos);
    std::vector<Tensor> short_data{f32({2, 3}, {1, 2})};
    EXPECT_NE(run(**m, short_data, {}).error().find("data bytes"), std::string::npos);
}

TEST(MlEngine, GatherIndexOutOfRangeIsAnError)
{
    Builder b;
    b.input("x", DType::FLOAT, {3});
    b.input("i", DType::INT64, {1});
    b.node("Gather", {"x", "i"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({3}, {1, 2, 3}), i64({1}, {3})};
    auto r = run(**m, in, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("out of range"), std::string::npos);
    in[1] = i64({1}, {-1});
    auto ok = run(**m, in, {});
    ASSERT_TRUE(ok) << ok.error();
    EXPECT_EQ((*ok)[0], f32({1}, {3}));
}

TEST(MlEngine, QuantizedMatMulCostCountsMacs)
{
    // y = QLinearMatMul(x[1,64], W[64,32]) : 2048 MACs.
    Builder b;
    b.input("x", DType::UINT8, {1, 64});
    b.init("xs", f32({}, {0.1f}));
    b.init("xz", Tensor::from<uint8_t>(DType::UINT8, {}, std::vector<uint8_t>{128}));
    b.init("w", Tensor::zeros(DType::INT8, {64, 32}));
    b.init("ws", f32({}, {0.01f}));
    b.init("wz", Tensor::zeros(DType::INT8, {}));
    b.init("ys", f32({}, {0.2f}));
    b.init("yz", Tensor::from<uint8_t>(DType::UINT8, {}, std::vector<uint8_t>{7}));
    b.node("QLinearMatMul", {"x", "xs", "xz", "w", "ws", "wz", "ys", "yz"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{Tensor::zeros(DType::UINT8, {1, 64})};
    auto c = cost_report(**m, in, {});
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->macs, 64u * 32u);
    auto out = run(**m, in, {});
    ASSERT_TRUE(out) << out.error();
    // x - zp = -128 everywhere, W = 0: acc 0, y = zero point 7.
    EXPECT_EQ((*out)[0].data, std::vector<uint8_t>(32, 7));
}

TEST(MlEngine, OpsetDependentAttributes)
{
    // Squeeze with axes as an attribute (opset 11) and as an input (opset 13).
    Builder b(11);
    b.input("x", DType::FLOAT, {1, 2, 1});
    set_ints(b.node("Squeeze", {"x"}, {"y"}), "axes", {0});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({1, 2, 1}, {1, 2})};
    auto out = run(**m, in, {});
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{2, 1}));
    Builder c(13);
    c.input("x", DType::FLOAT, {1, 2, 1});
    c.init("axes", i64({1}, {-1}));
    c.node("Squeeze", {"x", "axes"}, {"y"});
    c.output("y");
    auto m2 = load(c.bytes());
    ASSERT_TRUE(m2) << m2.error();
    out = run(**m2, in, {});
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{1, 2}));
}

TEST(MlEngine, EmptyTensorsWithHugeDimsAreRefused)
{
    // [0, 2^21, 2^21] has no elements, but Flatten's partial products would be 2^42.
    Builder b;
    b.input("x", DType::FLOAT, {-1, -1, -1});
    b.node("Flatten", {"x"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{Tensor::zeros(DType::FLOAT, {0, 1 << 21, 1 << 21})};
    auto r = run(**m, in, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("more than the limit"), std::string::npos) << r.error();
    std::vector<Tensor> ok{Tensor::zeros(DType::FLOAT, {0, 3, 4})};
    auto out = run(**m, ok, {});
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{0, 12}));
}

TEST(MlEngine, MatMulIntegerWithEmptyReduction)
{
    Builder b;
    b.input("a", DType::UINT8, {2, 0});
    b.input("b", DType::UINT8, {0, 3});
    b.init("bz", Tensor::from<uint8_t>(DType::UINT8, {}, std::vector<uint8_t>{5}));
    b.node("MatMulInteger", {"a", "b", "", "bz"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{Tensor::zeros(DType::UINT8, {2, 0}),
                           Tensor::zeros(DType::UINT8, {0, 3})};
    auto out = run(**m, in, {});
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ((*out)[0], Tensor::zeros(DType::INT32, {2, 3}));
}
