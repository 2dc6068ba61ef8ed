// If, Loop and Scan: subgraphs that read outer values, plans made before the run (a constant
// condition plans one branch, a Loop's cost is its trip count times its body), the refusals
// (data-dependent trip count, branches that disagree, loop-carried values that change shape)
// and the runs themselves.

#include "ml/engine.hpp"
#include "ml/onnx_proto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace tern::ml;

namespace {

/// Builds one graph (the main one or a subgraph) in place.
struct Graph
{
    onnx::GraphProto* g;

    Graph& input(const std::string& name, DType t, std::vector<int64_t> shape)
    {
        auto* vi = g->add_input();
        vi->set_name(name);
        auto* tt = vi->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(static_cast<int>(t));
        auto* sh = tt->mutable_shape();
        for (auto d : shape)
            sh->add_dim()->set_dim_value(d);
        return *this;
    }
    Graph& output(const std::string& name)
    {
        g->add_output()->set_name(name);
        return *this;
    }
    Graph& init(const std::string& name, const Tensor& t)
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
};

/// A subgraph attribute `name` of `n`, to fill in.
Graph subgraph(onnx::NodeProto& n, const std::string& name)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    return Graph{a->mutable_g()};
}

void set_int(onnx::NodeProto& n, const std::string& name, int64_t v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}

void set_ints(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v)
        a->add_ints(x);
}

struct TestModel
{
    onnx::ModelProto m;
    Graph main{m.mutable_graph()};

    explicit TestModel(int64_t opset = 17)
    {
        m.set_ir_version(8);
        auto* imp = m.add_opset_import();
        imp->set_domain("");
        imp->set_version(opset);
    }
    tern::Result<std::shared_ptr<const tern::ml::Model>, std::string> load() const
    {
        std::string s;
        m.SerializeToString(&s);
        return load_model(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()),
                          Limits{});
    }
};

Tensor floats(std::vector<int64_t> shape, std::vector<float> v)
{
    return Tensor::from<float>(DType::FLOAT, std::move(shape), v);
}

Tensor int64s(std::vector<int64_t> shape, std::vector<int64_t> v)
{
    return Tensor::from<int64_t>(DType::INT64, std::move(shape), v);
}

Tensor boolean(bool b)
{
    return Tensor::from<uint8_t>(DType::BOOL, {}, {static_cast<uint8_t>(b)});
}

std::vector<float> values(const Tensor& t)
{
    auto s = t.as<float>();
    return {s.begin(), s.end()};
}

/// then: x + one (x and one are the main graph's); else: -x.
TestModel if_model(bool constant_condition, bool condition = true)
{
    TestModel md;
    md.main.input("x", DType::FLOAT, {3});
    if (constant_condition)
        md.main.init("c", boolean(condition));
    else
        md.main.input("c", DType::BOOL, {});
    md.main.init("one", floats({1}, {1}));
    auto& n = md.main.node("If", {"c"}, {"y"});
    auto then_g = subgraph(n, "then_branch");
    then_g.node("Add", {"x", "one"}, {"t"});
    then_g.output("t");
    auto else_g = subgraph(n, "else_branch");
    else_g.node("Neg", {"x"}, {"e"});
    else_g.output("e");
    md.main.output("y");
    return md;
}

}  // namespace

TEST(ControlFlow, IfRunsTheBranchItsConditionTakes)
{
    auto m = if_model(false).load();
    ASSERT_TRUE(m) << m.error();
    const Tensor x = floats({3}, {1, -2, 3});
    for (bool c : {true, false})
    {
        auto r = run(**m, std::vector<Tensor>{x, boolean(c)}, Limits{});
        ASSERT_TRUE(r) << r.error();
        EXPECT_EQ(values((*r)[0]),
                  c ? std::vector<float>({2, -1, 4}) : std::vector<float>({-1, 2, -3}));
    }
}

