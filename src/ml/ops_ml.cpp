// The ai.onnx.ml domain, the classical-ML operators scikit-learn converters (skl2onnx,
// onnxmltools) write: TreeEnsembleClassifier, TreeEnsembleRegressor, TreeEnsemble (opset 5),
// LinearClassifier, LinearRegressor, Normalizer, Scaler, ArrayFeatureExtractor, Binarizer,
// Imputer, LabelEncoder (int64 to int64), OneHotEncoder (int64 categories); ZipMap and CastMap
// are refused with a hint (they produce maps, which the engine has no type for).
//
// Semantics follow the ONNX ML operator spec and, where the spec is vague (binary classifiers,
// base values), what onnxruntime 1.31 computes, so that a converted model gives the same
// labels and the same scores to float rounding (tests/ml-models checks 59 models). Determinism:
// thresholds compare exactly (float compares only), tree outputs are summed in float in tree
// order (ascending tree id; tree_roots order for TreeEnsemble), dot products in float in
// increasing feature order, and exp/sigmoid/log come from ml/detmath. Every attribute is
// validated by infer (ids and indices in range, each tree a real tree of bounded depth) so run
// cannot index out of bounds or loop.

#include "ml/detmath.hpp"
#include "ml/ops_float.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

namespace tern::ml {
namespace {

/// Deepest tree accepted (root depth 1): bounds the walk of one tree and the cost formula.
constexpr uint32_t kMaxTreeDepth = 1024;

// ---------------------------------------------------------------------------------------
// Shared helpers.

/// Row count and feature count of a classical-ML input: rank 1 ([C], one row) or rank 2
/// ([N, C]); FLOAT, INT32 or INT64 (integers are compared as floats, as onnxruntime does).
Status feature_shape(const Node& node, const ValueInfo* x, int64_t& rows, int64_t& cols)
{
    if (!x)
        return node_error(node, "missing input X");
    if (x->dtype != DType::FLOAT && x->dtype != DType::INT32 && x->dtype != DType::INT64)
        return node_error(node, std::string("input X must be float, int32 or int64, not ") +
                                    std::string(dtype_name(x->dtype)));
    if (x->shape.size() == 1)
    {
        rows = 1;
        cols = x->shape[0];
    }
    else if (x->shape.size() == 2)
    {
        rows = x->shape[0];
        cols = x->shape[1];
    }
    else
        return node_error(node,
                          "input X must have rank 1 or 2, not " + std::to_string(x->shape.size()));
    return Ok{};
}

/// The elements of a FLOAT, INT32 or INT64 tensor as floats (round to nearest).
std::vector<float> as_floats(const Tensor& t)
{
    std::vector<float> out(static_cast<size_t>(t.elements()));
    switch (t.dtype)
    {
        case DType::FLOAT:
            std::copy(t.as<float>().begin(), t.as<float>().end(), out.begin());
            break;
        case DType::INT32:
            std::transform(t.as<int32_t>().begin(), t.as<int32_t>().end(), out.begin(),
                           [](int32_t v) { return static_cast<float>(v); });
            break;
        case DType::INT64:
            std::transform(t.as<int64_t>().begin(), t.as<int64_t>().end(), out.begin(),
                           [](int64_t v) { return static_cast<float>(v); });
            break;
        default:
            break;
    }
    return out;
}

/// Float list attribute `name`, or its `name_as_tensor` variant when that is a FLOAT tensor
/// (DOUBLE tensors are refused by the loader: the engine has no float64). `present` tells
/// whether either was given.
Status float_list(const Node& node,
                  const std::string& name,
                  std::vector<float>& out,
                  bool* present = nullptr)
{
    const auto* a = node.attr(name);
    const auto* t = node.attr(name + "_as_tensor");
    if (a && t)
        return node_error(node, "both " + name + " and " + name + "_as_tensor are set");
    if (present)
        *present = a || t;
    out.clear();
    if (a)
    {
        if (a->kind != Attribute::Kind::Floats && a->kind != Attribute::Kind::Float)
            return node_error(node, "attribute " + name + " must be floats");
        if (a->kind == Attribute::Kind::Float)
            out.push_back(a->f);
        else
            out = a->floats;
    }
    else if (t)
    {
        if (t->kind != Attribute::Kind::Tensor || !t->t || t->t->dtype != DType::FLOAT)
            return node_error(node, "attribute " + name + "_as_tensor must be a float tensor");
        out.assign(t->t->as<float>().begin(), t->t->as<float>().end());
    }
    return Ok{};
}

/// Int list attribute `name` (empty when absent); an attribute of another kind is an error.
Status int_list(const Node& node, std::string_view name, std::vector<int64_t>& out)
{
    out.clear();
    const auto* a = node.attr(name);
    if (!a)
        return Ok{};
    if (a->kind != Attribute::Kind::Ints)
        return node_error(node, "attribute " + std::string(name) + " must be ints");
    out = a->ints;
    return Ok{};
}

/// The post_transform attribute values.
enum class PostTransform : uint8_t
{
    None,
    Logistic,
    Softmax,
    SoftmaxZero,
    Probit,
};

Status parse_post_transform(const Node& node, PostTransform& pt)
{
    const auto s = node.attr_string("post_transform", "NONE");
    if (s == "NONE")
        pt = PostTransform::None;
    else if (s == "LOGISTIC")
        pt = PostTransform::Logistic;
    else if (s == "SOFTMAX")
        pt = PostTransform::Softmax;
    else if (s == "SOFTMAX_ZERO")
        pt = PostTransform::SoftmaxZero;
    else if (s == "PROBIT")
        pt = PostTransform::Probit;
    else
        return node_error(node, "unknown post_transform '" + s + "'");
    return Ok{};
}

/// 1 / (1 + e^-x) in onnxruntime's form: the sigmoid of |x|, mirrored for negative x.
float logistic(float x) noexcept
{
    const float v = detmath::sigmoid(x < 0 ? -x : x);
    return x < 0 ? 1.0f - v : v;
}

/// The probit (inverse standard normal CDF) as onnxruntime computes it: sqrt(2) erfinv(2p - 1)
/// with Winitzki's closed-form erfinv approximation (a = 0.147; about 2e-3 relative error,
/// kept so that converted models give onnxruntime's numbers), in float with detmath::log and
/// IEEE sqrt. p = 0 or 1 give -inf / +inf, p outside [0, 1] NaN.
float probit(float p) noexcept
{
    constexpr float kA = 0.147f;
    constexpr float kPi = 3.14159265358979323846f;
    const float x = 2.0f * p - 1.0f;
    const float sign = x < 0 ? -1.0f : 1.0f;
    const float l = detmath::log((1.0f - x) * (1.0f + x));
    const float v = 2.0f / (kPi * kA) + 0.5f * l;
    const float root = std::sqrt(v * v - l / kA);
    return 1.41421356237309504880f * sign * std::sqrt(root - v);
}

/// Applies `pt` to the scores of one row (two or more values), as onnxruntime does.
void transform_scores(PostTransform pt, std::span<float> v) noexcept
{
    switch (pt)
    {
        case PostTransform::None:
            break;
        case PostTransform::Logistic:
            for (auto& x : v)
                x = logistic(x);
            break;
        case PostTransform::Probit:
            for (auto& x : v)
                x = probit(x);
            break;
        case PostTransform::Softmax:
        case PostTransform::SoftmaxZero:
        {
            const bool zero = pt == PostTransform::SoftmaxZero;
            float vmax = -std::numeric_limits<float>::infinity();
            for (auto x : v)
                if (x > vmax)
                    vmax = x;
            float sum = 0;
            for (auto& x : v)
            {
                if (zero && !(x > 1e-7f || x < -1e-7f))
                    x = 0;
                else
                {
                    x = detmath::exp(x - vmax);
                    sum += x;
                }
            }
            for (auto& x : v)
                x /= sum;
            break;
        }
    }
}

/// Cost of a post transform over `n` scores (one exp or log each).
uint64_t transform_macs(PostTransform pt, uint64_t n) noexcept
{
    return pt == PostTransform::None ? 0 : sat_mul(n, kTranscendentalMacs);
}

/// Index of the first largest value among those with has[k] (or all when has is empty); -1
/// when none has a score.
int64_t first_max(std::span<const float> v, std::span<const uint8_t> has) noexcept
{
    int64_t best = -1;
    for (size_t k = 0; k < v.size(); ++k)
        if ((has.empty() || has[k]) && (best < 0 || v[k] > v[static_cast<size_t>(best)]))
            best = static_cast<int64_t>(k);
    return best;
}

/// Refuses string class labels with a hint (the engine's tensors carry no strings).
Status int64_labels(const Node& node, std::string_view ints_name, std::vector<int64_t>& labels)
{
    if (node.attr("classlabels_strings"))
        return node_error(node,
                          "string class labels are not supported: train on integer labels so "
                          "the converter writes " +
                              std::string(ints_name));
    if (auto st = int_list(node, ints_name, labels); !st)
        return st;
    if (labels.size() < 2)
        return node_error(node, std::string(ints_name) + " must list at least two classes");
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Tree ensembles (TreeEnsembleClassifier, TreeEnsembleRegressor).

enum class NodeMode : uint8_t
{
    Leq,
    Lt,
    Gte,
    Gt,
    Eq,
    Neq,
    Leaf,
};

enum class Aggregate : uint8_t
{
    Sum,
    Average,
    Min,
    Max,
};

/// One tree node after validation: children are indices into Ensemble::nodes.
struct TreeNode
{
    float value = 0;
    int32_t feature = 0;
    NodeMode mode = NodeMode::Leaf;
    bool missing_true = false;
    uint32_t if_true = 0;
    uint32_t if_false = 0;
    /// Leaf weights: Ensemble::weights[weight_begin .. weight_end).
    uint32_t weight_begin = 0;
    uint32_t weight_end = 0;
};

/// One vote of a leaf: weight for target (or class) index `target`.
struct LeafWeight
{
    uint32_t target = 0;
    float weight = 0;
};

/// How a classifier turns its class scores into a label and probabilities.
enum class ClassLayout : uint8_t
{
    /// More than two classes: argmax label, transformed scores.
    Multi,
    /// Two classes, all votes for class 0: one score s, probabilities (1 - s, s) or a
    /// transform of (-s, s) (onnxruntime's binary case; what skl2onnx writes).
    BinaryOneScore,
    /// Two classes with votes for both: argmax label, transformed scores.
    BinaryTwoScores,
};

/// A validated tree ensemble.
struct Ensemble
{
    std::vector<TreeNode> nodes;
    /// Root node index of each tree, in ascending tree id.
    std::vector<uint32_t> roots;
    std::vector<LeafWeight> weights;
    std::vector<float> base_values;
    /// Classes (classifier) or targets (regressor).
    int64_t n_targets = 1;
    /// Deepest tree and the sum of all tree depths (the cost of one row).
    uint32_t max_depth = 0;
    uint64_t depth_sum = 0;
    /// Largest feature index a branch reads (-1: none).
    int64_t max_feature = -1;
    Aggregate aggregate = Aggregate::Sum;
    PostTransform post = PostTransform::None;
    // Classifier only.
    std::vector<int64_t> labels;
    ClassLayout layout = ClassLayout::Multi;
    bool weights_positive = true;
};

Status parse_mode(const Node& node, const std::string& s, NodeMode& m)
{
    static constexpr std::pair<std::string_view, NodeMode> kModes[] = {
        {"BRANCH_LEQ", NodeMode::Leq}, {"BRANCH_LT", NodeMode::Lt}, {"BRANCH_GTE", NodeMode::Gte},
        {"BRANCH_GT", NodeMode::Gt},   {"BRANCH_EQ", NodeMode::Eq}, {"BRANCH_NEQ", NodeMode::Neq},
        {"LEAF", NodeMode::Leaf},
    };
    for (const auto& [name, mode] : kModes)
        if (s == name)
        {
            m = mode;
            return Ok{};
        }
    return node_error(node, "unknown node mode '" + s + "'");
}

/// Checks that every root of `e` spans a real tree: no branch node reached twice (no cycles,
/// no shared subtrees, so the check is linear and every walk ends within the depth; leaves
/// may be shared, e.g. TreeEnsemble's one-leaf tree, a branch whose two sides are one leaf)
/// and depth at most kMaxTreeDepth; sets max_depth and depth_sum.
Status check_trees(const Node& node, Ensemble& e)
{
    std::vector<uint8_t> seen(e.nodes.size(), 0);
    std::vector<std::pair<uint32_t, uint32_t>> stack;  // (node, depth)
    for (size_t tree = 0; tree < e.roots.size(); ++tree)
    {
        uint32_t depth = 0;
        stack.assign(1, {e.roots[tree], 1});
        while (!stack.empty())
        {
            const auto [k, d] = stack.back();
            stack.pop_back();
            if (d > kMaxTreeDepth)
                return node_error(node, "tree " + std::to_string(tree) + " is deeper than " +
                                            std::to_string(kMaxTreeDepth));
            depth = std::max(depth, d);
            const auto& t = e.nodes[k];
            if (t.mode == NodeMode::Leaf)
                continue;
            if (seen[k])
                return node_error(node, "tree " + std::to_string(tree) +
                                            " is not a tree (a branch node is reached twice)");
            seen[k] = 1;
            stack.emplace_back(t.if_true, d + 1);
            stack.emplace_back(t.if_false, d + 1);
        }
        e.max_depth = std::max(e.max_depth, depth);
        e.depth_sum += depth;
    }
    return Ok{};
}

/// Parses and validates the tree attributes of `node` (classifier: class_* and
/// classlabels_int64s; regressor: target_*, n_targets, aggregate_function).
Status parse_ensemble(const Node& node, bool classifier, Ensemble& e)
{
    if (auto st = parse_post_transform(node, e.post); !st)
        return st;
    std::vector<int64_t> tree_ids, node_ids, feature_ids, true_ids, false_ids, missing;
    for (auto [name, v] : {std::pair{"nodes_treeids", &tree_ids},
                           {"nodes_nodeids", &node_ids},
                           {"nodes_featureids", &feature_ids},
                           {"nodes_truenodeids", &true_ids},
                           {"nodes_falsenodeids", &false_ids},
                           {"nodes_missing_value_tracks_true", &missing}})
        if (auto st = int_list(node, name, *v); !st)
            return st;
    std::vector<float> values;
    if (auto st = float_list(node, "nodes_values", values); !st)
        return st;
    const auto modes = node.attr_strings("nodes_modes");
    const size_t n = tree_ids.size();
    if (n == 0)
        return node_error(node, "the ensemble has no nodes");
    if (n > std::numeric_limits<int32_t>::max())
        return node_error(node, "too many nodes");
    if (node_ids.size() != n || feature_ids.size() != n || true_ids.size() != n ||
        false_ids.size() != n || values.size() != n || !modes || modes->size() != n ||
        (!missing.empty() && missing.size() != n))
        return node_error(node, "the nodes_* attributes must all have the same length");

    // (tree id, node id) -> index, sorted for lookups; duplicates refused.
    std::vector<std::tuple<int64_t, int64_t, uint32_t>> ids(n);
    for (size_t i = 0; i < n; ++i)
        ids[i] = {tree_ids[i], node_ids[i], static_cast<uint32_t>(i)};
    std::sort(ids.begin(), ids.end());
    for (size_t i = 1; i < n; ++i)
        if (std::get<0>(ids[i]) == std::get<0>(ids[i - 1]) &&
            std::get<1>(ids[i]) == std::get<1>(ids[i - 1]))
            return node_error(node, "node " + std::to_string(std::get<1>(ids[i])) +
                                        " appears twice in tree " +
                                        std::to_string(std::get<0>(ids[i])));
    const auto find = [&](int64_t tree, int64_t id) -> int64_t {
        auto it = std::lower_bound(ids.begin(), ids.end(), std::tuple{tree, id, uint32_t{0}});
        if (it == ids.end() || std::get<0>(*it) != tree || std::get<1>(*it) != id)
            return -1;
        return std::get<2>(*it);
    };

    e.nodes.assign(n, TreeNode{});
    for (size_t i = 0; i < n; ++i)
    {
        auto& t = e.nodes[i];
        if (auto st = parse_mode(node, (*modes)[i], t.mode); !st)
            return st;
        t.value = values[i];
        t.missing_true = !missing.empty() && missing[i] != 0;
        if (t.mode == NodeMode::Leaf)
            continue;
        if (feature_ids[i] < 0 || feature_ids[i] > std::numeric_limits<int32_t>::max())
            return node_error(node,
                              "feature id " + std::to_string(feature_ids[i]) + " out of range");
        t.feature = static_cast<int32_t>(feature_ids[i]);
        e.max_feature = std::max<int64_t>(e.max_feature, t.feature);
        const auto yes = find(tree_ids[i], true_ids[i]);
        const auto no = find(tree_ids[i], false_ids[i]);
        if (yes < 0 || no < 0)
            return node_error(node, "node " + std::to_string(node_ids[i]) + " of tree " +
                                        std::to_string(tree_ids[i]) +
                                        " has a child that is not in the tree");
        t.if_true = static_cast<uint32_t>(yes);
        t.if_false = static_cast<uint32_t>(no);
    }

    // Roots (node 0 of each tree, ascending tree id), then the shape of every tree.
    for (size_t i = 0; i < n; ++i)
    {
        if (i > 0 && std::get<0>(ids[i]) == std::get<0>(ids[i - 1]))
            continue;
        const int64_t tree = std::get<0>(ids[i]);
        const auto root = find(tree, 0);
        if (root < 0)
            return node_error(node, "tree " + std::to_string(tree) + " has no node 0 (its root)");
        e.roots.push_back(static_cast<uint32_t>(root));
    }
    if (auto st = check_trees(node, e); !st)
        return st;

    // Leaf votes.
    const std::string prefix = classifier ? "class_" : "target_";
    std::vector<int64_t> w_trees, w_nodes, w_ids;
    std::vector<float> w_values;
    if (auto st = int_list(node, prefix + "treeids", w_trees); !st)
        return st;
    if (auto st = int_list(node, prefix + "nodeids", w_nodes); !st)
        return st;
    if (auto st = int_list(node, prefix + "ids", w_ids); !st)
        return st;
    if (auto st = float_list(node, prefix + "weights", w_values); !st)
        return st;
    const size_t nw = w_trees.size();
    if (w_nodes.size() != nw || w_ids.size() != nw || w_values.size() != nw)
        return node_error(node, "the " + prefix + "* attributes must all have the same length");
    if (classifier)
    {
        if (auto st = int64_labels(node, "classlabels_int64s", e.labels); !st)
            return st;
        e.n_targets = static_cast<int64_t>(e.labels.size());
    }
    else
    {
        e.n_targets = node.attr_int("n_targets", 1);
        if (e.n_targets < 1 || e.n_targets > 1 << 20)
            return node_error(node, "n_targets out of range");
        const auto agg = node.attr_string("aggregate_function", "SUM");
        if (agg == "SUM")
            e.aggregate = Aggregate::Sum;
        else if (agg == "AVERAGE")
            e.aggregate = Aggregate::Average;
        else if (agg == "MIN")
            e.aggregate = Aggregate::Min;
        else if (agg == "MAX")
            e.aggregate = Aggregate::Max;
        else
            return node_error(node, "unknown aggregate_function '" + agg + "'");
    }
    std::vector<uint32_t> leaf_of(nw), count(n + 1, 0);
    bool class0 = false, class1 = false;
    for (size_t k = 0; k < nw; ++k)
    {
        const auto leaf = find(w_trees[k], w_nodes[k]);
        if (leaf < 0 || e.nodes[static_cast<size_t>(leaf)].mode != NodeMode::Leaf)
            return node_error(node, prefix + "nodeids: node " + std::to_string(w_nodes[k]) +
                                        " of tree " + std::to_string(w_trees[k]) +
                                        " is not a leaf");
        if (w_ids[k] < 0 || w_ids[k] >= e.n_targets)
            return node_error(node, prefix + "ids: " + std::to_string(w_ids[k]) + " out of range");
        leaf_of[k] = static_cast<uint32_t>(leaf);
        ++count[static_cast<size_t>(leaf) + 1];
        class0 |= w_ids[k] == 0;
        class1 |= w_ids[k] == 1;
        e.weights_positive &= w_values[k] >= 0;
    }
    for (size_t i = 0; i < n; ++i)
        count[i + 1] += count[i];
    for (size_t i = 0; i < n; ++i)
    {
        e.nodes[i].weight_begin = count[i];
        e.nodes[i].weight_end = count[i];
    }
    e.weights.resize(nw);
    for (size_t k = 0; k < nw; ++k)  // stable: a leaf's votes keep their attribute order
    {
        auto& t = e.nodes[leaf_of[k]];
        e.weights[t.weight_end++] = {static_cast<uint32_t>(w_ids[k]), w_values[k]};
    }

    if (auto st = float_list(node, "base_values", e.base_values); !st)
        return st;
    const auto nb = e.base_values.size();
    if (!classifier)
    {
        if (nb != 0 && nb != static_cast<size_t>(e.n_targets))
            return node_error(node, "base_values must be empty or have n_targets values");
        if (e.n_targets == 1 && e.post != PostTransform::None && e.post != PostTransform::Probit)
            return node_error(node, "post_transform " + node.attr_string("post_transform", "") +
                                        " needs two or more targets");
        return Ok{};
    }
    if (e.n_targets > 2)
    {
        e.layout = ClassLayout::Multi;
        if (nb != 0 && nb != static_cast<size_t>(e.n_targets))
            return node_error(node, "base_values must be empty or have one value per class");
    }
    else if (!class1)
    {
        e.layout = ClassLayout::BinaryOneScore;
        if (nb > 2)
            return node_error(node, "base_values has more values than classes");
        if (e.post == PostTransform::Probit && nb != 2)
            return node_error(node, "PROBIT on a one-score binary classifier is not supported");
    }
    else if (class0)
    {
        e.layout = ClassLayout::BinaryTwoScores;
        if (nb != 0)
            return node_error(node,
                              "base_values on a binary classifier with votes for both classes "
                              "are not supported (onnxruntime's result is ill-defined)");
    }
    else
        return node_error(node,
                          "a binary classifier whose votes are all for class 1 is not "
                          "supported (write them for class 0, as skl2onnx does)");
    return Ok{};
}

/// A FLOAT (or, for nodes_modes, UINT8) tensor attribute as a vector of floats / bytes.
Status tensor_attr(const Node& node,
                   const char* name,
                   DType dtype,
                   bool required,
                   const Tensor*& out)
{
    out = nullptr;
    const auto* a = node.attr(name);
    if (!a)
        return required ? node_error(node, std::string(name) + " is required") : Status{Ok{}};
    if (a->kind != Attribute::Kind::Tensor || !a->t || a->t->dtype != dtype)
        return node_error(
            node, std::string(name) + " must be a " + std::string(dtype_name(dtype)) + " tensor");
    out = a->t.get();
    return Ok{};
}

/// Parses and validates TreeEnsemble (ai.onnx.ml 5): interior nodes nodes_* (indices
/// 0 .. n-1 of Ensemble::nodes) and leaves leaf_* (indices n .. n+leaves-1), one vote each.
Status parse_ensemble_v5(const Node& node, Ensemble& e)
{
    const auto pt = node.attr_int("post_transform", 0);
    static constexpr PostTransform kPost[] = {PostTransform::None, PostTransform::Softmax,
                                              PostTransform::Logistic, PostTransform::SoftmaxZero,
                                              PostTransform::Probit};
    if (pt < 0 || pt > 4)
        return node_error(node, "post_transform out of range");
    e.post = kPost[pt];
    const auto agg = node.attr_int("aggregate_function", 1);
    static constexpr Aggregate kAgg[] = {Aggregate::Average, Aggregate::Sum, Aggregate::Min,
                                         Aggregate::Max};
    if (agg < 0 || agg > 3)
        return node_error(node, "aggregate_function out of range");
    e.aggregate = kAgg[agg];
    e.n_targets = node.attr_int("n_targets", 0);
    if (e.n_targets < 1 || e.n_targets > 1 << 20)
        return node_error(node, "n_targets is required (1 .. 2^20)");
    if (node.attr("membership_values"))
        return node_error(node, "BRANCH_MEMBER (membership_values) is not supported");
    std::vector<int64_t> features, yes, no, yes_leaf, no_leaf, missing, roots, targets;
    for (auto [name, v] : {std::pair{"nodes_featureids", &features},
                           {"nodes_truenodeids", &yes},
                           {"nodes_falsenodeids", &no},
                           {"nodes_trueleafs", &yes_leaf},
                           {"nodes_falseleafs", &no_leaf},
                           {"nodes_missing_value_tracks_true", &missing},
                           {"tree_roots", &roots},
                           {"leaf_targetids", &targets}})
        if (auto st = int_list(node, name, *v); !st)
            return st;
    const Tensor *modes = nullptr, *splits = nullptr, *weights = nullptr;
    if (auto st = tensor_attr(node, "nodes_modes", DType::UINT8, true, modes); !st)
        return st;
    if (auto st = tensor_attr(node, "nodes_splits", DType::FLOAT, true, splits); !st)
        return st;
    if (auto st = tensor_attr(node, "leaf_weights", DType::FLOAT, true, weights); !st)
        return st;
    const size_t n = features.size(), nl = targets.size();
    if (n == 0 || roots.empty())
        return node_error(node, "the ensemble has no nodes");
    if (yes.size() != n || no.size() != n || yes_leaf.size() != n || no_leaf.size() != n ||
        (!missing.empty() && missing.size() != n) || modes->data.size() != n ||
        static_cast<size_t>(splits->elements()) != n)
        return node_error(node, "the nodes_* attributes must all have the same length");
    if (static_cast<size_t>(weights->elements()) != nl)
        return node_error(node, "leaf_targetids and leaf_weights differ in length");
    if (n + nl > std::numeric_limits<int32_t>::max())
        return node_error(node, "too many nodes");
    e.nodes.assign(n + nl, TreeNode{});
    const auto child = [&](int64_t id, int64_t leaf, uint32_t& out) -> bool {
        const size_t limit = leaf ? nl : n;
        if (id < 0 || static_cast<uint64_t>(id) >= limit || (leaf != 0 && leaf != 1))
            return false;
        out = static_cast<uint32_t>(leaf ? n + static_cast<size_t>(id) : static_cast<size_t>(id));
        return true;
    };
    for (size_t i = 0; i < n; ++i)
    {
        auto& t = e.nodes[i];
        const uint8_t m = modes->data[i];
        if (m > 5)
            return node_error(node, m == 6 ? "BRANCH_MEMBER is not supported"
                                           : "node mode " + std::to_string(m) + " out of range");
        t.mode = static_cast<NodeMode>(m);  // 0..5 are LEQ, LT, GTE, GT, EQ, NEQ in order
        t.value = splits->as<float>()[i];
        t.missing_true = !missing.empty() && missing[i] != 0;
        if (features[i] < 0 || features[i] > std::numeric_limits<int32_t>::max())
            return node_error(node, "feature id " + std::to_string(features[i]) + " out of range");
        t.feature = static_cast<int32_t>(features[i]);
        e.max_feature = std::max<int64_t>(e.max_feature, t.feature);
        if (!child(yes[i], yes_leaf[i], t.if_true) || !child(no[i], no_leaf[i], t.if_false))
            return node_error(node, "node " + std::to_string(i) + " has a child out of range");
    }
    e.weights.resize(nl);
    for (size_t k = 0; k < nl; ++k)
    {
        if (targets[k] < 0 || targets[k] >= e.n_targets)
            return node_error(node,
                              "leaf_targetids: " + std::to_string(targets[k]) + " out of range");
        e.weights[k] = {static_cast<uint32_t>(targets[k]), weights->as<float>()[k]};
        auto& leaf = e.nodes[n + k];
        leaf.mode = NodeMode::Leaf;
        leaf.weight_begin = static_cast<uint32_t>(k);
        leaf.weight_end = static_cast<uint32_t>(k + 1);
    }
    for (auto r : roots)
    {
        if (r < 0 || static_cast<uint64_t>(r) >= n)
            return node_error(node, "tree_roots: " + std::to_string(r) + " out of range");
        e.roots.push_back(static_cast<uint32_t>(r));
    }
    if (auto st = check_trees(node, e); !st)
        return st;
    if (e.n_targets == 1 && e.post != PostTransform::None && e.post != PostTransform::Probit)
        return node_error(node, "this post_transform needs two or more targets");
    return Ok{};
}

/// Which tree op a node is (they share infer, run and cost).
enum class TreeOp : uint8_t
{
    Classifier,
    Regressor,
    Ensemble,
};

TreeOp tree_op(const Node& node) noexcept
{
    if (node.op_type == "TreeEnsembleClassifier")
        return TreeOp::Classifier;
    return node.op_type == "TreeEnsemble" ? TreeOp::Ensemble : TreeOp::Regressor;
}

Status parse_tree_op(const Node& node, Ensemble& e)
{
    switch (tree_op(node))
    {
        case TreeOp::Classifier:
            return parse_ensemble(node, true, e);
        case TreeOp::Regressor:
            return parse_ensemble(node, false, e);
        case TreeOp::Ensemble:
            break;
    }
    return parse_ensemble_v5(node, e);
}

Status infer_tree_ensemble(const Node& node,
                           std::span<const ValueInfo* const> inputs,
                           std::span<ValueInfo> outputs,
                           bool classifier)
{
    int64_t rows = 0, cols = 0;
    if (auto st = feature_shape(node, inputs[0], rows, cols); !st)
        return st;
    Ensemble e;
    if (auto st = parse_tree_op(node, e); !st)
        return st;
    if (e.max_feature >= cols)
        return node_error(node, "a branch reads feature " + std::to_string(e.max_feature) + " of " +
                                    std::to_string(cols));
    if (classifier)
    {
        outputs[0].dtype = DType::INT64;
        outputs[0].shape = {rows};
        if (outputs.size() > 1)
        {
            outputs[1].dtype = DType::FLOAT;
            outputs[1].shape = {rows, e.n_targets};
        }
    }
    else
    {
        outputs[0].dtype = DType::FLOAT;
        outputs[0].shape = {rows, e.n_targets};
    }
    return Ok{};
}

Status infer_tree_classifier(const Node& node,
                             std::span<const ValueInfo* const> inputs,
                             std::span<ValueInfo> outputs)
{
    return infer_tree_ensemble(node, inputs, outputs, true);
}

Status infer_tree_regressor(const Node& node,
                            std::span<const ValueInfo* const> inputs,
                            std::span<ValueInfo> outputs)
{
    return infer_tree_ensemble(node, inputs, outputs, false);
}

/// True when the branch of node `t` for feature value x is the true branch: the comparison
/// (false for a NaN x except with BRANCH_NEQ, as IEEE says), or a NaN x whose node tracks
/// missing values to the true side (onnxruntime's rule).
bool goes_true(const TreeNode& t, float x) noexcept
{
    bool c = false;
    switch (t.mode)
    {
        case NodeMode::Leq:
            c = x <= t.value;
            break;
        case NodeMode::Lt:
            c = x < t.value;
            break;
        case NodeMode::Gte:
            c = x >= t.value;
            break;
        case NodeMode::Gt:
            c = x > t.value;
            break;
        case NodeMode::Eq:
            c = x == t.value;
            break;
        case NodeMode::Neq:
            c = x != t.value;
            break;
        case NodeMode::Leaf:
            break;
    }
    return c || (t.missing_true && x != x);
}

/// Aggregates the leaf votes of every tree for one row into scores/has (n_targets each).
void eval_row(const Ensemble& e,
              const float* row,
              std::vector<float>& scores,
              std::vector<uint8_t>& has)
{
    std::fill(scores.begin(), scores.end(), 0.0f);
    std::fill(has.begin(), has.end(), uint8_t{0});
    for (auto root : e.roots)
    {
        const TreeNode* t = &e.nodes[root];
        // Bounded: each step goes one level down a validated tree.
        while (t->mode != NodeMode::Leaf)
            t = &e.nodes[goes_true(*t, row[t->feature]) ? t->if_true : t->if_false];
        for (uint32_t k = t->weight_begin; k < t->weight_end; ++k)
        {
            const auto& w = e.weights[k];
            float& s = scores[w.target];
            switch (e.aggregate)
            {
                case Aggregate::Sum:
                case Aggregate::Average:
                    s += w.weight;
                    break;
                case Aggregate::Min:
                    if (!has[w.target] || w.weight < s)
                        s = w.weight;
                    break;
                case Aggregate::Max:
                    if (!has[w.target] || w.weight > s)
                        s = w.weight;
                    break;
            }
            has[w.target] = 1;
        }
    }
}

Status run_tree_ensemble(const Node& node,
                         std::span<const Tensor* const> inputs,
                         std::span<Tensor> outputs,
                         bool classifier)
{
    Ensemble e;
    if (auto st = parse_tree_op(node, e); !st)
        return st;
    const auto x = as_floats(*inputs[0]);
    const auto cols = static_cast<size_t>(inputs[0]->shape.back());
    const size_t rows = cols ? x.size() / cols : static_cast<size_t>(outputs[0].shape[0]);
    const auto nt = static_cast<size_t>(e.n_targets);
    std::vector<float> s(nt);
    std::vector<uint8_t> has(nt);
    const auto n_trees = static_cast<float>(e.roots.size());
    for (size_t r = 0; r < rows; ++r)
    {
        eval_row(e, x.data() + r * cols, s, has);
        if (!classifier)
        {
            auto out = outputs[0].as<float>().subspan(r * nt, nt);
            // One target: the base value is added even without a vote; two or more: a target
            // no tree voted for is 0 (onnxruntime 1.31's results).
            for (size_t k = 0; k < nt; ++k)
            {
                const float base = e.base_values.empty() ? 0.0f : e.base_values[k];
                const float v = e.aggregate == Aggregate::Average ? s[k] / n_trees : s[k];
                out[k] = has[k] || nt == 1 ? v + base : 0.0f;
            }
            if (nt == 1 && e.post == PostTransform::Probit)
                out[0] = probit(out[0]);
            else if (nt > 1)
                transform_scores(e.post, out);
            continue;
        }
        int64_t label = 0;
        float probs[2] = {0, 0};
        std::span<float> z =
            outputs.size() > 1 ? outputs[1].as<float>().subspan(r * nt, nt) : std::span<float>{};
        if (e.layout == ClassLayout::BinaryOneScore)
        {
            // onnxruntime 1.31: the score is s + base[0], or 0 when no tree voted; with two
            // base values the scores are (score, 0), both transformed; otherwise
            // (sigmoid(-score), sigmoid(score)) with LOGISTIC, else (1 - score, score) for
            // non-negative votes and (-score, score) for mixed ones.
            const auto nb = e.base_values.size();
            const float score = !has[0] ? 0.0f : nb > 0 ? s[0] + e.base_values[0] : s[0];
            const bool positive = e.weights_positive ? score > 0.5f : score > 0.0f;
            label = e.labels[positive ? 1 : 0];
            if (nb == 2)
            {
                probs[0] = score;
                probs[1] = 0.0f;
                transform_scores(e.post, probs);
            }
            else if (e.post == PostTransform::Logistic)
            {
                probs[0] = logistic(-score);
                probs[1] = logistic(score);
            }
            else if (e.weights_positive)
            {
                probs[0] = 1.0f - score;
                probs[1] = score;
            }
            else
            {
                probs[0] = -score;
                probs[1] = score;
            }
            if (!z.empty())
                std::copy(probs, probs + 2, z.begin());
        }
        else
        {
            for (size_t k = 0; k < e.base_values.size(); ++k)
            {
                s[k] += e.base_values[k];
                has[k] = 1;
            }
            const auto best = first_max(s, has);
            if (best < 0)
                return node_error(node, "no class received a vote for row " + std::to_string(r));
            label = e.labels[static_cast<size_t>(best)];
            transform_scores(e.post, s);
            if (!z.empty())
                std::copy(s.begin(), s.end(), z.begin());
        }
        outputs[0].as<int64_t>()[r] = label;
    }
    canonicalize_float_outputs(outputs);
    return Ok{};
}

Status run_tree_classifier(const Node& node,
                           std::span<const Tensor* const> inputs,
                           std::span<Tensor> outputs)
{
    return run_tree_ensemble(node, inputs, outputs, true);
}

Status run_tree_regressor(const Node& node,
                          std::span<const Tensor* const> inputs,
                          std::span<Tensor> outputs)
{
    return run_tree_ensemble(node, inputs, outputs, false);
}

/// Rows x the sum of tree depths (nodes visited at most) as MACs, plus the attribute parse.
OpCost cost_tree_ensemble(const Node& node,
                          std::span<const ValueInfo* const> inputs,
                          std::span<const ValueInfo> outputs)
{
    OpCost c;
    Ensemble e;
    if (!parse_tree_op(node, e))
        return c;
    const auto rows = static_cast<uint64_t>(outputs[0].shape.empty() ? 1 : outputs[0].shape[0]);
    const auto per_row = e.depth_sum + e.weights.size() / std::max<size_t>(e.roots.size(), 1) +
                         static_cast<uint64_t>(e.n_targets);
    c.macs = sat_mul(rows, per_row) + transform_macs(e.post, sat_mul(rows, e.n_targets));
    c.elements = static_cast<uint64_t>(inputs[0]->elements()) + e.nodes.size() + e.weights.size();
    for (const auto& o : outputs)
        c.elements += static_cast<uint64_t>(o.elements());
    return c;
}

// ---------------------------------------------------------------------------------------
// Linear models.

/// A validated LinearClassifier / LinearRegressor: `rows` coefficient rows of `cols`.
struct Linear
{
    std::vector<float> coef;
    std::vector<float> intercepts;
    int64_t rows = 0;
    std::vector<int64_t> labels;
    PostTransform post = PostTransform::None;
};

Status parse_linear(const Node& node, bool classifier, int64_t cols, Linear& l)
{
    if (auto st = parse_post_transform(node, l.post); !st)
        return st;
    if (auto st = float_list(node, "coefficients", l.coef); !st)
        return st;
    if (auto st = float_list(node, "intercepts", l.intercepts); !st)
        return st;
    if (cols <= 0 || l.coef.empty() || l.coef.size() % static_cast<size_t>(cols) != 0)
        return node_error(node, "coefficients (" + std::to_string(l.coef.size()) +
                                    ") are not a whole number of rows of " + std::to_string(cols) +
                                    " features");
    l.rows = static_cast<int64_t>(l.coef.size()) / cols;
    if (!l.intercepts.empty() && l.intercepts.size() != static_cast<size_t>(l.rows))
        return node_error(node, "intercepts must be empty or one per coefficient row");
    if (classifier)
    {
        if (auto st = int64_labels(node, "classlabels_ints", l.labels); !st)
            return st;
        // One row per class, or one row for two classes (binary: the score of class 1).
        if (l.rows != static_cast<int64_t>(l.labels.size()) &&
            !(l.rows == 1 && l.labels.size() == 2))
            return node_error(node, "a coefficient row per class is required (" +
                                        std::to_string(l.rows) + " rows, " +
                                        std::to_string(l.labels.size()) + " classes)");
        if (l.post == PostTransform::Probit)
            return node_error(node, "PROBIT is not supported on LinearClassifier");
    }
    else
    {
        const auto targets = node.attr_int("targets", 1);
        if (targets != l.rows)
            return node_error(node, "targets does not match the coefficients");
        if (l.post != PostTransform::None)
            return node_error(node, "LinearRegressor post_transform must be NONE");
    }
    return Ok{};
}

Status infer_linear(const Node& node,
                    std::span<const ValueInfo* const> inputs,
                    std::span<ValueInfo> outputs,
                    bool classifier)
{
    int64_t rows = 0, cols = 0;
    if (auto st = feature_shape(node, inputs[0], rows, cols); !st)
        return st;
    Linear l;
    if (auto st = parse_linear(node, classifier, cols, l); !st)
        return st;
    if (classifier)
    {
        outputs[0].dtype = DType::INT64;
        outputs[0].shape = {rows};
        if (outputs.size() > 1)
        {
            outputs[1].dtype = DType::FLOAT;
            outputs[1].shape = {rows, static_cast<int64_t>(l.labels.size())};
        }
    }
    else
    {
        outputs[0].dtype = DType::FLOAT;
        outputs[0].shape = {rows, l.rows};
    }
    return Ok{};
}

Status infer_linear_classifier(const Node& node,
                               std::span<const ValueInfo* const> inputs,
                               std::span<ValueInfo> outputs)
{
    return infer_linear(node, inputs, outputs, true);
}

Status infer_linear_regressor(const Node& node,
                              std::span<const ValueInfo* const> inputs,
                              std::span<ValueInfo> outputs)
{
    return infer_linear(node, inputs, outputs, false);
}

Status run_linear(const Node& node,
                  std::span<const Tensor* const> inputs,
                  std::span<Tensor> outputs,
                  bool classifier)
{
    const auto cols = inputs[0]->shape.back();
    Linear l;
    if (auto st = parse_linear(node, classifier, cols, l); !st)
        return st;
    const auto x = as_floats(*inputs[0]);
    const auto nr = static_cast<size_t>(l.rows);
    const auto nc = static_cast<size_t>(cols);
    const size_t rows = x.size() / nc;
    std::vector<float> s(nr);
    for (size_t r = 0; r < rows; ++r)
    {
        const float* row = x.data() + r * nc;
        for (size_t k = 0; k < nr; ++k)
        {
            float acc = 0;
            const float* w = l.coef.data() + k * nc;
            for (size_t j = 0; j < nc; ++j)
                acc += row[j] * w[j];
            s[k] = acc + (l.intercepts.empty() ? 0.0f : l.intercepts[k]);
        }
        if (classifier && nr == 1)
        {
            // Binary with one score (onnxruntime 1.31): label 1 when s > 0; scores (1 - p, p)
            // with p = sigmoid(s) for LOGISTIC, else p = s (other transforms are ignored).
            const float score = s[0];
            outputs[0].as<int64_t>()[r] = l.labels[score > 0 ? 1 : 0];
            const float p = l.post == PostTransform::Logistic ? logistic(score) : score;
            if (outputs.size() > 1)
            {
                outputs[1].as<float>()[2 * r] = 1.0f - p;
                outputs[1].as<float>()[2 * r + 1] = p;
            }
        }
        else if (classifier)
        {
            const auto best = first_max(s, {});
            outputs[0].as<int64_t>()[r] = l.labels[static_cast<size_t>(best < 0 ? 0 : best)];
            transform_scores(l.post, s);
            if (outputs.size() > 1)
                std::copy(s.begin(), s.end(), outputs[1].as<float>().begin() + r * nr);
        }
        else
            std::copy(s.begin(), s.end(), outputs[0].as<float>().begin() + r * nr);
    }
    canonicalize_float_outputs(outputs);
    return Ok{};
}

Status run_linear_classifier(const Node& node,
                             std::span<const Tensor* const> inputs,
                             std::span<Tensor> outputs)
{
    return run_linear(node, inputs, outputs, true);
}

Status run_linear_regressor(const Node& node,
                            std::span<const Tensor* const> inputs,
                            std::span<Tensor> outputs)
{
    return run_linear(node, inputs, outputs, false);
}

/// Rows x coefficients MACs plus the post transform.
OpCost cost_linear(const Node& node,
                   std::span<const ValueInfo* const> inputs,
                   std::span<const ValueInfo> outputs)
{
    OpCost c;
    const auto cols = static_cast<uint64_t>(inputs[0]->shape.back());
    const auto* coef = node.attr("coefficients");
    const uint64_t coef_rows = coef && cols ? coef->floats.size() / cols : 1;
    const auto rows = static_cast<uint64_t>(outputs[0].shape.empty() ? 1 : outputs[0].shape[0]);
    const auto n = sat_mul(rows, coef_rows);
    PostTransform pt = PostTransform::None;
    (void)parse_post_transform(node, pt);
    c.macs = sat_mul(n, cols) + transform_macs(pt, n);
    c.elements = static_cast<uint64_t>(inputs[0]->elements()) + sat_mul(n, cols);
    for (const auto& o : outputs)
        c.elements += static_cast<uint64_t>(o.elements());
    return c;
}

// ---------------------------------------------------------------------------------------
// Preprocessing: Normalizer, Scaler, Binarizer, Imputer.

Status infer_float_out(const Node& node,
                       std::span<const ValueInfo* const> inputs,
                       std::span<ValueInfo> outputs)
{
    int64_t rows = 0, cols = 0;
    if (auto st = feature_shape(node, inputs[0], rows, cols); !st)
        return st;
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = inputs[0]->shape;
    return Ok{};
}

Status infer_normalizer(const Node& node,
                        std::span<const ValueInfo* const> inputs,
                        std::span<ValueInfo> outputs)
{
    const auto norm = node.attr_string("norm", "MAX");
    if (norm != "MAX" && norm != "L1" && norm != "L2")
        return node_error(node, "norm must be MAX, L1 or L2, not '" + norm + "'");
    return infer_float_out(node, inputs, outputs);
}

Status run_normalizer(const Node& node,
                      std::span<const Tensor* const> inputs,
                      std::span<Tensor> outputs)
{
    const auto norm = node.attr_string("norm", "MAX");
    const auto x = as_floats(*inputs[0]);
    const auto nc = static_cast<size_t>(inputs[0]->shape.back());
    auto y = outputs[0].as<float>();
    for (size_t r = 0; nc && r < x.size() / nc; ++r)
    {
        const float* row = x.data() + r * nc;
        float d = 0;
        if (norm == "MAX")
        {
            d = row[0];
            for (size_t j = 1; j < nc; ++j)
                d = row[j] > d ? row[j] : d;
        }
        else if (norm == "L1")
            for (size_t j = 0; j < nc; ++j)
                d += std::fabs(row[j]);
        else
        {
            for (size_t j = 0; j < nc; ++j)
                d += row[j] * row[j];
            d = std::sqrt(d);  // IEEE correctly rounded: deterministic
        }
        for (size_t j = 0; j < nc; ++j)
            y[r * nc + j] = d != 0 ? row[j] / d : row[j];
    }
    canonicalize_nans(outputs[0]);
    return Ok{};
}

/// A per-column attribute of length 1 (broadcast) or `cols`, or empty when absent.
Status per_column(const Node& node, const std::string& name, int64_t cols, std::vector<float>& v)
{
    if (auto st = float_list(node, name, v); !st)
        return st;
    if (v.size() > 1 && static_cast<int64_t>(v.size()) != cols)
        return node_error(node, name + " has " + std::to_string(v.size()) + " values for " +
                                    std::to_string(cols) + " columns");
    return Ok{};
}

Status infer_scaler(const Node& node,
                    std::span<const ValueInfo* const> inputs,
                    std::span<ValueInfo> outputs)
{
    if (auto st = infer_float_out(node, inputs, outputs); !st)
        return st;
    std::vector<float> v;
    const auto cols = inputs[0]->shape.back();
    if (auto st = per_column(node, "offset", cols, v); !st)
        return st;
    return per_column(node, "scale", cols, v);
}

Status run_scaler(const Node& node,
                  std::span<const Tensor* const> inputs,
                  std::span<Tensor> outputs)
{
    const auto nc = static_cast<size_t>(inputs[0]->shape.back());
    std::vector<float> offset, scale;
    (void)per_column(node, "offset", static_cast<int64_t>(nc), offset);
    (void)per_column(node, "scale", static_cast<int64_t>(nc), scale);
    const auto x = as_floats(*inputs[0]);
    auto y = outputs[0].as<float>();
    for (size_t i = 0; i < x.size(); ++i)
    {
        const size_t j = i % nc;
        const float o = offset.empty() ? 0.0f : offset[offset.size() == 1 ? 0 : j];
        const float s = scale.empty() ? 1.0f : scale[scale.size() == 1 ? 0 : j];
        y[i] = (x[i] - o) * s;
    }
    canonicalize_nans(outputs[0]);
    return Ok{};
}

Status infer_binarizer(const Node& node,
                       std::span<const ValueInfo* const> inputs,
                       std::span<ValueInfo> outputs)
{
    if (auto st = require_float(node, inputs); !st)
        return st;
    return infer_same_as_first(node, inputs, outputs);
}

Status run_binarizer(const Node& node,
                     std::span<const Tensor* const> inputs,
                     std::span<Tensor> outputs)
{
    const float threshold = node.attr_float("threshold", 0.0f);
    const auto x = inputs[0]->as<float>();
    auto y = outputs[0].as<float>();
    for (size_t i = 0; i < x.size(); ++i)
        y[i] = x[i] > threshold ? 1.0f : 0.0f;
    return Ok{};
}

Status infer_imputer(const Node& node,
                     std::span<const ValueInfo* const> inputs,
                     std::span<ValueInfo> outputs)
{
    int64_t rows = 0, cols = 0;
    if (auto st = feature_shape(node, inputs[0], rows, cols); !st)
        return st;
    if (inputs[0]->dtype == DType::FLOAT)
    {
        std::vector<float> v;
        if (auto st = per_column(node, "imputed_value_floats", cols, v); !st)
            return st;
        if (v.empty())
            return node_error(node, "imputed_value_floats is required for float input");
    }
    else
    {
        std::vector<int64_t> v;
        if (auto st = int_list(node, "imputed_value_int64s", v); !st)
            return st;
        if (v.empty() || (v.size() > 1 && static_cast<int64_t>(v.size()) != cols))
            return node_error(node, "imputed_value_int64s must have 1 or one value per column");
        if (inputs[0]->dtype != DType::INT64)
            return node_error(node, "integer input must be int64");
    }
    return infer_same_as_first(node, inputs, outputs);
}

Status run_imputer(const Node& node,
                   std::span<const Tensor* const> inputs,
                   std::span<Tensor> outputs)
{
    const auto nc = static_cast<size_t>(inputs[0]->shape.back());
    if (inputs[0]->dtype == DType::FLOAT)
    {
        std::vector<float> v;
        (void)per_column(node, "imputed_value_floats", static_cast<int64_t>(nc), v);
        const float replaced = node.attr_float("replaced_value_float", 0.0f);
        const auto x = inputs[0]->as<float>();
        auto y = outputs[0].as<float>();
        for (size_t i = 0; i < x.size(); ++i)
        {
            const bool hit = replaced != replaced ? x[i] != x[i] : x[i] == replaced;
            y[i] = hit ? v[v.size() == 1 ? 0 : i % nc] : x[i];
        }
        canonicalize_nans(outputs[0]);
        return Ok{};
    }
    const auto v = node.attr_ints("imputed_value_int64s").value_or(std::vector<int64_t>{0});
    const int64_t replaced = node.attr_int("replaced_value_int64", 0);
    const auto x = inputs[0]->as<int64_t>();
    auto y = outputs[0].as<int64_t>();
    for (size_t i = 0; i < x.size(); ++i)
        y[i] = x[i] == replaced ? v[v.size() == 1 ? 0 : i % nc] : x[i];
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// ArrayFeatureExtractor, LabelEncoder, OneHotEncoder.

Status infer_array_feature_extractor(const Node& node,
                                     std::span<const ValueInfo* const> inputs,
                                     std::span<ValueInfo> outputs)
{
    const auto* x = inputs[0];
    const auto* idx = inputs[1];
    if (!x || !idx)
        return node_error(node, "missing input");
    if (x->dtype == DType::BOOL || x->shape.empty())
        return node_error(node, "X must be a numeric tensor of rank >= 1");
    if (idx->dtype != DType::INT64)
        return node_error(node, "the indices must be int64");
    const auto k = idx->elements();
    if (k < 1)
        return node_error(node, "no indices");
    const auto last = x->shape.back();
    if (idx->value)
        for (auto i : idx->value->as<int64_t>())
            if (i < 0 || i >= last)
                return node_error(node, "index " + std::to_string(i) + " out of range [0, " +
                                            std::to_string(last) + ")");
    outputs[0].dtype = x->dtype;
    outputs[0].shape = x->shape.size() == 1 ? std::vector<int64_t>{1, k} : x->shape;
    outputs[0].shape.back() = k;
    return Ok{};
}

Status run_array_feature_extractor(const Node& node,
                                   std::span<const Tensor* const> inputs,
                                   std::span<Tensor> outputs)
{
    const auto& x = *inputs[0];
    const auto idx = inputs[1]->as<int64_t>();
    const auto last = x.shape.back();
    for (auto i : idx)
        if (i < 0 || i >= last)
            return node_error(node, "index " + std::to_string(i) + " out of range [0, " +
                                        std::to_string(last) + ")");
    const size_t es = dtype_size(x.dtype);
    const auto nl = static_cast<size_t>(last);
    const size_t rows = nl ? x.data.size() / es / nl : 0;
    auto* out = outputs[0].data.data();
    for (size_t r = 0; r < rows; ++r)
        for (size_t k = 0; k < idx.size(); ++k)
            std::memcpy(out + (r * idx.size() + k) * es,
                        x.data.data() + (r * nl + static_cast<size_t>(idx[k])) * es, es);
    return Ok{};
}

/// LabelEncoder int64 -> int64 maps: sorted (key, value) pairs and the default.
Status parse_label_encoder(const Node& node,
                           std::vector<std::pair<int64_t, int64_t>>& map,
                           int64_t& def)
{
    for (auto s : {"keys_strings", "values_strings", "keys_floats", "values_floats"})
        if (node.attr(s))
            return node_error(
                node, std::string("only int64 -> int64 maps are supported (") + s + " is set)");
    std::vector<int64_t> keys, values;
    if (auto st = int_list(node, "keys_int64s", keys); !st)
        return st;
    if (auto st = int_list(node, "values_int64s", values); !st)
        return st;
    for (auto [name, v] : {std::pair{"keys_tensor", &keys}, {"values_tensor", &values}})
        if (const auto* a = node.attr(name))
        {
            if (a->kind != Attribute::Kind::Tensor || !a->t || a->t->dtype != DType::INT64)
                return node_error(node, std::string("only int64 -> int64 maps are supported (") +
                                            name + " is not int64)");
            v->assign(a->t->as<int64_t>().begin(), a->t->as<int64_t>().end());
        }
    if (keys.size() != values.size())
        return node_error(node, "keys and values differ in length");
    def = node.attr_int("default_int64", -1);
    if (const auto* a = node.attr("default_tensor"))
    {
        if (a->kind != Attribute::Kind::Tensor || !a->t || a->t->dtype != DType::INT64 ||
            a->t->elements() != 1)
            return node_error(node, "default_tensor must be one int64");
        def = a->t->as<int64_t>()[0];
    }
    map.resize(keys.size());
    for (size_t i = 0; i < keys.size(); ++i)
        map[i] = {keys[i], values[i]};
    std::sort(map.begin(), map.end());
    for (size_t i = 1; i < map.size(); ++i)
        if (map[i].first == map[i - 1].first)
            return node_error(node, "key " + std::to_string(map[i].first) + " appears twice");
    return Ok{};
}

Status infer_label_encoder(const Node& node,
                           std::span<const ValueInfo* const> inputs,
                           std::span<ValueInfo> outputs)
{
    if (!inputs[0] || inputs[0]->dtype != DType::INT64)
        return node_error(node, "input must be int64 (only int64 -> int64 maps are supported)");
    std::vector<std::pair<int64_t, int64_t>> map;
    int64_t def = 0;
    if (auto st = parse_label_encoder(node, map, def); !st)
        return st;
    return infer_same_as_first(node, inputs, outputs);
}

Status run_label_encoder(const Node& node,
                         std::span<const Tensor* const> inputs,
                         std::span<Tensor> outputs)
{
    std::vector<std::pair<int64_t, int64_t>> map;
    int64_t def = 0;
    if (auto st = parse_label_encoder(node, map, def); !st)
        return st;
    const auto x = inputs[0]->as<int64_t>();
    auto y = outputs[0].as<int64_t>();
    for (size_t i = 0; i < x.size(); ++i)
    {
        auto it = std::lower_bound(map.begin(), map.end(), x[i],
                                   [](const auto& kv, int64_t k) { return kv.first < k; });
        y[i] = it != map.end() && it->first == x[i] ? it->second : def;
    }
    return Ok{};
}

Status infer_one_hot_encoder(const Node& node,
                             std::span<const ValueInfo* const> inputs,
                             std::span<ValueInfo> outputs)
{
    if (node.attr("cats_strings"))
        return node_error(node, "string categories are not supported (cats_int64s only)");
    const auto cats = node.attr_ints("cats_int64s");
    if (!cats || cats->empty())
        return node_error(node, "cats_int64s is required");
    const auto* x = inputs[0];
    if (!x || (x->dtype != DType::INT64 && x->dtype != DType::INT32 && x->dtype != DType::FLOAT))
        return node_error(node, "input must be int64, int32 or float");
    outputs[0].dtype = DType::FLOAT;
    outputs[0].shape = x->shape;
    outputs[0].shape.push_back(static_cast<int64_t>(cats->size()));
    return Ok{};
}

Status run_one_hot_encoder(const Node& node,
                           std::span<const Tensor* const> inputs,
                           std::span<Tensor> outputs)
{
    const auto cats = *node.attr_ints("cats_int64s");
    std::vector<std::pair<int64_t, size_t>> index(cats.size());
    for (size_t i = 0; i < cats.size(); ++i)
        index[i] = {cats[i], i};
    std::sort(index.begin(), index.end());  // first position wins for a repeated category
    const bool zeros = node.attr_int("zeros", 1) != 0;
    const auto& x = *inputs[0];
    auto y = outputs[0].as<float>();
    const auto n = static_cast<size_t>(x.elements());
    for (size_t i = 0; i < n; ++i)
    {
        int64_t v = 0;
        if (x.dtype == DType::INT64)
            v = x.as<int64_t>()[i];
        else if (x.dtype == DType::INT32)
            v = x.as<int32_t>()[i];
        else
        {
            const float f = x.as<float>()[i];
            // Truncation toward zero as a C cast, but defined for every float.
            v = f == f && std::fabs(f) < 9.2e18f ? static_cast<int64_t>(f)
                                                 : std::numeric_limits<int64_t>::min();
        }
        auto it = std::lower_bound(index.begin(), index.end(), std::pair{v, size_t{0}});
        if (it != index.end() && it->first == v)
            y[i * cats.size() + it->second] = 1.0f;
        else if (!zeros)
            return node_error(node, "value " + std::to_string(v) + " is not a category");
    }
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Map-producing ops: refused with the converter option that avoids them.

Status infer_map_op(const Node& node, std::span<const ValueInfo* const>, std::span<ValueInfo>)
{
    return node_error(node,
                      "produces maps, which the engine does not support; convert the model "
                      "without it (skl2onnx: options={'zipmap': False})");
}

Status run_never(const Node& node, std::span<const Tensor* const>, std::span<Tensor>)
{
    return node_error(node, "not supported");
}

constexpr OpDef kMlOps[] = {
    // name, inputs min/max, outputs min/max, infer, run, cost
    {"ArrayFeatureExtractor", 2, 2, 1, 1, infer_array_feature_extractor,
     run_array_feature_extractor, nullptr},
    {"Binarizer", 1, 1, 1, 1, infer_binarizer, run_binarizer, nullptr},
    {"CastMap", 1, 1, 1, 1, infer_map_op, run_never, nullptr},
    {"Imputer", 1, 1, 1, 1, infer_imputer, run_imputer, nullptr},
    {"LabelEncoder", 1, 1, 1, 1, infer_label_encoder, run_label_encoder, nullptr},
    {"LinearClassifier", 1, 1, 1, 2, infer_linear_classifier, run_linear_classifier, cost_linear},
    {"LinearRegressor", 1, 1, 1, 1, infer_linear_regressor, run_linear_regressor, cost_linear},
    {"Normalizer", 1, 1, 1, 1, infer_normalizer, run_normalizer, nullptr},
    {"OneHotEncoder", 1, 1, 1, 1, infer_one_hot_encoder, run_one_hot_encoder, nullptr},
    {"Scaler", 1, 1, 1, 1, infer_scaler, run_scaler, nullptr},
    {"TreeEnsemble", 1, 1, 1, 1, infer_tree_regressor, run_tree_regressor, cost_tree_ensemble},
    {"TreeEnsembleClassifier", 1, 1, 1, 2, infer_tree_classifier, run_tree_classifier,
     cost_tree_ensemble},
    {"TreeEnsembleRegressor", 1, 1, 1, 1, infer_tree_regressor, run_tree_regressor,
     cost_tree_ensemble},
    {"ZipMap", 1, 1, 1, 1, infer_map_op, run_never, nullptr},
};

}  // namespace

std::span<const OpDef> ml_domain_ops() noexcept
{
    return kMlOps;
}

}  // namespace tern::ml
