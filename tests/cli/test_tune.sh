# ffnn-tune: schedule, errors, determinism across -j, resume, lock, external
# executors (xargs -P 2), kill -9 + resume, and the best config reproducing the
# model with ffnn-train.
. "$ROOT/tests/cli/lib.sh"
T=$BIN/ffnn-tune
SMALL=$ROOT/tests/data/tune/small.json

run "$T" --help
check "--help exits 0 on stdout" [ "$st" = 0 -a -s out -a ! -s err ]
run "$T" --version
check "--version exits 0" [ "$st" = 0 -a -s out ]

# Schedules of keras-semantics.md §1.10, without training.
for spec in "150 254 3900" "81 211 1767" "10 30 120"; do
    set -- $spec
    run "$T" --schedule -g "$ROOT/configs/iris-hypergrid.json" --max-epochs "$1"
    check "schedule R=$1: $2 trials, $3 epochs" grep -qx "per iteration: $2 trials, $3 epochs, [0-9]* random configurations" out
done
run "$T" --schedule -g "$ROOT/configs/iris-hypergrid-tutorial.json"
check "tutorial schedule: 2540 trials, 39000 epochs" grep -qx "total: 2540 trials, 39000 epochs" out

# Errors: one line, exact status.
expect_fail "no arguments" 64 "ffnn-tune: -g HYPERGRID is required (or -d DIR of an existing search); try 'ffnn-tune --help'" "$T"
printf '{"width":{"min":16,"max":64,"stp":12}}\n' > hg.json
expect_fail "misspelt hypergrid key" 78 'ffnn-tune: hg.json: width.stp: unknown key; did you mean "step"?' \
    "$T" -g hg.json train.csv
expect_fail "missing hypergrid" 66 "ffnn-tune: nope.json: cannot open: No such file or directory" "$T" -g nope.json train.csv
expect_fail "missing training data" 66 "ffnn-tune: train.csv: cannot open: No such file or directory" "$T" -g "$SMALL" train.csv
"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv
printf '{"hypergrid":{"width":{"values":[8]}},"tuner":{"objective":"val_f1"}}\n' > obj.json
expect_fail "unknown objective" 78 'ffnn-tune: tuner.objective: unknown objective "val_f1"; known: loss, accuracy, binary_accuracy, val_loss, val_accuracy, val_binary_accuracy' \
    "$T" -g obj.json -d obj.tune train.csv
expect_fail "--run-trial on a missing directory" 66 "ffnn-tune: nowhere: no such tune directory" \
    "$T" --run-trial 0 nowhere

# The same seed gives the same trials, scores and model bytes for -j1 and -j2.
run "$T" -g "$SMALL" -d j1 -j 1 -o j1.ffnn --best-config best.json train.csv
check "search -j1 succeeds" [ "$st" = 0 ]
cp out j1.out
run "$T" -g "$SMALL" -d j2 -j 2 -o j2.ffnn train.csv
check "search -j2 succeeds" [ "$st" = 0 ]
check "-j1 and -j2: same model bytes" cmp -s j1.ffnn j2.ffnn
check "-j1 and -j2: same ranked table" cmp -s j1.out out
check "-j1 and -j2: same trial files" diff -r -q -x lock j1 j2
check "46 trial results" [ "$(ls j1/trials/*.json | wc -l)" = 46 ]
check "no checkpoint left after the search" [ -z "$(ls j1/trials | grep ffnn)" ]
check "best hyperparameters printed" grep -q '^Best hyperparameters:' j1.out

# ffnn-train with the best config reproduces the model byte for byte.
"$BIN/ffnn-train" -c best.json -o again.ffnn train.csv
check "ffnn-train -c best.json gives the same bytes" cmp -s j1.ffnn again.ffnn

# A finished directory answers at once without touching a trial.
ls -l --full-time j1/trials > before.ls
run "$T" -g "$SMALL" -d j1 -o j1b.ffnn train.csv
ls -l --full-time j1/trials > after.ls
check "rerun of a finished search changes nothing" cmp -s before.ls after.ls
check "rerun gives the same model" cmp -s j1.ffnn j1b.ffnn
run "$T" -d j1 --json
check "stored search reports as JSON" grep -q '"finished": true' out
if have_numpy; then
    check "--json is valid JSON" "$PYTHON" -c 'import json,sys; d=json.load(open("out")); assert d["completed"] == 46' 
fi

