#!/bin/sh
# Runs the libFuzzer harnesses (Makefile targets fuzz and check-fuzz).
#   run.sh probe CC DIR     exit 0 if CC links a libFuzzer program, else say
#                           the fuzz targets are skipped and exit 1
#   run.sh fuzz SECONDS DIR   each harness for SECONDS, new corpus entries
#                             kept in DIR/corpus/NAME, crashes in DIR/crash
#   run.sh check SECONDS DIR  replay tests/fuzz/regress/NAME/*, then each
#                             harness for SECONDS from its seed corpus
# Harness NAME is DIR/fuzz_NAME; its seeds tests/fuzz/corpus/NAME, its
# dictionary tests/fuzz/NAME.dict if present.  Nothing is written outside DIR.
cd "$(dirname "$0")/../.."
mode=$1 arg=$2 dir=$3
if [ "$mode" = probe ]; then
    mkdir -p "$dir"
    printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
        > "$dir/probe.c"
    if "$arg" -fsanitize=fuzzer,address,undefined "$dir/probe.c" -o "$dir/probe" >/dev/null 2>&1; then
        exit 0
    fi
    echo "fuzz: skipped: $arg cannot build libFuzzer programs (Debian: clang libclang-rt-14-dev)"
    exit 1
fi
# Findings abort (-fno-sanitize-recover); leaks count as findings too.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Scratch files of the harnesses (fuzz_tune_state's trial file) stay in DIR.
mkdir -p "$dir/crash" "$dir/tmp"
TMPDIR=$(cd "$dir/tmp" && pwd); export TMPDIR
fail=0
for src in tests/fuzz/fuzz_*.c; do
    name=${src#tests/fuzz/fuzz_}; name=${name%.c}
    bin=$dir/fuzz_$name
    seeds=tests/fuzz/corpus/$name
    dict=""; [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    opts="-timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix=$dir/crash/$name-"
    if [ "$mode" = check ]; then
        regress=tests/fuzz/regress/$name
        if [ -d "$regress" ] && [ -n "$(ls "$regress")" ]; then
            if ! "$bin" $opts "$regress"/* >"$dir/$name.regress.log" 2>&1; then
                echo "check-fuzz: $name: a regression input fails again (see $dir/$name.regress.log)"
                fail=1
                continue
            fi
        fi
        work=$dir/check/$name
        rm -rf "$work"; mkdir -p "$work"
        if "$bin" $opts $dict -max_total_time="$arg" "$work" "$seeds" >"$dir/$name.check.log" 2>&1; then
            runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$name.check.log")
            echo "check-fuzz: $name: ok ($runs runs in ${arg}s)"
        else
            echo "check-fuzz: $name: FINDING (see $dir/$name.check.log, input in $dir/crash/)"
            fail=1
        fi
    else
        work=$dir/corpus/$name
        mkdir -p "$work"
        echo "fuzz: $name for ${arg}s"
        if ! "$bin" $opts $dict -max_total_time="$arg" "$work" "$seeds" 2>&1 | tee "$dir/$name.fuzz.log" | grep -E '^(stat::|==|SUMMARY)'; then
            :
        fi
        grep -q '^SUMMARY\|^==.*ERROR' "$dir/$name.fuzz.log" && fail=1
    fi
done
exit $fail
