# ffnn-explain: methods on iris and breast cancer, additivity of the CSV,
# charts, errors, the man page's examples.
. "$(dirname "$0")/lib.sh"
X=$BIN/ffnn-explain
EXD=$ROOT/tests/data/explain

run "$X" --help
check "--help exits 0 on stdout" test "$st" = 0 -a -s out -a ! -s err
run "$X" --version
check "--version exits 0 on stdout" test "$st" = 0 -a -s out -a ! -s err

# ---- iris ------------------------------------------------------------------------
"$BIN/ffnn-split" -s 1 "$DATA/iris.csv" train.csv test.csv
# The tutorial's model under Keras 3's loss rule: it learns iris on this split
# (0.95), as the tests of feature rankings need.
"$BIN/ffnn-train" -c "$ROOT/configs/iris-simple-keras3.json" -s 1 -o iris.ffnn train.csv 2>/dev/null
check "iris model trained" test -s iris.ffnn

# The two features that lead a summary (lines 3 and 4), sorted.
leaders() { sed -n '3,4p' "$1" | sed 's/^ *[0-9]*  //' | cut -c1-12 | sort | tr '\n' '|'; }

for m in deep exact kernel permutation; do
    expect_ok "iris $m summary" "$X" -m "$m" iris.ffnn test.csv -b train.csv -q --summary
    check "iris $m: petal length and width lead" test "$(leaders out)" = "petal length|petal width |"
done

# Σ values = output_value − base_value on every CSV row (|diff| <= 1e-5 · max(1, |Δ|)).
additive() {
    awk -F, 'NR > 1 { s = 0; for (i = 6; i <= NF; i++) s += $i; d = $5 - $4;
                      t = d < 0 ? -d : d; if (t < 1) t = 1; e = s - d; if (e < 0) e = -e;
                      if (e > 1e-5 * t) bad++; n++ }
             END { exit !(n > 0 && bad == 0) }' "$1"
}
for m in deep exact kernel; do
    for o in probability logit; do
        expect_ok "iris $m $o CSV" "$X" -m "$m" --output=$o iris.ffnn test.csv -b train.csv
        cp out "$m-$o.csv"
        check "iris $m $o: values add up to output - base" additive "$m-$o.csv"
    done
done
check "CSV header" test "$(head -1 deep-probability.csv)" = \
    "row,output,method,base_value,output_value,sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)"
check "CSV names the method and the softmax rule" test "$(cut -d, -f3 deep-probability.csv | sort -u | tr '\n' ' ')" = "deep:tf method "
check "CSV of exact says exact" test "$(cut -d, -f3 exact-probability.csv | sort -u | tr '\n' ' ')" = "exact method "
check "deep on the logits crosses no softmax" test "$(sed -n 2p deep-logit.csv | cut -d, -f3)" = deep
check "CSV has one row per input row and class" test "$(wc -l < deep-probability.csv)" = $((38 * 3 + 1))
check "CSV output names are the classes" test "$(sed -n '2,4p' deep-probability.csv | cut -d, -f1,2 | tr '\n' ' ')" = "0,0 0,1 0,2 "

# Kernel with M = 4 enumerates every coalition: equal to exact.
same() {
    paste -d, "$1" "$2" | awk -F, -v n=9 'NR > 1 { for (i = 4; i <= n; i++) { e = $i - $(i + n);
        if (e < 0) e = -e; if (e > 1e-6) bad++ } } END { exit bad > 0 }'
}
check "kernel (full enumeration) equals exact" same kernel-probability.csv exact-probability.csv
differ() { ! cmp -s "$1" "$2"; }
check "deep differs from exact (an approximation)" differ deep-probability.csv exact-probability.csv

# auto (the default): exact here (50 rows · 2^4 coalitions · 100 background
# rows is far within its budget), deep on breast cancer below.
expect_ok "iris default method" "$X" iris.ffnn test.csv -b train.csv
check "auto chose exact: same values as -m exact" \
    test "$(cut -d, -f1,2,4- out | md5sum)" = "$(cut -d, -f1,2,4- exact-probability.csv | md5sum)"
check "auto's CSV says exact" test "$(sed -n 2p out | cut -d, -f3)" = exact
expect_ok "iris default summary" "$X" iris.ffnn test.csv -b train.csv --summary
check "summary says auto chose exact" grep -q '^Mean |SHAP value| per feature: exact method (auto), 38 rows,' out

