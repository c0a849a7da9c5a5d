#!/usr/bin/python3
"""PyTorch peer for bench/run.sh: the same MLP, data, optimizer, batch size
and epochs as the ffnn case, trained in an eager loop the way a user writes
it (nn.Sequential, DataLoader-free index batches, torch.optim.Adam).

Usage: torch_mlp.py CSV --layers 16,16 [--dropout 0.1] [--loss bce|ce]
                    [--batch 100] [--epochs 150] [--threads 1] [--lr 0.001]

CSV: header row, numeric features, integer class label in the last column.
Prints one JSON line on stdout: load_s (CSV -> tensors), loop_s (the epoch
loop alone), samples (rows x epochs), and final training loss / accuracy as
a sanity check.  The whole-process time is measured outside, by run.sh.

Matching ffnn/Keras: glorot-uniform kernels, zero biases, inverted dropout
after each hidden activation, Adam(lr, eps=1e-7), reshuffle every epoch, the
last partial batch kept.  --loss bce is Keras's binary_crossentropy on a
softmax output as the torch/JAX backends compute it (clipped probabilities,
averaged over classes); --loss ce is softmax + categorical cross-entropy
(fused, F.cross_entropy).
"""
import argparse
import json
import time

t_start = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--layers", default="16,16")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--loss", choices=["bce", "ce"], default="ce")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t0 = time.perf_counter()
    raw = np.loadtxt(a.csv, delimiter=",", skiprows=1, dtype=np.float32)
    X = torch.from_numpy(np.ascontiguousarray(raw[:, :-1]))
    y = torch.from_numpy(raw[:, -1].astype(np.int64))
    n_classes = int(y.max()) + 1
    Y1 = F.one_hot(y, n_classes).float()
    load_s = time.perf_counter() - t0

    widths = [X.shape[1]] + [int(w) for w in a.layers.split(",") if w]
    mods = []
    for i in range(len(widths) - 1):
        mods += [torch.nn.Linear(widths[i], widths[i + 1]), torch.nn.ReLU()]
        if a.dropout > 0:
            mods.append(torch.nn.Dropout(a.dropout))
    mods.append(torch.nn.Linear(widths[-1], n_classes))
    model = torch.nn.Sequential(*mods)
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, eps=1e-7)
    model.train()

    n = X.shape[0]
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        perm = torch.randperm(n)
        tot, correct = 0.0, 0
        for s in range(0, n, a.batch):
            idx = perm[s:s + a.batch]
            xb = X[idx]
            logits = model(xb)
            if a.loss == "ce":
                yb = y[idx]
                loss = F.cross_entropy(logits, yb)
            else:
                yb1 = Y1[idx]
                p = torch.softmax(logits, dim=1).clamp(1e-7, 1 - 1e-7)
                loss = -(yb1 * p.log() + (1 - yb1) * (1 - p).log()).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
            correct += int((logits.argmax(1) == y[idx]).sum())
    loop_s = time.perf_counter() - t0

    print(json.dumps({
        "peer": "torch " + torch.__version__, "threads": a.threads,
        "load_s": round(load_s, 6), "loop_s": round(loop_s, 6),
        "samples": n * a.epochs, "loss": round(tot / n, 5),
        "accuracy": round(correct / n, 5),
        "import_s": round(t0 - t_start - load_s, 3),
    }))


if __name__ == "__main__":
    main()
