#!/usr/bin/env bash
# Installs every Debian 12 package Q4Bench needs to build, test and run. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  build-essential cmake ninja-build pkg-config
  libgtest-dev libgmock-dev nlohmann-json3-dev libcli11-dev
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-svg-dev libqcustomplot-dev
  xvfb xauth fonts-dejavu-core
  clang clang-tidy libclang-rt-14-dev python3  # fuzzing, clang-tidy, test checkpoints
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
for attempt in 1 2 3; do $sudo apt-get update -qq && break; sleep $((attempt * 10)); done
$sudo apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
echo "install-deps: installed ${missing[*]}"
