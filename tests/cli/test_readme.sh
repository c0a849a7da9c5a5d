# The README's pipeline block runs as written (with bin/, datasets/ and
# configs/ of the source tree), each command exiting 0.
. "$(dirname "$0")/lib.sh"
ln -s "$BIN" bin
ln -s "$ROOT/datasets" datasets
ln -s "$ROOT/configs" configs
awk '/^## A pipeline/{f=1} f && /^```sh/{g=1; next} g && /^```/{exit} g' "$ROOT/README.md" |
    sed 's/  *#.*$//' > cmds
check "README has a pipeline block" [ -s cmds ]
n=0
while IFS= read -r cmd; do
    n=$((n + 1))
    if sh -c "$cmd" >out.$n 2>err.$n </dev/null; then
        ok "README command $n: $cmd"
    else
        nok "README command $n: $cmd: $(head -c 300 err.$n)"
    fi
done < cmds
check "the pipeline's report shows the confusion matrix" grep -q "confusion matrix" out.4
check "the search's best model was written" [ -s best.ffnn ]
