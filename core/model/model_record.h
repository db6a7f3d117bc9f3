#pragma once
// One measured (model x kernel x batch) of the model view, and its field table: the same
// mechanism as the kernel records (results/record_fields.h), so CSV, JSON, the console table and
// the workbench all take their columns from one place.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/model_instance.h"
#include "results/record.h"
#include "results/record_fields.h"
#include "results/run_info.h"

namespace q4 {

struct ModelRecord {
    // identity
    std::string runId;
    std::int64_t index = 0;
    std::string backend;
    std::string device;
    std::string model;  // the preset's name or the checkpoint directory's
    std::string kernel;
    std::string family;
    // point and settings
    std::int64_t batch = 1;
    std::int64_t prompt = 0;
    std::int64_t newTokens = 0;
    int groupSize = 128;
    bool actOrder = false;
    Sparsity sparsity = Sparsity::None;
    std::uint64_t seed = 0;
    bool cudaGraph = false;  // decode steps were replayed from a CUDA graph
    // A step's kernels launched as programmatic dependents of the kernel before them (sm_90), so
    // each one's launch and first weight loads overlapped that kernel.
    bool programmaticLaunch = false;
    bool fusedProjections = false;  // q|k|v and gate|up ran as one layer each
    // outcome
    RecordStatus status = RecordStatus::Ok;
    std::string message;
    bool timedOut = false;
    std::int64_t generations = 0;  // timed generations
    double loadSeconds = 0;
    double ttftSeconds = 0;  // mean prefill time (the first token)
    Statistics perToken;     // seconds per decode step, over every timed step
    std::optional<double> tokensPerSecond;  // batch / mean per-token latency
    // memory
    std::int64_t memPeakBytes = 0;
    ModelMemory mem;
    // the step's byte floor: weights, scales, zeros, g_idx, LM head, norms and the KV cache a
    // decode step reads at the generation's mean context, over the measured copy bandwidth
    double stepFloorBytes = 0;
    std::optional<double> stepFloorSeconds, fractionOfFloor;
    // one profiled decode step at the generation's mean context
    std::vector<ComponentTime> components;
    std::optional<double> profiledStepSeconds;
    std::string profileMethod;  // StepProfile::method
    // tokens, sequence-major (JSON only)
    std::vector<std::vector<std::int32_t>> promptTokens;
    std::vector<std::vector<std::int32_t>> generatedTokens;
};

using ModelRecordField = FieldOf<ModelRecord>;

// The components a profiled step reports, in column order; each is a `<name>_ms` column.
const std::vector<std::string>& stepComponentNames();

const std::vector<ModelRecordField>& modelRecordFields();
const ModelRecordField* findModelRecordField(std::string_view key);

// A record whose time counts: it ran and has per-token times.
bool isTimed(const ModelRecord& record);

}  // namespace q4
