#include "run/runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <random>

#include "io/json_io.h"
#include "run/derived_metrics.h"
#include "run/layer_source.h"
#include "run/measure_kernel.h"
#include "run/problem_data.h"
#include "sweep/sweep_expand.h"

namespace q4 {
namespace {

std::string hostName() {
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
    return name;
}

std::string newRunId() {
    std::random_device device;
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    char id[32];
    std::snprintf(id, sizeof(id), "%08x%08x", unsigned(device()), unsigned(now & 0xffffffff));
    return id;
}

// Kernels in run order: the baseline first, so every later record at a point can carry its speedup.
std::vector<std::string> runOrder(std::vector<std::string> kernels, const std::string& baseline) {
    auto it = std::find(kernels.begin(), kernels.end(), baseline);
    if (it != kernels.end()) std::rotate(kernels.begin(), it, it + 1);
    return kernels;
}

Record recordSkeleton(const RunInfo& info, const SweepSpec& spec, const SweepPoint& point, const KernelInfo& kernel,
                      const std::string& checkpoint) {
    Record r;
    r.checkpoint = checkpoint;
    r.runId = info.runId;
    r.backend = info.backend;
    r.device = info.device.name;
    r.kernel = kernel.id;
    r.family = kernel.family;
    r.layer = point.layer;
    r.m = point.m;
    r.n = point.n;
    r.k = point.k;
    r.groupSize = point.quant.groupSize;
    r.actOrder = point.quant.actOrder;
    r.symmetric = point.quant.symmetric;
    r.zeroFormat = point.quant.zeroFormat;
    r.sparsity = point.sparsity;
    r.l2Mode = spec.timing.l2;
    r.cudaGraph = spec.timing.cudaGraph;
    r.seed = spec.seed;
    return r;
}

// The sparse point's product against its dense twin's (the same random weights, unpruned), both
// through the backend's reference. The twin's weights get their own id, so a backend that caches
// the reference weights per layer does not mistake one for the other.
std::optional<double> measurePruningError(Backend& backend, const Problem& problem, const LayerData& data,
                                          const std::vector<float>& sparseProduct) {
    Problem twin = problem;
    twin.layerId = problem.layerId | (std::uint64_t(1) << 63);
    twin.sparse = nullptr;
    auto dense = backend.reference(twin, data.unpruned);
    if (!dense) return std::nullopt;
    return relativeError(sparseProduct, *dense);
}

const Record* completedRecord(const std::vector<Record>& completed, const Record& skeleton) {
    for (const Record& r : completed)
        if (samePointAndKernel(r, skeleton)) return &r;
    return nullptr;
}

}  // namespace

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

RunInfo makeRunInfo(Backend& backend, const SweepSpec& spec, const RunOptions& options) {
    RunInfo info;
    info.runId = newRunId();
    info.projectVersion = Q4BENCH_VERSION;
    info.startedUtc = utcNow();
    info.host = hostName();
    info.backend = backend.name();
    info.device = backend.deviceInfo();
    info.ceilings = backend.ceilings();
    info.specJson = sweepSpecToJson(spec);
    info.commandLine = options.commandLine;
    return info;
}

Expected<RunResult> runSweep(Backend& backend, const SweepSpec& spec, const RunOptions& options,
                             const RunCallbacks& callbacks, const CancelToken& cancel) {
    const std::vector<std::string> known = kernelIds(backend);
    auto points = expandSweep(spec, known, backend.memoryLimitBytes());
    if (!points) return points.takeError();
    auto source = LayerSource::forSpec(spec);
    if (!source) return source.takeError();
    const std::string checkpoint = source->checkpointName();
    const std::vector<std::string> kernels = runOrder(sweepKernels(spec, backend.kernels()), backend.baselineKernel());
    std::vector<KernelInfo> infos;
    for (const auto& id : kernels)
        for (const auto& k : backend.kernels())
            if (k.id == id) infos.push_back(k);

    RunResult result;
    result.info = makeRunInfo(backend, spec, options);
    result.info.architectureJson = source->architectureJson();
    if (callbacks.onStart)
        if (Status s = callbacks.onStart(result.info); !s) return s.asError();

    const std::size_t total = points->size() * infos.size();
    auto log = [&](const std::string& line) { if (callbacks.onLog) callbacks.onLog(line); };
    auto emit = [&](Record record) {
        record.index = std::int64_t(result.records.size());
        result.records.push_back(record);
        if (callbacks.onRecord) callbacks.onRecord(result.records.back());
        if (callbacks.onProgress) callbacks.onProgress(result.records.size(), total);
    };

    if (callbacks.onProgress) callbacks.onProgress(0, total);  // the true total before the first record
    if (!options.completed.empty()) log("resuming: records already measured are kept, not measured again");

    bool fatal = false;
    std::uint64_t layerId = 0;
    std::optional<LayerData> layerData;
    std::string layerError;  // why layerData is empty
    const SweepPoint* layerPoint = nullptr;
    for (const SweepPoint& point : *points) {
        if (cancel.cancelled()) break;
        if (!layerPoint || !sameLayer(*layerPoint, point)) {
            auto made = source->load(point);
            layerData.reset();
            layerPoint = &point;
            ++layerId;
            layerError = made ? "" : "weights: " + made.error();
            if (made) layerData = std::move(made).value();
            else log("point " + (point.layer.empty() ? "" : point.layer + " ") + "n=" + std::to_string(point.n) +
                     " k=" + std::to_string(point.k) + ": " + layerError);
        }
        const std::vector<HalfBits> a = makeActivations(point.m, point.k, spec.seed);
        Problem problem{point, layerData ? &layerData->layer : nullptr, &a, layerId,
                        layerData && layerData->sparse ? &*layerData->sparse : nullptr};
        std::optional<std::vector<float>> reference;
        std::string referenceError = layerError;
        std::optional<double> pruningError;
        if (layerData) {
            auto ref = backend.reference(problem, layerData->dequantized);
            if (ref) reference = std::move(ref).value();
            else referenceError = "reference: " + ref.error();
            if (reference && layerData->sparse) pruningError = measurePruningError(backend, problem, *layerData, *reference);
        }

        std::optional<double> baselineSeconds;
        for (const KernelInfo& kernel : infos) {
            Record record = recordSkeleton(result.info, spec, point, kernel, checkpoint);
            if (cancel.cancelled()) break;
            if (const Record* prior = completedRecord(options.completed, record)) {
                if (isTimed(*prior) && kernel.id == backend.baselineKernel()) baselineSeconds = prior->time.median;
                result.records.push_back(*prior);
                result.records.back().index = std::int64_t(result.records.size() - 1);
                if (callbacks.onProgress) callbacks.onProgress(result.records.size(), total);
                continue;
            }
            if (!reference) {
                record.status = RecordStatus::Error;
                record.message = referenceError;
            } else {
                MeasureRequest request{kernel.id, &problem, &*reference, spec.timing, spec.tolerance};
                measureKernel(backend, request, cancel, record);
            }
            record.pruningError = pruningError;
            fillDerivedMetrics(record, point, result.info.ceilings);
            const bool timed = isTimed(record);
            if (timed && kernel.id == backend.baselineKernel()) baselineSeconds = record.time.median;
            if (timed && baselineSeconds) record.speedupVsBaseline = *baselineSeconds / record.time.median;
            emit(std::move(record));
            if (Status health = backend.health(); !health) {
                log("device failed, ending the sweep with every record kept: " + health.message);
                fatal = true;
                break;
            }
        }
        if (fatal) break;
    }

    if (cancel.cancelled()) log("run cancelled: " + std::to_string(result.records.size()) + " of " +
                                std::to_string(total) + " records kept");
    else result.info.finishedUtc = utcNow();
    if (callbacks.onFinish) callbacks.onFinish(result.info);
    return result;
}

}  // namespace q4
