// Engine tests: loader refusals (bad models never crash and say why), planning limits, cost,
// execution of small graphs built in code.

#include "ml/engine.hpp"
#include "ml/onnx_proto.hpp"
#include "ml/requant.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <random>

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

TEST(MlEngine, RunStopsOnceItsDeadlineHasExpired)
{
    // RPC executions pass a deadline; it is checked before each node.
    auto m = load(small_model().bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({2, 3}, {1, 2, 3, 4, 5, 6})};
    std::atomic<bool> gone{true};  // the client went away before the run
    const tern::Deadline cancelled = tern::Deadline::after(std::chrono::hours(1), &gone);
    auto stopped = run(**m, in, {}, &cancelled);
    ASSERT_FALSE(stopped);
    EXPECT_EQ(stopped.error(), kInterrupted);
    const tern::Deadline far = tern::Deadline::after(std::chrono::hours(1));
    auto out = run(**m, in, {}, &far);
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ((*out)[0], f32({3, 2}, {1, 4, 2, 5, 3, 6}));
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
        b.node("StringSplit", {"x"}, {"y"});
        b.output("y");
        EXPECT_EQ(load_error(b.bytes()), "unsupported operator StringSplit (node StringSplit1)");
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

// Issue 14: PaddlePaddle writes a dynamic dim as -1, other exporters as 0; onnxruntime takes
// any size there, and so does the engine.
TEST(MlEngine, MinusOneAndZeroDimsAreDynamic)
{
    Builder b;
    b.input("x", DType::FLOAT, {2, 3});
    auto* dims = b.g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
    dims->mutable_dim(0)->set_dim_value(-1);
    dims->mutable_dim(1)->set_dim_value(0);
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{1, 5}, {4, 2}})
    {
        std::vector<Tensor> in{Tensor::zeros(DType::FLOAT, shape)};
        auto r = run(**m, in, {});
        ASSERT_TRUE(r) << r.error();
        EXPECT_EQ((*r)[0].shape, shape);
    }
    // Other negative dims stay refused.
    dims->mutable_dim(0)->set_dim_value(-2);
    EXPECT_NE(load_error(b.bytes()).find("absurd dim -2"), std::string::npos);
}

// Issue 14: one refusal names every operator the engine lacks, with its nodes.
TEST(MlEngine, ARefusalListsEveryUnsupportedOperator)
{
    Builder b;
    b.input("x", DType::FLOAT, {2});
    b.node("StringSplit", {"x"}, {"a"});
    b.node("Relu", {"a"}, {"b"});
    b.node("QLinearAdd", {"b"}, {"c"}).set_domain("com.microsoft");
    b.node("StringSplit", {"c"}, {"d"});
    for (const char* out : {"e0", "e1", "e2", "e3"})
        b.node("Frobnicate", {"d"}, {out});
    b.output("d");
    EXPECT_EQ(load_error(b.bytes()),
              "unsupported operators StringSplit (nodes StringSplit1, StringSplit4), "
              "com.microsoft::QLinearAdd (node "
              "QLinearAdd3), Frobnicate (nodes Frobnicate5, Frobnicate6, Frobnicate7 and 1 more)");
}

