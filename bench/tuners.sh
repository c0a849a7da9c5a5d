#!/bin/sh
# bench/tuners.sh — Bayesian optimisation beside Hyperband and random search
# on iris with the tutorial's hypergrid (configs/iris-hypergrid-tutorial.json:
# its grid, max_epochs 150, EarlyStopping on loss with patience 5 during the
# search, val_accuracy on a 20% validation split).  One fixed split of iris
# (ffnn-split -t 0.33 -s 42 --stratify, as the tutorial), each search run
# with seeds 1..5; for each: the trials made, the seconds of the whole
# command (search and retrain of the best on all training rows, -j NCPU),
# the best validation accuracy and the retrained model's test accuracy.
#
#   make build && sh bench/tuners.sh
#
# Prints a markdown table and puts it into bench/RESULTS.md between the
# lines "<!-- tuners.sh -->" and "<!-- /tuners.sh -->" (bench/run.sh keeps
# that section when it rewrites the file).  Environment: FFNN_BIN (default
# bin/), BENCH_SEEDS ("1 2 3 4 5"), BENCH_GRID (the hypergrid), BENCH_OUT
# (bench/RESULTS.md; "-" for stdout only), BENCH_JOBS (cores online).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${FFNN_BIN:-$ROOT/bin}
GRID=${BENCH_GRID:-$ROOT/configs/iris-hypergrid-tutorial.json}
SEEDS=${BENCH_SEEDS:-1 2 3 4 5}
OUT=${BENCH_OUT:-$ROOT/bench/RESULTS.md}
JOBS=${BENCH_JOBS:-$(getconf _NPROCESSORS_ONLN)}
W=$ROOT/build/bench/tuners
rm -rf "$W"
mkdir -p "$W"
cd "$W"
"$BIN/ffnn-split" -t 0.33 -s 42 --stratify "$ROOT/datasets/iris.csv" train.csv test.csv

# name|label|ffnn-tune flags
SEARCHES='hb10|Hyperband, 10 iterations (the tutorial'"'"'s search)|
hb1|Hyperband, 1 iteration|--iterations 1
rnd10|random, 10 trials (keras-tuner'"'"'s default max_trials)|--algorithm=random --max-trials 10
bo10|bayesian, 10 trials (default max_trials)|--algorithm=bayesian --max-trials 10
rnd30|random, 30 trials|--algorithm=random --max-trials 30
bo30|bayesian, 30 trials|--algorithm=bayesian --max-trials 30
rnd60|random, 60 trials|--algorithm=random --max-trials 60
bo60|bayesian, 60 trials|--algorithm=bayesian --max-trials 60'

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
# One line per run: name seed trials seconds best_val test_acc mean_val
echo "$SEARCHES" | while IFS='|' read -r name label flags; do
    for s in $SEEDS; do
        t0=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$BIN/ffnn-tune" -q -g "$GRID" $flags -s "$s" -j "$JOBS" -d "$name-$s.tune" \
            -o "$name-$s.ffnn" train.csv > "$name-$s.out"
        t1=$(date +%s.%N)
        acc=$("$BIN/ffnn-eval" -m "$name-$s.ffnn" -M accuracy test.csv)
        mean=$(cat "$name-$s.tune"/trials/*.json |
               awk '/^  "score": / { sub(",", "", $2); if ($2 != "null") { m += $2; k++ } }
                    END { printf "%.4f", m / k }')
        awk -v n="$name" -v s="$s" -v t0="$t0" -v t1="$t1" -v acc="$acc" -v mean="$mean" '
            /^Search: / { trials = $3 }
            /^Best val_accuracy: / { best = $3 }
            END { printf "%s %s %s %.3f %s %s %s\n", n, s, trials, t1 - t0, best, acc, mean }' "$name-$s.out"
    done
done > runs.txt

{
    echo "<!-- tuners.sh -->"
    echo "## Tuners on iris (bench/tuners.sh)"
    echo
    echo "\`sh bench/tuners.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'),"
    echo "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(getconf _NPROCESSORS_ONLN) cores, \`-j $JOBS\`, load average before $LOAD0."
    echo "The tutorial's hypergrid ($(basename "$GRID")) on iris split 67/33 (\`ffnn-split -t 0.33 -s 42 --stratify\`);"
    echo "seeds $(echo $SEEDS | tr ' ' ','); mean over the seeds (min–max). \"val\" is the best trial's"
    echo "val_accuracy (20% of the training rows); \"test\" the accuracy of the best hyperparameters"
    echo "retrained on all training rows, on the 50 test rows; \"mean val\" the mean val_accuracy of"
    echo "all completed trials (how much of the search went to good configurations); \"seconds\" the"
    echo "whole command, median."
    echo
    echo "| search | trials | seconds | best val accuracy | mean val | test accuracy | test accuracy per seed |"
    echo "|---|---:|---:|---|---:|---|---|"
    echo "$SEARCHES" | while IFS='|' read -r name label flags; do
        awk -v n="$name" -v label="$label" '
            $1 == n { k++; tr += $3; sec[k] = $4; v += $5; a += $6; mv += $7; per = per (k > 1 ? ", " : "") $6
                      if (k == 1 || $5 < vmin) vmin = $5; if (k == 1 || $5 > vmax) vmax = $5
                      if (k == 1 || $6 < amin) amin = $6; if (k == 1 || $6 > amax) amax = $6 }
            END {
                for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (sec[j] < sec[i]) { x = sec[i]; sec[i] = sec[j]; sec[j] = x }
                med = k % 2 ? sec[(k + 1) / 2] : (sec[k / 2] + sec[k / 2 + 1]) / 2
                printf "| %s | %g | %.2f | %.3f (%.3f–%.3f) | %.3f | %.3f (%.3f–%.3f) | %s |\n",
                       label, tr / k, med, v / k, vmin, vmax, mv / k, a / k, amin, amax, per }' runs.txt
    done
    echo
    echo "The whole grid has $("$BIN/ffnn-tune" --schedule -g "$GRID" --algorithm=grid --max-trials 0 | sed -n 's/^grid search: \([0-9]*\) trials.*/\1/p') points."
    echo "On the tutorial's grid (5 hyperparameters, so num_initial_points is 15): 10 Bayesian trials"
    echo "are all random, the random search's own (the same sampling stream); Hyperband's first"
    echo "bracket wants 98 random configurations, more than the grid has, so sampling runs out"
    echo "(20 repeats in a row) inside it and the search ends with its 2-epoch trials, as"
    echo "keras-tuner's does, whatever hyperband_iterations is; random search runs out before 60."
    echo "<!-- /tuners.sh -->"
} > tuners.md
cat tuners.md
if [ "$OUT" != - ]; then
    if [ -f "$OUT" ] && grep -qx '<!-- tuners.sh -->' "$OUT"; then
        awk 'FNR == NR { sec = sec $0 "\n"; next }
             /^<!-- tuners.sh -->$/ { printf "%s", sec; skip = 1; next }
             /^<!-- \/tuners.sh -->$/ { skip = 0; next }
             !skip' tuners.md "$OUT" > "$OUT.tmp"
    else
        { [ -f "$OUT" ] && cat "$OUT" && echo; cat tuners.md; } > "$OUT.tmp"
    fi
    mv "$OUT.tmp" "$OUT"
fi
