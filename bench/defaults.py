#!/usr/bin/python3
"""ffnn's defaults against scikit-learn's default MLP (issue 11).

For iris, breast cancer and diabetes (datasets/*.csv) and each of N seeded
splits (ffnn-split -t 0.33 -s SEED, stratified for the classifiers), trains

  ffnn:    ffnn-train -s SEED TRAIN.csv            (no config: the defaults)
           ffnn-predict MODEL TEST.csv | ffnn-eval --json
  sklearn: make_pipeline(StandardScaler(), MLPClassifier(random_state=SEED))
           make_pipeline(StandardScaler(), MLPRegressor(random_state=SEED))

on the same rows, and prints a markdown table of the median (min-max) test
accuracy (classifiers) and test MAE (diabetes) of each, whether ffnn's
median is at least as good, and how many runs of each stopped at the
epoch limit rather than by the loss rule.  A second table shows how ffnn's
medians depend on its epochs "auto" limit, max(200, ceil(U / batches per
epoch)) with U = 10000: the same rule stated in a config with the limit for
U = 5000 and 20000, and with scikit-learn's 200 epochs.  For diabetes it adds two
references: predicting the training mean, and ffnn with the target
standardised by the training rows (then un-standardised).  The section also
goes into bench/RESULTS.md between its <!-- bench-defaults --> markers, with
the machine and the commit.  Run it with Debian's /usr/bin/python3 (it needs
python3-sklearn); `make bench-defaults` builds ffnn first.

Environment: FFNN_BIN (default ./bin), BENCH_SPLITS (10), BENCH_CONFIG (a
config for ffnn-train, to compare a variant; default none), BENCH_WORK
(build/bench-defaults), BENCH_OUT (bench/RESULTS.md; "-": stdout only).
"""
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import warnings

try:
    import numpy
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, mean_absolute_error
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
except ImportError as e:
    sys.exit("bench/defaults.py: %s; it needs Debian's python3-sklearn for /usr/bin/python3 "
             "(make bench-deps)" % e)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("FFNN_BIN", os.path.join(ROOT, "bin"))
SPLITS = int(os.environ.get("BENCH_SPLITS", "10"))
CONFIG = os.environ.get("BENCH_CONFIG", "")
WORK = os.environ.get("BENCH_WORK", os.path.join(ROOT, "build", "bench-defaults"))
OUT = os.environ.get("BENCH_OUT", os.path.join(ROOT, "bench", "RESULTS.md"))
BEGIN, END = "<!-- bench-defaults -->", "<!-- /bench-defaults -->"

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


def ffnn_fit(train, seed, config=None):
    """Trains without a config (or with config, default CONFIG); returns
    (model path, whether the epoch limit ended it rather than the loss rule,
    final training loss)."""
    config = config or CONFIG
    model = train[:-4] + ".ffnn"
    args = [os.path.join(BIN, "ffnn-train"), "-q", "-s", str(seed), "-o", model]
    if config:
        args += ["-c", config]
    run(args + [train])
    info = json.loads(run([os.path.join(BIN, "ffnn-info"), "--json", model]))["training"]
    return model, not info["stopped_early"], info["final"]["loss"]


def ffnn_score(train, test, seed, task, config=None):
    model, at_limit, loss = ffnn_fit(train, seed, config)
    pred = run([os.path.join(BIN, "ffnn-predict"), model, test])
    m = json.loads(run([os.path.join(BIN, "ffnn-eval"), "--json"], stdin=pred))
    return (m["accuracy"] if task == "classification" else m["mae"]), at_limit, loss


