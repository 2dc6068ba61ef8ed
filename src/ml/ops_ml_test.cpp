// ai.onnx.ml ops (ops_ml.cpp) and the loader's domain handling: hand-built models through the
// whole engine (load, infer, run), including the refusals an attacker model must hit.

#include "ml/engine.hpp"
#include "ml/onnx_proto.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace tern::ml;

namespace {

/// ModelProto builder importing ai.onnx 17 and ai.onnx.ml `ml_opset` (0: none).
struct MlBuilder
{
    onnx::ModelProto m;
    onnx::GraphProto* g = m.mutable_graph();

    explicit MlBuilder(int64_t ml_opset = 3)
    {
        m.set_ir_version(8);
        auto* imp = m.add_opset_import();
        imp->set_domain("");
        imp->set_version(17);
        if (ml_opset > 0)
        {
            imp = m.add_opset_import();
            imp->set_domain("ai.onnx.ml");
            imp->set_version(ml_opset);
        }
    }
    /// A copy builds on its own ModelProto (g must point into it).
    MlBuilder(const MlBuilder& o) : m(o.m), g(m.mutable_graph()) {}
    MlBuilder& operator=(const MlBuilder&) = delete;
    MlBuilder& input(const std::string& name, DType t, std::vector<int64_t> shape)
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
    MlBuilder& output(const std::string& name)
    {
        g->add_output()->set_name(name);
        return *this;
    }
    onnx::NodeProto& node(const std::string& op,
                          std::vector<std::string> ins,
                          std::vector<std::string> outs,
                          const std::string& domain = "ai.onnx.ml")
    {
        auto* n = g->add_node();
        n->set_op_type(op);
        n->set_domain(domain);
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

void ints(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v)
        a->add_ints(x);
}

void floats(onnx::NodeProto& n, const std::string& name, std::vector<float> v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOATS);
    for (auto x : v)
        a->add_floats(x);
}

void strings(onnx::NodeProto& n, const std::string& name, std::vector<std::string> v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRINGS);
    for (auto& x : v)
        a->add_strings(x);
}

void str(onnx::NodeProto& n, const std::string& name, const std::string& v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
}

void integer(onnx::NodeProto& n, const std::string& name, int64_t v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}

Tensor f32(std::vector<int64_t> shape, std::vector<float> v)
{
    return Tensor::from<float>(DType::FLOAT, std::move(shape), v);
}

Tensor i64(std::vector<int64_t> shape, std::vector<int64_t> v)
{
    return Tensor::from<int64_t>(DType::INT64, std::move(shape), v);
}

/// Loads and runs; the error message (load or run) or the outputs.
tern::Result<std::vector<Tensor>, std::string> load_run(const MlBuilder& b, std::vector<Tensor> in)
{
    const auto bytes = b.bytes();
    auto m = load_model(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
                        Limits{});
    if (!m)
        return m.error();
    return run(**m, in, Limits{});
}

std::string error_of(const MlBuilder& b, std::vector<Tensor> in)
{
    auto r = load_run(b, std::move(in));
    return r ? std::string("<ok>") : r.error();
}

/// Tree 0: x0 <= 0.5 ? leaf 1 : (x1 < 2 ? leaf 3 : leaf 4); tree 1: a single leaf 0.
/// Node attributes only (the caller adds the votes).
void two_trees(onnx::NodeProto& n, const std::string& mode1 = "BRANCH_LT")
{
    ints(n, "nodes_treeids", {0, 0, 0, 0, 0, 1});
    ints(n, "nodes_nodeids", {0, 1, 2, 3, 4, 0});
    ints(n, "nodes_featureids", {0, 0, 1, 0, 0, 0});
    floats(n, "nodes_values", {0.5f, 0, 2, 0, 0, 0});
    strings(n, "nodes_modes", {"BRANCH_LEQ", "LEAF", mode1, "LEAF", "LEAF", "LEAF"});
    ints(n, "nodes_truenodeids", {1, 0, 3, 0, 0, 0});
    ints(n, "nodes_falsenodeids", {2, 0, 4, 0, 0, 0});
}

