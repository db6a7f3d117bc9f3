#include "run/measure_kernel.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "measure/statistics.h"
#include "measure/stop_criterion.h"

namespace q4 {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string formatError(double error) {
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out << error;
    return out.str();
}

}  // namespace

void measureKernel(Backend& backend, const MeasureRequest& request, const CancelToken& cancel, Record& record) {
    const SweepPoint& point = request.problem->point;
    if (Status why = backend.supports(request.kernelId, point); !why) {
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

    auto output = kernel.runForValidation();
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

    for (int i = 0; i < request.timing.warmup; ++i) {
        if (auto s = kernel.timeSample(request.timing); !s) {
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
        auto sample = kernel.timeSample(request.timing);
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
    if (record.status == RecordStatus::Ok) kernel.addTelemetry(record);
    record.memPeakBytes = kernel.peakBytes();  // workspace may grow during runs
}

}  // namespace q4
