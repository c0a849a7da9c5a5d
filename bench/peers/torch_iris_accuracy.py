#!/usr/bin/python3
"""Test accuracy of the tutorial's simple iris model in PyTorch, on the same
splits ffnn's tests use (ffnn-split -t 0.33 -s SEED, seeds 1..10), as a peer
for the accuracy bound in tests/cli/test_train.sh.

    /usr/bin/python3 bench/peers/torch_iris_accuracy.py [BIN_DIR]

Model: Linear 4-16 relu, Dropout 0.1, Linear 16-16 relu, Dropout 0.1,
Linear 16-3 softmax; Adam lr 0.001 (eps 1e-7); batch 100; 150 epochs; no
standardisation.  Prints the median over seeds for PyTorch's default init and
for Keras's (glorot_uniform, zero biases), each with binary cross-entropy on
the clipped softmax probabilities (Keras 3 on JAX/torch) and on the logits
(TensorFlow's cached-logits rule).
"""
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bin")


def load(path):
    rows = list(csv.reader(open(path)))[1:]
    X = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float32)
    y = np.array([int(r[4]) for r in rows])
    return X, y


def run(init, loss_rule, tmp):
    accs = []
    for seed in range(1, 11):
        tr, te = os.path.join(tmp, "tr.csv"), os.path.join(tmp, "te.csv")
        subprocess.run([os.path.join(BIN, "ffnn-split"), "-t", "0.33", "-s", str(seed),
                        os.path.join(ROOT, "datasets", "iris.csv"), tr, te], check=True)
        Xtr, ytr = load(tr)
        Xte, yte = load(te)
        torch.manual_seed(seed)
        m = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                torch.nn.Linear(16, 3))
        if init == "keras":
            for layer in m:
                if isinstance(layer, torch.nn.Linear):
                    torch.nn.init.xavier_uniform_(layer.weight)
                    torch.nn.init.zeros_(layer.bias)
        opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
        X = torch.tensor(Xtr)
        Y = torch.nn.functional.one_hot(torch.tensor(ytr), 3).float()
        for _ in range(150):
            perm = torch.randperm(len(X))
            for i in range(0, len(X), 100):
                idx = perm[i:i + 100]
                z = m(X[idx])
                if loss_rule == "logits":
                    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, Y[idx])
                else:
                    p = torch.softmax(z, 1).clamp(1e-7, 1 - 1e-7)
                    loss = torch.nn.functional.binary_cross_entropy(p, Y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        m.eval()
        with torch.no_grad():
            pred = m(torch.tensor(Xte)).argmax(1).numpy()
        accs.append(float((pred == yte).mean()))
    return accs


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for init in ("torch", "keras"):
            for rule in ("probabilities", "logits"):
                accs = run(init, rule, tmp)
                print("init %-5s  BCE on %-13s  median %.2f  (%s)" % (
                    init, rule, float(np.median(accs)), " ".join("%.2f" % a for a in accs)))


if __name__ == "__main__":
    main()