TEST(ControlFlow, IfWithAConstantConditionPlansOnlyTheBranchTaken)
{
    // The else branch gives another shape: fine when the condition is known before the run.
    TestModel md;
    md.main.input("x", DType::FLOAT, {3});
    md.main.init("c", boolean(true));
    auto& n = md.main.node("If", {"c"}, {"y"});
    auto then_g = subgraph(n, "then_branch");
    then_g.node("Relu", {"x"}, {"t"});
    then_g.output("t");
    auto else_g = subgraph(n, "else_branch");
    else_g.node("Concat", {"x", "x"}, {"e"});
    set_int(*else_g.g->mutable_node(0), "axis", 0);
    else_g.output("e");
    md.main.output("y");
    auto m = md.load();
    ASSERT_TRUE(m) << m.error();
    auto r = run(**m, std::vector<Tensor>{floats({3}, {-1, 0, 5})}, Limits{});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)[0].shape, std::vector<int64_t>({3}));
    EXPECT_EQ(values((*r)[0]), std::vector<float>({0, 0, 5}));

    // With the condition as data, the branches must agree.
    auto* c = md.m.mutable_graph()->mutable_initializer(0);
    *md.m.mutable_graph()->add_input() = md.m.graph().input(0);
    md.m.mutable_graph()->mutable_input(1)->set_name("c");
    md.m.mutable_graph()->mutable_input(1)->mutable_type()->mutable_tensor_type()->set_elem_type(
        static_cast<int>(DType::BOOL));
    md.m.mutable_graph()->mutable_input(1)->mutable_type()->mutable_tensor_type()->clear_shape();
    c->set_name("unused");
    auto m2 = md.load();
    ASSERT_TRUE(m2) << m2.error();
    auto r2 = run(**m2, std::vector<Tensor>{floats({3}, {-1, 0, 5}), boolean(true)}, Limits{});
    ASSERT_FALSE(r2);
    EXPECT_NE(r2.error().find("both branches must agree"), std::string::npos) << r2.error();
}

TEST(ControlFlow, IfCostsTheDearerBranchWhenTheConditionIsData)
{
    auto data = if_model(false).load();
    auto known_then = if_model(true, true).load();
    auto known_else = if_model(true, false).load();
    ASSERT_TRUE(data && known_then && known_else);
    const Tensor x = floats({3}, {1, 2, 3});
    auto c_data = cost_report(**data, std::vector<Tensor>{x, boolean(true)}, Limits{});
    auto c_then = cost_report(**known_then, std::vector<Tensor>{x}, Limits{});
    auto c_else = cost_report(**known_else, std::vector<Tensor>{x}, Limits{});
    ASSERT_TRUE(c_data && c_then && c_else);
    EXPECT_GT(c_then->elements, c_else->elements);  // Add reads two inputs, Neg one
    EXPECT_EQ(c_data->nodes, c_then->nodes);
    EXPECT_GE(c_data->elements, c_then->elements);
}

namespace {

/// sum += x for M iterations; the scan output collects the running sums; the trip count is
/// an initializer (or a graph input when `dynamic`).
TestModel sum_loop(int64_t trips, bool dynamic = false)
{
    TestModel md;
    md.main.input("x", DType::FLOAT, {2});
    md.main.init("zero", floats({2}, {0, 0}));
    if (dynamic)
        md.main.input("M", DType::INT64, {});
    else
        md.main.init("M", int64s({}, {trips}));
    auto& n = md.main.node("Loop", {"M", "", "zero"}, {"sum", "sums"});
    auto body = subgraph(n, "body");
    body.input("i", DType::INT64, {});
    body.input("cond", DType::BOOL, {});
    body.input("acc", DType::FLOAT, {2});
    body.node("Identity", {"cond"}, {"cond_out"});
    body.node("Add", {"acc", "x"}, {"acc_out"});
    body.node("Identity", {"acc_out"}, {"scan"});
    body.output("cond_out").output("acc_out").output("scan");
    md.main.output("sum").output("sums");
    return md;
}

}  // namespace

TEST(ControlFlow, LoopCarriesValuesAndStacksScanOutputs)
{
    auto m = sum_loop(3).load();
    ASSERT_TRUE(m) << m.error();
    auto r = run(**m, std::vector<Tensor>{floats({2}, {1, 10})}, Limits{});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(values((*r)[0]), std::vector<float>({3, 30}));
    EXPECT_EQ((*r)[1].shape, std::vector<int64_t>({3, 2}));
    EXPECT_EQ(values((*r)[1]), std::vector<float>({1, 10, 2, 20, 3, 30}));

    auto zero = sum_loop(0).load();
    ASSERT_TRUE(zero) << zero.error();
    auto z = run(**zero, std::vector<Tensor>{floats({2}, {1, 10})}, Limits{});
    ASSERT_TRUE(z) << z.error();
    EXPECT_EQ(values((*z)[0]), std::vector<float>({0, 0}));
    EXPECT_EQ((*z)[1].shape, std::vector<int64_t>({0, 2}));
}

