# ffnn-train without a config trains the model ffnn-config(5) ("The
# defaults") and ffnn-train(1) describe: one hidden layer of 100 relu units,
# the output layer from the task, standardised features, adam 0.001, batches
# of min(200, rows), epochs "auto" (up to max(200, ceil(10000 / batches per
# epoch))), stopping once the training loss has not improved by 1e-4 for 10
# epochs; "epochs" or -e trains exactly that many.
# Checked through ffnn-info --json (architecture) and --history (the stop
# rule, recomputed here from the history's losses), not through accuracy.
. "$(dirname "$0")/lib.sh"
T=$BIN/ffnn-train

# arch MODEL: ffnn-info --json from "inputs" to "kernel_initializer", white
# space removed.
arch() {
    "$BIN/ffnn-info" --json "$1" | tr -d ' \t\n' |
        sed 's/.*\("inputs":.*"kernel_initializer":"[a-z_]*"\).*/\1/'
}

# same_model A B: the same tensors (the data after each safetensors header,
# whose length is the file's first 8 bytes, little-endian) and the same
# ffnn-info --json but for the training's "epoch_limit", which records the
# options rather than the model.
tensors() {
    n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
    tail -c +$((n + 9)) "$1" | od -An -v -t x1
}
info_sans_limit() {
    "$BIN/ffnn-info" --json "$1" | grep -v '"epoch_limit":'
}
same_model() {
    [ "$(tensors "$1")" = "$(tensors "$2")" ] && [ -n "$(tensors "$1")" ] &&
        [ "$(info_sans_limit "$1")" = "$(info_sans_limit "$2")" ]
}

# rule_stop HISTORY: the epoch at which Keras's EarlyStopping(monitor="loss",
# min_delta=1e-4, patience=10) stops on the history's losses, or "none".
rule_stop() {
    awk -F, 'NR > 1 {
        if (!have || $2 + 1e-4 < best) { best = $2; have = 1; wait = 0 }
        else if (++wait >= 10 && $1 > 0) { print $1; found = 1; exit }
    } END { if (!found) print "none" }' "$1"
}

# A no-config model per task, its parameter counts worked out by hand:
# Dense(in -> 100) has in*100 + 100, Dense(100 -> out) 100*out + out.
"$BIN/ffnn-split" -t 0.33 -s 42 --stratify "$DATA/iris.csv" train.csv test.csv
run "$T" -s 1 -o iris.ffnn --history iris.csv train.csv
check "iris: trained" [ "$st" = 0 ]
check "iris: 4 standardised inputs, Dense 100 relu (500), Dense 3 softmax (303), 803, categorical cross-entropy" \
    [ "$(arch iris.ffnn)" = '"inputs":4,"standardize":true,"impute":"none","layers":[{"units":100,"activation":"relu","dropout":0,"params":500},{"units":3,"activation":"softmax","dropout":0,"params":303}],"params":803,"loss":"categorical_crossentropy","kernel_initializer":"glorot_uniform"' ]
# (One epoch each for the other two: the network does not depend on it.)
"$T" -s 1 -e 1 -o bc.ffnn "$DATA/breast_cancer.csv" 2>/dev/null
check "breast cancer: Dense 100 relu (3100), Dense 1 sigmoid (101), binary cross-entropy" \
    [ "$(arch bc.ffnn)" = '"inputs":30,"standardize":true,"impute":"none","layers":[{"units":100,"activation":"relu","dropout":0,"params":3100},{"units":1,"activation":"sigmoid","dropout":0,"params":101}],"params":3201,"loss":"binary_crossentropy","kernel_initializer":"glorot_uniform"' ]
"$T" -s 1 -e 1 -o diabetes.ffnn "$DATA/diabetes.csv" 2>/dev/null
check "diabetes: Dense 100 relu (1100), Dense 1 linear (101), mean squared error" \
    [ "$(arch diabetes.ffnn)" = '"inputs":10,"standardize":true,"impute":"none","layers":[{"units":100,"activation":"relu","dropout":0,"params":1100},{"units":1,"activation":"linear","dropout":0,"params":101}],"params":1201,"loss":"mean_squared_error","kernel_initializer":"glorot_uniform"' ]

# Iris's 100 training rows are one batch of 100, so epochs "auto" allows
# ceil(10000 / 1) epochs; the rule, recomputed from the history, ends
# training long before that (200 epochs, scikit-learn's max_iter, would
# have cut it off still learning), and nothing is printed.
iris_stop=$(rule_stop iris.csv)
check "iris: history has no validation columns" [ "$(head -n 1 iris.csv)" = "epoch,loss,accuracy,learning_rate" ]
check "iris: adam's 0.001 every epoch" [ "$(sed 1d iris.csv | cut -d, -f4 | sort -u)" = 0.001 ]
check "iris: the rule stops it past 200 epochs (epoch $iris_stop)" \
    sh -c "[ '$iris_stop' != none ] && [ '$iris_stop' -ge 200 ] && [ '$iris_stop' -lt 9999 ]"
check "iris: training ends where the rule says" [ "$(tail -n 1 iris.csv | cut -d, -f1)" = "$iris_stop" ]
check "iris: no warning" [ ! -s err ]
check "iris: ffnn-info gives the limit, 10000 epochs" \
    sh -c "'$BIN/ffnn-info' --json iris.ffnn | tr -d ' \t\n' | grep -qF '\"validation_rows\":0,\"epoch_limit\":10000,\"epochs_run\":'"