# A different search in the same directory is refused; --overwrite starts afresh.
expect_fail "different seed in an existing directory" 78 \
    "ffnn-tune: j1: holds a different search (hypergrid, tuner, seed or target differ); use --overwrite or another directory" \
    "$T" -g "$SMALL" -d j1 -s 9 train.csv
run "$T" -g "$SMALL" -d j1 -s 9 --overwrite train.csv
check "--overwrite runs the new search" [ "$st" = 0 ]
check "--overwrite: new seed recorded" grep -q '"seed": 9' j1/search.json

# Two processes cannot share a directory.
flock -o j2/lock sleep 30 &
holder=$!
sleep 0.3
expect_fail "second process is refused" 73 "ffnn-tune: j2: in use by another ffnn-tune process (it holds j2/lock)" \
    "$T" -g "$SMALL" -d j2 train.csv
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null

# External executors: --init, then --pending / --run-trial with xargs -P 2.
run "$T" -g "$SMALL" -d ext --init train.csv
check "--init" [ "$st" = 0 ]
rounds=0
while ids=$("$T" --pending ext) && [ -n "$ids" ]; do
    echo "$ids" | xargs -P 2 -n 1 sh -c '"$0" --run-trial "$1" ext' "$T" || break
    rounds=$((rounds + 1))
    [ "$rounds" -lt 100 ] || break
done
run "$T" -d ext -o ext.ffnn
check "xargs -P 2 search: same model as the built-in runner" cmp -s ext.ffnn j2.ffnn
check "xargs -P 2 search: same trial files" diff -r -q -x lock ext j2

# kill -9 at any moment, then the same command resumes to the same result.
"$T" -g "$SMALL" -d killed -j 2 --iterations 4 -o ref.ffnn train.csv > /dev/null 2>&1 &
pid=$!
sleep 0.4
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
# What a process killed while writing leaves: temporary files, removed when
# the search is next opened (a file of another name stays).
mkdir -p killed/trials
: > killed/trials/.0001.json.Ab3dEf; : > killed/trials/.0002.ffnn.zz99QQ; : > killed/.oracle.json.x1Y2z3
: > killed/trials/.notes
run "$T" -g "$SMALL" -d killed -j 2 --iterations 4 -o resumed.ffnn train.csv
check "resume after kill -9 succeeds" [ "$st" = 0 ]
check "resume removes the temporary files a killed run left" \
    sh -c '[ -z "$(find killed -name ".*.??????")" ] && [ -e killed/trials/.notes ]'
rm -f killed/trials/.notes
run "$T" -g "$SMALL" -d clean -j 1 --iterations 4 -o clean.ffnn train.csv
check "resumed search gives the uninterrupted result" cmp -s resumed.ffnn clean.ffnn
check "resumed search: same trial files" diff -r -q -x lock killed clean

# --iterations extends a finished search (keras-tuner issue #234).
run "$T" -g "$SMALL" -d j2 --iterations 4 -o ext4.ffnn train.csv
check "--iterations extends a search" cmp -s ext4.ffnn clean.ffnn

# Random and grid search.
printf '{"hypergrid":{"width":{"values":[4,8]},"depth":{"values":[1,2]}},"tuner":{"algorithm":"grid","max_epochs":5,"max_trials":0}}\n' > grid.json
run "$T" -g grid.json -d grid train.csv
check "grid search runs every point" grep -q '^Search: grid, 4 trials (4 completed, 0 failed)' out
printf '{"hypergrid":{"width":{"min":4,"max":32}},"tuner":{"algorithm":"random","max_epochs":5,"max_trials":3}}\n' > random.json
run "$T" -g random.json -d random train.csv
check "random search runs max_trials" grep -q '^Search: random, 3 trials (3 completed, 0 failed)' out

# keras-tuner's edge cases.  A trial whose loss and weights become NaN is
# completed with its best epoch's score (Keras's fit does not raise): it is
# promoted, and it never counts toward max_consecutive_failed_trials.
printf '{"hypergrid":{"width":{"min":2,"max":40},"learning_rate":{"values":[1e30]}},"tuner":{"max_epochs":9,"factor":3,"seed":3}}\n' > nan.json
run "$T" -g nan.json -d nan train.csv
check "diverging trials complete" grep -q '^Search: hyperband, 23 trials (23 completed, 0 failed)' out
# Every trial's val_loss is NaN from its first epoch (null in the file);
# trial 0009 runs round 1 of bracket 2, promoted from one of them.
parent=$(sed -n 's/^  "parent": "\([0-9]*\)",$/\1/p' nan/trials/0009.json)
check "a diverging trial is promoted" \
    sh -c "[ -n '$parent' ] && grep -q '\"val_loss\": \\[null\\]' nan/trials/$parent.json"
