#!/bin/sh
# Developer aid: builds and runs only tests/unit/test_NAME.c against whatever
# lib/*.c files currently compile (others are skipped with a note), so one
# module's tests can run while other modules are being written.
#   sh tools/unit-one.sh NAME [SAN]
set -e
name=$1; san=${2:-}
cd "$(dirname "$0")/.."
out=build/one/$name${san:+-asan}
mkdir -p "$out/lib"
flags="-std=c11 -Wall -Wextra -O1 -g -D_GNU_SOURCE -DFFNN_VERSION=\"dev\" -Iinclude -Ibuild/gen -pthread"
[ -n "$san" ] && flags="$flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
objs=""
for f in lib/*.c; do
    o=$out/lib/$(basename "$f" .c).o
    if cc $flags -c "$f" -o "$o" 2>"$o.log"; then objs="$objs $o"
    else echo "unit-one: skipping $f (does not compile yet)" >&2; fi
done
# The C for onnx.proto, when `make` has generated it (build/gen).
if [ -f build/gen/onnx/onnx.pb-c.c ] && cc $flags -c build/gen/onnx/onnx.pb-c.c -o "$out/lib/onnx.pb-c.o"; then
    objs="$objs $out/lib/onnx.pb-c.o"
fi
echo "SUITE($name)" > "$out/suites.inc"
cc $flags -I"$out" -Itests/unit -Ilib tests/unit/main.c "tests/unit/test_$name.c" $objs -o "$out/unit" \
    -lcjson -lmd -lprotobuf-c -llapacke -lnlopt -lm $(pkg-config --libs check)
cd tests/data && CK_FORK=no "../../$out/unit"
