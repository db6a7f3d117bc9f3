#include "sweep/sweep_expand.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "sweep/presets.h"

namespace q4 {

namespace {

std::string str(std::int64_t value) { return std::to_string(value); }

std::string str(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

std::string gigabytes(double bytes) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f GB", bytes / 1e9);
    return buffer;
}

std::string joinNames(const std::vector<std::string>& names) {
    if (names.empty()) return "none";
    std::string joined;
    for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
    return joined;
}

// A group size on its own: -1 (one group over all of k) or a positive multiple of 8, since
// a group must cover whole packed int32 rows.
Status validateGroupSize(int groupSize) {
    if (groupSize == -1) return Status::success();
    if (groupSize <= 0) return Status::failure("group size " + std::to_string(groupSize) +
                                               " is invalid: use a positive size or -1");
    if (groupSize % 8 != 0) return Status::failure("group size " + std::to_string(groupSize) + " is not a multiple of 8");
    return Status::success();
}

// The comparisons are written negated so NaN fails them too.
Status validateTiming(const TimingOptions& t) {
    if (!(t.warmup >= 0)) return Status::failure("timing.warmup=" + std::to_string(t.warmup) + " must be >= 0");
    if (!(t.minSamples >= 1))
        return Status::failure("timing.min_samples=" + std::to_string(t.minSamples) + " must be >= 1");
    if (!(t.minTimeSeconds >= 0)) return Status::failure("timing.min_time=" + str(t.minTimeSeconds) + " must be >= 0");
    if (!(t.maxNoise > 0)) return Status::failure("timing.max_noise=" + str(t.maxNoise) + " must be > 0");
    if (!(t.timeoutSeconds > 0)) return Status::failure("timing.timeout=" + str(t.timeoutSeconds) + " must be > 0");
    if (!(t.timeoutSeconds >= t.minTimeSeconds))
        return Status::failure("timing.timeout=" + str(t.timeoutSeconds) + " must be >= timing.min_time=" +
                               str(t.minTimeSeconds));
    return Status::success();
}

Status validateKernels(const std::vector<std::string>& kernels, const std::vector<std::string>& knownKernels) {
    if (kernels.empty()) return Status::failure("the kernel list is empty: name kernels or use 'all'");
    if (kernels.size() == 1 && kernels.front() == "all") return Status::success();
    for (const std::string& id : kernels) {
        if (id == "all") return Status::failure("kernel 'all' cannot be combined with other kernel ids");
        if (std::find(knownKernels.begin(), knownKernels.end(), id) == knownKernels.end())
            return Status::failure("unknown kernel '" + id + "' (known: " + joinNames(knownKernels) + ")");
    }
    return Status::success();
}

std::vector<bool> actOrderValues(ActOrderMode mode) {
    switch (mode) {
        case ActOrderMode::No: return {false};
        case ActOrderMode::Yes: return {true};
        case ActOrderMode::Both: return {false, true};
    }
    return {false};
}

// The (n, k) shapes of a spec: a preset's layers, or the n x k cross product.
Expected<std::vector<PresetLayer>> shapesOf(const SweepSpec& spec) {
    if (!spec.preset.empty()) {
        auto preset = findPreset(spec.preset);
        if (!preset) return Error{preset.error()};
        return preset->layers;
    }
    if (spec.n.empty()) return Error{"the n list is empty"};
    if (spec.k.empty()) return Error{"the k list is empty"};
    std::vector<PresetLayer> shapes;
    for (std::int64_t n : spec.n) {
        for (std::int64_t k : spec.k) shapes.push_back({"", n, k});
    }
    return shapes;
}

}  // namespace

Status validatePoint(const SweepPoint& point) {
    if (point.m < 1) return Status::failure("m=" + str(point.m) + " must be >= 1");
    if (point.n < 8) return Status::failure("n=" + str(point.n) + " must be >= 8");
    if (point.k < 8) return Status::failure("k=" + str(point.k) + " must be >= 8");
    if (point.n % 8 != 0)
        return Status::failure("n=" + str(point.n) + " is not a multiple of 8 (int4 zero points pack 8 columns per int32)");
    const int group = point.quant.groupSize;
    if (Status groupStatus = validateGroupSize(group); !groupStatus) return groupStatus;
    // Checked before k % 8: a valid group is a multiple of 8, so this is the more specific message.
    if (group > 0 && point.k % group != 0)
        return Status::failure("k=" + str(point.k) + " is not a multiple of group size " + std::to_string(group));
    if (point.k % 8 != 0)
        return Status::failure("k=" + str(point.k) + " is not a multiple of 8 (int4 weights pack 8 rows per int32)");
    return Status::success();
}

// Worst case, counted as if everything lived on the device at once:
//   dense fp16 W        2 k n     (the fp16 baseline kernels)
//   int4 W              k n / 2   (qweight)
//   scales, zeros       2 G n + G n / 2
//   g_idx / permutation 4 k
//   A fp16, C fp16      2 m k + 2 m n
//   fp32 reference C    4 m n
//   fp32 dequantized W  4 k n     (input of the reference product)
// Computed in double and saturated so absurd shapes cannot overflow into small numbers.
std::int64_t estimatePointBytes(const SweepPoint& point) {
    const double m = static_cast<double>(point.m);
    const double n = static_cast<double>(point.n);
    const double k = static_cast<double>(point.k);
    const int group = point.quant.groupSize;
    const double groups = group > 0 ? std::ceil(k / group) : 1.0;
    const double bytes = 2 * k * n + k * n / 2 + 2 * groups * n + groups * n / 2 + 4 * k + 2 * m * k + 2 * m * n +
                         4 * m * n + 4 * k * n;
    const double limit = static_cast<double>(std::numeric_limits<std::int64_t>::max());
    if (!(bytes < limit)) return std::numeric_limits<std::int64_t>::max();
    return static_cast<std::int64_t>(bytes);
}

Expected<std::vector<SweepPoint>> expandSweep(const SweepSpec& spec, const std::vector<std::string>& knownKernels,
                                              std::int64_t memoryLimitBytes) {
    if (Status timing = validateTiming(spec.timing); !timing) return Error{timing.message};
    if (!(spec.tolerance > 0)) return Error{"tolerance=" + str(spec.tolerance) + " must be > 0"};
    if (spec.groupSizes.empty()) return Error{"the group size list is empty"};
    for (int group : spec.groupSizes) {
        if (Status status = validateGroupSize(group); !status) return Error{status.message};
    }
    if (spec.symmetric.empty()) return Error{"the symmetric list is empty"};
    if (spec.m.empty()) return Error{"the m list is empty"};
    if (Status kernels = validateKernels(spec.kernels, knownKernels); !kernels) return Error{kernels.message};

    auto shapes = shapesOf(spec);
    if (!shapes) return Error{shapes.error()};

    // m is innermost so a kernel can prepare the weights of one (n, k, quant) once for all batch sizes.
    std::vector<SweepPoint> points;
    for (int group : spec.groupSizes) {
        for (bool symmetric : spec.symmetric) {
            for (bool actOrder : actOrderValues(spec.actOrder)) {
                for (const PresetLayer& shape : *shapes) {
                    for (std::int64_t m : spec.m) {
                        SweepPoint point;
                        point.m = m;
                        point.n = shape.n;
                        point.k = shape.k;
                        point.layer = shape.name;
                        point.quant = QuantConfig{group, symmetric, actOrder, spec.zeroFormat};
                        points.push_back(std::move(point));
                    }
                }
            }
        }
    }

    for (const SweepPoint& point : points) {
        if (Status status = validatePoint(point); !status) return Error{status.message};
        if (memoryLimitBytes > 0) {
            const std::int64_t needed = estimatePointBytes(point);
            if (needed > memoryLimitBytes)
                return Error{"point m=" + str(point.m) + " n=" + str(point.n) + " k=" + str(point.k) + " needs " +
                             gigabytes(static_cast<double>(needed)) + ", more than the " +
                             gigabytes(static_cast<double>(memoryLimitBytes)) + " available"};
        }
    }
    return points;
}

std::vector<std::string> selectedKernels(const SweepSpec& spec, const std::vector<std::string>& knownKernels) {
    if (spec.kernels.size() == 1 && spec.kernels.front() == "all") return knownKernels;
    // Keep the user's order but measure a kernel named twice only once.
    std::vector<std::string> selected;
    for (const std::string& id : spec.kernels) {
        if (std::find(selected.begin(), selected.end(), id) == selected.end()) selected.push_back(id);
    }
    return selected;
}

}  // namespace q4
