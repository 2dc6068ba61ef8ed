#pragma once

// Generated ONNX models with random weights for the ML determinism check
// (tests/ml-determinism) and the engine benchmarks (bench/ml): a tiny graph builder and the
// models both use. Header-only so each can include it without another library.
//
// Weights and inputs come from xorshift64* with exact integer-to-float conversions, so the
// same seed gives the same bytes on every platform.

#include "ml/engine.hpp"
#include "ml/onnx_proto.hpp"

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

namespace tern::ml::testmodels {

/// prefix + n (built with += : GCC 12 warns falsely on "literal" + std::string&&).
inline std::string numbered(const char* prefix, int64_t n)
{
    std::string s = prefix;
    s += std::to_string(n);
    return s;
}

// ---------------------------------------------------------------------------------------
// Inputs and weights: xorshift64* with exact integer-to-float conversions (no libm).

/// xorshift64* generator (platform-independent integer sequence).
struct Rng
{
    /// State (nonzero).
    uint64_t s;
    /// Next 64 random bits.
    uint64_t next()
    {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1DULL;
    }
    /// Uniform in [-scale, scale) on a 2^-20 grid.
    float uniform(float scale)
    {
        const auto i = static_cast<int32_t>(next() >> 44) - (1 << 19);  // [-2^19, 2^19)
        return static_cast<float>(i) / static_cast<float>(1 << 19) * scale;
    }
};

/// A float tensor of uniform values in [-scale, scale) from `seed`.
inline Tensor random_tensor(std::vector<int64_t> shape, float scale, uint64_t seed)
{
    Rng rng{seed * 0x9E3779B97F4A7C15ULL + 1};
    Tensor t = Tensor::zeros(DType::FLOAT, std::move(shape));
    for (float& v : t.as<float>())
        v = rng.uniform(scale);
    return t;
}

// ---------------------------------------------------------------------------------------
// A tiny ONNX graph builder (opset 20, so Gelu is available).

/// Builds an ONNX model (opset 20) node by node; initializers are random from `seed`.
struct Graph
{
    /// The model being built.
    onnx::ModelProto m;
    /// Its graph.
    onnx::GraphProto* g;
    /// Fresh-name counter.
    int counter = 0;
    /// Seed of the next random initializer.
    uint64_t seed = 1;

