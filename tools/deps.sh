#!/bin/sh
# Installs missing Debian packages: deps.sh BUILD_PKGS... -- OPTIONAL_PKGS...
# Build packages are required; optional ones (test cross-checks) are tried
# and their absence only reported.  Says what it did.
req=""; opt=""; seen_sep=0
for p in "$@"; do
    if [ "$p" = "--" ]; then seen_sep=1; continue; fi
    if dpkg -s "$p" >/dev/null 2>&1; then continue; fi
    if [ $seen_sep = 0 ]; then req="$req $p"; else opt="$opt $p"; fi
done
[ -z "$req$opt" ] && { echo "deps: all packages present"; exit 0; }
SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
echo "deps: installing$req$opt with apt-get"
$SUDO apt-get update -qq >/dev/null 2>&1 || echo "deps: apt-get update failed" >&2
if [ -n "$req" ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $req >/dev/null || {
        echo "deps: could not install$req" >&2; exit 1; }
fi
for p in $opt; do
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 \
        || echo "deps: optional package $p not installed; tests that need it will be skipped" >&2
done
echo "deps: done"
