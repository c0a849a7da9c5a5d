#!/usr/bin/python3
"""Practical fp32 ceiling for bench/run.sh: numpy sgemm (whatever BLAS numpy
loads; run.sh points it at OpenBLAS when installed) at 1 and N threads.

Usage: sgemm.py THREADS...
Prints one line per thread count: "<threads> <GFLOP/s big> <GFLOP/s model> <blas>"
- big:   1024x1024 @ 1024x1024 (what a BLAS can reach),
- model: the case-2 forward product at batch 128, (128x256) @ (256x256),
  the shape ffnn actually multiplies (small, so per-call overhead shows).
Best of 5 timings of a loop of calls each.
"""
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def rate(m, k, n, threads):
    a = np.random.default_rng(0).standard_normal((m, k), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    flops = 2.0 * m * k * n
    reps = max(1, int(2e9 / flops))
    best = 0.0
    with threadpool_limits(limits=threads):
        np.matmul(a, b, out=c)
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                np.matmul(a, b, out=c)
            best = max(best, flops * reps / (time.perf_counter() - t0) / 1e9)
    return best


def main():
    blas = ",".join(sorted({i.get("internal_api", "?") for i in threadpool_info()
                            if i.get("user_api") == "blas"})) or "unknown"
    for t in (int(x) for x in sys.argv[1:] or ["1"]):
        print(t, "%.1f" % rate(1024, 1024, 1024, t), "%.1f" % rate(128, 256, 256, t), blas)


if __name__ == "__main__":
    main()
