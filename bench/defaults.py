#!/usr/bin/python3
"""ffnn's defaults against scikit-learn's default MLP (issue 11).

For iris, breast cancer and diabetes (datasets/*.csv) and each of N seeded
splits (ffnn-split -t 0.33 -s SEED, stratified for the classifiers), trains

  ffnn:    ffnn-train -s SEED TRAIN.csv            (no config: the defaults)
           ffnn-predict MODEL TEST.csv | ffnn-eval --json
  sklearn: make_pipeline(StandardScaler(), MLPClassifier(random_state=SEED))
           make_pipeline(StandardScaler(), MLPRegressor(random_state=SEED))

on the same rows, and prints a markdown table of the median (min-max) test
accuracy (classifiers) and test MAE (diabetes) of each, and whether ffnn's
median is at least as good.  Run it with Debian's /usr/bin/python3 (it needs
python3-sklearn); `make bench-defaults` builds ffnn first.

Environment: FFNN_BIN (default ./bin), BENCH_SPLITS (10), BENCH_CONFIG (a
config for ffnn-train, to compare a variant; default none), BENCH_WORK
(build/bench-defaults).
"""
import json
import os
import statistics
import subprocess
import sys
import warnings

import numpy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, mean_absolute_error
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("FFNN_BIN", os.path.join(ROOT, "bin"))
SPLITS = int(os.environ.get("BENCH_SPLITS", "10"))
CONFIG = os.environ.get("BENCH_CONFIG", "")
WORK = os.environ.get("BENCH_WORK", os.path.join(ROOT, "build", "bench-defaults"))

# (name, file, task); the metric is accuracy (higher is better) for the
# classifiers and MAE (lower is better) for the regression.
DATASETS = [
    ("iris", "iris.csv", "classification"),
    ("breast cancer", "breast_cancer.csv", "classification"),
    ("diabetes", "diabetes.csv", "regression"),
]


def run(args, stdin=None):
    return subprocess.run(args, input=stdin, check=True, stdout=subprocess.PIPE).stdout


def load(path):
    data = numpy.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1]


def ffnn_score(train, test, seed, task):
    model = train[:-4] + ".ffnn"
    args = [os.path.join(BIN, "ffnn-train"), "-q", "-s", str(seed), "-o", model]
    if CONFIG:
        args += ["-c", CONFIG]
    run(args + [train])
    pred = run([os.path.join(BIN, "ffnn-predict"), model, test])
    m = json.loads(run([os.path.join(BIN, "ffnn-eval"), "--json"], stdin=pred))
    return m["accuracy"] if task == "classification" else m["mae"]


def sklearn_score(train, test, seed, task):
    Xtr, ytr = load(train)
    Xte, yte = load(test)
    if task == "classification":
        est = make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
    else:
        est = make_pipeline(StandardScaler(), MLPRegressor(random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(Xtr, ytr)
    p = est.predict(Xte)
    if task == "classification":
        return accuracy_score(yte, p)
    return mean_absolute_error(yte, p)


def summary(xs):
    return "%.3f (%.3f–%.3f)" % (statistics.median(xs), min(xs), max(xs))


def main():
    os.makedirs(WORK, exist_ok=True)
    rows = []
    for name, fname, task in DATASETS:
        f, s = [], []
        for seed in range(SPLITS):
            base = os.path.join(WORK, "%s-%d" % (fname[:-4], seed))
            train, test = base + "-train.csv", base + "-test.csv"
            split = [os.path.join(BIN, "ffnn-split"), "-t", "0.33", "-s", str(seed)]
            if task == "classification":
                split.append("--stratify")
            run(split + [os.path.join(ROOT, "datasets", fname), train, test])
            f.append(ffnn_score(train, test, seed, task))
            s.append(sklearn_score(train, test, seed, task))
        fm, sm = statistics.median(f), statistics.median(s)
        better = fm >= sm if task == "classification" else fm <= sm
        metric = "accuracy" if task == "classification" else "MAE"
        rows.append("| %s | test %s | %s | %s | %s |" % (
            name, metric, summary(f), summary(s),
            "yes" if better else "no, by %.3f" % abs(fm - sm)))
    print("| dataset | metric | ffnn, no config | scikit-learn %s default MLP | ffnn's median as good |"
          % sklearn.__version__)
    print("|---|---|---|---|---|")
    for r in rows:
        print(r)
    print()
    print("Median (min–max) over %d splits (ffnn-split -t 0.33 -s 0..%d, stratified for the "
          "classifiers); ffnn-train -s SEED%s; scikit-learn: make_pipeline(StandardScaler(), "
          "MLPClassifier|MLPRegressor(random_state=SEED))." % (
              SPLITS, SPLITS - 1, " -c " + CONFIG if CONFIG else ", no config"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