    /// An empty graph called `name`.
    explicit Graph(const std::string& name)
    {
        m.set_ir_version(9);
        auto* op = m.add_opset_import();
        op->set_domain("");
        op->set_version(20);
        g = m.mutable_graph();
        g->set_name(name);
    }
    /// Sets a value info's name, element type and fixed dims.
    static void set_type(onnx::ValueInfoProto* v,
                         const std::string& name,
                         const std::vector<int64_t>& shape,
                         DType dtype = DType::FLOAT)
    {
        v->set_name(name);
        auto* tt = v->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(static_cast<int32_t>(dtype));
        for (auto d : shape)
            tt->mutable_shape()->add_dim()->set_dim_value(d);
    }
    /// Declares a graph input.
    std::string input(const std::string& name,
                      const std::vector<int64_t>& shape,
                      DType dtype = DType::FLOAT)
    {
        set_type(g->add_input(), name, shape, dtype);
        return name;
    }
    /// Declares a graph output.
    void output(const std::string& name,
                const std::vector<int64_t>& shape,
                DType dtype = DType::FLOAT)
    {
        set_type(g->add_output(), name, shape, dtype);
    }
    /// Adds `t` as an initializer with a fresh name.
    std::string constant(const Tensor& t)
    {
        const std::string name = numbered("c", counter++);
        *g->add_initializer() = tensor_to_proto(t, name);
        return name;
    }
    /// A random float initializer of this shape in [-scale, scale).
    std::string weight(std::vector<int64_t> shape, float scale)
    {
        const std::string name = numbered("w", counter++);
        *g->add_initializer() =
            tensor_to_proto(random_tensor(std::move(shape), scale, seed++), name);
        return name;
    }
    /// Adds a node with one output (named `out`, or a fresh name).
    onnx::NodeProto* node(const std::string& op,
                          const std::vector<std::string>& ins,
                          std::string out = "")
    {
        auto* n = g->add_node();
        n->set_op_type(op);
        n->set_name(numbered(op.c_str(), counter));
        for (const auto& i : ins)
            n->add_input(i);
        if (out.empty())
            out = numbered("v", counter++);
        n->add_output(out);
        return n;
    }
    /// Adds a node and returns its output name.
    std::string op(const std::string& op, const std::vector<std::string>& ins)
    {
        return node(op, ins)->output(0);
    }
    /// Adds an int attribute.
    static void attr_int(onnx::NodeProto* n, const std::string& name, int64_t v)
    {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(v);
    }
    /// Adds an ints attribute.
    static void attr_ints(onnx::NodeProto* n,
                          const std::string& name,
                          const std::vector<int64_t>& v)
    {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (auto x : v)
            a->add_ints(x);
    }
    /// Adds a string attribute.
    static void attr_string(onnx::NodeProto* n, const std::string& name, const std::string& v)
    {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(v);
    }
    /// A dense layer x * W + b with random weights scaled to the fan-in.
    std::string gemm(const std::string& x, int64_t in, int64_t out)
    {
        const float scale = 1.0f / static_cast<float>(in);
        return op("Gemm", {x, weight({in, out}, 8 * scale), weight({out}, scale)});
    }
    /// The serialized model.
    std::vector<uint8_t> bytes() const
    {
        const std::string s = m.SerializeAsString();
        return {s.begin(), s.end()};
    }
};

/// A model and the inputs to run it on.
struct Case
{
    /// Name in reports ("generated/mlp").
    std::string name;
    /// Serialized ONNX model.
    std::vector<uint8_t> model;
    /// Inputs in graph-input order.
    std::vector<Tensor> inputs;
};

/// MLP 64-256-128-64-10 (ReLU, Tanh, Sigmoid, Softmax) on 4 rows.
inline Case mlp()
{
    Graph g("mlp");
    auto x = g.input("x", {4, 64});
    auto h = g.op("Relu", {g.gemm(x, 64, 256)});
    h = g.op("Tanh", {g.gemm(h, 256, 128)});
    h = g.op("Sigmoid", {g.op("MatMul", {h, g.weight({128, 64}, 0.1f)})});
    auto* y = g.node("Softmax", {g.gemm(h, 64, 10)}, "y");
    Graph::attr_int(y, "axis", 1);
    g.output("y", {4, 10});
    return {"generated/mlp", g.bytes(), {random_tensor({4, 64}, 2.0f, 100)}};
}

/// LeNet-5 shape (28x28 input, two 5x5 convolutions, three dense layers): ~407k MACs per
/// image.
inline Case lenet(int64_t batch = 2)
{
    Graph g("lenet");
    auto x = g.input("x", {batch, 1, 28, 28});
    auto c1 = g.node("Conv", {x, g.weight({6, 1, 5, 5}, 0.2f), g.weight({6}, 0.1f)});
    Graph::attr_ints(c1, "pads", {2, 2, 2, 2});
    auto p1 = g.node("MaxPool", {g.op("Relu", {c1->output(0)})});
    Graph::attr_ints(p1, "kernel_shape", {2, 2});
    Graph::attr_ints(p1, "strides", {2, 2});
    auto c2 = g.node("Conv", {p1->output(0), g.weight({16, 6, 5, 5}, 0.08f), g.weight({16}, 0.1f)});
    auto gelu = g.op("Gelu", {c2->output(0)});
    auto p2 = g.node("AveragePool", {gelu});
    Graph::attr_ints(p2, "kernel_shape", {2, 2});
    Graph::attr_ints(p2, "strides", {2, 2});
    auto flat = g.op("Flatten", {p2->output(0)});
    auto h = g.op("Relu", {g.gemm(flat, 400, 120)});
    auto ln = g.op("LayerNormalization", {h, g.weight({120}, 1.0f), g.weight({120}, 0.1f)});
    auto y = g.node("Softmax", {g.gemm(ln, 120, 10)}, "y");
    (void)y;
    g.output("y", {batch, 10});
    return {"generated/lenet", g.bytes(), {random_tensor({batch, 1, 28, 28}, 1.0f, 200)}};
}

/// An MLP of 99,584 MACs for one input row: 256 -> 256 -> 128 -> 10 with ReLU and Softmax.
inline Case mlp_100k()
{
    Graph g("mlp100k");
    auto x = g.input("x", {1, 256});
    auto h = g.op("Relu", {g.gemm(x, 256, 256)});
    h = g.op("Relu", {g.gemm(h, 256, 128)});
    g.node("Softmax", {g.gemm(h, 128, 10)}, "y");
    g.output("y", {1, 10});
    return {"generated/mlp_100k", g.bytes(), {random_tensor({1, 256}, 1.0f, 400)}};
}

inline Case transformer_block()
{
    Graph g("block");
    auto x = g.input("x", {2, 16, 32});
    auto ln = g.node("LayerNormalization", {x, g.weight({32}, 1.0f), g.weight({32}, 0.1f)});
    auto q = g.op("MatMul", {ln->output(0), g.weight({32, 32}, 0.2f)});
    auto k = g.op("MatMul", {ln->output(0), g.weight({32, 32}, 0.2f)});
    auto kt = g.node("Transpose", {k});
    Graph::attr_ints(kt, "perm", {0, 2, 1});
    auto scores = g.op("Div", {g.op("MatMul", {q, kt->output(0)}), g.weight({1}, 8.0f)});
    auto attn = g.op("Softmax", {scores});
    auto ctx = g.op("MatMul", {attn, ln->output(0)});
    auto ff = g.node("Gelu", {g.op("MatMul", {ctx, g.weight({32, 64}, 0.2f)})});
    Graph::attr_string(ff, "approximate", "tanh");
    auto ff2 = g.op("MatMul", {ff->output(0), g.weight({64, 32}, 0.2f)});
    auto res = g.op("Add", {x, ff2});
    auto e = g.op("Erf", {res});
    auto y = g.node("Clip", {g.op("Sub", {e, g.op("LeakyRelu", {res})})}, "y");
    (void)y;
    g.output("y", {2, 16, 32});
    return {"generated/transformer_block", g.bytes(), {random_tensor({2, 16, 32}, 3.0f, 300)}};
}

/// The ops beyond the core set: a pre-opset-17 LayerNorm pattern (ReduceMean, Sub, Pow,
/// Sqrt, Div), BatchNormalization, PRelu, GlobalMaxPool, LogSoftmax, Exp, Log, Abs, Neg,
/// Reciprocal, ReduceMax/Min/Sum.
inline Case extras()
{
    Graph g("extras");
    auto x = g.input("x", {2, 4, 6, 6});
    auto var_in = g.op("Abs", {g.weight({4}, 2.0f)});
    auto bn = g.op("BatchNormalization",
                   {x, g.weight({4}, 1.0f), g.weight({4}, 0.5f), g.weight({4}, 0.5f), var_in});
    auto pr = g.op("PRelu", {bn, g.weight({4, 1, 1}, 0.5f)});
    auto* mean = g.node("ReduceMean", {pr});
    Graph::attr_ints(mean, "axes", {-1});
    auto d = g.op("Sub", {pr, mean->output(0)});
    auto two = g.constant(Tensor::from<float>(DType::FLOAT, {}, std::vector<float>{2}));
    auto* var = g.node("ReduceMean", {g.op("Pow", {d, two})});
    Graph::attr_ints(var, "axes", {-1});
    auto eps = g.weight({1}, 0.01f);
    auto ln = g.op("Div", {d, g.op("Sqrt", {g.op("Add", {var->output(0), g.op("Abs", {eps})})})});
    auto gm = g.op("GlobalMaxPool", {ln});
    auto pos = g.op("Add", {g.op("Abs", {ln}), g.weight({1}, 0.5f)});
    auto e = g.op("Exp", {g.op("Neg", {g.op("Reciprocal", {pos})})});
    auto ls = g.op("LogSoftmax", {g.op("Log", {g.op("Flatten", {e})})});
    auto* mx = g.node("ReduceMax", {ls}, "y0");
    Graph::attr_ints(mx, "axes", {1});
    auto* mn = g.node("ReduceMin", {gm}, "y1");
    Graph::attr_ints(mn, "axes", {1});
    auto* sum = g.node("ReduceSum", {ls}, "y2");
    Graph::attr_int(sum, "keepdims", 0);
    g.output("y0", {2, 1});
    g.output("y1", {2, 1, 1, 1});
    g.output("y2", {});
    g.m.mutable_opset_import(0)->set_version(17);
    return {"generated/extras", g.bytes(), {random_tensor({2, 4, 6, 6}, 2.0f, 500)}};
}

inline Case specials()
{
    // Every op on inputs full of IEEE special values: NaNs of several signs and payloads,
    // infinities, signed zeros, subnormals, FLT_MAX, values beyond exp's range.
    const uint32_t pattern[] = {0x7fc00000, 0xffc00000, 0x7fa00001, 0xff812345,
                                0x7f800000, 0xff800000, 0x00000000, 0x80000000,
                                0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff,
                                0x42b20000, 0xc2d00000, 0x3f800000, 0xbf800000};
    Tensor a = Tensor::zeros(DType::FLOAT, {16, 16});
    Tensor b = Tensor::zeros(DType::FLOAT, {16, 16});
    for (size_t i = 0; i < 16; ++i)
        for (size_t j = 0; j < 16; ++j)
        {
            a.as<float>()[i * 16 + j] = std::bit_cast<float>(pattern[i]);
            b.as<float>()[i * 16 + j] = std::bit_cast<float>(pattern[j]);
        }
    Graph g("specials");
    auto x = g.input("a", {16, 16});
    auto z = g.input("b", {16, 16});
    std::vector<std::string> outs;
    for (const char* op : {"Add", "Sub", "Mul", "Div", "MatMul"})
        outs.push_back(g.op(op, {x, z}));
    for (const char* op : {"Relu", "Sigmoid", "Tanh", "Erf", "Gelu", "Softmax", "LeakyRelu"})
        outs.push_back(g.op(op, {x}));
    outs.push_back(g.op("LayerNormalization", {z, g.weight({16}, 1.0f)}));
    outs.push_back(g.op("Gemm", {x, z, g.weight({16}, 1.0f)}));
    for (size_t i = 0; i < outs.size(); ++i)
    {
        g.node("Identity", {outs[i]}, numbered("y", static_cast<int64_t>(i)));
        g.output(numbered("y", static_cast<int64_t>(i)), {16, 16});
    }
    return {"generated/specials", g.bytes(), {a, b}};
}

/// The comparison, logic and further elementwise ops (ops_logic.cpp, ops_float_unary.cpp) on
/// the IEEE special values of specials() and on random values: activations, rounding, Sign,
/// Sin, Cos, variadic Min/Max/Sum/Mean, float and integer Mod, comparisons, And/Or/Xor/Not and
/// Where.
inline Case logic_elementwise()
{
    const uint32_t pattern[] = {0x7fc00000, 0xffc00000, 0x7fa00001, 0xff812345,
                                0x7f800000, 0xff800000, 0x00000000, 0x80000000,
                                0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff,
                                0x42b20000, 0xc2d00000, 0x3f800000, 0xbf000000};
    Tensor a = Tensor::zeros(DType::FLOAT, {16, 16});
    Tensor b = Tensor::zeros(DType::FLOAT, {16, 16});
    for (size_t i = 0; i < 16; ++i)
        for (size_t j = 0; j < 16; ++j)
        {
            a.as<float>()[i * 16 + j] = std::bit_cast<float>(pattern[i]);
            b.as<float>()[i * 16 + j] = std::bit_cast<float>(pattern[j]);
        }
    Graph g("logic_elementwise");
    auto x = g.input("a", {16, 16});
    auto z = g.input("b", {16, 16});
    auto r = g.input("r", {16, 16});
    struct Out
    {
        std::string name;
        std::vector<int64_t> shape;
        DType dtype;
    };
    std::vector<Out> outs;
    auto* cat = g.node("Concat", {x, r});
    Graph::attr_int(cat, "axis", 0);
    const std::string xr = cat->output(0);
    for (const char* op :
         {"HardSigmoid", "HardSwish", "Softplus", "Softsign", "Elu", "Selu", "Celu",
          "ThresholdedRelu", "Mish", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos"})
        outs.push_back({g.op(op, {xr}), {32, 16}, DType::FLOAT});
    for (const char* op : {"Min", "Max", "Sum", "Mean"})
        outs.push_back({g.op(op, {x, z, r}), {16, 16}, DType::FLOAT});
    auto* fm = g.node("Mod", {x, z});
    Graph::attr_int(fm, "fmod", 1);
    outs.push_back({fm->output(0), {16, 16}, DType::FLOAT});
    auto* fm2 = g.node("Mod", {r, g.weight({16}, 3.0f)});
    Graph::attr_int(fm2, "fmod", 1);
    outs.push_back({fm2->output(0), {16, 16}, DType::FLOAT});
    // Integers: r * 1000 cast to int32, against nonzero divisors of both signs.
    auto scaled = g.op(
        "Mul", {r, g.constant(Tensor::from<float>(DType::FLOAT, {}, std::vector<float>{1000}))});
    auto* cast = g.node("Cast", {scaled});
    Graph::attr_int(cast, "to", static_cast<int64_t>(DType::INT32));
    const std::string ri = cast->output(0);
    std::vector<int32_t> divisors;
    for (int32_t k = 0; k < 16; ++k)
        divisors.push_back((k % 2 ? -1 : 1) * (k * 37 + 3));
    auto d = g.constant(Tensor::from<int32_t>(DType::INT32, {16}, divisors));
    outs.push_back({g.op("Mod", {ri, d}), {16, 16}, DType::INT32});
    auto* im = g.node("Mod", {ri, d});
    Graph::attr_int(im, "fmod", 1);
    outs.push_back({im->output(0), {16, 16}, DType::INT32});
    outs.push_back({g.op("Max", {ri, d}), {16, 16}, DType::INT32});
    outs.push_back({g.op("Min", {ri, d}), {16, 16}, DType::INT32});
    outs.push_back({g.op("Sign", {ri}), {16, 16}, DType::INT32});
    // Comparisons and logic.
    std::vector<std::string> cmp;
    for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    {
        cmp.push_back(g.op(op, {x, z}));
        outs.push_back({cmp.back(), {16, 16}, DType::BOOL});
    }
    outs.push_back({g.op("Less", {ri, d}), {16, 16}, DType::BOOL});
    outs.push_back({g.op("And", {cmp[1], g.op("Not", {cmp[0]})}), {16, 16}, DType::BOOL});
    outs.push_back({g.op("Or", {cmp[0], cmp[2]}), {16, 16}, DType::BOOL});
    outs.push_back({g.op("Xor", {cmp[3], cmp[4]}), {16, 16}, DType::BOOL});
    outs.push_back({g.op("Where", {cmp[2], x, r}), {16, 16}, DType::FLOAT});
    outs.push_back({g.op("Where", {cmp[1], ri, d}), {16, 16}, DType::INT32});
    for (size_t i = 0; i < outs.size(); ++i)
    {
        const std::string name = numbered("y", static_cast<int64_t>(i));
        g.node("Identity", {outs[i].name}, name);
        g.output(name, outs[i].shape, outs[i].dtype);
    }
    g.m.mutable_opset_import(0)->set_version(18);  // Mish
    return {"generated/logic_elementwise", g.bytes(), {a, b, random_tensor({16, 16}, 8.0f, 600)}};
}

/// The index, generator, reduction and normalization ops of ops_index.cpp, ops_reduce.cpp and
/// ops_einsum.cpp on random values: Einsum, Trilu, GroupNormalization, InstanceNormalization,
/// ReduceLogSumExp/L2/Prod/LogSum/SumSquare/L1, CumSum, TopK, OneHot, GatherElements,
/// ScatterElements, GatherND, ScatterND, DepthToSpace, SpaceToDepth, and the plan-time
/// Range, NonZero and ConstantOfShape.
inline Case index_reduce()
{
    Graph g("index_reduce");
    auto i64 = [&](std::vector<int64_t> shape, std::vector<int64_t> v) {
        return g.constant(Tensor::from<int64_t>(DType::INT64, std::move(shape), v));
    };
    auto f32 = [&](std::vector<int64_t> shape, std::vector<float> v) {
        return g.constant(Tensor::from<float>(DType::FLOAT, std::move(shape), v));
    };
    auto x = g.input("x", {2, 4, 3, 5});
    auto* es = g.node("Einsum", {x, x});
    Graph::attr_string(es, "equation", "bchw,bcvw->bchv");
    auto* tri = g.node("Trilu", {es->output(0), i64({}, {0})}, "y0");
    Graph::attr_int(tri, "upper", 0);
    auto* gn = g.node("GroupNormalization", {x, g.weight({2}, 1.0f), g.weight({2}, 1.0f)});
    Graph::attr_int(gn, "num_groups", 2);
    auto inn =
        g.op("InstanceNormalization", {gn->output(0), g.weight({4}, 1.0f), g.weight({4}, 1.0f)});
    g.node("ReduceLogSumExp", {inn, i64({1}, {-1})}, "y1");
    auto* l2 = g.node("ReduceL2", {x, i64({2}, {1, 2})}, "y2");
    Graph::attr_int(l2, "keepdims", 0);
    auto* pr = g.node("ReduceProd", {x, i64({1}, {3})}, "y3");
    Graph::attr_int(pr, "keepdims", 0);
    g.node("ReduceLogSum", {g.op("Abs", {x}), i64({1}, {0})}, "y4");
    g.node("ReduceSumSquare", {inn}, "y5");
    auto* l1 = g.node("ReduceL1", {x}, "y6");
    Graph::attr_int(l1, "keepdims", 0);
    auto* cs = g.node("CumSum", {x, i64({}, {3})}, "y7");
    Graph::attr_int(cs, "exclusive", 1);
    Graph::attr_int(cs, "reverse", 1);
    auto* tk = g.node("TopK", {x, i64({1}, {3})}, "y8");
    tk->add_output("y9");
    g.node("OneHot", {"y9", i64({}, {5}), f32({2}, {-1, 2})}, "y10");
    auto* ge = g.node("GatherElements", {x, "y9"}, "y11");
    Graph::attr_int(ge, "axis", 3);
    auto* se = g.node("ScatterElements", {x, "y9", "y8"}, "y12");
    Graph::attr_int(se, "axis", -1);
    Graph::attr_string(se, "reduction", "add");
    g.node("GatherND", {x, i64({2, 2}, {1, 3, 0, -1})}, "y13");
    auto* sn =
        g.node("ScatterND", {x, i64({3, 2}, {1, 2, 0, 0, 1, 2}), g.weight({3, 3, 5}, 2.0f)}, "y14");
    Graph::attr_string(sn, "reduction", "mul");
    auto* d2s = g.node("DepthToSpace", {x}, "y15");
    Graph::attr_int(d2s, "blocksize", 2);
    Graph::attr_string(d2s, "mode", "CRD");
    auto* s2d = g.node("SpaceToDepth", {"y15"}, "y16");
    Graph::attr_int(s2d, "blocksize", 2);
    g.node("Range", {f32({}, {0.5f}), f32({}, {3.0f}), f32({}, {0.25f})}, "y17");
    g.node("NonZero", {i64({2, 3}, {0, 1, 0, 2, 0, 3})}, "y18");
    g.node("ConstantOfShape", {i64({2}, {2, 3})}, "y19");
    g.output("y0", {2, 4, 3, 3});
    g.output("y1", {2, 4, 3, 1});
    g.output("y2", {2, 5});
    g.output("y3", {2, 4, 3});
    g.output("y4", {1, 4, 3, 5});
    g.output("y5", {1, 1, 1, 1});
    g.output("y6", {});
    g.output("y7", {2, 4, 3, 5});
    g.output("y8", {2, 4, 3, 3});
    g.output("y9", {2, 4, 3, 3}, DType::INT64);
    g.output("y10", {2, 4, 3, 3, 5});
    g.output("y11", {2, 4, 3, 3});
    g.output("y12", {2, 4, 3, 5});
    g.output("y13", {2, 3, 5});
    g.output("y14", {2, 4, 3, 5});
    g.output("y15", {2, 1, 6, 10});
    g.output("y16", {2, 4, 3, 5});
    g.output("y17", {10});
    g.output("y18", {2, 3}, DType::INT64);
    g.output("y19", {2, 3});
    g.m.mutable_opset_import(0)->set_version(18);
    return {"generated/index_reduce", g.bytes(), {random_tensor({2, 4, 3, 5}, 2.0f, 700)}};
}

/// Resize in its supported modes (issue 14): linear upsampling with half_pixel and
/// align_corners, nearest downsampling (round_prefer_ceil, asymmetric) and pytorch_half_pixel
/// linear to fixed sizes, on a random 1x2x5x7 image.
inline Case resize_modes()
{
    Graph g("resize_modes");
    auto f32 = [&](std::vector<int64_t> shape, std::vector<float> v) {
        return g.constant(Tensor::from<float>(DType::FLOAT, std::move(shape), v));
    };
    auto i64 = [&](std::vector<int64_t> shape, std::vector<int64_t> v) {
        return g.constant(Tensor::from<int64_t>(DType::INT64, std::move(shape), v));
    };
    auto x = g.input("x", {1, 2, 5, 7});
    const std::string none = "";
    auto* a = g.node("Resize", {x, none, f32({4}, {1, 1, 2.5f, 1.75f})}, "y0");
    Graph::attr_string(a, "mode", "linear");
    auto* b = g.node("Resize", {x, none, f32({4}, {1, 1, 2.5f, 1.75f})}, "y1");
    Graph::attr_string(b, "mode", "linear");
    Graph::attr_string(b, "coordinate_transformation_mode", "align_corners");
    auto* c = g.node("Resize", {x, none, f32({4}, {1, 1, 0.6f, 0.5f})}, "y2");
    Graph::attr_string(c, "coordinate_transformation_mode", "asymmetric");
    Graph::attr_string(c, "nearest_mode", "round_prefer_ceil");
    auto* d = g.node("Resize", {x, none, none, i64({4}, {1, 2, 3, 11})}, "y3");
    Graph::attr_string(d, "mode", "linear");
    Graph::attr_string(d, "coordinate_transformation_mode", "pytorch_half_pixel");
    g.output("y0", {1, 2, 12, 12});
    g.output("y1", {1, 2, 12, 12});
    g.output("y2", {1, 2, 3, 3});
    g.output("y3", {1, 2, 3, 11});
    return {"generated/resize_modes", g.bytes(), {random_tensor({1, 2, 5, 7}, 2.0f, 800)}};
}

/// Resize's cubic mode (issue 14): default and A = -0.5 with exclude_outside, upsampling and
/// downsampling, half_pixel_symmetric, and axes with keep_aspect_ratio_policy not_larger, on a
/// random 1x2x5x7 image.
inline Case resize_cubic()
{
    Graph g("resize_cubic");
    auto f32 = [&](std::vector<int64_t> shape, std::vector<float> v) {
        return g.constant(Tensor::from<float>(DType::FLOAT, std::move(shape), v));
    };
    auto i64 = [&](std::vector<int64_t> shape, std::vector<int64_t> v) {
        return g.constant(Tensor::from<int64_t>(DType::INT64, std::move(shape), v));
    };
    auto x = g.input("x", {1, 2, 5, 7});
    const std::string none = "";
    auto* a = g.node("Resize", {x, none, f32({4}, {1, 1, 2.5f, 1.75f})}, "y0");
    Graph::attr_string(a, "mode", "cubic");
    auto* b = g.node("Resize", {x, none, f32({4}, {1, 1, 0.6f, 0.5f})}, "y1");
    Graph::attr_string(b, "mode", "cubic");
    auto* attr = b->add_attribute();
    attr->set_name("cubic_coeff_a");
    attr->set_type(onnx::AttributeProto::FLOAT);
    attr->set_f(-0.5f);
    Graph::attr_int(b, "exclude_outside", 1);
    auto* c = g.node("Resize", {x, none, f32({4}, {1, 1, 1.3f, 0.7f})}, "y2");
    Graph::attr_string(c, "mode", "linear");
    Graph::attr_string(c, "coordinate_transformation_mode", "half_pixel_symmetric");
    auto* d = g.node("Resize", {x, none, none, i64({2}, {9, 9})}, "y3");
    Graph::attr_string(d, "mode", "cubic");
    Graph::attr_ints(d, "axes", {2, 3});
    Graph::attr_string(d, "keep_aspect_ratio_policy", "not_larger");
    g.output("y0", {1, 2, 12, 12});
    g.output("y1", {1, 2, 3, 3});
    g.output("y2", {1, 2, 6, 4});
    g.output("y3", {1, 2, 6, 9});
    return {"generated/resize_cubic", g.bytes(), {random_tensor({1, 2, 5, 7}, 2.0f, 801)}};
}

/// Ops and attributes of opsets 22-28 (issue 14), at opset 28: RMSNormalization, Swish,
/// float Mod with fmod = 0, CastLike, SpaceToDepth in CRD mode and bool ReduceMax.
inline Case newer_opsets()
{
    Graph g("newer_opsets");
    g.m.mutable_opset_import(0)->set_version(28);
    auto x = g.input("x", {1, 4, 4, 6});
    g.node("RMSNormalization", {x, g.weight({6}, 1.0f)}, "y0");
    auto* swish = g.node("Swish", {x}, "y1");
    auto* alpha = swish->add_attribute();
    alpha->set_name("alpha");
    alpha->set_type(onnx::AttributeProto::FLOAT);
    alpha->set_f(1.5f);
    g.node("Mod", {x, g.weight({6}, 2.0f)}, "y2");
    g.node("CastLike", {x, g.constant(Tensor::zeros(DType::INT32, {1}))}, "y3");
    auto* s2d = g.node("SpaceToDepth", {x}, "y4");
    Graph::attr_int(s2d, "blocksize", 2);
    Graph::attr_string(s2d, "mode", "CRD");
    auto positive = g.op("Greater", {x, g.constant(Tensor::from<float>(DType::FLOAT, {}, {0.0f}))});
    auto* any = g.node("ReduceMax",
                       {positive, g.constant(Tensor::from<int64_t>(DType::INT64, {1}, {3}))}, "y5");
    Graph::attr_int(any, "keepdims", 0);
    g.output("y0", {1, 4, 4, 6});
    g.output("y1", {1, 4, 4, 6});
    g.output("y2", {1, 4, 4, 6});
    g.output("y3", {1, 4, 4, 6}, DType::INT32);
    g.output("y4", {1, 16, 2, 3});
    g.output("y5", {1, 4, 4}, DType::BOOL);
    return {"generated/newer_opsets", g.bytes(), {random_tensor({1, 4, 4, 6}, 5.0f, 802)}};
}

/// Attention (opset 24, issue 14): a 3-D causal GQA layer (4 query heads over 2 key/value
/// heads), and a 4-D one with a bool mask, past key/value, softcap and the softmax as
/// qk_matmul_output, on random inputs.
inline Case attention()
{
    Graph g("attention");
    g.m.mutable_opset_import(0)->set_version(24);
    auto x = g.input("x", {2, 5, 16});
    auto q = g.op("MatMul", {x, g.weight({16, 16}, 0.4f)});
    auto k = g.op("MatMul", {x, g.weight({16, 8}, 0.4f)});
    auto v = g.op("MatMul", {x, g.weight({16, 8}, 0.4f)});
    auto* a = g.node("Attention", {q, k, v}, "y0");
    Graph::attr_int(a, "is_causal", 1);
    Graph::attr_int(a, "q_num_heads", 4);
    Graph::attr_int(a, "kv_num_heads", 2);
    auto* r =
        g.node("Reshape", {x, g.constant(Tensor::from<int64_t>(DType::INT64, {4}, {2, 2, 5, 8}))});
    const std::string q4 = r->output(0);
    std::vector<uint8_t> bits(2 * 5 * 8);
    for (size_t i = 0; i < bits.size(); ++i)
        bits[i] = (i * 7 + 3) % 5 != 0;
    auto mask = g.constant(Tensor::from<uint8_t>(DType::BOOL, {2, 1, 5, 8}, bits));
    auto* b = g.node("Attention",
                     {q4, g.weight({2, 1, 5, 8}, 1.0f), g.weight({2, 1, 5, 8}, 1.0f), mask,
                      g.weight({2, 1, 3, 8}, 1.0f), g.weight({2, 1, 3, 8}, 1.0f)},
                     "y1");
    b->add_output("y2");
    b->add_output("y3");
    b->add_output("y4");
    auto* cap = b->add_attribute();
    cap->set_name("softcap");
    cap->set_type(onnx::AttributeProto::FLOAT);
    cap->set_f(3.0f);
    Graph::attr_int(b, "qk_matmul_output_mode", 3);
    g.output("y0", {2, 5, 16});
    g.output("y1", {2, 2, 5, 8});
    g.output("y2", {2, 1, 8, 8});
    g.output("y3", {2, 1, 8, 8});
    g.output("y4", {2, 2, 5, 8});
    return {"generated/attention", g.bytes(), {random_tensor({2, 5, 16}, 1.5f, 803)}};
}

/// The recurrent ops (issue 14): a bidirectional LSTM with every optional input (bias,
/// sequence_lens, initial_h/c, peepholes), a GRU with linear_before_reset and clip, and a
/// batch-first reverse RNN with a LeakyRelu activation list, on a random 6x3x4 sequence.
inline Case recurrent()
{
    Graph g("recurrent");
    auto x = g.input("x", {6, 3, 4});
    auto* lstm =
        g.node("LSTM",
               {x, g.weight({2, 20, 4}, 0.5f), g.weight({2, 20, 5}, 0.5f), g.weight({2, 40}, 0.5f),
                g.constant(Tensor::from<int32_t>(DType::INT32, {3}, std::vector<int32_t>{6, 4, 1})),
                g.weight({2, 3, 5}, 1.0f), g.weight({2, 3, 5}, 1.0f), g.weight({2, 15}, 0.5f)},
               "y0");
    lstm->add_output("y1");
    lstm->add_output("y2");
    Graph::attr_string(lstm, "direction", "bidirectional");
    Graph::attr_int(lstm, "hidden_size", 5);
    auto* gru = g.node(
        "GRU", {x, g.weight({1, 9, 4}, 0.8f), g.weight({1, 9, 3}, 0.8f), g.weight({1, 18}, 0.5f)},
        "y3");
    gru->add_output("y4");
    Graph::attr_int(gru, "linear_before_reset", 1);
    auto* clip = gru->add_attribute();
    clip->set_name("clip");
    clip->set_type(onnx::AttributeProto::FLOAT);
    clip->set_f(2.0f);
    auto* xt = g.node("Transpose", {x});
    Graph::attr_ints(xt, "perm", {1, 0, 2});
    auto* rnn =
        g.node("RNN", {xt->output(0), g.weight({1, 4, 4}, 0.8f), g.weight({1, 4, 4}, 0.8f)}, "y5");
    rnn->add_output("y6");
    Graph::attr_int(rnn, "layout", 1);
    Graph::attr_string(rnn, "direction", "reverse");
    auto* acts = rnn->add_attribute();
    acts->set_name("activations");
    acts->set_type(onnx::AttributeProto::STRINGS);
    acts->add_strings("LeakyRelu");
    auto* alpha = rnn->add_attribute();
    alpha->set_name("activation_alpha");
    alpha->set_type(onnx::AttributeProto::FLOATS);
    alpha->add_floats(0.25f);
    g.output("y0", {6, 2, 3, 5});
    g.output("y1", {2, 3, 5});
    g.output("y2", {2, 3, 5});
    g.output("y3", {6, 1, 3, 3});
    g.output("y4", {1, 3, 3});
    g.output("y5", {3, 6, 1, 4});
    g.output("y6", {3, 1, 4});
    return {"generated/recurrent", g.bytes(), {random_tensor({6, 3, 4}, 2.0f, 900)}};
}

/// Control flow (issue 14): a Loop of 5 iterations whose body reads a main-graph weight
/// (MatMul + Tanh on the carried state, a scan output of every state), an If on a
/// data-dependent condition (Relu or Sigmoid branch), and a reverse Scan over rows.
inline Case control_flow()
{
    Graph g("control_flow");
    auto x = g.input("x", {2, 6});
    const auto w = g.weight({6, 6}, 0.6f);
    const auto subgraph = [](onnx::NodeProto* n, const std::string& name, const Graph& body) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::GRAPH);
        *a->mutable_g() = *body.g;
    };

    Graph body("loop_body");
    body.counter = 1000;
    body.seed = 1000;
    body.input("i", {}, DType::INT64);
    body.input("cond", {}, DType::BOOL);
    body.input("h", {2, 6});
    body.node("Identity", {"cond"}, "cond_out");
    auto mm = body.op("MatMul", {"h", w});
    auto biased = body.op("Add", {mm, body.weight({6}, 0.3f)});
    body.node("Tanh", {biased}, "h_out");
    body.node("Identity", {"h_out"}, "h_scan");
    body.output("cond_out", {}, DType::BOOL);
    body.output("h_out", {2, 6});
    body.output("h_scan", {2, 6});
    auto* loop = g.node("Loop", {g.constant(Tensor::from<int64_t>(DType::INT64, {}, {5})), "", x},
                        "h_final");
    loop->add_output("states");
    subgraph(loop, "body", body);

    auto total = g.node("ReduceSum", {"h_final"});
    Graph::attr_int(total, "keepdims", 0);
    auto positive = g.op(
        "Greater", {total->output(0), g.constant(Tensor::from<float>(DType::FLOAT, {}, {0.0f}))});
    Graph then_g("then_branch");
    then_g.node("Relu", {"states"}, "branch_out");
    then_g.output("branch_out", {5, 2, 6});
    Graph else_g("else_branch");
    else_g.node("Sigmoid", {"states"}, "branch_out");
    else_g.output("branch_out", {5, 2, 6});
    auto* branch = g.node("If", {positive}, "chosen");
    subgraph(branch, "then_branch", then_g);
    subgraph(branch, "else_branch", else_g);

    Graph scan_body("scan_body");
    scan_body.counter = 2000;
    scan_body.input("acc", {6});
    scan_body.input("row", {6});
    auto sum = scan_body.op("Add", {"acc", "row"});
    scan_body.node("Mul", {sum, scan_body.weight({6}, 1.0f)}, "acc_out");
    scan_body.node("Identity", {"acc_out"}, "row_out");
    scan_body.output("acc_out", {6});
    scan_body.output("row_out", {6});
    auto* scan = g.node("Scan", {g.constant(Tensor::zeros(DType::FLOAT, {6})), x}, "acc");
    scan->add_output("rows");
    Graph::attr_int(scan, "num_scan_inputs", 1);
    Graph::attr_ints(scan, "scan_input_directions", {1});
    subgraph(scan, "body", scan_body);

    g.output("h_final", {2, 6});
    g.output("chosen", {5, 2, 6});
    g.output("acc", {6});
    g.output("rows", {2, 6});
    return {"generated/control_flow", g.bytes(), {random_tensor({2, 6}, 1.0f, 901)}};
}

/// The ai.onnx.ml ops (issue 14, classical ML): a random forest of 8 complete depth-4 trees
/// over 6 features (3 classes, SOFTMAX), the same trees as an AVERAGE regressor with two
/// targets, and a Scaler -> Normalizer (L2) -> LinearClassifier (LOGISTIC) pipeline plus a
/// LinearRegressor, on a random 16x6 batch.
inline Case classic_ml()
{
    Graph g("classic_ml");
    auto* ml = g.m.add_opset_import();
    ml->set_domain("ai.onnx.ml");
    ml->set_version(3);
    auto floats = [](onnx::NodeProto* n, const std::string& name, const std::vector<float>& v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::FLOATS);
        for (auto x : v)
            a->add_floats(x);
    };
    auto strings = [](onnx::NodeProto* n, const std::string& name,
                      const std::vector<std::string>& v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::STRINGS);
        for (const auto& x : v)
            a->add_strings(x);
    };
    Rng rng{0x5EED0014};
    constexpr int64_t kTrees = 8, kDepth = 4, kNodes = (1 << kDepth) - 1, kFeatures = 6;
    std::vector<int64_t> tree_ids, node_ids, features, yes, no, w_trees, w_nodes, w_ids;
    std::vector<float> values, weights;
    std::vector<std::string> modes;
    const char* kModes[] = {"BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT"};
    for (int64_t t = 0; t < kTrees; ++t)
        for (int64_t k = 0; k < kNodes; ++k)
        {
            tree_ids.push_back(t);
            node_ids.push_back(k);
            const bool leaf = 2 * k + 1 >= kNodes;
            features.push_back(leaf ? 0 : static_cast<int64_t>(rng.next() % kFeatures));
            values.push_back(leaf ? 0.0f : rng.uniform(1.0f));
            modes.push_back(leaf ? "LEAF" : kModes[rng.next() % 4]);
            yes.push_back(leaf ? 0 : 2 * k + 1);
            no.push_back(leaf ? 0 : 2 * k + 2);
            if (leaf)
                for (int64_t c = 0; c < 3; ++c)
                {
                    w_trees.push_back(t);
                    w_nodes.push_back(k);
                    w_ids.push_back(c);
                    weights.push_back(rng.uniform(1.0f));
                }
        }
    auto add_trees = [&](onnx::NodeProto* n, const std::string& prefix) {
        Graph::attr_ints(n, "nodes_treeids", tree_ids);
        Graph::attr_ints(n, "nodes_nodeids", node_ids);
        Graph::attr_ints(n, "nodes_featureids", features);
        floats(n, "nodes_values", values);
        strings(n, "nodes_modes", modes);
        Graph::attr_ints(n, "nodes_truenodeids", yes);
        Graph::attr_ints(n, "nodes_falsenodeids", no);
        Graph::attr_ints(n, prefix + "treeids", w_trees);
        Graph::attr_ints(n, prefix + "nodeids", w_nodes);
        floats(n, prefix + "weights", weights);
    };
    auto x = g.input("x", {16, kFeatures});
    auto* forest = g.node("TreeEnsembleClassifier", {x}, "label");
    forest->set_domain("ai.onnx.ml");
    forest->add_output("proba");
    add_trees(forest, "class_");
    Graph::attr_ints(forest, "class_ids", w_ids);
    Graph::attr_ints(forest, "classlabels_int64s", {5, 6, 7});
    Graph::attr_string(forest, "post_transform", "SOFTMAX");
    auto* reg = g.node("TreeEnsembleRegressor", {x}, "trees");
    reg->set_domain("ai.onnx.ml");
    add_trees(reg, "target_");
    std::vector<int64_t> targets;
    for (auto c : w_ids)
        targets.push_back(c % 2);
    Graph::attr_ints(reg, "target_ids", targets);
    Graph::attr_int(reg, "n_targets", 2);
    Graph::attr_string(reg, "aggregate_function", "AVERAGE");
    floats(reg, "base_values", {0.25f, -0.5f});
    auto* scaler = g.node("Scaler", {x}, "scaled");
    scaler->set_domain("ai.onnx.ml");
    floats(scaler, "offset", {0.1f, -0.2f, 0.3f, 0, 0.5f, -0.6f});
    floats(scaler, "scale", {1.5f, 0.5f, 2, 1, 0.25f, 3});
    auto* norm = g.node("Normalizer", {"scaled"}, "normed");
    norm->set_domain("ai.onnx.ml");
    Graph::attr_string(norm, "norm", "L2");
    std::vector<float> coef;
    for (int i = 0; i < 3 * kFeatures; ++i)
        coef.push_back(rng.uniform(2.0f));
    auto* lin = g.node("LinearClassifier", {"normed"}, "lin_label");
    lin->set_domain("ai.onnx.ml");
    lin->add_output("lin_proba");
    floats(lin, "coefficients", coef);
    floats(lin, "intercepts", {0.1f, 0.2f, -0.3f});
    Graph::attr_ints(lin, "classlabels_ints", {1, 2, 3});
    Graph::attr_string(lin, "post_transform", "LOGISTIC");
    auto* lr = g.node("LinearRegressor", {x}, "linreg");
    lr->set_domain("ai.onnx.ml");
    floats(lr, "coefficients", std::vector<float>(coef.begin(), coef.begin() + kFeatures));
    floats(lr, "intercepts", {0.75f});
    g.output("label", {16}, DType::INT64);
    g.output("proba", {16, 3});
    g.output("trees", {16, 2});
    g.output("lin_label", {16}, DType::INT64);
    g.output("lin_proba", {16, 3});
    g.output("linreg", {16, 1});
    return {"generated/classic_ml", g.bytes(), {random_tensor({16, kFeatures}, 1.5f, 900)}};
}