// Issue 14: shape inference goes on past a node it cannot satisfy (skipping what depends on
// it), so one refusal lists every such node.
TEST(MlEngine, ARefusalListsEveryUnsatisfiableShape)
{
    Builder b;
    b.input("x", DType::FLOAT, {2, 3});
    b.init("w", f32({4, 5}, std::vector<float>(20, 1.0f)));
    b.node("MatMul", {"x", "w"}, {"a"});  // 3 != 4
    b.node("Relu", {"a"}, {"b"});         // skipped: depends on a
    b.node("MatMul", {"w", "x"}, {"c"});  // 5 != 2
    b.node("Relu", {"x"}, {"d"});         // fine
    b.output("b");
    b.output("c");
    b.output("d");
    auto m = load(b.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{Tensor::zeros(DType::FLOAT, {2, 3})};
    auto r = run(**m, in, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("MatMul1"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("MatMul3"), std::string::npos) << r.error();
    EXPECT_EQ(r.error().find("Relu2"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("; "), std::string::npos) << r.error();
}

// Issue 14: a cost refusal reports the model's whole cost, not only where the limit was crossed.
TEST(MlEngine, ACostRefusalReportsTheTotal)
{
    auto m = load(small_model().bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{Tensor::zeros(DType::FLOAT, {2, 3})};
    const auto total = cost(**m, in, {});
    ASSERT_TRUE(total) << total.error();
    Limits l;
    l.max_cost = kGasBase + 1;
    auto r = cost(**m, in, l);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("cost exceeds the limit of " + std::to_string(l.max_cost) +
                             ": the model costs " + std::to_string(*total) + " gas in total"),
              std::string::npos)
        << r.error();
}

// Issue 14: float16 and bfloat16 weights (raw_data or int32_data) are widened exactly to
// float32 at load and computed in float32.
TEST(MlEngine, HalfPrecisionWeightsAreWidenedExactly)
{
    for (const bool bf16 : {false, true})
    {
        Builder b;
        b.input("x", DType::FLOAT, {1, 2});
        auto* w = b.g->add_initializer();
        w->set_name("w");
        w->add_dims(2);
        w->add_dims(1);
        if (bf16)
        {
            w->set_data_type(onnx::TensorProto::BFLOAT16);
            w->add_int32_data(0x3fc0);  // 1.5
            w->add_int32_data(0xc020);  // -2.5
        }
        else
        {
            w->set_data_type(onnx::TensorProto::FLOAT16);
            const uint8_t raw[] = {0x00, 0x3e, 0x00, 0xc1};  // 1.5, -2.5 little-endian
            w->set_raw_data(std::string(reinterpret_cast<const char*>(raw), sizeof raw));
        }
        b.node("MatMul", {"x", "w"}, {"y"});
        b.output("y");
        auto m = load(b.bytes());
        ASSERT_TRUE(m) << m.error();
        std::vector<Tensor> in{f32({1, 2}, {2.0f, 1.0f})};
        auto r = run(**m, in, {});
        ASSERT_TRUE(r) << r.error();
        EXPECT_EQ((*r)[0].as<float>()[0], 0.5f) << (bf16 ? "bfloat16" : "float16");
    }
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
    EXPECT_EQ(c->int_macs, 64u * 32u);
    EXPECT_EQ(c->macs, 0u);
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

namespace {

void set_int(onnx::NodeProto& n, const std::string& name, int64_t v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}

std::vector<Tensor> run_ok(const Builder& b, std::vector<Tensor> in)
{
    auto m = load(b.bytes());
    EXPECT_TRUE(m) << m.error();
    if (!m)
        return {};
    auto out = run(**m, in, {});
    EXPECT_TRUE(out) << out.error();
    return out ? *out : std::vector<Tensor>{};
}

Tensor random_q8(DType t, std::vector<int64_t> shape, std::mt19937& rng)
{
    auto x = Tensor::zeros(t, std::move(shape));
    for (auto& v : x.data)
        v = static_cast<uint8_t>(rng());
    return x;
}

int32_t q8(const Tensor& t, size_t i)
{
    return t.dtype == DType::INT8 ? static_cast<int8_t>(t.data[i]) : t.data[i];
}

}  // namespace

TEST(MlStructOps, CastSaturatesAndIsDefinedEverywhere)
{
    Builder b;
    b.input("x", DType::FLOAT, {6});
    set_int(b.node("Cast", {"x"}, {"y"}), "to", static_cast<int64_t>(DType::INT8));
    set_int(b.node("Cast", {"x"}, {"z"}), "to", static_cast<int64_t>(DType::UINT8));
    set_int(b.node("Cast", {"x"}, {"w"}), "to", static_cast<int64_t>(DType::BOOL));
    b.output("y").output("z").output("w");
    const float nan = std::numeric_limits<float>::quiet_NaN();
    auto out = run_ok(b, {f32({6}, {1e10f, -1e10f, nan, 2.7f, -2.7f, 0.0f})});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0],
              Tensor::from<int8_t>(DType::INT8, {6}, std::vector<int8_t>{127, -128, 0, 2, -2, 0}));
    EXPECT_EQ(out[1],
              Tensor::from<uint8_t>(DType::UINT8, {6}, std::vector<uint8_t>{255, 0, 0, 2, 0, 0}));
    EXPECT_EQ(out[2].data, (std::vector<uint8_t>{1, 1, 1, 1, 1, 0}));
    // Integer narrowing wraps (two's complement).
    Builder c;
    c.input("x", DType::INT64, {2});
    set_int(c.node("Cast", {"x"}, {"y"}), "to", static_cast<int64_t>(DType::INT8));
    c.output("y");
    out = run_ok(c, {i64({2}, {300, -129})});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], Tensor::from<int8_t>(DType::INT8, {2}, std::vector<int8_t>{44, 127}));
}

