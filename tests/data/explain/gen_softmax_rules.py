#!/usr/bin/python3
"""Reference DeepSHAP values of a softmax network under shap's two softmax
rules, for tests/unit/test_explain.c (test_softmax_rules_reference):

    /usr/bin/python3 tests/data/explain/gen_softmax_rules.py > tests/data/explain/softmax_rules.txt

Written from shap-semantics.md (sections 1.1-1.3) and the DeepLIFT paper,
not from ffnn's code: the network 5 -> 6 relu -> 4 relu -> 3 softmax is
evaluated in float32 (as ffnn and the frameworks do), then multipliers are
back-propagated in float64 one operation at a time, the way each framework's
handlers see the graph:

  tf     shap's TensorFlow handler: softmax is rewritten as
         u = z - max(z); e = exp(u); s = sum(e); p = e / s, and each piece
         takes its own rule: Rescale for exp, linear for the sum, the
         two-player Shapley split for the division (both inputs vary), then
         the multiplier w.r.t. u is mapped to z by du/dz.
  torch  shap's PyTorch handler for nn.Softmax: the elementwise Rescale
         rule dp_j/dz_j, and where |dz_j| < 1e-6 the ordinary gradient at
         the reference (the full softmax Jacobian, checked here against
         finite differences).

Rescale everywhere falls back to the derivative at the reference below
|dz| = 1e-6; the division drops a share below 1e-7.  phi = mean over the
background rows of (input multiplier) * (x - b).

Output: `name rows cols` then the numbers, float32 inputs with 9 significant
digits (they read back exactly), expected values with 17."""
import numpy as np

f32 = np.float32
rng = np.random.default_rng(20261127)
sizes = [5, 6, 4, 3]
W = [rng.uniform(-1.2, 1.2, (sizes[i + 1], sizes[i])).astype(f32) for i in range(3)]
b = [rng.uniform(-0.5, 0.5, sizes[i + 1]).astype(f32) for i in range(3)]
X = (rng.normal(size=(4, 5)) * 1.5).astype(f32)
B = (rng.normal(size=(6, 5)) * 1.5).astype(f32)


def forward(x):
    """Pre-activations and activations of each layer, float32."""
    zs, acts = [], []
    a = x
    for l in range(3):
        z = (W[l] @ a + b[l]).astype(f32)
        if l < 2:
            a = np.maximum(z, f32(0))
        else:
            e = np.exp(z - z.max())
            a = (e / e.sum()).astype(f32)
        zs.append(z)
        acts.append(a)
    return zs, acts


def rescale(g, dx, dy, dref):
    """Elementwise Rescale multiplier applied to upstream g."""
    out = np.empty_like(g)
    for i in range(len(g)):
        out[i] = g[i] * dref[i] if abs(dx[i]) < 1e-6 else g[i] * dy[i] / dx[i]
    return out


def softmax_tf(g, zx, zr):
    """Upstream g (w.r.t. p) -> multiplier w.r.t. z, TensorFlow handler."""
    zx = zx.astype(np.float64)
    zr = zr.astype(np.float64)
    ux, ur = zx - zx.max(), zr - zr.max()
    ex, er = np.exp(ux), np.exp(ur)
    sx, sr = ex.sum(), er.sum()
    de, ds = ex - er, sx - sr
    # p = e / s, both inputs varying: Shapley shares of the two players.
    g_e = np.zeros(3)
    g_s = 0.0
    for c in range(3):
        p11, p00 = ex[c] / sx, er[c] / sr
        p10, p01 = ex[c] / sr, er[c] / sx   # (e from x, s from ref), (e ref, s x)
        share_e = 0.5 * ((p11 - p01) + (p10 - p00))
        share_s = 0.5 * ((p11 - p10) + (p01 - p00))
        if abs(de[c]) >= 1e-7:
            g_e[c] += g[c] * share_e / de[c]
        if abs(ds) >= 1e-7:
            g_s += g[c] * share_s / ds
    g_e += g_s                                  # s = sum(e): linear
    g_u = rescale(g_e, ux - ur, ex - er, er)    # exp, derivative at ref = e_ref
    dz = zx - zr
    out = np.empty(3)
    for j in range(3):                          # u = z - max z, mapped back
        out[j] = g_u[j] if abs(dz[j]) < 1e-6 else g_u[j] * (ux[j] - ur[j]) / dz[j]
    return out


def softmax_jacobian(p):
    return np.diag(p) - np.outer(p, p)          # d p_i / d z_j


def softmax_torch(g, zx, zr, px, pr):
    zx, zr = zx.astype(np.float64), zr.astype(np.float64)
    px, pr = px.astype(np.float64), pr.astype(np.float64)
    grad_ref = softmax_jacobian(pr).T @ g       # ordinary gradient at the reference
    out = np.empty(3)
    for j in range(3):
        dz = zx[j] - zr[j]
        out[j] = grad_ref[j] if abs(dz) < 1e-6 else g[j] * (px[j] - pr[j]) / dz
    return out


def check_jacobian():
    z = np.array([0.3, -1.1, 0.8])
    sm = lambda v: np.exp(v - v.max()) / np.exp(v - v.max()).sum()
    h = 1e-6
    fd = np.stack([(sm(z + h * np.eye(3)[j]) - sm(z - h * np.eye(3)[j])) / (2 * h)
                   for j in range(3)], axis=1)
    assert np.allclose(fd, softmax_jacobian(sm(z)), atol=1e-8)


def deep(rule):
    phi = np.zeros((len(X), 3, 5))
    for r, x in enumerate(X):
        zx, ax = forward(x)
        for bk in B:
            zr, ar = forward(bk)
            for c in range(3):
                g = np.eye(3)[c]
                if rule == "tf":
                    g = softmax_tf(g, zx[2], zr[2])
                else:
                    g = softmax_torch(g, zx[2], zr[2], ax[2], ar[2])
                for l in (2, 1, 0):
                    g = W[l].astype(np.float64).T @ g
                    if l > 0:
                        relu_ref = (zr[l - 1] > 0).astype(np.float64)
                        g = rescale(g, zx[l - 1].astype(np.float64) - zr[l - 1],
                                    ax[l - 1].astype(np.float64) - ar[l - 1], relu_ref)
                phi[r, c] += g * (x.astype(np.float64) - bk)
    return phi / len(B)


def dump(name, a, fmt):
    a = np.atleast_2d(a)
    print(name, a.shape[0], a.shape[1])
    for row in a:
        print(" ".join(fmt % v for v in row))


check_jacobian()
for l in range(3):
    dump("W%d" % l, W[l], "%.9g")
    dump("b%d" % l, b[l], "%.9g")
dump("X", X, "%.9g")
dump("B", B, "%.9g")
for rule in ("tf", "torch"):
    phi = deep(rule)
    dump("phi_" + rule, phi.reshape(len(X) * 3, 5), "%.17g")
