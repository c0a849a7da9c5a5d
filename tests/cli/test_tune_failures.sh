# ffnn-tune with failing trials: the stop after max_consecutive_failed_trials
# failures in a row is decided in trial order, as a sequential run decides it
# (the built-in runner at any -j, external executors with a trial still to
# run); the results are the same bits for any -j and for executors; rounds
# that promote nothing leave no checkpoint behind.
#
# A trial fails when its "target" hyperparameter names no column ("nope"), so
# which trials fail depends on the draws alone.  tests/data/tune/fail.json
# (seed 21, 2 iterations of 23 scheduled trials): trials 0-8 (bracket 2,
# round 0) end F C F F C F C C C (F failed, C completed): 5 completed, fewer
# than the 6 the round keeps back, so it promotes nothing; the search ends
# after 35 trials without 3 failures in a row.
. "$ROOT/tests/cli/lib.sh"
T=$BIN/ffnn-tune
FAIL=$ROOT/tests/data/tune/fail.json
"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv

# status_of DIR ID: the status a trial file records ("-" when there is none).
status_of() {
    f=$1/trials/$(printf %04d "$2").json
    if [ -e "$f" ]; then sed -n 's/^  "status": "\(.*\)",$/\1/p' "$f"; else echo -; fi
}
statuses() { # DIR FIRST LAST: F/C/- for each id
    i=$2 s=
    while [ "$i" -le "$3" ]; do
        case $(status_of "$1" "$i") in failed) s=${s}F ;; completed) s=${s}C ;; *) s=${s}- ;; esac
        i=$((i + 1))
    done
    echo "$s"
}
# pending_loop DIR: runs every round with xargs -P 2 until none is pending;
# status 0 when the search ended, else --pending's.
pending_loop() {
    rounds=0
    while :; do
        ids=$("$T" --pending "$1" 2> loop.err) || return
        [ -n "$ids" ] || return 0
        echo "$ids" | xargs -P 2 -n 1 sh -c '"$0" --run-trial "$2" "$1"' "$T" "$1" || return 99
        rounds=$((rounds + 1))
        [ "$rounds" -lt 100 ] || return 98
    done
}

# The sequential reference.
run "$T" -q -g "$FAIL" -d j1 -j 1 -o j1.ffnn train.csv
check "sequential search with failures succeeds" [ "$st" = 0 ]
check "the fixture: trials 0-8 end FCFFCFCCC" [ "$(statuses j1 0 8)" = FCFFCFCCC ]
check "the fixture: 35 trials" [ "$(ls j1/trials/*.json | wc -l)" = 35 ]
cp out j1.out

# Any -j and the executors: the same trial files, ids and model bytes.
for j in 2 3; do
    run "$T" -q -g "$FAIL" -d "j$j" -j "$j" -o "j$j.ffnn" train.csv
    check "-j $j with failures: succeeds" [ "$st" = 0 ]
    check "-j $j with failures: same trial files as -j 1" diff -r -q -x lock j1 "j$j"
    check "-j $j with failures: same model bytes" cmp -s j1.ffnn "j$j.ffnn"
    check "-j $j with failures: same summary" cmp -s j1.out out
done
# Seed 23: failures cut promotions without emptying every round, so trials
# drawn ahead under -j 4 get the ids they ran under in some brackets and not
# in others (then they train again).
run "$T" -q -g "$FAIL" -s 23 -d s23j1 -j 1 -o s23j1.ffnn train.csv
check "seed 23: sequential search succeeds" [ "$st" = 0 ]
check "the fixture: 3 promotions in round 1 (2 + 1 of the 3 + 2 scheduled in iteration 1)" \
    [ "$(grep -l '"round": 1' s23j1/trials/*.json | wc -l)" = 3 ]
run "$T" -q -g "$FAIL" -s 23 -d s23j4 -j 4 -o s23j4.ffnn train.csv
check "seed 23 -j 4: same trial files as -j 1" diff -r -q -x lock s23j1 s23j4
check "seed 23 -j 4: same model bytes" cmp -s s23j1.ffnn s23j4.ffnn
"$T" -g "$FAIL" -d ext --init train.csv
pending_loop ext
rc=$?
check "executors with failures: the loop ends" [ "$rc" = 0 ]
run "$T" -q -d ext -o ext.ffnn
check "executors with failures: same trial files as -j 1" diff -r -q -x lock j1 ext
check "executors with failures: same model bytes" cmp -s j1.ffnn ext.ffnn

