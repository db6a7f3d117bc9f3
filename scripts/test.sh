#!/usr/bin/env bash
# Installs dependencies, builds everything and runs the whole test suite (GPU tests skip without a
# device): the release build's tests, then the non-GPU suite again under ASan + UBSan, then each
# fuzz target for FUZZ_SECONDS (default 60). Q4BENCH_QUICK=1 stops after the release tests.
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
[[ ${Q4BENCH_QUICK:-0} == 1 ]] && exit 0
./scripts/asan.sh
stamp "sanitized tests done"
./scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
stamp "fuzzing done"
