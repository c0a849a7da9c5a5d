# ffnn-tune --algorithm=bayesian (keras-tuner's BayesianOptimization): the
# schedule lines, bad tuner keys (exact messages), a search on iris that is
# byte-identical for -j 1, -j 2 and the --pending/--run-trial loop of
# tools/scaleout/xargs.sh, a batch of 3 proposals under -j 1 and -j 3,
# failures, NaN trials, retries and --validation rows in a search (the same
# for -j 1, -j 3 and the executors), and the reference values of
# tests/data/tune/bayes_ref.json still equal to what
# make_bayes_ref.py computes with scikit-learn now.  Resuming an interrupted
# search is in test_signals.sh.
. "$(dirname "$0")/lib.sh"
T=$BIN/ffnn-tune
"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv

cat > bo.json <<'JSON'
{"hypergrid": {"width": {"min": 4, "max": 16, "step": 4}, "depth": {"min": 1, "max": 2},
               "droprate": {"min": 0.0, "max": 0.3}, "learning_rate": {"values": [0.01, 0.03]}},
 "tuner": {"algorithm": "bayesian", "max_epochs": 9, "max_trials": 16, "num_initial_points": 5,
           "seed": 3},
 "fit": {"batch_size": 16}}
JSON

run "$T" --schedule -g bo.json
printf '%s\n' "bayesian search: 16 trials x 9 epochs = 144 epochs" \
    "random until 5 trials have completed, then a Gaussian process proposes 1 at a time (alpha 0.0001, beta 2.6)" \
    "search space: unbounded (a continuous range)" > want
check "schedule: trials, epochs, when the GP starts" cmp -s out want
run "$T" --schedule -g "$ROOT/configs/iris-hypergrid-tutorial.json" --algorithm=bayesian --max-trials 40
check "--algorithm=bayesian on the tutorial's grid" \
    grep -qx "random until max(3 x hyperparameters, 3) trials have completed, then a Gaussian process proposes 1 at a time (alpha 0.0001, beta 2.6)" out
run "$T" --help
check "--help names bayesian" grep -q "hyperband, random, grid or bayesian" out

# Bad tuner keys: one line naming the key's path, status 78.
bad() {   # bad NAME TUNER-JSON MESSAGE
    printf '{"hypergrid": {"width": {"values": [4, 8]}}, "tuner": %s}\n' "$2" > bad.json
    expect_fail "$1" 78 "ffnn-tune: bad.json: $3" "$T" -g bad.json -d bad train.csv
}
bad "unknown algorithm" '{"algorithm": "bayes"}' \
    'tuner.algorithm: must be "hyperband", "random", "grid" or "bayesian"'
bad "num_initial_points < 0" '{"algorithm": "bayesian", "num_initial_points": -1}' \
    'tuner.num_initial_points: must be an integer in 0..1000000000'
bad "num_initial_points not whole" '{"algorithm": "bayesian", "num_initial_points": 2.5}' \
    'tuner.num_initial_points: must be an integer in 0..1000000000'
bad "alpha 0" '{"algorithm": "bayesian", "alpha": 0}' 'tuner.alpha: must be a number > 0'
bad "alpha a string" '{"algorithm": "bayesian", "alpha": "1e-4"}' 'tuner.alpha: must be a number > 0'
bad "beta < 0" '{"algorithm": "bayesian", "beta": -1}' 'tuner.beta: must be a number >= 0'
bad "proposal_batch 0" '{"algorithm": "bayesian", "proposal_batch": 0}' \
    'tuner.proposal_batch: must be an integer in 1..1000000000'
bad "max_trials 0" '{"algorithm": "bayesian", "max_trials": 0}' \
    'tuner.max_trials: a bayesian search needs max_trials >= 1'
bad "misspelt key" '{"algorithm": "bayesian", "num_initial_point": 3}' \
    'tuner.num_initial_point: unknown key; did you mean "num_initial_points"?'
expect_fail "--algorithm=bayes" 64 \
    "ffnn-tune: invalid algorithm 'bayes' (hyperband, random, grid or bayesian); try 'ffnn-tune --help'" \
    "$T" -g bo.json --algorithm=bayes train.csv
expect_fail "--max-trials 0 with bayesian" 78 \
    "ffnn-tune: bo.json: tuner.max_trials: a bayesian search needs max_trials >= 1" \
    "$T" -g bo.json --max-trials 0 -d zero train.csv

# The same search for -j 1, -j 2 and external executors.
run "$T" -g bo.json -d j1 -j 1 -o j1.ffnn train.csv
check "search -j 1 succeeds" [ "$st" = 0 ]
cp out j1.out
check "16 trials, all completed" grep -q '^Search: bayesian, 16 trials (16 completed, 0 failed)' j1.out
# Only the 5 random trials drew values (4 each): the other 11 are the GP's.
check "5 random trials, 11 proposals" grep -q '"seed_state": 20,' j1/oracle.json
check "search.json keeps the bayesian keys" \
    sh -c "grep -q '\"num_initial_points\": 5' j1/search.json && grep -q '\"beta\": 2.6' j1/search.json"
