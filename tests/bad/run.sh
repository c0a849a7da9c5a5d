#!/bin/sh
# The bad-input corpus (tests/bad/README): runs every case of
# tests/bad/*.cases, each in a fresh temporary directory holding a copy of
# the fixtures, and checks the exact exit status, exactly one line on stderr
# (equal to `stderr`, or containing `grep`), nothing on stdout (unless
# `stdout any`), and that the failed run left no new file behind and
# changed or removed none.
# A message with a location (file:line: or file:line:col:) must be expected
# with that location.  Prints "not ok - ..." for each failure and "bad: N passed, N failed".
# Usage: sh tests/bad/run.sh [PATTERN]   (only cases whose name holds PATTERN)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${FFNN_BIN:=$ROOT/bin}"
export FFNN_BIN
PATH=$FFNN_BIN:$PATH
export PATH
LC_ALL=C
export LC_ALL
pattern=${1:-}

for p in split train tune predict eval explain info export; do
    if [ ! -x "$FFNN_BIN/ffnn-$p" ]; then echo "bad: $FFNN_BIN/ffnn-$p missing" >&2; exit 1; fi
done

# Cases that need an unwritable directory, or that name /dev/full as an
# output path, run their command as `$AS_USER ffnn-...`: as nobody when we
# are root, since root ignores directory permissions and a buggy program
# could rename a file over /dev/full itself.  Without setpriv, root skips
# them.
AS_USER=
as_user_skip=
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv > /dev/null 2>&1; then
        AS_USER="setpriv --reuid=65534 --regid=65534 --clear-groups"
    else
        as_user_skip=1
    fi
fi
export AS_USER
TIMEOUT=
command -v timeout > /dev/null 2>&1 && TIMEOUT="timeout 300"

top=$(mktemp -d) || exit 1
chmod 755 "$top"
trap 'rm -rf "$top"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- fixtures, made once and copied into every case directory -------------
fix=$top/fixtures
mkdir "$fix"
(
    cd "$fix" || exit 1
    awk 'NR == 1 || NR % 4' "$ROOT/datasets/iris.csv" > train.csv
    awk 'NR == 1 || NR % 4 == 0' "$ROOT/datasets/iris.csv" > test.csv
    cp "$ROOT/tests/bad/data/"* .
    # The cases' byte offsets and shapes are this model's: its network is
    # stated, not left to the defaults.
    printf '{"layers": [{"units": 16}], "batch_size": 32}\n' > "$top/fixture.json" &&
    ffnn-train -q -c "$top/fixture.json" -e 3 -s 1 -o iris.ffnn train.csv &&
    ffnn-predict iris.ffnn test.csv > pred.csv
) || { echo "bad: could not make the fixtures" >&2; exit 1; }