MlBuilder regressor(const std::string& agg, std::vector<float> base, const std::string& mode1)
{
    MlBuilder b;
    b.input("x", DType::FLOAT, {-1, 2}).output("y");
    auto& n = b.node("TreeEnsembleRegressor", {"x"}, {"y"});
    two_trees(n, mode1);
    ints(n, "target_treeids", {0, 0, 0, 1});
    ints(n, "target_nodeids", {1, 3, 4, 0});
    ints(n, "target_ids", {0, 0, 0, 0});
    floats(n, "target_weights", {1.0f, 2.0f, 4.0f, 10.0f});
    integer(n, "n_targets", 1);
    str(n, "aggregate_function", agg);
    if (!base.empty())
        floats(n, "base_values", base);
    return b;
}

}  // namespace

TEST(MlDomain, LoaderNamesUnsupportedMlOpsAndNeedsTheImport)
{
    MlBuilder b;
    b.input("x", DType::FLOAT, {1, 2}).output("y");
    b.node("DictVectorizer", {"x"}, {"t"});
    b.node("Foo", {"t"}, {"y"});
    EXPECT_EQ(error_of(b, {f32({1, 2}, {0, 0})}),
              "unsupported operators ai.onnx.ml::DictVectorizer (node DictVectorizer1), "
              "ai.onnx.ml::Foo (node Foo2)");

    MlBuilder none(0);
    none.input("x", DType::FLOAT, {1, 2}).output("y");
    none.node("Binarizer", {"x"}, {"y"});
    EXPECT_NE(error_of(none, {f32({1, 2}, {0, 0})}).find("imports no ai.onnx.ml opset"),
              std::string::npos);

    MlBuilder high(6);
    high.input("x", DType::FLOAT, {1, 2}).output("y");
    high.node("Binarizer", {"x"}, {"y"});
    EXPECT_NE(error_of(high, {f32({1, 2}, {0, 0})}).find("unsupported ai.onnx.ml opset 6"),
              std::string::npos);
}

TEST(MlDomain, ZipMapAndStringLabelsAreRefusedWithAHint)
{
    MlBuilder b;
    b.input("x", DType::FLOAT, {1, 2}).output("y");
    b.node("ZipMap", {"x"}, {"y"});
    EXPECT_NE(error_of(b, {f32({1, 2}, {0, 0})}).find("options={'zipmap': False}"),
              std::string::npos);

    MlBuilder s;
    s.input("x", DType::FLOAT, {1, 2}).output("label");
    auto& n = s.node("LinearClassifier", {"x"}, {"label"});
    floats(n, "coefficients", {1, 0, 0, 1});
    strings(n, "classlabels_strings", {"a", "b"});
    EXPECT_NE(error_of(s, {f32({1, 2}, {0, 0})}).find("string class labels are not supported"),
              std::string::npos);
}

TEST(MlTrees, RegressorAggregatesModesAndBaseValues)
{
    const auto x = f32({4, 2}, {0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 3.0f, 1.0f, 2.0f});
    // Rows hit leaves 1, 3, 4, 4 of tree 0 (weights 1, 2, 4, 4), and tree 1's leaf (10).
    auto sum = load_run(regressor("SUM", {0.5f}, "BRANCH_LT"), {x});
    ASSERT_TRUE(sum) << sum.error();
    EXPECT_EQ((*sum)[0], f32({4, 1}, {11.5f, 12.5f, 14.5f, 14.5f}));
    auto avg = load_run(regressor("AVERAGE", {}, "BRANCH_LT"), {x});
    ASSERT_TRUE(avg) << avg.error();
    EXPECT_EQ((*avg)[0], f32({4, 1}, {5.5f, 6.0f, 7.0f, 7.0f}));
    auto mn = load_run(regressor("MIN", {}, "BRANCH_LT"), {x});
    ASSERT_TRUE(mn) << mn.error();
    EXPECT_EQ((*mn)[0], f32({4, 1}, {1, 2, 4, 4}));
    auto mx = load_run(regressor("MAX", {}, "BRANCH_LT"), {x});
    ASSERT_TRUE(mx) << mx.error();
    EXPECT_EQ((*mx)[0], f32({4, 1}, {10, 10, 10, 10}));
    // The other branch modes on x1 against 2: row 4 (x1 == 2) separates them.
    const std::pair<const char*, std::vector<float>> modes[] = {
        {"BRANCH_LEQ", {11, 12, 14, 12}}, {"BRANCH_GTE", {11, 14, 12, 12}},
        {"BRANCH_GT", {11, 14, 12, 14}},  {"BRANCH_EQ", {11, 14, 14, 12}},
        {"BRANCH_NEQ", {11, 12, 12, 14}},
    };
    for (const auto& [mode, want] : modes)
    {
        auto r = load_run(regressor("SUM", {}, mode), {x});
        ASSERT_TRUE(r) << mode << ": " << r.error();
        EXPECT_EQ((*r)[0], f32({4, 1}, want)) << mode;
    }
}