TEST(ControlFlow, LoopCostIsItsTripCountTimesItsBody)
{
    const Tensor x = floats({2}, {1, 2});
    auto c4 = cost_report(**sum_loop(4).load(), std::vector<Tensor>{x}, Limits{});
    auto c8 = cost_report(**sum_loop(8).load(), std::vector<Tensor>{x}, Limits{});
    auto c12 = cost_report(**sum_loop(12).load(), std::vector<Tensor>{x}, Limits{});
    ASSERT_TRUE(c4 && c8 && c12);
    EXPECT_GT(c8->elements, c4->elements);
    EXPECT_EQ(c12->elements - c8->elements, c8->elements - c4->elements);
    // Three body nodes plus one per iteration.
    EXPECT_EQ(c8->nodes - c4->nodes, 4u * 4u);

    // A huge trip count is refused before anything runs: by the size of its scan output, and
    // without one by the cost limit.
    auto big = cost(**sum_loop(int64_t{1} << 40).load(), std::vector<Tensor>{x}, Limits{});
    ASSERT_FALSE(big);
    EXPECT_NE(big.error().find("more than the limit of"), std::string::npos) << big.error();
    TestModel md = sum_loop(int64_t{1} << 40);
    auto* g = md.m.mutable_graph();
    g->mutable_node(0)->mutable_output()->RemoveLast();
    g->mutable_node(0)->mutable_attribute(0)->mutable_g()->mutable_output()->RemoveLast();
    g->mutable_output()->RemoveLast();
    auto m = md.load();
    ASSERT_TRUE(m) << m.error();
    auto over = cost(**m, std::vector<Tensor>{x}, Limits{});
    ASSERT_FALSE(over);
    EXPECT_NE(over.error().find("cost exceeds the limit"), std::string::npos) << over.error();
}

TEST(ControlFlow, LoopTripCountMustBeKnownBeforeTheRun)
{
    auto m = sum_loop(0, true).load();
    ASSERT_TRUE(m) << m.error();
    auto r = run(**m, std::vector<Tensor>{floats({2}, {1, 2}), int64s({}, {3})}, Limits{});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("the trip count M must be known before the run"), std::string::npos)
        << r.error();

    TestModel md = sum_loop(3);
    md.m.mutable_graph()->mutable_node(0)->set_input(0, "");
    auto m2 = md.load();
    ASSERT_TRUE(m2) << m2.error();
    auto r2 = run(**m2, std::vector<Tensor>{floats({2}, {1, 2})}, Limits{});
    ASSERT_FALSE(r2);
    EXPECT_NE(r2.error().find("no trip count M"), std::string::npos) << r2.error();
}

TEST(ControlFlow, LoopBodyIndexedByTheIterationNumberIsPlannedPerIteration)
{
    // scan[i] = x[i:i+1]: the Slice's bounds depend on the iteration number.
    TestModel md;
    md.main.input("x", DType::FLOAT, {4});
    md.main.init("M", int64s({}, {4}));
    md.main.init("one", int64s({1}, {1}));
    auto& n = md.main.node("Loop", {"M", ""}, {"rows"});
    auto body = subgraph(n, "body");
    body.input("i", DType::INT64, {});
    body.input("cond", DType::BOOL, {});
    body.node("Identity", {"cond"}, {"cond_out"});
    body.node("Unsqueeze", {"i", "zero_axis"}, {"start"});
    body.init("zero_axis", int64s({1}, {0}));
    body.node("Add", {"start", "one"}, {"end"});
    body.node("Slice", {"x", "start", "end"}, {"row"});
    body.output("cond_out").output("row");
    md.main.output("rows");
    auto m = md.load();
    ASSERT_TRUE(m) << m.error();
    auto r = run(**m, std::vector<Tensor>{floats({4}, {5, 6, 7, 8})}, Limits{});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)[0].shape, std::vector<int64_t>({4, 1}));
    EXPECT_EQ(values((*r)[0]), std::vector<float>({5, 6, 7, 8}));
}

namespace {

/// while (i < limit): acc = acc * 2; with `scan`, also a scan output of acc.
TestModel doubling_loop(int64_t limit, bool scan)
{
    TestModel md;
    md.main.input("x", DType::FLOAT, {1});
    md.main.init("M", int64s({}, {10}));
    md.main.init("go", boolean(true));
    md.main.init("limit", int64s({}, {limit}));
    md.main.init("two", floats({1}, {2}));
    auto& n =
        md.main.node("Loop", {"M", "go", "x"},
                     scan ? std::vector<std::string>{"y", "ys"} : std::vector<std::string>{"y"});
    auto body = subgraph(n, "body");
    body.input("i", DType::INT64, {});
    body.input("cond", DType::BOOL, {});
    body.input("acc", DType::FLOAT, {1});
    body.node("Add", {"i", "one"}, {"next"});
    body.init("one", int64s({}, {1}));
    body.node("Less", {"next", "limit"}, {"cond_out"});
    body.node("Mul", {"acc", "two"}, {"acc_out"});
    body.output("cond_out").output("acc_out");
    if (scan)
        body.output("acc_out");
    md.main.output("y");
    if (scan)
        md.main.output("ys");
    return md;
}

}  // namespace