# ---- helpers for `setup` lines (run by sh in the case directory) ----------
helpers='
# le64 N: N as 8 bytes, unsigned little-endian (a safetensors header length)
le64() { n=$1; i=0; while [ $i -lt 8 ]; do printf "\\$(printf %03o $((n % 256)))"; n=$((n / 256)); i=$((i + 1)); done; }
# hdrlen FILE: the header length of a model file
hdrlen() { od -An -tu8 -N8 "$1" | tr -d " "; }
# poke FILE OFFSET TEXT: overwrite bytes at OFFSET (printf escapes allowed)
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# repeat N CHAR: N copies of CHAR, no newline
repeat() { head -c "$1" /dev/zero | tr "\\0" "$2"; }
# safetensors FILE JSON [DATA]: a safetensors file with that header and data
safetensors() { { le64 ${#2}; printf "%s" "$2"; printf "${3:-}"; } > "$1"; }
'

pass=0 fail=0 skipped=0 n=0
# check_case: runs the case held in the variables below; reports.
check_case() {
    [ -z "$name" ] && return
    [ -n "$pattern" ] && case "$name" in *"$pattern"*) ;; *) return ;; esac
    n=$((n + 1))
    if [ -z "$cmd" ] || [ -z "$want_status" ] || { [ -z "$want_line" ] && [ -z "$want_frag" ]; }; then
        echo "not ok - $name ($where): needs run, status and stderr or grep"; fail=$((fail + 1)); return
    fi
    case "$cmd" in *'$AS_USER'*)
        if [ -n "$as_user_skip" ]; then echo "skip - $name: root without setpriv"; skipped=$((skipped + 1)); return; fi
    esac
    d=$top/case$n
    mkdir "$d" && chmod 777 "$d" && cp "$fix"/* "$d"/
    if ! (cd "$d" && eval "$helpers" && eval "$setup") > "$top/setup.log" 2>&1; then
        echo "not ok - $name: setup failed: $(head -c 300 "$top/setup.log")"; fail=$((fail + 1)); return
    fi
    (cd "$d" && find . | sort && find . -type f -exec cksum {} + | sort) > "$top/before"
    (cd "$d" && $TIMEOUT sh -c "$cmd") > "$top/out" 2> "$top/err"
    st=$?
    (cd "$d" && find . | sort && find . -type f -exec cksum {} + | sort) > "$top/after"
    got=$(cat "$top/err")
    lines=$(wc -l < "$top/err")
    new=$(comm -13 "$top/before" "$top/after" | tr '\n' ' ')   # new paths, changed checksums
    gone=$(comm -23 "$top/before" "$top/after" | tr '\n' ' ')  # removed paths, old checksums
    why=
    if [ ! -c /dev/full ] && [ -e /dev/full ]; then
        why="/dev/full is no longer a device"
    elif [ "$st" != "$want_status" ]; then
        why="status $st, want $want_status"
    elif [ "$lines" != 1 ] || [ "$(tail -c 1 "$top/err" | od -An -c | tr -d ' ')" != '\n' ]; then
        why="stderr is not one line ($lines newlines)"
    elif [ -n "$want_line" ] && [ "$got" != "$want_line" ]; then
        why="stderr differs; want: $want_line"
    elif [ -n "$want_frag" ] && ! grep -qF -e "$want_frag" "$top/err"; then
        why="stderr lacks: $want_frag"
    elif loc=$(grep -oE '[^ :]+:[0-9]+(:[0-9]+)?: ' "$top/err" | head -n 1) && [ -n "$loc" ] &&
         case "$want_line$want_frag" in *"$loc"*) false ;; *) true ;; esac; then
        why="the expected message does not check the location $loc"
    elif [ "$want_stdout" != any ] && [ -s "$top/out" ]; then
        why="wrote $(wc -c < "$top/out") bytes to stdout"
    elif [ "$st" != 0 ] && [ -n "$new" ]; then
        why="left new or changed files: $new"
    elif [ "$st" != 0 ] && [ -n "$gone" ]; then
        why="removed or changed files: $gone"
    fi
    if [ -n "$why" ]; then
        echo "not ok - $name ($where): $why"
        echo "    run: $cmd"
        echo "    stderr: $(head -c 600 "$top/err")"
        fail=$((fail + 1))
    else
        echo "ok - $name"
        pass=$((pass + 1))
    fi
    chmod -R u+rwx "$d" 2> /dev/null
    rm -rf "$d"
}

# ---- the manifest reader ---------------------------------------------------
nl='
'
reset_case() { name= setup= cmd= want_status= want_line= want_frag= want_stdout= where=; }
reset_case
for file in "$ROOT"/tests/bad/*.cases; do
    lineno=0
    while IFS= read -r line || [ -n "$line" ]; do
        lineno=$((lineno + 1))
        case "$line" in
        '#'*) continue ;;
        '') check_case; reset_case; continue ;;
        esac
        key=${line%%[ 	]*}
        val=${line#"$key"}
        val=${val#"${val%%[! 	]*}"}
        case "$key" in
        name) check_case; reset_case; name=$val; where="${file##*/}:$lineno" ;;
        setup) setup="$setup$val$nl" ;;
        run) cmd=$val ;;
        status) want_status=$val ;;
        stderr) want_line=$val ;;
        grep) want_frag=$val ;;
        stdout) want_stdout=$val ;;
        *) echo "not ok - ${file##*/}:$lineno: unknown key '$key'"; fail=$((fail + 1)) ;;
        esac
    done < "$file"
    check_case; reset_case
done
echo "bad: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
