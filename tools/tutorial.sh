#!/bin/sh
# make tutorial: every step of the seed tutorial, run with ffnn on the
# tutorial's own row splits (datasets/tutorial/, see its README) with
# several seeds, and a table of each number the tutorial prints beside
# ffnn's median over the seeds (with the range).  README, "The tutorial,
# replicated".
#
#   sh tools/tutorial.sh [-n SEEDS] [-j JOBS] [-k DIR]
#
#   -n SEEDS  seeds 1..SEEDS (default 10)
#   -j JOBS   seeds run at once (default: the number of online CPUs); each
#             program runs on one thread, so the numbers do not depend on it
#   -k DIR    keep every file made (split CSVs, models, search directories,
#             predictions, SVG plots), one folder per seed, in DIR (which
#             must not exist); otherwise they go in a temporary directory
#             that is removed at the end
#
# Programs come from $FFNN_BIN (default: bin/ of this tree).  Exits non-zero,
# naming the step and the seed, when a step fails.  No Python is needed.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${FFNN_BIN:-$ROOT/bin}
C=$ROOT/configs
SPLITS=$ROOT/datasets/tutorial

# ---- one seed: tools/tutorial.sh --seed S DIR ------------------------------
# Runs every step in DIR/sS and writes DIR/sS/r.tsv (key TAB value lines).
if [ "${1:-}" = --seed ]; then
    S=$2
    D=$3
    mkdir "$D/s$S"
    cd "$D/s$S"
    exec 2> log
    out() { printf '%s\t%s\n' "$1" "$2" >> r.tsv; }
    step() { printf '%s\n' "$1" > step; }
    # first "key": value of a pretty-printed JSON file (the best trial's
    # hyperparameters come before the ranking in ffnn-tune --json)
    jget() { awk -v k="\"$1\":" '$1 == k { v = $2; sub(/,$/, "", v); gsub(/"/, "", v); print v; exit }' "$2"; }
    tune() { # tune NAME HYPERGRID: the tutorial's search, then its final fit
        step "$1: Hyperband search"
        "$B/ffnn-tune" -q -j 1 -s "$S" -g "$2" -d "$1.tune" --validation "../$1-val.csv" \
            --best-config "$1-best.json" --json "../$1-search.csv" > "$1-tune.json"
        step "$1: final fit"
        "$B/ffnn-train" -q -j 1 -s "$S" -c "$1-best.json" --history "$1-history.csv" \
            -o "$1.ffnn" "../$1-train.csv"
        step "$1: predict"
        "$B/ffnn-predict" -o "$1-pred.csv" "$1.ffnn" "../$1-test.csv"
    }
    metric() { "$B/ffnn-eval" -q -M "$1" "$2"; }

    step "simple model (iris-simple.json)"
    "$B/ffnn-train" -q -j 1 -s "$S" -c "$C/iris-simple.json" -o simple.ffnn ../iris-train.csv
    out simple "$("$B/ffnn-eval" -q -m simple.ffnn -M accuracy ../iris-test.csv)"
    step "simple model (iris-simple-keras3.json)"
    "$B/ffnn-train" -q -j 1 -s "$S" -c "$C/iris-simple-keras3.json" -o simple3.ffnn ../iris-train.csv
    out simple3 "$("$B/ffnn-eval" -q -m simple3.ffnn -M accuracy ../iris-test.csv)"

    tune iris "$C/iris-hypergrid-tutorial.json"
    out tuned "$(metric accuracy iris-pred.csv)"
    for k in width depth droprate learning_rate activation epochs initial_epoch bracket round \
             trials space exhausted; do
        out "hp_$k" "$(jget "$k" iris-tune.json)"
    done
    out epochs_run $(($(wc -l < iris-history.csv) - 1))
    step "iris: history and confusion matrix"
    "$B/ffnn-eval" -q --history iris-history.csv --curve-svg history.svg
    "$B/ffnn-eval" -q --json --confusion-svg confusion.svg iris-pred.csv > iris-eval.json
    out confusion "$(awk '/"confusion_matrix"/ { on = 1; next }
            on && /^ *\[/ { gsub(/[][ ]/, ""); sub(/,$/, ""); gsub(/,/, " "); m = m (m == "" ? "" : " / ") $0; next }
            on { exit } END { print m }' iris-eval.json)"
    out wrong "$(awk -F, 'NR > 1 && $1 != $2 { n++ } END { print n + 0 }' iris-pred.csv)"

    step "iris: DeepSHAP"
    # shap.DeepExplainer(model, X_test).shap_values(X_test[1:5]); the
    # tutorial's chart is deep_shap_values[0][0]: row 1 of X_test, class 0.
    "$B/ffnn-explain" -q -j 1 -m deep -b ../iris-test.csv -k 0 --row-svg shap-row.svg --row 1 \
        --class 0 -o shap.csv iris.ffnn ../iris-test.csv
    awk -F, 'NR > 1 && $1 == 1 && $2 == 0 {
            for (i = 6; i <= 9; i++) printf "shap%d\t%s\n", i - 5, $i
            # ranking by |value|: petal length and width the top two, sepal length last
            for (i = 6; i <= 9; i++) a[i] = $i < 0 ? -$i : $i
            top = a[8] > a[6] && a[8] > a[7] && a[9] > a[6] && a[9] > a[7]
            last = a[6] < a[7] && a[6] < a[8] && a[6] < a[9]
            printf "shap_petals_top\t%d\nshap_sepal_length_last\t%d\n", top, last
        }' shap.csv >> r.tsv

    step "iris: save and load"
    # model.save / keras.models.load_model: the model file is the saved
    # model; a copy of it, read back, must predict the same bytes.
    cp iris.ffnn keras_model.ffnn
    "$B/ffnn-predict" -o loaded-pred.csv keras_model.ffnn ../iris-test.csv
    cmp -s loaded-pred.csv iris-pred.csv && out same_pred 1 || out same_pred 0
    out loaded "$(metric accuracy loaded-pred.csv)"
    out subset "$(metric subset_accuracy loaded-pred.csv)"

    tune breast_cancer "$C/breast-cancer-hypergrid-tutorial.json"
    out bc "$(metric accuracy breast_cancer-pred.csv)"
    tune diabetes "$C/diabetes-hypergrid-tutorial.json"
    out mae "$(metric mae diabetes-pred.csv)"
    rm step
    exit 0
