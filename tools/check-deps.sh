#!/bin/sh
# make check-deps: the layering of DESIGN §4.  A lib/ file (and the public
# header of its module) may include headers of its own layer or lower ones,
# never higher.  Unknown modules are reported so the table stays complete.
cd "$(dirname "$0")/.."
layer() {
    case $1 in
        error|rng|pool|file) echo 1 ;;
        mat|mat_*|csv|json|activation|loss|metrics) echo 2 ;;
        dataset|preprocess|layer|optim) echo 3 ;;
        model) echo 4 ;;
        train|model_io|model_io_internal|model_read|config|predict|eval|eval_io|plot|plot_explain|explain|explain_*|tune|tune_*) echo 5 ;;
        internal) echo 0 ;;
        *) echo "" ;;
    esac
}
bad=0
for f in lib/*.c lib/*.h include/ffnn/*.h; do
    m=$(basename "$f"); m=${m%.*}
    own=$(layer "$m")
    if [ -z "$own" ]; then echo "check-deps: $f: module '$m' has no layer in tools/check-deps.sh"; bad=1; continue; fi
    [ "$own" = 0 ] && own=5
    for inc in $(sed -n 's/^#include "\(ffnn\/\)\{0,1\}\([a-z_]*\)\.h".*/\2/p' "$f"); do
        l=$(layer "$inc")
        [ -z "$l" ] && { echo "check-deps: $f includes unknown module '$inc'"; bad=1; continue; }
        if [ "$l" -gt "$own" ]; then
            echo "check-deps: $f (layer $own) includes $inc.h (layer $l)"; bad=1
        fi
    done
done
[ $bad = 0 ] && echo "check-deps: layering ok"
exit $bad
