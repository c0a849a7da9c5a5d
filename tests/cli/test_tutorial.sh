# make tutorial (tools/tutorial.sh) and the tutorial's row splits
# (datasets/tutorial/): the splits are what scikit-learn gives, the table has
# every row the tutorial prints and its four columns (not ffnn's numbers),
# a failing step fails the run, and nothing is left behind.
. "$(dirname "$0")/lib.sh"
S=$ROOT/datasets/tutorial

# ---- the splits ---------------------------------------------------------------
# partition NAME N_TRAIN N_TEST N_SEARCH N_VAL: train+test are the dataset's
# rows 0..n-1 once each, search+val the train rows once each, in those sizes.
partition() {
    n=$(($(wc -l < "$DATA/$1.csv") - 1))
    r=$(awk -F, -v n="$n" -v a="$2" -v b="$3" -v c="$4" -v d="$5" '
        NR == 1 { if ($0 != "split,row") { print "header " $0; bad = 1; exit } next }
        $2 !~ /^[0-9]+$/ || $2 >= n { print "line " NR ": row " $2; bad = 1; exit }
        { cnt[$1]++ }
        $1 == "train" || $1 == "test" { if (tt[$2]++) { print "row " $2 " twice in train+test"; bad = 1; exit } }
        $1 == "train" { tr[$2] = 1 }
        $1 == "search" || $1 == "val" { if (!tr[$2] || sv[$2]++) { print "row " $2 " not a train row once"; bad = 1; exit } }
        $1 != "train" && $1 != "test" && $1 != "search" && $1 != "val" { print "part " $1; bad = 1; exit }
        END { if (bad) exit
              if (cnt["train"] != a || cnt["test"] != b || cnt["search"] != c || cnt["val"] != d ||
                  a + b != n || c + d != a)
                  print "sizes " cnt["train"] "," cnt["test"] "," cnt["search"] "," cnt["val"]
              else print "ok" }' "$S/$1-splits.csv")
    check "$1: train+test partition its $n rows, search+val the train rows ($r)" [ "$r" = ok ]
}
partition iris 100 50 80 20
partition breast_cancer 381 188 304 77
partition diabetes 296 146 236 60

# The tutorial's first test row of iris is X_test[0] = [6.1, 2.8, 4.7, 1.2]
# (versicolor), the one every run of its notebook shows first.
first=$(awk -F, '$1 == "test" { print $2 + 2; exit }' "$S/iris-splits.csv")
check "iris: the first test row is 6.1,2.8,4.7,1.2,1" [ "$(sed -n "${first}p" "$DATA/iris.csv")" = "6.1,2.8,4.7,1.2,1" ]

# The provenance: splits.py (the command in datasets/tutorial/README.md)
# gives the shipped bytes, and checks the bundled CSVs are load_*()'s rows.
if have_sklearn; then
    mkdir regen
    if (cd "$ROOT" && "$PYTHON" datasets/tutorial/splits.py "$OLDPWD/regen") > regen.out 2>&1; then
        for d in iris breast_cancer diabetes; do
            check "$d: splits.py writes the shipped $d-splits.csv" cmp -s "regen/$d-splits.csv" "$S/$d-splits.csv"
        done
        # it prints "scikit-learn X, NumPy Y": the versions the README names
        sk=$(sed -n 's/^scikit-learn \([^,]*\), NumPy .*/\1/p' regen.out)
        np=$(sed -n 's/.*, NumPy \(.*\)$/\1/p' regen.out)
        check "the README names this scikit-learn ($sk) and NumPy ($np)" \
            grep -q "scikit-learn $sk (.*) and NumPy $np" "$S/README.md"
    else
        nok "splits.py failed: $(cat regen.out)"
    fi
    check "the README gives the command that made them" \
        grep -q '^    /usr/bin/python3 datasets/tutorial/splits.py datasets/tutorial$' "$S/README.md"
else
    skip "splits.py against scikit-learn: $PYTHON has no sklearn"
fi

# ---- the table ----------------------------------------------------------------
# Every row the tutorial prints, with what it printed (the second column).
cat > want.txt <<'EOF'
step|tutorial
X[:5], y[:5] (iris)|as printed
test rows: iris, cancer, diabetes|2/2, 6/6, 5/5 steps
simple model accuracy|70.00%
  the same, Keras 3 loss rule|-
tuned model accuracy|98.00%
best units|52
best layers|2
best droprate|0.1
best activation|relu
best learning_rate|0.01
tuner/epochs|2
tuner/initial_epoch|0
tuner/bracket|4
tuner/round|0
trials until the space is used up|not printed
summary() of units 52, layers 2|260/2,756/159
final fit epochs (history plot)|< 150
confusion matrix: rows wrong|a plot; 98%: 1
SHAP, row 1, setosa: sepal length|inconsequential
  sepal width|also important
  petal length|most important
  petal width|most important
  petal length, width the top two|yes (its text)
  sepal length the smallest|yes (its text)
saved, loaded: same predictions|not printed
saved, loaded: accuracy printed|98.00%
  subset accuracy, predict >= .5|not printed
breast cancer accuracy|94.15%
diabetes MAE x 100|4506.16
EOF

# Fewer seeds keep it short (every row is still there); one under valgrind.
seeds=2
[ -n "${FFNN_VALGRIND:-}" ] && seeds=1
mkdir tmp
TMPDIR=$PWD/tmp run sh "$ROOT/tools/tutorial.sh" -n $seeds -j 2
check "tools/tutorial.sh -n $seeds succeeds, nothing on stderr" [ "$st" = 0 -a ! -s err ]
[ "$st" = 0 ] || cat err
check "it leaves nothing in TMPDIR" [ -z "$(ls -A tmp)" ]
# The table: the header, then one line per row; the columns start where the
# header's names start.
awk 'f && NF == 0 { exit } /^step  / { f = 1 } f' out > table.txt
cols=$(awk 'NR == 1 { printf "%d %d %d", index($0, "tutorial"), index($0, "ffnn"), index($0, "note") }' table.txt)
set -- $cols
awk -v t="$1" -v f="$2" -v n="$3" '{ s = substr($0, 1, t - 1); sub(/ +$/, "", s)
        u = substr($0, t, f - t); sub(/ +$/, "", u); print s "|" u }' table.txt > got.txt
