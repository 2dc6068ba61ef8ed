#!/usr/bin/env python3
"""Models built with onnx.helper the way PyTorch's torch.onnx exporter writes them (its CPU
wheel is not installable here): a shape guard compiled to If, a data-dependent If, a scripted
RNN cell as a Loop over the sequence (trip count from Shape, the step indexed by the
iteration number), nn.LSTM / nn.GRU exports (W, R, B initializers, Squeeze of the direction
axis, PyTorch's gate order converted, GRU with linear_before_reset=1), a Scan cumulative sum,
F.interpolate(mode="bicubic") as Resize cubic, and an opset-24 block with RMSNormalization
and Swish, and an opset-23 GQA causal Attention layer. Random weights from fixed seeds; make_models.py writes them with onnxruntime's
outputs like the scikit-learn models.

cases() -> [(name, ModelProto, x)]
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64
B = TensorProto.BOOL


def _init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def _model(nodes, inputs, outputs, inits, opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, inits)
    return helper.make_model(graph, ir_version=8,
                             opset_imports=[helper.make_opsetid("", opset)])


def shape_guard_if(rng):
    """if x.shape[0] > 1: relu(x @ W) else: -(x @ W): PyTorch's tracing of a shape check."""
    w = rng.standard_normal((6, 4)).astype(np.float32)
    then_g = helper.make_graph([helper.make_node("Relu", ["xw"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", F, None)])
    else_g = helper.make_graph([helper.make_node("Neg", ["xw"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", F, None)])
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["rows"], axis=0),
        helper.make_node("Greater", ["rows", "one"], ["many"]),
        helper.make_node("If", ["many"], ["y"], then_branch=then_g, else_branch=else_g),
    ]
    inits = [_init("W", w), _init("zero", np.array(0, np.int64)),
             _init("one", np.array(1, np.int64))]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [5, 6])],
               [helper.make_tensor_value_info("y", F, [5, 4])], inits)
    return m, rng.standard_normal((5, 6)).astype(np.float32)


def data_if(rng):
    """A branch chosen by the data: sigmoid(x) if sum(x) > 0 else tanh(x) * 2."""
    then_g = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", F, None)])
    else_g = helper.make_graph([helper.make_node("Tanh", ["x"], ["th"]),
                                helper.make_node("Mul", ["th", "two"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", F, None)])
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
        helper.make_node("Greater", ["s", "zero"], ["positive"]),
        helper.make_node("If", ["positive"], ["y"], then_branch=then_g, else_branch=else_g),
    ]
    inits = [_init("zero", np.array(0, np.float32)), _init("two", np.array(2, np.float32))]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [3, 4])],
               [helper.make_tensor_value_info("y", F, [3, 4])], inits)
    return m, (rng.standard_normal((3, 4)) - 0.3).astype(np.float32)


def loop_rnn(rng):
    """A TorchScript-style RNN: for t in range(x.shape[0]): h = tanh(x[t] @ Wx + h @ Wh + b),
    every h kept (a Loop with a scan output, the step read with Gather at the iteration)."""
    wx = (rng.standard_normal((4, 8)) * 0.5).astype(np.float32)
    wh = (rng.standard_normal((8, 8)) * 0.3).astype(np.float32)
    b = (rng.standard_normal((8,)) * 0.1).astype(np.float32)
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("Gather", ["x", "i"], ["xt"], axis=0),
            helper.make_node("MatMul", ["xt", "Wx"], ["a"]),
            helper.make_node("MatMul", ["h", "Wh"], ["c"]),
            helper.make_node("Add", ["a", "c"], ["ac"]),
            helper.make_node("Add", ["ac", "bias"], ["pre"]),
            helper.make_node("Tanh", ["pre"], ["h_out"]),
            helper.make_node("Identity", ["h_out"], ["h_scan"]),
        ],
        "body",
        [helper.make_tensor_value_info("i", I64, []),
         helper.make_tensor_value_info("cond_in", B, []),
         helper.make_tensor_value_info("h", F, [2, 8])],
        [helper.make_tensor_value_info("cond_out", B, []),
         helper.make_tensor_value_info("h_out", F, [2, 8]),
         helper.make_tensor_value_info("h_scan", F, [2, 8])])
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["steps"], axis=0),
        helper.make_node("Loop", ["steps", "", "h0"], ["h_last", "hs"], body=body),
    ]
    inits = [_init("Wx", wx), _init("Wh", wh), _init("bias", b),
             _init("h0", np.zeros((2, 8), np.float32)), _init("zero", np.array(0, np.int64))]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [6, 2, 4])],
               [helper.make_tensor_value_info("h_last", F, [2, 8]),
                helper.make_tensor_value_info("hs", F, [6, 2, 8])], inits)
    return m, rng.standard_normal((6, 2, 4)).astype(np.float32)


