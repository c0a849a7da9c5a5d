# ffnn-train's progress bar within an epoch (Keras 2's Progbar): drawn on a
# terminal only, once the epoch has run for more than a second, at most ten
# times a second, and overwritten by the epoch's line.  The terminal is a
# pty from script(1); FFNN_PROGRESS_CLOCK=STEP (for tests only) makes the
# bar's clock advance STEP seconds per batch, so nothing here depends on
# time.  Off a terminal nothing changes, even with -v.
. "$(dirname "$0")/lib.sh"
T=$BIN/ffnn-train

if ! command -v script >/dev/null 2>&1; then
    skip "script(1) (util-linux) is not installed"
    exit 0
fi

# iris, 150 rows in batches of 10: 15 batches an epoch.
cat > b10.json <<'EOF'
{"layers": [{"units": 8, "activation": "relu"}], "batch_size": 10, "epochs": 2}
EOF

# tty COLS STEP ARGS...: ffnn-train ARGS on a pty COLS wide with the test
# clock at STEP ("" for the real clock); what the terminal got into tty.out,
# the status into $st.  The pty turns "\n" into "\r\n".
tty() {
    cols=$1 step=$2; shift 2
    FFNN_PROGRESS_CLOCK=$step script -qec "stty cols $cols; exec $T $*" /dev/null \
        </dev/null >tty.out 2>&1
    st=$?
}
# The values of the bar's and the epoch's lines masked: "loss: L".
mask() { sed 's/loss: [0-9.]*/loss: L/g; s/accuracy: [0-9.]*/accuracy: A/g' "$@"; }
ESC=$(printf '\033')
CR=$(printf '\r')

# Step 0.5 s: done 2 is at 1.0 s (not more than a second), so the bar
# starts at done 3; the ETA is 0.5 s × the batches left, whole seconds
# truncated; 15/15 shows the elapsed 7.5 s (rounded, as Keras) and the time
# per step.
tty 200 0.5 -c b10.json -o m.ffnn "$DATA/iris.csv"
check "tty run: status 0" [ "$st" = 0 ]
epoch_block() {
    e=$1
    for line in \
        " 3/15 [=====>........................] - ETA: 6s" \
        " 4/15 [=======>......................] - ETA: 5s" \
        " 5/15 [=========>....................] - ETA: 5s" \
        " 6/15 [===========>..................] - ETA: 4s" \
        " 7/15 [=============>................] - ETA: 4s" \
        " 8/15 [===============>..............] - ETA: 3s" \
        " 9/15 [=================>............] - ETA: 3s" \
        "10/15 [===================>..........] - ETA: 2s" \
        "11/15 [=====================>........] - ETA: 2s" \
        "12/15 [=======================>......] - ETA: 1s" \
        "13/15 [=========================>....] - ETA: 1s" \
        "14/15 [===========================>..] - ETA: 0s" \
        "15/15 [==============================] - 8s 500ms/step"; do
        printf 'Epoch %d/2 %s - loss: L - accuracy: A\033[K\r' "$e" "$line"
    done
    printf 'Epoch %d/2 - loss: L - accuracy: A\033[K\r' "$e"
}
{ epoch_block 1; epoch_block 2; printf '\r\nffnn-train: 2 epochs; model written to m.ffnn\r\n'; } > want.out
mask tty.out > got.out
check "tty: the bar's exact bytes (values masked), overwritten by each epoch's line" cmp -s got.out want.out
# The bar's values are the epoch's running means: at 15/15 they are the
# epoch's line's.
tr '\r' '\n' < tty.out | sed "s/$ESC\\[K\$//" > lines.out
for e in 1 2; do
    bar=$(grep "^Epoch $e/2 15/15 " lines.out | sed 's/.* - loss: //')
    ep=$(grep "^Epoch $e/2 - loss: " lines.out | sed 's/.* - loss: //')
    check "epoch $e: the bar at 15/15 shows the epoch's loss and accuracy ($ep)" \
        [ -n "$bar" ] && [ "$bar" = "$ep" ]
done

# The same run off a terminal, with -v: only the epoch lines, the same
# bytes as without the test clock (as before the bar existed), and the same
# values as on the terminal.
FFNN_PROGRESS_CLOCK=0.5 "$T" -v -c b10.json -o m2.ffnn "$DATA/iris.csv" 2>v1.err
"$T" -v -c b10.json -o m3.ffnn "$DATA/iris.csv" 2>v2.err
sed 's/m3\.ffnn$/m2.ffnn/' v2.err > v2m.err
check "not a tty, -v: stderr the same with the test clock" cmp -s v1.err v2m.err
grep "^Epoch [12]/2 - loss: " lines.out > tty_epochs.out
{ cat tty_epochs.out; echo "ffnn-train: 2 epochs; model written to m2.ffnn"; } > v_want.err
check "not a tty, -v: exactly the epoch lines and the summary" cmp -s v1.err v_want.err
check "not a tty: no carriage return or escape" sh -c "! grep -q '[$CR$ESC]' v1.err"
FFNN_PROGRESS_CLOCK=0.5 "$T" -c b10.json -o m4.ffnn "$DATA/iris.csv" 2>q.err
check "not a tty, no -v: stderr empty" [ ! -s q.err ]
check "the bar changes no result" sh -c 'cmp -s m.ffnn m2.ffnn && cmp -s m.ffnn m4.ffnn'