TEST(MlTrees, MissingValuesFollowTheTrackFlag)
{
    auto b = regressor("SUM", {}, "BRANCH_LT");
    ints(*b.g->mutable_node(0), "nodes_missing_value_tracks_true", {1, 0, 0, 0, 0, 0});
    const float nan = std::numeric_limits<float>::quiet_NaN();
    auto r = load_run(b, {f32({2, 2}, {nan, 5.0f, 1.0f, nan})});
    ASSERT_TRUE(r) << r.error();
    // Row 0: NaN at the root goes true (leaf 1); row 1: NaN at node 2 goes false (leaf 4).
    EXPECT_EQ((*r)[0], f32({2, 1}, {11, 14}));
}

TEST(MlTrees, BinaryClassifierOneScoreAsSkl2onnxWritesIt)
{
    MlBuilder b;
    b.input("x", DType::FLOAT, {-1, 2}).output("label").output("p");
    auto& n = b.node("TreeEnsembleClassifier", {"x"}, {"label", "p"});
    two_trees(n);
    ints(n, "class_treeids", {0, 0, 0});
    ints(n, "class_nodeids", {1, 3, 4});
    ints(n, "class_ids", {0, 0, 0});
    floats(n, "class_weights", {0.25f, 0.5f, 0.75f});
    ints(n, "classlabels_int64s", {3, 7});
    auto r = load_run(b, {f32({3, 2}, {0, 0, 1, 1, 1, 3})});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)[0], i64({3}, {3, 3, 7}));
    EXPECT_EQ((*r)[1], f32({3, 2}, {0.75f, 0.25f, 0.5f, 0.5f, 0.25f, 0.75f}));

    // Gradient boosting: mixed-sign votes, one base value, LOGISTIC.
    MlBuilder g;
    g.input("x", DType::FLOAT, {-1, 2}).output("label").output("p");
    auto& gn = g.node("TreeEnsembleClassifier", {"x"}, {"label", "p"});
    two_trees(gn);
    ints(gn, "class_treeids", {0, 0, 0});
    ints(gn, "class_nodeids", {1, 3, 4});
    ints(gn, "class_ids", {0, 0, 0});
    floats(gn, "class_weights", {-1.0f, 0.0f, 2.0f});
    floats(gn, "base_values", {0.5f});
    ints(gn, "classlabels_int64s", {0, 1});
    str(gn, "post_transform", "LOGISTIC");
    auto rg = load_run(g, {f32({3, 2}, {0, 0, 1, 1, 1, 3})});
    ASSERT_TRUE(rg) << rg.error();
    EXPECT_EQ((*rg)[0], i64({3}, {0, 1, 1}));
    const auto p = (*rg)[1].as<float>();
    EXPECT_NEAR(p[1], 1.0 / (1.0 + std::exp(0.5)), 1e-6);
    EXPECT_NEAR(p[0] + p[1], 1.0, 1e-6);
    EXPECT_NEAR(p[5], 1.0 / (1.0 + std::exp(-2.5)), 1e-6);
}

TEST(MlTrees, MulticlassArgmaxAndSoftmax)
{
    MlBuilder b;
    b.input("x", DType::FLOAT, {-1, 2}).output("label").output("p");
    auto& n = b.node("TreeEnsembleClassifier", {"x"}, {"label", "p"});
    two_trees(n);
    ints(n, "class_treeids", {0, 0, 0, 1});
    ints(n, "class_nodeids", {1, 3, 4, 0});
    ints(n, "class_ids", {0, 1, 2, 1});
    floats(n, "class_weights", {2.0f, 1.0f, 3.0f, 0.5f});
    ints(n, "classlabels_int64s", {10, 20, 30});
    str(n, "post_transform", "SOFTMAX");
    auto r = load_run(b, {f32({3, 2}, {0, 0, 1, 1, 1, 3})});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)[0], i64({3}, {10, 20, 30}));
    const auto p = (*r)[1].as<float>();
    // Row 0 scores (2, 0.5, 0): softmax.
    const double e0 = std::exp(0.0), e1 = std::exp(-1.5), e2 = std::exp(-2.0);
    EXPECT_NEAR(p[0], e0 / (e0 + e1 + e2), 1e-6);
    EXPECT_NEAR(p[1], e1 / (e0 + e1 + e2), 1e-6);
}

