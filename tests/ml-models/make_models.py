#!/usr/bin/env python3
"""Trains small scikit-learn (and, when installed, LightGBM and XGBoost) models on fixed synthetic data
(fixed seeds), converts them to ONNX with skl2onnx / onnxmltools (ZipMap off, int64 labels)
and writes, per model NAME, into OUT_DIR:
NAME.onnx, NAME.x.npy (float32 input) and NAME.out<k>.npy (onnxruntime's output k), plus
models.txt listing the names. Also the PyTorch exporter patterns of exporter_patterns.py. tests/ml-models/check.py compares `tern model run` with them.

Usage: make_models.py OUT_DIR
"""

import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exporter_patterns  # noqa: E402
import onnxruntime as ort
from onnx import helper, numpy_helper
from skl2onnx import to_onnx
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (Binarizer, MaxAbsScaler, MinMaxScaler, Normalizer,
                                   OneHotEncoder, StandardScaler)
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

N_FEATURES = 6
N_ROWS = 64
# onnxruntime 1.31 reads TreeEnsemble's post_transform 1 as LOGISTIC and 2 as SOFTMAX; the
# spec (and onnx's reference implementation, and Tern) says 1 is SOFTMAX and 2 LOGISTIC. The
# reference outputs of these models come from onnxruntime on the model with 1 and 2 swapped.
SPEC_SWAPPED_POST = {"v5_agg0_post1", "v5_agg2_post2"}


def data():
    xb, yb = make_classification(n_samples=300, n_features=N_FEATURES, n_informative=4,
                                 n_redundant=1, n_classes=2, random_state=1)
    xm, ym = make_classification(n_samples=300, n_features=N_FEATURES, n_informative=4,
                                 n_redundant=1, n_classes=3, n_clusters_per_class=1,
                                 random_state=2)
    xr, yr = make_regression(n_samples=300, n_features=N_FEATURES, n_informative=4,
                             noise=0.5, random_state=3)
    # Labels that are not 0..n-1, so a label output is not mistaken for a class index.
    yb = np.where(yb == 1, 7, 3).astype(np.int64)
    ym = (ym * 10 + 1).astype(np.int64)
    return (xb.astype(np.float32), yb), (xm.astype(np.float32), ym), \
        (xr.astype(np.float32), yr.astype(np.float32))


def lightgbm_models():
    """LightGBM classifiers and a regressor converted with onnxmltools, when both are
    installed (scripts/setup pins them): (name, onnx model, input)."""
    try:
        import lightgbm
        from onnxmltools import convert_lightgbm
        from onnxmltools.convert.common.data_types import FloatTensorType
    except ImportError:
        return []
    (xb, yb), (xm, ym), (xr, yr) = data()
    out = []
    for name, est, x, y in (
            ("lgbm_cls_binary", lightgbm.LGBMClassifier(n_estimators=15, num_leaves=8,
                                                        random_state=0, n_jobs=1,
                                                        verbose=-1), xb, yb),
            ("lgbm_cls_multi", lightgbm.LGBMClassifier(n_estimators=10, num_leaves=8,
                                                       random_state=0, n_jobs=1,
                                                       verbose=-1), xm, ym),
            ("lgbm_reg", lightgbm.LGBMRegressor(n_estimators=20, num_leaves=8, random_state=0,
                                                n_jobs=1, verbose=-1), xr, yr)):
        est.fit(x, y)
        onx = convert_lightgbm(est, initial_types=[("X", FloatTensorType([None, N_FEATURES]))],
                               zipmap=False, target_opset=15)
        out.append((name, onx, x))
    return out


