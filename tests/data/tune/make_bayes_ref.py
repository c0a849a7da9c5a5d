#!/usr/bin/python3
"""Reference values for tests/unit/test_tune_bayes.c: keras-tuner's
BayesianOptimization step, computed in Python with scikit-learn and scipy.

    /usr/bin/python3 tests/data/tune/make_bayes_ref.py > tests/data/tune/bayes_ref.json
    /usr/bin/python3 tests/data/tune/make_bayes_ref.py --check tests/data/tune/bayes_ref.json

The first form writes the reference file (committed, so the unit test runs
without Python); --check recomputes it and compares (exit 1 and one line per
difference), which tests/cli/test_tune_bayes.sh runs when scikit-learn is
installed.

keras-tuner itself is not packaged by Debian, so its rules are written out
here from its source (keras-tuner 1.4: hp_types/int_hp.py, float_hp.py,
choice_hp.py, numerical.py, hp_utils.py; tuners/bayesian.py), independently
of lib/tune_bayes.c:
- "value_to_prob": each kind of hyperparameter (Int and Float with linear,
  log and reverse_log sampling, with and without step; Choice of numbers and
  of strings; max == min), the probability of values and the value that
  prob_to_value gives back for it;
- "propose": a history of trials (values drawn as keras-tuner draws them,
  scores of a maximised objective, one failed trial), the GP keras-tuner
  fits to it (GaussianProcessRegressor(Matern(nu=2.5), n_restarts_optimizer=
  20, normalize_y=True, alpha)) and the values of the minimum of mean -
  beta*std, found from keras-tuner's 50 starts and 500 more, polished; with
  proposal_batch 2, the second proposal from a GP that also holds the first,
  scored mean + std of the first fit (keras-tuner's ongoing trials; a
  score of the mean alone would give another proposal).  The
  script asserts that the answer is robust: the best minimum's basin holds a
  fifth of the starts, no other minimum (1e-4 away) comes within 1e-4 of
  its value, and stepped coordinates lie away from their buckets' edges.
Log grids whose size keras-tuner's int() truncates (0.001..1 step 10 has 3
points there) are left out: ffnn counts their points with a 1e-8 tolerance
(tune_space.c), so they have 4.
"""
import math
import os
import sys

import numpy as np
import scipy.optimize
import sklearn
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern

# tests/data/gp/make_ref.py: the comparison and the command line
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gp"))
import make_ref  # noqa: E402


# ---- keras-tuner's hyperparameters ---------------------------------------------

def prob_to_index(prob, n):
    index = int(math.floor(prob / (1 / n)))
    return n - 1 if index == n else index


def index_to_prob(index, n):
    return (index + 0.5) * (1 / n)


class Numerical:
    def __init__(self, min_value, max_value, step=None, sampling="linear"):
        self.min_value, self.max_value, self.step, self.sampling = min_value, max_value, step, sampling

    def _sample_numerical_value(self, prob, max_value=None):
        mx = self.max_value if max_value is None else max_value
        if self.sampling == "linear":
            return prob * (mx - self.min_value) + self.min_value
        if self.sampling == "log":
            return self.min_value * math.pow(mx / self.min_value, prob)
        return mx + self.min_value - self.min_value * math.pow(mx / self.min_value, 1 - prob)

    def _numerical_to_prob(self, value, max_value=None):
        mx = self.max_value if max_value is None else max_value
        if mx == self.min_value:
            return 0.5
        if self.sampling == "linear":
            return (value - self.min_value) / (mx - self.min_value)
        if self.sampling == "log":
            return math.log(value / self.min_value) / math.log(mx / self.min_value)
        return 1.0 - math.log((mx + self.min_value - value) / self.min_value) / math.log(mx / self.min_value)

    def _n_values(self):
        if self.sampling == "linear":
            return (self.max_value - self.min_value) // self.step + 1
        return int(math.log(self.max_value / self.min_value, self.step)) + 1

    def _sample_with_step(self, prob):
        index = prob_to_index(prob, self._n_values())
        if self.sampling == "linear":
            return self.min_value + index * self.step
        if self.sampling == "log":
            return self.min_value * math.pow(self.step, index)
        return self.max_value + self.min_value - self.min_value * math.pow(self.step, index)

    def _to_prob_with_step(self, value):
        if self.sampling == "linear":
            index = (value - self.min_value) // self.step
        elif self.sampling == "log":
            index = math.log(value / self.min_value, self.step)
        else:
            index = math.log((self.max_value - value + self.min_value) / self.min_value, self.step)
        return index_to_prob(index, self._n_values())


class Int(Numerical):
    def __init__(self, min_value, max_value, step=None, sampling="linear"):
        if step is None and sampling == "linear":
            step = 1
        super().__init__(int(min_value), int(max_value), step, sampling)

    def prob_to_value(self, prob):
        if self.step is None:
            return int(self._sample_numerical_value(prob, self.max_value + 1))
        return int(self._sample_with_step(prob))

    def value_to_prob(self, value):
        if self.step is None:
            return self._numerical_to_prob(value + 0.5, self.max_value + 1)
        return self._to_prob_with_step(value)


