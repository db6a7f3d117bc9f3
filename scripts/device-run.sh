#!/usr/bin/env bash
# One call on a GPU machine: build the non-GUI targets, run every test (GPU tests for real),
# then the benchmark sweeps. Logs, CSV and JSON go under $OUT (default ./out). A device call returns
# eight files at most, so when the stages wrote more, everything is packed into $OUT/all.tgz with
# only the logs beside it. $OUT is brought up to date after every stage, so a call cut off by its
# time limit still returns every stage that finished.
#   scripts/device-run.sh [build] [tests] [original] [batch] [targets] [probe] [extra CLI args after --]
# Q4BENCH_PREBUILT=DIR: take q4bench-cli and q4gpu_tests from DIR (built elsewhere for this GPU)
# instead of building; the tests stage then runs the GPU suite only.
# targets (not in the default set): the int4 kernel targets and the Llama-2-13B decode shapes,
# from resources/sweeps/, into targets-*.csv.
# probe (not in the default set): scripts/stream_probe.cu, the time a bare read of each target
# shape's bytes takes, into probe.txt (sm_90a: the H100).
# checkpoint (not in the default set): a generated GPTQ checkpoint with one Llama-2-13B-sized
# decoder layer (act-order), inspected and swept through every kernel into checkpoint.{txt,csv}.
# model (not in the default set): the origin's generation table, Llama-2-13B with random GPTQ
# weights, prompt 512, 512 new tokens, batch 1-16, cublas_fp16 / best_int4 / exllama_style (or
# MODEL_KERNELS), into model-13b-KERNEL.{csv,json}; model-llama3: Llama-3-8B, prompt 2048, batch 1, into model-llama3.{csv,json};
# model-batch: best_int4 and cublas_fp16 at batch 16-64, into model-batch.csv. model-launch: best_int4 at
# batch 1 and 16 with the step's kernels overlapped (programmatic launch), then launched one after another
# (Q4BENCH_SERIAL_DECODER_LAUNCH=1), into model-launch-{overlap,serial}.csv. All log to model.txt.
# stream: the int4 targets and decode shapes again with --l2 stream (launches cycling over copies of
# the weights larger than the L2), into stream-*.csv.
# torch: scripts/torch_linear_check.py, PyTorch's F.linear timed like cublas_fp16, into torch-linear.txt.
# sparse: n = k = 8192 and the Llama-2-13B decode shapes at m = 1..4096, sparsity none, 16:32 and 2:4,
# through SPARSE_KERNELS (default cublas_fp16,best_int4,wmma_int4,sparse_int4) at SPARSE_LEVELS (default all
# three), into sparse-*.{csv,json}.
# model-sparse: Llama-2-13B at batch 1 and 16, prompt 512, 512 new tokens, 2:4 weights through sparse_int4
# and 16:32 through wmma_int4 (host-made weights, pruned on the host; MODEL_SPARSE_PATTERNS, default
# "2:4,sparse_int4 16:32,wmma_int4"), into model-13b-sparse-KERNEL.csv.
# profile: Nsight Compute on the first launch of the kernel function PROFILE_KERNEL names (a regular
# expression, e.g. wgmmaInt4Kernel) in one CLI run of PROFILE_POINT (its options, e.g. "--n 8192 --k 8192
# --m 4096 --kernels wgmma_int4"; best_int4 times each of its paths at prepare, so name the path's kernel):
# the full set of sections into profile.txt, the stall samples of each SASS instruction into
# profile-source.csv. Clocks are left as they are.
# GPU_TEST_FILTER, when set, is the GPU suite's --gtest_filter. With no stage named, all run. Needs CUDA, cmake, ninja, GoogleTest sources, CLI11, nlohmann-json.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
RESULTS=${OUT:-$PWD/out}
mkdir -p "$RESULTS"
OUT=$(mktemp -d)  # the stages write here; publish copies it to RESULTS
stages=()
extra=()
while (($#)); do
  if [[ $1 == -- ]]; then shift; extra=("$@"); break; fi
  stages+=("$1"); shift
done
((${#stages[@]})) || stages=(build tests original batch)
want() { [[ " ${stages[*]} " == *" $1 "* ]]; }
export CUDACXX=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
CLI=build/gpu/app/q4bench-cli
GPU_TESTS=build/gpu/tests/q4gpu_tests
if [[ -n ${Q4BENCH_PREBUILT:-} ]]; then
  CLI=$Q4BENCH_PREBUILT/q4bench-cli
  GPU_TESTS=$Q4BENCH_PREBUILT/q4gpu_tests
  for binary in "$CLI" "$GPU_TESTS"; do
    [[ -x $binary ]] || { echo "Q4BENCH_PREBUILT=$Q4BENCH_PREBUILT: no executable $(basename "$binary") there"; exit 2; }
  done
fi
status=0

# Up to eight files are copied as they are; more are packed into all.tgz (written whole, then
# renamed, so a cut-off call never returns half an archive) beside the logs.
publish() {
  local files=("$OUT"/*)
  [[ -e ${files[0]} ]] || return 0
  if ((${#files[@]} <= 8)); then
    cp "$OUT"/* "$RESULTS"/
    return 0
  fi
  tar czf "$RESULTS/.all.tgz.part" -C "$OUT" . && mv "$RESULTS/.all.tgz.part" "$RESULTS/all.tgz"
  find "$RESULTS" -maxdepth 1 -type f ! -name all.tgz -delete
  local log
  for log in device.txt tests.log tables.txt model.txt build.log; do
    if [[ -e $OUT/$log ]]; then cp "$OUT/$log" "$RESULTS/"; fi
  done
}
trap publish EXIT
trap 'exit 143' TERM INT
# Publishes what the stage before wrote (if one ran), then says whether stage $1 was asked for.
ran=1  # device.txt, written before the first stage
stage() {
  ((ran)) && publish
  ran=0
  want "$1" && ran=1
}

# The int4 targets and the Llama-2-13B decode shapes into PREFIX-SWEEP.csv, with any further options.
run_target_sweeps() {
  local prefix=$1 sweep
  shift
  for sweep in resources/sweeps/int4-targets.json resources/sweeps/llama2-13b-decode.json; do
    $CLI --sweep "$sweep" "$@" --csv "$OUT/$prefix-$(basename "$sweep" .json).csv" "${extra[@]}" 2>&1 |
      tee -a "$OUT/tables.txt" || status=1
  done
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv 2>&1
} | tee "$OUT/device.txt"

if stage build; then
  if [[ -n ${Q4BENCH_PREBUILT:-} ]]; then
    echo "prebuilt: $CLI and $GPU_TESTS, not built here"
  else
    # --clean-first: a warm machine keeps its build tree, and a copied source older than the objects
    # there would not be rebuilt; official numbers always come from a build of the tree as it is.
    { cmake --preset gpu-server -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-90}" &&
      cmake --build --preset gpu-server -j "$(nproc)" --clean-first; } >"$OUT/build.log" 2>&1 ||
      { echo "build failed"; tail -40 "$OUT/build.log"; exit 1; }
    grep -E "spill|warning" "$OUT/build.log" | head -20
    echo "build ok"
  fi
fi
if stage tests; then
  # The GPU suite runs as one process, serially: its layer cache is shared across kernels and
  # the harness's timing checks get the device to themselves. Everything else through ctest.
  if [[ -z ${Q4BENCH_PREBUILT:-} ]]; then
    ctest --preset gpu-server -LE gpu -j "$(nproc)" >"$OUT/tests.log" 2>&1 || status=1
    tail -3 "$OUT/tests.log"
  fi
  $GPU_TESTS ${GPU_TEST_FILTER:+--gtest_filter="$GPU_TEST_FILTER"} >>"$OUT/tests.log" 2>&1 || status=1
  grep -E "points checked|FAILED|PASSED|SKIPPED \]" "$OUT/tests.log" | head -40
fi
if stage original; then
  # The original comparison: m=1, n=k=8192, group 128, act-order both, every kernel, cold L2.
  $CLI --preset original --act-order both --kernels all --csv "$OUT/original.csv" --json "$OUT/original.json" \
    "${extra[@]}" 2>&1 | tee -a "$OUT/tables.txt" || status=1
fi
if stage batch; then
  $CLI --m 1:4096:x2 --n 8192 --k 8192 --group-size 128 --act-order no --kernels all \
    --csv "$OUT/batch.csv" --json "$OUT/batch.json" "${extra[@]}" 2>&1 | tee -a "$OUT/tables.txt" || status=1
fi
if stage targets; then
  run_target_sweeps targets
fi
if stage checkpoint; then
  dir=$(mktemp -d)/llama2-13b-layer
  python3 scripts/make_test_checkpoint.py --out "$dir" --size llama2-13b --layers 1 --act-order &&
    $CLI inspect "$dir" >"$OUT/checkpoint.txt" 2>&1 &&
    $CLI --checkpoint "$dir" --unique-shapes --m 1,16,77 --kernels all --csv "$OUT/checkpoint.csv" \
      "${extra[@]}" 2>&1 | tee -a "$OUT/checkpoint.txt" || status=1
  rm -rf "$(dirname "$dir")"
fi
if stage model; then
  # One run per kernel, so a call cut by its time limit keeps the kernels already measured.
  for kernel in ${MODEL_KERNELS:-cublas_fp16 best_int4 exllama_style}; do
    $CLI model --preset llama2-13b --batch 1,2,4,8,16 --prompt 512 --new 512 --kernels "$kernel" \
      --csv "$OUT/model-13b-$kernel.csv" --json "$OUT/model-13b-$kernel.json" "${extra[@]}" 2>&1 |
      tee -a "$OUT/model.txt" || status=1
  done
fi
if stage model-llama3; then
  $CLI model --preset llama3-8b --batch 1 --prompt 2048 --new 512 --kernels best_int4,cublas_fp16 \
    --csv "$OUT/model-llama3.csv" --json "$OUT/model-llama3.json" "${extra[@]}" 2>&1 | tee -a "$OUT/model.txt" ||
    status=1
fi
if stage model-batch; then
  $CLI model --preset llama2-13b --batch 16,24,32,48,64 --prompt 512 --new 512 --kernels cublas_fp16,best_int4 \
    --min-generations 2 --csv "$OUT/model-batch.csv" "${extra[@]}" 2>&1 | tee -a "$OUT/model.txt" || status=1
fi
if stage model-launch; then
  for mode in overlap serial; do
    serial=()
    [[ $mode == serial ]] && serial=(Q4BENCH_SERIAL_DECODER_LAUNCH=1)
    env "${serial[@]}" "$CLI" model --preset llama2-13b --batch 1,16 --prompt 512 --new 512 --kernels best_int4 \
      --min-generations 2 --csv "$OUT/model-launch-$mode.csv" "${extra[@]}" 2>&1 | tee -a "$OUT/model.txt" || status=1
  done
fi
if stage stream; then
  run_target_sweeps stream --l2 stream
fi
if stage torch; then
  python3 scripts/torch_linear_check.py --m 1,2,4,8,16,32,64,128,256,1024,4096 >"$OUT/torch-linear.txt" 2>&1 ||
    status=1
  cat "$OUT/torch-linear.txt"
fi
if stage sparse; then
  for shapes in "--n 8192 --k 8192" "--preset llama2-13b-fused"; do
    name=$([[ $shapes == *preset* ]] && echo decode || echo 8192)
    $CLI $shapes --m 1:4096:x2 --group-size 128 --sparsity "${SPARSE_LEVELS:-none,16:32,2:4}" \
      --kernels "${SPARSE_KERNELS:-cublas_fp16,best_int4,wmma_int4,sparse_int4}" --csv "$OUT/sparse-$name.csv" \
      --json "$OUT/sparse-$name.json" "${extra[@]}" 2>&1 | tee -a "$OUT/tables.txt" || status=1
  done
fi
if stage model-sparse; then
  for pattern in ${MODEL_SPARSE_PATTERNS:-2:4,sparse_int4 16:32,wmma_int4}; do
    $CLI model --preset llama2-13b --batch 1,16 --prompt 512 --new 512 --sparsity "${pattern%,*}" \
      --kernels "${pattern#*,}" --min-generations 2 --csv "$OUT/model-13b-sparse-${pattern#*,}.csv" "${extra[@]}" 2>&1 |
      tee -a "$OUT/model.txt" || status=1
  done
fi
if stage profile; then
  if [[ -z ${PROFILE_POINT:-} || -z ${PROFILE_KERNEL:-} ]]; then
    echo "profile: set PROFILE_POINT to the point's CLI options and PROFILE_KERNEL to the kernel function," \
      "e.g. PROFILE_POINT=\"--n 8192 --k 8192 --m 1 --kernels tc_int4\" PROFILE_KERNEL=tcInt4Kernel"
    status=1
  else
    # One profiled launch; the short stop criterion keeps the unprofiled rest of the run brief.
    profile=(ncu --clock-control none -k "regex:$PROFILE_KERNEL" -c 1)
    read -r -a point <<<"$PROFILE_POINT"
    run_point=("$CLI" "${point[@]}" --min-time 0.05 --timeout 5)
    "${profile[@]}" --set full "${run_point[@]}" >"$OUT/profile.txt" 2>&1 || status=1
    "${profile[@]}" --section SourceCounters --section WarpStateStats --page source --print-source sass --csv \
      "${run_point[@]}" >"$OUT/profile-source.csv" 2>>"$OUT/profile.txt" || status=1
    grep -E "Duration|Throughput|Issue Slots Busy|Eligible Warps|highest-utilized" "$OUT/profile.txt" | head -20
  fi
fi
if stage probe; then
  { cmake --preset gpu-server -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-90}" >/dev/null &&
    cmake --build --preset gpu-server --target q4stream-probe >/dev/null && build/gpu/q4stream-probe; } >"$OUT/probe.txt" 2>&1 ||
    status=1
  cat "$OUT/probe.txt"
fi
exit $status
