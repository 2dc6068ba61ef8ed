#!/usr/bin/env python3
"""Trains small scikit-learn models on fixed synthetic data (fixed seeds), converts them to
ONNX with skl2onnx (ZipMap off, int64 labels) and writes, per model NAME, into OUT_DIR:
NAME.onnx, NAME.x.npy (float32 input) and NAME.out<k>.npy (onnxruntime's output k), plus
models.txt listing the names. tests/ml-models/check.py compares `tern model run` with them.

Usage: make_models.py OUT_DIR
"""

import os
import sys

import numpy as np
import onnxruntime as ort
from skl2onnx import to_onnx
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

N_FEATURES = 6
N_ROWS = 64


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
    ]
    return out


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for name, est, x, y in models():
        est.fit(x, y)
        opts = {id(est): {"zipmap": False}} if hasattr(est, "classes_") else None
        onx = to_onnx(est, x[:1], options=opts, target_opset={"": 17, "ai.onnx.ml": 3})
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
        for k, r in enumerate(res):
            np.save(os.path.join(out_dir, "%s.out%d.npy" % (name, k)), np.asarray(r))
        names.append(name)
    with open(os.path.join(out_dir, "models.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main()
