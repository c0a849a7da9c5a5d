# ffnn-split: counts, determinism, row preservation, stratification, errors.
. "$(dirname "$0")/lib.sh"
S=$BIN/ffnn-split

expect_ok "split iris" "$S" -t 0.33 -s 42 "$DATA/iris.csv" train.csv test.csv
check "test rows = ceil(0.33*150) = 50" [ "$(($(wc -l < test.csv) - 1))" = 50 ]
check "train rows = 100" [ "$(($(wc -l < train.csv) - 1))" = 100 ]
check "both keep the header" [ "$(head -n 1 train.csv)" = "$(head -n 1 "$DATA/iris.csv")" ]
tail -n +2 "$DATA/iris.csv" | sort > all.sorted
{ tail -n +2 train.csv; tail -n +2 test.csv; } | sort > parts.sorted
check "rows unchanged: train + test = input" cmp -s all.sorted parts.sorted

"$S" -t 0.33 -s 42 "$DATA/iris.csv" train2.csv test2.csv
check "same seed -> byte-identical outputs" cmp -s train.csv train2.csv
check "same seed -> byte-identical test" cmp -s test.csv test2.csv
"$S" -t 0.33 -s 43 "$DATA/iris.csv" train3.csv test3.csv
check "another seed -> another split" sh -c '! cmp -s test.csv test3.csv'

expect_ok "stratified split" "$S" --stratify -t 0.2 -s 1 "$DATA/iris.csv" tr.csv te.csv
counts=$(tail -n +2 te.csv | awk -F, '{print $NF}' | sort | uniq -c | awk '{printf "%s ", $1}')
check "stratified: 10 test rows of each class (got $counts)" [ "$counts" = "10 10 10 " ]
expect_ok "stratify by named column" "$S" --stratify -T target -t 0.25 -s 3 "$DATA/breast_cancer_named.csv" a.csv b.csv
mal=$(grep -c ',malignant$' b.csv); ben=$(grep -c ',benign$' b.csv)
check "breast cancer stratified shares ($mal malignant, $ben benign of 143)" [ "$mal" = 53 -a "$ben" = 90 ]

cat "$DATA/iris.csv" | "$S" -s 7 - s1.csv s2.csv
check "reads standard input" [ "$(($(wc -l < s1.csv) + $(wc -l < s2.csv)))" = 152 ]

expect_fail "missing input" 66 "ffnn-split: nope.csv: cannot open: No such file or directory" \
    "$S" nope.csv a.csv b.csv
expect_fail "bad fraction" 64 "ffnn-split: invalid test fraction '1.5' (need 0 < F < 1); try 'ffnn-split --help'" \
    "$S" -t 1.5 "$DATA/iris.csv" a.csv b.csv
expect_fail "wrong argument count" 64 "ffnn-split: expected INPUT TRAIN_OUT TEST_OUT, got 1 argument; try 'ffnn-split --help'" \
    "$S" x.csv
printf 'a,b\n1,2\n3\n' > ragged.csv
expect_fail "ragged row" 65 "ffnn-split: ragged.csv:3: expected 2 fields, got 1" "$S" ragged.csv a.csv b.csv
: > empty.csv
expect_fail "empty file" 65 "ffnn-split: empty.csv: empty file" "$S" empty.csv a.csv b.csv
rm -f new.csv
run "$S" "$DATA/iris.csv" new.csv /nonexistent/dir/test.csv
check "unwritable output exits 73" [ "$st" = 73 ]
check "no train file left behind when the test file fails" [ ! -e new.csv ]
check "no temporary files left" [ -z "$(ls | grep tmp)" ]
run "$S" --help
check "--help exits 0 on stdout" [ "$st" = 0 -a -s out -a ! -s err ]
run "$S" --version
check "--version" grep -q "^ffnn-split (ffnn) " out