TEST(MlTrees, AttackerTreesAreRefused)
{
    const auto x = f32({1, 2}, {0, 0});
    {  // a child pointing back at the root: a cycle
        auto b = regressor("SUM", {}, "BRANCH_LT");
        auto* n = b.g->mutable_node(0);
        for (auto& a : *n->mutable_attribute())
            if (a.name() == "nodes_falsenodeids")
                a.set_ints(2, 0);
        EXPECT_NE(error_of(b, {x}).find("not a tree"), std::string::npos) << error_of(b, {x});
    }
    {  // a child id that does not exist
        auto b = regressor("SUM", {}, "BRANCH_LT");
        for (auto& a : *b.g->mutable_node(0)->mutable_attribute())
            if (a.name() == "nodes_truenodeids")
                a.set_ints(0, 99);
        EXPECT_NE(error_of(b, {x}).find("not in the tree"), std::string::npos);
    }
    {  // a feature beyond X's columns
        auto b = regressor("SUM", {}, "BRANCH_LT");
        for (auto& a : *b.g->mutable_node(0)->mutable_attribute())
            if (a.name() == "nodes_featureids")
                a.set_ints(2, 5);
        EXPECT_NE(error_of(b, {x}).find("reads feature 5"), std::string::npos);
    }
    {  // a target id out of range
        auto b = regressor("SUM", {}, "BRANCH_LT");
        for (auto& a : *b.g->mutable_node(0)->mutable_attribute())
            if (a.name() == "target_ids")
                a.set_ints(1, 1);
        EXPECT_NE(error_of(b, {x}).find("out of range"), std::string::npos);
    }
    {  // a vote on a branch node
        auto b = regressor("SUM", {}, "BRANCH_LT");
        for (auto& a : *b.g->mutable_node(0)->mutable_attribute())
            if (a.name() == "target_nodeids")
                a.set_ints(0, 2);
        EXPECT_NE(error_of(b, {x}).find("is not a leaf"), std::string::npos);
    }
    {  // attribute lengths disagree
        auto b = regressor("SUM", {}, "BRANCH_LT");
        for (auto& a : *b.g->mutable_node(0)->mutable_attribute())
            if (a.name() == "nodes_values")
                a.add_floats(1);
        EXPECT_NE(error_of(b, {x}).find("same length"), std::string::npos);
    }
    {  // a very deep chain is refused (depth bound)
        MlBuilder b;
        b.input("x", DType::FLOAT, {1, 1}).output("y");
        auto& n = b.node("TreeEnsembleRegressor", {"x"}, {"y"});
        const int64_t depth = 1100;
        std::vector<int64_t> tree(2 * depth + 1, 0), ids, feat(2 * depth + 1, 0), yes, no;
        std::vector<float> vals(2 * depth + 1, 0);
        std::vector<std::string> modes;
        for (int64_t i = 0; i < 2 * depth + 1; ++i)
        {
            ids.push_back(i);
            const bool branch = i % 2 == 0 && i < 2 * depth;
            modes.push_back(branch ? "BRANCH_LEQ" : "LEAF");
            yes.push_back(branch ? i + 1 : 0);
            no.push_back(branch ? i + 2 : 0);
        }
        ints(n, "nodes_treeids", tree);
        ints(n, "nodes_nodeids", ids);
        ints(n, "nodes_featureids", feat);
        floats(n, "nodes_values", vals);
        strings(n, "nodes_modes", modes);
        ints(n, "nodes_truenodeids", yes);
        ints(n, "nodes_falsenodeids", no);
        EXPECT_NE(error_of(b, {f32({1, 1}, {0})}).find("deeper than"), std::string::npos);
    }
}

