#!/bin/sh
# make check-deps: the module order of DESIGN §4, checked on every #include.
#
#   tools/check-deps.sh [ROOT]     (default: the repository this script is in)
#
# Every file of lib/, include/ffnn/ and cmd/ belongs to a module (the
# MODULES table below: a file's name without its extension; lib-private
# headers and split implementation files name their module with "=").
# Each module has a rank.  A file may include a header of its own module or
# of a module of strictly lower rank; an include of the same or a higher rank
# is an error unless the pair is listed under ALLOW.  So a cycle between two
# modules can only exist if it is written into ALLOW on purpose.  cmd/ files
# may include only public headers (include/ffnn/) and cmd/common.h, never a
# lib/ header.  A file whose module is not in the table is an error too, so
# the table stays complete; so is a file of lib/ that lib/README.md (the
# module map) does not name.  Exit 0 and "check-deps: layering ok", or 1 and
# one line per violation.
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 2

# rank module[=family]...   (lowest first; see DESIGN §4 for the layers)
MODULES='
0  internal swar
1  error names
2  rng file pool num onnx_graph
3  mat mat_internal=mat mat_kern=mat mat_base=mat mat_avx2=mat mat_avx512=mat
3  csv csv_pipeline=csv activation metrics eval plot
3  gp
4  json loss layer optim eval_plot
5  dataset eval_report
6  preprocess prep_internal=preprocess prep_encode=preprocess eval_read
7  model ingest ingest_internal=ingest ingest_fit=ingest ingest_encode=ingest
8  predict train model_io model_io_internal=model_io model_read=model_io explain
8  explain_internal=explain
9  explain_deep explain_exact explain_kernel explain_perm explain_io config plot_explain
9  export export_onnx=export
10 train_file
11 tune tune_internal=tune tune_space=tune tune_config=tune tune_oracle=tune tune_hyperband=tune tune_bayes=tune tune_dir=tune tune_codec=tune tune_trial=tune tune_pool=tune tune_run=tune
20 common progbar=common
21 ffnn-split ffnn-train ffnn-predict ffnn-info ffnn-eval ffnn-tune ffnn-explain ffnn-export
'
# from to: same-rank includes that are allowed (none today).
ALLOW='
'

# module_of NAME -> "family rank", or nothing if unknown.
module_of() {
    echo "$MODULES" | awk -v n="$1" '
        NF { for (i = 2; i <= NF; i++) { split($i, p, "="); if (p[1] == n) {
                 print (p[2] != "" ? p[2] : p[1]), $1; exit } } }'
}

bad=0
fail() { echo "check-deps: $*"; bad=1; }

for f in lib/*.c lib/*.h include/ffnn/*.h cmd/*.c cmd/*.h; do
    [ -e "$f" ] || continue
    m=$(basename "$f"); m=${m%.*}
    set -- $(module_of "$m")
    [ $# = 2 ] || { fail "$f: module '$m' has no rank in tools/check-deps.sh"; continue; }
    own=$1 rank=$2
    # #include "ffnn/x.h" (public) or "x.h" (beside the file)
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        case $inc in
            ffnn/*.h) name=${inc#ffnn/}; name=${name%.h}; public=1 ;;
            */*) fail "$f includes \"$inc\" (only \"ffnn/x.h\" or a header beside the file)"; continue ;;
            *.h) name=${inc%.h}; public=0 ;;
            *) fail "$f includes \"$inc\" (not a header)"; continue ;;
        esac
        set -- $(module_of "$name")
        [ $# = 2 ] || { fail "$f includes unknown module '$name'"; continue; }
        to=$1 trank=$2
        case $f in
            cmd/*) if [ $public = 0 ] && [ "$name" != common ]; then
                       fail "$f includes lib-private \"$inc\" (cmd/ sees only include/ffnn/ and common.h)"
                   fi ;;
        esac
        [ "$to" = "$own" ] && continue
        [ "$trank" -lt "$rank" ] && continue
        if echo "$ALLOW" | grep -qx "$own $to"; then continue; fi
        if [ "$trank" = "$rank" ]; then
            fail "$f ($own, rank $rank) includes $inc ($to, the same rank; list the edge under ALLOW if it is meant)"
        else
            fail "$f ($own, rank $rank) includes $inc ($to, rank $trank: a higher one)"
        fi
    done
done
# lib/README.md is the module map: every file of lib/ must be named there.
for f in lib/*.c lib/*.h; do
    [ -e "$f" ] || continue
    grep -qwF "${f#lib/}" lib/README.md 2>/dev/null ||
        fail "$f is not in the module map (lib/README.md)"
done
[ $bad = 0 ] && echo "check-deps: layering ok"
exit $bad
