# ffnn-eval: report, JSON against scikit-learn, --metric, bars, SVGs, bad
# inputs, the pipeline from ffnn-predict, and the man page's examples.
. "$(dirname "$0")/lib.sh"
E=$BIN/ffnn-eval
EV=$ROOT/tests/data/eval

# ---- conventions -----------------------------------------------------------
run "$E" --help
check "--help on stdout, exit 0" sh -c "[ $st = 0 ] && grep -q '^Usage: ffnn-eval' out && [ ! -s err ]"
run "$E" --version
check "--version on stdout, exit 0" sh -c "[ $st = 0 ] && grep -q '^ffnn-eval (ffnn) ' out"
expect_fail "unknown option" 64 "ffnn-eval: unknown option '--bogus'; try 'ffnn-eval --help'" "$E" --bogus
expect_fail "--json with --metric" 64 "ffnn-eval: --json and --metric exclude each other; try 'ffnn-eval --help'" \
    "$E" --json --metric accuracy "$EV/binary.csv"
expect_fail "bad --fail-under" 64 "ffnn-eval: --fail-under: expected METRIC=NUMBER, got \"accuracy\"; try 'ffnn-eval --help'" \
    "$E" --fail-under accuracy "$EV/binary.csv"
expect_fail "--history without --curve-svg" 64 "ffnn-eval: --history and --curve-svg go together; try 'ffnn-eval --help'" \
    "$E" --history "$EV/history.csv"
expect_fail "bad --task" 64 "ffnn-eval: --task: expected classification or regression, got \"x\"; try 'ffnn-eval --help'" \
    "$E" --task x "$EV/binary.csv"
run "$E" --metric auc "$EV/binary.csv"
check "unknown metric: 64, one line" sh -c "[ $st = 64 ] && [ \$(wc -l < err) = 1 ] && grep -q 'unknown metric \"auc\"' err && [ ! -s out ]"
expect_fail "metric of the other task" 65 "ffnn-eval: mae: not available for classification" \
    "$E" --metric mae "$EV/binary.csv"
expect_fail "too many operands" 64 "ffnn-eval: expected at most one input file, got 2; try 'ffnn-eval --help'" \
    "$E" a.csv b.csv

# ---- the text report ----------------------------------------------------------
expect_ok "report" "$E" "$EV/multiclass.csv"
check "report: header line" grep -q '^multiclass classification: 80 rows, 4 classes, target "species"$' out
check "report: accuracy line, 4 decimals" grep -Eq '^accuracy +[0-9]\.[0-9]{4}$' out
check "report: per-class table with literal names" grep -Eq '^ +vers&icolor +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+$' out
check "report: never-predicted class has precision 0" grep -Eq '^ +rare +0\.0000 +0\.0000 +0\.0000 +7 ' out
check "report: averages" sh -c "grep -q '^   macro avg ' out && grep -q '^weighted avg ' out"
check "report: confusion matrix" grep -q '^confusion matrix (rows: true class, columns: predicted class)$' out
"$E" < "$EV/multiclass.csv" > stdin.txt 2>&1
check "stdin gives the same report" cmp -s out stdin.txt
"$E" - < "$EV/multiclass.csv" > dash.txt 2>&1
check "'-' is stdin" cmp -s out dash.txt
expect_ok "regression report" "$E" "$EV/regression.csv"
check "regression: every metric" sh -c "for m in mae mse rmse r2 max_error median_absolute_error; do grep -Eq \"^\$m +-?[0-9]+\\.[0-9]{4}\$\" out || exit 1; done"
expect_ok "-o writes the report to a file" "$E" -o rep.txt "$EV/regression.csv"
check "-o: stdout empty, file complete" sh -c "[ ! -s out ] && grep -q '^median_absolute_error' rep.txt && ! ls rep.txt.tmp* 2>/dev/null"

# ---- JSON against scikit-learn -----------------------------------------------
for f in binary multiclass regression single_class; do
    "$E" --json "$EV/$f.csv" > $f.json