def sklearn_score(train, test, seed, task):
    Xtr, ytr = load(train)
    Xte, yte = load(test)
    mlp = (MLPClassifier if task == "classification" else MLPRegressor)(random_state=seed)
    est = make_pipeline(StandardScaler(), mlp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(Xtr, ytr)
    p = est.predict(Xte)
    at_limit = mlp.n_iter_ == mlp.max_iter
    # Its loss_ includes the L2 term (alpha 1e-4) and, for regression, is
    # half the mean squared error: doubled here to compare with ffnn's mse.
    loss = mlp.loss_curve_[-1]
    if task == "classification":
        return accuracy_score(yte, p), at_limit, loss
    return mean_absolute_error(yte, p), at_limit, 2 * loss


def standardised_target_mae(train, test, seed):
    """ffnn without a config on the target scaled by the training rows' mean
    and standard deviation; predictions scaled back."""
    Xtr, ytr = load(train)
    Xte, yte = load(test)
    mu, sd = ytr.mean(), ytr.std()
    header = open(train).readline().strip()
    scaled = train[:-4] + "-zy.csv"
    numpy.savetxt(scaled, numpy.column_stack([Xtr, (ytr - mu) / sd]), delimiter=",",
                  header=header, comments="", fmt="%.17g")
    model, _, _ = ffnn_fit(scaled, seed)
    out = run([os.path.join(BIN, "ffnn-predict"), model, test]).decode().splitlines()
    col = out[0].split(",").index("prediction")
    p = numpy.array([float(line.split(",")[col]) for line in out[1:]])
    return float(numpy.abs(p * sd + mu - yte).mean())


# The updates U of epochs "auto" (None: scikit-learn's 200 epochs); 10000 is
# ffnn's default.
UPDATES = [None, 5000, 10000, 20000]


def limit_config(train, updates):
    """A config stating the default stopping rule and the epoch limit that
    epochs "auto" would have with `updates` batches (ffnn-config(5))."""
    rows = sum(1 for _ in open(train)) - 1
    batches = -(-rows // min(200, rows))
    epochs = 200 if updates is None else max(200, -(-updates // batches))
    path = "%s-u%s.json" % (train[:-4], updates or "sk")
    with open(path, "w") as fp:
        json.dump({"epochs": epochs,
                   "early_stopping": {"monitor": "loss", "min_delta": 1e-4, "patience": 10}}, fp)
    return path


def summary(xs):
    return "%.3f (%.3f–%.3f), mean %.4f" % (statistics.median(xs), min(xs), max(xs),
                                          statistics.mean(xs))


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    return cpu, os.cpu_count(), commit


def table():
    os.makedirs(WORK, exist_ok=True)
    load_before = os.getloadavg()
    rows, notes, sens = [], [], []
    for name, fname, task in DATASETS:
        by_u = {u: [] for u in UPDATES}
        f, s, f_lim, s_lim, f_loss, s_loss, zy, mean = [], [], 0, 0, [], [], [], []
        for seed in range(SPLITS):
            base = os.path.join(WORK, "%s-%d" % (fname[:-4], seed))
            train, test = base + "-train.csv", base + "-test.csv"
            split = [os.path.join(BIN, "ffnn-split"), "-t", "0.33", "-s", str(seed)]
            if task == "classification":
                split.append("--stratify")
            run(split + [os.path.join(ROOT, "datasets", fname), train, test])
            score, lim, loss = ffnn_score(train, test, seed, task)
            f.append(score)
            if not CONFIG:
                for u in UPDATES:
                    by_u[u].append(score if u == 10000 else
                                   ffnn_score(train, test, seed, task, limit_config(train, u))[0])
            f_lim += lim
            f_loss.append(loss)
            score, lim, loss = sklearn_score(train, test, seed, task)
            s.append(score)
            s_lim += lim
            s_loss.append(loss)
            if task == "regression" and not CONFIG:
                zy.append(standardised_target_mae(train, test, seed))
                mean.append(float(numpy.abs(load(train)[1].mean() - load(test)[1]).mean()))
        fm, sm = statistics.median(f), statistics.median(s)
        better = fm >= sm if task == "classification" else fm <= sm
        metric = "accuracy" if task == "classification" else "MAE"
        rows.append("| %s | test %s | %s | %s | %s | %d / %d | %.4g / %.4g |" % (
            name, metric, summary(f), summary(s),
            "yes" if better else "no, by %.3f" % abs(fm - sm), f_lim, s_lim,
            statistics.median(f_loss), statistics.median(s_loss)))
        if not CONFIG:
            sens.append("| %s | test %s | %s |" % (name, metric, " | ".join(
                "%.3f / %.4f" % (statistics.median(by_u[u]), statistics.mean(by_u[u]))
                for u in UPDATES)))
        if zy:
            notes.append("diabetes, for reference: predicting the training mean gives a test MAE "
                         "of %s; ffnn without a config on the target standardised by the training "
                         "rows' mean and standard deviation (predictions scaled back) gives %s."
                         % (summary(mean), summary(zy)))
    cpu, ncpu, commit = machine()
    lines = [
        "## Defaults against scikit-learn's default MLP (issue 11)",
        "",
        "Written by `make bench-defaults` (`/usr/bin/python3 bench/defaults.py`, %s split%s)."
        % (SPLITS, "s" if SPLITS != 1 else ""),
        "",
        "| dataset | metric | ffnn, %s | scikit-learn %s default MLP | ffnn's median as good | "
        "runs ended by the epoch limit, ffnn / sklearn | final training loss, ffnn / sklearn |"
        % ("-c " + CONFIG if CONFIG else "no config", sklearn.__version__),
        "|---|---|---|---|---|---|---|",
    ] + rows + [
        "",
        "Median (min–max), mean over %d splits of each dataset (`ffnn-split -t 0.33 -s SEED`, SEED = "
        "0..%d, stratified for the classifiers). ffnn: `ffnn-train -s SEED%s TRAIN.csv`, "
        "`ffnn-predict`, `ffnn-eval --json`. scikit-learn: `make_pipeline(StandardScaler(), "
        "MLPClassifier(random_state=SEED))`, `MLPRegressor` for diabetes, on the same rows. "
        "Final training loss: median of the last epoch's loss (scikit-learn's with its L2 term; "
        "for diabetes twice its half squared error). bench/README.md says why the results differ."
        % (SPLITS, SPLITS - 1, " -c " + CONFIG if CONFIG else ""),
    ] + [""] + notes + ([
        "",
        "ffnn's epoch limit: median / mean over the same splits with the limit "
        "max(200, ceil(U / batches per epoch)) for U = 5000, 10000 (the default, the table "
        "above) and 20000, and with scikit-learn's 200 epochs; each stated in a config as "
        "`{\"epochs\": LIMIT, \"early_stopping\": {\"monitor\": \"loss\", "
        "\"min_delta\": 0.0001, \"patience\": 10}}`, which trains the default's model.",
        "",
        "| dataset | metric | 200 epochs (scikit-learn's) | U = 5000 | U = 10000 (default) | "
        "U = 20000 |",
        "|---|---|---|---|---|---|",
    ] + sens if sens else []) + [
        "",
        "Machine: %s, %d cores online, %s; Python %s, numpy %s; load average %.2f %.2f %.2f "
        "before. ffnn commit %s, %s UTC."
        % (cpu, ncpu, platform.platform(terse=True), platform.python_version(),
           numpy.__version__, *load_before, commit,
           datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")),
    ]
    return "\n".join(l for l in lines) + "\n"


def write_section(text):
    """Puts text between the markers in OUT (replacing what was there, or at
    the end), through a temporary file renamed into place."""
    try:
        old = open(OUT).read()
    except FileNotFoundError:
        old = ""
    block = "%s\n%s%s\n" % (BEGIN, text, END)
    pat = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END) + "\n?", re.S)
    if pat.search(old):
        new = pat.sub(lambda _: block, old, count=1)
    else:
        new = old + ("\n" if old and not old.endswith("\n\n") else "") + block
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(OUT)))
    with os.fdopen(fd, "w") as fp:
        fp.write(new)
    os.chmod(tmp, 0o644)
    os.replace(tmp, OUT)


def main():
    text = table()
    sys.stdout.write(text)
    if OUT != "-" and not CONFIG:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