# A target of tens of thousands (50000 a; 4 rows, so one batch and 10000
# epochs allowed, and cheap under valgrind) is still improving by far more
# than 1e-4 when the limit ends it: a warning says so (scikit-learn's
# ConvergenceWarning), and -q silences it.
awk 'BEGIN { x = 12345; print "a,y"
    for (i = 0; i < 4; i++) { x = (x * 16807) % 2147483647; v = x / 2147483647
        printf "%.6f,%.3f\n", v, 50000 * v } }' > big.csv
run "$T" -s 1 -o big.ffnn --history big-h.csv big.csv
check "big target: 10000 epochs, the limit" sh -c "[ $st = 0 ] && [ \$((\$(wc -l < big-h.csv) - 1)) = 10000 ]"
check "big target: the rule never stopped it" [ "$(rule_stop big-h.csv)" = none ]
check "big target: one warning line about the limit" [ "$(cat err)" = 'ffnn-train: warning: big.csv: stopped at the 10000-epoch limit with the training loss still improving; set "epochs" (or -e) to train longer' ]
run "$T" -q -s 1 -o big-q.ffnn big.csv
check "big target: -q silences it" sh -c "[ $st = 0 ] && [ ! -s err ]"
# Under batches of 1 the 4 rows are 4 batches: 2500 epochs.
printf '{"batch_size": 1}\n' > b1.json
run "$T" -s 1 -c b1.json -o big-b1.ffnn big.csv
check "big target, batch 1: the 2500-epoch limit" [ "$(cat err)" = 'ffnn-train: warning: big.csv: stopped at the 2500-epoch limit with the training loss still improving; set "epochs" (or -e) to train longer' ]
# "epochs": "auto" states the default: the same bytes.
printf '{"epochs": "auto"}\n' > eauto.json
"$T" -q -s 1 -c eauto.json -o big-auto.ffnn big.csv
check "big target: \"epochs\": \"auto\" is the default" cmp -s big.ffnn big-auto.ffnn
# batch "auto" on 100 rows is one batch of 100: the same bytes as stating it
# (over 5 epochs, -e 5, to keep this quick under valgrind).
printf '{"batch_size": 100}\n' > b100.json
printf '{"batch_size": "auto"}\n' > bauto.json
printf '{"batch_size": 32}\n' > b32.json
"$T" -q -s 1 -e 5 -o iris-e5.ffnn train.csv
"$T" -q -s 1 -e 5 -c b100.json -o iris-b100.ffnn train.csv
"$T" -q -s 1 -e 5 -c bauto.json -o iris-bauto.ffnn train.csv
"$T" -q -s 1 -e 5 -c b32.json -o iris-b32.ffnn train.csv
check "iris: batch auto = 100 rows (byte-identical model)" cmp -s iris-e5.ffnn iris-b100.ffnn
check "iris: \"batch_size\": \"auto\" is the default" cmp -s iris-e5.ffnn iris-bauto.ffnn
check "iris: batch 32 is another model" sh -c '! cmp -s iris-e5.ffnn iris-b32.ffnn'

# 500 rows of one feature and a label that is noise: the loss flattens
# within a few dozen epochs and the rule stops training.  Park-Miller's
# generator (exact in double) makes the same file in any awk.
awk 'BEGIN { x = 12345; print "a,y"
    for (i = 0; i < 500; i++) {
        for (j = 0; j < 2; j++) { x = (x * 16807) % 2147483647; v[j] = x / 2147483647 }
        printf "%.6f,%d\n", v[0], v[1] < 0.5
    } }' > noise.csv
expect_ok "noise: trains silently" "$T" -s 3 -o noise.ffnn --history noise-h.csv noise.csv
stop=$(rule_stop noise-h.csv)
last=$(tail -n 1 noise-h.csv | cut -d, -f1)
check "noise: the rule stops it before the limit (epoch $stop)" sh -c "[ '$stop' != none ] && [ '$stop' -lt 199 ]"
[ "$stop" != none ] || stop=0
check "noise: training ends where the rule says" [ "$last" = "$stop" ]
check "noise: ffnn-info says it stopped early" sh -c "'$BIN/ffnn-info' --json noise.ffnn | tr -d ' \t\n' | grep -qF '\"epochs_run\":$((stop + 1)),\"last_epoch\":$stop,'"
# The same rule stated in a config with fewer epochs stops at the same
# epoch: the same model (its file records the other limit).
printf '{"epochs": %d, "early_stopping": {"monitor": "loss", "min_delta": 0.0001, "patience": 10}}\n' \
    $((stop + 6)) > rule.json
"$T" -q -s 3 -c rule.json -o noise-rule.ffnn noise.csv
check "noise: the stated rule gives the same model" same_model noise.ffnn noise-rule.ffnn
check "noise: ... but not the same limit" sh -c "! cmp -s noise.ffnn noise-rule.ffnn"
# Stating epochs is Keras's fit(epochs=N): exactly N, past the rule's stop.
n=$((stop + 6))
printf '{"epochs": %d}\n' $n > epochs.json
run "$T" -s 3 -c epochs.json -o noise-e.ffnn --history noise-e.csv noise.csv
check "noise: \"epochs\": $n trains exactly $n epochs, without a warning" \
    sh -c "[ $st = 0 ] && [ ! -s err ] && [ \$((\$(wc -l < noise-e.csv) - 1)) = $n ]"
run "$T" -s 3 -e $n -o noise-e2.ffnn noise.csv
check "noise: -e $n is the same as \"epochs\": $n" cmp -s noise-e.ffnn noise-e2.ffnn
# -e keeps an early_stopping the config states.
printf '{"early_stopping": {"monitor": "loss", "min_delta": 0.0001, "patience": 10}}\n' > es.json
"$T" -q -s 3 -c es.json -e $n -o noise-es.ffnn noise.csv
check "noise: -e keeps a stated early_stopping" same_model noise.ffnn noise-es.ffnn