class Float(Numerical):
    def __init__(self, min_value, max_value, step=None, sampling="linear"):
        super().__init__(float(min_value), float(max_value), None if step is None else float(step), sampling)

    def prob_to_value(self, prob):
        if self.step is None:
            return self._sample_numerical_value(prob)
        return self._sample_with_step(prob)

    def value_to_prob(self, value):
        if self.step is None:
            return self._numerical_to_prob(value)
        return self._to_prob_with_step(value)


class Choice:
    def __init__(self, values):
        self.values = values

    def prob_to_value(self, prob):
        return self.values[prob_to_index(prob, len(self.values))]

    def value_to_prob(self, value):
        return index_to_prob(self.values.index(value), len(self.values))


class Fixed:
    def __init__(self, value):
        self.value = value


def kt_hp(spec):
    """The keras-tuner hyperparameter an ffnn hypergrid entry stands for
    (entries here always give "type" for ranges)."""
    if not isinstance(spec, dict):
        return Fixed(spec)
    if "values" in spec:
        return Choice(spec["values"])
    cls = Int if spec["type"] == "int" else Float
    return cls(spec["min"], spec["max"], spec.get("step"), spec.get("sampling", "linear"))


# ---- value_to_prob cases ----------------------------------------------------------

HPS = [
    ("int linear step", {"type": "int", "min": 16, "max": 64, "step": 12}, None),
    ("int linear step 1", {"type": "int", "min": 1, "max": 4}, None),
    ("int log step", {"type": "int", "min": 1, "max": 64, "step": 2, "sampling": "log"}, None),
    ("int reverse_log step", {"type": "int", "min": 1, "max": 64, "step": 4, "sampling": "reverse_log"}, None),
    ("int log", {"type": "int", "min": 8, "max": 128, "sampling": "log"}, [8, 9, 31, 100, 128]),
    ("int reverse_log", {"type": "int", "min": 2, "max": 50, "sampling": "reverse_log"}, [2, 3, 27, 49, 50]),
    ("int min == max", {"type": "int", "min": 5, "max": 5}, None),
    ("float linear step", {"type": "float", "min": 0.1, "max": 0.7, "step": 0.2}, None),
    ("float linear step 0.1", {"type": "float", "min": 0.0, "max": 0.5, "step": 0.1}, None),
    ("float log step", {"type": "float", "min": 0.125, "max": 8.0, "step": 2, "sampling": "log"}, None),
    ("float reverse_log step", {"type": "float", "min": 0.5, "max": 8.0, "step": 2,
                                "sampling": "reverse_log"}, None),
    ("float linear", {"type": "float", "min": 0.0, "max": 0.5}, [0.0, 0.125, 0.3, 0.5]),
    ("float log", {"type": "float", "min": 1e-4, "max": 1e-1, "sampling": "log"}, [1e-4, 0.001, 0.05, 0.1]),
    ("float reverse_log", {"type": "float", "min": 0.5, "max": 0.999, "sampling": "reverse_log"},
     [0.5, 0.9, 0.99, 0.999]),
    ("float min == max", {"type": "float", "min": 0.3, "max": 0.3}, [0.3]),
    ("choice of numbers", {"values": [0.01, 0.001, 0.0001]}, None),
    ("choice of strings", {"values": ["relu", "tanh", "sigmoid", "elu"]}, None),
]


def grid_values(hp):
    if isinstance(hp, Choice):
        return list(hp.values)
    n = int(hp._n_values())
    return [hp.prob_to_value(index_to_prob(i, n)) for i in range(n)]


def value_cases():
    out = []
    for name, spec, values in HPS:
        hp = kt_hp(spec)
        vals = values if values is not None else grid_values(hp)
        probs = [hp.value_to_prob(v) for v in vals]
        back = [hp.prob_to_value(p) for p in probs]
        out.append({"name": name, "hp": spec, "values": vals, "probs": probs, "back": back})
    return out


# ---- the Bayesian step -------------------------------------------------------------

GRID = {
    "hypergrid": {
        "width": {"type": "int", "min": 16, "max": 64, "step": 12},
        "droprate": {"type": "float", "min": 0.0, "max": 0.5},
        "activation": {"values": ["relu", "tanh"]},
        "learning_rate": 0.01,
    },
    "tuner": {"algorithm": "bayesian", "max_trials": 30, "num_initial_points": 6, "seed": 0,
              "objective": "val_accuracy"},
}
BETA = 2.6
ALPHA = 1e-4


def space():
    return [(k, kt_hp(v)) for k, v in GRID["hypergrid"].items()]