TEST(ControlFlow, LoopConditionEndsTheLoopEarly)
{
    auto m = doubling_loop(3, false).load();
    ASSERT_TRUE(m) << m.error();
    auto r = run(**m, std::vector<Tensor>{floats({1}, {1})}, Limits{});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(values((*r)[0]), std::vector<float>({8}));  // three iterations

    // Scan outputs would get a data-dependent length: that run fails, deterministically.
    auto s = doubling_loop(3, true).load();
    ASSERT_TRUE(s) << s.error();
    auto rs = run(**s, std::vector<Tensor>{floats({1}, {1})}, Limits{});
    ASSERT_FALSE(rs);
    EXPECT_NE(rs.error().find("after 3 of 10 iterations"), std::string::npos) << rs.error();
    // Running all ten is fine.
    auto full = doubling_loop(100, true).load();
    auto rf = run(**full, std::vector<Tensor>{floats({1}, {1})}, Limits{});
    ASSERT_TRUE(rf) << rf.error();
    EXPECT_EQ((*rf)[1].shape, std::vector<int64_t>({10, 1}));
}

TEST(ControlFlow, LoopCarriedValueThatChangesShapeIsRefused)
{
    TestModel md;
    md.main.input("x", DType::FLOAT, {2});
    md.main.init("M", int64s({}, {2}));
    auto& n = md.main.node("Loop", {"M", "", "x"}, {"y"});
    auto body = subgraph(n, "body");
    body.input("i", DType::INT64, {});
    body.input("cond", DType::BOOL, {});
    body.input("acc", DType::FLOAT, {2});
    body.node("Identity", {"cond"}, {"cond_out"});
    set_int(body.node("Concat", {"acc", "acc"}, {"acc_out"}), "axis", 0);
    body.output("cond_out").output("acc_out");
    md.main.output("y");
    auto m = md.load();
    ASSERT_TRUE(m) << m.error();
    auto r = cost(**m, std::vector<Tensor>{floats({2}, {1, 2})}, Limits{});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("goes in as float[2] and comes out as float[4]"), std::string::npos)
        << r.error();
}

TEST(ControlFlow, ScanRunsAlongItsAxesInBothDirections)
{
    // Running sums over the columns of x (axis 1), scanned backwards; the outputs stacked on
    // axis 1, backwards too: out[:, j] = sum of x[:, j..].
    TestModel md;
    md.main.input("x", DType::FLOAT, {2, 3});
    md.main.init("zero", floats({2}, {0, 0}));
    auto& n = md.main.node("Scan", {"zero", "x"}, {"total", "partial"});
    set_int(n, "num_scan_inputs", 1);
    set_ints(n, "scan_input_axes", {1});
    set_ints(n, "scan_input_directions", {1});
    set_ints(n, "scan_output_axes", {-1});
    set_ints(n, "scan_output_directions", {1});
    auto body = subgraph(n, "body");
    body.input("acc", DType::FLOAT, {2});
    body.input("col", DType::FLOAT, {2});
    body.node("Add", {"acc", "col"}, {"acc_out"});
    body.node("Identity", {"acc_out"}, {"out"});
    body.output("acc_out").output("out");
    md.main.output("total").output("partial");
    auto m = md.load();
    ASSERT_TRUE(m) << m.error();
    auto r = run(**m, std::vector<Tensor>{floats({2, 3}, {1, 2, 3, 10, 20, 30})}, Limits{});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(values((*r)[0]), std::vector<float>({6, 60}));
    EXPECT_EQ((*r)[1].shape, std::vector<int64_t>({2, 3}));
    EXPECT_EQ(values((*r)[1]), std::vector<float>({6, 5, 3, 60, 50, 30}));
}

