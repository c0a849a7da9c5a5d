#!/usr/bin/python3
"""Reference values for tests/unit/test_optim.c.

Independent numpy re-implementation of the Keras 3 optimizer update steps
(keras/src/optimizers/{adam,adamw,sgd,rmsprop,adagrad}.py and
base_optimizer.py::_apply_weight_decay), in float32 like Keras variables,
hyperparameters cast to float32 the way Keras casts them.  Prints the weights
after step 1 and after step 3 for each variant as C initialisers:

    /usr/bin/python3 tests/data/kernels/gen_optim.py
"""
import numpy as np

f32 = np.float32
W0 = np.array([0.5, -1.25, 2.0, 0.0, -0.3], f32)
GRADS = [np.array(g, f32) for g in (
    [0.1, -0.2, 0.3, 0.0, 1.5],
    [-0.05, 0.4, 0.1, 0.02, 0.01],
    [0.2, -0.1, -0.3, 1e-4, -0.5],
)]


def adam(lr, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=0.0):
    w = W0.copy(); m = np.zeros_like(w); v = np.zeros_like(w); vh = np.zeros_like(w)
    out = []
    for it, g in enumerate(GRADS):
        lr32 = f32(lr)
        if wd:
            w = w - w * f32(wd) * lr32
        t = f32(it + 1)
        b1p = np.power(f32(b1), t); b2p = np.power(f32(b2), t)
        alpha = lr32 * np.sqrt(f32(1) - b2p) / (f32(1) - b1p)
        m = m + (g - m) * f32(1 - b1)
        v = v + (np.square(g) - v) * f32(1 - b2)
        vv = v
        if amsgrad:
            vh = np.maximum(vh, v); vv = vh
        w = w - (m * alpha) / (np.sqrt(vv) + f32(eps))
        out.append(w.copy())
    return out


def sgd(lr, momentum=0.0, nesterov=False):
    w = W0.copy(); m = np.zeros_like(w); out = []
    lr32 = f32(lr); mu = f32(momentum)
    for g in GRADS:
        if momentum:
            m = m * mu - g * lr32
            w = w + (m * mu - g * lr32 if nesterov else m)
        else:
            w = w - g * lr32
        out.append(w.copy())
    return out


def rmsprop(lr, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    w = W0.copy(); v = np.zeros_like(w); mom = np.zeros_like(w); mg = np.zeros_like(w)
    out = []
    lr32 = f32(lr)
    for g in GRADS:
        v = f32(rho) * v + f32(1 - rho) * np.square(g)
        if centered:
            mg = f32(rho) * mg + f32(1 - rho) * g
            den = v - np.square(mg) + f32(eps)
        else:
            den = v + f32(eps)
        inc = (lr32 * g) / np.sqrt(den)
        if momentum > 0:
            mom = f32(momentum) * mom + inc
            w = w - mom
        else:
            w = w - inc
        out.append(w.copy())
    return out


def adagrad(lr, init=0.1, eps=1e-7):
    w = W0.copy(); a = np.full_like(w, f32(init)); out = []
    lr32 = f32(lr)
    for g in GRADS:
        a = a + np.square(g)
        w = w - (lr32 * g) / np.sqrt(a + f32(eps))
        out.append(w.copy())
    return out


VARIANTS = [
    ("adam", adam(0.01)),
    ("amsgrad", adam(0.01, amsgrad=True)),
    ("adamw", adam(0.01, wd=0.004)),
    ("adam_default", adam(0.001)),
    ("sgd", sgd(0.01)),
    ("sgd_momentum", sgd(0.05, momentum=0.9)),
    ("sgd_nesterov", sgd(0.05, momentum=0.9, nesterov=True)),
    ("rmsprop", rmsprop(0.01)),
    ("rmsprop_centered_momentum", rmsprop(0.01, momentum=0.9, centered=True)),
    ("adagrad", adagrad(0.1)),
]



def c_float(x):
    s = "%.9g" % x
    if "." not in s and "e" not in s:
        s += ".0"
    return s + "f"


for name, ws in VARIANTS:
    for step in (1, 3):
        vals = ", ".join(c_float(x) for x in ws[step - 1])
        print("static const float %s_%d[5] = {%s};" % (name, step, vals))
