#pragma once
// What to measure: axes that expand into points, and how to time them.
#include <cstdint>
#include <string>
#include <vector>

#include "common/enum_names.h"
#include "common/expected.h"
#include "gptq/gptq_layer.h"
#include "sparsity/sparsity.h"

namespace q4 {

// An axis that can be off, on or both (act-order, symmetric zeros).
enum class YesNoBoth { No, Yes, Both };
NameTable<YesNoBoth> namesOf(YesNoBoth);  // no, yes, both (also off/on, false/true)
std::vector<bool> valuesOf(YesNoBoth choice);                // the settings the axis expands to
YesNoBoth choiceOf(const std::vector<bool>& values);

// How the L2 cache stands before each timed sample.
enum class L2Mode {
    Cold,  // flushed by reads before every sample (the default)
    Hot,   // back-to-back launches on one copy of the weights
    // Back-to-back launches over enough distinct copies of the weights to exceed the L2 several
    // times, replayed from one CUDA graph: cold weights without a flush or launch gap per sample,
    // as a model's decode step runs its layers (GPU backends only).
    Stream,
};
NameTable<L2Mode> namesOf(L2Mode);  // cold, hot, stream

struct TimingOptions {
    int warmup = 3;              // untimed runs before sampling
    int minSamples = 10;
    double minTimeSeconds = 0.5;  // wall time spent sampling, at least
    double maxNoise = 0.005;      // relative standard error of the mean (stdev / mean / sqrt(samples))
    double timeoutSeconds = 15;   // stop sampling here even if noisy; the record says so
    L2Mode l2 = L2Mode::Cold;
    bool cudaGraph = false;  // replay the launch from a CUDA graph (GPU)
};

struct SweepSpec {
    std::vector<std::int64_t> m{1};
    std::vector<std::int64_t> n{8192};
    std::vector<std::int64_t> k{8192};
    std::string preset;  // when set, (n, k) come from the preset's layers instead of n x k
    // When set, a GPTQ checkpoint directory: its linear layers (those whose names match the regex
    // `layers`, searched; empty matches all) with their own tensors, group size, act-order,
    // symmetry and zero format replace n x k and the quantization axes.
    std::string checkpoint;
    std::string layers;
    bool uniqueShapes = false;  // one layer per (n, k, group size, act-order)
    std::vector<int> groupSizes{128};
    YesNoBoth actOrder = YesNoBoth::No;
    std::vector<bool> symmetric{true};
    ZeroFormat zeroFormat = ZeroFormat::V1;
    // Structured sparsity of the weights: each pattern prunes the same random weights by
    // magnitude along k (sparsity/prune.h). Checkpoints are dense: only none goes with one.
    std::vector<Sparsity> sparsity{Sparsity::None};
    std::vector<std::string> kernels{"all"};
    std::string backend = "auto";  // a registered backend's name, or auto
    std::uint64_t seed = 1234;
    double tolerance = 1e-2;  // relative error above this fails a record
    TimingOptions timing;
};

struct SweepPoint {
    std::int64_t m = 1, n = 0, k = 0;
    std::string layer;  // preset or checkpoint layer name, else empty
    QuantConfig quant;
    Sparsity sparsity = Sparsity::None;
};

// Same weights: a backend may reuse one prepared layer for every m of it.
bool sameLayer(const SweepPoint& a, const SweepPoint& b);

// Parses "1,2,4", "1:4096:x2" (geometric), "256:4096:+256" (arithmetic) and mixes of them
// ("1,2,8:64:x2"). Values must be positive. field names the axis in messages ("m", "n", ...).
Expected<std::vector<std::int64_t>> parseIntList(const std::string& text, const std::string& field);

}  // namespace q4