# --softmax-rule: tf (default) keeps each feature's values over the three
# classes summing to 0; torch does not, and gives other numbers.  Both add up.
expect_ok "deep, torch softmax rule" "$X" -m deep --softmax-rule=torch iris.ffnn test.csv -b train.csv
cp out deep-torch.csv
check "torch rule named in the CSV" test "$(sed -n 2p deep-torch.csv | cut -d, -f3)" = deep:torch
check "torch rule adds up" additive deep-torch.csv
expect_ok "deep, tf softmax rule given" "$X" -m deep --softmax-rule tf iris.ffnn test.csv -b train.csv
check "--softmax-rule tf is the default" cmp -s out deep-probability.csv
class_sums() {  # largest |sum over the 3 classes| of one feature's values
    awk -F, 'NR > 1 { for (i = 6; i <= NF; i++) t[$1, i] += $i; n = NF }
             END { m = 0; for (k in t) { v = t[k] < 0 ? -t[k] : t[k]; if (v > m) m = v }; printf "%.9f", m }' "$1"
}
check "tf: class sums are 0 ($(class_sums deep-probability.csv))" \
    awk -v m="$(class_sums deep-probability.csv)" 'BEGIN { exit !(m < 1e-6) }'
check "torch: class sums are not ($(class_sums deep-torch.csv))" \
    awk -v m="$(class_sums deep-torch.csv)" 'BEGIN { exit !(m > 1e-3) }'
expect_ok "torch rule on the logits: no softmax crossed" "$X" -m deep --softmax-rule=torch --output=logit \
    iris.ffnn test.csv -b train.csv
check "the rule does not change logit values" cmp -s out deep-logit.csv
expect_ok "JSON names the rule" "$X" -m deep --softmax-rule=torch --json iris.ffnn test.csv -b train.csv
check "JSON method, requested method and rule" \
    test "$(sed -n 2,4p out | tr -d ' \n')" = '"method":"deep","requested_method":"deep","softmax_rule":"torch",'

# Reproducible: same seed, same bytes; another seed, another background sample.
"$X" -m kernel -n 10 -k 20 -s 7 iris.ffnn test.csv -b train.csv > k1.csv
"$X" -m kernel -n 10 -k 20 -s 7 iris.ffnn test.csv -b train.csv > k2.csv
"$X" -m kernel -n 10 -k 20 -s 8 iris.ffnn test.csv -b train.csv > k3.csv
"$X" -m kernel -n 10 -k 20 -s 7 -j 1 iris.ffnn test.csv -b train.csv > k1j.csv
"$X" -m kernel -n 10 -k 20 -s 7 -j 5 iris.ffnn test.csv -b train.csv > k5j.csv
check "same seed, identical output" cmp -s k1.csv k2.csv
check "-j 1 and -j 5 give identical output" cmp -s k1j.csv k5j.csv
check "-j default gives the same output" cmp -s k1.csv k5j.csv
check "other seed, other output" differ k1.csv k3.csv
check "sampled kernel still adds up" additive k1.csv

# JSON
expect_ok "iris exact --json" "$X" -m exact --json iris.ffnn test.csv -b train.csv -k 30
if [ -x "$PYTHON" ]; then
    check "JSON parses, 38 rows, 3 outputs x 4 features" "$PYTHON" -c '
import json, sys
d = json.load(open("out"))
assert d["method"] == "exact" and d["background_rows"] == 30
assert len(d["explanations"]) == 38 and len(d["features"]) == 4 and len(d["outputs"]) == 3
for e in d["explanations"]:
    for k in range(3):
        s = sum(e["values"][k]); t = e["output_values"][k] - d["base_values"][k]
        assert abs(s - t) < 1e-6, (s, t)
'
else
    skip "JSON check needs python3"
fi

# permutation CSV
expect_ok "permutation CSV" "$X" -m permutation -r 3 iris.ffnn test.csv
check "permutation CSV header" test "$(head -1 out)" = "feature,importance_mean,importance_std,importance_1,importance_2,importance_3"
check "permutation CSV has 4 features" test "$(wc -l < out)" = 5

# ---- charts --------------------------------------------------------------------------
svg_ok() {
    xmllint --noout "$1" 2>/dev/null && rsvg-convert "$1" -o "$1.png" 2>/dev/null && test -s "$1.png"
}
expect_ok "charts written" "$X" -m exact iris.ffnn test.csv -b train.csv --bar-svg bar.svg \
    --beeswarm-svg swarm.svg -o shap.csv --summary
check "--csv writes the CSV file" cmp -s shap.csv exact-probability.csv
check "--summary still on stdout with --csv" grep -q '^   1  petal' out
check "bar SVG well-formed and rendered" svg_ok bar.svg
check "beeswarm SVG well-formed and rendered" svg_ok swarm.svg
expect_ok "permutation bar chart" "$X" -m permutation iris.ffnn test.csv --bar-svg pbar.svg
check "permutation bar SVG well-formed and rendered" svg_ok pbar.svg
check "bar title names the method" grep -q '<title>Feature importance (exact SHAP, 38 rows)</title>' bar.svg
check "beeswarm title names the method" grep -q '<title>SHAP values (exact, 38 rows)</title>' swarm.svg

