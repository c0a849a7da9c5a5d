# Sourced by tests/cli/test_*.sh.  Each test script runs in a fresh
# temporary directory; $BIN is the programs' directory, $ROOT the source tree,
# $DATA the bundled datasets.  Checks print "ok - ..." or "not ok - ...";
# run.sh counts them.
set -u
: "${FFNN_BIN:?}"
BIN=$FFNN_BIN
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=$ROOT/datasets
PYTHON=/usr/bin/python3

ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; }
skip() { echo "skip - $*"; }

# run CMD ARGS...: runs with stdout -> out, stderr -> err, status -> $st
run() {
    "$@" >out 2>err
    st=$?
    return 0
}

# check NAME COMMAND...: passes when COMMAND succeeds
check() {
    name=$1; shift
    if "$@"; then ok "$name"; else nok "$name"; fi
}

# expect_fail NAME STATUS 'EXACT STDERR' CMD...: exact status, exactly one
# stderr line equal to the text, nothing on stdout.
expect_fail() {
    name=$1 want=$2 msg=$3; shift 3
    run "$@"
    got_err=$(cat err)
    if [ "$st" != "$want" ]; then nok "$name: status $st, want $want; stderr: $got_err"; return; fi
    if [ "$(wc -l < err)" != 1 ]; then nok "$name: stderr has $(wc -l < err) lines: $got_err"; return; fi
    if [ "$got_err" != "$msg" ]; then nok "$name: stderr '$got_err', want '$msg'"; return; fi
    if [ -s out ]; then nok "$name: wrote to stdout on failure"; return; fi
    ok "$name"
}

# expect_ok NAME CMD...: status 0 and empty stderr
expect_ok() {
    name=$1; shift
    run "$@"
    if [ "$st" != 0 ]; then nok "$name: status $st: $(cat err)"; return; fi
    if [ -s err ]; then nok "$name: unexpected stderr: $(cat err)"; return; fi
    ok "$name"
}

have_numpy() { [ -x "$PYTHON" ] && "$PYTHON" -c 'import numpy' 2>/dev/null; }
have_sklearn() { [ -x "$PYTHON" ] && "$PYTHON" -c 'import sklearn' 2>/dev/null; }
