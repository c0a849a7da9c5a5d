#!/bin/sh
# Installs the npm packages pinned by DIR/package-lock.json into
# DIR/node_modules: deps-npm.sh DIR (make deps; tests/onnx: onnxruntime-node
# for the ONNX export tests).  `npm ci --ignore-scripts`: exactly the
# lockfile's versions, and no install scripts (onnxruntime-node's fetches
# optional GPU files from a host that may be unreachable; its CPU runtime is
# in the package).  Optional, like the test packages of deps.sh: without npm
# or a network it says so, and the tests that need the packages say why they
# skip.  Does nothing when node_modules is newer than the lockfile.
dir=${1:?usage: deps-npm.sh DIR}
stamp=$dir/node_modules/.package-lock.json   # npm writes it on every install
if [ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    sh "$(dirname "$0")/deps.sh" -- npm
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "deps: npm not found; the tests that need $dir/node_modules will be skipped" >&2
    exit 0
fi
echo "deps: npm ci in $dir"
if ! (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "deps: npm ci in $dir failed; the tests that need its packages will be skipped" >&2
    rm -rf "$dir/node_modules"
fi
exit 0
