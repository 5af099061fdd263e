#!/usr/bin/env bash
# ctest entry: writes every bundled workflow's deployed graph (with the fake server's
# object_info) through the hidden "[.frontend-export]" test, then loads each one with
# ComfyUI's own graph library in node (check-graphs.mjs).
#   run-frontend-check.sh COMFYBRIDGE_TESTS_BINARY OUTPUT_FOLDER
# Exit 77 (ctest: skipped) only when node or the npm packages are missing;
# Builds/test installs both (npm ci in this folder).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tests_binary="$1"
out="$2"

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed (Builds/test installs it)"
    exit 77
fi

if [ ! -d "$here/node_modules/@comfyorg/litegraph" ] || [ ! -d "$here/node_modules/zod" ]; then
    echo "SKIP: the frontend's packages are missing: run 'npm ci' in $here (Builds/test does)"
    exit 77
fi

rm -rf "$out" && mkdir -p "$out"

if ! COMFYBRIDGE_GRAPH_EXPORT_DIR="$out" "$tests_binary" "[.frontend-export]" >"$out/export.log" 2>&1; then
    echo "could not export the deployed graphs:"
    cat "$out/export.log"
    exit 1
fi

cd "$here" && exec node check-graphs.mjs "$out/object_info.json" $(ls "$out"/comfybridge-*.json | grep -v '\.api\.json$')