done
if have_sklearn; then
    for f in binary multiclass regression single_class; do
        if "$PYTHON" "$EV/sklearn_check.py" "$EV/$f.csv" $f.json > cmp.$f 2>&1; then
            ok "$f: --json equals scikit-learn to 1e-9"
        else
            nok "$f: --json differs from scikit-learn: $(head -c 400 cmp.$f)"
        fi
    done
    sed 's/"accuracy": [0-9.e-]*/"accuracy": 0.123/' binary.json > tampered.json
    run "$PYTHON" "$EV/sklearn_check.py" "$EV/binary.csv" tampered.json
    check "the scikit-learn check catches a wrong value" sh -c "[ $st = 1 ] && grep -q '^accuracy: sklearn' out"
else
    skip "scikit-learn comparison: /usr/bin/python3 with sklearn not installed (apt install python3-sklearn)"
fi
if have_numpy || [ -x "$PYTHON" ]; then
    check "JSON parses back; stable keys" "$PYTHON" -c '
import json, sys
b = json.load(open("binary.json")); m = json.load(open("multiclass.json")); r = json.load(open("regression.json"))
keys = ["task","rows","target","classes","positive_class","accuracy","balanced_accuracy","precision_macro","recall_macro","f1_macro","precision_weighted","recall_weighted","f1_weighted","log_loss","roc_auc","subset_accuracy","per_class","confusion_matrix"]
assert list(b) == keys, list(b)
assert "positive_class" not in m and m["task"] == "multiclass" and m["classes"][0] == "set<osa"
assert list(r) == ["task","rows","target","mae","mse","rmse","r2","max_error","median_absolute_error"]
assert json.load(open("single_class.json"))["roc_auc"] is None
'
else
    skip "JSON parse-back: no /usr/bin/python3"
fi

# ---- --metric and the bars ---------------------------------------------------------
expect_ok "--metric" "$E" --metric accuracy "$EV/binary.csv"
acc=$(cat out)
check "--metric prints the JSON value" grep -q "\"accuracy\": $acc," binary.json
expect_ok "--metric per class" "$E" -M "recall:vers&icolor" "$EV/multiclass.csv"
check "--metric per class value" grep -q "\"class\": \"vers&icolor\", \"precision\": [0-9.e-]*, \"recall\": $(cat out)," multiclass.json
expect_ok "--metric of an undefined value prints nan" "$E" -M roc_auc "$EV/single_class.csv"
check "nan" [ "$(cat out)" = nan ]
expect_ok "bar met" "$E" --fail-under accuracy=0.5 --fail-over log_loss=10 "$EV/binary.csv"
run "$E" --fail-under "accuracy=0.99" "$EV/binary.csv"
check "bar not met: exit 1, one line, report still printed" sh -c "[ $st = 1 ] && [ \$(wc -l < err) = 1 ] && grep -q '^ffnn-eval: accuracy $acc is under 0.99\$' err && grep -q '^accuracy ' out"
run "$E" -M rmse --fail-over rmse=0.5 "$EV/regression.csv"
check "--fail-over not met: exit 1" sh -c "[ $st = 1 ] && grep -q '^ffnn-eval: rmse .* is over 0.5\$' err"
run "$E" --fail-under roc_auc=0.5 "$EV/single_class.csv"
check "undefined metric fails its bar" sh -c "[ $st = 1 ] && grep -q 'roc_auc undefined' err"

# subset_accuracy: the tutorial's accuracy_score(y_onehot, predict(X) >= .5);
# its value against scikit-learn is in sklearn_check.py above.  Three rows
# worked by hand: a lone class >= 0.5 that is the label counts; two classes
# at 0.5 do not; none at 0.5 does not: 1/3.
printf 'y,prediction,p_a,p_b,p_c\na,a,0.6,0.3,0.1\na,a,0.5,0.5,0\nb,b,0.2,0.45,0.35\n' > subset.csv
expect_ok "--metric subset_accuracy" "$E" -M subset_accuracy subset.csv
check "subset_accuracy is 1/3 (accuracy is 1)" [ "$(cat out)" = 0.3333333333333333 ]
expect_ok "report line" "$E" subset.csv
check "report: subset_accuracy under the short list" \
    grep -q '^subset_accuracy    0.3333  (every p_ >= 0.5 exactly on the true class)$' out
check "JSON key (49 of the 80 fixture rows)" grep -q '"subset_accuracy": 0.6125,' multiclass.json
run "$E" --fail-under subset_accuracy=0.5 subset.csv
check "subset_accuracy bar not met: exit 1" \
    sh -c "[ $st = 1 ] && grep -q '^ffnn-eval: subset_accuracy 0.3333333333333333 is under 0.5\$' err"
