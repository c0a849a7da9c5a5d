# ffnn-export: options, errors, output files; then every exported model
# checked by Debian's python3-onnx (check_model with full checks, metadata,
# inputs and outputs: tests/onnx/check_onnx.py) and run by ONNX Runtime
# (onnxruntime-node from tests/onnx/node_modules, installed by `make deps`:
# tests/onnx/ort-predict.js), whose outputs on the test rows must equal
# ffnn-predict's: labels exactly, probabilities and values to 1e-5 (relative
# to the value above 1: a float32 regression value near 150 has a spacing of
# 1.5e-5).  Models: iris, breast cancer, diabetes, one with categorical
# columns and string classes, one with missing values imputed, one with every
# activation, and binary ones with logits and with a softmax output.
# Without python3-onnx or the runtime the checks they make are skipped,
# each saying why.
. "$(dirname "$0")/lib.sh"
E=$BIN/ffnn-export
version=$("$E" --version | awk '{print $NF}')

# ---- options and errors ------------------------------------------------------
run "$E" --help
check "--help exits 0 with usage on stdout" [ "$st" = 0 ] && grep -q '^Usage: ffnn-export' out && [ ! -s err ]
check "--help names the opsets" grep -q 'IR version 7, opsets ai.onnx 13 and ai.onnx.ml 2' out
run "$E" --version
check "--version" [ "$st" = 0 ] && [ "$(cat out)" = "ffnn-export (ffnn) $version" ]
expect_fail "no arguments" 64 "ffnn-export: expected MODEL [OUT.onnx], got 0 arguments; try 'ffnn-export --help'" "$E"
expect_fail "three arguments" 64 "ffnn-export: expected MODEL [OUT.onnx], got 3 arguments; try 'ffnn-export --help'" \
    "$E" a b c
expect_fail "unknown format" 64 "ffnn-export: unknown format 'pmml' (formats: onnx); try 'ffnn-export --help'" \
    "$E" -f pmml m.ffnn
expect_fail "missing model" 66 "ffnn-export: nope.ffnn: cannot open: No such file or directory" "$E" nope.ffnn x.onnx
check "nothing written for a missing model" [ ! -e x.onnx ]

"$BIN/ffnn-split" -s 3 "$DATA/iris.csv" iris-train.csv iris-test.csv
mkdir m
"$BIN/ffnn-train" -c "$ROOT/configs/iris-simple.json" -e 20 -s 1 -o m/iris.ffnn iris-train.csv
expect_ok "default output: MODEL's name with .onnx, here" "$E" m/iris.ffnn
check "iris.onnx written in the current directory" [ -s iris.onnx ] && [ ! -e m/iris.onnx ]
expect_ok "-f onnx OUT" "$E" -f onnx m/iris.ffnn iris2.onnx
check "the same model gives the same bytes" cmp -s iris.onnx iris2.onnx
run "$E" --format=onnx m/iris.ffnn -
check "- writes to standard output" [ "$st" = 0 ] && [ ! -s err ] && cmp -s out iris.onnx
if [ -x "$PYTHON" ] && "$PYTHON" -c 'import pty' 2>/dev/null; then
    "$PYTHON" -c 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))' \
        "$E" m/iris.ffnn - > tty.out 2>&1
    check "- refused when standard output is a terminal (64)" [ $? = 64 ] &&
        grep -q "ffnn-export: not writing binary ONNX to a terminal; give OUT.onnx or redirect" tty.out
else
    skip "terminal refusal: $PYTHON with pty is not available"
fi

# ---- the runtimes --------------------------------------------------------------
ORT_DIR=$ROOT/tests/onnx
have_onnx=0
if [ -x "$PYTHON" ] && "$PYTHON" -c 'import onnx' 2>/dev/null; then have_onnx=1; fi
have_ort=0
if command -v node >/dev/null 2>&1 && [ -d "$ORT_DIR/node_modules/onnxruntime-node" ] &&
   node -e "require('$ORT_DIR/node_modules/onnxruntime-node')" 2>/dev/null; then have_ort=1; fi
[ $have_onnx = 1 ] || skip "python3-onnx checks: Debian's python3-onnx is not installed for $PYTHON (make deps installs it)"
if [ $have_ort = 0 ]; then
    if ! command -v node >/dev/null 2>&1; then why="node is not installed"
    else why="tests/onnx/node_modules has no working onnxruntime-node (make deps runs npm ci --ignore-scripts there; it needs npm and the npm registry)"; fi
    skip "ONNX Runtime comparisons: $why"
