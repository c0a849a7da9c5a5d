# ffnn-predict and ffnn-info: output format, streaming, stdin, model checks,
# a numpy cross-check of the model file.
. "$(dirname "$0")/lib.sh"
T=$BIN/ffnn-train
P=$BIN/ffnn-predict

"$BIN/ffnn-split" -t 0.33 -s 42 "$DATA/iris.csv" train.csv test.csv
"$T" -c "$ROOT/configs/iris-simple.json" -s 42 -o iris.ffnn train.csv
expect_ok "predict" "$P" iris.ffnn test.csv
mv out pred.csv
check "header" [ "$(head -n 1 pred.csv)" = "target,prediction,p_0,p_1,p_2" ]
check "one row per input row" [ "$(wc -l < pred.csv)" = "$(wc -l < test.csv)" ]
check "probabilities sum to 1" awk -F, 'NR > 1 { s = $3 + $4 + $5; if (s < 0.9999 || s > 1.0001) exit 1 }' pred.csv
check "prediction is the argmax" awk -F, 'NR > 1 { b = 0; m = $3; if ($4 > m) { b = 1; m = $4 } if ($5 > m) b = 2; if (b != $2) exit 1 }' pred.csv
"$P" iris.ffnn - < test.csv > stdin.csv
check "stdin gives the same bytes" cmp -s pred.csv stdin.csv
cut -d, -f1-4 test.csv | "$P" iris.ffnn > nolabel.csv
check "input without the target: no target column" [ "$(head -n 1 nolabel.csv)" = "prediction,p_0,p_1,p_2" ]
awk -F, 'BEGIN { OFS = "," } { print $5, $3, $1, $4, $2, "x" NR }' test.csv | sed '1s/x1$/id/' > shuffled.csv
"$P" -k id iris.ffnn shuffled.csv > kept.csv
check "columns matched by name; --keep copies ids" sh -c "cut -d, -f2- kept.csv | tail -n +2 | cmp -s - \$(tail -n +2 pred.csv > p.tail; echo p.tail)"
check "--keep column first" [ "$(head -n 1 kept.csv)" = "id,target,prediction,p_0,p_1,p_2" ]
"$P" -o out.csv iris.ffnn test.csv
check "-o writes the same" cmp -s pred.csv out.csv

# Model file checks (exit 65, one line).
head -c 100 iris.ffnn > trunc.ffnn
run "$P" trunc.ffnn test.csv
check "truncated model exits 65 with one line" sh -c "[ $st = 65 ] && [ \$(wc -l < err) = 1 ] && grep -q '^ffnn-predict: trunc.ffnn: ' err"
size=$(wc -c < iris.ffnn)
cp iris.ffnn flip.ffnn
printf '\377' | dd of=flip.ffnn bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
expect_fail "flipped byte in the weights" 65 "ffnn-predict: flip.ffnn: checksum mismatch: file is corrupted" "$P" flip.ffnn test.csv
printf 'not a model' > junk.ffnn
run "$P" junk.ffnn test.csv
check "foreign file exits 65" sh -c "[ $st = 65 ] && [ \$(wc -l < err) = 1 ]"
: > empty.ffnn
run "$P" empty.ffnn test.csv
check "empty model exits 65" [ "$st" = 65 ]
expect_fail "missing model" 66 "ffnn-predict: nope.ffnn: cannot open: No such file or directory" "$P" nope.ffnn test.csv
cut -d, -f1,2,3 test.csv > short.csv
expect_fail "missing feature column" 65 'ffnn-predict: short.csv: missing feature column "petal width (cm)"' "$P" iris.ffnn short.csv
printf 'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n5.1,3.5,1.4,0.2\n5.1,x,1.4,0.2\n' > badrow.csv
run "$P" iris.ffnn badrow.csv
check "bad value exits 65 with line and column" sh -c "[ $st = 65 ] && grep -q 'badrow.csv:3:2: expected a number in column \"sepal width (cm)\", got \"x\"' err"
expect_fail "missing input" 66 "ffnn-predict: nope.csv: cannot open: No such file or directory" "$P" iris.ffnn nope.csv
if [ -w /dev/full ]; then
    run sh -c "'$P' iris.ffnn test.csv > /dev/full"
    check "full output device exits 74 with one line" \
        sh -c "[ $st = 74 ] && [ \"\$(cat err)\" = 'ffnn-predict: <stdout>: write error: No space left on device' ]"
    run sh -c "'$BIN/ffnn-info' iris.ffnn > /dev/full"
    check "ffnn-info to a full device exits 74" \
        sh -c "[ $st = 74 ] && [ \"\$(cat err)\" = 'ffnn-info: <stdout>: write error: No space left on device' ]"