def history():
    """Ten trials: values drawn as keras-tuner's prob_to_value draws them,
    a smooth score with a little noise, trial 4 failed."""
    rs = np.random.RandomState(17)
    trials = []
    for i in range(10):
        values = {}
        for name, hp in space():
            values[name] = hp.value if isinstance(hp, Fixed) else hp.prob_to_value(float(rs.uniform()))
        w = (values["width"] - 16) / 48
        score = 0.95 - 0.25 * (w - 0.55) ** 2 - 0.6 * (values["droprate"] - 0.15) ** 2 \
            + (0.02 if values["activation"] == "relu" else 0.0) + 0.005 * float(rs.normal())
        failed = i == 4
        trials.append({"values": values, "status": "failed" if failed else "completed",
                       "score": None if failed else score})
    return trials


def vectorize(values):
    """keras-tuner's _vectorize_trials row (Fixed hps left out)."""
    return [hp.value_to_prob(values[name]) for name, hp in space() if not isinstance(hp, Fixed)]


def decode(x):
    """keras-tuner's _vector_to_values."""
    out, k = {}, 0
    for name, hp in space():
        if isinstance(hp, Fixed):
            out[name] = hp.value
        else:
            out[name] = hp.prob_to_value(float(x[k]))
            k += 1
    return out


def fit(x, y):
    gp = GaussianProcessRegressor(kernel=Matern(nu=2.5), n_restarts_optimizer=20, normalize_y=True,
                                  alpha=ALPHA, random_state=0).fit(np.array(x), np.array(y))
    return gp


def minimum(gp, d):
    """The acquisition's minimum from keras-tuner's 50 starts and 500 more,
    polished; asserts that it is robust (see the top)."""
    def a(x):
        mu, sd = gp.predict(x.reshape(1, -1), return_std=True)
        return float(mu[0] - BETA * sd[0])
    bounds = np.array([[0.0, 1.0]] * d)
    starts = np.vstack([np.random.RandomState(0).uniform(size=(50, d)),
                        np.random.RandomState(1).uniform(size=(500, d))])
    found = []
    for x0 in starts:
        r = scipy.optimize.minimize(a, x0=x0, bounds=bounds, method="L-BFGS-B")
        r = scipy.optimize.minimize(a, x0=r.x, bounds=bounds, method="L-BFGS-B",
                                    options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 10000})
        found.append((float(r.fun), r.x))
    found.sort(key=lambda t: t[0])
    best_f, best_x = found[0]
    same = sum(1 for f, x in found if np.allclose(x, best_x, rtol=0, atol=1e-4))
    assert same >= len(found) // 5, ("basin too small", same)
    others = [f for f, x in found if not np.allclose(x, best_x, rtol=0, atol=1e-4)]
    assert not others or others[0] > best_f + 1e-4, ("close second", best_f, others[0])
    k = 0
    for name, hp in space():
        if isinstance(hp, Fixed):
            continue
        u = best_x[k]
        k += 1
        n = len(hp.values) if isinstance(hp, Choice) else (hp._n_values() if hp.step else None)
        if n:
            edge = abs(u * n - round(u * n))
            assert edge > 1e-6 or u in (0.0, 1.0), ("on a bucket edge", name, u)
    return best_x, best_f


def propose_cases():
    trials = history()
    d = sum(1 for _, hp in space() if not isinstance(hp, Fixed))
    x = [vectorize(t["values"]) for t in trials if t["status"] == "completed"]
    y = [-t["score"] for t in trials if t["status"] == "completed"]
    out = []
    gp1 = fit(x, y)
    x1, f1 = minimum(gp1, d)
    v1 = decode(x1)
    out.append({"name": "one", "proposal_batch": 1, "values": [v1], "x": [x1.tolist()],
                "acquisition": [f1], "length_scale": [float(gp1.kernel_.length_scale)]})
    row = vectorize(v1)
    mu, sd = gp1.predict(np.array([row]), return_std=True)
    gp2 = fit(x + [row], y + [float(mu[0] + sd[0])])
    x2, f2 = minimum(gp2, d)
    # the test tells keras-tuner's pessimistic score from the mean alone
    plain = fit(x + [row], y + [float(mu[0])])
    assert decode(minimum(plain, d)[0]) != decode(x2), "mean alone gives the same proposal"
    out.append({"name": "batch of two", "proposal_batch": 2, "values": [v1, decode(x2)],
                "x": [x1.tolist(), x2.tolist()], "acquisition": [f1, f2],
                "length_scale": [float(gp1.kernel_.length_scale), float(gp2.kernel_.length_scale)],
                "hallucinated": float(mu[0] + sd[0])})
    return {"grid": GRID, "trials": trials, "vectors": x, "cases": out}


def main():
    return {"generator": "tests/data/tune/make_bayes_ref.py", "sklearn": sklearn.__version__,
            "value_to_prob": value_cases(), "propose": propose_cases()}


if __name__ == "__main__":
    # optimiser outputs (x, acquisition, length scales, hallucinated scores,
    # the continuous values decoded from x) to 1e-6, the rest to 1e-9
    make_ref.cli(main, lambda path: ".cases[" in path)
