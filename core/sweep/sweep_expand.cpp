#include "sweep/sweep_expand.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "checkpoint/layer_selection.h"
#include "sweep/presets.h"
#include "sweep/spec_fields.h"

namespace q4 {

namespace {

std::string str(std::int64_t value) { return std::to_string(value); }

std::string str(double value) {  // "%g": exact for the counts and limits printed here
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

// Each value through the one field reader (which refuses NaN, infinities and absurd values),
// then the rule that ties two of them.
Status validateTiming(const SweepSpec& spec) {
    for (const SpecFieldInfo& field : specFields()) {
        const std::string_view key = field.key;
        if (!key.starts_with("timing.") && key != "tolerance") continue;
        SweepSpec copy = spec;
        if (Status s = setSpecField(copy, key, specFieldText(spec, key)); !s) return s;
    }
    const TimingOptions& t = spec.timing;
    if (!(t.timeoutSeconds >= t.minTimeSeconds))
        return Status::failure("timing.timeout_s=" + str(t.timeoutSeconds) + " must be >= timing.min_time_s=" +
                                   str(t.minTimeSeconds),
                               "timing.timeout_s");
    return Status::success();
}

Status validateKernels(const std::vector<std::string>& kernels, const std::vector<std::string>& knownKernels) {
    if (kernels.empty()) return Status::failure("the kernel list is empty: name kernels or use 'all'", "kernels");
    if (kernels.size() == 1 && kernels.front() == "all") return Status::success();
    for (const std::string& id : kernels) {
        if (id == "all") return Status::failure("kernel 'all' cannot be combined with other kernel ids", "kernels");
        if (std::find(knownKernels.begin(), knownKernels.end(), id) == knownKernels.end())
            return Status::failure("unknown kernel '" + id + "' (known: " + joinNames(knownKernels) + ")", "kernels");
    }
    return Status::success();
}

// The (n, k) shapes of a spec: a preset's layers, or the n x k cross product.
Expected<std::vector<PresetLayer>> shapesOf(const SweepSpec& spec) {
    if (!spec.preset.empty()) {
        auto preset = findPreset(spec.preset);
        if (!preset) return Error{preset.error(), "preset"};
        return preset->layers;
    }
    if (spec.n.empty()) return Error{"the n list is empty", "n"};
    if (spec.k.empty()) return Error{"the k list is empty", "k"};
    std::vector<PresetLayer> shapes;
    for (std::int64_t n : spec.n) {
        for (std::int64_t k : spec.k) shapes.push_back({"", n, k});
    }
    return shapes;
}

// A checkpoint's layers bring their own quantization: a spec that also sets it is refused rather
// than silently overridden.
Status checkCheckpointAxes(const SweepSpec& spec) {
    const SweepSpec defaults;
    const std::pair<const char*, bool> axes[] = {{"group_sizes", spec.groupSizes != defaults.groupSizes},
                                                 {"act_order", spec.actOrder != defaults.actOrder},
                                                 {"symmetric", spec.symmetric != defaults.symmetric},
                                                 {"zero_format", spec.zeroFormat != defaults.zeroFormat},
                                                 {"sparsity", spec.sparsity != defaults.sparsity}};
    for (const auto& [key, changed] : axes)
        if (changed)
            return Status::failure(std::string(key) + ": a checkpoint gives each layer's quantization; leave " + key +
                                       " at its default (" + specFieldText(defaults, key) + ") or drop the checkpoint",
                                   key);
    return Status::success();
}

// Every shape crossed with the quantization and sparsity axes.
Expected<std::vector<SweepPoint>> syntheticPoints(const SweepSpec& spec) {
    auto shapes = shapesOf(spec);
    if (!shapes) return shapes.takeError();
    std::vector<SweepPoint> points;
    for (Sparsity sparsity : spec.sparsity) {
        for (int group : spec.groupSizes) {
            for (bool symmetric : spec.symmetric) {
                for (bool actOrder : valuesOf(spec.actOrder)) {
                    for (const PresetLayer& shape : *shapes) {
                        const QuantConfig quant{group, symmetric, actOrder, spec.zeroFormat};
                        for (std::int64_t m : spec.m)
                            points.push_back(SweepPoint{m, shape.n, shape.k, shape.name, quant, sparsity});
                    }
                }
            }
        }
    }
    return points;
}

// The selected layers, each with its own quantization.
Expected<std::vector<SweepPoint>> checkpointPoints(const SweepSpec& spec) {
    auto layers = selectCheckpointLayers(spec.checkpoint, spec.layers, spec.uniqueShapes);
    if (!layers) return layers.takeError();
    std::vector<SweepPoint> points;
    for (const CheckpointLayer& layer : *layers) {
        const QuantConfig quant{layer.groupSize, layer.symmetric, layer.actOrder, layer.zeroFormat};
        for (std::int64_t m : spec.m)
            points.push_back(SweepPoint{m, layer.n, layer.k, layer.name, quant, Sparsity::None});
    }
    return points;
}

}  // namespace

Status validateGroupSize(int groupSize) {
    const std::string key = "group_sizes";
    if (groupSize == -1) return Status::success();
    if (groupSize <= 0)
        return Status::failure("group size " + std::to_string(groupSize) + " is invalid: use a positive size or -1", key);
    if (groupSize % 8 != 0)
        return Status::failure("group size " + std::to_string(groupSize) + " is not a multiple of 8", key);
    return Status::success();
}

Status validatePoint(const SweepPoint& point) {
    if (point.m < 1) return Status::failure("m=" + str(point.m) + " must be >= 1", "m");
    if (point.n < 8) return Status::failure("n=" + str(point.n) + " must be >= 8", "n");
    if (point.k < 8) return Status::failure("k=" + str(point.k) + " must be >= 8", "k");
    if (point.n % 8 != 0)
        return Status::failure("n=" + str(point.n) + " is not a multiple of 8 (int4 zero points pack 8 columns per int32)",
                               "n");
    const int group = point.quant.groupSize;
    if (Status groupStatus = validateGroupSize(group); !groupStatus) return groupStatus;
    // Checked before k % 8: a valid group is a multiple of 8, so this is the more specific message.
    if (group > 0 && point.k % group != 0)
        return Status::failure("k=" + str(point.k) + " is not a multiple of group size " + std::to_string(group), "k");
    if (point.k % 8 != 0)
        return Status::failure("k=" + str(point.k) + " is not a multiple of 8 (int4 weights pack 8 rows per int32)", "k");
    return validateSparsity(point.k, point.sparsity);
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

Expected<std::int64_t> countSweepPoints(const SweepSpec& spec) {
    if (!spec.checkpoint.empty()) {
        if (!spec.preset.empty())
            return Error{"a checkpoint gives the shapes: use the checkpoint or the preset '" + spec.preset + "', not both",
                         "checkpoint"};
        if (Status axes = checkCheckpointAxes(spec); !axes) return axes.asError();
        auto layers = selectCheckpointLayers(spec.checkpoint, spec.layers, spec.uniqueShapes);
        if (!layers) return layers.takeError();
        return std::int64_t(spec.m.size() * layers->size());  // the layers bring their own quantization
    }
    std::int64_t shapes = 0;
    if (!spec.preset.empty()) {
        auto preset = findPreset(spec.preset);
        if (!preset) return Error{preset.error(), "preset"};
        shapes = std::int64_t(preset->layers.size());
    } else {
        shapes = std::int64_t(spec.n.size()) * std::int64_t(spec.k.size());
    }
    // Each factor is at most a range's 100,000 values, so the product of five fits in a double
    // exactly enough to compare against the limit.
    const double count = double(spec.m.size()) * double(shapes) * double(spec.groupSizes.size()) *
                         double(spec.symmetric.size()) * double(valuesOf(spec.actOrder).size()) *
                         double(spec.sparsity.size());
    if (count > double(kMaxSweepPoints))
        return Error{"the sweep has " + str(count) + " points, more than the limit of " + str(kMaxSweepPoints) +
                         ": narrow the m, n or k ranges"};
    return std::int64_t(count);
}

Expected<std::vector<SweepPoint>> expandSweep(const SweepSpec& spec, const std::vector<std::string>& knownKernels,
                                              std::int64_t memoryLimitBytes) {
    if (Status timing = validateTiming(spec); !timing) return timing.asError();
    if (spec.groupSizes.empty()) return Error{"the group size list is empty", "group_sizes"};
    for (int group : spec.groupSizes) {
        if (Status status = validateGroupSize(group); !status) return status.asError();
    }
    if (spec.symmetric.empty()) return Error{"the symmetric list is empty", "symmetric"};
    if (spec.sparsity.empty()) return Error{"the sparsity list is empty", "sparsity"};
    if (spec.m.empty()) return Error{"the m list is empty", "m"};
    if (Status kernels = validateKernels(spec.kernels, knownKernels); !kernels) return kernels.asError();
    if (auto count = countSweepPoints(spec); !count) return count.takeError();

    // m is innermost so a kernel can prepare the weights of one (n, k, quant) once for all batch sizes.
    auto points = spec.checkpoint.empty() ? syntheticPoints(spec) : checkpointPoints(spec);
    if (!points) return points.takeError();
    for (const SweepPoint& point : *points) {
        if (Status status = validatePoint(point); !status) return status.asError();
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