expect_ok "subset_accuracy bar met" "$E" --fail-under subset_accuracy=0.3 subset.csv
printf 't,prediction\na,a\nb,a\n' > noproba.csv
expect_fail "subset_accuracy needs probabilities" 65 \
    "ffnn-eval: subset_accuracy: needs probabilities (p_ columns)" "$E" -M subset_accuracy noproba.csv

# ---- bad inputs: one line, exit 65 -----------------------------------------------
expect_fail "no label column" 65 \
    "ffnn-eval: $EV/no_label.csv:1: no true-label column before \"prediction\" (predict a labelled file, or name it with --target)" \
    "$E" "$EV/no_label.csv"
expect_fail "class names that do not match the p_ columns" 65 \
    "ffnn-eval: $EV/bad_class.csv:3:1: true label \"c\" is not one of the classes of the p_ columns (a, b)" \
    "$E" "$EV/bad_class.csv"
expect_fail "probability that is not a number" 65 \
    "ffnn-eval: $EV/bad_proba.csv:3:3: p_a: expected a probability, got \"abc\"" \
    "$E" "$EV/bad_proba.csv"
expect_fail "empty file" 65 "ffnn-eval: $EV/empty.csv: empty input: no header row" "$E" "$EV/empty.csv"
expect_fail "empty stdin" 65 "ffnn-eval: <stdin>: empty input: no header row" sh -c "'$E' < /dev/null"
expect_fail "not a predictions file" 65 \
    "ffnn-eval: $DATA/iris.csv:1: no \"prediction\" column (expected a predictions CSV from ffnn-predict)" \
    "$E" "$DATA/iris.csv"
expect_fail "--target names a missing column" 65 "ffnn-eval: $EV/binary.csv:1: no column \"nope\" (--target)" \
    "$E" -T nope "$EV/binary.csv"
expect_fail "missing input" 66 "ffnn-eval: nope.csv: cannot open: No such file or directory" "$E" nope.csv
expect_fail "ROC of a regression" 65 "ffnn-eval: --roc-svg: ROC curves need class probabilities (p_ columns)" \
    "$E" --roc-svg r.svg "$EV/regression.csv"
check "no file left after a failure" sh -c "! ls r.svg* 2>/dev/null"
run "$E" --confusion-svg no/such/dir/c.svg "$EV/binary.csv"
check "uncreatable SVG: exit 73" sh -c "[ $st = 73 ] && grep -q '^ffnn-eval: no/such/dir/c.svg: cannot create: ' err"
expect_fail "--target picks another column" 65 \
    "ffnn-eval: $EV/binary.csv:2:1: true label \"r0\" is not one of the classes of the p_ columns (no, yes)" \
    "$E" --target id "$EV/binary.csv"

# ---- SVGs ---------------------------------------------------------------------------
expect_ok "SVGs from a multiclass file" "$E" --confusion-svg cm.svg --roc-svg roc.svg "$EV/multiclass.csv"
expect_ok "SVGs from a binary file" "$E" --confusion-svg cm2.svg --roc-svg roc2.svg "$EV/binary.csv"
expect_ok "learning curve alone" "$E" --history "$EV/history.csv" --curve-svg curve.svg
check "curve alone prints nothing" [ ! -s out ]
expect_ok "loss curve" "$E" --history "$EV/history.csv" --curve-svg loss.svg --curve-metric loss
expect_fail "curve of a missing column" 65 "ffnn-eval: $EV/history.csv: history has no \"f1\" column" \
    "$E" --history "$EV/history.csv" --curve-svg f1.svg --curve-metric f1
check "class names escaped in the SVG" sh -c "grep -q '>set&lt;osa</text>' cm.svg && grep -q '>vers&amp;icolor (AUC = ' roc.svg && grep -q '>vir_ginica</text>' cm.svg"
"$E" --confusion-svg cm.again.svg "$EV/multiclass.csv" > /dev/null
check "SVG is byte-reproducible" cmp -s cm.svg cm.again.svg
if command -v xmllint > /dev/null; then
    for f in cm.svg roc.svg cm2.svg roc2.svg curve.svg loss.svg; do
        check "$f is well-formed XML" xmllint --noout "$f"
    done