# One row's signed values for one class: the tutorial's
# deep_shap_values[0][0] of shap_values(X_test[1:5]) is row 1, class 0.
expect_ok "row chart" "$X" -m deep iris.ffnn test.csv -b train.csv --row-svg row.svg --row 1 --class 0 -o row.csv
check "row SVG well-formed and rendered" svg_ok row.svg
check "row chart title" grep -q '<title>SHAP values of row 1, output 0 (deep:tf)</title>' row.svg
# its bars are the CSV's values of row 1, class 0, largest |value| first,
# with three significant digits and their signs
want=$(awk -F, '$1 == 1 && $2 == 0 { for (i = 6; i <= NF; i++) print $i }' row.csv |
    awk '{ v = $1 + 0; a = v < 0 ? -v : v; l = log(a) / log(10); f = int(l); if (f > l) f--;
           d = 2 - f; if (d < 0) d = 0; s = a < 1e-3 ? sprintf("%.3g", v) : sprintf("%." d "f", v);
           if (v > 0) s = "+" s; printf "%.12f %s\n", a, s }' | sort -rn | cut -d' ' -f2 | tr '\n' ' ')
got=$(grep -o 'fill="#\(ff0051\|008bfb\)">[^<]*<' row.svg | sed 's/.*>//; s/<$//' | tr '\n' ' ')
check "row chart bars are row 1's class-0 values by |value| ($got)" test "$got" = "$want"
expect_ok "row chart of the default row and class" "$X" iris.ffnn test.csv -b train.csv --row-svg row0.svg
check "default: row 0, the first class" grep -q '<title>SHAP values of row 0, output 0 (exact, auto)</title>' row0.svg
check "no temporary files left" test -z "$(ls | grep -F .tmp)"

# ---- categorical feature: one column, one value -----------------------------------
"$BIN/ffnn-train" -s 1 -e 60 -o fruit.ffnn "$EXD/fruit.csv" 2>/dev/null
for m in deep exact kernel; do
    expect_ok "categorical $m" "$X" -m "$m" fruit.ffnn "$EXD/fruit.csv" -b "$EXD/fruit.csv" -k 30
    check "categorical $m: one column per raw feature" test "$(head -1 out)" = "row,output,method,base_value,output_value,size,colour,weight"
    check "categorical $m: values add up" additive out
done
expect_ok "categorical beeswarm" "$X" fruit.ffnn "$EXD/fruit.csv" -b "$EXD/fruit.csv" --beeswarm-svg fswarm.svg
check "categorical beeswarm SVG rendered" svg_ok fswarm.svg

# ---- breast cancer: 30 features --------------------------------------------------------
"$BIN/ffnn-split" -s 1 --stratify "$DATA/breast_cancer_named.csv" bctrain.csv bctest.csv
"$BIN/ffnn-train" -c "$ROOT/configs/breast-cancer.json" -s 1 -o bc.ffnn bctrain.csv 2>/dev/null
head -21 bctest.csv > bc20.csv
expect_ok "breast cancer deep" "$X" bc.ffnn bctest.csv -b bctrain.csv
check "breast cancer deep adds up" additive out
check "breast cancer deep: 143 rows, 1 output" test "$(wc -l < out)" = 144
expect_ok "breast cancer kernel" "$X" -m kernel -k 10 bc.ffnn bc20.csv -b bctrain.csv
check "breast cancer kernel adds up" additive out
expect_ok "breast cancer permutation" "$X" -m permutation bc.ffnn bctest.csv --summary
expect_fail "breast cancer exact refuses (30 features)" 64 \
    "ffnn-explain: --method exact: the model has 30 features, more than 20 (2^30 coalitions per row); use --method kernel or raise --exact-limit" \
    "$X" -m exact bc.ffnn bctest.csv -b bctrain.csv
expect_ok "breast cancer bar + beeswarm" "$X" bc.ffnn bctest.csv -b bctrain.csv \
    --bar-svg bcbar.svg --beeswarm-svg bcswarm.svg --summary
check "breast cancer bar SVG rendered" svg_ok bcbar.svg
check "breast cancer beeswarm SVG rendered" svg_ok bcswarm.svg
check "breast cancer bar sums the rest" grep -q 'Sum of 21 other features' bcbar.svg

# ---- errors: one line, sysexits code -----------------------------------------------------
head -1 test.csv > empty-bg.csv
cut -d, -f1,2,3,5 test.csv > no-pw.csv
cut -d, -f1-4 test.csv > unlabelled.csv
{ head -3 train.csv; echo "5.0,abc,1.2,0.3,1"; } > bad-bg.csv
P="ffnn-explain"
H="; try 'ffnn-explain --help'"
expect_fail "no background" 64 "$P: the auto method needs background rows: -b BACKGROUND.csv$H" \
    "$X" iris.ffnn test.csv
