#!/bin/sh
# Runs every tests/cli/test_*.sh (those whose path contains $1, if given),
# each in its own temporary directory, FFNN_TEST_JOBS at a time (default 1),
# and prints "N passed, N failed" (", N skipped").  Exit 1 if anything failed.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ROOT
: "${FFNN_BIN:=$ROOT/bin}"
export FFNN_BIN

# --one TEST LOG: runs one test script in a fresh directory, output to LOG.
if [ "${1:-}" = "--one" ]; then
    dir=$(mktemp -d)
    (cd "$dir" && sh "$2") > "$3" 2>&1
    rc=$?
    if [ "$rc" != 0 ] && ! grep -q '^not ok - ' "$3"; then
        echo "not ok - $(basename "$2") exited $rc" >> "$3"
    fi
    rm -rf "$dir"
    exit 0
fi

logs=$(mktemp -d)
for t in "$ROOT"/tests/cli/test_*.sh; do
    [ -n "${1:-}" ] && case "$t" in *"$1"*) ;; *) continue ;; esac
    echo "$t"
done | xargs -P "${FFNN_TEST_JOBS:-1}" -I{} sh -c 'sh "$0" --one "$1" "$2/$(basename "$1").log"' \
    "$0" {} "$logs"

pass=0 fail=0 skipped=0
for log in "$logs"/*.log; do
    [ -e "$log" ] || continue
    name=$(basename "$log" .log)
    p=$(grep -c '^ok - ' "$log"); f=$(grep -c '^not ok - ' "$log"); s=$(grep -c '^skip - ' "$log")
    pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + s))
    if [ "$f" != 0 ]; then
        echo "FAIL $name:"; grep -v '^ok - ' "$log" | sed 's/^/    /'
    else
        echo "PASS $name ($p checks)"; grep '^skip - ' "$log" | sed 's/^/    /'
    fi
done
rm -rf "$logs"
echo "cli: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