/// A uint8 or int8 tensor of uniform bytes from `seed` (same bytes everywhere).
inline Tensor random_q8(DType dtype, std::vector<int64_t> shape, uint64_t seed)
{
    Rng rng{seed * 0x9E3779B97F4A7C15ULL + 1};
    Tensor t = Tensor::zeros(dtype, std::move(shape));
    for (auto& b : t.data)
        b = static_cast<uint8_t>(rng.next() >> 56);
    return t;
}

/// The integer GEMMs at sizes that take the packed AVX2 kernels (kernels.hpp: at least 4
/// rows, odd k and column tails): QLinearMatMul (uint8 x int8, per-column b scale and zero
/// point, batch 2), MatMulInteger (uint8 x uint8), QLinearConv (3x3 pads, per-channel int8
/// weights, int32 bias) and ConvInteger (stride 2). The digests must not depend on the kernel.
inline Case quant_gemm()
{
    Graph g("quant_gemm");
    auto a = g.input("a", {2, 37, 45}, DType::UINT8);
    auto x = g.input("x", {1, 5, 13, 11}, DType::UINT8);
    auto f32 = [&](std::vector<int64_t> shape, std::vector<float> v) {
        return g.constant(Tensor::from<float>(DType::FLOAT, std::move(shape), v));
    };
    auto u8 = [&](uint8_t v) {
        return g.constant(Tensor::from<uint8_t>(DType::UINT8, {}, std::vector<uint8_t>{v}));
    };
    std::vector<float> b_scale;
    for (int j = 0; j < 29; ++j)
        b_scale.push_back(0.002f + 0.0005f * static_cast<float>(j));
    std::vector<float> w_scale;
    for (int j = 0; j < 11; ++j)
        w_scale.push_back(0.003f + 0.0007f * static_cast<float>(j));
    std::vector<int32_t> bias;
    for (int j = 0; j < 11; ++j)
        bias.push_back(j * 977 - 5000);
    auto a_zp = u8(118);
    auto b = g.constant(random_q8(DType::INT8, {45, 29}, 1001));
    auto b_zp = g.constant(random_q8(DType::INT8, {29}, 1002));
    g.node("QLinearMatMul",
           {a, f32({}, {0.02f}), a_zp, b, f32({29}, b_scale), b_zp, f32({}, {0.05f}), u8(128)},
           "y0");
    g.node("MatMulInteger", {a, g.constant(random_q8(DType::UINT8, {45, 30}, 1003)), a_zp, u8(131)},
           "y1");
    auto* qc = g.node(
        "QLinearConv",
        {x, f32({}, {0.015f}), u8(120), g.constant(random_q8(DType::INT8, {11, 5, 3, 3}, 1004)),
         f32({11}, w_scale), g.constant(random_q8(DType::INT8, {11}, 1005)), f32({}, {0.04f}),
         u8(125), g.constant(Tensor::from<int32_t>(DType::INT32, {11}, bias))},
        "y2");
    Graph::attr_ints(qc, "pads", {1, 1, 1, 1});
    auto* ci =
        g.node("ConvInteger",
               {x, g.constant(random_q8(DType::UINT8, {7, 5, 2, 2}, 1006)), u8(120), u8(77)}, "y3");
    Graph::attr_ints(ci, "strides", {2, 2});
    g.output("y0", {2, 37, 29}, DType::UINT8);
    g.output("y1", {2, 37, 30}, DType::INT32);
    g.output("y2", {1, 11, 13, 11}, DType::UINT8);
    g.output("y3", {1, 7, 6, 5}, DType::INT32);
    return {"generated/quant_gemm",
            g.bytes(),
            {random_q8(DType::UINT8, {2, 37, 45}, 1100),
             random_q8(DType::UINT8, {1, 5, 13, 11}, 1101)}};
}

}  // namespace tern::ml::testmodels
