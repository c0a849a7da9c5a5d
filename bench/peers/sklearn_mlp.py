#!/usr/bin/python3
"""scikit-learn peer for bench/run.sh: MLPClassifier with the same hidden
layers, relu, adam (lr, eps=1e-7), batch size and epochs as the ffnn case.

Usage: sklearn_mlp.py CSV --layers 256,256 [--batch 128] [--epochs 3]
                      [--threads 1] [--lr 0.001]

Prints one JSON line on stdout: load_s, loop_s (MLPClassifier.fit alone),
samples (rows x epochs), dtype of the fitted weights, final loss, training
accuracy.  Threads are capped with threadpoolctl (sklearn's MLP is numpy
matmuls, so the BLAS behind numpy sets its speed; blas_lib reports it).

Differences from ffnn/Keras that cannot be configured away:
- no dropout (sklearn's MLP has none); L2 alpha set to 0;
- the output is always softmax + log-loss for multiclass (so the iris
  "binary_crossentropy on softmax" quirk becomes categorical cross-entropy);
- sklearn initialises with its own glorot variant, and evaluates the loss
  on every batch (extra work counted in loop_s);
- float32 input keeps float32 weights (sklearn >= 1.0), which is what we pass;
- early stopping / tol are disabled (n_iter_no_change > epochs) so it runs
  exactly --epochs epochs.
"""
import argparse
import json
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--layers", default="16,16")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    t0 = time.perf_counter()
    raw = np.loadtxt(a.csv, delimiter=",", skiprows=1, dtype=np.float32)
    X = np.ascontiguousarray(raw[:, :-1])
    y = raw[:, -1].astype(np.int64)
    load_s = time.perf_counter() - t0

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(int(w) for w in a.layers.split(",") if w),
        activation="relu", solver="adam", alpha=0.0, batch_size=a.batch,
        learning_rate_init=a.lr, epsilon=1e-7, max_iter=a.epochs, shuffle=True,
        random_state=a.seed, tol=0.0, n_iter_no_change=a.epochs + 1,
        early_stopping=False)
    with threadpool_limits(limits=a.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        clf.fit(X, y)
        loop_s = time.perf_counter() - t0
    blas = sorted({i.get("internal_api", "?") + ":" + i.get("filepath", "?").rsplit("/", 1)[-1]
                   for i in threadpool_info() if i.get("user_api") == "blas"})
    print(json.dumps({
        "peer": "sklearn " + __import__("sklearn").__version__, "threads": a.threads,
        "load_s": round(load_s, 6), "loop_s": round(loop_s, 6),
        "samples": X.shape[0] * clf.n_iter_, "dtype": str(clf.coefs_[0].dtype),
        "loss": round(float(clf.loss_), 5), "accuracy": round(float(clf.score(X, y)), 5),
        "blas_lib": ",".join(blas) or "unknown",
    }))


if __name__ == "__main__":
    main()