# Rounds that promote nothing leave no checkpoint: bracket 2's round 0 as
# soon as the next bracket is handed out, every one at the end.
"$T" -g "$FAIL" -d cp --init train.csv
"$T" --pending cp > ids
xargs -n 1 "$T" --run-trial < ids cp 2>/dev/null || xargs -I{} "$T" --run-trial {} cp < ids
check "round 0 writes the completed trials' checkpoints" [ "$(ls cp/trials/*.ffnn | wc -l)" = 5 ]
"$T" --pending cp > ids
check "the next --pending hands out bracket 1 (ids 9-13)" [ "$(echo $(cat ids))" = "9 10 11 12 13" ]
check "a round that promotes nothing leaves no checkpoint" [ -z "$(ls cp/trials | grep ffnn)" ]
check "no checkpoint after a search with failures (-j 1)" [ -z "$(ls j1/trials | grep ffnn)" ]
check "no checkpoint after a search with failures (executors)" [ -z "$(ls ext/trials | grep ffnn)" ]

# A checkpoint lost before its round's promotions are chosen (the built-in
# runner keeps them in memory until then; a killed run loses them): its
# trial trains again, to the same bits.
"$T" -g "$FAIL" -d lostck --init train.csv
"$T" --pending lostck > /dev/null
for id in 0 1 2 3 4 5 6 7 8; do "$T" --run-trial "$id" lostck; done
rm lostck/trials/0004.ffnn
run "$T" --pending lostck
check "--pending hands out the trial whose checkpoint is lost" [ "$st" = 0 -a "$(cat out)" = 4 ]
pending_loop lostck
rc=$?
check "executors then finish the search" [ "$rc" = 0 ]
run "$T" -q -d lostck -o lostck.ffnn
check "... with the sequential run's trial files" diff -r -q -x lock j1 lostck
check "... and model" cmp -s j1.ffnn lostck.ffnn

# A trial still to run between failures (a lost executor run, or one still
# training under -j 2) keeps the failures on either side of it apart: trial
# 1 completes, so 0, 2, 3 are not 3 failures in a row.
"$T" -g "$FAIL" -d lost --init train.csv
"$T" --pending lost > /dev/null
for id in 0 2 3 4 5 6 7 8; do "$T" --run-trial "$id" lost; done
check "the fixture: trial 1 still to run" [ "$(statuses lost 0 8)" = F-FFCFCCC ]
run "$T" --pending lost
check "--pending hands out the trial still to run, no failure stop: $(cat err)" \
    [ "$st" = 0 -a "$(cat out)" = 1 -a ! -s err ]
cp -r lost lost2
pending_loop lost
rc=$?
check "executors then finish the search" [ "$rc" = 0 ]
run "$T" -q -d lost -o lost.ffnn
check "... with the sequential run's trial files" diff -r -q -x lock j1 lost
check "... and model" cmp -s j1.ffnn lost.ffnn
run "$T" -q -d lost2 -j 2 -o lost2.ffnn
check "the built-in runner resumes it too: $(cat err)" [ "$st" = 0 ]
check "... with the sequential run's trial files" diff -r -q -x lock j1 lost2
check "... and model" cmp -s j1.ffnn lost2.ffnn

# A search that does stop: the same trial, message and status (65, whatever
# the failures' own) for any -j and for the executors.  Seed 22: trials 13, 14 and 15 fail in a row.
msg="ffnn-tune: 3 trials failed in a row (last: trial 0015: target \"nope\" is not a column of data.csv; columns: sepal length (cm), sepal width (cm), petal length (cm), petal width (cm), target)"
for j in 1 2 4; do
    run "$T" -q -g "$FAIL" -s 22 -d "stop$j" -j "$j" train.csv
    check "-j $j stops at trial 15 with status 65: $(cat err)" [ "$st" = 65 -a "$(cat err)" = "$msg" ]
done
"$T" -g "$FAIL" -s 22 -d stopx --init train.csv
pending_loop stopx
rc=$?
check "executors: --pending stops at trial 15 with status 65: $(cat loop.err)" \
    [ "$rc" = 65 -a "$(cat loop.err)" = "$msg" ]

# Many workers, again and again, on searches of a few milliseconds: the
# runner's hand-offs (trials drawn ahead, checkpoints written while workers
# go on, results arriving meanwhile) give the sequential result every time.
SMALL=$ROOT/tests/data/tune/small.json
"$T" -q -g "$SMALL" --iterations 8 -d st1 -j 1 -o st1.ffnn train.csv
"$T" -q -g "$FAIL" --iterations 6 -d fst1 -j 1 -o fst1.ffnn train.csv
runs=0 same=0
for k in 1 2 3 4 5 6 7 8 9 10; do
    for j in 8 3; do
        for g in st fst; do
            grid=$SMALL; [ "$g" = fst ] && grid=$FAIL
            rm -rf "${g}j" "${g}j.ffnn"
            runs=$((runs + 1))
            if "$T" -q -g "$grid" --iterations "$([ "$g" = st ] && echo 8 || echo 6)" -d "${g}j" -j "$j" \
                    -o "${g}j.ffnn" train.csv > /dev/null 2> stress.err &&
                diff -r -q -x lock "${g}1" "${g}j" > /dev/null && cmp -s "${g}1.ffnn" "${g}j.ffnn"; then
                same=$((same + 1))
            else
                echo "# -j $j on $g: $(head -n 1 stress.err)"
            fi
        done
    done