else
    skip "xmllint not installed (apt install libxml2-utils)"
fi
if command -v rsvg-convert > /dev/null; then
    for f in cm.svg roc.svg cm2.svg roc2.svg curve.svg loss.svg; do
        check "$f renders to PNG" sh -c "rsvg-convert -o '${f%.svg}.png' '$f' && [ -s '${f%.svg}.png' ]"
    done
else
    skip "rsvg-convert not installed (apt install librsvg2-bin)"
fi

# ---- the pipeline from a trained model ------------------------------------------------
"$BIN/ffnn-split" -t 0.33 -s 42 "$DATA/iris.csv" train.csv test.csv
"$BIN/ffnn-train" -c "$ROOT/configs/iris-simple.json" -s 42 -o iris.ffnn --history hist.csv train.csv 2>/dev/null
if [ -s iris.ffnn ]; then
    run sh -c "'$BIN/ffnn-predict' iris.ffnn test.csv | '$E'"
    check "ffnn-predict | ffnn-eval prints the report" sh -c "[ $st = 0 ] && [ ! -s err ] && grep -q '^multiclass classification: 50 rows, 3 classes, target \"target\"' out"
    "$BIN/ffnn-predict" iris.ffnn test.csv > pred.csv
    "$E" --json pred.csv > pipe.json
    expect_ok "-m MODEL LABELLED.csv" "$E" -m iris.ffnn --json test.csv
    check "-m gives the same JSON as the pipeline" cmp -s out pipe.json
    for n in 1 3; do
        run "$E" -m iris.ffnn --threads $n --json test.csv
        check "-m --threads $n: the same JSON" sh -c "[ $st = 0 ] && cmp -s out pipe.json"
    done
    expect_fail "--threads 0" 64 "ffnn-eval: invalid threads '0' (need an integer 1..256); try 'ffnn-eval --help'" \
        "$E" -m iris.ffnn --threads 0 test.csv
    if have_sklearn; then
        check "pipeline --json equals scikit-learn" "$PYTHON" "$EV/sklearn_check.py" pred.csv pipe.json
    fi
    cut -d, -f1-4 test.csv > unlabelled.csv
    expect_fail "-m on a file without the target" 65 "ffnn-eval: unlabelled.csv: no column \"target\" (the model's target)" \
        "$E" -m iris.ffnn unlabelled.csv
    expect_fail "-m with a missing model" 66 "ffnn-eval: nope.ffnn: cannot open: No such file or directory" \
        "$E" -m nope.ffnn test.csv
    # The tutorial's save/load check: accuracy_score(y_test, predict(X) >= .5)
    expect_ok "-m MODEL -M subset_accuracy" "$E" -m iris.ffnn -M subset_accuracy test.csv
    check "subset_accuracy as the JSON gives it" grep -q "\"subset_accuracy\": $(cat out)," pipe.json
    expect_ok "tutorial accuracy-per-epoch plot in one command" "$E" --history hist.csv --curve-svg acc.svg
    check "accuracy curve" sh -c "grep -q '<title>accuracy per epoch</title>' acc.svg"
else
    skip "pipeline: ffnn-train did not produce a model"
fi

# ---- the man page's examples ------------------------------------------------------------
mkdir -p man.d && ln -s "$DATA" man.d/datasets && ln -s "$ROOT/configs" man.d/configs
awk '/^\.SH /{ex = ($2 == "EXAMPLES")} ex && /^\$ /{print substr($0, 3)}' "$ROOT/man/ffnn-eval.1" |
    sed -e 's/\\-/-/g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' > man.cmds
n=0
while IFS= read -r cmd; do
    n=$((n + 1))
    if (cd man.d && PATH="$BIN:$PATH" sh -c "$cmd" > ex.$n 2> exerr.$n < /dev/null); then
        ok "man example $n: $cmd"
    else
        nok "man example $n: $cmd: $(head -c 300 man.d/exerr.$n)"
    fi
done < man.cmds
check "man examples: at least 8 ran" [ "$n" -ge 8 ]
check "man examples: SVGs well-formed" sh -c "cd man.d && for f in confusion.svg roc.svg accuracy.svg; do xmllint --noout \$f || exit 1; done"
