#!/usr/bin/python3
"""Reference values for tests/unit/test_gp.c from scikit-learn.

    /usr/bin/python3 tests/data/gp/make_ref.py > tests/data/gp/ref.json
    /usr/bin/python3 tests/data/gp/make_ref.py --check tests/data/gp/ref.json

The first form writes the reference file (committed, so the unit test runs
without Python); --check recomputes everything and compares it with a
committed file (exit 1 and one line per difference), which
tests/cli/test_gp.sh runs when scikit-learn is installed.

Every case is computed by scikit-learn's GaussianProcessRegressor with the
kernel keras-tuner uses, Matern(nu=2.5), normalize_y=True and alpha, and by
scipy's L-BFGS-B as keras-tuner's BayesianOptimizationOracle calls it:
- posterior: mean and std (predict(return_std=True)) at fixed length scales
  (optimizer=None), including n = 1 (std(y) = 0) and a training point;
- lml: log_marginal_likelihood(theta=[log l], eval_gradient=True);
- fit: the length scale sklearn fits with n_restarts_optimizer=20, and the
  same optimum found again to 1e-12 (scipy's L-BFGS-B with tight tolerances
  from the best of a grid over the bounds), for cases with one clear maximum;
- propose: the minimum of mean - beta*std over [0,1]^d, found as keras-tuner
  does (L-BFGS-B from 50 uniform starts) and then polished with tight
  tolerances, for a GP with a fixed length scale and for keras-tuner's whole
  step (fit with restarts, then 50 starts).
"""
import json
import math
import sys

import numpy as np
import scipy.optimize
import sklearn
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern

LS_BOUNDS = (1e-5, 1e5)


def fixed_gp(x, y, ls, alpha):
    """Not fitted (optimizer=None); the bounds stay so that
    log_marginal_likelihood takes a theta."""
    k = Matern(length_scale=ls, length_scale_bounds=LS_BOUNDS, nu=2.5)
    return GaussianProcessRegressor(kernel=k, alpha=alpha, normalize_y=True, optimizer=None).fit(x, y)


def kt_gp(x, y, alpha, seed):
    """keras-tuner's _make_gpr, fitted."""
    return GaussianProcessRegressor(kernel=Matern(nu=2.5), n_restarts_optimizer=20, normalize_y=True,
                                    alpha=alpha, random_state=seed).fit(x, y)


def data(seed, n, d):
    rs = np.random.RandomState(seed)
    x = rs.uniform(size=(n, d))
    y = np.sin(3 * x[:, 0]) + (0.5 * np.cos(5 * x[:, 1]) if d > 1 else 0) + 0.1 * rs.normal(size=n)
    return x, y


def polish_lml(gp):
    """The LML maximum to ~1e-12: best of a grid over the bounds, then tight L-BFGS-B."""
    lo, hi = np.log(LS_BOUNDS)
    grid = np.linspace(lo, hi, 2001)
    vals = [gp.log_marginal_likelihood([t]) for t in grid]
    t0 = grid[int(np.argmax(vals))]
    f = lambda t: tuple(-v for v in gp.log_marginal_likelihood(t, eval_gradient=True, clone_kernel=True))
    r = scipy.optimize.minimize(f, [t0], jac=True, bounds=[(lo, hi)], method="L-BFGS-B",
                                options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
    # local maxima above the plateau of tiny length scales (K = (1 + alpha) I
    # there, so the LML is flat up to rounding)
    maxima = [i for i in range(1, len(vals) - 1)
              if vals[i] > vals[i - 1] and vals[i] >= vals[i + 1] and vals[i] > vals[0] + 1e-6]
    return math.exp(r.x[0]), -r.fun, len(maxima)


def acquisition(gp, beta):
    def a(x):
        mu, sd = gp.predict(x.reshape(1, -1), return_std=True)
        return mu[0] - beta * sd[0]
    return a


def kt_propose(gp, d, beta, seed):
    """keras-tuner's populate_space after the fit: L-BFGS-B from 50 uniform
    starts; then the best point polished with tight tolerances."""
    a = acquisition(gp, beta)
    bounds = np.array([[0.0, 1.0]] * d)
    starts = np.random.RandomState(seed).uniform(bounds[:, 0], bounds[:, 1], size=(50, d))
    best_x, best_f = None, float("inf")
    for x0 in starts:
        r = scipy.optimize.minimize(a, x0=x0, bounds=bounds, method="L-BFGS-B")
        if r.fun < best_f:
            best_f, best_x = r.fun, r.x
    r = scipy.optimize.minimize(a, x0=best_x, bounds=bounds, method="L-BFGS-B",
                                options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 10000})
    x = r.x if r.fun <= best_f else best_x
    return x, a(x)


