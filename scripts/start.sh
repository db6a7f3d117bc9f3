#!/usr/bin/env bash
# Installs dependencies, builds, and starts the workbench (the Qt app when built, else the CLI's
# default sweep: the original comparison, on the GPU when one is usable, else on the CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
if [[ -x build/release/app/q4bench ]]; then
  if [[ -n ${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-} ]]; then
    exec build/release/app/q4bench "$@"
  fi
  echo "start: no display (DISPLAY and WAYLAND_DISPLAY are unset), so running the headless CLI's default sweep;" >&2
  echo "start: set DISPLAY to open the workbench, or QT_QPA_PLATFORM=offscreen for scripted use." >&2
fi
exec build/release/app/q4bench-cli "$@"
