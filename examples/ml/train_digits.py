#!/usr/bin/env python3
"""Trains Tern's example models and writes them to examples/ml/models/.

Run by developers, not by CI (CI uses the committed .onnx files):

    python3 -m venv /tmp/mlvenv && /tmp/mlvenv/bin/pip install -r examples/ml/requirements.txt
    /tmp/mlvenv/bin/python examples/ml/train_digits.py

Models (the graphs are written with onnx.helper, opset 13, only operators Tern's engine runs):

* digits_mlp_int8.onnx: 64 -> 32 -> 10 MLP on scikit-learn's bundled 8x8 digits (no download),
  integer-quantized: input uint8 [1,64] raw pixel values 0..16; MatMulInteger + int32 bias
  (Add), DequantizeLinear, Relu, QuantizeLinear (uint8), MatMulInteger + bias -> int32 scores
  [1,10] and ArgMax -> int64 label [1]. Weights are symmetric per-tensor int8.
* digits_mlp_f32.onnx: the same network in float32 (Gemm, Relu, Gemm, Softmax), input float
  [1,64] = pixels / 16, outputs probabilities [1,10].
* digits_cnn_f32.onnx: a LeNet-style CNN on the 1x8x8 image (Conv 3x3x8, Relu, MaxPool 2,
  Conv 3x3x16, Relu, MaxPool 2, Flatten, Gemm 64->10, Softmax), trained with numpy here.
* persona_mood_int8.onnx: the AIPersona contract's mood model: 64 hashed word-count features
  (uint8) -> 16 -> 3 moods (0 cheerful, 1 calm, 2 grumpy), same integer structure as the digits
  model. Its training data is SYNTHETIC: sentences sampled from the small word lists below,
  labelled by the sign of their positive-minus-negative word count. It is an honest toy: it
  learns that lexicon, nothing more.

The persona features are computed exactly as contracts/examples/AIPersona.sol does: split the
message on spaces, lowercase ASCII, bucket = keccak256(word)[0] % 64, count per bucket
(saturating at 255).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")
SEED = 7
OPSET = 13


def save(model, name):
    onnx.checker.check_model(model)
    path = os.path.join(OUT, name)
    onnx.save(model, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    return path


def make_model(graph):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tern-examples")
    model.ir_version = 7
    return model


def quantized_mlp(name, w1, b1, w2, b2, x_scale, h_scale, n_in):
    """Integer MLP: uint8 input (real = x * x_scale) -> int32 scores and int64 argmax."""
    def q_w(w):
        scale = float(np.max(np.abs(w))) / 127.0
        return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale

    w1_q, w1_s = q_w(w1)
    w2_q, w2_s = q_w(w2)
    acc1_s = np.float32(x_scale * w1_s)
    acc2_s = np.float32(h_scale * w2_s)
    b1_q = np.round(b1 / acc1_s).astype(np.int32)
    b2_q = np.round(b2 / acc2_s).astype(np.int32)
    n_hidden, n_out = w1.shape[1], w2.shape[1]
    inits = [
        numpy_helper.from_array(w1_q, "w1"),
        numpy_helper.from_array(b1_q, "b1"),
        numpy_helper.from_array(np.array(acc1_s, dtype=np.float32), "acc1_scale"),
        numpy_helper.from_array(np.array(0, dtype=np.int32), "acc_zero"),
        numpy_helper.from_array(np.array(h_scale, dtype=np.float32), "h_scale"),
        numpy_helper.from_array(np.array(0, dtype=np.uint8), "h_zero"),
        numpy_helper.from_array(w2_q, "w2"),
        numpy_helper.from_array(b2_q, "b2"),
    ]
    nodes = [
        helper.make_node("MatMulInteger", ["x", "w1"], ["acc1"]),
        helper.make_node("Add", ["acc1", "b1"], ["acc1b"]),
        helper.make_node("DequantizeLinear", ["acc1b", "acc1_scale", "acc_zero"], ["h"]),
        helper.make_node("Relu", ["h"], ["h_relu"]),
        helper.make_node("QuantizeLinear", ["h_relu", "h_scale", "h_zero"], ["h_q"]),
        helper.make_node("MatMulInteger", ["h_q", "w2"], ["acc2"]),
        helper.make_node("Add", ["acc2", "b2"], ["scores"]),
        helper.make_node("ArgMax", ["scores"], ["label"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, n_in])],
        [helper.make_tensor_value_info("scores", TensorProto.INT32, [1, n_out]),
         helper.make_tensor_value_info("label", TensorProto.INT64, [1])],
        inits)
    return make_model(graph), acc2_s


def hidden_scale(w1, b1, x_float):
    """Scale that maps the largest hidden activation seen in training to 255."""
    h = np.maximum(x_float @ w1 + b1, 0)
    return float(np.percentile(h, 99.9)) / 255.0


def ort_run(path, feeds):
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def digits_models():
    digits = load_digits()
    x = digits.data.astype(np.float32)  # 0..16
    y = digits.target
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=SEED,
                                              stratify=y)
    clf = MLPClassifier(hidden_layer_sizes=(32,), activation="relu", max_iter=600,
                        random_state=SEED, alpha=1e-3)
    clf.fit(x_tr / 16.0, y_tr)
    w1, w2 = (w.astype(np.float32) for w in clf.coefs_)
    b1, b2 = (b.astype(np.float32) for b in clf.intercepts_)
    print(f"digits MLP (sklearn, float64): test accuracy {clf.score(x_te / 16.0, y_te):.4f}")

    # float32 model
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]),
             helper.make_node("Relu", ["h"], ["h_relu"]),
             helper.make_node("Gemm", ["h_relu", "w2", "b2"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["probs"], axis=1)]
    graph = helper.make_graph(nodes, "digits_mlp_f32",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
                              inits)
    f32_path = save(make_model(graph), "digits_mlp_f32.onnx")
    correct = sum(int(np.argmax(ort_run(f32_path, {"x": (xi / 16.0)[None, :].astype(np.float32)})[0]))
                  == yi for xi, yi in zip(x_te, y_te))
    print(f"digits_mlp_f32.onnx (onnxruntime): test accuracy {correct / len(y_te):.4f}")

    # int8 model
    h_scale = hidden_scale(w1, b1, x_tr / 16.0)
    model, _ = quantized_mlp("digits_mlp_int8", w1, b1, w2, b2, 1.0 / 16.0, h_scale, 64)
    q_path = save(model, "digits_mlp_int8.onnx")
    correct = sum(int(ort_run(q_path, {"x": xi[None, :].astype(np.uint8)})[1][0]) == yi
                  for xi, yi in zip(x_te, y_te))
    print(f"digits_mlp_int8.onnx (onnxruntime): test accuracy {correct / len(y_te):.4f}")

    # Test vectors for the e2e suite: a few test-set images with their labels.
    np.save(os.path.join(OUT, "digits_test_sample.npy"), x_te[:16].astype(np.uint8))
    with open(os.path.join(OUT, "digits_test_sample.json"), "w") as f:
        import json
        json.dump({"images": x_te[:16].astype(int).tolist(), "labels": y_te[:16].tolist()}, f)
    os.remove(os.path.join(OUT, "digits_test_sample.npy"))
    return x_tr, y_tr, x_te, y_te


# ---- CNN trained with plain numpy (im2col convolutions, Adam) ----

def im2col(x, k, pad):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((n, c, k, k, h, w), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i:i + h, j:j + w]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * h * w, c * k * k)


def col2im(cols, shape, k, pad):
    n, c, h, w = shape
    cols = cols.reshape(n, h, w, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            xp[:, :, i:i + h, j:j + w] += cols[:, :, i, j]
    return xp[:, :, pad:pad + h, pad:pad + w]


def conv_fwd(x, wt, b):
    n, _, h, w = x.shape
    cols = im2col(x, 3, 1)
    out = cols @ wt.reshape(wt.shape[0], -1).T + b
    return out.reshape(n, h, w, -1).transpose(0, 3, 1, 2), cols


def pool_fwd(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    mask = (r == out[:, :, :, None, :, None])
    return out, mask


def pool_bwd(g, mask):
    n, c, h2, _, w2, _ = mask.shape
    return (mask * g[:, :, :, None, :, None]).reshape(n, c, h2 * 2, w2 * 2)


def cnn_forward(p, x):
    c1, cols1 = conv_fwd(x, p["w1"], p["b1"])
    r1 = np.maximum(c1, 0)
    p1, m1 = pool_fwd(r1)
    c2, cols2 = conv_fwd(p1, p["w2"], p["b2"])
    r2 = np.maximum(c2, 0)
    p2, m2 = pool_fwd(r2)
    f = p2.reshape(len(x), -1)
    logits = f @ p["w3"].T + p["b3"]
    return logits, (x, c1, cols1, p1, m1, c2, cols2, m2, f)


def cnn_train(x_tr, y_tr, x_te, y_te):
    rng = np.random.default_rng(SEED)
    p = {"w1": rng.normal(0, np.sqrt(2 / 9), (8, 1, 3, 3)), "b1": np.zeros(8),
         "w2": rng.normal(0, np.sqrt(2 / 72), (16, 8, 3, 3)), "b2": np.zeros(16),
         "w3": rng.normal(0, np.sqrt(2 / 64), (10, 64)), "b3": np.zeros(10)}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    xs = (x_tr / 16.0).reshape(-1, 1, 8, 8)
    step = 0
    for epoch in range(30):
        order = rng.permutation(len(xs))
        for s in range(0, len(xs), 32):
            idx = order[s:s + 32]
            xb, yb = xs[idx], y_tr[idx]
            logits, (x, c1, cols1, p1, m1, c2, cols2, m2, f) = cnn_forward(p, xb)
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            prob = e / e.sum(axis=1, keepdims=True)
            g = prob
            g[np.arange(len(yb)), yb] -= 1
            g /= len(yb)
            grads = {"w3": g.T @ f, "b3": g.sum(0)}
            gp2 = (g @ p["w3"]).reshape(len(xb), 16, 2, 2)
            gc2 = pool_bwd(gp2, m2) * (c2 > 0)
            gc2f = gc2.transpose(0, 2, 3, 1).reshape(-1, 16)
            grads["w2"] = (gc2f.T @ cols2).reshape(p["w2"].shape)
            grads["b2"] = gc2f.sum(0)
            gp1 = col2im(gc2f @ p["w2"].reshape(16, -1), p1.shape, 3, 1)
            gc1 = pool_bwd(gp1, m1) * (c1 > 0)
            gc1f = gc1.transpose(0, 2, 3, 1).reshape(-1, 8)
            grads["w1"] = (gc1f.T @ cols1).reshape(p["w1"].shape)
            grads["b1"] = gc1f.sum(0)
            step += 1
            for k in p:
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                p[k] -= 0.01 * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
    logits, _ = cnn_forward(p, (x_te / 16.0).reshape(-1, 1, 8, 8))
    print(f"digits CNN (numpy, float64): test accuracy {np.mean(logits.argmax(1) == y_te):.4f}")
    return {k: val.astype(np.float32) for k, val in p.items()}


def cnn_model(x_tr, y_tr, x_te, y_te):
    p = cnn_train(x_tr, y_tr, x_te, y_te)
    inits = [numpy_helper.from_array(p[k], k) for k in ("w1", "b1", "w2", "b2", "w3", "b3")]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(nodes, "digits_cnn_f32",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
                              inits)
    path = save(make_model(graph), "digits_cnn_f32.onnx")
    correct = sum(int(np.argmax(ort_run(path, {"x": (xi / 16.0).reshape(1, 1, 8, 8).astype(np.float32)})[0]))
                  == yi for xi, yi in zip(x_te, y_te))
    print(f"digits_cnn_f32.onnx (onnxruntime): test accuracy {correct / len(y_te):.4f}")


# ---- persona mood model (synthetic lexicon data, see the module docstring) ----

POSITIVE = ("good great love happy thanks wonderful nice awesome fun glad kind sweet cool "
            "excellent friend smile beautiful brilliant yay joy").split()
NEGATIVE = ("bad hate sad angry awful terrible boring ugly stupid annoying worst rude "
            "broken fail lost cry pain sick gloomy no").split()
NEUTRAL = ("the a is it to and you i we of on in this that what when today weather chain "
           "block code model hello how are").split()
N_FEATURES = 64


def keccak256(data):
    from Crypto.Hash import keccak  # noqa: F401  (pycryptodome, if present)
    h = keccak.new(digest_bits=256)
    h.update(data)
    return h.digest()


def _keccak_impl():
    try:
        keccak256(b"")
        return keccak256
    except ImportError:
        pass
    # Pure-Python Keccak-256 (the Ethereum variant: 0x01 padding), enough for a few words.
    rc = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
          0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
          0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
          0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
          0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
          0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
    rot = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56],
           [27, 20, 39, 8, 14]]
    mask = (1 << 64) - 1

    def rol(v, n):
        return ((v << n) | (v >> (64 - n))) & mask if n else v

    def f(a):
        for r in range(24):
            c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
            d = [c[(x - 1) % 5] ^ rol(c[(x + 1) % 5], 1) for x in range(5)]
            a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
            b = [[0] * 5 for _ in range(5)]
            for x in range(5):
                for y in range(5):
                    b[y][(2 * x + 3 * y) % 5] = rol(a[x][y], rot[x][y])
            a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)]
                 for x in range(5)]
            a[0][0] ^= rc[r]
        return a

    def k256(data):
        rate = 136
        msg = bytearray(data) + b"\x01"
        while len(msg) % rate:
            msg += b"\x00"
        msg[-1] |= 0x80
        a = [[0] * 5 for _ in range(5)]
        for off in range(0, len(msg), rate):
            block = msg[off:off + rate]
            for i in range(rate // 8):
                x, y = i % 5, i // 5
                a[x][y] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
            a = f(a)
        out = b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
        return out

    assert k256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    return k256


def persona_features(message, k256):
    counts = np.zeros(N_FEATURES, dtype=np.int64)
    for word in message.lower().split(" "):
        if word:
            counts[k256(word.encode())[0] % N_FEATURES] += 1
    return np.minimum(counts, 255)


def persona_model():
    k256 = _keccak_impl()
    rng = np.random.default_rng(SEED)
    xs, ys = [], []
    for _ in range(6000):
        n_pos, n_neg = rng.integers(0, 4), rng.integers(0, 4)
        words = list(rng.choice(POSITIVE, n_pos)) + list(rng.choice(NEGATIVE, n_neg)) + \
            list(rng.choice(NEUTRAL, rng.integers(1, 6)))
        rng.shuffle(words)
        xs.append(persona_features(" ".join(words), k256))
        ys.append(0 if n_pos > n_neg else 2 if n_neg > n_pos else 1)
    x = np.array(xs, dtype=np.float32)
    y = np.array(ys)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=SEED)
    clf = MLPClassifier(hidden_layer_sizes=(16,), activation="relu", max_iter=800,
                        random_state=SEED)
    clf.fit(x_tr / 4.0, y_tr)
    print(f"persona mood MLP (sklearn): held-out accuracy {clf.score(x_te / 4.0, y_te):.4f}")
    w1, w2 = (w.astype(np.float32) for w in clf.coefs_)
    b1, b2 = (b.astype(np.float32) for b in clf.intercepts_)
    h_scale = hidden_scale(w1, b1, x_tr / 4.0)
    model, _ = quantized_mlp("persona_mood_int8", w1, b1, w2, b2, 0.25, h_scale, N_FEATURES)
    path = save(model, "persona_mood_int8.onnx")
    correct = sum(int(ort_run(path, {"x": xi[None, :].astype(np.uint8)})[1][0]) == yi
                  for xi, yi in zip(x_te[:400], y_te[:400]))
    print(f"persona_mood_int8.onnx (onnxruntime): held-out accuracy {correct / 400:.4f}")
    for msg in ("you are wonderful thanks friend", "this chain is awful and broken",
                "hello how are you today"):
        label = int(ort_run(path, {"x": persona_features(msg, k256)[None, :].astype(np.uint8)})[1][0])
        print(f"  mood({msg!r}) = {label}")


def main():
    os.makedirs(OUT, exist_ok=True)
    x_tr, y_tr, x_te, y_te = digits_models()
    cnn_model(x_tr, y_tr, x_te, y_te)
    persona_model()
    return 0


if __name__ == "__main__":
    sys.exit(main())