def main():
    out = {"generator": "tests/data/gp/make_ref.py", "sklearn": sklearn.__version__,
           "posterior": [], "lml": [], "fit": [], "propose": []}

    # posterior at fixed length scales
    for name, seed, n, d, ls, alpha in [("1d", 1, 6, 1, 0.3, 1e-4), ("2d", 2, 9, 2, 0.5, 1e-4),
                                        ("2d-long", 2, 9, 2, 2.5, 1e-4), ("3d-short", 3, 12, 3, 0.05, 1e-2),
                                        ("one-point", 4, 1, 2, 1.0, 1e-4)]:
        x, y = data(seed, n, d)
        rs = np.random.RandomState(100 + seed)
        q = np.vstack([rs.uniform(size=(5, d)), np.zeros((1, d)), np.ones((1, d)), x[:1]])
        mean, std = fixed_gp(x, y, ls, alpha).predict(q, return_std=True)
        out["posterior"].append({"name": name, "d": d, "x": x.tolist(), "y": y.tolist(), "alpha": alpha,
                                 "length_scale": ls, "query": q.tolist(), "mean": mean.tolist(),
                                 "std": std.tolist()})

    # log marginal likelihood and its gradient in log(length scale)
    for name, seed, n, d, alpha in [("2d", 2, 9, 2, 1e-4), ("4d-30", 5, 30, 4, 1e-4)]:
        x, y = data(seed, n, d)
        gp = fixed_gp(x, y, 1.0, alpha)
        pts = []
        for ls in [1e-3, 0.05, 0.3, 1.0, 4.0, 100.0]:
            lml, grad = gp.log_marginal_likelihood([math.log(ls)], eval_gradient=True)
            pts.append({"length_scale": ls, "lml": float(lml), "grad": float(grad[0])})
        out["lml"].append({"name": name, "d": d, "x": x.tolist(), "y": y.tolist(), "alpha": alpha,
                           "points": pts})

    # fitted length scale (cases with one maximum in the bounds)
    for name, seed, n, d in [("1d", 7, 8, 1), ("2d", 9, 12, 2), ("3d", 7, 15, 3)]:
        x, y = data(seed, n, d)
        gp = kt_gp(x, y, 1e-4, 0)
        ls_opt, lml_opt, nmax = polish_lml(gp)
        assert nmax == 1, (name, nmax)
        out["fit"].append({"name": name, "d": d, "x": x.tolist(), "y": y.tolist(), "alpha": 1e-4,
                           "length_scale": float(gp.kernel_.length_scale), "lml": float(gp.log_marginal_likelihood_value_),
                           "length_scale_opt": ls_opt, "lml_opt": lml_opt})

    # proposals
    for name, seed, n, d, ls in [("2d-fixed", 8, 10, 2, 0.5), ("2d-kt", 9, 12, 2, None)]:
        x, y = data(seed, n, d)
        gp = fixed_gp(x, y, ls, 1e-4) if ls else kt_gp(x, y, 1e-4, 0)
        best_x, best_f = kt_propose(gp, d, 2.6, 0)
        out["propose"].append({"name": name, "d": d, "x": x.tolist(), "y": y.tolist(), "alpha": 1e-4,
                               "beta": 2.6, "length_scale": ls if ls else float(gp.kernel_.length_scale),
                               "fit_length_scale": ls is None, "best_x": best_x.tolist(),
                               "best_value": float(best_f)})
    return out


def gp_loose(path):
    """Fitted length scales, their LML and proposals are optimiser outputs."""
    return ".fit[" in path and path.endswith(".length_scale") or ".lml" in path and ".fit[" in path \
        or ".propose[" in path


def compare(a, b, path, bad, loose=gp_loose):
    """Numbers equal to 1e-9 (relative, or absolute below 1); those at paths
    where loose(path) holds (optimiser outputs) to 1e-6."""
    if isinstance(a, dict):
        for k in a:
            if k == "sklearn":
                continue
            if k not in b:
                bad.append(f"{path}.{k}: missing")
            else:
                compare(a[k], b[k], f"{path}.{k}", bad, loose)
    elif isinstance(a, list):
        if len(a) != len(b):
            bad.append(f"{path}: length {len(a)} != {len(b)}")
        for i, (u, v) in enumerate(zip(a, b)):
            compare(u, v, f"{path}[{i}]", bad, loose)
    elif isinstance(a, float) or isinstance(b, float):
        tol = 1e-6 if loose(path) else 1e-9
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or \
                abs(a - b) > tol * max(1.0, abs(a), abs(b)):
            bad.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        bad.append(f"{path}: {a!r} != {b!r}")


def cli(make, loose):
    """No argument: print make()'s JSON; --check FILE: compare it with FILE
    (one line per difference, exit 1 if any)."""
    ref = make()
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        with open(sys.argv[2]) as f:
            old = json.load(f)
        bad = []
        compare(ref, old, "ref", bad, loose)
        for line in bad:
            print(line)
        sys.exit(1 if bad else 0)
    json.dump(ref, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    cli(main, gp_loose)
