# Names in a model that the checksums cannot vouch for (issue 17 items 2
# and 7): anyone can edit the model document and recompute its checksum
# (ffnn-model(5) says how), or have a model from before a name was refused.
. "$ROOT/tests/cli/lib.sh"

if [ ! -x "$PYTHON" ]; then
    skip "model documents: no $PYTHON to edit them"
    exit 0
fi

# remodel IN OUT 'PYTHON': OUT is IN with the ffnn.model document m edited
# by the statement, and ffnn.model_sha256 recomputed.
remodel() {
    "$PYTHON" -c 'import hashlib, json, struct, sys
src, dst, code = sys.argv[1:4]
b = open(src, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
m = json.loads(h["__metadata__"]["ffnn.model"])
exec(code)
s = json.dumps(m, separators=(",", ":"))
h["__metadata__"]["ffnn.model"] = s
h["__metadata__"]["ffnn.model_sha256"] = hashlib.sha256(s.encode()).hexdigest()
hj = json.dumps(h).encode()
open(dst, "wb").write(struct.pack("<Q", len(hj)) + hj + b[8 + n:])' "$@"
}

"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv
"$BIN/ffnn-train" -e 3 -s 1 -o iris.ffnn train.csv
remodel iris.ffnn same.ffnn 'pass'
"$BIN/ffnn-predict" iris.ffnn test.csv > a.csv
"$BIN/ffnn-predict" same.ffnn test.csv > b.csv
check "remodel without an edit: the same predictions" cmp -s a.csv b.csv

# ---- a target named "prediction" (item 2) -----------------------------------
# A model from before ffnn-train refused the name: its predictions CSV would
# read "prediction,prediction,..." and ffnn-eval -m would score accuracy 1.
sed '1s/target$/prediction/' test.csv > test-p.csv
remodel iris.ffnn old.ffnn 'm["target"] = "prediction"'
tmsg='the model'"'"'s target "prediction" has a name of the predictions CSV'"'"'s own columns (prediction, p_<class>); retrain with the column renamed'
expect_fail "ffnn-predict refuses a model whose target is \"prediction\"" 65 "ffnn-predict: $tmsg" \
    "$BIN/ffnn-predict" old.ffnn test-p.csv
expect_fail "ffnn-eval -m refuses it too (it scored accuracy 1.0000)" 65 "ffnn-eval: $tmsg" \
    "$BIN/ffnn-eval" -m old.ffnn test-p.csv
expect_fail "ffnn-predict refuses it without the target in the input" 65 "ffnn-predict: $tmsg" \
    "$BIN/ffnn-predict" old.ffnn test.csv

# ---- the document's invariants (item 7) -------------------------------------
# Two classes of one name: "p_1,p_1" and every prediction "1".
remodel iris.ffnn dup.ffnn 'm["classes"] = ["0", "1", "1"]'
expect_fail "a repeated class name is refused on load" 65 \
    'ffnn-predict: dup.ffnn: ffnn.model: classes[2]: "1" is also classes[1]' \
    "$BIN/ffnn-predict" dup.ffnn test.csv
# The target is also a feature.
remodel iris.ffnn tf.ffnn 'm["target"] = m["columns"][0]["name"]'
expect_fail "a target that is also a feature is refused on load" 65 \
    'ffnn-info: tf.ffnn: ffnn.model: target: "sepal length (cm)" is also a feature (columns[0])' \
    "$BIN/ffnn-info" tf.ffnn

# Categories out of order: encoding finds them by binary search, so the
# rows of one category would be encoded as another's, silently.
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "colour", $0; next }
         { print substr("abcde", NR % 5 + 1, 1), $0 }' train.csv > tc.csv
"$BIN/ffnn-train" -e 2 -s 1 -o cat.ffnn tc.csv
remodel cat.ffnn unsorted.ffnn 'c = m["columns"][0]; c["categories"] = c["categories"][::-1]'
expect_fail "categories out of byte order are refused on load" 65 \
    'ffnn-predict: unsorted.ffnn: ffnn.model: columns[0].categories[1]: "d" does not sort after "e" (categories are distinct, in byte order)' \
    "$BIN/ffnn-predict" unsorted.ffnn tc.csv
remodel iris.ffnn cols.ffnn 'm["columns"][1]["name"] = m["columns"][0]["name"]'
expect_fail "two columns of one name are refused on load" 65 \
    'ffnn-predict: cols.ffnn: ffnn.model: columns[1].name: "sepal length (cm)" is also columns[0].name' \
    "$BIN/ffnn-predict" cols.ffnn test.csv
