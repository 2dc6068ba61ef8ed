#!/usr/bin/env python3
"""Models as they ship in PyPI wheels, unmodified: Silero VAD 6.2.3 (six voice-activity
detectors: If on the sample rate, LSTM, opsets 15-18, one float16-weight variant) and
RapidOCR 1.4.4's PaddleOCR models (PP-OCRv4 text detector and 10.4 MB recognizer, the 570 KB
mobile direction classifier; exported by paddle2onnx with -1 / symbolic dims). scripts/setup
downloads the wheels into build/ml-wheels; this script feeds each model fixed random inputs
and writes, per model NAME, into OUT_DIR: NAME.onnx, NAME.in<k>.npy (the inputs in graph
order, with NAME.inputs.txt naming them) and NAME.out<k>.npy (onnxruntime's outputs,
single-threaded), plus models.txt. With `check TERN`, it also runs each through `TERN model
run` and compares: floats to 1e-4 relative plus 1e-5 absolute.

Usage: shipped_models.py WHEELS_DIR OUT_DIR [check TERN]
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import onnxruntime as ort

RTOL = 1e-4
ATOL = 1e-5


def feeds(name, rng):
    audio = lambda n: rng.uniform(-0.5, 0.5, (1, n)).astype(np.float32)  # noqa: E731
    state = lambda: (rng.standard_normal((2, 1, 128)) * 0.1).astype(np.float32)  # noqa: E731
    sr = np.array(16000, np.int64)
    image = lambda h, w: rng.uniform(-1, 1, (1, 3, h, w)).astype(np.float32)  # noqa: E731
    return {
        "silero_vad": {"input": audio(512), "state": state(), "sr": sr},
        "silero_vad_16k_op15": {"input": audio(512), "state": state(), "sr": sr},
        "silero_vad_16k_sequence": {
            "input": rng.uniform(-0.5, 0.5, (4, 576)).astype(np.float32),
            "h": np.zeros((1, 1, 128), np.float32), "c": np.zeros((1, 1, 128), np.float32)},
        "silero_vad_half": {"input": audio(512), "state": state()},
        "silero_vad_op18_ifless": {"input": audio(512), "sr": sr, "state": state()},
        "silero_vad_openvino_16k": {"input": audio(576), "state": state()},
        "ch_ppocr_mobile_v2.0_cls_infer": {"x": image(48, 192)},
        "ch_PP-OCRv4_det_infer": {"x": image(64, 64)},
        "ch_PP-OCRv4_rec_infer": {"x": image(48, 160)},
    }.get(name)


def main():
    wheels, out = sys.argv[1], sys.argv[2]
    tern = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "check" else None
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(14)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    names, failed = [], 0
    for wheel in sorted(glob.glob(os.path.join(wheels, "*.whl"))):
        with zipfile.ZipFile(wheel) as z:
            for member in sorted(m for m in z.namelist() if m.endswith(".onnx")):
                name = os.path.basename(member)[:-5]
                inputs = feeds(name, rng)
                if inputs is None:
                    continue
                path = os.path.join(out, name + ".onnx")
                with z.open(member) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
                order = [i.name for i in sess.get_inputs()]
                want = sess.run(None, {k: inputs[k] for k in order})
                for k, n in enumerate(order):
                    np.save(os.path.join(out, "%s.in%d.npy" % (name, k)), inputs[n])
                with open(os.path.join(out, name + ".inputs.txt"), "w") as f:
                    f.write("\n".join(order) + "\n")
                for k, w in enumerate(want):
                    np.save(os.path.join(out, "%s.out%d.npy" % (name, k)), np.asarray(w))
                names.append(name)
                if tern is None:
                    continue
                args = [tern, "model", "run", path, "--json", "--full"]
                for k, n in enumerate(order):
                    args += ["--input", "%s=%s" % (n, os.path.join(out, "%s.in%d.npy" % (name, k)))]
                res = subprocess.run(args, capture_output=True, text=True, check=False)
                problems = []
                if res.returncode != 0:
                    problems.append("tern failed: " + res.stderr.strip())
                else:
                    got = json.loads(res.stdout)
                    for k, o in enumerate(got["outputs"]):
                        g = np.array(o["data"], np.float64).reshape(o["shape"])
                        w = want[k].astype(np.float64)
                        if g.shape != w.shape:
                            problems.append("%s: shape %s vs %s" % (o["name"], g.shape, w.shape))
                        elif not np.all(np.abs(g - w) <= RTOL * np.abs(w) + ATOL):
                            problems.append("%s: max error %.3g" % (o["name"],
                                                                   np.max(np.abs(g - w))))
                    gas = got["gas"]["engine"]
                print("%-34s %s" % (name, "ok, engine gas %d" % gas if not problems else "FAIL"))
                for p in problems:
                    print("    " + p)
                failed += bool(problems)
    with open(os.path.join(out, "models.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    if tern is not None:
        print("%d of %d shipped models match onnxruntime" % (len(names) - failed, len(names)))
        if not names:
            print("no wheels in " + wheels)
            return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
