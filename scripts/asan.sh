#!/usr/bin/env bash
# Builds everything but CUDA with AddressSanitizer + UBSan (Debug, build/asan) and runs the whole
# non-GPU suite, the workbench's tests included (offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS
stamp() { echo "[asan] $((SECONDS - T0))s: $*"; }
cmake --preset debug-asan >/dev/null
cmake --build --preset debug-asan
stamp "built"
# The test preset sets these too, so a bare `ctest --preset debug-asan` behaves the same. Leak
# checking stays on: the suite, Qt's offscreen platform included, runs leak-free. UBSan must halt,
# or its findings would only be printed and the tests would pass.
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/q4bench-runtime-$UID}
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
ctest --preset debug-asan
stamp "tests done"
