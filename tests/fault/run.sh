#!/bin/sh
# Allocation-failure injection (make check-fault; see tests/fault/README).
#
# For each workload below: run it once to learn N, the number of counted
# allocations, then run it N more times with allocation n = 1..N failing.
# Every such run must either
#   - exit 71 with exactly one stderr line "<program>: ...out of memory", no
#     sanitizer report, nothing on stdout, and no file that was not there
#     before (a tune directory may keep the trials it finished: the search
#     resumes from them, and resuming must give the clean run's results), or
#   - survive the failure (a fallback, listed in tests/fault/README) and
#     give exactly the clean run's output.
#
#   sh tests/fault/run.sh [WORKLOAD...]     FFNN_BIN=build/fault/bin
#   FAULT_JOBS=N     runs at once (default 2)
#   FAULT_KEEP=1     keep the scratch directory
#
# Workloads are single-threaded (-j 1) so that the allocation order, and so
# N, is the same on every run.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${FFNN_BIN:=$ROOT/build/fault/bin}"
SELF=$ROOT/tests/fault/run.sh
export ROOT FFNN_BIN
export ASAN_OPTIONS=detect_leaks=1:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LC_ALL=C

# wl NAME: the workload's command line (run in a directory holding the inputs).
wl() {
    B=$FFNN_BIN
    case $1 in
    split)      echo "$B/ffnn-split -s 1 -t 0.3 --stratify data.csv o-train.csv o-test.csv" ;;
    train)      echo "$B/ffnn-train -j 1 -c cfg.json -s 1 -o o.ffnn --history o-hist.csv --validation test.csv data.csv" ;;
    info)       echo "$B/ffnn-info --json model.ffnn" ;;
    predict)    echo "$B/ffnn-predict -j 1 -o o-pred.csv model.ffnn test.csv" ;;
    eval)       echo "$B/ffnn-eval -o o-report.txt --confusion-svg o-cm.svg --roc-svg o-roc.svg pred.csv" ;;
    eval-model) echo "$B/ffnn-eval -m model.ffnn --threads 1 --json test.csv" ;;
    eval-curve) echo "$B/ffnn-eval --history hist.csv --curve-svg o-curve.svg" ;;
    explain-deep)   echo "$B/ffnn-explain -j 1 -m deep -k 8 --json -o o-shap.csv --bar-svg o-bar.svg --beeswarm-svg o-bee.svg --row-svg o-row.svg --row 1 --class 2 model.ffnn few.csv -b train.csv" ;;
    explain-kernel) echo "$B/ffnn-explain -j 1 -m kernel -k 8 -n 20 -s 1 model.ffnn few.csv -b train.csv" ;;
    explain-perm)   echo "$B/ffnn-explain -j 1 -m permutation -r 2 -s 1 --summary model.ffnn test.csv" ;;
    export)     echo "$B/ffnn-export model.ffnn o.onnx" ;;
    tune)       echo "$B/ffnn-tune -j 1 -q -g grid.json -d o.tune -o o-best.ffnn --best-config o-best.json data.csv" ;;
    tune-bayes) echo "$B/ffnn-tune -j 1 -q -g bayes.json -d o.tune -o o-best.ffnn --best-config o-best.json data.csv" ;;
    *) return 1 ;;
    esac
}
ALL="split train info predict eval eval-model eval-curve explain-deep explain-kernel explain-perm export tune tune-bayes"

# Files in the current directory tree, one per line, sorted.
listing() { find . \( -type f -o -type d \) | LC_ALL=C sort; }

