#!/usr/bin/env python3
"""Real scikit-learn models through Tern's engine: trains and converts them
(make_models.py, into WORK_DIR), runs each with `TERN model run MODEL --input x.npy --json`
and compares with onnxruntime's outputs: integer outputs (labels) exactly, float outputs to
1e-4 relative (plus 1e-6 absolute, for probabilities near 0). Exit status 1 on any mismatch.

Usage: check.py TERN WORK_DIR
"""

import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_models  # noqa: E402

RTOL = 1e-4
ATOL = 1e-6


def check_one(tern, work, name):
    model = os.path.join(work, name + ".onnx")
    x = os.path.join(work, name + ".x.npy")
    res = subprocess.run([tern, "model", "run", model, "--input", x, "--json"],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0:
        return ["tern failed: " + (res.stderr.strip() or res.stdout.strip())]
    outputs = json.loads(res.stdout)["outputs"]
    problems = []
    for k, out in enumerate(outputs):
        want = np.load(os.path.join(work, "%s.out%d.npy" % (name, k)))
        got = np.array(out["data"], dtype=want.dtype).reshape(out["shape"])
        if got.shape != want.shape:
            problems.append("%s: shape %s, onnxruntime %s" % (out["name"], got.shape,
                                                               want.shape))
        elif want.dtype.kind in "iu":
            bad = np.nonzero(got != want)[0]
            if bad.size:
                problems.append("%s: %d of %d labels differ (first at %d: %s vs %s)" % (
                    out["name"], bad.size, want.size, bad[0], got.flat[bad[0]],
                    want.flat[bad[0]]))
        else:
            g64, w64 = got.astype(np.float64), want.astype(np.float64)
            with np.errstate(invalid="ignore"):  # inf - inf
                same = (np.abs(g64 - w64) <= RTOL * np.abs(w64) + ATOL) | (g64 == w64) | (
                    np.isnan(g64) & np.isnan(w64))
            if not np.all(same):
                err = np.where(same, 0, np.abs(g64 - w64))
                i = int(np.argmax(np.where(same, -1, err)))
                problems.append("%s: max error %.3g at %d (%r vs %r)" % (
                    out["name"], err.flat[i], i, got.flat[i], want.flat[i]))
    return problems


def main():
    tern, work = sys.argv[1], sys.argv[2]
    sys.argv = [sys.argv[0], work]
    make_models.main()
    names = open(os.path.join(work, "models.txt")).read().split()
    failed = 0
    for name in names:
        problems = check_one(tern, work, name)
        print("%-20s %s" % (name, "ok" if not problems else "FAIL"))
        for p in problems:
            print("    " + p)
        failed += bool(problems)
    print("%d of %d models match onnxruntime" % (len(names) - failed, len(names)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
