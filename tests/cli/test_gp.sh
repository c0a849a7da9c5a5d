# The Gaussian process's reference values (tests/data/gp/ref.json, which
# test_gp.c checks lib/gp.c against) still equal what scikit-learn computes
# now: make_ref.py regenerates them and compares (1e-9; optimiser outputs
# 1e-6).  A file with one number changed must fail the comparison.
. "$(dirname "$0")/lib.sh"
if [ -n "${FFNN_ASAN:-}" ]; then skip "the reference check runs in the plain build only (no program involved)"; exit 0; fi
if ! have_sklearn; then skip "scikit-learn is not installed: tests/data/gp/ref.json not regenerated"; exit 0; fi
GP=$ROOT/tests/data/gp
if "$PYTHON" "$GP/make_ref.py" --check "$GP/ref.json" > cmp 2> py.err; then
    ok "ref.json equals scikit-learn $("$PYTHON" -c 'import sklearn; print(sklearn.__version__)') now"
else
    nok "ref.json differs from scikit-learn now: $(head -5 cmp) $(tail -2 py.err)"
fi
"$PYTHON" - "$GP/ref.json" > tampered.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["posterior"][1]["std"][2] += 1e-7
json.dump(r, sys.stdout)
PY
run "$PYTHON" "$GP/make_ref.py" --check tampered.json
check "a changed number fails the comparison" [ "$st" = 1 ]
check "and is named" grep -q '^ref.posterior\[1\].std\[2\]: ' out