TEST(MlLinear, ClassifierRegressorAndPipelineOps)
{
    MlBuilder b;
    b.input("x", DType::FLOAT, {-1, 2}).output("label").output("p").output("r");
    auto& s = b.node("Scaler", {"x"}, {"s"});
    floats(s, "offset", {1, 0});
    floats(s, "scale", {2});
    auto& nz = b.node("Normalizer", {"s"}, {"nrm"});
    str(nz, "norm", "L1");
    auto& lc = b.node("LinearClassifier", {"nrm"}, {"label", "p"});
    floats(lc, "coefficients", {1, 0, 0, 1});
    floats(lc, "intercepts", {0, 0.25f});
    ints(lc, "classlabels_ints", {4, 5});
    auto& lr = b.node("LinearRegressor", {"x"}, {"r"});
    floats(lr, "coefficients", {2, -1});
    floats(lr, "intercepts", {0.5f});
    auto r = load_run(b, {f32({2, 2}, {3, 1, 1, -2})});
    ASSERT_TRUE(r) << r.error();
    // Scaled rows (4, 2) and (0, -4); L1: (2/3, 1/3) and (0, -1).
    EXPECT_EQ((*r)[0], i64({2}, {4, 4}));
    const auto p = (*r)[1].as<float>();
    EXPECT_FLOAT_EQ(p[0], 2.0f / 3.0f);
    EXPECT_FLOAT_EQ(p[1], 1.0f / 3.0f + 0.25f);
    EXPECT_FLOAT_EQ(p[3], -0.75f);
    EXPECT_EQ((*r)[2], f32({2, 1}, {5.5f, 4.5f}));
}

TEST(MlPreprocessing, BinarizerImputerFeatureExtractorEncoders)
{
    const float nan = std::numeric_limits<float>::quiet_NaN();
    MlBuilder b;
    b.input("x", DType::FLOAT, {-1, 3}).input("c", DType::INT64, {-1});
    b.output("bin").output("imp").output("afe").output("le").output("oh");
    auto& bz = b.node("Binarizer", {"x"}, {"bin"});
    auto* t = bz.add_attribute();
    t->set_name("threshold");
    t->set_type(onnx::AttributeProto::FLOAT);
    t->set_f(1.5f);
    auto& im = b.node("Imputer", {"x"}, {"imp"});
    floats(im, "imputed_value_floats", {7, 8, 9});
    auto* rv = im.add_attribute();
    rv->set_name("replaced_value_float");
    rv->set_type(onnx::AttributeProto::FLOAT);
    rv->set_f(nan);
    auto* idx = b.g->add_initializer();
    *idx = tensor_to_proto(i64({2}, {2, 0}), "idx");
    b.node("ArrayFeatureExtractor", {"x", "idx"}, {"afe"});
    auto& le = b.node("LabelEncoder", {"c"}, {"le"});
    ints(le, "keys_int64s", {5, 1});
    ints(le, "values_int64s", {50, 10});
    auto& oh = b.node("OneHotEncoder", {"c"}, {"oh"});
    ints(oh, "cats_int64s", {1, 5, 9});
    auto r = load_run(b, {f32({2, 3}, {1, 2, nan, 3, nan, 0}), i64({3}, {5, 2, 1})});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)[0], f32({2, 3}, {0, 1, 0, 1, 0, 0}));
    EXPECT_EQ((*r)[1], f32({2, 3}, {1, 2, 9, 3, 8, 0}));
    const auto afe = (*r)[2].as<float>();
    ASSERT_EQ((*r)[2].shape, (std::vector<int64_t>{2, 2}));
    EXPECT_TRUE(std::isnan(afe[0]));
    EXPECT_EQ(afe[1], 1.0f);
    EXPECT_EQ(afe[2], 0.0f);
    EXPECT_EQ(afe[3], 3.0f);
    EXPECT_EQ((*r)[3], i64({3}, {50, -1, 10}));
    EXPECT_EQ((*r)[4], f32({3, 3}, {0, 1, 0, 0, 0, 0, 1, 0, 0}));

    // A data-dependent index out of range is a clean run error.
    MlBuilder e;
    e.input("x", DType::FLOAT, {1, 3}).input("i", DType::INT64, {1}).output("y");
    e.node("ArrayFeatureExtractor", {"x", "i"}, {"y"});
    EXPECT_NE(error_of(e, {f32({1, 3}, {1, 2, 3}), i64({1}, {3})}).find("out of range"),
              std::string::npos);
}