else
    skip "write-error checks: no /dev/full"
fi

# ffnn-info
expect_ok "info" "$BIN/ffnn-info" iris.ffnn
check "info shows Keras's rows" grep -q 'dense_2 (Dense) .*(None, 3) .* 51 ' out
check "info total params" grep -q 'Total params: 403 (1.57 KB)' out
check "info dropout rows" grep -q 'dropout_1 (Dropout)' out
expect_ok "info --json" "$BIN/ffnn-info" --json iris.ffnn
if have_numpy; then
    check "info --json parses" "$PYTHON" -c "import json,sys; d=json.load(open('out')); assert d['params']==403 and d['classes']==['0','1','2']"
else
    skip "info --json parse: Debian python3-numpy missing"
fi

# Cross-check: numpy reads the safetensors file and reproduces the probabilities.
if have_numpy; then
    cat > xcheck.py <<'PY'
import csv, json, struct, sys, numpy as np
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
assert h["__metadata__"]["format"] == "ffnn"
import hashlib
assert hashlib.sha256(b[8 + n:]).hexdigest() == h["__metadata__"]["ffnn.sha256"]
def t(name, dt="<f4"):
    e = h[name]; s, u = e["data_offsets"]
    return np.frombuffer(b[8 + n + s:8 + n + u], dt).reshape(e["shape"]).astype(np.float64)
meta = json.loads(h["__metadata__"]["ffnn.model"])
rows = list(csv.reader(open(sys.argv[2])))
hdr = rows[0]
cols = [hdr.index(c["name"]) for c in meta["columns"]]
X = np.array([[float(r[c]) for c in cols] for r in rows[1:]])
X = (X - t("input.mean")) / t("input.scale")
L = len(meta["layers"])
for i, layer in enumerate(meta["layers"]):
    X = X @ t("layers.%d.weight" % i).T + t("layers.%d.bias" % i)
    a = layer["activation"]
    if a == "relu": X = np.maximum(X, 0)
    elif a == "softmax":
        e = np.exp(X - X.max(axis=1, keepdims=True)); X = e / e.sum(axis=1, keepdims=True)
    elif a == "sigmoid": X = 1 / (1 + np.exp(-X))
    elif a == "tanh": X = np.tanh(X)
    elif a != "linear": raise SystemExit("activation " + a)
pred = list(csv.reader(open(sys.argv[3])))
ph = pred[0]
pc = [i for i, c in enumerate(ph) if c.startswith("p_")]
P = np.array([[float(r[i]) for i in pc] for r in pred[1:]])
if X.shape[1] == 1 and P.shape[1] == 2:
    X = np.hstack([1 - X, X])
err = np.abs(P - X).max()
print("max abs difference", err)
sys.exit(0 if err <= 1e-5 else 1)
PY
    check "numpy reads the model and reproduces ffnn-predict to 1e-5" "$PYTHON" xcheck.py iris.ffnn test.csv pred.csv
    "$BIN/ffnn-split" -t 0.25 -s 2 "$DATA/breast_cancer.csv" bc-tr.csv bc-te.csv
    "$T" -c "$ROOT/configs/breast-cancer.json" -s 2 -e 30 -o bc.ffnn bc-tr.csv
    "$P" bc.ffnn bc-te.csv > bc-pred.csv
    check "numpy cross-check, standardised one-unit sigmoid model" "$PYTHON" xcheck.py bc.ffnn bc-te.csv bc-pred.csv
else
    skip "numpy cross-check: Debian python3-numpy missing"
fi

# Memory stays flat in the input length (streaming): peak RSS for 3,000,000
# rows (about 50 MB in) within 12 MB of that for 10,000 rows.  The
# threaded pipeline's peak moves by up to ~7.5 MB from run to run whatever
# the input (per-thread buffers and malloc arenas), so 4 MB was too tight;
# keeping the input or output would cost tens of MB.  Not under valgrind or
# ASan, whose own memory swamps this.
awk 'BEGIN { print "sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)";
             for (i = 0; i < 10000; i++) printf "%.1f,%.1f,%.1f,%.1f\n", 4 + i % 40 / 10, 2 + i % 20 / 10, 1 + i % 60 / 10, i % 25 / 10 }' > small.csv