expect_fail "empty background" 65 "$P: empty-bg.csv: no data rows" \
    "$X" iris.ffnn test.csv -b empty-bg.csv
expect_fail "input lacks a feature column" 65 "$P: no-pw.csv: missing feature column \"petal width (cm)\"" \
    "$X" iris.ffnn no-pw.csv -b train.csv
expect_fail "background lacks a feature column" 65 "$P: no-pw.csv: missing feature column \"petal width (cm)\"" \
    "$X" iris.ffnn test.csv -b no-pw.csv
expect_fail "non-numeric background value" 65 \
    "$P: bad-bg.csv:4:2: expected a number in column \"sepal width (cm)\", got \"abc\"" \
    "$X" iris.ffnn test.csv -b bad-bg.csv -k 0
expect_fail "missing model" 66 "$P: nope.ffnn: cannot open: No such file or directory" \
    "$X" nope.ffnn test.csv -b train.csv
expect_fail "missing input" 66 "$P: nope.csv: cannot open: No such file or directory" \
    "$X" iris.ffnn nope.csv -b train.csv
expect_fail "unknown method" 64 "$P: unknown method 'lime' (auto, deep, exact, kernel, permutation)$H" \
    "$X" -m lime iris.ffnn test.csv -b train.csv
expect_fail "unknown softmax rule" 64 "$P: unknown softmax rule 'jax' (tf or torch)$H" \
    "$X" --softmax-rule=jax iris.ffnn test.csv -b train.csv
expect_fail "row chart of a row past the input" 64 "$P: --row 38: test.csv has 38 data rows$H" \
    "$X" iris.ffnn test.csv -b train.csv --row-svg r.svg --row 38
expect_fail "row chart of an unknown class" 64 \
    "$P: --class: no output named \"setosa\" (the model's outputs: 0, 1, 2)" \
    "$X" iris.ffnn test.csv -b train.csv --row-svg r.svg --class setosa
expect_fail "row chart with permutation" 64 "$P: --row-svg needs SHAP values; permutation importance has none$H" \
    "$X" -m permutation --row-svg x.svg iris.ffnn test.csv
expect_fail "permutation needs labels" 65 "$P: unlabelled.csv: missing target column \"target\"" \
    "$X" -m permutation iris.ffnn unlabelled.csv
expect_fail "beeswarm with permutation" 64 "$P: --beeswarm-svg needs SHAP values; permutation importance has none$H" \
    "$X" -m permutation --beeswarm-svg x.svg iris.ffnn test.csv
expect_fail "--summary with --json" 64 "$P: --summary and --json both print on standard output; choose one$H" \
    "$X" --summary --json iris.ffnn test.csv -b train.csv
expect_fail "bad nsamples" 64 "$P: invalid nsamples '0' (need an integer >= 1)$H" \
    "$X" -m kernel -n 0 iris.ffnn test.csv -b train.csv
expect_fail "unknown output kind" 64 "$P: unknown output 'prob' (probability or logit)$H" \
    "$X" --output=prob iris.ffnn test.csv -b train.csv
expect_fail "chart cannot be created" 73 "$P: /nonexistent/x.svg: cannot create: No such file or directory" \
    "$X" iris.ffnn test.csv -b train.csv --bar-svg /nonexistent/x.svg
expect_fail "two arguments needed" 64 "$P: expected MODEL INPUT.csv, got 1 argument$H" \
    "$X" iris.ffnn -b train.csv

# ---- the man page's examples ------------------------------------------------------------
mkdir man.d && cd man.d
ln -s "$ROOT/datasets" datasets
ln -s "$ROOT/configs" configs
awk '/^\.SH /{ex = ($2 == "EXAMPLES")} ex && /^\$ /{print substr($0, 3)}' "$ROOT/man/ffnn-explain.1" |
    sed -e 's/\\-/-/g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' > cmds
n=0
while IFS= read -r cmd; do
    n=$((n + 1))
    if PATH="$BIN:$PATH" sh -c "$cmd" > ex.$n 2> err.$n < /dev/null; then
        ok "man example $n: $cmd"
    else
        nok "man example $n: $cmd: $(head -c 300 err.$n)"
    fi
done < cmds
check "man examples: at least 5" test "$n" -ge 5
check "man example summary: petal features lead" test "$(leaders ex.3)" = "petal length|petal width |"
check "man example charts rendered" svg_ok bar.svg
check "man example beeswarm rendered" svg_ok swarm.svg
check "man example JSON written" test -s shap.json
cd ..