run "$T" -g bo.json -d j2 -j 2 -o j2.ffnn train.csv
check "-j 1 and -j 2: same ranked table" cmp -s j1.out out
check "-j 1 and -j 2: same model bytes" cmp -s j1.ffnn j2.ffnn
check "-j 1 and -j 2: same trial files" diff -r -q -x lock j1 j2
run "$T" -g bo.json -d ext --init train.csv
check "--init" [ "$st" = 0 ]
rounds=0
while ids=$("$T" --pending ext) && [ -n "$ids" ]; do
    echo "$ids" | xargs -P 2 -I{} "$T" --run-trial {} ext || break
    rounds=$((rounds + 1))
    [ "$rounds" -lt 100 ] || break
done
check "executors: 1 round of 5 random trials, then one round per proposal" [ "$rounds" = 12 ]
run "$T" -d ext -o ext.ffnn
check "xargs -P 2 loop: same model as -j 1" cmp -s ext.ffnn j1.ffnn
check "xargs -P 2 loop: same trial files" diff -r -q -x lock ext j1

# proposal_batch 3: three proposals at a time, the same for -j 1 and -j 3.
sed 's/"seed": 3}/"seed": 3, "proposal_batch": 3}/' bo.json > bo3.json
run "$T" -g bo3.json -d b1 -j 1 train.csv
cp out b1.out
run "$T" -g bo3.json -d b3 -j 3 train.csv
check "batch of 3: -j 1 and -j 3 give the same table" cmp -s b1.out out
check "batch of 3: same trial files" diff -r -q -x lock b1 b3
check "batch of 3: the first proposal is the batch-of-1 one" cmp -s b1/trials/0005.json j1/trials/0005.json

# With the rest of the tuner: a learning rate of 1e30 makes a trial's
# weights NaN (it completes, and the GP learns its score), "nope" fails
# trials (left out of the fit, replaced while random), a batch of 2
# proposals; then 2e18 with val_loss, where runs fail and run again
# (max_retries_per_trial 2), validating on --validation rows.  -j 1, -j 3
# and the executors give the same trial files, model and best trial's model.
printf '{"hypergrid":{"width":{"min":2,"max":40},"learning_rate":{"values":[0.01,1e30]},"target":{"values":["target","target","nope"]}},"tuner":{"algorithm":"bayesian","max_trials":16,"num_initial_points":4,"max_epochs":9,"seed":1,"max_consecutive_failed_trials":100,"proposal_batch":2},"fit":{"batch_size":32}}\n' > mixa.json
printf '{"hypergrid":{"width":{"min":2,"max":40},"learning_rate":{"values":[2e18]}},"tuner":{"algorithm":"bayesian","max_trials":14,"num_initial_points":4,"max_epochs":5,"seed":4,"objective":"val_loss","max_consecutive_failed_trials":100,"max_retries_per_trial":2},"fit":{"batch_size":32}}\n' > mixb.json
for g in mixa mixb; do
    v=; [ $g = mixb ] && v="--validation test.csv"
    for j in 1 3; do
        run "$T" -q -g $g.json -d $g$j -j $j $v train.csv
        run "$T" -q -d $g$j -o $g$j.ffnn --best-model=trial
        check "$g -j $j: the best trial's model: $(cat err)" [ "$st" = 0 ]
    done
    check "$g: -j 1 and -j 3 give the same trial files and model" \
        sh -c "diff -r -q -x lock ${g}1 ${g}3 > /dev/null && cmp -s ${g}1.ffnn ${g}3.ffnn"
    "$T" -g $g.json -d ${g}x --init $v train.csv
    rounds=0
    while ids=$("$T" --pending ${g}x) && [ -n "$ids" ]; do
        echo "$ids" | xargs -P 3 -I{} "$T" --run-trial {} ${g}x || break
        rounds=$((rounds + 1))
        [ "$rounds" -lt 100 ] || break
    done
    run "$T" -q -d ${g}x -o ${g}x.ffnn --best-model=trial
    check "$g: the executors give them too" \
        sh -c "diff -r -q -x lock ${g}1 ${g}x > /dev/null && cmp -s ${g}1.ffnn ${g}x.ffnn"
done
check "mixa: failed and NaN trials among them" \
    sh -c "grep -q '\"status\": \"failed\"' mixa1/trials/*.json && grep -l '\"learning_rate\": 1e+30' mixa1/trials/*.json | xargs grep -q '\"status\": \"completed\"'"
check "mixb: retried trials among them" grep -q '"retries"' mixb1/trials/*.json

# The unit test's reference values still equal scikit-learn's.
if [ -n "${FFNN_ASAN:-}" ]; then
    skip "the reference check runs in the plain build only (no program involved)"
elif ! have_sklearn; then
    skip "scikit-learn is not installed: tests/data/tune/bayes_ref.json not regenerated"
else
    REF=$ROOT/tests/data/tune
    if "$PYTHON" "$REF/make_bayes_ref.py" --check "$REF/bayes_ref.json" > cmp 2> py.err; then
        ok "bayes_ref.json equals keras-tuner's rules and scikit-learn now"
    else
        nok "bayes_ref.json differs: $(head -5 cmp) $(tail -2 py.err)"
    fi
    "$PYTHON" - "$REF/bayes_ref.json" > tampered.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["propose"]["cases"][1]["values"][1]["droprate"] += 1e-5
json.dump(r, sys.stdout)
PY
    run "$PYTHON" "$REF/make_bayes_ref.py" --check tampered.json
    check "a changed proposal fails the comparison" [ "$st" = 1 ]
    check "and is named" grep -q '^ref.propose.cases\[1\].values\[1\].droprate: ' out
fi