def lstm_classifier(rng):
    """nn.LSTM(5, 7, bidirectional=True) then a linear layer on the last step, as exported:
    LSTM (W, R, B), Squeeze... here Transpose + Reshape of Y's last step, Gemm, Softmax."""
    hidden, inp, seq, batch = 7, 5, 9, 3
    w = (rng.standard_normal((2, 4 * hidden, inp)) * 0.4).astype(np.float32)
    r = (rng.standard_normal((2, 4 * hidden, hidden)) * 0.4).astype(np.float32)
    bias = (rng.standard_normal((2, 8 * hidden)) * 0.1).astype(np.float32)
    fc = (rng.standard_normal((2 * hidden, 3)) * 0.5).astype(np.float32)
    nodes = [
        helper.make_node("LSTM", ["x", "W", "R", "B"], ["Y", "Y_h", "Y_c"], hidden_size=hidden,
                         direction="bidirectional"),
        helper.make_node("Transpose", ["Y_h"], ["h_bt"], perm=[1, 0, 2]),
        helper.make_node("Reshape", ["h_bt", "flat"], ["h_flat"]),
        helper.make_node("Gemm", ["h_flat", "FC", "fc_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    inits = [_init("W", w), _init("R", r), _init("B", bias), _init("FC", fc),
             _init("fc_b", np.array([0.1, -0.2, 0.05], np.float32)),
             _init("flat", np.array([batch, 2 * hidden], np.int64))]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [seq, batch, inp])],
               [helper.make_tensor_value_info("probs", F, [batch, 3]),
                helper.make_tensor_value_info("Y", F, [seq, 2, batch, hidden])], inits)
    return m, rng.standard_normal((seq, batch, inp)).astype(np.float32)


def gru_batch_first(rng):
    """nn.GRU(4, 6, batch_first=True) as exported: Transpose to sequence-first, GRU with
    linear_before_reset=1 (PyTorch's formulation), Y's direction axis squeezed."""
    hidden, inp = 6, 4
    w = (rng.standard_normal((1, 3 * hidden, inp)) * 0.5).astype(np.float32)
    r = (rng.standard_normal((1, 3 * hidden, hidden)) * 0.5).astype(np.float32)
    bias = (rng.standard_normal((1, 6 * hidden)) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
        helper.make_node("GRU", ["xt", "W", "R", "B"], ["Y", "Y_h"], hidden_size=hidden,
                         linear_before_reset=1),
        helper.make_node("Squeeze", ["Y", "dir_axis"], ["Ys"]),
        helper.make_node("Transpose", ["Ys"], ["y"], perm=[1, 0, 2]),
    ]
    inits = [_init("W", w), _init("R", r), _init("B", bias),
             _init("dir_axis", np.array([1], np.int64))]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [2, 8, inp])],
               [helper.make_tensor_value_info("y", F, [2, 8, hidden]),
                helper.make_tensor_value_info("Y_h", F, [1, 2, hidden])], inits, opset=14)
    return m, rng.standard_normal((2, 8, inp)).astype(np.float32)


def scan_cumsum(rng):
    """Running sums over the rows of x with Scan (a cumulative sum written as a scan body)."""
    body = helper.make_graph(
        [helper.make_node("Add", ["acc", "row"], ["acc_out"]),
         helper.make_node("Identity", ["acc_out"], ["out"])],
        "body",
        [helper.make_tensor_value_info("acc", F, [3]),
         helper.make_tensor_value_info("row", F, [3])],
        [helper.make_tensor_value_info("acc_out", F, [3]),
         helper.make_tensor_value_info("out", F, [3])])
    nodes = [helper.make_node("Scan", ["zero", "x"], ["total", "partial"], body=body,
                              num_scan_inputs=1)]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [5, 3])],
               [helper.make_tensor_value_info("total", F, [3]),
                helper.make_tensor_value_info("partial", F, [5, 3])],
               [_init("zero", np.zeros(3, np.float32))])
    return m, rng.standard_normal((5, 3)).astype(np.float32)