def xgboost_models():
    """XGBoost classifiers and a regressor converted with onnxmltools, when both are
    installed (scripts/setup pins them): (name, onnx model, input)."""
    try:
        import xgboost
        from onnxmltools import convert_xgboost
        from onnxmltools.convert.common.data_types import FloatTensorType
    except ImportError:
        return []
    (xb, yb), (xm, ym), (xr, yr) = data()
    # XGBoost wants class indices 0..n-1: train on them, the converter writes 0..n-1 labels.
    yb = (yb == 7).astype(np.int64)
    ym = (ym // 10).astype(np.int64)
    out = []
    for name, est, x, y in (
            ("xgb_cls_binary", xgboost.XGBClassifier(n_estimators=15, max_depth=3,
                                                     random_state=0, n_jobs=1), xb, yb),
            ("xgb_cls_multi", xgboost.XGBClassifier(n_estimators=10, max_depth=3,
                                                    random_state=0, n_jobs=1), xm, ym),
            ("xgb_reg", xgboost.XGBRegressor(n_estimators=20, max_depth=3, random_state=0,
                                             n_jobs=1), xr, yr)):
        est.fit(x, y)
        onx = convert_xgboost(est, initial_types=[("X", FloatTensorType([None, N_FEATURES]))],
                              target_opset=15)
        out.append((name, onx, x))
    return out


def models():
    (xb, yb), (xm, ym), (xr, yr) = data()
    cls = {"binary": (xb, yb), "multi": (xm, ym)}
    out = []
    for tag, (x, y) in cls.items():
        out += [
            ("logreg_" + tag, LogisticRegression(max_iter=500), x, y),
            ("tree_cls_" + tag, DecisionTreeClassifier(max_depth=5, random_state=0), x, y),
            ("forest_cls_" + tag, RandomForestClassifier(n_estimators=12, max_depth=6,
                                                         random_state=0), x, y),
            ("gb_cls_" + tag, GradientBoostingClassifier(n_estimators=15, max_depth=3,
                                                         random_state=0), x, y),
            ("pipe_" + tag, make_pipeline(StandardScaler(), Normalizer(),
                                          LogisticRegression(max_iter=500)), x, y),
        ]
    out += [
        ("linreg", LinearRegression(), xr, yr),
        ("ridge", Ridge(alpha=0.7), xr, yr),
        ("tree_reg", DecisionTreeRegressor(max_depth=6, random_state=0), xr, yr),
        ("forest_reg", RandomForestRegressor(n_estimators=10, max_depth=5, random_state=0),
         xr, yr),
        ("gb_reg", GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0),
         xr, yr),
        ("ridge_two_targets", Ridge(alpha=0.3), xr, np.stack([yr, -0.5 * yr + 1], axis=1)),
        ("binarize_linreg", make_pipeline(Binarizer(threshold=0.2), LinearRegression()), xr, yr),
        ("minmax_maxabs_tree", make_pipeline(MinMaxScaler(), MaxAbsScaler(),
                                             DecisionTreeRegressor(max_depth=4,
                                                                   random_state=0)), xr, yr),
    ]
    for tag, (x, y) in cls.items():
        xn = x.copy()
        xn[np.random.RandomState(6).rand(*x.shape) < 0.1] = np.nan
        out += [
            ("linsvc_" + tag, LinearSVC(random_state=0), x, y),
            ("impute_pipe_" + tag, make_pipeline(SimpleImputer(), StandardScaler(),
                                                 Normalizer(norm="max"),
                                                 LogisticRegression(max_iter=500)), xn, y),
        ]
    # Integer categories one-hot encoded, then a logistic regression.
    xi = np.floor(np.abs(xm) * 2).astype(np.int64) % 4
    out.append(("onehot_logreg", make_pipeline(OneHotEncoder(handle_unknown="ignore"),
                                               LogisticRegression(max_iter=500)), xi, ym))
    return out