TEST(MlQuantOps, QuantizeLinearNaNGivesTheZeroPoint)
{
    Builder b;
    b.input("x", DType::FLOAT, {4});
    b.init("s", f32({}, {0.5f}));
    b.init("z", Tensor::from<int8_t>(DType::INT8, {}, std::vector<int8_t>{3}));
    b.node("QuantizeLinear", {"x", "s", "z"}, {"y"});
    b.output("y");
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    auto out = run_ok(b, {f32({4}, {nan, inf, -inf, 1.25f})});
    ASSERT_EQ(out.size(), 1u);
    // 1.25 / 0.5 = 2.5 -> 2 (half to even) + 3.
    EXPECT_EQ(out[0], Tensor::from<int8_t>(DType::INT8, {4}, std::vector<int8_t>{3, 127, -128, 5}));
}

// MatMulInteger with batch broadcasting and per-column B zero points, against a naive loop.
TEST(MlQuantOps, MatMulIntegerBatchedMatchesReference)
{
    std::mt19937 rng(7);
    const auto a = random_q8(DType::UINT8, {2, 1, 3, 4}, rng);
    const auto bm = random_q8(DType::INT8, {3, 4, 5}, rng);
    const auto az = Tensor::from<uint8_t>(DType::UINT8, {}, std::vector<uint8_t>{100});
    const auto bz = random_q8(DType::INT8, {5}, rng);
    Builder b;
    b.input("a", DType::UINT8, {2, 1, 3, 4});
    b.input("b", DType::INT8, {3, 4, 5});
    b.init("az", az);
    b.init("bz", bz);
    b.node("MatMulInteger", {"a", "b", "az", "bz"}, {"y"});
    b.output("y");
    auto out = run_ok(b, {a, bm});
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].shape, (std::vector<int64_t>{2, 3, 3, 5}));
    const auto y = out[0].as<int32_t>();
    for (int p = 0; p < 2; ++p)
        for (int q = 0; q < 3; ++q)
            for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 5; ++j)
                {
                    int32_t acc = 0;
                    for (int k = 0; k < 4; ++k)
                        acc += (q8(a, static_cast<size_t>((p * 3 + i) * 4 + k)) - 100) *
                               (q8(bm, static_cast<size_t>((q * 4 + k) * 5 + j)) -
                                q8(bz, static_cast<size_t>(j)));
                    EXPECT_EQ(y[static_cast<size_t>(((p * 3 + q) * 3 + i) * 5 + j)], acc);
                }
}