check "the table has every row of the tutorial, in order, with its printed value" cmp -s got.txt want.txt
cmp -s got.txt want.txt || diff got.txt want.txt | sed 's/^/# /'
empty=$(awk -v f="$2" -v n="$3" 'NR > 1 { v = substr($0, f, n - f); gsub(/ /, "", v); if (v == "") print NR }' table.txt)
check "every row has ffnn's value" [ -z "$empty" ]
check "the columns are step, tutorial, ffnn, note" [ "$(head -1 table.txt | tr -s ' ')" = "step tutorial ffnn note" ]
check "the title names the seeds" grep -q "^seeds 1-$seeds; ffnn's column is the median over the seeds \[min, max\]\.$" out
check "the last line says how long it took" grep -q "^$seeds seeds, 2 at a time, in [0-9.]* s\.$" out

# The numbers do not depend on -j: each seed's programs run on one thread.
if [ -z "${FFNN_VALGRIND:-}" ]; then
    TMPDIR=$PWD/tmp sh "$ROOT/tools/tutorial.sh" -n $seeds -j 1 > out1 2>&1
    check "-j 1 prints the same table as -j 2" [ "$(sed '$d' out1)" = "$(sed '$d' out)" ]
fi

# -k DIR keeps every file, a folder per seed.
TMPDIR=$PWD/tmp run sh "$ROOT/tools/tutorial.sh" -n 1 -k kept
check "-k kept: succeeds" [ "$st" = 0 ]
for f in iris-train.csv iris-val.csv diabetes-search.csv s1/iris.ffnn s1/iris-best.json s1/confusion.svg \
         s1/history.svg s1/shap-row.svg s1/shap.csv s1/breast_cancer.ffnn s1/diabetes-pred.csv; do
    check "-k kept: keeps $f" [ -s "kept/$f" ]
done
check "-k kept: the split CSVs hold the listed rows" \
    [ "$(sed -n 2p kept/iris-test.csv)" = "6.1,2.8,4.7,1.2,1" -a "$(($(wc -l < kept/iris-test.csv) - 1))" = 50 ]
check "-k kept: says where the files are" grep -q "^Every file is in $PWD/kept (a folder per seed)\.$" out
expect_fail "-k an existing directory: refused" 73 "tools/tutorial.sh: kept: exists" \
    sh "$ROOT/tools/tutorial.sh" -n 1 -k kept
expect_fail "-n 0: usage error" 64 "tools/tutorial.sh: -n: expected a positive integer, got '0'" \
    sh "$ROOT/tools/tutorial.sh" -n 0

# A step that fails fails the run, naming the seed and the step, and still
# leaves nothing behind.
mkdir fake
for p in "$BIN"/ffnn-*; do ln -s "$p" "fake/$(basename "$p")"; done
rm fake/ffnn-tune
printf '#!/bin/sh\necho "ffnn-tune: broken" >&2\nexit 70\n' > fake/ffnn-tune
chmod +x fake/ffnn-tune
FFNN_BIN=$PWD/fake TMPDIR=$PWD/tmp run sh "$ROOT/tools/tutorial.sh" -n 1
check "a failing step: status 1" [ "$st" = 1 ]
check "a failing step: names the seed and the step" grep -qx "tools/tutorial.sh: seed 1 failed at: iris: Hyperband search" err
check "a failing step: shows the program's message" grep -qx "ffnn-tune: broken" err
check "a failing step: no table" [ ! -s out ]
check "a failing step: nothing left in TMPDIR" [ -z "$(ls -A tmp)" ]
