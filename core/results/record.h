#pragma once
// One measured (point x kernel): the unit every front end shows, every file stores.
// Flat and pivot-friendly; optional fields are empty (not zero) when not measured. The keys,
// labels and units files and tables use for these fields live in one table: record_fields.h.
#include <cstdint>
#include <optional>
#include <string>

#include "common/enum_names.h"
#include "gptq/gptq_layer.h"
#include "sweep/sweep_spec.h"

namespace q4 {

// What happened to a record, like a profiler's disposition.
enum class RecordStatus {
    Ok,           // ran, validated, timed
    Incorrect,    // ran, but NaN/Inf or error above tolerance: not ranked
    Unsupported,  // the kernel cannot run this shape; message says why
    Error,        // a runtime failure (allocation, launch, ...); message says what
    Cancelled,    // the run was cancelled before this record finished
};
NameTable<RecordStatus> namesOf(RecordStatus);  // ok, incorrect, unsupported, error, cancelled

struct Statistics {
    std::int64_t samples = 0;
    double median = 0, mean = 0, stdev = 0, cv = 0, min = 0, max = 0, p10 = 0, p90 = 0;  // seconds (cv: ratio)
};

struct MemoryBreakdown {  // bytes the kernel holds for one point
    std::int64_t weights = 0;
    std::int64_t scales = 0;
    std::int64_t zeros = 0;
    std::int64_t gIdx = 0;  // g_idx or permutation
    std::int64_t activations = 0;
    std::int64_t output = 0;
    std::int64_t workspace = 0;
    std::int64_t total() const { return weights + scales + zeros + gIdx + activations + output + workspace; }
};

struct Record {
    // identity
    std::string runId;
    std::int64_t index = 0;  // order within the run
    std::string backend;     // "cuda" or "cpu"
    std::string device;
    std::string kernel;
    std::string family;
    std::string path;  // the code path the kernel chose (dispatchers), else empty
    // point
    std::string checkpoint;  // the checkpoint directory's name when its tensors were used, else empty
    std::string layer;       // preset or checkpoint layer name, else empty
    std::int64_t m = 0, n = 0, k = 0;
    int groupSize = 128;
    bool actOrder = false;
    bool symmetric = true;
    ZeroFormat zeroFormat = ZeroFormat::V1;
    Sparsity sparsity = Sparsity::None;
    // settings
    L2Mode l2Mode = L2Mode::Cold;
    bool cudaGraph = false;
    std::optional<std::int64_t> streamCopies;  // l2=stream: distinct copies of the weights cycled over
    std::uint64_t seed = 0;
    // outcome
    RecordStatus status = RecordStatus::Ok;
    std::string message;
    bool timedOut = false;
    Statistics time;  // seconds per operation
    std::optional<double> relError;
    // Sparse points: ||A W_sparse - A W_dense|| / ||A W_dense||, both the dequantized GPTQ weights of
    // the same random weights (pruned, and not), on the point's activations: what sparsity costs.
    std::optional<double> pruningError;
    // derived
    double bytes = 0;  // fewest bytes the operation must move
    double flops = 0;  // 2 m n k
    std::optional<double> gbps, tflops, floorSeconds, fractionOfFloor, speedupVsBaseline;
    std::optional<double> permuteSeconds;  // share of the time spent permuting activations (act-order paths)
    // memory
    std::int64_t memPeakBytes = 0;
    MemoryBreakdown mem;
    double prepareSeconds = 0;
    // device telemetry around the point, where available
    std::optional<double> smClockMhz, powerWatts, temperatureC, energyJoulesPerOp;
    std::optional<std::int64_t> throttleReasons;
};

// A record whose time counts: it ran, validated and has a time.
bool isTimed(const Record& record);
// The same point: shape, layer and quantization (kernel and settings aside).
bool samePoint(const Record& a, const Record& b);
// The same point and the same kernel: a record and its counterpart in another run.
bool samePointAndKernel(const Record& a, const Record& b);

}  // namespace q4