# An epoch of no more than a second prints as it did before the bar: 15
# batches of 0.0625 s end at 0.9375 s.
tty 200 0.0625 -c b10.json -o m5.ffnn "$DATA/iris.csv"
{ printf 'Epoch 1/2 - loss: L - accuracy: A\033[K\r'; printf 'Epoch 2/2 - loss: L - accuracy: A\033[K\r'
  printf '\r\nffnn-train: 2 epochs; model written to m5.ffnn\r\n'; } > want5.out
mask tty.out > got5.out
check "tty, epochs under a second: the epoch lines only" cmp -s got5.out want5.out

# At most every 0.1 s: batches of 5 (30 an epoch) at 0.0625 s are drawn from
# done 17 (1.0625 s) on, every second batch.
cat > b5.json <<'EOF'
{"layers": [{"units": 8, "activation": "relu"}], "batch_size": 5, "epochs": 1}
EOF
tty 200 0.0625 -c b5.json -o m6.ffnn "$DATA/iris.csv"
drawn=$(tr '\r' '\n' < tty.out | sed -n 's/^Epoch 1\/1 \([0-9]*\)\/30 .*/\1/p' | tr '\n' ' ')
check "at most ten lines a second: batches 17 19 ... 29 drawn (got $drawn)" \
    [ "$drawn" = "17 19 21 23 25 27 29 " ]

# Keras's ETA past a minute (m:ss) and past an hour (h:mm:ss); 15/15 with
# seconds per step.
tty 200 10 -c b10.json -e 1 -o m7.ffnn "$DATA/iris.csv"
tr '\r' '\n' < tty.out | mask > lines7.out
check "ETA m:ss: 14 batches left at 10 s" \
    grep -qx "Epoch 1/1  1/15 \[=>\.\{28\}\] - ETA: 2:20 - loss: L - accuracy: A$ESC\\[K" lines7.out
check "done: elapsed and seconds per step" \
    grep -qx "Epoch 1/1 15/15 \[=\{30\}\] - 150s 10s/step - loss: L - accuracy: A$ESC\\[K" lines7.out
tty 200 300 -c b10.json -e 1 -o m8.ffnn "$DATA/iris.csv"
check "ETA h:mm:ss: 14 batches left at 300 s" \
    grep -q "^Epoch 1/1  1/15 \[=>\.\{28\}\] - ETA: 1:10:00 - loss: " tty.out

# A line never reaches the terminal's last column (it would wrap, and "\r"
# would redraw only its last row): values that do not fit are left out,
# then the rest is cut.  "Epoch 1/2  3/15 [...] - ETA: 6s" is 58 columns,
# " - loss: 1.1859" 15 more.
tty 74 0.5 -c b10.json -o m9.ffnn "$DATA/iris.csv"
tr '\r' '\n' < tty.out | mask > lines9.out
check "74 columns: the loss fits, the accuracy is left out" \
    grep -qx "Epoch 1/2  3/15 \[=====>\.\{24\}\] - ETA: 6s - loss: L$ESC\\[K" lines9.out
tty 73 0.5 -c b10.json -o m9.ffnn "$DATA/iris.csv"
check "73 columns: no value fits" \
    grep -q "^Epoch 1/2  3/15 \[=====>\.\{24\}\] - ETA: 6s$ESC\\[K" tty.out
tty 40 0.5 -c b10.json -o m9.ffnn "$DATA/iris.csv"
check "40 columns: cut at 39" \
    grep -q "^Epoch 1/2  3/15 \[=====>\.\{16\}$ESC\\[K$CR" tty.out

# Reading a large training file: a line on the bar's clock (the test clock
# advances a step per block of 512 KiB): blocks end at 1.57 MB (3rd, 1.5 s),
# 2.10 MB (4th) and 2.10 MB, the end (5th, not drawn: it would be erased at
# once), of 2.10 MB; percent truncated, redrawn in place, erased before the
# epochs.  From a pipe: no size, so the end is drawn too.
awk 'BEGIN { print "a,b,y"; for (i = 1; i <= 170000; i++) printf "%d,%d.5,%d\n", i, i % 7, i % 3 }' > r.csv
tty 200 0.5 -e 0 -o r.ffnn r.csv
check "reading: the lines, erased" [ "$(tr '\r' '\n' < tty.out | sed '/^$/d')" = "$(printf \
'ffnn-train: reading r.csv: 74%% (1.6 of 2.1 MB, 1 MB/s)\033[K
ffnn-train: reading r.csv: 99%% (2.1 of 2.1 MB, 1 MB/s)\033[K
\033[K
ffnn-train: 0 epochs; model written to r.ffnn')" ]
FFNN_PROGRESS_CLOCK=0.5 script -qec "stty cols 200; cat r.csv | $T -e 0 -o r2.ffnn -" /dev/null \
    </dev/null >tty.out 2>&1
check "reading a pipe: bytes, no percent" \
    grep -q "^ffnn-train: reading <stdin>: 1\.6 MB (1 MB/s)$ESC\\[K${CR}ffnn-train: reading <stdin>: 2\.1 MB" tty.out
check "the same model either way" cmp -s r.ffnn r2.ffnn
FFNN_PROGRESS_CLOCK=0.5 "$T" -v -e 0 -o r3.ffnn r.csv 2> err
check "off a terminal: no reading line, even with -v" [ "$(cat err)" = "ffnn-train: 0 epochs; model written to r3.ffnn" ]