check "no checkpoint left after a diverging search" [ -z "$(ls nan/trials | grep ffnn)" ]
# One batch of all 112 rows an epoch: epoch 1's loss is computed before the
# step that sends the weights to about 1e30, epoch 2's overflows.
expect_fail "ffnn-train keeps its error on divergence" 65 \
    "ffnn-train: epoch 2: loss became NaN; lower the learning rate or check the data for huge values" \
    "$BIN/ffnn-train" -c /dev/stdin -o nan.ffnn train.csv <<'CFG'
{"optimizer": {"name": "adam", "learning_rate": 1e30}, "epochs": 3}
CFG
# max_retries_per_trial: a failed trial (here val_loss that is never finite)
# runs again with streams of its own; trials that did not fail are the same.
# Batches of 32 (three steps an epoch) make the first epoch's val_loss NaN
# for some widths and seeds.
for r in 0 3; do
    printf '{"hypergrid":{"width":{"min":2,"max":25},"learning_rate":{"values":[2e18]}},"tuner":{"algorithm":"random","max_trials":12,"max_epochs":3,"objective":"val_loss","max_consecutive_failed_trials":100,"max_retries_per_trial":%d},"fit":{"batch_size":32}}\n' $r > retry$r.json
    run "$T" -g retry$r.json -d retry$r -j 2 train.csv
    cp out retry$r.out
done
check "without retries 6 trials fail" grep -q '^Search: random, 12 trials (6 completed, 6 failed)' retry0.out
check "with 3 retries 1 trial fails" grep -q '^Search: random, 12 trials (11 completed, 1 failed)' retry3.out
check "retried trials record their retries" [ "$(grep -l '"retries"' retry3/trials/*.json | wc -l)" = 6 ]
same=yes
for f in retry0/trials/*.json; do
    b=${f##*/}
    grep -q '"retries"' retry3/trials/$b || cmp -s "$f" retry3/trials/$b || same=no
done
check "trials that did not fail are unchanged by retries" [ $same = yes ]

# The final model: by default the tutorial's refit (every training row, no
# validation rows, the search's EarlyStopping); --best-model=trial is the best
# trial's own model (keras-tuner's get_best_models()), trained on the
# search's training rows and validated on the rest.
run "$T" -g "$SMALL" -d fm -o fm.ffnn train.csv
run "$T" -d fm -o refit.ffnn --best-model=refit
check "--best-model=refit is the default" cmp -s refit.ffnn fm.ffnn
"$BIN/ffnn-info" refit.ffnn > refit.info
check "the refit has no validation rows" grep -q '"train_rows":112,"validation_rows":0,' refit.info
run "$T" -d fm -o trial.ffnn --best-model=trial
check "--best-model=trial writes a model" [ "$st" = 0 -a -s trial.ffnn ]
"$BIN/ffnn-info" trial.ffnn > trial.info
check "the trial model validated on the search's rows" grep -q '"train_rows":89,"validation_rows":23,' trial.info
expect_fail "--best-model takes refit or trial" 64 \
    "ffnn-tune: invalid best-model 'last' (refit or trial); try 'ffnn-tune --help'" "$T" -d fm --best-model=last

# --validation: every trial validates on the file's rows as given; the best
# trial's own model scores its recorded val_loss on them (ffnn-eval's log
# loss is the same categorical cross-entropy).
"$BIN/ffnn-split" -t 0.25 -s 7 --stratify train.csv tr.csv va.csv
run "$T" -g "$SMALL" -d val --objective val_loss --validation va.csv tr.csv
check "--validation search succeeds" [ "$st" = 0 ]
check "the directory keeps the validation rows" cmp -s val/validation.csv va.csv
run "$T" -d val --json
score=$(sed -n 's/^    "score": \(.*\),$/\1/p' out | head -n 1)
run "$T" -d val -o val.ffnn --best-model=trial
"$BIN/ffnn-eval" -m val.ffnn --json va.csv > val.eval
loss=$(sed -n 's/^  "log_loss": \(.*\),$/\1/p' val.eval)
check "the best trial's val_loss is its loss on the --validation rows ($score, $loss)" \
    awk -v a="$score" -v b="$loss" 'BEGIN { d = a - b; exit !(a > 0 && d < 1e-6 && d > -1e-6) }'