// QLinearConv with groups, strides, dilations, asymmetric pads, per-channel weight scales and
// zero points and a bias, against a naive loop with the same requantization.
TEST(MlQuantOps, QLinearConvMatchesReference)
{
    std::mt19937 rng(11);
    const int64_t N = 2, C = 4, H = 9, W = 8, M = 6, G = 2, KH = 3, KW = 2;
    const int64_t sh = 2, sw = 1, dh = 1, dw = 2, pt = 1, pl = 0, pb = 2, pr = 1;
    const auto x = random_q8(DType::UINT8, {N, C, H, W}, rng);
    const auto w = random_q8(DType::INT8, {M, C / G, KH, KW}, rng);
    auto wz = random_q8(DType::INT8, {M}, rng);
    std::vector<float> wsv;
    for (int64_t m = 0; m < M; ++m)
        wsv.push_back(0.001f * static_cast<float>(1 + m));
    std::vector<int32_t> bias;
    for (int64_t m = 0; m < M; ++m)
        bias.push_back(static_cast<int32_t>(rng() % 2001) - 1000);
    Builder b;
    b.input("x", DType::UINT8, {N, C, H, W});
    b.init("xs", f32({}, {0.05f}));
    b.init("xz", Tensor::from<uint8_t>(DType::UINT8, {}, std::vector<uint8_t>{120}));
    b.init("w", w);
    b.init("ws", f32({M}, wsv));
    b.init("wz", wz);
    b.init("ys", f32({}, {0.07f}));
    b.init("yz", Tensor::from<int8_t>(DType::INT8, {}, std::vector<int8_t>{-5}));
    b.init("bias", Tensor::from<int32_t>(DType::INT32, {M}, bias));
    auto& n = b.node("QLinearConv", {"x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "bias"}, {"y"});
    set_int(n, "group", G);
    set_ints(n, "strides", {sh, sw});
    set_ints(n, "dilations", {dh, dw});
    set_ints(n, "pads", {pt, pl, pb, pr});
    b.output("y");
    auto out = run_ok(b, {x});
    ASSERT_EQ(out.size(), 1u);
    const int64_t OH = (H + pt + pb - ((KH - 1) * dh + 1)) / sh + 1;
    const int64_t OW = (W + pl + pr - ((KW - 1) * dw + 1)) / sw + 1;
    ASSERT_EQ(out[0].shape, (std::vector<int64_t>{N, M, OH, OW}));
    size_t checked = 0;
    for (int64_t nn = 0; nn < N; ++nn)
        for (int64_t m = 0; m < M; ++m)
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow)
                {
                    const int64_t g = m / (M / G);
                    int32_t acc = bias[static_cast<size_t>(m)];
                    for (int64_t c = 0; c < C / G; ++c)
                        for (int64_t kh = 0; kh < KH; ++kh)
                            for (int64_t kw = 0; kw < KW; ++kw)
                            {
                                const int64_t ih = oh * sh - pt + kh * dh;
                                const int64_t iw = ow * sw - pl + kw * dw;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                                    continue;
                                const auto xi = static_cast<size_t>(
                                    ((nn * C + g * (C / G) + c) * H + ih) * W + iw);
                                const auto wi =
                                    static_cast<size_t>(((m * (C / G) + c) * KH + kh) * KW + kw);
                                acc += (q8(x, xi) - 120) *
                                       (q8(w, wi) - q8(wz, static_cast<size_t>(m)));
                            }
                    const float scale = 0.05f * wsv[static_cast<size_t>(m)] / 0.07f;
                    const int32_t want = requantize_float(acc, scale, -5, -128, 127);
                    const auto yi = static_cast<size_t>(((nn * M + m) * OH + oh) * OW + ow);
                    EXPECT_EQ(q8(out[0], yi), want) << "at " << yi;
                    ++checked;
                }
    EXPECT_EQ(checked, static_cast<size_t>(N * M * OH * OW));
}

TEST(MlStructOps, PadCropsWithNegativePadsAndRefusesOversizedReflect)
{
    Builder b;
    b.input("x", DType::INT32, {2, 3});
    b.init("pads", i64({4}, {0, -1, 1, 1}));  // crop one column in front, add a row and column
    b.init("v", Tensor::from<int32_t>(DType::INT32, {}, std::vector<int32_t>{9}));
    b.node("Pad", {"x", "pads", "v"}, {"y"});
    b.output("y");
    auto out = run_ok(
        b, {Tensor::from<int32_t>(DType::INT32, {2, 3}, std::vector<int32_t>{1, 2, 3, 4, 5, 6})});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], Tensor::from<int32_t>(DType::INT32, {3, 3},
                                            std::vector<int32_t>{2, 3, 9, 5, 6, 9, 9, 9, 9}));
    Builder c;
    c.input("x", DType::FLOAT, {2});
    c.init("pads", i64({2}, {2, 0}));
    auto& n = c.node("Pad", {"x", "pads"}, {"y"});
    auto* a = n.add_attribute();
    a->set_name("mode");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s("reflect");
    c.output("y");
    auto m = load(c.bytes());
    ASSERT_TRUE(m) << m.error();
    std::vector<Tensor> in{f32({2}, {1, 2})};
    auto r = run(**m, in, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("reflect padding larger"), std::string::npos) << r.error();
}

// The gas schedules: schedule 1 is the formula chains were made with (one gas per MAC of any
// kind, a quarter per element); schedule 2 weighs each class by its own measured price.
TEST(MlEngine, GasSchedulesWeighEachClassOfWork)
{
    CostReport r;
    r.gemm_macs = 320;
    r.macs = 1000;
    r.int_macs = 640;
    r.special_macs = 64;
    r.elements = 401;
    r.nodes = 3;
    r.weight_bytes = 65;
    EXPECT_EQ(gas_of(r, kGasSchedule1), 2000u + 320 + 1000 + 640 + 64 + 101 + 60 + 9);
    const GasSchedule& s = kGasSchedule2;
    const uint64_t macs = (320 * s.gemm_macs_per_64 + 1000 * s.float_macs_per_64 +
                           640 * s.int_macs_per_64 + 64 * s.special_macs_per_64 + 63) /
                          64;
    EXPECT_EQ(gas_of(r, s), s.base + macs + (401 * s.elements_per_64 + 63) / 64 + 3 * s.per_node +
                                3 * s.per_weight_word);
    EXPECT_EQ(gas_schedule(1), &kGasSchedule1);
    EXPECT_EQ(gas_schedule(2), &kGasSchedule2);
    EXPECT_EQ(gas_schedule(0), nullptr);
    EXPECT_EQ(gas_schedule(3), nullptr);
    // Saturating, whatever the weights.
    r.int_macs = ~uint64_t{0};
    EXPECT_EQ(gas_of(r, s), ~uint64_t{0});
}