fi

# ---- the driver --------------------------------------------------------------
usage() { echo "usage: tools/tutorial.sh [-n SEEDS] [-j JOBS] [-k DIR]" >&2; exit 64; }
N=10
J=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
KEEP=
while getopts n:j:k: o; do
    case $o in
    n) N=$OPTARG ;;
    j) J=$OPTARG ;;
    k) KEEP=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
case $N in '' | *[!0-9]* | 0*) echo "tools/tutorial.sh: -n: expected a positive integer, got '$N'" >&2; exit 64 ;; esac
case $J in '' | *[!0-9]* | 0*) echo "tools/tutorial.sh: -j: expected a positive integer, got '$J'" >&2; exit 64 ;; esac
for p in ffnn-train ffnn-tune ffnn-predict ffnn-eval ffnn-explain ffnn-info; do
    [ -x "$B/$p" ] || { echo "tools/tutorial.sh: $B/$p: not built (make build)" >&2; exit 66; }
done

if [ -n "$KEEP" ]; then
    [ ! -e "$KEEP" ] || { echo "tools/tutorial.sh: $KEEP: exists" >&2; exit 73; }
    mkdir -p "$KEEP"
    T=$(cd "$KEEP" && pwd)
else
    T=$(mktemp -d "${TMPDIR:-/tmp}/ffnn-tutorial.XXXXXX")
    trap 'rm -rf "$T"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
fi
start=$(date +%s.%N)

# The tutorial's splits as CSVs: the rows of datasets/NAME.csv listed under
# each part of datasets/tutorial/NAME-splits.csv, in that order.
for d in iris breast_cancer diabetes; do
    for part in train test search val; do
        awk -F, -v part=$part '
            NR == FNR { if (FNR > 1 && $1 == part) order[++n] = $2; next }
            FNR == 1 { print; next }
            { line[FNR - 2] = $0 }
            END { for (i = 1; i <= n; i++) print line[order[i]] }' \
            "$SPLITS/$d-splits.csv" "$ROOT/datasets/$d.csv" > "$T/$d-$part.csv"
    done
