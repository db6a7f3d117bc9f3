#include "run/measure_kernel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "measure/statistics.h"
#include "measure/stop_criterion.h"

namespace q4 {
namespace {

using Clock = std::chrono::steady_clock;

// A hot sample is a batch of back-to-back launches lasting about this long, timed together and
// divided, so launch gaps and event resolution do not dominate a kernel of a few microseconds.
constexpr double kHotBatchSeconds = 200e-6;
constexpr int kMaxHotBatch = 1000;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string formatError(double error) {
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out << error;
    return out.str();
}

// One sample in seconds per launch: cold, a single launch after a flush; hot, a batch sized on the
// first sample; stream, one pass over the copies of the weights.
Expected<double> takeSample(KernelInstance& kernel, const TimingOptions& timing, int& hotBatch) {
    if (timing.l2 == L2Mode::Cold) return kernel.timeLaunches(1, timing);
    if (timing.l2 == L2Mode::Stream) return kernel.timeStream(timing);
    if (hotBatch == 0) {
        auto single = kernel.timeLaunches(1, timing);
        if (!single) return single;
        hotBatch = int(std::clamp(kHotBatchSeconds / std::max(single.value(), 1e-9), 1.0, double(kMaxHotBatch)));
    }
    auto batch = kernel.timeLaunches(hotBatch, timing);
    if (!batch) return batch;
    return batch.value() / hotBatch;
}

// Poisons the output, runs once and reads the result back.
Expected<std::vector<float>> runForValidation(KernelInstance& kernel, const TimingOptions& timing) {
    if (Status s = kernel.poisonOutput(); !s) return s.asError();
    if (Status s = kernel.launch(timing); !s) return s.asError();
    return kernel.readOutput();
}

}  // namespace

void measureKernel(Backend& backend, const MeasureRequest& request, const CancelToken& cancel, Record& record) {
    const SweepPoint& point = request.problem->point;
    if (Status why = backend.supports(request.kernelId, point); !why) {
        record.status = RecordStatus::Unsupported;
        record.message = why.message;
        return;
    }
    if (Status why = backend.supportsTiming(request.timing); !why) {
        record.status = RecordStatus::Unsupported;
        record.message = why.message;
        return;
    }

    const auto prepareStart = Clock::now();
    auto prepared = backend.prepare(request.kernelId, *request.problem);
    record.prepareSeconds = secondsSince(prepareStart);
    if (!prepared) {
        record.status = RecordStatus::Error;
        record.message = "prepare: " + prepared.error();
        return;
    }
    KernelInstance& kernel = *prepared.value();
    record.mem = kernel.memory();
    record.memPeakBytes = kernel.peakBytes();
    record.path = kernel.path();

    auto output = runForValidation(kernel, request.timing);
    if (!output) {
        record.status = RecordStatus::Error;
        record.message = "run: " + output.error();
        return;
    }
    const double error = relativeError(output.value(), *request.reference);
    record.relError = error;
    if (!std::isfinite(error) || error > request.tolerance) {
        record.status = RecordStatus::Incorrect;
        record.message = std::isfinite(error) ? "relative error " + formatError(error) + " exceeds tolerance " +
                                                    formatError(request.tolerance)
                                              : "output holds NaN/Inf or unwritten elements";
        return;
    }

    // Warm-up honours cancel and the timeout between any two launches, like sampling.
    int hotBatch = 0;
    const auto warmupStart = Clock::now();
    for (int i = 0; i < request.timing.warmup; ++i) {
        if (cancel.cancelled()) {
            record.status = RecordStatus::Cancelled;
            record.message = "cancelled during warm-up";
            return;
        }
        if (secondsSince(warmupStart) > request.timing.timeoutSeconds) break;
        if (auto s = takeSample(kernel, request.timing, hotBatch); !s) {
            record.status = RecordStatus::Error;
            record.message = "warm-up: " + s.error();
            return;
        }
    }

    StopCriterion stop(request.timing);
    std::vector<double> samples;
    const auto samplingStart = Clock::now();
    for (;;) {
        if (cancel.cancelled()) {
            record.status = RecordStatus::Cancelled;
            record.message = "cancelled after " + std::to_string(samples.size()) + " samples";
            break;
        }
        auto sample = takeSample(kernel, request.timing, hotBatch);
        if (!sample) {
            record.status = RecordStatus::Error;
            record.message = "sample " + std::to_string(samples.size()) + ": " + sample.error();
            break;
        }
        samples.push_back(sample.value());
        const StopDecision decision = stop.decide(samples, secondsSince(samplingStart));
        if (decision == StopDecision::Continue) continue;
        record.timedOut = decision == StopDecision::TimedOut;
        if (record.timedOut) record.message = "timed out before the noise target was met";
        break;
    }
    record.time = summarize(samples);
    record.permuteSeconds = kernel.permuteSeconds();
    record.streamCopies = kernel.streamCopies();
    if (record.status == RecordStatus::Ok) kernel.addTelemetry(record);
    record.memPeakBytes = kernel.peakBytes();  // workspace may grow during runs
}

}  // namespace q4
