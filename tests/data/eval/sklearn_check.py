#!/usr/bin/python3
"""Compares ffnn-eval --json (argv[2]) with scikit-learn on the same
predictions CSV (argv[1]) to 1e-9.  Prints one line per mismatch and exits 1
on any.  The true-label column is the one just before `prediction` (or
argv[3])."""
import csv, json, math, sys, warnings
import numpy as np
from sklearn import metrics as M

warnings.simplefilter("ignore")  # zero_division and the like

path, jpath = sys.argv[1], sys.argv[2]
with open(path, newline="") as f:
    rows = list(csv.reader(f))
hdr, rows = rows[0], rows[1:]
pc = hdr.index("prediction")
tc = hdr.index(sys.argv[3]) if len(sys.argv) > 3 else pc - 1
pcols = [j for j in range(pc + 1, len(hdr)) if hdr[j].startswith("p_")]
with open(jpath) as f:
    got = json.load(f)
bad = []

def cmp(key, want, have):
    if want is None or (isinstance(want, float) and math.isnan(want)):
        if have is not None:
            bad.append(f"{key}: want null, got {have}")
        return
    if have is None or abs(have - want) > 1e-9 * max(1.0, abs(want)):
        bad.append(f"{key}: sklearn {want!r}, ffnn-eval {have!r}")

def auc(*a, **k):
    """sklearn raises where the AUC is undefined; ffnn-eval prints null."""
    try:
        return M.roc_auc_score(*a, **k)
    except ValueError:
        return None

if got["task"] == "regression":
    t = np.array([float(r[tc]) for r in rows]); p = np.array([float(r[pc]) for r in rows])
    cmp("mae", M.mean_absolute_error(t, p), got["mae"])
    cmp("mse", M.mean_squared_error(t, p), got["mse"])
    cmp("rmse", M.mean_squared_error(t, p, squared=False), got["rmse"])
    cmp("r2", M.r2_score(t, p), got["r2"])
    cmp("max_error", M.max_error(t, p), got["max_error"])
    cmp("median_absolute_error", M.median_absolute_error(t, p), got["median_absolute_error"])
else:
    classes = [hdr[j][2:] for j in pcols]
    y = np.array([r[tc] for r in rows]); yp = np.array([r[pc] for r in rows])
    P = np.array([[float(r[j]) for j in pcols] for r in rows])
    if classes != got["classes"]:
        bad.append(f"classes: {classes} vs {got['classes']}")
    cmp("rows", len(rows), got["rows"])
    cmp("accuracy", M.accuracy_score(y, yp), got["accuracy"])
    cmp("balanced_accuracy", M.balanced_accuracy_score(y, yp), got["balanced_accuracy"])
    for avg in ("macro", "weighted"):
        p, r, f1, _ = M.precision_recall_fscore_support(y, yp, average=avg, zero_division="warn")
        cmp("precision_" + avg, p, got["precision_" + avg])
        cmp("recall_" + avg, r, got["recall_" + avg])
        cmp("f1_" + avg, f1, got["f1_" + avg])
    labels = sorted(set(y) | set(yp))
    p, r, f1, s = M.precision_recall_fscore_support(y, yp, labels=labels, average=None)
    per = {e["class"]: e for e in got["per_class"]}
    if sorted(per) != labels:
        bad.append(f"per_class classes {sorted(per)} vs {labels}")
    for i, c in enumerate(labels):
        e = per.get(c, {})
        cmp(f"precision:{c}", p[i], e.get("precision"))
        cmp(f"recall:{c}", r[i], e.get("recall"))
        cmp(f"f1:{c}", f1[i], e.get("f1"))
        cmp(f"support:{c}", int(s[i]), e.get("support"))
    cm = M.confusion_matrix(y, yp, labels=classes).tolist()
    if cm != got["confusion_matrix"]:
        bad.append(f"confusion_matrix: {cm} vs {got['confusion_matrix']}")
    # sklearn takes probability columns in sorted label order
    order = sorted(range(len(classes)), key=lambda i: classes[i])
    cmp("log_loss", M.log_loss(y, P[:, order], labels=[classes[i] for i in order]),
        got["log_loss"])
    if len(classes) == 2:
        cmp("roc_auc", auc(y == classes[1], P[:, 1]), got["roc_auc"])
    else:
        cmp("roc_auc", auc(y, P[:, order], multi_class="ovr", average="macro",
                                       labels=[classes[i] for i in order]), got["roc_auc"])
    for i, c in enumerate(classes):
        if c in per:
            cmp(f"roc_auc:{c}", auc(y == c, P[:, i]), per[c]["roc_auc"])
    # the seed tutorial's accuracy_score(y_onehot, model.predict(X) >= .5)
    onehot = np.array([[float(c == t) for c in classes] for t in y])
    cmp("subset_accuracy", M.accuracy_score(onehot, P >= .5), got["subset_accuracy"])
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
