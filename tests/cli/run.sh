#!/bin/sh
# Runs every tests/cli/test_*.sh in its own temporary directory and prints
# "N passed, N failed" (", N skipped").  Exit 1 if anything failed.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ROOT
: "${FFNN_BIN:=$ROOT/bin}"
export FFNN_BIN
pass=0 fail=0 skipped=0
for t in "$ROOT"/tests/cli/test_*.sh; do
    [ -n "${1:-}" ] && case "$t" in *"$1"*) ;; *) continue ;; esac
    dir=$(mktemp -d)
    (cd "$dir" && sh "$t") > "$dir.log" 2>&1
    rc=$?
    p=$(grep -c '^ok - ' "$dir.log"); f=$(grep -c '^not ok - ' "$dir.log"); s=$(grep -c '^skip - ' "$dir.log")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "not ok - $(basename "$t") exited $rc" >> "$dir.log"; fi
    pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + s))
    if [ "$f" != 0 ]; then
        echo "FAIL $(basename "$t"):"; grep -v '^ok - ' "$dir.log" | sed 's/^/    /'
    else
        echo "PASS $(basename "$t") ($p checks)"; grep '^skip - ' "$dir.log" | sed 's/^/    /'
    fi
    rm -rf "$dir" "$dir.log"
done
echo "cli: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
