#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build/fuzz and runs each for SECONDS
# (default 60) on a scratch copy of its seed corpus, so new corpus entries stay out of the repo.
# Targets run JOBS at a time (default: the core count, at most 4); each is single-threaded.
# Known crashers in tests/fuzz/crashes/<reader>-* are replayed first, so a fixed crash stays fixed.
# Exits 1 if any target crashes; the crashing input is left in build/fuzz/findings/<reader>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
jobs=${JOBS:-$(nproc)}
((jobs > 4)) && jobs=4
build=build/fuzz

# q4core gets the coverage instrumentation too (fuzzer-no-link); the targets add -fsanitize=fuzzer.
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
  -DQ4BENCH_CUDA=OFF -DQ4BENCH_GUI=OFF -DQ4BENCH_FUZZ=ON >/dev/null
cmake --build "$build" --target q4fuzz

# UBSan findings must stop the run like ASan's do, or they would only be printed.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Replays the known crashers, then fuzzes; prints one verdict line and returns 1 on a crash.
fuzz_one() {
  local reader=$1 dir=tests/fuzz/corpus/$1/ work="$build/findings/$1" failed=0
  local target="$build/tests/fuzz/fuzz_$reader"
  rm -rf "$work" && mkdir -p "$work/corpus"
  cp "$dir"* "$work/corpus/"
  for input in tests/fuzz/crashes/"$reader"-*; do
    [[ -e $input ]] || continue
    if ! "$target" "$input" >"$work/replay.log" 2>&1; then
      failed=1
      echo "fuzz_$reader: FAILED on known crasher $input: $(grep -m 1 -E 'what\(\)|runtime error|ERROR' "$work/replay.log")"
    fi
  done
  local log="$work/fuzz.log"
  if "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
       -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" >"$log" 2>&1; then
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz_$reader: ok, ${runs:-?} runs in ${seconds}s, corpus $(ls "$work/corpus" | wc -l) inputs"
  else
    failed=1
    echo "fuzz_$reader: FAILED, see $log; reproducer: $(ls "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* 2>/dev/null | head -1)"
    grep -m 3 -E 'what\(\)|runtime error|ERROR: (Address|Leak)Sanitizer|ERROR: libFuzzer' "$log" || tail -n 20 "$log"
  fi
  return "$failed"
}

failed=0
running=0
for dir in tests/fuzz/corpus/*/; do
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  fuzz_one "$(basename "$dir")" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
exit "$failed"
