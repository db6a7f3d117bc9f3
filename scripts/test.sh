#!/usr/bin/env bash
# Installs dependencies, builds everything and runs the whole test suite (GPU tests skip without a device).
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS
stamp() { echo "[test] $((SECONDS - T0))s: $*"; }
./scripts/install-deps.sh
stamp "packages ready"
cmake --preset release >/dev/null
cmake --build --preset release
stamp "built"
./scripts/tidy.sh build/release
stamp "clang-tidy clean"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/q4bench-runtime-$UID}
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
ctest --preset release
stamp "tests done"
