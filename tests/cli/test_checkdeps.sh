# tools/check-deps.sh (make check-deps) passes on the tree and fails, naming
# the edge, on planted violations: a cycle, a same-rank include, an upward
# include, a cmd/ program reaching a lib-private header, an unknown module.
. "$(dirname "$0")/lib.sh"
tree() { rm -rf t; mkdir t; cp -R "$ROOT/lib" "$ROOT/include" "$ROOT/cmd" "$ROOT/tools" t/; }

tree
run sh t/tools/check-deps.sh "$PWD/t"
check "the tree passes" [ "$st" = 0 ] && [ "$(cat out)" = "check-deps: layering ok" ]

# plant: train.h includes tune.h (tune.h already includes train.h: a cycle)
tree
sed -i 's|#include "ffnn/model.h"|&\n#include "ffnn/tune.h"|' t/include/ffnn/train.h
run sh t/tools/check-deps.sh "$PWD/t"
check "a planted cycle fails" [ "$st" = 1 ]
check "and names the edge" grep -q '^check-deps: include/ffnn/train.h (train, rank [0-9]*) includes ffnn/tune.h (tune, rank [0-9]*: a higher one)$' out

# plant: predict.c includes train.h (the same rank)
tree
sed -i '0,/#include "ffnn\/predict.h"/s||&\n#include "ffnn/train.h"|' t/lib/predict.c
run sh t/tools/check-deps.sh "$PWD/t"
check "a same-rank include fails" [ "$st" = 1 ] && grep -q '^check-deps: lib/predict.c (predict, rank [0-9]*) includes ffnn/train.h (train, the same rank; list the edge under ALLOW if it is meant)$' out

# plant: a program includes a lib-private header
tree
sed -i '0,/#include "common.h"/s||&\n#include "tune_internal.h"|' t/cmd/ffnn-tune.c
run sh t/tools/check-deps.sh "$PWD/t"
check "cmd/ including a lib/ header fails" [ "$st" = 1 ] && grep -q '^check-deps: cmd/ffnn-tune.c includes lib-private "tune_internal.h"' out

# plant: a module missing from the table
tree
printf '#include "ffnn/error.h"\n' > t/lib/newmod.c
run sh t/tools/check-deps.sh "$PWD/t"
check "an unknown module fails" [ "$st" = 1 ] && grep -qx "check-deps: lib/newmod.c: module 'newmod' has no rank in tools/check-deps.sh" out

# plant: a file of lib/ that the module map (lib/README.md) does not name
tree
sed -i '/| gp.c, gp.h |/d' t/lib/README.md
run sh t/tools/check-deps.sh "$PWD/t"
check "a file missing from the module map fails" [ "$st" = 1 ] &&
    grep -qx "check-deps: lib/gp.c is not in the module map (lib/README.md)" out &&
    grep -qx "check-deps: lib/gp.h is not in the module map (lib/README.md)" out