done
check "$same of $runs runs at -j 8 and -j 3 byte-identical to -j 1" [ "$same" = "$runs" ]

# A search whose space is used up ends early (keras-tuner's collision limit):
# two configurations for a first round of 9, so nothing is ever promoted and
# no checkpoint may stay behind (built-in runner and executors).
printf '{"hypergrid":{"width":{"values":[4,8]}},"tuner":{"max_epochs":9,"factor":3,"seed":3}}\n' > two.json
run "$T" -q -g two.json -d two -j 2 train.csv
check "a used-up space ends the search: 2 trials" [ "$st" = 0 -a "$(ls two/trials/*.json | wc -l)" = 2 ]
check "... and leaves no checkpoint" [ -z "$(ls two/trials | grep ffnn)" ]
"$T" -g two.json -d twox --init train.csv
pending_loop twox
rc=$?
"$T" -q -d twox > /dev/null
check "executors: the same trials, no checkpoint" \
    sh -c "[ $rc = 0 ] && diff -r -q -x lock two twox > /dev/null && [ -z \"\$(ls twox/trials | grep ffnn)\" ]"

# keras-tuner's other edge cases beside the draws ahead, failures in the mix.
# nanmix.json: learning rate 1e30 makes a trial's weights NaN; it completes
# (val_accuracy stays a number), may be promoted, and its checkpoint is then
# raw float32 weights, held in memory or written by a worker; "nope" fails
# trials.  retry.json: learning rate 2e18 makes val_loss NaN from the first
# epoch in some runs, which fail and run again (max_retries_per_trial 2) with
# streams of the trial's id and the run's number; maximising val_loss makes
# seed 4's best trial (0004) one that completed on a retry, so the best
# trial's model (--best-model=trial, in the same process) trains it again
# from the run it records.  Every -j and the executors give the sequential
# run's bits.
printf '{"hypergrid":{"width":{"min":2,"max":40},"learning_rate":{"values":[0.01,1e30]},"target":{"values":["target","target","nope"]}},"tuner":{"max_epochs":9,"factor":3,"hyperband_iterations":3,"seed":1,"max_consecutive_failed_trials":100},"fit":{"batch_size":32}}\n' > nanmix.json
printf '{"hypergrid":{"width":{"min":2,"max":40},"learning_rate":{"values":[2e18]}},"tuner":{"max_epochs":9,"factor":3,"seed":4,"objective":{"name":"val_loss","direction":"max"},"max_consecutive_failed_trials":100,"max_retries_per_trial":2},"fit":{"batch_size":32}}\n' > retry.json
for g in nanmix retry; do
    for j in 1 3 8; do
        run "$T" -q -g $g.json -d $g$j -j $j -o $g$j.ffnn --best-model=trial train.csv
        check "$g -j $j: succeeds: $(cat err)" [ "$st" = 0 ]
        [ $j = 1 ] && cp out $g.out && continue
        check "$g -j $j: same trial files as -j 1" diff -r -q -x lock ${g}1 $g$j
        check "$g -j $j: same best trial's model and summary" \
            sh -c "cmp -s ${g}1.ffnn $g$j.ffnn && cmp -s $g.out out"
    done
    "$T" -g $g.json -d ${g}x --init train.csv
    pending_loop ${g}x
    rc=$?
    run "$T" -q -d ${g}x -o ${g}x.ffnn --best-model=trial
    check "$g executors: the sequential run's trial files and model" \
        sh -c "[ $rc = 0 -a $st = 0 ] && diff -r -q -x lock ${g}1 ${g}x > /dev/null && cmp -s ${g}1.ffnn ${g}x.ffnn"
done
promoted_nan=0
for f in nanmix1/trials/*.json; do
    p=$(sed -n 's/^  "parent": "\([0-9]*\)",$/\1/p' "$f")
    [ -n "$p" ] && grep -q '"learning_rate": 1e+30' nanmix1/trials/$p.json && promoted_nan=$((promoted_nan + 1))
done
check "nanmix: trials with NaN weights were promoted ($promoted_nan), failures too" \
    sh -c "[ $promoted_nan -gt 0 ] && grep -q '\"status\": \"failed\"' nanmix1/trials/*.json"
check "retry: the best trial completed on a retry" \
    sh -c "grep -q '^Best val_loss: .*(trial 0004,' retry.out && grep -q '\"retries\": [12]' retry1/trials/0004.json"