expect_fail "a search with --validation needs it again" 78 \
    "ffnn-tune: val: was searched with --validation rows of its own; give the same --validation, or use --overwrite or another directory" \
    "$T" -g "$SMALL" -d val --objective val_loss tr.csv
expect_fail "other validation rows are another search" 78 \
    "ffnn-tune: val: was searched with different validation rows than tr.csv; use --overwrite or another directory" \
    "$T" -g "$SMALL" -d val --objective val_loss --validation tr.csv tr.csv
expect_fail "--validation on a search without it" 78 \
    "ffnn-tune: fm: was searched without --validation; use --overwrite or another directory" \
    "$T" -g "$SMALL" -d fm --validation va.csv train.csv
printf 'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm),target\n5.1,3.5,1.4,0.2,daisy\n' > badclass.csv
expect_fail "--validation: a class the training rows lack" 65 \
    'ffnn-tune: badclass.csv:2:5: unknown class "daisy" (classes: 0, 1, 2)' \
    "$T" -g "$SMALL" -d badclass --validation badclass.csv tr.csv
check "a search that cannot start leaves no directory" [ ! -e badclass ]
expect_fail "--validation needs TRAIN.csv" 64 \
    "ffnn-tune: --validation needs -g HYPERGRID and TRAIN.csv; try 'ffnn-tune --help'" "$T" -d val --validation va.csv

# The tutorial's search: a 60-point space (droprate 0.7 is never drawn), so
# it ends when random draws keep repeating earlier configurations, in the
# first bracket's first round, and says so; --schedule gives the space.
TUT=$ROOT/configs/iris-hypergrid-tutorial.json
run "$T" --schedule -g "$TUT"
check "--schedule: the tutorial's space has 60 distinct configurations" grep -qx "search space: 60 distinct configurations" out
check "--schedule: more random draws than the space has" \
    grep -q "^fewer than the 1720 random configurations the schedule draws: the search ends early" out
run "$T" -g "$TUT" -d tut -s 42 -o tut.ffnn train.csv
check "the tutorial's search ends early and says so" \
    grep -q '^The search ended early: its space is used up ([0-9]* distinct configurations tried of 60;' out
check "the tutorial's best trial is from bracket 4, round 0, 2 epochs" \
    grep -q '^Best val_accuracy: .* bracket 4, round 0, epochs 0->2)$' out
check "the best hyperparameters include the learning rate" grep -q '^  learning_rate    0.01$' out
check "the used-up search leaves no checkpoint" [ -z "$(ls tut/trials | grep ffnn)" ]
run "$T" -d tut --json
check "--json: exhausted" grep -q '^  "exhausted": true,$' out
check "--json: the space's size" grep -q '^  "space": 60,$' out
run "$T" -d clean --json
check "--json: a search that ran its schedule is not exhausted" grep -q '^  "exhausted": false,$' out

# A fit "epochs" sets the final fit's epochs only (the trials run the
# tuner's): 7 is the final fit's limit, "auto" gives it ffnn-config(5)'s,
# 10000 epochs for one batch of rows; the search's stopping callback runs
# under either.
for e in 7 auto; do
    printf '{"hypergrid": {"width": {"values": [4]}}, "tuner": {"algorithm": "random", "max_trials": 1, "max_epochs": 3}, "fit": {"epochs": %s}}\n' \
        "$(if [ $e = auto ]; then echo '"auto"'; else echo $e; fi)" > fe-$e.json
    run "$T" -q -s 1 -g fe-$e.json -d fe-$e -o fe-$e.ffnn train.csv
    "$BIN/ffnn-info" --json fe-$e.ffnn | tr -d ' \n' > fe-$e.info
done
check "fit epochs 7: the final fit's limit" grep -qF '"epoch_limit":7,"epochs_run":' fe-7.info
check "fit epochs auto: the final fit's limit is 10000" grep -qF '"epoch_limit":10000,' fe-auto.info
check "fit epochs: the trials ran the tuner's 3" sh -c "grep -qx '  \"epochs\": 3,' fe-7/trials/0000.json && grep -qx '  \"epochs\": 3,' fe-auto/trials/0000.json"
