#pragma once
// For the Model view tests: model records as a CUDA run would make them, and the tiny CPU model
// spec the end-to-end tests run.
#include <cstdint>
#include <string>

#include "model/model_record.h"
#include "model/model_spec.h"

namespace q4test {

// An ok record: per-token time grows with the batch, tokens/s = batch / per-token mean; memory
// and a profiled step whose components sum to the step.
inline q4::ModelRecord modelRecord(const std::string& kernel, std::int64_t batch, double perTokenSeconds) {
    q4::ModelRecord r;
    r.runId = "20250101T000000Z-model";
    r.backend = "cuda";
    r.device = "NVIDIA H100 80GB HBM3";
    r.model = "llama2-7b";
    r.kernel = kernel;
    r.batch = batch;
    r.prompt = 512;
    r.newTokens = 128;
    r.cudaGraph = true;
    r.generations = 4;
    r.loadSeconds = 2.5;
    r.ttftSeconds = 0.03 * double(batch);
    r.perToken.samples = 4 * 127;
    r.perToken.mean = perTokenSeconds * (1.0 + double(batch) / 32.0);
    r.perToken.median = r.perToken.mean;
    r.perToken.p10 = r.perToken.mean * 0.95;
    r.perToken.p90 = r.perToken.mean * 1.1;
    r.perToken.min = r.perToken.p10;
    r.perToken.max = r.perToken.p90;
    r.tokensPerSecond = double(batch) / r.perToken.mean;
    r.mem.quantWeights = 3'500'000'000;
    r.mem.scales = 110'000'000;
    r.mem.zeros = 14'000'000;
    r.mem.embeddings = 262'000'000;
    r.mem.kvCache = 67'000'000 * batch;
    r.mem.activations = 2'000'000 * batch;
    r.mem.workspace = 32'000'000;
    r.memPeakBytes = r.mem.total();
    r.stepFloorBytes = 3.9e9;
    r.stepFloorSeconds = 3.9e9 / 3.0e12;
    r.fractionOfFloor = *r.stepFloorSeconds / r.perToken.mean;
    const double step = r.perToken.mean;
    r.components = {{"embedding", step * 0.01}, {"qkv_proj", step * 0.2}, {"attention", step * 0.1},
                    {"o_proj", step * 0.07},    {"gate_up_proj", step * 0.3}, {"mlp_act", step * 0.02},
                    {"down_proj", step * 0.15}, {"norms", step * 0.02},     {"residual", step * 0.01},
                    {"lm_head", step * 0.1},    {"sampling", step * 0.02}};
    r.profiledStepSeconds = step;
    return r;
}

// A kernel and batch the device could not hold: the engine's unsupported record.
inline q4::ModelRecord doesNotFit(const std::string& kernel, std::int64_t batch) {
    q4::ModelRecord r;
    r.runId = "20250101T000000Z-model";
    r.backend = "cuda";
    r.device = "NVIDIA H100 80GB HBM3";
    r.model = "llama2-7b";
    r.kernel = kernel;
    r.batch = batch;
    r.prompt = 512;
    r.newTokens = 128;
    r.status = q4::RecordStatus::Unsupported;
    r.message = "needs 91.3 GB of device memory, the device has 79.6 GB";
    return r;
}

// tiny-llama on the CPU backend, small enough to run in a second or two.
inline q4::ModelSpec tinyCpuModel() {
    q4::ModelSpec spec;
    const char* const fields[][2] = {
        {"preset", "tiny-llama"},      {"backend", "cpu"},           {"batch", "1,2"},
        {"prompt", "8"},               {"new_tokens", "4"},          {"kernels", "cpu_fp32_reference"},
        {"timing.warmup", "0"},        {"timing.min_generations", "2"}, {"timing.min_time_s", "0"},
        {"timing.max_noise", "1"},     {"timing.timeout_s", "5"},    {"cuda_graph", "no"},
    };
    for (const auto& field : fields) {
        const q4::Status status = q4::setModelSpecField(spec, field[0], field[1]);
        if (!status) throw std::runtime_error(status.message);
    }
    return spec;
}

}  // namespace q4test
