#!/bin/sh
# make demo: the seed tutorial on the bundled iris data, with every program
# that exists.  Outputs go to demo-out/.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/bin
O=$ROOT/demo-out
rm -rf "$O"; mkdir -p "$O"
cd "$O"
step() { printf '\n== %s\n$ %s\n' "$1" "$2"; }

step "Split iris 67/33, stratified" "ffnn-split -t 0.33 -s 42 --stratify datasets/iris.csv train.csv test.csv"
"$B/ffnn-split" -t 0.33 -s 42 --stratify "$ROOT/datasets/iris.csv" train.csv test.csv
echo "train.csv: $(($(wc -l < train.csv) - 1)) rows, test.csv: $(($(wc -l < test.csv) - 1)) rows"

step "Train the tutorial's simple model" "ffnn-train -c configs/iris-simple.json -s 42 --history history.csv -o iris.ffnn train.csv"
"$B/ffnn-train" -c "$ROOT/configs/iris-simple.json" -s 42 --history history.csv -o iris.ffnn train.csv
echo "last epochs of history.csv:"; tail -n 3 history.csv

step "Model summary" "ffnn-info iris.ffnn"
"$B/ffnn-info" iris.ffnn

step "Predict the test rows" "ffnn-predict iris.ffnn test.csv > pred.csv"
"$B/ffnn-predict" iris.ffnn test.csv > pred.csv
head -n 6 pred.csv

if [ -x "$B/ffnn-eval" ]; then
    step "Evaluate" "ffnn-eval --confusion-svg confusion.svg pred.csv"
    "$B/ffnn-eval" --confusion-svg confusion.svg pred.csv
    step "Accuracy per epoch (SVG)" "ffnn-eval --history history.csv --curve-svg curve.svg"
    "$B/ffnn-eval" --history history.csv --curve-svg curve.svg && echo "wrote curve.svg"
else
    awk -F, 'NR > 1 { n++; if ($1 == $2) c++ } END { printf "test accuracy: %.4f (%d/%d)\n", c / n, c, n }' pred.csv
fi

if [ -x "$B/ffnn-tune" ]; then
    step "Tune with Hyperband (the tutorial's search: max_epochs 150, factor 3, 10 iterations), then its final fit" \
        "ffnn-tune -g configs/iris-hypergrid-tutorial.json -d tune -s 42 -o best.ffnn --best-config best.json train.csv"
    echo "Its space has only 60 points keras-tuner can draw, so the search stops once random draws keep repeating them, as keras-tuner's does: the best trial comes from the first bracket's first round (2 epochs), as in the tutorial."
    grid=$ROOT/configs/iris-hypergrid-tutorial.json
    start=$(date +%s.%N)
    "$B/ffnn-tune" -g "$grid" -d tune -s 42 -o best.ffnn --best-config best.json train.csv
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "search + final fit took %.2f s\n", b - a }'
    "$B/ffnn-predict" best.ffnn test.csv > best-pred.csv
    if [ -x "$B/ffnn-eval" ]; then
        printf 'best model test accuracy: %s\n' "$("$B/ffnn-eval" --metric accuracy best-pred.csv)"
    fi
fi

if [ -x "$B/ffnn-explain" ]; then
    model=iris.ffnn
    [ -f best.ffnn ] && model=best.ffnn
    step "Explain: which features drive the predictions (SHAP, training rows as background)" \
        "ffnn-explain $model test.csv -b train.csv --summary --bar-svg shap.svg"
    "$B/ffnn-explain" $model test.csv -b train.csv --summary --bar-svg shap.svg
    "$B/ffnn-explain" $model test.csv -b train.csv > shap.csv
    echo "per-row SHAP values: shap.csv; bar chart: shap.svg"
fi

printf '\nAll outputs are in %s\n' "$O"