namespace {

void tensor_attr(onnx::NodeProto& n, const std::string& name, const Tensor& t)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::TENSOR);
    *a->mutable_t() = tensor_to_proto(t, name);
}

/// TreeEnsemble (opset 5): tree 0 is x0 <= 0.5 ? leaf 0 : (x1 < 2 ? leaf 1 : leaf 2), tree 1
/// a single leaf (a node whose two branches are leaf 3); targets 0, 1, 0, 1.
MlBuilder ensemble_v5(std::vector<uint8_t> modes = {0, 1, 0})
{
    MlBuilder b(5);
    b.input("x", DType::FLOAT, {-1, 2}).output("y");
    auto& n = b.node("TreeEnsemble", {"x"}, {"y"});
    integer(n, "n_targets", 2);
    ints(n, "tree_roots", {0, 2});
    ints(n, "nodes_featureids", {0, 1, 0});
    ints(n, "nodes_truenodeids", {0, 1, 3});
    ints(n, "nodes_trueleafs", {1, 1, 1});
    ints(n, "nodes_falsenodeids", {1, 2, 3});
    ints(n, "nodes_falseleafs", {0, 1, 1});
    tensor_attr(n, "nodes_modes", Tensor::from<uint8_t>(DType::UINT8, {3}, modes));
    tensor_attr(n, "nodes_splits", f32({3}, {0.5f, 2, 0}));
    ints(n, "leaf_targetids", {0, 1, 0, 1});
    tensor_attr(n, "leaf_weights", f32({4}, {1, 2, 4, 10}));
    return b;
}

}  // namespace

TEST(MlTrees, TreeEnsembleOpset5)
{
    const auto x = f32({3, 2}, {0, 0, 1, 1, 1, 3});
    auto r = load_run(ensemble_v5(), {x});
    ASSERT_TRUE(r) << r.error();
    // Row 0: leaf 0 (target 0: 1); row 1: leaf 1 (target 1: 2); row 2: leaf 2 (target 0: 4);
    // every row: leaf 3 (target 1: 10).
    EXPECT_EQ((*r)[0], f32({3, 2}, {1, 10, 0, 12, 4, 10}));

    EXPECT_NE(error_of(ensemble_v5({0, 6, 0}), {x}).find("BRANCH_MEMBER"), std::string::npos);
    auto shared = ensemble_v5();
    for (auto& a : *shared.g->mutable_node(0)->mutable_attribute())
        if (a.name() == "nodes_truenodeids")
            a.set_ints(1, 0);  // node 1's true branch is leaf 0, shared with node 0
    auto rs = load_run(shared, {x});
    ASSERT_TRUE(rs) << rs.error();
    EXPECT_EQ((*rs)[0], f32({3, 2}, {1, 10, 1, 10, 4, 10}));
    auto bad = ensemble_v5();
    for (auto& a : *bad.g->mutable_node(0)->mutable_attribute())
        if (a.name() == "nodes_falsenodeids")
            a.set_ints(0, 0);  // node 0's false branch back to itself
    EXPECT_NE(error_of(bad, {x}).find("not a tree"), std::string::npos);
    auto oob = ensemble_v5();
    for (auto& a : *oob.g->mutable_node(0)->mutable_attribute())
        if (a.name() == "nodes_truenodeids")
            a.set_ints(1, 4);  // leaf 4 does not exist
    EXPECT_NE(error_of(oob, {x}).find("out of range"), std::string::npos);
}

