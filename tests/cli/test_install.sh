# make install DESTDIR=... PREFIX=...: programs, man pages, library, headers
# and ffnn.pc; a program built against the installed library with pkg-config.
. "$(dirname "$0")/lib.sh"
if [ -n "${FFNN_ASAN:-}" ]; then skip "install test runs in the plain build only"; exit 0; fi
make -s -C "$ROOT" install DESTDIR="$PWD/inst" PREFIX=/opt/ffnn >make.log 2>&1
check "make install succeeds" [ $? = 0 ]
for f in bin/ffnn-train bin/ffnn-predict bin/ffnn-split bin/ffnn-info lib/libffnn.a lib/pkgconfig/ffnn.pc \
         include/ffnn/model_io.h share/man/man1/ffnn-train.1 share/man/man5/ffnn-model.5 share/man/man7/ffnn.7; do
    check "installed $f" [ -f "inst/opt/ffnn/$f" ]
done
check "ffnn.pc names the prefix" grep -q '^prefix=/opt/ffnn$' inst/opt/ffnn/lib/pkgconfig/ffnn.pc
cat > use.c <<'C'
#include <stdio.h>
#include <ffnn/model_io.h>
int main(int argc, char **argv)
{
    ffnn_error err;
    ffnn_model *m;
    if (ffnn_model_load(&m, argv[1], &err)) { fprintf(stderr, "%s\n", err.msg); return err.status; }
    printf("%d inputs, %zu params\n", m->n_in, m->n_params);
    ffnn_model_destroy(m);
    return argc > 2;
}
C
flags=$(PKG_CONFIG_PATH=$PWD/inst/opt/ffnn/lib/pkgconfig pkg-config --define-variable=prefix="$PWD/inst/opt/ffnn" --static --cflags --libs ffnn)
check "a program compiles against the installed headers and library" cc -std=c11 -Wall -Wextra -Werror use.c -o use $flags
"$BIN/ffnn-train" -e 2 -o m.ffnn "$DATA/iris.csv"
# The default network: 4 inputs, 100 relu units, 3 softmax outputs: 4*100+100 + 100*3+3.
check "and loads a model" [ "$(./use m.ffnn)" = "4 inputs, 803 params" ]
