# SIGINT / SIGTERM: ffnn-train and ffnn-tune stop at the next batch, write
# nothing partial, say so in one line and exit 128 + signal; ffnn-tune then
# resumes where it stopped.  Signals are sent once the program shows progress
# (-v), never after a fixed delay; the workloads are far longer than any test
# machine needs to get there.
. "$ROOT/tests/cli/lib.sh"

# start NAME SIG CMD...: runs CMD in the background (stderr -> NAME.err) and,
# once NAME.err has a progress line (one matching $wait_for if set), sends
# SIG; $st is the exit status.
wait_for=
# How many 50 ms waits start allows for the line: a minute, or ten under
# valgrind, where a busy 2-core machine took over a minute for a search's
# first trial (the signal then came before any trial was done).
patience=1200
[ -n "${FFNN_VALGRIND:-}" ] && patience=12000
start() {
    name=$1 sig=$2; shift 2
    "$@" > "$name.out" 2> "$name.err" &
    pid=$!
    n=0
    while ! grep -q -E "${wait_for:-^Epoch |^trial }" "$name.err" 2>/dev/null; do
        n=$((n + 1))
        if [ $n -gt "$patience" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.05
    done
    kill -"$sig" "$pid" 2>/dev/null
    wait "$pid"
    st=$?
}

# A shell runs background jobs with SIGINT ignored, and the programs leave an
# ignored signal alone (as nohup expects); this wrapper restores the default
# so SIGINT can be tested.
unignore_int() { exec "$PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$@"; }

no_temp_files() { [ -z "$(find . -name '.*.??????' -print)" ]; }

"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv

start train TERM "$BIN/ffnn-train" -v -e 100000000 -c "$ROOT/configs/iris-simple.json" -o m.ffnn train.csv
check "train SIGTERM: exit 143" [ "$st" = 143 ]
check "train SIGTERM: one line says so" [ "$(tail -n 1 train.err)" = "ffnn-train: interrupted by SIGTERM" ]
check "train SIGTERM: no model, no temp file" sh -c '[ ! -e m.ffnn ] && [ -z "$(find . -name ".*.??????")" ]'

if [ -x "$PYTHON" ]; then
    start train2 INT unignore_int "$BIN/ffnn-train" -v -e 100000000 -c "$ROOT/configs/iris-simple.json" \
        --history h.csv -o m.ffnn train.csv
    check "train SIGINT: exit 130" [ "$st" = 130 ]
    check "train SIGINT: one line says so" [ "$(tail -n 1 train2.err)" = "ffnn-train: interrupted by SIGINT" ]
    check "train SIGINT: no model, no history, no temp file" \
        sh -c '[ ! -e m.ffnn ] && [ ! -e h.csv ] && [ -z "$(find . -name ".*.??????")" ]'
else
    skip "train SIGINT: no $PYTHON to restore SIGINT in a background job"
fi

# A search far too long to finish: Hyperband with max_epochs 100000.
cat > long.json <<'JSON'
{
  "hypergrid": {"width": {"min": 4, "max": 16, "step": 4}, "droprate": {"min": 0.0, "max": 0.3}},
  "tuner": {"max_epochs": 100000, "factor": 3, "seed": 3},
  "fit": {"batch_size": 8}
}
JSON
start tune1 TERM "$BIN/ffnn-tune" -v -g long.json -d search -j 2 -o best.ffnn train.csv
check "tune SIGTERM: exit 143" [ "$st" = 143 ]
check "tune SIGTERM: one line says how to resume" \
    [ "$(tail -n 1 tune1.err)" = "ffnn-tune: interrupted by SIGTERM; run the same command again to resume" ]
check "tune SIGTERM: no model, no temp file" sh -c '[ ! -e best.ffnn ] && [ -z "$(find . -name ".*.??????")" ]'
done1=$(grep -c '^trial ' tune1.err)
cp -r search before
start tune2 TERM "$BIN/ffnn-tune" -v -g long.json -d search -j 2 -o best.ffnn train.csv
check "tune resumes: exit 143 again" [ "$st" = 143 ]
first=$(grep -m 1 '^trial ' tune2.err | sed 's|^trial \([0-9]*\)/.*|\1|')
check "tune resumes after the $done1 trials already done" [ "$first" = $((done1 + 1)) ]
same=1 kept=0
for f in $(grep -l '"status": "completed"' before/trials/*.json); do
    kept=$((kept + 1))
    cmp -s "$f" "search/trials/${f##*/}" || { same=0; echo "# changed: $f"; diff "$f" "search/trials/${f##*/}" | head -5 | sed 's/^/# /'; }
done
check "tune resumes: the $kept finished trials kept as they were" [ "$same" = 1 -a "$kept" -gt 0 ]
check "tune: the search still opens (--pending)" sh -c "'$BIN/ffnn-tune' --pending search > /dev/null 2>&1"

# A Bayesian search stopped in its Gaussian-process phase (after its 5th
# trial; the first 3 are random) resumes to the uninterrupted result.
cat > bayes.json <<'JSON'
{"hypergrid": {"width": {"min": 4, "max": 32, "step": 4}, "depth": {"min": 1, "max": 2},
               "droprate": {"min": 0.0, "max": 0.3}},
 "tuner": {"algorithm": "bayesian", "max_epochs": 2000, "max_trials": 10, "num_initial_points": 3,
           "seed": 3},
 "fit": {"batch_size": 8, "early_stopping": false}}
JSON
wait_for='^trial 5/'
start bo1 TERM "$BIN/ffnn-tune" -v -g bayes.json -d bo -j 2 -o bo.ffnn train.csv
wait_for=
check "bayesian SIGTERM in the GP phase: exit 143" [ "$st" = 143 ]
done1=$(grep -c '^trial ' bo1.err)
check "bayesian: stopped with trials left ($done1 of 10 done)" [ "$done1" -ge 5 -a "$done1" -lt 10 ]
run "$BIN/ffnn-tune" -g bayes.json -d bo -j 2 -o bo.ffnn train.csv
check "bayesian: the same command finishes the search" [ "$st" = 0 ]
run "$BIN/ffnn-tune" -g bayes.json -d bo-clean -j 1 -o bo-clean.ffnn train.csv
check "bayesian resumed: the uninterrupted model" cmp -s bo.ffnn bo-clean.ffnn
check "bayesian resumed: the uninterrupted trial files" diff -r -q -x lock bo bo-clean
