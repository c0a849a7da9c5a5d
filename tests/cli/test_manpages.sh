# Runs every command of every man page's EXAMPLES section (lines "$ cmd"
# inside .EX/.EE), in order, in a fresh directory per page that has the
# bundled datasets/ and configs/.  Each command must exit 0.
. "$(dirname "$0")/lib.sh"
export PATH="$BIN:$PATH"
for page in "$ROOT"/man/*.[157]; do
    name=$(basename "$page")
    dir=$PWD/$name.d
    mkdir -p "$dir"
    ln -s "$ROOT/datasets" "$dir/datasets"
    ln -s "$ROOT/configs" "$dir/configs"
    awk '/^\.SH /{ex = ($2 == "EXAMPLES")} ex && /^\$ /{print substr($0, 3)}' "$page" |
        sed -e 's/\\-/-/g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' > "$dir/cmds"
    n=0
    while IFS= read -r cmd; do
        n=$((n + 1))
        if (cd "$dir" && sh -c "$cmd" >out.$n 2>err.$n </dev/null); then
            ok "$name example $n: $cmd"
        else
            nok "$name example $n: $cmd: $(head -c 300 "$dir/err.$n")"
        fi
    done < "$dir/cmds"
done