def tree_ensemble_v5(onx):
    """The same model with its TreeEnsembleRegressor (ai.onnx.ml 1-3) rewritten as
    TreeEnsemble (ai.onnx.ml 5: interior nodes and leaves in separate lists), its base value
    as an Add after it (TreeEnsemble has none). skl2onnx does not write TreeEnsemble yet."""
    old = onx.graph.node[0]
    a = {x.name: helper.get_attribute_value(x) for x in old.attribute}
    assert old.op_type == "TreeEnsembleRegressor" and a["n_targets"] == 1
    keys = list(zip(a["nodes_treeids"], a["nodes_nodeids"]))
    leaf = {k: m == b"LEAF" for k, m in zip(keys, a["nodes_modes"])}
    inner = {k: i for i, k in enumerate(k for k in keys if not leaf[k])}
    weights = dict(zip(zip(a["target_treeids"], a["target_nodeids"]), a["target_weights"]))
    leaves = {k: i for i, k in enumerate(k for k in keys if leaf[k])}
    modes = {b"BRANCH_LEQ": 0, b"BRANCH_LT": 1, b"BRANCH_GTE": 2, b"BRANCH_GT": 3}
    f = {n: [] for n in ("feat", "split", "mode", "yes", "yesleaf", "no", "noleaf", "miss")}
    for i, k in enumerate(keys):
        if leaf[k]:
            continue
        f["feat"].append(a["nodes_featureids"][i])
        f["split"].append(a["nodes_values"][i])
        f["mode"].append(modes[a["nodes_modes"][i]])
        f["miss"].append(a["nodes_missing_value_tracks_true"][i])
        for side, ids in (("yes", a["nodes_truenodeids"]), ("no", a["nodes_falsenodeids"])):
            c = (k[0], ids[i])
            f[side].append(leaves[c] if leaf[c] else inner[c])
            f[side + "leaf"].append(int(leaf[c]))
    trees = sorted(set(a["nodes_treeids"]))
    assert all(not leaf[(t, 0)] for t in trees)
    node = helper.make_node(
        "TreeEnsemble", ["X"], ["trees"], domain="ai.onnx.ml", n_targets=1,
        aggregate_function=1, post_transform=0,
        tree_roots=[inner[(t, 0)] for t in trees],
        nodes_featureids=f["feat"], nodes_truenodeids=f["yes"], nodes_trueleafs=f["yesleaf"],
        nodes_falsenodeids=f["no"], nodes_falseleafs=f["noleaf"],
        nodes_missing_value_tracks_true=f["miss"],
        nodes_modes=numpy_helper.from_array(np.array(f["mode"], np.uint8)),
        nodes_splits=numpy_helper.from_array(np.array(f["split"], np.float32)),
        leaf_targetids=[0] * len(leaves),
        leaf_weights=numpy_helper.from_array(
            np.array([weights[k] for k in leaves], np.float32)))
    base = np.array(a.get("base_values", [0.0]), np.float32)
    add = helper.make_node("Add", ["trees", "base"], [onx.graph.output[0].name])
    graph = helper.make_graph([node, add], "tree_ensemble_v5", list(onx.graph.input),
                              list(onx.graph.output),
                              [numpy_helper.from_array(base, "base")])
    return helper.make_model(graph, ir_version=8, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 5)])


