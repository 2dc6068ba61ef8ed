#!/usr/bin/env python3
"""Writes ONNX's backend node tests of the pinned `onnx` package (1.23: opsets up to 28) in
the layout of Debian's libonnx-testdata (DIR/node/test_*/model.onnx, test_data_set_N/
input_K.pb, output_K.pb), from the test cases the package carries
(onnx.backend.test.case.node, the expected outputs from its reference implementation). The PyPI
wheel ships no node test data, only the code that makes it. Inputs or outputs that are not
tensors (sequences, optionals, maps) are left out; the engine refuses those models anyway.

Usage: onnx_node_tests.py DIR    (then TERN_ONNX_TESTDATA=DIR tern_ml_tests
                                  --gtest_filter=OnnxBackend.Node)
"""

import os
import shutil
import sys
import warnings

from onnx import TensorProto, numpy_helper
from onnx.backend.test.case import node


def write(case, root):
    d = os.path.join(root, case.name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    for i, (inputs, outputs) in enumerate(case.data_sets):
        ds = os.path.join(d, "test_data_set_%d" % i)
        os.makedirs(ds)
        for kind, values, declared in (("input", inputs, case.model.graph.input),
                                       ("output", outputs, case.model.graph.output)):
            for k, v in enumerate(values):
                if k >= len(declared) or not declared[k].type.HasField("tensor_type"):
                    continue
                t = v if isinstance(v, TensorProto) else numpy_helper.from_array(
                    v, declared[k].name)
                with open(os.path.join(ds, "%s_%d.pb" % (kind, k)), "wb") as f:
                    f.write(t.SerializeToString())


def main():
    root = os.path.join(sys.argv[1], "node")
    os.makedirs(root, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the generators' own numpy warnings (1 / 0, ...)
        cases = node.collect_testcases(None)
        for case in cases:
            write(case, root)
    print("%d node tests written to %s" % (len(cases), root))


if __name__ == "__main__":
    main()