TEST(MlTrees, MutatedTreeAttributesNeverCrash)
{
    // Random edits of the integer attributes (ids, features, flags) of a v3 classifier, a v3
    // regressor and a v5 ensemble: each run either fails cleanly or runs; under ASan (debug
    // preset) any out-of-bounds access would abort.
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    const auto next = [&s] {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    };
    std::vector<MlBuilder> bases;
    bases.push_back(regressor("SUM", {0.5f}, "BRANCH_LT"));
    bases.push_back(ensemble_v5());
    {
        MlBuilder b;
        b.input("x", DType::FLOAT, {-1, 2}).output("label").output("p");
        auto& n = b.node("TreeEnsembleClassifier", {"x"}, {"label", "p"});
        two_trees(n);
        ints(n, "class_treeids", {0, 0, 0, 1});
        ints(n, "class_nodeids", {1, 3, 4, 0});
        ints(n, "class_ids", {0, 1, 2, 1});
        floats(n, "class_weights", {2.0f, 1.0f, 3.0f, 0.5f});
        ints(n, "classlabels_int64s", {10, 20, 30});
        bases.push_back(b);
    }
    const auto x = f32({3, 2}, {0, 0, 1, 1, 1, 3});
    int ran = 0, refused = 0;
    for (int iter = 0; iter < 3000; ++iter)
    {
        auto b = bases[next() % bases.size()];
        auto* n = b.g->mutable_node(0);
        for (int edits = 1 + static_cast<int>(next() % 3); edits > 0; --edits)
        {
            auto& a = *n->mutable_attribute(static_cast<int>(next() % n->attribute_size()));
            if (a.ints_size() > 0)
                a.set_ints(static_cast<int>(next() % a.ints_size()),
                           static_cast<int64_t>(next() % 12) - 3);
            else if (a.type() == onnx::AttributeProto::INT)
                a.set_i(static_cast<int64_t>(next() % 8) - 2);
        }
        auto r = load_run(b, {x});
        (r ? ran : refused)++;
    }
    EXPECT_GT(ran, 0);
    EXPECT_GT(refused, 0);
}

TEST(MlDomain, AModelOfMlOpsOnlyNeedsNoAiOnnxImport)
{
    MlBuilder b;
    b.m.mutable_opset_import()->DeleteSubrange(0, 1);  // ai.onnx.ml only (onnxmltools' XGBoost)
    b.input("x", DType::FLOAT, {1, 2}).output("y");
    auto& n = b.node("Binarizer", {"x"}, {"y"});
    auto* t = n.add_attribute();
    t->set_name("threshold");
    t->set_type(onnx::AttributeProto::FLOAT);
    t->set_f(0.5f);
    auto r = load_run(b, {f32({1, 2}, {0, 1})});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)[0], f32({1, 2}, {0, 1}));
    // ... but an ai.onnx node then has no opset.
    b.node("Identity", {"y"}, {"z"}, "");
    b.output("z");
    EXPECT_NE(error_of(b, {f32({1, 2}, {0, 1})}).find("imports no ai.onnx opset"),
              std::string::npos);
}

TEST(MlLinear, OneRowBinaryClassifier)
{
    MlBuilder b(1);
    b.input("x", DType::FLOAT, {-1, 2}).output("label").output("p");
    auto& n = b.node("LinearClassifier", {"x"}, {"label", "p"});
    floats(n, "coefficients", {1, -2});
    floats(n, "intercepts", {0.5f});
    ints(n, "classlabels_ints", {3, 7});
    auto r = load_run(b, {f32({2, 2}, {1, 0, 0, 1})});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)[0], i64({2}, {7, 3}));
    // s = 1.5 and -1.5; without a transform the scores are (1 - s, s).
    EXPECT_EQ((*r)[1], f32({2, 2}, {-0.5f, 1.5f, 2.5f, -1.5f}));
}

TEST(MlTrees, BinaryScoreWithoutVotesIsZero)
{
    MlBuilder b;
    b.input("x", DType::FLOAT, {-1, 2}).output("label").output("p");
    auto& n = b.node("TreeEnsembleClassifier", {"x"}, {"label", "p"});
    two_trees(n);
    ints(n, "class_treeids", {0});
    ints(n, "class_nodeids", {4});
    ints(n, "class_ids", {0});
    floats(n, "class_weights", {0.75f});
    floats(n, "base_values", {0.125f});
    ints(n, "classlabels_int64s", {0, 1});
    // Row 0 reaches leaf 1 (no vote): score 0, base not added; row 1 leaf 4: 0.875.
    auto r = load_run(b, {f32({2, 2}, {0, 0, 1, 3})});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)[0], i64({2}, {0, 1}));
    EXPECT_EQ((*r)[1], f32({2, 2}, {1.0f, 0.0f, 0.125f, 0.875f}));
}