def hand_built():
    """Small hand-written models for the attribute combinations converters rarely write
    (aggregate functions, post transforms, base values, LabelEncoder), so their semantics are
    checked against onnxruntime too: (name, onnx model, input)."""
    rng = np.random.RandomState(7)
    x = rng.uniform(-2, 2, size=(32, 3)).astype(np.float32)
    x[rng.rand(*x.shape) < 0.05] = np.nan
    # Two depth-2 trees over 3 features; leaves vote for targets/classes 0..2.
    tree = dict(
        nodes_treeids=[0] * 7 + [1] * 5,
        nodes_nodeids=list(range(7)) + list(range(5)),
        nodes_featureids=[0, 1, 2, 0, 0, 0, 0, 2, 0, 1, 0, 0],
        nodes_values=[0.1, -0.5, 0.7, 0, 0, 0, 0, -0.2, 0, 0.4, 0, 0],
        nodes_modes=["BRANCH_LEQ", "BRANCH_GT", "BRANCH_NEQ", "LEAF", "LEAF", "LEAF", "LEAF",
                     "BRANCH_LT", "LEAF", "BRANCH_GTE", "LEAF", "LEAF"],
        nodes_truenodeids=[1, 3, 5, 0, 0, 0, 0, 1, 0, 3, 0, 0],
        nodes_falsenodeids=[2, 4, 6, 0, 0, 0, 0, 2, 0, 4, 0, 0],
        nodes_missing_value_tracks_true=[1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
    leaves = [(0, 3), (0, 4), (0, 5), (0, 6), (1, 1), (1, 3), (1, 4)]
    votes_t, votes_n, votes_i, votes_w = [], [], [], []
    for k, (t, n) in enumerate(leaves):
        for c in range(3):
            if (k + c) % 3 != 2:  # some leaves skip a target
                votes_t.append(t)
                votes_n.append(n)
                votes_i.append(c)
                votes_w.append(float(np.float32(rng.uniform(-1.5, 1.5))))

    def model(node, outputs):
        graph = helper.make_graph(
            [node], node.name, [helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT,
                                                              [None, 3])], outputs)
        return helper.make_model(graph, ir_version=8, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])

    def out(name, elem, dims):
        return helper.make_tensor_value_info(name, elem, dims)

    cases = []
    for agg in ("SUM", "AVERAGE", "MIN", "MAX"):
        for post in ("NONE", "SOFTMAX", "SOFTMAX_ZERO", "LOGISTIC", "PROBIT"):
            if post == "PROBIT" and agg != "AVERAGE":
                continue
            node = helper.make_node(
                "TreeEnsembleRegressor", ["X"], ["Y"], domain="ai.onnx.ml",
                name="reg_%s_%s" % (agg.lower(), post.lower()), n_targets=3,
                aggregate_function=agg, post_transform=post, base_values=[0.25, -0.5, 0.0],
                target_treeids=votes_t, target_nodeids=votes_n, target_ids=votes_i,
                target_weights=[w / 4 for w in votes_w] if post == "PROBIT" else votes_w,
                **tree)
            cases.append((node.name, model(node, [out("Y", onnx.TensorProto.FLOAT,
                                                      [None, 3])]), x))
    for post, base in (("NONE", []), ("SOFTMAX_ZERO", []), ("LOGISTIC", [0.1, 0.2, -0.3])):
        kw = {"base_values": base} if base else {}
        node = helper.make_node(
            "TreeEnsembleClassifier", ["X"], ["label", "scores"], domain="ai.onnx.ml",
            name="cls_multi_%s" % post.lower(), post_transform=post,
            classlabels_int64s=[4, 8, 15], class_treeids=votes_t, class_nodeids=votes_n,
            class_ids=votes_i, class_weights=votes_w, **kw, **tree)
        cases.append((node.name, model(node, [out("label", onnx.TensorProto.INT64, [None]),
                                              out("scores", onnx.TensorProto.FLOAT,
                                                  [None, 3])]), x))
    # Binary, all votes for class 0, with two base values and LOGISTIC (transformed (-s, s)).
    zeros = [i for i, c in enumerate(votes_i) if c == 0]
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "scores"], domain="ai.onnx.ml",
        name="cls_binary_base2", post_transform="LOGISTIC", base_values=[0.3, 0.3],
        classlabels_int64s=[0, 1], class_treeids=[votes_t[i] for i in zeros],
        class_nodeids=[votes_n[i] for i in zeros], class_ids=[0] * len(zeros),
        class_weights=[votes_w[i] for i in zeros], **tree)
    cases.append((node.name, model(node, [out("label", onnx.TensorProto.INT64, [None]),
                                          out("scores", onnx.TensorProto.FLOAT, [None, 2])]),
                  x))
    # LinearClassifier with one coefficient row for two classes.
    for post in ("NONE", "LOGISTIC", "SOFTMAX"):
        node = helper.make_node("LinearClassifier", ["X"], ["label", "scores"],
                                domain="ai.onnx.ml", name="linear_one_row_%s" % post.lower(),
                                coefficients=[1.0, -2.0, 0.5], intercepts=[0.1],
                                classlabels_ints=[3, 7], post_transform=post)
        cases.append((node.name, model(node, [out("label", onnx.TensorProto.INT64, [None]),
                                              out("scores", onnx.TensorProto.FLOAT,
                                                  [None, 2])]), x))
    # TreeEnsemble (opset 5): three trees, one per target, each leaf one vote; a one-leaf
    # tree as a node whose two branches are the same leaf; NaN routing.
    v5 = dict(
        tree_roots=[0, 3, 5],
        nodes_featureids=[0, 1, 2, 2, 0, 1],
        nodes_splits=numpy_helper.from_array(
            np.array([0.1, -0.5, 0.7, 0.3, -1.0, 9.0], np.float32)),
        nodes_modes=numpy_helper.from_array(np.array([0, 3, 5, 1, 2, 0], np.uint8)),
        nodes_truenodeids=[1, 0, 2, 4, 5, 7],
        nodes_trueleafs=[0, 1, 1, 0, 1, 1],
        nodes_falsenodeids=[2, 1, 3, 4, 6, 7],
        nodes_falseleafs=[0, 1, 1, 1, 1, 1],
        nodes_missing_value_tracks_true=[1, 0, 0, 0, 1, 0],
        leaf_targetids=[0, 0, 0, 0, 1, 1, 1, 2],
        leaf_weights=numpy_helper.from_array(
            np.array([0.5, -0.25, 1.0, 0.4, 0.75, -1.5, 0.2, 0.3], np.float32)))
    for agg, post in ((1, 0), (0, 1), (2, 2), (3, 3), (0, 4)):
        node = helper.make_node("TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml",
                                name="v5_agg%d_post%d" % (agg, post), n_targets=3,
                                aggregate_function=agg, post_transform=post, **v5)
        graph = helper.make_graph(
            [node], node.name, [helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT,
                                                              [None, 3])],
            [out("Y", onnx.TensorProto.FLOAT, [None, 3])])
        m = helper.make_model(graph, ir_version=8, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 5)])
        cases.append((node.name, m, np.clip(x, -0.99, 0.99) if post == 4 else x))
    # LabelEncoder int64 -> int64 (opset 2 lists; opset 4 tensors) on a feature made integer.
    for opset, kw in ((2, dict(keys_int64s=[-1, 0, 1, 5], values_int64s=[10, 20, 30, 40],
                              default_int64=-7)),
                      (4, dict(keys_tensor=numpy_helper.from_array(
                                   np.array([-1, 0, 1, 5], np.int64)),
                               values_tensor=numpy_helper.from_array(
                                   np.array([10, 20, 30, 40], np.int64)),
                               default_tensor=numpy_helper.from_array(
                                   np.array([-7], np.int64))))):
        enc = helper.make_node("LabelEncoder", ["X"], ["Y"], domain="ai.onnx.ml", **kw)
        graph = helper.make_graph(
            [enc], "label_encoder", [helper.make_tensor_value_info(
                "X", onnx.TensorProto.INT64, [None, 3])],
            [out("Y", onnx.TensorProto.INT64, [None, 3])])
        m = helper.make_model(graph, ir_version=8, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", opset)])
        xi = (np.nan_to_num(x) * 1.5).astype(np.int64)
        cases.append(("label_encoder_v%d" % opset, m, xi))
    return cases


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    names = []
    converted = []
    for name, est, x, y in models():
        est.fit(x, y)
        opts = {id(est): {"zipmap": False}} if hasattr(est, "classes_") else None
        try:
            onx = to_onnx(est, x[:1], options=opts, target_opset={"": 17, "ai.onnx.ml": 3})
        except NameError:  # a classifier without probabilities (LinearSVC) has no ZipMap
            onx = to_onnx(est, x[:1], target_opset={"": 17, "ai.onnx.ml": 3})
        converted.append((name, onx, x))
        if name in ("forest_reg", "gb_reg"):
            converted.append((name + "_v5", tree_ensemble_v5(onx), x))
    converted += hand_built()
    # PyTorch exporter patterns (If, Loop, Scan, LSTM, GRU, Resize cubic, RMSNorm, Attention).
    converted += exporter_patterns.cases()
    # Missing values (NaN) in the inputs of the boosting libraries' models, which route them
    # with nodes_missing_value_tracks_true.
    for name, onx, x in lightgbm_models() + xgboost_models():
        x = x.copy()
        x[np.random.RandomState(5).rand(*x.shape) < 0.1] = np.nan
        converted.append((name, onx, x))
    for name, onx, x in converted:
        data = onx.SerializeToString()
        with open(os.path.join(out_dir, name + ".onnx"), "wb") as f:
            f.write(data)
        xin = x[:N_ROWS]
        np.save(os.path.join(out_dir, name + ".x.npy"), xin)
        # One thread: onnxruntime splits a tree ensemble's trees across its threads and adds
        # the partial sums, so its scores depend on the thread count; single-threaded it sums
        # in tree order as Tern does.
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
        res = sess.run(None, {sess.get_inputs()[0].name: xin})
        if name in SPEC_SWAPPED_POST:
            swapped = onnx.ModelProto()
            swapped.CopyFrom(onx)
            for a in swapped.graph.node[0].attribute:
                if a.name == "post_transform":
                    a.i = 3 - a.i  # 1 <-> 2
            sess = ort.InferenceSession(swapped.SerializeToString(), so,
                                        providers=["CPUExecutionProvider"])
            res = sess.run(None, {sess.get_inputs()[0].name: xin})
        for k, r in enumerate(res):
            np.save(os.path.join(out_dir, "%s.out%d.npy" % (name, k)), np.asarray(r))
        names.append(name)
    with open(os.path.join(out_dir, "models.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main()
