#!/usr/bin/python3
"""Reference loss values for tests/unit/test_loss.c, computed with numpy
straight from the Keras 3 / TensorFlow formulas (keras-semantics.md §3.4):

    /usr/bin/python3 tests/data/kernels/gen_loss.py

Each line is `name = value` (per-batch SUM of per-sample losses, as
ffnn_loss_eval returns)."""
import numpy as np

f32 = np.float32
EPS = f32(1e-7)          # Keras epsilon as a float32 tensor clip bound
HI = f32(1.0) - EPS      # 1 - epsilon in float32


def sig_ce(z, y):        # tf.nn.sigmoid_cross_entropy_with_logits
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def bce_prob(p, y):
    p = np.clip(np.asarray(p, f32), EPS, HI).astype(np.float64)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def out(name, v):
    print("%s = %.17g" % (name, v))


# BCE probability path, clipped at both ends, and an interior value
out("bce_clip_low", bce_prob([0.0], 1.0).sum())          # p=0, y=1
out("bce_clip_high", bce_prob([1.0], 0.0).sum())         # p=1, y=0
out("bce_mid", bce_prob([0.25], 1.0).sum())
# BCE on one sigmoid unit = sigmoid CE of the logit; two rows
z = np.array([2.0, -3.0]); y = np.array([1.0, 1.0])
out("bce_sigmoid_logits", sig_ce(z, y).sum())
# BCE on a 3-class softmax with tf_cached_logits (TF): mean_k sigmoid CE of z_k
Z = np.array([[1.0, -0.5, 2.0], [0.1, 0.2, -1.0]]); T = np.array([[0, 0, 1], [1, 0, 0.0]])
out("bce_softmax_logits", sig_ce(Z, T).mean(axis=-1).sum())
# default (Keras 3 on JAX/torch, or TF on predict() output): BCE of the probabilities
out("bce_softmax_probs", bce_prob(softmax(Z).astype(f32), T).mean(axis=-1).sum())
# CCE / SCCE on softmax = softmax CE on the logits
out("cce_softmax", (-(T * np.log(softmax(Z))).sum(axis=-1)).sum())
# CCE probability path: p / sum(p), clip, -sum(y log p)
P = np.array([[0.2, 0.3, 0.1], [0.0, 0.5, 0.5]], f32); Tp = np.array([[0, 1, 0], [1, 0, 0.0]])
q = np.clip((P / P.sum(axis=-1, keepdims=True)).astype(f32), EPS, HI).astype(np.float64)
out("cce_prob", (-(Tp * np.log(q)).sum(axis=-1)).sum())
# SCCE probability path: clip, log, sparse softmax CE on the log-probs
pc = np.clip(P, EPS, HI).astype(np.float64)
out("scce_prob", (-(Tp * np.log(pc / pc.sum(axis=-1, keepdims=True))).sum(axis=-1)).sum())
# regression: two rows of two outputs
Pr = np.array([[0.5, 3.0], [-1.0, 0.25]]); Tr = np.array([[0.0, 0.0], [1.0, 0.0]])
e = Pr - Tr
out("mse", (e ** 2).mean(axis=-1).sum())
out("mae", np.abs(e).mean(axis=-1).sum())
for d in (1.0, 0.5):
    h = np.where(np.abs(e) <= d, 0.5 * e ** 2, d * np.abs(e) - 0.5 * d * d)
    out("huber_%g" % d, h.mean(axis=-1).sum())
