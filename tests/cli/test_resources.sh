# Memory sized by what the work needs (issue 17 items 11, 12).
. "$ROOT/tests/cli/lib.sh"

# ---- DeepSHAP with 20,000 inputs (item 11) ----------------------------------
# 100 categorical columns of 200 categories: 20,000 one-hot inputs.  The
# softmax multiplier matrix was sized inputs x inputs (3.2 GB here; 80 GB
# at 100,000 inputs); it needs only the softmax layer's width squared.
awk 'BEGIN { for (c = 0; c < 100; c++) printf "c%d,", c; print "y";
             for (r = 0; r < 200; r++) { for (c = 0; c < 100; c++) printf "v%d,", (r * 7 + c * 13) % 200; print r % 3 } }' > wide.csv
head -n 3 wide.csv > rows.csv
"$BIN/ffnn-train" -q -e 1 -s 1 -o wide.ffnn wide.csv
check "the wide model has 20,000 inputs (100 default units: 2,000,100 weights in its first layer)" sh -c "'$BIN/ffnn-info' wide.ffnn | grep -q '(None, 100) .* 2,000,100'"
if [ -n "${FFNN_ASAN:-}${FFNN_VALGRIND:-}" ]; then
    skip "DeepSHAP under 1.5 GB of address space: sanitizers and valgrind reserve more"
else
    "$BIN/ffnn-explain" -j 1 -k 2 -b wide.csv wide.ffnn rows.csv > free.csv 2> free.err
    (ulimit -v 1500000 && exec "$BIN/ffnn-explain" -j 1 -k 2 -b wide.csv wide.ffnn rows.csv) > limited.csv 2> limited.err
    st=$?
    check "DeepSHAP of 20,000 inputs runs in 1.5 GB of address space" sh -c "[ $st = 0 ] && [ ! -s limited.err ]"
    check "... with the values it gives without a limit" sh -c "[ -s free.csv ] && cmp -s free.csv limited.csv"
fi

# ---- batch_size larger than the data (item 12) ------------------------------
# Keras takes the whole data as one batch; the workspace was sized by
# batch_size, so 1e9 on iris was "out of memory" (71).
"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv
rows=$(($(wc -l < train.csv) - 1))
for vs in 0 0.2; do
    for b in "$rows" 1000000000 2147483647; do
        printf '{"batch_size": %s, "epochs": 3, "validation_split": %s}\n' "$b" "$vs" > b.json
        run "$BIN/ffnn-train" -c b.json -s 1 -o "b$b-$vs.ffnn" --history "b$b-$vs.csv" train.csv
        check "batch_size $b, validation_split $vs: trains" sh -c "[ $st = 0 ] && [ ! -s err ]"
    done
    for b in 1000000000 2147483647; do
        check "batch_size $b = batch_size $rows (the rows), validation_split $vs: the same model and history" \
            sh -c "cmp -s b$b-$vs.ffnn b$rows-$vs.ffnn && cmp -s b$b-$vs.csv b$rows-$vs.csv"
    done
done
