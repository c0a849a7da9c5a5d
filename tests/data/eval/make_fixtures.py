#!/usr/bin/python3
"""Regenerates the seeded fixture prediction files under tests/data/eval/.
Run from this directory with Debian's /usr/bin/python3 (numpy).  The files
are committed; this script only documents how they were made."""
import numpy as np

rng = np.random.default_rng(20240601)

def fmt(v):
    return repr(float(v))

# Binary, string classes, copied-through id column, probabilities rounded to
# 2 decimals so many scores tie.
with open("binary.csv", "w") as f:
    f.write("id,label,prediction,p_no,p_yes\n")
    for i in range(60):
        y = "yes" if rng.random() < 0.4 else "no"
        p = np.clip(rng.normal(0.65 if y == "yes" else 0.35, 0.2), 0, 1)
        p = round(p, 2)
        pred = "yes" if p > 0.5 else "no"
        f.write(f"r{i},{y},{pred},{fmt(round(1 - p, 2))},{fmt(p)}\n")

# Multiclass, 4 classes (names needing XML escaping), one class never
# predicted, softmax probabilities with full precision.
names = ["set<osa", "vers&icolor", "vir_ginica", "rare"]
with open("multiclass.csv", "w") as f:
    f.write("species,prediction," + ",".join("p_" + n for n in names) + "\n")
    for i in range(80):
        y = rng.choice(4, p=[0.3, 0.3, 0.3, 0.1])
        z = rng.normal(0, 1, 4)
        z[y] += 1.5
        z[3] -= 9.0          # "rare" never wins
        e = np.exp(z - z.max())
        p = e / e.sum()
        pred = int(np.argmax(p))
        row = [names[y], names[pred]] + [fmt(v) for v in p]
        f.write(",".join('"%s"' % c if "," in c else c for c in row) + "\n")

with open("regression.csv", "w") as f:
    f.write("x1,target,prediction\n")
    for i in range(50):
        t = rng.normal(10, 3)
        p = t + rng.normal(0, 1.2)
        f.write(f"{fmt(rng.random())},{fmt(t)},{fmt(p)}\n")
