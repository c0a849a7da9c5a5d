#!/bin/sh
# Writes DIR/ffnn-* wrappers that run the programs of BIN under valgrind's
# memcheck: any invalid access, use of uninitialised memory or definite /
# indirect leak makes the program exit 99 with valgrind's report on stderr,
# which every CLI check then sees as a wrong status or stderr.
#   sh tools/valgrind-bin.sh BIN DIR
set -e
bin=$(cd "$1" && pwd); dir=$2
mkdir -p "$dir"
for p in "$bin"/ffnn-*; do
    name=${p##*/}
    cat > "$dir/$name" <<WRAP
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --track-origins=no "$p" "\$@"
WRAP
    chmod 755 "$dir/$name"
done