def bicubic_upsample(rng):
    """F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False) as exported."""
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="cubic",
                              cubic_coeff_a=-0.75,
                              coordinate_transformation_mode="pytorch_half_pixel")]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [1, 2, 5, 6])],
               [helper.make_tensor_value_info("y", F, [1, 2, 10, 12])],
               [_init("scales", np.array([1, 1, 2, 2], np.float32))])
    return m, rng.standard_normal((1, 2, 5, 6)).astype(np.float32)


def rms_swish_block(rng):
    """A Llama-style MLP block at opset 24: RMSNormalization, gate/up projections, Swish."""
    w_gate = (rng.standard_normal((16, 24)) * 0.3).astype(np.float32)
    w_up = (rng.standard_normal((16, 24)) * 0.3).astype(np.float32)
    w_down = (rng.standard_normal((24, 16)) * 0.3).astype(np.float32)
    nodes = [
        helper.make_node("RMSNormalization", ["x", "norm_w"], ["xn"], axis=-1, epsilon=1e-6),
        helper.make_node("MatMul", ["xn", "Wg"], ["g"]),
        helper.make_node("Swish", ["g"], ["sg"]),
        helper.make_node("MatMul", ["xn", "Wu"], ["u"]),
        helper.make_node("Mul", ["sg", "u"], ["h"]),
        helper.make_node("MatMul", ["h", "Wd"], ["d"]),
        helper.make_node("Add", ["x", "d"], ["y"]),
    ]
    inits = [_init("norm_w", (1 + 0.1 * rng.standard_normal(16)).astype(np.float32)),
             _init("Wg", w_gate), _init("Wu", w_up), _init("Wd", w_down)]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [2, 5, 16])],
               [helper.make_tensor_value_info("y", F, [2, 5, 16])], inits, opset=24)
    return m, rng.standard_normal((2, 5, 16)).astype(np.float32)


def gqa_attention(rng):
    """A decoder self-attention layer as torch.onnx writes F.scaled_dot_product_attention at
    opset 23: Q/K/V projections, Attention with 4 query heads over 2 key/value heads (GQA),
    causal, 3-D inputs; then the output projection."""
    d, hq, hkv, head = 16, 4, 2, 4
    wq = (rng.standard_normal((d, hq * head)) * 0.3).astype(np.float32)
    wk = (rng.standard_normal((d, hkv * head)) * 0.3).astype(np.float32)
    wv = (rng.standard_normal((d, hkv * head)) * 0.3).astype(np.float32)
    wo = (rng.standard_normal((hq * head, d)) * 0.3).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "Wq"], ["q"]),
        helper.make_node("MatMul", ["x", "Wk"], ["k"]),
        helper.make_node("MatMul", ["x", "Wv"], ["v"]),
        helper.make_node("Attention", ["q", "k", "v"], ["a"], is_causal=1, q_num_heads=hq,
                         kv_num_heads=hkv),
        helper.make_node("MatMul", ["a", "Wo"], ["y"]),
    ]
    inits = [_init("Wq", wq), _init("Wk", wk), _init("Wv", wv), _init("Wo", wo)]
    m = _model(nodes, [helper.make_tensor_value_info("x", F, [2, 7, d])],
               [helper.make_tensor_value_info("y", F, [2, 7, d])], inits, opset=23)
    return m, rng.standard_normal((2, 7, d)).astype(np.float32)


def cases():
    rng = np.random.default_rng(14)
    out = []
    for fn in (shape_guard_if, data_if, loop_rnn, lstm_classifier, gru_batch_first,
               scan_cumsum, bicubic_upsample, rms_swish_block, gqa_attention):
        m, x = fn(rng)
        out.append(("torch_" + fn.__name__, m, x))
    return out