awk 'BEGIN { print "sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)";
             for (i = 0; i < 3000000; i++) printf "%.1f,%.1f,%.1f,%.1f\n", 4 + i % 40 / 10, 2 + i % 20 / 10, 1 + i % 60 / 10, i % 25 / 10 }' > big.csv
if [ -x /usr/bin/time ] && [ -z "${FFNN_ASAN:-}${FFNN_VALGRIND:-}" ]; then
    /usr/bin/time -f %M -o small.rss "$P" iris.ffnn small.csv > /dev/null
    /usr/bin/time -f %M -o big.rss "$P" iris.ffnn big.csv > big.pred
    check "3,000,000 rows predicted" [ "$(wc -l < big.pred)" = 3000001 ]
    check "peak memory flat: $(cat small.rss) KB for 10k rows, $(cat big.rss) KB for 3M rows" \
        awk -v a="$(cat small.rss)" -v b="$(cat big.rss)" 'BEGIN { exit !(b - a < 12288) }'
else
    skip "memory check: needs /usr/bin/time and a build without sanitizers or valgrind"
fi

# A finite value that overflows float32 once standardised is an error naming
# its place, not an inf that comes out of the network as NaN or garbage.
printf 'x,y\n0.01,1\n0.02,2\n0.03,3\n0.04,4\n0.05,5\n' > small.csv
"$BIN/ffnn-train" -q -e 1 -o small.ffnn small.csv
printf 'x,y\n0.02,2\n3e38,1\n' > huge.csv
run "$BIN/ffnn-predict" -o huge-pred.csv small.ffnn huge.csv
check "overflow after standardising: 65, one line with file:line:col" \
    sh -c "[ $st = 65 ] && [ \$(wc -l < err) = 1 ] && grep -q '^ffnn-predict: huge.csv:3:1: value \"3e38\" in column \"x\" is out of float32 range once standardised (mean 0.03, scale 0.0141421' err"
check "overflow after standardising: no output file" [ ! -e huge-pred.csv ]

# Categories the model has not seen (issue 17): one warning per column with
# the count, the values encoded as all zeros; --strict-categories refuses
# the first; -q silences the warning.
printf 'colour,size,label\nred,1,a\nblue,2,b\nred,3,a\nblue,4,b\nred,5,a\nblue,6,b\n' > cat_train.csv
"$BIN/ffnn-train" -q -e 2 -s 1 -o cat.ffnn cat_train.csv
printf 'colour,size\nred,1\ngreen,2\nblue,3\npink,4\n' > cat_new.csv
run "$BIN/ffnn-predict" cat.ffnn cat_new.csv
printf '%s\n' "ffnn-predict: warning: cat_new.csv: column \"colour\": 2 values are not among the model's categories, encoded as all zeros (--strict-categories refuses them)" > want_err
check "unseen categories: exit 0, all rows, one warning with the count" \
    sh -c "[ $st = 0 ] && [ \$(wc -l < out) = 5 ] && cmp -s err want_err"
run "$BIN/ffnn-predict" -q cat.ffnn cat_new.csv
check "unseen categories: -q, no warning" sh -c "[ $st = 0 ] && [ ! -s err ]"
expect_fail "--strict-categories refuses the first unseen value" 65 \
    'ffnn-predict: cat_new.csv:3:1: unknown category "green" in column "colour" (categories: blue, red)' \
    "$BIN/ffnn-predict" --strict-categories cat.ffnn cat_new.csv
# Duplicate column names are refused, as ffnn-train refuses them (issue 17).
printf 'colour,size,colour\nred,1,blue\n' > dupcol.csv
expect_fail "duplicate column names refused" 65 \
    'ffnn-predict: dupcol.csv:1: duplicate column name "colour" (columns 1 and 3)' \
    "$BIN/ffnn-predict" cat.ffnn dupcol.csv
# Threads do not change the bytes.
i=0; : > many.csv; head -n 1 test.csv > many.csv
while [ $i -lt 200 ]; do tail -n +2 test.csv >> many.csv; i=$((i + 1)); done
"$BIN/ffnn-predict" -j 1 iris.ffnn many.csv > j1.csv
"$BIN/ffnn-predict" -j 3 iris.ffnn many.csv > j3.csv
check "-j 1 and -j 3 write the same bytes" cmp -s j1.csv j3.csv
expect_fail "-j 0 is a usage error" 64 \
    "ffnn-predict: invalid threads '0' (need an integer 1..256); try 'ffnn-predict --help'" \
    "$BIN/ffnn-predict" -j 0 iris.ffnn test.csv