TEST(ControlFlow, SubgraphsReadValuesOfEveryGraphAroundThem)
{
    // A Loop body holding an If whose branch reads the main graph's w and the body's acc.
    TestModel md;
    md.main.input("x", DType::FLOAT, {2});
    md.main.input("flag", DType::BOOL, {});
    md.main.init("w", floats({2}, {1, 100}));
    md.main.init("M", int64s({}, {2}));
    auto& n = md.main.node("Loop", {"M", "", "x"}, {"y"});
    auto body = subgraph(n, "body");
    body.input("i", DType::INT64, {});
    body.input("cond", DType::BOOL, {});
    body.input("acc", DType::FLOAT, {2});
    body.node("Identity", {"cond"}, {"cond_out"});
    auto& inner = body.node("If", {"flag"}, {"acc_out"});
    auto then_g = subgraph(inner, "then_branch");
    then_g.node("Add", {"acc", "w"}, {"t"});
    then_g.output("t");
    auto else_g = subgraph(inner, "else_branch");
    else_g.node("Sub", {"acc", "w"}, {"e"});
    else_g.output("e");
    body.output("cond_out").output("acc_out");
    md.main.output("y");
    auto m = md.load();
    ASSERT_TRUE(m) << m.error();
    for (bool flag : {true, false})
    {
        auto r = run(**m, std::vector<Tensor>{floats({2}, {0, 0}), boolean(flag)}, Limits{});
        ASSERT_TRUE(r) << r.error();
        EXPECT_EQ(values((*r)[0]),
                  flag ? std::vector<float>({2, 200}) : std::vector<float>({-2, -200}));
    }
}

TEST(ControlFlow, LoaderRefusesBadSubgraphs)
{
    // An unsupported op inside a branch is listed with the others.
    {
        TestModel md = if_model(false);
        auto* then_g = md.m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
        then_g->mutable_node(0)->set_op_type("StringSplit");
        auto m = md.load();
        ASSERT_FALSE(m);
        EXPECT_EQ(m.error(), "unsupported operator StringSplit (node Add1)");
    }
    // A subgraph reading a name defined nowhere.
    {
        TestModel md = if_model(false);
        auto* then_g = md.m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
        then_g->mutable_node(0)->set_input(1, "nowhere");
        auto m = md.load();
        ASSERT_FALSE(m);
        EXPECT_NE(m.error().find("input 'nowhere' is not defined"), std::string::npos) << m.error();
    }
    // If without its branches, Relu with a graph attribute.
    {
        TestModel md;
        md.main.input("c", DType::BOOL, {});
        md.main.node("If", {"c"}, {"y"});
        md.main.output("y");
        auto m = md.load();
        ASSERT_FALSE(m);
        EXPECT_NE(m.error().find("has no subgraph attribute"), std::string::npos) << m.error();
    }
    // Nesting deeper than the limit.
    {
        TestModel md;
        md.main.input("c", DType::BOOL, {});
        md.main.input("x", DType::FLOAT, {1});
        Graph g = md.main;
        for (int depth = 0; depth < 12; ++depth)
        {
            auto& n = g.node("If", {"c"}, {"y"});
            auto e = subgraph(n, "else_branch");
            e.node("Identity", {"x"}, {"y"});
            e.output("y");
            g = subgraph(n, "then_branch");
        }
        g.node("Identity", {"x"}, {"y"});
        g.output("y");
        md.main.output("y");
        auto m = md.load();
        ASSERT_FALSE(m);
        EXPECT_NE(m.error().find("nested deeper than"), std::string::npos) << m.error();
    }
}

TEST(ControlFlow, IfBranchThatCannotBePlannedFailsOnlyWhenTaken)
{
    // The else branch reshapes x to 4 elements: impossible for 3 (the path an exporter wrote
    // for other input sizes). The call is costed by the then branch, runs when the condition
    // takes it, and fails when it takes the other.
    TestModel md;
    md.main.input("x", DType::FLOAT, {3});
    md.main.input("c", DType::BOOL, {});
    md.main.init("four", int64s({1}, {4}));
    auto& n = md.main.node("If", {"c"}, {"y"});
    auto then_g = subgraph(n, "then_branch");
    then_g.node("Relu", {"x"}, {"t"});
    then_g.output("t");
    auto else_g = subgraph(n, "else_branch");
    else_g.node("Reshape", {"x", "four"}, {"e"});
    else_g.output("e");
    md.main.output("y");
    auto m = md.load();
    ASSERT_TRUE(m) << m.error();
    const Tensor x = floats({3}, {-1, 2, -3});
    auto ok = run(**m, std::vector<Tensor>{x, boolean(true)}, Limits{});
    ASSERT_TRUE(ok) << ok.error();
    EXPECT_EQ(values((*ok)[0]), std::vector<float>({0, 2, 0}));
    auto bad = run(**m, std::vector<Tensor>{x, boolean(false)}, Limits{});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().find("Reshape"), std::string::npos) << bad.error();
}
