#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy at the root) on C++ sources of core/, app/ and ui/ that changed since
# a base commit (default: the previous commit; Q4BENCH_TIDY_BASE=<rev> to choose). Where the base
# is missing (a shallow clone) it checks every file of core/ and app/; Q4BENCH_TIDY_BASE=all checks
# every file. Needs a configured build with compile_commands.json (build/release by default).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
base=${Q4BENCH_TIDY_BASE:-HEAD~1}
if [[ $base == all ]]; then
  mapfile -t files < <(git ls-files 'core/*.cpp' 'app/*.cpp' 'ui/*.cpp')
elif ! git rev-parse -q --verify "$base^{commit}" >/dev/null 2>&1; then
  base="every file of core/ and app/"
  mapfile -t files < <(git ls-files 'core/*.cpp' 'app/*.cpp')
else
  mapfile -t files < <(git diff --name-only --diff-filter=d "$base" -- 'core/*.cpp' 'app/*.cpp' 'ui/*.cpp')
fi
# Only files this build compiles (the GUI's are absent from a build without Qt).
checked=()
for f in "${files[@]}"; do
  grep -q "\"file\": \"$PWD/$f\"" "$build/compile_commands.json" && checked+=("$f")
done
echo "tidy: ${#checked[@]} file(s) against $base"
((${#checked[@]} == 0)) && exit 0
# The GUI's precompiled header is GCC's, which clang cannot read: check those files without it.
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
sed -E 's# -include [^ ]*cmake_pch\.hxx##g; s# -Winvalid-pch##g' "$build/compile_commands.json" >"$db/compile_commands.json"
printf '%s\n' "${checked[@]}" | xargs -P 2 -n 4 clang-tidy -p "$db" --quiet --extra-arg=-Wno-unknown-warning-option 2>/dev/null