done

# model.summary() of the tutorial's best hyperparameters (units 52, layers 2)
cat > "$T/summary.json" <<'EOF'
{"layers": [{"units": 52, "activation": "relu", "dropout": 0.1},
            {"units": 52, "activation": "relu", "dropout": 0.1}],
 "output_activation": "sigmoid", "loss": "binary_crossentropy", "standardize": false, "epochs": 1}
EOF
"$B/ffnn-train" -q -j 1 -c "$T/summary.json" -o "$T/summary.ffnn" "$T/iris-train.csv" ||
    { echo "tools/tutorial.sh: the model summary step failed" >&2; exit 1; }
"$B/ffnn-info" "$T/summary.ffnn" > "$T/summary.txt"
params=$(awk '/\(Dense\)/ { p = $(NF - 1); s = s (s == "" ? "" : " / ") p }
              /Total params:/ { t = $3 } END { print s " = " t }' "$T/summary.txt")

# Every seed, J at a time; each program on one thread.
if ! seq 1 "$N" | xargs -P "$J" -I{} sh "$0" --seed {} "$T"; then
    for s in $(seq 1 "$N"); do
        if [ -f "$T/s$s/step" ] || [ ! -f "$T/s$s/r.tsv" ]; then
            echo "tools/tutorial.sh: seed $s failed at: $(cat "$T/s$s/step" 2>/dev/null || echo start)" >&2
            cat "$T/s$s/log" >&2 2>/dev/null || :
        fi
    done
    exit 1
fi

# ---- the table ---------------------------------------------------------------
# all KEY: the values of KEY over the seeds, one a line, in seed order
all() { for s in $(seq 1 "$N"); do awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$T/s$s/r.tsv"; done; }
# stat KEY SCALE FMT SUFFIX: "median [min, max]" of KEY × SCALE (numpy's median)
stat() {
    all "$1" | sort -g | awk -v sc="$2" -v f="$3" -v suf="$4" '{ v[NR] = $1 * sc }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              if (v[1] == v[NR]) printf f "%s", m, suf
              else printf f "%s [" f "%s, " f "%s]", m, suf, v[1], suf, v[NR], suf }'
}
# count KEY: seeds whose KEY is 1
count() { all "$1" | awk '$1 == 1 || $1 == "true" { n++ } END { printf "%d of %d seeds", n, NR }'; }
# distinct KEY: the values of KEY, each once
distinct() { all "$1" | sort -u | paste -sd, -; }
row() { printf '%-35s %-20s %-27s %s\n' "$1" "$2" "$3" "$4"; }
pct() { stat "$1" 100 '%.2f' '%'; }

# the seed whose tuned accuracy is the (lower) median: its confusion matrix
mid=$(for s in $(seq 1 "$N"); do printf '%s %s\n' "$(awk -F'\t' '$1 == "tuned" { print $2 }' "$T/s$s/r.tsv")" "$s"; done |
      sort -g -k1,1 -k2,2 | sed -n "$(((N + 1) / 2))p" | cut -d' ' -f2)
cm=$(awk -F'\t' '$1 == "confusion" { print $2 }' "$T/s$mid/r.tsv")

# Data as the tutorial printed it: X[:5] and y[:5] of load_iris().
data=$(awk -F, 'NR >= 2 && NR <= 6 { s = s $1 " " $2 " " $3 " " $4 " " $5 ";" } END { print s }' "$ROOT/datasets/iris.csv")
[ "$data" = "5.1 3.5 1.4 0.2 0;4.9 3.0 1.4 0.2 0;4.7 3.2 1.3 0.2 0;4.6 3.1 1.5 0.2 0;5.0 3.6 1.4 0.2 0;" ] &&
    data=equal || data=DIFFERENT
rows() { echo $(($(wc -l < "$T/$1-test.csv") - 1)); }

echo "The seed tutorial, replicated: ffnn on the tutorial's own splits (datasets/tutorial/),"
echo "seeds 1-$N; ffnn's column is the median over the seeds [min, max]."
echo
row "step" "tutorial" "ffnn" "note"
row "X[:5], y[:5] (iris)" "as printed" "$data" "datasets/iris.csv is load_iris(), in its order"
row "test rows: iris, cancer, diabetes" "2/2, 6/6, 5/5 steps" "$(rows iris), $(rows breast_cancer), $(rows diabetes)" \
    "predict()'s steps of 32 rows fit these counts"
row "simple model accuracy" "70.00%" "$(pct simple)" "iris-simple.json: tf.keras 2.x's loss rule"
row "  the same, Keras 3 loss rule" "-" "$(pct simple3)" "iris-simple-keras3.json: not the tutorial's Keras"
row "tuned model accuracy" "98.00%" "$(pct tuned)" "search on its 80/20 split, final fit on train"
row "best units" "52" "$(stat hp_width 1 '%g' '')" "ffnn's random draws are not Python's"
row "best layers" "2" "$(stat hp_depth 1 '%g' '')" ""
row "best droprate" "0.1" "$(stat hp_droprate 1 '%.2g' '')" ""
row "best activation" "relu" "$(distinct hp_activation)" "fixed"
row "best learning_rate" "0.01" "$(stat hp_learning_rate 1 '%g' '')" "fixed (_default_hypergrid)"
row "tuner/epochs" "2" "$(stat hp_epochs 1 '%g' '')" "the best trial is from bracket 4, round 0:"
row "tuner/initial_epoch" "0" "$(stat hp_initial_epoch 1 '%g' '')" "the 60-point space runs out in that round"
row "tuner/bracket" "4" "$(stat hp_bracket 1 '%g' '')" ""
row "tuner/round" "0" "$(stat hp_round 1 '%g' '')" ""
row "trials until the space is used up" "not printed" "$(stat hp_trials 1 '%g' '')" \
    "\"exhausted\" in $(count hp_exhausted)"
row "summary() of units 52, layers 2" "260/2,756/159" "$(echo "$params" | sed 's| / |/|g')" \
    "ffnn-info: each Dense's params = total"
row "final fit epochs (history plot)" "< 150" "$(stat epochs_run 1 '%g' '')" "EarlyStopping(loss, patience 5)"
row "confusion matrix: rows wrong" "a plot; 98%: 1" "$(stat wrong 1 '%g' '')" "seed $mid (median run): $cm"
row "SHAP, row 1, setosa: sepal length" "inconsequential" "$(stat shap1 1 '%.3f' '')" \
    "-m deep -b test.csv -k 0: deep_shap_values[0][0]"
row "  sepal width" "also important" "$(stat shap2 1 '%.3f' '')" ""
row "  petal length" "most important" "$(stat shap3 1 '%.3f' '')" ""
row "  petal width" "most important" "$(stat shap4 1 '%.3f' '')" ""
row "  petal length, width the top two" "yes (its text)" "$(count shap_petals_top)" "by |SHAP value|"
row "  sepal length the smallest" "yes (its text)" "$(count shap_sepal_length_last)" ""
row "saved, loaded: same predictions" "not printed" "$(count same_pred)" "a copy of the model file, read back"
row "saved, loaded: accuracy printed" "98.00%" "$(pct loaded)" "it prints 'accuracy', the tuned model's, again"
row "  subset accuracy, predict >= .5" "not printed" "$(pct subset)" \
    "loaded_model_accuracy; 0 if every sigmoid stays < .5"
row "breast cancer accuracy" "94.15%" "$(pct bc)" "a sigmoid on each one-hot output (output_units 2)"
row "diabetes MAE x 100" "4506.16" "$(stat mae 100 '%.2f' '')" \
    "MAE 45.06; selected by val_mse, its 'val_mean_absolute_error'"
end=$(date +%s.%N)
echo
awk -v a="$start" -v b="$end" -v n="$N" -v j="$J" \
    'BEGIN { printf "%d seeds, %d at a time, in %.1f s.\n", n, j, b - a }'
[ -z "$KEEP" ] || echo "Every file is in $T (a folder per seed)."
