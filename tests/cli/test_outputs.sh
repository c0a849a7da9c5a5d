# Output files (issue 17): what a killed program leaves behind, staged names
# of long output names, outputs that are inputs or each other, broken pipes.
. "$ROOT/tests/cli/lib.sh"

"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv
"$BIN/ffnn-train" -e 2 -s 1 -o iris.ffnn train.csv

no_temp_files() { [ -z "$(find . -name '.*.??????' -print)" ]; }

# ---- kill -9 while an output is written (item 6) ----------------------------
# strace kills the program at its first write(2) (the model's bytes: without
# -v nothing else is written) or at the first linkat/rename (the commit), so
# the kill lands inside the write, every time.  The staged file is unnamed
# (O_TMPFILE): nothing may be left.
if [ -n "${FFNN_VALGRIND:-}" ]; then
    skip "kill -9 during a write: strace over valgrind would kill valgrind's own calls"
elif ! command -v strace >/dev/null; then
    skip "kill -9 during a write: no strace"
else
    for at in write linkat,rename,renameat,renameat2; do
        strace -f -o /dev/null -e trace=$at -e inject=$at:signal=KILL \
            "$BIN/ffnn-train" -e 1 -o m.ffnn --history h.csv train.csv 2>/dev/null
        st=$?
        check "kill -9 at the first $at: killed (137)" [ "$st" = 137 ]
        check "kill -9 at the first $at: no model, no history, no staged file" \
            sh -c '[ ! -e m.ffnn ] && [ ! -e h.csv ] && [ -z "$(find . -name ".*.??????")" ]'
        find . -name '.*.??????' -exec rm -f {} +
    done
    # ffnn-tune writes its trial files through the same staging.
    cat > g.json <<'JSON'
{"hypergrid": {"width": {"values": [4, 8]}}, "tuner": {"algorithm": "grid", "max_epochs": 2, "seed": 1}}
JSON
    strace -f -o /dev/null -e trace=linkat,rename -e inject=linkat,rename:signal=KILL:when=3 \
        "$BIN/ffnn-tune" -g g.json -d search -j 1 train.csv > /dev/null 2>&1
    st=$?
    check "ffnn-tune killed at its third commit (counted per thread): 137" [ "$st" = 137 ]
    check "ffnn-tune killed at its third commit (counted per thread): no staged file in the tune directory" no_temp_files
    expect_ok "ffnn-tune resumes after kill -9" "$BIN/ffnn-tune" -g g.json -d search -j 1 -o best.ffnn train.csv
fi

# Where O_TMPFILE cannot be used (here: no /proc/self/fd to link it through),
# the staged file is a named one, and everything still works.
if [ -n "${FFNN_ASAN:-}${FFNN_VALGRIND:-}" ]; then
    skip "named staged files: sanitizers and valgrind need /proc"
elif ! unshare -m true 2>/dev/null; then
    skip "named staged files: cannot hide /proc (unshare -m)"
else
    mkdir -p empty
    unshare -m sh -c 'mount --bind empty /proc && exec "$0" -e 1 -s 1 -o noproc.ffnn --history noproc.csv train.csv' \
        "$BIN/ffnn-train" > out 2> err
    st=$?
    check "without /proc/self/fd: the model is written through a named staged file" \
        sh -c "[ $st = 0 ] && [ ! -s err ] && [ -s noproc.ffnn ] && [ -s noproc.csv ]"
    "$BIN/ffnn-train" -e 1 -s 1 -o proc.ffnn train.csv
    check "without /proc/self/fd: the same model, byte for byte" cmp -s noproc.ffnn proc.ffnn
    check "without /proc/self/fd: no staged file left" no_temp_files
fi

# ---- output names of 248 to 255 bytes (item 15) -----------------------------
# The staged name ".<name>.XXXXXX" would pass NAME_MAX; it is cut instead.
long=$(printf 'm%.0s' $(seq 250)).ffnn
expect_ok "a 255-byte output name" "$BIN/ffnn-train" -e 1 -s 1 -o "$long" train.csv
check "the 255-byte model is there and loads" sh -c "'$BIN/ffnn-info' '$long' > /dev/null"
# 126 two-byte characters and ".c": the cut must not split a character.
utf=$(printf '\303\251%.0s' $(seq 126)).c
expect_ok "a 254-byte UTF-8 output name" "$BIN/ffnn-predict" -o "$utf" iris.ffnn test.csv
check "the UTF-8-named predictions are there" sh -c "[ -s '$utf' ]"
check "long names: no staged file left" no_temp_files
