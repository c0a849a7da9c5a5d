# Output files (issue 17): what a killed program leaves behind, staged names
# of long output names, outputs that are inputs or each other, broken pipes.
. "$ROOT/tests/cli/lib.sh"

"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv
"$BIN/ffnn-train" -e 2 -s 1 -o iris.ffnn train.csv

no_temp_files() { [ -z "$(find . -name '.*.??????' -print)" ]; }
cat > g.json <<'JSON'
{"hypergrid": {"width": {"values": [4, 8]}}, "tuner": {"algorithm": "grid", "max_epochs": 2, "seed": 1}}
JSON

# ---- one message, one write(2) ---------------------------------------------
# Programs run side by side (xargs -P, make -j: tools/scaleout/) share one
# stderr: a message written a byte at a time interleaved with the other's
# ("ffnn-tune: ffnn-tune: ttuunnee//..."), so each line goes out whole, in one
# write, control bytes of the data escaped inside it.
if [ -n "${FFNN_VALGRIND:-}" ] || ! command -v strace >/dev/null; then
    skip "one write per message: no strace (or under valgrind)"
else
    # LeakSanitizer cannot run under ptrace (it says so on stderr: more writes).
    noleak=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
    ASAN_OPTIONS=$noleak strace -o trace -e trace=write -e signal=none "$BIN/ffnn-split" -t 0.5 missing.csv s1.csv s2.csv 2> msg
    check "an error message is one write(2) of the whole line" \
        [ "$(grep -c '^write(2, ' trace)" = 1 ] && [ "$(wc -l < msg)" = 1 ]
    ASAN_OPTIONS=$noleak strace -o trace -e trace=write -e signal=none "$BIN/ffnn-train" -c "$(printf 'no\tfile.json')" train.csv 2> msg
    check "and with a control byte escaped in it" [ "$(grep -c '^write(2, ' trace)" = 1 ] &&
        grep -qxF 'ffnn-train: no\tfile.json: cannot open: No such file or directory' msg
fi

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

# ---- a closed pipe on standard output (item 5) -------------------------------
# closed_stdout CMD...: runs CMD with standard output a pipe whose reader is
# gone (the state `| head -1` leaves once head exits, without the race) and
# SIGPIPE at its default; stdout -> out (empty), stderr -> err, status -> $st
# (128 + N when killed by signal N).
closed_stdout() {
    "$PYTHON" -c 'import os, signal, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w,
                   preexec_fn=lambda: signal.signal(signal.SIGPIPE, signal.SIG_DFL))
sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)' "$@" > out 2> err
    st=$?
}
if [ ! -x "$PYTHON" ]; then
    skip "closed pipes: no $PYTHON"
else
    # A program with output files: a write error (74) that removes them.
    epipe="write error: Broken pipe"
    closed_stdout "$BIN/ffnn-tune" -g g.json -d pipe.tune -j 1 -o m.ffnn --best-config b.json train.csv
    check "ffnn-tune -o --best-config | closed pipe: 74, one line" \
        sh -c "[ $st = 74 ] && [ \"\$(cat err)\" = 'ffnn-tune: <stdout>: $epipe' ]"
    check "ffnn-tune | closed pipe: no model, no best config, no staged file" \
        sh -c '[ ! -e m.ffnn ] && [ ! -e b.json ] && [ -z "$(find . -name ".*.??????")" ]'
    closed_stdout "$BIN/ffnn-explain" -j 1 -b train.csv --bar-svg f.svg iris.ffnn test.csv
    check "ffnn-explain --bar-svg | closed pipe: 74, one line" \
        sh -c "[ $st = 74 ] && [ \"\$(cat err)\" = 'ffnn-explain: <stdout>: $epipe' ]"
    check "ffnn-explain --bar-svg | closed pipe: no SVG, no staged file" \
        sh -c '[ ! -e f.svg ] && [ -z "$(find . -name ".*.??????")" ]'
    closed_stdout "$BIN/ffnn-split" train.csv s1.csv -
    check "ffnn-split A - | closed pipe: 74, one line" \
        sh -c "[ $st = 74 ] && [ \"\$(cat err)\" = 'ffnn-split: <stdout>: $epipe' ]"
    check "ffnn-split A - | closed pipe: no A, no staged file" \
        sh -c '[ ! -e s1.csv ] && [ -z "$(find . -name ".*.??????")" ]'
    closed_stdout "$BIN/ffnn-split" train.csv - s2.csv
    check "ffnn-split - B | closed pipe: 74 (the file is named, so SIGPIPE is ignored)" \
        sh -c "[ $st = 74 ] && [ ! -e s2.csv ] && [ -z \"\$(find . -name '.*.??????')\" ]"
    closed_stdout "$BIN/ffnn-train" -e 1 -o - --history h.csv train.csv
    check "ffnn-train -o - --history | closed pipe: 74, no history" \
        sh -c "[ $st = 74 ] && [ ! -e h.csv ] && [ \"\$(cat err)\" = 'ffnn-train: <stdout>: $epipe' ]"
    # Standard output only: ended by SIGPIPE, as filters are (ffnn(7)).
    closed_stdout "$BIN/ffnn-predict" iris.ffnn test.csv
    check "ffnn-predict | closed pipe: killed by SIGPIPE (141), silent" sh -c "[ $st = 141 ] && [ ! -s err ]"
fi

# ---- symbolic links at an output (ffnn(7)) -----------------------------------
echo "keep me" > kept.txt
ln -s kept.txt link.ffnn
expect_ok "an output that is a symbolic link" "$BIN/ffnn-train" -e 1 -s 1 -o link.ffnn train.csv
check "the link is replaced by the model, not followed" sh -c '[ ! -L link.ffnn ] && [ -f link.ffnn ] && [ "$(cat kept.txt)" = "keep me" ]'
ln -s /dev/null null.ffnn
expect_ok "an output that is a symbolic link to a device" "$BIN/ffnn-train" -e 1 -s 1 -o null.ffnn train.csv
check "a link to a device is followed: the device is written, the link stays" sh -c '[ -L null.ffnn ]'