# one WORKLOAD N: one injected run in a fresh copy of the inputs; prints
# nothing when it passes, else one "FAIL" line (and details).
one() {
    name=$1 n=$2
    # Every run directory's path has the same length: the number of
    # allocations may depend on it.
    d=$S/run/$name.$(printf %06d "$n")
    rm -rf "$d" && cp -r "$S/in" "$d" && cd "$d" || exit 1
    listing > "$d.before"
    cmd=$(wl "$name")
    FFNN_FAIL_ALLOC=$n timeout 60 $cmd > "$d.out" 2> "$d.err"
    st=$?
    listing > "$d.after"
    prog=$(set -- $cmd; basename "$1")
    why=
    if [ "$st" = 0 ]; then
        # Survived: the output must be the clean run's.
        if ! cmp -s "$d.out" "$S/ref/$name.out"; then why="survived, but stdout differs from the clean run"
        elif [ -s "$d.err" ]; then why="survived, but wrote to stderr"
        else
            for f in $(cd "$S/run/$name.000000" && find . -type f -name 'o*' ! -path './o.tune/*'); do
                cmp -s "$f" "$S/run/$name.000000/$f" || why="survived, but $f differs from the clean run"
            done
        fi
        [ -z "$why" ] && echo "survived $name:$n"
    elif [ "$st" = 124 ]; then why="timed out"
    elif [ "$st" != 71 ]; then why="exit status $st, want 71"
    elif [ "$(wc -l < "$d.err")" != 1 ]; then why="stderr has $(wc -l < "$d.err") lines"
    elif ! grep -Eqx "$prog: (.*: )?out of memory" "$d.err"; then why="stderr is not '$prog: ...out of memory'"
    elif [ -s "$d.out" ]; then why="wrote to stdout"
    else
        new=$(comm -13 "$d.before" "$d.after")
        case $name in
        tune|tune-bayes)
            # The tune directory keeps finished trials (resumable); nothing
            # else, no temporary file, and resuming gives the clean result.
            new=$(echo "$new" | grep -v '^\./o\.tune\(/\|$\)'; echo "$new" | grep '/\.[^/]*$')
            if [ -z "$new" ]; then
                timeout 120 $cmd > "$d.out2" 2> "$d.err2"
                st2=$?
                if [ "$st2" != 0 ]; then why="resume after the failure: exit $st2: $(head -1 "$d.err2")"
                elif ! cmp -s o-best.ffnn "$S/run/$name.000000/o-best.ffnn" || ! cmp -s o-best.json "$S/run/$name.000000/o-best.json"; then
                    why="resume after the failure: best model or config differs from the clean run"
                fi
            fi ;;
        esac
        [ -n "$new" ] && [ -z "$why" ] && why="left files behind: $(echo $new)"
    fi
    if [ -n "$why" ]; then
        {
            echo "FAIL $name n=$n: $why"
            sed 's/^/    /' "$d.err" | head -30
            # Where the failed allocation was made: the first ffnn frames.
            rm -rf "$d" && cp -r "$S/in" "$d" && cd "$d" &&
                FFNN_FAIL_ALLOC=$n FFNN_FAIL_STACK=1 timeout 60 $cmd 2>&1 >/dev/null |
                sed -n '/^failalloc:/,/^$/p' | grep -E ' (lib|cmd)/[^ ]*:[0-9]+' | grep -v ' lib/internal.h:' | head -3 |
                sed 's/^ *#[0-9]* 0x[0-9a-f]* in /    at: /'
            echo "    rerun: cd $d && FFNN_FAIL_ALLOC=$n FFNN_FAIL_STACK=1 $cmd"
        } > "$d.report"
        cat "$d.report"
        return 1
    fi
    rm -rf "$d" "$d.before" "$d.after" "$d.out" "$d.err" "$d.out2" "$d.err2"
}

if [ "${1:-}" = --one ]; then
    S=$2
    one "$3" "$4"
    exit $?
fi

for p in split train info predict eval explain export tune; do
    if [ ! -x "$FFNN_BIN/ffnn-$p" ]; then echo "fault: $FFNN_BIN/ffnn-$p missing; run make check-fault" >&2; exit 1; fi
done
S=$(mktemp -d "${TMPDIR:-/tmp}/ffnn-fault.XXXXXX")
mkdir -p "$S/in" "$S/run" "$S/ref"

# Inputs: every 5th iris row (30 rows), a short config, a 2-trial hypergrid,
# a 4-trial Bayesian one (2 random trials, then a batch of 2 proposals),
# and a model, predictions and history made from them without injection;
# explain explains 3 rows (few.csv) against 8 background rows.
cd "$S/in"
awk 'NR == 1 || NR % 5 == 0' "$ROOT/datasets/iris.csv" > data.csv
cat > cfg.json <<'EOF'
{"layers": [{"units": 4, "activation": "relu", "dropout": 0.1}], "epochs": 3, "batch_size": 8,
 "validation_split": 0.2, "early_stopping": {"patience": 2}}