fi

# same NAME FFNN_PRED ONNX_PRED: same header, target and class labels exactly,
# numbers |a - b| <= 1e-5 * max(1, |b|).
same() {
    awk -F, -v tol=1e-5 '
        NR == FNR { want[FNR] = $0; n = FNR; next }
        FNR == 1 { if ($0 != want[1]) { print "header " $0 " vs " want[1]; bad = 1; exit } 
                   for (i = 1; i <= NF; i++) if ($i == "prediction") pc = i
                   reg = (NF == pc); next }
        { split(want[FNR], w, ",")
          for (i = 1; i <= NF; i++) {
              if (i < pc || (i == pc && !reg)) {
                  if ($i != w[i]) { print "line " FNR " field " i ": " $i " vs " w[i]; bad = 1 }
              } else {
                  d = $i - w[i]; if (d < 0) d = -d
                  m = w[i] < 0 ? -w[i] : w[i]; if (m < 1) m = 1
                  if (d / m > maxd) maxd = d / m
                  if (d > tol * m) { print "line " FNR " field " i ": " $i " vs " w[i]; bad = 1 }
              }
          }
          rows++ }
        END { if (FNR != n) { print FNR " lines vs " n; bad = 1 }
              if (!bad) printf "%d rows, largest difference %.3g\n", rows, maxd; exit bad }' "$2" "$3"
}

# model NAME MODEL.ffnn TEST.csv: exports, checks and compares.
model() {
    name=$1 mdl=$2 test=$3
    if ! "$E" "$mdl" "$name.onnx" 2>"$name.err"; then nok "$name: export failed: $(cat "$name.err")"; return; fi
    "$BIN/ffnn-info" --json "$mdl" > "$name.info.json"
    if [ $have_onnx = 1 ]; then
        "$PYTHON" "$ORT_DIR/check_onnx.py" "$name" "$name.onnx" "$mdl" "$name.info.json" "$version"
    fi
    [ $have_ort = 1 ] || return 0
    "$BIN/ffnn-predict" "$mdl" "$test" > "$name.ffnn.csv"
    if ! node "$ORT_DIR/ort-predict.js" "$name.onnx" "$test" "$name.info.json" > "$name.ort.csv" 2>"$name.err"; then
        nok "$name: ONNX Runtime failed: $(head -c 300 "$name.err")"; return
    fi
    if r=$(same "$name" "$name.ffnn.csv" "$name.ort.csv"); then
        ok "$name: ONNX Runtime equals ffnn-predict ($r)"
    else
        nok "$name: ONNX Runtime differs from ffnn-predict: $(echo "$r" | head -5)"
    fi
}

# iris: multiclass, integer classes (label int64), dropout layers, no
# standardisation (the tutorial's model).
model iris m/iris.ffnn iris-test.csv

# breast cancer: binary, one sigmoid unit, standardised.
"$BIN/ffnn-split" -s 3 --stratify "$DATA/breast_cancer.csv" bc-train.csv bc-test.csv
"$BIN/ffnn-train" -c "$ROOT/configs/breast-cancer.json" -e 15 -s 1 -o bc.ffnn bc-train.csv
model breast-cancer bc.ffnn bc-test.csv

# diabetes: regression.
"$BIN/ffnn-split" -s 3 "$DATA/diabetes_raw.csv" db-train.csv db-test.csv
"$BIN/ffnn-train" -c "$ROOT/configs/diabetes.json" -e 30 -s 1 -o db.ffnn db-train.csv
model diabetes db.ffnn db-test.csv

# Categorical columns (one between numeric ones, so the features are put
# back in the model's order) and string classes; imputation on, so that a
# missing category (all zeros) and a missing number (the mean) are allowed;
# the test rows hold categories the model never saw.
awk -F, -v OFS=, 'NR == 1 { print $1, "colour", $2, $3, $4, "site", $5; next }
    { c = NR % 3 == 0 ? "red" : NR % 3 == 1 ? "green" : "blue"
      s = $3 > 4 ? "north" : $3 > 2 ? "east" : "south"
      if (NR % 17 == 0) s = ""
      if (NR % 23 == 0) $2 = "NA"
      print $1, c, $2, $3, $4, s, $5 }' "$DATA/iris_named.csv" > cat.csv
