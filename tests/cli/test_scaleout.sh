# Scaling out (ffnn-tune(1), "External executors"; README, "Scaling out"):
# the recipes of tools/scaleout/, which both documents show verbatim, driven
# by xargs -P 2, GNU Parallel (-j 2 on the sshlogin ":", this machine without
# ssh) and make -j 2, give the built-in runner's trial files, model and best
# config byte for byte.  When no trial can be written (a full disk; here a
# directory that nobody may write to), every loop ends with the executor's
# failure instead of handing the trials out forever, and --pending itself
# fails (issue 17, item 16).  The Slurm recipe: test_scaleout_slurm.sh.
. "$ROOT/tests/cli/lib.sh"
export PATH="$BIN:$PATH"
R=$ROOT/tools/scaleout
INIT='ffnn-tune -g grid.json -d tune --init train.csv'
BEST='ffnn-tune -d tune -o best.ffnn --best-config best.json'
MAKE_CMD='make -j 2 -f tune.mk'

# ---- the documents show each recipe as it is run here ----------------------
# README: the fenced block after "<!-- recipe: FILE -->"; ffnn-tune(1): the
# .nf block after '.\" recipe: FILE', roff escapes undone.
mkdir -p doc/readme doc/man
awk '/^<!-- recipe: [^ ]* -->$/ { name = $3; gsub("/", "_", name); next }
     name != "" && /^```/ { if (out != "") name = out = ""; else out = "doc/readme/" name; next }
     out != "" { print > out }' "$ROOT/README.md"
awk '/^\.\\" recipe: / { name = $3; gsub("/", "_", name); next }
     name != "" && /^\.nf$/ { out = "doc/man/" name; next }
     out != "" && /^\.fi$/ { name = out = ""; next }
     out != "" { print > out }' "$ROOT/man/ffnn-tune.1"
for f in doc/man/*; do
    [ -e "$f" ] || continue
    sed -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' "$f" > "$f.txt" && mv "$f.txt" "$f"
done
for f in "$R"/*; do
    key=$(echo "tools/scaleout/${f##*/}" | tr / _)
    check "README shows tools/scaleout/${f##*/} verbatim" cmp -s "$f" "doc/readme/$key"
    check "ffnn-tune(1) shows tools/scaleout/${f##*/} verbatim" cmp -s "$f" "doc/man/$key"
done
sed -e 's/\\-/-/g' -e 's/\\e/\\/g' "$ROOT/man/ffnn-tune.1" > man.txt
for line in "$INIT" "$BEST" "$MAKE_CMD"; do
    check "README has the line: $line" grep -qxF "$line" "$ROOT/README.md"
    check "ffnn-tune(1) has the line: $line" grep -qxF "$line" man.txt
done

# ---- each executor gives the built-in runner's result ----------------------
"$BIN/ffnn-split" -s 5 --stratify "$DATA/iris.csv" train.csv test.csv
# tests/data/tune/small.json with one Hyperband iteration: 23 trials in 4
# rounds, promotions included.
sed 's/"hyperband_iterations": 2/"hyperband_iterations": 1/' "$ROOT/tests/data/tune/small.json" > grid.json
check "grid.json: one Hyperband iteration" grep -q '"hyperband_iterations": 1' grid.json
run ffnn-tune -g grid.json -d ref -j 1 -o ref.ffnn --best-config ref.json train.csv
check "reference search (-j 1)" [ "$st" = 0 ]

# search DIR COMMAND...: in DIR holding train.csv and grid.json,
# runs the init line, COMMAND (at most 300 s) and the best line; compares.
search() {
    d=$1; shift
    mkdir -p "$d" && cp train.csv grid.json "$d/" || return
    (
        cd "$d" && mkdir home || exit 1
        HOME=$PWD/home
        export HOME
        sh -c "$INIT" && timeout -k 5 300 "$@" && sh -c "$BEST"
    ) > "$d.out" 2> "$d.err"
    st=$?
    check "$d: the recipe succeeds, silently" [ "$st" = 0 -a ! -s "$d.err" ]
    check "$d: same trial files as -j 1" diff -r -q -x lock ref "$d/tune"
    check "$d: same model as -j 1" cmp -s ref.ffnn "$d/best.ffnn"
    check "$d: same best config as -j 1" cmp -s ref.json "$d/best.json"
}
search xargs sh "$R/xargs.sh"
if parallel --version 2>/dev/null | grep -q '^GNU parallel'; then
    mkdir parallel && echo : > parallel/hosts
    search parallel sh "$R/parallel.sh"
else
    skip "GNU Parallel: not installed (make deps installs the Debian package parallel)"
fi
mkdir make-j2 && cp "$R/tune.mk" make-j2/
search make-j2 sh -c "$MAKE_CMD"

# ---- a directory that takes no writes: the loops end -----------------------
# Root writes anywhere, so root runs the executors as nobody (setpriv);
# another user runs them as itself on directories it made read-only.
AS=
if [ "$(id -u)" = 0 ]; then
    if ! command -v setpriv > /dev/null 2>&1; then
        skip "unwritable tune directory: root without setpriv"
        exit 0
    fi
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    chmod 755 .
fi
# nowrite NAME WHAT: a set-up search in NAME whose WHAT (trials, or all) the
# executors cannot write.
nowrite() {
    mkdir -p "$1" && cp train.csv grid.json "$1/" && (cd "$1" && sh -c "$INIT") || return
    if [ -n "$AS" ]; then
        chmod 666 "$1/tune/lock"
        [ "$2" = all ] || chmod 777 "$1/tune"
        mkdir "$1/home" && chmod 777 "$1/home"
    else
        chmod a-w "$1/tune/trials"
        [ "$2" = all ] && chmod a-w "$1/tune"
        mkdir "$1/home"
    fi
}
nowrite pend all
(cd pend && expect_fail "--pending fails when trials are due but nothing can be written" 73 \
    "ffnn-tune: tune/oracle.json: cannot create: Permission denied" $AS ffnn-tune --pending tune)
[ -n "$AS" ] || chmod u+w pend/tune
check "--pending lists them again where it can write" sh -c 'cd pend && [ "$(ffnn-tune --pending tune | wc -l)" = 9 ]'

# fails DIR STATUS COMMAND...: COMMAND ends (within 60 s) with STATUS and the
# trials' write errors on stderr.
fails() {
    d=$1 want=$2; shift 2
    nowrite "$d" trials || return
    (cd "$d" && HOME=$PWD/home timeout -k 5 60 $AS "$@" > out 2> err)
    st=$?
    check "$d: the loop ends with the executor's status $want (got $st)" [ "$st" = "$want" ]
    check "$d: the trials' write errors are on stderr" \
        grep -qxF "ffnn-tune: tune/trials/0000.ffnn: cannot create: Permission denied" "$d/err"
}
fails xargs-nowrite 123 sh "$R/xargs.sh"
if parallel --version 2>/dev/null | grep -q '^GNU parallel'; then
    mkdir parallel-nowrite && echo : > parallel-nowrite/hosts
    fails parallel-nowrite 9 sh "$R/parallel.sh"
fi
mkdir make-nowrite && cp "$R/tune.mk" make-nowrite/
fails make-nowrite 2 sh -c "$MAKE_CMD"