EOF
cat > grid.json <<'EOF'
{"hypergrid": {"width": {"values": [4, 8]}},
 "tuner": {"max_epochs": 3, "factor": 3, "seed": 1}, "fit": {"validation_split": 0.3}}
EOF
cat > bayes.json <<'EOF'
{"hypergrid": {"width": {"values": [4, 8, 12]}, "droprate": {"min": 0, "max": 0.5}},
 "tuner": {"algorithm": "bayesian", "max_epochs": 2, "max_trials": 4, "num_initial_points": 2,
           "proposal_batch": 2, "seed": 1}, "fit": {"validation_split": 0.3}}
EOF
B=$FFNN_BIN
$B/ffnn-split -s 2 -t 0.3 data.csv train.csv test.csv &&
$B/ffnn-train -j 1 -c cfg.json -s 1 -o model.ffnn --history hist.csv train.csv &&
$B/ffnn-predict -o pred.csv model.ffnn test.csv &&
head -4 test.csv > few.csv || { echo "fault: cannot make the inputs" >&2; exit 1; }

[ $# -gt 0 ] && ALL="$*"
total=0 failed=0 t0=$(date +%s)
for name in $ALL; do
    wl "$name" > /dev/null || { echo "fault: no workload '$name'" >&2; exit 1; }
    # The clean run: N, the reference output, and N again (must be stable).
    d=$S/run/$name.000000
    cp -r "$S/in" "$d" && cd "$d" || exit 1
    cmd=$(wl "$name")
    FFNN_COUNT_ALLOC=$S/ref/$name.n $cmd > "$S/ref/$name.out" 2> "$S/ref/$name.err"
    st=$?
    if [ "$st" != 0 ] || [ -s "$S/ref/$name.err" ]; then
        echo "FAIL $name: the clean run exited $st: $(head -3 "$S/ref/$name.err")"; failed=$((failed + 1)); continue
    fi
    N=$(cat "$S/ref/$name.n")
    rm -rf "$S/run/$name.999999" && cp -r "$S/in" "$S/run/$name.999999" && cd "$S/run/$name.999999" &&
        FFNN_COUNT_ALLOC=$S/ref/$name.n2 $cmd > /dev/null 2>&1
    if [ "$(cat "$S/ref/$name.n2")" != "$N" ]; then
        echo "FAIL $name: allocation count not reproducible ($N, then $(cat "$S/ref/$name.n2"))"; failed=$((failed + 1)); continue
    fi
    t1=$(date +%s)
    seq 1 "$N" | xargs -n 1 -P "${FAULT_JOBS:-2}" sh "$SELF" --one "$S" "$name" > "$S/$name.log"
    f=$(grep -c '^FAIL' "$S/$name.log")
    s=$(grep -c '^survived' "$S/$name.log")
    grep -v '^survived' "$S/$name.log" | head -"${FAULT_SHOW:-60}"
    # Failures grouped by the allocation site (first ffnn frame).
    awk '/^FAIL/ { n = $0; sub(/:.*/, "", n); sub(/.*n=/, "", n); w = 1; next }
         /^    at: / && w { w = 0; site[$3 " " $4] = site[$3 " " $4] " " n; c[$3 " " $4]++ }
         END { for (k in site) printf "fault:   %d at %s:%s\n", c[k], k, site[k] }' "$S/$name.log" | sort -t: -k2
    echo "fault: $name: N=$N, $f failed, $s survived ($(grep '^survived' "$S/$name.log" | sed 's/.*://' | sort -n | tr '\n' ' ')) in $(( $(date +%s) - t1 ))s"
    total=$((total + N)) failed=$((failed + f))
done
echo "fault: $total injected runs, $failed failed, $(( $(date +%s) - t0 ))s"
[ "${FAULT_KEEP:-}" = 1 ] || rm -rf "$S"
[ "$failed" = 0 ]