"$BIN/ffnn-split" -s 5 cat.csv cat-train.csv cat-test.csv
printf '5.0,purple,3.4,1.5,0.2,north,setosa\n6.5,red,,5.1,2.0,west,virginica\n' >> cat-test.csv
cat > cat.json <<'J'
{"layers": [{"units": 12, "activation": "tanh"}], "impute": "mean", "epochs": 40}
J
"$BIN/ffnn-train" -c cat.json -s 2 -o cat.ffnn cat-train.csv
model categorical cat.ffnn cat-test.csv
if [ $have_onnx = 1 ]; then
    "$PYTHON" - categorical.onnx <<'P' > cat.ops && check "categorical: one OneHotEncoder per column, Imputer, label strings" \
        [ "$(cat cat.ops)" = "OneHotEncoder=2 Imputer=1 Gather=4 classes=setosa,versicolor,virginica" ]
import sys, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
ops = [n.op_type for n in m.graph.node]
cl = [t for t in m.graph.initializer if t.name == "classes"][0]
print("OneHotEncoder=%d Imputer=%d Gather=%d classes=%s" % (ops.count("OneHotEncoder"), ops.count("Imputer"),
      ops.count("Gather"), ",".join(s.decode() for s in cl.string_data)))
P
fi

# Missing values imputed: breast cancer with cells blanked (ffnn's missing
# tokens) in training and test rows.
awk -F, -v OFS=, 'NR > 1 && NR % 5 == 0 { $((NR % 30) + 1) = "" }
    NR > 1 && NR % 7 == 0 { $((NR * 7 % 30) + 1) = "NA" }
    NR > 1 && NR % 11 == 0 { $3 = "?" } { print }' "$DATA/breast_cancer_named.csv" > miss.csv
"$BIN/ffnn-split" -s 4 --stratify miss.csv miss-train.csv miss-test.csv
cat > miss.json <<'J'
{"layers": [{"units": 16, "activation": "relu"}], "impute": "mean", "epochs": 15}
J
"$BIN/ffnn-train" -c miss.json -s 1 -o miss.ffnn miss-train.csv
check "the imputation test rows hold missing values" grep -q ',,\|,NA,\|,?,' miss-test.csv
model missing miss.ffnn miss-test.csv

# Every activation ffnn has, and a linear output trained from logits (the
# graph's Softmax).
cat > acts.json <<'J'
{"layers": [{"units": 8, "activation": "relu"}, {"units": 8, "activation": "sigmoid"},
            {"units": 8, "activation": "tanh"}, {"units": 8, "activation": "elu"},
            {"units": 8, "activation": "selu"}, {"units": 8, "activation": "gelu"},
            {"units": 8, "activation": "leaky_relu"}, {"units": 8, "activation": "swish"},
            {"units": 8, "activation": "softmax"}, {"units": 8, "activation": "linear"}],
 "output_activation": "linear", "loss": {"name": "categorical_crossentropy", "from_logits": true},
 "epochs": 20}
J
"$BIN/ffnn-train" -c acts.json -s 1 -o acts.ffnn iris-train.csv
model activations acts.ffnn iris-test.csv

# Binary from logits (one linear unit: the graph's Sigmoid and threshold 0)
# and binary with a softmax output (two units, string classes).
cat > logit.json <<'J'
{"output_activation": "linear", "loss": {"name": "binary_crossentropy", "from_logits": true}, "epochs": 10}
J
"$BIN/ffnn-train" -c logit.json -s 1 -o logit.ffnn bc-train.csv
model binary-logits logit.ffnn bc-test.csv
"$BIN/ffnn-split" -s 3 --stratify "$DATA/breast_cancer_named.csv" bcn-train.csv bcn-test.csv
cat > soft.json <<'J'
{"output_activation": "softmax", "epochs": 10}
J
"$BIN/ffnn-train" -c soft.json -s 1 -o soft.ffnn bcn-train.csv
model binary-softmax soft.ffnn bcn-test.csv
# Binary with a sigmoid on each class (two units, the tutorial's hypermodel:
# "output_units": 2): argmax of the two probabilities, which need not sum to 1.
cat > two.json <<'J'
{"output_activation": "sigmoid", "output_units": 2, "epochs": 10}
J
"$BIN/ffnn-train" -c two.json -s 1 -o two.ffnn bcn-train.csv
model binary-two-sigmoids two.ffnn bcn-test.csv
